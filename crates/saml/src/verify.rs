use time::{Duration, OffsetDateTime};

use crate::xml::{self, is};
use crate::{Attribute, Certificate, Error, Rejection, dsig, ns};

/// What a verifier checks, and against what.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Pinned certificates: a signature must verify with one of these. `KeyInfo` is never trusted.
    pub trusted_certificates: Vec<Certificate>,
    /// Expected Issuer (metadata `entityID`); `None` skips the issuer comparison
    /// (the Assertion must still carry an Issuer).
    pub expected_issuer: Option<String>,
    /// SP entity ID that must be among the Audiences; `None` skips.
    pub audience: Option<String>,
    /// ACS URL that the bearer Recipient (and Destination, when present) must equal; `None` skips.
    pub recipient: Option<String>,
    /// The verifier's clock.
    pub now: OffsetDateTime,
    /// Tolerated clock skew, applied to every time bound (docs/facts.md §3: default 5 minutes).
    pub skew: Duration,
    /// Accept RSA-SHA1 signatures and SHA-1 digests (then reported in [`VerifiedAssertion::sha1_used`]).
    pub allow_sha1: bool,
    /// Accept a bare signed `saml:Assertion` as the document (a token, not a Response).
    pub allow_bare_assertion: bool,
}

impl VerifyOptions {
    /// Options with the given trust anchors and clock, default skew (5 min), nothing else checked.
    pub fn new(trusted_certificates: Vec<Certificate>, now: OffsetDateTime) -> Self {
        Self {
            trusted_certificates,
            expected_issuer: None,
            audience: None,
            recipient: None,
            now,
            skew: Duration::minutes(5),
            allow_sha1: false,
            allow_bare_assertion: false,
        }
    }
}

/// Which element a verified signature covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedPart {
    /// The `samlp:Response` (and so everything in it).
    Response,
    /// The `saml:Assertion`.
    Assertion,
}

/// The signature algorithm of a verified signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaSha256,
    /// RSA PKCS#1 v1.5 with SHA-1 (only when allowed).
    RsaSha1,
}

/// What a verified Response says. Every field is read from the signed Assertion, after
/// canonicalisation, with comments dropped: nothing comes from unsigned or duplicated nodes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedAssertion {
    /// Assertion `Issuer`.
    pub issuer: String,
    /// `NameID` character content (comments excluded; nothing trimmed).
    pub subject: String,
    /// `NameID/@Format`, if any.
    pub name_id_format: Option<String>,
    /// Attributes in document order.
    pub attributes: Vec<Attribute>,
    /// `AudienceRestriction/Audience` values.
    pub audiences: Vec<String>,
    /// Response `Destination`, if any. It sits outside the Assertion, so it is covered by a
    /// signature only when the Response is signed; it was compared with
    /// [`VerifyOptions::recipient`] when that was given.
    pub destination: Option<String>,
    /// Recipient of the bearer SubjectConfirmation that matched.
    pub recipient: Option<String>,
    /// How many `SubjectConfirmation` elements the Subject holds, of any method (AWS accepts
    /// exactly one).
    pub subject_confirmations: usize,
    /// `Conditions/@NotBefore`.
    #[serde(serialize_with = "crate::xml::serialize_instant")]
    pub not_before: Option<OffsetDateTime>,
    /// `Conditions/@NotOnOrAfter`.
    #[serde(serialize_with = "crate::xml::serialize_instant")]
    pub not_on_or_after: Option<OffsetDateTime>,
    /// `AuthnStatement/@SessionIndex`, if any.
    pub session_index: Option<String>,
    /// The elements whose signatures verified.
    pub signed_parts: Vec<SignedPart>,
    /// The algorithm of the signature(s) that verified.
    pub algorithm: SignatureAlgorithm,
    /// True when SHA-1 was used anywhere in a verified signature (allowed by the caller).
    pub sha1_used: bool,
    /// SHA-1 thumbprint of the pinned certificate that verified the signature.
    pub signing_certificate_thumbprint: String,
}

impl VerifiedAssertion {
    /// Values of the attribute with exactly this name (case-sensitive), if present.
    pub fn attribute(&self, name: &str) -> Option<&[String]> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.values.as_slice())
    }
}

/// Verify a SAML Response (bytes as received, after base64 decoding) and return what its
/// signed Assertion says. See the crate docs and `shared/vectors/saml/README.md` for the rules.
///
/// In order: the XML is parsed with DTDs refused; the root must be a `samlp:Response` with a
/// Success status (or, with [`VerifyOptions::allow_bare_assertion`], a `saml:Assertion`);
/// `ID`s must be unique; the document must hold exactly one Assertion, a child of the
/// Response; every `ds:Signature` must sit directly in the Response or the Assertion,
/// reference that element, and verify with a pinned certificate, and at least one must be
/// present; then Issuer, NameID, Conditions (time, audience) and the bearer
/// SubjectConfirmation (time, Recipient) and Destination are checked. Time bounds are
/// `NotBefore <= now + skew` and `now - skew < NotOnOrAfter`; the audience must be listed in
/// every `AudienceRestriction` (and there must be at least one). Every value returned is
/// read from the Assertion node whose signature (or whose Response's signature) was verified.
pub fn verify_response(xml: &[u8], options: &VerifyOptions) -> Result<VerifiedAssertion, Error> {
    verify(xml, options).map_err(Error::Rejected)
}

fn verify(bytes: &[u8], options: &VerifyOptions) -> Result<VerifiedAssertion, Rejection> {
    let text = xml::decode_utf8(bytes)?;
    let text = xml::normalize_newlines(text);
    let doc = xml::parse(&text)?;
    let root = doc.root_element();

    let response = if is(root, ns::PROTOCOL, "Response") {
        Some(root)
    } else if options.allow_bare_assertion && is(root, ns::ASSERTION, "Assertion") {
        None
    } else {
        return Err(Rejection::NotAResponse {
            found: format!(
                "{{{}}}{}",
                root.tag_name().namespace().unwrap_or(""),
                root.tag_name().name()
            ),
        });
    };

    check_unique_ids(&doc)?;

    if let Some(response) = response {
        let code = xml::child(response, ns::PROTOCOL, "Status")
            .and_then(|s| xml::child(s, ns::PROTOCOL, "StatusCode"))
            .ok_or(Rejection::Missing("Status/StatusCode"))?;
        let value = code.attribute("Value").unwrap_or("");
        if value != ns::STATUS_SUCCESS {
            return Err(Rejection::StatusNotSuccess(value.to_string()));
        }
    }

    // Exactly one Assertion in the whole document (any namespace counts), a child of the Response.
    let count = doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "Assertion")
        .count();
    let encrypted = doc
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "EncryptedAssertion")
        .count();
    if count == 0 && encrypted > 0 {
        return Err(Rejection::Encrypted);
    }
    let assertion = match response {
        None => root,
        Some(response) => {
            let mut direct = xml::children(response, ns::ASSERTION, "Assertion");
            match (direct.next(), direct.next()) {
                (Some(a), None) if count == 1 && encrypted == 0 => a,
                (None, _) if count == 1 && encrypted == 0 => {
                    return Err(Rejection::AssertionMisplaced {
                        found: describe_lone_assertion(&doc),
                    });
                }
                _ => {
                    return Err(Rejection::AssertionCount {
                        count: count + encrypted,
                    });
                }
            }
        }
    };

    // Every signature must sit in the Response or the Assertion, one per element, and verify.
    let mut checked = Vec::new();
    let mut seen_parents = Vec::new();
    for signature in doc.descendants().filter(|n| is(*n, ns::DSIG, "Signature")) {
        let parent = signature.parent_element();
        let part = match parent {
            Some(p) if p == assertion => SignedPart::Assertion,
            Some(p) if Some(p) == response => SignedPart::Response,
            _ => {
                return Err(Rejection::BadReference(format!(
                    "a signature sits in <{}>, which is neither the Response nor the Assertion",
                    parent.map_or("", |p| p.tag_name().name())
                )));
            }
        };
        let Some(parent) = parent else {
            continue;
        };
        if seen_parents.contains(&parent.id()) {
            return Err(Rejection::BadReference(format!(
                "the {} carries more than one signature",
                parent.tag_name().name()
            )));
        }
        seen_parents.push(parent.id());
        let result = dsig::verify_enveloped(
            &doc,
            signature,
            parent,
            &options.trusted_certificates,
            options.allow_sha1,
        )?;
        checked.push((part, result));
    }
    if checked.is_empty() {
        return Err(Rejection::Unsigned);
    }

    // From here on, everything is read from `assertion`: the node that was verified (directly,
    // or as a child of the verified Response).
    let issuer_node = xml::child(assertion, ns::ASSERTION, "Issuer")
        .ok_or(Rejection::Missing("Issuer in the Assertion"))?;
    let issuer = xml::text_content(issuer_node).trim().to_string();
    if issuer.is_empty() {
        return Err(Rejection::Missing("Issuer in the Assertion"));
    }
    if let Some(expected) = &options.expected_issuer {
        let response_issuer = response
            .and_then(|r| xml::child(r, ns::ASSERTION, "Issuer"))
            .map(|n| xml::text_content(n).trim().to_string());
        for found in std::iter::once(&issuer).chain(response_issuer.as_ref()) {
            if found != expected.trim() {
                return Err(Rejection::Issuer {
                    expected: expected.clone(),
                    found: found.clone(),
                });
            }
        }
    }

    let subject = xml::child(assertion, ns::ASSERTION, "Subject");
    let name_id = subject
        .and_then(|s| xml::child(s, ns::ASSERTION, "NameID"))
        .ok_or(Rejection::EmptyNameId)?;
    let subject_text = xml::text_content(name_id);
    if subject_text.trim().is_empty() {
        return Err(Rejection::EmptyNameId);
    }

    let now = options.now;
    let now_text = xml::format_instant(now);
    let conditions = xml::child(assertion, ns::ASSERTION, "Conditions")
        .ok_or(Rejection::Missing("Conditions"))?;
    let (not_before, not_on_or_after) =
        check_time_bounds(conditions, "Conditions", options, &now_text)?;

    let mut audiences = Vec::new();
    let restrictions: Vec<_> =
        xml::children(conditions, ns::ASSERTION, "AudienceRestriction").collect();
    let mut every_restriction_has_it = !restrictions.is_empty();
    for restriction in &restrictions {
        let listed: Vec<String> = xml::children(*restriction, ns::ASSERTION, "Audience")
            .map(|a| xml::text_content(a).trim().to_string())
            .collect();
        if let Some(expected) = &options.audience {
            every_restriction_has_it &= listed.iter().any(|a| a == expected.trim());
        }
        audiences.extend(listed);
    }
    if let Some(expected) = &options.audience {
        if !every_restriction_has_it {
            return Err(Rejection::Audience {
                expected: expected.clone(),
                found: audiences,
            });
        }
    }

    let mut recipient = None;
    if let Some(response) = response {
        recipient = check_bearer(subject, options, &now_text)?;
        if let (Some(expected), Some(destination)) =
            (&options.recipient, response.attribute("Destination"))
        {
            if destination != expected {
                return Err(Rejection::Recipient {
                    expected: expected.clone(),
                    found: destination.to_string(),
                });
            }
        }
    }

    let mut attributes = Vec::new();
    for statement in xml::children(assertion, ns::ASSERTION, "AttributeStatement") {
        for attribute in xml::children(statement, ns::ASSERTION, "Attribute") {
            attributes.push(Attribute {
                name: attribute.attribute("Name").unwrap_or("").to_string(),
                values: xml::children(attribute, ns::ASSERTION, "AttributeValue")
                    .map(xml::text_content)
                    .collect(),
            });
        }
    }
    let session_index = xml::child(assertion, ns::ASSERTION, "AuthnStatement")
        .and_then(|a| a.attribute("SessionIndex"))
        .map(str::to_string);

    let algorithm = if checked
        .iter()
        .any(|(_, c)| c.algorithm == SignatureAlgorithm::RsaSha1)
    {
        SignatureAlgorithm::RsaSha1
    } else {
        SignatureAlgorithm::RsaSha256
    };
    let thumbprint = checked
        .iter()
        .find(|(part, _)| *part == SignedPart::Assertion)
        .or_else(|| checked.first())
        .map(|(_, c)| c.thumbprint.clone())
        .unwrap_or_default();
    Ok(VerifiedAssertion {
        issuer,
        subject: subject_text,
        name_id_format: name_id.attribute("Format").map(str::to_string),
        attributes,
        audiences,
        destination: response
            .and_then(|r| r.attribute("Destination"))
            .map(str::to_string),
        recipient,
        subject_confirmations: subject.map_or(0, |s| {
            xml::children(s, ns::ASSERTION, "SubjectConfirmation").count()
        }),
        not_before,
        not_on_or_after,
        session_index,
        sha1_used: checked.iter().any(|(_, c)| c.sha1),
        signed_parts: checked.iter().map(|(part, _)| *part).collect(),
        algorithm,
        signing_certificate_thumbprint: thumbprint,
    })
}

/// `{namespace}Assertion in <parent>` for the document's only element named Assertion.
fn describe_lone_assertion(doc: &roxmltree::Document<'_>) -> String {
    doc.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Assertion")
        .map_or_else(String::new, |n| {
            format!(
                "{{{}}}Assertion in <{}>",
                n.tag_name().namespace().unwrap_or(""),
                n.parent_element()
                    .map_or_else(String::new, |p| xml::element_qname(p).to_string())
            )
        })
}

/// `ID` attributes (and the `Id`/`id` spellings XML-DSig tools resolve) must be unique, so that
/// no reference can be made ambiguous.
fn check_unique_ids(doc: &roxmltree::Document<'_>) -> Result<(), Rejection> {
    let mut seen = std::collections::HashSet::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        for attr in node.attributes() {
            if attr.namespace().is_none()
                && matches!(attr.name(), "ID" | "Id" | "id")
                && !seen.insert(attr.value())
            {
                return Err(Rejection::DuplicateId(attr.value().to_string()));
            }
        }
    }
    Ok(())
}

/// An optional time attribute; present but unreadable is an error.
fn instant_attr(
    node: roxmltree::Node<'_, '_>,
    name: &str,
    element: &'static str,
) -> Result<Option<OffsetDateTime>, Rejection> {
    match node.attribute(name) {
        None => Ok(None),
        Some(v) => xml::parse_instant(v).map(Some).ok_or_else(|| {
            Rejection::Malformed(format!("{element} {name} {v:?} is not an xs:dateTime"))
        }),
    }
}

/// `NotBefore <= now + skew` and `now - skew < NotOnOrAfter`, for the bounds present.
fn check_time_bounds(
    node: roxmltree::Node<'_, '_>,
    element: &'static str,
    options: &VerifyOptions,
    now_text: &str,
) -> Result<(Option<OffsetDateTime>, Option<OffsetDateTime>), Rejection> {
    let not_before = instant_attr(node, "NotBefore", element)?;
    let not_on_or_after = instant_attr(node, "NotOnOrAfter", element)?;
    if let Some(nb) = not_before {
        // A skew too large to add means "no bound" rather than a panic.
        let latest = options.now.checked_add(options.skew.abs());
        if latest.is_some_and(|t| t < nb) {
            return Err(Rejection::NotYetValid {
                element,
                not_before: node.attribute("NotBefore").unwrap_or("").to_string(),
                now: now_text.to_string(),
            });
        }
    }
    if let Some(noa) = not_on_or_after {
        let earliest = options.now.checked_sub(options.skew.abs());
        if earliest.is_some_and(|t| t >= noa) {
            return Err(Rejection::Expired {
                element,
                not_on_or_after: node.attribute("NotOnOrAfter").unwrap_or("").to_string(),
                now: now_text.to_string(),
            });
        }
    }
    Ok((not_before, not_on_or_after))
}

/// A bearer SubjectConfirmation must have SubjectConfirmationData with `NotOnOrAfter` (required)
/// in the future, `NotBefore` (if any) in the past, and the expected `Recipient`. Returns the
/// Recipient of the first one that passes; if none passes, the first one's defect.
fn check_bearer(
    subject: Option<roxmltree::Node<'_, '_>>,
    options: &VerifyOptions,
    now_text: &str,
) -> Result<Option<String>, Rejection> {
    let mut first_error = None;
    let bearers = subject
        .into_iter()
        .flat_map(|s| xml::children(s, ns::ASSERTION, "SubjectConfirmation"))
        .filter(|c| c.attribute("Method") == Some(ns::CM_BEARER));
    for confirmation in bearers {
        let result = (|| {
            let data = xml::child(confirmation, ns::ASSERTION, "SubjectConfirmationData")
                .ok_or(Rejection::Missing("bearer SubjectConfirmationData"))?;
            if data.attribute("NotOnOrAfter").is_none() {
                return Err(Rejection::Missing(
                    "bearer SubjectConfirmationData NotOnOrAfter",
                ));
            }
            check_time_bounds(data, "SubjectConfirmationData", options, now_text)?;
            let found = data.attribute("Recipient");
            if let Some(expected) = &options.recipient {
                if found != Some(expected.as_str()) {
                    return Err(Rejection::Recipient {
                        expected: expected.clone(),
                        found: found.unwrap_or("").to_string(),
                    });
                }
            }
            Ok(found.map(str::to_string))
        })();
        match result {
            Ok(recipient) => return Ok(recipient),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(Rejection::Missing("bearer SubjectConfirmation")))
}
