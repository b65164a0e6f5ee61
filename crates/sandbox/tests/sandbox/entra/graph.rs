//! Token endpoint and Graph behaviours clients depend on: error shapes, permissions,
//! OData options, paging, the app role rule, eventual consistency, delta queries.

use connect_sso_sandbox::entra::{
    ADMIN_APP_ID, ADMIN_CLIENT_SECRET, DEFAULT_TENANT_DOMAIN, GROUP_AGENTS_ID, READONLY_APP_ID,
    READONLY_CLIENT_SECRET, TOOL_APP_ID, USER_ALICE_ID, USER_ALICE_UPN, USER_GUEST_UPN,
};
use reqwest::Method;
use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn wrong_client_secret_gets_entras_invalid_client_error() {
    let sb = start().await;
    let resp = reqwest::Client::new()
        .post(token_url(&sb))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", TOOL_APP_ID),
            ("client_secret", "not-the-secret"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_codes"], json!([7000215]));
    let desc = body["error_description"].as_str().expect("description");
    assert!(
        desc.starts_with("AADSTS7000215: Invalid client secret provided."),
        "{desc}"
    );
    assert!(desc.contains(TOOL_APP_ID) && desc.contains("Trace ID: "));
    for field in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(body[field].is_string(), "{field} missing: {body}");
    }

    // Unknown client, bad scope, unknown tenant: their own codes.
    let cases = [
        (
            token_url(&sb),
            "00000000-1111-4000-8000-000000000000",
            "https://graph.microsoft.com/.default",
            400,
            700016,
        ),
        (
            token_url(&sb),
            TOOL_APP_ID,
            "https://graph.microsoft.com/User.Read.All",
            400,
            1002012,
        ),
        (
            format!(
                "{}/not-a-tenant.example/oauth2/v2.0/token",
                sb.urls().entra_login()
            ),
            TOOL_APP_ID,
            "https://graph.microsoft.com/.default",
            400,
            90002,
        ),
    ];
    for (url, client, scope, status, code) in cases {
        let resp = reqwest::Client::new()
            .post(url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client),
                (
                    "client_secret",
                    connect_sso_sandbox::entra::TOOL_CLIENT_SECRET,
                ),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("token");
        assert_eq!(resp.status(), status);
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["error_codes"], json!([code]), "{body}");
    }

    // The tenant's domain name works in place of its ID, and HTTP Basic client auth too.
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/{DEFAULT_TENANT_DOMAIN}/oauth2/v2.0/token",
            sb.urls().entra_login()
        ))
        .basic_auth(
            TOOL_APP_ID,
            Some(connect_sso_sandbox::entra::TOOL_CLIENT_SECRET),
        )
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(resp.status(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn graph_refuses_missing_or_forged_tokens_with_401_and_insufficient_roles_with_403() {
    let sb = start().await;
    let url = format!("{}/v1.0/applications", sb.urls().graph());
    let resp = reqwest::get(&url).await.expect("graph");
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    assert!(body["error"]["innerError"]["request-id"].is_string());

    let good = token_for(
        &sb,
        TOOL_APP_ID,
        connect_sso_sandbox::entra::TOOL_CLIENT_SECRET,
    )
    .await;
    // Flip one character of the signature.
    let mut forged = good.clone();
    let last = forged.pop().expect("non-empty");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    for token in ["garbage", forged.as_str()] {
        let (status, body) = Graph::with_token(&sb, token.to_string())
            .get("applications")
            .await;
        assert_eq!(status, 401, "{token}");
        assert_eq!(body["error"]["code"], "InvalidAuthenticationToken");
    }

    let ro = Graph::with_token(
        &sb,
        token_for(&sb, READONLY_APP_ID, READONLY_CLIENT_SECRET).await,
    );
    let (status, _) = ro.get("applications").await;
    assert_eq!(status, 200);
    let (status, body) = ro
        .post(
            "applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate",
            json!({"displayName": "x"}),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["error"]["code"], "Authorization_RequestDenied");

    sb.shutdown().await;
}

/// Regression: the Graph router's fallback was not reached through two levels of nesting,
/// so unknown paths answered an empty 404 instead of Graph's 400 BadRequest.
#[tokio::test]
async fn unknown_graph_segment_gets_graphs_400_not_an_empty_404() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    for path in [
        "nonsense",
        "servicePrincipals/x/y/z/unknown",
        "applications(displayName='x')",
    ] {
        let (status, body) = g.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "BadRequest");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn lists_support_filter_select_and_top_paging() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect (filter)", AWS_ACS).await;

    let list = g
        .ok(
            Method::GET,
            &format!("servicePrincipals?$filter=appId eq '{}'", app.app_id),
            None,
            200,
        )
        .await;
    assert_eq!(list["value"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["value"][0]["id"], app.sp_id.as_str());
    assert_eq!(list["value"][0]["preferredSingleSignOnMode"], "saml");
    assert_eq!(
        list["value"][0]["samlSingleSignOnSettings"]["relayState"],
        RELAY_STATE
    );
    assert!(
        list["@odata.context"]
            .as_str()
            .is_some_and(|c| c.ends_with("$metadata#servicePrincipals"))
    );

    let list = g
        .ok(
            Method::GET,
            "applications?$filter=startswith(displayName,'amazon connect')&$select=id,appId",
            None,
            200,
        )
        .await;
    let first = &list["value"][0];
    assert_eq!(first["appId"], app.app_id.as_str());
    assert_eq!(
        first.as_object().map(|o| o.len()),
        Some(2),
        "only selected properties: {first}"
    );

    // Alternate key addressing.
    let sp = g
        .ok(
            Method::GET,
            &format!("servicePrincipals(appId='{}')", app.app_id),
            None,
            200,
        )
        .await;
    assert_eq!(sp["id"], app.sp_id.as_str());
    let a = g
        .ok(
            Method::GET,
            &format!("applications(appId='{}')?$select=id", app.app_id),
            None,
            200,
        )
        .await;
    assert_eq!(a["id"], app.object_id.as_str());
    g.ok(
        Method::PATCH,
        &format!("servicePrincipals(appId='{}')", app.app_id),
        Some(json!({"notificationEmailAddresses": ["ops@contoso.com"]})),
        204,
    )
    .await;
    let (status, _) = g
        .get("servicePrincipals(appId='00000000-0000-4000-8000-00000000dead')")
        .await;
    assert_eq!(status, 404);

    let list = g
        .ok(
            Method::GET,
            "applications?$filter=identifierUris/any(x:x eq 'https://signin.aws.amazon.com/saml')",
            None,
            200,
        )
        .await;
    assert_eq!(list["value"][0]["id"], app.object_id.as_str());

    let list = g
        .ok(
            Method::GET,
            &format!("users?$filter=userPrincipalName eq '{USER_ALICE_UPN}'"),
            None,
            200,
        )
        .await;
    assert_eq!(list["value"][0]["id"], USER_ALICE_ID);
    // Users: default property set unless $select.
    assert!(list["value"][0].get("accountEnabled").is_none());
    let u = g
        .ok(
            Method::GET,
            &format!("users/{USER_ALICE_ID}?$select=accountEnabled,userType"),
            None,
            200,
        )
        .await;
    assert_eq!(u["accountEnabled"], true);

    // Paging: $top=2 over the 4 seeded users, following nextLink to the end.
    let mut seen = Vec::new();
    let mut next = Some("users?$top=2&$select=userPrincipalName".to_string());
    let mut pages = 0;
    while let Some(url) = next {
        let page = g.ok(Method::GET, &url, None, 200).await;
        pages += 1;
        for u in page["value"].as_array().expect("value") {
            seen.push(u["userPrincipalName"].as_str().expect("upn").to_string());
        }
        next = page["@odata.nextLink"].as_str().map(str::to_string);
    }
    assert_eq!(pages, 2);
    assert_eq!(seen.len(), 4);
    assert!(seen.contains(&USER_GUEST_UPN.to_string()));

    let (status, body) = g.get("users?$filter=userPrincipalName gt 'a'").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = g.get("users?$top=0").await;
    assert_eq!(status, 400);
    sb.shutdown().await;
}

#[tokio::test]
async fn enabled_app_role_must_be_disabled_before_removal_and_identifiers_are_unique() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let path = format!("applications/{}", app.object_id);
    let current = g.ok(Method::GET, &path, None, 200).await;
    let roles = current["appRoles"].as_array().expect("roles").clone();
    let without: Vec<Value> = roles
        .iter()
        .filter(|r| r["id"] != app.agent_role_id.as_str())
        .cloned()
        .collect();

    let (status, body) = g.patch(&path, json!({"appRoles": without})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["code"],
        "CannotDeleteOrUpdateEnabledEntitlement"
    );

    let disabled: Vec<Value> = roles
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if r["id"] == app.agent_role_id.as_str() {
                r["isEnabled"] = json!(false);
            }
            r
        })
        .collect();
    g.ok(
        Method::PATCH,
        &path,
        Some(json!({"appRoles": disabled})),
        204,
    )
    .await;
    g.ok(
        Method::PATCH,
        &path,
        Some(json!({"appRoles": without})),
        204,
    )
    .await;

    // Another app cannot take the same identifier (that is why `#2` exists, docs/facts.md §4).
    let other = configure_aws_app(
        &g,
        "Amazon Connect 2",
        "https://signin.aws.amazon.com/saml#2",
    )
    .await;
    let (status, body) = g
        .patch(
            &format!("applications/{}", other.object_id),
            json!({"identifierUris": [AWS_ACS]}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("identifierUris"))
    );

    // Bad values and unknown properties are refused.
    let (status, _) = g
        .patch(&path, json!({"identifierUris": ["not a uri"]}))
        .await;
    assert_eq!(status, 400);
    let (status, _) = g
        .patch(
            &format!("servicePrincipals/{}", app.sp_id),
            json!({"preferredSingleSignOnMode": "kerberos"}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = g
        .patch(
            &format!("servicePrincipals/{}", app.sp_id),
            json!({"preferredTokenSigningKeyThumbprint": "00FF"}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = g
        .patch(&path, json!({"isDeviceOnlyAuthSupported": true}))
        .await;
    assert_eq!(status, 400);
    let (status, _) = g.call(Method::PATCH, &path, None).await;
    assert_eq!(status, 400, "empty body");

    // Delete takes the service principal with it.
    g.ok(Method::DELETE, &path, None, 204).await;
    let (status, body) = g.get(&format!("servicePrincipals/{}", app.sp_id)).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "Request_ResourceNotFound");
    sb.shutdown().await;
}

#[tokio::test]
async fn service_principal_lists_key_credentials_policies_and_assignments() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let sp = g
        .ok(
            Method::GET,
            &format!(
                "servicePrincipals/{}?$select=keyCredentials,preferredTokenSigningKeyThumbprint",
                app.sp_id
            ),
            None,
            200,
        )
        .await;
    assert_eq!(
        sp["preferredTokenSigningKeyThumbprint"],
        app.thumbprint.as_str()
    );
    let keys = sp["keyCredentials"].as_array().expect("keyCredentials");
    let verify: Vec<&Value> = keys.iter().filter(|k| k["usage"] == "Verify").collect();
    assert_eq!(verify.len(), 1);
    let cert = connect_sso_saml::Certificate::from_base64(
        verify[0]["key"].as_str().expect("key on $select"),
    )
    .expect("a certificate");
    assert_eq!(cert.thumbprint_sha1(), app.thumbprint);
    assert_eq!(cert.subject(), "CN=connect-sso test");
    assert!(keys.iter().any(|k| k["usage"] == "Sign"));

    let policies = g
        .ok(
            Method::GET,
            &format!("servicePrincipals/{}/claimsMappingPolicies", app.sp_id),
            None,
            200,
        )
        .await;
    assert_eq!(policies["value"][0]["id"], app.policy_id.as_str());
    // Adding the same policy twice, or a second one, is refused.
    let policy_ref = json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/policies/claimsMappingPolicies/{}", app.policy_id)});
    let (status, _) = g
        .post(
            &format!("servicePrincipals/{}/claimsMappingPolicies/$ref", app.sp_id),
            policy_ref,
        )
        .await;
    assert_eq!(status, 400);
    g.ok(
        Method::DELETE,
        &format!(
            "servicePrincipals/{}/claimsMappingPolicies/{}/$ref",
            app.sp_id, app.policy_id
        ),
        None,
        204,
    )
    .await;
    let policies = g
        .ok(
            Method::GET,
            &format!("servicePrincipals/{}/claimsMappingPolicies", app.sp_id),
            None,
            200,
        )
        .await;
    assert_eq!(policies["value"], json!([]));
    // Malformed definition.
    let (status, _) = g
        .post(
            "policies/claimsMappingPolicies",
            json!({"definition": ["{not json"], "displayName": "bad"}),
        )
        .await;
    assert_eq!(status, 400);

    let assigned = g
        .ok(
            Method::GET,
            &format!("servicePrincipals/{}/appRoleAssignedTo", app.sp_id),
            None,
            200,
        )
        .await;
    let list = assigned["value"].as_array().expect("value");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["principalId"], GROUP_AGENTS_ID);
    // Duplicate and unknown role are refused; delete works.
    let body = json!({"principalId": GROUP_AGENTS_ID, "resourceId": app.sp_id, "appRoleId": app.agent_role_id});
    let (status, _) = g
        .post(
            &format!("servicePrincipals/{}/appRoleAssignedTo", app.sp_id),
            body,
        )
        .await;
    assert_eq!(status, 400);
    let body = json!({"principalId": GROUP_AGENTS_ID, "resourceId": app.sp_id, "appRoleId": uuid::Uuid::new_v4().to_string()});
    let (status, _) = g
        .post(
            &format!("servicePrincipals/{}/appRoleAssignedTo", app.sp_id),
            body,
        )
        .await;
    assert_eq!(status, 400);
    let id = list[0]["id"].as_str().expect("id");
    g.ok(
        Method::DELETE,
        &format!("servicePrincipals/{}/appRoleAssignedTo/{id}", app.sp_id),
        None,
        204,
    )
    .await;
    sb.shutdown().await;
}

#[tokio::test]
async fn eventual_consistency_hides_new_objects_when_enabled() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let resp = reqwest::Client::new()
        .put(format!("{}/_sandbox/consistency", sb.urls().entra_login()))
        .json(&json!({"delayMs": 600_000}))
        .send()
        .await
        .expect("admin");
    assert_eq!(resp.status(), 200);
    let created = g
        .ok(
            Method::POST,
            "applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate",
            Some(json!({"displayName": "Not yet"})),
            201,
        )
        .await;
    let sp_id = created["servicePrincipal"]["id"].as_str().expect("sp id");
    let (status, _) = g.get(&format!("servicePrincipals/{sp_id}")).await;
    assert_eq!(
        status, 404,
        "a new object is invisible until replicated (docs/facts.md §4 step 1: poll)"
    );
    let (status, _) = g
        .patch(
            &format!("servicePrincipals/{sp_id}"),
            json!({"preferredSingleSignOnMode": "saml"}),
        )
        .await;
    assert_eq!(status, 404);
    let list = g
        .ok(
            Method::GET,
            "applications?$filter=displayName eq 'Not yet'",
            None,
            200,
        )
        .await;
    assert_eq!(list["value"], json!([]));
    sb.shutdown().await;
}

#[tokio::test]
async fn users_and_groups_delta_round_trip_reports_changes_and_removals() {
    let sb = start().await;
    let admin = Graph::with_token(&sb, token_for(&sb, ADMIN_APP_ID, ADMIN_CLIENT_SECRET).await);
    let g = Graph::tool(&sb).await;

    // Initial round, 3 a page: every user, then a deltaLink.
    let mut url = "users/delta?$select=displayName,userPrincipalName&$top=3".to_string();
    let mut initial = Vec::new();
    let delta_link = loop {
        let page = g.ok(Method::GET, &url, None, 200).await;
        initial.extend(page["value"].as_array().expect("value").iter().cloned());
        if let Some(next) = page["@odata.nextLink"].as_str() {
            assert!(page.get("@odata.deltaLink").is_none());
            url = next.to_string();
        } else {
            break page["@odata.deltaLink"]
                .as_str()
                .expect("deltaLink")
                .to_string();
        }
    };
    assert_eq!(initial.len(), 4);
    assert!(
        initial.iter().all(|u| u.get("mail").is_none()),
        "$select carried into pages"
    );

    // Nothing changed: empty.
    let page = g.ok(Method::GET, &delta_link, None, 200).await;
    assert_eq!(page["value"], json!([]));
    let delta_link = page["@odata.deltaLink"]
        .as_str()
        .expect("deltaLink")
        .to_string();

    // Create, change, delete through Graph.
    let new_user = admin
        .ok(
            Method::POST,
            "users",
            Some(json!({
                "accountEnabled": true, "displayName": "Erin Example", "mailNickname": "erin",
                "userPrincipalName": "erin@contoso.com",
                "passwordProfile": {"password": "Erin-Passw0rd!", "forceChangePasswordNextSignIn": false}
            })),
            201,
        )
        .await;
    let erin = new_user["id"].as_str().expect("id").to_string();
    admin
        .ok(
            Method::PATCH,
            &format!("users/{USER_ALICE_ID}"),
            Some(json!({"displayName": "Alice A. Agent"})),
            204,
        )
        .await;
    admin
        .ok(
            Method::DELETE,
            &format!("users/{}", connect_sso_sandbox::entra::USER_CAROL_ID),
            None,
            204,
        )
        .await;

    let page = g.ok(Method::GET, &delta_link, None, 200).await;
    let changes = page["value"].as_array().expect("value");
    assert_eq!(changes.len(), 3, "{page}");
    let by_id = |id: &str| {
        changes
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .expect("change present")
    };
    assert_eq!(by_id(&erin)["userPrincipalName"], "erin@contoso.com");
    assert_eq!(by_id(USER_ALICE_ID)["displayName"], "Alice A. Agent");
    assert_eq!(
        by_id(connect_sso_sandbox::entra::USER_CAROL_ID)["@removed"]["reason"],
        "changed"
    );

    // Groups: membership changes come as members@delta.
    let page = g
        .ok(
            Method::GET,
            "groups/delta?$select=displayName,members",
            None,
            200,
        )
        .await;
    let agents = page["value"]
        .as_array()
        .expect("value")
        .iter()
        .find(|v| v["id"] == GROUP_AGENTS_ID)
        .cloned()
        .expect("agents");
    assert_eq!(agents["members@delta"].as_array().map(Vec::len), Some(2));
    let group_link = page["@odata.deltaLink"]
        .as_str()
        .expect("deltaLink")
        .to_string();
    admin
        .ok(
            Method::POST,
            &format!("groups/{GROUP_AGENTS_ID}/members/$ref"),
            Some(json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{erin}")})),
            204,
        )
        .await;
    admin
        .ok(
            Method::DELETE,
            &format!("groups/{GROUP_AGENTS_ID}/members/{USER_ALICE_ID}/$ref"),
            None,
            204,
        )
        .await;
    let page = g.ok(Method::GET, &group_link, None, 200).await;
    let members = page["value"][0]["members@delta"]
        .as_array()
        .expect("members@delta")
        .clone();
    assert!(
        members
            .iter()
            .any(|m| m["id"] == erin.as_str() && m.get("@removed").is_none())
    );
    assert!(
        members
            .iter()
            .any(|m| m["id"] == USER_ALICE_ID && m["@removed"]["reason"] == "deleted")
    );

    let transitive = g
        .ok(
            Method::GET,
            &format!("groups/{GROUP_AGENTS_ID}/transitiveMembers"),
            None,
            200,
        )
        .await;
    assert!(
        transitive["value"]
            .as_array()
            .expect("value")
            .iter()
            .all(|m| m["@odata.type"] == "#microsoft.graph.user")
    );

    let (status, _) = g.get("users/delta?$deltatoken=not-a-token").await;
    assert_eq!(status, 400);
    // The tool's app may read but not write users.
    let (status, _) = g
        .patch(
            &format!("users/{USER_ALICE_ID}"),
            json!({"displayName": "x"}),
        )
        .await;
    assert_eq!(status, 403);
    sb.shutdown().await;
}

#[tokio::test]
async fn extra_users_are_generated_pageable_and_can_sign_in() {
    let sb = connect_sso_sandbox::Sandbox::start(connect_sso_sandbox::Config {
        extra_users: 1500,
        ..connect_sso_sandbox::Config::default()
    })
    .await
    .expect("start");
    let g = Graph::tool(&sb).await;
    let mut next = Some("users?$top=999&$select=id".to_string());
    let mut count = 0;
    let mut pages = 0;
    while let Some(url) = next {
        let page = g.ok(Method::GET, &url, None, 200).await;
        count += page["value"].as_array().map_or(0, Vec::len);
        pages += 1;
        next = page["@odata.nextLink"].as_str().map(str::to_string);
    }
    assert_eq!((count, pages), (1504, 2));
    let members = g
        .ok(
            Method::GET,
            &format!("groups/{GROUP_AGENTS_ID}/members?$top=999"),
            None,
            200,
        )
        .await;
    assert!(
        members["@odata.nextLink"].is_string(),
        "1353 direct members (1350 generated, the nested group, alice, dave) need a second page"
    );

    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let posted = sign_in(
        &sb,
        &browser_like_client(),
        &app.app_id,
        "user01499@contoso.com",
        connect_sso_sandbox::entra::DEMO_PASSWORD,
    )
    .await
    .posted();
    assert!(
        String::from_utf8(posted.xml())
            .expect("utf-8")
            .contains("user01499@contoso.com")
    );
    sb.shutdown().await;
}

/// `sandbox serve --users N`: most generated users are direct agents, every tenth is an agent
/// through a nested group, every hundredth a guest, every 250th has the previous user's UPN
/// with another case as its mail; all deterministic.
#[tokio::test]
async fn extra_users_include_nested_agents_guests_and_case_collisions() {
    use connect_sso_sandbox::entra::{
        EXTRA_CASE_COLLISION_EVERY, EXTRA_GUEST_EVERY, EXTRA_NESTED_EVERY, GROUP_NESTED_AGENTS_ID,
        extra_user_id, extra_user_upn,
    };
    let sb = connect_sso_sandbox::Sandbox::start(connect_sso_sandbox::Config {
        extra_users: 500,
        seed_demo: false,
        ..connect_sso_sandbox::Config::default()
    })
    .await
    .expect("start");
    assert_eq!(
        (
            EXTRA_NESTED_EVERY,
            EXTRA_GUEST_EVERY,
            EXTRA_CASE_COLLISION_EVERY
        ),
        (10, 100, 250)
    );
    let g = Graph::tool(&sb).await;
    let ids = |v: &Value| -> Vec<String> {
        v["value"]
            .as_array()
            .expect("value")
            .iter()
            .map(|m| m["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let direct = g
        .ok(
            Method::GET,
            &format!("groups/{GROUP_AGENTS_ID}/members?$top=999"),
            None,
            200,
        )
        .await;
    let direct = ids(&direct);
    assert_eq!(
        direct.len(),
        451,
        "450 generated users and the nested group"
    );
    assert!(direct.contains(&GROUP_NESTED_AGENTS_ID.to_string()));
    let nested = g
        .ok(
            Method::GET,
            &format!("groups/{GROUP_NESTED_AGENTS_ID}/members?$top=999"),
            None,
            200,
        )
        .await;
    let want: Vec<String> = (1..=50).map(|k| extra_user_id(k * 10)).collect();
    assert_eq!(ids(&nested), want);
    let all = g
        .ok(
            Method::GET,
            &format!("groups/{GROUP_AGENTS_ID}/transitiveMembers?$top=999"),
            None,
            200,
        )
        .await;
    assert_eq!(
        ids(&all).len(),
        501,
        "every generated user is an agent, and the nested group"
    );

    let guest = g
        .ok(
            Method::GET,
            &format!(
                "users/{}?$select=userPrincipalName,userType",
                extra_user_id(100)
            ),
            None,
            200,
        )
        .await;
    assert_eq!(
        guest["userPrincipalName"],
        "user00100_fabrikam.com#EXT#@contoso.onmicrosoft.com"
    );
    assert_eq!(guest["userType"], "Guest");
    assert_eq!(
        extra_user_upn(100),
        guest["userPrincipalName"].as_str().unwrap_or_default()
    );
    let select = "?$select=userPrincipalName,mail";
    let before = g
        .ok(
            Method::GET,
            &format!("users/{}{select}", extra_user_id(249)),
            None,
            200,
        )
        .await;
    let collision = g
        .ok(
            Method::GET,
            &format!("users/{}{select}", extra_user_id(250)),
            None,
            200,
        )
        .await;
    assert_eq!(before["mail"], "user00249@contoso.com");
    assert_eq!(
        collision["mail"], "User00249@contoso.com",
        "differs only in case"
    );
    assert_eq!(
        collision["userPrincipalName"], "user00250@contoso.com",
        "UPNs stay unique"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn scripted_throttling_answers_429_with_retry_after_then_recovers() {
    let sb = start().await;
    let g = Graph::tool(&sb).await;
    let resp = reqwest::Client::new()
        .put(format!("{}/_sandbox/throttle", sb.urls().entra_login()))
        .json(&json!({"requests": 2, "retryAfterSeconds": 3}))
        .send()
        .await
        .expect("admin");
    assert_eq!(resp.status(), 200);
    for _ in 0..2 {
        let resp = reqwest::Client::new()
            .get(format!("{}/v1.0/users", sb.urls().graph()))
            .bearer_auth(
                token_for(
                    &sb,
                    TOOL_APP_ID,
                    connect_sso_sandbox::entra::TOOL_CLIENT_SECRET,
                )
                .await,
            )
            .send()
            .await
            .expect("graph");
        assert_eq!(resp.status(), 429);
        assert_eq!(
            resp.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("3")
        );
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body["error"]["code"], "TooManyRequests");
    }
    let (status, _) = g.get("users").await;
    assert_eq!(status, 200);
    sb.shutdown().await;
}
