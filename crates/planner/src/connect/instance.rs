//! `connect.instance`: a SAML instance with the spec's telephony settings.

use crate::context::Context;
use crate::observed::ConnectInstance as Observed;
use crate::payload::{InstanceChange, Payload};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Resource, Step};

/// The Connect instance.
pub struct ConnectInstance;

impl ManagedResource for ConnectInstance {
    fn resource(&self) -> Resource {
        Resource::ConnectInstance
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        match &ctx.observed.aws.instance {
            None => absent(ctx, out),
            Some(i) => present(ctx, i, out),
        }
    }
}

fn absent(ctx: &Context<'_>, out: &mut Outcome) {
    let c = &ctx.spec.connect;
    if let Some(id) = &c.instance_id {
        out.block(
            Resource::ConnectInstance,
            format!(
                "no Connect instance with ID {id} in {}",
                ctx.spec.aws.region
            ),
            "check connect.instance_id and aws.region, or remove instance_id to create a new \
             instance",
        );
    }
    out.step(Step::new(
        Resource::ConnectInstance,
        Action::Create,
        format!("no Connect instance with alias {:?}", c.instance_alias),
        vec![
            Change::set("alias", c.instance_alias.as_str()),
            Change::set("identity management", "SAML"),
            Change::set("inbound calls", c.inbound_calls),
            Change::set("outbound calls", c.outbound_calls),
        ],
        Payload::ConnectInstance(InstanceChange::Create {
            alias: c.instance_alias.clone(),
            inbound_calls: c.inbound_calls,
            outbound_calls: c.outbound_calls,
        }),
    ));
}

fn present(ctx: &Context<'_>, i: &Observed, out: &mut Outcome) {
    let c = &ctx.spec.connect;
    if i.identity_management_type != "SAML" {
        out.block(
            Resource::ConnectInstance,
            format!(
                "instance {} uses {} identity management, not SAML; it cannot be changed after \
                 creation",
                i.id, i.identity_management_type
            ),
            "SAML sign-in needs a SAML instance: create a new one (give the spec another alias \
             and no instance_id)",
        );
    }
    if i.status == "CREATION_FAILED" {
        out.block(
            Resource::ConnectInstance,
            format!("instance {} ({}) failed to create", i.id, i.alias),
            "delete it in the Connect console, then apply again",
        );
    }
    if i.status == "CREATION_IN_PROGRESS" {
        out.step(Step::new(
            Resource::ConnectInstance,
            Action::Wait,
            format!("instance {} is still being created", i.id),
            vec![Change::new("status", Some(&i.status), Some("ACTIVE"))],
            Payload::ConnectInstance(InstanceChange::WaitActive { id: i.id.clone() }),
        ));
        return;
    }
    let mut changes = Vec::new();
    if i.inbound_calls != c.inbound_calls {
        changes.push(Change::new(
            "inbound calls",
            Some(i.inbound_calls),
            Some(c.inbound_calls),
        ));
    }
    if i.outbound_calls != c.outbound_calls {
        changes.push(Change::new(
            "outbound calls",
            Some(i.outbound_calls),
            Some(c.outbound_calls),
        ));
    }
    if changes.is_empty() && i.managed {
        return;
    }
    let (action, reason) = if i.managed {
        (
            Action::Update,
            "the instance's telephony settings differ from the spec".to_string(),
        )
    } else {
        (
            Action::Adopt,
            format!(
                "instance {} exists but was not created by connect-sso",
                i.id
            ),
        )
    };
    out.step(Step::new(
        Resource::ConnectInstance,
        action,
        reason,
        changes,
        Payload::ConnectInstance(InstanceChange::Set {
            id: i.id.clone(),
            arn: i.arn.clone(),
            inbound_calls: (i.inbound_calls != c.inbound_calls).then_some(c.inbound_calls),
            outbound_calls: (i.outbound_calls != c.outbound_calls).then_some(c.outbound_calls),
        }),
    ));
}
