//! Amazon Connect emulation driven by the real aws-sdk-connect client (and the AWS CLI) against
//! a sandbox started in this process. Every test starts its own sandbox.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_sdk_connect::Client;
use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_connect::types::{
    DirectoryType, InstanceStatus, StringComparisonType, StringCondition, UserIdentityInfo,
    UserSearchCriteria,
};
use connect_sso_aws::{Endpoint, sdk_config_for};
use connect_sso_sandbox::aws::fault::{Fault, FaultKind};
use connect_sso_sandbox::aws::quota::Limit;
use connect_sso_sandbox::{Config, Sandbox, TEST_ACCESS_KEY_ID, TEST_ACCOUNT_ID, TEST_REGION};

use crate::common;

/// A sandbox, an admin Connect client, and a quick retry policy.
struct Env {
    sandbox: Sandbox,
    admin: Client,
}

/// Start a sandbox whose instances are ACTIVE at once and whose Connect rate limits are out of
/// the way (tests that need throttling set their own limits).
async fn start() -> Env {
    let sandbox = common::sandbox().await;
    sandbox.state.aws.connect.set_creation_delay(Duration::ZERO);
    sandbox.state.aws.quotas.set(
        "connect",
        "*",
        Limit {
            rate: 10_000.0,
            burst: 10_000.0,
        },
    );
    let admin = client(
        &sandbox,
        TEST_ACCESS_KEY_ID,
        connect_sso_sandbox::TEST_SECRET_ACCESS_KEY,
        None,
        RetryConfig::standard()
            .with_max_attempts(3)
            .with_initial_backoff(Duration::from_millis(5)),
    );
    Env { sandbox, admin }
}

fn client(
    sandbox: &Sandbox,
    key: &str,
    secret: &str,
    token: Option<String>,
    retry: RetryConfig,
) -> Client {
    let config = sdk_config_for(&Endpoint {
        region: TEST_REGION.to_string(),
        access_key_id: key.to_string(),
        secret_access_key: secret.to_string(),
        session_token: token,
        endpoint_url: None,
    });
    let conf = aws_sdk_connect::config::Builder::from(&config)
        .endpoint_url(sandbox.urls().connect())
        .retry_config(retry)
        .build();
    Client::from_conf(conf)
}

fn code<E: ProvideErrorMetadata, R>(e: &SdkError<E, R>) -> String {
    e.code().unwrap_or("<no code>").to_string()
}

fn status<E, R: HttpStatus>(e: &SdkError<E, R>) -> u16 {
    e.raw_response().map_or(0, HttpStatus::status_code)
}

trait HttpStatus {
    fn status_code(&self) -> u16;
}

impl HttpStatus for aws_sdk_connect::config::http::HttpResponse {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}

async fn saml_instance(c: &Client, alias: &str) -> String {
    c.create_instance()
        .identity_management_type(DirectoryType::Saml)
        .instance_alias(alias)
        .inbound_calls_enabled(true)
        .outbound_calls_enabled(true)
        .send()
        .await
        .expect("CreateInstance")
        .id
        .expect("Id")
}

/// (security profile id of `name`, routing profile id of "Basic Routing Profile").
async fn profiles(c: &Client, instance: &str, security: &str) -> (String, String) {
    let sp = c
        .list_security_profiles()
        .instance_id(instance)
        .send()
        .await
        .expect("ListSecurityProfiles");
    let sp_id = sp
        .security_profile_summary_list()
        .iter()
        .find(|p| p.name() == Some(security))
        .and_then(|p| p.id())
        .expect("security profile")
        .to_string();
    let rp = c
        .list_routing_profiles()
        .instance_id(instance)
        .send()
        .await
        .expect("ListRoutingProfiles");
    let rp_id = rp
        .routing_profile_summary_list()
        .iter()
        .find(|p| p.name() == Some("Basic Routing Profile"))
        .and_then(|p| p.id())
        .expect("routing profile")
        .to_string();
    (sp_id, rp_id)
}

fn names(first: &str, last: &str) -> UserIdentityInfo {
    UserIdentityInfo::builder()
        .first_name(first)
        .last_name(last)
        .build()
}

async fn saml_user(c: &Client, instance: &str, username: &str) -> Result<String, String> {
    let (sp, rp) = profiles(c, instance, "Agent").await;
    c.create_user()
        .instance_id(instance)
        .username(username)
        .identity_info(names("Jane", "Doe"))
        .security_profile_ids(sp)
        .routing_profile_id(rp)
        .send()
        .await
        .map(|o| o.user_id.unwrap_or_default())
        .map_err(|e| code(&e))
}

#[tokio::test]
async fn instance_lifecycle_create_describe_list_delete() {
    let env = start().await;
    let c = &env.admin;
    let id = saml_instance(c, "lifecycle").await;
    let d = c
        .describe_instance()
        .instance_id(&id)
        .send()
        .await
        .expect("DescribeInstance");
    let i = d.instance().expect("Instance");
    assert_eq!(i.identity_management_type(), Some(&DirectoryType::Saml));
    assert_eq!(i.instance_status(), Some(&InstanceStatus::Active));
    assert_eq!(i.instance_alias(), Some("lifecycle"));
    assert_eq!(
        i.arn(),
        Some(format!("arn:aws:connect:{TEST_REGION}:{TEST_ACCOUNT_ID}:instance/{id}").as_str())
    );
    assert!(i.created_time().is_some());

    let listed = c.list_instances().send().await.expect("ListInstances");
    assert_eq!(listed.instance_summary_list().len(), 1);

    // Terraform provider issue #38115: a reused alias is InvalidRequestException.
    let dup = c
        .create_instance()
        .identity_management_type(DirectoryType::ConnectManaged)
        .instance_alias("lifecycle")
        .inbound_calls_enabled(true)
        .outbound_calls_enabled(true)
        .send()
        .await
        .expect_err("alias taken");
    assert_eq!(code(&dup), "InvalidRequestException");
    assert_eq!(status(&dup), 400);

    c.delete_instance()
        .instance_id(&id)
        .send()
        .await
        .expect("DeleteInstance");
    let gone = c
        .describe_instance()
        .instance_id(&id)
        .send()
        .await
        .expect_err("deleted");
    assert_eq!(code(&gone), "ResourceNotFoundException");
    assert_eq!(status(&gone), 404);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn list_instances_pages_by_ten() {
    let env = start().await;
    for n in 0..12 {
        saml_instance(&env.admin, &format!("inst{n}")).await;
    }
    let pages: Vec<_> = env
        .admin
        .list_instances()
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().expect("page").instance_summary_list().len())
        .collect();
    assert_eq!(sizes, vec![10, 2]);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn update_instance_attribute_changes_the_call_flags() {
    let env = start().await;
    let id = saml_instance(&env.admin, "attrs").await;
    env.admin
        .update_instance_attribute()
        .instance_id(&id)
        .attribute_type(aws_sdk_connect::types::InstanceAttributeType::OutboundCalls)
        .value("false")
        .send()
        .await
        .expect("UpdateInstanceAttribute");
    let i = env
        .admin
        .describe_instance()
        .instance_id(&id)
        .send()
        .await
        .expect("DescribeInstance")
        .instance
        .expect("Instance");
    assert_eq!(i.outbound_calls_enabled(), Some(false));
    assert_eq!(i.inbound_calls_enabled(), Some(true));
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn instances_and_users_survive_a_restart_with_a_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state_file = dir.path().join("sandbox.json");
    let config = || Config {
        seed_demo: false,
        state_file: Some(state_file.clone()),
        ..Config::default()
    };
    let first = Sandbox::start(config()).await.expect("sandbox");
    first.state.aws.connect.set_creation_delay(Duration::ZERO);
    let c = client(
        &first,
        TEST_ACCESS_KEY_ID,
        connect_sso_sandbox::TEST_SECRET_ACCESS_KEY,
        None,
        RetryConfig::standard(),
    );
    let id = saml_instance(&c, "persisted").await;
    let user_id = saml_user(&c, &id, "kept").await.expect("CreateUser");
    first.shutdown().await;

    let second = Sandbox::start(config()).await.expect("sandbox again");
    let c = client(
        &second,
        TEST_ACCESS_KEY_ID,
        connect_sso_sandbox::TEST_SECRET_ACCESS_KEY,
        None,
        RetryConfig::standard(),
    );
    let u = c
        .describe_user()
        .instance_id(&id)
        .user_id(&user_id)
        .send()
        .await
        .expect("DescribeUser after restart")
        .user
        .expect("User");
    assert_eq!(u.username(), Some("kept"));
    second.shutdown().await;
}

#[tokio::test]
async fn new_instance_is_creation_in_progress_until_ready() {
    let env = start().await;
    let c = &env.admin;
    env.sandbox
        .state
        .aws
        .connect
        .set_creation_delay(Duration::from_secs(3600));
    let id = saml_instance(c, "slow").await;
    let status_now = |id: String| async move {
        c.describe_instance()
            .instance_id(id)
            .send()
            .await
            .expect("DescribeInstance")
            .instance
            .and_then(|i| i.instance_status)
    };
    assert_eq!(
        status_now(id.clone()).await,
        Some(InstanceStatus::CreationInProgress)
    );
    let early = c
        .list_users()
        .instance_id(&id)
        .send()
        .await
        .expect_err("not active yet");
    assert_eq!(code(&early), "InvalidRequestException");

    env.sandbox.state.aws.connect.finish_creations();
    assert_eq!(status_now(id.clone()).await, Some(InstanceStatus::Active));

    // A creation can also fail; DescribeInstance then says why.
    env.sandbox
        .state
        .aws
        .connect
        .fail_next_creation("The service-linked role could not be created.");
    let failed = saml_instance(c, "broken").await;
    let i = c
        .describe_instance()
        .instance_id(&failed)
        .send()
        .await
        .expect("DescribeInstance")
        .instance
        .expect("Instance");
    assert_eq!(i.instance_status(), Some(&InstanceStatus::CreationFailed));
    assert_eq!(
        i.status_reason().and_then(|r| r.message()),
        Some("The service-linked role could not be created.")
    );
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn new_instance_has_default_security_and_routing_profiles() {
    let env = start().await;
    let id = saml_instance(&env.admin, "defaults").await;
    let sp = env
        .admin
        .list_security_profiles()
        .instance_id(&id)
        .send()
        .await
        .expect("ListSecurityProfiles");
    let mut names: Vec<&str> = sp
        .security_profile_summary_list()
        .iter()
        .filter_map(|p| p.name())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["Admin", "Agent", "CallCenterManager", "QualityAnalyst"]
    );
    let rp = env
        .admin
        .list_routing_profiles()
        .instance_id(&id)
        .send()
        .await
        .expect("ListRoutingProfiles");
    let rp_names: Vec<&str> = rp
        .routing_profile_summary_list()
        .iter()
        .filter_map(|p| p.name())
        .collect();
    assert_eq!(rp_names, ["Basic Routing Profile"]);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn saml_user_lifecycle_describe_update_delete() {
    let env = start().await;
    let c = &env.admin;
    let id = saml_instance(c, "users").await;
    let user_id = saml_user(c, &id, "jane.doe@example.com")
        .await
        .expect("CreateUser");
    let u = c
        .describe_user()
        .instance_id(&id)
        .user_id(&user_id)
        .send()
        .await
        .expect("DescribeUser")
        .user
        .expect("User");
    assert_eq!(u.username(), Some("jane.doe@example.com"));
    assert_eq!(u.identity_info().and_then(|i| i.first_name()), Some("Jane"));
    assert_eq!(u.security_profile_ids().len(), 1);

    c.update_user_identity_info()
        .instance_id(&id)
        .user_id(&user_id)
        .identity_info(names("Janet", "Doe"))
        .send()
        .await
        .expect("UpdateUserIdentityInfo");
    let (admin_sp, rp) = profiles(c, &id, "Admin").await;
    let (agent_sp, _) = profiles(c, &id, "Agent").await;
    c.update_user_security_profiles()
        .instance_id(&id)
        .user_id(&user_id)
        .security_profile_ids(&admin_sp)
        .security_profile_ids(&agent_sp)
        .send()
        .await
        .expect("UpdateUserSecurityProfiles");
    c.update_user_routing_profile()
        .instance_id(&id)
        .user_id(&user_id)
        .routing_profile_id(&rp)
        .send()
        .await
        .expect("UpdateUserRoutingProfile");
    let u = c
        .describe_user()
        .instance_id(&id)
        .user_id(&user_id)
        .send()
        .await
        .expect("DescribeUser")
        .user
        .expect("User");
    assert_eq!(
        u.identity_info().and_then(|i| i.first_name()),
        Some("Janet")
    );
    assert_eq!(u.security_profile_ids(), [admin_sp, agent_sp]);

    let bad_profile = c
        .update_user_routing_profile()
        .instance_id(&id)
        .user_id(&user_id)
        .routing_profile_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .expect_err("unknown routing profile");
    assert_eq!(code(&bad_profile), "InvalidParameterException");

    c.delete_user()
        .instance_id(&id)
        .user_id(&user_id)
        .send()
        .await
        .expect("DeleteUser");
    let gone = c
        .describe_user()
        .instance_id(&id)
        .user_id(&user_id)
        .send()
        .await
        .expect_err("user not found");
    assert_eq!(code(&gone), "ResourceNotFoundException");
    let gone = c
        .delete_user()
        .instance_id(&id)
        .user_id(&user_id)
        .send()
        .await
        .expect_err("user not found");
    assert_eq!(code(&gone), "ResourceNotFoundException");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn saml_instance_rejects_password_email_and_bad_usernames() {
    let env = start().await;
    let c = &env.admin;
    let id = saml_instance(c, "samlrules").await;
    let (sp, rp) = profiles(c, &id, "Agent").await;
    let create = |username: &str| {
        c.create_user()
            .instance_id(&id)
            .username(username)
            .identity_info(names("A", "B"))
            .security_profile_ids(&sp)
            .routing_profile_id(&rp)
    };
    // docs/facts.md §2: no Password on a SAML instance.
    let e = create("pw")
        .password("Passw0rd!")
        .send()
        .await
        .expect_err("password");
    assert_eq!(code(&e), "InvalidRequestException");
    // docs/facts.md §2 (contradictory docs): the sandbox rejects Email by default …
    let with_email = |u: &str| {
        create(u).identity_info(
            UserIdentityInfo::builder()
                .first_name("A")
                .last_name("B")
                .email("a@example.com")
                .build(),
        )
    };
    let e = with_email("mail").send().await.expect_err("email");
    assert_eq!(code(&e), "InvalidRequestException");
    assert_eq!(
        e.message(),
        Some("Email is not required for this directory type")
    );
    // … and accepts it when told to.
    env.sandbox
        .state
        .aws
        .connect
        .set_saml_email_policy(connect_sso_sandbox::aws::connect::SamlEmailPolicy::Accept);
    with_email("mail").send().await.expect("email accepted");

    // FirstName and LastName are required.
    let e = c
        .create_user()
        .instance_id(&id)
        .username("nonames")
        .security_profile_ids(&sp)
        .routing_profile_id(&rp)
        .send()
        .await
        .expect_err("names");
    assert_eq!(code(&e), "InvalidRequestException");

    // Entra guest UPNs (`#EXT#`) and `@` outside an email form are not usernames.
    for bad in [
        "guest_contoso.com#EXT#@tenant.onmicrosoft.com",
        "user@host",
        &"a".repeat(65),
    ] {
        let e = create(bad).send().await.expect_err(bad);
        assert_eq!(code(&e), "InvalidParameterException", "{bad}");
    }
    create(&"a".repeat(64)).send().await.expect("64 characters");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn connect_managed_instance_requires_a_strong_password() {
    let env = start().await;
    let c = &env.admin;
    let id = c
        .create_instance()
        .identity_management_type(DirectoryType::ConnectManaged)
        .instance_alias("managed")
        .inbound_calls_enabled(true)
        .outbound_calls_enabled(false)
        .send()
        .await
        .expect("CreateInstance")
        .id
        .expect("Id");
    let (sp, rp) = profiles(c, &id, "Agent").await;
    let create = || {
        c.create_user()
            .instance_id(&id)
            .username("agent1")
            .identity_info(names("A", "B"))
            .security_profile_ids(&sp)
            .routing_profile_id(&rp)
    };
    let e = create().send().await.expect_err("no password");
    assert_eq!(code(&e), "InvalidRequestException");
    let e = create()
        .password("weak")
        .send()
        .await
        .expect_err("weak password");
    assert_eq!(code(&e), "InvalidParameterException");
    create()
        .password("Str0ngPassw0rd")
        .send()
        .await
        .expect("created");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn duplicate_username_is_rejected_but_a_case_variant_is_another_user() {
    let env = start().await;
    let c = &env.admin;
    let id = saml_instance(c, "dups").await;
    saml_user(c, &id, "Jane.Doe@example.com")
        .await
        .expect("first");
    let e = saml_user(c, &id, "Jane.Doe@example.com")
        .await
        .expect_err("duplicate");
    assert_eq!(e, "DuplicateResourceException");
    // docs/facts.md §2: usernames are case-sensitive.
    saml_user(c, &id, "jane.doe@example.com")
        .await
        .expect("case variant is a different user");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn list_users_and_search_users_page_across_more_than_100_users() {
    let env = start().await;
    let c = &env.admin;
    let id = saml_instance(c, "many").await;
    let (sp, rp) = profiles(c, &id, "Agent").await;
    for n in 0..150 {
        c.create_user()
            .instance_id(&id)
            .username(format!("agent{n:03}@example.com"))
            .identity_info(names(&format!("First{n:03}"), "Agent"))
            .security_profile_ids(&sp)
            .routing_profile_id(&rp)
            .send()
            .await
            .expect("CreateUser");
    }
    // ListUsers: summaries, 100 a page by default.
    let pages: Vec<_> = c
        .list_users()
        .instance_id(&id)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().expect("page").user_summary_list().len())
        .collect();
    assert_eq!(sizes, vec![100, 50]);
    let mut all: Vec<String> = pages
        .iter()
        .flat_map(|p| p.as_ref().expect("page").user_summary_list())
        .filter_map(|u| u.username().map(str::to_string))
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 150);

    // SearchUsers: full details, 100 a page (docs/facts.md §2).
    let pages: Vec<_> = c
        .search_users()
        .instance_id(&id)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().expect("page").users().len())
        .collect();
    assert_eq!(sizes, vec![100, 50]);
    let first = &pages[0].as_ref().expect("page").users()[0];
    assert_eq!(first.routing_profile_id(), Some(rp.as_str()));
    assert_eq!(
        first.identity_info().and_then(|i| i.last_name()),
        Some("Agent")
    );

    let search = |field: &str, value: &str, how: StringComparisonType| {
        c.search_users().instance_id(&id).search_criteria(
            UserSearchCriteria::builder()
                .string_condition(
                    StringCondition::builder()
                        .field_name(field)
                        .value(value)
                        .comparison_type(how)
                        .build(),
                )
                .build(),
        )
    };
    let exact = search(
        "Username",
        "agent042@example.com",
        StringComparisonType::Exact,
    )
    .send()
    .await
    .expect("SearchUsers EXACT");
    assert_eq!(exact.users().len(), 1);
    assert_eq!(exact.approximate_total_count(), Some(1));
    let upper = search(
        "Username",
        "AGENT042@example.com",
        StringComparisonType::Exact,
    )
    .send()
    .await
    .expect("SearchUsers EXACT other case");
    assert!(upper.users().is_empty());
    let contains = search("FirstName", "st14", StringComparisonType::Contains)
        .send()
        .await
        .expect("SearchUsers CONTAINS");
    assert_eq!(contains.users().len(), 10);
    let e = search("Password", "x", StringComparisonType::Exact)
        .send()
        .await
        .expect_err("unsupported field");
    assert_eq!(code(&e), "InvalidParameterException");

    // A token that was not issued is refused.
    let e = c
        .list_users()
        .instance_id(&id)
        .next_token("forged")
        .send()
        .await
        .expect_err("forged token");
    assert_eq!(code(&e), "InvalidParameterException");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn tags_on_instance_and_user_arns() {
    let env = start().await;
    let c = &env.admin;
    let id = saml_instance(c, "tagged").await;
    let user_id = saml_user(c, &id, "tagme").await.expect("CreateUser");
    let instance_arn = format!("arn:aws:connect:{TEST_REGION}:{TEST_ACCOUNT_ID}:instance/{id}");
    let user_arn = format!("{instance_arn}/agent/{user_id}");
    for arn in [&instance_arn, &user_arn] {
        c.tag_resource()
            .resource_arn(arn)
            .tags("team", "contact center")
            .tags("managed-by", "connect-sso")
            .send()
            .await
            .expect("TagResource");
        c.untag_resource()
            .resource_arn(arn)
            .tag_keys("team")
            .send()
            .await
            .expect("UntagResource");
        let tags = c
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .expect("ListTagsForResource");
        let tags = tags.tags().expect("tags");
        assert_eq!(tags.len(), 1);
        assert_eq!(
            tags.get("managed-by").map(String::as_str),
            Some("connect-sso")
        );
    }
    let e = c
        .tag_resource()
        .resource_arn(format!(
            "{instance_arn}/agent/00000000-0000-0000-0000-000000000000"
        ))
        .tags("k", "v")
        .send()
        .await
        .expect_err("no such user");
    assert_eq!(code(&e), "ResourceNotFoundException");
    let e = c
        .tag_resource()
        .resource_arn(&instance_arn)
        .tags("aws:reserved", "v")
        .send()
        .await
        .expect_err("aws: prefix");
    assert_eq!(code(&e), "InvalidParameterException");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn throttled_calls_answer_429_too_many_requests() {
    let env = start().await;
    let id = saml_instance(&env.admin, "throttle").await;
    // Two calls, no refill: the third is throttled.
    env.sandbox.state.aws.quotas.set(
        "connect",
        "DescribeInstance",
        Limit {
            rate: 0.0,
            burst: 2.0,
        },
    );
    let no_retry = client(
        &env.sandbox,
        TEST_ACCESS_KEY_ID,
        connect_sso_sandbox::TEST_SECRET_ACCESS_KEY,
        None,
        RetryConfig::disabled(),
    );
    for _ in 0..2 {
        no_retry
            .describe_instance()
            .instance_id(&id)
            .send()
            .await
            .expect("within the burst");
    }
    let e = no_retry
        .describe_instance()
        .instance_id(&id)
        .send()
        .await
        .expect_err("throttled");
    // The model declares no throttling error for DescribeInstance: the common one.
    assert_eq!(code(&e), "ThrottlingException");
    assert_eq!(status(&e), 429);
    // Limits are per API: another API still answers.
    no_retry
        .list_users()
        .instance_id(&id)
        .send()
        .await
        .expect("other API");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn sdk_retries_throttled_calls_until_they_succeed() {
    let env = start().await;
    let id = saml_instance(&env.admin, "retry").await;
    env.sandbox.state.aws.faults.add(Fault {
        service: Some("connect".into()),
        api: Some("ListUsers".into()),
        kind: FaultKind::Throttle,
        count: Some(2),
    });
    // Standard retry mode, 3 attempts: two throttled answers, then success.
    env.admin
        .list_users()
        .instance_id(&id)
        .send()
        .await
        .expect("retried to success");
    assert!(
        env.sandbox.state.aws.faults.list().is_empty(),
        "both throttled answers were consumed by retries"
    );
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn requests_without_a_valid_signature_are_refused() {
    let env = start().await;
    let url = format!("{}/instance", env.sandbox.urls().connect());
    let resp = reqwest::get(&url).await.expect("GET");
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(
        resp.headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok()),
        Some("MissingAuthenticationTokenException")
    );
    let wrong = client(
        &env.sandbox,
        TEST_ACCESS_KEY_ID,
        "not/the/right/secret/0000000000000000000",
        None,
        RetryConfig::disabled(),
    );
    let e = wrong
        .list_instances()
        .send()
        .await
        .expect_err("bad signature");
    assert_eq!(status(&e), 403);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn hostile_request_bodies_are_client_errors() {
    let env = start().await;
    let id = saml_instance(&env.admin, "hostile").await;
    // Unknown instance and user ids are 404s, never 500s.
    let e = env
        .admin
        .list_users()
        .instance_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .expect_err("unknown instance");
    assert_eq!(code(&e), "ResourceNotFoundException");
    let e = env
        .admin
        .describe_user()
        .instance_id(&id)
        .user_id("../../etc/passwd")
        .send()
        .await
        .expect_err("unknown user");
    assert_eq!(code(&e), "ResourceNotFoundException");
    // Paths and methods Connect does not have answer like AWS: a JSON error, not a bare 404/405.
    for (method, path) in [
        (reqwest::Method::GET, "/no-such-operation"),
        (reqwest::Method::PATCH, "/instance"),
    ] {
        let resp = reqwest::Client::new()
            .request(method, format!("{}{path}", env.sandbox.urls().connect()))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status().as_u16(), 404);
        assert_eq!(
            resp.headers()
                .get("x-amzn-errortype")
                .and_then(|v| v.to_str().ok()),
            Some("UnknownOperationException"),
            "{path}"
        );
    }
    let e = env
        .admin
        .list_users()
        .instance_id(&id)
        .max_results(1001)
        .send()
        .await
        .expect_err("page too large");
    assert_eq!(code(&e), "InvalidParameterException");
    env.sandbox.shutdown().await;
}

// ---- federation ------------------------------------------------------------------------------

/// The federation chain of docs/facts.md §2 through the real APIs: IAM SAML provider and role
/// (`common::federation_setup`), the role's inline policy allowing `connect:GetFederationToken`
/// on `policy_resource`, then STS AssumeRoleWithSAML with an assertion whose RoleSessionName is
/// `session_name`. Answers a Connect client with the session's credentials.
async fn federated_client(env: &Env, policy_resource: &str, session_name: &str) -> Client {
    let clients = common::clients(&env.sandbox);
    let (provider, role) = common::federation_setup(&clients).await;
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "connect:GetFederationToken",
            "Resource": policy_resource,
        }]
    })
    .to_string();
    clients
        .iam
        .put_role_policy()
        .role_name("ConnectFederation")
        .policy_name("federate")
        .policy_document(policy)
        .send()
        .await
        .expect("PutRolePolicy");
    let assertion =
        common::Assertion::new(&role, &provider, session_name).signed_b64(common::idp_key());
    let out = clients
        .sts
        .assume_role_with_saml()
        .role_arn(&role)
        .principal_arn(&provider)
        .saml_assertion(assertion)
        .send()
        .await
        .expect("AssumeRoleWithSAML");
    let creds = out.credentials().expect("Credentials");
    client(
        &env.sandbox,
        creds.access_key_id(),
        creds.secret_access_key(),
        Some(creds.session_token().to_string()),
        RetryConfig::disabled(),
    )
}

/// docs/facts.md §2: the documented federation permission.
fn documented_resource(instance_id: &str) -> String {
    format!(
        "arn:aws:connect:{TEST_REGION}:{TEST_ACCOUNT_ID}:instance/{instance_id}/user/${{aws:userid}}"
    )
}

#[tokio::test]
async fn get_federation_token_signs_in_the_user_named_like_the_session() {
    let env = start().await;
    let id = saml_instance(&env.admin, "federation").await;
    let user_id = saml_user(&env.admin, &id, "jane.doe@example.com")
        .await
        .expect("CreateUser");
    let fed = federated_client(&env, &documented_resource(&id), "jane.doe@example.com").await;
    let out = fed
        .get_federation_token()
        .instance_id(&id)
        .send()
        .await
        .expect("GetFederationToken");
    assert_eq!(out.user_id(), Some(user_id.as_str()));
    let creds = out.credentials().expect("Credentials");
    assert!(creds.access_token().is_some_and(|t| !t.is_empty()));
    assert!(creds.refresh_token().is_some_and(|t| !t.is_empty()));
    assert!(creds.access_token_expiration().is_some());
    let url = out.sign_in_url().expect("SignInUrl");
    assert!(url.starts_with(&env.sandbox.urls().connect()), "{url}");

    // The agent page shows who is signed in.
    let page = reqwest::get(url).await.expect("agent page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.contains(
            "Signed in to Amazon Connect as <strong>jane.doe@example.com</strong> (federation)"
        ),
        "{html}"
    );
    assert!(html.contains("Basic Routing Profile"));
    assert!(html.contains("Agent"));

    // Without the token the page says what Connect says (docs/facts.md §2).
    let bare = url.split('?').next().unwrap_or(url);
    let page = reqwest::get(bare).await.expect("agent page");
    assert_eq!(page.status().as_u16(), 401);
    assert!(page.text().await.expect("html").contains("Session expired"));
    env.sandbox.shutdown().await;
}

/// The caller behind the federated client's credentials (for calling `federate` directly).
fn federated_caller(env: &Env) -> connect_sso_sandbox::aws::Caller {
    let sts = env.sandbox.state.aws.sts_lock();
    sts.sessions
        .values()
        .next()
        .map(|s| s.caller())
        .expect("an STS session")
}

#[tokio::test]
async fn console_federate_lands_on_the_agent_page_until_the_session_ends() {
    let env = start().await;
    let id = saml_instance(&env.admin, "console").await;
    let (sp, rp) = profiles(&env.admin, &id, "CallCenterManager").await;
    let user_id = env
        .admin
        .create_user()
        .instance_id(&id)
        .username("mallory")
        .identity_info(names("<script>alert(1)</script>", "O'Brien & Co"))
        .security_profile_ids(sp)
        .routing_profile_id(rp)
        .send()
        .await
        .expect("CreateUser")
        .user_id
        .expect("UserId");
    let _fed = federated_client(&env, &documented_resource(&id), "mallory").await;
    let caller = federated_caller(&env);
    let state = &env.sandbox.state;

    // What the console's /connect/federate/{id} does with the console session's caller.
    let url = connect_sso_sandbox::aws::connect::federate(state, &caller, &id).expect("federate");
    let page = reqwest::get(&url).await.expect("agent page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("as <strong>mallory</strong> (console)"),
        "{html}"
    );
    assert!(html.contains("CallCenterManager"));
    // Names are shown as text, never as markup.
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>"));

    // The relay state's destination picks the page (docs/facts.md §2); external ones are refused.
    let url =
        connect_sso_sandbox::aws::connect::federate_to(state, &caller, &id, Some("/ccp-v2/chat"))
            .expect("federate to the chat CCP");
    let html = reqwest::get(&url)
        .await
        .expect("agent page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("/ccp-v2/chat"), "{html}");
    let e = connect_sso_sandbox::aws::connect::federate_to(
        state,
        &caller,
        &id,
        Some("https://evil.example/"),
    )
    .expect_err("external destination");
    assert_eq!(e.code, "InvalidRequestException");

    // docs/facts.md §6.5: the instance ARN in the federate URL finds nothing.
    let arn = format!("arn:aws:connect:{TEST_REGION}:{TEST_ACCOUNT_ID}:instance/{id}");
    let e = connect_sso_sandbox::aws::connect::federate(state, &caller, &arn)
        .expect_err("ARN instead of ID");
    assert_eq!(e.code, "ResourceNotFoundException");

    // docs/facts.md §2: sessions last 12 hours.
    state.aws.advance_clock(13 * 3600);
    let page = reqwest::get(&url).await.expect("agent page");
    assert_eq!(page.status().as_u16(), 401);
    state.aws.advance_clock(-13 * 3600);

    // Deleting the user ends their sessions.
    let url = connect_sso_sandbox::aws::connect::federate(state, &caller, &id).expect("federate");
    env.admin
        .delete_user()
        .instance_id(&id)
        .user_id(&user_id)
        .send()
        .await
        .expect("DeleteUser");
    let page = reqwest::get(&url).await.expect("agent page");
    assert_eq!(page.status().as_u16(), 401);
    let e =
        connect_sso_sandbox::aws::connect::federate(state, &caller, &id).expect_err("user gone");
    assert_eq!(e.code, "UserNotFoundException");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn federation_is_refused_on_instances_not_using_saml() {
    let env = start().await;
    let id = env
        .admin
        .create_instance()
        .identity_management_type(DirectoryType::ConnectManaged)
        .instance_alias("notsaml")
        .inbound_calls_enabled(true)
        .outbound_calls_enabled(true)
        .send()
        .await
        .expect("CreateInstance")
        .id
        .expect("Id");
    let fed = federated_client(&env, &documented_resource(&id), "someone").await;
    let e = fed
        .get_federation_token()
        .instance_id(&id)
        .send()
        .await
        .expect_err("not a SAML instance");
    assert_eq!(code(&e), "InvalidRequestException");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn get_federation_token_is_case_sensitive_about_the_username() {
    let env = start().await;
    let id = saml_instance(&env.admin, "casefed").await;
    saml_user(&env.admin, &id, "jane.doe@example.com")
        .await
        .expect("CreateUser");
    // docs/facts.md §6.3: Entra sent the UPN with capitals; the Connect user is lower case.
    let fed = federated_client(&env, &documented_resource(&id), "Jane.Doe@example.com").await;
    let e = fed
        .get_federation_token()
        .instance_id(&id)
        .send()
        .await
        .expect_err("not onboarded");
    assert_eq!(code(&e), "UserNotFoundException");
    assert_eq!(status(&e), 404);
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn get_federation_token_needs_the_permission_on_the_callers_own_user() {
    let env = start().await;
    let id = saml_instance(&env.admin, "permfed").await;
    saml_user(&env.admin, &id, "jane")
        .await
        .expect("CreateUser");
    // The permission is granted on another instance only.
    let other = documented_resource("11111111-2222-3333-4444-555555555555");
    let fed = federated_client(&env, &other, "jane").await;
    let e = fed
        .get_federation_token()
        .instance_id(&id)
        .send()
        .await
        .expect_err("denied");
    assert_eq!(code(&e), "AccessDeniedException");
    assert_eq!(status(&e), 403);
    // And a federated session may not administer Connect.
    let e = fed
        .list_users()
        .instance_id(&id)
        .send()
        .await
        .expect_err("no ListUsers permission");
    assert_eq!(code(&e), "AccessDeniedException");
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn get_federation_token_rejects_non_federated_credentials() {
    let env = start().await;
    let id = saml_instance(&env.admin, "rootfed").await;
    let e = env
        .admin
        .get_federation_token()
        .instance_id(&id)
        .send()
        .await
        .expect_err("admin credentials cannot federate");
    assert_eq!(code(&e), "InvalidRequestException");
    assert!(
        e.message()
            .is_some_and(|m| m.contains("cannot be used for federation with Amazon Connect")),
        "{e:?}"
    );
    env.sandbox.shutdown().await;
}

#[tokio::test]
async fn aws_cli_lists_users_through_the_sandbox() {
    let aws = connect_sso_testkit::skip_unless_peer!(connect_sso_testkit::peer::venv_bin("aws"));
    let env = start().await;
    let id = saml_instance(&env.admin, "cli").await;
    saml_user(&env.admin, &id, "cli.user@example.com")
        .await
        .expect("CreateUser");
    let endpoint = env.sandbox.urls().connect();
    let instance = id.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(aws)
            .args(["--endpoint-url", &endpoint, "--output", "json"])
            .args(["connect", "list-users", "--instance-id", &instance])
            .env("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID)
            .env(
                "AWS_SECRET_ACCESS_KEY",
                connect_sso_sandbox::TEST_SECRET_ACCESS_KEY,
            )
            .env("AWS_DEFAULT_REGION", TEST_REGION)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .output()
    })
    .await
    .expect("join")
    .expect("aws runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "aws failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON from the CLI");
    let names: Vec<&str> = v["UserSummaryList"]
        .as_array()
        .expect("UserSummaryList")
        .iter()
        .filter_map(|u| u["Username"].as_str())
        .collect();
    assert_eq!(names, ["cli.user@example.com"]);
    env.sandbox.shutdown().await;
}

/// Regression (issue 11): the sandbox answered ListInstances in eu-west-2 with the us-east-1
/// instance, so a wrong Region planned changes to the wrong instance. As on AWS, an instance
/// belongs to one account and one Region.
#[tokio::test]
async fn instances_are_per_region_as_on_aws() {
    use std::sync::Arc;

    use connect_sso_aws::{Aws, Pacer};
    let w = common::world().await;
    w.sandbox
        .state
        .aws
        .connect
        .set_creation_delay(Duration::ZERO);
    let id = w
        .aws
        .create_instance("per-region", true, true, &[])
        .await
        .expect("created in us-east-1");
    let london = Aws::with_endpoints(
        &Endpoint {
            region: "eu-west-2".into(),
            ..common::endpoint()
        },
        &connect_sso_testkit::service_endpoints(w.sandbox.urls()),
    )
    .with_pacer(Arc::new(Pacer::default()));
    assert!(
        london
            .find_instance_by_alias("per-region")
            .await
            .expect("list")
            .is_none()
    );
    assert!(
        london
            .describe_instance(&id)
            .await
            .expect("describe")
            .is_none()
    );
    assert!(
        w.aws
            .describe_instance(&id)
            .await
            .expect("describe")
            .is_some()
    );
}
