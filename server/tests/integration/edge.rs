//! What every request meets at the edge, whoever sends it: security headers, redirects
//! that stay on the site, refused plain forms that keep personal data off URLs, body
//! limits, and inputs that are refused (4xx), never crash a request (5xx or a dropped
//! connection).

use crate::support::{
    self, Browser, PASSWORD, TestApp, declare_trip, firm_with_fleet, spawn, staff,
};
use app::error::AppError;
use reqwest::{StatusCode, header};
use sqlx::PgPool;

/// Who may call a server function: the fuzzing below calls each with that caller's
/// session (so its checks past sign-in are reached) and with no session at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anyone,
    FirmAdmin,
    Driver,
    Customs,
    TrafficPolice,
    GateAdmin,
    PlatformAdmin,
}

/// How a server function takes its arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Form,
    Query,
    Multipart,
}

use Caller::*;
use Encoding::*;

/// Every server function of the portal: its path, encoding, caller and field names.
/// A new server function must be added here (`every_server_function_is_fuzzed` fails
/// until it is), so that no function escapes the checks below.
const FUNCTIONS: &[(&str, Encoding, Caller, &[&str])] = &[
    ("current_user", Form, Anyone, &[]),
    ("login", Form, Anyone, &["identifier", "password"]),
    ("logout", Form, FirmAdmin, &[]),
    (
        "change_password",
        Form,
        FirmAdmin,
        &["current_password", "new_password"],
    ),
    ("list_sessions", Form, FirmAdmin, &[]),
    ("end_session", Form, FirmAdmin, &["session_id"]),
    ("end_other_sessions", Form, FirmAdmin, &[]),
    ("second_factor_status", Form, FirmAdmin, &[]),
    ("begin_second_factor", Form, FirmAdmin, &[]),
    ("confirm_second_factor", Form, FirmAdmin, &["code"]),
    ("take_new_recovery_codes", Form, FirmAdmin, &[]),
    ("verify_second_factor", Form, Anyone, &["code"]),
    ("issue_reset_code", Form, FirmAdmin, &["person_id"]),
    ("take_new_reset_code", Form, FirmAdmin, &[]),
    ("list_staff", Form, GateAdmin, &[]),
    (
        "reset_password",
        Form,
        Anyone,
        &["identifier", "code", "new_password"],
    ),
    ("load_board", Query, Anyone, &["gate_id", "day"]),
    ("day_slots", Form, FirmAdmin, &["trip_id", "day"]),
    (
        "book_slot",
        Form,
        FirmAdmin,
        &["trip_id", "slot_id", "request_key"],
    ),
    (
        "move_booking",
        Form,
        FirmAdmin,
        &["trip_id", "slot_id", "request_key"],
    ),
    ("cancel_booking", Form, FirmAdmin, &["trip_id"]),
    ("gate_pass", Form, Driver, &["trip_id"]),
    ("gate_pass_key", Query, Anyone, &[]),
    ("my_posts", Form, Customs, &[]),
    ("get_console", Form, Customs, &["gate_id", "direction"]),
    ("check_in", Form, Customs, &["gate_id", "direction", "pass"]),
    (
        "call_forward",
        Form,
        TrafficPolice,
        &["gate_id", "direction", "count", "lane"],
    ),
    (
        "decide",
        Form,
        Customs,
        &[
            "gate_id",
            "direction",
            "trip_id",
            "decision",
            "channel",
            "reason",
            "note",
        ],
    ),
    (
        "confirm_exit",
        Form,
        Customs,
        &["gate_id", "direction", "trip_id"],
    ),
    (
        "acknowledge_alert",
        Form,
        Customs,
        &["gate_id", "direction", "alert_id"],
    ),
    ("get_dashboard", Form, Customs, &["gate_id", "day"]),
    (
        "register_firm",
        Form,
        Anyone,
        &[
            "firm_name",
            "tax_code",
            "address",
            "firm_phone",
            "admin_name",
            "email",
            "password",
        ],
    ),
    ("list_vehicles", Form, FirmAdmin, &["search"]),
    ("get_vehicle", Form, FirmAdmin, &["vehicle_id"]),
    (
        "add_vehicle",
        Form,
        FirmAdmin,
        &[
            "plate",
            "trailer_plate",
            "kind",
            "axles",
            "gross_weight_kg",
            "country",
        ],
    ),
    (
        "update_vehicle",
        Form,
        FirmAdmin,
        &[
            "vehicle_id",
            "plate",
            "trailer_plate",
            "kind",
            "axles",
            "gross_weight_kg",
            "country",
        ],
    ),
    (
        "set_vehicle_active",
        Form,
        FirmAdmin,
        &["vehicle_id", "active"],
    ),
    ("import_vehicles", Multipart, FirmAdmin, &["file"]),
    ("get_import", Form, FirmAdmin, &["import_id"]),
    ("my_gates", Form, GateAdmin, &[]),
    ("gate_plan", Form, GateAdmin, &["gate_id"]),
    (
        "update_gate_plan",
        Form,
        GateAdmin,
        &[
            "gate_id",
            "slot_minutes",
            "opens",
            "closes",
            "export_capacity",
            "import_capacity",
            "export_daily_intake",
            "import_daily_intake",
            "horizon_days",
            "lead_minutes",
            "free_change_minutes",
            "firm_share_percent",
            "perishable_share_percent",
            "perishable_release_hours",
        ],
    ),
    (
        "add_closure",
        Form,
        GateAdmin,
        &["gate_id", "starts_at", "ends_at", "reason"],
    ),
    (
        "remove_closure",
        Form,
        GateAdmin,
        &["gate_id", "closure_id"],
    ),
    ("list_devices", Form, GateAdmin, &["gate_id"]),
    (
        "issue_device",
        Form,
        GateAdmin,
        &["gate_id", "name", "location"],
    ),
    ("take_new_device_key", Form, GateAdmin, &[]),
    ("revoke_device", Form, GateAdmin, &["gate_id", "device_id"]),
    ("list_people", Form, FirmAdmin, &[]),
    (
        "add_person",
        Form,
        FirmAdmin,
        &[
            "role",
            "full_name",
            "email",
            "phone",
            "id_number",
            "password",
        ],
    ),
    (
        "set_person_active",
        Form,
        FirmAdmin,
        &["person_id", "active"],
    ),
    ("push_key", Form, Driver, &[]),
    (
        "subscribe_push",
        Form,
        Driver,
        &["endpoint", "p256dh", "auth", "device"],
    ),
    ("get_push_devices", Form, Driver, &[]),
    (
        "set_push_topics",
        Form,
        Driver,
        &[
            "device_id",
            "booking",
            "reminder",
            "called_forward",
            "inspection",
            "cleared",
            "exited",
            "late",
        ],
    ),
    ("remove_push_device", Form, Driver, &["device_id"]),
    ("list_trips", Form, FirmAdmin, &["status", "day"]),
    ("get_trip", Form, FirmAdmin, &["trip_id"]),
    ("trip_form_options", Form, FirmAdmin, &["trip_id"]),
    ("change_driver", Form, FirmAdmin, &["trip_id", "driver_id"]),
    ("security_events", Form, PlatformAdmin, &["kind", "page"]),
    (
        "save_trip",
        Form,
        FirmAdmin,
        &[
            "trip_id",
            "intent",
            "vehicle_id",
            "driver_id",
            "direction",
            "gate_id",
            "planned_date",
            "cargo_description",
            "hs_code",
            "cargo_weight_kg",
            "packages",
            "containers",
            "customs_declaration",
            "seal_number",
            "perishable",
            "refrigerated",
            "set_temperature",
            "quarantine_required",
        ],
    ),
];

/// Values no form expects: control characters, a text far past any limit, numbers out
/// of every range, JSON where text belongs, tricky Unicode.
fn hostile_values() -> Vec<(&'static str, String)> {
    vec![
        (
            "control characters",
            "\u{0}\u{1}\t\r\n\u{7}\u{1b}[31m\u{7f}\u{85}".into(),
        ),
        ("a NUL byte alone", "\u{0}".into()),
        ("a huge text", "x".repeat(60_000)),
        ("a huge number", "9".repeat(400)),
        ("a negative number", "-1".into()),
        ("not a number", "NaN".into()),
        ("JSON", "{\"a\":[1,2]}".into()),
        ("right-to-left override", "\u{202e}12C\u{200b}１２３".into()),
        ("a path", "../../etc/passwd".into()),
        ("SQL", "' or 1=1 --".into()),
    ]
}

struct Callers {
    anonymous: Browser,
    firm_admin: Browser,
    driver: Browser,
    customs: Browser,
    traffic_police: Browser,
    gate_admin: Browser,
    platform_admin: Browser,
}

impl Callers {
    async fn new(app: &TestApp) -> Callers {
        let firm_admin = app.browser();
        let (vehicle, driver_id) = firm_with_fleet(&firm_admin, 7).await;
        declare_trip(&firm_admin, &vehicle, &driver_id, "export", true).await;
        let driver = app.browser();
        let signed_in = driver
            .call(
                "login",
                &[("identifier", "0900000007"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(signed_in.status, StatusCode::OK, "{signed_in:?}");
        Callers {
            anonymous: app.browser(),
            firm_admin,
            driver,
            customs: support::officer(app, "customs").await,
            traffic_police: support::officer(app, "traffic_police").await,
            gate_admin: staff(
                app,
                "gate_admin",
                None,
                "gate-admin@gate.test",
                &["huu-nghi"],
            )
            .await,
            platform_admin: staff(app, "platform_admin", None, "root@portal.test", &[]).await,
        }
    }

    fn of(&self, caller: Caller) -> &Browser {
        match caller {
            Anyone => &self.anonymous,
            FirmAdmin => &self.firm_admin,
            Driver => &self.driver,
            Customs => &self.customs,
            TrafficPolice => &self.traffic_police,
            GateAdmin => &self.gate_admin,
            PlatformAdmin => &self.platform_admin,
        }
    }
}

/// Sends one request; the answer must arrive (no dropped connection), must not be a
/// 5xx, and an error must be one the pages can show (the `AppError` shape).
async fn send_and_check(what: &str, request: reqwest::RequestBuilder) -> (StatusCode, String) {
    let short = |error: reqwest::Error| error.without_url().to_string();
    let response = request
        .send()
        .await
        .unwrap_or_else(|error| panic!("{what}: no answer ({})", short(error)));
    let status = response.status();
    let body = response
        .text()
        .await
        .unwrap_or_else(|error| panic!("{what}: the answer broke off ({})", short(error)));
    assert!(
        !status.is_server_error(),
        "{what}: answered {status}: {}",
        &body[..body.len().min(300)]
    );
    if status.is_client_error() {
        assert!(
            serde_json::from_str::<AppError>(&body).is_ok(),
            "{what}: answered {status} with a body that is not an error the page can show: {}",
            &body[..body.len().min(300)]
        );
    }
    (status, body)
}

/// The fields a refusal names.
fn refused_fields(body: &str) -> Vec<String> {
    match serde_json::from_str::<AppError>(body) {
        Ok(AppError::Invalid { fields, .. }) => {
            fields.into_iter().map(|field| field.field).collect()
        }
        _ => Vec::new(),
    }
}

fn function_request(
    browser: &Browser,
    name: &str,
    encoding: Encoding,
    fields: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let url = format!("{}/api/{name}", browser.base);
    match encoding {
        Form => browser.client.post(url).form(fields),
        // A URL has room for a few thousand characters, not a body's worth.
        Query => {
            let fields: Vec<(&str, String)> = fields
                .iter()
                .map(|(field, value)| (*field, value.chars().take(4_000).collect()))
                .collect();
            browser.client.get(url).query(&fields)
        }
        Multipart => {
            let mut form = reqwest::multipart::Form::new();
            for (field, value) in fields {
                form = form.part(
                    field.to_string(),
                    reqwest::multipart::Part::bytes(value.as_bytes().to_vec())
                        .file_name("fleet.csv")
                        .mime_str("text/csv")
                        .unwrap(),
                );
            }
            browser.client.post(url).multipart(form)
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_server_function_is_fuzzed(pool: PgPool) {
    let _app = spawn(pool).await;
    let listed: std::collections::BTreeSet<String> = FUNCTIONS
        .iter()
        .map(|(name, ..)| format!("/api/{name}"))
        .collect();
    let registered: std::collections::BTreeSet<String> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let unlisted: Vec<_> = registered.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&registered).collect();
    assert!(
        unlisted.is_empty() && gone.is_empty(),
        "server functions missing from FUNCTIONS: {unlisted:?}; listed but gone: {gone:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn no_input_crashes_a_server_function(pool: PgPool) {
    let app = spawn(pool).await;
    support::materialise(&app).await;
    let callers = Callers::new(&app).await;
    let values = hostile_values();
    for (name, encoding, caller, fields) in FUNCTIONS {
        // Signing out would end the session the other calls need.
        if *name == "logout" {
            continue;
        }
        for browser in [callers.of(*caller), &callers.anonymous] {
            let what = format!("{name} with no fields");
            let (status, body) =
                send_and_check(&what, function_request(browser, name, *encoding, &[])).await;
            if !fields.is_empty() && *encoding != Multipart {
                // A missing field is named, like any refused one.
                let named = refused_fields(&body);
                assert!(
                    status == StatusCode::UNPROCESSABLE_ENTITY
                        && !named.is_empty()
                        && named.iter().all(|field| fields.contains(&field.as_str())),
                    "{what}: {status} {body}"
                );
            }
            for (case, value) in &values {
                let filled: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|field| (*field, value.as_str()))
                    .collect();
                let what = format!("{name} with {case} in every field");
                let (status, body) =
                    send_and_check(&what, function_request(browser, name, *encoding, &filled))
                        .await;
                // Control characters, and text past any limit, are refused field by
                // field, every field named.
                let refused_everywhere =
                    value.contains('\u{0}') || (value.chars().count() > 4_000 && *encoding == Form);
                if refused_everywhere && !fields.is_empty() && *encoding != Multipart {
                    let mut named = refused_fields(&body);
                    named.sort();
                    named.dedup();
                    let mut expected: Vec<String> =
                        fields.iter().map(|field| field.to_string()).collect();
                    expected.sort();
                    assert_eq!(
                        (status, named),
                        (StatusCode::UNPROCESSABLE_ENTITY, expected),
                        "{what}"
                    );
                }
            }
            // Every field twice.
            let doubled: Vec<(&str, &str)> = fields
                .iter()
                .flat_map(|field| [(*field, "1"), (*field, "2")])
                .collect();
            let what = format!("{name} with every field twice");
            send_and_check(&what, function_request(browser, name, *encoding, &doubled)).await;
            if *encoding == Form {
                let url = format!("{}/api/{name}", browser.base);
                for (case, content_type, body) in [
                    ("JSON", "application/json", b"{\"a\": [1, 2".to_vec()),
                    (
                        "bytes that are not UTF-8",
                        "application/x-www-form-urlencoded",
                        b"a=%FF%FE&b=\xff\xfe".to_vec(),
                    ),
                    ("an empty multipart", "multipart/form-data", Vec::new()),
                ] {
                    let what = format!("{name} with {case} as its body");
                    let request = browser
                        .client
                        .post(&url)
                        .header(header::CONTENT_TYPE, content_type)
                        .body(body);
                    send_and_check(&what, request).await;
                }
            }
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn no_input_crashes_the_device_api_or_the_live_routes(pool: PgPool) {
    let app = spawn(pool).await;
    let admin = staff(&app, "gate_admin", None, "admin@gate.test", &["huu-nghi"]).await;
    let issued = admin
        .call(
            "issue_device",
            &[
                ("gate_id", "huu-nghi"),
                ("name", "Camera bãi 1"),
                ("location", "yard"),
            ],
        )
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{issued:?}");
    let key = issued.body.as_str().unwrap().to_string();
    let url = format!("http://{}/devices/v1/plate-reads", app.address);
    let client = reqwest::Client::new();
    let huge = "8".repeat(100_000);
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("nothing", Vec::new()),
        ("not JSON", b"plate=12C12345".to_vec()),
        ("a JSON array", b"[1, 2, 3]".to_vec()),
        ("no plate", b"{}".to_vec()),
        ("a number for a plate", b"{\"plate\": 12}".to_vec()),
        ("an object for a plate", b"{\"plate\": {\"a\": 1}}".to_vec()),
        (
            "control characters",
            b"{\"plate\": \"\\u0000\\u0007\\n\"}".to_vec(),
        ),
        (
            "a huge plate",
            format!("{{\"plate\": \"{huge}\"}}").into_bytes(),
        ),
        (
            "bytes that are not UTF-8",
            b"{\"plate\": \"\xff\xfe\"}".to_vec(),
        ),
    ];
    for (case, body) in &bodies {
        for key in [None, Some("gd_not-a-key"), Some(key.as_str())] {
            let mut request = client
                .post(&url)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            let what = format!("a plate read with {case}, key {key:?}");
            send_and_check(&what, request).await;
        }
    }
    let firm = app.browser();
    support::register_firm(&firm, 3).await;
    let base = format!("http://{}", app.address);
    for path in [
        "/live/trips/not-a-uuid",
        "/live/trips/%00",
        "/live/gates/%00%07",
        "/live/gates/huu-nghi%0d%0aSet-Cookie:%20x=1",
    ] {
        let response = firm
            .client
            .get(format!("{base}{path}"))
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .unwrap_or_else(|error| panic!("{path}: no answer ({error})"));
        assert!(
            response.status().is_client_error(),
            "{path}: {}",
            response.status()
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn no_address_crashes_a_page(pool: PgPool) {
    let app = spawn(pool).await;
    let firm = app.browser();
    support::register_firm(&firm, 4).await;
    for path in [
        "/trips/not-a-uuid",
        "/trips/%00",
        "/trips/00000000-0000-0000-0000-000000000000/pass",
        "/trips?day=%00&status=%07",
        "/trips?day=9999-99-99",
        "/fleet/%00",
        "/fleet?search=%00%07",
        "/fleet/imports/%00",
        "/board?gate=%00&day=%00",
        "/board?day=99999-01-01",
        "/gates/%00",
        "/console/%00?direction=%00",
        "/console/huu-nghi/dashboard?day=%00",
        "/lang/%00?next=%00",
        "/lang/en?next=%0d%0aSet-Cookie:x=1",
    ] {
        let request = firm
            .client
            .get(format!("{}{path}", firm.base))
            .header(header::ACCEPT, "text/html");
        let response = request
            .send()
            .await
            .unwrap_or_else(|error| panic!("{path}: no answer ({error})"));
        assert!(
            !response.status().is_server_error(),
            "{path}: {}",
            response.status()
        );
        assert!(response.headers().get("x").is_none());
    }
}

fn header_of(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_carry_a_content_security_policy_with_their_own_nonce(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    let response = browser
        .client
        .get(format!("{}/", browser.base))
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let policy = header_of(&response, "content-security-policy");
    let html = response.text().await.unwrap();
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {policy:?}"));
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries the policy's nonce"
    );
    assert_inline_scripts_carry(&html, nonce, "/");
    for directive in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(
            policy.contains(directive),
            "{directive} missing from {policy}"
        );
    }
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(
        !html.contains("style=\""),
        "no inline style: the policy forbids it"
    );
    let again = browser
        .client
        .get(format!("{}/", browser.base))
        .send()
        .await
        .unwrap();
    assert_ne!(
        header_of(&again, "content-security-policy"),
        policy,
        "every page gets a new nonce"
    );
}

/// Every inline script of `html` carries `nonce` (a script without it would be blocked,
/// and the page would never hydrate).
fn assert_inline_scripts_carry(html: &str, nonce: &str, path: &str) {
    let inline: Vec<&str> = html
        .split("<script")
        .skip(1)
        .filter_map(|rest| {
            let (attributes, rest) = rest.split_once('>')?;
            let content = rest.split("</script>").next().unwrap_or_default();
            // An empty script runs nothing, nonce or not.
            (!attributes.contains("src=") && !content.trim().is_empty()).then_some(attributes)
        })
        .collect();
    assert!(!inline.is_empty(), "{path}: no inline script at all");
    for attributes in inline {
        assert!(
            attributes.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: an inline script without the policy's nonce: <script{attributes}>"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_page_signed_in_or_not_names_the_nonce_its_scripts_carry(pool: PgPool) {
    let app = spawn(pool).await;
    let admin = app.browser();
    let (vehicle, driver_id) = firm_with_fleet(&admin, 3).await;
    let trip = declare_trip(&admin, &vehicle, &driver_id, "export", true).await;
    let anonymous = app.browser();
    let pages = [
        (&anonymous, "/".to_string()),
        (&anonymous, "/login".to_string()),
        (&anonymous, "/board".to_string()),
        (&anonymous, "/no-such-page".to_string()),
        (&admin, "/trips".to_string()),
        (&admin, "/people".to_string()),
        (&admin, format!("/trips/{trip}")),
        (&admin, format!("/trips/{trip}/book")),
    ];
    for (browser, path) in pages {
        // Several at once: each render keeps its own nonce.
        let answers = futures::future::join_all((0..4).map(|_| {
            browser
                .client
                .get(format!("{}{path}", browser.base))
                .header(header::ACCEPT, "text/html")
                .send()
        }))
        .await;
        for answer in answers {
            let answer = answer.unwrap();
            let policy = header_of(&answer, "content-security-policy");
            let nonce = policy
                .split("'nonce-")
                .nth(1)
                .and_then(|rest| rest.split('\'').next())
                .unwrap_or_else(|| panic!("{path}: no nonce in {policy:?}"))
                .to_string();
            let html = answer.text().await.unwrap();
            assert_inline_scripts_carry(&html, &nonce, &path);
        }
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_answer_refuses_framing_sniffing_and_foreign_referrers(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    for (path, method) in [
        ("/", "GET"),
        ("/board", "GET"),
        ("/console", "GET"),
        ("/gates", "GET"),
        ("/api/current_user", "POST"),
        ("/manifest.webmanifest", "GET"),
        ("/no-such-page", "GET"),
    ] {
        let request = match method {
            "GET" => browser.client.get(format!("{}{path}", browser.base)),
            _ => browser.client.post(format!("{}{path}", browser.base)),
        };
        let response = request.send().await.unwrap();
        assert_eq!(header_of(&response, "x-frame-options"), "DENY", "{path}");
        assert_eq!(
            header_of(&response, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            header_of(&response, "referrer-policy"),
            "same-origin",
            "{path}"
        );
        let permissions = header_of(&response, "permissions-policy");
        assert!(
            permissions.contains("camera=(self)")
                && permissions.contains("geolocation=(self)")
                && permissions.contains("microphone=()"),
            "{path}: {permissions}"
        );
        assert!(
            header_of(&response, "strict-transport-security").is_empty(),
            "{path}: no HSTS over plain HTTP"
        );
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn over_https_browsers_are_told_to_stay_on_https(pool: PgPool) {
    let app = support::spawn_with(pool, app::server::Settings::default()).await;
    let response = reqwest::get(format!("http://{}/", app.address))
        .await
        .unwrap();
    let hsts = header_of(&response, "strict-transport-security");
    assert!(hsts.starts_with("max-age=63072000"), "{hsts:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn private_pages_are_never_stored_by_a_browser_cache(pool: PgPool) {
    let app = spawn(pool).await;
    let firm = app.browser();
    let (vehicle, driver) = firm_with_fleet(&firm, 8).await;
    let trip = declare_trip(&firm, &vehicle, &driver, "export", false).await;
    for path in [
        "/people".to_string(),
        "/trips".to_string(),
        format!("/trips/{trip}"),
        format!("/trips/{trip}/pass"),
        "/account".to_string(),
    ] {
        let response = firm
            .client
            .get(format!("{}{path}", firm.base))
            .header(header::ACCEPT, "text/html")
            .send()
            .await
            .unwrap();
        assert!(
            header_of(&response, "cache-control").contains("no-store"),
            "{path}: {:?}",
            header_of(&response, "cache-control")
        );
    }
    let answer = firm
        .client
        .post(format!("{}/api/list_people", firm.base))
        .send()
        .await
        .unwrap();
    assert!(header_of(&answer, "cache-control").contains("no-store"));
    let anonymous = app.browser();
    let home = anonymous
        .client
        .get(format!("{}/", firm.base))
        .send()
        .await
        .unwrap();
    assert_eq!(header_of(&home, "cache-control"), "no-cache");
    let board = anonymous
        .client
        .get(format!("{}/board", firm.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        header_of(&board, "cache-control"),
        "public, max-age=5",
        "a public page keeps its own short lifetime"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_language_switch_only_goes_back_to_a_page_of_this_site(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    for (next, expected) in [
        ("/trips?day=today", "/trips?day=today"),
        ("/%09/evil.example/", "/"),
        ("/%0a/evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("%0d%0aSet-Cookie:%20x=1", "/"),
    ] {
        let response = browser
            .client
            .get(format!("{}/lang/en?next={next}", browser.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(header_of(&response, "location"), expected, "{next}");
    }
}

/// Posts a form as a browser without JavaScript does: it asks for a page back and says
/// which page the form was on.
async fn post_plain_form(
    browser: &Browser,
    function: &str,
    page: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .client
        .post(format!("{}/api/{function}", browser.base))
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, format!("{}{page}", browser.base))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_refused_plain_form_keeps_what_was_typed_off_the_url(pool: PgPool) {
    let app = spawn(pool).await;
    let firm = app.browser();
    support::register_firm(&firm, 5).await;
    let refused = post_plain_form(
        &firm,
        "add_person",
        "/people",
        &[
            ("role", "driver"),
            ("full_name", "Hoàng Văn Thụ"),
            ("email", ""),
            ("phone", "12345"),
            ("id_number", "020123456789"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert!(refused.status().is_redirection(), "{}", refused.status());
    let location = header_of(&refused, "location");
    let decoded = url::form_urlencoded::parse(location.split_once('?').unwrap().1.as_bytes())
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    let error_in_url = decoded
        .split('&')
        .find_map(|pair| pair.strip_prefix("__err="))
        .expect("the refusal's problems travel in the URL");
    let error_in_url = String::from_utf8(
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE, error_in_url).unwrap(),
    )
    .unwrap();
    for personal in ["Thụ", "Hoàng", "020123456789", "12345", PASSWORD] {
        assert!(
            !error_in_url.contains(personal) && !location.contains(personal),
            "{personal} in {error_in_url}"
        );
    }
    assert!(error_in_url.contains("phone"), "{error_in_url}");

    // The page the browser comes back to shows the form filled in again, once.
    let back = firm
        .client
        .get(&location)
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::OK);
    let html = back.text().await.unwrap();
    assert!(
        html.contains("value=\"Hoàng Văn Thụ\""),
        "the name comes back"
    );
    assert!(
        html.contains("value=\"020123456789\""),
        "the ID number comes back"
    );
    assert!(html.contains("value=\"12345\""), "the phone comes back");
    assert!(!html.contains(PASSWORD), "never the password");
    let reloaded = firm
        .client
        .get(&location)
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !reloaded.contains("020123456789"),
        "taken once, then gone from the server"
    );
    let left: i64 = sqlx::query_scalar("select count(*) from form_flashes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_plain_sign_in_keeps_the_identifier_off_the_url(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    for identifier in ["0912 345", "lan@@huunghi.example"] {
        let refused = post_plain_form(
            &browser,
            "login",
            "/login",
            &[("identifier", identifier), ("password", "sai-mat-khau")],
        )
        .await;
        assert!(refused.status().is_redirection());
        let location = header_of(&refused, "location");
        let decoded: String = url::form_urlencoded::parse(location.as_bytes())
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let error_in_url = decoded
            .split("__err=")
            .nth(1)
            .map(|encoded| {
                base64::Engine::decode(
                    &base64::engine::general_purpose::URL_SAFE,
                    encoded.split('&').next().unwrap(),
                )
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default()
            })
            .unwrap_or_default();
        let compact: String = identifier.chars().filter(|c| *c != ' ').collect();
        assert!(
            !error_in_url.contains(identifier) && !error_in_url.contains(&compact),
            "{error_in_url}"
        );
        assert!(!location.contains("huunghi"), "{location}");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn a_body_larger_than_the_portal_reads_is_413(pool: PgPool) {
    let app = spawn(pool).await;
    let browser = app.browser();
    let big = vec![b'a'; 3 * 1024 * 1024];
    let declared = browser
        .client
        .post(format!("{}/api/login", browser.base))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(declared.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let error: AppError = declared.json().await.unwrap();
    assert_eq!(
        error,
        AppError::TooLarge {
            max_bytes: 2 * 1024 * 1024
        }
    );
    // The same without a Content-Length: read up to the limit, then refused.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = big
        .chunks(64 * 1024)
        .map(|chunk| Ok(chunk.to_vec()))
        .collect();
    let streamed = browser
        .client
        .post(format!("{}/devices/v1/plate-reads", browser.base))
        .header(header::CONTENT_TYPE, "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(streamed.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_trip_carries_a_few_containers_and_a_long_list_is_refused_cheaply(pool: PgPool) {
    let app = spawn(pool).await;
    let firm = app.browser();
    let (vehicle, driver) = firm_with_fleet(&firm, 9).await;
    let mut form = support::trip_form(&vehicle, &driver, "export", false);
    for (list, problem) in [
        (
            "CSQU3054383, MSKU1234565, TGHU8884440, HLXU2008419, TCNU7777770".to_string(),
            "too_many",
        ),
        ("CSQU3054383\n".repeat(20_000), "too_long"),
    ] {
        for (name, value) in form.iter_mut() {
            if *name == "containers" {
                *value = list.clone();
            }
        }
        let pairs: Vec<(&str, &str)> = form
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let answer = firm.call("save_trip", &pairs).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{answer:?}"
        );
        assert_eq!(
            answer.problems(),
            [("containers".to_string(), problem.to_string())]
        );
    }
    let stored: i64 = sqlx::query_scalar("select count(*) from trips")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing half-written");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_console_parameter_is_parsed_before_anything_runs(pool: PgPool) {
    let app = spawn(pool).await;
    let customs = support::officer(&app, "customs").await;
    for function in ["acknowledge_alert", "check_in", "confirm_exit", "decide"] {
        let answer = customs
            .call(
                function,
                &[
                    ("gate_id", "huu-nghi"),
                    ("direction", "export\u{1}"),
                    ("alert_id", "1"),
                    ("pass", "ABC123"),
                    ("trip_id", "00000000-0000-0000-0000-000000000000"),
                    ("decision", "clear"),
                ],
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{function}"
        );
        assert_eq!(
            answer.problems(),
            [("direction".to_string(), "invalid_characters".to_string())],
            "{function}"
        );
        let answer = customs
            .call(
                function,
                &[
                    ("gate_id", "huu-nghi"),
                    ("direction", "sideways"),
                    ("alert_id", "1"),
                    ("pass", "ABC123"),
                    ("trip_id", "00000000-0000-0000-0000-000000000000"),
                    ("decision", "clear"),
                ],
            )
            .await;
        assert_eq!(
            answer.problems(),
            [("direction".to_string(), "unknown_choice".to_string())],
            "{function}"
        );
    }
}
