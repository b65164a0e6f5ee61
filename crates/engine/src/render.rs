//! How a plan reads in a terminal. JSON output is the serde form of [`crate::Plan`].

use std::fmt::Write;

use crate::plan::{Action, Plan};

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
            out.push_str("No changes. Entra and AWS match the spec.\n");
        } else {
            out.push_str("Nothing else to change; fix what blocks the plan first.\n");
        }
        return out;
    }
    for step in &plan.steps {
        let (sym, code, word) = match step.action {
            Action::Create => ("+", "32", "create"),
            Action::Update => ("~", "33", "update"),
            Action::Adopt => ("=", "36", "adopt"),
            Action::Delete => ("-", "31", "delete"),
        };
        let _ = writeln!(
            out,
            "{} {} {}",
            paint(code, sym),
            paint("1", &step.resource.to_string()),
            paint(code, word)
        );
        let _ = writeln!(out, "    # {}", step.reason);
        for c in &step.changes {
            match (&c.before, &c.after) {
                (None, Some(a)) => {
                    let _ = writeln!(out, "    {}: {}", c.field, a);
                }
                (Some(b), Some(a)) => {
                    let _ = writeln!(out, "    {}: {} → {}", c.field, b, a);
                }
                (Some(b), None) => {
                    let _ = writeln!(out, "    {}: {} → (removed)", c.field, b);
                }
                (None, None) => {}
            }
        }
    }
    let (c, u, a, d) = plan.counts();
    let _ = writeln!(
        out,
        "\nPlan: {c} to create, {u} to update, {a} to adopt, {d} to delete."
    );
    out
}
