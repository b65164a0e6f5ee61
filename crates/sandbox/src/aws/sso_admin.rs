//! IAM Identity Center admin (`sso-admin`, awsJson1.1, `X-Amz-Target: SWBExternalService.<Op>`):
//! a minimal account with no Identity Center instance. `ListInstances` and `ListApplications`
//! answer empty lists so that a client can tell "Identity Center not enabled" apart from an
//! error; every other operation answers `ResourceNotFoundException` for lack of an instance.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AwsError;
use crate::State;

fn json(body: serde_json::Value) -> Response {
    let mut r = (StatusCode::OK, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    r
}

/// `POST /aws/sso-admin/` (SigV4 with signing name `sso`).
pub async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 1024 * 1024).await else {
        return AwsError::bad_request("ValidationException", "Request body too large.")
            .into_aws_json();
    };
    let op = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix("SWBExternalService."))
        .unwrap_or("")
        .to_string();
    let result = async {
        super::authenticate(&state, "sso", &parts, &body)?;
        super::throttle_and_faults(&state, "sso-admin", &op).await?;
        match op.as_str() {
            "ListInstances" => Ok(json(serde_json::json!({ "Instances": [] }))),
            "ListApplications" => Ok(json(serde_json::json!({ "Applications": [] }))),
            "" => Err(AwsError::bad_request(
                "UnknownOperationException",
                "Missing X-Amz-Target.",
            )),
            other => Err(AwsError::new(
                StatusCode::BAD_REQUEST,
                "ResourceNotFoundException",
                format!(
                    "{other}: IAM Identity Center is not enabled in the sandbox account (no instance exists)."
                ),
            )),
        }
    }
    .await;
    result.unwrap_or_else(AwsError::into_aws_json)
}
