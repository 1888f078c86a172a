//! Live updates: PostgreSQL announces every new trip event on the channel `trip_events`
//! (a trigger; see the migrations), each server process listens, and passes what it
//! hears to the pages that follow that trip or gate. An event written by any process
//! reaches the followers of every process.
//!
//! Inside a process, each followed trip and gate has its own small channel, made when
//! its first page follows it and removed when its last one goes, so an event wakes only
//! the streams that follow its trip or gate. Streams are counted per session and per
//! process (`StreamPermit`, released when the stream is dropped), so one session cannot
//! hold the server's connections.

use sqlx::{PgPool, postgres::PgListener};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::sync::broadcast::{self, error::RecvError};
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

/// What a stream follows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Followed {
    Trip(Uuid),
    Gate(String),
}

/// How many streams may be open at once (`LIVE_STREAMS_PER_SESSION`,
/// `LIVE_STREAMS_PER_PROCESS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    pub per_session: usize,
    pub per_process: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        // A person has a few tabs open; a process serves a gate's day of phones.
        StreamLimits {
            per_session: 8,
            per_process: 5_000,
        }
    }
}

/// Messages a channel keeps for a follower that is slow to read; one that falls further
/// behind is told it lagged and fetches anyway.
const CHANNEL_CAPACITY: usize = 64;

type Channels = Arc<Mutex<HashMap<Followed, (broadcast::Sender<Signal>, usize)>>>;

#[derive(Default)]
struct OpenStreams {
    total: usize,
    per_session: HashMap<Uuid, usize>,
}

pub struct Live {
    channels: Channels,
    limits: StreamLimits,
    open: Arc<Mutex<OpenStreams>>,
}

impl Default for Live {
    fn default() -> Self {
        Live::new(StreamLimits::default())
    }
}

/// A place for one open stream; dropping it (the stream ended or its client went)
/// frees the place.
pub struct StreamPermit {
    session_id: Uuid,
    open: Arc<Mutex<OpenStreams>>,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.per_session.get_mut(&self.session_id) {
            *count -= 1;
            if *count == 0 {
                open.per_session.remove(&self.session_id);
            }
        }
    }
}

/// One stream's end of a followed trip's or gate's channel; dropping the last one of a
/// channel removes the channel.
pub struct Follower {
    receiver: broadcast::Receiver<Signal>,
    followed: Followed,
    channels: Channels,
}

impl Follower {
    /// The next signal; `Lagged` when some were missed.
    pub async fn recv(&mut self) -> Result<Signal, RecvError> {
        self.receiver.recv().await
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let mut channels = self
            .channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((_, followers)) = channels.get_mut(&self.followed) {
            *followers -= 1;
            if *followers == 0 {
                channels.remove(&self.followed);
            }
        }
    }
}

impl Live {
    pub fn new(limits: StreamLimits) -> Live {
        Live {
            channels: Channels::default(),
            limits,
            open: Arc::default(),
        }
    }

    /// A place for one more stream of `session_id`, or `None` when the session or the
    /// process has as many open as allowed.
    pub fn admit(&self, session_id: Uuid) -> Option<StreamPermit> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let of_session = open.per_session.get(&session_id).copied().unwrap_or(0);
        if open.total >= self.limits.per_process || of_session >= self.limits.per_session {
            return None;
        }
        open.total += 1;
        *open.per_session.entry(session_id).or_insert(0) += 1;
        Some(StreamPermit {
            session_id,
            open: self.open.clone(),
        })
    }

    /// Starts following a trip or gate.
    pub fn follow(&self, followed: Followed) -> Follower {
        let mut channels = self
            .channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (sender, followers) = channels
            .entry(followed.clone())
            .or_insert_with(|| (broadcast::channel(CHANNEL_CAPACITY).0, 0));
        *followers += 1;
        Follower {
            receiver: sender.subscribe(),
            followed,
            channels: self.channels.clone(),
        }
    }

    /// How many trips and gates are followed in this process now.
    pub fn followed_count(&self) -> usize {
        self.channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    /// Passes a signal to the followers of its trip and of its gate, and no one else.
    fn dispatch(channels: &Channels, signal: Signal) {
        let channels = channels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let gate = signal.gate_id.clone().map(Followed::Gate);
        for followed in [Some(Followed::Trip(signal.trip_id)), gate]
            .into_iter()
            .flatten()
        {
            if let Some((sender, _)) = channels.get(&followed) {
                // Its followers may all be going at this moment: not an error.
                let _ = sender.send(signal.clone());
            }
        }
    }

    /// Listens to the database for as long as the process runs, reconnecting after any
    /// failure (a page that missed a signal catches up at its next one or reload).
    pub fn listen(&self, pool: PgPool) {
        let channels = self.channels.clone();
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
                                            Live::dispatch(&channels, signal);
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
    use tokio::sync::broadcast::error::TryRecvError;

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

    fn signal(trip_id: Uuid, gate: &str) -> Signal {
        Signal {
            trip_id,
            event_id: 1,
            gate_id: Some(gate.into()),
        }
    }

    #[test]
    fn a_signal_reaches_the_followers_of_its_trip_and_gate_only() {
        let live = Live::default();
        let (trip_a, trip_b) = (Uuid::new_v4(), Uuid::new_v4());
        let mut of_a = live.follow(Followed::Trip(trip_a));
        let mut of_b = live.follow(Followed::Trip(trip_b));
        let mut of_gate = live.follow(Followed::Gate("huu-nghi".into()));
        let mut of_other_gate = live.follow(Followed::Gate("tan-thanh".into()));

        Live::dispatch(&live.channels, signal(trip_a, "huu-nghi"));
        assert_eq!(of_a.receiver.try_recv().unwrap().trip_id, trip_a);
        assert_eq!(of_gate.receiver.try_recv().unwrap().trip_id, trip_a);
        assert_eq!(of_b.receiver.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(of_other_gate.receiver.try_recv(), Err(TryRecvError::Empty));
    }

    #[test]
    fn a_channel_goes_with_its_last_follower() {
        let live = Live::default();
        let trip = Uuid::new_v4();
        let first = live.follow(Followed::Trip(trip));
        let second = live.follow(Followed::Trip(trip));
        let gate = live.follow(Followed::Gate("huu-nghi".into()));
        assert_eq!(live.followed_count(), 2);
        drop(first);
        assert_eq!(live.followed_count(), 2, "the trip still has a follower");
        drop(second);
        assert_eq!(live.followed_count(), 1);
        assert!(
            !live
                .channels
                .lock()
                .unwrap()
                .contains_key(&Followed::Trip(trip))
        );
        drop(gate);
        assert_eq!(live.followed_count(), 0);
        // A signal for a trip no one follows goes nowhere, and makes no channel.
        Live::dispatch(&live.channels, signal(trip, "huu-nghi"));
        assert_eq!(live.followed_count(), 0);
    }

    #[test]
    fn streams_are_capped_per_session_and_per_process_until_one_ends() {
        let live = Live::new(StreamLimits {
            per_session: 2,
            per_process: 3,
        });
        let (session, other) = (Uuid::new_v4(), Uuid::new_v4());
        let first = live.admit(session).unwrap();
        let _second = live.admit(session).unwrap();
        assert!(live.admit(session).is_none(), "a third for one session");
        let _of_other = live.admit(other).unwrap();
        assert!(
            live.admit(Uuid::new_v4()).is_none(),
            "a fourth in the process"
        );
        drop(first);
        assert!(
            live.admit(session).is_some(),
            "an ended stream frees its place"
        );
    }
}
