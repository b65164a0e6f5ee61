//! How commands fail: a typed error carrying the exit code, the cause chain and hints.

use std::fmt;

/// The exit codes of `connect-sso` (stable; scripts depend on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitCode {
    /// 0: the command did what was asked (a verified response was accepted).
    Success,
    /// 1: the command ran and the answer is "no" (a response was rejected).
    Rejected,
    /// 2: the command could not run: bad usage, unreadable input, unusable certificate,
    /// or a failure of the machine (I/O, network). Clap's usage errors exit 2 as well.
    Error,
    /// 2 for `plan --detailed-exitcode`: the plan has changes (errors are then 1).
    Changes,
    /// 3: `apply` stopped at a step a person does in a console; run it again once done.
    Manual,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        Self::from(code.number())
    }
}

/// A failed command: what happened (the first line), why (the cause chain) and what to do
/// (hints), plus the exit code.
#[derive(Debug)]
pub(crate) struct CommandError {
    code: ExitCode,
    message: String,
    details: Vec<String>,
    causes: Vec<String>,
    hints: Vec<String>,
    reported: bool,
}

impl CommandError {
    /// The command could not run (exit 2).
    pub(crate) fn error(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::Error,
            message: message.into(),
            details: Vec::new(),
            reported: false,
            causes: Vec::new(),
            hints: Vec::new(),
        }
    }

    /// The answer is "no" (exit 1).
    pub(crate) fn rejected(message: impl Into<String>) -> Self {
        Self {
            code: ExitCode::Rejected,
            ..Self::error(message)
        }
    }

    /// Add the cause chain of `source` (its `Display`, then each `source()`).
    pub(crate) fn caused_by(mut self, source: &(dyn std::error::Error + 'static)) -> Self {
        let mut next = Some(source);
        while let Some(err) = next {
            let text = err.to_string();
            if self.causes.last() != Some(&text) {
                self.causes.push(text);
            }
            next = err.source();
        }
        self
    }

    /// Add a detail line, shown indented under the first line (one problem of several).
    pub(crate) fn detail(mut self, text: impl Into<String>) -> Self {
        self.details.push(text.into());
        self
    }

    /// Add one cause line.
    pub(crate) fn cause(mut self, text: impl Into<String>) -> Self {
        self.causes.push(text.into());
        self
    }

    /// Add a hint: what the user can do about it.
    pub(crate) fn hint(mut self, text: impl Into<String>) -> Self {
        self.hints.push(text.into());
        self
    }

    /// Mark the error as already shown to the user (it keeps its exit code, and the final
    /// report prints nothing).
    pub(crate) fn reported(mut self) -> Self {
        self.reported = true;
        self
    }

    /// Whether the error was already shown.
    pub(crate) fn is_reported(&self) -> bool {
        self.reported
    }

    /// The exit code.
    pub(crate) fn exit_code(&self) -> ExitCode {
        self.code
    }

    /// The first line.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// Detail lines (one problem each), in order.
    pub(crate) fn details(&self) -> &[String] {
        &self.details
    }

    /// `Caused by:` lines, outermost first.
    pub(crate) fn causes(&self) -> &[String] {
        &self.causes
    }

    /// `hint:` lines.
    pub(crate) fn hints(&self) -> &[String] {
        &self.hints
    }
}

/// A failure as `--json` shows it on stdout: `{"error": {...}, "exit_code": n}`.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub(crate) struct JsonFailure<'a> {
    /// What went wrong.
    pub(crate) error: JsonError<'a>,
    /// The process exit code.
    pub(crate) exit_code: u8,
}

/// The error of a [`JsonFailure`].
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
pub(crate) struct JsonError<'a> {
    /// `error` (the command could not run), `rejected` (the answer is no) or `manual`.
    pub(crate) kind: &'static str,
    /// The first line.
    pub(crate) message: &'a str,
    /// One line per problem, when there are several.
    pub(crate) details: &'a [String],
    /// The cause chain, outermost first.
    pub(crate) causes: &'a [String],
    /// What to do.
    pub(crate) hints: &'a [String],
}

impl CommandError {
    /// The failure as JSON, with `exit_code` (what the process exits with).
    pub(crate) fn to_json(&self, exit_code: u8) -> JsonFailure<'_> {
        JsonFailure {
            error: JsonError {
                kind: match self.code {
                    ExitCode::Rejected => "rejected",
                    ExitCode::Manual => "manual",
                    _ => "error",
                },
                message: &self.message,
                details: &self.details,
                causes: &self.causes,
                hints: &self.hints,
            },
            exit_code,
        }
    }
}

impl ExitCode {
    /// The number the process exits with.
    pub(crate) fn number(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Rejected => 1,
            ExitCode::Error | ExitCode::Changes => 2,
            ExitCode::Manual => 3,
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}
