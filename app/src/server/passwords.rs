//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane).
//!
//! A hash costs about 24 ms of one core, so hashing runs on blocking threads, at most one
//! per core at a time (a login storm queues instead of starving the async workers).
//! Verifying against an unknown account hashes against a dummy so that it takes as long
//! as a real one: the time of an answer does not tell which accounts exist.
//!
//! The list of commonly breached passwords new passwords are checked against is here
//! too: server-side only, so it never weighs on the browser's WebAssembly.

use crate::{
    domain::password::{CommonPasswords, NewPassword},
    error::AppError,
};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::{
    Arc, LazyLock,
    atomic::{AtomicU64, Ordering},
};
use tokio::sync::Semaphore;

/// The passwords refused as too common (`app/data/common-passwords.txt`, read once).
pub fn common() -> &'static CommonPasswords {
    static COMMON: LazyLock<CommonPasswords> = LazyLock::new(|| {
        CommonPasswords::from_lines(include_str!("../../data/common-passwords.txt"))
    });
    &COMMON
}

pub struct Passwords {
    permits: Arc<Semaphore>,
    dummy_hash: String,
    /// New passwords hashed since start: what an anonymous client could make us spend.
    hashed: AtomicU64,
}

fn argon2() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet, argon2id: m=19456 KiB, t=2, p=1.
    let params = Params::new(19_456, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Default for Passwords {
    fn default() -> Self {
        Self::new()
    }
}

impl Passwords {
    pub fn new() -> Passwords {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let dummy_hash = argon2()
            .hash_password(b"dummy password for unknown accounts")
            .expect("argon2 hashes a constant")
            .to_string();
        Passwords {
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash,
            hashed: AtomicU64::new(0),
        }
    }

    /// How many new passwords this process has hashed.
    pub fn hashed(&self) -> u64 {
        self.hashed.load(Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &NewPassword) -> Result<String, AppError> {
        let password = password.expose().to_string();
        self.hashed.fetch_add(1, Ordering::Relaxed);
        self.on_blocking_thread(move || {
            argon2()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
        })
        .await?
        .map_err(|error| {
            tracing::error!(%error, "argon2 failed to hash");
            AppError::Internal
        })
    }

    /// True when `password` matches `stored`; with no stored hash (unknown account) it
    /// spends the same time and answers false.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, AppError> {
        let password = password.to_string();
        let (hash, known) = match stored {
            Some(hash) => (hash.to_string(), true),
            None => (self.dummy_hash.clone(), false),
        };
        let matches = self
            .on_blocking_thread(move || {
                argon2()
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok()
            })
            .await?;
        Ok(known && matches)
    }

    async fn on_blocking_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(work).await.map_err(|error| {
            tracing::error!(%error, "password task failed");
            AppError::Internal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let passwords = Passwords::new();
        let hash = passwords
            .hash(&NewPassword::parse("mat-khau-2026").unwrap())
            .await
            .unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            passwords
                .verify("mat-khau-2026", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !passwords
                .verify("mat-khau-2025", Some(&hash))
                .await
                .unwrap()
        );
    }

    #[test]
    fn the_common_list_holds_more_than_ten_thousand_passwords() {
        assert!(common().len() > 10_000, "{}", common().len());
        assert!(common().contains("12345678"));
        assert!(common().contains("Password1"), "in any case");
        assert!(!common().contains("mat-khau-2026"));
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        let passwords = Passwords::new();
        assert!(
            !passwords
                .verify("dummy password for unknown accounts", None)
                .await
                .unwrap()
        );
    }
}
