//! Server-sent events for pages that follow a trip or a gate live: `GET /live/trips/{id}`
//! (the trip's firm or driver) and `GET /live/gates/{id}` (officers posted there). Each
//! message names a new event; the page fetches what changed. Fed by PostgreSQL
//! LISTEN/NOTIFY, so events written by any server process arrive.
//!
//! A stream lasts only as long as what let it open: every few seconds
//! (`Settings::live_recheck`), and before passing on each event, it asks again, through
//! the one session check (`sessions::user_of_headers`), whether the session still counts
//! and may still follow this trip or gate; when not, the stream ends. Streams are capped
//! per session and per process (`Live::admit`); a refused one gets 429 with
//! `Retry-After`. A check the database cannot answer (an outage) ends nothing: the
//! stream stays open and asks again at the next re-check; a stream asked for during an
//! outage gets 503 with `Retry-After`.

use app::{
    error::AppError,
    models::SessionUser,
    server::{
        AppState, clearance,
        live::{Followed, Follower, StreamPermit},
        sessions, trips,
    },
};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::stream::{self, Stream};
use server_fn::error::FromServerFnError;
use std::{convert::Infallible, future::Future, time::Duration};
use tokio::{
    sync::broadcast::error::RecvError,
    time::{Instant, MissedTickBehavior, interval_at},
};
use uuid::Uuid;

/// Why the request's session may not follow what it asked for (now).
enum Refused {
    NotSignedIn,
    /// The session or the process holds as many streams as allowed.
    TooMany {
        retry_after_seconds: u64,
    },
    NotFound,
    Forbidden,
    /// The check could not be made (the database is unavailable, or failed).
    Failed(AppError),
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::NotSignedIn => StatusCode::UNAUTHORIZED.into_response(),
            // The API's error shape, as server functions answer a throttled call.
            Refused::TooMany {
                retry_after_seconds,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    ),
                    (header::RETRY_AFTER, HeaderValue::from(retry_after_seconds)),
                ],
                AppError::TooManyAttempts {
                    retry_after_seconds,
                }
                .ser(),
            )
                .into_response(),
            Refused::NotFound => StatusCode::NOT_FOUND.into_response(),
            Refused::Forbidden => StatusCode::FORBIDDEN.into_response(),
            Refused::Failed(error) => error.into_response(),
        }
    }
}

async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<SessionUser, Refused> {
    match sessions::user_of_headers(state, headers).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(Refused::NotSignedIn),
        Err(error) => Err(Refused::Failed(error)),
    }
}

/// The trip's firm (its admins and clerks) or its driver.
async fn trip_access(state: &AppState, headers: &HeaderMap, trip_id: Uuid) -> Result<(), Refused> {
    let user = signed_in(state, headers).await?;
    let viewer = trips::Viewer::of(&user).ok_or(Refused::NotFound)?;
    match trips::summary(state, viewer, trip_id).await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(Refused::NotFound),
        Err(error) => Err(Refused::Failed(error)),
    }
}

/// An officer posted at the gate.
async fn gate_access(state: &AppState, headers: &HeaderMap, gate_id: &str) -> Result<(), Refused> {
    let user = signed_in(state, headers).await?;
    match clearance::officer_at(state, &user, gate_id).await {
        Ok(_) => Ok(()),
        Err(AppError::Forbidden) => Err(Refused::Forbidden),
        Err(error) => Err(Refused::Failed(error)),
    }
}

/// Whether an open stream goes on after a check: unless it was refused. A check that
/// could not be made (the database is down) is asked again at the next re-check.
fn goes_on(check: Result<(), Refused>) -> bool {
    matches!(check, Ok(()) | Err(Refused::Failed(_)))
}

/// What one open stream holds: its place, its channel, and how to ask again.
struct Open<Check> {
    _permit: StreamPermit,
    follower: Follower,
    still_allowed: Check,
    recheck: tokio::time::Interval,
}

/// The signals of `follower` as SSE messages, for as long as `still_allowed` says yes:
/// asked every `every` and before each message.
fn stream_of<Check, Checking>(
    permit: StreamPermit,
    follower: Follower,
    every: Duration,
    still_allowed: Check,
) -> impl Stream<Item = Result<Event, Infallible>>
where
    Check: Fn() -> Checking + Send + 'static,
    Checking: Future<Output = bool> + Send,
{
    let mut recheck = interval_at(Instant::now() + every, every);
    recheck.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let open = Open {
        _permit: permit,
        follower,
        still_allowed,
        recheck,
    };
    stream::unfold(open, |mut open| async move {
        loop {
            let data = tokio::select! {
                _ = open.recheck.tick() => {
                    if !(open.still_allowed)().await {
                        return None;
                    }
                    continue;
                }
                received = open.follower.recv() => match received {
                    Ok(signal) => format!("{}:{}", signal.trip_id, signal.event_id),
                    // Fell behind: tell the page to fetch anyway.
                    Err(RecvError::Lagged(_)) => "lagged".to_string(),
                    Err(RecvError::Closed) => return None,
                },
            };
            if !(open.still_allowed)().await {
                return None;
            }
            return Some((Ok(Event::default().event("trip").data(data)), open));
        }
    })
}

fn sse(events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> Response {
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
        .into_response()
}

/// A place for one more stream of the request's session, if it has one left (and is
/// signed in at all).
fn admit(state: &AppState, headers: &HeaderMap) -> Result<StreamPermit, Refused> {
    let session = sessions::claimed_session_in(state, headers).ok_or(Refused::NotSignedIn)?;
    state
        .live
        .admit(session.session_id)
        .ok_or(Refused::TooMany {
            // A place frees when a stream ends; those of an ended session end within a
            // re-check.
            retry_after_seconds: state.settings.live_recheck.as_secs().max(1),
        })
}

pub async fn trip(
    State(state): State<AppState>,
    Path(trip_id): Path<Uuid>,
    headers: HeaderMap,
) -> Response {
    let permit = match admit(&state, &headers) {
        Ok(permit) => permit,
        Err(refused) => return refused.into_response(),
    };
    if let Err(refused) = trip_access(&state, &headers, trip_id).await {
        return refused.into_response();
    }
    let follower = state.live.follow(Followed::Trip(trip_id));
    let every = state.settings.live_recheck;
    sse(stream_of(permit, follower, every, move || {
        let (state, headers) = (state.clone(), headers.clone());
        async move { goes_on(trip_access(&state, &headers, trip_id).await) }
    }))
}

pub async fn gate(
    State(state): State<AppState>,
    Path(gate_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let permit = match admit(&state, &headers) {
        Ok(permit) => permit,
        Err(refused) => return refused.into_response(),
    };
    if let Err(refused) = gate_access(&state, &headers, &gate_id).await {
        return refused.into_response();
    }
    let follower = state.live.follow(Followed::Gate(gate_id.clone()));
    let every = state.settings.live_recheck;
    sse(stream_of(permit, follower, every, move || {
        let (state, headers, gate_id) = (state.clone(), headers.clone(), gate_id.clone());
        async move { goes_on(gate_access(&state, &headers, &gate_id).await) }
    }))
}
