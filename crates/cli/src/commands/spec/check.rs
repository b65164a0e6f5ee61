//! `connect-sso spec check`: validate a spec and show what follows from it.

use connect_sso_engine::planner::Unknown;
use connect_sso_spec::{Derived, Spec, TargetKind, Topology};
use serde_json::json;

use crate::cli::SpecCheckArgs;
use crate::commands::json_text;
use crate::error::{CommandError, ExitCode};
use crate::printer::{Printer, Style, row};
use crate::spec_file::{self, Severity};

/// Run the command. Exit 0 valid, 1 invalid (every problem located), 2 unreadable.
pub(crate) fn run(args: &SpecCheckArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let text = spec_file::read_text(&args.file)?;
    let spec = match Spec::parse(&text) {
        Ok(spec) => spec,
        Err(errors) => {
            if args.json {
                printer.out(&json_text(
                    &json!({"valid": false, "errors": errors.errors}),
                )?);
            }
            return Err(spec_file::invalid(&args.file, &errors, Severity::Rejected));
        }
    };
    let d = spec.derived();
    let instance = spec
        .connect
        .instance_id
        .clone()
        .unwrap_or_else(|| Unknown::InstanceId.placeholder().to_string());
    let relay_state = Derived::relay_state(&spec, &instance);
    if args.json {
        printer.out(&json_text(&json!({
            "valid": true,
            "derived": d,
            "relay_state": relay_state,
            "trust_policy": d.trust_policy(),
            "claims_policy_name": Derived::claims_policy_name(&spec),
            "claims_policy": Derived::claims_policy(&spec),
        }))?);
        return Ok(ExitCode::Success);
    }
    const W: usize = 16;
    let name = if args.file.as_os_str() == "-" {
        "the spec on standard input".to_string()
    } else {
        args.file.display().to_string()
    };
    let mut s = format!(
        "{} {name} is a valid spec\n\n",
        printer.style(Style::Ok, "valid:"),
    );
    let target = match (spec.target.kind, &spec.target.url) {
        (TargetKind::Sandbox, Some(u)) => format!("sandbox at {u}"),
        (TargetKind::Sandbox, None) => {
            "sandbox (--sandbox-url, $CONNECT_SSO_SANDBOX_URL or http://127.0.0.1:7341)".into()
        }
        (TargetKind::Cloud, _) => "cloud (Microsoft Graph and AWS with your credentials)".into(),
    };
    s.push_str(&row(printer, W, "target", [target]));
    s.push_str(&row(
        printer,
        W,
        "topology",
        [match spec.topology {
            Topology::Direct => "direct: Entra ID → IAM SAML provider → role → Connect",
            Topology::Brokered => "brokered: Entra ID → IAM Identity Center → Connect",
        }],
    ));
    s.push_str(&row(printer, W, "SAML provider", [&d.provider_arn]));
    s.push_str(&row(printer, W, "federation role", [&d.role_arn]));
    s.push_str(&match &spec.identity_center {
        Some(ic) if spec.topology == Topology::Brokered => {
            brokered_rows(printer, W, &spec, ic, &relay_state)
        }
        _ => direct_rows(printer, W, &spec, &relay_state),
    });
    let groups: Vec<String> = spec
        .entra
        .access
        .iter()
        .map(|a| {
            format!(
                "{} → {} ({})",
                a.group,
                a.security_profiles.join(", "),
                a.routing_profile
            )
        })
        .collect();
    s.push_str(&row(printer, W, "groups", &groups));
    if let Some(admin) = &spec.connect.admin {
        s.push_str(&row(
            printer,
            W,
            "admin",
            [format!(
                "{} → {}",
                admin.username,
                admin.security_profiles.join(", ")
            )],
        ));
    }
    let trust = serde_json::to_string_pretty(&d.trust_policy()).unwrap_or_default();
    s.push_str(&row(printer, W, "trust policy", trust.lines()));
    printer.out(&s);
    Ok(ExitCode::Success)
}

/// The rows of the direct topology: what Entra sends and where.
fn direct_rows(printer: &Printer, w: usize, spec: &Spec, relay_state: &str) -> String {
    let d = spec.derived();
    let mut s = String::new();
    s.push_str(&row(
        printer,
        w,
        "Role claim",
        [
            d.role_claim_value.clone(),
            format!("(the value of app role {:?})", spec.entra.app_role),
        ],
    ));
    s.push_str(&row(
        printer,
        w,
        "identifier",
        [format!("{}  (Entra: Identifier (Entity ID))", d.identifier)],
    ));
    s.push_str(&row(
        printer,
        w,
        "reply URL",
        [format!("{}  (Entra: Reply URL (ACS URL))", d.reply_url)],
    ));
    s.push_str(&row(printer, w, "SAML:aud", &d.saml_aud));
    s.push_str(&row(printer, w, "relay state", [relay_state]));
    let mut claims = vec![
        "RoleSessionName ← user.userprincipalname".to_string(),
        "Role ← user.assignedroles".to_string(),
    ];
    if let Some(sd) = spec.entra.session_duration {
        claims.push(format!("SessionDuration = {sd}"));
    }
    s.push_str(&row(printer, w, "claims", &claims));
    s
}

/// The rows of the brokered topology: Identity Center's side and the application's values.
fn brokered_rows(
    printer: &Printer,
    w: usize,
    spec: &Spec,
    ic: &connect_sso_spec::IdentityCenter,
    relay_state: &str,
) -> String {
    let d = spec.derived();
    let mut s = String::new();
    s.push_str(&row(
        printer,
        w,
        "identity center",
        [format!("account {} in {}", ic.account_id, ic.region)],
    ));
    s.push_str(&row(
        printer,
        w,
        "Entra app",
        [
            "identifier and Reply URL from Identity Center's SP metadata".to_string(),
            "claims: Entra's defaults (NameID = UPN = the identity store's username)".to_string(),
        ],
    ));
    s.push_str(&row(
        printer,
        w,
        "application",
        [
            format!(
                "{:?} (made in Identity Center's console)",
                ic.application_name
            ),
            format!("ACS URL {}", Derived::aws_signin_url(spec)),
            format!("audience {}", connect_sso_spec::IC_APPLICATION_AUDIENCE),
            format!("relay state {relay_state}"),
        ],
    ));
    let mappings: Vec<String> = d
        .ic_attribute_mappings()
        .into_iter()
        .map(|m| format!("{} = {} ({})", m.attribute, m.value, m.format))
        .collect();
    s.push_str(&row(printer, w, "mappings", &mappings));
    s.push_str(&row(printer, w, "SAML:aud", &d.saml_aud));
    s
}
