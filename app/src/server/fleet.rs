//! A firm's vehicles. Every statement is scoped by the caller's firm: another firm's
//! vehicle id finds nothing, exactly like an id that does not exist.

use super::{
    AppState,
    database::{StoreError, like_pattern},
};
use crate::{
    domain::{
        Problem,
        fleet_csv::JudgedRow,
        form::FieldError,
        plate::{Country, Plate, compact},
        vehicle::{VehicleDetails, VehicleKind},
    },
    error::AppError,
    models::{FleetPage, ImportReport, ImportRow, Vehicle},
};
use uuid::Uuid;

/// How many vehicles one fleet page lists.
pub const PAGE_SIZE: i64 = 200;

macro_rules! vehicle_columns {
    () => {
        "id, plate, trailer_plate, kind, axles, gross_weight_kg, country, active"
    };
}

#[derive(sqlx::FromRow)]
struct VehicleRow {
    id: Uuid,
    plate: String,
    trailer_plate: Option<String>,
    kind: String,
    axles: i16,
    gross_weight_kg: i32,
    country: String,
    active: bool,
}

impl VehicleRow {
    fn into_vehicle(self) -> Result<Vehicle, AppError> {
        let corrupt = |what: &str| {
            tracing::error!(vehicle = %self.id, what, "unreadable vehicle row");
            AppError::Internal
        };
        let trailer_plate = match &self.trailer_plate {
            Some(stored) => {
                Some(Plate::from_normalised(stored).ok_or_else(|| corrupt("trailer_plate"))?)
            }
            None => None,
        };
        Ok(Vehicle {
            id: self.id,
            plate: Plate::from_normalised(&self.plate).ok_or_else(|| corrupt("plate"))?,
            trailer_plate,
            kind: VehicleKind::from_code(&self.kind).ok_or_else(|| corrupt("kind"))?,
            axles: self.axles,
            gross_weight_kg: self.gross_weight_kg,
            country: Country::from_code(&self.country).ok_or_else(|| corrupt("country"))?,
            active: self.active,
        })
    }
}

/// The firm's vehicles whose plate or trailer plate contains `search` (typed however:
/// `123.45`, `12c 123`), active first, then by plate.
pub async fn list(state: &AppState, firm_id: Uuid, search: &str) -> Result<FleetPage, AppError> {
    let pattern = like_pattern(&compact(search));
    let rows: Vec<VehicleRow> = sqlx::query_as(concat!(
        "select ",
        vehicle_columns!(),
        " from vehicles where firm_id = $1 and (plate like $2 or trailer_plate like $2)
          order by active desc, plate limit $3"
    ))
    .bind(firm_id)
    .bind(pattern)
    .bind(PAGE_SIZE + 1)
    .fetch_all(&state.pool)
    .await?;
    let truncated = rows.len() as i64 > PAGE_SIZE;
    let vehicles = rows
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(VehicleRow::into_vehicle)
        .collect::<Result<_, _>>()?;
    Ok(FleetPage {
        vehicles,
        truncated,
    })
}

pub async fn get(
    state: &AppState,
    firm_id: Uuid,
    vehicle_id: Uuid,
) -> Result<Option<Vehicle>, AppError> {
    let row: Option<VehicleRow> = sqlx::query_as(concat!(
        "select ",
        vehicle_columns!(),
        " from vehicles where id = $1 and firm_id = $2"
    ))
    .bind(vehicle_id)
    .bind(firm_id)
    .fetch_optional(&state.pool)
    .await?;
    row.map(VehicleRow::into_vehicle).transpose()
}

pub async fn add(
    state: &AppState,
    firm_id: Uuid,
    vehicle: &VehicleDetails,
) -> Result<Vehicle, StoreError> {
    let row: VehicleRow = sqlx::query_as(concat!(
        "insert into vehicles (firm_id, plate, trailer_plate, kind, axles, gross_weight_kg, country)
         values ($1, $2, $3, $4, $5, $6, $7) returning ",
        vehicle_columns!()
    ))
    .bind(firm_id)
    .bind(vehicle.plate.as_str())
    .bind(vehicle.trailer_plate.as_ref().map(Plate::as_str))
    .bind(vehicle.kind.code())
    .bind(vehicle.axles)
    .bind(vehicle.gross_weight_kg)
    .bind(vehicle.country.code())
    .fetch_one(&state.pool)
    .await?;
    Ok(row.into_vehicle()?)
}

/// `None` when the firm has no such vehicle.
pub async fn update(
    state: &AppState,
    firm_id: Uuid,
    vehicle_id: Uuid,
    vehicle: &VehicleDetails,
) -> Result<Option<Vehicle>, StoreError> {
    let row: Option<VehicleRow> = sqlx::query_as(concat!(
        "update vehicles set plate = $3, trailer_plate = $4, kind = $5, axles = $6, gross_weight_kg = $7, country = $8
         where id = $1 and firm_id = $2 returning ",
        vehicle_columns!()
    ))
    .bind(vehicle_id)
    .bind(firm_id)
    .bind(vehicle.plate.as_str())
    .bind(vehicle.trailer_plate.as_ref().map(Plate::as_str))
    .bind(vehicle.kind.code())
    .bind(vehicle.axles)
    .bind(vehicle.gross_weight_kg)
    .bind(vehicle.country.code())
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(VehicleRow::into_vehicle).transpose()?)
}

/// Reactivating fails with `PlateTaken` when another vehicle took the plate meanwhile.
pub async fn set_active(
    state: &AppState,
    firm_id: Uuid,
    vehicle_id: Uuid,
    active: bool,
) -> Result<Option<Vehicle>, StoreError> {
    let row: Option<VehicleRow> = sqlx::query_as(concat!(
        "update vehicles set active = $3 where id = $1 and firm_id = $2 returning ",
        vehicle_columns!()
    ))
    .bind(vehicle_id)
    .bind(firm_id)
    .bind(active)
    .fetch_optional(&state.pool)
    .await?;
    Ok(row.map(VehicleRow::into_vehicle).transpose()?)
}

/// Stores the good rows of an import and the report of every row, in one transaction.
///
/// Each good row is inserted with `on conflict do
/// nothing`, so a plate some other vehicle already holds (in this firm or another) is
/// reported on its row instead of failing the file.
pub async fn import(
    state: &AppState,
    firm_id: Uuid,
    user_id: Uuid,
    file_name: &str,
    judged: Vec<JudgedRow>,
) -> Result<Uuid, AppError> {
    let mut transaction = state.pool.begin().await?;
    let mut report = Vec::with_capacity(judged.len());
    for row in judged {
        let (plate, problems) = match row.verdict {
            Ok(vehicle) => {
                let inserted: Option<Uuid> = sqlx::query_scalar(
                    "insert into vehicles (firm_id, plate, trailer_plate, kind, axles, gross_weight_kg, country)
                     values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning id",
                )
                .bind(firm_id)
                .bind(vehicle.plate.as_str())
                .bind(vehicle.trailer_plate.as_ref().map(Plate::as_str))
                .bind(vehicle.kind.code())
                .bind(vehicle.axles)
                .bind(vehicle.gross_weight_kg)
                .bind(vehicle.country.code())
                .fetch_optional(&mut *transaction)
                .await?;
                let problems = match inserted {
                    Some(_) => Vec::new(),
                    None => vec![taken_plate(&mut transaction, &vehicle).await?],
                };
                (vehicle.plate.canonical(), problems)
            }
            Err(problems) => (row.typed_plate, problems),
        };
        report.push(ImportRow {
            line: row.line,
            plate,
            problems,
        });
    }
    let import_id: Uuid = sqlx::query_scalar(
        "insert into vehicle_imports (firm_id, created_by, file_name, rows) values ($1, $2, $3, $4) returning id",
    )
    .bind(firm_id)
    .bind(user_id)
    .bind(file_name)
    .bind(sqlx::types::Json(&report))
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(import_id)
}

/// Which of the row's plates is already held by an active vehicle.
async fn taken_plate(
    transaction: &mut sqlx::PgConnection,
    vehicle: &VehicleDetails,
) -> Result<FieldError, AppError> {
    let plate_taken: bool =
        sqlx::query_scalar("select exists (select 1 from vehicles where plate = $1 and active)")
            .bind(vehicle.plate.as_str())
            .fetch_one(&mut *transaction)
            .await?;
    let field = if plate_taken {
        "plate"
    } else {
        "trailer_plate"
    };
    Ok(FieldError {
        field: field.into(),
        problem: Problem::PlateTaken,
    })
}

#[derive(sqlx::FromRow)]
struct ImportRecord {
    id: Uuid,
    file_name: String,
    rows: sqlx::types::Json<Vec<ImportRow>>,
}

pub async fn import_report(
    state: &AppState,
    firm_id: Uuid,
    import_id: Uuid,
) -> Result<Option<ImportReport>, AppError> {
    let record: Option<ImportRecord> = sqlx::query_as(
        "select id, file_name, rows from vehicle_imports where id = $1 and firm_id = $2",
    )
    .bind(import_id)
    .bind(firm_id)
    .fetch_optional(&state.pool)
    .await?;
    Ok(record.map(|record| ImportReport {
        id: record.id,
        file_name: record.file_name,
        rows: record.rows.0,
    }))
}
