//! IAM Identity Center admin (`sso-admin`, awsJson1.1, `X-Amz-Target: SWBExternalService.<Op>`):
//! the one instance of the management account (docs/design/brokered.md, "Sandbox wire
//! contract"), its customer-managed SAML applications and their assignments. Signed by the
//! Connect account's keys, `ListInstances` and `ListApplications` answer empty lists (no
//! instance there) and every other operation is refused.

use axum::response::Response;
use serde_json::{Value, json};

use super::identity_center::apps::{Application, CUSTOM_SAML_PROVIDER_ARN};
use super::identity_center::{self as ic, Assignment, IdentityCenter, PrincipalType};
use super::ops::{JsonService, Operation, json_answer, operation};
use super::{AwsError, Caller};
use crate::State;

/// An operation's answer (the caller is in the management account unless the operation says).
type Answer = fn(&State, &Caller, &Value) -> Result<Value, AwsError>;

/// The operations answered (name → answer); see OPERATIONS.md.
pub const OPERATIONS: &[Operation<Answer>] = &[
    operation!("ListInstances", list_instances),
    operation!("DescribeInstance", describe_instance),
    operation!("ListApplications", list_applications),
    operation!("DescribeApplication", describe_application),
    operation!("CreateApplicationAssignment", create_application_assignment),
    operation!("DeleteApplicationAssignment", delete_application_assignment),
    operation!("ListApplicationAssignments", list_application_assignments),
    operation!(
        "DescribeApplicationAssignment",
        describe_application_assignment
    ),
];

/// When the sandbox's instance was created (Unix seconds; awsJson timestamps are numbers).
const INSTANCE_CREATED: i64 = 1_704_067_200;

fn in_management(caller: &Caller) -> bool {
    caller.account_id() == ic::MANAGEMENT_ACCOUNT_ID
}

fn s<'a>(input: &'a Value, member: &str) -> &'a str {
    input[member].as_str().unwrap_or_default()
}

/// The instance named by `InstanceArn`, or `AccessDeniedException` (the operations without a
/// `ResourceNotFoundException` answer so for an instance the caller cannot see).
fn check_instance(caller: &Caller, input: &Value) -> Result<(), AwsError> {
    let arn = s(input, "InstanceArn");
    if in_management(caller) && arn == ic::INSTANCE_ARN {
        return Ok(());
    }
    Err(AwsError::access_denied_json(format!(
        "User: {} is not authorized to access the instance {arn}: the sandbox's Identity Center instance is {} in account {} (sign with MANAGEMENT_ACCESS_KEY_ID).",
        caller.arn(),
        ic::INSTANCE_ARN,
        ic::MANAGEMENT_ACCOUNT_ID
    )))
}

fn not_found(message: String) -> AwsError {
    AwsError::bad_request("ResourceNotFoundException", message)
}

/// The application named by `ApplicationArn`.
fn application<'a>(
    ic: &'a IdentityCenter,
    caller: &Caller,
    input: &Value,
) -> Result<&'a Application, AwsError> {
    let arn = s(input, "ApplicationArn");
    ic.applications
        .iter()
        .find(|a| a.arn == arn && in_management(caller))
        .ok_or_else(|| {
            not_found(format!(
                "Application {arn} does not exist in the instance {} (ListApplications lists them).",
                ic::INSTANCE_ARN
            ))
        })
}

/// One page of `items` (`NextToken` is the index of the next item).
fn paginate(items: Vec<Value>, input: &Value, list: &str, max: usize) -> Result<Value, AwsError> {
    let start = match input["NextToken"].as_str() {
        None | Some("") => 0,
        Some(t) => t.parse::<usize>().map_err(|_| {
            AwsError::bad_request(
                "ValidationException",
                "The NextToken is not one this API gave.",
            )
        })?,
    };
    let size = input["MaxResults"]
        .as_u64()
        .map_or(max, |m| usize::try_from(m).unwrap_or(max).min(max));
    let end = start.saturating_add(size).min(items.len());
    let page: Vec<Value> = items
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut out = json!({ list: page });
    if end < items.len() {
        out["NextToken"] = json!(end.to_string());
    }
    Ok(out)
}

fn list_instances(_: &State, caller: &Caller, input: &Value) -> Result<Value, AwsError> {
    let instances = if in_management(caller) {
        vec![instance_json()]
    } else {
        Vec::new()
    };
    paginate(instances, input, "Instances", 100)
}

fn instance_json() -> Value {
    json!({
        "InstanceArn": ic::INSTANCE_ARN,
        "IdentityStoreId": ic::IDENTITY_STORE_ID,
        "OwnerAccountId": ic::MANAGEMENT_ACCOUNT_ID,
        "Name": "sandbox",
        "CreatedDate": INSTANCE_CREATED,
        "Status": "ACTIVE",
    })
}

fn describe_instance(_: &State, caller: &Caller, input: &Value) -> Result<Value, AwsError> {
    check_instance(caller, input)?;
    Ok(instance_json())
}

fn application_json(a: &Application) -> Value {
    json!({
        "ApplicationArn": a.arn,
        "ApplicationProviderArn": CUSTOM_SAML_PROVIDER_ARN,
        "Name": a.config.name,
        "ApplicationAccount": ic::MANAGEMENT_ACCOUNT_ID,
        "InstanceArn": ic::INSTANCE_ARN,
        "IdentityStoreArn": format!("arn:aws:identitystore::{}:identitystore/{}", ic::MANAGEMENT_ACCOUNT_ID, ic::IDENTITY_STORE_ID),
        "Status": a.status,
        "PortalOptions": {
            "SignInOptions": {"Origin": "IDENTITY_CENTER"},
            "Visibility": "ENABLED",
        },
        "CreatedDate": a.created.unix_timestamp(),
        "CreatedFrom": ic::REGION,
    })
}

fn list_applications(state: &State, caller: &Caller, input: &Value) -> Result<Value, AwsError> {
    if !in_management(caller) {
        return Ok(json!({ "Applications": [] }));
    }
    check_instance(caller, input)?;
    let filter = &input["Filter"];
    let apps: Vec<Value> = ic::lock(state)
        .applications
        .iter()
        .filter(|_| {
            filter["ApplicationAccount"]
                .as_str()
                .is_none_or(|a| a == ic::MANAGEMENT_ACCOUNT_ID)
        })
        .filter(|_| {
            filter["ApplicationProvider"]
                .as_str()
                .is_none_or(|p| p == CUSTOM_SAML_PROVIDER_ARN)
        })
        .map(application_json)
        .collect();
    paginate(apps, input, "Applications", 50)
}

fn describe_application(state: &State, caller: &Caller, input: &Value) -> Result<Value, AwsError> {
    let ic = ic::lock(state);
    Ok(application_json(application(&ic, caller, input)?))
}

/// The assignment the input names (application, principal ID and type), the application
/// checked to exist.
fn assignment_of(
    ic: &IdentityCenter,
    caller: &Caller,
    input: &Value,
) -> Result<Assignment, AwsError> {
    let app = application(ic, caller, input)?;
    let principal_type = match s(input, "PrincipalType") {
        "GROUP" => PrincipalType::Group,
        _ => PrincipalType::User,
    };
    Ok(Assignment {
        application_arn: app.arn.clone(),
        principal_id: s(input, "PrincipalId").to_string(),
        principal_type,
    })
}

/// Make `change` with the assignment the input names and, when it succeeds, mark AWS's state
/// changed; the answer is `{}`.
fn change_assignment(
    state: &State,
    caller: &Caller,
    input: &Value,
    change: impl FnOnce(&mut IdentityCenter, Assignment) -> Result<(), AwsError>,
) -> Result<Value, AwsError> {
    let mut ic = ic::lock(state);
    let a = assignment_of(&ic, caller, input)?;
    change(&mut ic, a)?;
    state.aws.changed();
    Ok(json!({}))
}

fn create_application_assignment(
    state: &State,
    caller: &Caller,
    input: &Value,
) -> Result<Value, AwsError> {
    change_assignment(state, caller, input, add_assignment)
}

/// Add an assignment of an existing principal, not yet assigned.
fn add_assignment(ic: &mut IdentityCenter, a: Assignment) -> Result<(), AwsError> {
    if !ic.principal_exists(&a.principal_id, a.principal_type) {
        return Err(not_found(format!(
            "The {} {} does not exist in the identity store {} (identitystore GetUserId / GetGroupId finds principal IDs).",
            if a.principal_type == PrincipalType::User {
                "user"
            } else {
                "group"
            },
            a.principal_id,
            ic::IDENTITY_STORE_ID
        )));
    }
    if ic.assignments.contains(&a) {
        return Err(AwsError::bad_request(
            "ConflictException",
            format!(
                "The principal {} is already assigned to the application {}.",
                a.principal_id, a.application_arn
            ),
        ));
    }
    ic.assignments.push(a);
    Ok(())
}

fn delete_application_assignment(
    state: &State,
    caller: &Caller,
    input: &Value,
) -> Result<Value, AwsError> {
    change_assignment(state, caller, input, |ic, a| {
        let before = ic.assignments.len();
        ic.assignments.retain(|x| *x != a);
        if ic.assignments.len() == before {
            return Err(no_assignment(&a));
        }
        Ok(())
    })
}

fn no_assignment(a: &Assignment) -> AwsError {
    not_found(format!(
        "The principal {} is not assigned to the application {}.",
        a.principal_id, a.application_arn
    ))
}

fn assignment_json(a: &Assignment) -> Value {
    json!({
        "ApplicationArn": a.application_arn,
        "PrincipalId": a.principal_id,
        "PrincipalType": a.principal_type,
    })
}

fn list_application_assignments(
    state: &State,
    caller: &Caller,
    input: &Value,
) -> Result<Value, AwsError> {
    let ic = ic::lock(state);
    let arn = application(&ic, caller, input)?.arn.clone();
    let rows: Vec<Value> = ic
        .assignments
        .iter()
        .filter(|a| a.application_arn == arn)
        .map(assignment_json)
        .collect();
    paginate(rows, input, "ApplicationAssignments", 100)
}

fn describe_application_assignment(
    state: &State,
    caller: &Caller,
    input: &Value,
) -> Result<Value, AwsError> {
    let ic = ic::lock(state);
    let a = assignment_of(&ic, caller, input)?;
    if ic.assignments.contains(&a) {
        Ok(assignment_json(&a))
    } else {
        Err(no_assignment(&a))
    }
}

/// `sso-admin`: `POST /aws/sso-admin/` served by [`crate::aws::ops::serve_json`] (SigV4 with signing name `sso`).
pub const SERVICE: JsonService = JsonService {
    name: "sso-admin",
    signing_name: "sso",
    target_prefix: "SWBExternalService",
    answer,
};

/// Find and run `op` (a body that is not JSON is an empty input).
fn answer(state: &State, caller: &Caller, op: &str, body: &[u8]) -> Result<Response, AwsError> {
    let input: Value = serde_json::from_slice(body).unwrap_or_else(|_| json!({}));
    let Some(o) = OPERATIONS.iter().find(|o| o.name == op) else {
        return Err(unknown_operation(op));
    };
    super::authorize(state, caller, "sso", o.name, "*")?;
    super::model::validate_request(SERVICE.name, o.name, &input)?;
    json_answer(SERVICE.name, o.name, (o.run)(state, caller, &input))
}

fn unknown_operation(op: &str) -> AwsError {
    if op.is_empty() {
        return AwsError::bad_request("UnknownOperationException", "Missing X-Amz-Target.");
    }
    AwsError::bad_request(
        "UnknownOperationException",
        format!("The sandbox's sso-admin does not emulate {op} (see OPERATIONS.md)."),
    )
}
