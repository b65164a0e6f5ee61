//! Amazon Connect's errors (restJson1 `x-amzn-ErrorType`): a code, answered with the HTTP
//! status the Connect model (`connect-2017-08-08`) gives the code's shape, and a message.

use axum::http::StatusCode;

use crate::aws::{AwsError, model};

/// Shorthand for results of Connect operations.
pub type ConnectResult<T> = Result<T, AwsError>;

/// The error `code` (`ResourceNotFoundException`, …) with its model status (400 where the
/// model gives none, as for `SerializationException`).
pub fn error(code: &str, message: impl Into<String>) -> AwsError {
    let shape = model::of("connect").and_then(|m| m.shape(code));
    let status = shape.and_then(|s| s["error"]["httpStatusCode"].as_u64());
    let status = status.and_then(|s| StatusCode::from_u16(u16::try_from(s).ok()?).ok());
    AwsError::new(status.unwrap_or(StatusCode::BAD_REQUEST), code, message)
}

/// `InvalidParameterException`: a parameter is malformed or out of range.
pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    error("InvalidParameterException", message)
}

/// `InvalidRequestException`: not valid in this state or for this identity management type.
pub fn invalid_request(message: impl Into<String>) -> AwsError {
    error("InvalidRequestException", message)
}

/// `ResourceNotFoundException`: the instance, user or profile does not exist.
pub fn not_found(message: impl Into<String>) -> AwsError {
    error("ResourceNotFoundException", message)
}
