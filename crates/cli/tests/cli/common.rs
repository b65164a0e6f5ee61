//! Running the binary and building signed responses for tests.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use connect_sso_saml::aws::{ATTR_ROLE, ATTR_ROLE_SESSION_NAME};
use connect_sso_saml::{Attribute, ResponseSpec, SignOptions, SigningKey, sign_response};
use time::macros::datetime;

/// The workspace root (commands in tests run from here, with relative paths).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// A transcript for snapshots: the command line, exit code, stdout and stderr.
    pub fn transcript(&self, args: &[&str]) -> String {
        format!(
            "$ connect-sso {}\nexit: {}\n--- stdout\n{}--- stderr\n{}",
            args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

/// Run `connect-sso ARGS` from the workspace root with NO_COLOR set and `stdin` fed in.
pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_connect-sso"))
        .args(args)
        .current_dir(workspace_root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the connect-sso binary starts");
    if let Some(mut input) = child.stdin.take() {
        // The binary may exit before reading everything (e.g. a usage error).
        let _ = input.write_all(stdin);
    }
    let out = child
        .wait_with_output()
        .expect("the binary runs to the end");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run `connect-sso ARGS` with empty stdin.
pub fn run(args: &[&str]) -> Run {
    run_with_stdin(args, b"")
}

/// Role value used in built responses.
pub const ROLE_PAIR: &str =
    "arn:aws:iam::111122223333:role/ConnectAgent,arn:aws:iam::111122223333:saml-provider/EntraID";

/// An Entra-like response for AWS sign-in, before signing.
pub fn aws_spec(attributes: Vec<Attribute>) -> ResponseSpec {
    let issued = datetime!(2025-06-02 09:00:00 UTC);
    ResponseSpec {
        response_id: "_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6".into(),
        assertion_id: "_d71a3a8e9fcc45c9e9d248ef7049393fc8f04e5f75".into(),
        issuer: "https://sts.windows.net/00000000-0000-4000-8000-00000000c0de/".into(),
        destination: "https://signin.aws.amazon.com/saml".into(),
        in_response_to: None,
        issue_instant: issued,
        name_id: "alice@example.com".into(),
        name_id_format: connect_sso_saml::ns::NAMEID_EMAIL.into(),
        audiences: vec!["https://signin.aws.amazon.com/saml".into()],
        not_before: issued - time::Duration::minutes(5),
        not_on_or_after: issued + time::Duration::hours(1),
        authn_instant: issued - time::Duration::seconds(30),
        session_index: Some("_d71a3a8e9fcc45c9e9d248ef7049393fc8f04e5f75".into()),
        authn_context_class: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password".into(),
        attributes,
    }
}

/// The attributes Entra sends for AWS, with `session_name` as RoleSessionName.
pub fn aws_attributes(session_name: &str) -> Vec<Attribute> {
    vec![
        attr(ATTR_ROLE, &[ROLE_PAIR]),
        attr(ATTR_ROLE_SESSION_NAME, &[session_name]),
    ]
}

/// One attribute.
pub fn attr(name: &str, values: &[&str]) -> Attribute {
    Attribute {
        name: name.to_string(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

/// A test IdP key (fresh per call; valid 2025–2028 like an Entra certificate).
pub fn idp_key() -> SigningKey {
    SigningKey::generate(
        "Microsoft Azure Federated SSO Certificate",
        datetime!(2025-01-01 00:00:00 UTC),
        datetime!(2028-01-01 00:00:00 UTC),
    )
    .expect("key generation works")
}

/// A signed response and the certificate that verifies it, written to a temp dir.
pub struct SignedFixture {
    /// Keeps the files alive.
    pub _dir: tempfile::TempDir,
    /// The response XML.
    pub response: PathBuf,
    /// The certificate PEM.
    pub cert: PathBuf,
}

impl SignedFixture {
    /// Sign `spec` with a fresh key and write both files.
    pub fn new(spec: &ResponseSpec) -> Self {
        let key = idp_key();
        let xml = sign_response(spec, &key, SignOptions::default()).expect("signing works");
        let dir = tempfile::tempdir().expect("temp dir");
        let response = dir.path().join("response.xml");
        let cert = dir.path().join("idp-cert.pem");
        std::fs::write(&response, xml).expect("write response");
        std::fs::write(&cert, key.certificate().to_pem()).expect("write cert");
        Self {
            _dir: dir,
            response,
            cert,
        }
    }

    /// `saml verify --aws` of this response at a time inside its validity.
    pub fn verify_aws(&self, extra: &[&str]) -> Run {
        let response = self.response.to_string_lossy();
        let cert = self.cert.to_string_lossy();
        let mut args = vec![
            "saml",
            "verify",
            &response,
            "--idp-cert",
            &cert,
            "--now",
            "2025-06-02T09:01:00Z",
            "--aws",
        ];
        args.extend_from_slice(extra);
        run(&args)
    }
}

/// Run `connect-sso ARGS` in `dir` with NO_COLOR set, the given extra environment, every
/// variable that could point the binary at a real cloud removed, and `stdin` fed in.
pub fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_connect-sso"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        let cloudy =
            k.starts_with("AWS_") || k.starts_with("AZURE_") || k.starts_with("CONNECT_SSO_");
        if cloudy {
            cmd.env_remove(&k);
        }
    }
    // Never look for credentials beyond the environment (no instance metadata, no profiles).
    cmd.env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", dir.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.join("no-aws-credentials"),
        );
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the connect-sso binary starts");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin);
    }
    let out = child
        .wait_with_output()
        .expect("the binary runs to the end");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
