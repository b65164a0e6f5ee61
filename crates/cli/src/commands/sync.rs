//! `connect-sso sync`: the members of the spec's Entra groups become Amazon Connect users.
//! The diff (grouped, with counts) goes to stdout, progress to stderr; `--json` prints one
//! document with the whole diff and the result.

use std::sync::atomic::{AtomicUsize, Ordering};

use connect_sso_engine::sync::{
    EMAIL_REFUSED_HINT, Prepared, Round, SyncEvent, SyncOptions, SyncReport, Trigger,
    USER_LIMIT_HINT, WatchHooks, WatchOptions, execute, prepare, render_user_diff, watch,
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

/// The `--json` document (docs/schemas/sync.schema.json; `--watch --json` prints one
/// [`connect_sso_engine::sync::Round`] a line instead: docs/schemas/sync-round.schema.json).
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct SyncJson<'a> {
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
    if args.watch {
        return runtime()?.block_on(run_watch(args, printer, spec, &opts));
    }
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
    let on_event = |e: SyncEvent<'_>| progress(printer, &failed, e);
    execute(aws, spec, prepared, opts, &on_event)
        .await
        .map_err(|e| engine_error("sync did not start: nothing was changed", &e))
}

/// One progress line per change on stderr; a refused e-mail address once, with the fix.
fn progress(printer: &Printer, failed: &AtomicUsize, e: SyncEvent<'_>) {
    match e {
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
        SyncEvent::EmailRefused => printer.warn(EMAIL_REFUSED_HINT),
        SyncEvent::UserLimitReached => printer.warn(USER_LIMIT_HINT),
        _ => {}
    }
}

/// `--watch`: rounds until Ctrl-C, which is honoured between rounds only.
async fn run_watch(
    args: &SyncArgs,
    printer: &Printer,
    spec: &connect_sso_spec::Spec,
    opts: &SyncOptions,
) -> Result<ExitCode, CommandError> {
    let t = target::resolve(spec, args.target.sandbox_url.as_deref()).await?;
    let stop = std::sync::Arc::new(tokio::sync::Notify::new());
    let stopped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let interrupt = super::Interrupt::listen()?;
    {
        let (stop, stopped) = (stop.clone(), stopped.clone());
        tokio::spawn(async move {
            if interrupt.wait().await.is_ok() {
                stopped.store(true, Ordering::SeqCst);
                stop.notify_one();
            }
        });
    }
    printer.info(&format!(
        "sync --watch: a full sync now, then a Graph delta query every {} s (Ctrl-C stops between rounds)",
        args.interval
    ));
    let failed = AtomicUsize::new(0);
    let on_event = |e: SyncEvent<'_>| progress(printer, &failed, e);
    let on_round = |r: &Round| round_report(args, printer, r);
    let interval = std::time::Duration::from_secs(args.interval);
    let pause = |_| {
        let (stop, stopped) = (stop.clone(), stopped.clone());
        async move {
            if stopped.load(Ordering::SeqCst) {
                return false;
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => !stopped.load(Ordering::SeqCst),
                () = stop.notified() => false,
            }
        }
    };
    let hooks = WatchHooks {
        on_event: &on_event,
        on_round: &on_round,
    };
    let w = WatchOptions {
        full_every: args.full_every,
    };
    watch(&t.graph, &t.aws, spec, opts, &w, hooks, pause)
        .await
        .map_err(|e| engine_error("sync --watch stopped", &e))?;
    printer.info("sync --watch: stopped");
    Ok(ExitCode::Success)
}

/// A round: one JSON line on stdout with --json, one summary line on stderr.
fn round_report(args: &SyncArgs, printer: &Printer, r: &Round) {
    if args.json {
        if let Ok(line) = serde_json::to_string(r) {
            printer.out(&format!("{line}\n"));
        }
    }
    let why = match &r.trigger {
        Trigger::Start => "start: full sync".to_string(),
        Trigger::Changes { groups } => format!("{groups} group(s) changed: full sync"),
        Trigger::DeltaFailed { delta_error } => {
            format!("delta query failed ({delta_error}): full sync")
        }
        Trigger::SafetyNet => "safety net: full sync".to_string(),
        Trigger::Retry => "the last full sync did not finish: full sync".to_string(),
        Trigger::NoChange => "no change".to_string(),
    };
    let mut line = format!("round {}: {why}", r.round);
    if let Some(planned) = &r.planned {
        let total: usize = planned.values().sum();
        line += &format!(
            "; {total} change(s) planned, {} unchanged, {} skipped",
            r.unchanged.unwrap_or(0),
            r.skipped.unwrap_or(0)
        );
    }
    if let Some(res) = &r.result {
        line += &format!("; {} made, {} failed", res.applied, res.failed.len());
    }
    printer.info(&line);
    if let Some(e) = &r.error {
        printer.warn(&format!("round {}: {e}", r.round));
    }
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
