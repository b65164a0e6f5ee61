//! `connect-sso spec schema [--of DOC]`: the JSON Schema of the spec format, or of a command's
//! `--json` output. The output schemas are generated from the types that are serialised, and
//! checked into docs/schemas/ (a test keeps them current).

use crate::cli::{SchemaOf, SpecSchemaArgs};
use crate::commands::destroy::DestroySummary;
use crate::commands::login::LoginJson;
use crate::commands::mission::{ApplyOutput, SavedPlan};
use crate::commands::sync::SyncJson;
use crate::error::{CommandError, ExitCode, JsonFailure};
use crate::printer::Printer;

/// The schema of `of`, pretty-printed.
pub(crate) fn schema_text(of: SchemaOf) -> Result<String, CommandError> {
    let schema = match of {
        SchemaOf::Spec => return Ok(connect_sso_spec::json_schema()),
        SchemaOf::Plan => schemars::schema_for!(connect_sso_engine::Plan),
        SchemaOf::SavedPlan => schemars::schema_for!(SavedPlan),
        SchemaOf::Apply => schemars::schema_for!(ApplyOutput),
        SchemaOf::Destroy => schemars::schema_for!(DestroySummary),
        SchemaOf::Login => schemars::schema_for!(LoginJson),
        SchemaOf::Sync => schemars::schema_for!(SyncJson<'static>),
        SchemaOf::SyncRound => schemars::schema_for!(connect_sso_engine::sync::Round),
        SchemaOf::Error => schemars::schema_for!(JsonFailure<'static>),
    };
    serde_json::to_string_pretty(&schema)
        .map_err(|e| CommandError::error("could not write the JSON Schema").caused_by(&e))
}

/// Run the command: the schema on stdout.
pub(crate) fn run(args: &SpecSchemaArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let mut schema = schema_text(args.of)?;
    if schema.is_empty() {
        return Err(CommandError::error("could not produce the JSON Schema"));
    }
    schema.push('\n');
    printer.out(&schema);
    Ok(ExitCode::Success)
}
