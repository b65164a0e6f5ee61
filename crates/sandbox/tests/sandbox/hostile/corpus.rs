//! The hostile corpus, generated: documents built to exhaust a parser (deep nesting, attribute
//! and namespace floods, a huge text node), a declared non-UTF-8 encoding, values longer than
//! AWS accepts, invalid base64 and garbage. Each case is shaped for the kind of message the
//! entry point reads (a SAML Response, an AuthnRequest, IdP metadata), so that a parser which
//! reads past the hostile part would find the message it expects around it.

/// What an entry point reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `samlp:Response` (AWS sign-in, STS).
    Response,
    /// A `samlp:AuthnRequest` (Entra's SAML endpoint).
    AuthnRequest,
    /// IdP metadata (IAM `CreateSAMLProvider`, `UpdateSAMLProvider`).
    Metadata,
}

/// A case's content: a document the entry point's binding encodes (base64, deflate) or
/// sends as it is (IAM), or a value sent exactly as given, past any encoding.
#[derive(Debug, Clone)]
pub enum Payload {
    /// XML (or XML-looking bytes) that the binding encodes.
    Document(Vec<u8>),
    /// The field's value exactly (invalid base64, over-long values).
    Raw(String),
}

/// One hostile input.
#[derive(Debug, Clone)]
pub struct Case {
    /// Short name for the report.
    pub name: &'static str,
    /// What is sent.
    pub payload: Payload,
}

const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// An issuer no app and no provider has: a document that parses is still refused.
pub const HOSTILE_ISSUER: &str = "urn:connect-sso:hostile-issuer";

/// Where the hostile part goes inside a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hole {
    /// Inside `samlp:Extensions` (Response, AuthnRequest) or `md:Extensions` (metadata).
    Extensions,
    /// Inside a `saml:AttributeValue` (Response only; elsewhere the same as `Extensions`).
    AttributeValue,
}

/// A well-shaped message of `kind` with `inner` at `hole` and `root_attrs` (attributes or
/// namespace declarations, each with a leading space) on its root element.
fn message(kind: Kind, hole: Hole, inner: &str, root_attrs: &str) -> String {
    match kind {
        Kind::Response => {
            let (ext, value) = match hole {
                Hole::Extensions => (inner, "agent"),
                Hole::AttributeValue => ("", inner),
            };
            format!(
                "<samlp:Response xmlns:samlp=\"{PROTOCOL}\" xmlns:saml=\"{ASSERTION}\" ID=\"_r1\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\" Destination=\"https://signin.aws.amazon.com/saml\"{root_attrs}>\
<saml:Issuer>{HOSTILE_ISSUER}</saml:Issuer><samlp:Extensions>{ext}</samlp:Extensions>\
<samlp:Status><samlp:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/></samlp:Status>\
<saml:Assertion ID=\"_a1\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\"><saml:Issuer>{HOSTILE_ISSUER}</saml:Issuer>\
<saml:Subject><saml:NameID>alice@contoso.com</saml:NameID></saml:Subject>\
<saml:AttributeStatement><saml:Attribute Name=\"https://aws.amazon.com/SAML/Attributes/RoleSessionName\"><saml:AttributeValue>{value}</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>\
</saml:Assertion></samlp:Response>"
            )
        }
        Kind::AuthnRequest => format!(
            "<samlp:AuthnRequest xmlns:samlp=\"{PROTOCOL}\" xmlns:saml=\"{ASSERTION}\" ID=\"_q1\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\"{root_attrs}>\
<saml:Issuer>{HOSTILE_ISSUER}</saml:Issuer><samlp:Extensions>{inner}</samlp:Extensions></samlp:AuthnRequest>"
        ),
        Kind::Metadata => format!(
            "<md:EntityDescriptor xmlns:md=\"{METADATA}\" entityID=\"{HOSTILE_ISSUER}\"{root_attrs}>\
<md:Extensions>{inner}</md:Extensions>\
<md:IDPSSODescriptor protocolSupportEnumeration=\"{PROTOCOL}\">\
<md:SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect\" Location=\"https://login.example/saml2\"/>\
</md:IDPSSODescriptor></md:EntityDescriptor>"
        ),
    }
}

/// `depth` nested elements (`<n><n>…</n></n>`).
fn nested(depth: usize) -> String {
    let mut s = String::with_capacity(depth * 7);
    for _ in 0..depth {
        s.push_str("<n>");
    }
    for _ in 0..depth {
        s.push_str("</n>");
    }
    s
}

/// A short distinct name for `i` (base 26 letters).
fn name(mut i: usize) -> String {
    let mut s = String::new();
    loop {
        s.push(char::from(b'a' + (i % 26) as u8));
        i /= 26;
        if i == 0 {
            return s;
        }
    }
}

/// `count` distinct attributes, each with a leading space.
fn attributes(count: usize) -> String {
    (0..count).map(|i| format!(" z{}=\"1\"", name(i))).collect()
}

/// `count` distinct namespace declarations, each with a leading space.
fn namespace_declarations(count: usize) -> String {
    (0..count)
        .map(|i| {
            let n = name(i);
            format!(" xmlns:p{n}=\"u{n}\"")
        })
        .collect()
}

/// Deterministic bytes that are neither XML nor base64 nor UTF-8 (a small LCG).
fn garbage(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

fn doc(name: &'static str, xml: String) -> Case {
    Case {
        name,
        payload: Payload::Document(xml.into_bytes()),
    }
}

/// The corpus for an entry point reading `kind`.
///
/// Sizes: the floods the brief names (40,000 attributes ≈ 0.4 MB, 50,000 namespace
/// declarations ≈ 0.9 MB, a 1,000,000-byte text node) stay under the SAML parser's 1 MiB input
/// limit so that they reach its other limits, but their base64 is far over AWS's 100,000
/// characters, so AWS sign-in and STS refuse them by length before decoding. The `small-…`
/// variants (base64 under 100,000 characters) carry the same attack past that check to the
/// parser.
pub fn cases(kind: Kind) -> Vec<Case> {
    let mut out = vec![
        doc("nesting-2000-root", nested(2_000)),
        doc("nesting-100000-root", nested(100_000)),
        doc(
            "nesting-2000-extensions",
            message(kind, Hole::Extensions, &nested(2_000), ""),
        ),
        doc(
            "nesting-100000-extensions",
            message(kind, Hole::Extensions, &nested(100_000), ""),
        ),
    ];
    if kind == Kind::Response {
        out.push(doc(
            "nesting-2000-attribute-value",
            message(kind, Hole::AttributeValue, &nested(2_000), ""),
        ));
        out.push(doc(
            "nesting-100000-attribute-value",
            message(kind, Hole::AttributeValue, &nested(100_000), ""),
        ));
    }
    out.extend([
        doc(
            "attributes-40000",
            message(kind, Hole::Extensions, "", &attributes(40_000)),
        ),
        doc(
            "small-attributes-5000",
            message(kind, Hole::Extensions, "", &attributes(5_000)),
        ),
        doc(
            "namespaces-50000",
            message(kind, Hole::Extensions, "", &namespace_declarations(50_000)),
        ),
        doc(
            "small-namespaces-3000",
            message(kind, Hole::Extensions, "", &namespace_declarations(3_000)),
        ),
        doc(
            "text-1MB",
            message(kind, Hole::AttributeValue, &"x".repeat(1_000_000), ""),
        ),
        doc(
            "small-text-70kB",
            message(kind, Hole::AttributeValue, &"x".repeat(70_000), ""),
        ),
    ]);
    let mut latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>".to_vec();
    // Padded past IAM's 1,000-character minimum, so that IAM too reads it.
    let text = format!("caf\u{0} {}", "au lait ".repeat(150));
    latin1.extend_from_slice(message(kind, Hole::AttributeValue, &text, "").as_bytes());
    // The NUL placeholder becomes the Latin-1 byte for "é", which is not UTF-8.
    if let Some(at) = latin1.iter().position(|b| *b == 0) {
        latin1[at] = 0xE9;
    }
    out.push(Case {
        name: "encoding-iso-8859-1",
        payload: Payload::Document(latin1),
    });
    out.extend([
        Case {
            // Exactly AWS's limit plus one: refused by length whatever the characters are.
            name: "base64-100001-chars",
            payload: Payload::Raw("A".repeat(connect_sso_saml::aws::MAX_SAML_RESPONSE_LEN + 1)),
        },
        Case {
            name: "invalid-base64",
            payload: Payload::Raw("!!not*base64~~ <samlp:Response/> %%% ==".repeat(40)),
        },
        Case {
            name: "garbage",
            payload: Payload::Document(garbage(4096)),
        },
    ]);
    out
}

/// A valid-looking document whose base64 is exactly `chars` characters (a multiple of 4):
/// used on both sides of AWS's 100,000-character limit.
pub fn response_of_base64_len(chars: usize) -> Vec<u8> {
    let bytes = chars / 4 * 3;
    let shell = message(Kind::Response, Hole::AttributeValue, "", "");
    let pad = bytes.saturating_sub(shell.len());
    message(Kind::Response, Hole::AttributeValue, &"x".repeat(pad), "").into_bytes()
}

#[test]
fn the_corpus_has_the_sizes_it_claims() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b).len();
    for kind in [Kind::Response, Kind::AuthnRequest, Kind::Metadata] {
        for case in cases(kind) {
            if let Payload::Document(d) = &case.payload {
                let small = case.name.starts_with("small-") || case.name.contains("-2000-");
                if case.name != "garbage" && case.name != "encoding-iso-8859-1" {
                    assert!(
                        d.len() <= 1024 * 1024,
                        "{kind:?} {}: {} bytes is over the parser's input limit",
                        case.name,
                        d.len()
                    );
                }
                if small {
                    assert!(
                        b64(d) <= connect_sso_saml::aws::MAX_SAML_RESPONSE_LEN,
                        "{kind:?} {}: {} base64 characters do not reach the parser through AWS",
                        case.name,
                        b64(d)
                    );
                }
            }
        }
    }
    assert_eq!(b64(&response_of_base64_len(100_000)), 100_000);
    assert_eq!(b64(&response_of_base64_len(100_004)), 100_004);
}
