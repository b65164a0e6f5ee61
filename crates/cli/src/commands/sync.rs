//! `connect-sso sync`: the members of the spec's Entra groups become Amazon Connect users.
//! The diff (grouped, with counts) goes to stdout, progress to stderr; `--json` prints one
//! document with the whole diff and the result.

use std::sync::atomic::{AtomicUsize, Ordering};

use connect_sso_engine::sync::{
    Prepared, SyncEvent, SyncOptions, SyncReport, execute, prepare, render_user_diff,
};
use serde::Serialize;

use super::mission::{confirm, engine_error};
use super::{json_text, runtime};
use crate::cli::SyncArgs;
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;
use crate::spec_file::{self, Severity};
use crate::target;

/// Users shown per kind of change in the text diff (`--json` has them all).
const SHOWN_PER_KIND: usize = 20;

/// The `--json` document.
#[derive(Serialize)]
struct SyncJson<'a> {
    dry_run: bool,
    #[serde(flatten)]
    prepared: &'a Prepared,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a SyncReport>,
}

/// Run the command.
pub(crate) fn run(args: &SyncArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let loaded = spec_file::load(&args.target.file, Severity::Error)?;
    let spec = &loaded.spec;
    let opts = SyncOptions {
        force: args.force,
        ..SyncOptions::default()
    };
    runtime()?.block_on(async {
        let t = target::resolve(spec, args.target.sandbox_url.as_deref()).await?;
        printer.info("sync: reading the synced groups in Entra ID and the Connect users");
        let prepared = prepare(&t.graph, &t.aws, spec, &opts)
            .await
            .map_err(|e| engine_error("sync could not read both sides; nothing was changed", &e))?;
        let diff = &prepared.diff;
        if !args.json {
            printer.out(&render_user_diff(diff, SHOWN_PER_KIND));
        }
        let guard = diff.guard(&spec.sync).filter(|_| !args.force);
        if args.dry_run || diff.is_empty() || guard.is_some() {
            if let Some(why) = guard.filter(|_| !args.dry_run) {
                return Err(refused(&why));
            }
            if args.json {
                printer.out(&json_text(&document(args, &prepared, None))?);
            }
            return Ok(ExitCode::Success);
        }
        if !args.yes {
            confirm(
                &format!("Make these {} changes?", diff.changes.len()),
                "sync",
                "sync cancelled; nothing was changed",
            )?;
        }
        let report = apply(printer, &t.aws, spec, &prepared, &opts).await?;
        finish(args, printer, &prepared, &report)
    })
}

fn document<'a>(
    args: &SyncArgs,
    prepared: &'a Prepared,
    result: Option<&'a SyncReport>,
) -> SyncJson<'a> {
    SyncJson {
        dry_run: args.dry_run,
        prepared,
        result,
    }
}

/// The mass-removal guard said no.
fn refused(why: &str) -> CommandError {
    CommandError::rejected(format!("sync refused: {why}; nothing was changed")).hint(
        "check the synced groups in Entra first; if these leavers are real, run again with \
         --force, or raise [sync] max_removals / max_removal_percent",
    )
}

/// Execute with one progress line per change on stderr.
async fn apply(
    printer: &Printer,
    aws: &connect_sso_aws::Aws,
    spec: &connect_sso_spec::Spec,
    prepared: &Prepared,
    opts: &SyncOptions,
) -> Result<SyncReport, CommandError> {
    let failed = AtomicUsize::new(0);
    let on_event = |e: SyncEvent<'_>| match e {
        SyncEvent::Done {
            change,
            done,
            total,
        } => printer.info(&format!(
            "  [{done}/{total}] {} {}",
            change.kind.word(),
            change.username
        )),
        SyncEvent::Failed { change, error } => {
            failed.fetch_add(1, Ordering::Relaxed);
            printer.warn(&format!(
                "{} {} failed: {error}",
                change.kind.word(),
                change.username
            ));
        }
        _ => {}
    };
    execute(aws, spec, prepared, opts, &on_event)
        .await
        .map_err(|e| engine_error("sync did not start: nothing was changed", &e))
}

/// The result on stdout; failures make the exit code an error.
fn finish(
    args: &SyncArgs,
    printer: &Printer,
    prepared: &Prepared,
    report: &SyncReport,
) -> Result<ExitCode, CommandError> {
    if args.json {
        printer.out(&json_text(&document(args, prepared, Some(report)))?);
    } else {
        printer.out(&format!(
            "\nsync: {} change{} made ({} calls), {} failed\n",
            report.applied,
            if report.applied == 1 { "" } else { "s" },
            report.calls,
            report.failed.len()
        ));
    }
    if report.failed.is_empty() {
        return Ok(ExitCode::Success);
    }
    let mut err = CommandError::error(format!(
        "{} of {} changes failed; the others were made",
        report.failed.len(),
        prepared.diff.changes.len()
    ));
    for f in &report.failed {
        err = err.detail(format!("{} {}: {}", f.kind.word(), f.username, f.error));
    }
    Err(err.hint("run `connect-sso sync` again: it retries what is still missing"))
}
