//! The public load board: no sign-in, cheap to serve many times a second.

use crate::{error::AppError, models::gates::Board};
use leptos::prelude::*;
use server_fn::codec::GetUrl;

/// How full each slot of a gate is on a day (both empty: the first gate, today). A GET,
/// cacheable for a few seconds by browsers and proxies.
#[server(endpoint = "load_board", input = GetUrl)]
pub async fn load_board(gate_id: String, day: String) -> Result<Board, AppError> {
    let state = crate::server::state()?;
    let gate = Some(gate_id.trim()).filter(|id| !id.is_empty());
    let board =
        crate::server::board::board(&state, gate, super::parse_day(&day), chrono::Utc::now())
            .await?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("public, max-age=5"),
        );
    }
    board.ok_or(AppError::NotFound)
}
