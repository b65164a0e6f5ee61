//! Amazon Connect over its wire protocol (restJson1, SigV4-signed raw requests, as any client
//! sends them): user hierarchies, custom profiles, SearchUsers filters, the users-per-instance
//! quota and the `/aws/_admin/connect` settings, throttled answers, request IDs, console
//! federation per Region.

mod federation;
mod hierarchy;
mod quotas;
mod search;

use connect_sso_sandbox::{Config, Sandbox, TEST_REGION};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::hostile::sigv4;

/// An answer: status, error code (`x-amzn-ErrorType`), request ID and JSON body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub error: Option<String>,
    pub request_id: Option<String>,
    pub body: Value,
}

impl Answer {
    /// The body of a 200 answer (panics with the error otherwise).
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "{:?}: {}", self.error, self.body);
        self.body
    }

    /// The error code, checking the status the model gives it.
    #[track_caller]
    pub fn err(self, status: u16) -> String {
        assert_eq!(self.status, status, "{:?}: {}", self.error, self.body);
        assert!(self.body["Message"].is_string(), "Message: {}", self.body);
        self.error.unwrap_or_default()
    }
}

/// A Connect client with the sandbox's test credentials, in one Region.
pub struct Connect {
    base: String,
    host: String,
    region: String,
    http: reqwest::Client,
}

impl Connect {
    /// A client of `sb`'s Connect in the sandbox's Region.
    pub fn new(sb: &Sandbox) -> Self {
        Self::in_region(sb, TEST_REGION)
    }

    /// A client of `sb`'s Connect in `region`.
    pub fn in_region(sb: &Sandbox, region: &str) -> Self {
        let base = sb.urls().base().to_string();
        Self {
            host: base.trim_start_matches("http://").to_string(),
            base,
            region: region.to_string(),
            http: reqwest::Client::new(),
        }
    }

    /// `method path?query` with a JSON body (`Value::Null`: none).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Value,
    ) -> Answer {
        let path = format!("/aws/connect{path}");
        let mut pairs: Vec<(String, String)> =
            query.iter().map(|(k, v)| (encode(k), encode(v))).collect();
        pairs.sort();
        let query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let query = query.join("&");
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let url = if query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{query}", self.base)
        };
        let mut req = self.http.request(method.clone(), url);
        let now = OffsetDateTime::now_utc();
        let target = (path.as_str(), query.as_str());
        for (k, v) in sigv4::sign_in_region(
            method.as_str(),
            &self.host,
            target,
            &bytes,
            "connect",
            &self.region,
            now,
        ) {
            req = req.header(k, v);
        }
        let resp = req.body(bytes).send().await.expect("Connect answers");
        answer(resp).await
    }

    /// `PUT /instance` (SAML), made ACTIVE at once through the admin settings; its id and ARN.
    pub async fn saml_instance(&self, alias: &str) -> (String, String) {
        let v = self
            .call(
                "PUT",
                "/instance",
                &[],
                json!({
                    "IdentityManagementType": "SAML", "InstanceAlias": alias,
                    "InboundCallsEnabled": true, "OutboundCallsEnabled": true,
                }),
            )
            .await
            .ok();
        (s(&v["Id"]), s(&v["Arn"]))
    }

    /// The ids of the named security profile and of the default routing profile.
    pub async fn profiles(&self, instance: &str, security: &str) -> (String, String) {
        let sp = self
            .call(
                "GET",
                &format!("/security-profiles-summary/{instance}"),
                &[],
                Value::Null,
            )
            .await
            .ok();
        let rp = self
            .call(
                "GET",
                &format!("/routing-profiles-summary/{instance}"),
                &[],
                Value::Null,
            )
            .await
            .ok();
        let sp = sp["SecurityProfileSummaryList"]
            .as_array()
            .and_then(|l| l.iter().find(|p| p["Name"] == security))
            .map(|p| s(&p["Id"]))
            .expect("security profile");
        (sp, s(&rp["RoutingProfileSummaryList"][0]["Id"]))
    }

    /// CreateUser on a SAML instance with `extra` members merged in.
    pub async fn create_user(&self, instance: &str, username: &str, extra: Value) -> Answer {
        let (sp, rp) = self.profiles(instance, "Agent").await;
        let mut body = json!({
            "Username": username,
            "IdentityInfo": {"FirstName": "Jane", "LastName": "Doe"},
            "PhoneConfig": {"PhoneType": "SOFT_PHONE"},
            "SecurityProfileIds": [sp],
            "RoutingProfileId": rp,
        });
        if let (Some(b), Value::Object(extra)) = (body.as_object_mut(), extra) {
            b.extend(extra);
        }
        self.call("PUT", &format!("/users/{instance}"), &[], body)
            .await
    }
}

/// A sandbox whose new Connect instances are ACTIVE at once and whose rate limits are far
/// above what a test sends.
pub async fn start(config: Config) -> Sandbox {
    let sb = Sandbox::start(config).await.expect("sandbox starts");
    admin(
        &sb,
        "POST",
        "connect/settings",
        json!({"instance_creation_delay_ms": 0}),
    )
    .await;
    admin(&sb, "POST", "quotas/scale", json!({"factor": 1000})).await;
    sb
}

/// A call to `/aws/_admin/<path>`: the answer.
pub async fn admin_call(sb: &Sandbox, method: &str, path: &str, body: Value) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req =
        reqwest::Client::new().request(method, format!("{}/aws/_admin/{path}", sb.urls().base()));
    if !body.is_null() {
        req = req.json(&body);
    }
    answer(req.send().await.expect("admin answers")).await
}

/// A successful call to `/aws/_admin/<path>`: its JSON.
pub async fn admin(sb: &Sandbox, method: &str, path: &str, body: Value) -> Value {
    admin_call(sb, method, path, body).await.ok()
}

async fn answer(resp: reqwest::Response) -> Answer {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (error, request_id) = (header("x-amzn-errortype"), header("x-amzn-requestid"));
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        error,
        request_id,
        body,
    }
}

/// A JSON string as a `String` (`""` if not a string).
pub fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// RFC 3986 percent-encoding of everything but unreserved characters (SigV4's rule).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
