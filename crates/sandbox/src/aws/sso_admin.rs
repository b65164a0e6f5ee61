//! IAM Identity Center admin (`sso-admin`, awsJson1.1, `X-Amz-Target: SWBExternalService.<Op>`):
//! a minimal account with no Identity Center instance. `ListInstances` and `ListApplications`
//! answer empty lists so that a client can tell "Identity Center not enabled" apart from an
//! error; every other operation answers `ResourceNotFoundException` for lack of an instance.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::AwsError;
use super::ops::{Operation, operation};
use crate::State;

/// An operation's answer.
type Answer = fn() -> Value;

/// The operations answered (name → answer); see OPERATIONS.md.
pub const OPERATIONS: &[Operation<Answer>] = &[
    operation!("ListInstances", list_instances),
    operation!("ListApplications", list_applications),
];

fn list_instances() -> Value {
    json!({ "Instances": [] })
}

fn list_applications() -> Value {
    json!({ "Applications": [] })
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
        let input: Value = serde_json::from_slice(&body).unwrap_or_else(|_| json!({}));
        match OPERATIONS.iter().find(|o| o.name == op) {
            Some(o) => {
                super::model::validate_request("sso-admin", o.name, &input)?;
                let answer = (o.run)();
                super::model::debug_check("sso-admin", o.name, Ok(Some(&answer)));
                Ok(super::json_answer(StatusCode::OK, "application/x-amz-json-1.1", &answer))
            }
            None if op.is_empty() => Err(AwsError::bad_request(
                "UnknownOperationException",
                "Missing X-Amz-Target.",
            )),
            None => Err(AwsError::bad_request(
                "ResourceNotFoundException",
                format!(
                    "{op}: IAM Identity Center is not enabled in the sandbox account (no instance exists)."
                ),
            )),
        }
    }
    .await;
    result.unwrap_or_else(AwsError::into_aws_json)
}
