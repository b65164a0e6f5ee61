//! The error every AWS service of the sandbox answers with, in the two wire shapes the real
//! services use: awsQuery XML (IAM, STS) and restJson1 / awsJson (Connect, Identity Center).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An AWS service error: HTTP status, error code (`NoSuchEntity`, `TooManyRequestsException`, …)
/// and message. Convert it with [`AwsError::into_query`] (awsQuery XML) or
/// [`AwsError::into_rest_json`] (restJson1; also the [`IntoResponse`] default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// HTTP status.
    pub status: StatusCode,
    /// Error code as the real service sends it.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Close the connection instead of answering (fault injection).
    pub(crate) drop_connection: bool,
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code,
            self.status.as_u16(),
            self.message
        )
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    /// Any error.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            drop_connection: false,
        }
    }
    /// 400 with the given code (a client error).
    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    /// 400 `ValidationError` (awsQuery spelling).
    pub fn validation(message: impl Into<String>) -> Self {
        Self::bad_request("ValidationError", message)
    }
    /// 400 `InvalidInput` (IAM).
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::bad_request("InvalidInput", message)
    }
    /// 404 `NoSuchEntity` (IAM).
    pub fn no_such_entity(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NoSuchEntity", message)
    }
    /// 409 `EntityAlreadyExists` (IAM).
    pub fn entity_already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "EntityAlreadyExists", message)
    }
    /// 409 `DeleteConflict` (IAM).
    pub fn delete_conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "DeleteConflict", message)
    }
    /// 400 `MalformedPolicyDocument` (IAM, STS).
    pub fn malformed_policy(message: impl Into<String>) -> Self {
        Self::bad_request("MalformedPolicyDocument", message)
    }
    /// 403 `AccessDenied` (awsQuery) — use [`AwsError::access_denied_json`] for restJson1 services.
    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDenied", message)
    }
    /// 403 `AccessDeniedException` (restJson1 services such as Connect).
    pub fn access_denied_json(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDeniedException", message)
    }
    /// 500 `ServiceFailure` / `InternalFailure`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            message,
        )
    }
    /// An error that closes the connection without any answer (fault injection).
    pub fn dropped_connection() -> Self {
        Self {
            drop_connection: true,
            ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, "ConnectionDropped", "")
        }
    }
    /// True when this error means "close the socket, answer nothing".
    pub fn is_dropped_connection(&self) -> bool {
        self.drop_connection
    }

    /// The awsQuery error document (as IAM and STS send it) with the service's XML namespace,
    /// e.g. `https://iam.amazonaws.com/doc/2010-05-08/`.
    pub fn query_xml(&self, namespace: &str, request_id: &str) -> String {
        let kind = if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        };
        format!(
            "<ErrorResponse xmlns=\"{}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
            crate::markup_escape(namespace),
            crate::markup_escape(&self.code),
            crate::markup_escape(&self.message),
            crate::markup_escape(request_id),
        )
    }

    /// Answer in awsQuery shape (`text/xml`, `<ErrorResponse>`).
    pub fn into_query(self, namespace: &str) -> Response {
        if self.drop_connection {
            return dropped_response();
        }
        super::query::xml_answer(self.status, |id| self.query_xml(namespace, id))
    }

    /// Answer in restJson1 shape: `x-amzn-ErrorType: <code>` header and `{"Message": …}` body
    /// (the member the models' error shapes name).
    pub fn into_rest_json(self) -> Response {
        if self.drop_connection {
            return dropped_response();
        }
        let body = serde_json::json!({ "Message": self.message });
        let mut resp = json_answer(self.status, "application/json", &body);
        if let Ok(v) = HeaderValue::from_str(&self.code) {
            resp.headers_mut().insert("x-amzn-errortype", v);
        }
        resp
    }

    /// Answer in awsJson1.x shape (Identity Center): `{"__type": code, "Message": …}`.
    pub fn into_aws_json(self) -> Response {
        if self.drop_connection {
            return dropped_response();
        }
        let body = serde_json::json!({ "__type": self.code, "Message": self.message });
        json_answer(self.status, "application/x-amz-json-1.1", &body)
    }
}

/// A JSON answer (restJson1 or awsJson) with its `x-amzn-RequestId`, as every AWS answer has.
pub fn json_answer(
    status: StatusCode,
    content_type: &'static str,
    body: &serde_json::Value,
) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert("x-amzn-requestid", v);
    }
    resp
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        self.into_rest_json()
    }
}

/// A response whose body fails at once: hyper then closes the connection, so the client sees
/// the connection drop (an I/O error it may retry), never a well-formed answer.
fn dropped_response() -> Response {
    let body = axum::body::Body::new(FailingBody);
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    resp
}

struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault: connection dropped",
        ))))
    }
}
