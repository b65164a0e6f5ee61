//! `/aws/_admin/identity-center`: the console steps of Identity Center as JSON
//! (docs/design/brokered.md, "Sandbox wire contract"):
//!
//! | method and path | body | answer |
//! | --- | --- | --- |
//! | `GET /identity-center` | | instance, identity source, applications, assignments, users, groups |
//! | `PUT /identity-center/identity-source` | `{"idp_metadata": "<EntityDescriptor…>"}` | `{"sp_entity_id", "acs_url", "sp_metadata_url"}` |
//! | `DELETE /identity-center/identity-source` | | back to the Identity Center directory |
//! | `POST /identity-center/applications` | an [`ApplicationConfig`] | `{"application_arn", "application_id", "metadata_url"}` |
//! | `PUT /identity-center/applications/{app}` | an [`ApplicationConfig`] | the same (key and ARN kept) |
//! | `DELETE /identity-center/applications/{app}` | | `{}` (its assignments go too) |

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::apps::{Application, ApplicationConfig};
use super::{ACS_URL, ExternalIdp, INSTANCE_ARN, SP_ENTITY_ID, lock};
use crate::State;
use crate::aws::iam::iso;

/// An admin answer: status and JSON.
type Answer = (StatusCode, Json<Value>);

fn refused(status: StatusCode, msg: impl Into<String>) -> Answer {
    (status, Json(json!({ "error": msg.into() })))
}

fn application_json(a: &Application) -> Value {
    json!({
        "application_id": a.id,
        "application_arn": a.arn,
        "name": a.config.name,
        "start_url": a.config.start_url,
        "relay_state": a.config.relay_state,
        "acs_url": a.config.acs_url,
        "audience": a.config.audience,
        "attribute_mappings": a.config.attribute_mappings,
        "entity_id": a.entity_id(),
        "metadata_url": a.metadata_url(),
        "certificate_thumbprint": a.key.certificate().thumbprint_sha1(),
        "status": a.status,
        "created": iso(a.created),
    })
}

/// `GET /identity-center`: the whole state.
pub async fn get_state(AxState(s): AxState<Arc<State>>) -> Json<Value> {
    let ic = lock(&s);
    let source = ic.identity_source.as_ref().map_or(Value::Null, |idp| {
        json!({
            "entity_id": idp.entity_id,
            "certificate_thumbprints": idp.signing_certificates.iter().map(|c| c.thumbprint_sha1()).collect::<Vec<_>>(),
        })
    });
    Json(json!({
        "instance": {
            "instance_arn": INSTANCE_ARN,
            "identity_store_id": super::IDENTITY_STORE_ID,
            "owner_account_id": super::MANAGEMENT_ACCOUNT_ID,
            "region": super::REGION,
            "sp_entity_id": SP_ENTITY_ID,
            "acs_url": ACS_URL,
            "portal_url": super::PORTAL_URL,
        },
        "identity_source": source,
        "applications": ic.applications.iter().map(application_json).collect::<Vec<_>>(),
        "assignments": ic.assignments,
        "users": ic.store.users,
        "groups": ic.store.groups,
    }))
}

/// `PUT /identity-center/identity-source`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentitySource {
    /// The external IdP's federation metadata (XML).
    idp_metadata: String,
}

/// `PUT /identity-center/identity-source`: trust the external IdP of this metadata.
pub async fn put_identity_source(
    AxState(s): AxState<Arc<State>>,
    Json(b): Json<IdentitySource>,
) -> Answer {
    let idp = match ExternalIdp::from_metadata(&b.idp_metadata) {
        Ok(idp) => idp,
        Err(e) => {
            return refused(
                StatusCode::BAD_REQUEST,
                format!(
                    "The IdP metadata cannot be used: {e}. Upload the IdP's federation metadata XML."
                ),
            );
        }
    };
    lock(&s).identity_source = Some(idp);
    s.aws.changed();
    (
        StatusCode::OK,
        Json(json!({
            "sp_entity_id": SP_ENTITY_ID,
            "acs_url": ACS_URL,
            "sp_metadata_url": format!("{}/aws/identity-center/saml/sp-metadata", s.urls.base()),
        })),
    )
}

/// `DELETE /identity-center/identity-source`: back to the Identity Center directory.
pub async fn delete_identity_source(AxState(s): AxState<Arc<State>>) -> Json<Value> {
    lock(&s).identity_source = None;
    s.aws.changed();
    Json(json!({ "identity_source": "IdentityCenterDirectory" }))
}

fn created(a: &Application) -> Answer {
    (
        StatusCode::OK,
        Json(json!({
            "application_arn": a.arn,
            "application_id": a.id,
            "metadata_url": a.metadata_url(),
        })),
    )
}

/// `POST /identity-center/applications`: a customer-managed SAML application.
pub async fn create_application(
    AxState(s): AxState<Arc<State>>,
    Json(b): Json<ApplicationConfig>,
) -> Answer {
    match Application::new(b, s.aws.now()) {
        Ok(a) => {
            let answer = created(&a);
            lock(&s).applications.push(a);
            s.aws.changed();
            answer
        }
        Err(e) => refused(StatusCode::BAD_REQUEST, e),
    }
}

/// `PUT /identity-center/applications/{app}`: edit its configuration.
pub async fn update_application(
    AxState(s): AxState<Arc<State>>,
    Path(app): Path<String>,
    Json(b): Json<ApplicationConfig>,
) -> Answer {
    if let Err(e) = b.check() {
        return refused(StatusCode::BAD_REQUEST, e);
    }
    let mut ic = lock(&s);
    let Some(a) = ic
        .applications
        .iter_mut()
        .find(|a| a.id == app || a.arn == app || a.token == app)
    else {
        return not_found(&app);
    };
    a.config = b;
    let answer = created(a);
    s.aws.changed();
    answer
}

fn not_found(app: &str) -> Answer {
    refused(
        StatusCode::NOT_FOUND,
        format!("No application {app}; GET /aws/_admin/identity-center lists them."),
    )
}

/// `DELETE /identity-center/applications/{app}`.
pub async fn delete_application(
    AxState(s): AxState<Arc<State>>,
    Path(app): Path<String>,
) -> Answer {
    let mut ic = lock(&s);
    let Some(arn) = ic.application(&app).map(|a| a.arn.clone()) else {
        return not_found(&app);
    };
    ic.applications.retain(|a| a.arn != arn);
    ic.assignments.retain(|a| a.application_arn != arn);
    s.aws.changed();
    (StatusCode::OK, Json(json!({})))
}
