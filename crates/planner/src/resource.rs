//! The contract of a managed resource, and the registry that orders them.
//!
//! Adding a resource: write one module (what the spec wants of it, how to diff it against what
//! was observed, what it depends on) implementing [`ManagedResource`], add its [`Resource`]
//! address, and add one line to [`REGISTRY`]. The engine then needs its I/O (one module under
//! `crates/engine/src/resources/`).

use connect_sso_spec::Topology;

use crate::context::Context;
use crate::step::{Blocker, ManualStep, Resource, Step};

/// What one module contributes to a plan.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Steps, in the module's order.
    pub steps: Vec<Step>,
    /// Problems a person must fix first.
    pub blockers: Vec<Blocker>,
}

impl Outcome {
    /// Add a step.
    pub fn step(&mut self, step: Step) {
        self.steps.push(step);
    }

    /// Add a blocker.
    pub fn block(
        &mut self,
        resource: Resource,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.blockers.push(Blocker {
            resource,
            message: message.into(),
            hint: hint.into(),
        });
    }
}

/// One managed resource: its address, its dependencies, and its diff.
pub trait ManagedResource: Sync {
    /// Its address.
    fn resource(&self) -> Resource;

    /// Resources that must be in place before this one (the registry orders by them).
    fn depends_on(&self) -> &'static [Resource];

    /// Its dependencies in the brokered topology, where some resources hang off Identity
    /// Center instead of Entra (default: the same as [`ManagedResource::depends_on`]).
    fn depends_on_brokered(&self) -> &'static [Resource] {
        self.depends_on()
    }

    /// Compare what the spec wants with what was observed; add steps or blockers.
    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome);

    /// When the spec says a person makes this resource's changes in a console: what they
    /// enter, for `step`. `None` (the default): the tool makes them through the API.
    fn manual(&self, _ctx: &Context<'_>, _step: &Step) -> Option<ManualStep> {
        None
    }
}

/// Every managed resource of both topologies (a brokered-only module plans nothing for a
/// direct spec, and the reverse). Order here is only a tie-break: the plan
/// follows [`ordered`], which puts every resource after those it depends on.
pub static REGISTRY: &[&dyn ManagedResource] = &[
    &crate::identity_center::service_provider::IcServiceProvider,
    &crate::entra::app::EntraApp,
    &crate::entra::signing_certificate::SigningCertificate,
    &crate::aws::saml_provider::SamlProvider,
    &crate::aws::federation_role::FederationRole,
    &crate::connect::instance::ConnectInstance,
    &crate::aws::federation_policy::FederationPolicy,
    &crate::connect::admin::ConnectAdmin,
    &crate::entra::app_roles::AppRoles,
    &crate::entra::claims::ClaimsPolicy,
    &crate::entra::relay_state::RelayState,
    &crate::entra::assignments::GroupAssignments,
    &crate::identity_center::identity_source::IcIdentitySource,
    &crate::entra::provisioning::EntraProvisioning,
    &crate::identity_center::application::IcApplication,
    &crate::identity_center::assignments::IcAssignments,
];

/// The registry in dependency order (stable: among resources whose dependencies are met, the
/// registry's order). A dependency on a resource that is not registered, or a cycle, is a bug
/// that the planner's tests catch: such resources are left out.
pub fn ordered() -> Vec<&'static dyn ManagedResource> {
    ordered_for(Topology::Direct)
}

/// [`ordered`] for a topology (each module's dependencies in that topology).
pub fn ordered_for(topology: Topology) -> Vec<&'static dyn ManagedResource> {
    let deps = |m: &dyn ManagedResource| match topology {
        Topology::Direct => m.depends_on(),
        Topology::Brokered => m.depends_on_brokered(),
    };
    let mut done: Vec<Resource> = Vec::new();
    let mut out: Vec<&'static dyn ManagedResource> = Vec::new();
    loop {
        let next = REGISTRY
            .iter()
            .find(|m| !done.contains(&m.resource()) && deps(**m).iter().all(|d| done.contains(d)));
        match next {
            Some(m) => {
                done.push(m.resource());
                out.push(*m);
            }
            None => return out,
        }
    }
}

/// The module of `resource`.
pub fn module(resource: Resource) -> Option<&'static dyn ManagedResource> {
    REGISTRY.iter().find(|m| m.resource() == resource).copied()
}
