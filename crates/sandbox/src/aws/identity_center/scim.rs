//! SCIM 2.0 endpoint of the identity store (to be written).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::State;

/// Routes under `/aws/identity-center/scim/v2` (stub: none yet).
pub fn router() -> axum::Router<Arc<State>> {
    axum::Router::new()
}

/// `POST /aws/_admin/identity-center/provisioning` (stub: 501 until SCIM is written).
pub async fn enable_provisioning(
    axum::extract::State(_state): axum::extract::State<Arc<State>>,
) -> Response {
    (
        StatusCode::NOT_IMPLEMENTED,
        axum::Json(serde_json::json!({"error": "SCIM provisioning is not written yet"})),
    )
        .into_response()
}
