//! Scripted faults: latency, error answers (5xx, throttling, any code) and dropped
//! connections, per service and API, optionally only for the next N calls
//! ("fail N times, then succeed"). Set through `/aws/_admin/faults`.

use std::sync::Mutex;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::AwsError;

/// What a fault does to a matching call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait this long before handling the call (the call then proceeds normally).
    Latency {
        /// Milliseconds.
        millis: u64,
    },
    /// Answer with this error instead of handling the call.
    Error {
        /// HTTP status (e.g. 500, 503, 429).
        status: u16,
        /// Error code (e.g. `ServiceFailure`, `InternalServiceException`).
        code: String,
        /// Message.
        #[serde(default)]
        message: String,
    },
    /// Answer as the service does when throttled (Connect: 429 with the operation's declared
    /// code, see [`throttled`]; IAM/STS: 400 `Throttling`).
    Throttle,
    /// Close the connection without an answer.
    Drop,
}

/// One scripted fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Service (`connect`, `iam`, `sts`, `sso-admin`); `None` or `*`: every service.
    pub service: Option<String>,
    /// API (e.g. `ListUsers`); `None` or `*`: every API of the service.
    pub api: Option<String>,
    /// What happens.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Apply to this many matching calls, then disappear; `None`: until cleared.
    pub count: Option<u32>,
}

impl Fault {
    fn matches(&self, service: &str, api: &str) -> bool {
        let m = |want: &Option<String>, got: &str| {
            want.as_deref()
                .is_none_or(|w| w == "*" || w.eq_ignore_ascii_case(got))
        };
        m(&self.service, service) && m(&self.api, api)
    }
}

/// The scripted faults, in the order they were added.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Fault>>,
}

/// What to do with a call after the faults were consulted.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Sleep this long first.
    pub latency_millis: u64,
    /// Then answer with this error (or drop), if any.
    pub error: Option<AwsError>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    /// Add a fault.
    pub fn add(&self, fault: Fault) {
        self.lock().push(fault);
    }
    /// Remove every fault.
    pub fn clear(&self) {
        self.lock().clear();
    }
    /// The faults now active.
    pub fn list(&self) -> Vec<Fault> {
        self.lock().clone()
    }

    /// Consult (and consume) the faults for one call. Every matching latency adds up; the first
    /// matching error-like fault decides the answer.
    pub fn apply(&self, service: &str, api: &str) -> Outcome {
        let mut rules = self.lock();
        let mut out = Outcome::default();
        for rule in rules.iter_mut() {
            if !rule.matches(service, api) || rule.count == Some(0) {
                continue;
            }
            match &rule.kind {
                FaultKind::Latency { millis } => {
                    out.latency_millis = out.latency_millis.saturating_add(*millis);
                }
                kind => {
                    if out.error.is_some() {
                        continue;
                    }
                    out.error = Some(match kind {
                        FaultKind::Error {
                            status,
                            code,
                            message,
                        } => AwsError::new(
                            StatusCode::from_u16(*status)
                                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                            code.clone(),
                            if message.is_empty() {
                                format!("Injected fault {code}")
                            } else {
                                message.clone()
                            },
                        ),
                        FaultKind::Throttle => throttled(service),
                        _ => AwsError::dropped_connection(),
                    });
                }
            }
            if let Some(n) = rule.count.as_mut() {
                *n -= 1;
            }
        }
        rules.retain(|r| r.count != Some(0));
        out
    }
}

/// The error a service answers when a call to `api` is throttled. Connect answers 429 with
/// `ThrottlingException`: the name the user operations declare in the model (docs/facts.md
/// §2), and the common error of the JSON protocols for the instance operations, which declare
/// none. (AWS has also been seen answering `TooManyRequestsException`; clients treat any 429
/// as throttling.)
pub fn throttled(service: &str) -> AwsError {
    match service {
        "iam" | "sts" => AwsError::bad_request("Throttling", "Rate exceeded"),
        "sso-admin" => AwsError::bad_request("ThrottlingException", "Rate exceeded"),
        _ => AwsError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ThrottlingException",
            "Rate exceeded",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_failures_then_success() {
        let f = Faults::default();
        f.add(Fault {
            service: Some("connect".into()),
            api: Some("ListUsers".into()),
            kind: FaultKind::Throttle,
            count: Some(2),
        });
        assert!(f.apply("connect", "ListUsers").error.is_some());
        assert!(f.apply("connect", "DescribeUser").error.is_none());
        let e = f.apply("connect", "ListUsers").error;
        assert_eq!(e.map(|e| e.status.as_u16()), Some(429));
        assert!(f.apply("connect", "ListUsers").error.is_none());
        assert!(f.list().is_empty());
    }

    #[test]
    fn fault_json_is_tagged_by_kind() {
        let f: Fault = serde_json::from_str(
            r#"{"service":"iam","kind":"error","status":503,"code":"ServiceUnavailable","count":1}"#,
        )
        .expect("parse");
        assert!(matches!(f.kind, FaultKind::Error { status: 503, .. }));
    }
}
