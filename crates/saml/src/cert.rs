use std::fmt;

use time::OffsetDateTime;

use crate::Error;

/// An X.509 certificate (DER), as carried in metadata `ds:X509Certificate` elements.
///
/// Certificates are pinned by value: verification uses the public key of a certificate the
/// caller trusts, never one found in the message's `KeyInfo`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Certificate {
    der: Vec<u8>,
}

impl Certificate {
    /// From DER bytes. Fails if the bytes are not an X.509 certificate with an RSA key.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        todo!("parse and validate {}", der.len())
    }
    /// From one PEM block (`-----BEGIN CERTIFICATE-----`), or bare base64 of the DER.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        todo!("{pem}")
    }
    /// From the base64 text of a `ds:X509Certificate` element (whitespace ignored).
    pub fn from_base64(b64: &str) -> Result<Self, Error> {
        todo!("{b64}")
    }
    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// Base64 of the DER on one line, as in `ds:X509Certificate`.
    pub fn to_base64(&self) -> String {
        todo!()
    }
    /// PEM text.
    pub fn to_pem(&self) -> String {
        todo!()
    }
    /// SHA-1 thumbprint in upper-case hex, as Entra shows it (`preferredTokenSigningKeyThumbprint`).
    pub fn thumbprint_sha1(&self) -> String {
        todo!()
    }
    /// SHA-256 fingerprint in lower-case hex.
    pub fn fingerprint_sha256(&self) -> String {
        todo!()
    }
    /// The subject's distinguished name, e.g. `CN=Microsoft Azure Federated SSO Certificate`.
    pub fn subject(&self) -> String {
        todo!()
    }
    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        todo!()
    }
    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        todo!()
    }
    /// Size of the RSA modulus in bits (IAM requires at least 1024).
    pub fn key_bits(&self) -> usize {
        todo!()
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("thumbprint_sha1", &self.thumbprint_sha1())
            .finish()
    }
}

/// An RSA signing key with its certificate: what an IdP signs responses with.
///
/// `Debug` never shows the private key.
pub struct SigningKey {
    /// PKCS#8 DER of the private key (never printed).
    pkcs8: Vec<u8>,
    certificate: Certificate,
}

impl SigningKey {
    /// Generate a fresh RSA-2048 key and a self-signed certificate with subject `CN=<common_name>`,
    /// valid from `not_before` to `not_after` (Entra's default is three years).
    pub fn generate(
        common_name: &str,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<Self, Error> {
        todo!("{common_name} {not_before} {not_after}")
    }
    /// From a PKCS#8 private key PEM and the matching certificate PEM.
    pub fn from_pem(private_key_pem: &str, certificate_pem: &str) -> Result<Self, Error> {
        todo!("{private_key_pem} {certificate_pem}")
    }
    /// The private key as PKCS#8 PEM (for persisting sandbox state; handle as a secret).
    pub fn private_key_pem(&self) -> String {
        todo!("{}", self.pkcs8.len())
    }
    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }
    /// RSA PKCS#1 v1.5 signature over `message` with SHA-256 (or SHA-1 when `sha1`).
    pub fn sign(&self, message: &[u8], sha1: bool) -> Result<Vec<u8>, Error> {
        todo!("{} {sha1}", message.len())
    }
}

impl Clone for SigningKey {
    fn clone(&self) -> Self {
        Self {
            pkcs8: self.pkcs8.clone(),
            certificate: self.certificate.clone(),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("private_key", &crate::error::Redacted)
            .field("certificate", &self.certificate)
            .finish()
    }
}
