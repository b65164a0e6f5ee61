//! Tests of the planner: what `connect-sso plan` shows for the main cases, the registry's
//! order, typed unknowns, and manual and wait steps. Pure: no sandbox, no clock.

mod brokered;
mod modules;
mod users;
mod values;

use std::collections::BTreeMap;

use connect_sso_planner::observed::{
    AppRole, Assignment, AwsObserved, ClaimsPolicy, ConnectInstance, ConnectUser, EntraApp,
    EntraObserved, FederationRole, SamlProvider, SigningCertificate,
};
use connect_sso_planner::{Action, FEDERATION_POLICY_NAME, Observed, Resource, plan, render_plan};
use connect_sso_spec::{Derived, Spec, StarterValues, TargetKind, starter};
use time::macros::datetime;

pub(crate) const INSTANCE: &str = "11111111-2222-3333-4444-555555555555";
pub(crate) const NOW: time::OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

pub(crate) fn spec() -> Spec {
    Spec::parse(&starter(&StarterValues {
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        account_id: "111122223333".into(),
        region: "us-east-1".into(),
        instance_alias: "acme-contact".into(),
        target: TargetKind::Sandbox,
        admin_username: "admin@contoso.com".into(),
    }))
    .expect("starter is valid")
}

/// What exists after a successful apply of `spec`.
pub(crate) fn converged(spec: &Spec) -> Observed {
    let d = spec.derived();
    let mut groups = BTreeMap::new();
    let mut app_roles = Vec::new();
    let mut assignments = Vec::new();
    app_roles.push(AppRole {
        id: "role-1".into(),
        display_name: spec.entra.app_role.clone(),
        value: Some(d.role_claim_value.clone()),
        enabled: true,
    });
    for (i, a) in spec.entra.access.iter().enumerate() {
        groups.insert(a.group.clone(), vec![format!("group-{i}")]);
        assignments.push(Assignment {
            id: format!("as-{i}"),
            principal_id: format!("group-{i}"),
            app_role_id: "role-1".into(),
        });
    }
    app_roles.push(AppRole {
        id: "msiam".into(),
        display_name: "msiam_access".into(),
        value: None,
        enabled: true,
    });
    let admin = spec.connect.admin.clone().expect("starter has an admin");
    Observed {
        entra: EntraObserved {
            apps: vec![EntraApp {
                object_id: "app-obj".into(),
                app_id: "app-id".into(),
                sp_id: Some("sp-id".into()),
                managed: true,
                identifier_uris: vec![d.identifier.clone()],
                redirect_uris: vec![d.reply_url.clone()],
                sso_mode: Some("saml".into()),
                relay_state: Some(Derived::relay_state(spec, INSTANCE)),
                assignment_required: true,
                app_roles,
                signing_certificates: vec![SigningCertificate {
                    thumbprint: "AB12".into(),
                    not_after: datetime!(2029-11-25 00:00 UTC),
                }],
                preferred_thumbprint: Some("AB12".into()),
                claims_policies: vec![ClaimsPolicy {
                    id: "cmp".into(),
                    display_name: Derived::claims_policy_name(spec),
                    definition: Derived::claims_policy(spec),
                }],
                assignments,
            }],
            groups,
            users: BTreeMap::from([(admin.username.clone(), Some(admin.username.clone()))]),
            provisioning_jobs: Vec::new(),
        },
        aws: AwsObserved {
            saml_provider: Some(SamlProvider {
                arn: d.provider_arn.clone(),
                certificate_thumbprints: vec!["AB12".into()],
                entity_id: Some(format!("https://sts.windows.net/{}/", spec.entra.tenant_id)),
                managed: true,
            }),
            role: Some(FederationRole {
                arn: d.role_arn.clone(),
                trust_policy: d.trust_policy(),
                max_session_duration: spec.aws.max_session_duration,
                inline_policies: BTreeMap::from([(
                    FEDERATION_POLICY_NAME.to_string(),
                    d.federation_policy(&spec.aws.region, &spec.aws.account_id, INSTANCE),
                )]),
                managed: true,
            }),
            instance: Some(ConnectInstance {
                id: INSTANCE.into(),
                arn: format!("arn:aws:connect:us-east-1:111122223333:instance/{INSTANCE}"),
                alias: spec.connect.instance_alias.clone(),
                identity_management_type: "SAML".into(),
                status: "ACTIVE".into(),
                inbound_calls: true,
                outbound_calls: true,
                managed: true,
            }),
            admin_user: Some(ConnectUser {
                id: "u1".into(),
                username: admin.username,
                security_profiles: admin.security_profiles,
                routing_profile: admin.routing_profile,
                first_name: admin.first_name,
                last_name: admin.last_name,
            }),
        },
        identity_center: Default::default(),
    }
}

/// Only the groups exist: a tenant and an account before the first apply.
pub(crate) fn empty(spec: &Spec) -> Observed {
    let mut o = Observed::default();
    for (i, a) in spec.entra.access.iter().enumerate() {
        o.entra
            .groups
            .insert(a.group.clone(), vec![format!("group-{i}")]);
    }
    o
}

pub(crate) fn resources(p: &connect_sso_planner::Plan) -> Vec<(String, Action)> {
    p.steps
        .iter()
        .map(|s| (s.resource.to_string(), s.action))
        .collect()
}

#[test]
fn empty_world_plans_everything_in_dependency_order() {
    let s = spec();
    let p = plan(&s, &empty(&s), NOW);
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);
    let order: Vec<String> = p.steps.iter().map(|s| s.resource.to_string()).collect();
    assert_eq!(
        order,
        [
            "entra.app",
            "entra.signing_certificate",
            "aws.saml_provider",
            "aws.federation_role",
            "connect.instance",
            "aws.federation_policy",
            "connect.admin",
            "entra.app_roles",
            "entra.claims",
            "entra.relay_state",
            "entra.assignments",
        ]
    );
    assert!(p.steps.iter().all(|s| s.action == Action::Create));
    insta::assert_snapshot!("plan_from_empty", render_plan(&p, false));
}

#[test]
fn converged_world_plans_nothing() {
    let s = spec();
    let p = plan(&s, &converged(&s), NOW);
    assert!(p.is_empty(), "{}", render_plan(&p, false));
    assert!(p.blockers.is_empty());
    assert_eq!(
        render_plan(&p, false),
        "No changes. Entra ID and AWS match the spec.\n"
    );
}

#[test]
fn drifted_relay_state_shows_exactly_that_drift() {
    let s = spec();
    let mut o = converged(&s);
    o.entra.apps[0].relay_state = Some(format!(
        "https://eu-west-2.console.aws.amazon.com/connect/federate/{INSTANCE}"
    ));
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [("entra.relay_state".to_string(), Action::Update)]
    );
    insta::assert_snapshot!("plan_relay_state_drift", render_plan(&p, false));
}

#[test]
fn edited_federation_policy_resource_shows_exactly_that_drift() {
    let s = spec();
    let mut o = converged(&s);
    let role = o.aws.role.as_mut().expect("role");
    role.inline_policies.insert(
        FEDERATION_POLICY_NAME.into(),
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "connect:GetFederationToken", "Resource": "*"}]}),
    );
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [("aws.federation_policy".to_string(), Action::Update)]
    );
}

#[test]
fn hash_suffix_in_reply_url_is_corrected() {
    // docs/facts.md §6.9: the #2 suffix belongs in the identifier, never in the Reply URL.
    let s = spec();
    let mut o = converged(&s);
    o.entra.apps[0].redirect_uris = vec!["https://signin.aws.amazon.com/saml#2".into()];
    let p = plan(&s, &o, NOW);
    assert_eq!(resources(&p), [("entra.app".to_string(), Action::Update)]);
    assert_eq!(p.steps[0].changes[0].field, "web.redirectUris");
}

#[test]
fn instance_with_connect_managed_identity_blocks_the_plan() {
    let s = spec();
    let mut o = converged(&s);
    o.aws
        .instance
        .as_mut()
        .expect("instance")
        .identity_management_type = "CONNECT_MANAGED".into();
    let p = plan(&s, &o, NOW);
    assert_eq!(p.blockers.len(), 1);
    assert!(
        p.blockers[0]
            .message
            .contains("cannot be changed after creation")
    );
    insta::assert_snapshot!("plan_blocked_identity_type", render_plan(&p, false));
}

#[test]
fn missing_group_blocks_the_plan() {
    let s = spec();
    let mut o = converged(&s);
    o.entra.groups.remove("Connect Supervisors");
    let p = plan(&s, &o, NOW);
    assert_eq!(p.blockers.len(), 1);
    assert_eq!(p.blockers[0].resource, Resource::GroupAssignments);
    assert!(p.blockers[0].message.contains("Connect Supervisors"));
}

#[test]
fn two_apps_with_the_spec_name_block_the_plan() {
    let s = spec();
    let mut o = converged(&s);
    let twin = o.entra.apps[0].clone();
    o.entra.apps.push(twin);
    let p = plan(&s, &o, NOW);
    assert!(
        p.blockers
            .iter()
            .any(|b| b.message.contains("2 enterprise apps"))
    );
}

#[test]
fn existing_unmanaged_resources_are_adopted_not_duplicated() {
    let s = spec();
    let mut o = converged(&s);
    o.entra.apps[0].managed = false;
    o.aws.role.as_mut().expect("role").managed = false;
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [
            ("entra.app".to_string(), Action::Adopt),
            ("aws.federation_role".to_string(), Action::Adopt)
        ]
    );
}

#[test]
fn expiring_certificate_gets_a_new_one_and_iam_is_updated() {
    let s = spec();
    let mut o = converged(&s);
    o.entra.apps[0].signing_certificates[0].not_after = datetime!(2026-12-01 00:00 UTC);
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [
            ("entra.signing_certificate".to_string(), Action::Create),
            ("aws.saml_provider".to_string(), Action::Update),
        ]
    );
}

#[test]
fn iam_metadata_behind_entra_certificate_is_updated() {
    // docs/facts.md §3 [I]: IAM does not poll metadata; after a rollover it must be told.
    let s = spec();
    let mut o = converged(&s);
    o.aws
        .saml_provider
        .as_mut()
        .expect("provider")
        .certificate_thumbprints = vec!["OLD1".into()];
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [("aws.saml_provider".to_string(), Action::Update)]
    );
}

#[test]
fn stale_app_role_of_ours_is_removed_but_msiam_access_is_kept() {
    let s = spec();
    let mut o = converged(&s);
    o.entra.apps[0].app_roles.push(AppRole {
        id: "old".into(),
        display_name: "Old role".into(),
        value: Some(
            "arn:aws:iam::111122223333:role/Old,arn:aws:iam::111122223333:saml-provider/EntraID"
                .into(),
        ),
        enabled: true,
    });
    let p = plan(&s, &o, NOW);
    assert_eq!(
        resources(&p),
        [("entra.app_roles".to_string(), Action::Update)]
    );
    assert_eq!(p.steps[0].changes.len(), 1);
    assert_eq!(p.steps[0].changes[0].after, None);
    assert!(!render_plan(&p, false).contains("msiam_access"));
}

#[test]
fn plan_json_round_trips() {
    let s = spec();
    let p = plan(&s, &empty(&s), NOW);
    let json = serde_json::to_string(&p).expect("serialize");
    let back: connect_sso_planner::Plan = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(p, back);
}
