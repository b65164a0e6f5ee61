//! The brokered topology: the console steps come in order with their exact values, and a
//! world where every one is done plans nothing.

use connect_sso_planner::observed::{
    Document, IcApplication, IcApplicationMetadata, IcInstance, IcServiceProvider,
    IdentityCenterObserved, SamlProvider,
};
use connect_sso_planner::{Action, Observed, Payload, Resource, plan, render_plan};
use connect_sso_spec::{Spec, Topology};

use crate::{INSTANCE, NOW, converged, empty, spec};

const SP_ENTITY: &str = "https://us-east-1.signin.aws/platform/saml/d-9067c0ffee";
const SP_ACS: &str = "https://us-east-1.signin.aws/platform/saml/acs/0f1e2d3c";
const APP_ENTITY: &str = "https://portal.sso.us-east-1.amazonaws.com/saml/assertion/YXBsLTE";

fn brokered() -> Spec {
    let mut s = spec();
    s.topology = Topology::Brokered;
    s.identity_center = Some(connect_sso_spec::IdentityCenter {
        account_id: "999988887777".into(),
        region: "us-east-1".into(),
        application_name: "Amazon Connect".into(),
        credentials: Default::default(),
        sp_metadata: Some("sp.xml".into()),
        application_metadata: Some("app.xml".into()),
        provisioning: None,
    });
    s
}

fn instance() -> Option<IcInstance> {
    Some(IcInstance {
        arn: "arn:aws:sso:::instance/ssoins-1".into(),
        identity_store_id: "d-9067c0ffee".into(),
    })
}

/// Identity Center with every console step done, the groups provisioned and assigned.
fn ic_done(s: &Spec) -> IdentityCenterObserved {
    IdentityCenterObserved {
        instance: instance(),
        service_provider: Document::Read {
            value: IcServiceProvider {
                entity_id: SP_ENTITY.into(),
                acs_url: SP_ACS.into(),
            },
        },
        portal_idp: Some(format!(
            "https://login.microsoftonline.com/{}/saml2",
            s.entra.tenant_id
        )),
        applications: vec![IcApplication {
            arn: "arn:aws:sso::999988887777:application/ssoins-1/apl-1".into(),
            name: "Amazon Connect".into(),
            status: "ENABLED".into(),
        }],
        application_metadata: Document::Read {
            value: IcApplicationMetadata {
                entity_id: APP_ENTITY.into(),
                certificate_thumbprints: vec!["CD34".into()],
            },
        },
        groups: s
            .entra
            .access
            .iter()
            .enumerate()
            .map(|(i, a)| (a.group.clone(), Some(format!("ic-group-{i}"))))
            .collect(),
        assignments: (0..s.entra.access.len())
            .map(|i| format!("ic-group-{i}"))
            .collect(),
    }
}

fn converged_brokered(s: &Spec) -> Observed {
    let mut o = converged(s);
    o.identity_center = ic_done(s);
    let app = &mut o.entra.apps[0];
    app.identifier_uris = vec![SP_ENTITY.into()];
    app.redirect_uris = vec![SP_ACS.into()];
    app.relay_state = None;
    app.claims_policies.clear();
    o.aws.saml_provider = Some(SamlProvider {
        arn: s.derived().provider_arn,
        certificate_thumbprints: vec!["CD34".into()],
        entity_id: Some(APP_ENTITY.into()),
        managed: true,
    });
    o
}

#[test]
fn brokered_world_with_every_console_step_done_plans_nothing() {
    let s = brokered();
    let p = plan(&s, &converged_brokered(&s), NOW);
    assert!(p.is_empty(), "{}", render_plan(&p, false));
}

#[test]
fn brokered_first_stop_is_identity_centers_sp_metadata() {
    let s = brokered();
    let mut o = empty(&s);
    o.identity_center.instance = instance();
    let p = plan(&s, &o, NOW);
    assert!(p.blockers.is_empty(), "{:?}", p.blockers);
    assert_eq!(p.steps[0].resource, Resource::IcServiceProvider);
    assert_eq!(p.steps[0].action, Action::Manual);
    assert!(matches!(p.steps[0].payload, Payload::Console));
    insta::assert_snapshot!("brokered_plan_from_empty", render_plan(&p, false));
}

#[test]
fn brokered_without_identity_center_is_blocked_with_the_fix() {
    let s = brokered();
    let p = plan(&s, &empty(&s), NOW);
    assert_eq!(p.blockers.len(), 1);
    assert!(p.blockers[0].message.contains("999988887777"));
    assert!(p.blockers[0].hint.contains("enable IAM Identity Center"));
}

#[test]
fn brokered_entra_app_points_at_identity_center_with_no_aws_claims_or_relay_state() {
    let s = brokered();
    let mut o = empty(&s);
    o.identity_center = ic_done(&s);
    o.identity_center.portal_idp = None;
    o.identity_center.applications.clear();
    let p = plan(&s, &o, NOW);
    let app = p.step_for(Resource::EntraApp).expect("entra.app step");
    let Payload::EntraApp(settings) = &app.payload else {
        panic!("payload {:?}", app.payload);
    };
    assert_eq!(settings.identifier, SP_ENTITY);
    assert_eq!(settings.reply_url, SP_ACS);
    assert!(p.step_for(Resource::ClaimsPolicy).is_none());
    assert!(p.step_for(Resource::RelayState).is_none());
    let order: Vec<Resource> = p.steps.iter().map(|s| s.resource).collect();
    let at = |r: Resource| order.iter().position(|x| *x == r).expect("planned");
    assert!(at(Resource::IcIdentitySource) < at(Resource::IcApplication));
    assert!(at(Resource::IcApplication) < at(Resource::SamlProvider));
}

#[test]
fn brokered_application_step_carries_the_exact_console_values() {
    let s = brokered();
    let mut o = converged_brokered(&s);
    o.identity_center.applications.clear();
    o.aws.instance.as_mut().expect("instance").id = INSTANCE.into();
    let p = plan(&s, &o, NOW);
    let step = p
        .step_for(Resource::IcApplication)
        .expect("application step");
    let manual = step.manual.as_ref().expect("manual");
    let value = |label: &str| {
        manual
            .enter
            .iter()
            .find(|(k, _)| k == label)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no {label:?} in {:?}", manual.enter))
    };
    let d = s.derived();
    assert_eq!(value("Application start URL"), "(leave blank)");
    assert_eq!(
        value("Application ACS URL"),
        "https://signin.aws.amazon.com/saml"
    );
    assert_eq!(value("Application SAML audience"), "urn:amazon:webservices");
    assert!(value("Relay state").contains(&format!("/connect/federate/{INSTANCE}")));
    assert_eq!(
        value("Attribute mappings → Subject"),
        "${user:email} (format: emailAddress)"
    );
    assert_eq!(
        value("Attribute mappings → https://aws.amazon.com/SAML/Attributes/RoleSessionName"),
        "${user:email} (format: unspecified)"
    );
    let role = value("Attribute mappings → https://aws.amazon.com/SAML/Attributes/Role");
    assert_eq!(
        role,
        format!("{} (format: unspecified)", d.role_claim_value)
    );
    assert!(
        !d.role_claim_value.contains(' '),
        "no space in the Role pair"
    );
    insta::assert_snapshot!("brokered_application_step", render_plan(&p, false));
}

#[test]
fn brokered_groups_missing_from_the_identity_store_stop_at_a_manual_step() {
    let s = brokered();
    let mut o = converged_brokered(&s);
    let first = s.entra.access[0].group.clone();
    o.identity_center.groups.insert(first.clone(), None);
    let p = plan(&s, &o, NOW);
    assert_eq!(p.steps.len(), 1, "{}", render_plan(&p, false));
    assert_eq!(p.steps[0].resource, Resource::IcAssignments);
    assert_eq!(p.steps[0].action, Action::Manual);
    assert_eq!(p.steps[0].items[0].key, first);
}

#[test]
fn brokered_unassigned_groups_are_assigned_through_the_api() {
    let s = brokered();
    let mut o = converged_brokered(&s);
    o.identity_center.assignments.clear();
    let p = plan(&s, &o, NOW);
    assert_eq!(p.steps.len(), 1, "{}", render_plan(&p, false));
    let Payload::IcAssignments(change) = &p.steps[0].payload else {
        panic!("payload {:?}", p.steps[0].payload);
    };
    assert_eq!(change.assign.len(), s.entra.access.len());
    assert_eq!(p.steps[0].action, Action::Create);
}
