//! SAML 2.0 and XML-DSig in pure Rust, for single sign-on into Amazon Connect.
//!
//! This crate does no I/O: callers pass bytes in and get values out, and the clock is
//! always injected (`now` arguments). Reading uses `roxmltree` with DTDs refused; writing
//! uses `quick-xml`; RSA and digests come from `aws-lc-rs`.
//!
//! The main entry points:
//! - [`IdpMetadata`]: parse and write IdP metadata (entity ID, signing certificates, SSO endpoints).
//! - [`ResponseSpec`] + [`sign_response`]: build and sign a `samlp:Response` (as an IdP does).
//! - [`verify_response`]: verify a Response against pinned certificates and return only the
//!   data of the signed Assertion ([`VerifiedAssertion`]).
//! - [`aws`]: the rules AWS sign-in and STS apply on top (Role pairs, RoleSessionName, …).
//! - [`binding`]: decode the HTTP-POST and HTTP-Redirect bindings, or find a SAMLResponse in a HAR file.
//! - [`inspect()`]: read what a response says without trusting it.

pub mod aws;
pub mod binding;
mod c14n;
mod cert;
mod dsig;
mod error;
pub mod inspect;
pub mod limits;
mod metadata;
mod request;
mod response;
mod verify;
mod xml;

pub use c14n::canonicalize_exclusive;
pub use cert::{Certificate, SigningKey};
pub use error::{Error, Rejection};
pub use inspect::{Inspection, inspect};
pub use limits::{XmlLimit, XmlLimits};
pub use metadata::{Endpoint, IdpMetadata, SpMetadata, sign_metadata};
pub use request::AuthnRequest;
pub use response::{Attribute, ResponseSpec, SignOptions, sign_response, sign_response_xml};
pub use verify::{
    SignatureAlgorithm, SignedPart, VerifiedAssertion, VerifyOptions, verify_response,
};
pub use xml::format_instant;

/// Well-known URIs of SAML 2.0 and XML-DSig.
pub mod ns {
    /// `urn:oasis:names:tc:SAML:2.0:protocol` (samlp).
    pub const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
    /// `urn:oasis:names:tc:SAML:2.0:assertion` (saml).
    pub const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
    /// `urn:oasis:names:tc:SAML:2.0:metadata` (md).
    pub const METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
    /// `http://www.w3.org/2000/09/xmldsig#` (ds).
    pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
    /// Status code of a successful Response.
    pub const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
    /// Bearer subject confirmation method.
    pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
    /// HTTP-POST binding.
    pub const BINDING_HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    /// HTTP-Redirect binding.
    pub const BINDING_HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
    /// NameID format: persistent.
    pub const NAMEID_PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    /// NameID format: email address.
    pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    /// NameID format: unspecified.
    pub const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
    /// Exclusive canonicalisation without comments.
    pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    /// Enveloped-signature transform.
    pub const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    /// RSA-SHA256 signature method.
    pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    /// RSA-SHA1 signature method.
    pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    /// SHA-256 digest method.
    pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    /// SHA-1 digest method.
    pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
}
