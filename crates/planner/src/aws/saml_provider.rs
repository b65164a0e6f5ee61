//! `aws.saml_provider`: the IAM SAML provider trusts the app's active signing certificate.

use crate::context::Context;
use crate::payload::{Payload, ProviderChange};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Resource, Step};
use crate::value::{Planned, Shown, Unknown};

/// The IAM SAML provider.
pub struct SamlProvider;

impl ManagedResource for SamlProvider {
    fn resource(&self) -> Resource {
        Resource::SamlProvider
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::SigningCertificate]
    }

    fn depends_on_brokered(&self) -> &'static [Resource] {
        // IAM trusts Identity Center's application, made in its console.
        &[Resource::IcApplication]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let spec = ctx.spec;
        let (active, issuer) = trusted_issuer(ctx);
        let shown_active = Shown::of(&active, str::to_string);
        let payload = Payload::SamlProvider(ProviderChange {
            name: spec.aws.saml_provider.clone(),
            arn: ctx.derived.provider_arn.clone(),
        });
        let Some(p) = &ctx.observed.aws.saml_provider else {
            out.step(Step::new(
                Resource::SamlProvider,
                Action::Create,
                format!("no IAM SAML provider named {:?}", spec.aws.saml_provider),
                vec![
                    Change::set("arn", ctx.derived.provider_arn.as_str()),
                    Change::set("metadata certificate", shown_active),
                ],
                payload,
            ));
            return;
        };
        let trusted = active.known().is_ok_and(|a| {
            p.certificate_thumbprints
                .iter()
                .any(|t| t.eq_ignore_ascii_case(a))
        });
        let mut changes = Vec::new();
        if !trusted {
            changes.push(Change::new(
                "metadata certificate",
                Some(p.certificate_thumbprints.join(", ")),
                Some(shown_active),
            ));
        }
        if p.entity_id.as_deref().is_some_and(|e| e != issuer.as_str()) {
            changes.push(Change::new(
                "metadata issuer",
                p.entity_id.as_ref(),
                Some(issuer.as_str()),
            ));
        }
        if changes.is_empty() && p.managed {
            return;
        }
        out.step(Step::new(
            Resource::SamlProvider,
            if p.managed {
                Action::Update
            } else {
                Action::Adopt
            },
            if trusted && changes.is_empty() {
                "the provider was not created by connect-sso"
            } else if ctx.brokered() {
                "IAM does not trust the Identity Center application's certificate and issuer \
                 (IAM never refreshes metadata by itself)"
            } else {
                "IAM does not trust the app's active signing certificate (IAM never refreshes \
                 metadata by itself)"
            },
            changes,
            payload,
        ));
    }
}

/// The certificate IAM must trust and the issuer its metadata must name: Entra's active
/// certificate and tenant issuer (direct), or the Identity Center application's (brokered).
fn trusted_issuer(ctx: &Context<'_>) -> (Planned<String>, String) {
    if !ctx.brokered() {
        let issuer = format!("https://sts.windows.net/{}/", ctx.spec.entra.tenant_id);
        return (ctx.active_thumbprint(), issuer);
    }
    match ctx.observed.identity_center.application_metadata.value() {
        Some(m) => (
            m.certificate_thumbprints.first().cloned().map_or(
                Planned::AfterApply(Unknown::ApplicationCertificate),
                Planned::Known,
            ),
            m.entity_id.clone(),
        ),
        None => (
            Planned::AfterApply(Unknown::ApplicationCertificate),
            String::new(),
        ),
    }
}
