//! A sandbox started in the test process, and a directory to run the mission commands in.

use std::path::Path;
use std::time::Duration;

use connect_sso_testkit::snapshots;

use crate::common::{Run, run_in};

/// An in-process sandbox world on 127.0.0.1:0 (its own runtime, so tests stay synchronous)
/// and a temporary working directory.
pub struct World {
    runtime: tokio::runtime::Runtime,
    world: Option<connect_sso_testkit::World>,
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
        let world = runtime.block_on(connect_sso_testkit::World::start());
        let state = &world.sandbox.state;
        state.aws.quotas.scale_all(20.0);
        state
            .aws
            .connect
            .set_creation_delay(Duration::from_millis(200));
        let base = world.base().to_string();
        Self {
            runtime,
            world: Some(world),
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
        let world = self.world.as_ref().expect("running");
        let sp = world
            .sandbox
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

    /// Call an AWS admin endpoint of the sandbox (`/aws/_admin/<path>`): its JSON answer.
    pub fn aws_admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let world = self.world.as_ref().expect("running");
        self.runtime.block_on(world.aws_admin(method, path, body))
    }

    /// GET a URL as text (a real cloud URL is fetched from the sandbox).
    pub fn fetch(&self, url: &str) -> String {
        let local = connect_sso_sandbox::Urls::new(self.base.clone()).to_local(url);
        self.runtime.block_on(async move {
            let r = reqwest::get(&local).await.expect("GET");
            assert!(r.status().is_success(), "{local}: {}", r.status());
            r.text().await.expect("text")
        })
    }

    /// Run `connect-sso ARGS --sandbox-url …` with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        all.extend_from_slice(&["--sandbox-url", &self.base]);
        run_in(self.dir.path(), &all, env, b"")
    }

    /// Change the relay state of the app's service principal behind connect-sso's back, as
    /// an administrator in the portal would: through Graph, with the tool's credentials.
    pub fn drift_relay_state(&self, app_id: &str, relay_state: &str) {
        let graph = &self.world.as_ref().expect("a world until dropped").graph;
        self.runtime.block_on(async {
            let sp = graph
                .service_principal_by_app_id(app_id)
                .await
                .expect("list service principals")
                .expect("the app's service principal");
            graph
                .patch_service_principal(
                    &sp.id,
                    &serde_json::json!({
                        "samlSingleSignOnSettings": {"relayState": relay_state}
                    }),
                )
                .await
                .expect("PATCH");
        });
    }

    /// Insta settings that hide what changes between runs: the kit's filters (the port,
    /// sign-in tokens), and the given IDs.
    pub fn redactions(&self, ids: &[(&str, &str)]) -> insta::Settings {
        snapshots::with_ids(ids)
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(w) = self.world.take() {
            self.runtime.block_on(w.shutdown());
        }
    }
}
