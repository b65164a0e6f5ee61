//! Shared setup: a sandbox, SDK clients pointed at it, and an IdP that signs SAML responses.

use std::sync::OnceLock;

use connect_sso_aws::{Clients, Endpoint, sdk_config_for};
use connect_sso_saml::aws::{ATTR_ROLE, ATTR_ROLE_SESSION_NAME, ATTR_SESSION_DURATION, SIGNIN_URL};
use connect_sso_saml::{Attribute, IdpMetadata, ResponseSpec, SignOptions, SigningKey};
use connect_sso_sandbox::{Config, Sandbox, TEST_ACCOUNT_ID};
use connect_sso_testkit::World;
use time::{Duration, OffsetDateTime};

/// Issuer of the test IdP (Entra style).
pub const ISSUER: &str = "https://sts.windows.net/00000000-0000-0000-0000-00000000test/";

/// A world on a sandbox without the demo tenant (these tests set up AWS themselves).
pub async fn world() -> World {
    World::start_with(Config {
        seed_demo: false,
        ..Config::default()
    })
    .await
}

/// The sandbox of [`world`].
pub async fn sandbox() -> Sandbox {
    world().await.sandbox
}

/// The sandbox's test credentials and Region.
pub fn endpoint() -> Endpoint {
    connect_sso_testkit::aws_endpoint()
}

pub fn clients_with(sb: &Sandbox, endpoint: &Endpoint) -> Clients {
    Clients::new(
        &sdk_config_for(endpoint),
        &connect_sso_testkit::service_endpoints(sb.urls()),
    )
}

pub fn clients(sb: &Sandbox) -> Clients {
    clients_with(sb, &endpoint())
}

/// The test IdP's signing key (generated once per test binary).
pub fn idp_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let now = OffsetDateTime::now_utc();
        SigningKey::generate(
            "Microsoft Azure Federated SSO Certificate",
            now - Duration::days(1),
            now + Duration::days(3 * 365),
        )
        .expect("key")
    })
}

/// Another key (an attacker's, or the IdP's after rollover).
pub fn other_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let now = OffsetDateTime::now_utc();
        SigningKey::generate("other", now - Duration::days(1), now + Duration::days(365))
            .expect("key")
    })
}

pub fn metadata_for(key: &SigningKey, issuer: &str) -> String {
    IdpMetadata {
        entity_id: issuer.into(),
        signing_certificates: vec![key.certificate().clone()],
        sso_services: vec![connect_sso_saml::Endpoint {
            binding: connect_sso_saml::ns::BINDING_HTTP_REDIRECT.into(),
            location:
                "https://login.microsoftonline.com/00000000-0000-0000-0000-00000000test/saml2"
                    .into(),
        }],
        slo_services: vec![],
        name_id_formats: vec![],
    }
    .to_xml("_6b0b4ba0-2a5a-4d1e-9d3a-000000000001")
}

pub fn metadata() -> String {
    metadata_for(idp_key(), ISSUER)
}

/// What to put in a test assertion.
#[derive(Debug, Clone)]
pub struct Assertion {
    pub issuer: String,
    pub audiences: Vec<String>,
    pub recipient: String,
    pub roles: Vec<String>,
    pub session_name: Option<String>,
    pub session_duration: Option<String>,
    pub issued: OffsetDateTime,
    pub lifetime: Duration,
}

impl Assertion {
    pub fn new(role_arn: &str, provider_arn: &str, session_name: &str) -> Self {
        Self {
            issuer: ISSUER.into(),
            audiences: vec![SIGNIN_URL.into()],
            recipient: SIGNIN_URL.into(),
            roles: vec![format!("{role_arn},{provider_arn}")],
            session_name: Some(session_name.into()),
            session_duration: None,
            issued: OffsetDateTime::now_utc(),
            lifetime: Duration::minutes(5),
        }
    }

    /// Signed Response XML, base64 (the POST binding field).
    pub fn signed_b64(&self, key: &SigningKey) -> String {
        let mut attributes = vec![Attribute {
            name: ATTR_ROLE.into(),
            values: self.roles.clone(),
        }];
        if let Some(s) = &self.session_name {
            attributes.push(Attribute {
                name: ATTR_ROLE_SESSION_NAME.into(),
                values: vec![s.clone()],
            });
        }
        if let Some(d) = &self.session_duration {
            attributes.push(Attribute {
                name: ATTR_SESSION_DURATION.into(),
                values: vec![d.clone()],
            });
        }
        let spec = ResponseSpec {
            response_id: format!("_{}", uuid_like()),
            assertion_id: format!("_{}", uuid_like()),
            issuer: self.issuer.clone(),
            destination: self.recipient.clone(),
            in_response_to: None,
            issue_instant: self.issued,
            name_id: "alice@example.com".into(),
            name_id_format: connect_sso_saml::ns::NAMEID_PERSISTENT.into(),
            audiences: self.audiences.clone(),
            not_before: self.issued - Duration::minutes(5),
            not_on_or_after: self.issued + self.lifetime,
            authn_instant: self.issued,
            session_index: Some("_session".into()),
            authn_context_class: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password".into(),
            attributes,
        };
        let xml =
            connect_sso_saml::sign_response(&spec, key, SignOptions::default()).expect("sign");
        connect_sso_saml::binding::encode_post(xml.as_bytes())
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(1);
    format!(
        "{:08x}-0000-4000-8000-{:012x}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

pub fn provider_arn(name: &str) -> String {
    format!("arn:aws:iam::{TEST_ACCOUNT_ID}:saml-provider/{name}")
}

pub fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{TEST_ACCOUNT_ID}:role/{name}")
}

/// The documented trust policy (docs/facts.md §3) for `provider`, with the given audiences.
pub fn trust_policy(provider: &str, audiences: &[&str]) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": audiences}}
        }]
    })
    .to_string()
}

/// A SAML provider `Entra` and a role `ConnectFederation` trusting it (global audience).
pub async fn federation_setup(c: &connect_sso_aws::Clients) -> (String, String) {
    let provider = c
        .iam
        .create_saml_provider()
        .name("Entra")
        .saml_metadata_document(metadata())
        .send()
        .await
        .expect("create provider")
        .saml_provider_arn
        .expect("arn");
    let role = c
        .iam
        .create_role()
        .role_name("ConnectFederation")
        .assume_role_policy_document(trust_policy(&provider, &[SIGNIN_URL]))
        .max_session_duration(43200)
        .send()
        .await
        .expect("create role")
        .role
        .expect("role")
        .arn;
    (provider, role)
}

/// The error code of an SDK error (`NoSuchEntity`, …).
pub fn code<T: aws_sdk_iam::error::ProvideErrorMetadata>(e: &T) -> String {
    e.code().unwrap_or("<no code>").to_string()
}

/// The error message of an SDK error.
pub fn message<T: aws_sdk_iam::error::ProvideErrorMetadata>(e: &T) -> String {
    e.message().unwrap_or("").to_string()
}
