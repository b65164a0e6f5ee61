//! apply / plan / destroy against the sandbox, through the real adapters (reqwest for Graph,
//! aws-sdk-rust for AWS) over HTTP on loopback.

use std::sync::Mutex;

use connect_sso_engine::apply::{Clients, Event, apply, destroy};
use connect_sso_engine::observe::observe;
use connect_sso_engine::plan;
use connect_sso_sandbox::entra;
use connect_sso_testkit::peer;

pub(crate) use connect_sso_testkit::World;

/// A sandbox world of its own (its own AWS pacer and Graph gate: each sandbox is a cloud of its
/// own), with the starter spec.
pub(crate) async fn world() -> World {
    World::start().await
}

pub(crate) fn quiet(_: Event<'_>) {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_from_empty_converges_then_second_apply_changes_nothing_then_destroy_empties() {
    let w = world().await;
    let clients = Clients::new(&w.graph, &w.aws);

    let steps = Mutex::new(Vec::new());
    let report = apply(&clients, &w.spec, None, &|e| {
        if let Event::StepDone(s, _) = e {
            steps.lock().expect("lock").push(s.resource.to_string());
        }
    })
    .await
    .unwrap_or_else(|e| panic!("apply failed: {e}\nhint: {:?}", e.hint()));
    assert_eq!(
        report.executed.len(),
        FULL_APPLY_STEPS,
        "{:?}",
        steps.lock().expect("lock")
    );
    let instance_id = report.instance_id.clone().expect("an instance");

    // Everything the spec describes now exists and is correct.
    let snap = observe(&w.graph, &w.aws, &w.spec).await.expect("observe");
    let p = plan(&w.spec, &snap.observed, time::OffsetDateTime::now_utc());
    assert!(
        p.is_empty(),
        "{}",
        connect_sso_engine::render_plan(&p, false)
    );
    let app = &snap.observed.entra.apps[0];
    assert_eq!(app.identifier_uris, ["https://signin.aws.amazon.com/saml"]);
    assert_eq!(
        app.relay_state.as_deref(),
        Some(format!("https://us-east-1.console.aws.amazon.com/connect/federate/{instance_id}?destination=%2Fccp-v2&new_domain=true").as_str())
    );
    assert!(app.assignment_required);
    assert_eq!(
        snap.observed
            .aws
            .admin_user
            .as_ref()
            .map(|u| u.username.as_str()),
        Some(entra::USER_BOB_UPN)
    );

    // A second apply executes nothing.
    let again = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect("second apply");
    assert!(again.executed.is_empty(), "{:?}", again.executed);
    // Destroy removes what apply created, but keeps the instance without --include-instance.
    let gone = destroy(&clients, &w.spec, false, None, &quiet)
        .await
        .expect("destroy");
    assert!(
        gone.keep
            .iter()
            .any(|(what, _)| what.to_string().starts_with("connect.instance"))
    );
    let snap = observe(&w.graph, &w.aws, &w.spec).await.expect("observe");
    assert!(snap.observed.entra.apps.is_empty());
    assert!(snap.observed.aws.role.is_none());
    assert!(snap.observed.aws.saml_provider.is_none());
    assert!(snap.observed.aws.instance.is_some());
    w.sandbox.shutdown().await;
}

/// How many steps a full apply from empty takes (see `plan_from_empty` snapshot).
pub(crate) const FULL_APPLY_STEPS: usize = 11;

/// Kill apply (drop it mid-flight) right after step `k`, then apply again: it must converge,
/// with nothing created twice.
async fn kill_after_step_then_reapply(k: usize) {
    let w = world().await;
    let clients = Clients::new(&w.graph, &w.aws);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let killed = tokio::sync::Notify::new();
    let on_event = |e: Event<'_>| {
        if let Event::StepDone(..) = e {
            if done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == k {
                killed.notify_one();
            }
        }
    };
    let first = apply(&clients, &w.spec, None, &on_event);
    tokio::select! {
        r = first => panic!("apply finished before step {k} could be interrupted: {:?}", r.map(|r| r.executed.len())),
        () = killed.notified() => {}
    }
    let report = apply(&clients, &w.spec, None, &quiet)
        .await
        .unwrap_or_else(|e| panic!("re-apply after a kill at step {k} failed: {e}"));
    assert!(
        report.executed.len() <= FULL_APPLY_STEPS - k + 1,
        "step {k}: re-apply ran {:?}",
        report.executed
    );

    let snap = observe(&w.graph, &w.aws, &w.spec).await.expect("observe");
    let p = plan(&w.spec, &snap.observed, time::OffsetDateTime::now_utc());
    assert!(
        p.is_empty() && p.blockers.is_empty(),
        "step {k}: {}",
        connect_sso_engine::render_plan(&p, false)
    );
    // Nothing orphaned or duplicated.
    assert_eq!(
        snap.observed.entra.apps.len(),
        1,
        "step {k}: one enterprise app"
    );
    let policies = w
        .graph
        .claims_mapping_policies_named(&connect_sso_spec::Derived::claims_policy_name(&w.spec))
        .await
        .expect("policies");
    assert_eq!(policies.len(), 1, "step {k}: one claims policy");
    assert_eq!(
        w.sandbox.state.aws.connect.snapshot().instances.len(),
        1,
        "step {k}: one instance"
    );
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_killed_after_any_step_converges_on_the_next_apply() {
    // Each case has its own sandbox; run them side by side.
    let mut cases = tokio::task::JoinSet::new();
    for k in 1..FULL_APPLY_STEPS {
        cases.spawn(kill_after_step_then_reapply(k));
    }
    while let Some(done) = cases.join_next().await {
        if let Err(e) = done {
            std::panic::resume_unwind(e.into_panic());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_failing_at_each_mutating_aws_call_converges_once_the_fault_clears() {
    use connect_sso_sandbox::aws::fault::{Fault, FaultKind};
    for (service, api) in [
        ("iam", "CreateSAMLProvider"),
        ("iam", "CreateRole"),
        ("iam", "PutRolePolicy"),
        ("connect", "CreateInstance"),
        ("connect", "CreateUser"),
    ] {
        let w = world().await;
        let clients = Clients::new(&w.graph, &w.aws);
        w.sandbox.state.aws.faults.add(Fault {
            service: Some(service.into()),
            api: Some(api.into()),
            kind: FaultKind::Error {
                status: 400,
                code: "ValidationError".into(),
                message: format!("injected failure of {api}"),
            },
            count: None,
        });
        let err = apply(&clients, &w.spec, None, &quiet)
            .await
            .expect_err("apply must fail while the fault is on");
        assert!(err.to_string().contains(api), "{api}: {err}");
        w.sandbox.state.aws.faults.clear();
        let report = apply(&clients, &w.spec, None, &quiet)
            .await
            .unwrap_or_else(|e| panic!("{api}: re-apply failed: {e}"));
        assert!(!report.executed.is_empty());
        let again = apply(&clients, &w.spec, None, &quiet)
            .await
            .expect("third apply");
        assert!(
            again.executed.is_empty(),
            "{api}: not converged: {:?}",
            again.executed
        );
        w.sandbox.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_aws_errors_and_graph_throttling_are_retried_within_one_apply() {
    use connect_sso_sandbox::aws::fault::{Fault, FaultKind};
    let w = world().await;
    let clients = Clients::new(&w.graph, &w.aws);
    // Two 503s on Connect's CreateInstance, a throttle on CreateRole: the SDK retries them.
    w.sandbox.state.aws.faults.add(Fault {
        service: Some("connect".into()),
        api: Some("CreateInstance".into()),
        kind: FaultKind::Error {
            status: 503,
            code: "ServiceUnavailableException".into(),
            message: String::new(),
        },
        count: Some(2),
    });
    w.sandbox.state.aws.faults.add(Fault {
        service: Some("iam".into()),
        api: Some("CreateRole".into()),
        kind: FaultKind::Throttle,
        count: Some(1),
    });
    // The next three Graph requests get 429 with Retry-After: 1; the adapter waits and retries.
    let r = reqwest::Client::new()
        .put(format!(
            "{}/entra/_sandbox/throttle",
            w.sandbox.urls().base()
        ))
        .json(&serde_json::json!({"requests": 3, "retryAfterSeconds": 1}))
        .send()
        .await
        .expect("admin call");
    assert!(r.status().is_success(), "{}", r.status());
    let report = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect("apply rides out transient faults");
    assert_eq!(report.executed.len(), FULL_APPLY_STEPS);
    w.sandbox.shutdown().await;
}

/// An applied world with Connect users for the groups' members.
async fn applied_world() -> (World, String, String) {
    let w = world().await;
    let clients = Clients::new(&w.graph, &w.aws);
    let report = apply(&clients, &w.spec, None, &quiet).await.expect("apply");
    let instance = report.instance_id.expect("instance");
    let app_id = report.app_id.expect("app");
    let opts = connect_sso_engine::sync::SyncOptions::default();
    let prepared = connect_sso_engine::sync::prepare(&w.graph, &w.aws, &w.spec, &opts)
        .await
        .expect("users read");
    connect_sso_engine::sync::execute(&w.aws, &w.spec, &prepared, &opts, &|_| {})
        .await
        .expect("users");
    (w, instance, app_id)
}

fn login_request(w: &World, app_id: &str, user: &str) -> connect_sso_engine::login::LoginRequest {
    connect_sso_engine::login::LoginRequest {
        launch_url: format!(
            "{}/entra/{}/signin/{app_id}",
            w.sandbox.urls().base(),
            entra::DEFAULT_TENANT_ID
        ),
        username: user.into(),
        password: entra::DEMO_PASSWORD.into(),
        role_arn: None,
        portal_application: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_walks_the_whole_chain_into_connect_as_the_user() {
    use connect_sso_engine::login::{Hop, login};
    let (w, instance, app_id) = applied_world().await;
    let out = login(&login_request(&w, &app_id, entra::USER_ALICE_UPN))
        .await
        .expect("alice signs in");
    assert_eq!(out.signed_in_as, entra::USER_ALICE_UPN);
    assert!(out.connect_url.contains(&instance), "{}", out.connect_url);
    // The relay state's destination (/ccp-v2) is where she lands.
    assert!(out.connect_url.contains("ccp-v2"), "{}", out.connect_url);
    assert!(
        out.relay_state
            .as_deref()
            .is_some_and(|r| r.contains("destination=%2Fccp-v2"))
    );
    let hops: Vec<Hop> = out.trail.iter().map(|t| t.hop).collect();
    assert!(hops.contains(&Hop::IdpCredentials) && hops.contains(&Hop::AwsSignIn));

    // What was posted verifies against the app's published metadata, with AWS's rules.
    let xml = connect_sso_saml::binding::decode_post(&out.saml_response).expect("base64");
    let metadata = w
        .graph
        .federation_metadata(&app_id)
        .await
        .expect("metadata");
    let md = connect_sso_saml::IdpMetadata::parse(&metadata).expect("metadata parses");
    let mut opts = connect_sso_saml::VerifyOptions::new(
        md.signing_certificates.clone(),
        time::OffsetDateTime::now_utc(),
    );
    opts.expected_issuer = Some(md.entity_id.clone());
    opts.audience = Some("https://signin.aws.amazon.com/saml".into());
    opts.recipient = Some("https://signin.aws.amazon.com/saml".into());
    let verified = connect_sso_saml::verify_response(&xml, &opts).expect("verifies");
    let aws = connect_sso_saml::aws::check(&verified).expect("AWS rules");
    assert_eq!(aws.role_session_name, entra::USER_ALICE_UPN);
    assert_eq!(aws.roles[0].role_arn, w.spec.derived().role_arn);
    assert_eq!(aws.session_duration, Some(43200));
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_failures_name_the_hop_and_the_cause() {
    use connect_sso_engine::login::{Hop, login};
    let (w, instance, app_id) = applied_world().await;

    // A role the assertion does not carry is refused, not silently replaced by the one offered.
    let mut wrong_role = login_request(&w, &app_id, entra::USER_BOB_UPN);
    wrong_role.role_arn = Some("arn:aws:iam::111122223333:role/NotOffered".into());
    let e = login(&wrong_role).await.expect_err("role not offered");
    assert_eq!(e.hop, Hop::RoleChooser, "{e:?}");
    assert!(
        e.answer
            .contains("role arn:aws:iam::111122223333:role/NotOffered is not in the assertion"),
        "{e:?}"
    );

    // A guest reaches AWS, which refuses #EXT# in RoleSessionName: the cause says what to do.
    let e = login(&login_request(&w, &app_id, entra::USER_GUEST_UPN))
        .await
        .expect_err("AWS refuses the guest's UPN");
    assert_eq!(e.hop, Hop::AwsSignIn, "{e:?}");
    assert!(
        e.cause
            .as_deref()
            .is_some_and(|c| c.contains("Entra guest")),
        "{e:?}"
    );
    // A user the tenant does not have (AADSTS50034).
    let e = login(&login_request(&w, &app_id, "nobody@contoso.com"))
        .await
        .expect_err("no such user");
    assert!(e.answer.contains("AADSTS50034"), "{e:?}");
    assert!(
        e.cause
            .as_deref()
            .is_some_and(|c| c.contains("no such user in the tenant")),
        "{e:?}"
    );

    // Carol is in no assigned group: Entra refuses at sign-in (AADSTS50105).
    let e = login(&login_request(&w, &app_id, entra::USER_CAROL_UPN))
        .await
        .expect_err("carol is not assigned");
    assert_eq!(e.hop, Hop::IdpCredentials, "{e:?}");
    assert!(e.answer.contains("AADSTS50105"), "{e:?}");
    assert!(
        e.cause
            .as_deref()
            .is_some_and(|c| c.contains("not assigned")),
        "{e:?}"
    );

    // A wrong password is the IdP's AADSTS50126.
    let mut bad = login_request(&w, &app_id, entra::USER_ALICE_UPN);
    bad.password = "wrong".into();
    let e = login(&bad).await.expect_err("wrong password");
    assert!(
        e.answer.contains("AADSTS50126") || e.answer.contains("password"),
        "{e:?}"
    );

    // Bob's Connect user is deleted: AWS accepts the assertion, Connect does not know him.
    let bob = w
        .aws
        .find_user(&instance, entra::USER_BOB_UPN)
        .await
        .expect("search")
        .expect("bob exists");
    w.aws
        .delete_user(&instance, &bob.id)
        .await
        .expect("delete bob");
    let e = login(&login_request(&w, &app_id, entra::USER_BOB_UPN))
        .await
        .expect_err("bob is not in Connect");
    assert_eq!(e.hop, Hop::ConsoleFederation, "{e:?}");
    assert!(e.cause.is_some(), "{e:?}");

    // The guest's #EXT# UPN is refused by AWS as a RoleSessionName.
    let e = login(&login_request(&w, &app_id, entra::USER_GUEST_UPN))
        .await
        .expect_err("guest");
    assert_eq!(e.hop, Hop::AwsSignIn, "{e:?}");
    assert!(
        e.answer.contains("RoleSessionName") || e.answer.contains("invalid SAML response"),
        "{e:?}"
    );
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_full_chain_with_role_chooser_and_error_pages() {
    let _node = connect_sso_testkit::skip_unless_peer!(peer::node_with(&["playwright-core"]));
    let chromium = connect_sso_testkit::skip_unless_peer!(peer::chromium());
    let node_dir = peer::repo_root().join("tests/node");

    let (w, instance, app_id) = applied_world().await;
    let d = w.spec.derived();

    // Give Bob a second role: another federation role, an app role carrying it, and a direct
    // assignment. His assertion then has two Role values and AWS shows its role chooser.
    let second = "ConnectSupervisors";
    w.aws
        .create_role(
            second,
            &d.trust_policy(),
            43200,
            "second role (browser test)",
            &[],
        )
        .await
        .expect("role");
    w.aws
        .put_role_policy(
            second,
            "connect-sso-federation",
            &d.federation_policy("us-east-1", &w.spec.aws.account_id, &instance),
        )
        .await
        .expect("policy");
    let second_arn = d.role_arn.replace("ConnectFederation", second);
    let app = w
        .graph
        .applications_named(&w.spec.entra.app_name)
        .await
        .expect("apps")
        .remove(0);
    let mut roles = serde_json::to_value(&app.app_roles).expect("roles");
    let role_id = uuid::Uuid::new_v4().to_string();
    roles
        .as_array_mut()
        .expect("array")
        .push(serde_json::json!({
            "id": role_id, "allowedMemberTypes": ["User"], "description": "second role",
            "displayName": "Supervisors (second role)", "isEnabled": true,
            "value": format!("{second_arn},{}", d.provider_arn)
        }));
    w.graph
        .patch_application(&app.id, &serde_json::json!({ "appRoles": roles }))
        .await
        .expect("app roles");
    let sp = w
        .graph
        .service_principal_by_app_id(&app_id)
        .await
        .expect("sp")
        .expect("sp exists");
    w.graph
        .assign_app_role(&sp.id, entra::USER_BOB_ID, &role_id)
        .await
        .expect("assign bob");

    let launch_url = format!(
        "{}/entra/{}/signin/{app_id}",
        w.sandbox.urls().base(),
        entra::DEFAULT_TENANT_ID
    );
    run_browser_test(
        &node_dir,
        "full_chain.test.mjs",
        &chromium,
        &[
            ("SANDBOX_URL", w.sandbox.urls().base()),
            ("LAUNCH_URL", &launch_url),
            ("PASSWORD", entra::DEMO_PASSWORD),
            ("AGENT", entra::USER_ALICE_UPN),
            ("SUPERVISOR", entra::USER_BOB_UPN),
            ("UNASSIGNED", entra::USER_CAROL_UPN),
            ("SECOND_ROLE_ARN", &second_arn),
            ("INSTANCE_ID", &instance),
        ],
    )
    .await;
    w.sandbox.shutdown().await;
}

/// Run a Playwright test file of tests/node with `vars`, a screenshot directory (kept when it
/// fails, or with CONNECT_SSO_KEEP_SCREENSHOTS) and the browser; fail with its output.
pub(crate) async fn run_browser_test(
    node_dir: &std::path::Path,
    file: &str,
    chromium: &std::path::Path,
    vars: &[(&str, &str)],
) {
    let shots = tempfile_dir();
    let mut cmd = std::process::Command::new("node");
    cmd.current_dir(node_dir)
        .arg("--test")
        .arg(file)
        .env("SCREENSHOT_DIR", &shots)
        .env("CHROMIUM", chromium);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run node");
    assert!(
        out.status.success(),
        "browser test {file} failed (screenshots in {}):\n{}\n{}",
        shots.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if std::env::var_os("CONNECT_SSO_KEEP_SCREENSHOTS").is_some() {
        eprintln!("screenshots kept in {}", shots.display());
    } else {
        let _ = std::fs::remove_dir_all(&shots);
    }
}

/// A fresh directory for screenshots (kept when the test fails).
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("connect-sso-browser-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_state_reads_back_the_same_with_boto3() {
    let python = connect_sso_testkit::skip_unless_peer!(peer::venv_python(&["boto3"]));
    let (w, instance, _app_id) = applied_world().await;
    let d = w.spec.derived();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python/readback.py");
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(script).args([
        &w.spec.aws.federation_role,
        &d.provider_arn,
        &w.spec.connect.instance_alias,
    ]);
    for (k, v) in w.sandbox.env() {
        cmd.env(k, v);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(got["role_arn"], d.role_arn);
    assert_eq!(got["max_session_duration"], 43200);
    assert_eq!(got["trust"], d.trust_policy());
    assert_eq!(
        got["inline_policies"][connect_sso_engine::planner::FEDERATION_POLICY_NAME],
        d.federation_policy("us-east-1", &w.spec.aws.account_id, &instance)
    );
    assert_eq!(got["provider_metadata_has_cert"], true);
    assert_eq!(
        got["instances"],
        serde_json::json!([{"id": instance, "identity": "SAML", "status": "ACTIVE"}])
    );
    // The admin from the spec and the members of both groups, minus the guest AWS would refuse.
    assert_eq!(
        got["users"],
        serde_json::json!([entra::USER_ALICE_UPN, entra::USER_BOB_UPN])
    );
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_replication_delay_does_not_duplicate_anything() {
    // Entra is eventually consistent: new objects stay invisible to reads for a while. Apply must
    // wait for them rather than create them again.
    let w = world().await;
    let r = reqwest::Client::new()
        .put(format!(
            "{}/entra/_sandbox/consistency",
            w.sandbox.urls().base()
        ))
        .json(&serde_json::json!({"delayMs": 1500}))
        .send()
        .await
        .expect("admin call");
    assert!(r.status().is_success(), "{}", r.status());
    let clients = Clients::new(&w.graph, &w.aws);
    let report = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect("apply despite replication delay");
    assert_eq!(report.executed.len(), FULL_APPLY_STEPS);
    let again = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect("second apply");
    assert!(again.executed.is_empty(), "{:?}", again.executed);
    assert_eq!(
        w.graph
            .applications_named(&w.spec.entra.app_name)
            .await
            .expect("apps")
            .len(),
        1
    );
    let policies = w
        .graph
        .claims_mapping_policies_named(&connect_sso_spec::Derived::claims_policy_name(&w.spec))
        .await
        .expect("policies");
    assert_eq!(policies.len(), 1);
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manually_widened_federation_policy_is_exactly_the_drift_and_apply_repairs_it() {
    let (w, instance, _app_id) = applied_world().await;
    let d = w.spec.derived();
    // Someone "fixes" sign-in by hand with Resource "*".
    let widened = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "connect:GetFederationToken", "Resource": "*"}]
    });
    w.aws
        .put_role_policy(
            &w.spec.aws.federation_role,
            connect_sso_engine::planner::FEDERATION_POLICY_NAME,
            &widened,
        )
        .await
        .expect("manual edit");
    let snap = observe(&w.graph, &w.aws, &w.spec).await.expect("observe");
    let p = plan(&w.spec, &snap.observed, time::OffsetDateTime::now_utc());
    let drift: Vec<String> = p
        .steps
        .iter()
        .map(|s| format!("{} {:?}", s.resource, s.action))
        .collect();
    assert_eq!(drift, ["aws.federation_policy Update"]);
    assert_eq!(p.steps[0].changes[0].before, Some(widened.clone().into()));

    let clients = Clients::new(&w.graph, &w.aws);
    let report = apply(&clients, &w.spec, None, &quiet)
        .await
        .expect("repair");
    assert_eq!(report.executed.len(), 1);
    let role = w
        .aws
        .get_role(&w.spec.aws.federation_role)
        .await
        .expect("role")
        .expect("exists");
    assert_eq!(
        role.inline_policies[connect_sso_engine::planner::FEDERATION_POLICY_NAME],
        d.federation_policy("us-east-1", &w.spec.aws.account_id, &instance)
    );
    w.sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_page_larger_than_any_is_refused_while_it_is_read() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let size = connect_sso_engine::login::MAX_PAGE_BYTES + 1024 * 1024;
    tokio::spawn(async move {
        let Ok((mut socket, _)) = listener.accept().await else {
            return;
        };
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head =
            format!("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {size}\r\n\r\n");
        let _ = socket.write_all(head.as_bytes()).await;
        let chunk = vec![b'a'; 64 * 1024];
        for _ in 0..size / chunk.len() {
            if socket.write_all(&chunk).await.is_err() {
                return;
            }
        }
    });
    let e = connect_sso_engine::login::login(&connect_sso_engine::login::LoginRequest {
        launch_url: format!("http://{addr}/signin"),
        username: "a@example.com".into(),
        password: "p".into(),
        role_arn: None,
        portal_application: None,
    })
    .await
    .expect_err("refused");
    assert!(e.answer.contains("larger than"), "{e:?}");
}
