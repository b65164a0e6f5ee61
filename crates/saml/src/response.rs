use time::OffsetDateTime;

use crate::dsig::{Placement, sign_enveloped};
use crate::xml::{XmlWriter, format_instant, is_ncname};
use crate::{Error, SigningKey, ns};

/// A SAML attribute: name and values (in order).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attribute {
    /// `Attribute/@Name`, e.g. `https://aws.amazon.com/SAML/Attributes/Role`.
    pub name: String,
    /// Character content of each `AttributeValue`, in document order (comments excluded).
    pub values: Vec<String>,
}

/// Everything an IdP puts in a Response. [`sign_response`] turns it into signed XML.
#[derive(Debug, Clone)]
pub struct ResponseSpec {
    /// Response `ID` (must start with a letter or `_`); Entra uses `_` + GUID.
    pub response_id: String,
    /// Assertion `ID`.
    pub assertion_id: String,
    /// Issuer of Response and Assertion (Entra: `https://sts.windows.net/{tenant}/`).
    pub issuer: String,
    /// Response `Destination` and bearer `Recipient` (the ACS URL).
    pub destination: String,
    /// `InResponseTo` (SP-initiated only).
    pub in_response_to: Option<String>,
    /// `IssueInstant` of both.
    pub issue_instant: OffsetDateTime,
    /// `NameID` value.
    pub name_id: String,
    /// `NameID/@Format`.
    pub name_id_format: String,
    /// `AudienceRestriction/Audience` values.
    pub audiences: Vec<String>,
    /// `Conditions/@NotBefore`.
    pub not_before: OffsetDateTime,
    /// `Conditions/@NotOnOrAfter` and bearer `SubjectConfirmationData/@NotOnOrAfter`.
    pub not_on_or_after: OffsetDateTime,
    /// `AuthnStatement/@AuthnInstant`.
    pub authn_instant: OffsetDateTime,
    /// `AuthnStatement/@SessionIndex`.
    pub session_index: Option<String>,
    /// `AuthnContextClassRef` (Entra: `urn:oasis:names:tc:SAML:2.0:ac:classes:Password`).
    pub authn_context_class: String,
    /// Attributes, in order.
    pub attributes: Vec<Attribute>,
}

/// How to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignOptions {
    /// Use RSA-SHA1 and SHA-1 digests instead of SHA-256 (Entra offers this per app).
    pub sha1: bool,
    /// Put an enveloped signature on the Assertion (Entra's default).
    pub sign_assertion: bool,
    /// Put an enveloped signature on the Response (over the already signed Assertion).
    pub sign_response: bool,
    /// Include `KeyInfo/X509Data/X509Certificate` (Entra does).
    pub include_key_info: bool,
}

impl Default for SignOptions {
    fn default() -> Self {
        Self {
            sha1: false,
            sign_assertion: true,
            sign_response: false,
            include_key_info: true,
        }
    }
}

/// Build the Response XML (UTF-8, no XML declaration) and sign it as `options` say,
/// with exclusive c14n and an enveloped signature placed after the `Issuer`.
///
/// The shape is Entra's: `samlp:Response` with an unprefixed `Issuer`, `Status`, and an
/// `Assertion` in the default namespace (`Issuer`, `Signature`, `Subject` with a bearer
/// `SubjectConfirmation`, `Conditions`, `AttributeStatement`, `AuthnStatement`). The Assertion
/// is signed first; a Response signature, if asked for, covers the signed Assertion.
pub fn sign_response(
    spec: &ResponseSpec,
    key: &SigningKey,
    options: SignOptions,
) -> Result<String, Error> {
    for (what, id) in [
        ("response ID", &spec.response_id),
        ("assertion ID", &spec.assertion_id),
    ] {
        if !is_ncname(id) {
            return Err(Error::Build(format!(
                "the {what} {id:?} is not a valid XML ID (it must start with a letter or '_' and hold no ':' or spaces)"
            )));
        }
    }
    if spec.response_id == spec.assertion_id {
        return Err(Error::Build(
            "the response ID and the assertion ID must differ".to_string(),
        ));
    }
    let xml = response_xml(spec)?;
    sign_response_xml(&xml, &spec.response_id, &spec.assertion_id, key, options)
}

/// Sign a Response that was written elsewhere (another IdP's layout, or a message a test
/// shapes by hand): the Assertion with ID `assertion_id` and/or the Response with ID
/// `response_id`, as `options` says, each signature placed after the element's Issuer, exactly
/// as [`sign_response`] does.
pub fn sign_response_xml(
    xml: &str,
    response_id: &str,
    assertion_id: &str,
    key: &SigningKey,
    options: SignOptions,
) -> Result<String, Error> {
    let mut xml = xml.to_string();
    for (sign, id) in [
        (options.sign_assertion, assertion_id),
        (options.sign_response, response_id),
    ] {
        if sign {
            xml = sign_enveloped(
                &xml,
                id,
                Placement::AfterIssuer,
                key,
                options.sha1,
                options.include_key_info,
            )?;
        }
    }
    Ok(xml)
}

/// The unsigned Response.
fn response_xml(spec: &ResponseSpec) -> Result<String, Error> {
    let issue_instant = format_instant(spec.issue_instant);
    let not_before = format_instant(spec.not_before);
    let not_on_or_after = format_instant(spec.not_on_or_after);
    let authn_instant = format_instant(spec.authn_instant);

    let mut w = XmlWriter::new();
    let mut response_attrs = vec![
        ("ID", spec.response_id.as_str()),
        ("Version", "2.0"),
        ("IssueInstant", issue_instant.as_str()),
        ("Destination", spec.destination.as_str()),
    ];
    if let Some(irt) = &spec.in_response_to {
        response_attrs.push(("InResponseTo", irt.as_str()));
    }
    response_attrs.push(("xmlns:samlp", ns::PROTOCOL));
    w.start("samlp:Response", &response_attrs);
    w.text_element("Issuer", &[("xmlns", ns::ASSERTION)], &spec.issuer);
    w.start("samlp:Status", &[]);
    w.empty("samlp:StatusCode", &[("Value", ns::STATUS_SUCCESS)]);
    w.end("samlp:Status");

    w.start(
        "Assertion",
        &[
            ("ID", spec.assertion_id.as_str()),
            ("IssueInstant", issue_instant.as_str()),
            ("Version", "2.0"),
            ("xmlns", ns::ASSERTION),
        ],
    );
    w.text_element("Issuer", &[], &spec.issuer);
    w.start("Subject", &[]);
    w.text_element(
        "NameID",
        &[("Format", spec.name_id_format.as_str())],
        &spec.name_id,
    );
    w.start("SubjectConfirmation", &[("Method", ns::CM_BEARER)]);
    let mut scd = Vec::new();
    if let Some(irt) = &spec.in_response_to {
        scd.push(("InResponseTo", irt.as_str()));
    }
    scd.push(("NotOnOrAfter", not_on_or_after.as_str()));
    scd.push(("Recipient", spec.destination.as_str()));
    w.empty("SubjectConfirmationData", &scd);
    w.end("SubjectConfirmation");
    w.end("Subject");
    w.start(
        "Conditions",
        &[
            ("NotBefore", not_before.as_str()),
            ("NotOnOrAfter", not_on_or_after.as_str()),
        ],
    );
    w.start("AudienceRestriction", &[]);
    for audience in &spec.audiences {
        w.text_element("Audience", &[], audience);
    }
    w.end("AudienceRestriction");
    w.end("Conditions");
    if !spec.attributes.is_empty() {
        w.start("AttributeStatement", &[]);
        for attribute in &spec.attributes {
            w.start("Attribute", &[("Name", attribute.name.as_str())]);
            for value in &attribute.values {
                w.text_element("AttributeValue", &[], value);
            }
            w.end("Attribute");
        }
        w.end("AttributeStatement");
    }
    let mut authn = vec![("AuthnInstant", authn_instant.as_str())];
    if let Some(index) = &spec.session_index {
        authn.push(("SessionIndex", index.as_str()));
    }
    w.start("AuthnStatement", &authn);
    w.start("AuthnContext", &[]);
    w.text_element("AuthnContextClassRef", &[], &spec.authn_context_class);
    w.end("AuthnContext");
    w.end("AuthnStatement");
    w.end("Assertion");
    w.end("samlp:Response");
    w.finish()
}
