//! Keys and certificates for the interop tests: ours (from `SigningKey::generate`) and
//! foreign ones made by `openssl`, so neither side's key handling is taken on trust.

use std::path::PathBuf;
use std::sync::OnceLock;

use connect_sso_saml::{Certificate, SigningKey};
use tempfile::TempDir;
use time::Duration;

use super::{fixture, peers};

/// Our signing key (generated once per test binary) with its certificate written as PEM.
pub(crate) struct OurKey {
    /// The key.
    pub(crate) key: SigningKey,
    /// Holds `cert.pem`.
    _dir: TempDir,
    /// The certificate as PEM, for peers to pin.
    pub(crate) cert_pem: PathBuf,
}

/// Our key, generated on first use.
pub(crate) fn our_key() -> &'static OurKey {
    static KEY: OnceLock<OurKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = SigningKey::generate(
            "Microsoft Azure Federated SSO Certificate",
            fixture::issued() - Duration::days(1),
            fixture::issued() + Duration::days(3 * 365),
        )
        .expect("generating an RSA-2048 signing key");
        let dir = tempfile::tempdir().expect("tempdir");
        let cert_pem = dir.path().join("cert.pem");
        std::fs::write(&cert_pem, key.certificate().to_pem()).expect("writing cert.pem");
        OurKey {
            key,
            _dir: dir,
            cert_pem,
        }
    })
}

/// A key and self-signed certificate made by `openssl req -x509 -newkey rsa:2048`.
pub(crate) struct ForeignKey {
    /// Holds the files.
    pub(crate) dir: TempDir,
    /// PKCS#8 private key PEM.
    pub(crate) key_pem: PathBuf,
    /// Certificate PEM.
    pub(crate) cert_pem: PathBuf,
    /// The certificate, read by our parser, to pin.
    pub(crate) certificate: Certificate,
}

/// Make a foreign key with `openssl` (None when openssl is missing outside CI).
pub(crate) fn foreign_key(common_name: &str) -> Option<ForeignKey> {
    let openssl = peers::openssl()?;
    let dir = tempfile::tempdir().expect("tempdir");
    let key_pem = dir.path().join("key.pem");
    let cert_pem = dir.path().join("cert.pem");
    let subject = format!("/CN={common_name}");
    let args = [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-days",
        "3650",
        "-subj",
        &subject,
        "-keyout",
        key_pem.to_str().expect("utf-8 temp path"),
        "-out",
        cert_pem.to_str().expect("utf-8 temp path"),
    ];
    let out = peers::run(&openssl, &args, b"");
    assert!(
        out.status.success(),
        "openssl req failed: {}",
        peers::describe(&out)
    );
    let pem = std::fs::read_to_string(&cert_pem).expect("reading cert.pem");
    let certificate = Certificate::from_pem(&pem).expect("our parser reads an openssl certificate");
    Some(ForeignKey {
        dir,
        key_pem,
        cert_pem,
        certificate,
    })
}
