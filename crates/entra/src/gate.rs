//! Graph's `Retry-After`, honoured by every caller in the process.
//!
//! Microsoft Graph throttles per application and tenant: a 429 (or 503) with `Retry-After`
//! tells the application to stop, not only the request that got it. A [`Gate`] holds the
//! instant before which no request may go out; [`shared`] hands out one gate per
//! `(tenant, client ID)` for the whole process, so every [`crate::Graph`] of the same app
//! registration and tenant (or several tasks sharing one) waits for the same instant instead
//! of each collecting its own 429s. Requests that find the gate open run concurrently.
//!
//! The wait is capped at [`MAX_RETRY_AFTER`], so a hostile or broken header cannot park the
//! process. Time is tokio's clock (so `tokio::time::pause` drives it), and
//! [`Gate::close_until`] takes the instant as an argument, which the unit tests use to check
//! the arithmetic without sleeping.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::time::Instant;

/// The longest a `Retry-After` makes anyone wait: 120 s (Graph's own values are seconds to
/// a few minutes at most; anything longer is more likely an error than advice).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// The instant before which no request may be sent, shared by the callers that hold it.
#[derive(Debug, Default)]
pub struct Gate {
    open_at: Mutex<Option<Instant>>,
}

impl Gate {
    /// An open gate.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Option<Instant>> {
        self.open_at.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// When the gate opens again, if it is closed at `now`.
    pub fn closed_until(&self, now: Instant) -> Option<Instant> {
        self.lock().filter(|at| *at > now)
    }

    /// Close the gate for `wait` (capped at [`MAX_RETRY_AFTER`]) from `now`. A gate already
    /// closed for longer stays closed for longer. Returns when the gate opens.
    pub fn close_until(&self, now: Instant, wait: Duration) -> Instant {
        let until = now + wait.min(MAX_RETRY_AFTER);
        let mut open_at = self.lock();
        let at = open_at.map_or(until, |at| at.max(until));
        *open_at = Some(at);
        at
    }

    /// Close the gate for `wait` from now (see [`Gate::close_until`]).
    pub fn close_for(&self, wait: Duration) -> Instant {
        self.close_until(Instant::now(), wait)
    }

    /// Wait until the gate is open. Someone may close it again while we sleep, so the
    /// instant is read again after each sleep.
    pub async fn wait(&self) {
        while let Some(at) = self.closed_until(Instant::now()) {
            tokio::time::sleep_until(at).await;
        }
    }
}

type Registry = Mutex<HashMap<(String, String), Arc<Gate>>>;

/// The process-wide gate of an app registration (`client_id`) in a tenant. Both are
/// compared without regard to case (they are GUIDs or domain names). Callers that do not
/// know their client ID (a ready access token, the Azure CLI) share the tenant's gate under
/// an empty client ID.
pub fn shared(tenant: &str, client_id: &str) -> Arc<Gate> {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    let mut map = REGISTRY
        .get_or_init(Registry::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    map.entry((tenant.to_ascii_lowercase(), client_id.to_ascii_lowercase()))
        .or_default()
        .clone()
}

/// How long a `Retry-After` value asks to wait, at `now`: delay-seconds, or an HTTP date
/// (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`; a date in the past means no wait). Capped
/// at [`MAX_RETRY_AFTER`]. `None` when the value is neither.
pub fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = parse_http_date(value)?;
            Duration::try_from(at - now).unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// An IMF-fixdate (RFC 9110 §5.6.7), the only HTTP date form senders may generate.
fn parse_http_date(value: &str) -> Option<OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(value, format)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).expect("date")
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date_capped() {
        let now = at("2025-06-02T09:00:00Z");
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(parse_retry_after("7", now), secs(7));
        assert_eq!(parse_retry_after(" 0 ", now), secs(0));
        assert_eq!(
            parse_retry_after("Mon, 02 Jun 2025 09:00:30 GMT", now),
            secs(30)
        );
        assert_eq!(
            parse_retry_after("Mon, 02 Jun 2025 08:00:00 GMT", now),
            secs(0),
            "a date in the past: no wait"
        );
        assert_eq!(parse_retry_after("86400", now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            parse_retry_after("Fri, 02 Jun 2028 09:00:00 GMT", now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(
            parse_retry_after("18446744073709551615", now),
            Some(MAX_RETRY_AFTER)
        );
        for bad in ["", "-1", "1.5", "soon", "Mon, 02 Jun 2025 09:00:30 PST"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn a_gate_only_ever_closes_for_longer_and_is_capped() {
        let g = Gate::new();
        let now = Instant::now();
        assert_eq!(g.closed_until(now), None);
        let first = g.close_until(now, Duration::from_secs(10));
        assert_eq!(first, now + Duration::from_secs(10));
        assert_eq!(
            g.close_until(now, Duration::from_secs(2)),
            first,
            "a shorter wait does not open it early"
        );
        assert_eq!(g.closed_until(now + Duration::from_secs(5)), Some(first));
        assert_eq!(g.closed_until(first), None, "open again at the instant");
        assert_eq!(
            g.close_until(now, Duration::from_secs(100_000)),
            now + MAX_RETRY_AFTER
        );
    }

    #[test]
    fn one_gate_per_tenant_and_client_id() {
        let a = shared("T-shared-test", "C1");
        assert!(Arc::ptr_eq(&a, &shared("t-shared-test", "c1")));
        assert!(!Arc::ptr_eq(&a, &shared("t-shared-test", "c2")));
        assert!(!Arc::ptr_eq(&a, &shared("other-tenant", "c1")));
    }

    #[tokio::test]
    async fn waiting_at_an_open_gate_returns_at_once_and_a_closed_one_waits() {
        let g = Gate::new();
        g.wait().await;
        let start = Instant::now();
        g.close_for(Duration::from_millis(50));
        g.wait().await;
        assert!(start.elapsed() >= Duration::from_millis(50));
    }
}
