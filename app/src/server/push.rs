//! Web push (RFC 8030, 8291, 8292) through the web-push crate: the portal's VAPID key
//! pair, users' subscriptions, and the worker that drains the outbox.
//!
//! Notifications are queued by the database itself, in the transaction that writes the
//! trip's event (trigger `trip_events_push`), or by the reminder sweep; the worker takes
//! due rows with `FOR UPDATE SKIP LOCKED` (any number of workers, in any number of
//! processes), only the oldest of each device's trip (a trip's news arrives in order,
//! also after a failed send is put off), sends each with a timeout, and in the same
//! transaction deletes what was delivered, reschedules what failed (5xx, timeout) with
//! a backoff, and drops the subscriptions the push service says are gone (404, 410). A crash mid-delivery rolls
//! the batch back: it is sent again, never lost. Payloads carry the trip's plate, slot
//! and step, never its cargo.
//!
//! A subscription's endpoint is a URL a stranger chose, so every send checks it again
//! against the push policy (`domain::push::PushPolicy`), resolves its host through a
//! resolver that refuses any name with a non-public address, and connects to exactly
//! the addresses that resolver checked (no second lookup a DNS rebinding could answer
//! differently); redirects are never followed. An endpoint that fails any of this is
//! removed with its queued messages, as a 404/410 one is, and logged by its origin only
//! (the path is the subscription's secret).

mod browser;
mod outbound;

pub use browser::{BROWSER_COOKIE, forget_other_users_of_this_browser, forget_this_browser};
pub use outbound::PushClients;

use super::{AppState, gates};
use crate::{
    domain::{
        clock::WallClock,
        lifecycle::HoldReason,
        push::{MAX_ATTEMPTS, PushDevice, Subscription, Topic, Urgency, retry_after_seconds},
        role::Agency,
    },
    error::AppError,
    i18n::Locale,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use outbound::{AddressRefused, address_refused};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;
use web_push::{
    ContentEncoding, PartialVapidSignatureBuilder, SubscriptionInfo, VapidSignatureBuilder,
    WebPushMessageBuilder, request_builder,
};

/// How long one delivery may take before it counts as failed (and is retried).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// The portal's VAPID key pair: the private key (raw, base64url) and the public key the
/// browsers subscribe with (uncompressed P-256 point, base64url).
#[derive(Clone)]
pub struct VapidKeys {
    pub private_key: String,
    pub public_key: String,
}

impl VapidKeys {
    /// Loads the key pair, making it on the very first start. Never replaced: every
    /// subscription in every browser is bound to this public key.
    pub async fn load_or_create(pool: &sqlx::PgPool) -> Result<VapidKeys, AppError> {
        if let Some(keys) = Self::load(pool).await? {
            return Ok(keys);
        }
        let (private_key, public_key) = loop {
            let mut secret = [0u8; 32];
            rand::rng().fill_bytes(&mut secret);
            let private_key = URL_SAFE_NO_PAD.encode(secret);
            if let Ok(builder) = VapidSignatureBuilder::from_base64_no_sub(&private_key) {
                break (
                    private_key,
                    URL_SAFE_NO_PAD.encode(builder.get_public_key()),
                );
            }
        };
        // Another process may be making its own at the same moment: the first one wins.
        sqlx::query("insert into vapid_keys (private_key, public_key) values ($1, $2) on conflict do nothing")
            .bind(&private_key)
            .bind(&public_key)
            .execute(pool)
            .await?;
        tracing::info!("VAPID key pair created");
        Self::load(pool).await?.ok_or(AppError::Internal)
    }

    async fn load(pool: &sqlx::PgPool) -> Result<Option<VapidKeys>, AppError> {
        let row: Option<(String, String)> =
            sqlx::query_as("select private_key, public_key from vapid_keys")
                .fetch_optional(pool)
                .await?;
        Ok(row.map(|(private_key, public_key)| VapidKeys {
            private_key,
            public_key,
        }))
    }

    fn signer(&self) -> Result<PartialVapidSignatureBuilder, AppError> {
        VapidSignatureBuilder::from_base64_no_sub(&self.private_key).map_err(|error| {
            tracing::error!(?error, "the stored VAPID key is unusable");
            AppError::Internal
        })
    }
}

/// Stores (or takes over) a browser's subscription for this user, in their language,
/// bound to this browser (see `browser`).
pub async fn subscribe(
    state: &AppState,
    user_id: Uuid,
    subscription: &Subscription,
    device: &str,
    language: &str,
) -> Result<Uuid, AppError> {
    let language = if matches!(language, "vi" | "en" | "zh") {
        language
    } else {
        "vi"
    };
    let device: String = device.trim().chars().take(100).collect();
    let browser = browser::this_browser(state);
    // A browser has one endpoint; when another user signs in there and subscribes, the
    // endpoint becomes theirs (the push service cannot tell users apart).
    Ok(sqlx::query_scalar(
        "insert into push_subscriptions (user_id, endpoint, p256dh, auth, device, language, browser_hash)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (endpoint) do update
           set user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth,
               device = excluded.device, language = excluded.language,
               browser_hash = excluded.browser_hash
         returning id",
    )
    .bind(user_id)
    .bind(&subscription.endpoint)
    .bind(&subscription.p256dh)
    .bind(&subscription.auth)
    .bind(device)
    .bind(language)
    .bind(browser)
    .fetch_one(&state.pool)
    .await?)
}

pub async fn devices(state: &AppState, user_id: Uuid) -> Result<Vec<PushDevice>, AppError> {
    let rows: Vec<(Uuid, String, Vec<String>, DateTime<Utc>)> = sqlx::query_as(
        "select id, device, topics, created_at from push_subscriptions where user_id = $1 order by created_at",
    )
    .bind(user_id)
    .fetch_all(&state.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, device, topics, created_at)| PushDevice {
            id,
            device,
            topics: topics
                .iter()
                .filter_map(|code| Topic::from_code(code))
                .collect(),
            created_at: created_at.timestamp(),
        })
        .collect())
}

/// Sets which news a device gets; false when the device is not this user's.
pub async fn set_topics(
    state: &AppState,
    user_id: Uuid,
    id: Uuid,
    topics: &[Topic],
) -> Result<bool, AppError> {
    let codes: Vec<&str> = topics.iter().map(|topic| topic.code()).collect();
    Ok(
        sqlx::query("update push_subscriptions set topics = $3 where id = $1 and user_id = $2")
            .bind(id)
            .bind(user_id)
            .bind(&codes)
            .execute(&state.pool)
            .await?
            .rows_affected()
            == 1,
    )
}

pub async fn remove(state: &AppState, user_id: Uuid, id: Uuid) -> Result<bool, AppError> {
    Ok(
        sqlx::query("delete from push_subscriptions where id = $1 and user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&state.pool)
            .await?
            .rows_affected()
            == 1,
    )
}

/// Queues the reminders (two hours before the slot) and the warnings to trucks not
/// arrived 30 minutes after their window opened; each once per booking.
pub async fn queue_reminders(state: &AppState) -> Result<u64, AppError> {
    let reminded = sqlx::query(
        "with due as (
           update bookings b set reminded_at = now()
             from slots s
            where s.id = b.slot_id and b.status = 'active' and b.reminded_at is null
              and s.starts_at > now() and s.starts_at <= now() + interval '2 hours'
           returning b.trip_id)
         select queue_push(trip_id, 'reminder', 'reminder', null) from due",
    )
    .execute(&state.pool)
    .await?
    .rows_affected();
    let warned = sqlx::query(
        "with due as (
           update bookings b set late_warned_at = now()
             from slots s, gates g
            where s.id = b.slot_id and g.id = s.gate_id and b.status = 'active'
              and b.arrived_at is null and b.late_warned_at is null
              and s.starts_at - make_interval(mins => g.arrive_before_minutes) + interval '30 minutes' <= now()
              and s.ends_at + make_interval(mins => g.arrive_after_minutes) > now()
           returning b.trip_id)
         select queue_push(trip_id, 'late_warning', 'late', null) from due",
    )
    .execute(&state.pool)
    .await?
    .rows_affected();
    Ok(reminded + warned)
}

/// What a notification says, as the service worker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    pub title: String,
    pub body: String,
    /// The trip page the notification opens.
    pub url: String,
    /// Notifications of one trip replace each other.
    pub tag: String,
    pub kind: String,
    pub language: String,
}

#[derive(sqlx::FromRow)]
struct Due {
    id: i64,
    subscription_id: Uuid,
    trip_id: Uuid,
    kind: String,
    topic: String,
    attempts: i32,
    endpoint: String,
    p256dh: String,
    auth: String,
    language: String,
    plate: Option<String>,
    time_zone: Option<String>,
    starts_at: Option<DateTime<Utc>>,
    lane: Option<String>,
    reason: Option<String>,
    agency: Option<String>,
    note: Option<String>,
}

enum Outcome {
    Delivered,
    Gone,
    Retry(String),
    Refused(String),
    /// The endpoint is not one the portal may post to (no longer on the allow-list,
    /// a non-public address, a redirect): the subscription goes.
    Disallowed(String),
}

/// Sends the due messages of one batch; returns how many were taken.
///
/// `delivered` holds the messages this worker sent whose removal did not reach the
/// database (it went away before the batch committed): they are removed first, once it
/// answers again, so that they are not sent a second time.
pub async fn deliver_due(
    state: &AppState,
    keys: &VapidKeys,
    clients: &PushClients,
    batch: i64,
    delivered: &mut Vec<i64>,
) -> Result<usize, AppError> {
    if !delivered.is_empty() {
        sqlx::query("delete from push_outbox where id = any($1)")
            .bind(&*delivered)
            .execute(&state.pool)
            .await?;
        delivered.clear();
    }
    let mut transaction = state.pool.begin().await?;
    let due: Vec<Due> = sqlx::query_as(concat!(
        "select o.id, o.subscription_id, o.trip_id, o.kind, o.topic, o.attempts,
                s.endpoint, s.p256dh, s.auth, s.language,
                v.plate, g.time_zone, sl.starts_at, b.lane, e.reason, e.agency, e.details ->> 'note' as note
           from push_outbox o
           join push_subscriptions s on s.id = o.subscription_id
           join trips t on t.id = o.trip_id
           left join vehicles v on v.id = t.vehicle_id
           left join gates g on g.id = t.gate_id
           left join trip_events e on e.id = o.event_id
           left join lateral (
             select b.slot_id, b.lane from bookings b where b.trip_id = t.id
              order by (b.status in ('active', 'arrived')) desc, b.created_at desc limit 1) b on true
           left join slots sl on sl.id = b.slot_id
          where o.next_attempt_at <= now()
            -- In order per device and trip: only the oldest of each is due.
            and not exists (select 1 from push_outbox older
                             where older.subscription_id = o.subscription_id
                               and older.trip_id = o.trip_id and older.id < o.id)
          order by o.id
          limit $1
          for update of o skip locked"
    ))
    .bind(batch)
    .fetch_all(&mut *transaction)
    .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let signer = keys.signer()?;
    let mut sends = tokio::task::JoinSet::new();
    for message in due {
        // Checked again at each send: the list may have narrowed since it subscribed.
        let reach = state.settings.push_policy.check(&message.endpoint);
        let request = encrypt(&signer, &state.settings.push_contact, &message);
        let client = reach.map(|reach| clients.for_reach(reach).clone());
        let origin = origin_of(&message.endpoint);
        sends.spawn(async move {
            let outcome = match (client, request) {
                (Err(_), _) => {
                    Outcome::Disallowed("the endpoint is not on the push allow-list".into())
                }
                (Ok(client), Ok(request)) => send(&client, request).await,
                (Ok(_), Err(error)) => Outcome::Refused(error),
            };
            (
                message.id,
                message.subscription_id,
                message.attempts,
                origin,
                outcome,
            )
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = sends.join_next().await {
        if let Ok(sent) = joined {
            if matches!(sent.4, Outcome::Delivered) {
                delivered.push(sent.0);
            }
            outcomes.push(sent);
        }
    }
    let taken = outcomes.len();
    for (id, subscription_id, attempts, origin, outcome) in outcomes {
        let counted = match &outcome {
            Outcome::Delivered => "delivered",
            Outcome::Gone => "gone",
            Outcome::Retry(_) => "retry",
            Outcome::Refused(_) => "refused",
            Outcome::Disallowed(_) => "disallowed",
        };
        super::metrics::increment("bgp_push_sends_total", &[("outcome", counted)]);
        match outcome {
            Outcome::Delivered => {
                sqlx::query("delete from push_outbox where id = $1")
                    .bind(id)
                    .execute(&mut *transaction)
                    .await?;
            }
            Outcome::Gone => {
                tracing::info!(%subscription_id, "push subscription gone: removed");
                sqlx::query("delete from push_subscriptions where id = $1")
                    .bind(subscription_id)
                    .execute(&mut *transaction)
                    .await?;
            }
            Outcome::Disallowed(reason) => {
                // Its queued messages go with it (on delete cascade).
                tracing::warn!(%subscription_id, %origin, %reason, "push endpoint refused: subscription removed");
                sqlx::query("delete from push_subscriptions where id = $1")
                    .bind(subscription_id)
                    .execute(&mut *transaction)
                    .await?;
            }
            Outcome::Retry(error) if attempts + 1 < MAX_ATTEMPTS => {
                sqlx::query(
                    "update push_outbox set attempts = attempts + 1, last_error = $2,
                            next_attempt_at = now() + make_interval(secs => $3) where id = $1",
                )
                .bind(id)
                .bind(&error)
                .bind(retry_after_seconds(attempts + 1) as f64)
                .execute(&mut *transaction)
                .await?;
            }
            Outcome::Retry(error) | Outcome::Refused(error) => {
                tracing::warn!(id, %error, "push message given up");
                sqlx::query("delete from push_outbox where id = $1")
                    .bind(id)
                    .execute(&mut *transaction)
                    .await?;
            }
        }
    }
    transaction.commit().await?;
    delivered.clear();
    Ok(taken)
}

/// `https://push.example:8443/send/abc` → `https://push.example:8443`.
fn origin_of(endpoint: &str) -> String {
    let after_scheme = endpoint.find("://").map_or(0, |at| at + 3);
    let end = endpoint[after_scheme..]
        .find('/')
        .map_or(endpoint.len(), |at| after_scheme + at);
    endpoint[..end].to_string()
}

/// An encrypted, signed message ready to post to the push service.
struct Outgoing {
    endpoint: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn encrypt(
    signer: &PartialVapidSignatureBuilder,
    contact: &str,
    message: &Due,
) -> Result<Outgoing, String> {
    let topic = Topic::from_code(&message.topic).unwrap_or(Topic::Booking);
    let payload = serde_json::to_vec(&render(message)).map_err(|error| error.to_string())?;
    let subscription = SubscriptionInfo::new(
        message.endpoint.clone(),
        message.p256dh.clone(),
        message.auth.clone(),
    );
    let mut builder = WebPushMessageBuilder::new(&subscription);
    builder.set_payload(ContentEncoding::Aes128Gcm, &payload);
    builder.set_ttl(topic.ttl_seconds());
    builder.set_urgency(match topic.urgency() {
        Urgency::Normal => web_push::Urgency::Normal,
        Urgency::High => web_push::Urgency::High,
    });
    let mut vapid = signer.clone().add_sub_info(&subscription);
    // RFC 8292: the audience is the push resource's origin, port included (web-push
    // leaves a non-default port out), and the subject a contact for the push service.
    vapid.add_claim("aud", origin_of(&message.endpoint));
    vapid.add_claim("sub", contact);
    let signature = vapid.build().map_err(|error| format!("{error:?}"))?;
    builder.set_vapid_signature(signature);
    let endpoint = message.endpoint.clone();
    let message = builder.build().map_err(|error| format!("{error:?}"))?;
    // web-push speaks the `http` crate's older version: take the request apart.
    let request = request_builder::build_request::<Vec<u8>>(message);
    Ok(Outgoing {
        // The endpoint the policy checked, not web-push's rebuilt copy of it.
        endpoint,
        headers: request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
            .collect(),
        body: request.into_body(),
    })
}

async fn send(client: &reqwest::Client, request: Outgoing) -> Outcome {
    let mut outgoing = client
        .post(request.endpoint)
        .body(request.body)
        .timeout(SEND_TIMEOUT);
    for (name, value) in request.headers {
        outgoing = outgoing.header(name, value);
    }
    match outgoing.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            match status {
                200..=299 => Outcome::Delivered,
                // Never followed: a push service does not redirect, and an endpoint
                // that does wants the server to post somewhere else.
                300..=399 => Outcome::Disallowed(format!("push service answered {status}")),
                404 | 410 => Outcome::Gone,
                429 | 500..=599 => Outcome::Retry(format!("push service answered {status}")),
                _ => Outcome::Refused(format!("push service answered {status}")),
            }
        }
        Err(error) if error.is_timeout() => Outcome::Retry("timed out".into()),
        Err(error) if address_refused(&error) => Outcome::Disallowed(AddressRefused.to_string()),
        // Without the URL: its path is the subscription's secret, and this is logged.
        Err(error) => Outcome::Retry(error.without_url().to_string()),
    }
}

/// The notification's text in the subscriber's language.
fn render(message: &Due) -> Payload {
    let locale = match message.language.as_str() {
        "en" => Locale::en,
        "zh" => Locale::zh,
        _ => Locale::vi,
    };
    let plate = message
        .plate
        .as_deref()
        .and_then(|plate| crate::domain::plate::Plate::from_normalised(plate))
        .map(|plate| plate.canonical())
        .unwrap_or_default();
    let slot = match (message.starts_at, &message.time_zone) {
        (Some(starts_at), Some(zone)) => WallClock::at(
            starts_at.timestamp(),
            gates::offset_minutes(zone, starts_at),
        )
        .day_and_time(),
        _ => String::new(),
    };
    let reason = message
        .reason
        .as_deref()
        .and_then(HoldReason::from_code)
        .map(|reason| {
            let text = hold_reason(locale, reason);
            match message.note.as_deref().filter(|note| !note.is_empty()) {
                Some(note) => format!("{text} — {note}"),
                None => text,
            }
        });
    let agency = message
        .agency
        .as_deref()
        .and_then(Agency::from_code)
        .map(|agency| agency_name(locale, agency));
    let lane = message.lane.clone().unwrap_or_default();
    use leptos_i18n::td_string;
    let body = match message.kind.as_str() {
        "booked" => td_string!(locale, push.booked, slot = slot.clone()).to_string(),
        "moved" => td_string!(locale, push.moved, slot = slot.clone()).to_string(),
        "cancelled" => td_string!(locale, push.cancelled).to_string(),
        "must_move" => td_string!(locale, push.must_move).to_string(),
        "reminder" => td_string!(locale, push.reminder, slot = slot.clone()).to_string(),
        "late_warning" => td_string!(locale, push.late_warning, slot = slot.clone()).to_string(),
        "no_show" => td_string!(locale, next.no_show).to_string(),
        "called_forward" if !lane.is_empty() => {
            td_string!(locale, next.called_forward, lane = lane.clone()).to_string()
        }
        "called_forward" => td_string!(locale, next.called_forward_no_lane).to_string(),
        "routed" => td_string!(locale, push.inspection).to_string(),
        "held" => td_string!(
            locale,
            next.held,
            agency = agency.clone().unwrap_or_default(),
            reason = reason.clone().unwrap_or_default()
        )
        .to_string(),
        "cleared" => td_string!(locale, next.cleared).to_string(),
        "rejected" => td_string!(locale, next.rejected).to_string(),
        "exited" => td_string!(locale, next.exited).to_string(),
        _ => td_string!(locale, push.updated).to_string(),
    };
    Payload {
        title: td_string!(locale, push.title, plate = plate.clone()).to_string(),
        body,
        url: format!("/trips/{}", message.trip_id),
        tag: format!("trip-{}", message.trip_id),
        kind: message.kind.clone(),
        language: message.language.clone(),
    }
}

fn hold_reason(locale: Locale, reason: HoldReason) -> String {
    use leptos_i18n::td_string;
    match reason {
        HoldReason::DocumentsIncomplete => {
            td_string!(locale, hold.documents_incomplete).to_string()
        }
        HoldReason::DeclarationMismatch => {
            td_string!(locale, hold.declaration_mismatch).to_string()
        }
        HoldReason::PhysicalInspection => td_string!(locale, hold.physical_inspection).to_string(),
        HoldReason::SealBroken => td_string!(locale, hold.seal_broken).to_string(),
        HoldReason::QuarantineSample => td_string!(locale, hold.quarantine_sample).to_string(),
        HoldReason::TemperatureOutOfRange => {
            td_string!(locale, hold.temperature_out_of_range).to_string()
        }
        HoldReason::DriverPapers => td_string!(locale, hold.driver_papers).to_string(),
        HoldReason::VehicleDefect => td_string!(locale, hold.vehicle_defect).to_string(),
        HoldReason::Other => td_string!(locale, hold.other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_audience_is_the_endpoint_origin() {
        assert_eq!(
            super::origin_of("https://fcm.googleapis.com/fcm/send/abc"),
            "https://fcm.googleapis.com"
        );
        assert_eq!(
            super::origin_of("http://127.0.0.1:4100/push/x"),
            "http://127.0.0.1:4100"
        );
        assert_eq!(
            super::origin_of("https://push.example"),
            "https://push.example"
        );
    }
}

fn agency_name(locale: Locale, agency: Agency) -> String {
    use leptos_i18n::td_string;
    match agency {
        Agency::Customs => td_string!(locale, agency.customs).to_string(),
        Agency::BorderGuard => td_string!(locale, agency.border_guard).to_string(),
        Agency::Quarantine => td_string!(locale, agency.quarantine).to_string(),
        Agency::TrafficPolice => td_string!(locale, agency.traffic_police).to_string(),
    }
}

/// The delivery loop of one worker: a batch whenever there is one, else a short nap; a
/// failed batch (the database is down) is tried again after 2 s, for as long as the
/// process lives.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let keys = loop {
            match VapidKeys::load_or_create(&state.pool).await {
                Ok(keys) => break keys,
                Err(error) => {
                    tracing::warn!(?error, "VAPID keys unavailable; retrying");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        };
        let clients = PushClients::new();
        let mut unsettled = Vec::new();
        loop {
            let delivered = deliver_due(&state, &keys, &clients, 50, &mut unsettled).await;
            let result = if delivered.is_ok() { "ok" } else { "failed" };
            super::metrics::increment(
                "bgp_job_runs_total",
                &[("job", "push_delivery"), ("result", result)],
            );
            match delivered {
                Ok(taken) => {
                    super::metrics::set(
                        "bgp_job_last_success_timestamp_seconds",
                        &[("job", "push_delivery")],
                        chrono::Utc::now().timestamp() as f64,
                    );
                    if taken == 0 {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(?error, "push delivery failed");
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    })
}
