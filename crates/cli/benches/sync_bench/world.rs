//! The benchmark's sandbox, set up as a user would: `connect-sso init` and `apply --yes`
//! through the real binary, quotas scaled in the sandbox and raised to match in the spec's
//! `[aws.rate_limits]`. Everything after the start goes over HTTP: the admin endpoints,
//! and Graph with the sandbox's directory administrator app for the joiners, movers and
//! leavers.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use connect_sso_sandbox::entra::{ADMIN_APP_ID, ADMIN_CLIENT_SECRET, DEFAULT_TENANT_ID};
use connect_sso_sandbox::{Config, Sandbox};
use serde_json::{Value, json};

/// The Connect APIs sync calls, with their documented rates per second (docs/facts.md §2):
/// the spec raises each to rate × scale, as a customer would after a quota increase.
pub const SYNC_APIS: [(&str, u32); 11] = [
    ("SearchUsers", 2),
    ("ListInstances", 2),
    ("ListSecurityProfiles", 2),
    ("ListRoutingProfiles", 2),
    ("CreateUser", 2),
    ("DeleteUser", 2),
    ("UpdateUserIdentityInfo", 2),
    ("UpdateUserSecurityProfiles", 2),
    ("UpdateUserRoutingProfile", 2),
    ("TagResource", 2),
    ("UntagResource", 2),
];

/// The synced groups of the starter spec, in spec order.
pub const GROUPS: [&str; 2] = ["Connect Agents", "Connect Supervisors"];

/// A sandbox in this process and a working directory with its spec.
pub struct BenchWorld {
    rt: tokio::runtime::Runtime,
    sandbox: Option<Sandbox>,
    http: reqwest::Client,
    /// Base URL of the sandbox.
    pub base: String,
    /// Working directory (the spec is `connect-sso.toml` there).
    pub dir: tempfile::TempDir,
    /// The quota factor.
    pub scale: u32,
}

type Res<T> = Result<T, String>;

impl BenchWorld {
    /// Start a sandbox with `users` generated members of "Connect Agents".
    pub fn start(users: usize, scale: u32) -> Res<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("runtime: {e}"))?;
        let config = Config {
            extra_users: users,
            ..Config::default()
        };
        let sandbox = rt
            .block_on(Sandbox::start(config))
            .map_err(|e| format!("sandbox: {e}"))?;
        // Only to keep the set-up short: instance creation is not measured.
        sandbox
            .state
            .aws
            .connect
            .set_creation_delay(Duration::from_millis(100));
        let base = sandbox.urls().base().to_string();
        Ok(Self {
            rt,
            sandbox: Some(sandbox),
            http: reqwest::Client::new(),
            base,
            dir: tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?,
            scale,
        })
    }

    /// `init`, the spec's raised quotas and `[sync]`, the sandbox's quotas ×scale and its
    /// user limit raised, then `apply --yes`.
    pub fn set_up(&self, users: usize) -> Res<()> {
        self.connect_sso(&["init"])?;
        let path = self.dir.path().join("connect-sso.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| format!("spec: {e}"))?;
        std::fs::write(&path, raised_spec(&text, self.scale, users))
            .map_err(|e| format!("spec: {e}"))?;
        self.admin_post("/aws/_admin/quotas/scale", json!({"factor": self.scale}))?;
        self.raise_user_limit(users)?;
        self.connect_sso(&["apply", "--yes", "--sandbox-url", &self.base])
    }

    /// Raise the instance's user limit (500 by default on AWS, adjustable) above what the
    /// runs create. A sandbox without that limit answers 404: nothing to raise.
    fn raise_user_limit(&self, users: usize) -> Res<()> {
        let url = format!("{}/aws/_admin/connect/quotas", self.base);
        let body = json!({"users_per_instance": 2 * users + 100});
        let status = self.rt.block_on(async {
            let r = self.http.post(url).json(&body).send().await;
            r.map(|r| r.status()).map_err(|e| e.to_string())
        })?;
        match status.as_u16() {
            // This sandbox predates the per-instance user limit: it has none.
            404 => Ok(()),
            _ if status.is_success() => Ok(()),
            s => Err(format!("raising the user limit answered {s}")),
        }
    }

    /// Run `connect-sso ARGS` in the working directory (not measured).
    pub fn connect_sso(&self, args: &[&str]) -> Res<()> {
        let out = Command::new(env!("CARGO_BIN_EXE_connect-sso"))
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("connect-sso: {e}"))?;
        if out.status.success() {
            return Ok(());
        }
        Err(format!(
            "connect-sso {} failed ({}):\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }

    /// The argv of a measured `sync --yes --json`.
    pub fn sync_argv(&self) -> Vec<String> {
        [
            env!("CARGO_BIN_EXE_connect-sso"),
            "sync",
            "--yes",
            "--json",
            "--sandbox-url",
            &self.base,
        ]
        .map(String::from)
        .to_vec()
    }

    /// The working directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Forget the AWS and Graph request counts.
    pub fn reset_counters(&self) -> Res<()> {
        self.admin_call(reqwest::Method::DELETE, "/aws/_admin/requests", None)?;
        self.admin_call(reqwest::Method::DELETE, "/entra/_sandbox/requests", None)
            .map(drop)
    }

    /// AWS requests per service and API, and Graph requests per route.
    pub fn counters(&self) -> Res<(Value, Value)> {
        let aws = self.admin_call(reqwest::Method::GET, "/aws/_admin/requests", None)?;
        let graph = self.admin_call(reqwest::Method::GET, "/entra/_sandbox/requests", None)?;
        Ok((aws, graph))
    }

    fn admin_post(&self, path: &str, body: Value) -> Res<Value> {
        self.admin_call(reqwest::Method::POST, path, Some(body))
    }

    fn admin_call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Res<Value> {
        let url = format!("{}{path}", self.base);
        self.rt.block_on(async {
            let mut req = self.http.request(method, &url);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let r = req.send().await.map_err(|e| format!("{path}: {e}"))?;
            if !r.status().is_success() {
                return Err(format!("{path} answered {}", r.status()));
            }
            r.json().await.map_err(|e| format!("{path}: {e}"))
        })
    }

    /// Graph as the sandbox's directory administrator.
    pub fn graph(&self) -> Res<GraphAdmin<'_>> {
        let url = format!("{}/entra/{DEFAULT_TENANT_ID}/oauth2/v2.0/token", self.base);
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", ADMIN_APP_ID),
            ("client_secret", ADMIN_CLIENT_SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ];
        let token: Value = self.rt.block_on(async {
            let r = self.http.post(url).form(&form).send().await;
            let r = r.map_err(|e| format!("token: {e}"))?;
            r.json().await.map_err(|e| format!("token: {e}"))
        })?;
        let token = token["access_token"].as_str().ok_or("no access token")?;
        Ok(GraphAdmin {
            world: self,
            root: format!("{}/entra/graph/v1.0", self.base),
            token: token.to_string(),
        })
    }

    /// Stop the sandbox.
    pub fn shutdown(mut self) {
        if let Some(s) = self.sandbox.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

/// The starter spec with `[aws.rate_limits]` for every Connect API sync calls (rate × scale,
/// burst = rate: the least the spec allows) and a `[sync]` that deletes leavers and allows
/// the 5 % run's removals (a customer with this many users raises the guard the same way).
fn raised_spec(text: &str, scale: u32, users: usize) -> String {
    let mut limits = String::from("[aws.rate_limits]\n");
    for (api, rate) in SYNC_APIS {
        limits.push_str(&format!(
            "\"connect:{api}\" = {{ rate = {} }}\n",
            rate * scale
        ));
    }
    let sync = format!(
        "\n[sync]\nleavers = \"delete\"\nmax_removals = {}\n",
        users.max(50)
    );
    text.replacen("[connect]\n", &format!("{limits}\n[connect]\n"), 1) + &sync
}

/// Graph calls with an administrator's token.
pub struct GraphAdmin<'w> {
    world: &'w BenchWorld,
    root: String,
    token: String,
}

impl GraphAdmin<'_> {
    /// `METHOD /v1.0{path}` with an optional JSON body; the answer's JSON (`null` for 204).
    pub fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Res<Value> {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.root)
        };
        self.world.rt.block_on(async {
            let mut req = self
                .world
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.token);
            if let Some(b) = body {
                req = req.json(&b);
            }
            let r = req
                .send()
                .await
                .map_err(|e| format!("{method} {url}: {e}"))?;
            let status = r.status();
            let text = r.text().await.map_err(|e| format!("{url}: {e}"))?;
            if !status.is_success() {
                return Err(format!("{method} {url} answered {status}: {text}"));
            }
            Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
        })
    }

    /// Every object of a list, following `@odata.nextLink`; and how many pages it took.
    pub fn list(&self, path: &str) -> Res<(Vec<Value>, usize)> {
        let mut next = Some(path.to_string());
        let (mut all, mut pages) = (Vec::new(), 0);
        while let Some(p) = next {
            let page = self.call(reqwest::Method::GET, &p, None)?;
            pages += 1;
            if let Some(items) = page["value"].as_array() {
                all.extend(items.iter().cloned());
            }
            next = page["@odata.nextLink"].as_str().map(String::from);
        }
        Ok((all, pages))
    }

    /// The ID of the one group of this name.
    pub fn group_id(&self, name: &str) -> Res<String> {
        let filter = format!("displayName eq '{name}'").replace(' ', "%20");
        let (groups, _) = self.list(&format!("/groups?$filter={filter}"))?;
        match groups.as_slice() {
            [g] => g["id"]
                .as_str()
                .map(String::from)
                .ok_or("group without id".into()),
            _ => Err(format!("{} groups named {name:?}", groups.len())),
        }
    }

    /// Pages of 999 that reading the group's transitive members takes (what sync reads).
    pub fn member_pages(&self, group_id: &str) -> Res<usize> {
        let path = format!("/groups/{group_id}/transitiveMembers?$select=id&$top=999");
        self.list(&path).map(|(_, pages)| pages)
    }

    /// Add a user or group to a group.
    pub fn add_member(&self, group_id: &str, member_id: &str) -> Res<()> {
        let body = json!({"@odata.id": format!("{}/directoryObjects/{member_id}", self.root)});
        let path = format!("/groups/{group_id}/members/$ref");
        self.call(reqwest::Method::POST, &path, Some(body))
            .map(drop)
    }

    /// Take a direct member out of a group.
    pub fn remove_member(&self, group_id: &str, member_id: &str) -> Res<()> {
        let path = format!("/groups/{group_id}/members/{member_id}/$ref");
        self.call(reqwest::Method::DELETE, &path, None).map(drop)
    }

    /// Create a member user; its ID.
    pub fn create_user(&self, upn: &str, given: &str, surname: &str) -> Res<String> {
        let nickname = upn.split('@').next().unwrap_or(upn);
        let body = json!({
            "accountEnabled": true,
            "displayName": format!("{given} {surname}"),
            "givenName": given,
            "surname": surname,
            "mailNickname": nickname,
            "mail": upn,
            "userPrincipalName": upn,
            "passwordProfile": {"password": connect_sso_sandbox::entra::DEMO_PASSWORD},
        });
        let user = self.call(reqwest::Method::POST, "/users", Some(body))?;
        user["id"]
            .as_str()
            .map(String::from)
            .ok_or("created user without id".into())
    }
}
