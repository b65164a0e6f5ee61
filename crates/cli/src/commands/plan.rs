//! `connect-sso plan`: what apply would change, read from both clouds.

use std::path::Path;

use connect_sso_engine::{Plan, plan, render_plan};
use time::OffsetDateTime;

use super::mission::{SAVED_PLAN_FORMAT, SavedPlan, engine_error};
use super::{json_text, runtime};
use crate::cli::PlanArgs;
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;
use crate::spec_file::{self, LoadedSpec, Severity};
use crate::target;

/// Run the command: the plan on stdout (rendered, or JSON).
pub(crate) fn run(args: &PlanArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let loaded = spec_file::load(&args.target.file, Severity::Error)?;
    if let Some(out) = &args.out {
        check_writable(out)?;
    }
    let p = runtime()?.block_on(async {
        let t = target::resolve(&loaded.spec, args.target.sandbox_url.as_deref()).await?;
        let snap = t
            .clients()
            .observe(&loaded.spec)
            .await
            .map_err(|e| engine_error("could not read what exists in Entra ID and AWS", &e))?;
        Ok::<_, CommandError>(plan(
            &loaded.spec,
            &snap.observed,
            OffsetDateTime::now_utc(),
        ))
    })?;
    if args.json {
        printer.out(&json_text(&p)?);
    } else {
        printer.out(&render_plan(&p, printer.color_stdout()));
    }
    if !p.blockers.is_empty() {
        let n = p.blockers.len();
        let mut err = CommandError::rejected(format!(
            "the plan is blocked: {n} problem{} must be fixed before apply",
            if n == 1 { "" } else { "s" }
        ));
        if args.json {
            for b in &p.blockers {
                err = err.detail(format!(
                    "{}: {}\n    hint: {}",
                    b.resource, b.message, b.hint
                ));
            }
        } else {
            err = err.hint("each line marked ✗ blocked above says what to fix");
        }
        if args.out.is_some() {
            err = err.cause("the plan was not saved");
        }
        return Err(err);
    }
    if let Some(out) = &args.out {
        save(out, &loaded, &p)?;
        printer.info(&format!(
            "saved the plan to {}; `connect-sso apply {}` applies exactly it, or nothing if \
             Entra ID, AWS or the spec change before",
            out.display(),
            out.display()
        ));
    }
    Ok(if args.detailed_exitcode && !p.is_empty() {
        ExitCode::Changes
    } else {
        ExitCode::Success
    })
}

/// Refuse `--out` into a directory that does not exist before reading anything (rather than
/// show a plan and then fail to save it).
fn check_writable(path: &Path) -> Result<(), CommandError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if dir.is_dir() {
        return Ok(());
    }
    Err(CommandError::error(format!(
        "cannot save the plan to {}: the directory {} does not exist",
        path.display(),
        dir.display()
    ))
    .hint("create the directory, or give --out a path in an existing one"))
}

/// Write a [`SavedPlan`].
fn save(path: &Path, loaded: &LoadedSpec, p: &Plan) -> Result<(), CommandError> {
    let saved = SavedPlan {
        format: SAVED_PLAN_FORMAT,
        spec_sha256: loaded.hash(),
        spec_file: loaded.path.display().to_string(),
        created_at: connect_sso_saml::format_instant(OffsetDateTime::now_utc()),
        plan: p.clone(),
    };
    std::fs::write(path, json_text(&saved)?).map_err(|e| {
        CommandError::error(format!("could not save the plan to {}", path.display())).caused_by(&e)
    })
}
