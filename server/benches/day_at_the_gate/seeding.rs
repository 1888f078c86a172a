//! What exists before the day starts, written with SQL: firms with their admins and
//! drivers, one vehicle per trip of the day, officers of every agency posted at each gate
//! and direction, each gate's admin, and the weeks of trips before the day (`history`). Everything the day itself does (sign-ins, the
//! gate plan, device keys, trips, bookings, every step at the gate) goes over HTTP.

pub mod history;

use crate::settings::{Group, Settings};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sqlx::{PgPool, Row};
use std::collections::HashMap;
use uuid::Uuid;

/// Every account's password (hashed once: argon2 costs the same for each).
pub const PASSWORD: &str = "mat-khau-ngay-2026";

pub const AGENCIES: [&str; 4] = ["traffic_police", "customs", "border_guard", "quarantine"];

/// One trip of the day as planned before it starts: whose, which truck, where, what.
pub struct PlannedTrip {
    pub firm: usize,
    pub group: usize,
    pub vehicle_id: Uuid,
    pub driver_id: Uuid,
    /// Normalised (`51C12345`), as stored.
    pub plate: String,
    pub declaration: String,
    pub perishable: bool,
    pub quarantine: bool,
}

/// An account someone signs in with.
#[derive(Clone)]
pub struct Account {
    pub email: String,
    pub password: String,
}

pub struct Seeded {
    pub firm_admins: Vec<Account>,
    pub trips: Vec<PlannedTrip>,
    /// The officers of each group and agency (`AGENCIES` order).
    pub officers: Vec<[Vec<Account>; 4]>,
    /// One admin per gate, in the order of the settings' gates.
    pub gate_admins: Vec<Account>,
}

fn account(email: String) -> Account {
    Account {
        email,
        password: PASSWORD.to_string(),
    }
}

/// The plate of the `index`th vehicle: a Vietnamese series plate such as `51C12345`,
/// never repeated (province, series letter and five digits step together).
fn plate(index: usize) -> String {
    let letters = ['C', 'D', 'E', 'F', 'G', 'H', 'K', 'L', 'M', 'N'];
    format!(
        "{}{}{}",
        11 + index % 89,
        letters[index / 90_000],
        10_000 + index % 90_000
    )
}

pub async fn seed(pool: &PgPool, settings: &Settings, groups: &[Group]) -> anyhow::Result<Seeded> {
    let hash = {
        let passwords = app::server::passwords::Passwords::new();
        let password = app::domain::person::NewPassword::parse(PASSWORD)
            .map_err(|problem| anyhow::anyhow!("the benchmark's password: {problem:?}"))?;
        passwords
            .hash(&password)
            .await
            .map_err(|error| anyhow::anyhow!("argon2: {error:?}"))?
    };
    let mut transaction = pool.begin().await?;
    sqlx::query(
        "insert into firms (name, tax_code, address, phone)
         select 'Công ty Vận tải Cửa Khẩu ' || i, '48' || lpad(i::text, 8, '0'),
                'Km 3, Đồng Đăng, Lạng Sơn', '+842053851234'
           from generate_series(1, $1) as i",
    )
    .bind(settings.firms as i32)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into users (firm_id, role, full_name, email, password_hash)
         select id, 'firm_admin', 'Nguyễn Thị Lan',
                'day-admin-' || substr(tax_code, 3)::int || '@firm.example', $1
           from firms",
    )
    .bind(&hash)
    .execute(&mut *transaction)
    .await?;
    sqlx::query(
        "insert into users (firm_id, role, full_name, phone, id_number, password_hash)
         select f.id, 'driver', 'Hoàng Văn Thụ',
                '+848' || lpad(((substr(f.tax_code, 3)::int - 1) * $1 + d)::text, 8, '0'),
                '0301' || lpad(((substr(f.tax_code, 3)::int - 1) * $1 + d)::text, 8, '0'), $2
           from firms f cross join generate_series(1, $1) as d",
    )
    .bind(settings.drivers_per_firm as i32)
    .bind(&hash)
    .execute(&mut *transaction)
    .await?;
    let rows = sqlx::query(
        "select substr(f.tax_code, 3)::int - 1 as firm, f.id,
                array(select d.id from users d where d.firm_id = f.id and d.role = 'driver' order by d.phone) as drivers
           from firms f order by 1",
    )
    .fetch_all(&mut *transaction)
    .await?;
    let firm_ids: Vec<Uuid> = rows.iter().map(|row| row.get("id")).collect();
    let drivers: Vec<Vec<Uuid>> = rows.iter().map(|row| row.get("drivers")).collect();

    // The trips of each group go to the firms in turn, so that the trips of one slot
    // belong to different firms (each may hold only a share of a slot).
    let mut random = StdRng::seed_from_u64(settings.seed);
    let mut firms = Vec::with_capacity(settings.trips);
    let mut plates = Vec::with_capacity(settings.trips);
    for index in 0..settings.trips {
        firms.push((index / groups.len() + index % groups.len()) % settings.firms);
        plates.push(plate(index));
    }
    let vehicle_firms: Vec<Uuid> = firms.iter().map(|&firm| firm_ids[firm]).collect();
    let vehicle_rows: Vec<(Uuid, String)> = sqlx::query_as(
        "insert into vehicles (firm_id, plate, country, kind, axles, gross_weight_kg)
         select firm, plate, 'VN', 'truck', 3, 24000 from unnest($1::uuid[], $2::text[]) as v (firm, plate)
         returning id, plate",
    )
    .bind(&vehicle_firms)
    .bind(&plates)
    .fetch_all(&mut *transaction)
    .await?;
    let vehicle_by_plate: HashMap<String, Uuid> = vehicle_rows
        .into_iter()
        .map(|(id, plate)| (plate, id))
        .collect();
    let trips = (0..settings.trips)
        .map(|index| {
            let firm = firms[index];
            PlannedTrip {
                firm,
                group: index % groups.len(),
                vehicle_id: vehicle_by_plate[&plates[index]],
                driver_id: drivers[firm][index % drivers[firm].len()],
                plate: plates[index].clone(),
                declaration: format!("{:012}", 300_000_000_000u64 + index as u64),
                perishable: random.random_bool(settings.perishable),
                quarantine: random.random_bool(settings.quarantine),
            }
        })
        .collect();

    let mut officers = Vec::with_capacity(groups.len());
    for group in groups {
        let mut desks: [Vec<Account>; 4] = Default::default();
        for (agency, desk) in AGENCIES.iter().zip(desks.iter_mut()) {
            for seat in 1..=settings.officers {
                let email = format!(
                    "{}-{}-{}-{seat}@gate.example",
                    agency.replace('_', "-"),
                    group.gate,
                    group.direction
                );
                let user: Uuid = sqlx::query_scalar(
                    "insert into users (role, agency, full_name, email, password_hash)
                     values ('officer', $1, 'Cán bộ Cửa khẩu', $2, $3) returning id",
                )
                .bind(agency)
                .bind(&email)
                .bind(&hash)
                .fetch_one(&mut *transaction)
                .await?;
                sqlx::query(
                    "insert into gate_staff (gate_id, user_id) values ($1, $2) on conflict do nothing",
                )
                .bind(&group.gate)
                .bind(user)
                .execute(&mut *transaction)
                .await?;
                desk.push(account(email));
            }
        }
        officers.push(desks);
    }
    let mut gate_admins = Vec::new();
    for gate in &settings.gates {
        let email = format!("admin-{gate}@gate.example");
        let user: Uuid = sqlx::query_scalar(
            "insert into users (role, full_name, email, password_hash)
             values ('gate_admin', 'Quản trị Cửa khẩu', $1, $2) returning id",
        )
        .bind(&email)
        .bind(&hash)
        .fetch_one(&mut *transaction)
        .await?;
        sqlx::query("insert into gate_staff (gate_id, user_id) values ($1, $2)")
            .bind(gate)
            .bind(user)
            .execute(&mut *transaction)
            .await?;
        gate_admins.push(account(email));
    }
    transaction.commit().await?;
    sqlx::query("analyze").execute(pool).await?;

    Ok(Seeded {
        firm_admins: (1..=settings.firms)
            .map(|firm| account(format!("day-admin-{firm}@firm.example")))
            .collect(),
        trips,
        officers,
        gate_admins,
    })
}
