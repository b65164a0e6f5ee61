//! Read what a SAML response says without trusting it: for `connect-sso saml inspect` and
//! for `doctor`. Nothing here is verified; warnings point at what AWS would refuse.

use crate::{Attribute, Error};

/// One `ds:Signature` in the document and what it claims to cover.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureInfo {
    /// Local name and ID of the element the signature sits in (e.g. `Assertion #_abc`).
    pub parent: String,
    /// Reference URIs.
    pub references: Vec<String>,
    /// SignatureMethod algorithm URI.
    pub signature_method: String,
    /// DigestMethod algorithm URIs.
    pub digest_methods: Vec<String>,
    /// Certificates in KeyInfo, as SHA-1 thumbprints (untrusted; for comparison with metadata).
    pub key_info_thumbprints: Vec<String>,
}

/// A problem found while inspecting, worded for a person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Short machine-readable kind, e.g. `role-attribute-missing`.
    pub kind: String,
    /// What is wrong and what AWS would do.
    pub message: String,
}

/// What a response says (untrusted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Inspection {
    /// Response `ID`, `Destination`, `IssueInstant`, `InResponseTo`, status.
    pub response_id: Option<String>,
    /// Response Destination.
    pub destination: Option<String>,
    /// Response IssueInstant.
    pub issue_instant: Option<String>,
    /// Response InResponseTo.
    pub in_response_to: Option<String>,
    /// StatusCode value(s), outermost first.
    pub status: Vec<String>,
    /// Issuer (Assertion's, else Response's).
    pub issuer: Option<String>,
    /// NameID and its format.
    pub subject: Option<String>,
    /// NameID format.
    pub name_id_format: Option<String>,
    /// Audiences.
    pub audiences: Vec<String>,
    /// Conditions NotBefore / NotOnOrAfter.
    pub not_before: Option<String>,
    /// Conditions NotOnOrAfter.
    pub not_on_or_after: Option<String>,
    /// Bearer SubjectConfirmationData Recipient / NotOnOrAfter.
    pub recipient: Option<String>,
    /// Bearer NotOnOrAfter.
    pub subject_not_on_or_after: Option<String>,
    /// Attributes of the (first) Assertion.
    pub attributes: Vec<Attribute>,
    /// Number of Assertions in the document.
    pub assertion_count: usize,
    /// Signatures found.
    pub signatures: Vec<SignatureInfo>,
    /// AWS-specific and structural warnings.
    pub warnings: Vec<Warning>,
}

/// Inspect a response (XML bytes).
pub fn inspect(xml: &[u8]) -> Result<Inspection, Error> {
    todo!("{}", xml.len())
}
