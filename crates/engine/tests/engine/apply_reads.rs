//! What apply costs and how it behaves on eventually consistent clouds, counted by the sandbox:
//! reads per apply and plan, no mutating call on a second apply, convergence under stale
//! Graph reads, and the round trip of a step a person does in a console.

use std::collections::BTreeMap;

use connect_sso_engine::apply::{Clients, apply};
use connect_sso_engine::{Action, Error, Resource};
use connect_sso_spec::SettingsBy;

use crate::sandbox::{FULL_APPLY_STEPS, World, quiet, world};

/// Requests the sandbox saw since the last reset, split into reads and mutating calls (the
/// token endpoint is neither).
#[derive(Debug, Default)]
struct Calls {
    reads: u64,
    mutating: u64,
    by_api: BTreeMap<String, u64>,
}

async fn admin(w: &World, method: reqwest::Method, path: &str) -> serde_json::Value {
    let r = reqwest::Client::new()
        .request(method, format!("{}{path}", w.sandbox.urls().base()))
        .send()
        .await
        .expect("admin call");
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.expect("admin JSON")
}

async fn reset_counts(w: &World) {
    admin(w, reqwest::Method::DELETE, "/aws/_admin/requests").await;
    admin(w, reqwest::Method::DELETE, "/entra/_sandbox/requests").await;
}

fn is_aws_read(api: &str) -> bool {
    ["Get", "List", "Describe", "Search"]
        .iter()
        .any(|p| api.starts_with(p))
}

async fn counts(w: &World) -> Calls {
    let mut calls = Calls::default();
    let aws = admin(w, reqwest::Method::GET, "/aws/_admin/requests").await;
    for (service, apis) in aws.as_object().into_iter().flatten() {
        for (api, n) in apis.as_object().into_iter().flatten() {
            let n = n["requests"].as_u64().unwrap_or(0);
            if is_aws_read(api) {
                calls.reads += n;
            } else {
                calls.mutating += n;
            }
            calls.by_api.insert(format!("{service}:{api}"), n);
        }
    }
    let entra = admin(w, reqwest::Method::GET, "/entra/_sandbox/requests").await;
    for (route, n) in entra.as_object().into_iter().flatten() {
        let n = n.as_u64().unwrap_or(0);
        if route.ends_with("/oauth2/v2.0/token") {
            continue;
        }
        if route.starts_with("GET ") {
            calls.reads += n;
        } else {
            calls.mutating += n;
        }
        calls.by_api.insert(format!("entra:{route}"), n);
    }
    calls
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_from_empty_reads_at_most_70_a_plan_20_and_a_second_apply_changes_nothing() {
    let w = world().await;
    let clients = Clients::new(&w.graph, &w.aws);
    reset_counts(&w).await;
    let report = apply(&clients, &w.spec, None, &quiet)
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    assert_eq!(report.executed.len(), FULL_APPLY_STEPS);
    let first = counts(&w).await;
    eprintln!("apply from empty: {first:#?}");
    assert!(
        first.reads <= 70,
        "apply from empty read {} times",
        first.reads
    );

    reset_counts(&w).await;
    let snap = clients.observe(&w.spec).await.expect("observe");
    assert!(clients.plan(&w.spec, &snap).is_empty());
    let plan = counts(&w).await;
    eprintln!("no-change plan: {plan:#?}");
    assert!(
        plan.reads <= 20,
        "a no-change plan read {} times",
        plan.reads
    );
    assert_eq!(plan.mutating, 0);

    reset_counts(&w).await;
    let again = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect("second apply");
    assert!(again.executed.is_empty());
    let second = counts(&w).await;
    assert_eq!(second.mutating, 0, "second apply: {:?}", second.by_api);
    eprintln!(
        "figures: apply from empty {} reads, {} writes; no-change plan {} reads; second apply {} reads, 0 writes",
        first.reads, first.mutating, plan.reads, second.reads
    );
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_from_empty_converges_while_graph_serves_stale_reads_after_each_patch() {
    let w = world().await;
    let r = reqwest::Client::new()
        .put(format!(
            "{}/entra/_sandbox/consistency",
            w.sandbox.urls().base()
        ))
        .json(&serde_json::json!({"staleReadMs": 1500}))
        .send()
        .await
        .expect("admin call");
    assert!(r.status().is_success());
    let clients = Clients::new(&w.graph, &w.aws);
    let report = apply(&clients, &w.spec, None, &quiet)
        .await
        .unwrap_or_else(|e| panic!("apply under stale reads failed: {e}"));
    assert_eq!(report.executed.len(), FULL_APPLY_STEPS, "no step ran twice");
    // Once the stale window has passed, nothing is left to do.
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let again = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect("second apply");
    assert!(again.executed.is_empty(), "{:?}", again.executed);
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manual_step_stops_apply_with_the_exact_values_and_the_next_apply_verifies_and_continues() {
    let mut w = world().await;
    w.spec.entra.basic_saml_configuration = SettingsBy::Console;
    let clients = Clients::new(&w.graph, &w.aws);
    let err = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect_err("apply stops at the manual step");
    let Error::Manual { step, done } = err else {
        panic!("expected a manual step, got {err}");
    };
    assert_eq!(step.resource, Resource::RelayState);
    assert_eq!(step.action, Action::Manual);
    let manual = step.manual.as_ref().expect("what to enter");
    let [(field, relay)] = manual.enter.as_slice() else {
        panic!("one value: {:?}", manual.enter);
    };
    assert_eq!(field, "Relay State (Optional)");
    let snap = clients.observe(&w.spec).await.expect("observe");
    let instance = snap.handles.instance.as_ref().expect("instance").id.clone();
    assert!(relay.contains(&instance), "{relay}");
    assert!(done >= 9, "the API steps before it ran: {done}");

    // Not done yet: the same step again, nothing else runs.
    let err = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect_err("still manual");
    assert!(matches!(err, Error::Manual { done: 0, .. }), "{err}");

    // A person saves the page (the sandbox's stand-in for the portal).
    let sp = snap.handles.sp().expect("service principal").id.clone();
    let r = reqwest::Client::new()
        .put(format!(
            "{}/entra/_sandbox/servicePrincipals/{sp}/basicSamlConfiguration",
            w.sandbox.urls().base()
        ))
        .json(&serde_json::json!({"relayState": relay}))
        .send()
        .await
        .expect("admin call");
    assert!(r.status().is_success());

    let report = apply(&clients, &w.spec, None, &quiet)
        .await
        .unwrap_or_else(|e| panic!("apply after the manual step failed: {e}"));
    let ran: Vec<Resource> = report.executed.iter().map(|s| s.resource).collect();
    assert_eq!(ran, [Resource::GroupAssignments]);
    let again = apply(&clients, &w.spec, None, &quiet).await.expect("third");
    assert!(again.executed.is_empty());
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_engine_clock_a_certificate_near_expiry_is_replaced_and_iam_told() {
    use std::sync::atomic::{AtomicI64, Ordering};
    let mut w = world().await;
    w.spec.entra.certificate_years = 1;
    // The engine reads the sandbox's clock, plus an offset this test moves. (Moving the
    // sandbox's own clock a year would also expire the tool's client secret and the SDK's
    // request signatures, as the clouds would.)
    let clock = w.sandbox.state.clock.clone();
    let ahead = std::sync::Arc::new(AtomicI64::new(0));
    let offset = ahead.clone();
    let now = move || clock.now() + time::Duration::seconds(offset.load(Ordering::SeqCst));
    let clients = Clients::new(&w.graph, &w.aws).with_clock(&now);
    apply(&clients, &w.spec, None, &quiet)
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    // A year less two weeks later: the one-year certificate has less than 30 days left. The
    // spec now asks for three-year certificates.
    ahead.store((365 - 14) * 24 * 3600, Ordering::SeqCst);
    w.spec.entra.certificate_years = 3;
    let report = apply(&clients, &w.spec, None, &quiet)
        .await
        .unwrap_or_else(|e| panic!("apply after the clock moved failed: {e}"));
    let ran: Vec<(Resource, Action)> = report
        .executed
        .iter()
        .map(|s| (s.resource, s.action))
        .collect();
    assert_eq!(
        ran,
        [
            (Resource::SigningCertificate, Action::Create),
            (Resource::SamlProvider, Action::Update),
        ]
    );
    let again = apply(&clients, &w.spec, None, &quiet).await.expect("third");
    assert!(again.executed.is_empty(), "{:?}", again.executed);
    w.sandbox.shutdown().await;
}
