//! API rate limits: one token bucket per API per account (per Region), as Amazon Connect
//! documents them (docs/facts.md §2: default 2 requests/s, burst 5). IAM and STS get generous
//! defaults. Limits are changed at run time through the admin endpoint (`/aws/_admin/quotas`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// A rate limit: steady rate and burst size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Limit {
    /// Tokens added per second.
    pub rate: f64,
    /// Bucket size (requests allowed at once after a pause).
    pub burst: f64,
}

impl Limit {
    /// Amazon Connect's default per-API limit (docs/facts.md §2).
    pub const CONNECT_DEFAULT: Limit = Limit {
        rate: 2.0,
        burst: 5.0,
    };
    /// IAM and STS: generous (real IAM allows far more than a tool needs).
    pub const GENEROUS: Limit = Limit {
        rate: 100.0,
        burst: 200.0,
    };
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    /// `(service, api)` → limit; `api == "*"` is the service default.
    limits: HashMap<(String, String), Limit>,
    /// `(account, service, api)` → bucket.
    buckets: HashMap<(String, String, String), Bucket>,
    /// Multiplier applied to every rate and burst (`scale all`).
    scale: Option<f64>,
    /// Requests counted per `(service, api)` (admitted and throttled).
    counts: HashMap<(String, String), Counts>,
}

/// How many calls an API saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Calls admitted.
    pub admitted: u64,
    /// Calls throttled.
    pub throttled: u64,
}

/// Token buckets per API per account.
#[derive(Debug, Default)]
pub struct Quotas {
    inner: Mutex<Inner>,
}

/// A limit as the admin endpoint shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LimitView {
    /// Service (`connect`, `iam`, `sts`, …).
    pub service: String,
    /// API name, or `*` for the service default.
    pub api: String,
    /// The configured limit (before scaling).
    pub limit: Limit,
}

impl Quotas {
    /// The default limit of a service (before overrides).
    fn service_default(service: &str) -> Limit {
        match service {
            "connect" => Limit::CONNECT_DEFAULT,
            _ => Limit::GENEROUS,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The effective limit of an API (override, else service override, else default; scaled).
    pub fn limit(&self, service: &str, api: &str) -> Limit {
        let inner = self.lock();
        Self::effective(&inner, service, api)
    }

    fn effective(inner: &Inner, service: &str, api: &str) -> Limit {
        let base = inner
            .limits
            .get(&(service.to_string(), api.to_string()))
            .or_else(|| inner.limits.get(&(service.to_string(), "*".to_string())))
            .copied()
            .unwrap_or_else(|| Self::service_default(service));
        let s = inner.scale.unwrap_or(1.0);
        Limit {
            rate: base.rate * s,
            burst: (base.burst * s).max(1.0),
        }
    }

    /// Set the limit of one API (`api = "*"`: every API of the service without its own limit).
    /// Existing buckets of that API are refilled to the new burst.
    pub fn set(&self, service: &str, api: &str, limit: Limit) {
        let mut inner = self.lock();
        inner
            .limits
            .insert((service.to_string(), api.to_string()), limit);
        inner
            .buckets
            .retain(|(_, s, a), _| !(s == service && (api == "*" || a == api)));
    }

    /// Multiply every rate and burst by `factor` (1.0 restores the configured values).
    pub fn scale_all(&self, factor: f64) {
        let mut inner = self.lock();
        inner.scale = Some(factor);
        inner.buckets.clear();
    }

    /// Forget every override and bucket.
    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }

    /// Take one token for `(account, service, api)`; false when the call must be throttled.
    pub fn try_acquire(&self, account: &str, service: &str, api: &str) -> bool {
        let mut inner = self.lock();
        let limit = Self::effective(&inner, service, api);
        let now = Instant::now();
        let bucket = inner
            .buckets
            .entry((account.to_string(), service.to_string(), api.to_string()))
            .or_insert(Bucket {
                tokens: limit.burst,
                last: now,
            });
        let elapsed = now.duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * limit.rate).min(limit.burst);
        bucket.last = now;
        let ok = bucket.tokens >= 1.0;
        if ok {
            bucket.tokens -= 1.0;
        }
        let counts = inner
            .counts
            .entry((service.to_string(), api.to_string()))
            .or_default();
        if ok {
            counts.admitted += 1;
        } else {
            counts.throttled += 1;
        }
        ok
    }

    /// Calls that reached the rate limit, per service and API: `{"connect": {"ListUsers":
    /// {"requests": 40, "throttled": 3}}}`. `requests` counts every call, `throttled` those
    /// answered 429 by the quota (calls refused earlier, by authentication or a scripted fault,
    /// are not counted).
    pub fn requests(&self) -> serde_json::Value {
        let inner = self.lock();
        let mut out: BTreeMap<&str, BTreeMap<&str, serde_json::Value>> = BTreeMap::new();
        for ((service, api), c) in &inner.counts {
            let count = serde_json::json!({
                "requests": c.admitted + c.throttled,
                "throttled": c.throttled,
            });
            out.entry(service).or_default().insert(api, count);
        }
        serde_json::json!(out)
    }

    /// Forget the call counts (limits and buckets stay).
    pub fn reset_counts(&self) {
        self.lock().counts.clear();
    }

    /// Configured overrides, the scale factor and call counts (for the admin endpoint).
    pub fn view(&self) -> serde_json::Value {
        let inner = self.lock();
        let mut limits: Vec<LimitView> = inner
            .limits
            .iter()
            .map(|((s, a), l)| LimitView {
                service: s.clone(),
                api: a.clone(),
                limit: *l,
            })
            .collect();
        limits.sort_by(|a, b| (&a.service, &a.api).cmp(&(&b.service, &b.api)));
        let mut counts: Vec<serde_json::Value> = inner
            .counts
            .iter()
            .map(|((s, a), c)| {
                serde_json::json!({"service": s, "api": a, "admitted": c.admitted, "throttled": c.throttled})
            })
            .collect();
        counts.sort_by_key(|v| v.to_string());
        serde_json::json!({
            "defaults": {"connect": Limit::CONNECT_DEFAULT, "other": Limit::GENEROUS},
            "scale": inner.scale.unwrap_or(1.0),
            "limits": limits,
            "counts": counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_default_allows_a_burst_of_five_then_throttles() {
        let q = Quotas::default();
        let admitted = (0..8)
            .filter(|_| q.try_acquire("1", "connect", "ListUsers"))
            .count();
        // Rate refills 2/s; 8 calls in a few microseconds can get at most one extra token.
        assert!((5..=6).contains(&admitted), "admitted {admitted}");
    }

    #[test]
    fn buckets_are_per_api_and_per_account() {
        let q = Quotas::default();
        for _ in 0..5 {
            assert!(q.try_acquire("1", "connect", "ListUsers"));
        }
        assert!(q.try_acquire("1", "connect", "SearchUsers"));
        assert!(q.try_acquire("2", "connect", "ListUsers"));
    }

    #[test]
    fn requests_are_counted_per_service_and_api() {
        let q = Quotas::default();
        q.set(
            "connect",
            "ListUsers",
            Limit {
                rate: 0.0,
                burst: 2.0,
            },
        );
        for _ in 0..3 {
            q.try_acquire("1", "connect", "ListUsers");
        }
        q.try_acquire("1", "iam", "GetRole");
        assert_eq!(
            q.requests(),
            serde_json::json!({
                "connect": {"ListUsers": {"requests": 3, "throttled": 1}},
                "iam": {"GetRole": {"requests": 1, "throttled": 0}},
            })
        );
        q.reset_counts();
        assert_eq!(q.requests(), serde_json::json!({}));
        assert!(!q.try_acquire("1", "connect", "ListUsers"), "limits stay");
    }

    #[test]
    fn an_override_replaces_the_default() {
        let q = Quotas::default();
        q.set(
            "iam",
            "GetRole",
            Limit {
                rate: 0.0,
                burst: 1.0,
            },
        );
        assert!(q.try_acquire("1", "iam", "GetRole"));
        assert!(!q.try_acquire("1", "iam", "GetRole"));
        assert!(q.try_acquire("1", "iam", "ListRoles"));
    }
}
