//! The figures as a table with the targets and a verdict per ratio: aligned text for a
//! terminal, and markdown for a note.

use super::figures::{MAX_CALLS_RATIO, MAX_PEAK_RSS, MAX_TIME_RATIO, RunFigures};

const HEADER: [&str; 12] = [
    "users",
    "run",
    "changes",
    "calls",
    "minimum",
    "calls/min (<=1.01)",
    "429s",
    "wall s",
    "bound s (API)",
    "wall/bound (<=1.10)",
    "peak MB (<100)",
    "verdict",
];

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "FAIL" }
}

/// Each row's cells.
fn cells(r: &RunFigures) -> [String; 12] {
    let calls_ok = r.calls_ratio() <= MAX_CALLS_RATIO && r.throttled == 0;
    let time_ok = r.time_ratio() <= MAX_TIME_RATIO;
    let memory_ok = r.peak_rss < MAX_PEAK_RSS;
    let all = calls_ok && time_ok && memory_ok;
    [
        r.users.to_string(),
        r.run.to_string(),
        r.changes.to_string(),
        r.calls.to_string(),
        r.minimum.to_string(),
        format!("{:.3} {}", r.calls_ratio(), verdict(calls_ok)),
        r.throttled.to_string(),
        format!("{:.2}", r.wall_s),
        format!("{:.2} ({})", r.bound_s, r.bound_api),
        format!("{:.2} {}", r.time_ratio(), verdict(time_ok)),
        format!("{:.1} {}", r.peak_rss as f64 / 1e6, verdict(memory_ok)),
        verdict(all).to_string(),
    ]
}

/// Did every row meet every target?
pub fn all_pass(rows: &[RunFigures]) -> bool {
    rows.iter().all(|r| cells(r)[11] == "PASS")
}

/// Aligned columns.
pub fn text(rows: &[RunFigures]) -> String {
    let body: Vec<[String; 12]> = rows.iter().map(cells).collect();
    let mut widths = HEADER.map(str::len);
    for row in &body {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(HEADER.to_vec());
    for row in &body {
        out += &line(row.iter().map(String::as_str).collect());
    }
    out
}

/// A markdown table.
pub fn markdown(rows: &[RunFigures]) -> String {
    let mut out = format!("| {} |\n", HEADER.join(" | "));
    out += &format!("|{}\n", " --- |".repeat(HEADER.len()));
    for r in rows {
        out += &format!("| {} |\n", cells(r).join(" | "));
    }
    out
}

/// Where each run's calls went: requests per AWS API and Graph route, one line per run.
pub fn breakdown(rows: &[RunFigures]) -> String {
    let mut out = String::new();
    for r in rows {
        let calls: Vec<String> = r.counted.iter().map(|(k, n)| format!("{k} {n}")).collect();
        out += &format!("{} users, {}: {}\n", r.users, r.run, calls.join(", "));
    }
    out
}
