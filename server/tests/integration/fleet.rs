//! The fleet over real HTTP: adding, uniqueness across firms, editing, deactivating,
//! searching and bulk import.

use crate::support;

use reqwest::StatusCode;
use sqlx::PgPool;
use support::{add_vehicle, register_firm, spawn, vehicle_form};

#[sqlx::test(migrations = "../migrations")]
async fn a_loosely_typed_plate_is_stored_normalised_and_shown_canonical(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    register_firm(&clerk, 1).await;

    let answer = clerk
        .call("add_vehicle", &vehicle_form(" 12c 123 45 "))
        .await;

    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body["plate"]["normalised"], "12C12345");
    let stored: String = sqlx::query_scalar("select plate from vehicles")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, "12C12345");
}

#[sqlx::test(migrations = "../migrations")]
async fn bad_vehicle_fields_get_field_level_problems(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    register_firm(&clerk, 1).await;
    let answer = clerk
        .call(
            "add_vehicle",
            &[
                ("plate", "12R-012.34"),
                ("trailer_plate", "12C-99999"),
                ("kind", "bicycle"),
                ("axles", "two"),
                ("gross_weight_kg", "400000"),
                ("country", "VN"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems: Vec<(String, String)> = answer.problems();
    let expected = [
        ("plate", "plate_is_trailer"),
        ("trailer_plate", "plate_not_trailer"),
        ("kind", "unknown_choice"),
        ("axles", "not_a_number"),
        ("gross_weight_kg", "out_of_range"),
    ];
    assert_eq!(
        problems,
        expected.map(|(field, code)| (field.to_string(), code.to_string()))
    );
    assert_eq!(
        answer.body["Invalid"]["typed"].as_array().unwrap().len(),
        6,
        "what was typed comes back"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_plate_exists_once_in_the_whole_system(pool: PgPool) {
    let app = spawn(pool).await;
    let first = app.browser();
    register_firm(&first, 1).await;
    add_vehicle(&first, "12C-123.45").await;

    let second = app.browser();
    register_firm(&second, 2).await;
    let answer = second.call("add_vehicle", &vehicle_form("12C12345")).await;

    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.problems(),
        [("plate".to_string(), "plate_taken".to_string())]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_deactivated_vehicle_frees_its_plate_and_cannot_come_back_over_a_new_owner(pool: PgPool) {
    let app = spawn(pool).await;
    let first = app.browser();
    register_firm(&first, 1).await;
    let sold = add_vehicle(&first, "12C-123.45").await;

    let deactivated = first
        .call(
            "set_vehicle_active",
            &[("vehicle_id", &sold), ("active", "false")],
        )
        .await;
    assert_eq!(deactivated.body["active"], false);

    let second = app.browser();
    register_firm(&second, 2).await;
    add_vehicle(&second, "12C-123.45").await;

    let back = first
        .call(
            "set_vehicle_active",
            &[("vehicle_id", &sold), ("active", "true")],
        )
        .await;
    assert_eq!(back.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        back.problems(),
        [("plate".to_string(), "plate_taken".to_string())]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn editing_a_vehicle_changes_it_and_keeps_the_rules(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    register_firm(&clerk, 1).await;
    let id = add_vehicle(&clerk, "12C-123.45").await;
    add_vehicle(&clerk, "12C-222.22").await;

    let mut form = vehicle_form("12C-123.45");
    form.retain(|(name, _)| *name != "axles");
    form.push(("axles", "3"));
    form.push(("vehicle_id", &id));
    let edited = clerk.call("update_vehicle", &form).await;
    assert_eq!(edited.status, StatusCode::OK, "{edited:?}");
    assert_eq!(edited.body["axles"], 3);

    let mut clash = vehicle_form("12C-222.22");
    clash.push(("vehicle_id", &id));
    let refused = clerk.call("update_vehicle", &clash).await;
    assert_eq!(
        refused.problems(),
        [("plate".to_string(), "plate_taken".to_string())]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn the_fleet_is_searched_by_any_fragment_of_a_plate(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    register_firm(&clerk, 1).await;
    for plate in ["12C-123.45", "12C-678.90", "29C-123.99"] {
        add_vehicle(&clerk, plate).await;
    }
    let plates = |answer: support::Answer| -> Vec<String> {
        answer.body["vehicles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|vehicle| vehicle["plate"]["normalised"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        plates(clerk.call("list_vehicles", &[("search", "123.")]).await),
        ["12C12345", "29C12399"]
    );
    assert_eq!(
        plates(clerk.call("list_vehicles", &[("search", "12c 678")]).await),
        ["12C67890"]
    );
    assert_eq!(
        plates(clerk.call("list_vehicles", &[("search", "%")]).await),
        Vec::<String>::new(),
        "like wildcards are literal"
    );
    assert_eq!(
        plates(clerk.call("list_vehicles", &[("search", "")]).await).len(),
        3
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_csv_import_adds_the_good_rows_and_reports_the_bad(pool: PgPool) {
    let app = spawn(pool).await;
    let other = app.browser();
    register_firm(&other, 2).await;
    add_vehicle(&other, "12C-555.55").await;

    let clerk = app.browser();
    register_firm(&clerk, 1).await;
    let file = "plate,trailer_plate,kind,axles,gross_weight_kg,country\n\
                12C-123.45,12R-012.34,tractor_trailer,5,40000,VN\n\
                12C-99,,truck,2,12000,VN\n\
                12C-555.55,,truck,2,12000,VN\n\
                桂A12345,,refrigerated,3,25000,CN\n\
                12c12345,,truck,2,12000,VN\n";
    let answer = clerk
        .upload("import_vehicles", "xe.csv", file.as_bytes().to_vec())
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    let import_id = answer.body.as_str().unwrap().to_string();

    let report = clerk.call("get_import", &[("import_id", &import_id)]).await;
    assert_eq!(report.body["file_name"], "xe.csv");
    let rows: Vec<(u64, String, Vec<String>)> = report.body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let codes = row["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|problem| problem["problem"]["code"].as_str().unwrap().to_string())
                .collect();
            (
                row["line"].as_u64().unwrap(),
                row["plate"].as_str().unwrap().to_string(),
                codes,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (2, "12C-123.45".to_string(), vec![]),
            (3, "12C-99".to_string(), vec!["plate_format".to_string()]),
            (4, "12C-555.55".to_string(), vec!["plate_taken".to_string()]),
            (5, "桂A12345".to_string(), vec![]),
            (
                6,
                "12c12345".to_string(),
                vec!["duplicate_in_file".to_string()]
            ),
        ]
    );
    let count: i64 = sqlx::query_scalar("select count(*) from vehicles")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 3, "the other firm's truck and the two good rows");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_file_that_is_not_a_fleet_csv_is_refused_whole(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    register_firm(&clerk, 1).await;
    let answer = clerk
        .upload(
            "import_vehicles",
            "photo.csv",
            vec![0xff, 0xd8, 0xff, 0xe0, 0x00],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        answer.problems(),
        [("file".to_string(), "csv_not_text".to_string())]
    );
    let missing = clerk
        .upload(
            "import_vehicles",
            "x.csv",
            b"plate,kind\n12C-1234,truck\n".to_vec(),
        )
        .await;
    assert_eq!(
        missing.problems(),
        [("file".to_string(), "csv_missing_column".to_string())]
    );
    let imports: i64 = sqlx::query_scalar("select count(*) from vehicle_imports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(imports, 0);
}
