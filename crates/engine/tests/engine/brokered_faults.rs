//! The brokered topology's own faults (issue 14), each reproduced on the sandbox the way a
//! person would cause it in a console, and each explained by `login`: the hop it stops at and
//! the cause it names.

use connect_sso_engine::login::Hop;
use connect_sso_engine::observe::read_instance;
use connect_sso_sandbox::entra;
use reqwest::Method;
use serde_json::Value;

use crate::brokered::{Brokered, sign_in, synced};

const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";

/// Edit the application as its console page would, through the sandbox's admin API.
async fn edit_application(b: &Brokered, edit: impl FnOnce(&mut Vec<Value>)) {
    let state = b.w.aws_admin(Method::GET, "identity-center", None).await;
    let app = &state["applications"][0];
    let id = app["application_id"]
        .as_str()
        .expect("an application")
        .to_string();
    let mut config = serde_json::Map::new();
    for key in ["name", "start_url", "relay_state", "acs_url", "audience"] {
        config.insert(key.into(), app[key].clone());
    }
    let mut mappings = app["attribute_mappings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    edit(&mut mappings);
    config.insert("attribute_mappings".into(), Value::Array(mappings));
    b.w.aws_admin(
        Method::PUT,
        &format!("identity-center/applications/{id}"),
        Some(Value::Object(config)),
    )
    .await;
}

fn set_mapping(mappings: &mut [Value], attribute: &str, value: &str) {
    for m in mappings.iter_mut().filter(|m| m["attribute"] == attribute) {
        m["value"] = Value::from(value);
    }
}

/// Sign Alice in; the failure, which must be at `hop` with a cause containing `says`.
async fn refused_at(b: &Brokered, hop: Hop, says: &str) {
    let e = match sign_in(b, entra::USER_ALICE_UPN).await {
        Ok(o) => panic!("signed in as {} despite the fault", o.signed_in_as),
        Err(e) => e,
    };
    assert_eq!(e.hop, hop, "{e} ({:?})", e.cause);
    let cause = e.cause.clone().unwrap_or_default();
    assert!(cause.contains(says), "cause {cause:?} lacks {says:?} ({e})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_role_mapping_is_refused_by_aws_sign_in_and_named() {
    let b = synced().await;
    edit_application(&b, |m| m.retain(|m| m["attribute"] != ROLE)).await;
    refused_at(
        &b,
        Hop::AwsSignIn,
        "sends no https://aws.amazon.com/SAML/Attributes/Role",
    )
    .await;
    b.w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_value_with_a_space_is_refused_and_the_space_named() {
    let b = synced().await;
    let d = b.spec.derived();
    let spaced = format!("{}, {}", d.role_arn, d.provider_arn);
    edit_application(&b, |m| set_mapping(m, ROLE, &spaced)).await;
    refused_at(&b, Hop::AwsSignIn, "has a space").await;
    b.w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_session_name_that_is_not_the_connect_username_is_named() {
    let b = synced().await;
    edit_application(&b, |m| set_mapping(m, SESSION, "${user:givenName}")).await;
    refused_at(
        &b,
        Hop::ConsoleFederation,
        "Connect has no user named \"Alice\"",
    )
    .await;
    b.w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_who_signed_in_through_another_role_before_is_told_which() {
    let b = synced().await;
    sign_in(&b, entra::USER_ALICE_UPN)
        .await
        .unwrap_or_else(|e| panic!("first sign-in: {e}"));
    // A second federation role, trusted and allowed like the first, and the application
    // switched to it: Alice is bound to the first.
    let d = b.spec.derived();
    let instance = read_instance(&b.w.aws, &b.spec)
        .await
        .expect("read")
        .expect("instance");
    let second = "ConnectFederationNew";
    b.w.aws
        .create_role(second, &d.trust_policy(), 43200, "second role", &[])
        .await
        .expect("role");
    let policy = d.federation_policy(&b.spec.aws.region, &b.spec.aws.account_id, &instance.id);
    b.w.aws
        .put_role_policy(second, "federation", &policy)
        .await
        .expect("policy");
    let pair = format!(
        "{},{}",
        d.role_arn.replace("ConnectFederation", second),
        d.provider_arn
    );
    edit_application(&b, |m| set_mapping(m, ROLE, &pair)).await;
    refused_at(
        &b,
        Hop::ConsoleFederation,
        &format!("through the role {} before", d.role_arn),
    )
    .await;
    b.w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_metadata_identity_center_does_not_trust_is_refused_at_its_sign_in() {
    let b = synced().await;
    // The app's certificate rolls over in Entra; Identity Center keeps the old metadata.
    let app = connect_sso_engine::observe::read_app_for_sign_in(&b.w.graph, &b.spec)
        .await
        .expect("read")
        .expect("app");
    let sp = app.sp.expect("service principal");
    let cert =
        b.w.graph
            .add_token_signing_certificate(&sp.id, "CN=rolled over", "2030-01-01T00:00:00Z")
            .await
            .expect("certificate");
    let thumbprint = cert.thumbprint;
    b.w.graph
        .patch_service_principal(
            &sp.id,
            &serde_json::json!({ "preferredTokenSigningKeyThumbprint": thumbprint }),
        )
        .await
        .expect("preferred");
    refused_at(
        &b,
        Hop::IdentityCenterSignIn,
        "does not trust the certificate",
    )
    .await;
    b.w.shutdown().await;
}
