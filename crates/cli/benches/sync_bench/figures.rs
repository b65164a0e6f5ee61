//! From a measured run (its `--json` report, the sandbox's request counts, what the
//! measurer saw) to the figures of the table, and the table itself.

use std::collections::BTreeMap;

use serde_json::Value;

use super::measure::Measured;

/// Targets of issue 13.
pub const MAX_CALLS_RATIO: f64 = 1.01;
/// Wall time at most this times the quota bound.
pub const MAX_TIME_RATIO: f64 = 1.10;
/// Peak memory below this many bytes (100 MB).
pub const MAX_PEAK_RSS: u64 = 100 * 1000 * 1000;

/// SearchUsers `MaxResults` and Graph `$top`: the page sizes the minimum counts with.
const SEARCH_PAGE: u64 = 500;

/// Reads a run needs once whatever the sizes: the account check, the instance, the two
/// profile lists (each one page), and the Graph token.
const ONE_CALL_READS: [(&str, &str); 4] = [
    ("sts", "GetCallerIdentity"),
    ("connect", "ListInstances"),
    ("connect", "ListSecurityProfiles"),
    ("connect", "ListRoutingProfiles"),
];

/// One row of the table.
#[derive(Debug, Clone)]
pub struct RunFigures {
    /// Generated members at the start.
    pub users: usize,
    /// "first run" or "5 % changes".
    pub run: &'static str,
    /// Changes sync planned (and made).
    pub changes: usize,
    /// Requests counted by the sandbox (AWS, throttled included, and Graph).
    pub calls: u64,
    /// Changes' calls + pages read + one-call reads.
    pub minimum: u64,
    /// Answers 429.
    pub throttled: u64,
    /// Wall time of `connect-sso sync`, seconds.
    pub wall_s: f64,
    /// Largest calls ÷ scaled rate over the Connect APIs used, seconds.
    pub bound_s: f64,
    /// The API that sets the bound.
    pub bound_api: String,
    /// Peak RSS of `connect-sso sync`, bytes.
    pub peak_rss: u64,
    /// Requests per AWS API (`service:API`) and Graph route, for a reader who wants to know
    /// where the calls went.
    pub counted: BTreeMap<String, u64>,
}

impl RunFigures {
    /// calls ÷ minimum.
    pub fn calls_ratio(&self) -> f64 {
        self.calls as f64 / self.minimum.max(1) as f64
    }

    /// wall ÷ bound.
    pub fn time_ratio(&self) -> f64 {
        self.wall_s / self.bound_s.max(f64::MIN_POSITIVE)
    }
}

/// What the measurer and the sandbox saw of one run.
pub struct Seen<'a> {
    /// The measured `sync --yes --json`.
    pub measured: &'a Measured,
    /// Its `--json` document.
    pub doc: &'a Value,
    /// `GET /aws/_admin/requests`.
    pub aws: &'a Value,
    /// `GET /entra/_sandbox/requests`.
    pub graph: &'a Value,
    /// Pages of 999 the synced groups' transitive members take, summed over the groups.
    pub member_pages: usize,
    /// Synced groups (one lookup each).
    pub groups: usize,
}

/// The row of a run.
pub fn figures(users: usize, run: &'static str, scale: u32, s: &Seen<'_>) -> RunFigures {
    let aws = per_api(s.aws);
    let graph_calls: u64 = s
        .graph
        .as_object()
        .map_or(0, |m| m.values().filter_map(Value::as_u64).sum());
    let users_read = s.doc["users_read"].as_u64().unwrap_or(0);
    let one_call = ONE_CALL_READS.len() as u64 + 1; // + the Graph token
    let minimum = planned_ops(s.doc).values().sum::<u64>()
        + users_read.div_ceil(SEARCH_PAGE).max(1)
        + (s.member_pages + s.groups) as u64
        + one_call;
    let (bound_api, bound_s) = bound(&aws, scale);
    RunFigures {
        users,
        run,
        changes: s.doc["diff"]["changes"].as_array().map_or(0, Vec::len),
        calls: aws.values().map(|c| c.0).sum::<u64>() + graph_calls,
        minimum,
        throttled: aws.values().map(|c| c.1).sum(),
        wall_s: s.measured.wall_s,
        bound_s,
        bound_api,
        peak_rss: s.measured.peak_rss,
        counted: counted(&aws, s.graph),
    }
}

/// Requests per AWS API and Graph route.
fn counted(aws: &BTreeMap<String, (u64, u64)>, graph: &Value) -> BTreeMap<String, u64> {
    let mut out: BTreeMap<String, u64> = aws.iter().map(|(k, c)| (k.clone(), c.0)).collect();
    for (route, n) in graph.as_object().into_iter().flatten() {
        out.insert(format!("graph:{route}"), n.as_u64().unwrap_or(0));
    }
    out
}

/// `service:API` → (requests, throttled).
fn per_api(aws: &Value) -> BTreeMap<String, (u64, u64)> {
    let mut out = BTreeMap::new();
    for (service, apis) in aws.as_object().into_iter().flatten() {
        for (api, c) in apis.as_object().into_iter().flatten() {
            let n = |k: &str| c[k].as_u64().unwrap_or(0);
            out.insert(format!("{service}:{api}"), (n("requests"), n("throttled")));
        }
    }
    out
}

/// The largest calls ÷ (documented rate × scale) over the Connect APIs called.
fn bound(aws: &BTreeMap<String, (u64, u64)>, scale: u32) -> (String, f64) {
    let mut worst = (String::from("-"), 0.0);
    for (api, (requests, _)) in aws {
        let Some(op) = api.strip_prefix("connect:") else {
            continue;
        };
        let rate = if matches!(op, "ListUsers" | "DescribeUser") {
            10.0
        } else {
            2.0
        };
        let secs = *requests as f64 / (rate * f64::from(scale));
        if secs > worst.1 {
            worst = (op.to_string(), secs);
        }
    }
    worst
}

/// The Connect API each planned op calls, counted.
pub fn planned_ops(doc: &Value) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let changes = doc["diff"]["changes"].as_array().into_iter().flatten();
    for op in changes.flat_map(|c| c["ops"].as_array().into_iter().flatten()) {
        let api = match op["op"].as_str().unwrap_or("") {
            "create" => "CreateUser",
            "set-names" => "UpdateUserIdentityInfo",
            "set-security-profiles" => "UpdateUserSecurityProfiles",
            "set-routing-profile" => "UpdateUserRoutingProfile",
            "tag" => "TagResource",
            "untag" => "UntagResource",
            "delete" => "DeleteUser",
            other => other,
        };
        *out.entry(format!("connect:{api}")).or_insert(0) += 1;
    }
    out
}

/// The `--json` report agrees with what the sandbox counted: every change made, none
/// failed, `result.calls` the planned calls, and each write API answered (not throttled)
/// exactly as many calls as the plan has for it.
pub fn check_report(doc: &Value, aws: &Value) -> Result<(), String> {
    let planned = planned_ops(doc);
    let changes = doc["diff"]["changes"].as_array().map_or(0, Vec::len) as u64;
    let result = &doc["result"];
    let failed = result["failed"].as_array().map_or(0, Vec::len);
    let calls = result["calls"].as_u64();
    let mut wrong = Vec::new();
    if result["applied"].as_u64() != Some(changes) || failed != 0 {
        wrong.push(format!("{changes} changes planned, report: {result}"));
    }
    if calls != Some(planned.values().sum()) {
        wrong.push(format!(
            "result.calls {calls:?}, planned {}",
            planned.values().sum::<u64>()
        ));
    }
    for (api, (requests, throttled)) in per_api(aws) {
        let want = planned.get(&api).copied().unwrap_or(0);
        let write = api.starts_with("connect:") && is_write(&api);
        if write && requests - throttled != want {
            wrong.push(format!(
                "{api}: {} answered, {want} planned",
                requests - throttled
            ));
        }
    }
    for api in planned.keys().filter(|a| !aws_has(aws, a)) {
        wrong.push(format!("{api}: planned, never called"));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

fn is_write(api: &str) -> bool {
    [
        "CreateUser",
        "DeleteUser",
        "UpdateUser",
        "TagResource",
        "UntagResource",
    ]
    .iter()
    .any(|w| api.contains(w))
}

fn aws_has(aws: &Value, api: &str) -> bool {
    let (service, op) = api.split_once(':').unwrap_or(("", api));
    aws[service][op]["requests"].as_u64().is_some_and(|n| n > 0)
}
