//! Interop with node `xml-crypto` (+ @xmldom/xmldom), through `tests/node/xml-crypto-peer.mjs`.

use std::path::Path;

use connect_sso_saml::sign_response;

use super::fixture::{self, Part};
use super::matrix::{check_we_accept, our_sign_variants, parts_of, peer_sign_matrix};
use super::{material, peers};

fn script() -> String {
    peers::repo_root()
        .join("tests/node/xml-crypto-peer.mjs")
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

/// xml-crypto's verdict on `xml` with `cert` pinned.
fn xml_crypto_verify(node: &Path, xml: &str, cert: &Path, parts: &[Part]) -> Result<(), String> {
    let script = script();
    let args = [
        script.as_str(),
        "verify",
        cert.to_str().expect("utf-8"),
        parts_arg(parts),
    ];
    let out = peers::run(node, &args, xml.as_bytes());
    if out.status.success() {
        Ok(())
    } else {
        Err(peers::describe(&out))
    }
}

#[test]
fn xml_crypto_verifies_responses_we_sign() {
    let Some(node) = peers::node() else {
        return;
    };
    let ours = material::our_key();
    let mut failures = Vec::new();
    for (name, spec, options) in our_sign_variants() {
        let xml = sign_response(&spec, &ours.key, options).expect("signing");
        if let Err(e) = xml_crypto_verify(&node, &xml, &ours.cert_pem, &parts_of(options)) {
            failures.push(format!("{name}: {e}\n{xml}"));
        }
    }
    assert!(
        failures.is_empty(),
        "xml-crypto refused {} response(s) we signed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn xml_crypto_refuses_our_response_when_tampered_or_pinned_to_another_key() {
    let Some(node) = peers::node() else {
        return;
    };
    let Some(other) = material::foreign_key("Some Other IdP") else {
        return;
    };
    let ours = material::our_key();
    let xml =
        sign_response(&fixture::entra_spec(), &ours.key, Default::default()).expect("signing");
    let parts = [Part::Assertion];
    assert!(xml_crypto_verify(&node, &xml, &ours.cert_pem, &parts).is_ok());
    assert!(
        xml_crypto_verify(
            &node,
            &fixture::tamper_name_id(&xml),
            &ours.cert_pem,
            &parts
        )
        .is_err(),
        "xml-crypto accepted a changed NameID: the control shows the peer is not checking"
    );
    assert!(
        xml_crypto_verify(&node, &xml, &other.cert_pem, &parts).is_err(),
        "xml-crypto accepted a signature with another certificate pinned"
    );
}

#[test]
fn we_verify_responses_xml_crypto_signs() {
    let Some(node) = peers::node() else {
        return;
    };
    let Some(key) = material::foreign_key("xml-crypto test IdP") else {
        return;
    };
    let script = script();
    let mut failures = Vec::new();
    for (shape, sha1, parts) in peer_sign_matrix() {
        let unsigned = fixture::hand_response(shape, &|_, _| String::new());
        let args = [
            script.as_str(),
            "sign",
            key.key_pem.to_str().expect("utf-8"),
            key.cert_pem.to_str().expect("utf-8"),
            if sha1 { "sha1" } else { "sha256" },
            parts_arg(&parts),
        ];
        let out = peers::run(&node, &args, unsigned.as_bytes());
        assert!(
            out.status.success(),
            "xml-crypto failed to sign ({shape:?}, sha1={sha1}, {parts:?}): {}",
            peers::describe(&out)
        );
        let xml = String::from_utf8(out.stdout).expect("xml-crypto writes UTF-8");
        if let Err(e) = xml_crypto_verify(&node, &xml, &key.cert_pem, &parts) {
            panic!(
                "xml-crypto does not verify its own output ({shape:?}, sha1={sha1}, {parts:?}): {e}"
            );
        }
        if let Err(e) = check_we_accept("xml-crypto", &xml, &key.certificate, shape, sha1, &parts) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} xml-crypto-signed response(s) not handled:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
