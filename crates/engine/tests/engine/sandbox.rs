//! apply / plan / destroy against the sandbox, through the real adapters (reqwest for Graph,
//! aws-sdk-rust for AWS) over HTTP on loopback.

use std::sync::Mutex;

use connect_sso_aws::{Aws, Endpoint, ServiceEndpoints};
use connect_sso_engine::apply::{Clients, Event, apply, destroy};
use connect_sso_engine::observe::observe;
use connect_sso_engine::plan;
use connect_sso_entra::{Credentials, EntraConfig, Graph, RetryPolicy, Secret};
use connect_sso_sandbox::{Config, Sandbox, entra};
use connect_sso_spec::{Spec, StarterValues, TargetKind, starter};

struct World {
    sandbox: Sandbox,
    graph: Graph,
    aws: Aws,
    spec: Spec,
}

async fn world() -> World {
    let sandbox = Sandbox::start(Config::default())
        .await
        .expect("sandbox starts");
    let urls = sandbox.urls().clone();
    let graph = Graph::new(EntraConfig {
        tenant_id: entra::DEFAULT_TENANT_ID.into(),
        login_url: urls.entra_login(),
        graph_url: urls.graph(),
        credentials: Credentials::ClientSecret {
            client_id: entra::TOOL_APP_ID.into(),
            client_secret: Secret::new(entra::TOOL_CLIENT_SECRET),
        },
        retry: RetryPolicy::default(),
    })
    .expect("graph client");
    let aws = Aws::with_endpoints(
        &Endpoint {
            region: connect_sso_sandbox::TEST_REGION.into(),
            access_key_id: connect_sso_sandbox::TEST_ACCESS_KEY_ID.into(),
            secret_access_key: connect_sso_sandbox::TEST_SECRET_ACCESS_KEY.into(),
            session_token: None,
            endpoint_url: None,
        },
        &ServiceEndpoints {
            iam: Some(urls.iam()),
            sts: Some(urls.sts()),
            connect: Some(urls.connect()),
            sso_admin: Some(urls.sso_admin()),
        },
    );
    let spec = Spec::parse(&starter(&StarterValues {
        tenant_id: entra::DEFAULT_TENANT_ID.into(),
        account_id: connect_sso_sandbox::TEST_ACCOUNT_ID.into(),
        region: connect_sso_sandbox::TEST_REGION.into(),
        instance_alias: "acme-contact".into(),
        target: TargetKind::Sandbox,
        admin_username: entra::USER_BOB_UPN.into(),
    }))
    .expect("spec");
    World {
        sandbox,
        graph,
        aws,
        spec,
    }
}

fn quiet(_: Event<'_>) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_from_empty_converges_then_second_apply_changes_nothing_then_destroy_empties() {
    let w = world().await;
    let clients = Clients {
        graph: &w.graph,
        aws: &w.aws,
    };

    let steps = Mutex::new(Vec::new());
    let report = apply(&clients, &w.spec, None, &|e| {
        if let Event::StepDone(s, _) = e {
            steps.lock().expect("lock").push(s.resource.to_string());
        }
    })
    .await
    .unwrap_or_else(|e| panic!("apply failed: {e}\nhint: {:?}", e.hint()));
    assert_eq!(
        report.executed.len(),
        12,
        "{:?}",
        steps.lock().expect("lock")
    );
    let instance_id = report.instance_id.clone().expect("an instance");

    // Everything the spec describes now exists and is correct.
    let snap = observe(&w.graph, &w.aws, &w.spec).await.expect("observe");
    let p = plan(&w.spec, &snap.observed, time::OffsetDateTime::now_utc());
    assert!(
        p.is_empty(),
        "{}",
        connect_sso_engine::render_plan(&p, false)
    );
    let app = &snap.observed.entra.apps[0];
    assert_eq!(app.identifier_uris, ["https://signin.aws.amazon.com/saml"]);
    assert_eq!(
        app.relay_state.as_deref(),
        Some(format!("https://us-east-1.console.aws.amazon.com/connect/federate/{instance_id}?destination=%2Fccp-v2&new_domain=true").as_str())
    );
    assert!(app.assignment_required);
    assert_eq!(
        snap.observed
            .aws
            .admin_user
            .as_ref()
            .map(|u| u.username.as_str()),
        Some(entra::USER_BOB_UPN)
    );

    // A second apply executes nothing.
    let again = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect("second apply");
    assert!(again.executed.is_empty(), "{:?}", again.executed);

    // Destroy removes what apply created, but keeps the instance without --include-instance.
    let gone = destroy(&clients, &w.spec, false, &quiet)
        .await
        .expect("destroy");
    assert!(
        gone.keep
            .iter()
            .any(|(what, _)| what.starts_with("connect.instance"))
    );
    let snap = observe(&w.graph, &w.aws, &w.spec).await.expect("observe");
    assert!(snap.observed.entra.apps.is_empty());
    assert!(snap.observed.aws.role.is_none());
    assert!(snap.observed.aws.saml_provider.is_none());
    assert!(snap.observed.aws.instance.is_some());
    w.sandbox.shutdown().await;
}
