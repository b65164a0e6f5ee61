//! How output looks: colour decisions (`--color`, `NO_COLOR`, terminals) and the
//! `error:` / `Caused by:` / `hint:` / `warning:` lines on stderr.

use std::io::{IsTerminal as _, Write as _};

use crate::cli::ColorChoice;
use crate::error::CommandError;

/// Writes data to stdout and diagnostics to stderr, coloured only where that is wanted.
#[derive(Debug, Clone)]
pub(crate) struct Printer {
    color_stdout: bool,
    color_stderr: bool,
    quiet: bool,
    wrote_stdout: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// ANSI styles used (few, and never the only carrier of meaning).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Style {
    /// Bold red: `error`.
    Error,
    /// Bold yellow: `warning`.
    Warning,
    /// Bold cyan: `hint`.
    Hint,
    /// Bold green: a positive verdict.
    Ok,
    /// Bold: keys in tables.
    Key,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Error => "\x1b[1;31m",
            Style::Warning => "\x1b[1;33m",
            Style::Hint => "\x1b[1;36m",
            Style::Ok => "\x1b[1;32m",
            Style::Key => "\x1b[1m",
        }
    }
}

impl Printer {
    /// Decide colours: `--color always|never` wins; `auto` colours a stream when it is a
    /// terminal that is not `TERM=dumb`, or when `CLICOLOR_FORCE` is set, and never when
    /// `NO_COLOR` is set (no-color.org).
    pub(crate) fn new(choice: ColorChoice) -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
        let no_color = set("NO_COLOR");
        // CLICOLOR_FORCE (bixense.com/clicolors) forces colour without a terminal; a dumb
        // terminal gets none. NO_COLOR wins over both; --color over everything.
        let force = set("CLICOLOR_FORCE");
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let decide = |is_tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && (force || (is_tty && !dumb)),
        };
        Self {
            color_stdout: decide(std::io::stdout().is_terminal()),
            color_stderr: decide(std::io::stderr().is_terminal()),
            quiet: false,
            wrote_stdout: std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// `-q`: progress, notes and warnings are left out; errors and data are not.
    pub(crate) fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    fn paint(on: bool, style: Style, text: &str) -> String {
        if on {
            format!("{}{text}\x1b[0m", style.code())
        } else {
            text.to_string()
        }
    }

    /// Whether stdout gets colour (plans are rendered with it).
    pub(crate) fn color_stdout(&self) -> bool {
        self.color_stdout
    }

    /// Whether stderr gets colour (a plan shown before asking is rendered with it).
    pub(crate) fn color_stderr(&self) -> bool {
        self.color_stderr
    }

    /// Write to stderr without a newline (progress that a later call completes).
    pub(crate) fn info_partial(&self, text: &str) {
        if self.quiet {
            return;
        }
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(text.as_bytes());
        let _ = stderr.flush();
    }

    /// `text` styled for stdout.
    pub(crate) fn style(&self, style: Style, text: &str) -> String {
        Self::paint(self.color_stdout, style, text)
    }

    /// Write data to stdout (a broken pipe is not an error worth reporting).
    pub(crate) fn out(&self, text: &str) {
        self.wrote_stdout
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
    }

    /// Whether anything was written to stdout.
    pub(crate) fn wrote_stdout(&self) -> bool {
        self.wrote_stdout.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A progress or log line on stderr.
    pub(crate) fn info(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// `warning: …` on stderr.
    pub(crate) fn warn(&self, text: &str) {
        if self.quiet {
            return;
        }
        eprintln!(
            "{}: {text}",
            Self::paint(self.color_stderr, Style::Warning, "warning")
        );
    }

    /// `error: …`, `  Caused by: …`, `hint: …` on stderr.
    pub(crate) fn report(&self, err: &CommandError) {
        if err.is_reported() {
            return;
        }
        eprint!("{}", self.render_error(err));
    }

    fn render_error(&self, err: &CommandError) -> String {
        let mut s = format!(
            "{}: {}\n",
            Self::paint(self.color_stderr, Style::Error, "error"),
            err.message()
        );
        for detail in err.details() {
            for line in detail.lines() {
                s.push_str(&format!("  {line}\n"));
            }
        }
        for cause in err.causes() {
            s.push_str(&format!("  Caused by: {cause}\n"));
        }
        for hint in err.hints() {
            s.push_str(&format!(
                "{}: {hint}\n",
                Self::paint(self.color_stderr, Style::Hint, "hint")
            ));
        }
        s
    }
}

/// Lines of a two-column table: `key` padded to `width`, then the first value (`-` when there
/// is none); further values on their own lines under the first.
pub(crate) fn row<I>(printer: &Printer, width: usize, key: &str, values: I) -> String
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let pad = " ".repeat(width.saturating_sub(key.chars().count()));
    let mut values = values.into_iter();
    let first = values.next();
    let first = first.as_ref().map_or("-", AsRef::as_ref);
    let mut s = format!("{}{pad}  {first}\n", printer.style(Style::Key, key));
    for v in values {
        s.push_str(&format!("{}  {}\n", " ".repeat(width), v.as_ref()));
    }
    s
}
