//! The `identitystore` API (awsJson1.1, `X-Amz-Target: AWSIdentityStore.<Op>`).

use std::sync::Arc;

use axum::response::Response;

use crate::State;
use crate::aws::AwsError;

/// `POST /aws/identitystore` (SigV4 with signing name `identitystore`).
pub async fn handle(
    axum::extract::State(_state): axum::extract::State<Arc<State>>,
    _req: axum::extract::Request,
) -> Response {
    AwsError::bad_request("UnknownOperationException", "Not yet.").into_aws_json()
}
