//! The Entra emulation's provisioning job end to end: assigned groups and their users pushed
//! over SCIM into Identity Center's identity store; unassignment disables; a wrong token
//! quarantines the job.

use connect_sso_sandbox::entra::{
    ADMIN_APP_ID, ADMIN_CLIENT_SECRET, USER_ALICE_ID, USER_ALICE_UPN, USER_BOB_ID, USER_BOB_UPN,
};
use reqwest::Method;
use serde_json::{Value, json};

use super::{Scim, enable_provisioning};
use crate::entra::{Graph, start, token_for};

const ZERO_ROLE: &str = "00000000-0000-0000-0000-000000000000";

async fn group(g: &Graph, name: &str, members: &[&str]) -> String {
    let body = json!({"displayName": name, "mailNickname": name.replace(' ', ""),
        "mailEnabled": false, "securityEnabled": true});
    let created = g.ok(Method::POST, "groups", Some(body), 201).await;
    let id = created["id"].as_str().expect("group id").to_string();
    for m in members {
        let r =
            json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{m}")});
        g.ok(
            Method::POST,
            &format!("groups/{id}/members/$ref"),
            Some(r),
            204,
        )
        .await;
    }
    id
}

async fn assign(g: &Graph, sp: &str, principal: &str) -> String {
    let body = json!({"principalId": principal, "resourceId": sp, "appRoleId": ZERO_ROLE});
    let a = g
        .ok(
            Method::POST,
            &format!("servicePrincipals/{sp}/appRoleAssignedTo"),
            Some(body),
            201,
        )
        .await;
    a["id"].as_str().expect("assignment id").to_string()
}

async fn secrets(g: &Graph, sp: &str, base: &str, token: &str) {
    let body = json!({"value": [{"key": "BaseAddress", "value": base},
        {"key": "SecretToken", "value": token}]});
    let (s, v) = g
        .call(
            Method::PUT,
            &format!("servicePrincipals/{sp}/synchronization/secrets"),
            Some(body),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    assert!(!v.to_string().contains(token), "the secret is never echoed");
}

async fn run(g: &Graph, sp: &str, job: &str) -> Value {
    let jobs = format!("servicePrincipals/{sp}/synchronization/jobs/{job}");
    g.ok(Method::POST, &format!("{jobs}/start"), None, 204)
        .await;
    g.ok(Method::GET, &jobs, None, 200).await
}

async fn lookup(scim: &Scim, set: &str, attr: &str, value: &str) -> Value {
    let f = format!("{attr} eq \"{value}\"");
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", &f)
        .finish();
    scim.ok(Method::GET, &format!("/{set}?{q}"), None, 200)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioning_job_pushes_assigned_groups_and_users_then_disables_and_quarantines() {
    let sb = start().await;
    let g = Graph::with_token(&sb, token_for(&sb, ADMIN_APP_ID, ADMIN_CLIENT_SECRET).await);
    let app = g
        .ok(
            Method::POST,
            "applicationTemplates/8adf8e6e-67b2-4cf2-a259-e3dc5476c621/instantiate",
            Some(json!({"displayName": "AWS IAM Identity Center"})),
            201,
        )
        .await;
    let sp = app["servicePrincipal"]["id"]
        .as_str()
        .expect("sp id")
        .to_string();
    let agents = group(&g, "IC Agents", &[USER_ALICE_ID, USER_BOB_ID]).await;
    let supervisors = group(&g, "IC Supervisors", &[USER_BOB_ID]).await;
    let agents_assignment = assign(&g, &sp, &agents).await;
    assign(&g, &sp, &supervisors).await;

    let (endpoint, token) = enable_provisioning(&sb).await;
    assert!(
        endpoint.starts_with("https://scim.us-east-1.amazonaws.com/"),
        "{endpoint}"
    );
    let job = g
        .ok(
            Method::POST,
            &format!("servicePrincipals/{sp}/synchronization/jobs"),
            Some(json!({"templateId": "aWSSingleSignOn"})),
            201,
        )
        .await;
    assert_eq!(job["templateId"], "aWSSingleSignOn");
    assert_eq!(job["status"]["code"], "NotRun");
    let job_id = job["id"].as_str().expect("job id").to_string();
    secrets(&g, &sp, &endpoint, &token).await;

    let status = run(&g, &sp, &job_id).await;
    assert_eq!(status["status"]["code"], "Active", "{status}");
    let last = &status["status"]["lastExecution"];
    assert_eq!(last["state"], "Succeeded", "{status}");
    assert_eq!(last["countEntitled"], 4); // two users, two groups
    assert_eq!(last["countExported"], 4);

    let scim = Scim::with_token(&sb, &token);
    let alice = lookup(&scim, "Users", "userName", USER_ALICE_UPN).await;
    let alice = &alice["Resources"][0];
    assert_eq!(alice["externalId"], USER_ALICE_ID);
    assert_eq!(alice["emails"][0]["value"], USER_ALICE_UPN);
    assert_eq!(alice["name"]["givenName"], "Alice");
    assert_eq!(alice["active"], true);
    let bob = lookup(&scim, "Users", "userName", USER_BOB_UPN).await;
    let bob_id = bob["Resources"][0]["id"].as_str().expect("bob").to_string();
    let alice_id = alice["id"].as_str().expect("alice").to_string();
    assert_eq!(
        lookup(&scim, "Groups", "members", &bob_id).await["totalResults"],
        2
    );
    assert_eq!(
        lookup(&scim, "Groups", "members", &alice_id).await["totalResults"],
        1
    );
    let ic_agents = lookup(&scim, "Groups", "displayName", "IC Agents").await;
    assert_eq!(ic_agents["Resources"][0]["externalId"], agents.as_str());

    // A second cycle changes nothing; then unassigning the agents group disables Alice only.
    let again = run(&g, &sp, &job_id).await;
    assert_eq!(
        again["status"]["lastExecution"]["state"], "Succeeded",
        "{again}"
    );
    assert_eq!(
        lookup(&scim, "Users", "userName", USER_ALICE_UPN).await["totalResults"],
        1
    );
    g.ok(
        Method::DELETE,
        &format!("servicePrincipals/{sp}/appRoleAssignedTo/{agents_assignment}"),
        None,
        204,
    )
    .await;
    run(&g, &sp, &job_id).await;
    let alice = lookup(&scim, "Users", "userName", USER_ALICE_UPN).await;
    assert_eq!(alice["Resources"][0]["active"], false);
    let bob = lookup(&scim, "Users", "userName", USER_BOB_UPN).await;
    assert_eq!(bob["Resources"][0]["active"], true);

    // A wrong token: the cycle stops and the job says why.
    secrets(&g, &sp, &endpoint, "not-the-token").await;
    let failed = run(&g, &sp, &job_id).await;
    assert_eq!(failed["status"]["code"], "Quarantine", "{failed}");
    let error = &failed["status"]["lastExecution"]["error"];
    assert!(
        error["code"]
            .as_str()
            .unwrap_or_default()
            .contains("Unauthorized"),
        "{failed}"
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("401"),
        "{failed}"
    );
    assert!(!failed.to_string().contains("not-the-token"));
}
