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
