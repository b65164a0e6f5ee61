//! The pacer seen from the sandbox: two concurrent callers sharing the process-wide pacer of
//! the account and Region never exceed the rate the sandbox enforces, counted by the sandbox
//! (`GET /aws/_admin/requests`), not timed; and the same load without the pacer is throttled,
//! so the first test can fail.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use connect_sso_aws::{Aws, Clients, Limit, Pacer, PacerLimits, pacer, sdk_config_for};
use connect_sso_sandbox::{TEST_ACCOUNT_ID, TEST_REGION};
use connect_sso_testkit::World;

use crate::common;

/// Calls per caller.
const CALLS: usize = 20;
/// The sandbox's limit on DescribeInstance for these tests.
const RATE: f64 = 5.0;
const BURST: f64 = 5.0;

/// An adapter on the sandbox without SDK retries: every call is one request, and a 429 comes
/// back to the caller instead of being retried.
fn without_retries(w: &World) -> Aws {
    let cfg = sdk_config_for(&common::endpoint())
        .into_builder()
        .retry_config(RetryConfig::disabled())
        .build();
    Aws::from_clients(
        Clients::new(&cfg, &connect_sso_testkit::service_endpoints(w.urls())),
        TEST_REGION,
    )
}

/// An instance to describe, and the sandbox's quota on DescribeInstance at `RATE`/`BURST`,
/// with the counts reset.
async fn prepare(w: &World) -> String {
    let id = without_retries(w)
        .with_pacer(Arc::new(Pacer::new(PacerLimits::unlimited())))
        .create_instance("pacer-test", true, true, &[])
        .await
        .expect("instance");
    w.set_aws_quota("connect", "DescribeInstance", RATE, BURST)
        .await;
    w.reset_aws_requests().await;
    id
}

/// What the sandbox counted for DescribeInstance: (requests, throttled).
async fn counted(w: &World) -> (u64, u64) {
    let c = w.aws_requests().await;
    let d = &c["connect"]["DescribeInstance"];
    (
        d["requests"].as_u64().unwrap_or_default(),
        d["throttled"].as_u64().unwrap_or_default(),
    )
}

/// Two concurrent callers, `CALLS` DescribeInstance calls each: (answered, throttled) as the
/// callers saw them.
async fn load(a: &Aws, b: &Aws, id: &str) -> (usize, usize) {
    let caller = |aws: Aws, id: String| async move {
        let (mut ok, mut throttled) = (0, 0);
        for _ in 0..CALLS {
            match aws.describe_instance(&id).await {
                Ok(Some(_)) => ok += 1,
                Err(e) if e.code() == Some("ThrottlingException") => throttled += 1,
                other => panic!("unexpected answer: {other:?}"),
            }
        }
        (ok, throttled)
    };
    let (x, y) = tokio::join!(
        tokio::spawn(caller(a.clone(), id.to_string())),
        tokio::spawn(caller(b.clone(), id.to_string())),
    );
    let (x, y) = (x.expect("caller a"), y.expect("caller b"));
    (x.0 + y.0, x.1 + y.1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_callers_sharing_the_process_pacer_never_exceed_the_sandbox_quota() {
    let w = common::world().await;
    let id = prepare(&w).await;
    // Two handles built apart: one finds its account through STS, the other is told it.
    let a = without_retries(&w);
    let b = without_retries(&w).with_account(TEST_ACCOUNT_ID);
    let pa = a.pacer().await.expect("pacer of a");
    let pb = b.pacer().await.expect("pacer of b");
    assert!(Arc::ptr_eq(&pa, &pb), "one pacer per account and Region");
    assert!(Arc::ptr_eq(
        &pa,
        &pacer::shared(TEST_ACCOUNT_ID, TEST_REGION)
    ));
    // The sandbox's rate; a burst one below its own, so that a request that travels a little
    // faster than the one before it still finds a token (the two buckets do not share a clock).
    pa.set_limit(
        "connect",
        "DescribeInstance",
        Limit::new(RATE, BURST - 1.0).expect("limit"),
    );
    // The STS call above must not count.
    w.reset_aws_requests().await;

    let start = Instant::now();
    let (ok, throttled) = load(&a, &b, &id).await;
    let elapsed = start.elapsed();
    let (requests, counted_throttled) = counted(&w).await;
    eprintln!(
        "paced: {requests} requests, {counted_throttled} throttled (sandbox); {ok} answered, \
         {throttled} throttled (callers); {elapsed:?}"
    );
    assert_eq!(requests, 2 * CALLS as u64, "one request per call");
    assert_eq!(counted_throttled, 0, "the sandbox never throttled");
    assert_eq!((ok, throttled), (2 * CALLS, 0));
    // 4 calls at once, then 5/s: 36 more take 7.2 s. Less would mean the pacer let calls
    // through early; the bound above keeps the test short.
    assert!(elapsed >= Duration::from_secs(7), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
    pa.set_limits(PacerLimits::documented());
    w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_load_without_the_pacer_is_throttled() {
    let w = common::world().await;
    let id = prepare(&w).await;
    let unlimited = Arc::new(Pacer::new(PacerLimits::unlimited()));
    let a = without_retries(&w).with_pacer(unlimited.clone());
    let b = without_retries(&w).with_pacer(unlimited);

    let start = Instant::now();
    let (ok, throttled) = load(&a, &b, &id).await;
    let elapsed = start.elapsed();
    let (requests, counted_throttled) = counted(&w).await;
    eprintln!(
        "unpaced: {requests} requests, {counted_throttled} throttled (sandbox); {ok} answered, \
         {throttled} throttled (callers); {elapsed:?}"
    );
    assert_eq!(requests, 2 * CALLS as u64, "one request per call");
    assert!(
        counted_throttled > 0,
        "the sandbox throttled the unpaced load"
    );
    assert_eq!(counted_throttled, throttled as u64);
    assert_eq!(ok + throttled, 2 * CALLS);
    w.shutdown().await;
}
