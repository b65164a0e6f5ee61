//! The world starts, its clients reach its sandbox, and the admin helpers work.
#![allow(missing_docs)]

use connect_sso_sandbox::entra;
use connect_sso_testkit::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_world_answers_through_graph_and_aws_and_counts_calls() {
    let w = World::start().await;
    let bob = w.graph.user(entra::USER_BOB_UPN).await.expect("Bob");
    assert_eq!(bob.id, entra::USER_BOB_ID);
    assert_eq!(
        w.aws.account_id().await.expect("STS"),
        connect_sso_sandbox::TEST_ACCOUNT_ID
    );
    assert_eq!(
        w.aws_requests().await["sts"]["GetCallerIdentity"]["requests"],
        1
    );
    w.reset_aws_requests().await;
    assert_eq!(w.aws_requests().await, serde_json::json!({}));
    w.add_aws_fault(
        serde_json::json!({"service":"iam","api":"ListRoles","kind":"throttle","count":1}),
    )
    .await;
    assert_eq!(w.aws_faults().await.as_array().map(Vec::len), Some(1));
    assert_eq!(
        w.spec.connect.instance_alias,
        connect_sso_testkit::INSTANCE_ALIAS
    );
    w.shutdown().await;
}
