//! Where every emulated AWS operation lives: the operation tables ([`crate::aws::connect`]'s
//! `OPERATIONS`, IAM's and STS's `dispatch`, [`super::sso_admin::OPERATIONS`]) serve exactly
//! the operations of the trimmed models (`crates/sandbox/models/`, which
//! `scripts/trim-aws-models.py` writes from the same lists). [`operations_md`] writes
//! `crates/sandbox/OPERATIONS.md` from the models and the notes below; a test keeps the file
//! current (`UPDATE_OPERATIONS=1` rewrites it).

use std::fmt::Write as _;

use super::model;

/// The file each service's handlers live in (relative to `crates/sandbox`).
const HANDLERS: [(&str, &str); 4] = [
    ("connect", "src/aws/connect/api.rs"),
    ("iam", "src/aws/iam.rs"),
    ("sts", "src/aws/sts.rs"),
    ("sso-admin", "src/aws/sso_admin.rs"),
];

/// What an operation does not model, beyond what its model validation covers
/// (`service operation|note`, one a line).
const GAPS: &str = "\
connect CreateInstance|no Directory Service; `ServiceRole` is synthetic; becomes ACTIVE after a configurable delay
connect DeleteInstance|immediate (no DELETION_IN_PROGRESS)
connect UpdateInstanceAttribute|only `INBOUND_CALLS` / `OUTBOUND_CALLS` change behaviour
connect CreateUser|hierarchy groups and agent statuses are not checked to exist
connect SearchUsers|`ListCondition` (proficiencies) and `UserAttributeFilter` are refused; WITH_CHILD_GROUPS matches like EXACT
connect ListSecurityProfiles|only the four default profiles exist
connect ListRoutingProfiles|only the default routing profile exists
connect GetFederationToken|tokens open the sandbox's agent page only
iam CreatePolicy|one version (`v1`) per policy; no permissions boundaries
iam GetPolicyVersion|only `v1` exists
iam ListRoles|`Marker` is the next role's name
iam CreateSAMLProvider|no `AssertionEncryptionMode` / private keys
sts AssumeRoleWithSAML|session policies (`Policy`, `PolicyArns`) are not applied
sso-admin ListInstances|no Identity Center instance exists: always empty
sso-admin ListApplications|always empty; every other operation answers ResourceNotFoundException";

/// How a request names `op` on the wire.
fn wire(service: &str, op: &str) -> String {
    let model = model::of(service);
    let http = model.and_then(|m| m.operation(op)).map(|o| &o["http"]);
    match model.map(model::Model::protocol) {
        Some("rest-json") => format!(
            "`{} {}`",
            http.and_then(|h| h["method"].as_str()).unwrap_or(""),
            http.and_then(|h| h["requestUri"].as_str()).unwrap_or("")
        ),
        Some("json") => format!("`X-Amz-Target: SWBExternalService.{op}`"),
        _ => format!("`Action={op}`"),
    }
}

/// The text of `crates/sandbox/OPERATIONS.md`.
pub fn operations_md() -> String {
    let mut md = String::from(
        "# Emulated AWS operations\n\n\
         Generated from the trimmed AWS models (`models/`) and `src/aws/ops.rs`: do not edit;\n\
         `UPDATE_OPERATIONS=1 cargo test -p connect-sso-sandbox --test sandbox operations_md` rewrites it.\n\
         Every request is validated against its operation's input shape before the handler runs.\n",
    );
    for (service, file) in HANDLERS {
        let Some(m) = model::of(service) else {
            continue;
        };
        let names = m.operation_names();
        let _ = write!(
            md,
            "\n## {service} ({} protocol, {} operations, handlers in `{file}`)\n\n\
             | operation | request | declared errors | not modelled |\n| --- | --- | --- | --- |\n",
            m.protocol(),
            names.len()
        );
        for op in names {
            let key = format!("{service} {op}|");
            let gap = GAPS
                .lines()
                .find_map(|l| l.strip_prefix(&key))
                .unwrap_or("");
            let errors: Vec<&str> = m.errors(op).collect();
            let _ = writeln!(
                md,
                "| {op} | {} | {} | {gap} |",
                wire(service, op),
                errors.join(", ")
            );
        }
        let unenforced = m.unenforced_patterns();
        if !unenforced.is_empty() {
            md.push_str("\nModel patterns not enforced by the model layer (checked by hand where the service does):\n\n");
            for p in unenforced {
                let _ = writeln!(md, "- `{p}`");
            }
        }
    }
    md
}
