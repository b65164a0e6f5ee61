//! The diff for people: a summary line with counts, then each kind with its users.

use std::fmt::Write as _;

use super::{ChangeKind, UserChange, UserDiff, UserOp};

/// The diff as text: a count line, then each kind of change (at most `limit` users each, the
/// rest counted: `--json` has them all), then the skipped members with their fixes.
pub fn render_user_diff(diff: &UserDiff, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Users: {}", summary(diff));
    let counts = diff.counts();
    for (kind, n) in &counts {
        let _ = writeln!(out, "\n{} ({n})", kind.word());
        let of_kind = diff.changes.iter().filter(|c| c.kind == *kind);
        for c in of_kind.clone().take(limit) {
            let _ = writeln!(out, "  {} {}  {}", sign(*kind), c.username, detail(c));
        }
        if *n > limit {
            let _ = writeln!(out, "  … and {} more (--json lists them all)", n - limit);
        }
    }
    if !diff.skipped.is_empty() {
        let _ = writeln!(out, "\nskipped ({})", diff.skipped.len());
        for s in diff.skipped.iter().take(limit) {
            let _ = writeln!(
                out,
                "  ! {}: {}\n      hint: {}",
                s.username, s.problem, s.hint
            );
        }
        if diff.skipped.len() > limit {
            let _ = writeln!(
                out,
                "  … and {} more (--json lists them all)",
                diff.skipped.len() - limit
            );
        }
    }
    out
}

/// `2 to create, 1 to update, 3 unchanged, 1 skipped`.
pub(crate) fn summary(diff: &UserDiff) -> String {
    let mut parts: Vec<String> = diff
        .counts()
        .iter()
        .map(|(k, n)| format!("{n} to {}", k.word()))
        .collect();
    parts.push(format!("{} unchanged", diff.unchanged));
    if diff.in_grace > 0 {
        parts.push(format!("{} in the leaver grace period", diff.in_grace));
    }
    if !diff.skipped.is_empty() {
        parts.push(format!("{} skipped", diff.skipped.len()));
    }
    parts.join(", ")
}

fn sign(kind: ChangeKind) -> char {
    match kind {
        ChangeKind::Create => '+',
        ChangeKind::Adopt | ChangeKind::Enable | ChangeKind::Update | ChangeKind::Leaving => '~',
        ChangeKind::Disable | ChangeKind::Delete => '-',
    }
}

/// For a create, what the user gets; otherwise the reason (which says what differs).
fn detail(c: &UserChange) -> String {
    match c.ops.first() {
        Some(UserOp::Create {
            first_name,
            last_name,
            security_profiles,
            routing_profile,
            hierarchy_group,
            ..
        }) => {
            let sp: Vec<&str> = security_profiles.iter().map(|p| p.name.as_str()).collect();
            let hierarchy = hierarchy_group
                .as_ref()
                .map(|h| format!("; hierarchy {}", h.name))
                .unwrap_or_default();
            format!(
                "{first_name} {last_name}; {}; {}{hierarchy}; {}",
                sp.join(", "),
                routing_profile.name,
                c.reason
            )
        }
        _ => c.reason.clone(),
    }
}
