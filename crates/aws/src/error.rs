use aws_sdk_iam::error::ProvideErrorMetadata;

/// What can go wrong talking to AWS.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An AWS API call failed (after the SDK's retries).
    #[error("AWS {service} {operation} failed: {code}: {message}")]
    Api {
        /// Service, e.g. `IAM`.
        service: &'static str,
        /// Operation, e.g. `CreateRole`.
        operation: &'static str,
        /// Error code, e.g. `EntityAlreadyExists`, `AccessDenied`.
        code: String,
        /// The service's message.
        message: String,
    },
    /// An answer lacked something we need.
    #[error("AWS {service} {operation} answered without {what}")]
    Incomplete {
        /// Service.
        service: &'static str,
        /// Operation.
        operation: &'static str,
        /// What was missing.
        what: &'static str,
    },
    /// A document (policy, metadata) could not be read.
    #[error("could not read {what}: {detail}")]
    Document {
        /// What.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// A rate limit for the pacer made no sense (see [`crate::pacer::Limit::new`]).
    #[error("invalid rate limit: {detail}")]
    InvalidLimit {
        /// What is wrong with it.
        detail: String,
    },
    /// The request never reached AWS: no credentials, or no network path to the endpoint.
    #[error("AWS {service} {operation} could not be sent: {detail}")]
    NotSent {
        /// Service.
        service: &'static str,
        /// Operation.
        operation: &'static str,
        /// What the SDK said (its whole chain).
        detail: String,
    },
    /// Waiting for something took too long.
    #[error("{what} was not ready after {seconds} s")]
    Timeout {
        /// What.
        what: String,
        /// How long we waited.
        seconds: u64,
    },
}

impl Error {
    /// The AWS error code, when the failure came from the API.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// A hint for a person, where the code has a usual cause.
    pub fn hint(&self) -> Option<&'static str> {
        if let Error::NotSent { detail, .. } = self {
            return Some(if detail.contains("credentials") {
                "no AWS credentials were found: set AWS_PROFILE (after `aws sso login`), or \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            } else {
                "check the network path to AWS (proxy, DNS, firewall) and the Region"
            });
        }
        match self.code()? {
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => Some(
                "the AWS credentials lack a permission: they need IAM (SAML providers, roles, role policies) \
                 and Amazon Connect (instances, users) administration rights",
            ),
            "ExpiredToken" | "ExpiredTokenException" => {
                Some("the AWS session expired: sign in again (aws sso login)")
            }
            "InvalidClientTokenId" | "UnrecognizedClientException" | "SignatureDoesNotMatch" => {
                Some("the AWS credentials are not valid for this account or endpoint")
            }
            _ => None,
        }
    }
}

/// Convert an SDK error into [`Error::Api`], keeping the code and message.
pub(crate) fn api<E>(service: &'static str, operation: &'static str, err: E) -> Error
where
    E: ProvideErrorMetadata + std::fmt::Display,
{
    Error::Api {
        service,
        operation,
        code: err.code().unwrap_or("Unknown").to_string(),
        message: err
            .message()
            .map(str::to_string)
            .unwrap_or_else(|| err.to_string()),
    }
}

/// An error and its sources, each once, as `a: b: c` (their `Display`s only).
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// Convert any SDK failure: a request that never left (credentials, connection) becomes
/// [`Error::NotSent`] with the SDK's whole explanation; an answer becomes [`Error::Api`].
pub(crate) fn sdk<E, R>(
    service: &'static str,
    operation: &'static str,
    err: aws_sdk_iam::error::SdkError<E, R>,
) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    use aws_sdk_iam::error::SdkError;
    match err {
        SdkError::ServiceError(e) => api(service, operation, e.into_err()),
        other => Error::NotSent {
            service,
            operation,
            detail: chain(&other),
        },
    }
}
