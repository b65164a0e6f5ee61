use crate::{Certificate, Error};

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
        todo!("{xml}")
    }
    /// Write metadata as Entra publishes it (unsigned; `sign_metadata` adds an enveloped signature).
    /// `id` is the EntityDescriptor `ID` attribute.
    pub fn to_xml(&self, id: &str) -> String {
        todo!("{id}")
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
        todo!("{xml}")
    }
    /// Write SP metadata.
    pub fn to_xml(&self) -> String {
        todo!()
    }
}

/// Sign any document whose root carries an `ID` attribute with an enveloped signature
/// placed as the root's first child (metadata) — used for Entra-style signed federation metadata.
pub fn sign_metadata(xml: &str, key: &crate::SigningKey) -> Result<String, Error> {
    todo!("{xml} {key:?}")
}
