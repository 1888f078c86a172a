//! The day itself: concurrent clients each take the next planned trip and drive it
//! through every step, acting at each step as the one who takes it (the firm, the yard
//! camera, traffic police, each agency, the border guard or the exit camera).
//!
//! Traffic police call the head of the yard, which need not be the truck the client just
//! checked in: the client then carries on with whichever truck it called. Each check-in is
//! followed by exactly one call, so the yard is never empty when a call is made; a "yard
//! empty" refusal is the portal's, and the officer presses again (each refusal counted).
//! So does an agency's officer told "not now" while the truck stands in the lane.
//!
//! Officers are a limited number per gate, direction and agency (`BENCH_OFFICERS`): a
//! step waits for a free officer of its desk, as at the gate. With one officer per desk,
//! no two calls of one gate and direction ever overlap.

use crate::{
    clients::{Portal, Session, camera::Camera, firm::Firm, officer},
    report::{Recorder, Step},
    seeding::PlannedTrip,
    settings::{Group, Settings},
};
use rand::{Rng, SeedableRng, rngs::StdRng};
use sqlx::PgPool;
use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::Semaphore;
use uuid::Uuid;

/// The officers of one agency at one gate and direction, each with a session.
pub struct Desk {
    free: Semaphore,
    sessions: Mutex<Vec<(usize, Session)>>,
}

/// An officer taken from a desk, given back when dropped.
struct Seat<'a> {
    desk: &'a Desk,
    number: usize,
    session: Option<Session>,
}

impl Desk {
    pub fn new(sessions: Vec<Session>) -> Desk {
        Desk {
            free: Semaphore::new(sessions.len()),
            sessions: Mutex::new(
                sessions
                    .into_iter()
                    .enumerate()
                    .map(|(n, s)| (n + 1, s))
                    .collect(),
            ),
        }
    }

    async fn seat(&self) -> Seat<'_> {
        self.free.acquire().await.expect("desks stay open").forget();
        let (number, session) = self
            .sessions
            .lock()
            .expect("desk lock")
            .pop()
            .expect("a free permit means a free officer");
        Seat {
            desk: self,
            number,
            session: Some(session),
        }
    }
}

impl Seat<'_> {
    fn session(&self) -> &Session {
        self.session.as_ref().expect("held until dropped")
    }
}

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            self.desk
                .sessions
                .lock()
                .expect("desk lock")
                .push((self.number, session));
            self.desk.free.add_permits(1);
        }
    }
}

/// The desks of a group, in `seeding::AGENCIES` order.
pub struct Desks {
    pub traffic_police: Desk,
    pub customs: Desk,
    pub border_guard: Desk,
    pub quarantine: Desk,
}

/// A gate's two cameras.
pub struct Cameras {
    pub yard: Camera,
    pub exit: Camera,
}

/// The slots one group books, handed out in order. A slot is moved to start in ten
/// minutes when its first trip takes it (SQL, as the clearance tests do: a truck cannot
/// arrive days early), so the arrival window of everyone booked in it is open; the
/// gate's plan takes bookings until a slot starts, so it keeps filling after the move.
/// A slot in use for four minutes is moved again, so it never starts while still booked.
pub struct Slots {
    queue: VecDeque<(i64, i32)>,
    current: Option<(i64, i32, Instant)>,
}

impl Slots {
    pub fn new(slots: Vec<(i64, i32)>) -> Slots {
        Slots {
            queue: slots.into(),
            current: None,
        }
    }

    async fn take(&mut self, pool: &PgPool, recorder: &Recorder) -> Result<i64, String> {
        let fresh = match self.current {
            Some((_, left, opened)) if left > 0 => opened.elapsed() > Duration::from_secs(240),
            _ => {
                let (id, capacity) = self.queue.pop_front().ok_or("no slot left for the trip")?;
                self.current = Some((id, capacity, Instant::now()));
                true
            }
        };
        let (id, left, opened) = self.current.as_mut().expect("set above");
        if fresh {
            let started = Instant::now();
            // Unique starts per gate and direction: the slot's id in microseconds apart.
            sqlx::query(
                "update slots set starts_at = date_trunc('second', now()) + interval '10 minutes' + id * interval '1 microsecond',
                                  ends_at = date_trunc('second', now()) + interval '70 minutes' + id * interval '1 microsecond'
                  where id = $1",
            )
            .bind(*id)
            .execute(pool)
            .await
            .map_err(|error| format!("moving slot {id}: {error}"))?;
            recorder.time(Step::OpenSlot, started.elapsed());
            *opened = Instant::now();
        }
        *left -= 1;
        Ok(*id)
    }
}

/// A trip under way: which planned trip, and when its declaration was sent.
#[derive(Clone, Copy)]
struct Card {
    index: usize,
    started: Instant,
}

pub struct Day {
    pub portal: Portal,
    pub pool: PgPool,
    pub groups: Vec<Group>,
    pub trips: Vec<PlannedTrip>,
    pub firms: Vec<Firm>,
    pub cameras: HashMap<String, Cameras>,
    pub desks: Vec<Desks>,
    pub slots: Vec<tokio::sync::Mutex<Slots>>,
    pub recorder: Recorder,
    pub parallel_decisions: bool,
    pub exit_camera: f64,
    pub retries: u32,
    ids: Mutex<Vec<Option<Uuid>>>,
    cards: Mutex<HashMap<Uuid, Card>>,
    next: AtomicUsize,
}

impl Day {
    #[expect(clippy::too_many_arguments)]
    pub fn new(
        portal: Portal,
        pool: PgPool,
        settings: &Settings,
        groups: Vec<Group>,
        trips: Vec<PlannedTrip>,
        firms: Vec<Firm>,
        cameras: HashMap<String, Cameras>,
        desks: Vec<Desks>,
        slots: Vec<Slots>,
    ) -> Day {
        let count = trips.len();
        Day {
            portal,
            pool,
            groups,
            trips,
            firms,
            cameras,
            desks,
            slots: slots.into_iter().map(tokio::sync::Mutex::new).collect(),
            recorder: Recorder::new(),
            parallel_decisions: settings.parallel_decisions,
            exit_camera: settings.exit_camera,
            retries: settings.retries,
            ids: Mutex::new(vec![None; count]),
            cards: Mutex::new(HashMap::new()),
            next: AtomicUsize::new(0),
        }
    }

    /// The id the portal gave each planned trip, if it was declared.
    pub fn ids(&self) -> Vec<Option<Uuid>> {
        self.ids.lock().expect("ids lock").clone()
    }

    /// Runs the day with `clients` concurrent clients; returns its length.
    pub async fn run(self: &Arc<Day>, clients: usize, seed: u64) -> Duration {
        let started = Instant::now();
        let progress = tokio::spawn(progress(self.clone(), started));
        let mut tasks = tokio::task::JoinSet::new();
        for client in 0..clients {
            let day = self.clone();
            tasks.spawn(async move {
                let mut random =
                    StdRng::seed_from_u64(seed ^ (client as u64 + 1).wrapping_mul(0x9E37_79B9));
                loop {
                    let index = day.next.fetch_add(1, Ordering::Relaxed);
                    if index >= day.trips.len() {
                        break;
                    }
                    day.drive(index, &mut random).await;
                }
            });
        }
        while let Some(joined) = tasks.join_next().await {
            joined.expect("a client panicked");
        }
        let elapsed = started.elapsed();
        progress.abort();
        elapsed
    }

    /// One planned trip from its declaration to the yard, then whichever truck this
    /// client calls forward from the yard to its exit. Stops at the first failed step
    /// (the checks then find the trip where it stopped).
    async fn drive(&self, index: usize, random: &mut StdRng) {
        let recorder = &self.recorder;
        let plan = &self.trips[index];
        let group = &self.groups[plan.group];
        let firm = &self.firms[plan.firm];
        let started = Instant::now();
        let Some(declared) =
            recorder.answer(Step::Declare, firm.declare(&self.portal, plan, group).await)
        else {
            return;
        };
        let Some(trip_id) = declared.as_str().and_then(|id| Uuid::parse_str(id).ok()) else {
            recorder.error(Step::Declare, format!("200 without a trip id: {declared}"));
            return;
        };
        self.ids.lock().expect("ids lock")[index] = Some(trip_id);
        self.cards
            .lock()
            .expect("cards lock")
            .insert(trip_id, Card { index, started });

        let slot = {
            let mut slots = self.slots[plan.group].lock().await;
            slots.take(&self.pool, recorder).await
        };
        let slot = match slot {
            Ok(slot) => slot,
            Err(error) => {
                recorder.error(Step::OpenSlot, error);
                return;
            }
        };
        let trip = trip_id.to_string();
        let booking = firm
            .book(&self.portal, &trip, slot, &format!("day-trip-{index:06}"))
            .await;
        if recorder.answer(Step::Book, booking).is_none() {
            return;
        }

        let camera = &self.cameras[&group.gate];
        let Some(read) = recorder.answer(
            Step::YardRead,
            camera.yard.read(&self.portal, &plan.plate).await,
        ) else {
            return;
        };
        if read["outcome"] != "checked_in" {
            recorder.error(Step::YardRead, format!("200 {}", read["outcome"]));
            return;
        }

        let Some(called) = self.call_forward(plan.group).await else {
            return;
        };
        for trip_id in called {
            let channel = if random.random_bool(0.8) {
                "green"
            } else {
                "yellow"
            };
            let by_camera = random.random_bool(self.exit_camera);
            self.clear_and_exit(trip_id, channel, by_camera).await;
        }
    }

    /// Traffic police call the head of the group's yard; "yard empty" while trucks wait
    /// makes the officer press again, up to `BENCH_RETRIES` times.
    async fn call_forward(&self, group_index: usize) -> Option<Vec<Uuid>> {
        let group = &self.groups[group_index];
        let desk = &self.desks[group_index].traffic_police;
        for attempt in 0..=self.retries {
            let reply = {
                let seat = desk.seat().await;
                let lane = seat.number.to_string();
                officer::call_forward(&self.portal, seat.session(), group, &lane).await
            };
            let yard_empty = reply
                .result
                .as_ref()
                .is_err_and(|label| label.ends_with("yard_empty"));
            match self.recorder.answer(Step::CallForward, reply) {
                Some(called) => {
                    let ids: Option<Vec<Uuid>> = called.as_array().map(|ids| {
                        ids.iter()
                            .filter_map(|id| id.as_str().and_then(|id| Uuid::parse_str(id).ok()))
                            .collect()
                    });
                    return match ids {
                        Some(ids) if !ids.is_empty() => Some(ids),
                        _ => {
                            self.recorder
                                .error(Step::CallForward, format!("200 without trips: {called}"));
                            None
                        }
                    };
                }
                None if yard_empty && attempt < self.retries => pause(attempt).await,
                None => return None,
            }
        }
        None
    }

    /// An agency clears its part. Refused "not now" while the truck stands in the lane
    /// (another agency's decision was written in between), the officer presses again.
    async fn decide(
        &self,
        step: Step,
        desk: &Desk,
        group: &Group,
        trip: &str,
        channel: Option<&str>,
    ) -> bool {
        for attempt in 0..=self.retries {
            let reply = {
                let seat = desk.seat().await;
                officer::clear(&self.portal, seat.session(), group, trip, channel).await
            };
            let not_now = reply
                .result
                .as_ref()
                .is_err_and(|label| label.ends_with("step_not_now"));
            match self.recorder.answer(step, reply) {
                Some(_) => return true,
                None if not_now && attempt < self.retries => pause(attempt).await,
                None => return false,
            }
        }
        false
    }

    /// Each required agency clears the truck (one after another, or side by side with
    /// `BENCH_PARALLEL_DECISIONS`), then it leaves through the exit camera or past a
    /// border guard.
    async fn clear_and_exit(&self, trip_id: Uuid, channel: &str, by_camera: bool) {
        let Some(card) = self
            .cards
            .lock()
            .expect("cards lock")
            .get(&trip_id)
            .copied()
        else {
            self.recorder.error(
                Step::CallForward,
                format!("called a trip of no client: {trip_id}"),
            );
            return;
        };
        let plan = &self.trips[card.index];
        let group = &self.groups[plan.group];
        let desks = &self.desks[plan.group];
        let trip = trip_id.to_string();
        let customs = self.decide(Step::Customs, &desks.customs, group, &trip, Some(channel));
        let guard = self.decide(Step::BorderGuard, &desks.border_guard, group, &trip, None);
        let quarantine = async {
            !plan.quarantine
                || self
                    .decide(Step::Quarantine, &desks.quarantine, group, &trip, None)
                    .await
        };
        let cleared = if self.parallel_decisions {
            let (a, b, c) = tokio::join!(customs, guard, quarantine);
            a && b && c
        } else {
            customs.await && guard.await && quarantine.await
        };
        if !cleared {
            return;
        }
        let exited = if by_camera {
            let camera = &self.cameras[&group.gate];
            match self.recorder.answer(
                Step::ExitByCamera,
                camera.exit.read(&self.portal, &plan.plate).await,
            ) {
                Some(read) if read["outcome"] == "exited" => true,
                Some(read) => {
                    self.recorder
                        .error(Step::ExitByCamera, format!("200 {}", read["outcome"]));
                    false
                }
                None => false,
            }
        } else {
            let reply = {
                let seat = desks.border_guard.seat().await;
                officer::confirm_exit(&self.portal, seat.session(), group, &trip).await
            };
            self.recorder.answer(Step::ExitByGuard, reply).is_some()
        };
        if exited {
            self.recorder.trip_exited(card.started.elapsed());
        }
    }
}

/// An officer's pause before pressing again: 2 ms, growing to 20 ms.
async fn pause(attempt: u32) {
    tokio::time::sleep(Duration::from_millis(2 * u64::from(attempt + 1).min(10))).await;
}

/// Every five seconds: trips exited so far, the rate over the last five seconds, errors.
async fn progress(day: Arc<Day>, started: Instant) {
    let mut ticks = tokio::time::interval(Duration::from_secs(5));
    ticks.tick().await;
    let mut last = 0;
    loop {
        ticks.tick().await;
        let exited = day.recorder.exited();
        println!(
            "  {:>5.0} s: {exited} trips exited ({:.0}/s), {} errors",
            started.elapsed().as_secs_f64(),
            (exited - last) as f64 / 5.0,
            day.recorder.failed_answers()
        );
        last = exited;
    }
}
