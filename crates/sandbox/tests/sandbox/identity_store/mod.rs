//! IAM Identity Center's identity store (brokered topology): its SCIM endpoint, the
//! `identitystore` API, and the Entra emulation's provisioning job that fills it.
//!
//! Shared helpers: enable provisioning (the console step), a SCIM client.

mod api;
mod provisioning;
mod scim;

use connect_sso_sandbox::Sandbox;
use serde_json::Value;

/// The local SCIM base of the sandbox's Identity Center.
pub fn scim_base(sb: &Sandbox) -> String {
    format!("{}/aws/identity-center/scim/v2", sb.urls().base())
}

/// "Enable automatic provisioning": `(scim_endpoint, token)`.
pub async fn enable_provisioning(sb: &Sandbox) -> (String, String) {
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/aws/_admin/identity-center/provisioning",
            sb.urls().base()
        ))
        .send()
        .await
        .expect("provisioning request");
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.expect("provisioning json");
    let s = |k: &str| v[k].as_str().expect("string").to_string();
    (s("scim_endpoint"), s("token"))
}

/// A SCIM client with a bearer token.
pub struct Scim {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Scim {
    /// Enable provisioning and use its token.
    pub async fn new(sb: &Sandbox) -> Self {
        let (_, token) = enable_provisioning(sb).await;
        Self::with_token(sb, &token)
    }
    /// Any token.
    pub fn with_token(sb: &Sandbox, token: &str) -> Self {
        Self {
            base: scim_base(sb),
            token: token.to_string(),
            http: reqwest::Client::new(),
        }
    }
    /// Send a raw body; (status, content type, JSON or Null).
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> (u16, String, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/scim+json");
        if let Some(b) = body {
            req = req.body(b);
        }
        let resp = req.send().await.expect("scim request");
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let text = resp.text().await.expect("scim body");
        let v = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, ct, v)
    }
    /// Send JSON; (status, JSON or Null).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let body = body.map(|b| b.to_string().into_bytes());
        let (s, _, v) = self.raw(method, path, body).await;
        (s, v)
    }
    /// Expect `want`, return the body.
    pub async fn ok(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        want: u16,
    ) -> Value {
        let (s, v) = self.call(method.clone(), path, body).await;
        assert_eq!(s, want, "{method} {path}: {v}");
        v
    }
}
