//! The sync benchmark's code path (`benches/sync.rs`, issue 13) at a tiny size, so that it
//! cannot rot: 30 users, quotas ×100, the first run and the 5 % run, each a measured
//! `connect-sso sync --yes --json` child. Times are not asserted (speed is the benchmark's
//! business); calls, throttling, the report's agreement with the counted calls and the
//! table's shape are.

#[path = "../../benches/sync_bench/mod.rs"]
mod code;

use code::figures::MAX_PEAK_RSS;
use code::measure::{Measurer, serve_if_asked};
use code::table;

/// Not a test: the measurer the benchmark starts (this test binary again, with only this
/// test selected and the measurer's variable set). Without the variable it does nothing.
#[test]
fn measurer() {
    if let Some(code) = serve_if_asked() {
        assert_eq!(code, 0, "the measurer failed (see its stderr)");
    }
}

#[test]
fn the_sync_benchmark_measures_30_users_at_the_fewest_calls_without_throttling() {
    let measurer = Measurer::current_exe(&["bench_sync::measurer", "--exact", "--quiet"])
        .expect("this executable");
    let rows = code::run_size(30, 100, &measurer).expect("both runs");
    let [first, second] = rows.as_slice() else {
        panic!("two runs, got {rows:?}");
    };
    // The members of both synced groups, less those sync skips (guests, case collisions:
    // the seed decides how many), each one create.
    assert!((20..=32).contains(&first.changes), "{first:?}");
    assert_eq!(
        second.changes, 3,
        "one joiner, one mover, one leaver: {second:?}"
    );
    for r in [first, second] {
        assert_eq!(
            r.throttled, 0,
            "the pacer keeps sync under the quota: {r:?}"
        );
        // Not one call beyond the minimum (the instance is found from its ListInstances
        // summary: no DescribeInstance).
        assert_eq!(r.calls, r.minimum, "no call beyond the minimum: {r:?}");
        assert!(r.peak_rss > 0 && r.peak_rss < MAX_PEAK_RSS, "{r:?}");
        assert!(r.bound_s > 0.0 && r.wall_s > 0.0, "{r:?}");
    }
    assert_eq!(first.bound_api, "CreateUser", "{first:?}");

    let text = table::text(&rows);
    assert!(text.starts_with("users  run"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    let verdicts_pass = text.lines().skip(1).all(|l| l.ends_with("PASS"));
    assert_eq!(table::all_pass(&rows), verdicts_pass, "{text}");
    let calls = table::breakdown(&rows);
    assert!(calls.contains("connect:CreateUser 3"), "{calls}");
    insta::with_settings!({filters => vec![
        (r"\d+(\.\d+)?", "[n]"),
        (r"PASS|FAIL", "[verdict]"),
    ]}, {
        insta::assert_snapshot!(table::markdown(&rows));
    });
}
