//! The Connect restJson1 operations: one table ([`OPERATIONS`]: name → IAM resource, handler),
//! routed by the model's `http` method and `requestUri`, each request authenticated (SigV4),
//! authorized through IAM for assumed-role callers, rate-limited and fault-injected, and
//! validated against the model before its handler runs.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State as AxState};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, any, get};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::{error, invalid_parameter};
use super::hierarchy::LEVELS;
use super::model::{Ctx, IdentityInfo, Profile};
use super::search::{Criteria, Filter};
use super::{ConnectState, json as out, paging};
use crate::State;
use crate::aws::ops::{Operation, operation};
use crate::aws::{AwsError, Caller, model};

/// Largest request body read (Connect bodies are small).
const MAX_BODY: usize = 1 << 20;

/// The IAM resource an operation is authorized on, from its input.
#[derive(Debug, Clone, Copy)]
pub enum Resource {
    /// `*` (CreateInstance, ListInstances).
    Any,
    /// The instance of `InstanceId`.
    Instance,
    /// The user `UserId` of `InstanceId`.
    User,
    /// The `resourceArn` itself (tag operations).
    Arn,
    /// The caller's own user, checked by the handler (GetFederationToken).
    OwnUser,
}

/// A handler: the validated call in, the answer's members out.
type Handler = fn(&State, &Call) -> Result<Value, AwsError>;

/// One emulated operation: its row with the IAM resource it is authorized on.
pub type Op = Operation<(Resource, Handler)>;

/// Every Connect operation the sandbox emulates.
pub const OPERATIONS: &[Op] = &[
    operation!("CreateInstance", create_instance, Resource::Any),
    operation!("DescribeInstance", describe_instance, Resource::Instance),
    operation!("ListInstances", list_instances, Resource::Any),
    operation!("DeleteInstance", delete_instance, Resource::Instance),
    operation!(
        "UpdateInstanceAttribute",
        update_instance_attribute,
        Resource::Instance
    ),
    operation!("CreateUser", create_user, Resource::Instance),
    operation!("DescribeUser", describe_user, Resource::User),
    operation!("DeleteUser", delete_user, Resource::User),
    operation!(
        "UpdateUserIdentityInfo",
        update_user_identity_info,
        Resource::User
    ),
    operation!(
        "UpdateUserSecurityProfiles",
        update_user_security_profiles,
        Resource::User
    ),
    operation!(
        "UpdateUserRoutingProfile",
        update_user_routing_profile,
        Resource::User
    ),
    operation!("ListUsers", list_users, Resource::Instance),
    operation!("SearchUsers", search_users, Resource::Instance),
    operation!("ListSecurityProfiles", list_profiles, Resource::Instance),
    operation!("ListRoutingProfiles", list_profiles, Resource::Instance),
    operation!("ListQueues", list_profiles, Resource::Instance),
    operation!(
        "GetFederationToken",
        get_federation_token,
        Resource::OwnUser
    ),
    operation!(
        "CreateSecurityProfile",
        create_security_profile,
        Resource::Instance
    ),
    operation!(
        "CreateRoutingProfile",
        create_routing_profile,
        Resource::Instance
    ),
    operation!(
        "UpdateUserHierarchyStructure",
        update_user_hierarchy_structure,
        Resource::Instance
    ),
    operation!(
        "DescribeUserHierarchyStructure",
        describe_user_hierarchy_structure,
        Resource::Instance
    ),
    operation!(
        "CreateUserHierarchyGroup",
        create_user_hierarchy_group,
        Resource::Instance
    ),
    operation!(
        "DescribeUserHierarchyGroup",
        describe_user_hierarchy_group,
        Resource::Instance
    ),
    operation!(
        "ListUserHierarchyGroups",
        list_user_hierarchy_groups,
        Resource::Instance
    ),
    operation!("UpdateUserHierarchy", update_user_hierarchy, Resource::User),
    operation!("TagResource", tag_resource, Resource::Arn),
    operation!("UntagResource", untag_resource, Resource::Arn),
    operation!("ListTagsForResource", list_tags_for_resource, Resource::Arn),
];

/// The Connect routes, relative to the service root (`/aws/connect`): each operation at its
/// model `requestUri` (axum's `{label}` syntax is the model's), and the agent page.
pub fn routes() -> Router<Arc<State>> {
    let mut paths: BTreeMap<&str, MethodRouter<Arc<State>>> = BTreeMap::new();
    let model = model::of("connect");
    for op in OPERATIONS {
        let http = model.and_then(|m| m.operation(op.name)).map(|o| &o["http"]);
        let method = http.and_then(|h| h["method"].as_str());
        let path = http.and_then(|h| h["requestUri"].as_str());
        let filter = method
            .and_then(|m| Method::from_bytes(m.as_bytes()).ok())
            .and_then(|m| MethodFilter::try_from(m).ok());
        let (Some(path), Some(filter)) = (path, filter) else {
            continue;
        };
        let handler = move |st: AxState<Arc<State>>,
                            Path(labels): Path<HashMap<String, String>>,
                            req: Request| dispatch(st.0, op, labels, req);
        let route = paths.remove(path).unwrap_or_default().on(filter, handler);
        paths.insert(path, route);
    }
    paths
        .into_iter()
        .fold(Router::new(), |r, (path, route)| {
            r.route(path, route.fallback(unknown_operation))
        })
        .route("/app/{instance_id}", get(super::agent_page::page))
        .route(
            "/app/{instance_id}/{*destination}",
            get(super::agent_page::page_at),
        )
        // A nested router's fallback is not reached when the outer router matched the prefix
        // (axum issue #3138), so unknown paths get an explicit catch-all route.
        .route("/{*rest}", any(unknown_operation))
        .fallback(unknown_operation)
}

/// An authenticated, admitted and validated call.
pub struct Call {
    op: &'static str,
    input: Value,
    ctx: Ctx,
    caller: Caller,
}

impl Call {
    /// A string member of the input (`""` when absent).
    fn s(&self, member: &str) -> &str {
        self.input[member].as_str().unwrap_or_default()
    }

    /// A member of the input as a Rust type (`T::default()`-like `None` when absent).
    fn typed<T: DeserializeOwned>(&self, member: Option<&str>) -> Result<T, AwsError> {
        let v = member.map_or(&self.input, |m| &self.input[m]);
        serde_json::from_value(v.clone()).map_err(|e| {
            error(
                "SerializationException",
                format!("The request body is not valid JSON for this operation: {e}."),
            )
        })
    }

    /// `MaxResults` / `NextToken` for the list `list`.
    fn page(&self, list: &str, default: usize) -> Result<paging::PageRequest, AwsError> {
        let (token, max) = (
            self.input["NextToken"].as_str(),
            self.input["MaxResults"].as_i64(),
        );
        paging::page_request(list, token, max, default)
    }
}

/// Authenticate, build the input from labels, query and body, authorize, apply the rate limit
/// and faults, validate against the model, run the handler; answer with a request ID.
async fn dispatch(
    st: Arc<State>,
    op: &'static Op,
    labels: HashMap<String, String>,
    req: Request,
) -> Response {
    let answer = async {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
            error(
                "SerializationException",
                "The request body could not be read or is larger than 1 MiB.".to_string(),
            )
        })?;
        let caller = crate::aws::authenticate(&st, "connect", &parts, &body)?;
        let query: Vec<(String, String)> = parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let input = model::of("connect")
            .and_then(|m| m.rest_input(op.name, &labels, &query, &body))
            .ok_or_else(|| {
                error(
                    "SerializationException",
                    "The request body is not a JSON object.".to_string(),
                )
            })?;
        let region = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| crate::aws::sigv4::parse_authorization(v).ok())
            .map(|a| a.region);
        let ctx = super::ctx_in(&st, &caller, region);
        if let Some(resource) = resource_arn(op.run.0, &ctx, &input) {
            crate::aws::authorize(&st, &caller, "connect", op.name, &resource)?;
        }
        crate::aws::throttle_and_faults(&st, "connect", op.name).await?;
        let (name, run) = (op.name, op.run.1);
        let answer = model::validate_request("connect", name, &input).and_then(|()| {
            let call = Call {
                op: name,
                input,
                ctx,
                caller,
            };
            run(&st, &call).map_err(|e| declared(name, e))
        });
        let checked = answer.as_ref().map(Some).map_err(|e| e.code.as_str());
        model::debug_check("connect", name, checked);
        answer
    }
    .await;
    match answer {
        Ok(v) => crate::aws::json_answer(StatusCode::OK, "application/json", &v),
        Err(e) => declared(op.name, e).into_rest_json(),
    }
}

/// The model's error for `op`: `InvalidParameterException` where the operation does not
/// declare it (CreateInstance, ListInstances, …) is its `InvalidRequestException`.
fn declared(op: &str, mut e: AwsError) -> AwsError {
    let connect = model::of("connect");
    if e.code == "InvalidParameterException"
        && connect.is_some_and(|m| !m.declares_error(op, &e.code))
    {
        e.code = "InvalidRequestException".to_string();
    }
    e
}

fn resource_arn(resource: Resource, ctx: &Ctx, input: &Value) -> Option<String> {
    let s = |m: &str| input[m].as_str().unwrap_or_default().to_string();
    match resource {
        Resource::Any => Some("*".to_string()),
        Resource::Instance => Some(instance_arn(ctx, &s("InstanceId"))),
        Resource::User => Some(user_arn(ctx, &s("InstanceId"), &s("UserId"))),
        Resource::Arn => Some(s("resourceArn")),
        Resource::OwnUser => None,
    }
}

fn instance_arn(ctx: &Ctx, instance_id: &str) -> String {
    if instance_id.starts_with("arn:") {
        instance_id.to_string()
    } else {
        format!(
            "arn:aws:connect:{}:{}:instance/{instance_id}",
            ctx.region, ctx.account_id
        )
    }
}

fn user_arn(ctx: &Ctx, instance_id: &str, user_id: &str) -> String {
    if user_id.starts_with("arn:") {
        user_id.to_string()
    } else {
        format!("{}/agent/{user_id}", instance_arn(ctx, instance_id))
    }
}

fn connect(st: &State) -> &ConnectState {
    &st.aws.connect
}

fn with_next(mut v: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        v["NextToken"] = json!(t);
    }
    v
}

// ---- instances -------------------------------------------------------------------------------

fn create_instance(st: &State, c: &Call) -> Result<Value, AwsError> {
    let input = c.typed(None)?;
    let (id, arn) = connect(st).write(|d| d.create_instance(&c.ctx, input))?;
    Ok(json!({ "Id": id, "Arn": arn }))
}

fn describe_instance(st: &State, c: &Call) -> Result<Value, AwsError> {
    connect(st).read(|d| {
        d.instance(&c.ctx, c.s("InstanceId"))
            .map(|i| json!({ "Instance": out::instance(i, c.ctx.now_ms) }))
    })
}

fn list_instances(st: &State, c: &Call) -> Result<Value, AwsError> {
    let page = c.page("instances", 10)?;
    Ok(connect(st).read(|d| {
        let (items, next) = paging::page("instances", d.instances_of(&c.ctx), |i| i.seq, page);
        let list: Vec<Value> = items
            .into_iter()
            .map(|i| out::instance_summary(i, c.ctx.now_ms))
            .collect();
        with_next(json!({ "InstanceSummaryList": list }), next)
    }))
}

fn delete_instance(st: &State, c: &Call) -> Result<Value, AwsError> {
    connect(st).write(|d| d.delete_instance(&c.ctx, c.s("InstanceId")))?;
    Ok(json!({}))
}

fn update_instance_attribute(st: &State, c: &Call) -> Result<Value, AwsError> {
    let (id, attribute, value) = (c.s("InstanceId"), c.s("AttributeType"), c.s("Value"));
    connect(st).write(|d| d.update_instance_attribute(&c.ctx, id, attribute, value))?;
    Ok(json!({}))
}

// ---- users -----------------------------------------------------------------------------------

fn create_user(st: &State, c: &Call) -> Result<Value, AwsError> {
    let input = c.typed(None)?;
    let (id, arn) = connect(st).write(|d| d.create_user(&c.ctx, c.s("InstanceId"), input))?;
    Ok(json!({ "UserId": id, "UserArn": arn }))
}

fn describe_user(st: &State, c: &Call) -> Result<Value, AwsError> {
    connect(st).read(|d| {
        let i = d.active_instance(&c.ctx, c.s("InstanceId"))?;
        let u = i.user(c.s("UserId"))?;
        Ok(json!({ "User": out::user(u, &c.ctx.region) }))
    })
}

fn delete_user(st: &State, c: &Call) -> Result<Value, AwsError> {
    connect(st).write(|d| d.delete_user(&c.ctx, c.s("InstanceId"), c.s("UserId")))?;
    Ok(json!({}))
}

fn update_user_identity_info(st: &State, c: &Call) -> Result<Value, AwsError> {
    let info: IdentityInfo = c.typed(Some("IdentityInfo"))?;
    let (i, u) = (c.s("InstanceId"), c.s("UserId"));
    connect(st).write(|d| d.update_user_identity_info(&c.ctx, i, u, info))?;
    Ok(json!({}))
}

fn update_user_security_profiles(st: &State, c: &Call) -> Result<Value, AwsError> {
    let ids: Vec<String> = c.typed(Some("SecurityProfileIds"))?;
    let (i, u) = (c.s("InstanceId"), c.s("UserId"));
    connect(st).write(|d| d.update_user_security_profiles(&c.ctx, i, u, ids))?;
    Ok(json!({}))
}

fn update_user_routing_profile(st: &State, c: &Call) -> Result<Value, AwsError> {
    let (i, u, p) = (c.s("InstanceId"), c.s("UserId"), c.s("RoutingProfileId"));
    connect(st).write(|d| d.update_user_routing_profile(&c.ctx, i, u, p))?;
    Ok(json!({}))
}

fn list_users(st: &State, c: &Call) -> Result<Value, AwsError> {
    let page = c.page("users", 100)?;
    connect(st).read(|d| {
        let i = d.active_instance(&c.ctx, c.s("InstanceId"))?;
        let (users, next) = paging::page("users", i.users.iter(), |u| u.seq, page);
        let list: Vec<Value> = users
            .into_iter()
            .map(|u| out::user_summary(u, &c.ctx.region))
            .collect();
        Ok(with_next(json!({ "UserSummaryList": list }), next))
    })
}

fn search_users(st: &State, c: &Call) -> Result<Value, AwsError> {
    // A page holds 100 by default (docs/facts.md §2).
    let page = c.page("search-users", 100)?;
    let criteria: Option<Criteria> = c.typed(Some("SearchCriteria"))?;
    let criteria = criteria.unwrap_or_default();
    criteria.validate()?;
    let filter: Option<Filter> = c.typed(Some("SearchFilter"))?;
    let filter = filter.unwrap_or_default();
    filter.validate()?;
    connect(st).read(|d| {
        let i = d.active_instance(&c.ctx, c.s("InstanceId"))?;
        let matching: Vec<_> = i
            .users
            .iter()
            .filter(|u| criteria.matches(u, &i.hierarchy) && filter.matches(u, &i.hierarchy))
            .collect();
        let total = matching.len();
        let (users, next) = paging::page("search-users", matching.into_iter(), |u| u.seq, page);
        let list: Vec<Value> = users.into_iter().map(out::user_search_summary).collect();
        let body = json!({ "Users": list, "ApproximateTotalCount": total });
        Ok(with_next(body, next))
    })
}

/// ListSecurityProfiles, ListRoutingProfiles and ListQueues (standard queues only: the agent
/// queue every user has is not emulated, so `QueueTypes=AGENT` lists none).
fn list_profiles(st: &State, c: &Call) -> Result<Value, AwsError> {
    let (key, list) = match c.op {
        "ListSecurityProfiles" => ("SecurityProfileSummaryList", "security-profiles"),
        "ListRoutingProfiles" => ("RoutingProfileSummaryList", "routing-profiles"),
        _ => ("QueueSummaryList", "queues"),
    };
    let page = c.page(list, 100)?;
    let types = c.input["QueueTypes"].as_array();
    let standard = types.is_none_or(|t| t.iter().any(|t| t == "STANDARD"));
    connect(st).read(|d| {
        let i = d.active_instance(&c.ctx, c.s("InstanceId"))?;
        let profiles: &[Profile] = match list {
            "security-profiles" => &i.security_profiles,
            "routing-profiles" => &i.routing_profiles,
            _ if standard => &i.queues,
            _ => &[],
        };
        // Profiles never move: their position is their sequence number.
        let indexed: Vec<(u64, &Profile)> = (0u64..).zip(profiles.iter()).collect();
        let (items, next) = paging::page(list, indexed.iter(), |p| p.0, page);
        let summaries: Vec<Value> = items
            .into_iter()
            .map(|(_, p)| {
                let mut v = out::profile_summary(p, &c.ctx.region);
                if list == "queues" {
                    v["QueueType"] = json!("STANDARD");
                }
                v
            })
            .collect();
        Ok(with_next(json!({ key: summaries }), next))
    })
}

fn create_security_profile(st: &State, c: &Call) -> Result<Value, AwsError> {
    let input = c.typed(None)?;
    let (id, arn) = connect(st).write(|d| {
        d.instance_mut(&c.ctx, c.s("InstanceId"))?
            .create_security_profile(&c.ctx, input)
    })?;
    Ok(json!({ "SecurityProfileId": id, "SecurityProfileArn": arn }))
}

fn create_routing_profile(st: &State, c: &Call) -> Result<Value, AwsError> {
    let input = c.typed(None)?;
    let (id, arn) = connect(st).write(|d| {
        d.instance_mut(&c.ctx, c.s("InstanceId"))?
            .create_routing_profile(&c.ctx, input)
    })?;
    Ok(json!({ "RoutingProfileId": id, "RoutingProfileArn": arn }))
}

// ---- user hierarchy --------------------------------------------------------------------------

fn update_user_hierarchy_structure(st: &State, c: &Call) -> Result<Value, AwsError> {
    let update = &c.input["HierarchyStructure"];
    let names = std::array::from_fn(|i| update[LEVELS[i]]["Name"].as_str().map(str::to_string));
    connect(st).write(|d| {
        let i = d.instance_mut(&c.ctx, c.s("InstanceId"))?;
        i.hierarchy.update_structure(&c.ctx, &i.arn, names)
    })?;
    Ok(json!({}))
}

fn describe_user_hierarchy_structure(st: &State, c: &Call) -> Result<Value, AwsError> {
    connect(st).read(|d| {
        let i = d.active_instance(&c.ctx, c.s("InstanceId"))?;
        let structure = out::hierarchy_structure(&i.hierarchy, &c.ctx.region);
        Ok(json!({ "HierarchyStructure": structure }))
    })
}

fn create_user_hierarchy_group(st: &State, c: &Call) -> Result<Value, AwsError> {
    let tags: Option<BTreeMap<String, String>> = c.typed(Some("Tags"))?;
    let parent = c.input["ParentGroupId"].as_str();
    let (id, arn) = connect(st).write(|d| {
        let i = d.instance_mut(&c.ctx, c.s("InstanceId"))?;
        let tags = tags.unwrap_or_default();
        i.hierarchy
            .create_group(&c.ctx, &i.arn, c.s("Name"), parent, tags)
    })?;
    Ok(json!({ "HierarchyGroupId": id, "HierarchyGroupArn": arn }))
}

fn describe_user_hierarchy_group(st: &State, c: &Call) -> Result<Value, AwsError> {
    connect(st).read(|d| {
        let i = d.active_instance(&c.ctx, c.s("InstanceId"))?;
        let g = i.hierarchy.describe(c.s("HierarchyGroupId"))?;
        let group = out::hierarchy_group(&i.hierarchy, g, &c.ctx.region);
        Ok(json!({ "HierarchyGroup": group }))
    })
}

fn list_user_hierarchy_groups(st: &State, c: &Call) -> Result<Value, AwsError> {
    let page = c.page("user-hierarchy-groups", 100)?;
    connect(st).read(|d| {
        let i = d.active_instance(&c.ctx, c.s("InstanceId"))?;
        // Groups are never deleted: their position is their sequence number.
        let indexed: Vec<(u64, _)> = (0u64..).zip(i.hierarchy.groups.iter()).collect();
        let (items, next) = paging::page("user-hierarchy-groups", indexed.iter(), |g| g.0, page);
        let list: Vec<Value> = items
            .into_iter()
            .map(|(_, g)| out::hierarchy_group_summary(g, &c.ctx.region))
            .collect();
        Ok(with_next(
            json!({ "UserHierarchyGroupSummaryList": list }),
            next,
        ))
    })
}

fn update_user_hierarchy(st: &State, c: &Call) -> Result<Value, AwsError> {
    let (i, u) = (c.s("InstanceId"), c.s("UserId"));
    let group = c.input["HierarchyGroupId"].as_str();
    connect(st).write(|d| d.update_user_hierarchy(&c.ctx, i, u, group))?;
    Ok(json!({}))
}

// ---- federation ------------------------------------------------------------------------------

fn get_federation_token(st: &State, c: &Call) -> Result<Value, AwsError> {
    let region = Some(c.ctx.region.as_str());
    let grant = super::federation_grant(st, &c.caller, region, c.s("InstanceId"))?;
    Ok(json!({
        "Credentials": {
            "AccessToken": grant.access_token,
            "AccessTokenExpiration": out::epoch_seconds(grant.expires_ms),
            "RefreshToken": grant.refresh_token,
            "RefreshTokenExpiration": out::epoch_seconds(grant.expires_ms),
        },
        "SignInUrl": grant.sign_in_url,
        "UserArn": grant.user_arn,
        "UserId": grant.user_id,
    }))
}

// ---- tags ------------------------------------------------------------------------------------

fn tag_resource(st: &State, c: &Call) -> Result<Value, AwsError> {
    let tags: BTreeMap<String, String> = c.typed(Some("tags"))?;
    connect(st).write(|d| {
        let current = d.tags_mut(&c.ctx, c.s("resourceArn"))?;
        let mut merged = current.clone();
        merged.extend(tags);
        // The model bounds one request's tags, not the sum: a resource has at most 50.
        if merged.len() > 50 {
            let n = merged.len();
            return Err(invalid_parameter(format!(
                "A resource can have at most 50 tags; got {n}."
            )));
        }
        *current = merged;
        Ok(())
    })?;
    Ok(json!({}))
}

fn untag_resource(st: &State, c: &Call) -> Result<Value, AwsError> {
    let keys: Vec<String> = c.typed(Some("tagKeys"))?;
    connect(st).write(|d| {
        let current = d.tags_mut(&c.ctx, c.s("resourceArn"))?;
        for k in &keys {
            current.remove(k);
        }
        Ok(())
    })?;
    Ok(json!({}))
}

fn list_tags_for_resource(st: &State, c: &Call) -> Result<Value, AwsError> {
    // `tags_mut` finds the resource; nothing is changed.
    let tags = connect(st).write(|d| d.tags_mut(&c.ctx, c.s("resourceArn")).map(|t| t.clone()))?;
    Ok(json!({ "tags": tags }))
}

async fn unknown_operation(req: Request) -> Response {
    AwsError::new(
        StatusCode::NOT_FOUND,
        "UnknownOperationException",
        format!(
            "The sandbox's Amazon Connect has no operation at {} {}.",
            req.method(),
            req.uri().path()
        ),
    )
    .into_rest_json()
}
