//! The rules AWS sign-in and STS `AssumeRoleWithSAML` apply to a verified assertion
//! (FACTS.md §3). A layer on top of [`crate::verify_response`]: each failure carries the
//! message AWS gives, so that our errors match what users see in the console.

use crate::VerifiedAssertion;

/// AWS sign-in endpoint (global ACS and default audience).
pub const SIGNIN_URL: &str = "https://signin.aws.amazon.com/saml";
/// Audience of IAM Identity Center's Amazon Connect application.
pub const AUDIENCE_URN: &str = "urn:amazon:webservices";
/// Attribute name carrying `role,provider` pairs (case-sensitive).
pub const ATTR_ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// Attribute name carrying the role session name.
pub const ATTR_ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
/// Attribute name carrying the session duration in seconds.
pub const ATTR_SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";

/// Regional sign-in URL, e.g. `https://us-east-1.signin.aws.amazon.com/saml`.
pub fn regional_signin_url(region: &str) -> String {
    format!("https://{region}.signin.aws.amazon.com/saml")
}

/// One value of the Role attribute: a role ARN and a SAML provider ARN.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RolePair {
    /// `arn:aws:iam::<acct>:role/<name>`.
    pub role_arn: String,
    /// `arn:aws:iam::<acct>:saml-provider/<name>`.
    pub provider_arn: String,
}

/// What AWS takes from an accepted assertion.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AwsSignIn {
    /// Role pairs offered (more than one → AWS shows a role chooser).
    pub roles: Vec<RolePair>,
    /// The RoleSessionName (becomes the Connect username).
    pub role_session_name: String,
    /// SessionDuration in seconds, if given.
    pub session_duration: Option<u32>,
}

/// Why AWS would refuse an assertion that is otherwise valid SAML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AwsRejection {
    /// The Role attribute is missing, empty, or a value is not a `role,provider` ARN pair.
    #[error("Your request included an invalid SAML response. {detail}")]
    InvalidRole {
        /// What exactly is wrong (our addition; AWS says only the first sentence).
        detail: String,
    },
    /// RoleSessionName is missing.
    #[error("RoleSessionName is required in AuthnResponse")]
    RoleSessionNameMissing,
    /// RoleSessionName does not match the pattern.
    #[error("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{{2,64}} (got {0:?})")]
    RoleSessionNameInvalid(String),
    /// SessionDuration outside 900–43200 or not a number.
    #[error("SessionDuration must be a number of seconds between 900 and 43200 (got {0:?})")]
    SessionDurationInvalid(String),
    /// Audience is not an AWS sign-in audience.
    #[error(
        "Your request included an invalid SAML response. The audience must be {SIGNIN_URL} or {AUDIENCE_URN} (got {0:?})"
    )]
    Audience(Vec<String>),
    /// Recipient is not an AWS sign-in endpoint.
    #[error(
        "Your request included an invalid SAML response. The Recipient must be an AWS sign-in endpoint (got {0:?})"
    )]
    Recipient(String),
}

/// Apply AWS's attribute rules to a verified assertion.
pub fn check(assertion: &VerifiedAssertion) -> Result<AwsSignIn, AwsRejection> {
    todo!("{assertion:?}")
}

/// True when `name` matches `[\w+=,.@-]{2,64}` (the RoleSessionName rule).
pub fn is_valid_role_session_name(name: &str) -> bool {
    let n = name.chars().count();
    (2..=64).contains(&n)
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}
