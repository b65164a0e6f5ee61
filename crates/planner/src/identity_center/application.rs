//! `identity_center.application`: the customer-managed SAML application "Amazon Connect", the
//! IdP of the Connect account. Identity Center's API cannot make SAML applications
//! (docs/facts.md §1), so a person makes it with the exact values below; the tool finds it by
//! name (`ListApplications`), checks that it is enabled, and reads its metadata.

use connect_sso_spec::{CLAIM_ROLE, CLAIM_ROLE_SESSION_NAME, Derived, IC_APPLICATION_AUDIENCE};

use crate::context::Context;
use crate::identity_center::console;
use crate::observed::Document;
use crate::payload::{ApplicationValues, Payload};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, ManualStep, Resource, Step};
use crate::value::Shown;

/// The "Amazon Connect" application.
pub struct IcApplication;

impl ManagedResource for IcApplication {
    fn resource(&self) -> Resource {
        Resource::IcApplication
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::ConnectInstance, Resource::IcIdentitySource]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let Some(ic) = ctx.identity_center() else {
            return;
        };
        let apps = &ctx.observed.identity_center.applications;
        if apps.len() > 1 {
            out.block(
                Resource::IcApplication,
                format!(
                    "{} Identity Center applications are named {:?}",
                    apps.len(),
                    ic.application_name
                ),
                "rename or delete the extra ones, or give identity_center.application_name a \
                 unique name",
            );
            return;
        }
        let (reason, changes, payload) = match (
            apps.first(),
            &ctx.observed.identity_center.application_metadata,
        ) {
            (None, _) => (
                format!(
                    "no Identity Center application named {:?}",
                    ic.application_name
                ),
                application_changes(ctx),
                Payload::IcApplication(values(ctx)),
            ),
            (Some(a), _) if a.status != "ENABLED" => (
                format!("the application {:?} is {}", a.name, a.status),
                vec![Change::new(
                    "status",
                    Some(a.status.as_str()),
                    Some("ENABLED"),
                )],
                Payload::Console,
            ),
            (Some(_), Document::Read { .. }) => return,
            (Some(_), Document::Unreadable { reason }) => (
                format!("identity_center.application_metadata cannot be used: {reason}"),
                metadata_change(),
                Payload::Console,
            ),
            (Some(_), Document::Absent) => (
                "the spec has no identity_center.application_metadata yet".to_string(),
                metadata_change(),
                Payload::Console,
            ),
        };
        out.step(Step::new(
            Resource::IcApplication,
            Action::Manual,
            reason,
            changes,
            payload,
        ));
    }

    fn manual(&self, ctx: &Context<'_>, step: &Step) -> Option<ManualStep> {
        let name = ctx.spec.identity_center.as_ref()?.application_name.clone();
        let verify = "connect-sso finds the application by name (ListApplications), checks it is \
                      enabled, and reads its metadata: IAM's SAML provider trusts its certificate"
            .to_string();
        if step.changes.iter().any(|c| c.field == "status") {
            return Some(ManualStep {
                console: console(ctx, &format!("Applications → Customer managed → {name:?}")),
                enter: vec![("Actions".into(), "Enable".into())],
                verify,
            });
        }
        if step.changes.len() == 1 {
            return Some(ManualStep {
                console: console(ctx, &format!("Applications → Customer managed → {name:?}")),
                enter: metadata_lines(),
                verify,
            });
        }
        let mut enter: Vec<(String, String)> = step
            .changes
            .iter()
            .filter_map(|c| Some((c.field.clone(), c.after.as_ref()?.to_string())))
            .collect();
        enter.extend(metadata_lines());
        Some(ManualStep {
            console: console(
                ctx,
                "Applications → Customer managed → Add application → \"I have an application I \
                 want to set up\" → SAML 2.0 → Next; then, on the new application, Actions → \
                 Edit attribute mappings",
            ),
            enter,
            verify,
        })
    }
}

/// The values of a new application, typed.
fn values(ctx: &Context<'_>) -> ApplicationValues {
    let spec = ctx.spec;
    ApplicationValues {
        name: spec
            .identity_center
            .as_ref()
            .map_or_else(String::new, |ic| ic.application_name.clone()),
        start_url: String::new(),
        relay_state: ctx.instance_id().map(|id| Derived::relay_state(spec, id)),
        acs_url: Derived::aws_signin_url(spec),
        audience: IC_APPLICATION_AUDIENCE.into(),
        attribute_mappings: ctx.derived.ic_attribute_mappings(),
    }
}

/// The values of a new application, as the console labels its fields.
fn application_changes(ctx: &Context<'_>) -> Vec<Change> {
    let spec = ctx.spec;
    let name = spec
        .identity_center
        .as_ref()
        .map_or_else(String::new, |ic| ic.application_name.clone());
    let relay = Shown::of(&ctx.instance_id(), |id| Derived::relay_state(spec, id));
    let mut changes = vec![
        Change::set("Display name", name),
        Change::set("Application start URL", "(leave blank)"),
        Change::set("Relay state", relay),
        Change::set("Application ACS URL", Derived::aws_signin_url(spec)),
        Change::set("Application SAML audience", IC_APPLICATION_AUDIENCE),
    ];
    for m in ctx.derived.ic_attribute_mappings() {
        let label = match m.attribute.as_str() {
            "Subject" => "Attribute mappings → Subject".to_string(),
            a if a == CLAIM_ROLE_SESSION_NAME || a == CLAIM_ROLE => {
                format!("Attribute mappings → {a}")
            }
            a => format!("Attribute mappings → {a}"),
        };
        changes.push(Change::set(
            label,
            format!("{} (format: {})", m.value, m.format),
        ));
    }
    changes
}

fn metadata_change() -> Vec<Change> {
    vec![Change::set(
        "identity_center.application_metadata",
        "the application's SAML metadata (file or URL)",
    )]
}

fn metadata_lines() -> Vec<(String, String)> {
    vec![
        (
            "IAM Identity Center metadata → IAM Identity Center SAML metadata file".into(),
            "Download (or copy its URL)".into(),
        ),
        (
            "In the spec".into(),
            "identity_center.application_metadata = \"<the file or URL>\"".into(),
        ),
    ]
}
