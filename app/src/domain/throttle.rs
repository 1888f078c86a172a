//! Throttles: how many of something one subject may do in a window, and which counters
//! each kind of request is held to. Plain rules; where the counts are kept (shared by
//! every server process) is `server::throttle`.
//!
//! A counter allows `max` hits in each fixed window of its limit, windows aligned on the
//! Unix epoch. A request is held to one or more counters at once and is let through only
//! when every one of them has room; then it counts in each of them, or else in none.
//!
//! Sign-in: a device where the account signed in before carries a signed, HttpOnly
//! device cookie and is "trusted" for that account (OWASP's device cookies). An attacker
//! cannot have it, so trusted attempts are counted apart and only against themselves: 5
//! failures from the owner's own phone slow that phone, and nothing an attacker does
//! (from any address, even behind the same carrier NAT) blocks it. Untrusted attempts
//! are counted under three counters:
//! - the account and client address together: 5 failures block that pair;
//! - the client address alone: 30 failures block it, against one machine trying many
//!   accounts;
//! - the account alone: 10 failures block new devices for that account, against many
//!   machines trying one account.
//!
//! Every attempt counts before its password is checked, so a thousand guesses sent at
//! once cannot all pass a check made before any of them failed; a success then takes
//! its hit back where only failures count, and forgets the pair's earlier mistakes.

use chrono::{DateTime, Utc};
use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
    time::Duration,
};
use uuid::Uuid;

/// What a counter counts. The code is stored with each counter and shown in the
/// security log when the counter refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    SignInTrustedDevice,
    SignInAccountAndAddress,
    SignInAddress,
    SignInAccount,
    Registration,
    BookingFirm,
    BookingAddress,
}

impl Scope {
    pub const ALL: [Scope; 7] = [
        Scope::SignInTrustedDevice,
        Scope::SignInAccountAndAddress,
        Scope::SignInAddress,
        Scope::SignInAccount,
        Scope::Registration,
        Scope::BookingFirm,
        Scope::BookingAddress,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Scope::SignInTrustedDevice => "sign_in.trusted_device",
            Scope::SignInAccountAndAddress => "sign_in.account_and_address",
            Scope::SignInAddress => "sign_in.address",
            Scope::SignInAccount => "sign_in.account",
            Scope::Registration => "registration.address",
            Scope::BookingFirm => "booking.firm",
            Scope::BookingAddress => "booking.address",
        }
    }

    pub fn from_code(code: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|scope| scope.code() == code)
    }
}

/// At most `max` hits in each window of length `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub window: Duration,
}

/// One fixed window of a limit: `start` included, `end` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Limit {
    pub fn per_minutes(max: u32, minutes: u64) -> Limit {
        Limit {
            max,
            window: Duration::from_secs(minutes * 60),
        }
    }

    /// The window `at` falls in.
    pub fn window_at(&self, at: DateTime<Utc>) -> Window {
        let length = i64::try_from(self.window.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let start = at.timestamp_millis().div_euclid(length) * length;
        let start = DateTime::from_timestamp_millis(start).unwrap_or(at);
        Window {
            start,
            end: start + chrono::Duration::milliseconds(length),
        }
    }
}

/// How long to wait from `now` until `until`, at least a second (a `Retry-After` of 0
/// would invite an immediate retry).
pub fn wait_until(until: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (until - now)
        .to_std()
        .unwrap_or_default()
        .max(Duration::from_secs(1))
}

/// Where a request comes from, as throttles and the security log count it: an IPv4
/// address, or the /64 network of an IPv6 address (one subscriber's share, which an
/// attacker holds all of just as easily as one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Network(IpAddr);

impl Network {
    pub fn of(address: IpAddr) -> Network {
        match address.to_canonical() {
            IpAddr::V4(v4) => Network(IpAddr::V4(v4)),
            IpAddr::V6(v6) => {
                let bits = u128::from(v6) & !(u128::MAX >> 64);
                Network(IpAddr::V6(Ipv6Addr::from(bits)))
            }
        }
    }

    /// The first address of the network.
    pub fn address(self) -> IpAddr {
        self.0
    }

    pub fn prefix_length(self) -> u8 {
        match self.0 {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 64,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(formatter, "{v4}"),
            IpAddr::V6(v6) => write!(formatter, "{v6}/64"),
        }
    }
}

/// Who a counter counts. The server stores only a keyed hash of it: never a sign-in
/// name, an address or anything typed in the clear.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// A sign-in name as it is looked up (`SignInName::key`).
    Account(String),
    AccountAt(String, Network),
    Address(Network),
    Firm(Uuid),
}

impl Subject {
    /// The bytes that identify the subject, tagged by kind so that no two subjects of
    /// different kinds can collide.
    pub fn bytes(&self) -> Vec<u8> {
        let network = |network: &Network| match network.address() {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        let mut bytes = Vec::new();
        match self {
            Subject::Account(name) => {
                bytes.push(b'a');
                bytes.extend(name.as_bytes());
            }
            Subject::AccountAt(name, at) => {
                bytes.push(b'p');
                bytes.extend(network(at));
                bytes.extend(name.as_bytes());
            }
            Subject::Address(at) => {
                bytes.push(b'n');
                bytes.extend(network(at));
            }
            Subject::Firm(firm) => {
                bytes.push(b'f');
                bytes.extend(firm.as_bytes());
            }
        }
        bytes
    }
}

/// One counter a request is held to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub scope: Scope,
    pub subject: Subject,
    pub limit: Limit,
}

/// The limits that are settings (see `server/src/config.rs`); sign-in keeps its own
/// ([`SignInPolicy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// Firms registered from one address: generous for an office behind one NAT.
    pub registrations_per_address: Limit,
    /// Bookings made, moved or cancelled by one firm...
    pub booking_changes_per_firm: Limit,
    /// ...and from one address (several firms' clerks behind one NAT).
    pub booking_changes_per_address: Limit,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        ThrottleSettings {
            registrations_per_address: Limit::per_minutes(20, 60),
            booking_changes_per_firm: Limit::per_minutes(120, 10),
            booking_changes_per_address: Limit::per_minutes(300, 10),
        }
    }
}

impl ThrottleSettings {
    pub fn registration(&self, address: IpAddr) -> Vec<Counter> {
        vec![Counter {
            scope: Scope::Registration,
            subject: Subject::Address(Network::of(address)),
            limit: self.registrations_per_address,
        }]
    }

    /// A booking made, moved or cancelled by `firm` from `address`.
    pub fn booking_change(&self, firm: Uuid, address: IpAddr) -> Vec<Counter> {
        vec![
            Counter {
                scope: Scope::BookingFirm,
                subject: Subject::Firm(firm),
                limit: self.booking_changes_per_firm,
            },
            Counter {
                scope: Scope::BookingAddress,
                subject: Subject::Address(Network::of(address)),
                limit: self.booking_changes_per_address,
            },
        ]
    }
}

/// Failed sign-ins allowed per window (see the module's documentation).
#[derive(Debug, Clone, Copy)]
pub struct SignInPolicy {
    pub window: Duration,
    pub per_account_and_address: u32,
    pub per_address: u32,
    pub per_account_untrusted: u32,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            window: Duration::from_secs(15 * 60),
            per_account_and_address: 5,
            per_address: 30,
            per_account_untrusted: 10,
        }
    }
}

/// One sign-in attempt as the throttle sees it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The sign-in name's key (`SignInName::key`), whether or not such an account exists.
    pub account: &'a str,
    pub address: IpAddr,
    pub trusted_device: bool,
}

/// What a successful sign-in does to a counter it was held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterSuccess {
    /// The earlier mistakes of this account from here are forgiven.
    Forget,
    /// Only failures count here: the attempt's own hit is taken back.
    GiveBack,
}

impl SignInPolicy {
    /// The counters an attempt is held to.
    pub fn counters(&self, attempt: Attempt<'_>) -> Vec<Counter> {
        let limit = |max| Limit {
            max,
            window: self.window,
        };
        let account = attempt.account.to_string();
        let network = Network::of(attempt.address);
        if attempt.trusted_device {
            vec![Counter {
                scope: Scope::SignInTrustedDevice,
                subject: Subject::AccountAt(account, network),
                limit: limit(self.per_account_and_address),
            }]
        } else {
            vec![
                Counter {
                    scope: Scope::SignInAccountAndAddress,
                    subject: Subject::AccountAt(account.clone(), network),
                    limit: limit(self.per_account_and_address),
                },
                Counter {
                    scope: Scope::SignInAddress,
                    subject: Subject::Address(network),
                    limit: limit(self.per_address),
                },
                Counter {
                    scope: Scope::SignInAccount,
                    subject: Subject::Account(account),
                    limit: limit(self.per_account_untrusted),
                },
            ]
        }
    }

    pub fn after_success(scope: Scope) -> AfterSuccess {
        match scope {
            Scope::SignInTrustedDevice | Scope::SignInAccountAndAddress => AfterSuccess::Forget,
            _ => AfterSuccess::GiveBack,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Counts kept in memory the way the database keeps them (`throttle_take` in the
    /// migrations): all of a request's counters have room and each takes a hit, or none.
    #[derive(Default)]
    struct Tally {
        hits: HashMap<(Scope, Subject, Window), u32>,
    }

    impl Tally {
        fn take(&mut self, counters: &[Counter], now: DateTime<Utc>) -> Result<(), Duration> {
            let windows: Vec<_> = counters
                .iter()
                .map(|counter| {
                    let window = counter.limit.window_at(now);
                    (
                        (counter.scope, counter.subject.clone(), window),
                        counter.limit.max,
                    )
                })
                .collect();
            let blocked_until = windows
                .iter()
                .filter(|(key, max)| self.hits.get(key).copied().unwrap_or(0) >= *max)
                .map(|(key, _)| key.2.end)
                .max();
            if let Some(until) = blocked_until {
                return Err(wait_until(until, now));
            }
            for (key, _) in windows {
                *self.hits.entry(key).or_default() += 1;
            }
            Ok(())
        }

        fn sign_in_succeeded(&mut self, counters: &[Counter], now: DateTime<Utc>) {
            for counter in counters {
                let key = (
                    counter.scope,
                    counter.subject.clone(),
                    counter.limit.window_at(now),
                );
                match SignInPolicy::after_success(counter.scope) {
                    AfterSuccess::Forget => {
                        self.hits.retain(|(scope, subject, _), _| {
                            (*scope, subject) != (counter.scope, &counter.subject)
                        });
                    }
                    AfterSuccess::GiveBack => {
                        if let Some(hits) = self.hits.get_mut(&key) {
                            *hits = hits.saturating_sub(1);
                        }
                    }
                }
            }
        }

        fn attempt(&mut self, attempt: Attempt<'_>, now: DateTime<Utc>) -> Result<(), Duration> {
            self.take(&SignInPolicy::default().counters(attempt), now)
        }

        fn succeed(&mut self, attempt: Attempt<'_>, now: DateTime<Utc>) {
            let counters = SignInPolicy::default().counters(attempt);
            self.sign_in_succeeded(&counters, now);
        }
    }

    fn address(last: u8) -> IpAddr {
        IpAddr::from([203, 0, 113, last])
    }

    fn attempt(account: &str, last: u8, trusted_device: bool) -> Attempt<'_> {
        Attempt {
            account,
            address: address(last),
            trusted_device,
        }
    }

    /// The start of a quarter hour.
    fn start() -> DateTime<Utc> {
        "2026-12-01T08:00:00Z".parse().unwrap()
    }

    fn minutes(count: i64) -> chrono::Duration {
        chrono::Duration::minutes(count)
    }

    #[test]
    fn a_mistyping_user_is_slowed_then_let_back_after_the_window() {
        let mut tally = Tally::default();
        for _ in 0..5 {
            assert!(
                tally
                    .attempt(attempt("lan@x.vn", 1, false), start())
                    .is_ok()
            );
        }
        let wait = tally
            .attempt(attempt("lan@x.vn", 1, false), start() + minutes(1))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(14 * 60));
        assert!(
            tally
                .attempt(attempt("lan@x.vn", 1, false), start() + minutes(15))
                .is_ok()
        );
        assert!(
            tally
                .attempt(attempt("lan@x.vn", 2, false), start())
                .is_ok(),
            "another address is not blocked"
        );
    }

    #[test]
    fn success_forgives_earlier_mistakes() {
        let mut tally = Tally::default();
        for _ in 0..4 {
            tally
                .attempt(attempt("lan@x.vn", 1, false), start())
                .unwrap();
        }
        tally
            .attempt(attempt("lan@x.vn", 1, false), start())
            .unwrap();
        tally.succeed(attempt("lan@x.vn", 1, false), start());
        tally
            .attempt(attempt("lan@x.vn", 1, false), start())
            .unwrap();
        assert!(
            tally
                .attempt(attempt("lan@x.vn", 1, false), start())
                .is_ok()
        );
    }

    #[test]
    fn successes_do_not_count_against_an_office_behind_one_address() {
        let mut tally = Tally::default();
        for n in 0..100 {
            let account = format!("clerk{n}@x.vn");
            tally.attempt(attempt(&account, 1, false), start()).unwrap();
            tally.succeed(attempt(&account, 1, false), start());
        }
        assert!(
            tally
                .attempt(attempt("late@x.vn", 1, false), start())
                .is_ok()
        );
    }

    #[test]
    fn one_address_trying_many_accounts_is_blocked() {
        let mut tally = Tally::default();
        let accounts: Vec<String> = (0..30).map(|n| format!("user{n}@x.vn")).collect();
        for account in &accounts {
            tally.attempt(attempt(account, 9, false), start()).unwrap();
        }
        assert!(
            tally
                .attempt(attempt("someone-else@x.vn", 9, false), start())
                .is_err()
        );
        assert!(
            tally
                .attempt(attempt("someone-else@x.vn", 10, false), start())
                .is_ok()
        );
        assert!(
            tally
                .attempt(attempt("someone-else@x.vn", 9, true), start())
                .is_ok(),
            "a trusted device is not the attacker"
        );
    }

    #[test]
    fn an_attack_on_one_account_from_many_addresses_does_not_lock_out_its_owner() {
        let mut tally = Tally::default();
        for last in 0..50 {
            let _ = tally.attempt(attempt("director@x.vn", last, false), start());
        }
        assert!(
            tally
                .attempt(attempt("director@x.vn", 200, false), start())
                .is_err(),
            "new devices are blocked"
        );
        assert!(
            tally
                .attempt(attempt("director@x.vn", 201, true), start())
                .is_ok(),
            "the owner's own phone still signs in"
        );
        assert!(
            tally
                .attempt(attempt("director@x.vn", 7, true), start())
                .is_ok(),
            "even behind the attacker's address"
        );
    }

    #[test]
    fn a_trusted_device_is_slowed_by_its_own_mistakes_only() {
        let mut tally = Tally::default();
        for _ in 0..5 {
            tally
                .attempt(attempt("lan@x.vn", 1, true), start())
                .unwrap();
        }
        assert!(
            tally
                .attempt(attempt("lan@x.vn", 1, true), start())
                .is_err()
        );
        assert!(
            tally
                .attempt(attempt("lan@x.vn", 2, false), start())
                .is_ok(),
            "its mistakes count against nobody else"
        );
    }

    #[test]
    fn a_refused_attempt_counts_nowhere() {
        let mut tally = Tally::default();
        for _ in 0..5 {
            tally
                .attempt(attempt("lan@x.vn", 1, false), start())
                .unwrap();
        }
        // The pair is blocked; hammering it must not use up the address's allowance.
        for _ in 0..100 {
            assert!(
                tally
                    .attempt(attempt("lan@x.vn", 1, false), start())
                    .is_err()
            );
        }
        for n in 0..25 {
            let account = format!("colleague{n}@x.vn");
            assert!(tally.attempt(attempt(&account, 1, false), start()).is_ok());
        }
    }

    #[test]
    fn windows_are_aligned_and_half_open() {
        let limit = Limit::per_minutes(5, 15);
        let window = limit.window_at(start() + minutes(14));
        assert_eq!((window.start, window.end), (start(), start() + minutes(15)));
        assert_eq!(
            limit.window_at(start() + minutes(15)).start,
            start() + minutes(15)
        );
        assert_eq!(
            wait_until(start(), start() + minutes(1)),
            Duration::from_secs(1),
            "never a wait of zero"
        );
    }

    #[test]
    fn an_ipv6_network_is_one_subject_and_v4_mapped_is_v4() {
        let one: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let other: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let next: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(Network::of(one), Network::of(other));
        assert_ne!(Network::of(one), Network::of(next));
        assert_eq!(Network::of(one).to_string(), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(Network::of(mapped), Network::of(address(7)));
    }

    #[test]
    fn subjects_of_different_kinds_never_share_bytes() {
        let network = Network::of(address(1));
        let subjects = [
            Subject::Account("a".into()),
            Subject::AccountAt("a".into(), network),
            Subject::Address(network),
            Subject::Firm(Uuid::nil()),
        ];
        for (index, one) in subjects.iter().enumerate() {
            for other in &subjects[index + 1..] {
                assert_ne!(one.bytes(), other.bytes());
            }
        }
        for scope in Scope::ALL {
            assert_eq!(Scope::from_code(scope.code()), Some(scope));
        }
    }
}
