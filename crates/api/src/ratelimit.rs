//! Per-client rate limits: the public routes (`limits.public_requests_per_minute`) and
//! staff sign-in (`limits.login_attempts_per_minute`). Each client has a token bucket that
//! holds a minute's requests and refills continuously; over the limit, the answer is 429
//! with `Retry-After`.
//!
//! A client is an IPv4 address or an IPv6 /64: one customer line or cloud machine is
//! usually handed a whole /64, so keying on full IPv6 addresses would give it 2^64 buckets.
//!
//! The cost of a check must not grow with the number of clients tracked (a flood from
//! many addresses must not make every request slower): buckets live in shards, each
//! behind its own lock, and each shard keeps two generations of buckets. Every minute a
//! shard's older generation is dropped whole and the newer one becomes the older. A bucket
//! left alone for a minute has refilled completely, so forgetting it changes no answer;
//! dropping a map of plain values frees its memory without visiting its entries.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};

use crate::AppState;
use crate::error::ApiError;
use crate::security::client_ip;

const SHARDS: usize = 64;

/// A bucket refills from empty to full in this time, so one left alone this long is full.
const GENERATION: Duration = Duration::from_secs(60);

/// Who a bucket belongs to: an IPv4 address, or the first 64 bits of an IPv6 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientKey {
    V4(u32),
    V6Net(u64),
}

impl From<IpAddr> for ClientKey {
    fn from(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => ClientKey::V4(u32::from(v4)),
            // An IPv4 client reaching a dual-stack listener is still that IPv4 client.
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey::V4(u32::from(v4)),
                None => ClientKey::V6Net((u128::from(v6) >> 64) as u64),
            },
        }
    }
}

pub struct RateLimiter {
    per_minute: f64,
    hasher: RandomState,
    shards: Vec<Mutex<Shard>>,
}

struct Shard {
    current: HashMap<ClientKey, Bucket>,
    previous: HashMap<ClientKey, Bucket>,
    rotated_at: Option<Instant>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: f64::from(per_minute.max(1)),
            hasher: RandomState::new(),
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        current: HashMap::new(),
                        previous: HashMap::new(),
                        rotated_at: None,
                    })
                })
                .collect(),
        }
    }

    /// Takes one request from the bucket of `ip`'s client; `Err(seconds)` says when the
    /// next one fits.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let key = ClientKey::from(ip);
        let rate = self.per_minute / 60.0;
        let shard = &self.shards[(self.hasher.hash_one(key) % SHARDS as u64) as usize];
        let mut shard = shard.lock().unwrap_or_else(|p| p.into_inner());
        shard.rotate(now);
        let found = match shard.current.get(&key) {
            Some(bucket) => Some(*bucket),
            None => shard.previous.remove(&key),
        };
        let mut bucket = found.unwrap_or(Bucket {
            tokens: self.per_minute,
            at: now,
        });
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * rate;
        bucket.tokens = (bucket.tokens + refilled).min(self.per_minute);
        bucket.at = now;
        let answer = if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        };
        shard.current.insert(key, bucket);
        answer
    }

    /// Clients tracked now (both generations), for tests.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let s = s.lock().unwrap();
                s.current.len() + s.previous.len()
            })
            .sum()
    }
}

impl Shard {
    fn rotate(&mut self, now: Instant) {
        let Some(at) = self.rotated_at else {
            self.rotated_at = Some(now);
            return;
        };
        let age = now.saturating_duration_since(at);
        if age < GENERATION {
            return;
        }
        if age >= 2 * GENERATION {
            self.previous = HashMap::new();
            self.current = HashMap::new();
        } else {
            self.previous = std::mem::take(&mut self.current);
        }
        self.rotated_at = Some(now);
    }
}

pub async fn limit_public(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .expect("AppState is registered")
        .clone();
    let started = Instant::now();
    let checked = client_ip(req.request(), &state.trusted_proxies)
        .map(|ip| state.rate_limiter.check(ip, started));
    engine::metrics::record_stage(
        &crate::metrics::timed_name(req.request()),
        "rate_limiter",
        started.elapsed(),
    );
    if let Some(Err(retry_after)) = checked {
        // The address itself is personal data (a referee's, usually): not logged.
        let route = req.match_pattern().unwrap_or_else(|| "<unmatched>".into());
        tracing::warn!(route, "public rate limit reached");
        let res = ApiError::TooManyRequests(retry_after).error_response();
        return Ok(req.into_response(res));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_the_limit_then_refills_over_time() {
        let limiter = RateLimiter::new(3);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(ip, t0).is_ok());
        }
        let wait = limiter.check(ip, t0).unwrap_err();
        assert_eq!(wait, 20, "3 a minute: one every 20 s");
        assert!(limiter.check(other, t0).is_ok(), "buckets are per address");
        assert!(limiter.check(ip, t0 + Duration::from_secs(20)).is_ok());
        assert!(limiter.check(ip, t0 + Duration::from_secs(21)).is_err());
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_bit_prefix() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let next_net: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.check(a, t0).is_ok());
        assert!(limiter.check(b, t0).is_ok());
        assert!(
            limiter.check(b, t0).is_err(),
            "the second address of the /64 shares the first one's bucket"
        );
        assert!(
            limiter.check(next_net, t0).is_ok(),
            "another /64 is another client"
        );
        // An IPv4-mapped address is that IPv4 client.
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(ClientKey::from(v4), ClientKey::from(mapped));
    }

    #[test]
    fn idle_clients_are_forgotten_after_two_minutes_without_changing_any_answer() {
        let limiter = RateLimiter::new(2);
        let t0 = Instant::now();
        for i in 0..1000u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            limiter.check(ip, t0).unwrap();
        }
        assert_eq!(limiter.tracked(), 1000);
        let busy: IpAddr = "192.0.2.1".parse().unwrap();
        limiter.check(busy, t0).unwrap();
        limiter.check(busy, t0).unwrap();
        // Within the minute the busy client is still remembered (and empty)...
        assert!(limiter.check(busy, t0 + Duration::from_secs(10)).is_err());
        // ...and after it, full again whether remembered or not.
        let later = t0 + Duration::from_secs(130);
        for i in 0..SHARDS as u32 * 4 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0b00_0000 + i));
            limiter.check(ip, later).unwrap();
        }
        assert!(limiter.tracked() < 1000, "idle buckets were dropped");
        assert!(limiter.check(busy, later).is_ok());
        assert!(limiter.check(busy, later).is_ok());
        assert!(limiter.check(busy, later).is_err());
    }
}
