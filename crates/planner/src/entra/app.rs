//! `entra.app`: the enterprise app (application + service principal) and its SAML basics.

use crate::context::Context;
use crate::entra::basic_saml_manual;
use crate::observed::EntraApp as Observed;
use crate::payload::{AppSettings, Payload};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, ManualStep, Resource, Step};

/// The enterprise app.
pub struct EntraApp;

impl ManagedResource for EntraApp {
    fn resource(&self) -> Resource {
        Resource::EntraApp
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::IcServiceProvider]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        if ctx.service_provider_unknown() {
            // Brokered: identity_center.service_provider (a console step) comes first.
            return;
        }
        let spec = ctx.spec;
        let apps = &ctx.observed.entra.apps;
        if apps.len() > 1 {
            out.block(
                Resource::EntraApp,
                format!("{} enterprise apps are named {:?}", apps.len(), spec.entra.app_name),
                "rename or delete the extra ones in Entra, or give the spec a unique entra.app_name",
            );
        }
        let payload = Payload::EntraApp(AppSettings {
            display_name: spec.entra.app_name.clone(),
            identifier: ctx.derived.identifier.clone(),
            reply_url: ctx.derived.reply_url.clone(),
        });
        match ctx.app() {
            None => out.step(Step::new(
                Resource::EntraApp,
                Action::Create,
                format!("no enterprise app named {:?} exists", spec.entra.app_name),
                creation(ctx),
                payload,
            )),
            Some(a) => {
                let changes = drift(ctx, a);
                if !a.managed {
                    out.step(Step::new(
                        Resource::EntraApp,
                        Action::Adopt,
                        format!(
                            "an app named {:?} exists but was not created by connect-sso",
                            spec.entra.app_name
                        ),
                        changes,
                        payload,
                    ));
                } else if !changes.is_empty() {
                    out.step(Step::new(
                        Resource::EntraApp,
                        Action::Update,
                        "the app's SAML settings differ from the spec",
                        changes,
                        payload,
                    ));
                }
            }
        }
    }

    fn manual(&self, ctx: &Context<'_>, step: &Step) -> Option<ManualStep> {
        // Creating the app stays with the tool (the console would pick other defaults), and so
        // does tagging an adopted app; the settings a person sees on the app's pages are theirs
        // when the spec says so.
        if step.action == Action::Create || step.changes.is_empty() {
            return None;
        }
        let d = &ctx.derived;
        let enter = step
            .changes
            .iter()
            .filter_map(|c| match c.field.as_str() {
                "identifierUris" => Some(("Identifier (Entity ID)", d.identifier.clone())),
                "web.redirectUris" => Some((
                    "Reply URL (Assertion Consumer Service URL)",
                    d.reply_url.clone(),
                )),
                "preferredSingleSignOnMode" => Some((
                    "Single sign-on → Select a single sign-on method",
                    "SAML".into(),
                )),
                "appRoleAssignmentRequired" => {
                    Some(("Properties → Assignment required?", "Yes".into()))
                }
                _ => None,
            })
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        basic_saml_manual(ctx, enter)
    }
}

fn creation(ctx: &Context<'_>) -> Vec<Change> {
    let d = &ctx.derived;
    vec![
        Change::set("displayName", ctx.spec.entra.app_name.as_str()),
        Change::set("identifierUris", std::slice::from_ref(&d.identifier)),
        Change::set("web.redirectUris", std::slice::from_ref(&d.reply_url)),
        Change::set("preferredSingleSignOnMode", "saml"),
        Change::set("appRoleAssignmentRequired", true),
    ]
}

fn drift(ctx: &Context<'_>, a: &Observed) -> Vec<Change> {
    let d = &ctx.derived;
    let mut changes = Vec::new();
    if a.identifier_uris != [d.identifier.clone()] {
        changes.push(Change::new(
            "identifierUris",
            Some(a.identifier_uris.as_slice()),
            Some(std::slice::from_ref(&d.identifier)),
        ));
    }
    if a.redirect_uris != [d.reply_url.clone()] {
        changes.push(Change::new(
            "web.redirectUris",
            Some(a.redirect_uris.as_slice()),
            Some(std::slice::from_ref(&d.reply_url)),
        ));
    }
    if a.sso_mode.as_deref() != Some("saml") {
        changes.push(Change::new(
            "preferredSingleSignOnMode",
            a.sso_mode.as_ref(),
            Some("saml"),
        ));
    }
    if !a.assignment_required {
        changes.push(Change::new(
            "appRoleAssignmentRequired",
            Some(false),
            Some(true),
        ));
    }
    changes
}
