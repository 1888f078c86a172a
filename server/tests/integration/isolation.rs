//! Each firm sees and changes only its own people and vehicles, whatever id it sends,
//! and each role only what it may.

use crate::support;

use reqwest::StatusCode;
use sqlx::PgPool;
use support::{PASSWORD, add_vehicle, register_firm, spawn, vehicle_form};

#[sqlx::test(migrations = "../migrations")]
async fn another_firms_ids_find_nothing_and_change_nothing(pool: PgPool) {
    let app = spawn(pool).await;
    let victim = app.browser();
    register_firm(&victim, 1).await;
    let vehicle_id = add_vehicle(&victim, "12C-123.45").await;
    let driver = victim
        .call(
            "add_person",
            &[
                ("role", "driver"),
                ("full_name", "Hoàng Văn Thụ"),
                ("email", ""),
                ("phone", "0912345678"),
                ("id_number", "020190001234"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let person_id = driver.body["id"].as_str().unwrap().to_string();
    let import = victim
        .upload(
            "import_vehicles",
            "v.csv",
            b"plate,kind,axles,gross_weight_kg,country\n12C-777.77,truck,2,9000,VN\n".to_vec(),
        )
        .await;
    let import_id = import.body.as_str().unwrap().to_string();

    let intruder = app.browser();
    register_firm(&intruder, 2).await;
    let mut update = vehicle_form("12C-999.99");
    update.push(("vehicle_id", &vehicle_id));
    let attempts = [
        intruder
            .call("get_vehicle", &[("vehicle_id", &vehicle_id)])
            .await,
        intruder.call("update_vehicle", &update).await,
        intruder
            .call(
                "set_vehicle_active",
                &[("vehicle_id", &vehicle_id), ("active", "false")],
            )
            .await,
        intruder
            .call("get_import", &[("import_id", &import_id)])
            .await,
        intruder
            .call(
                "set_person_active",
                &[("person_id", &person_id), ("active", "false")],
            )
            .await,
    ];
    for answer in attempts {
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{answer:?}");
    }

    let listed = intruder.call("list_vehicles", &[("search", "")]).await;
    assert_eq!(listed.body["vehicles"].as_array().unwrap().len(), 0);
    let people = intruder.call("list_people", &[]).await;
    assert_eq!(
        people.body.as_array().unwrap().len(),
        1,
        "only the intruder's own admin"
    );

    let (plate, active): (String, bool) =
        sqlx::query_as("select plate, active from vehicles where id = $1::uuid")
            .bind(&vehicle_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((plate.as_str(), active), ("12C12345", true), "untouched");
    let driver_active: bool = sqlx::query_scalar("select active from users where id = $1::uuid")
        .bind(&person_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(driver_active);
}

#[sqlx::test(migrations = "../migrations")]
async fn malformed_ids_are_not_found_not_errors(pool: PgPool) {
    let app = spawn(pool).await;
    let clerk = app.browser();
    register_firm(&clerk, 1).await;
    let answer = clerk
        .call(
            "get_vehicle",
            &[("vehicle_id", "'; drop table vehicles; --")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrations = "../migrations")]
async fn signed_out_callers_are_told_to_sign_in(pool: PgPool) {
    let app = spawn(pool).await;
    let stranger = app.browser();
    for (function, form) in [
        ("list_vehicles", vec![("search", "")]),
        ("add_vehicle", vehicle_form("12C-123.45")),
        ("list_people", vec![]),
    ] {
        let answer = stranger.call(function, &form).await;
        assert_eq!(
            answer.status,
            StatusCode::UNAUTHORIZED,
            "{function}: {answer:?}"
        );
        assert_eq!(answer.body, "NotSignedIn");
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn each_role_does_only_its_part(pool: PgPool) {
    let app = spawn(pool).await;
    let admin = app.browser();
    register_firm(&admin, 1).await;
    let add =
        |role: &'static str, email: &'static str, phone: &'static str, id_number: &'static str| {
            let admin = &admin;
            async move {
                admin
                    .call(
                        "add_person",
                        &[
                            ("role", role),
                            ("full_name", "Người Thử"),
                            ("email", email),
                            ("phone", phone),
                            ("id_number", id_number),
                            ("password", PASSWORD),
                        ],
                    )
                    .await
            }
        };
    assert_eq!(
        add("firm_clerk", "clerk@firm.example", "", "").await.status,
        StatusCode::OK
    );
    assert_eq!(
        add("driver", "", "0912 345 678", "020190001234")
            .await
            .status,
        StatusCode::OK
    );
    let officer = add("officer", "o@firm.example", "", "").await;
    assert_eq!(
        officer.problems(),
        [("role".to_string(), "unknown_choice".to_string())],
        "a firm cannot make officers"
    );

    let clerk = app.browser();
    assert_eq!(
        clerk
            .call(
                "login",
                &[("identifier", "clerk@firm.example"), ("password", PASSWORD)]
            )
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        clerk.call("list_vehicles", &[("search", "")]).await.status,
        StatusCode::OK
    );
    assert_eq!(
        clerk.call("list_people", &[]).await.status,
        StatusCode::FORBIDDEN
    );

    let driver = app.browser();
    let signed_in = driver
        .call(
            "login",
            &[("identifier", "+84 912 345 678"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::OK,
        "drivers sign in by phone: {signed_in:?}"
    );
    assert_eq!(
        driver.call("list_vehicles", &[("search", "")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        driver
            .call("add_vehicle", &vehicle_form("12C-123.45"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn deactivating_a_person_signs_them_out_at_once(pool: PgPool) {
    let app = spawn(pool).await;
    let admin = app.browser();
    register_firm(&admin, 1).await;
    let added = admin
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
    let clerk_id = added.body["id"].as_str().unwrap().to_string();
    let clerk = app.browser();
    clerk
        .call(
            "login",
            &[("identifier", "minh@firm.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        clerk.call("list_vehicles", &[("search", "")]).await.status,
        StatusCode::OK
    );

    let answer = admin
        .call(
            "set_person_active",
            &[("person_id", &clerk_id), ("active", "false")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);

    assert_eq!(
        clerk.call("list_vehicles", &[("search", "")]).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = clerk
        .call(
            "login",
            &[("identifier", "minh@firm.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_cannot_deactivate_themselves(pool: PgPool) {
    let app = spawn(pool).await;
    let admin = app.browser();
    let me = register_firm(&admin, 1).await;
    let my_id = me.body["user_id"].as_str().unwrap().to_string();
    let answer = admin
        .call(
            "set_person_active",
            &[("person_id", &my_id), ("active", "false")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}
