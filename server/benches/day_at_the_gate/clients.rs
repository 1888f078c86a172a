//! The people and devices of the day, as HTTP clients of the portal: firms, the gate
//! admin, officers and cameras. Each call answers with its time and either the JSON the
//! portal sent or a label of what went wrong ("422 count: yard_empty", "500 Internal",
//! "transport: timed out"), which the report counts by step.

pub mod camera;
pub mod firm;
pub mod gate_admin;
pub mod officer;

use crate::seeding::Account;
use reqwest::{
    Client, StatusCode,
    header::{COOKIE, SET_COOKIE},
};
use serde_json::Value;
use std::time::{Duration, Instant};

/// The portal, seen from outside: one connection pool for every client of the day (a
/// keep-alive connection per concurrent request), and each client's own session.
#[derive(Clone)]
pub struct Portal {
    client: Client,
    pub base: String,
}

/// A signed-in browser: the session cookie its requests carry.
#[derive(Clone)]
pub struct Session {
    cookie: String,
}

/// What a call came back with, and how long it took (sent to last byte read).
pub struct Reply {
    pub elapsed: Duration,
    pub result: Result<Value, String>,
}

impl Portal {
    pub fn new(base: String, connections: usize) -> anyhow::Result<Portal> {
        let client = Client::builder()
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Portal { client, base })
    }

    pub fn http(&self) -> &Client {
        &self.client
    }

    /// Calls a server function as the hydrated app does (form-encoded, JSON back).
    pub async fn call(&self, session: &Session, function: &str, form: &[(&str, &str)]) -> Reply {
        let request = self
            .client
            .post(format!("{}/api/{function}", self.base))
            .header(COOKIE, &session.cookie)
            .form(form);
        self.send(request).await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let started = Instant::now();
        let result = match request.send().await {
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Ok(body) => {
                        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        if status.is_success() {
                            Ok(json)
                        } else {
                            Err(label(status, &json))
                        }
                    }
                    Err(error) => Err(transport(&error)),
                }
            }
            Err(error) => Err(transport(&error)),
        };
        Reply {
            elapsed: started.elapsed(),
            result,
        }
    }
}

/// "422 count: yard_empty" for refused fields, else the status and the error's name.
fn label(status: StatusCode, body: &Value) -> String {
    let code = status.as_u16();
    if let Some(fields) = body["Invalid"]["fields"].as_array() {
        let problems: Vec<String> = fields
            .iter()
            .map(|field| {
                format!(
                    "{}: {}",
                    field["field"].as_str().unwrap_or("?"),
                    field["problem"]["code"].as_str().unwrap_or("?")
                )
            })
            .collect();
        return format!("{code} {}", problems.join(", "));
    }
    let name = match body {
        Value::String(name) => name.clone(),
        Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
        _ => String::new(),
    };
    format!("{code} {name}").trim_end().to_string()
}

fn transport(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else if error.is_body() || error.is_decode() {
        "body cut off"
    } else {
        "request failed"
    };
    format!("transport: {kind}")
}

/// Signs an account in with its password over HTTP, as the sign-in form does; the
/// session cookie the portal sets is the session.
pub async fn sign_in_with_password(portal: &Portal, account: &Account) -> anyhow::Result<Session> {
    let response = portal
        .client
        .post(format!("{}/api/login", portal.base))
        .form(&[
            ("identifier", account.email.as_str()),
            ("password", account.password.as_str()),
        ])
        .send()
        .await?;
    let status = response.status();
    let cookie = session_cookie(&response);
    match cookie {
        Some(cookie) if status.is_success() => Ok(Session { cookie }),
        _ => anyhow::bail!(
            "sign-in of {}: {status} {}",
            account.email,
            response.text().await.unwrap_or_default()
        ),
    }
}

/// Signs a staff account of a fresh database in (officers and admins need a second
/// factor): the password, then, as someone signing in for the first time does, an
/// authenticator set up with the secret the portal shows and confirmed with the code it
/// computes (RFC 6238).
pub async fn sign_in_as_staff(portal: &Portal, account: &Account) -> anyhow::Result<Session> {
    let session = sign_in_with_password(portal, account).await?;
    let setup = portal
        .call(&session, "begin_second_factor", &[])
        .await
        .result
        .map_err(|error| anyhow::anyhow!("second factor of {}: {error}", account.email))?;
    let secret_text: String = setup["secret_text"]
        .as_str()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let secret = app::server::second_factor::secret_from_base32(&secret_text)
        .ok_or_else(|| anyhow::anyhow!("second factor of {}: no secret", account.email))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let code = app::server::second_factor::code_at(&secret, now)
        .map_err(|error| anyhow::anyhow!("{error:?}"))?;
    let response = portal
        .client
        .post(format!("{}/api/confirm_second_factor", portal.base))
        .header(COOKIE, &session.cookie)
        .form(&[("code", code.as_str())])
        .send()
        .await?;
    let status = response.status();
    let cookie = session_cookie(&response).unwrap_or(session.cookie);
    if !status.is_success() {
        anyhow::bail!(
            "second factor of {}: {status} {}",
            account.email,
            response.text().await.unwrap_or_default()
        );
    }
    Ok(Session { cookie })
}

/// The session cookie a response sets, if any.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|line| line.starts_with("bgp_session="))
        .and_then(|line| line.split(';').next())
        .map(str::to_string)
}

/// Signs many accounts in, a few at a time (each costs the server an argon2 hash).
pub async fn sign_in_all<F, Fut>(accounts: &[Account], sign_in: F) -> anyhow::Result<Vec<Session>>
where
    F: Fn(Account) -> Fut,
    Fut: Future<Output = anyhow::Result<Session>>,
{
    use futures::stream::{self, StreamExt, TryStreamExt};
    stream::iter(accounts.iter().cloned().map(sign_in))
        .buffered(4)
        .try_collect()
        .await
}
