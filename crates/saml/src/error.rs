use std::fmt;

/// Everything that can go wrong in this crate.
///
/// Rejections of untrusted input (a response that must not be accepted) are in
/// [`Rejection`]; the other variants are caller errors or bad local material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SAML message was rejected; the variant says why.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// IdP or SP metadata could not be used.
    #[error("invalid metadata: {0}")]
    Metadata(String),
    /// A certificate or key could not be read.
    #[error("invalid certificate or key: {0}")]
    Key(String),
    /// A binding (base64, deflate, HAR) could not be decoded.
    #[error("could not decode {what}: {detail}")]
    Decode {
        /// What was being decoded (e.g. "SAMLResponse form field", "HAR file").
        what: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// Building or signing a message failed (a bug or bad input from the caller).
    #[error("could not build SAML message: {0}")]
    Build(String),
}

/// Why a SAML Response (or a bare Assertion) was rejected.
///
/// Each variant is one class of defect; `Display` is a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// Not well-formed XML, not namespace-well-formed, or uses a DTD / entity declaration.
    #[error("the message is not acceptable XML: {0}")]
    Malformed(String),
    /// The document crossed one of the limits every XML from outside is held to (size,
    /// depth, attributes, namespaces, nodes); it was refused before being parsed.
    #[error("the message is refused before parsing: {0}")]
    Limit(#[from] crate::limits::XmlLimit),
    /// The XML declaration names an encoding other than UTF-8. Messages are read as UTF-8, so
    /// reading on would see other characters than a conforming parser does.
    #[error(
        "the message declares encoding {0:?}; only UTF-8 is accepted (SAML messages are UTF-8, and reading it as UTF-8 would see other characters than the sender meant)"
    )]
    Encoding(String),
    /// A DTD or entity declaration was present (XXE class).
    #[error("the message contains a DTD or entity declaration, which SAML forbids")]
    Dtd,
    /// The root is not a `samlp:Response` (or, where allowed, a `saml:Assertion`).
    #[error("the root element is {found}, expected samlp:Response")]
    NotAResponse {
        /// The root element found, as `{namespace}local`.
        found: String,
    },
    /// `Status/StatusCode/@Value` is not Success.
    #[error("the IdP reported status {0}, not Success")]
    StatusNotSuccess(String),
    /// The document does not hold exactly one Assertion as a direct child of the Response.
    #[error(
        "the response holds {count} assertion{}; exactly one is accepted",
        if *count == 1 { "" } else { "s" }
    )]
    AssertionCount {
        /// How many `saml:Assertion` elements the whole document holds.
        count: usize,
    },
    /// The document's only Assertion is not a `saml:Assertion` directly in the Response (a
    /// look-alike namespace, or nested elsewhere).
    #[error(
        "the response's only assertion is {found}, not a saml:Assertion ({}) directly in the Response",
        crate::ns::ASSERTION
    )]
    AssertionMisplaced {
        /// The element found, as `{namespace}Assertion in <parent>`.
        found: String,
    },
    /// `EncryptedAssertion` is present but no decryption key was configured.
    #[error("the assertion is encrypted and no decryption key is configured")]
    Encrypted,
    /// Two elements share an `ID`.
    #[error("the ID {0:?} is used by more than one element")]
    DuplicateId(String),
    /// No signature covers the Assertion.
    #[error(
        "the assertion is not signed (neither it nor the Response carries a signature that covers it)"
    )]
    Unsigned,
    /// A Signature's Reference does not point at its parent element, or there is not exactly one Reference.
    #[error("a signature does not reference the element it sits in: {0}")]
    BadReference(String),
    /// A Reference digest does not match the canonicalised content (content altered after signing).
    #[error("the signed content was changed after signing (digest mismatch on {0})")]
    DigestMismatch(String),
    /// Every trusted certificate's RSA key is too small to be trusted.
    #[error(
        "the trusted certificate's RSA key is {bits} bits; keys under 1024 bits are refused (AWS requires at least 1024, and 2048 is usual), so the signature was not checked"
    )]
    WeakKey {
        /// The largest key size among the trusted certificates.
        bits: usize,
    },
    /// `SignatureValue` does not verify with any trusted certificate.
    #[error("the signature does not verify with any trusted certificate")]
    BadSignature,
    /// A `ds:Signature` element is incomplete or holds unexpected elements (no SignedInfo,
    /// no DigestValue, a `ds:Object`, …).
    #[error("a signature element is incomplete or malformed: {0}")]
    MalformedSignature(String),
    /// The signature or a transform uses an algorithm we do not accept.
    #[error("unsupported or disallowed algorithm {0}")]
    Algorithm(String),
    /// SHA-1 was used and the caller did not allow it.
    #[error("the signature uses SHA-1 ({0}); pass --allow-sha1 to accept it")]
    Sha1NotAllowed(String),
    /// A required element or attribute is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// The Issuer is not the expected entity ID.
    #[error("issuer {found:?} is not the expected {expected:?}")]
    Issuer {
        /// The expected entity ID.
        expected: String,
        /// The issuer found in the message.
        found: String,
    },
    /// `now` is before `NotBefore` (minus skew).
    #[error("not yet valid: {element} NotBefore is {not_before}, now is {now}")]
    NotYetValid {
        /// Which element carried the bound (`Conditions`, `SubjectConfirmationData`).
        element: &'static str,
        /// The bound, as in the message.
        not_before: String,
        /// The verifier's clock.
        now: String,
    },
    /// `now` is at or after `NotOnOrAfter` (plus skew).
    #[error("expired: {element} NotOnOrAfter is {not_on_or_after}, now is {now}")]
    Expired {
        /// Which element carried the bound.
        element: &'static str,
        /// The bound, as in the message.
        not_on_or_after: String,
        /// The verifier's clock.
        now: String,
    },
    /// The expected audience is not in any `AudienceRestriction`.
    #[error("audience {expected:?} is not among the assertion's audiences {found:?}")]
    Audience {
        /// The SP entity ID expected.
        expected: String,
        /// The audiences the assertion lists.
        found: Vec<String>,
    },
    /// No bearer SubjectConfirmation with the right Recipient, or Destination mismatch.
    #[error("recipient mismatch: expected {expected:?}, found {found:?}")]
    Recipient {
        /// The ACS URL expected.
        expected: String,
        /// What the message says (Recipient or Destination).
        found: String,
    },
    /// The NameID is missing or empty.
    #[error("the assertion has no NameID, or it is empty")]
    EmptyNameId,
}

/// A redacting wrapper used in `Debug` impls of secret material.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}
