//! IAM through aws-sdk-iam: SAML providers, roles, policies, and the error paths.

use aws_sdk_iam::types::Tag;
use connect_sso_saml::aws::SIGNIN_URL;

use crate::common::{self, code, message};

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().expect("tag")
}

#[tokio::test(flavor = "multi_thread")]
async fn saml_provider_lifecycle() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let md = common::metadata();
    let created = c
        .iam
        .create_saml_provider()
        .name("Entra")
        .saml_metadata_document(&md)
        .tags(tag("owner", "connect-sso"))
        .send()
        .await
        .expect("create");
    let arn = created.saml_provider_arn().expect("arn").to_string();
    assert_eq!(arn, common::provider_arn("Entra"));
    assert_eq!(created.tags().len(), 1);

    let got = c
        .iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.saml_metadata_document(), Some(md.as_str()));
    assert!(got.create_date().is_some() && got.valid_until().is_some());
    assert_eq!(got.tags()[0].key(), "owner");

    let list = c.iam.list_saml_providers().send().await.expect("list");
    assert_eq!(list.saml_provider_list().len(), 1);
    assert_eq!(list.saml_provider_list()[0].arn(), Some(arn.as_str()));

    // Rollover: new metadata with another key.
    let md2 = common::metadata_for(common::other_key(), common::ISSUER);
    let up = c
        .iam
        .update_saml_provider()
        .saml_provider_arn(&arn)
        .saml_metadata_document(&md2)
        .send()
        .await
        .expect("update");
    assert_eq!(up.saml_provider_arn(), Some(arn.as_str()));
    let got = c
        .iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.saml_metadata_document(), Some(md2.as_str()));

    c.iam
        .tag_saml_provider()
        .saml_provider_arn(&arn)
        .tags(tag("env", "test"))
        .send()
        .await
        .expect("tag");
    c.iam
        .untag_saml_provider()
        .saml_provider_arn(&arn)
        .tag_keys("owner")
        .send()
        .await
        .expect("untag");
    let tags = c
        .iam
        .list_saml_provider_tags()
        .saml_provider_arn(&arn)
        .send()
        .await
        .expect("tags");
    let keys: Vec<&str> = tags.tags().iter().map(Tag::key).collect();
    assert_eq!(keys, ["env"]);

    let dup = c
        .iam
        .create_saml_provider()
        .name("Entra")
        .saml_metadata_document(&md)
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(code(&dup), "EntityAlreadyExists");

    c.iam
        .delete_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .expect("delete");
    let gone = c
        .iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&gone), "NoSuchEntity");
    assert!(gone.into_service_error().is_no_such_entity_exception());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_saml_metadata_is_refused_with_invalid_input() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let md = common::metadata();
    let with_bom = format!("\u{feff}{md}");
    let not_xml = "x".repeat(1200);
    for (what, doc) in [("BOM", with_bom.as_str()), ("not XML", not_xml.as_str())] {
        let e = c
            .iam
            .create_saml_provider()
            .name("Bad")
            .saml_metadata_document(doc)
            .send()
            .await
            .expect_err(what);
        assert_eq!(code(&e), "InvalidInput", "{what}: {}", message(&e));
    }
    let e = c
        .iam
        .create_saml_provider()
        .name("Bad")
        .saml_metadata_document("<short/>")
        .send()
        .await
        .expect_err("short");
    assert_eq!(code(&e), "ValidationError");
    let e = c
        .iam
        .get_saml_provider()
        .saml_provider_arn("arn:aws:iam::111122223333:role/NotAProvider")
        .send()
        .await
        .expect_err("bad arn");
    assert_eq!(code(&e), "ValidationError");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn role_lifecycle_with_inline_and_managed_policies() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let trust = common::trust_policy(&common::provider_arn("Entra"), &[SIGNIN_URL]);
    let role = c
        .iam
        .create_role()
        .role_name("ConnectFederation")
        .assume_role_policy_document(&trust)
        .description("federation into Connect")
        .max_session_duration(43200)
        .tags(tag("managed-by", "connect-sso"))
        .send()
        .await
        .expect("create")
        .role
        .expect("role");
    assert!(role.role_id().starts_with("AROA") && role.role_id().len() == 21);
    assert_eq!(role.arn(), common::role_arn("ConnectFederation"));
    // IAM returns policy documents URL-encoded.
    let doc = role.assume_role_policy_document().expect("doc");
    let decoded = percent_decode(doc);
    assert_eq!(decoded, trust);

    let got = c
        .iam
        .get_role()
        .role_name("connectfederation")
        .send()
        .await
        .expect("get is case-insensitive")
        .role
        .expect("role");
    assert_eq!(got.max_session_duration(), Some(43200));
    assert_eq!(got.tags().len(), 1);

    let dup = c
        .iam
        .create_role()
        .role_name("ConnectFederation")
        .assume_role_policy_document(&trust)
        .send()
        .await
        .expect_err("dup");
    assert_eq!(code(&dup), "EntityAlreadyExists");

    let malformed = c
        .iam
        .create_role()
        .role_name("Broken")
        .assume_role_policy_document("{\"Statement\": [")
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(code(&malformed), "MalformedPolicyDocument");
    let short = c
        .iam
        .create_role()
        .role_name("Short")
        .assume_role_policy_document(&trust)
        .max_session_duration(100)
        .send()
        .await
        .expect_err("too short");
    assert_eq!(code(&short), "ValidationError");
    let bad_name = c
        .iam
        .create_role()
        .role_name("has space")
        .assume_role_policy_document(&trust)
        .send()
        .await
        .expect_err("bad name");
    assert_eq!(code(&bad_name), "ValidationError");

    c.iam
        .update_role()
        .role_name("ConnectFederation")
        .description("changed")
        .max_session_duration(3600)
        .send()
        .await
        .expect("update");
    let trust2 = common::trust_policy(
        &common::provider_arn("Entra"),
        &[SIGNIN_URL, "https://eu-west-2.signin.aws.amazon.com/saml"],
    );
    c.iam
        .update_assume_role_policy()
        .role_name("ConnectFederation")
        .policy_document(&trust2)
        .send()
        .await
        .expect("update trust");
    let got = c
        .iam
        .get_role()
        .role_name("ConnectFederation")
        .send()
        .await
        .expect("get")
        .role
        .expect("role");
    assert_eq!(got.description(), Some("changed"));
    assert_eq!(got.max_session_duration(), Some(3600));
    assert_eq!(
        percent_decode(got.assume_role_policy_document().expect("doc")),
        trust2
    );

    let list = c.iam.list_roles().send().await.expect("list");
    assert_eq!(list.roles().len(), 1);
    assert!(!list.is_truncated());

    let permissions = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"connect:GetFederationToken","Resource":"arn:aws:connect:us-east-1:111122223333:instance/i-1/user/${aws:userid}"}]}"#;
    c.iam
        .put_role_policy()
        .role_name("ConnectFederation")
        .policy_name("federate")
        .policy_document(permissions)
        .send()
        .await
        .expect("put policy");
    let got = c
        .iam
        .get_role_policy()
        .role_name("ConnectFederation")
        .policy_name("federate")
        .send()
        .await
        .expect("get policy");
    assert_eq!(percent_decode(got.policy_document()), permissions);
    let names = c
        .iam
        .list_role_policies()
        .role_name("ConnectFederation")
        .send()
        .await
        .expect("list policies");
    assert_eq!(names.policy_names(), ["federate"]);
    let bad = c
        .iam
        .put_role_policy()
        .role_name("ConnectFederation")
        .policy_name("bad")
        .policy_document(r#"{"Statement":[{"Effect":"Allow","Action":"connect:*"}]}"#)
        .send()
        .await
        .expect_err("no resource");
    assert_eq!(code(&bad), "MalformedPolicyDocument");

    // A managed policy attached to the role.
    let pol = c
        .iam
        .create_policy()
        .policy_name("ConnectReadOnly")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"connect:Describe*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .expect("create policy")
        .policy
        .expect("policy");
    let pol_arn = pol.arn().expect("arn").to_string();
    c.iam
        .attach_role_policy()
        .role_name("ConnectFederation")
        .policy_arn(&pol_arn)
        .send()
        .await
        .expect("attach");
    let attached = c
        .iam
        .list_attached_role_policies()
        .role_name("ConnectFederation")
        .send()
        .await
        .expect("list attached");
    assert_eq!(attached.attached_policies().len(), 1);
    {
        let iam = sb.state.aws.iam_lock();
        let uid = format!("{}:alice", role.role_id());
        assert!(iam.role_allows(
            "ConnectFederation",
            "connect:GetFederationToken",
            &format!("arn:aws:connect:us-east-1:111122223333:instance/i-1/user/{uid}"),
            &uid
        ));
        assert!(!iam.role_allows(
            "ConnectFederation",
            "connect:GetFederationToken",
            "arn:aws:connect:us-east-1:111122223333:instance/i-1/user/someone-else",
            &uid
        ));
        assert!(iam.role_allows(
            "ConnectFederation",
            "connect:DescribeUser",
            "arn:aws:connect:us-east-1:111122223333:instance/i-1/agent/x",
            &uid
        ));
    }
    let conflict = c
        .iam
        .delete_policy()
        .policy_arn(&pol_arn)
        .send()
        .await
        .expect_err("attached");
    assert_eq!(code(&conflict), "DeleteConflict");

    let conflict = c
        .iam
        .delete_role()
        .role_name("ConnectFederation")
        .send()
        .await
        .expect_err("has policies");
    assert_eq!(code(&conflict), "DeleteConflict");
    c.iam
        .detach_role_policy()
        .role_name("ConnectFederation")
        .policy_arn(&pol_arn)
        .send()
        .await
        .expect("detach");
    c.iam
        .delete_policy()
        .policy_arn(&pol_arn)
        .send()
        .await
        .expect("delete policy");
    c.iam
        .delete_role_policy()
        .role_name("ConnectFederation")
        .policy_name("federate")
        .send()
        .await
        .expect("delete inline");
    let e = c
        .iam
        .get_role_policy()
        .role_name("ConnectFederation")
        .policy_name("federate")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&e), "NoSuchEntity");
    c.iam
        .tag_role()
        .role_name("ConnectFederation")
        .tags(tag("b", "2"))
        .send()
        .await
        .expect("tag role");
    c.iam
        .untag_role()
        .role_name("ConnectFederation")
        .tag_keys("managed-by")
        .send()
        .await
        .expect("untag role");
    let tags = c
        .iam
        .list_role_tags()
        .role_name("ConnectFederation")
        .send()
        .await
        .expect("role tags");
    assert_eq!(tags.tags().len(), 1);
    c.iam
        .delete_role()
        .role_name("ConnectFederation")
        .send()
        .await
        .expect("delete role");
    let e = c
        .iam
        .get_role()
        .role_name("ConnectFederation")
        .send()
        .await
        .expect_err("gone");
    assert_eq!(code(&e), "NoSuchEntity");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_roles_paginates_with_marker() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let trust = common::trust_policy(&common::provider_arn("Entra"), &[SIGNIN_URL]);
    for i in 0..5 {
        c.iam
            .create_role()
            .role_name(format!("role-{i}"))
            .assume_role_policy_document(&trust)
            .send()
            .await
            .expect("create");
    }
    let names: Vec<String> = c
        .iam
        .list_roles()
        .max_items(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate")
        .into_iter()
        .map(|r| r.role_name().to_string())
        .collect();
    assert_eq!(names, ["role-0", "role-1", "role-2", "role-3", "role-4"]);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_secret_and_unknown_key_are_refused() {
    let sb = common::sandbox().await;
    let mut ep = common::endpoint();
    ep.secret_access_key = "not-the-secret".into();
    let e = common::clients_with(&sb, &ep)
        .iam
        .list_roles()
        .send()
        .await
        .expect_err("wrong secret");
    assert_eq!(code(&e), "SignatureDoesNotMatch");
    let mut ep = common::endpoint();
    ep.access_key_id = "AKIAUNKNOWNKEY000000".into();
    let e = common::clients_with(&sb, &ep)
        .iam
        .list_roles()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(code(&e), "InvalidClientTokenId");
    let e = common::clients_with(&sb, &ep)
        .sts
        .get_caller_identity()
        .send()
        .await
        .expect_err("unknown key");
    assert_eq!(code(&e), "InvalidClientTokenId");
    // Unsigned requests to IAM are refused.
    let r = reqwest::Client::new()
        .post(sb.urls().iam())
        .form(&[("Action", "ListRoles"), ("Version", "2010-05-08")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );
    assert!(body.contains("xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\""));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_signed_with_a_skewed_clock_is_refused() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    // The sandbox's clock runs 20 minutes ahead of the client's: beyond AWS's 15 minutes.
    sb.state.aws.advance_clock(20 * 60);
    let e = c.iam.list_roles().send().await.expect_err("skewed");
    assert_eq!(code(&e), "SignatureDoesNotMatch");
    assert!(
        message(&e).starts_with("Signature expired"),
        "{}",
        message(&e)
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn state_survives_a_restart_with_a_state_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sandbox-state.json");
    let config = connect_sso_sandbox::Config {
        state_file: Some(path.clone()),
        seed_demo: false,
        ..connect_sso_sandbox::Config::default()
    };
    let sb = connect_sso_sandbox::Sandbox::start(config.clone())
        .await
        .expect("start");
    let c = common::clients(&sb);
    let (provider, _role) = common::federation_setup(&c).await;
    c.connect
        .create_instance()
        .identity_management_type(aws_sdk_connect::types::DirectoryType::Saml)
        .instance_alias("persisted")
        .inbound_calls_enabled(true)
        .outbound_calls_enabled(true)
        .send()
        .await
        .expect("CreateInstance");
    sb.shutdown().await;
    assert!(path.exists());

    let sb = connect_sso_sandbox::Sandbox::start(config)
        .await
        .expect("restart");
    let c = common::clients(&sb);
    let got = c
        .iam
        .get_saml_provider()
        .saml_provider_arn(&provider)
        .send()
        .await
        .expect("provider survived");
    assert_eq!(
        got.saml_metadata_document(),
        Some(common::metadata().as_str())
    );
    c.iam
        .get_role()
        .role_name("ConnectFederation")
        .send()
        .await
        .expect("role survived");
    let instances = c
        .connect
        .list_instances()
        .send()
        .await
        .expect("ListInstances");
    assert_eq!(
        instances.instance_summary_list()[0].instance_alias(),
        Some("persisted")
    );
    sb.shutdown().await;
}

pub fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}
