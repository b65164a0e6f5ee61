//! HTTP handlers: the Connect restJson1 operations (paths as in the Connect API reference), each
//! authenticated with SigV4, rate-limited and fault-injected like every sandbox AWS API, and
//! authorized through IAM for assumed-role callers.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State as AxState};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post, put};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::ConnectError;
use super::model::{CreateInstanceInput, CreateUserInput, Ctx, IdentityInfo};
use super::search::{Criteria, Filter};
use super::{ConnectState, json as out, paging};
use crate::State;
use crate::aws::{AwsError, Caller};

/// Largest request body read (Connect bodies are small).
const MAX_BODY: usize = 1 << 20;

/// The Connect routes, relative to the service root (`/aws/connect`).
pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/instance", put(create_instance).get(list_instances))
        .route(
            "/instance/{instance_id}",
            get(describe_instance).delete(delete_instance),
        )
        .route(
            "/instance/{instance_id}/attribute/{attribute}",
            post(update_instance_attribute),
        )
        .route("/users/{instance_id}", put(create_user))
        .route(
            "/users/{instance_id}/{user_id}",
            get(describe_user).delete(delete_user),
        )
        .route(
            "/users/{instance_id}/{user_id}/identity-info",
            post(update_user_identity_info),
        )
        .route(
            "/users/{instance_id}/{user_id}/security-profiles",
            post(update_user_security_profiles),
        )
        .route(
            "/users/{instance_id}/{user_id}/routing-profile",
            post(update_user_routing_profile),
        )
        .route("/users-summary/{instance_id}", get(list_users))
        .route("/search-users", post(search_users))
        .route(
            "/security-profiles-summary/{instance_id}",
            get(list_security_profiles),
        )
        .route(
            "/routing-profiles-summary/{instance_id}",
            get(list_routing_profiles),
        )
        .route("/user/federate/{instance_id}", get(get_federation_token))
        .route(
            "/tags/{resource_arn}",
            post(tag_resource)
                .delete(untag_resource)
                .get(list_tags_for_resource),
        )
        .route("/app/{instance_id}", get(super::agent_page::page))
        .route(
            "/app/{instance_id}/{*destination}",
            get(super::agent_page::page_at),
        )
        // A nested router's fallback is not reached when the outer router matched the prefix
        // (axum issue #3138), so unknown paths get an explicit catch-all route.
        .route("/{*rest}", any(unknown_operation))
        .fallback(unknown_operation)
        .method_not_allowed_fallback(unknown_operation)
}

/// An authenticated, admitted call.
struct Call {
    parts: Parts,
    body: Bytes,
    ctx: Ctx,
}

impl Call {
    /// Query parameters (repeated keys kept in order).
    fn query(&self) -> Vec<(String, String)> {
        self.parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn query_one(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    fn query_int(&self, name: &str) -> Result<Option<i64>, AwsError> {
        match self.query_one(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                err(ConnectError::InvalidParameter(format!(
                    "{name} must be an integer; got {v:?}."
                )))
            }),
        }
    }

    /// The JSON body (an empty body reads as `{}`).
    fn json<T: DeserializeOwned>(&self) -> Result<T, AwsError> {
        let bytes: &[u8] = if self.body.is_empty() {
            b"{}"
        } else {
            &self.body
        };
        serde_json::from_slice(bytes).map_err(|e| {
            err(ConnectError::Serialization(format!(
                "The request body is not valid JSON for this operation: {e}."
            )))
        })
    }
}

/// Authenticate (SigV4), authorize through IAM for assumed roles, then apply the rate limit and
/// scripted faults for `api`.
async fn begin(
    st: &State,
    req: Request,
    api: &'static str,
    resource: impl FnOnce(&Ctx) -> String,
) -> Result<Call, AwsError> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
        err(ConnectError::Serialization(
            "The request body could not be read or is larger than 1 MiB.".to_string(),
        ))
    })?;
    let caller = crate::aws::authenticate(st, "connect", &parts, &body)?;
    let ctx = super::ctx(st, &caller);
    authorize(st, &caller, api, &resource(&ctx))?;
    crate::aws::throttle_and_faults(st, "connect", api).await?;
    Ok(Call { parts, body, ctx })
}

/// IAM check for assumed-role callers; the sandbox admin may do anything.
pub(super) fn authorize(
    st: &State,
    caller: &Caller,
    api: &str,
    resource: &str,
) -> Result<(), AwsError> {
    let Caller::AssumedRole {
        role_name,
        session_name,
        account_id,
        ..
    } = caller
    else {
        return Ok(());
    };
    let action = format!("connect:{api}");
    let allowed = {
        let iam = st.aws.iam_lock();
        iam.role_allows(role_name, &action, resource, &caller.aws_userid())
    };
    if allowed {
        Ok(())
    } else {
        Err(AwsError::access_denied_json(format!(
            "User: arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name} is not authorized to perform: {action} on resource: {resource}"
        )))
    }
}

/// A Connect error as the shared AWS error.
pub(super) fn err(e: ConnectError) -> AwsError {
    AwsError::new(
        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
        e.code(),
        e.message(),
    )
}

fn ok_json(v: &Value) -> Response {
    let mut resp = (StatusCode::OK, v.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn ok_empty() -> Response {
    ok_json(&json!({}))
}

fn respond(result: Result<Response, AwsError>) -> Response {
    match result {
        Ok(r) => r,
        Err(e) => e.into_rest_json(),
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

// ---- instances -------------------------------------------------------------------------------

async fn create_instance(AxState(st): AxState<Arc<State>>, req: Request) -> Response {
    respond(
        async {
            let call = begin(&st, req, "CreateInstance", |_| "*".to_string()).await?;
            let input: CreateInstanceInput = call.json()?;
            let (id, arn) = connect(&st)
                .write(|d| d.create_instance(&call.ctx, input))
                .map_err(err)?;
            Ok(ok_json(&json!({ "Id": id, "Arn": arn })))
        }
        .await,
    )
}

async fn describe_instance(
    AxState(st): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "DescribeInstance", |c| {
                instance_arn(c, &instance_id)
            })
            .await?;
            let body = connect(&st)
                .read(|d| {
                    d.instance(&call.ctx, &instance_id)
                        .map(|i| json!({ "Instance": out::instance(i, call.ctx.now_ms) }))
                })
                .map_err(err)?;
            Ok(ok_json(&body))
        }
        .await,
    )
}

async fn list_instances(AxState(st): AxState<Arc<State>>, req: Request) -> Response {
    respond(
        async {
            let call = begin(&st, req, "ListInstances", |_| "*".to_string()).await?;
            let page = paging::page_request(
                "instances",
                call.query_one("nextToken").as_deref(),
                call.query_int("maxResults")?,
                10,
                10,
            )
            .map_err(err)?;
            let body = connect(&st).read(|d| {
                let (items, next) =
                    paging::page("instances", d.instances_of(&call.ctx), |i| i.seq, page);
                let list: Vec<Value> = items
                    .into_iter()
                    .map(|i| out::instance_summary(i, call.ctx.now_ms))
                    .collect();
                with_next(json!({ "InstanceSummaryList": list }), next)
            });
            Ok(ok_json(&body))
        }
        .await,
    )
}

async fn delete_instance(
    AxState(st): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "DeleteInstance", |c| {
                instance_arn(c, &instance_id)
            })
            .await?;
            connect(&st)
                .write(|d| d.delete_instance(&call.ctx, &instance_id))
                .map_err(err)?;
            Ok(ok_empty())
        }
        .await,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInstanceAttributeBody {
    value: Option<String>,
}

async fn update_instance_attribute(
    AxState(st): AxState<Arc<State>>,
    Path((instance_id, attribute)): Path<(String, String)>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "UpdateInstanceAttribute", |c| {
                instance_arn(c, &instance_id)
            })
            .await?;
            let body: UpdateInstanceAttributeBody = call.json()?;
            let value = body.value.ok_or_else(|| {
                err(ConnectError::InvalidParameter(
                    "Value is required.".to_string(),
                ))
            })?;
            connect(&st)
                .write(|d| d.update_instance_attribute(&call.ctx, &instance_id, &attribute, &value))
                .map_err(err)?;
            Ok(ok_empty())
        }
        .await,
    )
}

// ---- users -----------------------------------------------------------------------------------

async fn create_user(
    AxState(st): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "CreateUser", |c| instance_arn(c, &instance_id)).await?;
            let input: CreateUserInput = call.json()?;
            let (id, arn) = connect(&st)
                .write(|d| d.create_user(&call.ctx, &instance_id, input))
                .map_err(err)?;
            Ok(ok_json(&json!({ "UserId": id, "UserArn": arn })))
        }
        .await,
    )
}

async fn describe_user(
    AxState(st): AxState<Arc<State>>,
    Path((instance_id, user_id)): Path<(String, String)>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "DescribeUser", |c| {
                user_arn(c, &instance_id, &user_id)
            })
            .await?;
            let body = connect(&st)
                .read(|d| {
                    let i = d.active_instance(&call.ctx, &instance_id)?;
                    let u = i.user(&user_id)?;
                    Ok(json!({ "User": out::user(u, &call.ctx.region) }))
                })
                .map_err(err)?;
            Ok(ok_json(&body))
        }
        .await,
    )
}

async fn delete_user(
    AxState(st): AxState<Arc<State>>,
    Path((instance_id, user_id)): Path<(String, String)>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "DeleteUser", |c| {
                user_arn(c, &instance_id, &user_id)
            })
            .await?;
            connect(&st)
                .write(|d| d.delete_user(&call.ctx, &instance_id, &user_id))
                .map_err(err)?;
            Ok(ok_empty())
        }
        .await,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IdentityInfoBody {
    identity_info: Option<IdentityInfo>,
}

async fn update_user_identity_info(
    AxState(st): AxState<Arc<State>>,
    Path((instance_id, user_id)): Path<(String, String)>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "UpdateUserIdentityInfo", |c| {
                user_arn(c, &instance_id, &user_id)
            })
            .await?;
            let body: IdentityInfoBody = call.json()?;
            let info = body.identity_info.ok_or_else(|| {
                err(ConnectError::InvalidParameter(
                    "IdentityInfo is required.".to_string(),
                ))
            })?;
            connect(&st)
                .write(|d| d.update_user_identity_info(&call.ctx, &instance_id, &user_id, info))
                .map_err(err)?;
            Ok(ok_empty())
        }
        .await,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SecurityProfilesBody {
    security_profile_ids: Option<Vec<String>>,
}

async fn update_user_security_profiles(
    AxState(st): AxState<Arc<State>>,
    Path((instance_id, user_id)): Path<(String, String)>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "UpdateUserSecurityProfiles", |c| {
                user_arn(c, &instance_id, &user_id)
            })
            .await?;
            let body: SecurityProfilesBody = call.json()?;
            let ids = body.security_profile_ids.ok_or_else(|| {
                err(ConnectError::InvalidParameter(
                    "SecurityProfileIds is required.".to_string(),
                ))
            })?;
            connect(&st)
                .write(|d| d.update_user_security_profiles(&call.ctx, &instance_id, &user_id, ids))
                .map_err(err)?;
            Ok(ok_empty())
        }
        .await,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoutingProfileBody {
    routing_profile_id: Option<String>,
}

async fn update_user_routing_profile(
    AxState(st): AxState<Arc<State>>,
    Path((instance_id, user_id)): Path<(String, String)>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "UpdateUserRoutingProfile", |c| {
                user_arn(c, &instance_id, &user_id)
            })
            .await?;
            let body: RoutingProfileBody = call.json()?;
            let id = body.routing_profile_id.ok_or_else(|| {
                err(ConnectError::InvalidParameter(
                    "RoutingProfileId is required.".to_string(),
                ))
            })?;
            connect(&st)
                .write(|d| d.update_user_routing_profile(&call.ctx, &instance_id, &user_id, &id))
                .map_err(err)?;
            Ok(ok_empty())
        }
        .await,
    )
}

fn with_next(mut v: Value, next: Option<String>) -> Value {
    if let Some(t) = next {
        v["NextToken"] = json!(t);
    }
    v
}

async fn list_users(
    AxState(st): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    req: Request,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, "ListUsers", |c| instance_arn(c, &instance_id)).await?;
            let page = paging::page_request(
                "users",
                call.query_one("nextToken").as_deref(),
                call.query_int("maxResults")?,
                100,
                1000,
            )
            .map_err(err)?;
            let body = connect(&st)
                .read(|d| {
                    let i = d.active_instance(&call.ctx, &instance_id)?;
                    let (users, next) = paging::page("users", i.users.iter(), |u| u.seq, page);
                    let list: Vec<Value> = users
                        .into_iter()
                        .map(|u| out::user_summary(u, &call.ctx.region))
                        .collect();
                    Ok(with_next(json!({ "UserSummaryList": list }), next))
                })
                .map_err(err)?;
            Ok(ok_json(&body))
        }
        .await,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SearchUsersBody {
    instance_id: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
    search_filter: Option<Filter>,
    search_criteria: Option<Criteria>,
}

async fn search_users(AxState(st): AxState<Arc<State>>, req: Request) -> Response {
    respond(
        async {
            // The instance is in the body: read it before authorizing against its ARN.
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
                err(ConnectError::Serialization(
                    "The request body could not be read or is larger than 1 MiB.".to_string(),
                ))
            })?;
            let instance_hint = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| {
                    v.get("InstanceId")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
                .unwrap_or_default();
            let req = Request::from_parts(parts, axum::body::Body::from(bytes));
            let call = begin(&st, req, "SearchUsers", |c| instance_arn(c, &instance_hint)).await?;
            let body: SearchUsersBody = call.json()?;
            let instance_id = body.instance_id.ok_or_else(|| {
                err(ConnectError::InvalidParameter(
                    "InstanceId is required.".to_string(),
                ))
            })?;
            if body
                .next_token
                .as_deref()
                .is_some_and(|t| t.is_empty() || t.len() > 2500)
            {
                return Err(err(ConnectError::InvalidParameter(
                    "NextToken must be 1 to 2500 characters.".to_string(),
                )));
            }
            // MaxResults: 1–500 in the current model; a page holds 100 by default (docs/facts.md §2).
            let page = paging::page_request(
                "search-users",
                body.next_token.as_deref(),
                body.max_results,
                100,
                500,
            )
            .map_err(err)?;
            let criteria = body.search_criteria.unwrap_or_default();
            criteria.validate().map_err(err)?;
            let filter = body.search_filter.unwrap_or_default();
            filter.validate().map_err(err)?;
            let answer = connect(&st)
                .read(|d| {
                    let i = d.active_instance(&call.ctx, &instance_id)?;
                    let matching: Vec<_> = i
                        .users
                        .iter()
                        .filter(|u| criteria.matches(u) && filter.matches(u))
                        .collect();
                    let total = matching.len();
                    let (users, next) =
                        paging::page("search-users", matching.into_iter(), |u| u.seq, page);
                    let list: Vec<Value> =
                        users.into_iter().map(out::user_search_summary).collect();
                    Ok(with_next(
                        json!({ "Users": list, "ApproximateTotalCount": total }),
                        next,
                    ))
                })
                .map_err(err)?;
            Ok(ok_json(&answer))
        }
        .await,
    )
}

async fn list_security_profiles(
    AxState(st): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    req: Request,
) -> Response {
    list_profiles(st, instance_id, req, "ListSecurityProfiles").await
}

async fn list_routing_profiles(
    AxState(st): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    req: Request,
) -> Response {
    list_profiles(st, instance_id, req, "ListRoutingProfiles").await
}

async fn list_profiles(
    st: Arc<State>,
    instance_id: String,
    req: Request,
    api: &'static str,
) -> Response {
    respond(
        async {
            let call = begin(&st, req, api, |c| instance_arn(c, &instance_id)).await?;
            let (list_key, token_list) = if api == "ListSecurityProfiles" {
                ("SecurityProfileSummaryList", "security-profiles")
            } else {
                ("RoutingProfileSummaryList", "routing-profiles")
            };
            let page = paging::page_request(
                token_list,
                call.query_one("nextToken").as_deref(),
                call.query_int("maxResults")?,
                100,
                1000,
            )
            .map_err(err)?;
            let body = connect(&st)
                .read(|d| {
                    let i = d.active_instance(&call.ctx, &instance_id)?;
                    let profiles = if api == "ListSecurityProfiles" {
                        &i.security_profiles
                    } else {
                        &i.routing_profiles
                    };
                    // Profiles never move: their position is their sequence number.
                    let indexed: Vec<(u64, &super::model::Profile)> =
                        (0u64..).zip(profiles.iter()).collect();
                    let (items, next) = paging::page(token_list, indexed.iter(), |p| p.0, page);
                    let list: Vec<Value> = items
                        .into_iter()
                        .map(|(_, p)| out::profile_summary(p, &call.ctx.region))
                        .collect();
                    Ok(with_next(json!({ list_key: list }), next))
                })
                .map_err(err)?;
            Ok(ok_json(&body))
        }
        .await,
    )
}

// ---- federation ------------------------------------------------------------------------------

async fn get_federation_token(
    AxState(st): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    req: Request,
) -> Response {
    respond(
        async {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
                err(ConnectError::Serialization(
                    "The request body could not be read.".to_string(),
                ))
            })?;
            let caller = crate::aws::authenticate(&st, "connect", &parts, &body)?;
            crate::aws::throttle_and_faults(&st, "connect", "GetFederationToken").await?;
            let grant = super::federation_grant(&st, &caller, &instance_id)?;
            Ok(ok_json(&json!({
                "Credentials": {
                    "AccessToken": grant.access_token,
                    "AccessTokenExpiration": out::epoch_seconds(grant.expires_ms),
                    "RefreshToken": grant.refresh_token,
                    "RefreshTokenExpiration": out::epoch_seconds(grant.expires_ms),
                },
                "SignInUrl": grant.sign_in_url,
                "UserArn": grant.user_arn,
                "UserId": grant.user_id,
            })))
        }
        .await,
    )
}

// ---- tags ------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct TagBody {
    tags: Option<BTreeMap<String, String>>,
}

async fn tag_resource(
    AxState(st): AxState<Arc<State>>,
    Path(resource_arn): Path<String>,
    req: Request,
) -> Response {
    respond(
        async {
            let arn = resource_arn.clone();
            let call = begin(&st, req, "TagResource", move |_| arn).await?;
            let body: TagBody = call.json()?;
            let tags = body.tags.ok_or_else(|| {
                err(ConnectError::InvalidParameter(
                    "tags is required.".to_string(),
                ))
            })?;
            if tags.is_empty() {
                return Err(err(ConnectError::InvalidParameter(
                    "tags must hold at least one tag.".to_string(),
                )));
            }
            connect(&st)
                .write(|d| {
                    let current = d.tags_mut(&call.ctx, &resource_arn)?;
                    let mut merged = current.clone();
                    merged.extend(tags);
                    super::validate::tags(&merged)?;
                    *current = merged;
                    Ok(())
                })
                .map_err(err)?;
            Ok(ok_empty())
        }
        .await,
    )
}

async fn untag_resource(
    AxState(st): AxState<Arc<State>>,
    Path(resource_arn): Path<String>,
    req: Request,
) -> Response {
    respond(
        async {
            let arn = resource_arn.clone();
            let call = begin(&st, req, "UntagResource", move |_| arn).await?;
            let keys: Vec<String> = call
                .query()
                .into_iter()
                .filter(|(k, _)| k == "tagKeys")
                .map(|(_, v)| v)
                .collect();
            if keys.is_empty() || keys.len() > 50 {
                return Err(err(ConnectError::InvalidParameter(
                    "tagKeys must list 1 to 50 keys.".to_string(),
                )));
            }
            connect(&st)
                .write(|d| {
                    let current = d.tags_mut(&call.ctx, &resource_arn)?;
                    for k in &keys {
                        current.remove(k);
                    }
                    Ok(())
                })
                .map_err(err)?;
            Ok(ok_empty())
        }
        .await,
    )
}

async fn list_tags_for_resource(
    AxState(st): AxState<Arc<State>>,
    Path(resource_arn): Path<String>,
    req: Request,
) -> Response {
    respond(
        async {
            let arn = resource_arn.clone();
            let call = begin(&st, req, "ListTagsForResource", move |_| arn).await?;
            // `tags_mut` finds the resource; nothing is changed.
            let tags = connect(&st)
                .write(|d| d.tags_mut(&call.ctx, &resource_arn).map(|t| t.clone()))
                .map_err(err)?;
            Ok(ok_json(&json!({ "tags": tags })))
        }
        .await,
    )
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
