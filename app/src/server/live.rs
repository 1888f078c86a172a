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
//!
//! The listening connection is the process's own, apart from the pool. When it is lost
//! (a database restart, a failover, a dropped network) it is opened again, every few
//! seconds until the database answers; notifications sent meanwhile are lost, so once
//! listening again every open stream is told it missed some (`lagged`: its page fetches
//! what changed). It is also the first to hear that the database went away, and says so
//! (`outage::suspect`), so the pool checks its idle connections before using them.

use super::outage;
use sqlx::{
    PgPool,
    postgres::{PgListener, PgPoolOptions},
};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::sync::{
    broadcast::{self, error::RecvError},
    watch,
};
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
    listener: Arc<ListenerState>,
}

/// How the listening connection fares: whether it listens now, how often it had to
/// listen again, and a counter every follower watches (raised at each new start: what
/// was sent meanwhile was missed).
struct ListenerState {
    listening: AtomicBool,
    reconnections: AtomicU64,
    missed: watch::Sender<u64>,
}

impl Default for ListenerState {
    fn default() -> Self {
        ListenerState {
            listening: AtomicBool::new(false),
            reconnections: AtomicU64::new(0),
            missed: watch::channel(0).0,
        }
    }
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
    missed: watch::Receiver<u64>,
}

impl Follower {
    /// The next signal; `Lagged` when some were missed (the follower read too slowly, or
    /// the process stopped listening for a while).
    pub async fn recv(&mut self) -> Result<Signal, RecvError> {
        tokio::select! {
            changed = self.missed.changed() => match changed {
                Ok(()) => Err(RecvError::Lagged(0)),
                // The process no longer listens at all (its state is gone).
                Err(_) => self.receiver.recv().await,
            },
            received = self.receiver.recv() => received,
        }
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
            listener: Arc::default(),
        }
    }

    /// Open streams in this process now.
    pub fn open_streams(&self) -> usize {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .total
    }

    /// Whether this process listens for events now.
    pub fn listening(&self) -> bool {
        self.listener.listening.load(Ordering::Relaxed)
    }

    /// How many times the process had to listen again after losing its connection.
    pub fn reconnections(&self) -> u64 {
        self.listener.reconnections.load(Ordering::Relaxed)
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
            missed: self.listener.missed.subscribe(),
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

    /// Listens to the database until `pool` closes, on a connection of its own (made
    /// with the pool's settings), opening it again after any failure.
    pub fn listen(&self, pool: PgPool) {
        let channels = self.channels.clone();
        let state = self.listener.clone();
        // One connection, never recycled: a listener must not lose it on a timer.
        let own = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with((*pool.connect_options()).clone());
        let closing = pool.close_event();
        tokio::spawn(async move {
            tokio::select! {
                _ = closing => {}
                _ = listen_until_gone(&own, &channels, &state) => {}
            }
            state.listening.store(false, Ordering::Relaxed);
            own.close().await;
        });
    }
}

/// Listens, and listens again after each loss, waiting 250 ms doubling to 2 s between
/// attempts while the database does not answer (refused attempts cost nothing, and
/// every second the listener is late is a second of news the pages only hear of as
/// missed).
async fn listen_until_gone(own: &PgPool, channels: &Channels, state: &ListenerState) {
    let mut wait = Duration::from_millis(250);
    let mut started_before = false;
    loop {
        let listener = match PgListener::connect_with(own).await {
            Ok(mut listener) => match listener.listen("trip_events").await {
                Ok(()) => Ok(listener),
                Err(error) => Err(error),
            },
            Err(error) => Err(error),
        };
        match listener {
            Ok(mut listener) => {
                wait = Duration::from_millis(250);
                if started_before {
                    state.heard_again();
                }
                started_before = true;
                state.listening.store(true, Ordering::Relaxed);
                let error = hear(&mut listener, channels, state).await;
                outage::suspect();
                tracing::warn!(%error, "trip event listener failed; listening again");
            }
            Err(error) => {
                outage::note(&error);
                tracing::warn!(%error, "cannot listen for trip events");
            }
        }
        state.listening.store(false, Ordering::Relaxed);
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

/// Passes on what the listener hears until it fails; a connection it lost and could
/// open again at once is only reported.
async fn hear(
    listener: &mut PgListener,
    channels: &Channels,
    state: &ListenerState,
) -> sqlx::Error {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                if let Some(signal) = Signal::parse(notification.payload()) {
                    Live::dispatch(channels, signal);
                }
            }
            // Lost, and listening again already (sqlx reconnects before answering).
            Ok(None) => {
                outage::suspect();
                tracing::warn!("trip event listener lost its connection; listening again");
                state.heard_again();
            }
            Err(error) => return error,
        }
    }
}

impl ListenerState {
    /// Listening again after a loss: every follower missed what was sent meanwhile.
    fn heard_again(&self) {
        self.reconnections.fetch_add(1, Ordering::Relaxed);
        self.missed.send_modify(|count| *count += 1);
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

    #[tokio::test]
    async fn every_follower_hears_that_it_missed_events_when_listening_starts_again() {
        let live = Live::default();
        let mut of_trip = live.follow(Followed::Trip(Uuid::new_v4()));
        let mut of_gate = live.follow(Followed::Gate("huu-nghi".into()));
        live.listener.heard_again();
        assert_eq!(of_trip.recv().await, Err(RecvError::Lagged(0)));
        assert_eq!(of_gate.recv().await, Err(RecvError::Lagged(0)));
        assert_eq!(live.reconnections(), 1);
        // Heard once, then events again.
        let trip = of_trip.followed.clone();
        let Followed::Trip(trip_id) = trip else {
            unreachable!()
        };
        Live::dispatch(&live.channels, signal(trip_id, "huu-nghi"));
        assert_eq!(of_trip.recv().await.unwrap().trip_id, trip_id);
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
