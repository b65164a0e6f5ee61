//! Amazon Connect's error codes (restJson1 `x-amzn-ErrorType`), as modelled in the Connect API
//! reference (`connect-2017-08-08`): each variant carries the message the emulator sends.

/// An error answer from the emulated Connect API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// 404 `ResourceNotFoundException`: the instance, user or profile does not exist.
    #[error("{0}")]
    ResourceNotFound(String),
    /// 400 `InvalidParameterException`: a parameter is malformed or out of range.
    #[error("{0}")]
    InvalidParameter(String),
    /// 400 `InvalidRequestException`: the request is not valid in this state or for this
    /// instance's identity management type.
    #[error("{0}")]
    InvalidRequest(String),
    /// 409 `DuplicateResourceException`: a resource with that name exists.
    #[error("{0}")]
    DuplicateResource(String),
    /// 404 `UserNotFoundException`: GetFederationToken found no Connect user for the caller.
    #[error("{0}")]
    UserNotFound(String),
    /// 403 `AccessDeniedException`: IAM does not allow the caller this action.
    #[error("{0}")]
    AccessDenied(String),
    /// 400 `SerializationException`: the body is not the JSON the operation takes.
    #[error("{0}")]
    Serialization(String),
}

impl ConnectError {
    /// The restJson1 error code (`x-amzn-ErrorType`).
    pub fn code(&self) -> &'static str {
        match self {
            ConnectError::ResourceNotFound(_) => "ResourceNotFoundException",
            ConnectError::InvalidParameter(_) => "InvalidParameterException",
            ConnectError::InvalidRequest(_) => "InvalidRequestException",
            ConnectError::DuplicateResource(_) => "DuplicateResourceException",
            ConnectError::UserNotFound(_) => "UserNotFoundException",
            ConnectError::AccessDenied(_) => "AccessDeniedException",
            ConnectError::Serialization(_) => "SerializationException",
        }
    }

    /// The HTTP status the Connect model gives the code.
    pub fn status(&self) -> u16 {
        match self {
            ConnectError::ResourceNotFound(_) | ConnectError::UserNotFound(_) => 404,
            ConnectError::InvalidParameter(_)
            | ConnectError::InvalidRequest(_)
            | ConnectError::Serialization(_) => 400,
            ConnectError::DuplicateResource(_) => 409,
            ConnectError::AccessDenied(_) => 403,
        }
    }

    /// The message sent in the body.
    pub fn message(&self) -> &str {
        match self {
            ConnectError::ResourceNotFound(m)
            | ConnectError::InvalidParameter(m)
            | ConnectError::InvalidRequest(m)
            | ConnectError::DuplicateResource(m)
            | ConnectError::UserNotFound(m)
            | ConnectError::AccessDenied(m)
            | ConnectError::Serialization(m) => m,
        }
    }
}

/// Shorthand for results of Connect operations.
pub type ConnectResult<T> = Result<T, ConnectError>;
