//! The keys behind account codes and second factors, shared by every server process
//! through `server_secrets`:
//! - reset and recovery codes are stored as HMAC-SHA256 digests, so the rows alone do
//!   not let anyone try codes offline (a reset code has only about 40 bits);
//! - authenticator secrets are stored encrypted (AES-256-GCM, the account's id as
//!   associated data), so reading `second_factors` alone gives no secret and a row
//!   moved to another account does not decrypt.
//!
//! The keys live in the same database: a copy of all of it holds both. Keeping them
//! elsewhere (a file or a secrets manager) would close that too, at the cost of one
//! more thing to deploy and back up.

use crate::domain::codes::ALPHABET;
use aes_gcm::{
    Aes256Gcm, KeyInit,
    aead::{Aead, Payload},
};
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha2::Sha256;
use uuid::Uuid;

const NONCE_BYTES: usize = 12;

pub struct AccountKeys {
    codes: Vec<u8>,
    secrets: Aes256Gcm,
}

/// What a code is for: the same characters never match across purposes.
#[derive(Debug, Clone, Copy)]
pub enum CodeUse {
    Reset,
    Recovery,
}

impl AccountKeys {
    /// From two 32-byte secrets (`server_secrets`: `account_codes`, `second_factor`).
    pub fn new(codes: &[u8], secrets: &[u8]) -> AccountKeys {
        AccountKeys {
            codes: codes.to_vec(),
            secrets: Aes256Gcm::new_from_slice(&secrets[..32]).expect("a 32-byte key fits AES-256"),
        }
    }

    /// The digest a code is stored and looked up as, bound to its account and use.
    pub fn digest(&self, code_use: CodeUse, user_id: Uuid, code: &str) -> Vec<u8> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.codes).expect("HMAC takes any key length");
        mac.update(match code_use {
            CodeUse::Reset => b"reset\0",
            CodeUse::Recovery => b"recovery\0",
        });
        mac.update(user_id.as_bytes());
        mac.update(code.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// Encrypts an authenticator secret for `user_id`: nonce, then ciphertext and tag.
    pub fn seal(&self, user_id: Uuid, secret: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .secrets
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: secret,
                    aad: user_id.as_bytes(),
                },
            )
            .expect("AES-GCM encrypts a short secret");
        [nonce.as_slice(), &sealed].concat()
    }

    /// The authenticator secret sealed for `user_id`; `None` if it was not (another
    /// account's row, another key, a changed byte).
    pub fn open(&self, user_id: Uuid, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
        let nonce: [u8; NONCE_BYTES] = nonce.try_into().ok()?;
        self.secrets
            .decrypt(
                &nonce.into(),
                Payload {
                    msg: ciphertext,
                    aad: user_id.as_bytes(),
                },
            )
            .ok()
    }
}

/// A new random code of `length` characters of [`ALPHABET`].
pub fn new_code(length: usize) -> String {
    let mut rng = rand::rng();
    (0..length)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(seed: u8) -> AccountKeys {
        AccountKeys::new(&[seed; 32], &[seed.wrapping_add(1); 32])
    }

    #[test]
    fn a_secret_opens_only_for_its_account_and_key() {
        let (alice, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = keys(1).seal(alice, b"twenty bytes secret!");
        assert_eq!(
            keys(1).open(alice, &sealed).as_deref(),
            Some(&b"twenty bytes secret!"[..])
        );
        assert_eq!(keys(1).open(bob, &sealed), None, "moved to another account");
        assert_eq!(keys(2).open(alice, &sealed), None, "another key");
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() ^= 1;
        assert_eq!(keys(1).open(alice, &changed), None);
        assert_ne!(
            keys(1).seal(alice, b"twenty bytes secret!"),
            sealed,
            "a new nonce each time"
        );
    }

    #[test]
    fn digests_depend_on_key_account_use_and_code() {
        let account = Uuid::new_v4();
        let digest = keys(1).digest(CodeUse::Reset, account, "K7MP3QXA");
        assert_eq!(digest.len(), 32);
        assert_eq!(digest, keys(1).digest(CodeUse::Reset, account, "K7MP3QXA"));
        assert_ne!(digest, keys(2).digest(CodeUse::Reset, account, "K7MP3QXA"));
        assert_ne!(
            digest,
            keys(1).digest(CodeUse::Recovery, account, "K7MP3QXA")
        );
        assert_ne!(
            digest,
            keys(1).digest(CodeUse::Reset, Uuid::new_v4(), "K7MP3QXA")
        );
        assert_ne!(digest, keys(1).digest(CodeUse::Reset, account, "K7MP3QXB"));
    }

    #[test]
    fn new_codes_use_only_the_alphabet() {
        let code = new_code(10);
        assert_eq!(code.len(), 10);
        assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
        assert_ne!(new_code(10), new_code(10));
    }
}
