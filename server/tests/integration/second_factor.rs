//! The second factor (TOTP) of officers and admins: setting it up, the second step of
//! signing in, recovery codes, replays and throttling.

use crate::support;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use support::{Answer, Browser, PASSWORD, TestApp, authenticator_code, register_firm, spawn};

/// An officer of customs posted at Huu Nghi, made in the database without a second factor.
async fn new_officer(app: &TestApp, email: &str) -> uuid::Uuid {
    let hash = app::server::passwords::Passwords::new()
        .hash(&app::domain::person::NewPassword::parse(PASSWORD).unwrap())
        .await
        .unwrap();
    let user: uuid::Uuid = sqlx::query_scalar(
        "insert into users (role, agency, full_name, email, password_hash)
         values ('officer', 'customs', 'Đặng Quốc Hải', $1, $2) returning id",
    )
    .bind(email)
    .bind(hash)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    sqlx::query("insert into gate_staff (gate_id, user_id) values ('huu-nghi', $1)")
        .bind(user)
        .execute(&app.pool)
        .await
        .unwrap();
    user
}

async fn password_step(browser: &Browser, email: &str) -> Answer {
    let answer = browser
        .call("login", &[("identifier", email), ("password", PASSWORD)])
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    answer
}

async fn console(browser: &Browser) -> StatusCode {
    browser
        .call(
            "get_console",
            &[("gate_id", "huu-nghi"), ("direction", "export")],
        )
        .await
        .status
}

async fn second_step(browser: &Browser, code: &str) -> Answer {
    browser
        .call("verify_second_factor", &[("code", code)])
        .await
}

fn problem(answer: &Answer) -> Vec<(String, String)> {
    answer.problems()
}

fn code_problem(code: &str) -> Vec<(String, String)> {
    vec![("code".to_string(), code.to_string())]
}

/// The code of a Base32 secret as a setup page shows it (in groups of four).
fn code_of_shown_secret(shown: &str, steps: i64) -> String {
    let secret = app::server::second_factor::secret_from_base32(&shown.replace(' ', "")).unwrap();
    let at = chrono::Utc::now().timestamp() + steps * 30;
    app::server::second_factor::code_at(&secret, at as u64).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn an_officer_with_only_the_password_is_not_signed_in(pool: PgPool) {
    let app = spawn(pool).await;
    let user = new_officer(&app, "customs@gate.test").await;
    support::give_second_factor(&app, user).await;
    let browser = app.browser();

    let answer = password_step(&browser, "customs@gate.test").await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "the password was right: {answer:?}"
    );

    assert_eq!(console(&browser).await, StatusCode::UNAUTHORIZED);
    assert_eq!(browser.call("current_user", &[]).await.body, Value::Null);
    assert_eq!(
        browser.call("list_sessions", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = browser.get("/console").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "pages too");
    let stream = browser
        .client
        .get(format!("{}/live/gates/huu-nghi", browser.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stream.status(),
        StatusCode::UNAUTHORIZED,
        "and live streams"
    );
    assert!(
        browser.cookie("bgp_device").is_none(),
        "not a trusted device before the sign-in is complete"
    );

    assert_eq!(support::second_step(&browser).await.status, StatusCode::OK);
    let stream = browser
        .client
        .get(format!("{}/live/gates/huu-nghi", browser.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stream.status(),
        StatusCode::OK,
        "the same stream once signed in"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_right_code_completes_the_sign_in_once(pool: PgPool) {
    let app = spawn(pool).await;
    let user = new_officer(&app, "customs@gate.test").await;
    support::give_second_factor(&app, user).await;
    let desk = app.browser();
    password_step(&desk, "customs@gate.test").await;

    let code = authenticator_code(0);
    let wrong = second_step(&desk, if code == "000000" { "111111" } else { "000000" }).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(&wrong), code_problem("second_factor_wrong"));
    assert_eq!(console(&desk).await, StatusCode::UNAUTHORIZED);

    let right = second_step(&desk, &code).await;
    assert_eq!(right.status, StatusCode::OK, "{right:?}");
    assert_eq!(console(&desk).await, StatusCode::OK);
    assert!(desk.cookie("bgp_device").is_some());

    // Someone who saw the code over the officer's shoulder, with the password too.
    let onlooker = app.browser();
    password_step(&onlooker, "customs@gate.test").await;
    let replayed = second_step(&onlooker, &code).await;
    assert_eq!(replayed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(&replayed), code_problem("second_factor_used"));
    let older = second_step(&onlooker, &authenticator_code(-1)).await;
    assert_eq!(
        problem(&older),
        code_problem("second_factor_used"),
        "nor the code before it"
    );
    assert_eq!(console(&onlooker).await, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn wrong_codes_are_throttled_like_passwords(pool: PgPool) {
    let app = spawn(pool).await;
    let user = new_officer(&app, "customs@gate.test").await;
    support::give_second_factor(&app, user).await;
    let browser = app.browser();
    password_step(&browser, "customs@gate.test").await;
    let right = authenticator_code(0);
    let wrong: Vec<String> = ["123456", "234567", "345678", "456789", "567890", "678901"]
        .into_iter()
        .filter(|code| *code != right)
        .take(5)
        .map(str::to_string)
        .collect();
    for code in &wrong {
        assert_eq!(
            second_step(&browser, code).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }

    let blocked = second_step(&browser, &right).await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits: {blocked:?}"
    );
    assert_eq!(console(&browser).await, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_officer_without_a_second_factor_must_set_one_up_first(pool: PgPool) {
    let app = spawn(pool).await;
    new_officer(&app, "customs@gate.test").await;
    let browser = app.browser();
    password_step(&browser, "customs@gate.test").await;
    assert_eq!(console(&browser).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        second_step(&browser, &authenticator_code(0)).await.status,
        StatusCode::UNAUTHORIZED,
        "there is nothing to give a code of"
    );

    let setup = browser.call("begin_second_factor", &[]).await;
    assert_eq!(setup.status, StatusCode::OK, "{setup:?}");
    assert!(setup.body["qr_svg"].as_str().unwrap().contains("<svg"));
    assert_eq!(setup.body["signing_in"], true);
    let shown = setup.body["secret_text"].as_str().unwrap().to_string();
    assert_eq!(
        browser.call("begin_second_factor", &[]).await.body["secret_text"],
        shown.as_str(),
        "the same secret until it is confirmed"
    );

    let wrong_code = if code_of_shown_secret(&shown, 0) == "123456" {
        "654321"
    } else {
        "123456"
    };
    let wrong = browser
        .call("confirm_second_factor", &[("code", wrong_code)])
        .await;
    assert_eq!(problem(&wrong), code_problem("second_factor_wrong"));
    assert_eq!(console(&browser).await, StatusCode::UNAUTHORIZED);

    let confirmed = browser
        .call(
            "confirm_second_factor",
            &[("code", &code_of_shown_secret(&shown, 0))],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{confirmed:?}");
    let codes = confirmed.body.as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        console(&browser).await,
        StatusCode::OK,
        "setting it up completed the sign-in"
    );

    let (sealed, digests): (Vec<u8>, Vec<Vec<u8>>) = sqlx::query_as(
        "select f.secret, array(select code_hash from recovery_codes r where r.user_id = f.user_id)
           from second_factors f",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let secret = app::server::second_factor::secret_from_base32(&shown.replace(' ', "")).unwrap();
    assert!(
        !sealed.windows(secret.len()).any(|window| window == secret),
        "the secret is not stored as it is"
    );
    assert_eq!(digests.len(), 10);
    for code in codes {
        let code = code.as_str().unwrap().replace('-', "");
        assert!(!digests.iter().any(|digest| {
            digest
                .windows(code.len())
                .any(|window| window == code.as_bytes())
        }));
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_recovery_code_signs_in_once(pool: PgPool) {
    let app = spawn(pool).await;
    new_officer(&app, "customs@gate.test").await;
    let browser = app.browser();
    password_step(&browser, "customs@gate.test").await;
    let shown = browser.call("begin_second_factor", &[]).await.body["secret_text"]
        .as_str()
        .unwrap()
        .to_string();
    let codes = browser
        .call(
            "confirm_second_factor",
            &[("code", &code_of_shown_secret(&shown, 0))],
        )
        .await
        .body;
    let recovery = codes[3].as_str().unwrap().to_lowercase();
    browser.call("logout", &[]).await;

    let lost_phone = app.browser();
    password_step(&lost_phone, "customs@gate.test").await;
    let answer = second_step(&lost_phone, &recovery).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(console(&lost_phone).await, StatusCode::OK);
    let status = lost_phone.call("second_factor_status", &[]).await.body;
    assert_eq!(status["recovery_codes_left"], 9);

    let again = app.browser();
    password_step(&again, "customs@gate.test").await;
    let reused = second_step(&again, &recovery).await;
    assert_eq!(problem(&reused), code_problem("second_factor_wrong"));
    assert_eq!(console(&again).await, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_firm_admin_who_set_up_a_second_factor_is_asked_for_it(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    register_firm(&browser, 1).await;
    let status = browser.call("second_factor_status", &[]).await.body;
    assert_eq!(status["set_up"], false);
    assert_eq!(status["required"], false);
    let shown = browser.call("begin_second_factor", &[]).await.body["secret_text"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        browser.call("second_factor_status", &[]).await.body["set_up"],
        false,
        "not before a code of it is typed"
    );
    let confirmed = browser
        .call(
            "confirm_second_factor",
            &[("code", &code_of_shown_secret(&shown, 0))],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{confirmed:?}");

    let other = app.browser();
    password_step(&other, "admin1@firm.example").await;
    assert_eq!(
        other.call("list_vehicles", &[("search", "")]).await.status,
        StatusCode::UNAUTHORIZED
    );
    let answer = second_step(&other, &code_of_shown_secret(&shown, 1)).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(
        other.call("list_vehicles", &[("search", "")]).await.status,
        StatusCode::OK
    );
}
