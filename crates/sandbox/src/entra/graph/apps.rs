//! Application templates, applications, service principals (SAML settings, signing
//! certificates, claims mapping policy references, app role assignments) and claims
//! mapping policies.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use super::{
    APP_READ, APP_WRITE, ASSIGNMENT_WRITE, GraphCaller, GraphError, POLICY_READ, POLICY_WRITE,
    Query, St, check_guid, collection, created, entity, graph_root, invalid_value, json_body,
    no_content, odata_id, only_properties, opt_string, prop, string_list, tenant, tenant_mut,
};
use crate::State;
use crate::entra::model::{
    AppRole, AppRoleAssignment, Application, ClaimsMappingPolicy, ServicePrincipal, StaleReadable,
    StoredSigningKey, Tenant, TokenSigningKey, is_visible,
};
use crate::entra::{
    CUSTOM_APP_TEMPLATE_ID, CUSTOM_APP_TEMPLATE_ID_CHINA, CUSTOM_APP_TEMPLATE_ID_USGOV, graph_time,
    new_guid, parse_graph_time,
};

/// The zero GUID: "default access" when assigning a principal without a specific role.
pub const DEFAULT_ACCESS_ROLE_ID: &str = "00000000-0000-0000-0000-000000000000";

/// The sandbox clock's time.
fn now(state: &State) -> OffsetDateTime {
    state.clock.now()
}

// ---------------------------------------------------------------------------------------
// JSON renderings

fn app_role_json(r: &AppRole) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

pub(super) fn application_json(t: &Tenant, app: &Application) -> Map<String, Value> {
    let v = json!({
        "id": app.id,
        "deletedDateTime": null,
        "appId": app.app_id,
        "applicationTemplateId": if app.graph_permissions.is_empty() { Value::from(CUSTOM_APP_TEMPLATE_ID) } else { Value::Null },
        "createdDateTime": graph_time(app.created),
        "description": null,
        "displayName": app.display_name,
        "groupMembershipClaims": null,
        "identifierUris": app.identifier_uris,
        "notes": null,
        "publisherDomain": t.initial_domain(),
        "signInAudience": app.sign_in_audience,
        "tags": app.tags,
        "tokenEncryptionKeyId": null,
        "appRoles": app.app_roles.iter().map(app_role_json).collect::<Vec<_>>(),
        "keyCredentials": [],
        "passwordCredentials": app.password_credentials.iter().map(|c| json!({
            "customKeyIdentifier": null,
            "displayName": c.display_name,
            "endDateTime": graph_time(c.end),
            "hint": c.hint,
            "keyId": c.key_id,
            "secretText": null,
            "startDateTime": graph_time(c.start),
        })).collect::<Vec<_>>(),
        "requiredResourceAccess": [],
        "publicClient": {"redirectUris": []},
        "spa": {"redirectUris": []},
        "web": {
            "homePageUrl": null,
            "logoutUrl": null,
            "redirectUris": app.redirect_uris,
            "implicitGrantSettings": {"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false},
            "redirectUriSettings": app.redirect_uris.iter().map(|u| json!({"uri": u, "index": null})).collect::<Vec<_>>(),
        },
    });
    v.as_object().cloned().unwrap_or_default()
}

/// Base64 of the SHA-1 thumbprint bytes (Graph's `customKeyIdentifier`).
fn custom_key_identifier(k: &TokenSigningKey) -> String {
    let thumb = k.key.0.certificate().thumbprint_sha1();
    STANDARD.encode(hex::decode(thumb).unwrap_or_default())
}

/// Render a service principal. `include_key`: put the certificate in `keyCredentials[].key`
/// (Graph does so only for a single object read with `$select=keyCredentials`).
/// `now`: the sandbox clock's time (the application's fields are read as Graph reads it then).
pub(super) fn service_principal_json(
    t: &Tenant,
    sp: &ServicePrincipal,
    include_key: bool,
    now: OffsetDateTime,
) -> Map<String, Value> {
    let app = t.application_by_app_id(&sp.app_id).map(|a| a.as_read(now));
    let identifier_uris = app.map(|a| a.identifier_uris.clone()).unwrap_or_default();
    let mut names = vec![sp.app_id.clone()];
    names.extend(identifier_uris);
    let mut key_credentials = Vec::new();
    let mut password_credentials = Vec::new();
    for k in &sp.signing_keys {
        let cert = k.key.0.certificate();
        let cki = custom_key_identifier(k);
        let start = graph_time(cert.not_before());
        let end = graph_time(cert.not_after());
        key_credentials.push(json!({
            "customKeyIdentifier": cki,
            "displayName": k.display_name,
            "endDateTime": end,
            "key": if include_key { Value::from(cert.to_base64()) } else { Value::Null },
            "keyId": k.verify_key_id,
            "startDateTime": start,
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
        }));
        key_credentials.push(json!({
            "customKeyIdentifier": cki,
            "displayName": k.display_name,
            "endDateTime": end,
            "key": null,
            "keyId": k.sign_key_id,
            "startDateTime": start,
            "type": "AsymmetricX509Cert",
            "usage": "Sign",
        }));
        password_credentials.push(json!({
            "customKeyIdentifier": cki,
            "displayName": k.display_name,
            "endDateTime": end,
            "hint": null,
            "keyId": k.password_key_id,
            "secretText": null,
            "startDateTime": start,
        }));
    }
    let v = json!({
        "id": sp.id,
        "deletedDateTime": null,
        "accountEnabled": true,
        "alternativeNames": [],
        "appDisplayName": app.map_or(sp.display_name.as_str(), |a| a.display_name.as_str()),
        "appDescription": null,
        "appId": sp.app_id,
        "applicationTemplateId": if sp.tags.iter().any(|t| t == "WindowsAzureActiveDirectoryCustomSingleSignOnApplication") { Value::from(CUSTOM_APP_TEMPLATE_ID) } else { Value::Null },
        "appOwnerOrganizationId": t.id,
        "appRoleAssignmentRequired": sp.app_role_assignment_required,
        "description": null,
        "displayName": sp.display_name,
        "homepage": null,
        "loginUrl": null,
        "logoutUrl": null,
        "notes": null,
        "notificationEmailAddresses": sp.notification_email_addresses,
        "preferredSingleSignOnMode": sp.preferred_single_sign_on_mode,
        "preferredTokenSigningKeyThumbprint": sp.preferred_token_signing_key_thumbprint,
        "replyUrls": app.map(|a| a.redirect_uris.clone()).unwrap_or_default(),
        "servicePrincipalNames": names,
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        "tags": sp.tags,
        "tokenEncryptionKeyId": null,
        "samlSingleSignOnSettings": sp.relay_state.as_ref().map(|r| json!({"relayState": r})),
        "addIns": [],
        "appRoles": app.map(|a| a.app_roles.iter().map(app_role_json).collect::<Vec<_>>()).unwrap_or_default(),
        "keyCredentials": key_credentials,
        "oauth2PermissionScopes": [],
        "passwordCredentials": password_credentials,
    });
    v.as_object().cloned().unwrap_or_default()
}

fn policy_json(p: &ClaimsMappingPolicy) -> Map<String, Value> {
    let v = json!({
        "id": p.id,
        "deletedDateTime": null,
        "definition": p.definition,
        "displayName": p.display_name,
        "isOrganizationDefault": p.is_organization_default,
    });
    v.as_object().cloned().unwrap_or_default()
}

pub(super) fn assignment_json(t: &Tenant, a: &AppRoleAssignment) -> Map<String, Value> {
    let principal_name = t
        .user(&a.principal_id)
        .map(|u| u.display_name.clone())
        .or_else(|| t.group(&a.principal_id).map(|g| g.display_name.clone()));
    let resource_name = t
        .service_principal(&a.resource_id)
        .map(|s| s.display_name.clone());
    let v = json!({
        "id": a.id,
        "deletedDateTime": null,
        "appRoleId": a.app_role_id,
        "createdDateTime": graph_time(a.created),
        "principalDisplayName": principal_name,
        "principalId": a.principal_id,
        "principalType": a.principal_type,
        "resourceDisplayName": resource_name,
        "resourceId": a.resource_id,
    });
    v.as_object().cloned().unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// Lookups honouring eventual consistency

fn visible_app<'a>(
    t: &'a Tenant,
    id: &str,
    now: OffsetDateTime,
) -> Result<&'a Application, GraphError> {
    t.application(id)
        .filter(|a| is_visible(a.visible_after, now))
        .ok_or_else(|| GraphError::not_found(id))
}

fn visible_sp<'a>(
    t: &'a Tenant,
    id: &str,
    now: OffsetDateTime,
) -> Result<&'a ServicePrincipal, GraphError> {
    t.service_principal(id)
        .filter(|s| is_visible(s.visible_after, now))
        .ok_or_else(|| GraphError::not_found(id))
}

fn sp_index(t: &Tenant, id: &str, now: OffsetDateTime) -> Result<usize, GraphError> {
    visible_sp(t, id, now)?;
    t.service_principals
        .iter()
        .position(|s| s.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| GraphError::not_found(id))
}

fn visible_policy<'a>(
    t: &'a Tenant,
    id: &str,
    now: OffsetDateTime,
) -> Result<&'a ClaimsMappingPolicy, GraphError> {
    t.claims_mapping_policies
        .iter()
        .find(|p| p.id.eq_ignore_ascii_case(id) && is_visible(p.visible_after, now))
        .ok_or_else(|| GraphError::not_found(id))
}

// ---------------------------------------------------------------------------------------
// applicationTemplates/{id}/instantiate

/// `POST /applicationTemplates/{id}/instantiate {"displayName": …}`.
pub async fn instantiate(
    st: St,
    caller: GraphCaller,
    Path(template_id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    let state: &State = &st.0;
    caller.require(APP_WRITE)?;
    if ![
        CUSTOM_APP_TEMPLATE_ID,
        CUSTOM_APP_TEMPLATE_ID_USGOV,
        CUSTOM_APP_TEMPLATE_ID_CHINA,
    ]
    .iter()
    .any(|t| t.eq_ignore_ascii_case(&template_id))
    {
        return Err(GraphError::not_found(&template_id));
    }
    let body = json_body(&body)?;
    let name = prop(&body, "displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid_value("displayName", "applicationServicePrincipal"))?
        .to_string();
    let now = now(&st.0);
    let mut dir = state.entra.dir();
    let visible_after = dir.visible_after(now);
    let t = tenant_mut(&mut dir, &caller)?;
    let app = Application {
        tags: Vec::new(),
        id: new_guid(),
        app_id: new_guid(),
        display_name: name.clone(),
        identifier_uris: Vec::new(),
        redirect_uris: Vec::new(),
        app_roles: vec![AppRole {
            allowed_member_types: vec!["User".into()],
            description: Some("msiam_access".into()),
            display_name: Some("msiam_access".into()),
            id: new_guid(),
            is_enabled: true,
            origin: Some("Application".into()),
            value: None,
        }],
        sign_in_audience: "AzureADMyOrg".into(),
        password_credentials: Vec::new(),
        graph_permissions: Vec::new(),
        created: now,
        visible_after,
        stale: None,
    };
    let sp = ServicePrincipal {
        id: new_guid(),
        app_id: app.app_id.clone(),
        display_name: name,
        preferred_single_sign_on_mode: None,
        relay_state: None,
        preferred_token_signing_key_thumbprint: None,
        app_role_assignment_required: true,
        notification_email_addresses: Vec::new(),
        tags: vec![
            "WindowsAzureActiveDirectoryCustomSingleSignOnApplication".into(),
            "WindowsAzureActiveDirectoryIntegratedApp".into(),
        ],
        signing_keys: Vec::new(),
        claims_mapping_policy_ids: Vec::new(),
        saml_signing: Default::default(),
        created: now,
        visible_after,
        stale: None,
    };
    t.applications.push(app.clone());
    t.service_principals.push(sp.clone());
    let mut out = Map::new();
    out.insert(
        "application".into(),
        Value::Object(application_json(t, &app)),
    );
    out.insert(
        "servicePrincipal".into(),
        Value::Object(service_principal_json(t, &sp, false, now)),
    );
    drop(dir);
    state.entra.save();
    Ok(created(
        state,
        "microsoft.graph.applicationServicePrincipal",
        out,
    ))
}

// ---------------------------------------------------------------------------------------
// applications

/// `GET /applications`.
pub async fn list_applications(
    st: St,
    caller: GraphCaller,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(APP_READ)?;
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let now = now(&st.0);
        t.applications
            .iter()
            .filter(|a| is_visible(a.visible_after, now))
            .map(|a| application_json(t, a.as_read(now)))
            .collect()
    };
    collection(&st.0, "applications", items, &q, None)
}

/// `GET /applications/{id}`.
pub async fn get_application(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(APP_READ)?;
    check_guid(&id)?;
    let obj = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let now = now(&st.0);
        application_json(t, visible_app(t, &id, now)?.as_read(now))
    };
    Ok(entity(&st.0, "applications/$entity", obj, &q))
}

/// Check an `appRoles` update against Graph's rule: an enabled role can be neither removed
/// nor changed (value, member types) until a previous update has disabled it.
fn check_app_roles(old: &[AppRole], new: &[AppRole]) -> Result<(), GraphError> {
    let entitlement = || {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "CannotDeleteOrUpdateEnabledEntitlement",
            "Permission (scope or role) cannot be deleted or updated unless disabled first.",
        )
    };
    for o in old.iter().filter(|o| o.is_enabled) {
        match new.iter().find(|n| n.id.eq_ignore_ascii_case(&o.id)) {
            None => return Err(entitlement()),
            Some(n)
                if n.is_enabled
                    && (n.value != o.value || n.allowed_member_types != o.allowed_member_types) =>
            {
                return Err(entitlement());
            }
            Some(_) => {}
        }
    }
    for (i, n) in new.iter().enumerate() {
        if uuid::Uuid::parse_str(&n.id).is_err() {
            return Err(invalid_value("appRoles", "Application"));
        }
        if n.allowed_member_types.is_empty()
            || n.allowed_member_types
                .iter()
                .any(|m| m != "User" && m != "Application")
        {
            return Err(invalid_value("appRoles", "Application"));
        }
        for m in &new[..i] {
            if m.id.eq_ignore_ascii_case(&n.id) {
                return Err(GraphError::bad_request(
                    "Request contains a property with duplicate values.",
                ));
            }
            if n.value.is_some() && m.value == n.value {
                return Err(GraphError::bad_request(format!(
                    "The value '{}' of appRoles is already used by another app role; values must be unique.",
                    n.value.as_deref().unwrap_or_default()
                )));
            }
        }
    }
    Ok(())
}

fn parse_uri_list(v: &Value, name: &str) -> Result<Vec<String>, GraphError> {
    let list = string_list(v, name, "Application")?;
    for u in &list {
        if url::Url::parse(u).is_err() {
            return Err(invalid_value(name, "Application"));
        }
    }
    Ok(list)
}

/// `PATCH /applications/{id}` (`displayName`, `identifierUris`, `web.redirectUris`, `appRoles`).
pub async fn patch_application(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(APP_WRITE)?;
    check_guid(&id)?;
    let body = json_body(&body)?;
    only_properties(
        &body,
        &[
            "displayName",
            "identifierUris",
            "web",
            "appRoles",
            "notes",
            "tags",
        ],
        "Application",
    )?;
    {
        let now = now(&st.0);
        let mut dir = st.0.entra.dir();
        let stale_until = dir.stale_until(now);
        let t = tenant_mut(&mut dir, &caller)?;
        let current = visible_app(t, &id, now)?.clone();
        let mut updated = current.clone();
        if let Some(v) = prop(&body, "displayName") {
            updated.display_name = v
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| invalid_value("displayName", "Application"))?
                .to_string();
        }
        if let Some(v) = prop(&body, "identifierUris") {
            let uris = parse_uri_list(v, "identifierUris")?;
            for other in t.applications.iter().filter(|a| a.id != current.id) {
                if other
                    .identifier_uris
                    .iter()
                    .any(|u| uris.iter().any(|n| n.eq_ignore_ascii_case(u)))
                {
                    return Err(GraphError::bad_request(
                        "Another object with the same value for property identifierUris already exists.",
                    ));
                }
            }
            updated.identifier_uris = uris;
        }
        if let Some(v) = prop(&body, "tags") {
            updated.tags = v
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|t| t.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| invalid_value("tags", "Application"))?;
        }
        if let Some(web) = prop(&body, "web") {
            let web = web
                .as_object()
                .ok_or_else(|| invalid_value("web", "Application"))?;
            only_properties(
                web,
                &[
                    "redirectUris",
                    "homePageUrl",
                    "logoutUrl",
                    "redirectUriSettings",
                    "implicitGrantSettings",
                ],
                "webApplication",
            )?;
            if let Some(v) = prop(web, "redirectUris") {
                updated.redirect_uris = parse_uri_list(v, "redirectUris")?;
            }
        }
        if let Some(v) = prop(&body, "appRoles") {
            let roles: Vec<AppRole> = serde_json::from_value(v.clone())
                .map_err(|_| invalid_value("appRoles", "Application"))?;
            check_app_roles(&current.app_roles, &roles)?;
            updated.app_roles = roles;
        }
        updated.set_stale(&current, now, stale_until);
        if let Some(a) = t.applications.iter_mut().find(|a| a.id == current.id) {
            *a = updated;
        }
    }
    st.0.entra.save();
    Ok(no_content())
}

/// `DELETE /applications/{id}` (its service principal and their assignments go too).
pub async fn delete_application(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
) -> Result<Response, GraphError> {
    caller.require(APP_WRITE)?;
    check_guid(&id)?;
    {
        let mut dir = st.0.entra.dir();
        let t = tenant_mut(&mut dir, &caller)?;
        let app_id = visible_app(t, &id, now(&st.0))?.app_id.clone();
        t.applications.retain(|a| !a.id.eq_ignore_ascii_case(&id));
        let sp_ids: Vec<String> = t
            .service_principals
            .iter()
            .filter(|s| s.app_id == app_id)
            .map(|s| s.id.clone())
            .collect();
        t.service_principals.retain(|s| s.app_id != app_id);
        t.app_role_assignments
            .retain(|a| !sp_ids.contains(&a.resource_id));
    }
    st.0.entra.save();
    Ok(no_content())
}

// ---------------------------------------------------------------------------------------
// servicePrincipals

/// `GET /servicePrincipals`.
pub async fn list_service_principals(
    st: St,
    caller: GraphCaller,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(APP_READ)?;
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let now = now(&st.0);
        t.service_principals
            .iter()
            .filter(|s| is_visible(s.visible_after, now))
            .map(|s| service_principal_json(t, s.as_read(now), false, now))
            .collect()
    };
    collection(&st.0, "servicePrincipals", items, &q, None)
}

/// `GET /servicePrincipals/{id}` (`$select=keyCredentials` includes the certificates).
pub async fn get_service_principal(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(APP_READ)?;
    check_guid(&id)?;
    let include_key = q
        .select()
        .is_some_and(|s| s.iter().any(|p| p.eq_ignore_ascii_case("keyCredentials")));
    let obj = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let now = now(&st.0);
        service_principal_json(t, visible_sp(t, &id, now)?.as_read(now), include_key, now)
    };
    Ok(entity(&st.0, "servicePrincipals/$entity", obj, &q))
}

/// `PATCH /servicePrincipals/{id}`.
pub async fn patch_service_principal(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(APP_WRITE)?;
    check_guid(&id)?;
    let body = json_body(&body)?;
    const R: &str = "ServicePrincipal";
    only_properties(
        &body,
        &[
            "preferredSingleSignOnMode",
            "samlSingleSignOnSettings",
            "preferredTokenSigningKeyThumbprint",
            "appRoleAssignmentRequired",
            "notificationEmailAddresses",
            "displayName",
        ],
        R,
    )?;
    {
        let now = now(&st.0);
        let mut dir = st.0.entra.dir();
        let stale_until = dir.stale_until(now);
        let t = tenant_mut(&mut dir, &caller)?;
        let idx = sp_index(t, &id, now)?;
        let current = t.service_principals[idx].clone();
        let mut sp = current.clone();
        if let Some(mode) = opt_string(&body, "preferredSingleSignOnMode", R)? {
            if let Some(m) = &mode
                && !["saml", "password", "oidc", "notSupported"].contains(&m.as_str())
            {
                return Err(invalid_value("preferredSingleSignOnMode", R));
            }
            sp.preferred_single_sign_on_mode = mode;
        }
        if let Some(v) = prop(&body, "samlSingleSignOnSettings") {
            match v {
                Value::Null => sp.relay_state = None,
                Value::Object(o) => {
                    only_properties(o, &["relayState"], "samlSingleSignOnSettings")?;
                    if let Some(r) = opt_string(o, "relayState", "samlSingleSignOnSettings")? {
                        sp.relay_state = r;
                    }
                }
                _ => return Err(invalid_value("samlSingleSignOnSettings", R)),
            }
        }
        if let Some(th) = opt_string(&body, "preferredTokenSigningKeyThumbprint", R)? {
            if let Some(th) = &th
                && !sp.signing_keys.iter().any(|k| {
                    k.key
                        .0
                        .certificate()
                        .thumbprint_sha1()
                        .eq_ignore_ascii_case(th)
                })
            {
                return Err(invalid_value("preferredTokenSigningKeyThumbprint", R));
            }
            sp.preferred_token_signing_key_thumbprint = th;
        }
        if let Some(v) = prop(&body, "appRoleAssignmentRequired") {
            sp.app_role_assignment_required = v
                .as_bool()
                .ok_or_else(|| invalid_value("appRoleAssignmentRequired", R))?;
        }
        if let Some(v) = prop(&body, "notificationEmailAddresses") {
            sp.notification_email_addresses = string_list(v, "notificationEmailAddresses", R)?;
        }
        if let Some(v) = prop(&body, "displayName") {
            sp.display_name = v
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| invalid_value("displayName", R))?
                .to_string();
        }
        sp.set_stale(&current, now, stale_until);
        t.service_principals[idx] = sp;
    }
    st.0.entra.save();
    Ok(no_content())
}

/// `DELETE /servicePrincipals/{id}`.
pub async fn delete_service_principal(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
) -> Result<Response, GraphError> {
    caller.require(APP_WRITE)?;
    check_guid(&id)?;
    {
        let mut dir = st.0.entra.dir();
        let t = tenant_mut(&mut dir, &caller)?;
        let idx = sp_index(t, &id, now(&st.0))?;
        let sp = t.service_principals.remove(idx);
        t.app_role_assignments.retain(|a| a.resource_id != sp.id);
    }
    st.0.entra.save();
    Ok(no_content())
}

/// `POST /servicePrincipals/{id}/addTokenSigningCertificate {"displayName":"CN=…","endDateTime":…}`.
pub async fn add_token_signing_certificate(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(APP_WRITE)?;
    check_guid(&id)?;
    let body = json_body(&body)?;
    const R: &str = "selfSignedCertificate";
    let display_name = match prop(&body, "displayName") {
        None | Some(Value::Null) => "CN=Microsoft Azure Federated SSO Certificate".to_string(),
        Some(Value::String(s)) if s.starts_with("CN=") && s.len() > 3 => s.clone(),
        Some(_) => return Err(invalid_value("displayName", R)),
    };
    let start = now(&st.0);
    let end = match prop(&body, "endDateTime") {
        None | Some(Value::Null) => start + Duration::days(365 * 3),
        Some(Value::String(s)) => parse_graph_time(s)
            .filter(|e| *e > start)
            .ok_or_else(|| invalid_value("endDateTime", R))?,
        Some(_) => return Err(invalid_value("endDateTime", R)),
    };
    {
        let dir = st.0.entra.dir();
        visible_sp(tenant(&dir, &caller)?, &id, now(&st.0))?;
    }
    let cn = display_name.trim_start_matches("CN=").to_string();
    // RSA key generation is slow: keep it off the async workers and out of the lock.
    let key = tokio::task::spawn_blocking(move || {
        connect_sso_saml::SigningKey::generate(&cn, start, end)
    })
    .await
    .map_err(|e| {
        GraphError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            e.to_string(),
        )
    })?
    .map_err(|e| {
        GraphError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            e.to_string(),
        )
    })?;
    let tsk = TokenSigningKey {
        verify_key_id: new_guid(),
        sign_key_id: new_guid(),
        password_key_id: new_guid(),
        display_name: display_name.clone(),
        key: StoredSigningKey(key),
    };
    let cert = tsk.key.0.certificate().clone();
    let out = json!({
        "customKeyIdentifier": custom_key_identifier(&tsk),
        "displayName": display_name,
        "endDateTime": graph_time(cert.not_after()),
        "key": cert.to_base64(),
        "keyId": tsk.verify_key_id,
        "startDateTime": graph_time(cert.not_before()),
        "thumbprint": cert.thumbprint_sha1(),
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    });
    {
        let mut dir = st.0.entra.dir();
        let t = tenant_mut(&mut dir, &caller)?;
        let idx = sp_index(t, &id, now(&st.0))?;
        t.service_principals[idx].signing_keys.push(tsk);
    }
    st.0.entra.save();
    Ok(entity(
        &st.0,
        "microsoft.graph.selfSignedCertificate",
        out.as_object().cloned().unwrap_or_default(),
        &Query {
            path: String::new(),
            params: Vec::new(),
        },
    ))
}

// ---------------------------------------------------------------------------------------
// servicePrincipals/{id}/claimsMappingPolicies

/// `GET /servicePrincipals/{id}/claimsMappingPolicies`.
pub async fn list_sp_policies(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(APP_READ)?;
    check_guid(&id)?;
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let sp = visible_sp(t, &id, now(&st.0))?;
        t.claims_mapping_policies
            .iter()
            .filter(|p| sp.claims_mapping_policy_ids.contains(&p.id))
            .map(policy_json)
            .collect()
    };
    collection(
        &st.0,
        &format!("servicePrincipals('{id}')/claimsMappingPolicies"),
        items,
        &q,
        None,
    )
}

/// `GET /servicePrincipals/{id}/claimsMappingPolicies/$ref`.
pub async fn list_sp_policy_refs(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(APP_READ)?;
    check_guid(&id)?;
    let root = graph_root(&st.0);
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        visible_sp(t, &id, now(&st.0))?
            .claims_mapping_policy_ids
            .iter()
            .map(|p| {
                json!({"@odata.id": format!("{root}/directoryObjects/{p}/Microsoft.DirectoryServices.ClaimsMappingPolicy")})
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    };
    collection(&st.0, "directoryObjects", items, &q, None)
}

/// `POST /servicePrincipals/{id}/claimsMappingPolicies/$ref {"@odata.id": …}`.
pub async fn add_sp_policy_ref(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(APP_WRITE)?;
    caller.require(POLICY_WRITE)?;
    check_guid(&id)?;
    let body = json_body(&body)?;
    let policy_id = odata_id(&body)?;
    {
        let mut dir = st.0.entra.dir();
        let t = tenant_mut(&mut dir, &caller)?;
        let policy_id = visible_policy(t, &policy_id, now(&st.0))?.id.clone();
        let idx = sp_index(t, &id, now(&st.0))?;
        let sp = &mut t.service_principals[idx];
        if sp.claims_mapping_policy_ids.contains(&policy_id) {
            return Err(GraphError::bad_request(
                "One or more added object references already exist for the following modified properties: 'claimsMappingPolicies'.",
            ));
        }
        if !sp.claims_mapping_policy_ids.is_empty() {
            return Err(GraphError::new(
                StatusCode::CONFLICT,
                "Request_MultipleObjectsWithSameKeyValue",
                "A service principal can have only one claims mapping policy; remove the current one first.",
            ));
        }
        sp.claims_mapping_policy_ids.push(policy_id);
    }
    st.0.entra.save();
    Ok(no_content())
}

/// `DELETE /servicePrincipals/{id}/claimsMappingPolicies/{policyId}/$ref`.
pub async fn remove_sp_policy_ref(
    st: St,
    caller: GraphCaller,
    Path((id, policy_id)): Path<(String, String)>,
) -> Result<Response, GraphError> {
    caller.require(APP_WRITE)?;
    caller.require(POLICY_WRITE)?;
    check_guid(&id)?;
    {
        let mut dir = st.0.entra.dir();
        let t = tenant_mut(&mut dir, &caller)?;
        let idx = sp_index(t, &id, now(&st.0))?;
        let sp = &mut t.service_principals[idx];
        let before = sp.claims_mapping_policy_ids.len();
        sp.claims_mapping_policy_ids
            .retain(|p| !p.eq_ignore_ascii_case(&policy_id));
        if sp.claims_mapping_policy_ids.len() == before {
            return Err(GraphError::not_found(&policy_id));
        }
    }
    st.0.entra.save();
    Ok(no_content())
}

// ---------------------------------------------------------------------------------------
// servicePrincipals/{id}/appRoleAssignedTo

/// `GET /servicePrincipals/{id}/appRoleAssignedTo`.
pub async fn list_assignments(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(&[APP_READ, ASSIGNMENT_WRITE].concat())?;
    check_guid(&id)?;
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let sp = visible_sp(t, &id, now(&st.0))?;
        t.app_role_assignments
            .iter()
            .filter(|a| a.resource_id == sp.id)
            .map(|a| assignment_json(t, a))
            .collect()
    };
    collection(
        &st.0,
        &format!("servicePrincipals('{id}')/appRoleAssignedTo"),
        items,
        &q,
        None,
    )
}

/// `GET /servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}`.
pub async fn get_assignment(
    st: St,
    caller: GraphCaller,
    Path((id, assignment_id)): Path<(String, String)>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(&[APP_READ, ASSIGNMENT_WRITE].concat())?;
    check_guid(&id)?;
    let obj = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let sp = visible_sp(t, &id, now(&st.0))?;
        let a = t
            .app_role_assignments
            .iter()
            .find(|a| a.resource_id == sp.id && a.id == assignment_id)
            .ok_or_else(|| GraphError::not_found(&assignment_id))?;
        assignment_json(t, a)
    };
    Ok(entity(
        &st.0,
        &format!("servicePrincipals('{id}')/appRoleAssignedTo/$entity"),
        obj,
        &q,
    ))
}

/// `POST /servicePrincipals/{id}/appRoleAssignedTo {principalId, resourceId, appRoleId}`.
pub async fn add_assignment(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(ASSIGNMENT_WRITE)?;
    check_guid(&id)?;
    let body = json_body(&body)?;
    const R: &str = "AppRoleAssignment";
    let field = |name: &str| -> Result<String, GraphError> {
        prop(&body, name)
            .and_then(Value::as_str)
            .filter(|s| uuid::Uuid::parse_str(s).is_ok())
            .map(str::to_lowercase)
            .ok_or_else(|| invalid_value(name, R))
    };
    let principal_id = field("principalId")?;
    let resource_id = field("resourceId")?;
    let app_role_id = field("appRoleId")?;
    let obj = {
        let mut dir = st.0.entra.dir();
        let t = tenant_mut(&mut dir, &caller)?;
        let sp = visible_sp(t, &id, now(&st.0))?;
        if !resource_id.eq_ignore_ascii_case(&sp.id) {
            return Err(GraphError::bad_request(
                "The resourceId of the assignment must be the service principal in the URL.",
            ));
        }
        let now = now(&st.0);
        let principal_type = if t
            .user(&principal_id)
            .is_some_and(|u| is_visible(u.visible_after, now))
        {
            "User"
        } else if t
            .group(&principal_id)
            .is_some_and(|g| is_visible(g.visible_after, now))
        {
            "Group"
        } else {
            return Err(GraphError::not_found(&principal_id));
        };
        let role_ok = app_role_id == DEFAULT_ACCESS_ROLE_ID
            || t.application_by_app_id(&sp.app_id).is_some_and(|a| {
                a.app_roles.iter().any(|r| {
                    r.id.eq_ignore_ascii_case(&app_role_id)
                        && r.allowed_member_types.iter().any(|m| m == "User")
                })
            });
        if !role_ok {
            return Err(GraphError::bad_request(format!(
                "Permission being assigned was not found on application '{}'.",
                sp.app_id
            )));
        }
        let sp_id = sp.id.clone();
        if t.app_role_assignments.iter().any(|a| {
            a.resource_id == sp_id && a.principal_id == principal_id && a.app_role_id == app_role_id
        }) {
            return Err(GraphError::bad_request(
                "Permission being assigned already exists on the object",
            ));
        }
        let a = AppRoleAssignment {
            id: crate::entra::random_b64url(32),
            app_role_id,
            principal_id,
            principal_type: principal_type.into(),
            resource_id: sp_id,
            created: now,
        };
        let obj = assignment_json(t, &a);
        t.app_role_assignments.push(a);
        obj
    };
    st.0.entra.save();
    Ok(created(
        &st.0,
        &format!("servicePrincipals('{id}')/appRoleAssignedTo/$entity"),
        obj,
    ))
}

/// `DELETE /servicePrincipals/{id}/appRoleAssignedTo/{assignmentId}`.
pub async fn remove_assignment(
    st: St,
    caller: GraphCaller,
    Path((id, assignment_id)): Path<(String, String)>,
) -> Result<Response, GraphError> {
    caller.require(ASSIGNMENT_WRITE)?;
    check_guid(&id)?;
    {
        let mut dir = st.0.entra.dir();
        let t = tenant_mut(&mut dir, &caller)?;
        let sp_id = visible_sp(t, &id, now(&st.0))?.id.clone();
        let before = t.app_role_assignments.len();
        t.app_role_assignments
            .retain(|a| !(a.resource_id == sp_id && a.id == assignment_id));
        if t.app_role_assignments.len() == before {
            return Err(GraphError::not_found(&assignment_id));
        }
    }
    st.0.entra.save();
    Ok(no_content())
}

// ---------------------------------------------------------------------------------------
// policies/claimsMappingPolicies

/// Check a claims mapping policy `definition`: a list of JSON strings, each an object with
/// a `ClaimsMappingPolicy` whose `ClaimsSchema` (if any) is a list of objects.
fn parse_definition(v: &Value) -> Result<Vec<String>, GraphError> {
    const R: &str = "ClaimsMappingPolicy";
    let list = string_list(v, "definition", R)?;
    if list.is_empty() {
        return Err(invalid_value("definition", R));
    }
    for d in &list {
        let parsed: Value = serde_json::from_str(d).map_err(|_| invalid_value("definition", R))?;
        let policy = parsed
            .get("ClaimsMappingPolicy")
            .and_then(Value::as_object)
            .ok_or_else(|| invalid_value("definition", R))?;
        if let Some(schema) = policy.get("ClaimsSchema")
            && !schema
                .as_array()
                .is_some_and(|a| a.iter().all(Value::is_object))
        {
            return Err(invalid_value("definition", R));
        }
    }
    Ok(list)
}

/// `GET /policies/claimsMappingPolicies`.
pub async fn list_policies(st: St, caller: GraphCaller, q: Query) -> Result<Response, GraphError> {
    caller.require(POLICY_READ)?;
    let items = {
        let dir = st.0.entra.dir();
        let t = tenant(&dir, &caller)?;
        let now = now(&st.0);
        t.claims_mapping_policies
            .iter()
            .filter(|p| is_visible(p.visible_after, now))
            .map(policy_json)
            .collect()
    };
    collection(&st.0, "policies/claimsMappingPolicies", items, &q, None)
}

/// `GET /policies/claimsMappingPolicies/{id}`.
pub async fn get_policy(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    q: Query,
) -> Result<Response, GraphError> {
    caller.require(POLICY_READ)?;
    check_guid(&id)?;
    let obj = {
        let dir = st.0.entra.dir();
        policy_json(visible_policy(tenant(&dir, &caller)?, &id, now(&st.0))?)
    };
    Ok(entity(
        &st.0,
        "policies/claimsMappingPolicies/$entity",
        obj,
        &q,
    ))
}

/// `POST /policies/claimsMappingPolicies`.
pub async fn create_policy(
    st: St,
    caller: GraphCaller,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(POLICY_WRITE)?;
    let body = json_body(&body)?;
    const R: &str = "ClaimsMappingPolicy";
    only_properties(
        &body,
        &["definition", "displayName", "isOrganizationDefault"],
        R,
    )?;
    let definition =
        parse_definition(prop(&body, "definition").ok_or_else(|| invalid_value("definition", R))?)?;
    let display_name = prop(&body, "displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid_value("displayName", R))?
        .to_string();
    let is_default = prop(&body, "isOrganizationDefault")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let obj = {
        let mut dir = st.0.entra.dir();
        let visible_after = dir.visible_after(now(&st.0));
        let t = tenant_mut(&mut dir, &caller)?;
        let p = ClaimsMappingPolicy {
            id: new_guid(),
            display_name,
            definition,
            is_organization_default: is_default,
            visible_after,
        };
        let obj = policy_json(&p);
        t.claims_mapping_policies.push(p);
        obj
    };
    st.0.entra.save();
    Ok(created(
        &st.0,
        "policies/claimsMappingPolicies/$entity",
        obj,
    ))
}

/// `PATCH /policies/claimsMappingPolicies/{id}`.
pub async fn patch_policy(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, GraphError> {
    caller.require(POLICY_WRITE)?;
    check_guid(&id)?;
    let body = json_body(&body)?;
    const R: &str = "ClaimsMappingPolicy";
    only_properties(
        &body,
        &["definition", "displayName", "isOrganizationDefault"],
        R,
    )?;
    let definition = prop(&body, "definition")
        .map(parse_definition)
        .transpose()?;
    {
        let mut dir = st.0.entra.dir();
        let t = tenant_mut(&mut dir, &caller)?;
        visible_policy(t, &id, now(&st.0))?;
        let Some(p) = t
            .claims_mapping_policies
            .iter_mut()
            .find(|p| p.id.eq_ignore_ascii_case(&id))
        else {
            return Err(GraphError::not_found(&id));
        };
        if let Some(d) = definition {
            p.definition = d;
        }
        if let Some(v) = prop(&body, "displayName") {
            p.display_name = v
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| invalid_value("displayName", R))?
                .to_string();
        }
        if let Some(v) = prop(&body, "isOrganizationDefault") {
            p.is_organization_default = v
                .as_bool()
                .ok_or_else(|| invalid_value("isOrganizationDefault", R))?;
        }
    }
    st.0.entra.save();
    Ok(no_content())
}

/// `DELETE /policies/claimsMappingPolicies/{id}` (also unlinks it from service principals).
pub async fn delete_policy(
    st: St,
    caller: GraphCaller,
    Path(id): Path<String>,
) -> Result<Response, GraphError> {
    caller.require(POLICY_WRITE)?;
    check_guid(&id)?;
    {
        let mut dir = st.0.entra.dir();
        let t = tenant_mut(&mut dir, &caller)?;
        let pid = visible_policy(t, &id, now(&st.0))?.id.clone();
        t.claims_mapping_policies.retain(|p| p.id != pid);
        for sp in &mut t.service_principals {
            sp.claims_mapping_policy_ids.retain(|p| *p != pid);
        }
    }
    st.0.entra.save();
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, value: &str, enabled: bool) -> AppRole {
        AppRole {
            allowed_member_types: vec!["User".into()],
            description: None,
            display_name: None,
            id: id.into(),
            is_enabled: enabled,
            origin: Some("Application".into()),
            value: Some(value.into()),
        }
    }

    const A: &str = "0b0b0b0b-0000-4000-8000-000000000001";
    const B: &str = "0b0b0b0b-0000-4000-8000-000000000002";

    #[test]
    fn an_enabled_app_role_must_be_disabled_before_removal() {
        let old = vec![role(A, "arn:a,arn:p", true)];
        let err = check_app_roles(&old, &[]).err();
        assert_eq!(
            err.map(|e| e.code),
            Some("CannotDeleteOrUpdateEnabledEntitlement".into())
        );
        // Disable first, then remove.
        let disabled = vec![role(A, "arn:a,arn:p", false)];
        assert!(check_app_roles(&old, &disabled).is_ok());
        assert!(check_app_roles(&disabled, &[]).is_ok());
    }

    #[test]
    fn an_enabled_app_role_value_cannot_change_in_place() {
        let old = vec![role(A, "arn:a,arn:p", true)];
        assert!(check_app_roles(&old, &[role(A, "arn:b,arn:p", true)]).is_err());
        assert!(check_app_roles(&old, &[role(A, "arn:a,arn:p", true), role(B, "x", true)]).is_ok());
    }

    #[test]
    fn duplicate_role_values_and_bad_ids_are_refused() {
        assert!(check_app_roles(&[], &[role(A, "x", true), role(B, "x", true)]).is_err());
        assert!(check_app_roles(&[], &[role("not-a-guid", "x", true)]).is_err());
    }

    #[test]
    fn claims_mapping_definitions_must_be_json_policies() {
        let ok = json!([
            r#"{"ClaimsMappingPolicy":{"Version":1,"IncludeBasicClaimSet":"true","ClaimsSchema":[{"Source":"user","ID":"userprincipalname","SamlClaimType":"https://aws.amazon.com/SAML/Attributes/RoleSessionName"}]}}"#
        ]);
        assert!(parse_definition(&ok).is_ok());
        for bad in [
            json!([]),
            json!(["not json"]),
            json!([r#"{"Other":{}}"#]),
            json!([r#"{"ClaimsMappingPolicy":{"ClaimsSchema":"x"}}"#]),
            json!("string"),
        ] {
            assert!(parse_definition(&bad).is_err(), "{bad}");
        }
    }
}
