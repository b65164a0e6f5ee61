//! A sandbox started in the test process, and a directory to run the mission commands in.

use std::path::Path;
use std::time::Duration;

use connect_sso_sandbox::{Config, Sandbox, entra};

use crate::common::{Run, run_in};

/// An in-process sandbox on 127.0.0.1:0 (its own runtime, so tests stay synchronous) and a
/// temporary working directory.
pub struct World {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<Sandbox>,
    /// Base URL of the sandbox.
    pub base: String,
    /// Working directory of the commands.
    pub dir: tempfile::TempDir,
}

impl World {
    /// Start a sandbox with quick instance creation and raised API limits (speed only).
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let sandbox = runtime
            .block_on(Sandbox::start(Config::default()))
            .expect("the sandbox starts");
        sandbox.state.aws.quotas.scale_all(20.0);
        sandbox
            .state
            .aws
            .connect
            .set_creation_delay(Duration::from_millis(200));
        let base = sandbox.urls().base().to_string();
        Self {
            runtime,
            sandbox: Some(sandbox),
            base,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Run `connect-sso ARGS --sandbox-url BASE` in the working directory (for commands
    /// that take it; others through [`World::run_plain`]).
    pub fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(&["--sandbox-url", &self.base]);
        run_in(self.dir.path(), &all, &[], b"")
    }

    /// Run `connect-sso ARGS` in the working directory, as given.
    pub fn run_plain(&self, args: &[&str]) -> Run {
        run_in(self.dir.path(), args, &[], b"")
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `init` for the sandbox, then `apply`; returns (app ID, instance ID).
    pub fn init_and_apply(&self) -> (String, String) {
        let init = self.run_plain(&["init"]);
        assert_eq!(init.code, 0, "{}", init.stderr);
        let out = self.run(&["apply", "--yes", "--json"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let summary: serde_json::Value =
            serde_json::from_str(&out.stdout).expect("apply --json prints JSON");
        let s = |k: &str| summary[k].as_str().expect(k).to_string();
        (s("app_id"), s("instance_id"))
    }

    /// What a person saves on the portal's Basic SAML Configuration page of `app_name`
    /// (the sandbox's admin stand-in for the portal).
    pub fn save_basic_saml_configuration(&self, app_name: &str, body: serde_json::Value) {
        let sandbox = self.sandbox.as_ref().expect("running");
        let sp = sandbox
            .state
            .entra
            .dir()
            .tenants
            .iter()
            .flat_map(|t| t.service_principals.iter())
            .find(|s| s.display_name == app_name)
            .map(|s| s.id.clone())
            .expect("the app's service principal");
        let url = format!(
            "{}/entra/_sandbox/servicePrincipals/{sp}/basicSamlConfiguration",
            self.base
        );
        self.runtime.block_on(async move {
            let r = reqwest::Client::new()
                .put(url)
                .json(&body)
                .send()
                .await
                .expect("admin call");
            assert!(r.status().is_success(), "{}", r.status());
        });
    }

    /// Change the relay state of the app's service principal behind connect-sso's back, as
    /// an administrator in the portal would: through Graph, with the tool's credentials.
    pub fn drift_relay_state(&self, app_id: &str, relay_state: &str) {
        let base = self.base.clone();
        let (app_id, relay_state) = (app_id.to_string(), relay_state.to_string());
        self.runtime.block_on(async move {
            let http = reqwest::Client::new();
            let tenant = entra::DEFAULT_TENANT_ID;
            let token: serde_json::Value = http
                .post(format!("{base}/entra/{tenant}/oauth2/v2.0/token"))
                .form(&[
                    ("grant_type", "client_credentials"),
                    ("client_id", entra::TOOL_APP_ID),
                    ("client_secret", entra::TOOL_CLIENT_SECRET),
                    ("scope", "https://graph.microsoft.com/.default"),
                ])
                .send()
                .await
                .expect("token request")
                .json()
                .await
                .expect("token JSON");
            let token = token["access_token"].as_str().expect("a token").to_string();
            let sps: serde_json::Value = http
                .get(format!("{base}/entra/graph/v1.0/servicePrincipals"))
                .query(&[("$filter", format!("appId eq '{app_id}'"))])
                .bearer_auth(&token)
                .send()
                .await
                .expect("list service principals")
                .json()
                .await
                .expect("JSON");
            let sp_id = sps["value"][0]["id"]
                .as_str()
                .expect("the app's service principal")
                .to_string();
            let resp = http
                .patch(format!("{base}/entra/graph/v1.0/servicePrincipals/{sp_id}"))
                .bearer_auth(&token)
                .json(&serde_json::json!({
                    "samlSingleSignOnSettings": {"relayState": relay_state}
                }))
                .send()
                .await
                .expect("PATCH");
            assert!(
                resp.status().is_success(),
                "PATCH answered {}",
                resp.status()
            );
        });
    }

    /// Insta settings that hide what changes between runs: the port, and the given IDs.
    pub fn redactions(&self, ids: &[(&str, &str)]) -> insta::Settings {
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
        settings.add_filter(r"token=[A-Za-z0-9_\-]+", "token=[token]");
        for (id, name) in ids {
            settings.add_filter(&regex_escape(id), *name);
        }
        settings
    }
}

/// Escape regex metacharacters (IDs are hex and dashes, but be safe).
fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(s) = self.sandbox.take() {
            self.runtime.block_on(s.shutdown());
        }
    }
}
