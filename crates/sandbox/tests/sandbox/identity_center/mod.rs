//! IAM Identity Center (issue 14, brokered topology): Entra → Identity Center → its SAML
//! application → AWS sign-in → Amazon Connect, driven over HTTP like a browser, and the
//! management account's `sso-admin`.
//!
//! Shared helpers: signed awsJson/awsQuery calls with either account's keys, and a sandbox
//! configured up to the point where the operator's console steps begin.

mod brokered;
mod persist;
mod sso_admin;

use aws_lc_rs::{digest, hmac};
use connect_sso_sandbox::aws::identity_center::{self as ic, store::User};
use connect_sso_sandbox::entra::{DEFAULT_TENANT_ID, USER_ALICE_UPN};
use connect_sso_sandbox::{
    MANAGEMENT_ACCESS_KEY_ID, MANAGEMENT_SECRET_ACCESS_KEY, Sandbox, TEST_ACCESS_KEY_ID,
    TEST_REGION, TEST_SECRET_ACCESS_KEY,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::connect::{Connect, admin};
use crate::entra::{AWS_ACS, ConfiguredApp, Graph, configure_aws_app, fetch_metadata};

/// Which account's long-term keys sign a request.
#[derive(Debug, Clone, Copy)]
pub enum Account {
    /// The Connect account (111122223333).
    Connect,
    /// The management account (999988887777), where Identity Center lives.
    Management,
}

impl Account {
    fn keys(self) -> (&'static str, &'static str) {
        match self {
            Account::Connect => (TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY),
            Account::Management => (MANAGEMENT_ACCESS_KEY_ID, MANAGEMENT_SECRET_ACCESS_KEY),
        }
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

/// SigV4 headers (`x-amz-date`, `authorization`) for a request to `path` without a query.
fn sign(
    account: Account,
    method: &str,
    host: &str,
    path: &str,
    body: &[u8],
    service: &str,
) -> Vec<(&'static str, String)> {
    let (key_id, secret) = account.keys();
    let amz_date = OffsetDateTime::now_utc()
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .expect("date");
    let date = &amz_date[..8];
    let body_hash = hex::encode(digest::digest(&digest::SHA256, body).as_ref());
    let canonical = format!(
        "{method}\n{path}\n\nhost:{host}\nx-amz-date:{amz_date}\n\nhost;x-amz-date\n{body_hash}"
    );
    let scope = format!("{date}/{TEST_REGION}/{service}/aws4_request");
    let digest_hex = hex::encode(digest::digest(&digest::SHA256, canonical.as_bytes()).as_ref());
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{digest_hex}");
    let mut k = hmac_sha256(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in [TEST_REGION, service, "aws4_request"] {
        k = hmac_sha256(&k, part.as_bytes());
    }
    let signature = hex::encode(hmac_sha256(&k, to_sign.as_bytes()));
    vec![
        ("x-amz-date", amz_date),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders=host;x-amz-date, Signature={signature}"
            ),
        ),
    ]
}

/// A signed request's answer: status, `x-amzn-ErrorType` (JSON) and body text.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub error: Option<String>,
    pub text: String,
}

impl Reply {
    /// The JSON body of a 200 answer.
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert_eq!(self.status, 200, "{:?}: {}", self.error, self.text);
        serde_json::from_str(&self.text).expect("JSON")
    }
}

/// A signed request (`method` `path`, no query) with `account`'s keys.
pub async fn send(
    sb: &Sandbox,
    account: Account,
    (method, path): (&str, &str),
    service: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Reply {
    let host = sb.urls().base().trim_start_matches("http://").to_string();
    let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = reqwest::Client::new().request(m, format!("{}{path}", sb.urls().base()));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    for (k, v) in sign(account, method, &host, path, &body, service) {
        req = req.header(k, v);
    }
    let resp = req.body(body).send().await.expect("answer");
    let status = resp.status().as_u16();
    let error = resp
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_string());
    let text = resp.text().await.expect("body");
    // awsJson errors name their code in the body's `__type`.
    let error = error.or_else(|| {
        let v: Value = serde_json::from_str(&text).ok()?;
        v["__type"]
            .as_str()
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
    });
    Reply {
        status,
        error,
        text,
    }
}

/// An `sso-admin` call.
pub async fn sso(sb: &Sandbox, account: Account, op: &str, input: Value) -> Reply {
    let target = format!("SWBExternalService.{op}");
    let headers = [
        ("x-amz-target", target.as_str()),
        ("content-type", "application/x-amz-json-1.1"),
    ];
    send(
        sb,
        account,
        ("POST", "/aws/sso-admin/"),
        "sso",
        &headers,
        input.to_string().into_bytes(),
    )
    .await
}

/// An awsQuery call (`iam` or `sts`).
pub async fn query(
    sb: &Sandbox,
    account: Account,
    service: &str,
    params: &[(&str, &str)],
) -> Reply {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    let version = if service == "iam" {
        "2010-05-08"
    } else {
        "2011-06-15"
    };
    ser.append_pair("Version", version);
    for (k, v) in params {
        ser.append_pair(k, v);
    }
    let headers = [(
        "content-type",
        "application/x-www-form-urlencoded; charset=utf-8",
    )];
    let path = format!("/aws/{service}/");
    send(
        sb,
        account,
        ("POST", &path),
        service,
        &headers,
        ser.finish().into_bytes(),
    )
    .await
}

/// The Connect account's IAM provider `provider` (from `metadata`) and role `role` trusted by
/// it and allowed to federate into Connect.
pub async fn federation_role(sb: &Sandbox, provider: &str, metadata: &str, role: &str) {
    let iam = |params: Vec<(&'static str, String)>| async move {
        let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = query(sb, Account::Connect, "iam", &p).await;
        assert_eq!(r.status, 200, "IAM {p:?}: {}", r.text);
    };
    if !provider.is_empty() {
        iam(vec![
            ("Action", "CreateSAMLProvider".into()),
            ("Name", provider.into()),
            ("SAMLMetadataDocument", metadata.into()),
        ])
        .await;
    }
    let trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": format!("arn:aws:iam::111122223333:saml-provider/{}", if provider.is_empty() { "IdentityCenter" } else { provider })},
        "Action": "sts:AssumeRoleWithSAML",
        "Condition": {"StringEquals": {"SAML:aud": AWS_ACS}},
    }]});
    iam(vec![
        ("Action", "CreateRole".into()),
        ("RoleName", role.into()),
        ("AssumeRolePolicyDocument", trust.to_string()),
    ])
    .await;
    let allow = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "connect:GetFederationToken", "Resource": "*",
    }]});
    iam(vec![
        ("Action", "PutRolePolicy".into()),
        ("RoleName", role.into()),
        ("PolicyName", "federate".into()),
        ("PolicyDocument", allow.to_string()),
    ])
    .await;
}

/// The Role mapping value of `role` through the `IdentityCenter` provider.
pub fn role_value(role: &str) -> String {
    format!(
        "arn:aws:iam::111122223333:role/{role},arn:aws:iam::111122223333:saml-provider/IdentityCenter"
    )
}

/// The attribute mappings of the contract: Subject, RoleSessionName (both `${user:email}`)
/// and Role (`role`, when given).
pub fn mappings(role: Option<&str>) -> Value {
    let mut m = vec![
        json!({"attribute": "Subject", "value": "${user:email}", "format": "emailAddress"}),
        json!({"attribute": "https://aws.amazon.com/SAML/Attributes/RoleSessionName", "value": "${user:email}", "format": "unspecified"}),
    ];
    if let Some(r) = role {
        m.push(json!({"attribute": "https://aws.amazon.com/SAML/Attributes/Role", "value": r, "format": "unspecified"}));
    }
    Value::Array(m)
}

/// A sandbox after the automated steps of the brokered topology, ready for the console steps.
pub struct Brokered {
    pub sb: Sandbox,
    /// The Entra enterprise app whose identifier and reply URL are Identity Center's.
    pub entra: ConfiguredApp,
    /// Alice's identity-store user ID.
    pub user_id: String,
    /// The Connect instance (SAML) with a user named as Alice's e-mail.
    pub instance: String,
}

impl Brokered {
    /// Entra app (identifier = IC's entity ID, reply URL = IC's ACS), identity source set from
    /// its federation metadata, Alice in the identity store, a Connect instance with Alice.
    pub async fn new() -> Self {
        let sb = crate::connect::start(connect_sso_sandbox::Config::default()).await;
        let g = Graph::tool(&sb).await;
        let entra = configure_aws_app(&g, "AWS IAM Identity Center", ic::SP_ENTITY_ID).await;
        g.ok(
            reqwest::Method::PATCH,
            &format!("applications/{}", entra.object_id),
            Some(json!({"web": {"redirectUris": [ic::ACS_URL]}})),
            204,
        )
        .await;
        let md = fetch_metadata(&sb, &entra.app_id).await;
        let set = admin(
            &sb,
            "PUT",
            "identity-center/identity-source",
            json!({"idp_metadata": md}),
        )
        .await;
        assert_eq!(set["sp_entity_id"], ic::SP_ENTITY_ID);
        let user_id = uuid::Uuid::new_v4().to_string();
        ic::lock(&sb.state).store.users.push(User {
            id: user_id.clone(),
            user_name: USER_ALICE_UPN.into(),
            display_name: "Alice".into(),
            given_name: "Alice".into(),
            family_name: "Example".into(),
            email: Some(USER_ALICE_UPN.into()),
            external_id: None,
            active: true,
        });
        let connect = Connect::new(&sb);
        let (instance, _) = connect.saml_instance("brokered").await;
        connect
            .create_user(&instance, USER_ALICE_UPN, json!({}))
            .await
            .ok();
        Self {
            sb,
            entra,
            user_id,
            instance,
        }
    }

    /// The relay state of the Connect instance's console federation.
    pub fn relay_state(&self) -> String {
        format!(
            "https://us-east-1.console.aws.amazon.com/connect/federate/{}",
            self.instance
        )
    }

    /// Create the IC application "Amazon Connect" (console step) with these mappings: (ARN, metadata XML).
    pub async fn application(&self, mappings: Value) -> (String, String) {
        let created = admin(
            &self.sb,
            "POST",
            "identity-center/applications",
            json!({
                "name": "Amazon Connect",
                "relay_state": self.relay_state(),
                "acs_url": AWS_ACS,
                "audience": "urn:amazon:webservices",
                "attribute_mappings": mappings,
            }),
        )
        .await;
        let arn = created["application_arn"]
            .as_str()
            .expect("arn")
            .to_string();
        let url = self
            .sb
            .urls()
            .to_local(created["metadata_url"].as_str().expect("url"));
        assert!(url.starts_with(self.sb.urls().base()), "{url}");
        let resp = reqwest::get(url).await.expect("metadata");
        assert_eq!(resp.status(), 200);
        (arn, resp.text().await.expect("xml"))
    }

    /// Assign Alice to the application (sso-admin, management account).
    pub async fn assign(&self, arn: &str) {
        sso(
            &self.sb,
            Account::Management,
            "CreateApplicationAssignment",
            json!({"ApplicationArn": arn, "PrincipalId": self.user_id, "PrincipalType": "USER"}),
        )
        .await
        .ok();
    }
}

/// Entra's issuer for the default tenant.
pub fn entra_issuer() -> String {
    format!("https://sts.windows.net/{DEFAULT_TENANT_ID}/")
}
