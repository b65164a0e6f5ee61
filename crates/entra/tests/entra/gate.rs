//! `Retry-After` shared by every caller of a tenant and client ID, seen from the sandbox: a
//! counting proxy in front of the sandbox's Graph logs each request the sandbox answers, and
//! the tests count the requests sent while a `Retry-After` ran (not wall time).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use connect_sso_entra::{EntraConfig, Gate, Graph, gate};
use connect_sso_sandbox::entra;
use connect_sso_testkit::World;
use tokio::time::Instant;

use crate::serve;

/// The `Retry-After` the sandbox answers with.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// One request through the proxy: when it arrived and what the sandbox answered.
#[derive(Debug, Clone, Copy)]
struct Seen {
    at: Instant,
    status: u16,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl Proxy {
    fn seen(&self) -> Vec<Seen> {
        self.log.lock().expect("log").clone()
    }
}

async fn forward(
    State(p): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    let at = Instant::now();
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let mut req = p
        .http
        .request(method, format!("{}{path}", p.upstream))
        .body(body);
    for (name, value) in headers.iter().filter(|(n, _)| *n != "host") {
        req = req.header(name, value);
    }
    let resp = req.send().await.expect("the sandbox answers");
    let status = resp.status();
    let mut out = HeaderMap::new();
    for name in ["content-type", "retry-after"] {
        if let Some(v) = resp.headers().get(name) {
            out.insert(name, v.clone());
        }
    }
    let bytes = resp.bytes().await.expect("a body");
    p.log.lock().expect("log").push(Seen {
        at,
        status: status.as_u16(),
    });
    (
        StatusCode::from_u16(status.as_u16()).expect("status"),
        out,
        bytes,
    )
}

/// A world, and a proxy in front of its Graph: (world, proxy, Graph root through the proxy).
async fn world_behind_proxy() -> (World, Proxy, String) {
    let w = World::start().await;
    let proxy = Proxy {
        upstream: w.base().to_string(),
        http: reqwest::Client::new(),
        log: Arc::default(),
    };
    let base = serve(Router::new().fallback(forward).with_state(proxy.clone())).await;
    (w, proxy, format!("{base}/entra/graph"))
}

/// A client of the tool app whose Graph requests go through the proxy (tokens do not).
async fn client(w: &World, graph_url: &str) -> Graph {
    let g = Graph::new(EntraConfig {
        graph_url: graph_url.to_string(),
        ..connect_sso_testkit::graph_config(w.urls())
    })
    .expect("client");
    g.access_token().await.expect("a token");
    g
}

/// Start `first` reading Bob, and wait until its 429 has closed its gate; returns the task
/// and when the gate opens.
async fn first_throttled(
    first: Arc<Graph>,
    proxy: &Proxy,
) -> (tokio::task::JoinHandle<()>, Instant) {
    let task = tokio::spawn(async move {
        first
            .user(entra::USER_BOB_UPN)
            .await
            .expect("Bob, after the wait");
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let [seen] = proxy.seen()[..] {
            assert_eq!(seen.status, 429);
            break;
        }
        assert!(Instant::now() < deadline, "the first request never came");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (task, Instant::now())
}

/// Requests the sandbox saw before `open`, after the first one.
fn early(seen: &[Seen], open: Instant) -> usize {
    seen[1..].iter().filter(|s| s.at < open).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_caller_waits_for_the_first_callers_retry_after() {
    let (w, proxy, graph_url) = world_behind_proxy().await;
    let (a, b) = (client(&w, &graph_url).await, client(&w, &graph_url).await);
    assert!(
        Arc::ptr_eq(a.gate(), b.gate()),
        "one gate per tenant and client ID"
    );
    let shared = gate::shared(entra::DEFAULT_TENANT_ID, entra::TOOL_APP_ID);
    assert!(Arc::ptr_eq(a.gate(), &shared));
    w.throttle_graph(1, RETRY_AFTER.as_secs()).await;

    let start = Instant::now();
    let (first, seen_429) = first_throttled(Arc::new(a), &proxy).await;
    // The 429 reached the client just before we saw it logged; its gate closes on reading it.
    let open = loop {
        if let Some(at) = b.gate().closed_until(Instant::now()) {
            break at;
        }
        assert!(
            seen_429.elapsed() < Duration::from_secs(5),
            "the gate never closed"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let alice = b.user(entra::USER_ALICE_UPN).await.expect("Alice");
    assert_eq!(alice.id, entra::USER_ALICE_ID);
    first.await.expect("the first caller");

    let seen = proxy.seen();
    let statuses: Vec<u16> = seen.iter().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        [429, 200, 200],
        "one throttled answer, one retry, one read"
    );
    assert!(
        open >= seen[0].at + RETRY_AFTER,
        "the gate honours Retry-After"
    );
    assert_eq!(early(&seen, open), 0, "nobody sent while Retry-After ran");
    assert!(start.elapsed() < Duration::from_secs(30));
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_behind_another_gate_does_not_wait() {
    let (w, proxy, graph_url) = world_behind_proxy().await;
    // Another tenant's (or a test's own) gate: the control, showing the count can fail.
    let a = client(&w, &graph_url)
        .await
        .with_gate(Arc::new(Gate::new()));
    let b = client(&w, &graph_url)
        .await
        .with_gate(Arc::new(Gate::new()));
    w.throttle_graph(1, RETRY_AFTER.as_secs()).await;

    let (first, seen_429) = first_throttled(Arc::new(a), &proxy).await;
    b.user(entra::USER_ALICE_UPN).await.expect("Alice");
    first.await.expect("the first caller");

    let seen = proxy.seen();
    assert_eq!(seen.len(), 3);
    let open = seen[0].at + RETRY_AFTER;
    assert!(seen_429 < open);
    assert_eq!(early(&seen, open), 1, "the second caller went ahead");
    w.shutdown().await;
}
