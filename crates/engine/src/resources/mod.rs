//! The I/O of each managed resource: how a step is carried out, and how what it changed is
//! read back. One module per resource, mirroring the planner's modules; the step's typed
//! payload says what to do.

mod app_roles;
mod assignments;
mod claims;
mod connect_admin;
mod connect_instance;
mod entra_app;
mod federation_policy;
mod federation_role;
mod ic_assignments;
mod provisioning;
mod relay_state;
mod saml_provider;
mod signing_certificate;

use std::time::Duration;

use connect_sso_aws::Aws;
use connect_sso_entra::Graph;
use connect_sso_planner::{Payload, Resource, Step, Unknown};
use connect_sso_spec::Spec;

use crate::Error;
use crate::apply::Event;
use crate::observe::{AppRecord, Handles};

/// How long to wait for Graph to show a new object.
pub(crate) const GRAPH_VISIBLE_TIMEOUT: Duration = Duration::from_secs(120);

/// What a resource's I/O works with.
pub(crate) struct Io<'a> {
    /// Microsoft Graph.
    pub graph: &'a Graph,
    /// AWS.
    pub aws: &'a Aws,
    /// The management account's IAM Identity Center (brokered).
    pub identity_center: Option<&'a Aws>,
    /// Where real URLs are fetched.
    pub url_map: &'a crate::identity_center::UrlMap,
    /// Environment variables.
    pub env: &'a crate::apply::Env,
    /// The spec.
    pub spec: &'a Spec,
    /// Progress notes.
    pub on_event: &'a (dyn Fn(Event<'_>) + Sync),
}

impl Io<'_> {
    /// Tell the user something while a step runs.
    pub(crate) fn note(&self, text: String) {
        (self.on_event)(Event::Note(text));
    }

    /// The tags the tool puts on what it creates.
    pub(crate) fn created_tag(&self) -> [(&str, &str); 1] {
        [(
            connect_sso_spec::MANAGED_TAG,
            self.spec.entra.app_name.as_str(),
        )]
    }

    /// The tags the tool puts on what it adopts.
    pub(crate) fn adopted_tag(&self) -> [(&str, &str); 1] {
        [(
            crate::observe::ADOPTED_TAG,
            self.spec.entra.app_name.as_str(),
        )]
    }
}

/// The app the tool works on, for a read-back, with its service principal's ID (`None` when
/// either is missing).
pub(crate) fn app_and_sp_id(h: &mut Handles) -> Option<(&mut AppRecord, String)> {
    let record = h.app_mut()?;
    let sp_id = record.sp.as_ref()?.id.clone();
    Some((record, sp_id))
}

/// Something the step needs is not in the snapshot.
pub(crate) fn missing(what: &str) -> Error {
    Error::Inconsistent(format!(
        "{what} is missing although the plan needs it; run apply again"
    ))
}

/// A payload value the plan could not know; apply re-plans after every step, so reaching one
/// is a bug.
pub(crate) fn pending(unknown: Unknown) -> Error {
    Error::Inconsistent(format!(
        "the step needs {} which is not known yet; run apply again",
        unknown.placeholder()
    ))
}

/// Carry out `step` (never a manual one: apply stops before those).
pub(crate) async fn execute(io: &Io<'_>, h: &Handles, step: &Step) -> Result<(), Error> {
    let action = step.action;
    match &step.payload {
        Payload::EntraApp(p) => entra_app::execute(io, h, action, p).await,
        Payload::SigningCertificate(p) => signing_certificate::execute(io, h, p).await,
        Payload::SamlProvider(p) => saml_provider::execute(io, h, action, p).await,
        Payload::FederationRole(p) => federation_role::execute(io, action, p).await,
        Payload::ConnectInstance(p) => connect_instance::execute(io, action, p).await,
        Payload::FederationPolicy(p) => federation_policy::execute(io, p).await,
        Payload::ConnectAdmin(p) => connect_admin::execute(io, h, p).await,
        Payload::AppRoles(p) => app_roles::execute(io, h, p).await,
        Payload::ClaimsPolicy(p) => claims::execute(io, h, p).await,
        Payload::RelayState(p) => relay_state::execute(io, h, p).await,
        Payload::GroupAssignments(p) => assignments::execute(io, h, p).await,
        Payload::IcAssignments(p) => ic_assignments::execute(io, p).await,
        Payload::EntraProvisioning(p) => provisioning::execute(io, h, p).await,
        Payload::Console | Payload::IcApplication(_) => Err(Error::Inconsistent(format!(
            "{} is made in a console, not by apply",
            step.resource
        ))),
    }
}

/// Read back what a step on `resource` changed into `h` (its postcondition's input).
pub(crate) async fn read_back(
    io: &Io<'_>,
    h: &mut Handles,
    resource: Resource,
) -> Result<(), Error> {
    match resource {
        Resource::EntraApp => entra_app::read_back(io, h).await,
        Resource::SigningCertificate | Resource::RelayState => {
            signing_certificate::read_back(io, h).await
        }
        Resource::SamlProvider => saml_provider::read_back(io, h).await,
        Resource::FederationRole | Resource::FederationPolicy => {
            federation_role::read_back(io, h).await
        }
        Resource::ConnectInstance => connect_instance::read_back(io, h).await,
        Resource::ConnectAdmin => connect_admin::read_back(io, h).await,
        Resource::AppRoles => app_roles::read_back(io, h).await,
        Resource::ClaimsPolicy => claims::read_back(io, h).await,
        Resource::GroupAssignments => assignments::read_back(io, h).await,
        Resource::IcAssignments => ic_assignments::read_back(io, h).await,
        Resource::EntraProvisioning => provisioning::read_back(io, h).await,
        Resource::IcServiceProvider | Resource::IcIdentitySource | Resource::IcApplication => {
            ic_assignments::read_all(io, h).await
        }
    }
}
