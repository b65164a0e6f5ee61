//! The sandbox's one clock: the wall clock plus an offset that tests and the admin endpoints
//! (`POST /aws/_admin/clock`, `POST /entra/_sandbox/clock`) move. Every "what time is it" in
//! both emulations (token lifetimes, SAML validity windows, certificates, sessions, STS
//! credentials, eventual-consistency windows) reads it, so moving it once moves both sides.
//! Elapsed-time measurements (latency faults, token buckets) keep using [`std::time::Instant`].

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::{Duration, OffsetDateTime};

/// The largest offset either way: 100 years (dates stay far inside what X.509 and SAML
/// timestamps can express).
pub const MAX_OFFSET_SECONDS: i64 = 100 * 366 * 24 * 3600;

/// Wall clock plus a shared, movable offset. Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
}

impl Clock {
    /// A clock at wall time (offset 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// The sandbox's current time (UTC).
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc().saturating_add(Duration::seconds(self.offset_seconds()))
    }

    /// Move the clock forward (or back, with a negative value) by `seconds`. The offset is
    /// kept within ±[`MAX_OFFSET_SECONDS`].
    pub fn advance(&self, seconds: i64) {
        let _ = self
            .offset_seconds
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                Some(
                    o.saturating_add(seconds)
                        .clamp(-MAX_OFFSET_SECONDS, MAX_OFFSET_SECONDS),
                )
            });
    }

    /// Seconds the clock is ahead of the wall clock (negative: behind).
    pub fn offset_seconds(&self) -> i64 {
        self.offset_seconds.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset() {
        let a = Clock::new();
        let b = a.clone();
        b.advance(7200);
        assert_eq!(a.offset_seconds(), 7200);
        let ahead = a.now() - OffsetDateTime::now_utc();
        assert!(ahead > Duration::seconds(7190) && ahead <= Duration::seconds(7200));
        a.advance(-7200);
        assert_eq!(b.offset_seconds(), 0);
    }

    #[test]
    fn the_offset_is_bounded() {
        let c = Clock::new();
        c.advance(i64::MAX);
        c.advance(1);
        assert_eq!(c.offset_seconds(), MAX_OFFSET_SECONDS);
        assert!(c.now() > OffsetDateTime::now_utc());
        c.advance(i64::MIN);
        assert_eq!(c.offset_seconds(), -MAX_OFFSET_SECONDS);
        assert!(c.now() < OffsetDateTime::now_utc());
    }
}
