//! Server-sent events for pages that follow a trip or a gate live: `GET /live/trips/{id}`
//! (the trip's firm or driver) and `GET /live/gates/{id}` (officers posted there). Each
//! message names a new event; the page fetches what changed. Fed by PostgreSQL
//! LISTEN/NOTIFY, so events written by any server process arrive.

use app::server::{AppState, clearance, sessions, trips};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::stream::{self, Stream};
use std::{convert::Infallible, time::Duration};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

/// The events of the live channel that pass `keep`, as SSE messages.
fn stream_of(
    receiver: tokio::sync::broadcast::Receiver<app::server::live::Signal>,
    keep: impl Fn(&app::server::live::Signal) -> bool + Send + 'static,
) -> impl Stream<Item = Result<Event, Infallible>> {
    stream::unfold((receiver, keep), |(mut receiver, keep)| async move {
        loop {
            match receiver.recv().await {
                Ok(signal) if keep(&signal) => {
                    let event = Event::default()
                        .event("trip")
                        .data(format!("{}:{}", signal.trip_id, signal.event_id));
                    return Some((Ok(event), (receiver, keep)));
                }
                Ok(_) => continue,
                // Fell behind: tell the page to fetch anyway.
                Err(RecvError::Lagged(_)) => {
                    return Some((
                        Ok(Event::default().event("trip").data("lagged")),
                        (receiver, keep),
                    ));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
}

fn sse(events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> Response {
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}

pub async fn trip(
    State(state): State<AppState>,
    Path(trip_id): Path<Uuid>,
    headers: HeaderMap,
) -> Response {
    let Ok(Some(user)) = sessions::user_of_headers(&state, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Some(viewer) = trips::Viewer::of(&user) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match trips::summary(&state, viewer, trip_id).await {
        Ok(Some(_)) => sse(stream_of(state.live.subscribe(), move |signal| {
            signal.trip_id == trip_id
        })),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn gate(
    State(state): State<AppState>,
    Path(gate_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(Some(user)) = sessions::user_of_headers(&state, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if clearance::officer_at(&state, &user, &gate_id)
        .await
        .is_err()
    {
        return StatusCode::FORBIDDEN.into_response();
    }
    sse(stream_of(state.live.subscribe(), move |signal| {
        signal.gate_id.as_deref() == Some(gate_id.as_str())
    }))
}
