//! `connect-sso apply`: change Entra ID and AWS to match the spec, or exactly a saved plan.

use std::path::Path;

use connect_sso_engine::apply::apply_observed;
use connect_sso_engine::{Plan, Step, render_plan};

use super::mission::{
    ApplyOutput, ApplySummary, Progress, Sink, confirm, engine_error, read_saved,
};
use super::{json_text, runtime};
use crate::cli::ApplyArgs;
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;
use crate::spec_file::{self, Severity};
use crate::target::{self, Place};

/// Run the command: progress on stderr, the summary on stdout.
pub(crate) fn run(args: &ApplyArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let loaded = spec_file::load(&args.target.file, Severity::Error)?;
    let saved = match &args.plan {
        Some(path) => {
            let saved = read_saved(path)?;
            if saved.spec_sha256 != loaded.hash() {
                return Err(CommandError::rejected(format!(
                    "the saved plan {} was made from another version of the spec; nothing was applied",
                    path.display()
                ))
                .cause(format!(
                    "{} changed since `connect-sso plan --out` read it",
                    loaded.path.display()
                ))
                .hint(format!(
                    "run `connect-sso plan --out {}` again and review the new plan",
                    path.display()
                )));
            }
            Some(saved)
        }
        None => None,
    };
    let spec = &loaded.spec;
    let outcome = runtime()?.block_on(async {
        let t = target::resolve(spec, args.target.sandbox_url.as_deref()).await?;
        let clients = t.clients();
        let snap = clients
            .observe(spec)
            .await
            .map_err(|e| engine_error("could not read what exists in Entra ID and AWS", &e))?;
        let fresh = clients.plan(spec, &snap);
        if saved.is_none() && !fresh.blockers.is_empty() {
            let mut err = CommandError::rejected("apply did not start: the plan is blocked");
            for b in &fresh.blockers {
                err = err.detail(format!(
                    "{}: {}\n    hint: {}",
                    b.resource, b.message, b.hint
                ));
            }
            return Err(err);
        }
        let total = saved
            .as_ref()
            .map_or(fresh.steps.len(), |s| s.plan.steps.len());
        if saved.is_none() && !args.yes && !fresh.is_empty() {
            printer.info(render_plan(&fresh, printer.color_stderr()).trim_end());
            printer.info("");
            confirm(
                &format!("Apply these changes to {}?", where_to(spec, &t.place)),
                "apply",
                "apply cancelled; nothing was changed",
            )?;
        }
        announce(printer, spec, &t.place, total);
        let progress = Progress::new(printer, Sink::Stderr, "", total);
        let report = apply_observed(
            &clients,
            spec,
            snap,
            saved.as_ref().map(|s| &s.plan),
            &|e| progress.on_event(e),
        )
        .await;
        progress.finish();
        match report {
            Ok(report) => Ok(Outcome::Done(
                ApplySummary::new(&report, spec, &t.place),
                t.place,
            )),
            Err(connect_sso_engine::Error::Manual { step, done }) => {
                Ok(Outcome::Manual(step, done))
            }
            Err(e) => Err(failure(&e, args.plan.as_deref(), progress.steps_started())),
        }
    })?;
    let (summary, place) = match outcome {
        Outcome::Done(summary, place) => (summary, place),
        Outcome::Manual(step, done) => return manual(printer, args.json, &step, done),
    };
    if args.json {
        printer.out(&json_text(&ApplyOutput::Applied(summary))?);
    } else {
        printer.out(&summary.render(printer));
        if let (Place::Sandbox(_), Some(_)) = (&place, &summary.app_id) {
            printer.info(&format!(
                "next: `connect-sso login{} --user <UPN>` signs someone in through the whole chain",
                if loaded.path == Path::new(crate::cli::DEFAULT_SPEC_FILE) {
                    String::new()
                } else {
                    format!(" -f {}", loaded.path.display())
                }
            ));
        }
    }
    Ok(ExitCode::Success)
}

/// How an apply ended, short of an error.
enum Outcome {
    /// Everything is applied.
    Done(ApplySummary, Place),
    /// Stopped at a step a person does (after `usize` steps of this run).
    Manual(Box<Step>, usize),
}

/// Say how many steps will run, and where.
fn announce(printer: &Printer, spec: &connect_sso_spec::Spec, place: &Place, total: usize) {
    if total == 0 {
        return;
    }
    printer.info(&format!(
        "apply: {total} step{} to run against {}",
        if total == 1 { "" } else { "s" },
        where_to(spec, place)
    ));
}

/// What apply acts on, in words.
fn where_to(spec: &connect_sso_spec::Spec, place: &Place) -> String {
    match place {
        Place::Sandbox(urls) => format!("the sandbox at {}", urls.base()),
        Place::Cloud => format!(
            "Entra tenant {} and AWS account {} ({})",
            spec.entra.tenant_id, spec.aws.account_id, spec.aws.region
        ),
    }
}

/// An engine failure during apply, with what was done so far.
fn failure(e: &connect_sso_engine::Error, plan: Option<&Path>, started: usize) -> CommandError {
    match (e, plan) {
        (connect_sso_engine::Error::StalePlan, Some(path)) => CommandError::rejected(format!(
            "the saved plan {} is stale: Entra ID or AWS changed since it was made; nothing was applied",
            path.display()
        ))
        .hint(format!(
            "run `connect-sso plan --out {}` again and review the new plan",
            path.display()
        )),
        _ => match started {
            0 => engine_error("apply did not start: nothing was changed", e),
            n => engine_error(
                &format!(
                    "apply stopped during step {n}: what it did so far stays done, and \
                     running it again continues from there"
                ),
                e,
            ),
        },
    }
}

/// Apply stopped at a manual step: the step (what to enter, where) on stdout, exit code 3.
fn manual(
    printer: &Printer,
    json: bool,
    step: &Step,
    done: usize,
) -> Result<ExitCode, CommandError> {
    if json {
        printer.out(&json_text(&ApplyOutput::Manual {
            steps_done: done,
            step: Box::new(step.clone()),
        })?);
    } else {
        let one = Plan {
            steps: vec![step.clone()],
            blockers: Vec::new(),
        };
        let text = render_plan(&one, printer.color_stdout());
        let body = text.split("\nPlan:").next().unwrap_or(&text);
        printer.out(body);
    }
    printer.info(&format!(
        "apply stopped after {done} step{}: {} is for a person to do in a console (above). \
         Run `connect-sso apply` again once it is done: it verifies the values and continues.",
        if done == 1 { "" } else { "s" },
        step.resource
    ));
    Ok(ExitCode::Manual)
}
