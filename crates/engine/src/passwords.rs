//! Where argon2id runs. A password check costs tens of milliseconds of CPU and 19 MiB of
//! memory by design; run on the async worker threads, a burst of sign-ins would stall
//! every other request (referee forms, the API) behind it. So hashing and checking run on
//! the blocking pool, at most `auth.hash_concurrency` at once (default: one per core);
//! the rest wait for a permit. How many may wait is bounded above this, by the sign-in
//! cap of the HTTP layer, which answers 429 instead of queueing without limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;

use crate::EngineError;
use crate::credentials::{hash_password, verify_password};

/// A hash to check passwords against when the account does not exist (same parameters as
/// every stored hash, so it costs the same).
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password for unknown accounts").unwrap_or_default())
}

/// The shortest password a staff member may choose, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest, in characters: hashing is deliberately slow, and its cost grows with the
/// input.
pub const MAX_PASSWORD_CHARS: usize = 200;

/// Why `password` breaks the password policy, if it does: the one rule the web UI, the
/// CLI, first-run setup and the engine's own checks share.
pub fn policy_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    (!(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars))
        .then(|| format!("must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long"))
}

/// [`policy_problem`] as the validation error of `field`.
pub(crate) fn check_policy(field: &str, password: &str) -> Result<(), EngineError> {
    match policy_problem(password) {
        Some(message) => Err(EngineError::validation(field, message)),
        None => Ok(()),
    }
}

#[derive(Clone)]
pub struct PasswordPool {
    permits: Arc<Semaphore>,
    size: usize,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    runs: Arc<AtomicUsize>,
}

impl PasswordPool {
    /// A pool running `size` hashes at once; 0 means one per available core.
    pub fn new(size: usize) -> Self {
        let size = if size == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            size
        };
        Self {
            permits: Arc::new(Semaphore::new(size)),
            size,
            in_flight: Arc::default(),
            peak: Arc::default(),
            runs: Arc::default(),
        }
    }

    /// How many hashes may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The most hashes that have run at once since start (reported as a metric, and
    /// checked by the tests to be at most `size`).
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::Relaxed)
    }

    /// Hashes made or checked since start: every sign-in attempt, whatever its answer, adds
    /// exactly one, which is what makes the answers take the same time.
    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, EngineError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| EngineError::Crypto("the password pool is closed".into()))?;
        let in_flight = self.in_flight.clone();
        let peak = self.peak.clone();
        self.runs.fetch_add(1, Ordering::Relaxed);
        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(now, Ordering::SeqCst);
        metrics::gauge!("vouch_password_hashes_in_progress").set(now as f64);
        let result = tokio::task::spawn_blocking(move || {
            let out = work();
            let left = in_flight.fetch_sub(1, Ordering::SeqCst) - 1;
            metrics::gauge!("vouch_password_hashes_in_progress").set(left as f64);
            out
        })
        .await
        .map_err(|e| EngineError::Crypto(format!("password hashing failed: {e}")));
        drop(permit);
        result
    }

    /// Checks `password` against a stored PHC hash (a malformed one never matches).
    pub async fn verify(&self, password: &str, stored: &str) -> Result<bool, EngineError> {
        let (password, stored) = (password.to_owned(), stored.to_owned());
        self.run(move || verify_password(&password, &stored)).await
    }

    /// Runs a check as long as a real one and refuses, for an email nobody has: an unknown
    /// address must take as long as a wrong password.
    pub async fn verify_decoy(&self, password: &str) -> Result<(), EngineError> {
        let password = password.to_owned();
        self.run(move || {
            verify_password(&password, decoy_hash());
        })
        .await
    }

    /// Makes the decoy hash now, so the first unknown email is not slower than the rest.
    pub async fn warm_up(&self) -> Result<(), EngineError> {
        self.run(|| {
            decoy_hash();
        })
        .await
    }

    /// Hashes `password` with argon2id and a fresh salt.
    pub async fn hash(&self, password: &str) -> Result<String, EngineError> {
        let password = password.to_owned();
        self.run(move || hash_password(&password)).await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_the_pool_allows() {
        let pool = PasswordPool::new(2);
        let hash = pool.hash("correct horse").await.unwrap();
        let checks = (0..8).map(|i| {
            let pool = pool.clone();
            let hash = hash.clone();
            tokio::spawn(async move {
                let guess = if i == 0 { "correct horse" } else { "wrong" };
                pool.verify(guess, &hash).await.unwrap()
            })
        });
        let results = futures_util::future::join_all(checks).await;
        let matched: Vec<bool> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(matched.iter().filter(|m| **m).count(), 1);
        assert!(pool.peak() <= 2, "peak {}", pool.peak());
        assert!(pool.peak() >= 1);
    }
}
