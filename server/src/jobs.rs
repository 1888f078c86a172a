//! Work the server does on its own: slots materialised ahead from each gate's plan,
//! bookings whose arrival window closed marked as no-shows, reminders and late-arrival
//! warnings queued for push, the published waits, throttle counters of ended windows and
//! old security events deleted, and the push workers. Safe with
//! several server processes on one database (see `bookings::mark_no_shows`).
//!
//! Each job runs in a loop of its own under a supervisor: a run that fails (the database
//! is down, say) is counted and logged, and the job runs again at its next turn; a run
//! that panics ends its task, and the supervisor starts it again. No job ever stops for
//! good while the process lives. Runs and failures are counted for `/metrics`
//! (`bgp_job_runs_total`, `bgp_job_last_success_timestamp_seconds`).

use app::server::{AppState, bookings, gates, metrics};
use std::{future::Future, time::Duration};
use tokio::task::JoinHandle;

/// How often each job runs.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// No-shows and reminders.
    pub sweep: Duration,
    /// The published expected waits.
    pub waits: Duration,
    /// Topping up the slots ahead (also done once at start, by [`prepare`]).
    pub slots: Duration,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            sweep: Duration::from_secs(60),
            waits: Duration::from_secs(15 * 60),
            slots: Duration::from_secs(10 * 60),
        }
    }
}

/// How long a supervisor waits before starting a job that panicked again.
const RESTART_AFTER: Duration = Duration::from_secs(1);

/// Creates the slots of the days ahead now, so that the first request finds them.
pub async fn prepare(state: &AppState) -> Result<(), String> {
    let created = gates::materialise(state, chrono::Utc::now())
        .await
        .map_err(|error| error.to_string())?;
    tracing::info!(created, "slots materialised");
    Ok(())
}

/// Starts every job on the default schedule, and the push workers.
pub fn spawn(state: AppState) -> Vec<JoinHandle<()>> {
    spawn_with(state, Schedule::default())
}

/// Starts every job on `schedule`, and the push workers; returns their supervisors.
pub fn spawn_with(state: AppState, schedule: Schedule) -> Vec<JoinHandle<()>> {
    let sweep = {
        let state = state.clone();
        supervise("no_show_sweep", schedule.sweep, Duration::ZERO, move || {
            let state = state.clone();
            async move {
                match bookings::mark_no_shows(&state, chrono::Utc::now()).await {
                    Ok(0) => {}
                    Ok(marked) => tracing::info!(marked, "no-shows marked"),
                    Err(error) => return Err(error.to_string()),
                }
                Ok(())
            }
        })
    };
    let reminders = {
        let state = state.clone();
        supervise("reminders", schedule.sweep, Duration::ZERO, move || {
            let state = state.clone();
            async move {
                match app::server::push::queue_reminders(&state).await {
                    Ok(0) => {}
                    Ok(queued) => tracing::info!(queued, "reminders and late warnings queued"),
                    Err(error) => return Err(error.to_string()),
                }
                Ok(())
            }
        })
    };
    let housekeeping = {
        let state = state.clone();
        supervise("housekeeping", schedule.sweep, Duration::ZERO, move || {
            let state = state.clone();
            async move {
                let now = chrono::Utc::now();
                state
                    .throttle
                    .delete_expired(now)
                    .await
                    .map_err(|error| format!("deleting ended throttle windows: {error}"))?;
                app::server::security_events::delete_old(&state, now)
                    .await
                    .map_err(|error| format!("deleting old security events: {error}"))?;
                Ok(())
            }
        })
    };
    let waits = {
        let state = state.clone();
        supervise(
            "wait_estimates",
            schedule.waits,
            Duration::ZERO,
            move || {
                let state = state.clone();
                async move {
                    app::server::console::estimate_waits(&state, chrono::Utc::now())
                        .await
                        .map_err(|error| error.to_string())
                }
            },
        )
    };
    let slots = {
        let state = state.clone();
        supervise("slots", schedule.slots, schedule.slots, move || {
            let state = state.clone();
            async move {
                gates::materialise(&state, chrono::Utc::now())
                    .await
                    .map(|_| ())
                    .map_err(|error| error.to_string())
            }
        })
    };
    let push = restart_on_panic("push_delivery", move || {
        app::server::push::spawn_worker(state.clone())
    });
    vec![sweep, reminders, housekeeping, waits, slots, push]
}

/// Runs `job` every `every` (the first time after `first_after`) for as long as the
/// process lives, counting each run's result; started again if it panics.
pub fn supervise<Job, Run>(
    name: &'static str,
    every: Duration,
    first_after: Duration,
    job: Job,
) -> JoinHandle<()>
where
    Job: Fn() -> Run + Clone + Send + Sync + 'static,
    Run: Future<Output = Result<(), String>> + Send + 'static,
{
    restart_on_panic(name, move || {
        let job = job.clone();
        tokio::spawn(async move {
            let mut ticks =
                tokio::time::interval_at(tokio::time::Instant::now() + first_after, every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match job().await {
                    Ok(()) => {
                        metrics::increment(
                            "bgp_job_runs_total",
                            &[("job", name), ("result", "ok")],
                        );
                        metrics::set(
                            "bgp_job_last_success_timestamp_seconds",
                            &[("job", name)],
                            chrono::Utc::now().timestamp() as f64,
                        );
                    }
                    Err(error) => {
                        metrics::increment(
                            "bgp_job_runs_total",
                            &[("job", name), ("result", "failed")],
                        );
                        tracing::warn!(job = name, %error, "background job failed; it runs again at its next turn");
                    }
                }
            }
        })
    })
}

/// Watches the task `start` makes, and makes it again each time it panics (after a
/// second). A task that ends without panicking (its runtime is shutting down) is not
/// started again.
pub fn restart_on_panic<Start>(name: &'static str, start: Start) -> JoinHandle<()>
where
    Start: Fn() -> JoinHandle<()> + Send + 'static,
{
    tokio::spawn(async move {
        loop {
            match start().await {
                Err(ended) if ended.is_panic() => {
                    metrics::increment(
                        "bgp_job_runs_total",
                        &[("job", name), ("result", "panicked")],
                    );
                    tracing::error!(job = name, "background job panicked; starting it again");
                    tokio::time::sleep(RESTART_AFTER).await;
                }
                _ => return,
            }
        }
    })
}
