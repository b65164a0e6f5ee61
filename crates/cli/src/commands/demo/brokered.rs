//! `connect-sso demo --topology brokered`: the brokered set-up told end to end on the
//! sandbox. Apply stops at each step only IAM Identity Center's console can do; the demo
//! shows the exact values, enters them through the sandbox's admin API (a person would type
//! them into the console), and apply goes on. Then people sign in through the access portal's
//! tile, and a classic mistake (the application without its Role mapping) is explained.

use connect_sso_engine::apply::{ApplyReport, Clients, apply};
use connect_sso_engine::login::{LoginRequest, login};
use connect_sso_engine::sync::{ChangeKind, SyncOptions, execute, prepare};
use connect_sso_engine::{Error, Resource, Step};
use connect_sso_sandbox::aws::identity_center as ic;
use connect_sso_sandbox::{MANAGEMENT_ACCOUNT_ID, TEST_ACCOUNT_ID, TEST_REGION, Urls, entra};
use connect_sso_spec::{Spec, StarterValues, TargetKind, brokered_starter};
use serde_json::{Value, json};

use super::{DEMO_ALIAS, Story, removed_at_the_end, wrap, write_spec};
use crate::cli::DemoArgs;
use crate::commands::mission::engine_error;
use crate::error::CommandError;
use crate::printer::Printer;
use crate::target::{sandbox_aws, sandbox_graph, sandbox_launch_url, sandbox_management_aws};

/// The variable the demo's spec names for the SCIM token.
const TOKEN_ENV: &str = "IC_SCIM_TOKEN";
/// How many console steps apply may stop at before the demo gives up.
const MAX_STOPS: usize = 6;

/// The demo's brokered spec, pointed at the sandbox, with Entra's provisioning.
fn spec_text(base: &str, scim_endpoint: &str) -> Result<String, CommandError> {
    let values = StarterValues {
        tenant_id: entra::DEFAULT_TENANT_ID.into(),
        account_id: TEST_ACCOUNT_ID.into(),
        region: TEST_REGION.into(),
        instance_alias: DEMO_ALIAS.into(),
        target: TargetKind::Sandbox,
        admin_username: entra::USER_BOB_UPN.into(),
    };
    let text = brokered_starter(&values, MANAGEMENT_ACCOUNT_ID, ic::REGION);
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| {
        CommandError::error("the starter spec is not TOML (a bug in connect-sso)").caused_by(&e)
    })?;
    doc["target"]["url"] = toml_edit::value(base);
    let mut provisioning = toml_edit::InlineTable::new();
    provisioning.insert("scim_endpoint", scim_endpoint.into());
    provisioning.insert("token_env", TOKEN_ENV.into());
    doc["identity_center"]["provisioning"] = toml_edit::value(provisioning);
    Ok(doc.to_string())
}

/// Set `identity_center.<key>` in the spec file and return the spec read again.
fn set_document(path: &std::path::Path, key: &str, value: &str) -> Result<Spec, CommandError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CommandError::error("could not read the demo spec").caused_by(&e))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| {
        CommandError::error("the demo spec is not TOML (a bug in connect-sso)").caused_by(&e)
    })?;
    doc["identity_center"][key] = toml_edit::value(value);
    std::fs::write(path, doc.to_string())
        .map_err(|e| CommandError::error("could not write the demo spec").caused_by(&e))?;
    parse(&doc.to_string())
}

fn parse(text: &str) -> Result<Spec, CommandError> {
    Spec::parse(text).map_err(|e| {
        CommandError::error("the demo spec does not validate (a bug in connect-sso)").caused_by(&e)
    })
}

/// The sandbox's admin API: what a person does in IAM Identity Center's console.
async fn console(
    urls: &Urls,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, CommandError> {
    let url = format!("{}/aws/_admin/identity-center{path}", urls.base());
    let mut req = reqwest::Client::new().request(method, &url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let failed = |e: &reqwest::Error| {
        CommandError::error(format!("the sandbox's console stand-in {path} failed")).caused_by(e)
    };
    let resp = req.send().await.map_err(|e| failed(&e))?;
    let ok = resp.status().is_success();
    let text = resp.text().await.map_err(|e| failed(&e))?;
    if !ok {
        return Err(CommandError::error(format!("{path}: {text}")));
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get_text(urls: &Urls, url: &str) -> Result<String, CommandError> {
    let local = urls.to_local(url);
    let failed =
        |e: &reqwest::Error| CommandError::error(format!("could not download {url}")).caused_by(e);
    reqwest::get(&local)
        .await
        .map_err(|e| failed(&e))?
        .text()
        .await
        .map_err(|e| failed(&e))
}

/// What the step asks to enter under `label`.
fn entered(step: &Step, label: &str) -> String {
    step.manual
        .as_ref()
        .and_then(|m| m.enter.iter().find(|(k, _)| k == label))
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// Everything after the sandbox is up.
pub(super) async fn mission(
    args: &DemoArgs,
    _printer: &Printer,
    story: &mut Story<'_>,
    urls: &Urls,
) -> Result<(), CommandError> {
    story.section(
        "Write the spec",
        "In the brokered set-up, people sign in at Entra ID, land in the AWS access portal of \
         IAM Identity Center (in the organisation's management account), and open Amazon Connect, \
         in an account of its own, from a tile. The spec names both accounts; Identity Center's \
         console says where provisioning goes and gives a token for it.",
    );
    let scim = console(urls, reqwest::Method::POST, "/provisioning", None).await?;
    let token = scim["token"].as_str().unwrap_or_default().to_string();
    let text = spec_text(
        urls.base(),
        scim["scim_endpoint"].as_str().unwrap_or_default(),
    )?;
    let mut spec = parse(&text)?;
    let (dir, path) = write_spec(&text)?;
    story.out(&format!(
        "  spec written to {}\n  Identity Center in account {MANAGEMENT_ACCOUNT_ID}, Connect in \
         account {TEST_ACCOUNT_ID}\n  the SCIM token is in ${TOKEN_ENV}, never in the spec\n",
        path.display()
    ));
    let _dir = removed_at_the_end(dir, args.keep_running);

    let graph = sandbox_graph(urls, &spec.entra.tenant_id)?;
    let aws = sandbox_aws(urls, &spec.aws.region);
    let management = sandbox_management_aws(urls, ic::REGION);
    let map_urls = urls.clone();
    let map = move |u: &str| map_urls.to_local(u);
    let env = move |n: &str| (n == TOKEN_ENV).then(|| token.clone());

    story.section(
        "Apply, with the console steps",
        "Identity Center's API cannot set its identity source or make a SAML application, so \
         apply stops at those steps with the exact values to enter, and goes on once it can see \
         them done. Here the demo enters them through the sandbox (a person would type them \
         into the console).",
    );
    let mut stops = 0;
    let report: ApplyReport = loop {
        let clients = Clients::new(&graph, &aws)
            .with_identity_center(&management, &map)
            .with_env(&env);
        match apply(&clients, &spec, None, &|_| {}).await {
            Ok(r) => break r,
            Err(Error::Manual { step, .. }) if stops < MAX_STOPS => {
                stops += 1;
                spec = do_console_step(story, urls, &path, &step).await?;
            }
            Err(e) => return Err(engine_error("apply failed", &e)),
        }
    };
    story.out(&format!(
        "  apply finished after {stops} console steps; the last run made {} changes through the APIs\n",
        report.executed.len()
    ));
    let clients = Clients::new(&graph, &aws)
        .with_identity_center(&management, &map)
        .with_env(&env);
    let again = apply(&clients, &spec, None, &|_| {})
        .await
        .map_err(|e| engine_error("the second apply failed", &e))?;
    story.check(
        stops == 3 && again.executed.is_empty(),
        "three console steps, then apply converges and a second apply changes nothing",
    );

    users(story, &graph, &aws, &spec).await?;
    let app_id = report.app_id.clone().unwrap_or_default();
    let launch_url = sandbox_launch_url(urls, &spec.entra.tenant_id, &app_id);
    sign_ins(story, &launch_url, &spec).await;
    fault(story, urls, &launch_url, &spec).await?;

    story.section("Try it yourself", "These are the places the demo used:");
    let rows = [
        ("access portal", urls.to_local(ic::PORTAL_URL)),
        ("Entra sign-in", launch_url),
        (
            "users",
            format!(
                "{} (agent), {} (supervisor)",
                entra::USER_ALICE_UPN,
                entra::USER_BOB_UPN
            ),
        ),
        ("password", entra::DEMO_PASSWORD.to_string()),
        ("spec", path.display().to_string()),
    ];
    story.rows(&rows);
    Ok(())
}

/// Tell the console step and enter its values through the sandbox: the spec as it is after.
async fn do_console_step(
    story: &mut Story<'_>,
    urls: &Urls,
    path: &std::path::Path,
    step: &Step,
) -> Result<Spec, CommandError> {
    let manual = step.manual.as_ref();
    story.out(&format!("  ! {}: {}\n", step.resource, step.reason));
    if let Some(m) = manual {
        story.out(&format!(
            "{}\n",
            wrap(&m.console, 92, "      where: ", "        ")
        ));
        for (k, v) in &m.enter {
            story.out(&format!(
                "{}\n",
                wrap(&format!("{k}: {v}"), 92, "      ", "        ")
            ));
        }
    }
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    match step.resource {
        Resource::IcServiceProvider => {
            let xml = get_text(
                urls,
                &format!("{}/aws/identity-center/saml/sp-metadata", urls.base()),
            )
            .await?;
            let file = dir.join("ic-sp-metadata.xml");
            std::fs::write(&file, xml)
                .map_err(|e| CommandError::error("could not save the SP metadata").caused_by(&e))?;
            story.out("    the demo saves Identity Center's SP metadata next to the spec\n");
            set_document(path, "sp_metadata", &file.display().to_string())
        }
        Resource::IcIdentitySource => {
            let said = entered(step, "Identity provider metadata → IdP SAML metadata");
            let url = said.trim_start_matches("upload the file downloaded from ");
            let xml = get_text(urls, url).await?;
            console(
                urls,
                reqwest::Method::PUT,
                "/identity-source",
                Some(json!({ "idp_metadata": xml })),
            )
            .await?;
            story.out("    the demo uploads Entra's federation metadata as the identity source\n");
            let text = std::fs::read_to_string(path)
                .map_err(|e| CommandError::error("could not read the demo spec").caused_by(&e))?;
            parse(&text)
        }
        Resource::IcApplication => {
            let connect_sso_engine::planner::Payload::IcApplication(values) = &step.payload else {
                return Err(CommandError::error(
                    "the application step carries no values (a bug in connect-sso)",
                ));
            };
            let created = console(
                urls,
                reqwest::Method::POST,
                "/applications",
                values.entered(),
            )
            .await?;
            let url = created["metadata_url"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            story.out("    the demo adds the application with exactly these values and copies its metadata URL\n");
            set_document(path, "application_metadata", &url)
        }
        other => Err(CommandError::error(format!(
            "apply stopped at {other}, which the demo cannot do by itself"
        ))),
    }
}

/// Connect users named by e-mail (the application's RoleSessionName).
async fn users(
    story: &mut Story<'_>,
    graph: &connect_sso_entra::Graph,
    aws: &connect_sso_aws::Aws,
    spec: &Spec,
) -> Result<(), CommandError> {
    story.section(
        "Create the Connect users",
        "Identity Center's application sends the e-mail address as RoleSessionName, so the \
         Connect usernames are e-mail addresses ([sync] username = \"mail\").",
    );
    let opts = SyncOptions::default();
    let prepared = prepare(graph, aws, spec, &opts)
        .await
        .map_err(|e| engine_error("could not read the users to sync", &e))?;
    for c in &prepared.diff.changes {
        story.out(&format!(
            "  + {}: {} ({})\n",
            c.username,
            c.kind.word(),
            c.reason
        ));
    }
    let report = execute(aws, spec, &prepared, &opts, &|_| {})
        .await
        .map_err(|e| engine_error("could not create the Connect users", &e))?;
    let created = prepared
        .diff
        .changes
        .iter()
        .any(|c| c.kind == ChangeKind::Create && c.username == entra::USER_ALICE_UPN);
    story.check(
        created && report.failed.is_empty(),
        "a Connect user named by alice's e-mail address",
    );
    Ok(())
}

fn request(launch_url: &str, user: &str, spec: &Spec) -> LoginRequest {
    LoginRequest {
        launch_url: launch_url.to_string(),
        username: user.to_string(),
        password: entra::DEMO_PASSWORD.to_string(),
        role_arn: None,
        portal_application: spec
            .identity_center
            .as_ref()
            .map(|i| i.application_name.clone()),
    }
}

async fn sign_ins(story: &mut Story<'_>, launch_url: &str, spec: &Spec) {
    story.section(
        "Sign in through the access portal",
        "Entra ID signs the person in and sends its assertion to Identity Center; the portal \
         shows the \"Amazon Connect\" tile; the tile has Identity Center send its own assertion \
         to AWS sign-in in the Connect account, which hands the session to Connect.",
    );
    for user in [entra::USER_ALICE_UPN, entra::USER_BOB_UPN] {
        match login(&request(launch_url, user, spec)).await {
            Ok(o) => {
                story.out(&format!(
                    "  {user} → signed in to Amazon Connect as {}\n",
                    o.signed_in_as
                ));
                if user == entra::USER_ALICE_UPN {
                    story.chain(&o.trail);
                }
                story.check(
                    o.signed_in_as == user,
                    &format!("{user} signed in through the portal tile"),
                );
            }
            Err(e) => {
                story.out(&format!("  {user} stopped at {}: {}\n", e.hop, e.answer));
                story.check(false, &format!("{user} signs in"));
            }
        }
    }
}

/// The most common brokered mistake: the application without its Role mapping.
async fn fault(
    story: &mut Story<'_>,
    urls: &Urls,
    launch_url: &str,
    spec: &Spec,
) -> Result<(), CommandError> {
    story.section(
        "A classic mistake, explained",
        "Someone edits the application and drops its Role attribute mapping. AWS sign-in then \
         refuses the assertion with a bare \"invalid SAML response\"; connect-sso reads the \
         assertion and says what is missing:",
    );
    let state = console(urls, reqwest::Method::GET, "", None).await?;
    let mut app = state["applications"][0].clone();
    let id = app["application_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let full = app["attribute_mappings"].clone();
    if let Some(m) = app["attribute_mappings"].as_array_mut() {
        m.retain(|m| m["attribute"] != connect_sso_spec::CLAIM_ROLE);
    }
    let edit = |mappings: Value| {
        json!({
            "name": app["name"], "start_url": app["start_url"], "relay_state": app["relay_state"],
            "acs_url": app["acs_url"], "audience": app["audience"], "attribute_mappings": mappings,
        })
    };
    console(
        urls,
        reqwest::Method::PUT,
        &format!("/applications/{id}"),
        Some(edit(app["attribute_mappings"].clone())),
    )
    .await?;
    match login(&request(launch_url, entra::USER_ALICE_UPN, spec)).await {
        Ok(_) => story.check(false, "alice is refused without the Role mapping"),
        Err(e) => {
            story.out(&format!(
                "  {} → refused at {}\n",
                entra::USER_ALICE_UPN,
                e.hop
            ));
            let cause = e.cause.clone().unwrap_or_default();
            story.out(&format!(
                "{}\n",
                wrap(&cause, 92, "      likely cause: ", "        ")
            ));
            story.check(
                cause.contains(connect_sso_spec::CLAIM_ROLE),
                "the refusal names the missing Role mapping",
            );
        }
    }
    console(
        urls,
        reqwest::Method::PUT,
        &format!("/applications/{id}"),
        Some(edit(full)),
    )
    .await?;
    Ok(())
}
