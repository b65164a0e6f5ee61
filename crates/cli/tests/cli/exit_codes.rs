//! The exit-code contract: 0 accepted/success, 1 rejected, 2 usage or unreadable input.

use crate::common::{run, run_with_stdin, workspace_root};
use crate::examples::EXAMPLE_NOW;

const META: [&str; 2] = ["--idp-metadata", "examples/entra-metadata.xml"];

fn verify(response: &str, extra: &[&str]) -> i32 {
    let mut args = vec!["saml", "verify", response, META[0], META[1]];
    args.extend_from_slice(extra);
    run(&args).code
}

#[test]
fn accepted_is_0_rejected_is_1() {
    assert_eq!(
        verify("examples/entra-response.xml", &["--now", EXAMPLE_NOW]),
        0
    );
    assert_eq!(
        verify(
            "examples/entra-response.xml",
            &["--now", "2030-01-01T00:00:00Z"]
        ),
        1
    );
    assert_eq!(
        verify(
            "examples/entra-response.xml",
            &["--now", EXAMPLE_NOW, "--audience", "https://sp.example/"]
        ),
        1
    );
    assert_eq!(
        verify(
            "examples/entra-response.xml",
            &[
                "--now",
                EXAMPLE_NOW,
                "--recipient",
                "https://sp.example/acs"
            ]
        ),
        1
    );
}

#[test]
fn malformed_xml_is_a_rejection_not_an_error() {
    let out = run_with_stdin(
        &["saml", "verify", "-", META[0], META[1]],
        b"<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"><unclosed>",
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn xxe_is_rejected_and_never_read() {
    let out = run_with_stdin(
        &["saml", "verify", "-", META[0], META[1]],
        b"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>",
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("root:"), "{}", out.stdout);
    assert!(!out.stderr.contains("root:"), "{}", out.stderr);
}

#[test]
fn usage_errors_are_2() {
    for args in [
        vec!["saml", "verify", "examples/entra-response.xml"],
        vec![
            "saml",
            "verify",
            "examples/entra-response.xml",
            "--idp-cert",
            "examples/entra-cert.pem",
            "--now",
            "yesterday",
        ],
        vec![
            "saml",
            "verify",
            "examples/entra-response.xml",
            "--idp-cert",
            "examples/entra-cert.pem",
            "--skew",
            "-5",
        ],
        vec!["saml", "frobnicate"],
        vec!["nonsense"],
        vec![],
    ] {
        let out = run(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stdout.is_empty(),
            "{args:?}: usage errors print nothing on stdout"
        );
    }
}

#[test]
fn help_and_version_are_0() {
    for args in [
        vec!["--help"],
        vec!["--version"],
        vec!["saml", "verify", "--help"],
    ] {
        let out = run(&args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert!(!out.stdout.is_empty());
    }
}

#[test]
fn unreadable_input_is_2() {
    // Missing file.
    assert_eq!(verify("examples/does-not-exist.xml", &[]), 2);
    // Not a response in any form we know.
    let out = run_with_stdin(
        &["saml", "verify", "-", META[0], META[1]],
        b"this is not a SAML response",
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("hint:"), "{}", out.stderr);
    // A certificate file that holds no certificate.
    let out = run(&[
        "saml",
        "verify",
        "examples/entra-response.xml",
        "--idp-cert",
        "examples/entra-response.xml",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    // Metadata that is not metadata.
    let out = run(&[
        "saml",
        "verify",
        "examples/entra-response.xml",
        "--idp-metadata",
        "examples/entra-cert.pem",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    // inspect of garbage.
    assert_eq!(
        run_with_stdin(&["saml", "inspect", "-"], b"\x00\x01").code,
        2
    );
}

#[test]
fn every_input_form_is_read_from_stdin() {
    let xml = std::fs::read(workspace_root().join("examples/entra-response.xml")).expect("example");
    let b64 = connect_sso_saml::binding::encode_post(&xml);
    let form = format!(
        "SAMLResponse={}&RelayState=x",
        b64.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
    );
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "POST", "url": "https://signin.aws.amazon.com/saml",
            "postData": {"mimeType": "application/x-www-form-urlencoded",
                "params": [{"name": "SAMLResponse", "value": b64}]}}}
    ]}})
    .to_string();
    for (what, input) in [
        ("xml", xml.clone()),
        ("base64", b64.clone().into_bytes()),
        ("form", form.into_bytes()),
        ("har", har.into_bytes()),
    ] {
        let out = run_with_stdin(
            &[
                "saml",
                "verify",
                "-",
                META[0],
                META[1],
                "--now",
                EXAMPLE_NOW,
                "--aws",
            ],
            &input,
        );
        assert_eq!(out.code, 0, "{what}: {}", out.stderr);
    }
}

#[test]
fn rejected_json_goes_to_stdout_and_the_reason_to_stderr() {
    let out = run(&[
        "saml",
        "verify",
        "examples/entra-response.xml",
        META[0],
        META[1],
        "--now",
        "2030-01-01T00:00:00Z",
        "--json",
    ]);
    assert_eq!(out.code, 1);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["verdict"], "rejected");
    assert_eq!(json["kind"], "expired");
    assert!(out.stderr.starts_with("error: "), "{}", out.stderr);
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let args = ["saml", "verify", "examples/nope.xml", "--idp-cert", "x.pem"];
    let never = run(&args);
    assert!(
        !never.stderr.contains('\x1b'),
        "NO_COLOR is set by the harness"
    );
    let mut forced = args.to_vec();
    forced.extend(["--color", "always"]);
    let always = run(&forced);
    assert!(
        always.stderr.contains("\x1b[1;31merror"),
        "{:?}",
        always.stderr
    );
}

#[test]
fn sandbox_env_refuses_a_non_url_and_non_loopback_serve_is_refused() {
    assert_eq!(run(&["sandbox", "env", "--url", "localhost:1"]).code, 2);
    let out = run(&["sandbox", "serve", "--bind", "0.0.0.0:0"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("--allow-non-loopback"),
        "{}",
        out.stderr
    );
}

#[test]
fn metadata_with_a_byte_order_mark_verifies_with_a_warning() {
    let root = workspace_root();
    let metadata = std::fs::read(root.join("examples/entra-metadata.xml")).expect("example");
    let dir = tempfile::tempdir().expect("temp dir");
    let with_bom = dir.path().join("metadata.xml");
    std::fs::write(&with_bom, [&b"\xef\xbb\xbf"[..], &metadata].concat()).expect("write");
    let out = run(&[
        "saml",
        "verify",
        "examples/entra-response.xml",
        "--idp-metadata",
        &with_bom.to_string_lossy(),
        "--now",
        EXAMPLE_NOW,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("byte order mark"), "{}", out.stderr);
}

#[test]
fn a_har_with_several_responses_uses_the_last_and_says_so() {
    let xml = std::fs::read(workspace_root().join("examples/entra-response.xml")).expect("example");
    let other =
        std::fs::read(workspace_root().join("examples/guest-response.xml")).expect("example");
    let entry = |xml: &[u8]| {
        serde_json::json!({"request": {"method": "POST", "url": "https://signin.aws.amazon.com/saml",
            "postData": {"params": [{"name": "SAMLResponse",
                "value": connect_sso_saml::binding::encode_post(xml)}]}}})
    };
    let har = serde_json::json!({"log": {"entries": [entry(&other), entry(&xml)]}}).to_string();
    let out = run_with_stdin(
        &[
            "saml",
            "verify",
            "-",
            META[0],
            META[1],
            "--now",
            EXAMPLE_NOW,
            "--aws",
        ],
        har.as_bytes(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("holds 2 SAML responses"),
        "{}",
        out.stderr
    );
}

#[test]
fn clicolor_force_colours_without_a_terminal_and_no_color_still_wins() {
    let colour = |env: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_connect-sso"));
        cmd.args(["saml", "verify", "examples/nope.xml", "--idp-cert", "x.pem"])
            .current_dir(workspace_root())
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("runs");
        String::from_utf8_lossy(&out.stderr).contains('\x1b')
    };
    assert!(!colour(&[]), "not a terminal: no colour");
    assert!(colour(&[("CLICOLOR_FORCE", "1")]));
    assert!(!colour(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
}
