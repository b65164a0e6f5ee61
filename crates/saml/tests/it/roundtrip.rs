//! Sign → verify round trips (SHA-256 and SHA-1; Assertion, Response or both signed),
//! metadata write → parse (with two signing certificates, as during a rollover), and the
//! time bounds with clock skew. Also the shared fixtures of `xsw.rs`.

use std::sync::OnceLock;

use connect_sso_saml::{
    Attribute, Certificate, Endpoint, Error, IdpMetadata, Rejection, ResponseSpec, SignOptions,
    SignatureAlgorithm, SignedPart, SigningKey, SpMetadata, VerifyOptions, canonicalize_exclusive,
    ns, sign_metadata, sign_response, verify_response,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub(crate) const TENANT_ISSUER: &str =
    "https://sts.windows.net/8f3c1c1e-0000-4000-8000-123456789abc/";
pub(crate) const ACS: &str = "https://signin.aws.amazon.com/saml";
pub(crate) const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";

/// The IdP's signing key (one per test run; RSA key generation is the slow part).
pub(crate) fn idp_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::generate(
            "Microsoft Azure Federated SSO Certificate",
            datetime!(2025-01-01 00:00 UTC),
            datetime!(2028-01-01 00:00 UTC),
        )
        .expect("generate IdP key")
    })
}

/// A key the attacker controls.
pub(crate) fn attacker_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::generate(
            "Microsoft Azure Federated SSO Certificate",
            datetime!(2025-01-01 00:00 UTC),
            datetime!(2028-01-01 00:00 UTC),
        )
        .expect("generate attacker key")
    })
}

/// The instant the fixtures are issued at.
pub(crate) fn issued() -> OffsetDateTime {
    datetime!(2025-06-01 12:00:00.250 UTC)
}

/// What Entra would send for a user assigned to one Connect federation role.
pub(crate) fn spec() -> ResponseSpec {
    ResponseSpec {
        response_id: "_2f6a2e7c-9c55-4c0e-9a41-1d0c0a0e0001".to_string(),
        assertion_id: "_8b1f3d2a-1c44-4e6f-8d2e-2b3c4d5e0002".to_string(),
        issuer: TENANT_ISSUER.to_string(),
        destination: ACS.to_string(),
        in_response_to: None,
        issue_instant: issued(),
        name_id: "agent.one@contoso.example".to_string(),
        name_id_format: ns::NAMEID_EMAIL.to_string(),
        audiences: vec![ACS.to_string()],
        not_before: issued() - Duration::minutes(5),
        not_on_or_after: issued() + Duration::hours(1),
        authn_instant: issued(),
        session_index: Some("_8b1f3d2a-1c44-4e6f-8d2e-2b3c4d5e0002".to_string()),
        authn_context_class: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password".to_string(),
        attributes: vec![
            Attribute {
                name: ROLE.to_string(),
                values: vec![
                    "arn:aws:iam::111122223333:role/ConnectAgent,arn:aws:iam::111122223333:saml-provider/Entra"
                        .to_string(),
                ],
            },
            Attribute {
                name: "https://aws.amazon.com/SAML/Attributes/RoleSessionName".to_string(),
                values: vec!["agent.one@contoso.example".to_string()],
            },
            Attribute {
                name: "tricky".to_string(),
                values: vec![
                    "a < b & c > \"d\" 'e'".to_string(),
                    "line\none\ttab\r\ncrlf".to_string(),
                    String::new(),
                    "ünïcödé ✓".to_string(),
                ],
            },
        ],
    }
}

/// What AWS sign-in checks, at the issue instant, pinned to the IdP's certificate.
pub(crate) fn options() -> VerifyOptions {
    let mut o = VerifyOptions::new(vec![idp_key().certificate().clone()], issued());
    o.expected_issuer = Some(TENANT_ISSUER.to_string());
    o.audience = Some(ACS.to_string());
    o.recipient = Some(ACS.to_string());
    o
}

/// A response signed by the IdP as `opts` say.
pub(crate) fn signed(opts: SignOptions) -> String {
    sign_response(&spec(), idp_key(), opts).expect("sign")
}

fn opts(sha1: bool, sign_assertion: bool, sign_response: bool) -> SignOptions {
    SignOptions {
        sha1,
        sign_assertion,
        sign_response,
        include_key_info: true,
    }
}

#[test]
fn sign_then_verify_every_combination() {
    for sha1 in [false, true] {
        for (sign_assertion, sign_response, parts) in [
            (true, false, vec![SignedPart::Assertion]),
            (false, true, vec![SignedPart::Response]),
            (
                true,
                true,
                vec![SignedPart::Response, SignedPart::Assertion],
            ),
        ] {
            let xml = signed(opts(sha1, sign_assertion, sign_response));
            let mut o = options();
            o.allow_sha1 = sha1;
            let v = verify_response(xml.as_bytes(), &o).unwrap_or_else(|e| {
                panic!("sha1={sha1} assertion={sign_assertion} response={sign_response}: {e}")
            });
            let s = spec();
            assert_eq!(v.subject, s.name_id);
            assert_eq!(v.issuer, TENANT_ISSUER);
            assert_eq!(
                v.attributes, s.attributes,
                "attribute values survive escaping"
            );
            assert_eq!(v.audiences, vec![ACS.to_string()]);
            assert_eq!(v.recipient.as_deref(), Some(ACS));
            assert_eq!(v.destination.as_deref(), Some(ACS));
            assert_eq!(v.name_id_format.as_deref(), Some(ns::NAMEID_EMAIL));
            assert_eq!(v.session_index, s.session_index);
            assert_eq!(v.not_before, Some(s.not_before));
            assert_eq!(v.not_on_or_after, Some(s.not_on_or_after));
            assert_eq!(v.signed_parts, parts);
            assert_eq!(v.sha1_used, sha1);
            let alg = if sha1 {
                SignatureAlgorithm::RsaSha1
            } else {
                SignatureAlgorithm::RsaSha256
            };
            assert_eq!(v.algorithm, alg);
            assert_eq!(
                v.signing_certificate_thumbprint,
                idp_key().certificate().thumbprint_sha1()
            );
        }
    }
}

#[test]
fn unsigned_response_is_rejected() {
    let xml = signed(opts(false, false, false));
    assert!(matches!(
        verify_response(xml.as_bytes(), &options()),
        Err(Error::Rejected(Rejection::Unsigned))
    ));
}

#[test]
fn response_has_entras_shape() {
    let xml = signed(SignOptions::default());
    assert!(xml.starts_with("<samlp:Response ID=\"_2f6a2e7c"), "{xml}");
    assert!(!xml.contains("<?xml"), "no XML declaration");
    assert!(
        !xml.contains(">\n<") && !xml.contains("> <"),
        "no whitespace between elements"
    );
    let issuer_then_signature = format!(
        "<Assertion ID=\"{}\" IssueInstant=\"2025-06-01T12:00:00.250Z\" Version=\"2.0\" xmlns=\"{}\"><Issuer>{TENANT_ISSUER}</Issuer><Signature xmlns=\"{}\"><SignedInfo>",
        spec().assertion_id,
        ns::ASSERTION,
        ns::DSIG
    );
    assert!(xml.contains(&issuer_then_signature), "{xml}");
    assert!(
        xml.contains("<X509Certificate>"),
        "KeyInfo included by default"
    );
    let bare = sign_response(
        &spec(),
        idp_key(),
        SignOptions {
            include_key_info: false,
            ..SignOptions::default()
        },
    )
    .expect("sign");
    assert!(!bare.contains("KeyInfo"));
    verify_response(bare.as_bytes(), &options()).expect("verifies without KeyInfo");
}

#[test]
fn invalid_ids_are_refused_when_signing() {
    for bad in ["1abc", "a b", "a:b", ""] {
        let mut s = spec();
        s.assertion_id = bad.to_string();
        assert!(
            matches!(
                sign_response(&s, idp_key(), SignOptions::default()),
                Err(Error::Build(_))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn signed_assertion_digest_matches_exclusive_c14n_of_the_assertion() {
    // The public canonicaliser and the signer agree on what was signed.
    let xml = signed(SignOptions::default());
    let canonical =
        canonicalize_exclusive(&xml, Some(&spec().assertion_id), true, &[]).expect("c14n");
    let text = String::from_utf8(canonical).expect("utf8");
    assert!(text.starts_with(&format!("<Assertion xmlns=\"{}\" ID=", ns::ASSERTION)));
    assert!(!text.contains("Signature"));
}

#[test]
fn time_bounds_apply_skew() {
    let xml = signed(SignOptions::default());
    let s = spec();
    let check = |now: OffsetDateTime, skew: Duration| {
        let mut o = options();
        o.now = now;
        o.skew = skew;
        verify_response(xml.as_bytes(), &o)
    };
    let skew = Duration::minutes(5);
    // NotOnOrAfter is exclusive.
    assert!(check(s.not_on_or_after - Duration::seconds(1), Duration::ZERO).is_ok());
    assert!(matches!(
        check(s.not_on_or_after, Duration::ZERO),
        Err(Error::Rejected(Rejection::Expired { .. }))
    ));
    assert!(check(s.not_on_or_after + Duration::minutes(4), skew).is_ok());
    assert!(matches!(
        check(s.not_on_or_after + skew, skew),
        Err(Error::Rejected(Rejection::Expired { .. }))
    ));
    // NotBefore is inclusive.
    assert!(check(s.not_before, Duration::ZERO).is_ok());
    assert!(matches!(
        check(s.not_before - Duration::seconds(1), Duration::ZERO),
        Err(Error::Rejected(Rejection::NotYetValid { .. }))
    ));
    assert!(check(s.not_before - Duration::minutes(4), skew).is_ok());
    assert!(matches!(
        check(s.not_before - Duration::minutes(6), skew),
        Err(Error::Rejected(Rejection::NotYetValid { .. }))
    ));
}

#[test]
fn audience_recipient_and_issuer_are_enforced() {
    let xml = signed(SignOptions::default());
    let mut o = options();
    o.audience = Some("urn:amazon:webservices".to_string());
    assert!(matches!(
        verify_response(xml.as_bytes(), &o),
        Err(Error::Rejected(Rejection::Audience { .. }))
    ));
    let mut o = options();
    o.recipient = Some("https://us-east-1.signin.aws.amazon.com/saml".to_string());
    assert!(matches!(
        verify_response(xml.as_bytes(), &o),
        Err(Error::Rejected(Rejection::Recipient { .. }))
    ));
    let mut o = options();
    o.expected_issuer = Some("https://sts.windows.net/other-tenant/".to_string());
    assert!(matches!(
        verify_response(xml.as_bytes(), &o),
        Err(Error::Rejected(Rejection::Issuer { .. }))
    ));
}

#[test]
fn empty_destination_does_not_match_the_recipient() {
    let xml = signed(opts(false, true, false)).replacen(
        &format!("Destination=\"{ACS}\""),
        "Destination=\"\"",
        1,
    );
    assert!(matches!(
        verify_response(xml.as_bytes(), &options()),
        Err(Error::Rejected(Rejection::Recipient { .. }))
    ));
}

#[test]
fn certificate_rollover_accepts_either_pinned_certificate() {
    let xml = signed(SignOptions::default());
    let mut o = options();
    o.trusted_certificates = vec![
        attacker_key().certificate().clone(),
        idp_key().certificate().clone(),
    ];
    let v = verify_response(xml.as_bytes(), &o).expect("second certificate verifies");
    assert_eq!(
        v.signing_certificate_thumbprint,
        idp_key().certificate().thumbprint_sha1()
    );
    o.trusted_certificates = vec![attacker_key().certificate().clone()];
    assert!(matches!(
        verify_response(xml.as_bytes(), &o),
        Err(Error::Rejected(Rejection::BadSignature))
    ));
}

fn entra_metadata() -> IdpMetadata {
    IdpMetadata {
        entity_id: TENANT_ISSUER.to_string(),
        signing_certificates: vec![
            idp_key().certificate().clone(),
            attacker_key().certificate().clone(),
        ],
        sso_services: vec![
            Endpoint {
                binding: ns::BINDING_HTTP_REDIRECT.to_string(),
                location:
                    "https://login.microsoftonline.com/8f3c1c1e-0000-4000-8000-123456789abc/saml2"
                        .to_string(),
            },
            Endpoint {
                binding: ns::BINDING_HTTP_POST.to_string(),
                location:
                    "https://login.microsoftonline.com/8f3c1c1e-0000-4000-8000-123456789abc/saml2"
                        .to_string(),
            },
        ],
        slo_services: vec![Endpoint {
            binding: ns::BINDING_HTTP_REDIRECT.to_string(),
            location:
                "https://login.microsoftonline.com/8f3c1c1e-0000-4000-8000-123456789abc/saml2"
                    .to_string(),
        }],
        name_id_formats: vec![ns::NAMEID_EMAIL.to_string()],
    }
}

#[test]
fn idp_metadata_round_trips_with_two_signing_certificates() {
    let md = entra_metadata();
    let xml = md.to_xml("_f1e2d3c4-0000-4000-8000-000000000003");
    assert!(
        xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><EntityDescriptor ID=\"_f1e2d3c4"
        )
    );
    assert_eq!(IdpMetadata::parse(&xml).expect("parse"), md);

    let signed = sign_metadata(&xml, idp_key()).expect("sign metadata");
    assert!(
        signed.contains(&format!(
            "xmlns=\"{}\"><Signature xmlns=\"{}\">",
            ns::METADATA,
            ns::DSIG
        )),
        "signature is the root's first child: {signed}"
    );
    assert_eq!(IdpMetadata::parse(&signed).expect("parse signed"), md);
}

#[test]
fn idp_metadata_refuses_bom_dtd_and_ambiguity() {
    let xml = entra_metadata().to_xml("_m");
    let with_bom = format!("\u{FEFF}{xml}");
    assert!(
        matches!(IdpMetadata::parse(&with_bom), Err(Error::Metadata(m)) if m.contains("byte order mark"))
    );
    let body = xml.trim_start_matches("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    let with_dtd = format!("<!DOCTYPE EntityDescriptor [<!ENTITY x \"y\">]>{body}");
    assert!(matches!(
        IdpMetadata::parse(&with_dtd),
        Err(Error::Metadata(_))
    ));

    let one = format!(
        "<EntitiesDescriptor xmlns=\"{}\">{body}</EntitiesDescriptor>",
        ns::METADATA
    );
    assert_eq!(
        IdpMetadata::parse(&one).expect("one IdP in a group"),
        entra_metadata()
    );
    let two = format!(
        "<EntitiesDescriptor xmlns=\"{}\">{body}{}</EntitiesDescriptor>",
        ns::METADATA,
        body.replace("ID=\"_m\"", "ID=\"_n\"")
    );
    assert!(matches!(IdpMetadata::parse(&two), Err(Error::Metadata(_))));
}

#[test]
fn idp_metadata_takes_signing_keys_only() {
    let idp = idp_key().certificate().to_base64();
    let enc = attacker_key().certificate().to_base64();
    let xml = format!(
        r#"<md:EntityDescriptor xmlns:md="{md}" xmlns:ds="{ds}" entityID="urn:idp"><md:IDPSSODescriptor protocolSupportEnumeration="{p}">
  <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{enc}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{idp}
  </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
  <md:SingleSignOnService Binding="{post}" Location="https://idp.example/sso"/>
</md:IDPSSODescriptor></md:EntityDescriptor>"#,
        md = ns::METADATA,
        ds = ns::DSIG,
        p = ns::PROTOCOL,
        post = ns::BINDING_HTTP_POST,
    );
    let md = IdpMetadata::parse(&xml).expect("parse");
    assert_eq!(md.entity_id, "urn:idp");
    assert_eq!(
        md.signing_certificates,
        vec![idp_key().certificate().clone()]
    );
}

#[test]
fn sp_metadata_round_trips() {
    let sp = SpMetadata {
        entity_id: "urn:amazon:webservices".to_string(),
        acs: vec![
            Endpoint {
                binding: ns::BINDING_HTTP_POST.to_string(),
                location: ACS.to_string(),
            },
            Endpoint {
                binding: ns::BINDING_HTTP_POST.to_string(),
                location: "https://us-east-1.signin.aws.amazon.com/saml".to_string(),
            },
        ],
    };
    assert_eq!(SpMetadata::parse(&sp.to_xml()).expect("parse"), sp);
}

#[test]
fn certificates_and_keys_round_trip_through_pem() {
    let key = idp_key();
    let cert = key.certificate();
    assert_eq!(
        cert.subject(),
        "CN=Microsoft Azure Federated SSO Certificate"
    );
    assert_eq!(cert.key_bits(), 2048);
    assert_eq!(cert.not_before(), datetime!(2025-01-01 00:00 UTC));
    assert_eq!(cert.not_after(), datetime!(2028-01-01 00:00 UTC));
    assert_eq!(cert.thumbprint_sha1().len(), 40);
    assert_eq!(
        cert.thumbprint_sha1(),
        cert.thumbprint_sha1().to_uppercase()
    );
    assert_eq!(cert.fingerprint_sha256().len(), 64);
    assert_eq!(&Certificate::from_pem(&cert.to_pem()).expect("pem"), cert);
    assert_eq!(
        &Certificate::from_pem(&cert.to_base64()).expect("bare base64"),
        cert
    );

    let again = SigningKey::from_pem(&key.private_key_pem(), &cert.to_pem()).expect("from pem");
    let xml = sign_response(&spec(), &again, SignOptions::default()).expect("sign");
    verify_response(xml.as_bytes(), &options()).expect("verify");
    assert!(
        SigningKey::from_pem(
            &key.private_key_pem(),
            &attacker_key().certificate().to_pem()
        )
        .is_err(),
        "a key with someone else's certificate is refused"
    );
}

#[test]
fn debug_never_prints_the_private_key() {
    let key = idp_key();
    let debug = format!("{key:?}");
    let pem = key.private_key_pem();
    let body: String = pem.lines().nth(1).unwrap_or_default().to_string();
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(!debug.contains(&body));
}
