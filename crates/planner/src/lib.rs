//! The connect-sso planner: a pure function of (desired spec, observed state, time) → ordered
//! steps. It does no I/O; the crate graph enforces it (it depends on the spec only).
//!
//! One module per managed resource (`entra/`, `aws/`, `connect/`) says what the spec wants of
//! it, how to diff that against what was observed, and what it depends on; the
//! [`resource::REGISTRY`] lists them and [`resource::ordered`] puts each after its
//! dependencies. Values not known before apply (the new instance's ID, the new certificate's
//! thumbprint) are typed ([`value::Planned`]), and every step carries a typed
//! [`payload::Payload`] for the executor.

pub mod aws;
pub mod connect;
pub mod context;
pub mod diff;
pub mod entra;
pub mod identity_center;
pub mod observed;
pub mod payload;
mod render;
pub mod resource;
pub mod step;
pub mod users;
pub mod value;

use connect_sso_spec::Spec;
use time::OffsetDateTime;

pub use aws::federation_policy::FEDERATION_POLICY_NAME;
pub use context::{CERTIFICATE_MIN_VALIDITY, Context};
pub use observed::Observed;
pub use payload::Payload;
pub use render::render_plan;
pub use resource::{ManagedResource, Outcome};
pub use step::{Action, Blocker, Change, Counts, Item, ManualStep, Plan, Resource, Step};
pub use value::{FieldValue, Planned, Shown, Unknown};

/// Plan the changes that take `observed` to what `spec` describes, judged at `now`.
pub fn plan(spec: &Spec, observed: &Observed, now: OffsetDateTime) -> Plan {
    let ctx = Context::new(spec, observed, now);
    let mut plan = Plan::default();
    for module in resource::ordered_for(spec.topology) {
        let mut out = Outcome::default();
        module.plan(&ctx, &mut out);
        for mut step in out.steps {
            if let Some(manual) = module.manual(&ctx, &step) {
                step.action = Action::Manual;
                step.manual = Some(manual);
            }
            plan.steps.push(step);
        }
        plan.blockers.extend(out.blockers);
    }
    plan
}
