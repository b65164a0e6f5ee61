//! `connect-sso apply`: change Entra ID and AWS to match the spec, or exactly a saved plan.

use std::path::Path;

use connect_sso_engine::apply::{Clients, apply};
use connect_sso_engine::observe::observe;
use connect_sso_engine::plan;
use time::OffsetDateTime;

use super::mission::{ApplySummary, Progress, SAVED_PLAN_FORMAT, SavedPlan, Sink, engine_error};
use super::{input, json_text, runtime};
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
    let (summary, place) = runtime()?.block_on(async {
        let t = target::resolve(spec, args.target.sandbox_url.as_deref()).await?;
        let total = match &saved {
            Some(s) => s.plan.steps.len(),
            None => {
                let snap = observe(&t.graph, &t.aws, spec).await.map_err(|e| {
                    engine_error("could not read what exists in Entra ID and AWS", &e)
                })?;
                let p = plan(spec, &snap.observed, OffsetDateTime::now_utc());
                if !p.blockers.is_empty() {
                    let mut err =
                        CommandError::rejected("apply did not start: the plan is blocked");
                    for b in &p.blockers {
                        err = err.detail(format!(
                            "{}: {}\n    hint: {}",
                            b.resource, b.message, b.hint
                        ));
                    }
                    return Err(err);
                }
                p.steps.len()
            }
        };
        let where_to = match &t.place {
            Place::Sandbox(urls) => format!("the sandbox at {}", urls.base()),
            Place::Cloud => format!(
                "Entra tenant {} and AWS account {} ({})",
                spec.entra.tenant_id, spec.aws.account_id, spec.aws.region
            ),
        };
        if total > 0 {
            printer.info(&format!(
                "apply: {total} step{} to run against {where_to}",
                if total == 1 { "" } else { "s" }
            ));
        }
        let progress = Progress::new(printer, Sink::Stderr, "", total);
        let clients = Clients {
            graph: &t.graph,
            aws: &t.aws,
        };
        let report = apply(&clients, spec, saved.as_ref().map(|s| &s.plan), &|e| {
            progress.on_event(e)
        })
        .await;
        progress.finish();
        let report = report.map_err(|e| match (&e, &args.plan) {
            (connect_sso_engine::Error::StalePlan, Some(path)) => CommandError::rejected(format!(
                "the saved plan {} is stale: Entra ID or AWS changed since it was made; nothing was applied",
                path.display()
            ))
            .hint(format!(
                "run `connect-sso plan --out {}` again and review the new plan",
                path.display()
            )),
            _ => match progress.steps_started() {
                0 => engine_error("apply did not start: nothing was changed", &e),
                n => engine_error(
                    &format!(
                        "apply stopped during step {n}: what it did so far stays done, and \
                         running it again continues from there"
                    ),
                    &e,
                ),
            },
        })?;
        Ok::<_, CommandError>((ApplySummary::new(&report, spec, &t.place), t.place))
    })?;
    if args.json {
        printer.out(&json_text(&summary)?);
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

/// Read a plan saved by `plan --out`.
fn read_saved(path: &Path) -> Result<SavedPlan, CommandError> {
    let bytes = input::read(path, "saved plan")?;
    let saved: SavedPlan = serde_json::from_slice(&bytes).map_err(|e| {
        CommandError::error(format!(
            "{} is not a plan saved by connect-sso",
            path.display()
        ))
        .caused_by(&e)
        .hint("save one with `connect-sso plan --out PLAN`")
    })?;
    if saved.format != SAVED_PLAN_FORMAT {
        return Err(CommandError::error(format!(
            "{} has plan format {}, this connect-sso reads format {SAVED_PLAN_FORMAT}",
            path.display(),
            saved.format
        ))
        .hint("save the plan again with this version of connect-sso"));
    }
    Ok(saved)
}
