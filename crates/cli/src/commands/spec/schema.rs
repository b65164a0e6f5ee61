//! `connect-sso spec schema`: the JSON Schema of the spec format.

use crate::error::{CommandError, ExitCode};
use crate::printer::Printer;

/// Run the command: the schema on stdout.
pub(crate) fn run(printer: &Printer) -> Result<ExitCode, CommandError> {
    let mut schema = connect_sso_spec::json_schema();
    if schema.is_empty() {
        return Err(CommandError::error("could not produce the JSON Schema"));
    }
    schema.push('\n');
    printer.out(&schema);
    Ok(ExitCode::Success)
}
