//! The sync throughput benchmark (issue 13): `cargo bench -p connect-sso --bench sync --
//! [--users 1000,10000] [--scale 100]`, or `scripts/bench-sync`.
//!
//! For each size, the first run (creates) and a run after 5 % changes; each a real
//! `connect-sso sync --yes --json` child process against an in-process sandbox whose AWS
//! quotas are all ×scale, with the spec's `[aws.rate_limits]` raised to match. It prints a
//! table (stdout) with the targets, then the same as markdown; progress goes to stderr. The
//! exit code is 1 when a run fails or a figure misses its target.

mod sync_bench;

use std::process::ExitCode;

use sync_bench::measure::{Measurer, serve_if_asked};
use sync_bench::table;

/// What to run.
struct Args {
    users: Vec<usize>,
    scale: u32,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        users: vec![1000, 10_000],
        scale: 100,
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            // Added by `cargo bench`.
            "--bench" => {}
            "--users" => {
                let v = it.next().ok_or("--users needs a value, e.g. 1000,10000")?;
                args.users = v
                    .split(',')
                    .map(|n| n.trim().parse::<usize>())
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("--users {v}: {e}"))?;
            }
            "--scale" => {
                let v = it.next().ok_or("--scale needs a whole factor, e.g. 100")?;
                args.scale = v
                    .parse()
                    .ok()
                    .filter(|s| *s >= 1)
                    .ok_or(format!("--scale {v}: a whole factor of at least 1"))?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn run(args: &Args) -> Result<bool, String> {
    let measurer = Measurer::current_exe(&[])?;
    let mut rows = Vec::new();
    for &n in &args.users {
        rows.extend(sync_bench::run_size(n, args.scale, &measurer)?);
    }
    println!(
        "connect-sso sync, quotas ×{} (sandbox and spec)\n",
        args.scale
    );
    println!("{}", table::text(&rows));
    println!("{}", table::markdown(&rows));
    println!(
        "Calls per API and Graph route:\n{}",
        table::breakdown(&rows)
    );
    Ok(table::all_pass(&rows))
}

fn main() -> ExitCode {
    if let Some(code) = serve_if_asked() {
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let outcome = parse(std::env::args().skip(1)).and_then(|a| run(&a));
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("sync bench: a figure misses its target (FAIL above)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("sync bench: {e}");
            ExitCode::FAILURE
        }
    }
}
