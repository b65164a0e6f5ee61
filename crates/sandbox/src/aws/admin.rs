//! `/aws/_admin/` — JSON endpoints to steer the AWS emulation in tests and demos:
//!
//! | method and path | body | effect |
//! | --- | --- | --- |
//! | `GET /quotas` | | limits, scale, call counts |
//! | `POST /quotas` | `{"service":"connect","api":"ListUsers","rate":2,"burst":5}` | set a limit (`api` `*`: service default) |
//! | `POST /quotas/scale` | `{"factor":0.5}` | scale every limit |
//! | `DELETE /quotas` | | back to defaults |
//! | `GET /requests` | | calls per service and API: `{"connect":{"ListUsers":{"requests":40,"throttled":0}}}` |
//! | `DELETE /requests` | | reset those counts |
//! | `GET /faults` | | active faults |
//! | `POST /faults` | a [`Fault`] | add a fault (latency, error, throttle, drop; optional `count`) |
//! | `DELETE /faults` | | clear faults |
//! | `POST /clock` | `{"advance_seconds":3600}` | move the sandbox clock (the one both sides read; also `POST /entra/_sandbox/clock`) |
//! | `GET /state` | | IAM state and issued sessions (secrets redacted) |

use std::sync::Arc;

use axum::Json;
use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;

use super::fault::Fault;
use super::quota::Limit;
use crate::State;

#[derive(Debug, Deserialize)]
struct SetLimit {
    service: String,
    #[serde(default = "star")]
    api: String,
    #[serde(flatten)]
    limit: Limit,
}

fn star() -> String {
    "*".into()
}

#[derive(Debug, Deserialize)]
struct Scale {
    factor: f64,
}

#[derive(Debug, Deserialize)]
struct Clock {
    advance_seconds: i64,
}

type Answer = (StatusCode, Json<serde_json::Value>);

fn bad(msg: &str) -> Answer {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": msg })),
    )
}

async fn get_quotas(AxState(s): AxState<Arc<State>>) -> Json<serde_json::Value> {
    Json(s.aws.quotas.view())
}

async fn set_quota(AxState(s): AxState<Arc<State>>, Json(b): Json<SetLimit>) -> Answer {
    let Limit { rate, burst } = b.limit;
    if !(rate.is_finite() && rate >= 0.0 && burst.is_finite() && burst >= 1.0) {
        return bad("rate must be >= 0 and burst >= 1");
    }
    s.aws.quotas.set(&b.service, &b.api, b.limit);
    (StatusCode::OK, Json(s.aws.quotas.view()))
}

async fn scale_quotas(AxState(s): AxState<Arc<State>>, Json(b): Json<Scale>) -> Answer {
    if !(b.factor.is_finite() && b.factor > 0.0) {
        return bad("factor must be a positive number");
    }
    s.aws.quotas.scale_all(b.factor);
    (StatusCode::OK, Json(s.aws.quotas.view()))
}

async fn reset_quotas(AxState(s): AxState<Arc<State>>) -> Json<serde_json::Value> {
    s.aws.quotas.reset();
    Json(s.aws.quotas.view())
}

async fn get_requests(AxState(s): AxState<Arc<State>>) -> Json<serde_json::Value> {
    Json(s.aws.quotas.requests())
}

async fn reset_requests(AxState(s): AxState<Arc<State>>) -> Json<serde_json::Value> {
    s.aws.quotas.reset_counts();
    Json(s.aws.quotas.requests())
}

async fn get_faults(AxState(s): AxState<Arc<State>>) -> Json<Vec<Fault>> {
    Json(s.aws.faults.list())
}

async fn add_fault(AxState(s): AxState<Arc<State>>, Json(f): Json<Fault>) -> Json<Vec<Fault>> {
    s.aws.faults.add(f);
    Json(s.aws.faults.list())
}

async fn clear_faults(AxState(s): AxState<Arc<State>>) -> Json<Vec<Fault>> {
    s.aws.faults.clear();
    Json(Vec::new())
}

async fn clock(AxState(s): AxState<Arc<State>>, Json(b): Json<Clock>) -> Json<serde_json::Value> {
    s.clock.advance(b.advance_seconds);
    Json(serde_json::json!({ "now": super::iam::iso(s.clock.now()) }))
}

async fn dump(AxState(s): AxState<Arc<State>>) -> Json<serde_json::Value> {
    let iam = serde_json::to_value(&*s.aws.iam_lock()).unwrap_or_default();
    let sessions: Vec<serde_json::Value> = s
        .aws
        .sts_lock()
        .sessions
        .values()
        .map(|v| {
            serde_json::json!({
                "access_key_id": v.credentials.access_key_id,
                "expiration": v.credentials.expiration,
                "role_name": v.role_name,
                "session_name": v.session_name,
            })
        })
        .collect();
    Json(serde_json::json!({ "iam": iam, "sts": { "sessions": sessions } }))
}

/// Routes under `/aws/_admin`.
pub fn router() -> axum::Router<Arc<State>> {
    axum::Router::new()
        .route(
            "/quotas",
            get(get_quotas).post(set_quota).delete(reset_quotas),
        )
        .route("/quotas/scale", post(scale_quotas))
        .route("/requests", get(get_requests).delete(reset_requests))
        .route(
            "/faults",
            get(get_faults).post(add_fault).delete(clear_faults),
        )
        .route("/clock", post(clock))
        .route("/state", get(dump))
}
