//! XML signature wrapping and its relatives, one named test per attack (crewjam/saml style).
//! Each starts from a response the IdP really signed and mutates its text the way an attacker
//! who captured it would; the verifier must reject with the specific class, or, where the
//! mutation is harmless, accept and still report the signed values.

use connect_sso_saml::{
    Error, Rejection, ResponseSpec, SignOptions, VerifiedAssertion, ns, sign_response,
    verify_response,
};

use super::roundtrip::{attacker_key, idp_key, options, signed, spec};

const ASSERTION_SIGNED: SignOptions = SignOptions {
    sha1: false,
    sign_assertion: true,
    sign_response: false,
    include_key_info: true,
};

const RESPONSE_SIGNED: SignOptions = SignOptions {
    sha1: false,
    sign_assertion: false,
    sign_response: true,
    include_key_info: true,
};

fn verify(xml: &str) -> Result<VerifiedAssertion, Rejection> {
    match verify_response(xml.as_bytes(), &options()) {
        Ok(v) => Ok(v),
        Err(Error::Rejected(r)) => Err(r),
        Err(other) => panic!("expected a rejection, got {other:?}"),
    }
}

/// Byte range of the `<Assertion …>…</Assertion>` element.
fn assertion_range(xml: &str) -> std::ops::Range<usize> {
    let start = xml.find("<Assertion ").expect("assertion start");
    let end = xml.find("</Assertion>").expect("assertion end") + "</Assertion>".len();
    start..end
}

/// Byte range of the first `<Signature …>…</Signature>` at or after `from`.
fn signature_range(xml: &str, from: usize) -> std::ops::Range<usize> {
    let start = from + xml[from..].find("<Signature ").expect("signature start");
    let end =
        start + xml[start..].find("</Signature>").expect("signature end") + "</Signature>".len();
    start..end
}

/// The signed Assertion with its signature removed, its ID replaced and the user changed:
/// what an attacker would like the SP to read.
fn evil_assertion(xml: &str, id: &str) -> String {
    let range = assertion_range(xml);
    let assertion = &xml[range.clone()];
    let mut evil = match assertion.find("<Signature ") {
        Some(_) => {
            let sig = signature_range(assertion, 0);
            format!("{}{}", &assertion[..sig.start], &assertion[sig.end..])
        }
        None => assertion.to_string(),
    };
    evil = evil.replacen(&spec().assertion_id, id, 1);
    evil.replace(&spec().name_id, "admin@contoso.example")
}

fn insert(xml: &str, at: usize, what: &str) -> String {
    format!("{}{what}{}", &xml[..at], &xml[at..])
}

/// Offset just after the Response's `samlp:Status` element (where Extensions cannot go, but
/// where an attacker may put anything).
fn after_response_issuer(xml: &str) -> usize {
    xml.find("</Issuer>").expect("response issuer") + "</Issuer>".len()
}

#[test]
fn untouched_response_is_accepted() {
    let v = verify(&signed(ASSERTION_SIGNED)).expect("accepted");
    assert_eq!(v.subject, spec().name_id);
}

// (1) An unsigned evil Assertion next to the signed one.

#[test]
fn xsw_evil_unsigned_assertion_before_the_signed_one() {
    let xml = signed(ASSERTION_SIGNED);
    let evil = evil_assertion(&xml, "_evil");
    let xml = insert(&xml, assertion_range(&xml).start, &evil);
    assert_eq!(verify(&xml), Err(Rejection::AssertionCount { count: 2 }));
}

#[test]
fn xsw_evil_unsigned_assertion_after_the_signed_one() {
    let xml = signed(ASSERTION_SIGNED);
    let evil = evil_assertion(&xml, "_evil");
    let xml = insert(&xml, assertion_range(&xml).end, &evil);
    assert_eq!(verify(&xml), Err(Rejection::AssertionCount { count: 2 }));
}

// (2) The signed Assertion hidden elsewhere, an evil one in its place.

#[test]
fn xsw_signed_assertion_moved_into_extensions_with_evil_in_its_place() {
    let xml = signed(ASSERTION_SIGNED);
    let range = assertion_range(&xml);
    let original = xml[range.clone()].to_string();
    let evil = evil_assertion(&xml, "_evil");
    let mut mutated = format!("{}{evil}{}", &xml[..range.start], &xml[range.end..]);
    let at = after_response_issuer(&mutated);
    mutated = insert(
        &mutated,
        at,
        &format!("<samlp:Extensions>{original}</samlp:Extensions>"),
    );
    assert_eq!(
        verify(&mutated),
        Err(Rejection::AssertionCount { count: 2 })
    );
}

#[test]
fn xsw_evil_assertion_reusing_the_signed_id_is_a_duplicate_id() {
    let xml = signed(ASSERTION_SIGNED);
    let range = assertion_range(&xml);
    let original = xml[range.clone()].to_string();
    let evil = evil_assertion(&xml, &spec().assertion_id);
    let mut mutated = format!("{}{evil}{}", &xml[..range.start], &xml[range.end..]);
    let at = after_response_issuer(&mutated);
    mutated = insert(
        &mutated,
        at,
        &format!("<samlp:Extensions>{original}</samlp:Extensions>"),
    );
    assert_eq!(
        verify(&mutated),
        Err(Rejection::DuplicateId(spec().assertion_id))
    );
}

#[test]
fn xsw_signed_assertion_moved_into_the_signature_object_of_an_evil_one() {
    let xml = signed(ASSERTION_SIGNED);
    let range = assertion_range(&xml);
    let original = xml[range.clone()].to_string();
    let sig = signature_range(&original, 0);
    let signature = &original[sig.clone()];
    // Evil assertion carries the original signature, whose Object holds the original assertion.
    let wrapped_signature = signature.replacen(
        "</Signature>",
        &format!("<Object>{original}</Object></Signature>"),
        1,
    );
    let evil = evil_assertion(&xml, "_evil");
    let evil = evil.replacen("</Issuer>", &format!("</Issuer>{wrapped_signature}"), 1);
    let mutated = format!("{}{evil}{}", &xml[..range.start], &xml[range.end..]);
    assert_eq!(
        verify(&mutated),
        Err(Rejection::AssertionCount { count: 2 })
    );
}

#[test]
fn xsw_signed_assertion_only_inside_extensions_is_not_a_child_of_the_response() {
    let xml = signed(ASSERTION_SIGNED);
    let range = assertion_range(&xml);
    let original = xml[range.clone()].to_string();
    let mut mutated = format!("{}{}", &xml[..range.start], &xml[range.end..]);
    let at = after_response_issuer(&mutated);
    mutated = insert(
        &mutated,
        at,
        &format!("<samlp:Extensions>{original}</samlp:Extensions>"),
    );
    assert_eq!(
        verify(&mutated),
        Err(Rejection::AssertionMisplaced {
            found: format!("{{{}}}Assertion in <samlp:Extensions>", ns::ASSERTION)
        })
    );
}

// (3) Wrapping a signed Response.

#[test]
fn xsw_response_signature_wrapping_original_response_inside_an_evil_one() {
    let xml = signed(RESPONSE_SIGNED);
    let sig = signature_range(&xml, 0);
    let signature = xml[sig.clone()].to_string();
    let original_unsigned = format!("{}{}", &xml[..sig.start], &xml[sig.end..]);
    // Evil Response: new ID, the original signature moved in, an evil assertion, and the
    // original Response tucked into Extensions so that the reference still resolves.
    let evil_body = evil_assertion(&xml, "_evil_assertion");
    let evil = format!(
        "<samlp:Response ID=\"_evil\" Version=\"2.0\" IssueInstant=\"2025-06-01T12:00:00.250Z\" Destination=\"{acs}\" xmlns:samlp=\"{p}\"><Issuer xmlns=\"{a}\">{iss}</Issuer>{signature}<samlp:Extensions>{original_unsigned}</samlp:Extensions><samlp:Status><samlp:StatusCode Value=\"{ok}\"/></samlp:Status>{evil_body}</samlp:Response>",
        acs = super::roundtrip::ACS,
        p = ns::PROTOCOL,
        a = ns::ASSERTION,
        iss = super::roundtrip::TENANT_ISSUER,
        ok = ns::STATUS_SUCCESS,
    );
    assert_eq!(verify(&evil), Err(Rejection::AssertionCount { count: 2 }));
}

#[test]
fn xsw_response_signature_kept_on_a_response_with_a_new_id() {
    let xml = signed(RESPONSE_SIGNED)
        .replacen(&spec().response_id, "_evil", 1)
        .replace(&spec().name_id, "admin@contoso.example");
    assert!(matches!(verify(&xml), Err(Rejection::BadReference(_))));
}

#[test]
fn xsw_response_signed_content_altered() {
    let xml = signed(RESPONSE_SIGNED).replace(&spec().name_id, "admin@contoso.example");
    assert!(matches!(verify(&xml), Err(Rejection::DigestMismatch(_))));
}

// (4) Duplicated IDs.

#[test]
fn xsw_duplicated_assertion_id_elsewhere_is_refused() {
    let xml = signed(ASSERTION_SIGNED);
    let at = after_response_issuer(&xml);
    let xml = insert(
        &xml,
        at,
        &format!(
            "<samlp:Extensions><x ID=\"{}\"/></samlp:Extensions>",
            spec().assertion_id
        ),
    );
    assert_eq!(
        verify(&xml),
        Err(Rejection::DuplicateId(spec().assertion_id))
    );
}

#[test]
fn xsw_response_and_assertion_sharing_an_id_is_refused() {
    let xml = signed(ASSERTION_SIGNED).replacen(&spec().response_id, &spec().assertion_id, 1);
    assert_eq!(
        verify(&xml),
        Err(Rejection::DuplicateId(spec().assertion_id))
    );
}

// (5) Comment injection (CVE-2017-11427 / CVE-2018-7340 class).

#[test]
fn comment_injected_in_name_id_does_not_truncate_the_subject() {
    let mut s: ResponseSpec = spec();
    s.name_id = "admin@contoso.example.attacker.test".to_string();
    s.attributes[1].values = vec!["admin@contoso.example.attacker.test".to_string()];
    let xml = sign_response(&s, idp_key(), ASSERTION_SIGNED).expect("sign");
    let xml = xml.replace(
        ">admin@contoso.example.attacker.test<",
        ">admin@contoso.example<!---->.attacker.test<",
    );
    assert_eq!(xml.matches("<!---->").count(), 2, "both texts were mutated");
    let v = verify(&xml).expect("comments are not signed content, so the signature holds");
    assert_eq!(v.subject, "admin@contoso.example.attacker.test");
    assert_eq!(
        v.attribute("https://aws.amazon.com/SAML/Attributes/RoleSessionName"),
        Some(&["admin@contoso.example.attacker.test".to_string()][..])
    );
}

#[test]
fn processing_instruction_injected_in_name_id_breaks_the_digest() {
    // PIs, unlike comments, are part of the canonical form.
    let xml = signed(ASSERTION_SIGNED).replace(
        ">agent.one@contoso.example</NameID>",
        ">agent.one<?x?>@contoso.example</NameID>",
    );
    assert!(matches!(verify(&xml), Err(Rejection::DigestMismatch(_))));
}

// (6) A signature that does not reference the element it sits in.

#[test]
fn signature_moved_from_the_assertion_to_the_response_is_refused() {
    let xml = signed(ASSERTION_SIGNED);
    let range = assertion_range(&xml);
    let sig = signature_range(&xml, range.start);
    let signature = xml[sig.clone()].to_string();
    let without = format!("{}{}", &xml[..sig.start], &xml[sig.end..]);
    let at = after_response_issuer(&without);
    let moved = insert(&without, at, &signature);
    assert!(matches!(verify(&moved), Err(Rejection::BadReference(_))));
}

#[test]
fn reference_to_another_element_is_refused() {
    let xml = signed(ASSERTION_SIGNED).replacen(
        &format!("URI=\"#{}\"", spec().assertion_id),
        &format!("URI=\"#{}\"", spec().response_id),
        1,
    );
    assert!(matches!(verify(&xml), Err(Rejection::BadReference(_))));
}

#[test]
fn whole_document_reference_on_the_assertion_is_refused() {
    let xml = signed(ASSERTION_SIGNED).replacen(
        &format!("URI=\"#{}\"", spec().assertion_id),
        "URI=\"\"",
        1,
    );
    assert!(matches!(verify(&xml), Err(Rejection::BadReference(_))));
}

#[test]
fn second_reference_is_refused() {
    let xml = signed(ASSERTION_SIGNED);
    let start = xml.find("<Reference ").expect("reference");
    let end = xml.find("</Reference>").expect("reference end") + "</Reference>".len();
    let reference = xml[start..end].to_string();
    let xml = insert(&xml, end, &reference);
    assert!(matches!(verify(&xml), Err(Rejection::BadReference(_))));
}

#[test]
fn object_inside_a_signature_is_refused() {
    let xml = signed(ASSERTION_SIGNED).replacen(
        "</SignatureValue>",
        "</SignatureValue><Object><Hidden>payload</Hidden></Object>",
        1,
    );
    assert!(matches!(
        verify(&xml),
        Err(Rejection::MalformedSignature(_))
    ));
}

#[test]
fn transforms_other_than_enveloped_and_exclusive_c14n_are_refused() {
    for replacement in [
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
        "http://www.w3.org/TR/1999/REC-xpath-19991116",
    ] {
        let xml = signed(ASSERTION_SIGNED);
        let transform = format!(
            "<Transform Algorithm=\"{}\"></Transform></Transforms>",
            ns::EXC_C14N
        );
        assert!(xml.contains(&transform), "the signature's layout changed");
        let xml = xml.replacen(
            &transform,
            &format!("<Transform Algorithm=\"{replacement}\"></Transform></Transforms>"),
            1,
        );
        assert!(
            matches!(verify(&xml), Err(Rejection::Algorithm(_))),
            "{replacement}"
        );
    }
}

// (7) KeyInfo is never trusted.

#[test]
fn keyinfo_cert_substitution_attacker_resigns_with_own_key() {
    let mut s = spec();
    s.name_id = "admin@contoso.example".to_string();
    let forged = sign_response(&s, attacker_key(), ASSERTION_SIGNED).expect("sign");
    assert!(forged.contains(&attacker_key().certificate().to_base64()));
    assert_eq!(verify(&forged), Err(Rejection::BadSignature));
}

#[test]
fn keyinfo_holding_another_certificate_is_ignored() {
    let xml = signed(ASSERTION_SIGNED).replace(
        &idp_key().certificate().to_base64(),
        &attacker_key().certificate().to_base64(),
    );
    let v = verify(&xml).expect("KeyInfo plays no part in verification");
    assert_eq!(
        v.signing_certificate_thumbprint,
        idp_key().certificate().thumbprint_sha1()
    );
}

// (8) DTDs and entities.

#[test]
fn billion_laughs_is_refused_before_expansion() {
    let xml =
        signed(ASSERTION_SIGNED).replace(">agent.one@contoso.example</NameID>", ">&lol9;</NameID>");
    let mut dtd =
        String::from("<?xml version=\"1.0\"?><!DOCTYPE samlp:Response [<!ENTITY lol \"lol\">");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        dtd.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    dtd.push_str("]>");
    assert_eq!(verify(&format!("{dtd}{xml}")), Err(Rejection::Dtd));
}

#[test]
fn external_entity_is_refused() {
    let xml =
        signed(ASSERTION_SIGNED).replace(">agent.one@contoso.example</NameID>", ">&xxe;</NameID>");
    let dtd = "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>";
    assert_eq!(verify(&format!("{dtd}{xml}")), Err(Rejection::Dtd));
    let bare = format!("<!DOCTYPE samlp:Response>{}", signed(ASSERTION_SIGNED));
    assert_eq!(verify(&bare), Err(Rejection::Dtd));
}

// (9) SHA-1 only when allowed.

#[test]
fn sha1_is_refused_unless_allowed() {
    let xml = signed(SignOptions {
        sha1: true,
        ..ASSERTION_SIGNED
    });
    assert!(matches!(verify(&xml), Err(Rejection::Sha1NotAllowed(_))));
    let mut o = options();
    o.allow_sha1 = true;
    let v = verify_response(xml.as_bytes(), &o).expect("allowed");
    assert!(v.sha1_used);
}

#[test]
fn sha1_digest_under_a_sha256_signature_is_refused_unless_allowed() {
    // Only the DigestMethod says SHA-1: still SHA-1.
    let xml = signed(ASSERTION_SIGNED).replacen(ns::SHA256, ns::SHA1, 1);
    assert!(matches!(verify(&xml), Err(Rejection::Sha1NotAllowed(_))));
}

// Structure.

#[test]
fn status_other_than_success_is_refused() {
    let xml = signed(ASSERTION_SIGNED).replacen(
        ns::STATUS_SUCCESS,
        "urn:oasis:names:tc:SAML:2.0:status:Requester",
        1,
    );
    assert!(matches!(verify(&xml), Err(Rejection::StatusNotSuccess(_))));
}

#[test]
fn bare_assertion_needs_permission_and_then_verifies() {
    let xml = signed(ASSERTION_SIGNED);
    let assertion = &xml[assertion_range(&xml)];
    assert!(matches!(
        verify(assertion),
        Err(Rejection::NotAResponse { .. })
    ));
    let mut o = options();
    o.allow_bare_assertion = true;
    let v = verify_response(assertion.as_bytes(), &o).expect("bare assertion token");
    assert_eq!(v.subject, spec().name_id);
    assert_eq!(v.destination, None);
}

#[test]
fn malformed_xml_is_refused() {
    let xml = signed(ASSERTION_SIGNED);
    let cut = &xml[..xml.len() - 10];
    assert!(matches!(verify(cut), Err(Rejection::Malformed(_))));
    assert!(matches!(
        verify_response(b"\xff\xfe<", &options()),
        Err(Error::Rejected(Rejection::Malformed(_)))
    ));
    // Undeclared prefix: not namespace-well-formed.
    assert!(matches!(
        verify("<x:Response/>"),
        Err(Rejection::Malformed(_))
    ));
}
