use time::{Duration, OffsetDateTime};

use crate::{Attribute, Certificate, Error};

/// What a verifier checks, and against what.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Pinned certificates: a signature must verify with one of these. `KeyInfo` is never trusted.
    pub trusted_certificates: Vec<Certificate>,
    /// Expected Issuer (metadata `entityID`); `None` skips the issuer comparison
    /// (the Assertion must still carry an Issuer).
    pub expected_issuer: Option<String>,
    /// SP entity ID that must be among the Audiences; `None` skips.
    pub audience: Option<String>,
    /// ACS URL that the bearer Recipient (and Destination, when present) must equal; `None` skips.
    pub recipient: Option<String>,
    /// The verifier's clock.
    pub now: OffsetDateTime,
    /// Tolerated clock skew, applied to every time bound (FACTS.md §3: default 5 minutes).
    pub skew: Duration,
    /// Accept RSA-SHA1 signatures and SHA-1 digests (then reported in [`VerifiedAssertion::sha1_used`]).
    pub allow_sha1: bool,
    /// Accept a bare signed `saml:Assertion` as the document (a token, not a Response).
    pub allow_bare_assertion: bool,
}

impl VerifyOptions {
    /// Options with the given trust anchors and clock, default skew (5 min), nothing else checked.
    pub fn new(trusted_certificates: Vec<Certificate>, now: OffsetDateTime) -> Self {
        Self {
            trusted_certificates,
            expected_issuer: None,
            audience: None,
            recipient: None,
            now,
            skew: Duration::minutes(5),
            allow_sha1: false,
            allow_bare_assertion: false,
        }
    }
}

/// Which element a verified signature covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedPart {
    /// The `samlp:Response` (and so everything in it).
    Response,
    /// The `saml:Assertion`.
    Assertion,
}

/// The signature algorithm of a verified signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-1 (only when allowed).
    RsaSha1,
}

/// What a verified Response says. Every field is read from the signed Assertion, after
/// canonicalisation, with comments dropped: nothing comes from unsigned or duplicated nodes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedAssertion {
    /// Assertion `Issuer`.
    pub issuer: String,
    /// `NameID` character content (comments excluded; nothing trimmed).
    pub subject: String,
    /// `NameID/@Format`, if any.
    pub name_id_format: Option<String>,
    /// Attributes in document order.
    pub attributes: Vec<Attribute>,
    /// `AudienceRestriction/Audience` values.
    pub audiences: Vec<String>,
    /// Response `Destination`, if any.
    pub destination: Option<String>,
    /// Recipient of the bearer SubjectConfirmation that matched.
    pub recipient: Option<String>,
    /// `Conditions/@NotBefore`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_before: Option<OffsetDateTime>,
    /// `Conditions/@NotOnOrAfter`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_on_or_after: Option<OffsetDateTime>,
    /// `AuthnStatement/@SessionIndex`, if any.
    pub session_index: Option<String>,
    /// The elements whose signatures verified.
    pub signed_parts: Vec<SignedPart>,
    /// The algorithm of the signature(s) that verified.
    pub algorithm: SignatureAlgorithm,
    /// True when SHA-1 was used anywhere in a verified signature (allowed by the caller).
    pub sha1_used: bool,
    /// SHA-1 thumbprint of the pinned certificate that verified the signature.
    pub signing_certificate_thumbprint: String,
}

impl VerifiedAssertion {
    /// Values of the attribute with exactly this name (case-sensitive), if present.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.as_slice())
    }
}

/// Verify a SAML Response (bytes as received, after base64 decoding) and return what its
/// signed Assertion says. See the crate docs and `shared/vectors/saml/README.md` for the rules.
pub fn verify_response(xml: &[u8], options: &VerifyOptions) -> Result<VerifiedAssertion, Error> {
    todo!("{} {options:?}", xml.len())
}
