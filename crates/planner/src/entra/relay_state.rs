//! `entra.relay_state`: IdP-initiated sign-in lands in the Connect instance.

use connect_sso_spec::Derived;

use crate::context::Context;
use crate::entra::basic_saml_manual;
use crate::payload::{Payload, RelayStateChange};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, ManualStep, Resource, Step};
use crate::value::Shown;

/// The relay state.
pub struct RelayState;

impl ManagedResource for RelayState {
    fn resource(&self) -> Resource {
        Resource::RelayState
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::EntraApp, Resource::ConnectInstance]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        if ctx.brokered() {
            // Entra signs people into Identity Center's portal; the relay state into Connect is
            // the Identity Center application's (identity_center.application).
            return;
        }
        let relay = ctx
            .instance_id()
            .map(|id| Derived::relay_state(ctx.spec, id));
        let have = ctx.app().and_then(|a| a.relay_state.clone());
        if relay
            .known()
            .ok()
            .is_some_and(|want| Some(want) == have.as_ref())
        {
            return;
        }
        let shown = Shown::of(&ctx.instance_id(), |id| Derived::relay_state(ctx.spec, id));
        out.step(Step::new(
            Resource::RelayState,
            if have.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            "IdP-initiated sign-in must land in the Connect instance",
            vec![Change::new(
                "samlSingleSignOnSettings.relayState",
                have.as_ref(),
                Some(shown),
            )],
            Payload::RelayState(RelayStateChange { relay_state: relay }),
        ));
    }

    fn manual(&self, ctx: &Context<'_>, step: &Step) -> Option<ManualStep> {
        // Until the instance exists the value shows its placeholder; apply re-plans after every
        // step, so when it stops here the value is the real one.
        let value = step.changes.first()?.after.as_ref()?.to_string();
        basic_saml_manual(ctx, vec![("Relay State (Optional)".into(), value)])
    }
}
