//! Interop with Python `signxml` (lxml + cryptography), through `tests/python/signxml_peer.py`.

use std::path::Path;

use connect_sso_saml::sign_response;

use super::fixture::{self, Part};
use super::matrix::{check_we_accept, our_sign_variants, parts_of, peer_sign_matrix};
use super::{material, peers};

fn script() -> String {
    peers::repo_root()
        .join("tests/python/signxml_peer.py")
        .to_string_lossy()
        .into_owned()
}

fn parts_arg(parts: &[Part]) -> &'static str {
    match (
        parts.contains(&Part::Assertion),
        parts.contains(&Part::Response),
    ) {
        (true, true) => "both",
        (false, true) => "response",
        _ => "assertion",
    }
}

/// signxml's verdict on `xml` with `cert` pinned: Ok(report JSON) or Err(its error).
fn signxml_verify(
    python: &Path,
    xml: &str,
    cert: &Path,
    parts: &[Part],
    allow_sha1: bool,
) -> Result<serde_json::Value, String> {
    let script = script();
    let mut args = vec![
        script.as_str(),
        "verify",
        "--cert",
        cert.to_str().expect("utf-8"),
        "--parts",
        parts_arg(parts),
    ];
    if allow_sha1 {
        args.push("--allow-sha1");
    }
    let out = peers::run(python, &args, xml.as_bytes());
    if !out.status.success() {
        return Err(peers::describe(&out));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("bad JSON from signxml_peer.py: {e}"))
}

#[test]
fn signxml_verifies_responses_we_sign() {
    let Some(python) = peers::python() else {
        return;
    };
    let ours = material::our_key();
    let mut failures = Vec::new();
    for (name, spec, options) in our_sign_variants() {
        let xml = sign_response(&spec, &ours.key, options).expect("signing");
        let parts = parts_of(options);
        match signxml_verify(&python, &xml, &ours.cert_pem, &parts, options.sha1) {
            Ok(report) => {
                // signxml reads the NameID from what it verified: it must be the one we signed.
                for entry in report["verified"].as_array().into_iter().flatten() {
                    if entry["name_id"] != fixture::USER {
                        failures.push(format!("{name}: signxml saw NameID {}", entry["name_id"]));
                    }
                }
            }
            Err(e) => failures.push(format!("{name}: {e}\n{xml}")),
        }
    }
    assert!(
        failures.is_empty(),
        "signxml refused {} response(s) we signed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn signxml_refuses_our_response_when_tampered_or_pinned_to_another_key() {
    let Some(python) = peers::python() else {
        return;
    };
    let Some(other) = material::foreign_key("Some Other IdP") else {
        return;
    };
    let ours = material::our_key();
    let xml =
        sign_response(&fixture::entra_spec(), &ours.key, Default::default()).expect("signing");
    let parts = [Part::Assertion];
    assert!(signxml_verify(&python, &xml, &ours.cert_pem, &parts, false).is_ok());
    assert!(
        signxml_verify(
            &python,
            &fixture::tamper_name_id(&xml),
            &ours.cert_pem,
            &parts,
            false
        )
        .is_err(),
        "signxml accepted a changed NameID: the control shows the peer is not checking"
    );
    assert!(
        signxml_verify(&python, &xml, &other.cert_pem, &parts, false).is_err(),
        "signxml accepted a signature with another certificate pinned"
    );
}

#[test]
fn we_verify_responses_signxml_signs() {
    let Some(python) = peers::python() else {
        return;
    };
    let Some(key) = material::foreign_key("signxml test IdP") else {
        return;
    };
    let script = script();
    let mut failures = Vec::new();
    for (shape, sha1, parts) in peer_sign_matrix() {
        let unsigned = fixture::hand_response(shape, &|_, _| String::new());
        let args = [
            script.as_str(),
            "sign",
            "--key",
            key.key_pem.to_str().expect("utf-8"),
            "--cert",
            key.cert_pem.to_str().expect("utf-8"),
            "--alg",
            if sha1 { "sha1" } else { "sha256" },
            "--parts",
            parts_arg(&parts),
        ];
        let out = peers::run(&python, &args, unsigned.as_bytes());
        assert!(
            out.status.success(),
            "signxml failed to sign ({shape:?}, sha1={sha1}, {parts:?}): {}",
            peers::describe(&out)
        );
        let xml = String::from_utf8(out.stdout).expect("signxml writes UTF-8");
        if let Err(e) = signxml_verify(&python, &xml, &key.cert_pem, &parts, sha1) {
            panic!(
                "signxml does not verify its own output ({shape:?}, sha1={sha1}, {parts:?}): {e}"
            );
        }
        if let Err(e) = check_we_accept("signxml", &xml, &key.certificate, shape, sha1, &parts) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} signxml-signed response(s) not handled:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
