//! Work the server does on its own: slots materialised ahead from each gate's plan,
//! bookings whose arrival window closed marked as no-shows, reminders and late-arrival
//! warnings queued for push, throttle counters of ended windows and old security events
//! deleted. Safe with several server
//! processes on one database (see `bookings::mark_no_shows`).

use app::server::{AppState, bookings, gates};
use std::time::Duration;

/// How often the no-show sweep runs; slots are topped up every tenth sweep.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Creates the slots of the days ahead now, so that the first request finds them.
pub async fn prepare(state: &AppState) -> Result<(), String> {
    let created = gates::materialise(state, chrono::Utc::now())
        .await
        .map_err(|error| error.to_string())?;
    tracing::info!(created, "slots materialised");
    Ok(())
}

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SWEEP_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        for round in 0u64.. {
            ticks.tick().await;
            let now = chrono::Utc::now();
            match bookings::mark_no_shows(&state, now).await {
                Ok(0) => {}
                Ok(marked) => tracing::info!(marked, "no-shows marked"),
                Err(error) => tracing::warn!(%error, "no-show sweep failed"),
            }
            if let Err(error) = state.throttle.delete_expired(now).await {
                tracing::warn!(%error, "deleting ended throttle windows failed");
            }
            if let Err(error) = app::server::security_events::delete_old(&state, now).await {
                tracing::warn!(%error, "deleting old security events failed");
            }
            match app::server::push::queue_reminders(&state).await {
                Ok(0) => {}
                Ok(queued) => tracing::info!(queued, "reminders and late warnings queued"),
                Err(error) => tracing::warn!(%error, "queueing reminders failed"),
            }
            // A quarter hour: publish the expected waits.
            if round % 15 == 0 {
                if let Err(error) = app::server::console::estimate_waits(&state, now).await {
                    tracing::warn!(%error, "estimating waits failed");
                }
            }
            if round % 10 == 9 {
                if let Err(error) = gates::materialise(&state, now).await {
                    tracing::warn!(%error, "materialising slots failed");
                }
            }
        }
    });
}
