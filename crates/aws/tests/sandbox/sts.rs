//! STS through aws-sdk-sts: AssumeRoleWithSAML with AWS's checks, then GetCallerIdentity with
//! the issued credentials.

use connect_sso_saml::aws::SIGNIN_URL;
use time::{Duration, OffsetDateTime};

use crate::common::{self, Assertion, code, message};

async fn assume(
    c: &connect_sso_aws::Clients,
    role: &str,
    provider: &str,
    saml: String,
) -> Result<
    aws_sdk_sts::operation::assume_role_with_saml::AssumeRoleWithSamlOutput,
    aws_sdk_sts::error::SdkError<
        aws_sdk_sts::operation::assume_role_with_saml::AssumeRoleWithSAMLError,
    >,
> {
    c.sts
        .assume_role_with_saml()
        .role_arn(role)
        .principal_arn(provider)
        .saml_assertion(saml)
        .send()
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn assume_role_with_saml_then_get_caller_identity() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let (provider, role) = common::federation_setup(&c).await;
    let mut a = Assertion::new(&role, &provider, "alice@example.com");
    a.session_duration = Some("7200".into());
    let out = assume(&c, &role, &provider, a.signed_b64(common::idp_key()))
        .await
        .expect("assume");
    let user = out.assumed_role_user().expect("user");
    assert_eq!(
        user.arn(),
        "arn:aws:sts::111122223333:assumed-role/ConnectFederation/alice@example.com"
    );
    let role_id = c
        .iam
        .get_role()
        .role_name("ConnectFederation")
        .send()
        .await
        .expect("role")
        .role
        .expect("role")
        .role_id
        .clone();
    assert_eq!(
        user.assumed_role_id(),
        format!("{role_id}:alice@example.com")
    );
    assert_eq!(out.audience(), Some(SIGNIN_URL));
    assert_eq!(out.issuer(), Some(common::ISSUER));
    assert_eq!(out.subject_type(), Some("persistent"));
    assert_eq!(out.subject(), Some("alice@example.com"));
    let creds = out.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    // SessionDuration 7200 is honoured (role allows 43200).
    let exp = creds.expiration().secs();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    assert!((now + 7000..=now + 7300).contains(&exp), "{exp} vs {now}");

    let mut ep = common::endpoint();
    ep.access_key_id = creds.access_key_id().into();
    ep.secret_access_key = creds.secret_access_key().into();
    ep.session_token = Some(creds.session_token().into());
    let as_alice = common::clients_with(&sb, &ep);
    let me = as_alice
        .sts
        .get_caller_identity()
        .send()
        .await
        .expect("caller identity");
    assert_eq!(me.arn(), Some(user.arn()));
    assert_eq!(me.user_id(), Some(user.assumed_role_id()));
    assert_eq!(me.account(), Some("111122223333"));

    // The admin's own identity.
    let admin = c.sts.get_caller_identity().send().await.expect("admin");
    assert_eq!(admin.account(), Some("111122223333"));
    assert!(
        admin
            .arn()
            .expect("arn")
            .starts_with("arn:aws:iam::111122223333:user/")
    );

    // The assumed role has no IAM permissions.
    let e = as_alice.iam.list_roles().send().await.expect_err("denied");
    assert_eq!(code(&e), "AccessDenied");

    // A tampered session token is refused.
    ep.session_token = Some("forged".into());
    let e = common::clients_with(&sb, &ep)
        .sts
        .get_caller_identity()
        .send()
        .await
        .expect_err("forged token");
    assert_eq!(code(&e), "InvalidClientTokenId");

    // After expiry the credentials stop working.
    sb.state.aws.advance_clock(8000);
    ep.session_token = Some(creds.session_token().into());
    let e = common::clients_with(&sb, &ep)
        .sts
        .get_caller_identity()
        .send()
        .await
        .expect_err("expired");
    assert_eq!(code(&e), "ExpiredToken");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn session_duration_is_capped_by_the_roles_max() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let (provider, role) = common::federation_setup(&c).await;
    c.iam
        .update_role()
        .role_name("ConnectFederation")
        .max_session_duration(3600)
        .send()
        .await
        .expect("update");
    let mut a = Assertion::new(&role, &provider, "alice");
    a.session_duration = Some("43200".into());
    let out = assume(&c, &role, &provider, a.signed_b64(common::idp_key()))
        .await
        .expect("assume");
    let exp = out.credentials().expect("c").expiration().secs();
    let now = OffsetDateTime::now_utc().unix_timestamp();
    assert!(exp <= now + 3700, "capped at 1 h");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_carry_the_codes_aws_uses() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let (provider, role) = common::federation_setup(&c).await;
    let key = common::idp_key();

    // Wrong audience.
    let mut a = Assertion::new(&role, &provider, "alice");
    a.audiences = vec!["https://example.com/not-aws".into()];
    let e = assume(&c, &role, &provider, a.signed_b64(key))
        .await
        .expect_err("aud");
    assert_eq!(code(&e), "InvalidIdentityToken", "{}", message(&e));

    // Expired assertion (beyond the 5 minute skew).
    let mut a = Assertion::new(&role, &provider, "alice");
    a.issued = OffsetDateTime::now_utc() - Duration::hours(1);
    let e = assume(&c, &role, &provider, a.signed_b64(key))
        .await
        .expect_err("expired");
    assert_eq!(code(&e), "ExpiredTokenException", "{}", message(&e));

    // Signed by a key the provider does not trust.
    let a = Assertion::new(&role, &provider, "alice");
    let e = assume(&c, &role, &provider, a.signed_b64(common::other_key()))
        .await
        .expect_err("untrusted key");
    assert_eq!(code(&e), "InvalidIdentityToken");
    assert!(message(&e).contains("signature"), "{}", message(&e));

    // Another issuer than the metadata's.
    let mut a = Assertion::new(&role, &provider, "alice");
    a.issuer = "https://sts.windows.net/someone-else/".into();
    let e = assume(&c, &role, &provider, a.signed_b64(key))
        .await
        .expect_err("issuer");
    assert_eq!(code(&e), "InvalidIdentityToken");

    // Guest UPN with #EXT# fails the RoleSessionName rule (docs/facts.md §3).
    let a = Assertion::new(
        &role,
        &provider,
        "bob_example.com#EXT#@tenant.onmicrosoft.com",
    );
    let e = assume(&c, &role, &provider, a.signed_b64(key))
        .await
        .expect_err("session name");
    assert_eq!(code(&e), "InvalidIdentityToken");
    assert!(message(&e).contains("RoleSessionName"), "{}", message(&e));

    // The requested role is not among the assertion's Role values.
    let other_role = common::role_arn("SomethingElse");
    let a = Assertion::new(&role, &provider, "alice");
    let e = assume(&c, &other_role, &provider, a.signed_b64(key))
        .await
        .expect_err("pair");
    assert_eq!(code(&e), "AccessDenied");
    assert_eq!(
        message(&e),
        "Not authorized to perform sts:AssumeRoleWithSAML"
    );

    // Missing trust: the role trusts another provider.
    c.iam
        .update_assume_role_policy()
        .role_name("ConnectFederation")
        .policy_document(common::trust_policy(
            &common::provider_arn("Other"),
            &[SIGNIN_URL],
        ))
        .send()
        .await
        .expect("update trust");
    let a = Assertion::new(&role, &provider, "alice");
    let e = assume(&c, &role, &provider, a.signed_b64(key))
        .await
        .expect_err("trust");
    assert_eq!(code(&e), "AccessDenied");

    // Trust with the global audience only, assertion for the regional endpoint.
    c.iam
        .update_assume_role_policy()
        .role_name("ConnectFederation")
        .policy_document(common::trust_policy(&provider, &[SIGNIN_URL]))
        .send()
        .await
        .expect("update trust");
    let regional = "https://eu-west-2.signin.aws.amazon.com/saml";
    let mut a = Assertion::new(&role, &provider, "alice");
    a.recipient = regional.into();
    let e = assume(&c, &role, &provider, a.signed_b64(key))
        .await
        .expect_err("regional");
    assert_eq!(code(&e), "AccessDenied");
    // … and accepted once the trust policy lists both audiences (docs/facts.md §2).
    c.iam
        .update_assume_role_policy()
        .role_name("ConnectFederation")
        .policy_document(common::trust_policy(&provider, &[SIGNIN_URL, regional]))
        .send()
        .await
        .expect("update trust");
    let out = assume(&c, &role, &provider, a.signed_b64(key))
        .await
        .expect("regional ok");
    assert_eq!(out.audience(), Some(regional));

    // Unknown provider.
    let a = Assertion::new(&role, &common::provider_arn("Nope"), "alice");
    let e = assume(&c, &role, &common::provider_arn("Nope"), a.signed_b64(key))
        .await
        .expect_err("no provider");
    assert_eq!(code(&e), "InvalidIdentityToken");

    // Not base64 / too short.
    let e = assume(&c, &role, &provider, "%%%%not-base64".into())
        .await
        .expect_err("garbage");
    assert_eq!(code(&e), "InvalidIdentityToken");
    // Hostile input: a DTD with entity expansion (billion laughs) inside the assertion.
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">&b;</samlp:Response>"#;
    let e = assume(
        &c,
        &role,
        &provider,
        connect_sso_saml::binding::encode_post(bomb.as_bytes()),
    )
    .await
    .expect_err("dtd");
    assert_eq!(code(&e), "InvalidIdentityToken");
    let huge = "A".repeat(100_004);
    let e = assume(&c, &role, &provider, huge).await.expect_err("huge");
    assert_eq!(code(&e), "ValidationError");
    let e = assume(&c, &role, &provider, "ab".into())
        .await
        .expect_err("short");
    assert_eq!(code(&e), "ValidationError");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_center_lives_in_the_management_account_only() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let out = c
        .sso_admin
        .list_instances()
        .send()
        .await
        .expect("ListInstances");
    assert!(
        out.instances().is_empty(),
        "the Connect account has no instance"
    );
    let management = common::clients_with(
        &sb,
        &connect_sso_aws::Endpoint {
            access_key_id: connect_sso_sandbox::MANAGEMENT_ACCESS_KEY_ID.into(),
            secret_access_key: connect_sso_sandbox::MANAGEMENT_SECRET_ACCESS_KEY.into(),
            ..common::endpoint()
        },
    );
    let out = management
        .sso_admin
        .list_instances()
        .send()
        .await
        .expect("ListInstances");
    assert_eq!(out.instances().len(), 1);
    assert_eq!(
        out.instances()[0].identity_store_id(),
        Some(connect_sso_sandbox::aws::identity_center::IDENTITY_STORE_ID)
    );
    sb.shutdown().await;
}
