//! Resources that existed before connect-sso: adoption is visible, and destroy takes back
//! what connect-sso added; the administrator is checked against Entra.

use connect_sso_engine::apply::{Clients, apply, destroy};
use connect_sso_engine::planner::FEDERATION_POLICY_NAME;
use connect_sso_engine::{Action, Resource};

use crate::sandbox::{quiet, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adopted_role_keeps_existing_after_destroy_but_loses_the_policy_connect_sso_added() {
    let w = world().await;
    // Someone made the role by hand, with a trust policy that also lets another account in.
    let d = w.spec.derived();
    let mut trust = d.trust_policy();
    trust["Statement"]
        .as_array_mut()
        .expect("statements")
        .push(serde_json::json!({
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "sts:AssumeRole"
        }));
    w.aws
        .create_role(
            &w.spec.aws.federation_role,
            &trust,
            3600,
            "made by hand",
            &[],
        )
        .await
        .expect("role made by hand");
    let clients = Clients::new(&w.graph, &w.aws);
    let snap = clients.observe(&w.spec).await.expect("observe");
    let plan = clients.plan(&w.spec, &snap);
    let role = plan
        .step_for(Resource::FederationRole)
        .expect("the role is adopted");
    assert_eq!(role.action, Action::Adopt);
    assert!(
        role.warnings
            .iter()
            .any(|w| w.contains("arn:aws:iam::444455556666:root")),
        "{:?}",
        role.warnings
    );
    apply(&clients, &w.spec, None, &quiet)
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));

    let gone = destroy(&clients, &w.spec, false, None, &quiet)
        .await
        .expect("destroy");
    assert!(
        gone.delete
            .iter()
            .any(|what| what.to_string().starts_with("aws.federation_policy")),
        "{:?}",
        gone.delete
    );
    let role = w
        .aws
        .get_role(&w.spec.aws.federation_role)
        .await
        .expect("read the role")
        .expect("the adopted role stays");
    assert!(
        !role.inline_policies.contains_key(FEDERATION_POLICY_NAME),
        "{:?}",
        role.inline_policies
    );
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_whose_case_differs_from_entra_blocks_the_plan_with_the_exact_upn() {
    let mut w = world().await;
    let admin = w.spec.connect.admin.as_mut().expect("admin");
    let exact = admin.username.clone();
    admin.username = exact.to_uppercase();
    let clients = Clients::new(&w.graph, &w.aws);
    let snap = clients.observe(&w.spec).await.expect("observe");
    let plan = clients.plan(&w.spec, &snap);
    let blocker = plan
        .blockers
        .iter()
        .find(|b| b.resource == Resource::ConnectAdmin)
        .expect("blocked");
    assert_eq!(
        blocker.hint,
        format!("set connect.admin.username = {exact:?}")
    );
    w.sandbox.shutdown().await;
}
