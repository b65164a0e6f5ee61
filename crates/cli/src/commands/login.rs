//! `connect-sso login`: sign a user in through the whole SAML chain (sandbox), or print the
//! URLs a person opens in a browser (cloud: connect-sso never handles a real password).

use std::io::BufRead as _;

use connect_sso_engine::login::{Hop, LoginError, LoginOutcome, LoginRequest, Request, login};
use connect_sso_engine::observe::read_app_for_sign_in;
use connect_sso_entra::Graph;
use connect_sso_sandbox::entra::DEMO_PASSWORD;
use connect_sso_spec::Spec;
use serde::Serialize;

use super::mission::engine_error;
use super::{json_text, runtime};
use crate::cli::LoginArgs;
use crate::error::{CommandError, ExitCode};
use crate::printer::{Printer, Style, row};
use crate::spec_file::{self, Severity};
use crate::target::{self, Place, entra_user_access_url, my_apps_url, sandbox_launch_url};

/// What `login --json` prints on stdout (docs/schemas/login.schema.json).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub(crate) enum LoginJson {
    /// The sandbox signed the user in, through the whole chain.
    SignedIn {
        /// Always `true`.
        #[schemars(extend("const" = true))]
        signed_in: bool,
        /// Who landed where, and every request made.
        outcome: LoginOutcome,
        /// The page the relay state asks for (`/ccp-v2`), decoded.
        destination: Option<String>,
    },
    /// The chain stopped at a hop (exit code 1).
    Refused {
        /// Always `false`.
        #[schemars(extend("const" = false))]
        signed_in: bool,
        /// Where it stopped, what the server answered, the likely cause.
        error: LoginError,
    },
    /// The clouds: the URLs a person opens in a browser (connect-sso never handles a real
    /// password).
    Browser {
        /// The user to sign in as (UPN).
        user: String,
        /// The app's tile in My Apps.
        my_apps_url: String,
        /// The user access URL (IdP-initiated sign-in).
        user_access_url: String,
        /// The relay state the app sends.
        relay_state: Option<String>,
        /// The page the relay state asks for, decoded.
        destination: Option<String>,
    },
}

/// The app's client ID and its service principal's relay state. Reads only the app and its
/// service principal (Graph: Application.Read.All), since login changes nothing.
async fn find_app(graph: &Graph, spec: &Spec) -> Result<(String, Option<String>), CommandError> {
    let record = read_app_for_sign_in(graph, spec)
        .await
        .map_err(|e| read_failure(&e))?
        .ok_or_else(|| {
            CommandError::error(format!(
                "there is no enterprise app named {:?} in tenant {} yet",
                spec.entra.app_name, spec.entra.tenant_id
            ))
            .hint("run `connect-sso apply` first")
        })?;
    let relay = record
        .sp
        .and_then(|sp| sp.saml_single_sign_on_settings?.relay_state);
    Ok((record.app.app_id, relay))
}

/// Reading the app failed: a refused read names the one permission login needs.
fn read_failure(e: &connect_sso_engine::Error) -> CommandError {
    const CONTEXT: &str = "could not read the enterprise app from Entra ID";
    match e {
        connect_sso_engine::Error::Entra(connect_sso_entra::Error::Graph {
            status: 403, ..
        }) => CommandError::error(CONTEXT)
            .caused_by(e)
            .hint(READ_PERMISSION_HINT),
        _ => engine_error(CONTEXT, e),
    }
}

/// What `login` needs of Graph: it reads the app and changes nothing.
pub(crate) const READ_PERMISSION_HINT: &str = "login only reads the enterprise app: the app \
     registration needs the Graph application permission Application.Read.All (consented), or \
     sign in with `az login` as a user who can read enterprise apps";

/// Run the command.
pub(crate) fn run(args: &LoginArgs, printer: &Printer) -> Result<ExitCode, CommandError> {
    let loaded = spec_file::load(&args.target.file, Severity::Error)?;
    let spec = &loaded.spec;
    let rt = runtime()?;
    let (place, graph) = rt.block_on(target::resolve_graph(
        spec,
        args.target.sandbox_url.as_deref(),
        target::GraphUse::ReadApp,
    ))?;
    let urls = match place {
        Place::Cloud => return cloud(args, printer, &rt, &graph, spec),
        Place::Sandbox(urls) => urls,
    };
    if args.open {
        // A person signs in in their own browser: open the tile's launch URL, and sign nobody in here.
        let (app_id, _) = rt.block_on(find_app(&graph, spec))?;
        let launch_url = sandbox_launch_url(&urls, &spec.entra.tenant_id, &app_id);
        printer.out(&format!("{launch_url}\n"));
        printer.info(&format!(
            "login: sign in as {} with the sandbox's demo password (the README's sandbox \
             section gives it)",
            args.user
        ));
        open_in_browser(printer, &launch_url, "the sandbox's sign-in page");
        return Ok(ExitCode::Success);
    }
    let password = if args.password_stdin {
        read_password()?
    } else {
        printer.info(&format!(
            "login: using the sandbox's demo password for {} (every seeded user has it; \
             --password-stdin reads another)",
            args.user
        ));
        DEMO_PASSWORD.to_string()
    };
    let (app_id, _) = rt.block_on(find_app(&graph, spec))?;
    let launch_url = sandbox_launch_url(&urls, &spec.entra.tenant_id, &app_id);
    printer.info(&format!("login: signing {} in at {launch_url}", args.user));
    let req = LoginRequest {
        launch_url,
        username: args.user.clone(),
        password,
        role_arn: args.role.clone(),
        portal_application: spec
            .identity_center
            .as_ref()
            .map(|ic| ic.application_name.clone()),
    };
    match rt.block_on(login(&req)) {
        Ok(outcome) => {
            if let Some(path) = &args.save_response {
                std::fs::write(path, format!("{}\n", outcome.saml_response)).map_err(|e| {
                    CommandError::error(format!(
                        "signed in, but could not write the SAMLResponse to {}",
                        path.display()
                    ))
                    .caused_by(&e)
                })?;
                printer.info(&format!(
                    "login: wrote the SAMLResponse to {} (read it with `connect-sso saml inspect {}`)",
                    path.display(),
                    path.display()
                ));
            }
            if args.json {
                printer.out(&json_text(&LoginJson::SignedIn {
                    signed_in: true,
                    destination: destination(outcome.relay_state.as_deref()),
                    outcome: outcome.clone(),
                })?);
            } else {
                printer.out(&render_success(printer, &outcome));
            }
            if let Some(dest) = destination(outcome.relay_state.as_deref()) {
                if !outcome.connect_url.contains(&dest) {
                    printer.warn(&format!(
                        "the relay state asks for {dest}, but the sign-in ended at {}",
                        outcome.connect_url
                    ));
                }
            }
            Ok(ExitCode::Success)
        }
        Err(e) => {
            // A failure after the IdP issued a response is when inspecting it matters most.
            if let (Some(path), Some(response)) = (&args.save_response, &e.saml_response) {
                match std::fs::write(path, format!("{response}\n")) {
                    Ok(()) => printer.info(&format!(
                        "login: wrote the SAMLResponse to {} (read it with `connect-sso saml inspect {}`)",
                        path.display(),
                        path.display()
                    )),
                    Err(err) => printer.warn(&format!(
                        "could not write the SAMLResponse to {}: {err}",
                        path.display()
                    )),
                }
            }
            if args.json {
                printer.out(&json_text(&LoginJson::Refused {
                    signed_in: false,
                    error: e.clone(),
                })?);
            }
            Err(failure(&args.user, &e))
        }
    }
}

/// The password from the first line of stdin.
fn read_password() -> Result<String, CommandError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CommandError::error("could not read the password from stdin").caused_by(&e))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(
            CommandError::error("--password-stdin read an empty password").hint(
                "e.g. printf '%s\\n' \"$PASSWORD\" | connect-sso login --user U --password-stdin",
            ),
        );
    }
    Ok(password)
}

/// The `destination` the relay state asks for, decoded (`/ccp-v2`).
pub(crate) fn destination(relay_state: Option<&str>) -> Option<String> {
    let query = relay_state?.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let v = kv.strip_prefix("destination=")?;
        Some(
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned(),
        )
    })
}

/// Who is signed in, and where.
pub(crate) fn render_success(printer: &Printer, o: &LoginOutcome) -> String {
    const W: usize = 11;
    let mut s = format!(
        "{} {} is signed in to Amazon Connect\n",
        printer.style(Style::Ok, "signed in:"),
        o.signed_in_as
    );
    s.push_str(&row(printer, W, "landed on", [&o.connect_url]));
    if let Some(dest) = destination(o.relay_state.as_deref()) {
        s.push_str(&row(
            printer,
            W,
            "destination",
            [format!("{dest} (asked for by the relay state)")],
        ));
    }
    s.push_str(&row(printer, W, "relay state", &o.relay_state));
    if !o.roles_offered.is_empty() {
        s.push_str(&row(printer, W, "roles", &o.roles_offered));
    }
    s.push_str(&row(
        printer,
        W,
        "chain",
        [chain_labels(&o.trail).join(" → ")],
    ));
    s
}

/// The hops a sign-in went through, named for people: the engine's hop, refined by URL for
/// the redirects that follow AWS sign-in (console federation, then Connect).
pub(crate) fn chain_labels(trail: &[Request]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for Request { hop, url, .. } in trail {
        let label = if url.contains("/connect/federate/") {
            Hop::ConsoleFederation.to_string()
        } else if url.contains("/aws/connect/app/") || url.contains(".my.connect.aws/") {
            Hop::Connect.to_string()
        } else {
            hop.to_string()
        };
        if out.last() != Some(&label) {
            out.push(label);
        }
    }
    out
}

/// A failed sign-in: the hop, what the server answered, the likely cause (exit 1).
pub(crate) fn failure(user: &str, e: &LoginError) -> CommandError {
    let status = e
        .status
        .map_or_else(|| " (no answer)".to_string(), |s| format!(" answered {s}"));
    let err = CommandError::rejected(format!(
        "{user} could not sign in: the chain stopped at {}",
        e.hop
    ))
    .cause(format!("{}{status}: {}", e.url, e.answer));
    match &e.cause {
        Some(c) => err.hint(format!("likely cause: {c}")),
        None => err,
    }
}

/// Cloud target: the URLs a person opens; no password is ever asked for.
fn cloud(
    args: &LoginArgs,
    printer: &Printer,
    rt: &tokio::runtime::Runtime,
    graph: &Graph,
    spec: &Spec,
) -> Result<ExitCode, CommandError> {
    if args.password_stdin {
        return Err(CommandError::error(
            "connect-sso never handles a real password: sign in to Entra ID in a browser",
        )
        .hint(
            "drop --password-stdin; `connect-sso login` prints the URL to open (--open opens it)",
        ));
    }
    if args.save_response.is_some() {
        printer.warn(
            "--save-response needs the sandbox; with the cloud, save a HAR file from the browser's \
             network panel and read it with `connect-sso saml inspect FILE.har`",
        );
    }
    let (app_id, relay) = rt.block_on(find_app(graph, spec))?;
    let tenant = &spec.entra.tenant_id;
    let my_apps = my_apps_url(tenant, &app_id);
    let access = entra_user_access_url(tenant, &app_id);
    if args.json {
        printer.out(&json_text(&LoginJson::Browser {
            user: args.user.clone(),
            destination: destination(relay.as_deref()),
            my_apps_url: my_apps.clone(),
            user_access_url: access.clone(),
            relay_state: relay.clone(),
        })?);
    } else {
        const W: usize = 15;
        let mut s = format!(
            "Sign in as {} in a browser (connect-sso never handles a real password):\n",
            args.user
        );
        s.push_str(&row(printer, W, "My Apps", [&my_apps]));
        s.push_str(&row(printer, W, "user access URL", [&access]));
        s.push_str(&row(printer, W, "relay state", &relay));
        if let Some(dest) = destination(relay.as_deref()) {
            s.push_str(&row(printer, W, "destination", [dest]));
        }
        printer.out(&s);
    }
    if args.open {
        open_in_browser(printer, &my_apps, "My Apps");
    }
    Ok(ExitCode::Success)
}

/// Open `url` in the person's browser (`$BROWSER`, else `xdg-open`, else `open`).
fn open_in_browser(printer: &Printer, url: &str, what: &str) {
    let candidates: Vec<String> = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .into_iter()
        .chain(["xdg-open".to_string(), "open".to_string()])
        .collect();
    for program in candidates {
        let opened = std::process::Command::new(&program)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        if opened.is_ok_and(|s| s.success()) {
            printer.info(&format!("login: opened {what} in the browser"));
            return;
        }
    }
    printer.warn("could not open a browser ($BROWSER, xdg-open); open the URL above yourself");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_read_asks_only_for_the_read_permission() {
        let denied = connect_sso_engine::Error::Entra(connect_sso_entra::Error::Graph {
            method: "GET".into(),
            path: "/v1.0/applications".into(),
            status: 403,
            code: "Authorization_RequestDenied".into(),
            message: "Insufficient privileges to complete the operation.".into(),
            request_id: None,
        });
        let hints = read_failure(&denied).hints().join("\n");
        assert!(hints.contains("Application.Read.All"), "{hints}");
        assert!(!hints.contains("ReadWrite"), "{hints}");
    }

    #[test]
    fn destination_is_read_from_the_relay_state_and_decoded() {
        assert_eq!(
            destination(Some(
                "https://us-east-1.console.aws.amazon.com/connect/federate/abc?destination=%2Fccp-v2%2Fchat&new_domain=true"
            ))
            .as_deref(),
            Some("/ccp-v2/chat")
        );
        assert_eq!(
            destination(Some(
                "https://us-east-1.console.aws.amazon.com/connect/federate/abc"
            )),
            None
        );
        assert_eq!(destination(None), None);
    }

    #[test]
    fn the_chain_names_federation_and_connect_by_url() {
        let trail = vec![
            Request {
                hop: Hop::IdpSignInPage,
                method: "GET".into(),
                url: "http://x/entra/t/signin/a".into(),
                status: 200,
            },
            Request {
                hop: Hop::IdpCredentials,
                method: "POST".into(),
                url: "http://x/entra/t/login".into(),
                status: 200,
            },
            Request {
                hop: Hop::AwsSignIn,
                method: "POST".into(),
                url: "http://x/aws/signin/saml".into(),
                status: 302,
            },
            Request {
                hop: Hop::AwsSignIn,
                method: "GET".into(),
                url: "http://x/aws/console/connect/federate/i".into(),
                status: 302,
            },
            Request {
                hop: Hop::AwsSignIn,
                method: "GET".into(),
                url: "http://x/aws/connect/app/i/ccp-v2".into(),
                status: 200,
            },
        ];
        assert_eq!(
            chain_labels(&trail),
            [
                "IdP sign-in page",
                "IdP sign-in (credentials)",
                "AWS sign-in (SAML)",
                "console federation into Connect",
                "Amazon Connect"
            ]
        );
    }
}
