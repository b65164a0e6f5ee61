use roxmltree::Node;

use crate::dsig::{Placement, sign_enveloped};
use crate::xml::{self, XmlWriter, child, children, is, text_content};
use crate::{Certificate, Error, Rejection, ns};

/// A SAML endpoint: binding URI and location URL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Endpoint {
    /// Binding URI, e.g. [`crate::ns::BINDING_HTTP_POST`].
    pub binding: String,
    /// URL.
    pub location: String,
}

/// IdP metadata (`md:EntityDescriptor` with an `md:IDPSSODescriptor`).
///
/// Several signing certificates may be listed (rollover): a response signed with any of
/// them is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    /// `entityID`: the Issuer to expect (Entra: `https://sts.windows.net/{tenant}/`).
    pub entity_id: String,
    /// Certificates of `KeyDescriptor`s with `use="signing"` or no `use`, in document order.
    pub signing_certificates: Vec<Certificate>,
    /// `SingleSignOnService` endpoints.
    pub sso_services: Vec<Endpoint>,
    /// `SingleLogoutService` endpoints.
    pub slo_services: Vec<Endpoint>,
    /// `NameIDFormat`s offered.
    pub name_id_formats: Vec<String>,
}

impl IdpMetadata {
    /// Parse metadata. Accepts an `EntityDescriptor` root, or an `EntitiesDescriptor` holding
    /// exactly one IdP. DTDs are refused. A UTF-8 BOM is reported as an error (IAM refuses it).
    pub fn parse(xml: &str) -> Result<Self, Error> {
        let xml = check_metadata_text(xml)?;
        let doc = parse_metadata_xml(&xml)?;
        let entity = single_entity(doc.root_element(), "IDPSSODescriptor")?;
        let entity_id = entity_id(entity)?;
        let idp = role_descriptor(entity, "IDPSSODescriptor")?;

        let mut signing_certificates: Vec<Certificate> = Vec::new();
        for descriptor in children(idp, ns::METADATA, "KeyDescriptor") {
            if !matches!(descriptor.attribute("use"), None | Some("signing")) {
                continue;
            }
            let certs = child(descriptor, ns::DSIG, "KeyInfo")
                .into_iter()
                .flat_map(|k| children(k, ns::DSIG, "X509Data"))
                .flat_map(|d| children(d, ns::DSIG, "X509Certificate"));
            for cert in certs {
                let cert = Certificate::from_base64(&text_content(cert)).map_err(|e| {
                    Error::Metadata(format!("a signing certificate cannot be used: {e}"))
                })?;
                if !signing_certificates.contains(&cert) {
                    signing_certificates.push(cert);
                }
            }
        }
        if signing_certificates.is_empty() {
            return Err(Error::Metadata(
                "the IDPSSODescriptor lists no signing certificate (KeyDescriptor use=\"signing\" with an X509Certificate)".to_string(),
            ));
        }
        let sso_services = endpoints(idp, "SingleSignOnService");
        if sso_services.is_empty() {
            return Err(Error::Metadata(
                "the IDPSSODescriptor lists no SingleSignOnService".to_string(),
            ));
        }
        Ok(Self {
            entity_id,
            signing_certificates,
            sso_services,
            slo_services: endpoints(idp, "SingleLogoutService"),
            name_id_formats: children(idp, ns::METADATA, "NameIDFormat")
                .map(|n| text_content(n).trim().to_string())
                .collect(),
        })
    }
    /// Write metadata as Entra publishes it (unsigned; `sign_metadata` adds an enveloped signature).
    /// `id` is the EntityDescriptor `ID` attribute.
    ///
    /// Only the SAML part is written: an `EntityDescriptor` in the default metadata namespace
    /// with one `IDPSSODescriptor` (one `KeyDescriptor use="signing"` per certificate, then
    /// SingleLogoutService, NameIDFormat and SingleSignOnService, in schema order), after an
    /// XML declaration, UTF-8 without BOM.
    pub fn to_xml(&self, id: &str) -> String {
        let mut w = XmlWriter::new();
        w.start(
            "EntityDescriptor",
            &[
                ("ID", id),
                ("entityID", &self.entity_id),
                ("xmlns", ns::METADATA),
            ],
        );
        w.start(
            "IDPSSODescriptor",
            &[("protocolSupportEnumeration", ns::PROTOCOL)],
        );
        for cert in &self.signing_certificates {
            w.start("KeyDescriptor", &[("use", "signing")]);
            w.start("KeyInfo", &[("xmlns", ns::DSIG)]);
            w.start("X509Data", &[]);
            w.text_element("X509Certificate", &[], &cert.to_base64());
            w.end("X509Data");
            w.end("KeyInfo");
            w.end("KeyDescriptor");
        }
        for e in &self.slo_services {
            w.empty(
                "SingleLogoutService",
                &[("Binding", &e.binding), ("Location", &e.location)],
            );
        }
        for f in &self.name_id_formats {
            w.text_element("NameIDFormat", &[], f);
        }
        for e in &self.sso_services {
            w.empty(
                "SingleSignOnService",
                &[("Binding", &e.binding), ("Location", &e.location)],
            );
        }
        w.end("IDPSSODescriptor");
        w.end("EntityDescriptor");
        // Values that XML cannot carry (control characters) are written as given: the
        // result then fails to parse, which is where such metadata would be refused anyway.
        format!("{XML_DECLARATION}{}", w.finish_lossy())
    }
}

/// SP metadata: what AWS publishes at `https://signin.aws.amazon.com/static/saml-metadata.xml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpMetadata {
    /// `entityID` (AWS: `urn:amazon:webservices`).
    pub entity_id: String,
    /// `AssertionConsumerService` endpoints.
    pub acs: Vec<Endpoint>,
}

impl SpMetadata {
    /// Parse SP metadata (`md:SPSSODescriptor`).
    pub fn parse(xml: &str) -> Result<Self, Error> {
        let xml = check_metadata_text(xml)?;
        let doc = parse_metadata_xml(&xml)?;
        let entity = single_entity(doc.root_element(), "SPSSODescriptor")?;
        let entity_id = entity_id(entity)?;
        let sp = role_descriptor(entity, "SPSSODescriptor")?;
        let acs = endpoints(sp, "AssertionConsumerService");
        if acs.is_empty() {
            return Err(Error::Metadata(
                "the SPSSODescriptor lists no AssertionConsumerService".to_string(),
            ));
        }
        Ok(Self { entity_id, acs })
    }
    /// Write SP metadata.
    pub fn to_xml(&self) -> String {
        let mut w = XmlWriter::new();
        w.start(
            "EntityDescriptor",
            &[("entityID", &self.entity_id), ("xmlns", ns::METADATA)],
        );
        w.start(
            "SPSSODescriptor",
            &[
                ("AuthnRequestsSigned", "false"),
                ("WantAssertionsSigned", "true"),
                ("protocolSupportEnumeration", ns::PROTOCOL),
            ],
        );
        for (i, e) in self.acs.iter().enumerate() {
            let index = (i + 1).to_string();
            let mut attrs = vec![
                ("Binding", e.binding.as_str()),
                ("Location", e.location.as_str()),
            ];
            attrs.push(("index", &index));
            if i == 0 {
                attrs.push(("isDefault", "true"));
            }
            w.empty("AssertionConsumerService", &attrs);
        }
        w.end("SPSSODescriptor");
        w.end("EntityDescriptor");
        format!("{XML_DECLARATION}{}", w.finish_lossy())
    }
}

/// Sign any document whose root carries an `ID` attribute with an enveloped signature
/// placed as the root's first child (metadata) — used for Entra-style signed federation metadata.
///
/// The signature uses RSA-SHA256, SHA-256, exclusive c14n and carries the certificate in
/// `KeyInfo`, as Entra's federation metadata does.
pub fn sign_metadata(xml: &str, key: &crate::SigningKey) -> Result<String, Error> {
    let xml: &str = &xml::normalize_newlines(xml);
    let doc = xml::parse(xml)
        .map_err(|e| Error::Build(format!("the metadata to sign is not usable XML: {e}")))?;
    let id = doc
        .root_element()
        .attribute("ID")
        .ok_or_else(|| Error::Build("the metadata root element has no ID attribute".to_string()))?
        .to_string();
    drop(doc);
    sign_enveloped(xml, &id, Placement::FirstChild, key, false, true)
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

/// Metadata text must not start with a BOM (IAM refuses it); line ends are normalised.
fn check_metadata_text(xml: &str) -> Result<std::borrow::Cow<'_, str>, Error> {
    if xml.starts_with('\u{FEFF}') {
        return Err(Error::Metadata(
            "the document starts with a UTF-8 byte order mark, which IAM refuses; save it as UTF-8 without BOM".to_string(),
        ));
    }
    Ok(xml::normalize_newlines(xml))
}

/// Parse metadata text (already through [`check_metadata_text`]): no DTD.
fn parse_metadata_xml(xml: &str) -> Result<roxmltree::Document<'_>, Error> {
    xml::parse(xml).map_err(|e| match e {
        Rejection::Dtd => Error::Metadata(
            "the document contains a DTD or entity declaration, which is refused".to_string(),
        ),
        other => Error::Metadata(format!("not well-formed XML: {other}")),
    })
}

/// The one `EntityDescriptor` that has a `role` descriptor: the root itself, or the only such
/// entity inside an `EntitiesDescriptor` (nested groups included).
fn single_entity<'a, 'i>(root: Node<'a, 'i>, role: &'static str) -> Result<Node<'a, 'i>, Error> {
    if is(root, ns::METADATA, "EntityDescriptor") {
        return Ok(root);
    }
    if !is(root, ns::METADATA, "EntitiesDescriptor") {
        return Err(Error::Metadata(format!(
            "the root element is <{}>, expected md:EntityDescriptor or md:EntitiesDescriptor",
            root.tag_name().name()
        )));
    }
    let mut found = root.descendants().filter(|n| {
        is(*n, ns::METADATA, "EntityDescriptor") && child(*n, ns::METADATA, role).is_some()
    });
    match (found.next(), found.next()) {
        (Some(entity), None) => Ok(entity),
        (None, _) => Err(Error::Metadata(format!(
            "the EntitiesDescriptor holds no entity with an {role}"
        ))),
        (Some(_), Some(_)) => Err(Error::Metadata(format!(
            "the EntitiesDescriptor holds more than one entity with an {role}; give the metadata of one"
        ))),
    }
}

fn entity_id(entity: Node<'_, '_>) -> Result<String, Error> {
    match entity.attribute("entityID") {
        Some(id) if !id.trim().is_empty() => Ok(id.to_string()),
        _ => Err(Error::Metadata(
            "the EntityDescriptor has no entityID".to_string(),
        )),
    }
}

/// The role descriptor that supports SAML 2.0 (the first, if several do).
fn role_descriptor<'a, 'i>(
    entity: Node<'a, 'i>,
    role: &'static str,
) -> Result<Node<'a, 'i>, Error> {
    children(entity, ns::METADATA, role)
        .find(|d| {
            d.attribute("protocolSupportEnumeration")
                .is_some_and(|p| p.split_ascii_whitespace().any(|p| p == ns::PROTOCOL))
        })
        .ok_or_else(|| {
            Error::Metadata(format!(
                "the EntityDescriptor has no {role} supporting SAML 2.0 ({})",
                ns::PROTOCOL
            ))
        })
}

fn endpoints(descriptor: Node<'_, '_>, name: &'static str) -> Vec<Endpoint> {
    children(descriptor, ns::METADATA, name)
        .map(|e| Endpoint {
            binding: e.attribute("Binding").unwrap_or("").to_string(),
            location: e.attribute("Location").unwrap_or("").to_string(),
        })
        .collect()
}
