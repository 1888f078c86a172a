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

async fn sign_in(browser: &Browser, identifier: &str, password: &str) -> Answer {
    browser
        .call(
            "login",
            &[("identifier", identifier), ("password", password)],
        )
        .await
}

async fn is_signed_in(browser: &Browser) -> bool {
    browser.call("current_user", &[]).await.body != serde_json::Value::Null
}

async fn change(browser: &Browser, current: &str, new: &str) -> Answer {
    browser
        .call(
            "change_password",
            &[("current_password", current), ("new_password", new)],
        )
        .await
}

const NEW_PASSWORD: &str = "doi-mat-khau-2027";

#[sqlx::test(migrations = "../migrations")]
async fn changing_the_password_ends_every_other_session(pool: PgPool) {
    let app = spawn(pool).await;
    let laptop = app.browser();
    register_firm(&laptop, 1).await;
    let phone = app.browser();
    sign_in(&phone, "admin1@firm.example", PASSWORD).await;
    let tablet = app.browser();
    sign_in(&tablet, "admin1@firm.example", PASSWORD).await;

    let answer = change(&laptop, PASSWORD, NEW_PASSWORD).await;

    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body, 2, "how many sessions ended");
    assert!(!is_signed_in(&phone).await);
    assert!(!is_signed_in(&tablet).await);
    assert!(is_signed_in(&laptop).await, "this one stays");
    let stranger = app.browser();
    assert_eq!(
        sign_in(&stranger, "admin1@firm.example", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&stranger, "admin1@firm.example", NEW_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_weak_new_password_is_refused_and_nothing_changes(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    register_firm(&browser, 1).await;
    let other = app.browser();
    sign_in(&other, "admin1@firm.example", PASSWORD).await;

    let common = change(&browser, PASSWORD, "iloveyou1").await;
    assert_eq!(
        common.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{common:?}"
    );
    assert_eq!(
        common.problems(),
        [("new_password".to_string(), "password_common".to_string())]
    );
    let email = change(&browser, PASSWORD, "ADMIN1@firm.example").await;
    assert_eq!(
        email.problems(),
        [("new_password".to_string(), "password_is_email".to_string())]
    );
    assert!(is_signed_in(&other).await, "no session ended");
    assert_eq!(
        sign_in(&app.browser(), "admin1@firm.example", PASSWORD)
            .await
            .status,
        StatusCode::OK,
        "the password is the same"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_wrong_current_password_is_refused_and_throttled(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    register_firm(&browser, 1).await;

    for _ in 0..5 {
        let wrong = change(&browser, "not-my-password", NEW_PASSWORD).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong:?}");
        assert_eq!(
            wrong.problems(),
            [("current_password".to_string(), "password_wrong".to_string())]
        );
    }
    let blocked = change(&browser, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "someone at an unlocked desk cannot guess on: {blocked:?}"
    );
    assert_eq!(
        sign_in(&app.browser(), "admin1@firm.example", PASSWORD)
            .await
            .status,
        StatusCode::OK,
        "not changed"
    );
}

// Reset codes ------------------------------------------------------------------------

const DRIVER_PHONE: &str = "0912 345 678";

/// A firm (signed in as its admin, tag 1) with a driver signed in on their phone.
async fn firm_and_driver(app: &support::TestApp) -> (Browser, String, Browser) {
    let admin = app.browser();
    register_firm(&admin, 1).await;
    let added = add_driver(&admin, DRIVER_PHONE, PASSWORD).await;
    assert_eq!(added.status, StatusCode::OK, "{added:?}");
    let driver = app.browser();
    assert_eq!(
        sign_in(&driver, DRIVER_PHONE, PASSWORD).await.status,
        StatusCode::OK
    );
    (
        admin,
        added.body["id"].as_str().unwrap().to_string(),
        driver,
    )
}

async fn issue(admin: &Browser, person: &str) -> Answer {
    admin
        .call("issue_reset_code", &[("person_id", person)])
        .await
}

fn code_of(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    answer.body["code"].as_str().unwrap().to_string()
}

async fn reset(browser: &Browser, identifier: &str, code: &str, password: &str) -> Answer {
    browser
        .call(
            "reset_password",
            &[
                ("identifier", identifier),
                ("code", code),
                ("new_password", password),
            ],
        )
        .await
}

fn code_refused() -> Vec<(String, String)> {
    vec![("code".to_string(), "reset_code_invalid".to_string())]
}

#[sqlx::test(migrations = "../migrations")]
async fn a_reset_code_sets_a_new_password_once_and_signs_the_person_in(pool: PgPool) {
    let app = spawn(pool).await;
    let (admin, driver_id, old_phone) = firm_and_driver(&app).await;
    let code = code_of(&issue(&admin, &driver_id).await);
    assert_eq!(code.len(), 9, "read out as two groups: {code}");

    let new_phone = app.browser();
    let answer = reset(
        &new_phone,
        "+84 912 345 678",
        &code.to_lowercase(),
        NEW_PASSWORD,
    )
    .await;

    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body["role"], "driver");
    assert!(
        is_signed_in(&new_phone).await,
        "signed in with the new password"
    );
    assert!(!is_signed_in(&old_phone).await, "every older session ended");
    assert_eq!(
        sign_in(&app.browser(), DRIVER_PHONE, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&app.browser(), DRIVER_PHONE, NEW_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    let again = reset(&app.browser(), DRIVER_PHONE, &code, "mat-khau-thu-ba").await;
    assert_eq!(again.problems(), code_refused(), "a code works once");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_reset_code_expires(pool: PgPool) {
    let app = spawn(pool).await;
    let (admin, driver_id, _) = firm_and_driver(&app).await;
    let code = code_of(&issue(&admin, &driver_id).await);
    let minutes: f64 = sqlx::query_scalar(
        "select extract(epoch from expires_at - created_at)::float8 / 60 from reset_codes",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(
        (minutes - 30.0).abs() < 0.1,
        "30 minutes by default: {minutes}"
    );
    sqlx::query(
        "update reset_codes set created_at = now() - interval '31 minutes', expires_at = now() - interval '1 minute'",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let answer = reset(&app.browser(), DRIVER_PHONE, &code, NEW_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.problems(), code_refused());
    assert_eq!(
        sign_in(&app.browser(), DRIVER_PHONE, PASSWORD).await.status,
        StatusCode::OK,
        "the password did not change"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn issuing_a_new_reset_code_voids_the_previous_one(pool: PgPool) {
    let app = spawn(pool).await;
    let (admin, driver_id, _) = firm_and_driver(&app).await;
    let first = code_of(&issue(&admin, &driver_id).await);
    let second = code_of(&issue(&admin, &driver_id).await);
    assert_ne!(first, second);

    let old = reset(&app.browser(), DRIVER_PHONE, &first, NEW_PASSWORD).await;
    assert_eq!(old.problems(), code_refused());
    let new = reset(&app.browser(), DRIVER_PHONE, &second, NEW_PASSWORD).await;
    assert_eq!(new.status, StatusCode::OK, "{new:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_reset_codes_are_throttled_and_then_void_the_code_everywhere(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let (admin, driver_id, _) = firm_and_driver(&app).await;
    let code = code_of(&issue(&admin, &driver_id).await);
    let wrong = if code.starts_with("2222") {
        "3333-3333"
    } else {
        "2222-2222"
    };
    let guesser = app.browser();
    for _ in 0..5 {
        let answer = reset(&guesser, DRIVER_PHONE, wrong, NEW_PASSWORD).await;
        assert_eq!(answer.problems(), code_refused());
    }
    let blocked = reset(&guesser, DRIVER_PHONE, &code, NEW_PASSWORD).await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits: {blocked:?}"
    );

    // The throttle is shared by every server process: another one waits as well.
    let other_process = spawn(pool.clone()).await;
    let elsewhere = reset(&other_process.browser(), DRIVER_PHONE, &code, NEW_PASSWORD).await;
    assert_eq!(
        elsewhere.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{elsewhere:?}"
    );

    // Once the wait is over (a fresh process, so no process remembers a full counter),
    // the code the guesser missed is void all the same.
    sqlx::query("delete from throttle_counters")
        .execute(&pool)
        .await
        .unwrap();
    let later = spawn(pool).await;
    let answer = reset(&later.browser(), DRIVER_PHONE, &code, NEW_PASSWORD).await;
    assert_eq!(answer.problems(), code_refused(), "{answer:?}");
    assert_eq!(
        sign_in(&app.browser(), DRIVER_PHONE, PASSWORD).await.status,
        StatusCode::OK
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn another_firms_person_is_not_found(pool: PgPool) {
    let app = spawn(pool).await;
    let (_, driver_id, _) = firm_and_driver(&app).await;
    let stranger = app.browser();
    register_firm(&stranger, 2).await;

    assert_eq!(
        issue(&stranger, &driver_id).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        issue(&stranger, "not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
    let codes: i64 = sqlx::query_scalar("select count(*) from reset_codes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(codes, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn only_admins_issue_reset_codes(pool: PgPool) {
    let app = spawn(pool).await;
    let (admin, driver_id, driver) = firm_and_driver(&app).await;
    let me = admin.call("current_user", &[]).await.body["user_id"]
        .as_str()
        .unwrap()
        .to_string();
    let clerk_added = admin
        .call(
            "add_person",
            &[
                ("role", "firm_clerk"),
                ("full_name", "Trần Văn Minh"),
                ("email", "minh@firm.example"),
                ("phone", ""),
                ("id_number", ""),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(clerk_added.status, StatusCode::OK);
    let clerk = app.browser();
    sign_in(&clerk, "minh@firm.example", PASSWORD).await;

    assert_eq!(
        issue(&clerk, &me).await.status,
        StatusCode::FORBIDDEN,
        "a clerk cannot reset an admin's password"
    );
    assert_eq!(
        issue(&clerk, &driver_id).await.status,
        StatusCode::FORBIDDEN,
        "nor anyone's"
    );
    assert_eq!(issue(&driver, &me).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        issue(&admin, &me).await.status,
        StatusCode::FORBIDDEN,
        "an admin changes their own password instead"
    );
    let clerk_id = clerk_added.body["id"].as_str().unwrap();
    assert_eq!(issue(&admin, clerk_id).await.status, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_weak_password_is_refused_at_reset_without_using_the_code(pool: PgPool) {
    let app = spawn(pool).await;
    let (admin, driver_id, _) = firm_and_driver(&app).await;
    let code = code_of(&issue(&admin, &driver_id).await);
    let browser = app.browser();

    let common = reset(&browser, DRIVER_PHONE, &code, "12345678").await;
    assert_eq!(
        common.problems(),
        [("new_password".to_string(), "password_common".to_string())]
    );
    let phone = reset(&browser, DRIVER_PHONE, &code, "0912345678").await;
    assert_eq!(
        phone.problems(),
        [("new_password".to_string(), "password_is_phone".to_string())]
    );
    let fine = reset(&browser, DRIVER_PHONE, &code, NEW_PASSWORD).await;
    assert_eq!(
        fine.status,
        StatusCode::OK,
        "the code still works: {fine:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn gate_and_platform_admins_reset_officers_passwords(pool: PgPool) {
    let app = spawn(pool).await;
    let gate_admin =
        support::staff(&app, "gate_admin", None, "gate@gate.test", &["huu-nghi"]).await;
    let _here = support::staff(
        &app,
        "officer",
        Some("customs"),
        "here@gate.test",
        &["huu-nghi"],
    )
    .await;
    let _elsewhere = support::staff(
        &app,
        "officer",
        Some("customs"),
        "there@gate.test",
        &["tan-thanh"],
    )
    .await;
    let platform = support::staff(&app, "platform_admin", None, "root@portal.test", &[]).await;
    let id_of = |email: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, uuid::Uuid>("select id from users where email = $1")
                .bind(email)
                .fetch_one(&pool)
                .await
                .unwrap()
                .to_string()
        }
    };

    let staff = gate_admin.call("list_staff", &[]).await;
    let listed: Vec<&str> = staff
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|person| person["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ["here@gate.test"],
        "the officers at the admin's gates"
    );

    let code = code_of(&issue(&gate_admin, &id_of("here@gate.test").await).await);
    assert_eq!(
        issue(&gate_admin, &id_of("there@gate.test").await)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "an officer at another gate"
    );
    assert_eq!(
        issue(&platform, &id_of("gate@gate.test").await)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        issue(&gate_admin, &id_of("root@portal.test").await)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "a platform admin shares no gate"
    );

    // The reset does not skip the officer's second factor.
    let desk = app.browser();
    let answer = reset(&desk, "here@gate.test", &code, NEW_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert!(!is_signed_in(&desk).await, "the second step is still asked");
    assert_eq!(support::second_step(&desk).await.status, StatusCode::OK);
    assert!(is_signed_in(&desk).await);
}
