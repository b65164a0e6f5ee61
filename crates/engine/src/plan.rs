//! The planner: a pure function of (desired spec, observed state, clock) → ordered steps.
//!
//! Order is the dependency order of the direct topology (issue 5): Entra app → signing
//! certificate → IAM SAML provider (needs the certificate's metadata) → federation role →
//! Connect instance → role permission policy (needs the instance ID) → admin user → app roles
//! (need the ARNs) → claims → relay state (needs the instance ID) → group assignments.

use std::collections::BTreeSet;

use connect_sso_spec::{Derived, Spec, Topology};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::observed::{EntraApp, Observed};

/// Name of the inline policy the tool puts on the federation role.
pub const FEDERATION_POLICY_NAME: &str = "connect-sso-federation";
/// A signing certificate with less validity left than this is replaced (rollover is its own command;
/// plan only makes sure one valid certificate is active).
pub const CERTIFICATE_MIN_VALIDITY: Duration = Duration::days(30);
/// Placeholder for the instance ID in values that need it before the instance exists.
pub const INSTANCE_ID_PENDING: &str = "<instance-id: known after apply>";
/// Placeholder for a certificate that the plan creates.
pub const CERTIFICATE_PENDING: &str = "<new certificate: known after apply>";

/// What a step manages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Resource {
    /// The enterprise app (application + service principal) and its SAML basics.
    EntraApp,
    /// The active token signing certificate.
    SigningCertificate,
    /// The IAM SAML identity provider.
    SamlProvider,
    /// The IAM federation role and its trust policy.
    FederationRole,
    /// The Connect instance.
    ConnectInstance,
    /// The role's `connect:GetFederationToken` policy.
    FederationPolicy,
    /// The first Connect administrator.
    ConnectAdmin,
    /// The app roles carrying the Role claim value.
    AppRoles,
    /// The claims-mapping policy.
    ClaimsPolicy,
    /// The relay state.
    RelayState,
    /// One group's assignment to an app role.
    GroupAssignment {
        /// Group display name.
        group: String,
    },
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resource::EntraApp => f.write_str("entra.app"),
            Resource::SigningCertificate => f.write_str("entra.signing_certificate"),
            Resource::SamlProvider => f.write_str("aws.saml_provider"),
            Resource::FederationRole => f.write_str("aws.federation_role"),
            Resource::ConnectInstance => f.write_str("connect.instance"),
            Resource::FederationPolicy => f.write_str("aws.federation_policy"),
            Resource::ConnectAdmin => f.write_str("connect.admin"),
            Resource::AppRoles => f.write_str("entra.app_roles"),
            Resource::ClaimsPolicy => f.write_str("entra.claims"),
            Resource::RelayState => f.write_str("entra.relay_state"),
            Resource::GroupAssignment { group } => write!(f, "entra.assignment[{group:?}]"),
        }
    }
}

/// What a step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Create something that does not exist.
    Create,
    /// Change something that exists.
    Update,
    /// Take over something that exists but was not created by the tool (then update it as needed).
    Adopt,
    /// Remove something.
    Delete,
}

/// One field that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Field name as users know it (`identifierUris`, `trust policy`, …).
    pub field: String,
    /// Current value (`None`: absent).
    pub before: Option<String>,
    /// Desired value (`None`: removed).
    pub after: Option<String>,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What it manages.
    pub resource: Resource,
    /// What it does.
    pub action: Action,
    /// Why, in a sentence.
    pub reason: String,
    /// Field-level changes.
    pub changes: Vec<Change>,
}

/// Something that stops the plan from being applied, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    /// The resource concerned.
    pub resource: Resource,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub hint: String,
}

/// The ordered steps that take observed to desired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Steps, in execution order.
    pub steps: Vec<Step>,
    /// Problems that must be fixed before applying.
    pub blockers: Vec<Blocker>,
}

impl Plan {
    /// True when nothing needs doing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
    /// How many steps of each action: (create, update, adopt, delete).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let n = |a: Action| self.steps.iter().filter(|s| s.action == a).count();
        (
            n(Action::Create),
            n(Action::Update),
            n(Action::Adopt),
            n(Action::Delete),
        )
    }
}

fn ch(field: &str, before: Option<impl ToString>, after: Option<impl ToString>) -> Change {
    Change {
        field: field.to_string(),
        before: before.map(|b| b.to_string()),
        after: after.map(|a| a.to_string()),
    }
}

fn list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Plan the changes that take `observed` to what `spec` describes, judged at `now`.
pub fn plan(spec: &Spec, observed: &Observed, now: OffsetDateTime) -> Plan {
    let d = spec.derived();
    let mut steps = Vec::new();
    let mut blockers = Vec::new();

    if spec.topology == Topology::Brokered {
        blockers.push(Blocker {
            resource: Resource::EntraApp,
            message: "the brokered topology (Entra → IAM Identity Center → Connect) is not supported by plan/apply yet"
                .into(),
            hint: "use topology = \"direct\"".into(),
        });
        return Plan { steps, blockers };
    }

    // 1. The enterprise app.
    let app: Option<&EntraApp> = match observed.entra.apps.as_slice() {
        [] => None,
        [one] => Some(one),
        many => {
            blockers.push(Blocker {
                resource: Resource::EntraApp,
                message: format!("{} enterprise apps are named {:?}", many.len(), spec.entra.app_name),
                hint: "rename or delete the extra ones in Entra, or give the spec a unique entra.app_name".into(),
            });
            many.iter().find(|a| a.managed).or(many.first())
        }
    };
    match app {
        None => steps.push(Step {
            resource: Resource::EntraApp,
            action: Action::Create,
            reason: format!("no enterprise app named {:?} exists", spec.entra.app_name),
            changes: vec![
                ch("displayName", None::<String>, Some(&spec.entra.app_name)),
                ch(
                    "identifierUris",
                    None::<String>,
                    Some(list(std::slice::from_ref(&d.identifier))),
                ),
                ch(
                    "web.redirectUris",
                    None::<String>,
                    Some(list(std::slice::from_ref(&d.reply_url))),
                ),
                ch("preferredSingleSignOnMode", None::<String>, Some("saml")),
                ch("appRoleAssignmentRequired", None::<String>, Some("true")),
            ],
        }),
        Some(a) => {
            let mut changes = Vec::new();
            if a.identifier_uris != [d.identifier.clone()] {
                changes.push(ch(
                    "identifierUris",
                    Some(list(&a.identifier_uris)),
                    Some(list(std::slice::from_ref(&d.identifier))),
                ));
            }
            if a.redirect_uris != [d.reply_url.clone()] {
                changes.push(ch(
                    "web.redirectUris",
                    Some(list(&a.redirect_uris)),
                    Some(list(std::slice::from_ref(&d.reply_url))),
                ));
            }
            if a.sso_mode.as_deref() != Some("saml") {
                changes.push(ch(
                    "preferredSingleSignOnMode",
                    a.sso_mode.as_ref(),
                    Some("saml"),
                ));
            }
            if !a.assignment_required {
                changes.push(ch("appRoleAssignmentRequired", Some("false"), Some("true")));
            }
            if !a.managed {
                steps.push(Step {
                    resource: Resource::EntraApp,
                    action: Action::Adopt,
                    reason: format!(
                        "an app named {:?} exists but was not created by connect-sso",
                        spec.entra.app_name
                    ),
                    changes,
                });
            } else if !changes.is_empty() {
                steps.push(Step {
                    resource: Resource::EntraApp,
                    action: Action::Update,
                    reason: "the app's SAML settings differ from the spec".into(),
                    changes,
                });
            }
        }
    }

    // 2. Signing certificate.
    let valid_certs: Vec<_> = app
        .map(|a| {
            a.signing_certificates
                .iter()
                .filter(|c| c.not_after - now > CERTIFICATE_MIN_VALIDITY)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let preferred = app.and_then(|a| a.preferred_thumbprint.clone());
    let active_thumbprint: String = if valid_certs.is_empty() {
        let expiring = app.and_then(|a| a.signing_certificates.iter().max_by_key(|c| c.not_after));
        steps.push(Step {
            resource: Resource::SigningCertificate,
            action: Action::Create,
            reason: match expiring {
                Some(c) => format!(
                    "the newest signing certificate {} expires {} (less than 30 days left)",
                    c.thumbprint,
                    c.not_after.date()
                ),
                None => "the app has no SAML signing certificate".into(),
            },
            changes: vec![
                ch(
                    "displayName",
                    None::<String>,
                    Some(format!("CN={}", spec.entra.app_name)),
                ),
                ch(
                    "validity",
                    None::<String>,
                    Some(format!("{} years", spec.entra.certificate_years)),
                ),
                ch(
                    "preferredTokenSigningKeyThumbprint",
                    preferred.as_ref(),
                    Some(CERTIFICATE_PENDING),
                ),
            ],
        });
        CERTIFICATE_PENDING.to_string()
    } else {
        let preferred_ok = preferred.as_ref().is_some_and(|p| {
            valid_certs
                .iter()
                .any(|c| c.thumbprint.eq_ignore_ascii_case(p))
        });
        if preferred_ok {
            preferred.clone().unwrap_or_default()
        } else {
            let newest = valid_certs
                .iter()
                .max_by_key(|c| c.not_after)
                .map(|c| c.thumbprint.clone())
                .unwrap_or_default();
            steps.push(Step {
                resource: Resource::SigningCertificate,
                action: Action::Update,
                reason: "no valid certificate is the active one".into(),
                changes: vec![ch(
                    "preferredTokenSigningKeyThumbprint",
                    preferred.as_ref(),
                    Some(&newest),
                )],
            });
            newest
        }
    };

    // 3. IAM SAML provider.
    match &observed.aws.saml_provider {
        None => steps.push(Step {
            resource: Resource::SamlProvider,
            action: Action::Create,
            reason: format!("no IAM SAML provider named {:?}", spec.aws.saml_provider),
            changes: vec![
                ch("arn", None::<String>, Some(&d.provider_arn)),
                ch(
                    "metadata certificate",
                    None::<String>,
                    Some(&active_thumbprint),
                ),
            ],
        }),
        Some(p) => {
            let has = p
                .certificate_thumbprints
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&active_thumbprint));
            let issuer = format!("https://sts.windows.net/{}/", spec.entra.tenant_id);
            let issuer_ok = p.entity_id.as_deref().is_none_or(|e| e == issuer);
            let mut changes = Vec::new();
            if !has {
                changes.push(ch(
                    "metadata certificate",
                    Some(p.certificate_thumbprints.join(", ")),
                    Some(&active_thumbprint),
                ));
            }
            if !issuer_ok {
                changes.push(ch("metadata issuer", p.entity_id.as_ref(), Some(&issuer)));
            }
            if !changes.is_empty() || !p.managed {
                steps.push(Step {
                    resource: Resource::SamlProvider,
                    action: if p.managed { Action::Update } else { Action::Adopt },
                    reason: if has {
                        "the provider was not created by connect-sso".into()
                    } else {
                        "IAM does not trust the app's active signing certificate (IAM never refreshes metadata by itself)".into()
                    },
                    changes,
                });
            }
        }
    }

    // 4. Federation role.
    let trust = d.trust_policy();
    match &observed.aws.role {
        None => steps.push(Step {
            resource: Resource::FederationRole,
            action: Action::Create,
            reason: format!("no IAM role named {:?}", spec.aws.federation_role),
            changes: vec![
                ch("arn", None::<String>, Some(&d.role_arn)),
                ch("trust policy", None::<String>, Some(trust.to_string())),
                ch(
                    "MaxSessionDuration",
                    None::<String>,
                    Some(spec.aws.max_session_duration),
                ),
            ],
        }),
        Some(r) => {
            let mut changes = Vec::new();
            if r.trust_policy != trust {
                changes.push(ch(
                    "trust policy",
                    Some(r.trust_policy.to_string()),
                    Some(trust.to_string()),
                ));
            }
            if r.max_session_duration != spec.aws.max_session_duration {
                changes.push(ch(
                    "MaxSessionDuration",
                    Some(r.max_session_duration),
                    Some(spec.aws.max_session_duration),
                ));
            }
            if !changes.is_empty() || !r.managed {
                steps.push(Step {
                    resource: Resource::FederationRole,
                    action: if r.managed {
                        Action::Update
                    } else {
                        Action::Adopt
                    },
                    reason: if r.managed {
                        "the role differs from the spec".into()
                    } else {
                        "the role exists but was not created by connect-sso".into()
                    },
                    changes,
                });
            }
        }
    }

    // 5. Connect instance.
    let instance_id: String = match &observed.aws.instance {
        None => {
            if let Some(id) = &spec.connect.instance_id {
                blockers.push(Blocker {
                    resource: Resource::ConnectInstance,
                    message: format!("no Connect instance with ID {id} in {}", spec.aws.region),
                    hint: "check connect.instance_id and aws.region, or remove instance_id to create a new instance".into(),
                });
            }
            steps.push(Step {
                resource: Resource::ConnectInstance,
                action: Action::Create,
                reason: format!(
                    "no Connect instance with alias {:?}",
                    spec.connect.instance_alias
                ),
                changes: vec![
                    ch("alias", None::<String>, Some(&spec.connect.instance_alias)),
                    ch("identity management", None::<String>, Some("SAML")),
                    ch(
                        "inbound calls",
                        None::<String>,
                        Some(spec.connect.inbound_calls),
                    ),
                    ch(
                        "outbound calls",
                        None::<String>,
                        Some(spec.connect.outbound_calls),
                    ),
                ],
            });
            INSTANCE_ID_PENDING.to_string()
        }
        Some(i) => {
            if i.identity_management_type != "SAML" {
                blockers.push(Blocker {
                    resource: Resource::ConnectInstance,
                    message: format!(
                        "instance {} uses {} identity management, not SAML; it cannot be changed after creation",
                        i.id, i.identity_management_type
                    ),
                    hint: "SAML sign-in needs a SAML instance: create a new one (give the spec another alias and no instance_id)"
                        .into(),
                });
            }
            if i.status == "CREATION_FAILED" {
                blockers.push(Blocker {
                    resource: Resource::ConnectInstance,
                    message: format!("instance {} ({}) failed to create", i.id, i.alias),
                    hint: "delete it in the Connect console, then apply again".into(),
                });
            }
            if i.status == "CREATION_IN_PROGRESS" {
                steps.push(Step {
                    resource: Resource::ConnectInstance,
                    action: Action::Update,
                    reason: format!("instance {} is still being created", i.id),
                    changes: vec![ch("status", Some(&i.status), Some("ACTIVE"))],
                });
            }
            let mut changes = Vec::new();
            if i.inbound_calls != spec.connect.inbound_calls {
                changes.push(ch(
                    "inbound calls",
                    Some(i.inbound_calls),
                    Some(spec.connect.inbound_calls),
                ));
            }
            if i.outbound_calls != spec.connect.outbound_calls {
                changes.push(ch(
                    "outbound calls",
                    Some(i.outbound_calls),
                    Some(spec.connect.outbound_calls),
                ));
            }
            if !changes.is_empty() || !i.managed {
                steps.push(Step {
                    resource: Resource::ConnectInstance,
                    action: if i.managed {
                        Action::Update
                    } else {
                        Action::Adopt
                    },
                    reason: if i.managed {
                        "the instance's telephony settings differ from the spec".into()
                    } else {
                        format!(
                            "instance {} exists but was not created by connect-sso",
                            i.id
                        )
                    },
                    changes,
                });
            }
            i.id.clone()
        }
    };

    // 6. Federation permission policy.
    let policy = d.federation_policy(&spec.aws.region, &spec.aws.account_id, &instance_id);
    let current_policy = observed
        .aws
        .role
        .as_ref()
        .and_then(|r| r.inline_policies.get(FEDERATION_POLICY_NAME));
    if current_policy != Some(&policy) {
        steps.push(Step {
            resource: Resource::FederationPolicy,
            action: if current_policy.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            reason: if current_policy.is_some() {
                "the role's GetFederationToken policy differs from the spec".into()
            } else {
                "the role cannot call connect:GetFederationToken yet".into()
            },
            changes: vec![ch(
                &format!("inline policy {FEDERATION_POLICY_NAME}"),
                current_policy.map(|p| p.to_string()),
                Some(policy.to_string()),
            )],
        });
    }

    // 7. Admin user.
    if let Some(admin) = &spec.connect.admin {
        match &observed.aws.admin_user {
            None => steps.push(Step {
                resource: Resource::ConnectAdmin,
                action: Action::Create,
                reason: format!(
                    "no Connect user {:?} (must equal their RoleSessionName)",
                    admin.username
                ),
                changes: vec![
                    ch("username", None::<String>, Some(&admin.username)),
                    ch(
                        "security profiles",
                        None::<String>,
                        Some(list(&admin.security_profiles)),
                    ),
                    ch(
                        "routing profile",
                        None::<String>,
                        Some(&admin.routing_profile),
                    ),
                ],
            }),
            Some(u) => {
                let mut changes = Vec::new();
                let want: BTreeSet<&String> = admin.security_profiles.iter().collect();
                let have: BTreeSet<&String> = u.security_profiles.iter().collect();
                if want != have {
                    changes.push(ch(
                        "security profiles",
                        Some(list(&u.security_profiles)),
                        Some(list(&admin.security_profiles)),
                    ));
                }
                if u.routing_profile != admin.routing_profile {
                    changes.push(ch(
                        "routing profile",
                        Some(&u.routing_profile),
                        Some(&admin.routing_profile),
                    ));
                }
                if u.first_name != admin.first_name || u.last_name != admin.last_name {
                    changes.push(ch(
                        "name",
                        Some(format!("{} {}", u.first_name, u.last_name)),
                        Some(format!("{} {}", admin.first_name, admin.last_name)),
                    ));
                }
                if !changes.is_empty() {
                    steps.push(Step {
                        resource: Resource::ConnectAdmin,
                        action: Action::Update,
                        reason: "the admin user differs from the spec".into(),
                        changes,
                    });
                }
            }
        }
    }

    // 8. The app role carrying the Role claim value. There is exactly one: Entra requires app
    // role values to be unique, and one federation role serves one instance.
    let have_roles = app.map(|a| a.app_roles.as_slice()).unwrap_or_default();
    let role_name = spec.entra.app_role.as_str();
    let mut role_changes = Vec::new();
    match have_roles.iter().find(|r| r.display_name == role_name) {
        None => role_changes.push(ch(
            &format!("app role {role_name:?}"),
            None::<String>,
            Some(&d.role_claim_value),
        )),
        Some(r) if r.value.as_deref() != Some(d.role_claim_value.as_str()) || !r.enabled => {
            role_changes.push(ch(
                &format!("app role {role_name:?}"),
                r.value.as_ref(),
                Some(&d.role_claim_value),
            ))
        }
        Some(_) => {}
    }
    for r in have_roles {
        // Only roles that carry an AWS role pair of this account are ours to remove; msiam_access and
        // anything else stays.
        let ours = r
            .value
            .as_deref()
            .is_some_and(|v| v.contains(&format!(":iam::{}:", spec.aws.account_id)));
        if ours && r.display_name != role_name {
            role_changes.push(ch(
                &format!("app role {:?}", r.display_name),
                r.value.as_ref(),
                None::<String>,
            ));
        }
    }
    if !role_changes.is_empty() {
        steps.push(Step {
            resource: Resource::AppRoles,
            action: if have_roles.iter().any(|r| r.display_name == role_name) {
                Action::Update
            } else {
                Action::Create
            },
            reason: "the app role must carry the Role claim value role,provider".into(),
            changes: role_changes,
        });
    }

    // 9. Claims-mapping policy.
    let want_claims = Derived::claims_policy(spec);
    let policy_name = Derived::claims_policy_name(spec);
    let have_claims = app
        .map(|a| a.claims_policies.as_slice())
        .unwrap_or_default();
    match have_claims {
        [p] if p.definition == want_claims => {}
        [] => steps.push(Step {
            resource: Resource::ClaimsPolicy,
            action: Action::Create,
            reason: "no claims-mapping policy sends RoleSessionName and Role".into(),
            changes: vec![ch(
                &format!("policy {policy_name:?}"),
                None::<String>,
                Some(want_claims.to_string()),
            )],
        }),
        [p] => steps.push(Step {
            resource: Resource::ClaimsPolicy,
            action: Action::Update,
            reason: "the claims-mapping policy differs from what AWS needs".into(),
            changes: vec![ch(
                &format!("policy {:?}", p.display_name),
                Some(p.definition.to_string()),
                Some(want_claims.to_string()),
            )],
        }),
        many => steps.push(Step {
            resource: Resource::ClaimsPolicy,
            action: Action::Update,
            reason: format!(
                "{} claims-mapping policies are assigned; Entra allows one",
                many.len()
            ),
            changes: many
                .iter()
                .map(|p| {
                    ch(
                        &format!("policy {:?}", p.display_name),
                        Some("assigned"),
                        None::<String>,
                    )
                })
                .chain(std::iter::once(ch(
                    &format!("policy {policy_name:?}"),
                    None::<String>,
                    Some(want_claims.to_string()),
                )))
                .collect(),
        }),
    }

    // 10. Relay state.
    let relay = Derived::relay_state(spec, &instance_id);
    let have_relay = app.and_then(|a| a.relay_state.clone());
    if have_relay.as_deref() != Some(relay.as_str()) {
        steps.push(Step {
            resource: Resource::RelayState,
            action: if have_relay.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            reason: "IdP-initiated sign-in must land in the Connect instance".into(),
            changes: vec![ch(
                "samlSingleSignOnSettings.relayState",
                have_relay.as_ref(),
                Some(&relay),
            )],
        });
    }

    // 11. Group assignments.
    for access in &spec.entra.access {
        let ids = observed
            .entra
            .groups
            .get(&access.group)
            .cloned()
            .unwrap_or_default();
        let resource = Resource::GroupAssignment {
            group: access.group.clone(),
        };
        match ids.as_slice() {
            [] => blockers.push(Blocker {
                resource,
                message: format!("no Entra group named {:?}", access.group),
                hint: "create the group in Entra (the tool assigns groups, it does not create them), or fix the name".into(),
            }),
            [gid] => {
                let role = have_roles.iter().find(|r| r.display_name == spec.entra.app_role);
                let assigned = match (app, role) {
                    (Some(a), Some(r)) => a.assignments.iter().any(|x| &x.principal_id == gid && x.app_role_id == r.id),
                    _ => false,
                };
                if !assigned {
                    steps.push(Step {
                        resource,
                        action: Action::Create,
                        reason: format!("members of {:?} cannot sign in until the group is assigned", access.group),
                        changes: vec![ch("app role", None::<String>, Some(&spec.entra.app_role))],
                    });
                }
            }
            many => blockers.push(Blocker {
                resource,
                message: format!("{} Entra groups are named {:?}", many.len(), access.group),
                hint: "rename one of them; the spec names groups by display name".into(),
            }),
        }
    }

    Plan { steps, blockers }
}
