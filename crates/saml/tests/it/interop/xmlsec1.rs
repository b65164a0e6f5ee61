//! Interop with `xmlsec1` (libxmlsec1 + OpenSSL), the reference C implementation of XML-DSig.

use std::path::Path;

use connect_sso_saml::{SignOptions, sign_response};

use super::fixture::{self, Part, Shape};
use super::matrix::{check_we_accept, our_sign_variants, parts_of, peer_sign_matrix};
use super::{material, peers};

const ID_ATTRS: [&str; 4] = [
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:protocol:Response",
    "--id-attr:ID",
    "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
];

fn signature_xpath(part: Part) -> &'static str {
    match part {
        Part::Response => "/*[local-name()='Response']/*[local-name()='Signature']",
        Part::Assertion => {
            "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']"
        }
    }
}

/// `xmlsec1 --verify` of the signature on `part`, with `cert` pinned: Ok, or its complaint.
fn xmlsec1_verify(
    xmlsec1: &Path,
    dir: &Path,
    xml: &str,
    cert: &Path,
    part: Part,
) -> Result<(), String> {
    let file = dir.join("to-verify.xml");
    std::fs::write(&file, xml).expect("writing the document");
    let mut args = vec![
        "--verify",
        "--pubkey-cert-pem",
        cert.to_str().expect("utf-8"),
    ];
    args.extend(ID_ATTRS);
    args.extend(["--node-xpath", signature_xpath(part)]);
    args.push(file.to_str().expect("utf-8"));
    let out = peers::run(xmlsec1, &args, b"");
    if out.status.success() {
        Ok(())
    } else {
        Err(peers::describe(&out))
    }
}

#[test]
fn xmlsec1_verifies_responses_we_sign() {
    let Some(xmlsec1) = peers::xmlsec1() else {
        return;
    };
    let ours = material::our_key();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for (name, spec, options) in our_sign_variants() {
        let xml = sign_response(&spec, &ours.key, options).expect("signing");
        for part in parts_of(options) {
            if let Err(e) = xmlsec1_verify(&xmlsec1, dir.path(), &xml, &ours.cert_pem, part) {
                failures.push(format!("{name}: {part:?} signature: {e}\n{xml}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "xmlsec1 refused {} signature(s) we made:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn xmlsec1_refuses_our_response_when_tampered_or_pinned_to_another_key() {
    let Some(xmlsec1) = peers::xmlsec1() else {
        return;
    };
    let Some(other) = material::foreign_key("Some Other IdP") else {
        return;
    };
    let ours = material::our_key();
    let xml =
        sign_response(&fixture::entra_spec(), &ours.key, SignOptions::default()).expect("signing");
    let dir = other.dir.path();
    let assertion = Part::Assertion;
    if let Err(e) = xmlsec1_verify(&xmlsec1, dir, &xml, &ours.cert_pem, assertion) {
        panic!("xmlsec1 refused the untouched response: {e}");
    }
    let tampered = fixture::tamper_name_id(&xml);
    assert!(
        xmlsec1_verify(&xmlsec1, dir, &tampered, &ours.cert_pem, assertion).is_err(),
        "xmlsec1 accepted a changed NameID: the control shows the peer is not checking"
    );
    assert!(
        xmlsec1_verify(&xmlsec1, dir, &xml, &other.cert_pem, assertion).is_err(),
        "xmlsec1 accepted a signature with another certificate pinned"
    );
}

/// A signature template for `xmlsec1 --sign`, written the way the shape's IdP would.
fn template(shape: Shape, sha1: bool, id: &str) -> String {
    let (sig, digest) = if sha1 {
        (connect_sso_saml::ns::RSA_SHA1, connect_sso_saml::ns::SHA1)
    } else {
        (
            connect_sso_saml::ns::RSA_SHA256,
            connect_sso_saml::ns::SHA256,
        )
    };
    let exc = connect_sso_saml::ns::EXC_C14N;
    let env = connect_sso_saml::ns::ENVELOPED;
    match shape {
        Shape::Entra => format!(
            "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><SignedInfo><CanonicalizationMethod Algorithm=\"{exc}\"/>\
<SignatureMethod Algorithm=\"{sig}\"/><Reference URI=\"#{id}\"><Transforms><Transform Algorithm=\"{env}\"/>\
<Transform Algorithm=\"{exc}\"/></Transforms><DigestMethod Algorithm=\"{digest}\"/><DigestValue></DigestValue></Reference>\
</SignedInfo><SignatureValue></SignatureValue><KeyInfo><X509Data><X509Certificate></X509Certificate></X509Data></KeyInfo></Signature>"
        ),
        Shape::Pretty => format!(
            "\n    <ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\n      <ds:SignedInfo>\n        <ds:CanonicalizationMethod Algorithm=\"{exc}\"/>\n\
        <ds:SignatureMethod Algorithm=\"{sig}\"/>\n        <ds:Reference URI=\"#{id}\">\n          <ds:Transforms>\n\
            <ds:Transform Algorithm=\"{env}\"/>\n            <ds:Transform Algorithm=\"{exc}\"/>\n          </ds:Transforms>\n\
          <ds:DigestMethod Algorithm=\"{digest}\"/>\n          <ds:DigestValue/>\n        </ds:Reference>\n      </ds:SignedInfo>\n\
      <ds:SignatureValue/>\n      <ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>\n    </ds:Signature>"
        ),
    }
}

/// Sign `parts` of a hand-written response with xmlsec1 (Assertion first).
fn xmlsec1_sign(
    xmlsec1: &Path,
    key: &material::ForeignKey,
    shape: Shape,
    sha1: bool,
    parts: &[Part],
) -> String {
    let mut xml = fixture::hand_response(shape, &|part, id| {
        if parts.contains(&part) {
            template(shape, sha1, id)
        } else {
            String::new()
        }
    });
    let input = key.dir.path().join("template.xml");
    let output = key.dir.path().join("signed.xml");
    let keys = format!(
        "{},{}",
        key.key_pem.to_str().expect("utf-8"),
        key.cert_pem.to_str().expect("utf-8")
    );
    for part in [Part::Assertion, Part::Response] {
        if !parts.contains(&part) {
            continue;
        }
        std::fs::write(&input, &xml).expect("writing template");
        let mut args = vec!["--sign", "--privkey-pem", keys.as_str()];
        args.extend(ID_ATTRS);
        args.extend(["--node-xpath", signature_xpath(part)]);
        args.extend(["--output", output.to_str().expect("utf-8")]);
        args.push(input.to_str().expect("utf-8"));
        let out = peers::run(xmlsec1, &args, b"");
        assert!(
            out.status.success(),
            "xmlsec1 --sign ({shape:?}, sha1={sha1}, {part:?}) failed: {}\n{xml}",
            peers::describe(&out)
        );
        xml = std::fs::read_to_string(&output).expect("reading signed output");
    }
    xml
}

#[test]
fn we_verify_responses_xmlsec1_signs() {
    let Some(xmlsec1) = peers::xmlsec1() else {
        return;
    };
    let Some(key) = material::foreign_key("xmlsec1 test IdP") else {
        return;
    };
    let mut failures = Vec::new();
    for (shape, sha1, parts) in peer_sign_matrix() {
        let xml = xmlsec1_sign(&xmlsec1, &key, shape, sha1, &parts);
        // The peer must agree with itself before we are judged.
        for part in &parts {
            if let Err(e) = xmlsec1_verify(&xmlsec1, key.dir.path(), &xml, &key.cert_pem, *part) {
                panic!(
                    "xmlsec1 does not verify its own output ({shape:?}, sha1={sha1}, {part:?}): {e}"
                );
            }
        }
        if let Err(e) = check_we_accept("xmlsec1", &xml, &key.certificate, shape, sha1, &parts) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} xmlsec1-signed response(s) not handled:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
