//! Registering, signing in and out, sessions, throttling and cross-site refusal, over
//! real HTTP against a real PostgreSQL.

use crate::support;

use jsonwebtoken::{EncodingKey, Header, encode};
use reqwest::StatusCode;
use sqlx::PgPool;
use support::{PASSWORD, register_firm, spawn};

async fn count(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn registering_a_firm_signs_its_admin_in(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();

    let answer = register_firm(&browser, 1).await;

    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body["role"], "firm_admin");
    let me = browser.call("current_user", &[]).await;
    assert_eq!(me.body["full_name"], "Nguyễn Thị Lan");
    assert_eq!(me.body["firm_name"], "Công ty Vận tải 1");
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_registration_fields_are_all_refused_at_once_with_422(pool: PgPool) {
    let app = spawn(pool).await;
    let answer = app
        .browser()
        .call(
            "register_firm",
            &[
                ("firm_name", "X"),
                ("tax_code", "49001"),
                ("address", "Lạng Sơn"),
                ("firm_phone", "12345"),
                ("admin_name", "Lan"),
                ("email", "lan"),
                ("password", "hunter2"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = answer
        .problems()
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    assert_eq!(
        fields,
        ["firm_name", "tax_code", "firm_phone", "email", "password"]
    );
    assert!(
        !answer.body.to_string().contains("hunter2"),
        "passwords are never echoed: {answer:?}"
    );
    assert_eq!(count(&app.pool, "select count(*) from firms").await, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_taken_email_refuses_the_whole_registration(pool: PgPool) {
    let app = spawn(pool).await;
    register_firm(&app.browser(), 1).await;
    let answer = app
        .browser()
        .call(
            "register_firm",
            &[
                ("firm_name", "Công ty Khác"),
                ("tax_code", "4900000002"),
                ("address", "Km 3, Đồng Đăng, Lạng Sơn"),
                ("firm_phone", "0205 3851 234"),
                ("admin_name", "Trần Văn B"),
                ("email", "ADMIN1@firm.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.problems(),
        [("email".to_string(), "email_taken".to_string())]
    );
    assert_eq!(
        count(&app.pool, "select count(*) from firms").await,
        1,
        "the second firm was not half-written"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_taken_tax_code_is_refused_on_its_field(pool: PgPool) {
    let app = spawn(pool).await;
    register_firm(&app.browser(), 1).await;
    let again = app.browser();
    let answer = again
        .call(
            "register_firm",
            &[
                ("firm_name", "Công ty Khác"),
                ("tax_code", "49 0000 0001"),
                ("address", "Km 3, Đồng Đăng, Lạng Sơn"),
                ("firm_phone", "0205 3851 234"),
                ("admin_name", "Trần Văn B"),
                ("email", "b@other.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        answer.problems(),
        [("tax_code".to_string(), "tax_code_taken".to_string())]
    );
    assert_eq!(count(&app.pool, "select count(*) from users").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_in_with_the_right_password_and_only_then(pool: PgPool) {
    let app = spawn(pool).await;
    register_firm(&app.browser(), 1).await;

    let stranger = app.browser();
    let wrong = stranger
        .call(
            "login",
            &[
                ("identifier", "admin1@firm.example"),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, "WrongCredentials");
    let unknown = stranger
        .call(
            "login",
            &[
                ("identifier", "nobody@firm.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        unknown.body, "WrongCredentials",
        "unknown accounts look the same as wrong passwords"
    );
    assert_eq!(
        stranger.call("current_user", &[]).await.body,
        serde_json::Value::Null
    );

    let right = stranger
        .call(
            "login",
            &[
                ("identifier", " Admin1@Firm.example "),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(right.status, StatusCode::OK, "{right:?}");
    assert_eq!(
        stranger.call("current_user", &[]).await.body["role"],
        "firm_admin"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_malformed_sign_in_name_is_a_field_error(pool: PgPool) {
    let app = spawn(pool).await;
    let answer = app
        .browser()
        .call(
            "login",
            &[("identifier", "not an email"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.problems(),
        [("identifier".to_string(), "phone_format".to_string())]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_missing_argument_is_a_refused_field_not_a_500(pool: PgPool) {
    let app = spawn(pool).await;
    let answer = app
        .browser()
        .call("login", &[("identifier", "a@b.example")])
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.problems(),
        [("password".to_string(), "required".to_string())]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn signing_out_ends_the_session_even_for_a_copied_token(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    register_firm(&browser, 1).await;
    let copied = browser.cookie("bgp_session").expect("signed in");

    browser.call("logout", &[]).await;

    assert_eq!(
        browser.call("current_user", &[]).await.body,
        serde_json::Value::Null
    );
    let thief = app.browser();
    let answer = thief
        .call_with_headers("current_user", &[], &[("cookie", &copied)])
        .await;
    assert_eq!(
        answer.body,
        serde_json::Value::Null,
        "the old token no longer names a live session"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn every_sign_in_starts_a_new_session(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    register_firm(&browser, 1).await;
    let first = browser.cookie("bgp_session").unwrap();
    browser
        .call(
            "login",
            &[
                ("identifier", "admin1@firm.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let second = browser.cookie("bgp_session").unwrap();
    assert_ne!(first, second);
    assert_eq!(count(&app.pool, "select count(*) from sessions").await, 2);
}

#[derive(serde::Serialize, Clone)]
struct Claims {
    sub: uuid::Uuid,
    sid: uuid::Uuid,
    aud: &'static str,
    iat: i64,
    exp: i64,
}

#[sqlx::test(migrations = "../migrations")]
async fn expired_and_tampered_tokens_are_not_sessions(pool: PgPool) {
    let app = spawn(pool).await;
    register_firm(&app.browser(), 1).await;
    let (user_id, session_id): (uuid::Uuid, uuid::Uuid) =
        sqlx::query_as("select user_id, id from sessions")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let secret: Vec<u8> =
        sqlx::query_scalar("select secret from server_secrets where name = 'session'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let sign = |claims: &Claims, key: &[u8]| {
        encode(&Header::default(), claims, &EncodingKey::from_secret(key)).unwrap()
    };
    let live = Claims {
        sub: user_id,
        sid: session_id,
        aud: "session",
        iat: now,
        exp: now + 3600,
    };
    let expired = Claims {
        exp: now - 1,
        iat: now - 3600,
        ..live.clone()
    };

    let browser = app.browser();
    let ask = |token: String| {
        let browser = &browser;
        async move {
            browser
                .call_with_headers(
                    "current_user",
                    &[],
                    &[("cookie", &format!("bgp_session={token}"))],
                )
                .await
                .body
        }
    };
    assert_eq!(
        ask(sign(&live, &secret)).await["role"],
        "firm_admin",
        "a token we sign ourselves works"
    );
    assert_eq!(
        ask(sign(&expired, &secret)).await,
        serde_json::Value::Null,
        "expired"
    );
    assert_eq!(
        ask(sign(&live, b"another secret of thirty-two byte")).await,
        serde_json::Value::Null,
        "forged"
    );
    let mut tampered = sign(&live, &secret);
    let inside_payload = tampered.find('.').unwrap() + 10;
    let replacement = if &tampered[inside_payload..=inside_payload] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(inside_payload..=inside_payload, replacement);
    assert_eq!(ask(tampered).await, serde_json::Value::Null, "tampered");
}

#[sqlx::test(migrations = "../migrations")]
async fn repeated_failures_are_throttled_but_the_owner_still_gets_in(pool: PgPool) {
    let app = spawn(pool).await;
    let owner = app.browser();
    register_firm(&owner, 1).await;
    owner.call("logout", &[]).await;
    // The owner's browser keeps its device cookie from the sign-in above.

    let attacker = app.browser();
    for _ in 0..5 {
        let answer = attacker
            .call(
                "login",
                &[
                    ("identifier", "admin1@firm.example"),
                    ("password", "guess-guess"),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = attacker
        .call(
            "login",
            &[
                ("identifier", "admin1@firm.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits: {blocked:?}"
    );
    assert!(
        blocked.body["TooManyAttempts"]["retry_after_seconds"]
            .as_u64()
            .unwrap()
            > 0
    );

    let back = owner
        .call(
            "login",
            &[
                ("identifier", "admin1@firm.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        back.status,
        StatusCode::OK,
        "the owner's device is not locked out: {back:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn cross_site_posts_are_refused_before_anything_runs(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    let form = [
        ("firm_name", "Công ty Giả"),
        ("tax_code", "4900000009"),
        ("address", "Km 3, Đồng Đăng, Lạng Sơn"),
        ("firm_phone", "0205 3851 234"),
        ("admin_name", "Kẻ Giả"),
        ("email", "fake@evil.example"),
        ("password", PASSWORD),
    ];
    let from_evil = browser
        .call_with_headers("register_firm", &form, &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(from_evil.status, StatusCode::FORBIDDEN);
    assert_eq!(from_evil.body, "CrossSite");
    let old_browser = browser
        .call_with_headers(
            "register_firm",
            &form,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(old_browser.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app.pool, "select count(*) from firms").await, 0);

    let same_site = browser
        .call_with_headers("register_firm", &form, &[("sec-fetch-site", "same-origin")])
        .await;
    assert_eq!(same_site.status, StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_plain_form_post_is_redirected_with_its_error_not_shown_a_500(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    let response = browser
        .client
        .post(format!("{}/api/login", browser.base))
        .header("accept", "text/html")
        .header("referer", format!("{}/login", browser.base))
        .form(&[
            ("identifier", "x@y.example"),
            ("password", "whatever-whatever"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(
        location.contains("/login?") && location.contains("__err="),
        "{location}"
    );
}
