//! An Entra-shaped response and its parameters, shared by the interop tests and the
//! benchmark (`benches/saml.rs` includes this file with `#[path]`).
#![allow(dead_code)] // each includer uses a different part

use connect_sso_saml::{Attribute, Certificate, ResponseSpec, VerifyOptions, ns};
use time::{Duration, OffsetDateTime, macros::datetime};

/// Entra tenant ID used throughout.
pub(crate) const TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
/// AWS sign-in endpoint: audience, Destination and Recipient.
pub(crate) const ACS: &str = "https://signin.aws.amazon.com/saml";
/// The user's name as Entra sends it (NameID and RoleSessionName).
pub(crate) const USER: &str = "ada.lovelace@contoso.example";

/// Entra's issuer for [`TENANT`].
pub(crate) fn issuer() -> String {
    format!("https://sts.windows.net/{TENANT}/")
}

/// `IssueInstant` of every fixture message.
pub(crate) fn issued() -> OffsetDateTime {
    datetime!(2026-01-15 10:00:00 UTC)
}

/// The verifier's clock: one minute after issue.
pub(crate) fn now() -> OffsetDateTime {
    issued() + Duration::minutes(1)
}

fn attr(name: &str, values: &[&str]) -> Attribute {
    Attribute {
        name: name.to_owned(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

/// Entra's claim set for the AWS gallery app (two roles), in Entra's order.
pub(crate) fn entra_attributes() -> Vec<Attribute> {
    let ms = "http://schemas.microsoft.com/identity/claims";
    let soap = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";
    vec![
        attr(&format!("{ms}/tenantid"), &[TENANT]),
        attr(
            &format!("{ms}/objectidentifier"),
            &["3f2a8e4c-1b7d-4e9a-9c61-0d2f5b8a7e13"],
        ),
        attr(&format!("{ms}/displayname"), &["Ada Lovelace"]),
        attr(&format!("{ms}/identityprovider"), &[&issuer()]),
        attr(
            "http://schemas.microsoft.com/claims/authnmethodsreferences",
            &[
                "http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password",
                "http://schemas.microsoft.com/claims/multipleauthn",
            ],
        ),
        attr(
            "https://aws.amazon.com/SAML/Attributes/Role",
            &[
                "arn:aws:iam::123456789012:role/ConnectAgent,arn:aws:iam::123456789012:saml-provider/EntraID",
                "arn:aws:iam::123456789012:role/ConnectSupervisor,arn:aws:iam::123456789012:saml-provider/EntraID",
            ],
        ),
        attr(
            "https://aws.amazon.com/SAML/Attributes/RoleSessionName",
            &[USER],
        ),
        attr(
            "https://aws.amazon.com/SAML/Attributes/SessionDuration",
            &["43200"],
        ),
        attr(&format!("{soap}/givenname"), &["Ada"]),
        attr(&format!("{soap}/surname"), &["Lovelace"]),
        attr(&format!("{soap}/emailaddress"), &[USER]),
        attr(&format!("{soap}/name"), &[USER]),
    ]
}

/// What Entra would send for [`USER`] to AWS sign-in.
pub(crate) fn entra_spec() -> ResponseSpec {
    ResponseSpec {
        response_id: "_a7c3e1f0-5b2d-4c8e-9f61-2d4b8a0e7c35".to_owned(),
        assertion_id: "_0e9d1c2b-3a4f-4e5d-8c7b-6a5f4e3d2c1b".to_owned(),
        issuer: issuer(),
        destination: ACS.to_owned(),
        in_response_to: None,
        issue_instant: issued(),
        name_id: USER.to_owned(),
        name_id_format: ns::NAMEID_PERSISTENT.to_owned(),
        audiences: vec![ACS.to_owned()],
        not_before: issued() - Duration::minutes(5),
        not_on_or_after: issued() + Duration::hours(1),
        authn_instant: issued() - Duration::seconds(3),
        session_index: Some("_0e9d1c2b-3a4f-4e5d-8c7b-6a5f4e3d2c1b".to_owned()),
        authn_context_class: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password".to_owned(),
        attributes: entra_attributes(),
    }
}

/// [`entra_spec`] plus an attribute whose values need escaping or normalising: markup
/// characters, quotes, `]]>`, CR/LF/tab, non-ASCII (also outside the BMP), and an empty value.
pub(crate) fn tricky_spec() -> ResponseSpec {
    let mut spec = entra_spec();
    spec.attributes.push(attr(
        "urn:test:tricky",
        &[
            "Zoë & <Ångström> \"q\" 'a' ]]> 東京 😀",
            "line one\r\nline two\ttab\rend\r",
            "",
            "  leading and trailing spaces  ",
        ],
    ));
    spec
}

/// Verify options as AWS sign-in would apply them, pinned to `cert`.
pub(crate) fn aws_verify_options(cert: Certificate, allow_sha1: bool) -> VerifyOptions {
    let mut options = VerifyOptions::new(vec![cert], now());
    options.expected_issuer = Some(issuer());
    options.audience = Some(ACS.to_owned());
    options.recipient = Some(ACS.to_owned());
    options.allow_sha1 = allow_sha1;
    options
}

/// Which element a signature goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The `samlp:Response`.
    Response,
    /// The `saml:Assertion`.
    Assertion,
}

/// How a hand-written (peer-signed) response is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Byte-for-byte Entra's layout: no whitespace between elements, the Assertion and the
    /// Signature in default namespaces (`xmlns="…assertion"`, `xmlns="…xmldsig#"`).
    Entra,
    /// Prefixed (`saml:`), indented, with a comment inside a value, non-ASCII text, escaped
    /// characters and a carriage return kept by a character reference.
    Pretty,
}

/// The Response ID of the hand-written responses.
pub(crate) const HAND_RESPONSE_ID: &str = "_5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
/// The Assertion ID of the hand-written responses.
pub(crate) const HAND_ASSERTION_ID: &str = "_1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

/// (name, raw XML content of each value, the value a verifier must report)
fn hand_attributes(shape: Shape) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = entra_attributes()
        .into_iter()
        .map(|a| {
            let values = a.values.iter().map(|v| (v.clone(), v.clone())).collect();
            (a.name, values)
        })
        .collect();
    if shape == Shape::Pretty {
        let raw = |r: &str, v: &str| (r.to_owned(), v.to_owned());
        out.push((
            "urn:test:tricky".to_owned(),
            vec![
                raw("Zoë Ångström – 東京", "Zoë Ångström – 東京"),
                raw("R&amp;D &lt;lab&gt; \"q\" 'a'", "R&D <lab> \"q\" 'a'"),
                raw(
                    "Ada<!-- a comment is not content -->Lovelace",
                    "AdaLovelace",
                ),
                raw("line one&#xD;\nline two\ttab", "line one\r\nline two\ttab"),
                // A literal CR is a line end (XML 1.0 §2.11), also next to a reference.
                raw("cr&amp;\rlf\r\nend\r", "cr&\nlf\nend\n"),
                raw("", ""),
            ],
        ));
    }
    out
}

/// The attributes a verifier must report for a hand-written response.
pub(crate) fn hand_expected_attributes(shape: Shape) -> Vec<Attribute> {
    hand_attributes(shape)
        .into_iter()
        .map(|(name, values)| Attribute {
            name,
            values: values.into_iter().map(|(_, v)| v).collect(),
        })
        .collect()
}

/// An unsigned response in the given shape. `slot(part, id)` returns what goes right after
/// that part's Issuer (a signature template for xmlsec1, nothing for signers that insert
/// their own signature).
pub(crate) fn hand_response(shape: Shape, slot: &dyn Fn(Part, &str) -> String) -> String {
    let issuer = issuer();
    let t = |d: Duration| {
        (issued() + d)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let (issued_at, nb, noa, authn) = (
        t(Duration::ZERO),
        t(Duration::minutes(-5)),
        t(Duration::hours(1)),
        t(Duration::seconds(-3)),
    );
    let rid = HAND_RESPONSE_ID;
    let aid = HAND_ASSERTION_ID;
    let response_slot = slot(Part::Response, rid);
    let assertion_slot = slot(Part::Assertion, aid);
    let attrs = hand_attributes(shape);
    match shape {
        Shape::Entra => {
            let mut statements = String::new();
            for (name, values) in &attrs {
                statements.push_str(&format!("<Attribute Name=\"{name}\">"));
                for (raw, _) in values {
                    statements.push_str(&format!("<AttributeValue>{raw}</AttributeValue>"));
                }
                statements.push_str("</Attribute>");
            }
            format!(
                "<samlp:Response ID=\"{rid}\" Version=\"2.0\" IssueInstant=\"{issued_at}\" Destination=\"{ACS}\" xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">\
<Issuer xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">{issuer}</Issuer>{response_slot}\
<samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>\
<Assertion ID=\"{aid}\" IssueInstant=\"{issued_at}\" Version=\"2.0\" xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\">\
<Issuer>{issuer}</Issuer>{assertion_slot}\
<Subject><NameID Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\">{USER}</NameID>\
<SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\"><SubjectConfirmationData NotOnOrAfter=\"{noa}\" Recipient=\"{ACS}\"/></SubjectConfirmation></Subject>\
<Conditions NotBefore=\"{nb}\" NotOnOrAfter=\"{noa}\"><AudienceRestriction><Audience>{ACS}</Audience></AudienceRestriction></Conditions>\
<AttributeStatement>{statements}</AttributeStatement>\
<AuthnStatement AuthnInstant=\"{authn}\" SessionIndex=\"{aid}\"><AuthnContext><AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</AuthnContextClassRef></AuthnContext></AuthnStatement>\
</Assertion></samlp:Response>"
            )
        }
        Shape::Pretty => {
            let mut statements = String::new();
            for (name, values) in &attrs {
                statements.push_str(&format!(
                    "\n      <saml:Attribute Name=\"{name}\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\">"
                ));
                for (raw, _) in values {
                    statements.push_str(&format!(
                        "\n        <saml:AttributeValue xsi:type=\"xs:string\">{raw}</saml:AttributeValue>"
                    ));
                }
                statements.push_str("\n      </saml:Attribute>");
            }
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:unused=\"urn:test:unused\"\n    ID=\"{rid}\" Version=\"2.0\" IssueInstant=\"{issued_at}\" Destination=\"{ACS}\">\n\
  <saml:Issuer>{issuer}</saml:Issuer>{response_slot}\n\
  <samlp:Status>\n    <samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>\n  </samlp:Status>\n\
  <!-- comment between Status and Assertion -->\n\
  <saml:Assertion xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ID=\"{aid}\" Version=\"2.0\" IssueInstant=\"{issued_at}\">\n\
    <saml:Issuer>{issuer}</saml:Issuer>{assertion_slot}\n\
    <saml:Subject>\n      <saml:NameID Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\">{USER}</saml:NameID>\n\
      <saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">\n        <saml:SubjectConfirmationData NotOnOrAfter=\"{noa}\" Recipient=\"{ACS}\"/>\n      </saml:SubjectConfirmation>\n    </saml:Subject>\n\
    <saml:Conditions NotBefore=\"{nb}\" NotOnOrAfter=\"{noa}\">\n      <saml:AudienceRestriction>\n        <saml:Audience>{ACS}</saml:Audience>\n      </saml:AudienceRestriction>\n    </saml:Conditions>\n\
    <saml:AttributeStatement>{statements}\n    </saml:AttributeStatement>\n\
    <saml:AuthnStatement AuthnInstant=\"{authn}\" SessionIndex=\"{aid}\">\n      <saml:AuthnContext>\n        <saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef>\n      </saml:AuthnContext>\n    </saml:AuthnStatement>\n\
  </saml:Assertion>\n</samlp:Response>\n"
            )
        }
    }
}

/// Change the NameID's text in a signed document (a content change a verifier must catch).
pub(crate) fn tamper_name_id(xml: &str) -> String {
    let needle = format!(">{USER}</");
    assert!(xml.contains(&needle), "fixture NameID not found");
    xml.replacen(&needle, ">eve@contoso.example</", 1)
}
