//! Read what a SAML response says without trusting it: for `connect-sso saml inspect` and
//! for `doctor`. Nothing here is verified; warnings point at what AWS would refuse.

use base64::Engine as _;
use roxmltree::Node;

use crate::aws::{self, AwsRejection};
use crate::ns::{ASSERTION, CM_BEARER, DSIG, PROTOCOL, RSA_SHA1, SHA1, STATUS_SUCCESS};
use crate::xml::{child, children, is, parse_instant, text_content};
use crate::{Attribute, Error, Rejection};

/// One `ds:Signature` in the document and what it claims to cover.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignatureInfo {
    /// Local name and ID of the element the signature sits in (e.g. `Assertion #_abc`).
    pub parent: String,
    /// Reference URIs.
    pub references: Vec<String>,
    /// SignatureMethod algorithm URI.
    pub signature_method: String,
    /// DigestMethod algorithm URIs.
    pub digest_methods: Vec<String>,
    /// Certificates in KeyInfo, as SHA-1 thumbprints (untrusted; for comparison with metadata).
    pub key_info_thumbprints: Vec<String>,
}

/// A problem found while inspecting, worded for a person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// Short machine-readable kind, e.g. `role-attribute-missing`.
    pub kind: String,
    /// What is wrong and what AWS would do.
    pub message: String,
}

/// What a response says (untrusted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Inspection {
    /// Response `ID`, `Destination`, `IssueInstant`, `InResponseTo`, status.
    pub response_id: Option<String>,
    /// Response Destination.
    pub destination: Option<String>,
    /// Response IssueInstant.
    pub issue_instant: Option<String>,
    /// Response InResponseTo.
    pub in_response_to: Option<String>,
    /// StatusCode value(s), outermost first.
    pub status: Vec<String>,
    /// Issuer (Assertion's, else Response's).
    pub issuer: Option<String>,
    /// NameID and its format.
    pub subject: Option<String>,
    /// NameID format.
    pub name_id_format: Option<String>,
    /// Audiences.
    pub audiences: Vec<String>,
    /// Conditions NotBefore / NotOnOrAfter.
    pub not_before: Option<String>,
    /// Conditions NotOnOrAfter.
    pub not_on_or_after: Option<String>,
    /// Bearer SubjectConfirmationData Recipient / NotOnOrAfter.
    pub recipient: Option<String>,
    /// Bearer NotOnOrAfter.
    pub subject_not_on_or_after: Option<String>,
    /// Attributes of the (first) Assertion.
    pub attributes: Vec<Attribute>,
    /// Number of Assertions in the document.
    pub assertion_count: usize,
    /// Number of SubjectConfirmations in the (first) Assertion's Subject (AWS takes one).
    pub subject_confirmations: usize,
    /// Signatures found.
    pub signatures: Vec<SignatureInfo>,
    /// AWS-specific and structural warnings.
    pub warnings: Vec<Warning>,
}

/// Inspect a response (XML bytes): a `samlp:Response`, or a bare `saml:Assertion`.
///
/// Parsing is as strict as verification (DTDs refused, sizes capped), but nothing is trusted:
/// signatures are listed with what they claim to cover, not checked. Fails only when the bytes
/// are not XML or the root is neither a Response nor an Assertion.
pub fn inspect(xml: &[u8]) -> Result<Inspection, Error> {
    let text = crate::xml::decode_utf8(xml)?;
    // The same end-of-line normalisation as verification (works around a roxmltree CR quirk).
    let text = crate::xml::normalize_newlines(text);
    let doc = crate::xml::parse(&text)?;
    let root = doc.root_element();
    let (response, assertion) = if is(root, PROTOCOL, "Response") {
        (Some(root), child(root, ASSERTION, "Assertion"))
    } else if is(root, ASSERTION, "Assertion") {
        (None, Some(root))
    } else {
        return Err(Rejection::NotAResponse {
            found: format!(
                "{{{}}}{}",
                root.tag_name().namespace().unwrap_or(""),
                root.tag_name().name()
            ),
        }
        .into());
    };
    let assertion =
        assertion.or_else(|| doc.descendants().find(|n| is(*n, ASSERTION, "Assertion")));
    let attr = |node: Option<Node<'_, '_>>, name: &str| -> Option<String> {
        node.and_then(|n| n.attribute(name)).map(str::to_string)
    };

    let status = response
        .and_then(|r| child(r, PROTOCOL, "Status"))
        .map(|s| {
            let mut codes = Vec::new();
            let mut code = child(s, PROTOCOL, "StatusCode");
            while let Some(c) = code {
                codes.push(c.attribute("Value").unwrap_or("").to_string());
                code = child(c, PROTOCOL, "StatusCode");
            }
            codes
        })
        .unwrap_or_default();
    let issuer = assertion
        .and_then(|a| child(a, ASSERTION, "Issuer"))
        .or_else(|| response.and_then(|r| child(r, ASSERTION, "Issuer")))
        .map(text_content);
    let subject_node = assertion.and_then(|a| child(a, ASSERTION, "Subject"));
    let name_id = subject_node.and_then(|s| child(s, ASSERTION, "NameID"));
    let conditions = assertion.and_then(|a| child(a, ASSERTION, "Conditions"));
    let audiences: Vec<String> = conditions
        .into_iter()
        .flat_map(|c| children(c, ASSERTION, "AudienceRestriction"))
        .flat_map(|r| children(r, ASSERTION, "Audience"))
        .map(text_content)
        .collect();
    let bearer_data = subject_node
        .into_iter()
        .flat_map(|s| children(s, ASSERTION, "SubjectConfirmation"))
        .find(|c| c.attribute("Method") == Some(CM_BEARER))
        .and_then(|c| child(c, ASSERTION, "SubjectConfirmationData"));
    let attributes: Vec<Attribute> = assertion
        .into_iter()
        .flat_map(|a| children(a, ASSERTION, "AttributeStatement"))
        .flat_map(|s| children(s, ASSERTION, "Attribute"))
        .map(|a| Attribute {
            name: a.attribute("Name").unwrap_or("").to_string(),
            values: children(a, ASSERTION, "AttributeValue")
                .map(text_content)
                .collect(),
        })
        .collect();
    let assertion_count = doc
        .descendants()
        .filter(|n| is(*n, ASSERTION, "Assertion"))
        .count();
    let signatures: Vec<SignatureInfo> = doc
        .descendants()
        .filter(|n| is(*n, DSIG, "Signature"))
        .map(signature_info)
        .collect();

    let mut inspection = Inspection {
        response_id: attr(response, "ID"),
        destination: attr(response, "Destination"),
        issue_instant: attr(response, "IssueInstant").or_else(|| attr(assertion, "IssueInstant")),
        in_response_to: attr(response, "InResponseTo"),
        status,
        issuer,
        subject: name_id.map(text_content),
        name_id_format: attr(name_id, "Format"),
        audiences,
        not_before: attr(conditions, "NotBefore"),
        not_on_or_after: attr(conditions, "NotOnOrAfter"),
        recipient: attr(bearer_data, "Recipient"),
        subject_not_on_or_after: attr(bearer_data, "NotOnOrAfter"),
        attributes,
        assertion_count,
        subject_confirmations: subject_node
            .map_or(0, |s| children(s, ASSERTION, "SubjectConfirmation").count()),
        signatures,
        warnings: Vec::new(),
    };
    let covered = signature_covers_assertion(response, assertion);
    let encrypted = response.is_some_and(|r| child(r, ASSERTION, "EncryptedAssertion").is_some());
    let assertion_issue_instant = attr(assertion, "IssueInstant");
    inspection.warnings = warnings(&inspection, covered, encrypted, assertion_issue_instant);
    if let Err(e) = aws::check_saml_response_len(aws::encoded_len(xml.len())) {
        inspection.warnings.push(warn(
            "too-long-for-aws",
            format!("AWS would refuse this: {e}"),
        ));
    }
    Ok(inspection)
}

/// Describe one `ds:Signature` (untrusted).
fn signature_info(sig: Node<'_, '_>) -> SignatureInfo {
    let parent = sig
        .parent_element()
        .map_or_else(String::new, |p| match p.attribute("ID") {
            Some(id) => format!("{} #{id}", p.tag_name().name()),
            None => p.tag_name().name().to_string(),
        });
    let signed_info = child(sig, DSIG, "SignedInfo");
    let references: Vec<Node<'_, '_>> = signed_info
        .into_iter()
        .flat_map(|si| children(si, DSIG, "Reference"))
        .collect();
    let key_info_thumbprints = child(sig, DSIG, "KeyInfo")
        .into_iter()
        .flat_map(|k| k.descendants().filter(|n| is(*n, DSIG, "X509Certificate")))
        .map(|c| {
            let b64: String = text_content(c)
                .chars()
                .filter(|ch| !ch.is_whitespace())
                .collect();
            match base64::engine::general_purpose::STANDARD.decode(b64) {
                Ok(der) => hex::encode_upper(
                    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &der)
                        .as_ref(),
                ),
                Err(_) => "(not base64)".to_string(),
            }
        })
        .collect();
    SignatureInfo {
        parent,
        references: references
            .iter()
            .map(|r| r.attribute("URI").unwrap_or("").to_string())
            .collect(),
        signature_method: signed_info
            .and_then(|si| child(si, DSIG, "SignatureMethod"))
            .and_then(|m| m.attribute("Algorithm"))
            .unwrap_or("")
            .to_string(),
        digest_methods: references
            .iter()
            .filter_map(|r| child(*r, DSIG, "DigestMethod"))
            .map(|m| m.attribute("Algorithm").unwrap_or("").to_string())
            .collect(),
        key_info_thumbprints,
    }
}

/// True when a signature sits in the Response or the Assertion and references that element
/// (what the signature claims; whether it verifies is for `verify_response`).
fn signature_covers_assertion(
    response: Option<Node<'_, '_>>,
    assertion: Option<Node<'_, '_>>,
) -> bool {
    let claims_to_cover = |el: Option<Node<'_, '_>>| {
        let Some(el) = el else { return false };
        let Some(id) = el.attribute("ID") else {
            return false;
        };
        let want = format!("#{id}");
        children(el, DSIG, "Signature")
            .filter_map(|s| child(s, DSIG, "SignedInfo"))
            .flat_map(|si| children(si, DSIG, "Reference"))
            .any(|r| r.attribute("URI") == Some(want.as_str()))
    };
    // A Response signature covers the Assertion only when the Assertion is inside it.
    let via_response =
        claims_to_cover(response) && assertion.is_some_and(|a| a.parent_element() == response);
    via_response || claims_to_cover(assertion)
}

fn warn(kind: &str, message: impl Into<String>) -> Warning {
    Warning {
        kind: kind.to_string(),
        message: message.into(),
    }
}

/// Structural and AWS warnings, most fundamental first.
fn warnings(
    i: &Inspection,
    covered: bool,
    encrypted: bool,
    assertion_issue_instant: Option<String>,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if let Some(code) = i.status.first() {
        if code != STATUS_SUCCESS {
            out.push(warn(
                "status-not-success",
                format!(
                    "The IdP reported status {}, not Success: there is no sign-in to check.",
                    i.status.join(" / ")
                ),
            ));
        }
    }
    if encrypted {
        out.push(warn(
            "encrypted-assertion",
            "The assertion is encrypted (EncryptedAssertion); its contents cannot be shown without the SP's decryption key.",
        ));
    }
    if i.assertion_count == 0 && !encrypted {
        out.push(warn("no-assertion", "The response holds no Assertion."));
    }
    if i.assertion_count > 1 {
        out.push(warn(
            "several-assertions",
            format!(
                "The document holds {} assertions; AWS and connect-sso accept exactly one (several are a signature-wrapping sign).",
                i.assertion_count
            ),
        ));
    }
    if i.assertion_count > 0 && !covered {
        out.push(warn(
            "unsigned",
            "No signature claims to cover the assertion (neither the Response nor the Assertion carries one that references it); AWS would refuse it.",
        ));
    }
    if i.signatures
        .iter()
        .any(|s| s.signature_method == RSA_SHA1 || s.digest_methods.iter().any(|d| d == SHA1))
    {
        out.push(warn(
            "sha1",
            "A signature uses SHA-1. AWS still accepts it, but it is weak: set the Entra app's signing algorithm to SHA-256.",
        ));
    }
    if i.assertion_count == 0 {
        return out;
    }
    if i.recipient.is_none() && i.subject_not_on_or_after.is_none() {
        out.push(warn(
            "no-bearer-confirmation",
            "There is no bearer SubjectConfirmation with SubjectConfirmationData; AWS requires one with Recipient and NotOnOrAfter.",
        ));
    }
    let issued = assertion_issue_instant
        .as_deref()
        .or(i.issue_instant.as_deref())
        .and_then(parse_instant);
    if let Some(issued) = issued {
        for (element, bound) in [
            ("Conditions", &i.not_on_or_after),
            ("SubjectConfirmationData", &i.subject_not_on_or_after),
        ] {
            if let Some(end) = bound.as_deref().and_then(parse_instant) {
                if end <= issued {
                    out.push(warn(
                        "expired-at-issue",
                        format!(
                            "{element} NotOnOrAfter ({}) is not after the IssueInstant: the response was expired when it was issued (check the IdP's clock and token lifetime).",
                            bound.as_deref().unwrap_or("")
                        ),
                    ));
                }
            }
        }
    }
    // AWS sign-in (docs/facts.md §3).
    if i.subject_confirmations > 1 {
        out.push(warn(
            "several-subject-confirmations",
            format!(
                "The Subject holds {} SubjectConfirmations; AWS accepts exactly one (bearer, with the sign-in endpoint as Recipient).",
                i.subject_confirmations
            ),
        ));
    }
    if let Err(e) = aws::check_audience(&i.audiences) {
        out.push(warn(
            "audience-not-aws",
            format!("AWS would refuse this: {e}"),
        ));
    }
    for (kind, value) in [
        ("recipient", i.recipient.as_deref()),
        ("destination", i.destination.as_deref()),
    ] {
        let Some(url) = value else { continue };
        if url.contains('#') {
            out.push(warn(
                "reply-url-fragment",
                format!(
                    "The {kind} {url:?} carries a #fragment. Entra's #2 suffix belongs in the Identifier (entity ID) only, never in the Reply URL."
                ),
            ));
        } else if let Err(e) = aws::check_recipient(Some(url)) {
            out.push(warn(
                &format!("{kind}-not-aws-signin"),
                format!("AWS would refuse this: {e}"),
            ));
        }
    }
    if let Err(e) = aws::check_roles(&i.attributes) {
        let kind = if i.attributes.iter().any(|a| a.name == aws::ATTR_ROLE) {
            "role-attribute-invalid"
        } else if aws::find_mistyped_attribute(&i.attributes, aws::ATTR_ROLE).is_some() {
            "role-attribute-mistyped"
        } else {
            "role-attribute-missing"
        };
        out.push(warn(kind, format!("AWS would refuse this: {e}")));
    }
    match aws::check_role_session_name(&i.attributes) {
        Ok(_) => {}
        Err(e) => {
            let kind = match &e {
                AwsRejection::RoleSessionNameMistyped(_) => "role-session-name-mistyped",
                AwsRejection::RoleSessionNameMissing => "role-session-name-missing",
                AwsRejection::RoleSessionNameInvalid(v) if v.contains("#EXT#") => "guest-upn",
                _ => "role-session-name-invalid",
            };
            let mut message = format!("AWS would refuse this: {e}");
            if kind == "guest-upn" {
                message.push_str(
                    ". Entra guest users' UPNs contain #EXT#: map RoleSessionName from an attribute without it (e.g. user.mail) or invite the user as a member.",
                );
            }
            out.push(warn(kind, message));
        }
    }
    if let Err(e) = aws::check_session_duration(&i.attributes) {
        out.push(warn(
            "session-duration-invalid",
            format!("AWS would refuse this: {e}"),
        ));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;

    fn response(attrs: &str, extra: &str) -> String {
        format!(
            r##"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r" Version="2.0" IssueInstant="2024-01-01T00:00:00Z" Destination="https://signin.aws.amazon.com/saml"><Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">https://sts.windows.net/t/</Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" IssueInstant="2024-01-01T00:00:00Z" Version="2.0"><Issuer>https://sts.windows.net/t/</Issuer><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI="#_a"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/></Reference></SignedInfo><KeyInfo><X509Data><X509Certificate>AAEC</X509Certificate></X509Data></KeyInfo></Signature><Subject><NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@<!-- x -->example.com</NameID><SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><SubjectConfirmationData NotOnOrAfter="2024-01-01T00:05:00Z" Recipient="https://signin.aws.amazon.com/saml"/></SubjectConfirmation></Subject><Conditions NotBefore="2023-12-31T23:55:00Z" NotOnOrAfter="2024-01-01T01:00:00Z"><AudienceRestriction><Audience>https://signin.aws.amazon.com/saml</Audience></AudienceRestriction></Conditions><AttributeStatement>{attrs}</AttributeStatement></Assertion>{extra}</samlp:Response>"##
        )
    }

    const GOOD: &str = r#"<Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><AttributeValue>arn:aws:iam::111122223333:role/Agents,arn:aws:iam::111122223333:saml-provider/Entra</AttributeValue></Attribute><Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><AttributeValue>alice@example.com</AttributeValue></Attribute>"#;

    fn kinds(i: &Inspection) -> Vec<&str> {
        i.warnings.iter().map(|w| w.kind.as_str()).collect()
    }

    #[test]
    fn reads_a_good_response_without_warnings() {
        let i = inspect(response(GOOD, "").as_bytes()).unwrap();
        assert_eq!(kinds(&i), Vec::<&str>::new());
        assert_eq!(i.subject.as_deref(), Some("alice@example.com"));
        assert_eq!(i.issuer.as_deref(), Some("https://sts.windows.net/t/"));
        assert_eq!(i.status, vec![STATUS_SUCCESS.to_string()]);
        assert_eq!(i.assertion_count, 1);
        assert_eq!(i.attributes.len(), 2);
        assert_eq!(i.signatures.len(), 1);
        assert_eq!(i.signatures[0].parent, "Assertion #_a");
        assert_eq!(i.signatures[0].references, vec!["#_a".to_string()]);
        // SHA-1 of the bytes 00 01 02.
        assert_eq!(
            i.signatures[0].key_info_thumbprints,
            vec!["0C7A623FD2BBC05B06423BE359E4021D36E721AD".to_string()]
        );
    }

    #[test]
    fn warns_about_what_aws_would_refuse() {
        let attrs = r#"<Attribute Name="https://aws.amazon.com/SAML/Attributes/role"><AttributeValue>x</AttributeValue></Attribute><Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><AttributeValue>bob_contoso.com#EXT#@fabrikam.onmicrosoft.com</AttributeValue></Attribute><Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><AttributeValue>60</AttributeValue></Attribute>"#;
        let xml = response(attrs, "")
            .replace(
                r#"Destination="https://signin.aws.amazon.com/saml""#,
                r#"Destination="https://signin.aws.amazon.com/saml#2""#,
            )
            .replace(
                "<Audience>https://signin.aws.amazon.com/saml</Audience>",
                "<Audience>spn:1</Audience>",
            );
        let i = inspect(xml.as_bytes()).unwrap();
        assert_eq!(
            kinds(&i),
            vec![
                "audience-not-aws",
                "reply-url-fragment",
                "role-attribute-mistyped",
                "guest-upn",
                "session-duration-invalid"
            ]
        );
    }

    #[test]
    fn warns_about_structure() {
        let unsigned = response(GOOD, "").replace("URI=\"#_a\"", "URI=\"#_other\"");
        assert_eq!(
            kinds(&inspect(unsigned.as_bytes()).unwrap()),
            vec!["unsigned"]
        );
        let evil = r#"<Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="_b"/>"#;
        let two = inspect(response(GOOD, evil).as_bytes()).unwrap();
        assert_eq!(two.assertion_count, 2);
        assert!(kinds(&two).contains(&"several-assertions"));
        let sha1 = response(GOOD, "").replace(crate::ns::RSA_SHA256, RSA_SHA1);
        assert_eq!(kinds(&inspect(sha1.as_bytes()).unwrap()), vec!["sha1"]);
        let expired = response(GOOD, "").replace(
            r#"NotOnOrAfter="2024-01-01T00:05:00Z""#,
            r#"NotOnOrAfter="2023-12-31T00:05:00Z""#,
        );
        assert_eq!(
            kinds(&inspect(expired.as_bytes()).unwrap()),
            vec!["expired-at-issue"]
        );
    }

    #[test]
    fn refuses_dtds_and_non_responses() {
        let xxe = format!(
            "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{}",
            response(GOOD, "")
        );
        assert!(matches!(
            inspect(xxe.as_bytes()),
            Err(Error::Rejected(Rejection::Dtd))
        ));
        assert!(matches!(
            inspect(b"<html/>"),
            Err(Error::Rejected(Rejection::NotAResponse { .. }))
        ));
        assert!(inspect(b"not xml").is_err());
    }
}
