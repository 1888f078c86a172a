//! Demo data: two firms of Lang Son with their people and trucks, one officer of each
//! agency, a gate admin and a platform admin. Loaded by `DEMO_DATA=1`; loading twice
//! changes nothing. Every account's password is [`DEMO_PASSWORD`] (see the README).

use app::{
    domain::{
        firm::RegistrationForm,
        person::{NewPassword, PersonForm},
        vehicle::VehicleForm,
    },
    server::{AppState, firms, fleet, people},
};
use uuid::Uuid;

pub const DEMO_PASSWORD: &str = "cuakhau-2026";

/// The authenticator secret (Base32) of every demo officer, gate admin and platform
/// admin, so that people and end-to-end tests can pass the second step of signing in:
/// any authenticator app given this secret shows their codes. Demo only: a real
/// account's secret is random, made when its owner sets it up.
pub const DEMO_TOTP_SECRET: &str = "DEMOLANGSONBORDERGATETOTPSECRET2";

struct DemoFirm {
    form: [&'static str; 6],
    people: &'static [[&'static str; 5]],
    vehicles: &'static [[&'static str; 6]],
}

/// firm_name, tax_code, address, firm_phone, admin_name, email
/// people: role, full_name, email, phone, id_number
/// vehicles: plate, trailer_plate, kind, axles, gross_weight_kg, country
const FIRMS: [DemoFirm; 2] = [
    DemoFirm {
        form: [
            "Công ty TNHH Vận tải Hữu Nghị",
            "4900123456",
            "Km 3, thị trấn Đồng Đăng, huyện Cao Lộc, Lạng Sơn",
            "0205 3851 234",
            "Nguyễn Thị Lan",
            "lan@huunghi.example",
        ],
        people: &[
            [
                "firm_clerk",
                "Trần Văn Minh",
                "minh@huunghi.example",
                "",
                "",
            ],
            [
                "driver",
                "Hoàng Văn Thụ",
                "",
                "0912 345 678",
                "020190001234",
            ],
            [
                "driver",
                "Nông Văn Dũng",
                "",
                "0987 654 321",
                "020190005678",
            ],
        ],
        vehicles: &[
            [
                "12C-123.45",
                "12R-012.34",
                "tractor_trailer",
                "5",
                "40000",
                "VN",
            ],
            ["12C-234.56", "", "refrigerated", "3", "24000", "VN"],
            ["12C-1234", "", "truck", "2", "11000", "VN"],
            [
                "29C-345.67",
                "29R-045.67",
                "container_carrier",
                "5",
                "42000",
                "VN",
            ],
        ],
    },
    DemoFirm {
        form: [
            "Công ty CP Xuất nhập khẩu Tân Thanh",
            "4900654321",
            "Cửa khẩu Tân Thanh, xã Tân Thanh, huyện Văn Lãng, Lạng Sơn",
            "0205 3880 567",
            "Lý Thị Hoa",
            "hoa@tanthanh.example",
        ],
        people: &[["driver", "Vi Văn Bình", "", "0978 111 222", "020190009999"]],
        vehicles: &[
            ["12C-456.78", "", "refrigerated", "3", "25000", "VN"],
            [
                "14C-567.89",
                "14R-067.89",
                "tractor_trailer",
                "5",
                "38000",
                "VN",
            ],
            [
                "桂A12345",
                "桂A1234挂",
                "tractor_trailer",
                "5",
                "40000",
                "CN",
            ],
        ],
    },
];

/// role, agency, full_name, email
const OFFICIALS: [[&str; 4]; 6] = [
    [
        "officer",
        "customs",
        "Đặng Quốc Hải",
        "customs@huunghi-gate.example",
    ],
    [
        "officer",
        "border_guard",
        "Lương Văn Sơn",
        "border@huunghi-gate.example",
    ],
    [
        "officer",
        "quarantine",
        "Hà Thị Mai",
        "quarantine@huunghi-gate.example",
    ],
    [
        "officer",
        "traffic_police",
        "Mã Văn Tú",
        "traffic@huunghi-gate.example",
    ],
    ["gate_admin", "", "Chu Văn Đức", "gate@huunghi-gate.example"],
    [
        "platform_admin",
        "",
        "Quản trị hệ thống",
        "admin@portal.example",
    ],
];

pub async fn load(state: &AppState) -> Result<(), String> {
    let loaded: bool =
        sqlx::query_scalar("select exists (select 1 from firms where tax_code = $1)")
            .bind(FIRMS[0].form[1])
            .fetch_one(&state.pool)
            .await
            .map_err(|error| error.to_string())?;
    if loaded {
        tracing::info!("demo data already loaded");
        return second_factors(state).await;
    }
    let password = NewPassword::parse(DEMO_PASSWORD).map_err(|problem| format!("{problem:?}"))?;
    let password_hash = state
        .passwords
        .hash(&password)
        .await
        .map_err(|error| error.to_string())?;

    for demo in &FIRMS {
        let [firm_name, tax_code, address, firm_phone, admin_name, email] =
            demo.form.map(String::from);
        let form = RegistrationForm {
            firm_name,
            tax_code,
            address,
            firm_phone,
            admin_name,
            email,
            password: DEMO_PASSWORD.into(),
        };
        let firm = form
            .parse(app::server::passwords::common())
            .map_err(|errors| format!("demo firm refused: {errors:?}"))?;
        let admin_id = firms::register(state, &firm, &password_hash)
            .await
            .map_err(|error| format!("{error:?}"))?;
        let firm_id: Uuid = sqlx::query_scalar("select firm_id from users where id = $1")
            .bind(admin_id)
            .fetch_one(&state.pool)
            .await
            .map_err(|error| error.to_string())?;
        for [role, full_name, email, phone, id_number] in
            demo.people.iter().map(|person| person.map(String::from))
        {
            let form = PersonForm {
                role,
                full_name,
                email,
                phone,
                id_number,
                password: DEMO_PASSWORD.into(),
            };
            let person = form
                .parse(app::server::passwords::common(), Some(&firm.name))
                .map_err(|errors| format!("demo person refused: {errors:?}"))?;
            people::add(state, firm_id, &person, &password_hash)
                .await
                .map_err(|error| format!("{error:?}"))?;
        }
        for [plate, trailer_plate, kind, axles, gross_weight_kg, country] in demo
            .vehicles
            .iter()
            .map(|vehicle| vehicle.map(String::from))
        {
            let form = VehicleForm {
                plate,
                trailer_plate,
                kind,
                axles,
                gross_weight_kg,
                country,
            };
            let vehicle = form
                .parse()
                .map_err(|errors| format!("demo vehicle refused: {errors:?}"))?;
            fleet::add(state, firm_id, &vehicle)
                .await
                .map_err(|error| format!("{error:?}"))?;
        }
    }
    for [role, agency, full_name, email] in OFFICIALS {
        sqlx::query("insert into users (role, agency, full_name, email, password_hash) values ($1, nullif($2, ''), $3, $4, $5)")
            .bind(role)
            .bind(agency)
            .bind(full_name)
            .bind(email)
            .bind(&password_hash)
            .execute(&state.pool)
            .await
            .map_err(|error| error.to_string())?;
    }
    // The gate admin runs every gate; the officers are posted at Huu Nghi and Tan Thanh
    // (not Thanh Thuy, where their console refuses them).
    sqlx::query(
        "insert into gate_staff (gate_id, user_id) select g.id, u.id from gates g, users u
          where u.email = 'gate@huunghi-gate.example'
             or (u.role = 'officer' and u.email like '%@huunghi-gate.example' and g.id in ('huu-nghi', 'tan-thanh'))
         on conflict do nothing",
    )
    .execute(&state.pool)
    .await
    .map_err(|error| error.to_string())?;
    second_factors(state).await?;
    tracing::info!("demo data loaded");
    Ok(())
}

/// Gives the demo's officers and admins [`DEMO_TOTP_SECRET`] as their second factor,
/// unless they have set up their own (also for demo data loaded before second factors).
async fn second_factors(state: &AppState) -> Result<(), String> {
    let secret = app::server::second_factor::secret_from_base32(DEMO_TOTP_SECRET)
        .ok_or("the demo TOTP secret is not Base32")?;
    let emails: Vec<&str> = OFFICIALS.iter().map(|[_, _, _, email]| *email).collect();
    let users: Vec<Uuid> = sqlx::query_scalar(
        "select u.id from users u
          where u.email = any($1)
            and not exists (select 1 from second_factors f where f.user_id = u.id and f.secret is not null)",
    )
    .bind(&emails)
    .fetch_all(&state.pool)
    .await
    .map_err(|error| error.to_string())?;
    for user in users {
        app::server::second_factor::set_up_with_secret(state, user, &secret)
            .await
            .map_err(|error| error.to_string())?;
    }
    Ok(())
}
