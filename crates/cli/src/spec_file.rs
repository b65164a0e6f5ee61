//! Reading the spec file: located errors (file:line:column) and a stable hash of its content.

use std::path::{Path, PathBuf};

use connect_sso_spec::{Spec, SpecErrors};

use crate::commands::input;
use crate::error::CommandError;

/// A spec read from a file.
#[derive(Debug, Clone)]
pub(crate) struct LoadedSpec {
    /// The validated spec.
    pub(crate) spec: Spec,
    /// Where it came from.
    pub(crate) path: PathBuf,
}

impl LoadedSpec {
    /// SHA-256 (hex) of the spec's meaning: its normalised JSON form, so that editing
    /// comments or layout does not make a saved plan stale, but changing any value does.
    pub(crate) fn hash(&self) -> String {
        spec_hash(&self.spec)
    }
}

/// SHA-256 (hex) of a spec's normalised JSON form.
pub(crate) fn spec_hash(spec: &Spec) -> String {
    let json = serde_json::to_vec(spec).unwrap_or_default();
    hex::encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &json).as_ref())
}

/// How a problem with the spec is reported: as "could not run" (exit 2) for commands that
/// need a valid spec, or as "the check said no" (exit 1) for `spec check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    /// The command cannot run (exit 2).
    Error,
    /// The answer is no (exit 1).
    Rejected,
}

/// The text of a spec file, with a hint to `connect-sso init` when it does not exist.
pub(crate) fn read_text(path: &Path) -> Result<String, CommandError> {
    if path != Path::new("-") && !path.exists() {
        return Err(CommandError::error(format!(
            "there is no spec file {:?}",
            path.display().to_string()
        ))
        .hint(format!(
            "write one with `connect-sso init{}`, or point at yours with -f FILE",
            if path == Path::new(crate::cli::DEFAULT_SPEC_FILE) {
                String::new()
            } else {
                format!(" -f {}", path.display())
            }
        )));
    }
    let bytes = input::read(path, "spec")?;
    String::from_utf8(bytes).map_err(|_| {
        CommandError::error(format!(
            "the spec {:?} is not UTF-8 text",
            path.display().to_string()
        ))
    })
}

/// Read and validate a spec file.
pub(crate) fn load(path: &Path, severity: Severity) -> Result<LoadedSpec, CommandError> {
    let text = read_text(path)?;
    let mut spec = Spec::parse(&text).map_err(|e| invalid(path, &e, severity))?;
    resolve_documents(&mut spec, path);
    Ok(LoadedSpec {
        spec,
        path: path.to_path_buf(),
    })
}

/// Metadata files the spec names are relative to the spec's folder (URLs stay as they are).
fn resolve_documents(spec: &mut Spec, path: &Path) {
    let Some(ic) = spec.identity_center.as_mut() else {
        return;
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    for doc in [&mut ic.sp_metadata, &mut ic.application_metadata]
        .into_iter()
        .flatten()
    {
        let is_url = doc.starts_with("https://") || doc.starts_with("http://");
        if !is_url && Path::new(doc.as_str()).is_relative() && path != Path::new("-") {
            *doc = dir.join(&*doc).display().to_string();
        }
    }
}

/// The error for an invalid spec: one detail per problem, `file:line:column: key: message`
/// and its hint below.
pub(crate) fn invalid(path: &Path, errors: &SpecErrors, severity: Severity) -> CommandError {
    let n = errors.errors.len();
    let shown = path.display().to_string();
    let message = format!(
        "{shown} is not a valid spec ({n} problem{})",
        if n == 1 { "" } else { "s" }
    );
    let mut err = match severity {
        Severity::Error => CommandError::error(message),
        Severity::Rejected => CommandError::rejected(message),
    };
    for e in &errors.errors {
        let mut line = shown.clone();
        if let (Some(l), Some(c)) = (e.line, e.column) {
            line.push_str(&format!(":{l}:{c}"));
        }
        line.push_str(": ");
        if !e.path.is_empty() {
            line.push_str(&format!("{}: ", e.path));
        }
        line.push_str(&e.message);
        if let Some(h) = &e.hint {
            line.push_str(&format!("\n    hint: {h}"));
        }
        err = err.detail(line);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use connect_sso_spec::{StarterValues, TargetKind, starter};

    fn starter_text() -> String {
        starter(&StarterValues {
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            account_id: "111122223333".into(),
            region: "us-east-1".into(),
            instance_alias: "acme".into(),
            target: TargetKind::Sandbox,
            admin_username: "admin@contoso.com".into(),
        })
    }

    #[test]
    fn the_spec_hash_ignores_comments_but_not_values() {
        let text = starter_text();
        let hash = |t: &str| spec_hash(&Spec::parse(t).expect("valid"));
        let base = hash(&text);
        assert_eq!(base, hash(&format!("# a new comment\n{text}")));
        assert_ne!(
            base,
            hash(&text.replace("session_duration = 43200", "session_duration = 3600"))
        );
    }
}
