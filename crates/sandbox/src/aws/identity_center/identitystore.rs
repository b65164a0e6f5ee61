//! The `identitystore` API (to be written).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;

use crate::State;
use crate::aws::AwsError;

/// `POST /aws/identitystore/` (stub: 501 until the API is written).
pub async fn handle(
    axum::extract::State(_state): axum::extract::State<Arc<State>>,
    _req: axum::extract::Request,
) -> Response {
    AwsError::new(
        StatusCode::NOT_IMPLEMENTED,
        "UnknownOperationException",
        "The sandbox's identitystore API is not written yet.",
    )
    .into_aws_json()
}
