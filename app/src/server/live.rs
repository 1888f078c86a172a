//! Live updates: PostgreSQL announces every new trip event on the channel `trip_events`
//! (a trigger; see the migrations), each server process listens, and passes what it
//! hears to the pages that watch that trip or gate. An event written by any process
//! reaches the watchers of every process.

use sqlx::{PgPool, postgres::PgListener};
use std::time::Duration;
use tokio::sync::broadcast;
use uuid::Uuid;

/// One new event: which trip, which event, at which gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    pub trip_id: Uuid,
    pub event_id: i64,
    pub gate_id: Option<String>,
}

impl Signal {
    /// Reads a notification's payload: `<trip id>:<event id>[:<gate id>]`.
    pub fn parse(payload: &str) -> Option<Signal> {
        let mut parts = payload.splitn(3, ':');
        let trip_id = Uuid::parse_str(parts.next()?).ok()?;
        let event_id = parts.next()?.parse().ok()?;
        let gate_id = parts
            .next()
            .filter(|gate| !gate.is_empty())
            .map(str::to_string);
        Some(Signal {
            trip_id,
            event_id,
            gate_id,
        })
    }
}

pub struct Live {
    sender: broadcast::Sender<Signal>,
}

impl Default for Live {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(1024);
        Live { sender }
    }
}

impl Live {
    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.sender.subscribe()
    }

    /// Listens to the database for as long as the process runs, reconnecting after any
    /// failure (a page that missed a signal catches up at its next one or reload).
    pub fn listen(&self, pool: PgPool) {
        let sender = self.sender.clone();
        tokio::spawn(async move {
            loop {
                match PgListener::connect_with(&pool).await {
                    Ok(mut listener) => {
                        if let Err(error) = listener.listen("trip_events").await {
                            tracing::warn!(%error, "cannot listen for trip events");
                        } else {
                            loop {
                                match listener.recv().await {
                                    Ok(notification) => {
                                        if let Some(signal) = Signal::parse(notification.payload())
                                        {
                                            // No watcher is not an error.
                                            let _ = sender.send(signal);
                                        }
                                    }
                                    Err(error) => {
                                        tracing::warn!(%error, "trip event listener failed; reconnecting");
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    Err(error) => tracing::warn!(%error, "cannot connect the trip event listener"),
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_read() {
        let trip = Uuid::new_v4();
        assert_eq!(
            Signal::parse(&format!("{trip}:42:huu-nghi")),
            Some(Signal {
                trip_id: trip,
                event_id: 42,
                gate_id: Some("huu-nghi".into())
            })
        );
        assert_eq!(
            Signal::parse(&format!("{trip}:42:")),
            Some(Signal {
                trip_id: trip,
                event_id: 42,
                gate_id: None
            })
        );
        assert_eq!(Signal::parse("garbage"), None);
    }
}
