//! Secrets: argon2id password hashes and 256-bit bearer tokens stored only as SHA-256.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::EngineError;

/// Hashes a password with argon2id and a fresh random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, EngineError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| EngineError::Crypto(e.to_string()))
}

/// Checks a password against a stored PHC hash. A malformed stored hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

pub use store::secrets::{hmac_sha256, hmac_sha256_hex, new_token, sha256_hex, token_hash};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trips_and_wrong_password_fails() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a phc string"));
    }
}
