//! `connect-sso saml inspect`: show what a response says, trusting nothing.

use connect_sso_saml::inspect::{Inspection, SignatureInfo};

use super::algorithm_name;
use crate::cli::SamlInspectArgs;
use crate::commands::input;
use crate::error::{CommandError, ExitCode};
use crate::printer::{Printer, Style, row};

/// Run the command. Exit 0 whenever the response can be read, warnings or not.
pub(crate) fn run(args: &SamlInspectArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let xml = input::read_response(&args.response, printer)?;
    let inspection = connect_sso_saml::inspect(&xml)
        .map_err(|e| CommandError::error("could not read the SAML response").caused_by(&e))?;
    if args.json {
        let text = serde_json::to_string_pretty(&inspection)
            .map_err(|e| CommandError::error("could not write JSON").caused_by(&e))?;
        printer.out(&format!("{text}\n"));
    } else {
        printer.out(&render(printer, &inspection));
        if !inspection.warnings.is_empty() {
            printer.warn(&format!(
                "{} problem(s) found; nothing above is verified (use `connect-sso saml verify`)",
                inspection.warnings.len()
            ));
        }
    }
    Ok(ExitCode::Success)
}

/// The human report.
fn render(printer: &Printer, i: &Inspection) -> String {
    const W: usize = 12;
    let mut s = format!(
        "{}\n",
        printer.style(
            Style::Key,
            "UNVERIFIED: what the response says (signatures not checked)"
        )
    );
    s.push_str(&row(printer, W, "response", &i.response_id));
    s.push_str(&row(printer, W, "issued", &i.issue_instant));
    s.push_str(&row(printer, W, "destination", &i.destination));
    if i.in_response_to.is_some() {
        s.push_str(&row(printer, W, "in reply to", &i.in_response_to));
    }
    s.push_str(&row(printer, W, "status", &i.status));
    s.push_str(&row(printer, W, "issuer", &i.issuer));
    let subject = i.subject.as_ref().map(|sub| match &i.name_id_format {
        Some(f) => vec![sub.clone(), format!("({f})")],
        None => vec![sub.clone()],
    });
    s.push_str(&row(printer, W, "subject", subject.unwrap_or_default()));
    s.push_str(&row(printer, W, "audiences", &i.audiences));
    s.push_str(&row(
        printer,
        W,
        "valid",
        &[format!(
            "{} to {}",
            i.not_before.as_deref().unwrap_or("-"),
            i.not_on_or_after.as_deref().unwrap_or("-")
        )],
    ));
    s.push_str(&row(
        printer,
        W,
        "recipient",
        &[format!(
            "{} (until {})",
            i.recipient.as_deref().unwrap_or("-"),
            i.subject_not_on_or_after.as_deref().unwrap_or("-")
        )],
    ));
    s.push_str(&row(
        printer,
        W,
        "assertions",
        &[i.assertion_count.to_string()],
    ));
    if !i.attributes.is_empty() {
        s.push_str(&format!("{}\n", printer.style(Style::Key, "attributes")));
        for a in &i.attributes {
            s.push_str(&format!("  {}\n", a.name));
            if a.values.is_empty() {
                s.push_str("    (no values)\n");
            }
            for value in &a.values {
                s.push_str(&format!("    {value}\n"));
            }
        }
    }
    s.push_str(&format!("{}\n", printer.style(Style::Key, "signatures")));
    if i.signatures.is_empty() {
        s.push_str("  (none)\n");
    }
    for sig in &i.signatures {
        s.push_str(&signature(sig));
    }
    if !i.warnings.is_empty() {
        s.push_str(&format!("{}\n", printer.style(Style::Warning, "warnings")));
        for w in &i.warnings {
            s.push_str(&format!("  [{}] {}\n", w.kind, w.message));
        }
    }
    s
}

fn signature(sig: &SignatureInfo) -> String {
    let digests: Vec<&str> = sig
        .digest_methods
        .iter()
        .map(|d| algorithm_name(d))
        .collect();
    let mut s = format!(
        "  in {} references {} ({}, digest {})\n",
        sig.parent,
        if sig.references.is_empty() {
            "nothing".to_string()
        } else {
            sig.references.join(" ")
        },
        algorithm_name(&sig.signature_method),
        digests.join(" ")
    );
    for t in &sig.key_info_thumbprints {
        s.push_str(&format!("    KeyInfo certificate {t} (untrusted)\n"));
    }
    s
}
