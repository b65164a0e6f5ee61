use std::fmt;
use std::sync::Arc;

use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use time::OffsetDateTime;

use crate::Error;

/// An X.509 certificate (DER), as carried in metadata `ds:X509Certificate` elements.
///
/// Certificates are pinned by value: verification uses the public key of a certificate the
/// caller trusts, never one found in the message's `KeyInfo`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Certificate {
    der: Vec<u8>,
    /// What was read from `der` when the certificate was built (derived data, so equality
    /// and hashing still follow the DER).
    parsed: ParsedCertificate,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct ParsedCertificate {
    subject: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    key_bits: usize,
    /// PKCS#1 `RSAPublicKey` DER, as `aws-lc-rs` verifies with it.
    rsa_public_key: Vec<u8>,
}

/// OID of `rsaEncryption`.
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

impl Certificate {
    /// From DER bytes. Fails if the bytes are not an X.509 certificate with an RSA key.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        let (rest, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|e| Error::Key(format!("not an X.509 certificate ({e})")))?;
        if !rest.is_empty() {
            return Err(Error::Key(
                "trailing bytes after the X.509 certificate".to_string(),
            ));
        }
        let spki = cert.public_key();
        let oid = spki.algorithm.algorithm.to_id_string();
        if oid != OID_RSA_ENCRYPTION {
            return Err(Error::Key(format!(
                "the certificate's key is not RSA (algorithm {oid}); SAML signing here needs an RSA key"
            )));
        }
        let key_bits = match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => rsa.key_size(),
            _ => {
                return Err(Error::Key(
                    "the certificate's RSA public key cannot be read".to_string(),
                ));
            }
        };
        let validity = cert.validity();
        let parsed = ParsedCertificate {
            subject: cert.subject().to_string(),
            not_before: validity.not_before.to_datetime(),
            not_after: validity.not_after.to_datetime(),
            key_bits,
            rsa_public_key: spki.subject_public_key.data.to_vec(),
        };
        Ok(Self {
            der: der.to_vec(),
            parsed,
        })
    }
    /// From one PEM block (`-----BEGIN CERTIFICATE-----`), or bare base64 of the DER.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let der = if pem.contains("-----BEGIN") {
            pem_block(pem, "CERTIFICATE")?
        } else {
            decode_base64_loose(pem)?
        };
        Self::from_der(&der)
    }
    /// From the base64 text of a `ds:X509Certificate` element (whitespace ignored).
    pub fn from_base64(b64: &str) -> Result<Self, Error> {
        Self::from_der(&decode_base64_loose(b64)?)
    }
    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// Base64 of the DER on one line, as in `ds:X509Certificate`.
    pub fn to_base64(&self) -> String {
        B64.encode(&self.der)
    }
    /// PEM text.
    pub fn to_pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.der)
    }
    /// SHA-1 thumbprint in upper-case hex, as Entra shows it (`preferredTokenSigningKeyThumbprint`).
    pub fn thumbprint_sha1(&self) -> String {
        let d = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &self.der);
        hex::encode_upper(d.as_ref())
    }
    /// SHA-256 fingerprint in lower-case hex.
    pub fn fingerprint_sha256(&self) -> String {
        let d = digest::digest(&digest::SHA256, &self.der);
        hex::encode(d.as_ref())
    }
    /// The subject's distinguished name, e.g. `CN=Microsoft Azure Federated SSO Certificate`.
    pub fn subject(&self) -> String {
        self.parsed.subject.clone()
    }
    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.parsed.not_before
    }
    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        self.parsed.not_after
    }
    /// Size of the RSA modulus in bits (IAM requires at least 1024).
    pub fn key_bits(&self) -> usize {
        self.parsed.key_bits
    }
    /// True when `signature` is a valid RSA PKCS#1 v1.5 signature of `message` by this
    /// certificate's key, with SHA-256 (or SHA-1 when `sha1`). Keys of 1024 bits and up are
    /// accepted, as IAM accepts them.
    pub(crate) fn verify_rsa(&self, message: &[u8], signature: &[u8], sha1: bool) -> bool {
        let alg: &'static aws_lc_rs::signature::RsaParameters = if sha1 {
            &aws_lc_rs::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
        } else {
            &aws_lc_rs::signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        };
        aws_lc_rs::signature::UnparsedPublicKey::new(alg, &self.parsed.rsa_public_key)
            .verify(message, signature)
            .is_ok()
    }
}

/// Smallest RSA key accepted for verification (IAM's minimum, docs/facts.md §3).
pub(crate) const MIN_RSA_BITS: usize = 1024;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Decode base64 with any whitespace in it (as in `ds:X509Certificate` and PEM bodies).
pub(crate) fn decode_base64_loose(b64: &str) -> Result<Vec<u8>, Error> {
    let compact: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    B64.decode(compact.as_bytes())
        .map_err(|e| Error::Key(format!("invalid base64 ({e})")))
}

/// The DER inside the first PEM block with this label.
fn pem_block(pem: &str, label: &str) -> Result<Vec<u8>, Error> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem
        .find(&begin)
        .ok_or_else(|| Error::Key(format!("no {begin} line found")))?
        + begin.len();
    let stop = pem[start..]
        .find(&end)
        .ok_or_else(|| Error::Key(format!("no {end} line found")))?
        + start;
    decode_base64_loose(&pem[start..stop])
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
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
    /// The key, parsed and checked once: loading a PKCS#8 RSA key validates it, which costs
    /// more than a signature, so it is never done per signature.
    key: Arc<RsaKeyPair>,
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
        let key = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| Error::Key("could not generate an RSA-2048 key".to_string()))?;
        let pkcs8 = key
            .as_der()
            .map_err(|_| Error::Key("could not encode the new key as PKCS#8".to_string()))?
            .as_ref()
            .to_vec();
        let rc_key = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &pkcs8.as_slice().into(),
            &rcgen::PKCS_RSA_SHA256,
        )
        .map_err(|e| {
            Error::Key(format!(
                "could not load the new key for certificate signing ({e})"
            ))
        })?;
        let mut params = rcgen::CertificateParams::default();
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::CommonName, common_name);
        params.distinguished_name = dn;
        params.not_before = not_before;
        params.not_after = not_after;
        let mut serial = [0u8; 16];
        aws_lc_rs::rand::fill(&mut serial)
            .map_err(|_| Error::Key("no randomness for the certificate serial".to_string()))?;
        serial[0] &= 0x7f;
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
        let cert = params.self_signed(&rc_key).map_err(|e| {
            Error::Key(format!(
                "could not create the self-signed certificate ({e})"
            ))
        })?;
        Ok(Self {
            pkcs8,
            key: Arc::new(key),
            certificate: Certificate::from_der(cert.der())?,
        })
    }
    /// From a PKCS#8 private key PEM (`BEGIN PRIVATE KEY`; PKCS#1 `BEGIN RSA PRIVATE KEY` is
    /// also read) and the matching certificate PEM.
    pub fn from_pem(private_key_pem: &str, certificate_pem: &str) -> Result<Self, Error> {
        let (pkcs8, key) = if private_key_pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
            // PKCS#1, as `openssl genrsa` writes it: re-encode as PKCS#8.
            let pkcs1 = pem_block(private_key_pem, "RSA PRIVATE KEY")?;
            let key = RsaKeyPair::from_der(&pkcs1).map_err(|e| {
                Error::Key(format!("the private key is not a PKCS#1 RSA key ({e})"))
            })?;
            let pkcs8 = key
                .as_der()
                .map_err(|_| Error::Key("could not re-encode the key as PKCS#8".to_string()))?
                .as_ref()
                .to_vec();
            (pkcs8, key)
        } else {
            let pkcs8 = pem_block(private_key_pem, "PRIVATE KEY")?;
            let key = RsaKeyPair::from_pkcs8(&pkcs8).map_err(|e| {
                Error::Key(format!("the private key is not a PKCS#8 RSA key ({e})"))
            })?;
            (pkcs8, key)
        };
        let certificate = Certificate::from_pem(certificate_pem)?;
        let public = key.public_key();
        if public.as_ref() != certificate.parsed.rsa_public_key.as_slice() {
            return Err(Error::Key(
                "the private key does not match the certificate's public key".to_string(),
            ));
        }
        Ok(Self {
            pkcs8,
            key: Arc::new(key),
            certificate,
        })
    }
    /// The private key as PKCS#8 PEM (for persisting sandbox state; handle as a secret).
    pub fn private_key_pem(&self) -> String {
        pem_encode("PRIVATE KEY", &self.pkcs8)
    }
    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }
    /// RSA PKCS#1 v1.5 signature over `message` with SHA-256 (or SHA-1 when `sha1`).
    pub fn sign(&self, message: &[u8], sha1: bool) -> Result<Vec<u8>, Error> {
        let key = &self.key;
        if sha1 {
            return self.sign_sha1(message);
        }
        let mut signature = vec![0u8; key.public_modulus_len()];
        key.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            message,
            &mut signature,
        )
        .map_err(|_| Error::Key("RSA signing failed".to_string()))?;
        Ok(signature)
    }

    /// RSA PKCS#1 v1.5 with SHA-1. `aws-lc-rs` offers SHA-1 only for verification, so the
    /// padding (RFC 8017 §9.2) and the private-key operation are done here with big integers.
    /// This path is not constant-time; it exists to emulate legacy IdPs (Entra still offers
    /// SHA-1 per application) and every signature is checked with `aws-lc-rs` before use.
    fn sign_sha1(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        use x509_parser::num_bigint::BigUint;

        let (n, d) = rsa_private_numbers(&self.pkcs8)?;
        let k = n.to_bytes_be().len();
        let hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, message);
        let t: Vec<u8> = SHA1_DIGEST_INFO
            .iter()
            .chain(hash.as_ref())
            .copied()
            .collect();
        if k < t.len() + 11 {
            return Err(Error::Key(
                "the RSA key is too small for SHA-1 signing".to_string(),
            ));
        }
        let mut em = vec![0xffu8; k];
        em[0] = 0;
        em[1] = 1;
        em[k - t.len() - 1] = 0;
        em[k - t.len()..].copy_from_slice(&t);
        let s = BigUint::from_bytes_be(&em).modpow(&d, &n).to_bytes_be();
        let mut signature = vec![0u8; k - s.len()];
        signature.extend_from_slice(&s);
        if !self.certificate.verify_rsa(message, &signature, true) {
            return Err(Error::Key(
                "the RSA-SHA1 signature did not verify with the certificate".to_string(),
            ));
        }
        Ok(signature)
    }
}

/// DER prefix of a SHA-1 `DigestInfo` (RFC 8017 §9.2, note 1).
const SHA1_DIGEST_INFO: [u8; 15] = [
    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
];

/// Modulus and private exponent from a PKCS#8 `PrivateKeyInfo` holding an `RSAPrivateKey`.
fn rsa_private_numbers(
    pkcs8: &[u8],
) -> Result<
    (
        x509_parser::num_bigint::BigUint,
        x509_parser::num_bigint::BigUint,
    ),
    Error,
> {
    use x509_parser::der_parser::parse_der;

    let bad = || Error::Key("the PKCS#8 RSA private key cannot be read".to_string());
    let (_, info) = parse_der(pkcs8).map_err(|_| bad())?;
    let info = info.as_sequence().map_err(|_| bad())?;
    let inner = info.get(2).ok_or_else(bad)?.as_slice().map_err(|_| bad())?;
    let (_, rsa) = parse_der(inner).map_err(|_| bad())?;
    let rsa = rsa.as_sequence().map_err(|_| bad())?;
    let n = rsa
        .get(1)
        .ok_or_else(bad)?
        .as_biguint()
        .map_err(|_| bad())?;
    let d = rsa
        .get(3)
        .ok_or_else(bad)?
        .as_biguint()
        .map_err(|_| bad())?;
    Ok((n, d))
}

impl Clone for SigningKey {
    fn clone(&self) -> Self {
        Self {
            pkcs8: self.pkcs8.clone(),
            key: Arc::clone(&self.key),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `openssl genrsa -traditional 2048` and a self-signed certificate for it (test fixture only).
    const PKCS1_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAyWvi5Ce7nS2lVElYOB0QgEq6UMx95hEHaxhJaQkJtq5xm/tf\nO1mkH1+BsIMAQ9kPP4LIBm7BSKh82JTOXJ+HQKOweegq6Hn8ru8+l3Tn307gUmlf\nVlqZ/jO/aHuDQG91IBc4e/exnKeSTG9q04/wq56SjkmY/CpJEh7mAH5cLxrR+0oJ\nCOT+agCJ502wRhXlnNwWHXdyyikPlUq5Lrsv5XpBWuh+uG4FCW5ml8bLciwGg7vn\nELOHBBm+rNwUYKoi4MXZiBgvxViaSwaWJ8z1KR8nL/h+q7/+L0Kv6rPJ4EUvZOVE\ntjSGKim+mmH50XxDCtamv+d6/4qUniDVX/phZwIDAQABAoIBAEK/Hy13IztnVGm1\ncmgJ7Z1t5gb/dNsIGpq5Lh6B8beZYCmN59V9k58X4ZyyFKTnKZ/kwU8sZZ2jw9dr\nnGTiMopPlBwZvRpTzlHUEzxSb8I226xDoeW2WWB9GnlPsMNqC/ip6TxfbPqaJydw\nJojcIqdkgXFoXyt1Acjg91wDg53R4NPL2J9Y17nphLAURYCdRlACXKD/Dc5X2AK8\n0D8u/m8HujgYtjV4ZETbvqjLGxQB6mDakR0gd/NQrF/iolxqwVT74ypV5FxWrgEy\nlKVZXEQ1OawcmmYO4kI4mSKVFwO1n+/ZcF2kUA2n/2Q2e/GuUyf7BTKwtrF3nanQ\n3QGxi2kCgYEA+K6b1R7LGSEr08/vXaY3xCpLrTjGFDEOu7kzlntF1dCqPjDjJ8bT\nkDC1DROZJjIxroAvEbQ54Ek6QyYRxiJCq1/Zylb5RCiuEZOI7xMajFZyKXa54JJm\nbnXOr71+wWX/BW8ucOCM2064hEMcaXzwF88KoLNC9YWYc2RcTXrXz4kCgYEAz1lA\nAxZgU5LIw2SAfpILFwSWo08gxBFrHdLl5HrBsBWTrIbC+hz+J3sThQrEeJQ4D09U\nBFhHHcti2UAEQdGjLjXohvPb+byiTVruvXXvDlPnm2Rtu6YiHTYXpUF2M0+Kuzzs\n4KifrEuwulLdVbhAOPNuFcoXFnOVK5N6V0ml/W8CgYEAicOhTJV8ifVYZETjJAw7\nBI8x0UqMYQ80TEazD4BHFcY9KarHjHeXKF/zTMU4qHJSF4unh7VCAsBOaHikjBDa\nwjmdW3yHJn0qwU3sJBV/NZOGNvYwzvoLiNH2qGDf4Z/xgT8wiRO8tJmNmqfbC41N\nLMNj7dahF4blB7fncnzFJZECgYBxsU9vIfLZgG/C67WlMTERgvuSOk4OFDr21HAn\n0sOnaH1bqVz5xbH6NfsjBR9rumHuyyGXbEw6Yw4lb3umF2vxZ6/DZ61jh3I7FjQ4\nAJV+9rTVOMEOlm64M7PNclJ8mg3I0wRTv0ImOC6ES/F/EhNs5tWi7vev4NqXVTtM\n514z0wKBgD4irx/KnTubYs39Ow87SBMc9dEYX3TOw7+/vXjXLGkm8KIE10uIfRh/\nT35R0+OLqs5py6m7zze+xrH1lArzdiHfJHkoGoAhpv4DW/ZK0f63GRtoh0ZFB8Dh\nbfofD/AD2MTdN0RJN6jvLJcFE2/jGvvTRYPMcvPYz4ZSMh2VVGKi\n-----END RSA PRIVATE KEY-----\n";
    const PKCS1_CERT: &str = "-----BEGIN CERTIFICATE-----\nMIIDETCCAfmgAwIBAgIUPoh3Br9skRivVn4fLHqMS73u2qgwDQYJKoZIhvcNAQEL\nBQAwGDEWMBQGA1UEAwwNcGtjczEgZml4dHVyZTAeFw0yNjExMjUwNDEzNDlaFw0z\nNjExMjIwNDEzNDlaMBgxFjAUBgNVBAMMDXBrY3MxIGZpeHR1cmUwggEiMA0GCSqG\nSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDJa+LkJ7udLaVUSVg4HRCASrpQzH3mEQdr\nGElpCQm2rnGb+187WaQfX4GwgwBD2Q8/gsgGbsFIqHzYlM5cn4dAo7B56Croefyu\n7z6XdOffTuBSaV9WWpn+M79oe4NAb3UgFzh797Gcp5JMb2rTj/CrnpKOSZj8KkkS\nHuYAflwvGtH7SgkI5P5qAInnTbBGFeWc3BYdd3LKKQ+VSrkuuy/lekFa6H64bgUJ\nbmaXxstyLAaDu+cQs4cEGb6s3BRgqiLgxdmIGC/FWJpLBpYnzPUpHycv+H6rv/4v\nQq/qs8ngRS9k5US2NIYqKb6aYfnRfEMK1qa/53r/ipSeINVf+mFnAgMBAAGjUzBR\nMB0GA1UdDgQWBBTgLH8yF3bNLBl88MtDO8hzsIJTRjAfBgNVHSMEGDAWgBTgLH8y\nF3bNLBl88MtDO8hzsIJTRjAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUA\nA4IBAQAaA55Jp6wbugzP8S0bzIKROiYIJRItvP/ZwfqzDSxoMI9+4Tw6M9GTdEIG\nN38qx7i8rFBqpK5iF16L0wx9gH3ZshIcgY8oRMpcKJht5UOc8r93ApzXkmSz/ttz\nUpOTQOjT4HqCuMi4c/aTFn3cNQAxpAR9eDBQ0+n447/ElBqVVEQ9jHq0yAHvzenG\nzdklUlna2cTFG+S4vmRiN3uWNEUsrSfgSKAeHQ7lm+LyRPSRoiOUTdKZ/ecZwPRl\n8CyvDGd728b1ghvIefG2i1X1sr1BJOia9c4kOAima8PpdhexaMx6tieDg/glHzig\n+YyxxPiv00o0kqdbzlUiedjvHXpF\n-----END CERTIFICATE-----\n";

    #[test]
    fn pkcs1_keys_from_openssl_are_read_and_re_encoded_as_pkcs8() {
        let key = SigningKey::from_pem(PKCS1_KEY, PKCS1_CERT).expect("pkcs1 key");
        assert!(
            key.private_key_pem()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        for sha1 in [false, true] {
            let sig = key.sign(b"message", sha1).expect("sign");
            assert!(key.certificate().verify_rsa(b"message", &sig, sha1));
            assert!(!key.certificate().verify_rsa(b"massage", &sig, sha1));
        }
        let again = SigningKey::from_pem(&key.private_key_pem(), PKCS1_CERT).expect("pkcs8");
        assert_eq!(again.certificate().subject(), "CN=pkcs1 fixture");
    }

    #[test]
    fn non_certificates_are_refused() {
        assert!(matches!(
            Certificate::from_der(b"not der"),
            Err(Error::Key(_))
        ));
        assert!(matches!(
            Certificate::from_base64("!!!"),
            Err(Error::Key(_))
        ));
        assert!(matches!(
            Certificate::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n"),
            Err(Error::Key(_))
        ));
    }
}
