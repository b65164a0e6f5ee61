//! The cost of refusing hostile input: for the worst input of each class at about 1 MB, the
//! time `verify_response` takes to answer (median of 15) and how far the resident set rises
//! during its first run (each case in a fresh process), next to the same figures for a normal
//! Entra-sized response. Prints a Markdown table.
//!
//! Run: `cargo bench -p connect-sso-saml --bench hostile` (target: no 1 MB input takes more
//! than 50 ms or 64 MB to refuse).

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use connect_sso_saml::{SignOptions, SigningKey, XmlLimits, sign_response, verify_response};

#[path = "../tests/it/interop/fixture.rs"]
mod fixture;

/// Set in the child process that measures one case (its index).
const CASE_VAR: &str = "HOSTILE_BENCH_CASE";

/// A `kB` field of `/proc/self/status` (`VmRSS`, `VmHWM`), in bytes.
fn status_bytes(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Reset the peak resident set size to the current one (Linux: `5` to `clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

const MB: usize = 1_000_000;

/// `unit` repeated to fill about `size` bytes.
fn fill(unit: &str, size: usize) -> String {
    unit.repeat(size / unit.len().max(1))
}

/// The signed response with `what` put inside its first AttributeValue.
fn inside(signed: &str, what: &str) -> String {
    let at = signed.find("<AttributeValue>").expect("an AttributeValue") + 16;
    format!("{}{}{}", &signed[..at], what, &signed[at..])
}

/// `item(0)`, `item(1)`, … joined until they fill `size` bytes.
fn until(size: usize, item: fn(usize) -> String) -> String {
    let mut out = String::with_capacity(size + 64);
    let mut i = 0;
    while out.len() < size {
        out.push_str(&item(i));
        i += 1;
    }
    out
}

fn attr(i: usize) -> String {
    format!(" a{i}=\"v\"")
}

fn decl(i: usize) -> String {
    format!(" xmlns:p{i}=\"urn:x:{i}\"")
}

/// `levels` nested elements, each binding `prefixes` prefixes to a URI other than its parent's
/// and using them all, around `leaves` elements in a namespace bound only at the top: the
/// canonicaliser's worst case for looking up what its ancestors rendered.
fn rebinding(levels: usize, prefixes: usize, leaves: usize) -> String {
    let mut out = String::from("<z:top xmlns:z=\"urn:z\">");
    for level in 0..levels {
        out.push_str("<e");
        for p in 0..prefixes {
            out.push_str(&format!(
                " xmlns:p{p}=\"urn:{p}:{}\" p{p}:a=\"1\"",
                level % 2
            ));
        }
        out.push('>');
    }
    out.push_str(&"<z:e/>".repeat(leaves));
    out.push_str(&"</e>".repeat(levels));
    out.push_str("</z:top>");
    out
}

fn cases(signed: &str) -> Vec<(&'static str, String)> {
    let limits = XmlLimits::DEFAULT;
    let attrs = |n: usize| -> String { (0..n).map(attr).collect() };
    let decls = |n: usize| -> String { (0..n).map(decl).collect() };
    let under_depth = format!(
        "{}{}",
        "<e>".repeat(limits.max_depth - 8),
        "</e>".repeat(limits.max_depth - 8)
    );
    let wide = format!("<e{}/>", attrs(limits.max_attributes));
    let scoped = format!(
        "<p0:e{}{}/>",
        decls(limits.max_namespace_declarations),
        (0..limits.max_attributes)
            .map(|i| format!(" p{}:a{i}=\"v\"", i % limits.max_namespace_declarations))
            .collect::<String>()
    );
    vec![
        ("normal Entra response", signed.to_string()),
        ("depth: 1 MB of nesting", fill("<e>", MB)),
        (
            "depth: nesting just under the limit, repeated",
            inside(signed, &fill(&under_depth, MB)),
        ),
        (
            "attributes: one element, 1 MB of attributes",
            inside(signed, &format!("<e{}/>", until(MB - signed.len(), attr))),
        ),
        (
            "attributes: elements at the limit, repeated",
            inside(signed, &fill(&wide, MB)),
        ),
        (
            "namespaces: one element, 1 MB of declarations",
            inside(signed, &format!("<e{}/>", until(MB - signed.len(), decl))),
        ),
        (
            "namespaces: elements at the limits, repeated",
            inside(signed, &fill(&scoped, MB)),
        ),
        (
            "nodes: 1 MB of empty elements",
            inside(signed, &fill("<e/>", MB)),
        ),
        (
            "c14n: 55 levels re-binding 32 prefixes, 45,000 leaves",
            inside(signed, &rebinding(55, 32, 45_000)),
        ),
        ("text: 1 MB in one value", inside(signed, &fill("x", MB))),
        (
            "all limits at once: 9,900 attributes, 49,000 nodes, text to 1 MB",
            {
                let mut all = wide.repeat(9_900 / limits.max_attributes);
                all.push_str(&"<e>y</e>".repeat(24_000));
                let rest = MB.saturating_sub(signed.len() + all.len());
                all.push_str(&fill("x", rest));
                inside(signed, &all)
            },
        ),
        ("size: 2 MB", inside(signed, &fill("x", 2 * MB))),
    ]
}

/// One measured case.
struct Row {
    case: &'static str,
    bytes: usize,
    verdict: String,
    median: Duration,
    peak: usize,
}

/// In the child: verify the case once for its peak memory (the rise of the resident set over
/// what the process held before, in a process that does nothing else), then 15 times for the
/// median time; print `median_ns peak_bytes verdict`.
fn measure_here(xml: &str, options: &connect_sso_saml::VerifyOptions) {
    let before = status_bytes("VmRSS");
    reset_peak();
    let verdict = run_once(xml, options);
    let peak = status_bytes("VmHWM").saturating_sub(before);
    let runs = 15;
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(run_once(xml, options));
            start.elapsed()
        })
        .collect();
    times.sort();
    println!("{} {peak} {verdict}", times[runs / 2].as_nanos());
}

/// One answer, as a short verdict (`HOSTILE_BENCH_OP=c14n|inspect` measures those instead).
fn run_once(xml: &str, options: &connect_sso_saml::VerifyOptions) -> String {
    let result = match std::env::var("HOSTILE_BENCH_OP").as_deref() {
        Ok("c14n") => connect_sso_saml::canonicalize_exclusive(xml, None, false, &[]).map(|_| ()),
        Ok("inspect") => connect_sso_saml::inspect(xml.as_bytes()).map(|_| ()),
        _ => verify_response(black_box(xml.as_bytes()), options).map(|_| ()),
    };
    match result {
        Ok(()) => "accepted".to_string(),
        Err(e) => {
            let text = e.to_string();
            text.split(" (at ").next().unwrap_or(&text).to_string()
        }
    }
}

/// In the parent: run the child for case `index` and read its line.
fn measure_in_child(index: usize, case: &'static str, bytes: usize) -> Row {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let out = Command::new(exe)
        .env(CASE_VAR, index.to_string())
        .output()
        .expect("running the measuring child");
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let mut parts = line.splitn(3, ' ');
    let nanos: u64 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let peak: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    Row {
        case,
        bytes,
        verdict: parts.next().unwrap_or("(no answer)").to_string(),
        median: Duration::from_nanos(nanos),
        peak,
    }
}

fn main() {
    let key = SigningKey::generate(
        "Microsoft Azure Federated SSO Certificate",
        fixture::issued() - time::Duration::days(1),
        fixture::issued() + time::Duration::days(3 * 365),
    )
    .expect("generating an RSA-2048 key");
    let signed =
        sign_response(&fixture::entra_spec(), &key, SignOptions::default()).expect("signing");
    let options = fixture::aws_verify_options(key.certificate().clone(), false);
    let cases = cases(&signed);
    if let Some(index) = std::env::var(CASE_VAR)
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        if let Some((_, xml)) = cases.get(index) {
            measure_here(xml, &options);
        }
        return;
    }
    let rows: Vec<Row> = cases
        .iter()
        .enumerate()
        .map(|(i, (case, xml))| measure_in_child(i, case, xml.len()))
        .collect();
    println!("| input | bytes | verdict | median time | peak memory rise |");
    println!("| --- | ---: | --- | ---: | ---: |");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.3} ms | {:.2} MB |",
            r.case,
            r.bytes,
            r.verdict,
            r.median.as_secs_f64() * 1e3,
            r.peak as f64 / 1e6
        );
    }
    let worst_time = rows
        .iter()
        .skip(1)
        .map(|r| r.median)
        .max()
        .unwrap_or_default();
    let worst_peak = rows
        .iter()
        .skip(1)
        .map(|r| r.peak)
        .max()
        .unwrap_or_default();
    println!(
        "\nworst hostile input: {:.1} ms, {:.1} MB (targets: 50 ms, 64 MB)",
        worst_time.as_secs_f64() * 1e3,
        worst_peak as f64 / 1e6
    );
}
