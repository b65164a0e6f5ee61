//! Where every emulated AWS operation lives: one operation table per service (name → handler:
//! [`crate::aws::connect::OPERATIONS`], [`super::iam::OPERATIONS`],
//! [`super::sts::OPERATIONS`], [`super::sso_admin::OPERATIONS`]) serving exactly the
//! operations of the trimmed models (`crates/sandbox/models/`, which
//! `scripts/trim-aws-models.py` writes from the same lists). [`operations_md`] writes
//! `crates/sandbox/OPERATIONS.md` from the models, the tables and the notes below; a test keeps
//! the file current (`UPDATE_OPERATIONS=1` rewrites it).
//! [`serve_json`] is the one dispatcher of the awsJson1.1 services (`sso-admin`,
//! `identitystore`).

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{MethodRouter, post};
use serde_json::Value;

use super::{AwsError, Caller, model};
use crate::State;

/// One row of a service's operation table: the model's operation name, the handler and the
/// handler's name (OPERATIONS.md shows it).
pub struct Operation<H: 'static> {
    /// The model's operation name.
    pub name: &'static str,
    /// The handler's name in its file.
    pub handler: &'static str,
    /// The handler (with what else the service needs to run it).
    pub run: H,
}

/// A table row naming its handler: `operation!("GetRole", get_role)`, or with something the
/// service needs first: `operation!("DescribeUser", describe_user, Resource::User)`.
macro_rules! operation {
    ($name:literal, $run:ident) => {
        $crate::aws::ops::Operation {
            name: $name,
            handler: stringify!($run),
            run: $run,
        }
    };
    ($name:literal, $run:ident, $with:expr) => {
        $crate::aws::ops::Operation {
            name: $name,
            handler: stringify!($run),
            run: ($with, $run),
        }
    };
}
pub(crate) use operation;

/// The row of `op` in an awsQuery service's `table`; else `InvalidAction`, as AWS answers.
pub fn find<H>(
    table: &'static [Operation<H>],
    op: &str,
    version: &str,
) -> Result<&'static Operation<H>, AwsError> {
    table.iter().find(|o| o.name == op).ok_or_else(|| {
        AwsError::bad_request(
            "InvalidAction",
            format!("Could not find operation {op} for version {version}"),
        )
    })
}

/// Largest awsJson1.1 request body read.
const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;

/// An awsJson1.1 service as [`serve_json`] meets it on the wire.
pub struct JsonService {
    /// Its name in the models, scripted faults and rate limits (`sso-admin`).
    pub name: &'static str,
    /// Its SigV4 signing name (`sso`).
    pub signing_name: &'static str,
    /// What its `X-Amz-Target` header holds before `.<Operation>` (`SWBExternalService`).
    pub target_prefix: &'static str,
    /// Find and run an operation for an authenticated caller: (state, caller, operation, body).
    pub answer: fn(&State, &Caller, &str, &[u8]) -> Result<Response, AwsError>,
}

/// The route of an awsJson1.1 service: `POST`, served by [`serve_json`].
pub fn json_route(service: &'static JsonService) -> MethodRouter<Arc<State>> {
    post(
        move |AxState(state): AxState<Arc<State>>, req: axum::extract::Request| async move {
            serve_json(&state, service, req).await
        },
    )
}

/// Serve an awsJson1.1 request of `service`: read its body (at most 1 MiB), take the operation
/// from `X-Amz-Target` (empty when missing), authenticate the caller, apply faults and the rate
/// limit, then let the service's `answer` find and run the operation. Every error is answered
/// as awsJson.
pub async fn serve_json(
    state: &State,
    service: &JsonService,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_JSON_BODY_BYTES).await else {
        return AwsError::bad_request("ValidationException", "Request body too large.")
            .into_aws_json();
    };
    let op = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(service.target_prefix)?.strip_prefix('.'))
        .unwrap_or("");
    let served = async {
        let caller = super::authenticate(state, service.signing_name, &parts, &body)?;
        super::throttle_and_faults(state, service.name, op).await?;
        (service.answer)(state, &caller, op, &body)
    };
    served.await.unwrap_or_else(AwsError::into_aws_json)
}

/// The awsJson1.1 answer of operation `op` of `service`, checked against its model in debug
/// builds ([`model::debug_check`]).
pub fn json_answer(
    service: &str,
    op: &str,
    answer: Result<Value, AwsError>,
) -> Result<Response, AwsError> {
    let checked = answer.as_ref().map(Some).map_err(|e| e.code.as_str());
    model::debug_check(service, op, checked);
    Ok(super::json_answer(
        StatusCode::OK,
        "application/x-amz-json-1.1",
        &answer?,
    ))
}

/// `(operation, handler)` of every row of `service`'s table.
pub fn handlers(service: &str) -> Vec<(&'static str, &'static str)> {
    fn rows<H>(t: &'static [Operation<H>]) -> Vec<(&'static str, &'static str)> {
        t.iter().map(|o| (o.name, o.handler)).collect()
    }
    match service {
        "connect" => rows(super::connect::OPERATIONS),
        "iam" => rows(super::iam::OPERATIONS),
        "sts" => rows(super::sts::OPERATIONS),
        "sso-admin" => rows(super::sso_admin::OPERATIONS),
        "identitystore" => rows(super::identity_center::identitystore::OPERATIONS),
        _ => Vec::new(),
    }
}

/// The file each service's handlers live in (relative to `crates/sandbox`).
const HANDLERS: [(&str, &str); 5] = [
    ("connect", "src/aws/connect/api.rs"),
    ("iam", "src/aws/iam.rs"),
    ("sts", "src/aws/sts.rs"),
    ("sso-admin", "src/aws/sso_admin.rs"),
    ("identitystore", "src/aws/identity_center/identitystore.rs"),
];

/// What an operation does not model, beyond what its model validation covers
/// (`service operation|note`, one a line).
const GAPS: &str = "\
connect CreateInstance|no Directory Service; `ServiceRole` is synthetic; becomes ACTIVE after a configurable delay
connect DeleteInstance|immediate (no DELETION_IN_PROGRESS)
connect UpdateInstanceAttribute|only `INBOUND_CALLS` / `OUTBOUND_CALLS` change behaviour
connect CreateUser|agent statuses are not checked to exist; at most `users_per_instance` users (500, `/aws/_admin/connect/quotas`)
connect SearchUsers|`ListCondition` matches no user (no proficiencies are emulated)
connect CreateSecurityProfile|permissions and access-control members are validated, not kept; at most 100 per instance
connect CreateRoutingProfile|only the default queue exists; concurrencies and queue priorities are validated, not kept; at most 500 per instance
connect UpdateUserHierarchyStructure|levels are defined without gaps and one holding groups is not removed [I]
connect CreateUserHierarchyGroup|names are unique within a level [I]; no quota on groups
connect GetFederationToken|tokens open the sandbox's agent page only
iam CreatePolicy|one version (`v1`) per policy; no permissions boundaries
iam GetPolicyVersion|only `v1` exists
iam ListRoles|`Marker` is the next role's name
iam CreateSAMLProvider|no `AssertionEncryptionMode` / private keys
sts AssumeRoleWithSAML|session policies (`Policy`, `PolicyArns`) are not applied
sso-admin ListInstances|one instance, in the management account only (empty for the Connect account)
sso-admin ListApplications|customer-managed SAML applications only (made through `/aws/_admin/identity-center/applications`)
sso-admin CreateApplicationAssignment|no quota
identitystore GetUserId|`UniqueAttribute` on `userName` (case-insensitive) and `emails.value`, or `ExternalId` (any issuer)
identitystore GetGroupId|`UniqueAttribute` on `displayName` (case-insensitive), or `ExternalId` (any issuer)
identitystore DescribeUser|no `Extensions`, addresses, phone numbers; no creation times
identitystore ListUsers|`Filters` on `UserName` only (deprecated); `NextToken` is an offset
identitystore ListGroups|`Filters` on `DisplayName` only (deprecated); `NextToken` is an offset";

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
        Some("json") => format!(
            "`X-Amz-Target: {}.{op}`",
            model.map_or("", model::Model::target_prefix)
        ),
        _ => format!("`Action={op}`"),
    }
}

/// The text of `crates/sandbox/OPERATIONS.md`.
pub fn operations_md() -> String {
    let mut md = String::from(
        "# Emulated AWS operations\n\n\
         Generated from the trimmed AWS models (`models/`) and `src/aws/ops.rs`: do not edit;\n\
         `UPDATE_OPERATIONS=1 cargo test -p connect-sso-sandbox --test sandbox operations_md` rewrites it.\n\
         Every request is validated against its operation's input shape before the handler runs;\n\
         in debug builds every answer is checked against its output shape and declared errors.\n",
    );
    for (service, file) in HANDLERS {
        let Some(m) = model::of(service) else {
            continue;
        };
        let names = m.operation_names();
        let _ = write!(
            md,
            "\n## {service} ({} protocol, {} operations, handlers in `{file}`)\n\n\
             | operation | handler | request | declared errors | not modelled |\n| --- | --- | --- | --- | --- |\n",
            m.protocol(),
            names.len()
        );
        let handlers = handlers(service);
        for op in names {
            let handler = handlers
                .iter()
                .find(|h| h.0 == op)
                .map_or("(none)", |h| h.1);
            let key = format!("{service} {op}|");
            let gap = GAPS
                .lines()
                .find_map(|l| l.strip_prefix(&key))
                .unwrap_or("");
            let errors: Vec<&str> = m.errors(op).collect();
            let _ = writeln!(
                md,
                "| {op} | `{handler}` | {} | {} | {gap} |",
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
