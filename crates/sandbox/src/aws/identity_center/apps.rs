//! Customer-managed SAML applications: what the console's "Add application → I have an
//! application I want to set up → SAML 2.0" creates. Each is an IdP towards its service
//! provider (AWS sign-in): its own RSA key and certificate, its metadata, and the Response it
//! issues for a user from its attribute mappings.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use connect_sso_saml::{
    Attribute, Endpoint, IdpMetadata, ResponseSpec, SignOptions, SigningKey, ns,
};
use time::{Duration, OffsetDateTime};

use super::store::User;
use super::{INSTANCE_ID, MANAGEMENT_ACCOUNT_ID, REGION};

/// The application provider of customer-managed SAML applications.
pub const CUSTOM_SAML_PROVIDER_ARN: &str = "arn:aws:sso::aws:applicationProvider/custom-saml";

/// The attribute mapping whose value becomes the NameID.
pub const SUBJECT: &str = "Subject";

/// One row of the console's "Attribute mappings" page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttributeMapping {
    /// `Subject` (the NameID) or the attribute name sent (e.g.
    /// `https://aws.amazon.com/SAML/Attributes/Role`).
    pub attribute: String,
    /// `${user:email}` and the like are substituted; anything else is sent as typed.
    pub value: String,
    /// For `Subject`, the NameID format (`emailAddress`, `persistent`, `transient`,
    /// `unspecified` or a full URN); for attributes, `unspecified`/`basic`/`uri` (not sent).
    #[serde(default = "unspecified")]
    pub format: String,
}

fn unspecified() -> String {
    "unspecified".into()
}

/// What the console's application pages set (the admin API's body).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ApplicationConfig {
    /// Display name (the portal tile's label).
    pub name: String,
    /// "Application start URL" (optional).
    #[serde(default)]
    pub start_url: String,
    /// "Relay state": the RelayState posted with the Response.
    #[serde(default)]
    pub relay_state: String,
    /// "Application ACS URL": Destination and Recipient.
    pub acs_url: String,
    /// "Application SAML audience".
    pub audience: String,
    /// Attribute mappings.
    #[serde(default)]
    pub attribute_mappings: Vec<AttributeMapping>,
}

impl ApplicationConfig {
    /// Refuse what the console refuses (empty required fields).
    pub fn check(&self) -> Result<(), String> {
        for (field, value) in [
            ("name", &self.name),
            ("acs_url", &self.acs_url),
            ("audience", &self.audience),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{field} is required and must not be empty"));
            }
        }
        Ok(())
    }
}

/// A customer-managed SAML application (saved with its key, as the Entra side saves its
/// signing keys: PEM private key and certificate).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Application {
    /// `apl-` and 16 hexadecimal digits.
    pub id: String,
    /// `arn:aws:sso::999988887777:application/ssoins-…/apl-…`.
    pub arn: String,
    /// The token in its issuer and metadata URLs (base64 of `{account}_{id}`).
    pub token: String,
    /// What the console set.
    pub config: ApplicationConfig,
    /// Its own signing key and certificate.
    #[serde(with = "pem_key")]
    pub key: SigningKey,
    /// `ENABLED` (not saved: always so).
    #[serde(skip, default = "enabled")]
    pub status: &'static str,
    /// Creation time (sandbox clock).
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}

/// An application's status.
fn enabled() -> &'static str {
    "ENABLED"
}

/// An application's [`SigningKey`] as the Entra side stores its keys
/// ([`crate::entra::model::StoredSigningKey`]: PEM private key and certificate).
mod pem_key {
    use connect_sso_saml::SigningKey;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::entra::model::StoredSigningKey;

    /// Write the key and certificate as PEM.
    pub fn serialize<S: Serializer>(key: &SigningKey, s: S) -> Result<S::Ok, S::Error> {
        StoredSigningKey(key.clone()).serialize(s)
    }

    /// Read them back.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SigningKey, D::Error> {
        StoredSigningKey::deserialize(d).map(|k| k.0)
    }
}

impl Application {
    /// A new application with a fresh RSA-2048 key and a five-year certificate.
    pub fn new(config: ApplicationConfig, now: OffsetDateTime) -> Result<Self, String> {
        config.check()?;
        use rand::Rng;
        let bytes: [u8; 8] = rand::thread_rng().r#gen();
        let id = format!("apl-{}", hex::encode(bytes));
        let key = SigningKey::generate(
            "AWS SSO SAML Application",
            now - Duration::days(1),
            now + Duration::days(5 * 365),
        )
        .map_err(|e| format!("could not make the application's signing key: {e}"))?;
        Ok(Self {
            arn: format!("arn:aws:sso::{MANAGEMENT_ACCOUNT_ID}:application/{INSTANCE_ID}/{id}"),
            token: URL_SAFE_NO_PAD.encode(format!("{MANAGEMENT_ACCOUNT_ID}_{id}")),
            id,
            config,
            key,
            status: enabled(),
            created: now,
        })
    }

    /// Its IdP entity ID (the Issuer of its Responses).
    pub fn entity_id(&self) -> String {
        format!(
            "https://portal.sso.{REGION}.amazonaws.com/saml/assertion/{}",
            self.token
        )
    }

    /// Its metadata's real URL (`Urls::to_local` maps it to the sandbox).
    pub fn metadata_url(&self) -> String {
        format!(
            "https://portal.sso.{REGION}.amazonaws.com/saml/metadata/{}",
            self.token
        )
    }

    /// Its IdP metadata (entity ID, signing certificate, SSO endpoints).
    pub fn metadata_xml(&self) -> String {
        let location = self.entity_id();
        let md = IdpMetadata {
            entity_id: self.entity_id(),
            signing_certificates: vec![self.key.certificate().clone()],
            sso_services: [ns::BINDING_HTTP_POST, ns::BINDING_HTTP_REDIRECT]
                .iter()
                .map(|b| Endpoint {
                    binding: (*b).to_string(),
                    location: location.clone(),
                })
                .collect(),
            slo_services: Vec::new(),
            name_id_formats: vec![ns::NAMEID_EMAIL.to_string()],
        };
        md.to_xml(&format!("_{}", uuid::Uuid::new_v4()))
    }

    /// The signed Response for `user` at `now` (attribute mappings applied; a value that is
    /// no known `${user:…}` variable is sent as typed).
    pub fn response_for(&self, user: &User, now: OffsetDateTime) -> Result<String, String> {
        let (name_id, name_id_format, attributes) = self.mapped(user);
        let assertion_id = format!("_{}", uuid::Uuid::new_v4());
        let spec = ResponseSpec {
            response_id: format!("_{}", uuid::Uuid::new_v4()),
            assertion_id: assertion_id.clone(),
            issuer: self.entity_id(),
            destination: self.config.acs_url.clone(),
            in_response_to: None,
            issue_instant: now,
            name_id,
            name_id_format,
            audiences: vec![self.config.audience.clone()],
            not_before: now - Duration::minutes(5),
            not_on_or_after: now + Duration::hours(1),
            authn_instant: now,
            session_index: Some(assertion_id),
            authn_context_class:
                "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport".into(),
            attributes,
        };
        connect_sso_saml::sign_response(&spec, &self.key, SignOptions::default())
            .map_err(|e| format!("could not sign the application's response: {e}"))
    }

    /// (NameID, its format, attributes) from the mappings; without a `Subject` mapping the
    /// NameID is `${user:subject}` (persistent).
    fn mapped(&self, user: &User) -> (String, String, Vec<Attribute>) {
        let mut name_id = (user.id.clone(), ns::NAMEID_PERSISTENT.to_string());
        let mut attributes: Vec<Attribute> = Vec::new();
        for m in &self.config.attribute_mappings {
            let value = substitute(&m.value, user);
            if m.attribute == SUBJECT {
                name_id = (value, name_id_format(&m.format));
            } else if let Some(a) = attributes.iter_mut().find(|a| a.name == m.attribute) {
                a.values.push(value);
            } else {
                attributes.push(Attribute {
                    name: m.attribute.clone(),
                    values: vec![value],
                });
            }
        }
        (name_id.0, name_id.1, attributes)
    }
}

/// The NameID format URN of a console format name.
fn name_id_format(format: &str) -> String {
    match format {
        "emailAddress" => ns::NAMEID_EMAIL.into(),
        "persistent" => ns::NAMEID_PERSISTENT.into(),
        "transient" => "urn:oasis:names:tc:SAML:2.0:nameid-format:transient".into(),
        f if f.starts_with("urn:") => f.into(),
        _ => ns::NAMEID_UNSPECIFIED.into(),
    }
}

/// Substitute the `${user:…}` variables Identity Center knows; the rest stays as typed.
pub fn substitute(value: &str, user: &User) -> String {
    let email = user.email.clone().unwrap_or_default();
    [
        ("${user:email}", email.as_str()),
        ("${user:subject}", user.id.as_str()),
        ("${user:name}", user.user_name.as_str()),
        ("${user:givenName}", user.given_name.as_str()),
        ("${user:familyName}", user.family_name.as_str()),
    ]
    .iter()
    .fold(value.to_string(), |v, (var, with)| v.replace(var, with))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: "u-1".into(),
            user_name: "alice@contoso.example".into(),
            display_name: "Alice".into(),
            given_name: "Alice".into(),
            family_name: "Smith".into(),
            email: Some("alice@contoso.example".into()),
            external_id: None,
            active: true,
        }
    }

    #[test]
    fn variables_are_substituted_and_anything_else_is_sent_as_typed() {
        let u = user();
        assert_eq!(substitute("${user:email}", &u), "alice@contoso.example");
        assert_eq!(
            substitute("${user:givenName} ${user:familyName}", &u),
            "Alice Smith"
        );
        assert_eq!(substitute("arn:a, arn:b", &u), "arn:a, arn:b");
        assert_eq!(substitute("${user:unknown}", &u), "${user:unknown}");
    }

    #[test]
    fn an_application_signs_with_its_own_key_and_its_metadata_lists_it() {
        let now = OffsetDateTime::now_utc();
        let config = ApplicationConfig {
            name: "Amazon Connect".into(),
            start_url: String::new(),
            relay_state: String::new(),
            acs_url: "https://signin.aws.amazon.com/saml".into(),
            audience: "urn:amazon:webservices".into(),
            attribute_mappings: vec![AttributeMapping {
                attribute: SUBJECT.into(),
                value: "${user:email}".into(),
                format: "emailAddress".into(),
            }],
        };
        let app = Application::new(config, now).expect("created");
        assert!(app.arn.ends_with(&format!("{INSTANCE_ID}/{}", app.id)));
        let md = IdpMetadata::parse(&app.metadata_xml()).expect("metadata parses");
        assert_eq!(md.entity_id, app.entity_id());
        let xml = app.response_for(&user(), now).expect("signed");
        let mut opts = connect_sso_saml::VerifyOptions::new(md.signing_certificates, now);
        opts.expected_issuer = Some(app.entity_id());
        let v = connect_sso_saml::verify_response(xml.as_bytes(), &opts).expect("verifies");
        assert_eq!(v.subject, "alice@contoso.example");
        assert_eq!(v.name_id_format.as_deref(), Some(ns::NAMEID_EMAIL));
    }
}
