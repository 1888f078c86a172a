//! Choosing, changing and resetting passwords, over real HTTP against a real PostgreSQL.

use crate::support;

use reqwest::StatusCode;
use sqlx::PgPool;
use support::{Answer, Browser, PASSWORD, register_firm, spawn};

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

fn password_problem(answer: &Answer) -> Vec<(String, String)> {
    answer
        .problems()
        .into_iter()
        .filter(|(field, _)| field.contains("password"))
        .collect()
}

async fn register_with_password(browser: &Browser, password: &str) -> Answer {
    browser
        .call(
            "register_firm",
            &[
                ("firm_name", "Công ty Vận tải Đồng Đăng"),
                ("tax_code", "4900000001"),
                ("address", "Km 3, Đồng Đăng, Lạng Sơn"),
                ("firm_phone", "0205 3851 234"),
                ("admin_name", "Nguyễn Thị Lan"),
                ("email", "lan@dongdang.example"),
                ("password", password),
            ],
        )
        .await
}

async fn add_driver(admin: &Browser, phone: &str, password: &str) -> Answer {
    admin
        .call(
            "add_person",
            &[
                ("role", "driver"),
                ("full_name", "Hoàng Văn Thụ"),
                ("email", ""),
                ("phone", phone),
                ("id_number", "020190001234"),
                ("password", password),
            ],
        )
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn a_common_password_is_refused_at_registration(pool: PgPool) {
    let app = spawn(pool).await;
    let answer = register_with_password(&app.browser(), "12345678").await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{answer:?}"
    );
    assert_eq!(
        password_problem(&answer),
        [("password".to_string(), "password_common".to_string())]
    );
    let in_capitals = register_with_password(&app.browser(), "Password1").await;
    assert_eq!(
        password_problem(&in_capitals),
        [("password".to_string(), "password_common".to_string())],
        "compared case-insensitively"
    );
    assert_eq!(count(&app.pool, "select count(*) from firms").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_password_equal_to_the_email_or_firm_is_refused_at_registration(pool: PgPool) {
    let app = spawn(pool).await;
    let email = register_with_password(&app.browser(), "LAN@dongdang.example").await;
    assert_eq!(
        password_problem(&email),
        [("password".to_string(), "password_is_email".to_string())]
    );
    let firm = register_with_password(&app.browser(), "cong ty van tai dong dang").await;
    assert_eq!(
        password_problem(&firm),
        [("password".to_string(), "password_is_firm_name".to_string())]
    );
    assert_eq!(count(&app.pool, "select count(*) from users").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_common_password_or_the_phone_is_refused_when_adding_a_person(pool: PgPool) {
    let app = spawn(pool).await;
    let admin = app.browser();
    register_firm(&admin, 1).await;

    let common = add_driver(&admin, "0912 345 678", "qwertyuiop").await;
    assert_eq!(
        common.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{common:?}"
    );
    assert_eq!(
        password_problem(&common),
        [("password".to_string(), "password_common".to_string())]
    );
    let phone = add_driver(&admin, "0912 345 678", "+84 912 345 678").await;
    assert_eq!(
        password_problem(&phone),
        [("password".to_string(), "password_is_phone".to_string())]
    );
    assert_eq!(count(&app.pool, "select count(*) from users").await, 1);

    let fine = add_driver(&admin, "0912 345 678", PASSWORD).await;
    assert_eq!(fine.status, StatusCode::OK, "{fine:?}");
}
