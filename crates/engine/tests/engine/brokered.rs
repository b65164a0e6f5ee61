//! The brokered topology on the sandbox: apply stops at each console step with the exact
//! values, the test plays the console through the sandbox's admin API with those values, apply
//! continues and converges, a second apply changes nothing; then people sign in through the
//! whole brokered chain, and each of its faults is reproduced and explained.

use connect_sso_aws::Aws;
use connect_sso_engine::apply::{ApplyReport, Clients, apply};
use connect_sso_engine::login::{Hop, LoginError, LoginOutcome, LoginRequest, login};
use connect_sso_engine::planner::Payload;
use connect_sso_engine::sync::{SyncOptions, execute, prepare};
use connect_sso_engine::{Error, Resource, Step};
use connect_sso_sandbox::entra;
use connect_sso_spec::Spec;
use connect_sso_testkit::World;
use reqwest::Method;
use serde_json::{Value, json};

use crate::sandbox::quiet;

/// The variable the spec names for the SCIM token (read through the test's own environment).
const TOKEN_ENV: &str = "IC_SCIM_TOKEN";

/// A brokered world: the sandbox, the management account's client, the spec as the operator
/// has filled it so far, and the SCIM token the console showed.
pub(crate) struct Brokered {
    pub(crate) w: World,
    pub(crate) ic: Aws,
    pub(crate) spec: Spec,
    token: String,
}

impl Brokered {
    async fn start() -> Self {
        let w = World::start().await;
        let ic = w.management_aws();
        let mut spec = w.brokered_spec();
        // The console's "Enable automatic provisioning": the SCIM endpoint and a token.
        let scim = w
            .aws_admin(Method::POST, "identity-center/provisioning", None)
            .await;
        if let Some(ic) = spec.identity_center.as_mut() {
            ic.provisioning = Some(connect_sso_spec::Provisioning {
                scim_endpoint: text(&scim, "scim_endpoint"),
                token_env: TOKEN_ENV.into(),
            });
        }
        Brokered {
            token: text(&scim, "token"),
            w,
            ic,
            spec,
        }
    }

    async fn apply(&self) -> Result<ApplyReport, Error> {
        let urls = self.w.urls().clone();
        let map = move |u: &str| urls.to_local(u);
        let token = self.token.clone();
        let env = move |n: &str| (n == TOKEN_ENV).then(|| token.clone());
        let clients = Clients::new(&self.w.graph, &self.w.aws)
            .with_identity_center(&self.ic, &map)
            .with_env(&env);
        apply(&clients, &self.spec, None, &quiet).await
    }

    /// Apply, which must stop at a console step of `resource`: the step.
    async fn stops_at(&self, resource: Resource) -> Step {
        match self.apply().await {
            Err(Error::Manual { step, .. }) => {
                assert_eq!(step.resource, resource, "stopped at {}", step.resource);
                *step
            }
            Ok(r) => panic!("apply finished instead of stopping at {resource}: {r:?}"),
            Err(e) => panic!("apply failed instead of stopping at {resource}: {e}"),
        }
    }

    async fn app_id(&self) -> String {
        connect_sso_engine::observe::read_app_for_sign_in(&self.w.graph, &self.spec)
            .await
            .expect("read")
            .expect("the app")
            .app
            .app_id
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_default().to_string()
}

/// The value a manual step asks to enter under `label`.
fn entered(step: &Step, label: &str) -> String {
    let manual = step.manual.as_ref().expect("a manual step");
    manual
        .enter
        .iter()
        .find(|(k, _)| k == label)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no {label:?} among {:?}", manual.enter))
}

/// The console's identity-source page: upload the metadata downloaded from the URL the step gives.
async fn set_identity_source(b: &Brokered, step: &Step) {
    let said = entered(step, "Identity provider metadata → IdP SAML metadata");
    let url = said
        .strip_prefix("upload the file downloaded from ")
        .expect("a URL to download from");
    let xml = reqwest::get(b.w.urls().to_local(url))
        .await
        .expect("Entra's metadata")
        .text()
        .await
        .expect("text");
    b.w.aws_admin(
        Method::PUT,
        "identity-center/identity-source",
        Some(json!({ "idp_metadata": xml })),
    )
    .await;
}

/// The console's "Add application" page, filled with exactly what the step says: its
/// metadata URL.
async fn add_application(b: &Brokered, step: &Step) -> String {
    let Payload::IcApplication(values) = &step.payload else {
        panic!(
            "the application step carries its values: {:?}",
            step.payload
        );
    };
    assert_eq!(values.start_url, "", "start URL blank");
    assert_eq!(
        values.attribute_mappings.len(),
        3,
        "three attribute mappings"
    );
    let created =
        b.w.aws_admin(
            Method::POST,
            "identity-center/applications",
            Some(values.entered().expect("every value known")),
        )
        .await;
    text(&created, "metadata_url")
}

/// A brokered world taken through every console step to convergence, with Bob in both groups.
pub(crate) async fn converged() -> Brokered {
    let mut b = Brokered::start().await;
    let admin = crate::sync::admin_graph(&b.w);
    let body = json!({"@odata.id": format!(
        "https://graph.microsoft.com/v1.0/directoryObjects/{}", entra::USER_BOB_ID)});
    admin
        .call(
            Method::POST,
            &format!("/groups/{}/members/$ref", entra::GROUP_AGENTS_ID),
            Some(&body),
        )
        .await
        .expect("Bob joins the agents too");

    let step = b.stops_at(Resource::IcServiceProvider).await;
    assert!(
        step.manual
            .as_ref()
            .expect("manual")
            .console
            .contains("Identity source")
    );
    if let Some(ic) = b.spec.identity_center.as_mut() {
        ic.sp_metadata = Some(format!(
            "{}/aws/identity-center/saml/sp-metadata",
            b.w.base()
        ));
    }
    let step = b.stops_at(Resource::IcIdentitySource).await;
    set_identity_source(&b, &step).await;
    let step = b.stops_at(Resource::IcApplication).await;
    let metadata_url = add_application(&b, &step).await;
    if let Some(ic) = b.spec.identity_center.as_mut() {
        ic.application_metadata = Some(metadata_url);
    }
    b.apply()
        .await
        .unwrap_or_else(|e| panic!("apply did not converge: {e}"));
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brokered_apply_stops_at_each_console_step_with_the_exact_values_then_converges() {
    let b = converged().await;
    let again = b.apply().await.expect("second apply");
    assert!(
        again.executed.is_empty(),
        "second apply changed {:?}",
        again.executed
    );
    // What the console steps and the API made: Identity Center's state.
    let state = b.w.aws_admin(Method::GET, "identity-center", None).await;
    let app = &state["applications"][0];
    assert_eq!(app["name"], "Amazon Connect");
    assert_eq!(
        state["assignments"].as_array().map(Vec::len),
        Some(b.spec.entra.access.len()),
        "{state:#}"
    );
    b.w.shutdown().await;
}

/// Sync the Connect users (usernames from mail), then sign `user` in through the chain.
pub(crate) async fn sign_in(b: &Brokered, user: &str) -> Result<LoginOutcome, LoginError> {
    login(&request(b, user).await).await
}

async fn request(b: &Brokered, user: &str) -> LoginRequest {
    LoginRequest {
        launch_url: format!(
            "{}/entra/{}/signin/{}",
            b.w.base(),
            b.spec.entra.tenant_id,
            b.app_id().await
        ),
        username: user.into(),
        password: entra::DEMO_PASSWORD.into(),
        role_arn: None,
        portal_application: Some("Amazon Connect".into()),
    }
}

pub(crate) async fn synced() -> Brokered {
    let b = converged().await;
    let opts = SyncOptions::default();
    let prepared = prepare(&b.w.graph, &b.w.aws, &b.spec, &opts)
        .await
        .expect("sync reads");
    let report = execute(&b.w.aws, &b.spec, &prepared, &opts, &|_| {})
        .await
        .expect("sync");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_one_in_two_groups_sign_in_through_identity_center_and_the_portal_tile() {
    let b = synced().await;
    for user in [entra::USER_ALICE_UPN, entra::USER_BOB_UPN] {
        let o = sign_in(&b, user)
            .await
            .unwrap_or_else(|e| panic!("{user}: {e} ({:?})", e.cause));
        assert_eq!(o.signed_in_as, user);
        let hops: Vec<Hop> = o.trail.iter().map(|r| r.hop).collect();
        for hop in [
            Hop::IdentityCenterSignIn,
            Hop::AccessPortal,
            Hop::PortalTile,
            Hop::AwsSignIn,
        ] {
            assert!(hops.contains(&hop), "{user}: no {hop:?} in {hops:?}");
        }
    }
    b.w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_brokered_chain_through_the_portal_tile() {
    use connect_sso_testkit::peer;
    let _node = connect_sso_testkit::skip_unless_peer!(peer::node_with(&["playwright-core"]));
    let chromium = connect_sso_testkit::skip_unless_peer!(peer::chromium());
    let node_dir = peer::repo_root().join("tests/node");
    let b = synced().await;
    let portal =
        b.w.urls()
            .to_local(connect_sso_sandbox::aws::identity_center::PORTAL_URL);
    let launch_url = request(&b, "").await.launch_url;
    crate::sandbox::run_browser_test(
        &node_dir,
        "brokered.test.mjs",
        &chromium,
        &[
            ("PORTAL_URL", &portal),
            ("LAUNCH_URL", &launch_url),
            ("PASSWORD", entra::DEMO_PASSWORD),
            ("AGENT", entra::USER_ALICE_UPN),
            ("SUPERVISOR", entra::USER_BOB_UPN),
            ("UNASSIGNED", entra::USER_CAROL_UPN),
            ("TILE", "Amazon Connect"),
        ],
    )
    .await;
    b.w.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scim_token_identity_center_refuses_stops_apply_with_the_fix_and_the_right_one_restarts_the_job()
 {
    let mut b = Brokered::start().await;
    let right = std::mem::replace(&mut b.token, "not-the-token".into());
    b.stops_at(Resource::IcServiceProvider).await;
    if let Some(ic) = b.spec.identity_center.as_mut() {
        ic.sp_metadata = Some(format!(
            "{}/aws/identity-center/saml/sp-metadata",
            b.w.base()
        ));
    }
    let step = b.stops_at(Resource::IcIdentitySource).await;
    set_identity_source(&b, &step).await;
    match b.apply().await {
        Err(Error::Blocked { message, hint }) => {
            assert!(message.contains("quarantine"), "{message}");
            assert!(hint.contains(TOKEN_ENV), "{hint}");
            assert!(!message.contains("not-the-token") && !hint.contains("not-the-token"));
        }
        other => panic!("expected the refused token to stop apply: {other:?}"),
    }
    b.token = right;
    // The job is restarted with the token, the groups arrive, apply goes on to the next
    // console step.
    b.stops_at(Resource::IcApplication).await;
    b.w.shutdown().await;
}
