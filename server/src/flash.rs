//! Keeps what a refused plain form typed out of the URL (see `app::server::flash`).
//!
//! A server function called by a plain HTML form answers a refusal with a redirect to
//! the page it came from, carrying the error in the query (`__err`, base64 JSON). This
//! takes the typed values out of that error before the browser sees it, keeps them on
//! the server under a token in a ten-minute HttpOnly cookie, and hands them to the next
//! page the browser opens, which shows the form filled in again.

use app::{
    error::AppError,
    server::{
        AppState,
        flash::{FLASH_COOKIE, FLASH_SECONDS, FormFlash, keep, take},
        request::cookie_in,
    },
};
use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::Response,
};
use base64::{Engine, engine::general_purpose::URL_SAFE};
use server_fn::error::FromServerFnError;

pub async fn keep_typed_values_off_urls(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let page = request.method() == Method::GET && accepts_html(&request);
    let pending = cookie_in(request.headers(), FLASH_COOKIE).filter(|token| !token.is_empty());
    let mut taken = false;
    if let (true, Some(token)) = (page, pending.as_deref()) {
        match take(&state.pool, token).await {
            Ok(Some(flash)) => {
                request.extensions_mut().insert(flash);
            }
            Ok(None) => {}
            // The page still renders, only without what was typed.
            Err(error) => tracing::warn!(%error, "reading a form flash failed"),
        }
        taken = true;
    }
    let posted_to_function =
        request.method() == Method::POST && request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if taken {
        clear_cookie(&mut response, state.settings.secure_cookies);
    }
    if posted_to_function && response.status().is_redirection() {
        move_typed_values(&state, &mut response).await;
    }
    response
}

fn accepts_html(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Rewrites a refusal's redirect: the same problems, no typed values; those go to the
/// flash table and the cookie.
async fn move_typed_values(state: &AppState, response: &mut Response) {
    let Some(location) = response
        .headers()
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
    else {
        return;
    };
    let Some((new_location, flash)) = without_typed_values(location) else {
        return;
    };
    if !flash.typed.is_empty() {
        match keep(&state.pool, &flash).await {
            Ok(token) => set_cookie(
                response,
                &format!("{FLASH_COOKIE}={token}; Max-Age={FLASH_SECONDS}"),
                state.settings.secure_cookies,
            ),
            // Better an empty form shown again than personal data in a URL.
            Err(error) => tracing::warn!(%error, "keeping a form flash failed"),
        }
    }
    match HeaderValue::from_str(&new_location) {
        Ok(value) => {
            response.headers_mut().insert(header::LOCATION, value);
        }
        Err(_) => {
            response
                .headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static("/"));
        }
    }
}

/// The redirect target with the typed values taken out of its `__err`, and those values
/// with the function that refused; `None` when the target carries no refusal.
fn without_typed_values(location: &str) -> Option<(String, FormFlash)> {
    let (base, query) = location.split_once('?')?;
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let function_path = pairs
        .iter()
        .find(|(name, _)| name == "__path")
        .map(|(_, value)| value.clone())?;
    let encoded = pairs
        .iter()
        .find(|(name, _)| name == "__err")
        .map(|(_, value)| value.clone())?;
    let mut error = AppError::de(URL_SAFE.decode(encoded).ok()?.into());
    let typed = error.take_typed();
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in &pairs {
        if name == "__err" {
            serializer.append_pair(name, &URL_SAFE.encode(error.ser()));
        } else {
            serializer.append_pair(name, value);
        }
    }
    let mut new_location = format!("{base}?{}", serializer.finish());
    if let Some(fragment) = fragment {
        new_location.push('#');
        new_location.push_str(fragment);
    }
    Some((
        new_location,
        FormFlash {
            function_path,
            typed,
        },
    ))
}

fn set_cookie(response: &mut Response, pair: &str, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    if let Ok(value) =
        HeaderValue::from_str(&format!("{pair}; Path=/; HttpOnly; SameSite=Lax{secure}"))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn clear_cookie(response: &mut Response, secure: bool) {
    set_cookie(response, &format!("{FLASH_COOKIE}=; Max-Age=0"), secure);
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{Problem, form::FieldErrors};

    fn refusal_url(base: &str, error: &AppError) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        serializer.append_pair("tab", "people");
        serializer.append_pair("__path", "/api/add_person");
        serializer.append_pair("__err", &URL_SAFE.encode(error.ser()));
        format!("{base}?{}", serializer.finish())
    }

    #[test]
    fn typed_values_leave_the_url_and_the_problems_stay() {
        let mut errors = FieldErrors::default();
        errors.add("phone", Problem::PhoneFormat);
        let error = AppError::Invalid {
            fields: errors.into_vec(),
            typed: vec![
                ("full_name".into(), "Hoàng Văn Thụ".into()),
                ("id_number".into(), "020123456789".into()),
            ],
        };
        let location = refusal_url("http://127.0.0.1:3000/people", &error);
        let (rewritten, flash) = without_typed_values(&location).unwrap();
        assert!(rewritten.starts_with("http://127.0.0.1:3000/people?tab=people&__path="));
        assert_eq!(flash.function_path, "/api/add_person");
        assert_eq!(flash.typed.len(), 2);
        let (_, query) = rewritten.split_once('?').unwrap();
        let carried = url::form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "__err")
            .map(|(_, value)| value.into_owned())
            .unwrap();
        let carried = AppError::de(URL_SAFE.decode(carried).unwrap().into());
        assert_eq!(
            carried.problems_of("phone").collect::<Vec<_>>(),
            [Problem::PhoneFormat]
        );
        assert_eq!(carried.typed("full_name"), None);
        assert!(!rewritten.contains("020123456789"));
    }

    #[test]
    fn a_target_without_a_refusal_is_left_alone() {
        assert_eq!(without_typed_values("/people?added=1"), None);
        assert_eq!(without_typed_values("/people"), None);
    }
}
