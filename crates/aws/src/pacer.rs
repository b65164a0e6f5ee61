//! Client-side pacing of AWS API calls: one token bucket per API per account and Region, shared
//! by every caller in the process.
//!
//! AWS limits each API per account and per Region (for Amazon Connect: docs/facts.md §2, all
//! instances of the account share the limit). A [`Pacer`] holds one bucket per
//! `(service, operation)`; [`shared`] hands out one pacer per `(account, Region)` for the whole
//! process, so two [`crate::Aws`] handles for the same account and Region (or clones of one)
//! draw from the same buckets. Every SDK call the adapter makes first waits in
//! [`Pacer::acquire`]; the SDK's own retries (which handle a 429 that still happens) are kept.
//!
//! The defaults ([`PacerLimits::documented`]):
//!
//! | service | operation | rate (requests/s) | burst | source |
//! | --- | --- | --- | --- | --- |
//! | `connect` | every API not listed below | 2 | 5 | documented default (docs/facts.md §2) |
//! | `connect` | `ListUsers`, `DescribeUser` | 10 | 5 | documented rate; burst not published, kept at the default 5 [I] |
//! | `iam` | every API | 5 | 10 | [I] IAM publishes no per-API rates; conservative |
//! | `sts` | every API | 10 | 20 | [I] far below STS's published account-wide request quota; conservative |
//! | any other service | every API | 2 | 5 | [I] the Connect default, as the most conservative known limit |
//!
//! The 2/s Connect APIs named by the Service Quotas table (CreateUser, DeleteUser, every
//! UpdateUser*, TagResource, SearchUsers, GetFederationToken) fall under the Connect default.
//! Raised quotas are set with [`Pacer::set_limit`] / [`Pacer::set_limits`] (later from the
//! spec). Time is tokio's clock (so `tokio::time::pause` drives it), and [`Pacer::reserve`]
//! takes the current instant as an argument, which the unit tests use to check the bucket
//! arithmetic without sleeping.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Error;

/// Wildcard operation: the limit of every operation of a service without its own.
pub const ANY_OPERATION: &str = "*";

/// A rate limit: a steady rate and a burst (the bucket size).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    rate: f64,
    burst: f64,
}

impl Limit {
    /// No limit at all: calls never wait.
    pub const UNLIMITED: Limit = Limit {
        rate: f64::INFINITY,
        burst: f64::INFINITY,
    };

    /// Amazon Connect's documented default per API: 2 requests/s, burst 5 (docs/facts.md §2).
    pub const CONNECT_DEFAULT: Limit = Limit {
        rate: 2.0,
        burst: 5.0,
    };

    /// `rate` requests per second with bursts of up to `burst` requests. The rate must be a
    /// positive number (infinity: unlimited) and the burst at least 1.
    pub fn new(rate: f64, burst: f64) -> Result<Self, Error> {
        if rate.is_nan() || rate <= 0.0 {
            return Err(Error::InvalidLimit {
                detail: format!(
                    "the rate must be a positive number of requests per second, not {rate}"
                ),
            });
        }
        if burst.is_nan() || burst < 1.0 {
            return Err(Error::InvalidLimit {
                detail: format!("the burst must be at least 1 request, not {burst}"),
            });
        }
        Ok(Self { rate, burst })
    }

    /// Requests per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Bucket size: how many requests may go at once after a pause.
    pub fn burst(&self) -> f64 {
        self.burst
    }

    fn is_unlimited(&self) -> bool {
        self.rate.is_infinite()
    }
}

/// The limits a [`Pacer`] applies: defaults per service and operation, and overrides (for
/// raised quotas). An operation's limit is, in order: its override, the service's override
/// (operation [`ANY_OPERATION`]), its documented default, the service's documented default.
#[derive(Debug, Clone, PartialEq)]
pub struct PacerLimits {
    defaults: HashMap<(String, String), Limit>,
    overrides: HashMap<(String, String), Limit>,
    fallback: Limit,
}

fn key(service: &str, operation: &str) -> (String, String) {
    (service.to_string(), operation.to_string())
}

impl PacerLimits {
    /// The documented defaults (see the module documentation for the table and sources).
    pub fn documented() -> Self {
        let rate = |rate, burst| Limit { rate, burst };
        let defaults = HashMap::from([
            (key("connect", ANY_OPERATION), Limit::CONNECT_DEFAULT),
            (key("connect", "ListUsers"), rate(10.0, 5.0)),
            (key("connect", "DescribeUser"), rate(10.0, 5.0)),
            (key("iam", ANY_OPERATION), rate(5.0, 10.0)),
            (key("sts", ANY_OPERATION), rate(10.0, 20.0)),
        ]);
        Self {
            defaults,
            overrides: HashMap::new(),
            fallback: Limit::CONNECT_DEFAULT,
        }
    }

    /// No limits at all (every call goes at once); for tests and emulators without quotas.
    pub fn unlimited() -> Self {
        Self {
            defaults: HashMap::new(),
            overrides: HashMap::new(),
            fallback: Limit::UNLIMITED,
        }
    }

    /// Override the limit of `operation` of `service` (`service` as in `connect`, `iam`,
    /// `sts`; `operation` as the API names it, e.g. `CreateUser`, or [`ANY_OPERATION`]).
    pub fn set(&mut self, service: &str, operation: &str, limit: Limit) -> &mut Self {
        self.overrides.insert(key(service, operation), limit);
        self
    }

    /// [`PacerLimits::set`], by value.
    pub fn with(mut self, service: &str, operation: &str, limit: Limit) -> Self {
        self.set(service, operation, limit);
        self
    }

    /// The limit that applies to `operation` of `service`.
    pub fn limit(&self, service: &str, operation: &str) -> Limit {
        let find = |map: &HashMap<(String, String), Limit>| {
            map.get(&key(service, operation))
                .or_else(|| map.get(&key(service, ANY_OPERATION)))
                .copied()
        };
        find(&self.overrides)
            .or_else(|| find(&self.defaults))
            .unwrap_or(self.fallback)
    }
}

impl Default for PacerLimits {
    fn default() -> Self {
        Self::documented()
    }
}

/// One token bucket. Tokens may go below zero: a caller that takes a token the bucket does
/// not have yet reserves the next one and sleeps until it has been earned, so waiting callers
/// are served in the order they came, without polling.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(limit: Limit, now: Instant) -> Self {
        Self {
            tokens: limit.burst,
            last: now,
        }
    }

    /// Take one token at `now`; how long to wait before it is earned.
    fn take(&mut self, limit: Limit, now: Instant) -> Duration {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * limit.rate).min(limit.burst);
        self.last = now;
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / limit.rate)
        }
    }
}

#[derive(Debug)]
struct Inner {
    limits: PacerLimits,
    buckets: HashMap<(String, String), Bucket>,
}

/// Token buckets for one account and Region: one per `(service, operation)`. Shared through
/// an `Arc`; see [`shared`] for the process-wide one.
#[derive(Debug)]
pub struct Pacer {
    inner: Mutex<Inner>,
}

impl Pacer {
    /// A pacer with these limits and full buckets.
    pub fn new(limits: PacerLimits) -> Self {
        Self {
            inner: Mutex::new(Inner {
                limits,
                buckets: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wait until a call to `operation` of `service` may go, and take its token. Waiting
    /// callers are served in the order they came; a caller that gives up while waiting (its
    /// future dropped) still used its token, which errs on the safe side.
    pub async fn acquire(&self, service: &str, operation: &str) {
        let wait = self.reserve(service, operation, Instant::now());
        if wait >= Duration::from_secs(1) {
            tracing::info!(
                "pacing: {service}:{operation} waits {:.1} s to stay within its quota",
                wait.as_secs_f64()
            );
        } else if !wait.is_zero() {
            tracing::debug!(
                "pacing: {service}:{operation} waits {} ms",
                wait.as_millis()
            );
        }
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Take a token for a call at `now` and say how long after `now` the call may go (the
    /// clock injected: [`Pacer::acquire`] passes tokio's `Instant::now()`).
    pub fn reserve(&self, service: &str, operation: &str, now: Instant) -> Duration {
        let mut inner = self.lock();
        let limit = inner.limits.limit(service, operation);
        if limit.is_unlimited() {
            return Duration::ZERO;
        }
        inner
            .buckets
            .entry(key(service, operation))
            .or_insert_with(|| Bucket::full(limit, now))
            .take(limit, now)
    }

    /// The limit that applies to `operation` of `service`.
    pub fn limit(&self, service: &str, operation: &str) -> Limit {
        self.lock().limits.limit(service, operation)
    }

    /// The limits in force.
    pub fn limits(&self) -> PacerLimits {
        self.lock().limits.clone()
    }

    /// Override one limit (e.g. after a quota increase); see [`PacerLimits::set`]. The buckets
    /// it affects start again full.
    pub fn set_limit(&self, service: &str, operation: &str, limit: Limit) {
        let mut inner = self.lock();
        inner.limits.set(service, operation, limit);
        inner
            .buckets
            .retain(|(s, o), _| !(s == service && (operation == ANY_OPERATION || o == operation)));
    }

    /// Replace every limit; every bucket starts again full.
    pub fn set_limits(&self, limits: PacerLimits) {
        let mut inner = self.lock();
        inner.limits = limits;
        inner.buckets.clear();
    }
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new(PacerLimits::documented())
    }
}

type Registry = Mutex<HashMap<(String, String), Arc<Pacer>>>;

/// The process-wide pacer of `account` in `region`, created with the documented limits on first
/// use. Every caller asking for the same account and Region gets the same pacer.
pub fn shared(account: &str, region: &str) -> Arc<Pacer> {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let mut map = REGISTRY
        .get_or_init(Registry::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    map.entry((account.to_string(), region.to_string()))
        .or_default()
        .clone()
}

/// The account key of [`shared`] for calls made before a handle knows its account (the one
/// STS GetCallerIdentity call that finds it out).
pub(crate) const UNKNOWN_ACCOUNT: &str = "";

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(rate: f64, burst: f64) -> Limit {
        Limit::new(rate, burst).expect("valid limit")
    }

    /// When each of `n` calls made back to back at `now` may go, in milliseconds after `now`.
    fn schedule(p: &Pacer, service: &str, operation: &str, now: Instant, n: usize) -> Vec<u128> {
        (0..n)
            .map(|_| p.reserve(service, operation, now).as_millis())
            .collect()
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn a_burst_goes_at_once_then_the_steady_rate_applies() {
        let p = Pacer::new(PacerLimits::unlimited().with("connect", "*", limit(2.0, 5.0)));
        let t0 = Instant::now();
        assert_eq!(
            schedule(&p, "connect", "CreateUser", t0, 9),
            [0, 0, 0, 0, 0, 500, 1000, 1500, 2000]
        );
        // Callers that arrive later wait less for the same reserved slots.
        assert_eq!(
            p.reserve("connect", "CreateUser", t0 + secs(1.0)),
            secs(1.5)
        );
    }

    #[test]
    fn a_steady_caller_at_the_rate_never_waits() {
        let p = Pacer::new(PacerLimits::unlimited().with("connect", "*", limit(2.0, 5.0)));
        let t0 = Instant::now();
        for i in 0..20 {
            let at = t0 + secs(f64::from(i) * 0.5);
            assert_eq!(
                p.reserve("connect", "UpdateUserIdentityInfo", at),
                Duration::ZERO
            );
        }
    }

    #[test]
    fn an_idle_bucket_refills_up_to_the_burst_only() {
        let p = Pacer::new(PacerLimits::unlimited().with("connect", "*", limit(2.0, 3.0)));
        let t0 = Instant::now();
        assert_eq!(schedule(&p, "connect", "DeleteUser", t0, 3), [0, 0, 0]);
        let later = t0 + secs(60.0);
        assert_eq!(
            schedule(&p, "connect", "DeleteUser", later, 5),
            [0, 0, 0, 500, 1000]
        );
    }

    #[test]
    fn each_operation_and_service_has_its_own_bucket() {
        let p = Pacer::new(PacerLimits::documented());
        let t0 = Instant::now();
        assert_eq!(schedule(&p, "connect", "CreateUser", t0, 5), [0; 5]);
        assert_eq!(p.reserve("connect", "DeleteUser", t0), Duration::ZERO);
        assert_eq!(p.reserve("iam", "GetRole", t0), Duration::ZERO);
        assert_eq!(p.reserve("sts", "GetCallerIdentity", t0), Duration::ZERO);
        assert_eq!(
            p.reserve("connect", "CreateUser", t0),
            secs(0.5),
            "the sixth CreateUser waits for the 2/s rate"
        );
    }

    #[test]
    fn pacers_of_different_accounts_are_independent() {
        let a = Pacer::default();
        let b = Pacer::default();
        let t0 = Instant::now();
        assert_eq!(schedule(&a, "connect", "SearchUsers", t0, 5), [0; 5]);
        assert_eq!(schedule(&b, "connect", "SearchUsers", t0, 5), [0; 5]);
    }

    #[test]
    fn documented_defaults_follow_the_facts() {
        let l = PacerLimits::documented();
        assert_eq!(l.limit("connect", "CreateUser"), Limit::CONNECT_DEFAULT);
        assert_eq!(
            l.limit("connect", "GetFederationToken"),
            Limit::CONNECT_DEFAULT
        );
        assert_eq!(l.limit("connect", "ListUsers").rate(), 10.0);
        assert_eq!(l.limit("connect", "DescribeUser").rate(), 10.0);
        assert_eq!(l.limit("iam", "CreateRole"), limit(5.0, 10.0));
        assert_eq!(l.limit("sts", "GetCallerIdentity"), limit(10.0, 20.0));
        assert_eq!(
            l.limit("sso-admin", "ListInstances"),
            Limit::CONNECT_DEFAULT
        );
    }

    #[test]
    fn overrides_beat_defaults_and_specific_beats_wildcard() {
        let l = PacerLimits::documented()
            .with("connect", "*", limit(4.0, 8.0))
            .with("connect", "CreateUser", limit(20.0, 20.0));
        assert_eq!(l.limit("connect", "CreateUser"), limit(20.0, 20.0));
        assert_eq!(l.limit("connect", "DeleteUser"), limit(4.0, 8.0));
        assert_eq!(l.limit("connect", "ListUsers"), limit(4.0, 8.0));
        assert_eq!(l.limit("iam", "GetRole"), limit(5.0, 10.0));
    }

    #[test]
    fn an_override_on_a_live_pacer_takes_effect_at_once() {
        let p = Pacer::default();
        let t0 = Instant::now();
        assert_eq!(schedule(&p, "connect", "CreateUser", t0, 5), [0; 5]);
        p.set_limit("connect", "CreateUser", limit(10.0, 10.0));
        assert_eq!(
            schedule(&p, "connect", "CreateUser", t0, 11),
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100],
            "the raised burst, then the raised rate"
        );
        assert_eq!(p.limit("connect", "CreateUser"), limit(10.0, 10.0));
    }

    #[test]
    fn unlimited_never_waits() {
        let p = Pacer::new(PacerLimits::unlimited());
        let t0 = Instant::now();
        assert!(
            schedule(&p, "connect", "CreateUser", t0, 1000)
                .iter()
                .all(|&w| w == 0)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_together_never_exceed_the_rate() {
        const RATE: f64 = 50.0;
        const BURST: f64 = 5.0;
        let p = Arc::new(Pacer::new(PacerLimits::unlimited().with(
            "connect",
            "ListUsers",
            limit(RATE, BURST),
        )));
        let start = Instant::now();
        let caller = |p: Arc<Pacer>| async move {
            let mut at = Vec::new();
            for _ in 0..15 {
                p.acquire("connect", "ListUsers").await;
                at.push(start.elapsed());
            }
            at
        };
        let (a, b) = tokio::join!(
            tokio::spawn(caller(p.clone())),
            tokio::spawn(caller(p.clone()))
        );
        let mut all = a.expect("caller a");
        all.extend(b.expect("caller b"));
        assert_eq!(all.len(), 30);
        all.sort();
        // The k-th call (from 0) may not go before (k + 1 - burst) / rate seconds.
        for (k, t) in all.iter().enumerate() {
            let earliest = ((k as f64) + 1.0 - BURST).max(0.0) / RATE;
            assert!(
                t.as_secs_f64() >= earliest,
                "call {k} went at {t:?}, before {earliest} s"
            );
        }
        let last = all.last().map(Duration::as_secs_f64).unwrap_or_default();
        assert!(last < 5.0, "the pacer is not stuck: last call at {last} s");
    }

    #[test]
    fn shared_pacers_are_one_per_account_and_region() {
        let a = shared("123456789012", "eu-west-1");
        let b = shared("123456789012", "eu-west-1");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &shared("123456789012", "eu-west-2")));
        assert!(!Arc::ptr_eq(&a, &shared("210987654321", "eu-west-1")));
    }

    #[test]
    fn nonsense_limits_are_refused() {
        assert!(Limit::new(0.0, 5.0).is_err());
        assert!(Limit::new(-1.0, 5.0).is_err());
        assert!(Limit::new(f64::NAN, 5.0).is_err());
        assert!(Limit::new(2.0, 0.5).is_err());
        assert!(Limit::new(2.0, f64::NAN).is_err());
        assert!(Limit::new(f64::INFINITY, 1.0).is_ok());
    }
}
