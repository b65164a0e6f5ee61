//! `connect-sso sandbox env`: the environment that points clients at a running sandbox.

use connect_sso_sandbox::Urls;

use crate::cli::SandboxEnvArgs;
use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;

/// Run the command.
pub(crate) fn run(args: &SandboxEnvArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let url = args.url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(CommandError::error(format!(
            "--url must be an http:// or https:// URL, got {url:?}"
        ))
        .hint("use the URL `connect-sso sandbox serve` printed, e.g. http://127.0.0.1:7341"));
    }
    let url = url.trim_end_matches('/');
    if !args.no_check {
        super::super::runtime()?
            .block_on(crate::target::probe_sandbox(url, "--url"))
            .map_err(|e| e.hint("or pass --no-check to print the exports anyway"))?;
    }
    let urls = Urls::new(url.to_string());
    printer.out(&super::export_lines(&urls.env()));
    Ok(ExitCode::Success)
}
