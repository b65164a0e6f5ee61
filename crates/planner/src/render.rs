//! How a plan reads in a terminal. JSON output is the serde form of [`crate::Plan`].

use std::fmt::Write;

use crate::step::{Action, Change, Plan, Step};

/// Render a plan for people. `color` adds ANSI colours (the CLI passes false for `NO_COLOR`
/// or a non-terminal).
pub fn render_plan(plan: &Plan, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for b in &plan.blockers {
        let _ = writeln!(
            out,
            "{} {}: {}",
            paint("31;1", "✗ blocked"),
            b.resource,
            b.message
        );
        let _ = writeln!(out, "    hint: {}", b.hint);
    }
    if !plan.blockers.is_empty() {
        out.push('\n');
    }
    if plan.steps.is_empty() {
        if plan.blockers.is_empty() {
            out.push_str("No changes. Entra ID and AWS match the spec.\n");
        } else {
            out.push_str("Nothing else to change; fix what blocks the plan first.\n");
        }
        return out;
    }
    for step in &plan.steps {
        render_step(&mut out, step, &paint);
    }
    let c = plan.counts();
    let _ = write!(
        out,
        "\nPlan: {} to create, {} to update, {} to adopt, {} to delete",
        c.create, c.update, c.adopt, c.delete
    );
    if c.wait > 0 {
        let _ = write!(out, ", {} to wait for", c.wait);
    }
    if c.manual > 0 {
        let _ = write!(out, ", {} for a person to do in a console", c.manual);
    }
    out.push_str(".\n");
    out
}

/// The symbol, colour and word of an action.
fn look(action: Action) -> (&'static str, &'static str, &'static str) {
    match action {
        Action::Create => ("+", "32", "create"),
        Action::Update => ("~", "33", "update"),
        Action::Adopt => ("=", "36", "adopt"),
        Action::Delete => ("-", "31", "delete"),
        Action::Wait => ("…", "34", "wait"),
        Action::Manual => ("!", "35", "manual"),
    }
}

fn render_step(out: &mut String, step: &Step, paint: &dyn Fn(&str, &str) -> String) {
    let (sym, code, word) = look(step.action);
    let _ = writeln!(
        out,
        "{} {} {}",
        paint(code, sym),
        paint("1", &step.resource.to_string()),
        paint(code, word)
    );
    let _ = writeln!(out, "    # {}", step.reason);
    for w in &step.warnings {
        let _ = writeln!(out, "    {} {w}", paint("33;1", "⚠ warning:"));
    }
    render_changes(out, &step.changes, "    ");
    for item in &step.items {
        let (sym, code, _) = look(item.action);
        let _ = writeln!(out, "    {} {:?}", paint(code, sym), item.key);
        render_changes(out, &item.changes, "        ");
    }
    if let Some(m) = &step.manual {
        let _ = writeln!(out, "    a person does this in: {}", m.console);
        for (field, value) in &m.enter {
            let _ = writeln!(out, "      {field}: {value}");
        }
        let _ = writeln!(out, "    then: {}", m.verify);
    }
}

fn render_changes(out: &mut String, changes: &[Change], indent: &str) {
    for c in changes {
        if !c.diff.is_empty() {
            let _ = writeln!(out, "{indent}{}:", c.field);
            for line in &c.diff {
                let _ = writeln!(out, "{indent}  {line}");
            }
            continue;
        }
        match (&c.before, &c.after) {
            (None, Some(a)) => {
                let _ = writeln!(out, "{indent}{}: {}", c.field, a);
            }
            (Some(b), Some(a)) => {
                let _ = writeln!(out, "{indent}{}: {} → {}", c.field, b, a);
            }
            (Some(b), None) => {
                let _ = writeln!(out, "{indent}{}: {} → (removed)", c.field, b);
            }
            (None, None) => {}
        }
    }
}
