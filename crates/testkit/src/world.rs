//! The sandbox world of one test: an in-process sandbox and the real adapters pointed at it.

use std::sync::Arc;

use connect_sso_aws::{Aws, Endpoint, Pacer, ServiceEndpoints};
use connect_sso_entra::{Credentials, EntraConfig, Gate, Graph, RetryPolicy, Secret};
use connect_sso_sandbox::{Clock, Config, Sandbox, Urls, entra};
use connect_sso_spec::{Spec, StarterValues, TargetKind, starter};
use reqwest::Method;
use serde_json::Value;

/// The instance alias of the starter spec.
pub const INSTANCE_ALIAS: &str = "acme-contact";

/// One test's world: a sandbox on a free loopback port, a Graph client for the sandbox's tool
/// app, an AWS adapter on the sandbox, and the sandbox starter spec.
///
/// Each world is a cloud of its own: its Graph client waits at its own gate and its AWS
/// adapter at its own pacer (the process-wide ones of the tenant, account and Region would
/// make tests, which run concurrently against separate sandboxes, wait for one another).
pub struct World {
    /// The sandbox (its `state` is there for in-process inspection).
    pub sandbox: Sandbox,
    /// Graph for the tool app registration of the seeded tenant.
    pub graph: Graph,
    /// The AWS adapter with the sandbox's test credentials.
    pub aws: Aws,
    /// The starter spec for the sandbox (seeded tenant, test account and Region, Bob as admin).
    pub spec: Spec,
}

impl World {
    /// A world on a sandbox with the default configuration (demo tenant seeded).
    pub async fn start() -> Self {
        Self::start_with(Config::default()).await
    }

    /// A world on a sandbox started with `config`. Panics if the sandbox cannot start (a
    /// test cannot run without it).
    pub async fn start_with(config: Config) -> Self {
        let sandbox = Sandbox::start(config).await.expect("the sandbox starts");
        let urls = sandbox.urls();
        let graph = Graph::new(graph_config(urls))
            .expect("a Graph client")
            .with_gate(Arc::new(Gate::new()));
        let aws = Aws::with_endpoints(&aws_endpoint(), &service_endpoints(urls))
            .with_pacer(Arc::new(Pacer::default()));
        Self {
            sandbox,
            graph,
            aws,
            spec: starter_spec(),
        }
    }

    /// The AWS adapter for the sandbox's management account (IAM Identity Center), with its
    /// own pacer.
    pub fn management_aws(&self) -> Aws {
        let endpoint = Endpoint {
            access_key_id: connect_sso_sandbox::MANAGEMENT_ACCESS_KEY_ID.into(),
            secret_access_key: connect_sso_sandbox::MANAGEMENT_SECRET_ACCESS_KEY.into(),
            ..aws_endpoint()
        };
        Aws::with_endpoints(&endpoint, &service_endpoints(self.urls()))
            .with_pacer(Arc::new(Pacer::default()))
    }

    /// The starter spec made brokered: Identity Center in the sandbox's management account,
    /// Connect usernames from `mail` (the application's RoleSessionName is the e-mail
    /// address). The metadata documents are not given yet (the console steps give them).
    pub fn brokered_spec(&self) -> Spec {
        let mut spec = self.spec.clone();
        spec.topology = connect_sso_spec::Topology::Brokered;
        spec.sync.username = connect_sso_spec::UsernameSource::Mail;
        spec.identity_center = Some(connect_sso_spec::IdentityCenter {
            account_id: connect_sso_sandbox::MANAGEMENT_ACCOUNT_ID.into(),
            region: connect_sso_sandbox::TEST_REGION.into(),
            application_name: "Amazon Connect".into(),
            credentials: connect_sso_spec::Credentials::default(),
            sp_metadata: None,
            application_metadata: None,
            provisioning: None,
        });
        spec
    }

    /// The sandbox's URLs.
    pub fn urls(&self) -> &Urls {
        self.sandbox.urls()
    }

    /// The sandbox's base URL (`http://127.0.0.1:<port>`).
    pub fn base(&self) -> &str {
        self.sandbox.urls().base()
    }

    /// The sandbox's one clock, read by its Entra and AWS sides.
    pub fn clock(&self) -> &Clock {
        &self.sandbox.state.clock
    }

    /// Call an AWS admin endpoint (`/aws/_admin/<path>`) and return its JSON answer (`null`
    /// when empty). Panics unless it answers with success.
    pub async fn aws_admin(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.admin(method, &format!("aws/_admin/{path}"), body)
            .await
    }

    /// Call an Entra sandbox endpoint (`/entra/_sandbox/<path>`), as [`World::aws_admin`].
    pub async fn entra_admin(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        self.admin(method, &format!("entra/_sandbox/{path}"), body)
            .await
    }

    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/{path}", self.base());
        let mut req = reqwest::Client::new().request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("the sandbox answers");
        let status = resp.status();
        let text = resp.text().await.expect("an answer");
        assert!(status.is_success(), "{path}: {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// AWS calls the sandbox counted per service and API:
    /// `{"connect":{"ListUsers":{"requests":40,"throttled":0}}}`.
    pub async fn aws_requests(&self) -> Value {
        self.aws_admin(Method::GET, "requests", None).await
    }

    /// Reset the sandbox's AWS call counts.
    pub async fn reset_aws_requests(&self) {
        self.aws_admin(Method::DELETE, "requests", None).await;
    }

    /// Set the sandbox's limit on `service` `api` (`*`: the service's default).
    pub async fn set_aws_quota(&self, service: &str, api: &str, rate: f64, burst: f64) {
        let body =
            serde_json::json!({"service": service, "api": api, "rate": rate, "burst": burst});
        self.aws_admin(Method::POST, "quotas", Some(body)).await;
    }

    /// Add an AWS fault: `{"service":"iam","api":"ListRoles","kind":"throttle","count":2}`.
    pub async fn add_aws_fault(&self, fault: Value) {
        self.aws_admin(Method::POST, "faults", Some(fault)).await;
    }

    /// The active AWS faults.
    pub async fn aws_faults(&self) -> Value {
        self.aws_admin(Method::GET, "faults", None).await
    }

    /// Make the next `requests` Graph requests answer 429 with `Retry-After:
    /// retry_after_seconds`.
    pub async fn throttle_graph(&self, requests: u64, retry_after_seconds: u64) {
        let body =
            serde_json::json!({"requests": requests, "retryAfterSeconds": retry_after_seconds});
        self.entra_admin(Method::PUT, "throttle", Some(body)).await;
    }

    /// Stop the sandbox.
    pub async fn shutdown(self) {
        self.sandbox.shutdown().await;
    }
}

/// The AWS endpoint with the sandbox's test credentials and Region.
pub fn aws_endpoint() -> Endpoint {
    Endpoint {
        region: connect_sso_sandbox::TEST_REGION.into(),
        access_key_id: connect_sso_sandbox::TEST_ACCESS_KEY_ID.into(),
        secret_access_key: connect_sso_sandbox::TEST_SECRET_ACCESS_KEY.into(),
        session_token: None,
        endpoint_url: None,
    }
}

/// Every AWS service the adapter uses, at the sandbox.
pub fn service_endpoints(urls: &Urls) -> ServiceEndpoints {
    ServiceEndpoints {
        iam: Some(urls.iam()),
        sts: Some(urls.sts()),
        connect: Some(urls.connect()),
        sso_admin: Some(urls.sso_admin()),
        identitystore: Some(format!("{}/aws/identitystore", urls.base())),
    }
}

/// Graph configuration for the sandbox's tool app in the seeded tenant (default retries).
pub fn graph_config(urls: &Urls) -> EntraConfig {
    EntraConfig {
        tenant_id: entra::DEFAULT_TENANT_ID.into(),
        login_url: urls.entra_login(),
        graph_url: urls.graph(),
        credentials: Credentials::ClientSecret {
            client_id: entra::TOOL_APP_ID.into(),
            client_secret: Secret::new(entra::TOOL_CLIENT_SECRET),
        },
        retry: RetryPolicy::default(),
    }
}

/// The sandbox starter spec: the seeded tenant, the test account and Region, instance
/// [`INSTANCE_ALIAS`], Bob as the Connect admin.
pub fn starter_spec() -> Spec {
    Spec::parse(&starter(&StarterValues {
        tenant_id: entra::DEFAULT_TENANT_ID.into(),
        account_id: connect_sso_sandbox::TEST_ACCOUNT_ID.into(),
        region: connect_sso_sandbox::TEST_REGION.into(),
        instance_alias: INSTANCE_ALIAS.into(),
        target: TargetKind::Sandbox,
        admin_username: entra::USER_BOB_UPN.into(),
    }))
    .expect("the starter spec parses")
}
