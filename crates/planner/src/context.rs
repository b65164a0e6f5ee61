//! What every resource module plans from: the spec, what follows from it, what was observed,
//! and the time. Facts several modules need (which app is ours, the active certificate, the
//! instance ID) are answered here, from the observation, so modules do not depend on one another's
//! code, only on one another's order.

use connect_sso_spec::{Derived, Spec};
use time::OffsetDateTime;

use crate::observed::{AppRole, EntraApp, Observed, SigningCertificate};
use crate::value::{Planned, Unknown};

/// A signing certificate with less validity left than this is replaced (rollover is its own
/// command; plan only makes sure one valid certificate is active).
pub const CERTIFICATE_MIN_VALIDITY: time::Duration = time::Duration::days(30);

/// The inputs of a plan.
pub struct Context<'a> {
    /// The desired state.
    pub spec: &'a Spec,
    /// ARNs, URLs and policies that follow from the spec.
    pub derived: Derived,
    /// What exists.
    pub observed: &'a Observed,
    /// When the plan is made (certificate validity is judged at this time).
    pub now: OffsetDateTime,
}

impl<'a> Context<'a> {
    /// A context for `spec` over `observed` at `now`.
    pub fn new(spec: &'a Spec, observed: &'a Observed, now: OffsetDateTime) -> Self {
        let mut derived = spec.derived();
        // Brokered: the Entra app's service provider is Identity Center (its SP metadata).
        if let Some(sp) = observed.identity_center.service_provider.value() {
            if spec.identity_center.is_some() {
                derived.identifier = sp.entity_id.clone();
                derived.reply_url = sp.acs_url.clone();
            }
        }
        Context {
            spec,
            derived,
            observed,
            now,
        }
    }

    /// `[identity_center]` when the topology is brokered.
    pub fn identity_center(&self) -> Option<&'a connect_sso_spec::IdentityCenter> {
        match self.spec.topology {
            connect_sso_spec::Topology::Brokered => self.spec.identity_center.as_ref(),
            connect_sso_spec::Topology::Direct => None,
        }
    }

    /// True in the brokered topology.
    pub fn brokered(&self) -> bool {
        self.identity_center().is_some()
    }

    /// Brokered, before Identity Center's SP metadata is known: the Entra app cannot be given
    /// its identifier and Reply URL yet.
    pub fn service_provider_unknown(&self) -> bool {
        self.brokered()
            && self
                .observed
                .identity_center
                .service_provider
                .value()
                .is_none()
    }

    /// The enterprise app the plan works on: the one managed by the tool when several share the
    /// name, else the first.
    pub fn app(&self) -> Option<&'a EntraApp> {
        let apps = &self.observed.entra.apps;
        apps.iter().find(|a| a.managed).or(apps.first())
    }

    /// The app's certificates that stay valid long enough.
    pub fn valid_certificates(&self) -> Vec<&'a SigningCertificate> {
        self.app()
            .map(|a| {
                a.signing_certificates
                    .iter()
                    .filter(|c| c.not_after - self.now > CERTIFICATE_MIN_VALIDITY)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The certificate that signs once the plan is applied: the preferred one if valid, else
    /// the newest valid one, else the one the plan creates.
    pub fn active_thumbprint(&self) -> Planned<String> {
        let valid = self.valid_certificates();
        let preferred = self.app().and_then(|a| a.preferred_thumbprint.as_deref());
        if let Some(p) = preferred {
            if valid.iter().any(|c| c.thumbprint.eq_ignore_ascii_case(p)) {
                return Planned::Known(p.to_string());
            }
        }
        match valid.iter().max_by_key(|c| c.not_after) {
            Some(c) => Planned::Known(c.thumbprint.clone()),
            None => Planned::AfterApply(Unknown::CertificateThumbprint),
        }
    }

    /// The Connect instance's ID, or the one the plan creates.
    pub fn instance_id(&self) -> Planned<String> {
        match &self.observed.aws.instance {
            Some(i) => Planned::Known(i.id.clone()),
            None => Planned::AfterApply(Unknown::InstanceId),
        }
    }

    /// The app's roles.
    pub fn app_roles(&self) -> &'a [AppRole] {
        self.app()
            .map(|a| a.app_roles.as_slice())
            .unwrap_or_default()
    }

    /// The app role named in the spec, if it exists.
    pub fn spec_app_role(&self) -> Option<&'a AppRole> {
        self.app_roles()
            .iter()
            .find(|r| r.display_name == self.spec.entra.app_role)
    }

    /// True when `value` is an AWS role pair of this account (an app role of ours).
    pub fn is_our_role_value(&self, value: Option<&str>) -> bool {
        let marker = format!(":iam::{}:", self.spec.aws.account_id);
        value.is_some_and(|v| v.contains(&marker))
    }
}

/// `["a", "b"]`, as plans show lists.
pub fn list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}
