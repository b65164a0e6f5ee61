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
//! | `GET /connect/quotas` | | Connect quotas: `{"users_per_instance":500,"security_profiles_per_instance":100,"routing_profiles_per_instance":500}` |
//! | `POST /connect/quotas` | `{"users_per_instance":20000}` | raise (or lower) the users-per-instance quota, as a quota increase on AWS; answers the quotas |
//! | `GET /connect/settings` | | `{"throttle_error":"ThrottlingException","saml_email":"reject","instance_creation_delay_ms":2000}` |
//! | `… /identity-center…` | | Identity Center's console steps: see [`super::identity_center::admin`] |
//! | `POST /identity-center/provisioning` | | enable automatic provisioning: `{"scim_endpoint", "token"}` |
//! | `POST /connect/settings` | any of those members | `throttle_error`: the code of a throttled answer (`ThrottlingException` or `TooManyRequestsException`, always 429); `saml_email`: `reject` or `accept` Email in CreateUser on SAML instances; `instance_creation_delay_ms`: how long new instances stay `CREATION_IN_PROGRESS`; answers the settings |

use std::sync::Arc;

use axum::Json;
use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;

use super::connect::{SamlEmailPolicy, ThrottleCode};
use super::fault::Fault;
use super::identity_center::admin as ic;
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

/// `POST /connect/quotas`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectQuotas {
    users_per_instance: Option<usize>,
}

/// `POST /connect/settings`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConnectSettings {
    throttle_error: Option<ThrottleCode>,
    saml_email: Option<SamlEmailPolicy>,
    instance_creation_delay_ms: Option<u64>,
}

async fn get_connect_quotas(AxState(s): AxState<Arc<State>>) -> Json<serde_json::Value> {
    Json(s.aws.connect.quotas())
}

async fn set_connect_quotas(
    AxState(s): AxState<Arc<State>>,
    Json(b): Json<ConnectQuotas>,
) -> Json<serde_json::Value> {
    if let Some(n) = b.users_per_instance {
        s.aws.connect.set_users_per_instance(n);
    }
    Json(s.aws.connect.quotas())
}

async fn get_connect_settings(AxState(s): AxState<Arc<State>>) -> Json<serde_json::Value> {
    Json(s.aws.connect.settings())
}

async fn set_connect_settings(
    AxState(s): AxState<Arc<State>>,
    Json(b): Json<ConnectSettings>,
) -> Json<serde_json::Value> {
    let connect = &s.aws.connect;
    if let Some(code) = b.throttle_error {
        connect.set_throttle_code(code);
    }
    if let Some(policy) = b.saml_email {
        connect.set_saml_email_policy(policy);
    }
    if let Some(ms) = b.instance_creation_delay_ms {
        connect.set_creation_delay(std::time::Duration::from_millis(ms));
    }
    Json(connect.settings())
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
        .route(
            "/identity-center/provisioning",
            post(super::identity_center::scim::enable_provisioning),
        )
        .route("/state", get(dump))
        .route(
            "/connect/quotas",
            get(get_connect_quotas).post(set_connect_quotas),
        )
        .route(
            "/connect/settings",
            get(get_connect_settings).post(set_connect_settings),
        )
        .route("/identity-center", get(ic::get_state))
        .route(
            "/identity-center/identity-source",
            axum::routing::put(ic::put_identity_source).delete(ic::delete_identity_source),
        )
        .route(
            "/identity-center/applications",
            post(ic::create_application),
        )
        .route(
            "/identity-center/applications/{app}",
            axum::routing::put(ic::update_application).delete(ic::delete_application),
        )
}
