//! AWS sign-in (`/aws/signin/saml`) and console federation, driven like a browser.

use connect_sso_saml::aws::SIGNIN_URL;

use crate::common::{self, Assertion};

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

const RELAY: &str = "https://us-east-1.console.aws.amazon.com/connect/federate/11111111-2222-3333-4444-555555555555?destination=%2Fccp-v2";

#[tokio::test(flavor = "multi_thread")]
async fn saml_post_opens_a_console_session_and_redirects_to_the_relay_state() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let (provider, role) = common::federation_setup(&c).await;
    let b = browser();
    // Without a session the federate URL says "Session expired" (docs/facts.md §2).
    let local_federate = sb.urls().to_local(RELAY);
    let r = b.get(&local_federate).send().await.expect("get");
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.text().await.expect("body").contains("Session expired"));

    let saml = Assertion::new(&role, &provider, "alice").signed_b64(common::idp_key());
    let r = b
        .post(sb.urls().signin())
        .form(&[("SAMLResponse", saml.as_str()), ("RelayState", RELAY)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 302);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert_eq!(location, local_federate);
    let home = b
        .get(format!("{}/aws/console/home", sb.urls().base()))
        .send()
        .await
        .expect("home");
    assert_eq!(home.status().as_u16(), 200);
    assert!(
        home.text()
            .await
            .expect("body")
            .contains("assumed-role/ConnectFederation/alice")
    );
    // The console session ends with the role session (1 hour by default).
    sb.state.aws.advance_clock(2 * 3600);
    let r = b.get(&local_federate).send().await.expect("get");
    assert_eq!(r.status().as_u16(), 401);
    sb.state.aws.advance_clock(-2 * 3600);
    // With the session, the federate URL is handed to Amazon Connect (its answer depends on
    // the Connect emulation: a redirect to the agent page or Connect's own error page).
    let r = b.get(&local_federate).send().await.expect("federate");
    assert_ne!(r.status().as_u16(), 401);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn several_roles_show_a_chooser_and_the_choice_signs_in() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let (provider, role) = common::federation_setup(&c).await;
    c.iam
        .create_role()
        .role_name("Supervisor")
        .assume_role_policy_document(common::trust_policy(&provider, &[SIGNIN_URL]))
        .send()
        .await
        .expect("second role");
    let mut a = Assertion::new(&role, &provider, "alice");
    // Either order of role and provider is accepted (docs/facts.md §3).
    a.roles
        .push(format!("{provider},{}", common::role_arn("Supervisor")));
    let b = browser();
    let r = b
        .post(sb.urls().signin())
        .form(&[("SAMLResponse", a.signed_b64(common::idp_key()).as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("Select a role"));
    let pending = html
        .split("name=\"pending\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("pending token")
        .to_string();
    let choice = format!("{},{provider}", common::role_arn("Supervisor"));
    let r = b
        .post(format!("{}/aws/signin/saml/choose", sb.urls().base()))
        .form(&[
            ("pending", pending.as_str()),
            ("roleIndex", choice.as_str()),
        ])
        .send()
        .await
        .expect("choose");
    assert_eq!(r.status().as_u16(), 302);
    let home = b
        .get(format!("{}/aws/console/home", sb.urls().base()))
        .send()
        .await
        .expect("home")
        .text()
        .await
        .expect("body");
    assert!(home.contains("assumed-role/Supervisor/alice"), "{home}");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_responses_show_awss_error_page() {
    let sb = common::sandbox().await;
    let c = common::clients(&sb);
    let (provider, role) = common::federation_setup(&c).await;
    let b = browser();
    let mut a = Assertion::new(&role, &provider, "alice");
    a.roles = vec!["not-a-pair".into()];
    let r = b
        .post(sb.urls().signin())
        .form(&[("SAMLResponse", a.signed_b64(common::idp_key()).as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 400);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Your request included an invalid SAML response")
    );
    for garbage in ["", "bm90IHhtbA==", "%%%"] {
        let r = b
            .post(sb.urls().signin())
            .form(&[("SAMLResponse", garbage)])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status().as_u16(), 400, "{garbage:?}");
    }
    let a = Assertion::new(&common::role_arn("Missing"), &provider, "alice");
    let r = b
        .post(sb.urls().signin())
        .form(&[("SAMLResponse", a.signed_b64(common::idp_key()).as_str())])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Not authorized to perform sts:AssumeRoleWithSAML")
    );
    sb.shutdown().await;
}

/// The whole browser journey of topology A (docs/facts.md §1): IdP POST → AWS sign-in → console
/// federate URL → Amazon Connect agent page, with the user named like the RoleSessionName.
#[tokio::test(flavor = "multi_thread")]
async fn saml_sign_in_reaches_the_connect_agent_page() {
    use aws_sdk_connect::types::{DirectoryType, UserIdentityInfo};

    let sb = common::sandbox().await;
    sb.state
        .aws
        .connect
        .set_creation_delay(std::time::Duration::ZERO);
    let c = common::clients(&sb);
    let (provider, role) = common::federation_setup(&c).await;
    let instance = c
        .connect
        .create_instance()
        .identity_management_type(DirectoryType::Saml)
        .instance_alias("journey")
        .inbound_calls_enabled(true)
        .outbound_calls_enabled(true)
        .send()
        .await
        .expect("CreateInstance")
        .id
        .expect("id");
    let sp = c
        .connect
        .list_security_profiles()
        .instance_id(&instance)
        .send()
        .await
        .expect("profiles")
        .security_profile_summary_list()
        .iter()
        .find(|p| p.name() == Some("Agent"))
        .and_then(|p| p.id().map(str::to_string))
        .expect("Agent profile");
    let rp = c
        .connect
        .list_routing_profiles()
        .instance_id(&instance)
        .send()
        .await
        .expect("routing")
        .routing_profile_summary_list()
        .first()
        .and_then(|p| p.id().map(str::to_string))
        .expect("routing profile");
    c.connect
        .create_user()
        .instance_id(&instance)
        .username("alice@example.com")
        .identity_info(
            UserIdentityInfo::builder()
                .first_name("Alice")
                .last_name("Example")
                .build(),
        )
        .security_profile_ids(sp)
        .routing_profile_id(rp)
        .send()
        .await
        .expect("CreateUser");
    let permissions = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "connect:GetFederationToken",
            "Resource": format!("arn:aws:connect:us-east-1:111122223333:instance/{instance}/user/${{aws:userid}}")
        }]
    });
    c.iam
        .put_role_policy()
        .role_name("ConnectFederation")
        .policy_name("federate")
        .policy_document(permissions.to_string())
        .send()
        .await
        .expect("PutRolePolicy");

    let relay = format!("https://us-east-1.console.aws.amazon.com/connect/federate/{instance}");
    let b = browser();
    let saml = Assertion::new(&role, &provider, "alice@example.com").signed_b64(common::idp_key());
    let r = b
        .post(sb.urls().signin())
        .form(&[
            ("SAMLResponse", saml.as_str()),
            ("RelayState", relay.as_str()),
        ])
        .send()
        .await
        .expect("sign-in");
    assert_eq!(r.status().as_u16(), 302);
    let federate = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let r = b.get(&federate).send().await.expect("federate");
    assert_eq!(r.status().as_u16(), 302, "federate answered {}", r.status());
    let agent = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let page = b.get(&agent).send().await.expect("agent page");
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("alice@example.com")
    );

    // A user whose Connect username differs from the RoleSessionName is not onboarded.
    let b = browser();
    let saml = Assertion::new(&role, &provider, "Alice@example.com").signed_b64(common::idp_key());
    let r = b
        .post(sb.urls().signin())
        .form(&[
            ("SAMLResponse", saml.as_str()),
            ("RelayState", relay.as_str()),
        ])
        .send()
        .await
        .expect("sign-in");
    assert_eq!(r.status().as_u16(), 302);
    let r = b.get(&federate).send().await.expect("federate");
    assert!(r.status().is_client_error(), "{}", r.status());
    sb.shutdown().await;
}
