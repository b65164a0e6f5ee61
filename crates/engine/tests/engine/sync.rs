//! `sync` against the sandbox: joiners, movers, leavers (both policies), bad usernames, the
//! removal guard, failed Graph reads, a sync stopped half-way, and the cost of a run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use connect_sso_engine::apply::{Clients, apply};
use connect_sso_engine::sync::{
    ChangeKind, DISABLED_TAG, LEFT_AT_TAG, Prepared, Round, SyncEvent, SyncOptions, SyncReport,
    TAGS_TAG, Trigger, UserOp, WatchHooks, WatchOptions, execute, prepare, render_user_diff, watch,
};
use connect_sso_engine::{Error, observe::read_instance};
use connect_sso_entra::{Credentials, Graph, Secret};
use connect_sso_sandbox::aws::connect::SamlEmailPolicy;
use connect_sso_sandbox::{Config, entra};
use connect_sso_spec::{LeaverPolicy, UsernameSource};
use connect_sso_testkit::{World, graph_config};
use reqwest::Method;
use serde_json::json;

use crate::sandbox::quiet;

/// A world after `apply`, with `QualityAnalyst` standing in for the no-permission profile.
async fn applied(config: Config) -> World {
    let mut w = World::start_with(config).await;
    w.spec.sync.disabled_security_profile = "QualityAnalyst".into();
    apply(&Clients::new(&w.graph, &w.aws), &w.spec, None, &quiet)
        .await
        .unwrap_or_else(|e| panic!("apply failed: {e}"));
    w
}

/// Graph as the sandbox's directory administrator (changes users and groups).
pub(crate) fn admin_graph(w: &World) -> Graph {
    let mut config = graph_config(w.urls());
    config.credentials = Credentials::ClientSecret {
        client_id: entra::ADMIN_APP_ID.into(),
        client_secret: Secret::new(entra::ADMIN_CLIENT_SECRET),
    };
    Graph::new(config).expect("a Graph client")
}

/// Create an Entra user; returns its object ID.
async fn new_user(g: &Graph, upn: &str, mail: Option<&str>, group: &str) -> String {
    let local = upn.split('@').next().unwrap_or(upn);
    let mut body = json!({
        "accountEnabled": true, "displayName": format!("{local} Person"),
        "mailNickname": local.replace('#', "_"), "userPrincipalName": upn,
        "givenName": local, "surname": "Person",
        "passwordProfile": {"password": entra::DEMO_PASSWORD},
    });
    if let Some(m) = mail {
        body["mail"] = json!(m);
    }
    let u = g
        .call(Method::POST, "/users", Some(&body))
        .await
        .expect("user created");
    let id = u["id"].as_str().expect("an id").to_string();
    add(g, group, &id).await;
    id
}

async fn add(g: &Graph, group: &str, member: &str) {
    let body =
        json!({"@odata.id": format!("https://graph.microsoft.com/v1.0/directoryObjects/{member}")});
    g.call(
        Method::POST,
        &format!("/groups/{group}/members/$ref"),
        Some(&body),
    )
    .await
    .expect("member added");
}

async fn remove(g: &Graph, group: &str, member: &str) {
    g.call(
        Method::DELETE,
        &format!("/groups/{group}/members/{member}/$ref"),
        None,
    )
    .await
    .expect("member removed");
}

async fn sync(w: &World, opts: &SyncOptions) -> Result<(Prepared, SyncReport), Error> {
    let prepared = prepare(&w.graph, &w.aws, &w.spec, opts).await?;
    let report = execute(&w.aws, &w.spec, &prepared, opts, &|_| {}).await?;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    Ok((prepared, report))
}

/// Connect users by username: (security profile names, routing profile name, tags).
async fn connect_users(
    w: &World,
) -> BTreeMap<String, (Vec<String>, String, BTreeMap<String, String>)> {
    let i = read_instance(&w.aws, &w.spec)
        .await
        .expect("read")
        .expect("instance");
    let sp = w.aws.security_profiles(&i.id).await.expect("profiles");
    let rp = w.aws.routing_profiles(&i.id).await.expect("profiles");
    let name = |m: &BTreeMap<String, String>, id: &str| {
        m.iter()
            .find(|(_, v)| *v == id)
            .map(|(k, _)| k.clone())
            .unwrap_or_default()
    };
    let users = w.aws.search_all_users(&i.id, 500).await.expect("users");
    users
        .into_iter()
        .map(|u| {
            let mut sps: Vec<String> = u
                .security_profile_ids
                .iter()
                .map(|id| name(&sp, id))
                .collect();
            sps.sort();
            (u.username, (sps, name(&rp, &u.routing_profile_id), u.tags))
        })
        .collect()
}

fn kinds(p: &Prepared) -> Vec<(ChangeKind, String)> {
    p.diff
        .changes
        .iter()
        .map(|c| (c.kind, c.username.clone()))
        .collect()
}

/// AWS calls since the last reset that are not reads (List/Describe/Search/Get).
async fn aws_writes(w: &World) -> Vec<String> {
    let mut out = Vec::new();
    for (service, apis) in w.aws_requests().await.as_object().into_iter().flatten() {
        for (api, n) in apis.as_object().into_iter().flatten() {
            let read = ["Get", "List", "Describe", "Search"]
                .iter()
                .any(|p| api.starts_with(p));
            if !read && n["requests"].as_u64().unwrap_or(0) > 0 {
                out.push(format!("{service}:{api}"));
            }
        }
    }
    out
}

/// Every request since the last reset that is not a read (AWS as above, Graph GET).
async fn writes(w: &World) -> Vec<String> {
    let mut out = aws_writes(w).await;
    let entra = w.entra_admin(Method::GET, "requests", None).await;
    for (route, _) in entra.as_object().into_iter().flatten() {
        if !route.starts_with("GET ") && !route.ends_with("/token") {
            out.push(route.clone());
        }
    }
    out
}

async fn reset_counts(w: &World) {
    w.reset_aws_requests().await;
    w.entra_admin(Method::DELETE, "requests", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joiners_movers_leavers_disabled_and_back_then_a_no_change_run_only_reads() {
    let w = applied(Config::default()).await;
    let g = admin_graph(&w);
    let frank = new_user(&g, "frank@contoso.com", None, entra::GROUP_AGENTS_ID).await;
    let opts = SyncOptions::default();

    // Joiners: alice and frank get the Agents mapping; the guest is skipped; bob (the first
    // administrator) belongs to apply.
    let (first, _) = sync(&w, &opts).await.expect("first sync");
    assert_eq!(
        kinds(&first),
        [
            (ChangeKind::Create, entra::USER_ALICE_UPN.to_string()),
            (ChangeKind::Create, "frank@contoso.com".to_string()),
        ]
    );
    assert_eq!(first.diff.skipped.len(), 1, "{:?}", first.diff.skipped);
    assert_eq!(first.diff.skipped[0].username, entra::USER_GUEST_UPN);
    let users = connect_users(&w).await;
    let alice = &users[entra::USER_ALICE_UPN];
    assert_eq!(
        (alice.0.as_slice(), alice.1.as_str()),
        (&["Agent".to_string()][..], "Basic Routing Profile")
    );
    assert_eq!(
        alice.2.get(connect_sso_spec::MANAGED_TAG),
        Some(&w.spec.entra.app_name)
    );
    assert_eq!(
        users[entra::USER_BOB_UPN].0,
        ["Admin"],
        "the admin is left alone"
    );

    // A joiner, a mover (alice to Supervisors) and a leaver (frank).
    new_user(&g, "erin@contoso.com", None, entra::GROUP_AGENTS_ID).await;
    remove(&g, entra::GROUP_AGENTS_ID, entra::USER_ALICE_ID).await;
    add(&g, entra::GROUP_SUPERVISORS_ID, entra::USER_ALICE_ID).await;
    remove(&g, entra::GROUP_AGENTS_ID, &frank).await;
    let (second, _) = sync(&w, &opts).await.expect("second sync");
    let text = render_user_diff(&second.diff, 20);
    connect_sso_testkit::snapshots::settings().bind(|| insta::assert_snapshot!("sync_diff", text));
    let users = connect_users(&w).await;
    assert_eq!(users["erin@contoso.com"].0, ["Agent"]);
    assert_eq!(users[entra::USER_ALICE_UPN].0, ["CallCenterManager"]);
    assert_eq!(users["frank@contoso.com"].0, ["QualityAnalyst"]);
    assert!(users["frank@contoso.com"].2.contains_key(DISABLED_TAG));

    // Nothing changed: only reads.
    reset_counts(&w).await;
    let (third, report) = sync(&w, &opts).await.expect("third sync");
    assert!(
        third.diff.is_empty(),
        "{}",
        render_user_diff(&third.diff, 20)
    );
    assert_eq!(report.calls, 0);
    // One SearchUsers page and one members page per group: no call per user.
    // (A request the sandbox throttled and the SDK retried is the same call: count answers.)
    let search = &w.aws_requests().await["connect"]["SearchUsers"];
    let answered = search["requests"].as_u64().unwrap_or_default()
        - search["throttled"].as_u64().unwrap_or_default();
    assert_eq!(answered, 1, "{search}");
    let graph = w.entra_admin(Method::GET, "requests", None).await;
    assert_eq!(graph["GET /graph/v1.0/groups/{id}/transitiveMembers"], 2);
    assert_eq!(writes(&w).await, Vec::<String>::new());

    // Frank comes back: enabled with the Agents mapping, the tag gone.
    add(&g, entra::GROUP_AGENTS_ID, &frank).await;
    let (fourth, _) = sync(&w, &opts).await.expect("fourth sync");
    assert_eq!(
        kinds(&fourth),
        [(ChangeKind::Enable, "frank@contoso.com".to_string())]
    );
    let users = connect_users(&w).await;
    assert_eq!(users["frank@contoso.com"].0, ["Agent"]);
    assert!(!users["frank@contoso.com"].2.contains_key(DISABLED_TAG));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leavers_are_deleted_with_the_delete_policy_and_the_guard_stops_mass_removals() {
    let mut w = applied(Config::default()).await;
    w.spec.sync.leavers = LeaverPolicy::Delete;
    w.spec.sync.max_removals = 1;
    let g = admin_graph(&w);
    let a = new_user(&g, "gina@contoso.com", None, entra::GROUP_AGENTS_ID).await;
    let b = new_user(&g, "hank@contoso.com", None, entra::GROUP_AGENTS_ID).await;
    sync(&w, &SyncOptions::default()).await.expect("first sync");
    remove(&g, entra::GROUP_AGENTS_ID, &a).await;
    remove(&g, entra::GROUP_AGENTS_ID, &b).await;

    // Two leavers, one allowed: refused, nothing deleted.
    reset_counts(&w).await;
    let err = sync(&w, &SyncOptions::default())
        .await
        .expect_err("refused");
    assert!(
        matches!(&err, Error::Blocked { message, .. } if message.contains("max_removals")),
        "{err}"
    );
    assert_eq!(writes(&w).await, Vec::<String>::new());

    // --force: both deleted.
    let force = SyncOptions {
        force: true,
        ..SyncOptions::default()
    };
    let (p, _) = sync(&w, &force).await.expect("forced sync");
    assert_eq!(p.diff.removals(), 2);
    let users = connect_users(&w).await;
    assert!(!users.contains_key("gina@contoso.com") && !users.contains_key("hank@contoso.com"));
    assert!(users.contains_key(entra::USER_ALICE_UPN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_or_missing_graph_read_removes_nothing() {
    let mut w = applied(Config::default()).await;
    w.spec.sync.leavers = LeaverPolicy::Delete;
    sync(&w, &SyncOptions::default()).await.expect("first sync");
    let before = connect_users(&w).await;

    // Graph answers 429 to everything, beyond the client's retries.
    w.throttle_graph(1000, 0).await;
    reset_counts(&w).await;
    let err = sync(&w, &SyncOptions::default())
        .await
        .expect_err("a failed read");
    assert!(matches!(err, Error::Entra(_)), "{err}");
    w.throttle_graph(0, 0).await;
    // A synced group deleted in Entra: an error, not "everyone left".
    let g = admin_graph(&w);
    g.call(
        Method::DELETE,
        &format!("/groups/{}", entra::GROUP_AGENTS_ID),
        None,
    )
    .await
    .expect("group deleted");
    let err = sync(&w, &SyncOptions::default())
        .await
        .expect_err("a missing group");
    assert!(
        matches!(&err, Error::Blocked { message, .. } if message.contains("does not exist")),
        "{err}"
    );
    assert_eq!(aws_writes(&w).await, Vec::<String>::new());
    assert_eq!(connect_users(&w).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_stopped_after_five_writes_is_finished_by_the_next_without_duplicates() {
    let w = applied(Config {
        extra_users: 30,
        ..Config::default()
    })
    .await;
    let opts = SyncOptions {
        concurrency: 4,
        ..SyncOptions::default()
    };
    let prepared = prepare(&w.graph, &w.aws, &w.spec, &opts)
        .await
        .expect("prepare");
    assert_eq!(prepared.diff.changes.len(), 31);
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(tokio::sync::Notify::new());
    let on_event = {
        let (done, stop) = (done.clone(), stop.clone());
        move |_: connect_sso_engine::sync::SyncEvent<'_>| {
            if done.fetch_add(1, Ordering::SeqCst) + 1 == 5 {
                stop.notify_one();
            }
        }
    };
    tokio::select! {
        r = execute(&w.aws, &w.spec, &prepared, &opts, &on_event) => panic!("not stopped: {r:?}"),
        () = stop.notified() => {}
    }
    let (next, _) = sync(&w, &opts).await.expect("the next run");
    assert!(next.diff.changes.len() <= 26, "{}", next.diff.changes.len());
    assert!(
        next.diff
            .changes
            .iter()
            .all(|c| c.kind == ChangeKind::Create)
    );
    let users = connect_users(&w).await;
    assert_eq!(
        users.len(),
        32,
        "alice, bob and 30 generated users, each once"
    );
    let again = prepare(&w.graph, &w.aws, &w.spec, &opts)
        .await
        .expect("prepare");
    assert!(again.diff.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_usernames_are_reported_with_the_fix_and_skipped() {
    let mut w = applied(Config::default()).await;
    w.spec.sync.username = UsernameSource::Mail;
    let g = admin_graph(&w);
    let long = format!("{}@contoso.com", "x".repeat(60));
    new_user(
        &g,
        "ivan@contoso.com",
        Some("Ivan@contoso.com"),
        entra::GROUP_AGENTS_ID,
    )
    .await;
    new_user(
        &g,
        "ivan2@contoso.com",
        Some("ivan@contoso.com"),
        entra::GROUP_AGENTS_ID,
    )
    .await;
    new_user(&g, "judy@contoso.com", Some(&long), entra::GROUP_AGENTS_ID).await;
    new_user(&g, "kim@contoso.com", None, entra::GROUP_AGENTS_ID).await;
    let (p, _) = sync(&w, &SyncOptions::default()).await.expect("sync");
    let skipped: BTreeMap<&str, &str> = p
        .diff
        .skipped
        .iter()
        .map(|s| (s.username.as_str(), s.problem.as_str()))
        .collect();
    assert!(
        skipped["Ivan@contoso.com"].contains("differ only in case"),
        "{skipped:?}"
    );
    assert!(skipped["ivan@contoso.com"].contains("differ only in case"));
    assert!(skipped[long.as_str()].contains("characters"));
    assert!(skipped["kim@contoso.com"].contains("no mail"));
    assert!(p.diff.skipped.iter().all(|s| !s.hint.is_empty()));
    let users = connect_users(&w).await;
    assert!(
        !users
            .keys()
            .any(|u| u.eq_ignore_ascii_case("ivan@contoso.com") || u == &long)
    );
}

/// Sync with `opts` at `now` (the planner judges grace periods by it).
async fn sync_at(w: &World, now: time::OffsetDateTime) -> Result<(Prepared, SyncReport), Error> {
    let opts = SyncOptions {
        now: Some(now),
        ..SyncOptions::default()
    };
    sync(w, &opts).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_tags_are_set_at_creation_and_only_syncs_keys_change_later() {
    let mut w = applied(Config::default()).await;
    w.spec.entra.access[0].tags = BTreeMap::from([
        (
            "cost_centre".to_string(),
            "CC 12 & (north), east".to_string(),
        ),
        ("site".to_string(), "Leeds".to_string()),
    ]);
    sync(&w, &SyncOptions::default()).await.expect("first sync");
    let tags = connect_users(&w).await[entra::USER_ALICE_UPN].2.clone();
    assert_eq!(tags["cost_centre"], "CC 12 & (north), east");
    assert_eq!(tags["site"], "Leeds");
    assert_eq!(tags[TAGS_TAG], "cost_centre,site");

    // Someone adds a tag by hand; the spec drops `site` and changes `cost_centre`.
    let i = read_instance(&w.aws, &w.spec)
        .await
        .expect("read")
        .expect("instance");
    let alice = w
        .aws
        .search_all_users(&i.id, 500)
        .await
        .expect("users")
        .into_iter()
        .find(|u| u.username == entra::USER_ALICE_UPN)
        .expect("alice");
    w.aws
        .tag_connect_resource(&alice.arn, &[("owner", "by hand (ops)")])
        .await
        .expect("tagged");
    w.spec.entra.access[0].tags =
        BTreeMap::from([("cost_centre".to_string(), "CC 13".to_string())]);
    let (p, _) = sync(&w, &SyncOptions::default())
        .await
        .expect("second sync");
    assert_eq!(
        kinds(&p),
        [(ChangeKind::Update, entra::USER_ALICE_UPN.to_string())]
    );
    let tags = connect_users(&w).await[entra::USER_ALICE_UPN].2.clone();
    assert_eq!(tags["cost_centre"], "CC 13");
    assert!(!tags.contains_key("site"), "{tags:?}");
    assert_eq!(tags["owner"], "by hand (ops)");
    assert_eq!(tags[TAGS_TAG], "cost_centre");
    // And then nothing to do.
    assert!(
        prepare(&w.graph, &w.aws, &w.spec, &SyncOptions::default())
            .await
            .expect("prepare")
            .diff
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaver_keeps_access_through_the_grace_period_and_one_who_returns_is_untagged() {
    let mut w = applied(Config::default()).await;
    w.spec.sync.leavers = LeaverPolicy::Delete;
    w.spec.sync.leaver_grace = Some("7d".into());
    let g = admin_graph(&w);
    let gina = new_user(&g, "gina@contoso.com", None, entra::GROUP_AGENTS_ID).await;
    let hank = new_user(&g, "hank@contoso.com", None, entra::GROUP_AGENTS_ID).await;
    let t0 = time::macros::datetime!(2026-12-01 09:30:15.5 UTC);
    sync_at(&w, t0).await.expect("first sync");
    remove(&g, entra::GROUP_AGENTS_ID, &gina).await;
    remove(&g, entra::GROUP_AGENTS_ID, &hank).await;

    // First sight: both tagged with the time, nothing else.
    reset_counts(&w).await;
    let (p, _) = sync_at(&w, t0).await.expect("leavers seen");
    assert!(p.diff.changes.iter().all(|c| c.kind == ChangeKind::Leaving));
    assert_eq!(p.diff.changes.len(), 2);
    assert_eq!(aws_writes(&w).await, ["connect:TagResource"]);
    let users = connect_users(&w).await;
    assert_eq!(
        users["gina@contoso.com"].2[LEFT_AT_TAG],
        "2026-12-01T09:30:15Z"
    );
    assert_eq!(users["gina@contoso.com"].0, ["Agent"], "access kept");

    // Hank comes back on day 3: the tag goes. On day 6 Gina is still waiting.
    add(&g, entra::GROUP_AGENTS_ID, &hank).await;
    let (p, _) = sync_at(&w, t0 + time::Duration::days(3))
        .await
        .expect("day 3");
    assert_eq!(
        kinds(&p),
        [(ChangeKind::Update, "hank@contoso.com".to_string())]
    );
    assert_eq!(p.diff.in_grace, 1);
    assert!(
        !connect_users(&w).await["hank@contoso.com"]
            .2
            .contains_key(LEFT_AT_TAG)
    );
    let (p, _) = sync_at(&w, t0 + time::Duration::days(6))
        .await
        .expect("day 6");
    assert!(p.diff.is_empty() && p.diff.in_grace == 1);

    // After seven days the policy applies (and the guard counts it).
    let (p, _) = sync_at(&w, t0 + time::Duration::days(7))
        .await
        .expect("day 7");
    assert_eq!(
        kinds(&p),
        [(ChangeKind::Delete, "gina@contoso.com".to_string())]
    );
    let users = connect_users(&w).await;
    assert!(!users.contains_key("gina@contoso.com"));
    assert!(users.contains_key("hank@contoso.com"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_refuses_email_is_reported_once_and_users_are_made_without() {
    let mut w = applied(Config::default()).await;
    w.spec.sync.email = connect_sso_spec::EmailSource::Mail;
    let g = admin_graph(&w);
    new_user(
        &g,
        "ivy@contoso.com",
        Some("ivy@contoso.com"),
        entra::GROUP_AGENTS_ID,
    )
    .await;
    // The sandbox answers as one public report saw (docs/facts.md §2):
    // `InvalidRequestException: Email is not required for this directory type`.
    w.sandbox
        .state
        .aws
        .connect
        .set_saml_email_policy(SamlEmailPolicy::Reject);
    let refused = AtomicUsize::new(0);
    let opts = SyncOptions::default();
    let prepared = prepare(&w.graph, &w.aws, &w.spec, &opts)
        .await
        .expect("prepare");
    let on_event = |e: SyncEvent<'_>| {
        if matches!(e, SyncEvent::EmailRefused) {
            refused.fetch_add(1, Ordering::SeqCst);
        }
    };
    let report = execute(&w.aws, &w.spec, &prepared, &opts, &on_event)
        .await
        .expect("executed");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(report.email_refused);
    assert_eq!(refused.load(Ordering::SeqCst), 1, "said once");
    let users = connect_users(&w).await;
    assert!(users.contains_key("ivy@contoso.com") && users.contains_key(entra::USER_ALICE_UPN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_takes_email_gets_it_without_a_warning() {
    let mut w = applied(Config::default()).await;
    w.spec.sync.email = connect_sso_spec::EmailSource::Mail;
    w.sandbox
        .state
        .aws
        .connect
        .set_saml_email_policy(SamlEmailPolicy::Accept);
    let (p, report) = sync(&w, &SyncOptions::default()).await.expect("sync");
    assert!(!report.email_refused);
    let create = &p.diff.changes[0].ops[0];
    assert!(
        matches!(create, UserOp::Create { email: Some(e), .. } if e == entra::USER_ALICE_UPN),
        "{create:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_get_their_groups_hierarchy_group_and_movers_are_moved() {
    let mut w = applied(Config::default()).await;
    let i = read_instance(&w.aws, &w.spec)
        .await
        .expect("read")
        .expect("instance");
    w.aws
        .define_hierarchy_level_one(&i.id, "Team")
        .await
        .expect("structure");
    let north = w
        .aws
        .create_hierarchy_group(&i.id, "Team North")
        .await
        .expect("group");
    let south = w
        .aws
        .create_hierarchy_group(&i.id, "Team South")
        .await
        .expect("group");
    w.spec.entra.access[0].hierarchy_group = Some("Team North".into());
    w.spec.entra.access[1].hierarchy_group = Some("Team South".into());
    sync(&w, &SyncOptions::default()).await.expect("first sync");
    let hierarchy = |w: &World| {
        let (aws, id) = (w.aws.clone(), i.id.clone());
        async move {
            aws.search_all_users(&id, 500)
                .await
                .expect("users")
                .into_iter()
                .map(|u| (u.username, u.hierarchy_group_id))
                .collect::<BTreeMap<_, _>>()
        }
    };
    assert_eq!(hierarchy(&w).await[entra::USER_ALICE_UPN], Some(north));
    let g = admin_graph(&w);
    remove(&g, entra::GROUP_AGENTS_ID, entra::USER_ALICE_ID).await;
    add(&g, entra::GROUP_SUPERVISORS_ID, entra::USER_ALICE_ID).await;
    sync(&w, &SyncOptions::default()).await.expect("mover");
    assert_eq!(hierarchy(&w).await[entra::USER_ALICE_UPN], Some(south));
    // A name the instance lacks: one error, nothing written.
    w.spec.entra.access[0].hierarchy_group = Some("Team West".into());
    reset_counts(&w).await;
    let err = sync(&w, &SyncOptions::default())
        .await
        .expect_err("unknown");
    assert!(
        matches!(&err, Error::Blocked { message, .. } if message.contains("Team West")),
        "{err}"
    );
    assert_eq!(aws_writes(&w).await, Vec::<String>::new());
}

/// Run `watch` with default options until `pause` says stop; the rounds it reported.
async fn watch_rounds<P, F>(w: &World, pause: P) -> Vec<Round>
where
    P: FnMut(u64) -> F,
    F: std::future::Future<Output = bool>,
{
    let rounds = std::sync::Mutex::new(Vec::new());
    let on_round = |r: &Round| rounds.lock().expect("rounds").push(r.clone());
    let hooks = WatchHooks {
        on_event: &|_| {},
        on_round: &on_round,
    };
    let opts = SyncOptions::default();
    let watch_opts = WatchOptions::default();
    watch(&w.graph, &w.aws, &w.spec, &opts, &watch_opts, hooks, pause)
        .await
        .expect("watched");
    rounds.into_inner().expect("rounds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_sees_joiners_of_a_group_and_of_a_nested_group_through_the_delta_query() {
    let w = applied(Config::default()).await;
    let g = admin_graph(&w);
    // "Night Shift" is nested in "Connect Agents".
    let nested = g
        .call(
            Method::POST,
            "/groups",
            Some(&json!({"displayName": "Night Shift", "mailEnabled": false,
                "mailNickname": "nightshift", "securityEnabled": true})),
        )
        .await
        .expect("group created");
    let nested = nested["id"].as_str().expect("an id").to_string();
    add(&g, entra::GROUP_AGENTS_ID, &nested).await;
    // After round 1 a joiner of Supervisors, after round 2 one of the nested group; the
    // watch stops after round 4.
    let pause = |n: u64| {
        let (g, nested) = (&g, &nested);
        async move {
            match n {
                1 => drop(new_user(g, "jo@contoso.com", None, entra::GROUP_SUPERVISORS_ID).await),
                2 => drop(new_user(g, "kit@contoso.com", None, nested).await),
                _ => {}
            }
            n < 4
        }
    };
    let rounds = watch_rounds(&w, pause).await;
    let triggers: Vec<&Trigger> = rounds.iter().map(|r| &r.trigger).collect();
    let changed = Trigger::Changes { groups: 1 };
    assert_eq!(
        triggers,
        [&Trigger::Start, &changed, &changed, &Trigger::NoChange]
    );
    assert_eq!(
        rounds[0].result.as_ref().map(|r| r.applied),
        Some(1),
        "alice"
    );
    assert_eq!(rounds[1].result.as_ref().map(|r| r.applied), Some(1), "jo");
    assert_eq!(rounds[2].result.as_ref().map(|r| r.applied), Some(1), "kit");
    assert!(rounds[3].planned.is_none(), "no full read without a change");
    let users = connect_users(&w).await;
    assert_eq!(users["jo@contoso.com"].0, ["CallCenterManager"]);
    assert_eq!(users["kit@contoso.com"].0, ["Agent"]);
    let graph = w.entra_admin(Method::GET, "requests", None).await;
    assert!(
        graph["GET /graph/v1.0/groups/delta"].as_u64().unwrap_or(0) >= 4,
        "{graph}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_runs_a_full_sync_again_after_the_delta_query_fails() {
    let w = applied(Config::default()).await;
    // Graph refuses everything for a while after round 1 (beyond the client's retries), then
    // answers again: round 2 reports the failure, round 3 syncs in full.
    let pause = |n: u64| {
        let w = &w;
        async move {
            match n {
                1 => w.throttle_graph(1000, 0).await,
                2 => w.throttle_graph(0, 0).await,
                _ => {}
            }
            n < 3
        }
    };
    let rounds = watch_rounds(&w, pause).await;
    assert!(
        matches!(rounds[1].trigger, Trigger::DeltaFailed { .. }),
        "{:?}",
        rounds[1]
    );
    assert!(
        rounds[1].error.is_some(),
        "the full sync failed too: reported, not fatal"
    );
    assert_eq!(rounds[2].trigger, Trigger::Retry);
    assert!(rounds[2].error.is_none(), "{:?}", rounds[2].error);
    assert_eq!(rounds[2].unchanged, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_instance_user_quota_the_creates_left_are_not_tried_and_the_next_run_finishes() {
    let w = applied(Config::default()).await;
    let g = admin_graph(&w);
    for n in 1..=4 {
        let upn = format!("quota{n}@contoso.com");
        new_user(&g, &upn, None, entra::GROUP_AGENTS_ID).await;
    }
    let existing = connect_users(&w).await.len();
    // Room for exactly one more user (docs/facts.md §2: 500 per instance by default).
    w.sandbox
        .state
        .aws
        .connect
        .set_users_per_instance(existing + 1);
    let opts = SyncOptions {
        concurrency: 1,
        ..SyncOptions::default()
    };
    let prepared = prepare(&w.graph, &w.aws, &w.spec, &opts)
        .await
        .expect("prepare");
    let creates = prepared
        .diff
        .changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Create)
        .count();
    assert!(creates >= 4, "{creates} creates planned");
    reset_counts(&w).await;
    let said = AtomicUsize::new(0);
    let on_event = |e: SyncEvent<'_>| {
        if matches!(e, SyncEvent::UserLimitReached) {
            said.fetch_add(1, Ordering::SeqCst);
        }
    };
    let report = execute(&w.aws, &w.spec, &prepared, &opts, &on_event)
        .await
        .expect("executed");
    assert_eq!(said.load(Ordering::SeqCst), 1, "said once");
    assert_eq!(report.failed.len(), creates - 1, "{:?}", report.failed);
    let requests = w.aws_requests().await;
    let tried = requests["connect"]["CreateUser"]["requests"]
        .as_u64()
        .unwrap_or(0);
    // One success, then the one refused call (not retried: a quota is not a rate); nothing
    // for the users after it.
    assert_eq!(tried, 2, "CreateUser requests for {creates} creates");
    assert_eq!(connect_users(&w).await.len(), existing + 1);
    // The quota raised, the next run creates the rest.
    w.sandbox.state.aws.connect.set_users_per_instance(500);
    let (_, report) = sync(&w, &SyncOptions::default()).await.expect("second run");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(connect_users(&w).await.len(), existing + creates);
}

/// Issue 13: calls to different APIs overlap, so the slowest API alone sets the pace. With
/// one change at a time per API, the deletes run beside the creates waiting for CreateUser's
/// quota (2/s after a burst of 5), not after them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deletes_do_not_wait_behind_creates_held_by_the_create_user_quota() {
    let mut w = applied(Config::default()).await;
    w.spec.sync.leavers = LeaverPolicy::Delete;
    w.spec.sync.max_removals = 10;
    let g = admin_graph(&w);
    let mut leavers = Vec::new();
    for n in 1..=3 {
        let upn = format!("leaver{n}@contoso.com");
        leavers.push(new_user(&g, &upn, None, entra::GROUP_AGENTS_ID).await);
    }
    sync(&w, &SyncOptions::default()).await.expect("first sync");
    for id in &leavers {
        remove(&g, entra::GROUP_AGENTS_ID, id).await;
    }
    for n in 1..=8 {
        let upn = format!("joiner{n}@contoso.com");
        new_user(&g, &upn, None, entra::GROUP_AGENTS_ID).await;
    }
    let opts = SyncOptions {
        concurrency: 1,
        force: true,
        ..SyncOptions::default()
    };
    let prepared = prepare(&w.graph, &w.aws, &w.spec, &opts)
        .await
        .expect("prepare");
    let order = std::sync::Mutex::new(Vec::new());
    let on_event = |e: SyncEvent<'_>| {
        if let SyncEvent::Done { change, .. } = e {
            order.lock().expect("order").push(change.kind);
        }
    };
    let report = execute(&w.aws, &w.spec, &prepared, &opts, &on_event)
        .await
        .expect("executed");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let order = order.into_inner().expect("order");
    let last_create = order.iter().rposition(|k| *k == ChangeKind::Create);
    let first_delete = order.iter().position(|k| *k == ChangeKind::Delete);
    assert!(
        first_delete < last_create,
        "the deletes ran after every create: {order:?}"
    );
}
