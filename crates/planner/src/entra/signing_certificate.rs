//! `entra.signing_certificate`: one valid token signing certificate is the active one.

use crate::context::Context;
use crate::payload::{CertificateChange, Payload};
use crate::resource::{ManagedResource, Outcome};
use crate::step::{Action, Change, Resource, Step};
use crate::value::{Planned, Shown};

/// The active signing certificate.
pub struct SigningCertificate;

impl ManagedResource for SigningCertificate {
    fn resource(&self) -> Resource {
        Resource::SigningCertificate
    }

    fn depends_on(&self) -> &'static [Resource] {
        &[Resource::EntraApp]
    }

    fn plan(&self, ctx: &Context<'_>, out: &mut Outcome) {
        let app = ctx.app();
        let preferred = app.and_then(|a| a.preferred_thumbprint.clone());
        match ctx.active_thumbprint() {
            Planned::AfterApply(unknown) => {
                let newest =
                    app.and_then(|a| a.signing_certificates.iter().max_by_key(|c| c.not_after));
                let reason = match newest {
                    Some(c) => format!(
                        "the newest signing certificate {} expires {} (less than 30 days left)",
                        c.thumbprint,
                        c.not_after.date()
                    ),
                    None => "the app has no SAML signing certificate".into(),
                };
                let subject = format!("CN={}", ctx.spec.entra.app_name);
                let years = ctx.spec.entra.certificate_years;
                out.step(Step::new(
                    Resource::SigningCertificate,
                    Action::Create,
                    reason,
                    vec![
                        Change::set("displayName", subject.as_str()),
                        Change::set("validity", format!("{years} years")),
                        Change::new(
                            "preferredTokenSigningKeyThumbprint",
                            preferred.as_ref(),
                            Some(Shown::of(&Planned::AfterApply(unknown), str::to_string)),
                        ),
                    ],
                    Payload::SigningCertificate(CertificateChange::New { subject, years }),
                ));
            }
            Planned::Known(active) => {
                let already = preferred
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(&active));
                if !already {
                    out.step(Step::new(
                        Resource::SigningCertificate,
                        Action::Update,
                        "no valid certificate is the active one",
                        vec![Change::new(
                            "preferredTokenSigningKeyThumbprint",
                            preferred.as_ref(),
                            Some(active.as_str()),
                        )],
                        Payload::SigningCertificate(CertificateChange::Activate {
                            thumbprint: active,
                        }),
                    ));
                }
            }
        }
    }
}
