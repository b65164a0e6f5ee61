use time::OffsetDateTime;

use crate::{Error, SigningKey};

/// A SAML attribute: name and values (in order).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attribute {
    /// `Attribute/@Name`, e.g. `https://aws.amazon.com/SAML/Attributes/Role`.
    pub name: String,
    /// Character content of each `AttributeValue`, in document order (comments excluded).
    pub values: Vec<String>,
}

/// Everything an IdP puts in a Response. [`sign_response`] turns it into signed XML.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    /// Response `ID` (must start with a letter or `_`); Entra uses `_` + GUID.
    pub response_id: String,
    /// Assertion `ID`.
    pub assertion_id: String,
    /// Issuer of Response and Assertion (Entra: `https://sts.windows.net/{tenant}/`).
    pub issuer: String,
    /// Response `Destination` and bearer `Recipient` (the ACS URL).
    pub destination: String,
    /// `InResponseTo` (SP-initiated only).
    pub in_response_to: Option<String>,
    /// `IssueInstant` of both.
    pub issue_instant: OffsetDateTime,
    /// `NameID` value.
    pub name_id: String,
    /// `NameID/@Format`.
    pub name_id_format: String,
    /// `AudienceRestriction/Audience` values.
    pub audiences: Vec<String>,
    /// `Conditions/@NotBefore`.
    pub not_before: OffsetDateTime,
    /// `Conditions/@NotOnOrAfter` and bearer `SubjectConfirmationData/@NotOnOrAfter`.
    pub not_on_or_after: OffsetDateTime,
    /// `AuthnStatement/@AuthnInstant`.
    pub authn_instant: OffsetDateTime,
    /// `AuthnStatement/@SessionIndex`.
    pub session_index: Option<String>,
    /// `AuthnContextClassRef` (Entra: `urn:oasis:names:tc:SAML:2.0:ac:classes:Password`).
    pub authn_context_class: String,
    /// Attributes, in order.
    pub attributes: Vec<Attribute>,
}

/// How to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignOptions {
    /// Use RSA-SHA1 and SHA-1 digests instead of SHA-256 (Entra offers this per app).
    pub sha1: bool,
    /// Put an enveloped signature on the Assertion (Entra's default).
    pub sign_assertion: bool,
    /// Put an enveloped signature on the Response (over the already signed Assertion).
    pub sign_response: bool,
    /// Include `KeyInfo/X509Data/X509Certificate` (Entra does).
    pub include_key_info: bool,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self {
            sha1: false,
            sign_assertion: true,
            sign_response: false,
            include_key_info: true,
        }
    }
}

/// Build the Response XML (UTF-8, no XML declaration) and sign it as `options` say,
/// with exclusive c14n and an enveloped signature placed after the `Issuer`.
pub fn sign_response(
    spec: &ResponseSpec,
    key: &SigningKey,
    options: SignOptions,
) -> Result<String, Error> {
    todo!("{spec:?} {key:?} {options:?}")
}
