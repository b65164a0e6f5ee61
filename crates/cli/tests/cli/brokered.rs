//! The brokered topology through the binary: `init --topology brokered`, `apply` stopping
//! with exit 3 at each console step with the exact values, the console played through the
//! sandbox's admin API with those values, `apply` converging, `sync`, and `login` through
//! Identity Center's portal tile.

use reqwest::Method;
use serde_json::{Value, json};

use crate::world::World;

/// Append `line` to the spec (its last table is `[identity_center]`).
fn add_to_spec(w: &World, line: &str) {
    let path = w.path().join("connect-sso.toml");
    let mut text = std::fs::read_to_string(&path).expect("spec");
    text.push_str(&format!("\n{line}\n"));
    std::fs::write(&path, text).expect("write spec");
}

/// `apply --yes --json`, which must stop (exit 3) at a console step of `resource`: the step.
fn stops_at(w: &World, env: &[(&str, &str)], resource: &str) -> Value {
    let out = w.run_env(&["apply", "--yes", "--json"], env);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(v["status"], "manual", "{v:#}");
    let step = v["step"].clone();
    assert_eq!(step["resource"], resource, "{v:#}");
    step
}

/// What the step asks to enter under `label`.
fn entered(step: &Value, label: &str) -> String {
    step["manual"]["enter"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e[0] == label)
        .and_then(|e| e[1].as_str())
        .unwrap_or_else(|| panic!("no {label:?} in {step:#}"))
        .to_string()
}

#[test]
fn brokered_apply_stops_at_each_console_step_with_exit_3_then_converges_and_login_uses_the_portal()
{
    let w = World::start();
    assert_eq!(w.run_plain(&["init", "--topology", "brokered"]).code, 0);
    // The console's "Enable automatic provisioning": an endpoint and a token (in the
    // environment, never in the spec).
    let scim = w.aws_admin(Method::POST, "identity-center/provisioning", None);
    let token = scim["token"].as_str().expect("token").to_string();
    add_to_spec(
        &w,
        &format!(
            "provisioning = {{ scim_endpoint = {}, token_env = \"IC_SCIM_TOKEN\" }}",
            scim["scim_endpoint"]
        ),
    );
    let env = [("IC_SCIM_TOKEN", token.as_str())];

    // 1. Identity Center's SP metadata, downloaded from its console into a file. What a
    // person sees first:
    let args = ["apply", "--yes"];
    let first = w.run_env(&args, &env);
    assert_eq!(first.code, 3, "{}", first.stderr);
    w.redactions(&[]).bind(|| {
        insta::assert_snapshot!("brokered_apply_first_stop", first.transcript(&args));
    });
    let step = stops_at(&w, &env, "identity_center.service_provider");
    assert!(
        step["manual"]["console"]
            .as_str()
            .is_some_and(|c| c.contains("Identity source"))
    );
    let sp = w.fetch(&format!("{}/aws/identity-center/saml/sp-metadata", w.base));
    std::fs::write(w.path().join("ic-sp.xml"), sp).expect("write");
    add_to_spec(&w, "sp_metadata = \"ic-sp.xml\"");

    // 2. Identity Center's identity source: Entra's metadata, from the URL the step gives.
    let step = stops_at(&w, &env, "identity_center.identity_source");
    let said = entered(&step, "Identity provider metadata → IdP SAML metadata");
    let url = said
        .strip_prefix("upload the file downloaded from ")
        .expect("a URL");
    let idp = w.fetch(url);
    w.aws_admin(
        Method::PUT,
        "identity-center/identity-source",
        Some(json!({ "idp_metadata": idp })),
    );
    // Not verified until the portal sends people to Entra: it does now, so apply goes on.

    // 3. The "Amazon Connect" application, with exactly the values the step gives.
    let step = stops_at(&w, &env, "identity_center.application");
    // The step's payload carries the same values, typed (`--json`); the text shows them too.
    let values = &step["payload"]["value"];
    assert_eq!(step["payload"]["type"], "ic_application", "{step:#}");
    assert_eq!(
        entered(&step, "Relay state"),
        values["relay_state"]["known"].as_str().unwrap_or_default()
    );
    let mut body = values.clone();
    body["relay_state"] = values["relay_state"]["known"].clone();
    let created = w.aws_admin(Method::POST, "identity-center/applications", Some(body));
    let metadata = w.fetch(created["metadata_url"].as_str().expect("metadata URL"));
    std::fs::write(w.path().join("ic-app.xml"), metadata).expect("write");
    add_to_spec(&w, "application_metadata = \"ic-app.xml\"");

    // 4. The rest through the APIs; then nothing left to do.
    let done = w.run_env(&["apply", "--yes"], &env);
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert!(
        done.stderr.contains("identity_center.assignments create"),
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains(&token), "the SCIM token was printed");
    let plan = w.run_env(&["plan", "--detailed-exitcode"], &env);
    assert_eq!(plan.code, 0, "{}", plan.stdout);

    // 5. Connect users named by e-mail, then a sign-in through the portal tile.
    let sync = w.run_env(&["sync", "--yes"], &env);
    assert_eq!(sync.code, 0, "{}", sync.stderr);
    let login = w.run_env(&["login", "--user", "alice@contoso.com", "--json"], &env);
    assert_eq!(login.code, 0, "{}", login.stderr);
    let v: Value = serde_json::from_str(&login.stdout).expect("JSON");
    assert_eq!(v["outcome"]["signed_in_as"], "alice@contoso.com", "{v:#}");
    let hops: Vec<&str> = v["outcome"]["trail"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["hop"].as_str())
        .collect();
    for hop in [
        "identity-center-sign-in",
        "access-portal",
        "portal-tile",
        "aws-sign-in",
    ] {
        assert!(hops.contains(&hop), "no {hop} in {hops:?}");
    }

    // 6. Destroy removes the assignments it made and says where the console's parts go.
    let destroy = w.run_env(&["destroy", "--yes"], &env);
    assert_eq!(destroy.code, 0, "{}", destroy.stderr);
    let said = format!("{}{}", destroy.stdout, destroy.stderr);
    assert!(said.contains("identity_center.assignments"), "{said}");
    assert!(said.contains("made in Identity Center's console"), "{said}");
    let state = w.aws_admin(Method::GET, "identity-center", None);
    assert_eq!(
        state["assignments"].as_array().map(Vec::len),
        Some(0),
        "{state:#}"
    );
}
