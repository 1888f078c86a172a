//! Throttling of failed sign-ins, counted in fixed 15-minute windows.
//!
//! A device where the account signed in before carries a signed, HttpOnly device cookie
//! and is "trusted" for that account (OWASP's device cookies). An attacker cannot have
//! it, so trusted attempts are counted apart and only against themselves: 5 failures
//! from the owner's own phone slow that phone, and nothing an attacker does (from any
//! address, even behind the same carrier NAT) blocks it.
//!
//! Untrusted attempts are counted under three keys:
//! - the account and client address together: 5 failures block that pair;
//! - the client address alone: 30 failures block it, against one machine trying many
//!   accounts;
//! - the account alone: 10 failures block new devices for that account, against many
//!   machines trying one account.
//!
//! Counters live in this process's memory; each server process counts on its own.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub window: Duration,
    pub per_account_and_address: u32,
    pub per_address: u32,
    pub per_account_untrusted: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            window: Duration::from_secs(15 * 60),
            per_account_and_address: 5,
            per_address: 30,
            per_account_untrusted: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    TrustedDevice(String, IpAddr),
    AccountAndAddress(String, IpAddr),
    Address(IpAddr),
    Account(String),
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

#[derive(Debug, Default)]
pub struct LoginLimiter {
    policy: Policy,
    windows: Mutex<HashMap<Key, Window>>,
}

/// One sign-in attempt as the limiter sees it.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub account: &'a str,
    pub address: IpAddr,
    pub trusted_device: bool,
}

impl LoginLimiter {
    pub fn with_policy(policy: Policy) -> LoginLimiter {
        LoginLimiter {
            policy,
            windows: Mutex::default(),
        }
    }

    /// `Err(wait)` when this attempt must not even be checked, with how long to wait.
    pub fn check(&self, attempt: Attempt<'_>, now: Instant) -> Result<(), Duration> {
        let windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let blocked_for = |key: &Key, limit: u32| {
            windows
                .get(key)
                .filter(|window| {
                    now.duration_since(window.started) < self.policy.window
                        && window.failures >= limit
                })
                .map(|window| self.policy.window - now.duration_since(window.started))
        };
        let waits = self
            .keys(attempt)
            .into_iter()
            .map(|(key, limit)| blocked_for(&key, limit))
            .collect::<Vec<_>>();
        match waits.into_iter().flatten().max() {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, attempt: Attempt<'_>, now: Instant) {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() > 100_000 {
            windows.retain(|_, window| now.duration_since(window.started) < self.policy.window);
        }
        for (key, _) in self.keys(attempt) {
            let window = windows.entry(key).or_insert(Window {
                started: now,
                failures: 0,
            });
            if now.duration_since(window.started) >= self.policy.window {
                *window = Window {
                    started: now,
                    failures: 0,
                };
            }
            window.failures += 1;
        }
    }

    /// A success clears the mistakes of this account at this address.
    pub fn record_success(&self, attempt: Attempt<'_>) {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        windows.remove(&Key::TrustedDevice(
            attempt.account.to_string(),
            attempt.address,
        ));
        windows.remove(&Key::AccountAndAddress(
            attempt.account.to_string(),
            attempt.address,
        ));
    }

    /// The counters an attempt is checked against and counted in, with their limits.
    fn keys(&self, attempt: Attempt<'_>) -> Vec<(Key, u32)> {
        let account = attempt.account.to_string();
        if attempt.trusted_device {
            vec![(
                Key::TrustedDevice(account, attempt.address),
                self.policy.per_account_and_address,
            )]
        } else {
            vec![
                (
                    Key::AccountAndAddress(account.clone(), attempt.address),
                    self.policy.per_account_and_address,
                ),
                (Key::Address(attempt.address), self.policy.per_address),
                (Key::Account(account), self.policy.per_account_untrusted),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_mistyping_user_is_slowed_then_let_back_after_the_window() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for _ in 0..5 {
            assert!(limiter.check(attempt("lan@x.vn", 1, false), start).is_ok());
            limiter.record_failure(attempt("lan@x.vn", 1, false), start);
        }
        let wait = limiter
            .check(
                attempt("lan@x.vn", 1, false),
                start + Duration::from_secs(60),
            )
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(14 * 60));
        assert!(
            limiter
                .check(
                    attempt("lan@x.vn", 1, false),
                    start + Duration::from_secs(15 * 60)
                )
                .is_ok()
        );
        assert!(
            limiter.check(attempt("lan@x.vn", 2, false), start).is_ok(),
            "another address is not blocked"
        );
    }

    #[test]
    fn success_forgives_earlier_mistakes() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..4 {
            limiter.record_failure(attempt("lan@x.vn", 1, false), now);
        }
        limiter.record_success(attempt("lan@x.vn", 1, false));
        limiter.record_failure(attempt("lan@x.vn", 1, false), now);
        assert!(limiter.check(attempt("lan@x.vn", 1, false), now).is_ok());
    }

    #[test]
    fn one_address_trying_many_accounts_is_blocked() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        let accounts: Vec<String> = (0..30).map(|n| format!("user{n}@x.vn")).collect();
        for account in &accounts {
            limiter.record_failure(attempt(account, 9, false), now);
        }
        assert!(
            limiter
                .check(attempt("someone-else@x.vn", 9, false), now)
                .is_err()
        );
        assert!(
            limiter
                .check(attempt("someone-else@x.vn", 10, false), now)
                .is_ok()
        );
        assert!(
            limiter
                .check(attempt("someone-else@x.vn", 9, true), now)
                .is_ok(),
            "a trusted device is not the attacker"
        );
    }

    #[test]
    fn an_attack_on_one_account_from_many_addresses_does_not_lock_out_its_owner() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for last in 0..50 {
            limiter.record_failure(attempt("director@x.vn", last, false), now);
        }
        assert!(
            limiter
                .check(attempt("director@x.vn", 200, false), now)
                .is_err(),
            "new devices are blocked"
        );
        assert!(
            limiter
                .check(attempt("director@x.vn", 201, true), now)
                .is_ok(),
            "the owner's own phone still signs in"
        );
        assert!(
            limiter
                .check(attempt("director@x.vn", 7, true), now)
                .is_ok(),
            "even behind the attacker's address"
        );
    }

    #[test]
    fn a_trusted_device_is_slowed_by_its_own_mistakes_only() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..5 {
            limiter.record_failure(attempt("lan@x.vn", 1, true), now);
        }
        assert!(limiter.check(attempt("lan@x.vn", 1, true), now).is_err());
        assert!(
            limiter.check(attempt("lan@x.vn", 2, false), now).is_ok(),
            "its mistakes count against nobody else"
        );
    }
}
