//! The sync throughput benchmark (issue 13), shared by `benches/sync.rs` and the test suite
//! (`tests/cli/bench_sync.rs` runs it at a tiny size so that it cannot rot).
//!
//! For one size: a sandbox with that many generated members, set up through the real binary
//! (`init`, `apply --yes`), every AWS quota ×scale in the sandbox and the same raised rates
//! in the spec; then `connect-sso sync --yes --json` as a measured child process twice: the
//! first run (creates), and after 5 % changes made through Graph. Each run's figures: calls
//! counted by the sandbox against the minimum, wall time against the quota bound, peak RSS.

pub mod changes;
pub mod figures;
pub mod measure;
pub mod table;
pub mod world;

use std::collections::BTreeSet;

use serde_json::Value;

use figures::{RunFigures, Seen};
use measure::Measurer;
use world::{BenchWorld, GROUPS};

/// Both runs at one size: the first run, then the 5 % run (whose report is checked against
/// the counted calls).
pub fn run_size(users: usize, scale: u32, measurer: &Measurer) -> Result<Vec<RunFigures>, String> {
    eprintln!("sync bench: {users} users, quotas ×{scale}: setting up");
    let w = BenchWorld::start(users, scale)?;
    w.set_up(users)?;
    eprintln!("sync bench: {users} users: first run");
    let (first, doc) = measured_sync(&w, users, "first run", measurer)?;
    let created: BTreeSet<String> = created_usernames(&doc);
    let made = changes::make(&w, &created, 5)?;
    eprintln!(
        "sync bench: {users} users: 5 % run ({} joiners, {} movers, {} leavers)",
        made.joiners, made.movers, made.leavers
    );
    let (second, _) = measured_sync(&w, users, "5 % changes", measurer)?;
    if second.changes != made.total() {
        return Err(format!(
            "the 5 % run planned {} changes for {} made in Entra",
            second.changes,
            made.total()
        ));
    }
    w.shutdown();
    Ok(vec![first, second])
}

/// One measured `sync --yes --json`, counters reset before it.
fn measured_sync(
    w: &BenchWorld,
    users: usize,
    run: &'static str,
    measurer: &Measurer,
) -> Result<(RunFigures, Value), String> {
    let graph = w.graph()?;
    let mut member_pages = 0;
    for name in GROUPS {
        member_pages += graph.member_pages(&graph.group_id(name)?)?;
    }
    w.reset_counters()?;
    let m = measurer.run(w.path(), &w.sync_argv())?;
    if m.code != 0 {
        return Err(format!("sync exited {}:\n{}", m.code, m.stderr));
    }
    let doc: Value =
        serde_json::from_str(&m.stdout).map_err(|e| format!("sync --json: {e}\n{}", m.stdout))?;
    let (aws, graph_counts) = w.counters()?;
    figures::check_report(&doc, &aws).map_err(|e| format!("{run}: {e}"))?;
    let seen = Seen {
        measured: &m,
        doc: &doc,
        aws: &aws,
        graph: &graph_counts,
        member_pages,
        groups: GROUPS.len(),
    };
    Ok((figures::figures(users, run, w.scale, &seen), doc))
}

/// The usernames a run created.
fn created_usernames(doc: &Value) -> BTreeSet<String> {
    let changes = doc["diff"]["changes"].as_array().into_iter().flatten();
    changes
        .filter(|c| c["kind"] == "create")
        .filter_map(|c| c["username"].as_str().map(String::from))
        .collect()
}
