//! Spawns the real portal (router, middleware, server functions) on a free port against
//! the fresh database `#[sqlx::test]` made for the test, and talks HTTP to it.

#![allow(dead_code)]

use app::server::{AppState, Settings};
use leptos::prelude::LeptosOptions;
use reqwest::{
    Client, Response, StatusCode,
    cookie::{CookieStore, Jar},
};
use serde_json::Value;
use sqlx::PgPool;
use std::{net::SocketAddr, sync::Arc};

pub struct TestApp {
    pub address: SocketAddr,
    pub pool: PgPool,
}

pub async fn spawn(pool: PgPool) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().unwrap();
    let options = LeptosOptions::builder()
        .output_name("border-gate")
        .site_addr(address)
        .build();
    let settings = Settings {
        secure_cookies: false,
        session_hours: 12,
    };
    let state = AppState::new(pool.clone(), options, settings)
        .await
        .expect("state");
    let router = server::router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    TestApp { address, pool }
}

impl TestApp {
    /// A client with its own cookie jar: one browser.
    pub fn browser(&self) -> Browser {
        let jar = Arc::new(Jar::default());
        Browser {
            client: Client::builder()
                .cookie_provider(jar.clone())
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: format!("http://{}", self.address),
            jar,
        }
    }
}

pub struct Browser {
    pub client: Client,
    pub base: String,
    jar: Arc<Jar>,
}

/// An answer: status and JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    async fn from(response: Response) -> Answer {
        let status = response.status();
        let text = response.text().await.unwrap();
        Answer {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    /// The problem codes of each refused field, as `(field, code)`.
    pub fn problems(&self) -> Vec<(String, String)> {
        self.body["Invalid"]["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|field| {
                        (
                            field["field"].as_str().unwrap().to_string(),
                            field["problem"]["code"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Browser {
    /// `name=value` of a cookie this browser holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.base.parse().unwrap())?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find(|cookie| cookie.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// Calls a server function as the hydrated app does (form-encoded, JSON back).
    pub async fn call(&self, function: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        Answer::from(response).await
    }

    pub async fn call_with_headers(
        &self,
        function: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut request = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Answer::from(request.send().await.unwrap()).await
    }

    pub async fn upload(&self, function: &str, file_name: &str, bytes: Vec<u8>) -> Answer {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_string())
            .mime_str("text/csv")
            .unwrap();
        let form = reqwest::multipart::Form::new().part("file", part);
        let response = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .multipart(form)
            .send()
            .await
            .unwrap();
        Answer::from(response).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }
}

pub const PASSWORD: &str = "mat-khau-2026";

/// Registers a firm whose tax code and admin email derive from `tag`; the browser is
/// then signed in as its admin.
pub async fn register_firm(browser: &Browser, tag: u32) -> Answer {
    let tax_code = format!("49{tag:08}");
    let email = format!("admin{tag}@firm.example");
    browser
        .call(
            "register_firm",
            &[
                ("firm_name", &format!("Công ty Vận tải {tag}")),
                ("tax_code", &tax_code),
                ("address", "Km 3, Đồng Đăng, Lạng Sơn"),
                ("firm_phone", "0205 3851 234"),
                ("admin_name", "Nguyễn Thị Lan"),
                ("email", &email),
                ("password", PASSWORD),
            ],
        )
        .await
}

pub fn vehicle_form<'a>(plate: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("plate", plate),
        ("trailer_plate", ""),
        ("kind", "truck"),
        ("axles", "2"),
        ("gross_weight_kg", "12000"),
        ("country", "VN"),
    ]
}

/// Adds a vehicle and returns its id.
pub async fn add_vehicle(browser: &Browser, plate: &str) -> String {
    let answer = browser.call("add_vehicle", &vehicle_form(plate)).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    answer.body["id"].as_str().unwrap().to_string()
}
