//! `sso-admin` in the management account, and the account rules of STS, IAM and Connect.

use connect_sso_sandbox::aws::identity_center as ic;
use serde_json::json;

use super::{Account, Brokered, mappings, query, sso};

#[tokio::test]
async fn the_instance_and_its_applications_answer_the_management_account_only() {
    let b = Brokered::new().await;
    let (arn, _) = b.application(mappings(None)).await;
    let sb = &b.sb;
    let mine = sso(sb, Account::Management, "ListInstances", json!({}))
        .await
        .ok();
    assert_eq!(mine["Instances"][0]["InstanceArn"], ic::INSTANCE_ARN);
    assert_eq!(
        mine["Instances"][0]["IdentityStoreId"],
        ic::IDENTITY_STORE_ID
    );
    let theirs = sso(sb, Account::Connect, "ListInstances", json!({}))
        .await
        .ok();
    assert_eq!(theirs["Instances"], json!([]));

    let apps = sso(
        sb,
        Account::Management,
        "ListApplications",
        json!({"InstanceArn": ic::INSTANCE_ARN}),
    )
    .await
    .ok();
    let app = &apps["Applications"][0];
    assert_eq!(app["ApplicationArn"], arn.as_str());
    assert_eq!(
        app["ApplicationProviderArn"],
        "arn:aws:sso::aws:applicationProvider/custom-saml"
    );
    assert_eq!(app["Status"], "ENABLED");
    let described = sso(
        sb,
        Account::Management,
        "DescribeApplication",
        json!({"ApplicationArn": arn}),
    )
    .await
    .ok();
    assert_eq!(described["Name"], "Amazon Connect");
    let described = sso(
        sb,
        Account::Management,
        "DescribeInstance",
        json!({"InstanceArn": ic::INSTANCE_ARN}),
    )
    .await
    .ok();
    assert_eq!(described["Status"], "ACTIVE");
    b.sb.shutdown().await;
}

#[tokio::test]
async fn assignments_need_a_known_principal_and_are_made_once() {
    let b = Brokered::new().await;
    let (arn, _) = b.application(mappings(None)).await;
    let sb = &b.sb;
    let assign = |principal: String| {
        let arn = arn.clone();
        async move {
            sso(
                sb,
                Account::Management,
                "CreateApplicationAssignment",
                json!({"ApplicationArn": arn, "PrincipalId": principal, "PrincipalType": "USER"}),
            )
            .await
        }
    };
    let unknown = assign(uuid::Uuid::new_v4().to_string()).await;
    assert_eq!(
        (unknown.status, unknown.error.as_deref()),
        (400, Some("ResourceNotFoundException")),
        "{}",
        unknown.text
    );
    assign(b.user_id.clone()).await.ok();
    let twice = assign(b.user_id.clone()).await;
    assert_eq!(
        twice.error.as_deref(),
        Some("ConflictException"),
        "{}",
        twice.text
    );

    let listed = sso(
        sb,
        Account::Management,
        "ListApplicationAssignments",
        json!({"ApplicationArn": arn}),
    )
    .await
    .ok();
    assert_eq!(
        listed["ApplicationAssignments"][0]["PrincipalId"],
        b.user_id.as_str()
    );
    let key = json!({"ApplicationArn": arn, "PrincipalId": b.user_id, "PrincipalType": "USER"});
    sso(
        sb,
        Account::Management,
        "DescribeApplicationAssignment",
        key.clone(),
    )
    .await
    .ok();
    sso(
        sb,
        Account::Management,
        "DeleteApplicationAssignment",
        key.clone(),
    )
    .await
    .ok();
    let gone = sso(
        sb,
        Account::Management,
        "DescribeApplicationAssignment",
        key,
    )
    .await;
    assert_eq!(gone.error.as_deref(), Some("ResourceNotFoundException"));
    b.sb.shutdown().await;
}

#[tokio::test]
async fn the_management_account_is_itself_to_sts_and_refused_by_iam_and_connect() {
    let sb = crate::connect::start(connect_sso_sandbox::Config::default()).await;
    let me = query(
        &sb,
        Account::Management,
        "sts",
        &[("Action", "GetCallerIdentity")],
    )
    .await;
    assert_eq!(me.status, 200, "{}", me.text);
    assert!(
        me.text.contains("<Account>999988887777</Account>"),
        "{}",
        me.text
    );
    let iam = query(&sb, Account::Management, "iam", &[("Action", "ListRoles")]).await;
    assert_eq!(iam.status, 403, "{}", iam.text);
    assert!(
        iam.text.contains("<Code>AccessDenied</Code>") && iam.text.contains("111122223333"),
        "{}",
        iam.text
    );
    let connect = super::send(
        &sb,
        Account::Management,
        ("GET", "/aws/connect/instance"),
        "connect",
        &[],
        Vec::new(),
    )
    .await;
    assert_eq!(
        (connect.status, connect.error.as_deref()),
        (403, Some("AccessDeniedException")),
        "{}",
        connect.text
    );
    assert!(connect.text.contains("111122223333"), "{}", connect.text);
    sb.shutdown().await;
}
