//! Hostile input, one named test per class: deep nesting in every position, attribute and
//! namespace floods, the AWS length limit, two SubjectConfirmations, a Latin-1 declaration, a
//! 512-bit key, a look-alike Assertion. Every entry point that reads XML from outside (verify,
//! inspect, metadata, AuthnRequest) is refused before the tree parser runs, so these run on a
//! thread with a small stack: a parser that recursed per element would overflow it.

use connect_sso_saml::aws::{self, AwsRejection};
use connect_sso_saml::limits::{XmlStats, scan};
use connect_sso_saml::{
    AuthnRequest, Certificate, Error, IdpMetadata, Rejection, SignOptions, XmlLimit, XmlLimits,
    inspect, sign_response, sign_response_xml, verify_response,
};

use crate::roundtrip::{idp_key, options, signed, spec};

const SIGN_ASSERTION: SignOptions = SignOptions {
    sha1: false,
    sign_assertion: true,
    sign_response: false,
    include_key_info: true,
};

/// Run `f` on a thread with a 512 KiB stack (tokio's workers have 2 MiB; the main thread 8).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the check overflowed a small stack or panicked")
}

fn rejection(xml: &str) -> Rejection {
    match verify_response(xml.as_bytes(), &options()) {
        Err(Error::Rejected(r)) => r,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

fn nested(levels: usize) -> String {
    format!("{}x{}", "<e>".repeat(levels), "</e>".repeat(levels))
}

/// The Entra-style signed response with `what` inserted right after `anchor`.
fn signed_with(anchor: &str, what: &str) -> String {
    let xml = signed(SIGN_ASSERTION);
    let at = xml.find(anchor).expect("anchor") + anchor.len();
    format!("{}{}{}", &xml[..at], what, &xml[at..])
}

fn is_depth(r: &Rejection) -> bool {
    matches!(r, Rejection::Limit(XmlLimit::Depth { .. }))
}

#[test]
fn deep_nesting_is_refused_in_every_position_on_a_small_stack() {
    on_small_stack(|| {
        let deep = nested(100_000);
        let cases = [
            ("at the root", deep.clone()),
            (
                "in unsigned samlp:Extensions",
                signed_with(
                    "</Issuer>",
                    &format!(
                        "<samlp:Extensions xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">{deep}</samlp:Extensions>"
                    ),
                ),
            ),
            (
                "in an AttributeValue",
                signed_with("<AttributeValue>", &deep),
            ),
            (
                "in the signature's KeyInfo",
                signed_with("<KeyInfo>", &deep),
            ),
            (
                "just past the limit",
                nested(XmlLimits::DEFAULT.max_depth + 1),
            ),
        ];
        for (position, xml) in cases {
            let r = rejection(&xml);
            assert!(is_depth(&r), "{position}: {r}");
            let inspected = inspect(xml.as_bytes());
            assert!(
                matches!(&inspected, Err(Error::Rejected(r)) if is_depth(r)),
                "inspect {position}: {inspected:?}"
            );
        }
        let metadata = format!(
            "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\">{deep}</EntityDescriptor>"
        );
        let err = IdpMetadata::parse(&metadata).expect_err("deep metadata");
        assert!(err.to_string().contains("nested more than"), "{err}");
        let request = format!(
            "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">{deep}</samlp:AuthnRequest>"
        );
        assert!(matches!(
            AuthnRequest::parse(request.as_bytes()),
            Err(Error::Rejected(r)) if is_depth(&r)
        ));
    });
}

#[test]
fn nesting_at_the_limit_still_parses_on_a_small_stack() {
    on_small_stack(|| {
        let depth = XmlLimits::DEFAULT.max_depth - 1;
        let xml = signed_with("<AttributeValue>", &nested(depth - 8));
        // Not a valid response (the value is now markup), but parsed and checked, not refused
        // for its depth, and without overflowing the stack.
        assert!(!is_depth(&rejection(&xml)));
    });
}

fn attributes(n: usize) -> String {
    (0..n).map(|i| format!(" a{i}=\"v\"")).collect()
}

fn declarations(n: usize) -> String {
    (0..n)
        .map(|i| format!(" xmlns:p{i}=\"urn:x:{i}\""))
        .collect()
}

#[test]
fn attribute_flood_is_refused_at_the_limit() {
    for n in [10_000, 20_000, 40_000] {
        let xml = signed_with("<NameID", &attributes(n));
        assert!(
            matches!(
                rejection(&xml),
                Rejection::Limit(XmlLimit::Attributes { limit: 32, .. })
            ),
            "{n} attributes"
        );
    }
}

#[test]
fn attribute_flood_spread_over_elements_is_refused_at_the_document_limit() {
    let spread = format!("<e{}/>", attributes(8)).repeat(2_000);
    let r = rejection(&signed_with("<AttributeValue>", &spread));
    assert!(
        matches!(
            r,
            Rejection::Limit(XmlLimit::TotalAttributes { limit: 10_000, .. })
        ),
        "{r}"
    );
}

#[test]
fn namespace_flood_is_refused_at_the_limit() {
    let xml = signed_with("<NameID", &declarations(30_000));
    let r = rejection(&xml);
    assert!(
        matches!(r, Rejection::Limit(XmlLimit::NamespaceDeclarations { .. })),
        "{r}"
    );
    // Spread over many elements, one declaration each: the document-wide limit.
    let spread: String = (0..10_000)
        .map(|i| format!("<x:e xmlns:x=\"urn:x:{i}\"/>"))
        .collect();
    let xml = signed_with("<AttributeValue>", &spread);
    assert!(matches!(
        rejection(&xml),
        Rejection::Limit(XmlLimit::Namespaces { .. })
    ));
}

#[test]
fn node_flood_and_oversized_input_are_refused() {
    let xml = signed_with("<AttributeValue>", &"<e/>".repeat(60_000));
    assert!(matches!(
        rejection(&xml),
        Rejection::Limit(XmlLimit::Nodes { .. })
    ));
    let xml = signed_with("<AttributeValue>", &"x".repeat(2 * 1024 * 1024));
    assert!(matches!(
        rejection(&xml),
        Rejection::Limit(XmlLimit::InputSize { .. })
    ));
}

fn work(xml: &str) -> XmlStats {
    scan(xml, &XmlLimits::DEFAULT).expect("within the limits")
}

/// Hostile inputs just inside every per-element limit, at n and 2n repetitions: the tree
/// parser's work (its comparisons, counted by the scan) must double, not quadruple.
#[test]
fn parser_work_grows_linearly_with_hostile_input() {
    let limits = XmlLimits::DEFAULT;
    let wide = format!("<e{}/>", attributes(limits.max_attributes));
    let prefixed: String = (0..limits.max_attributes)
        .map(|i| format!(" p{}:a{i}=\"v\"", i % limits.max_namespace_declarations))
        .collect();
    let scoped = format!(
        "<p0:e{}{prefixed}/>",
        declarations(limits.max_namespace_declarations)
    );
    let deep = nested(limits.max_depth - 2);
    for (class, unit) in [
        ("attributes", wide),
        ("namespaces", scoped),
        ("depth", deep),
    ] {
        let n = 40;
        let one = work(&format!("<r>{}</r>", unit.repeat(n)));
        let two = work(&format!("<r>{}</r>", unit.repeat(2 * n)));
        let ratio = two.parser_work as f64 / one.parser_work as f64;
        assert!(
            (1.9..=2.1).contains(&ratio),
            "{class}: work {} then {} (ratio {ratio:.2})",
            one.parser_work,
            two.parser_work
        );
        assert!((1.9..=2.1).contains(&(two.bytes as f64 / one.bytes as f64)));
    }
}

#[test]
fn aws_refuses_a_saml_response_over_100000_characters() {
    assert_eq!(aws::encoded_len(75_000), 100_000);
    assert!(aws::check_saml_response_len(100_000).is_ok());
    let err = aws::check_saml_response_len(100_004).expect_err("too long");
    assert_eq!(err, AwsRejection::ResponseTooLong { length: 100_004 });
    assert!(
        err.to_string()
            .contains("Member must have length less than or equal to 100000"),
        "{err}"
    );
}

/// The signed response with the bearer SubjectConfirmation doubled; `expired_first` puts an
/// expired copy before the good one (else after it).
fn two_confirmations(expired_first: bool) -> String {
    let unsigned = sign_response(
        &spec(),
        idp_key(),
        SignOptions {
            sign_assertion: false,
            ..SIGN_ASSERTION
        },
    )
    .expect("unsigned");
    let start = unsigned
        .find("<SubjectConfirmation ")
        .expect("confirmation");
    let end =
        unsigned.find("</SubjectConfirmation>").expect("end") + "</SubjectConfirmation>".len();
    let good = &unsigned[start..end];
    let not_on_or_after = good
        .split("NotOnOrAfter=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("NotOnOrAfter");
    let expired = good.replace(not_on_or_after, "2000-01-01T00:00:00.000Z");
    let pair = if expired_first {
        format!("{expired}{good}")
    } else {
        format!("{good}{expired}")
    };
    let xml = format!("{}{pair}{}", &unsigned[..start], &unsigned[end..]);
    let s = spec();
    sign_response_xml(
        &xml,
        &s.response_id,
        &s.assertion_id,
        idp_key(),
        SIGN_ASSERTION,
    )
    .expect("sign")
}

#[test]
fn aws_refuses_two_subject_confirmations_in_either_order() {
    for expired_first in [true, false] {
        let xml = two_confirmations(expired_first);
        // Plain SAML accepts a response with one usable bearer confirmation…
        let verified = verify_response(xml.as_bytes(), &options()).expect("SAML-valid");
        assert_eq!(verified.subject_confirmations, 2);
        // …AWS takes exactly one, whatever the order.
        assert_eq!(
            aws::check(&verified),
            Err(AwsRejection::SubjectConfirmationCount(2)),
            "expired first: {expired_first}"
        );
    }
}

#[test]
fn latin1_declaration_is_refused_not_read_as_utf8() {
    let xml = signed(SIGN_ASSERTION);
    let declared = format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>{xml}");
    assert_eq!(
        rejection(&declared),
        Rejection::Encoding("ISO-8859-1".to_string())
    );
    let utf8 = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>{xml}");
    assert!(verify_response(utf8.as_bytes(), &options()).is_ok());
}

/// `openssl req -x509 -newkey rsa:512` (a test fixture made for this test).
const CERT_512: &str = "-----BEGIN CERTIFICATE-----
MIIBoTCCAUugAwIBAgIUc9Ok96yGEdLAcObArNtlZ5mzZHAwDQYJKoZIhvcNAQEL
BQAwJDEiMCAGA1UEAwwZd2VhayA1MTItYml0IHRlc3QgZml4dHVyZTAgFw0yNjEx
MjkxMjE1MjNaGA8yMTI2MTEwNTEyMTUyM1owJDEiMCAGA1UEAwwZd2VhayA1MTIt
Yml0IHRlc3QgZml4dHVyZTBcMA0GCSqGSIb3DQEBAQUAA0sAMEgCQQC0OIWryOMS
nVKl2u+DhhTNpm2KLy/67Op13uNqddTqJJkfip4LIhtkd6iqUh6p8R7AXFxE0eSl
Ax7cgRa1K54bAgMBAAGjUzBRMB0GA1UdDgQWBBQXm3N6H9O1L9V0vno1laxJl0sJ
QTAfBgNVHSMEGDAWgBQXm3N6H9O1L9V0vno1laxJl0sJQTAPBgNVHRMBAf8EBTAD
AQH/MA0GCSqGSIb3DQEBCwUAA0EAdF54JlSyozwuMKbudf2vFM58ndqZUnkCU7/v
5qLiNcwOSm0nYHHBNwJxEjBLM3r1ZC4XFcR46zFbIUG/W22vuQ==
-----END CERTIFICATE-----
";

#[test]
fn a_512_bit_key_is_refused_for_its_size() {
    let weak = Certificate::from_pem(CERT_512).expect("cert");
    assert_eq!(weak.key_bits(), 512);
    let mut opts = options();
    opts.trusted_certificates = vec![weak];
    let xml = signed(SIGN_ASSERTION);
    let err = verify_response(xml.as_bytes(), &opts).expect_err("weak key");
    assert!(
        matches!(&err, Error::Rejected(Rejection::WeakKey { bits: 512 })),
        "{err:?}"
    );
    assert!(err.to_string().contains("512 bits"), "{err}");
}

#[test]
fn a_lone_assertion_in_a_look_alike_namespace_is_named() {
    let xml = signed(SIGN_ASSERTION).replace(
        "Version=\"2.0\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">",
        "Version=\"2.0\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion:evil\">",
    );
    let r = rejection(&xml);
    assert!(matches!(r, Rejection::AssertionMisplaced { .. }), "{r}");
    assert!(r.to_string().contains(":evil}Assertion"), "{r}");
}
