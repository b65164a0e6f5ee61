//! Target resolution: a spec's `[target]` becomes a Microsoft Graph client and an AWS client.
//!
//! - `sandbox`: the base URL comes from `--sandbox-url`, else the spec's `target.url`, else
//!   `$CONNECT_SSO_SANDBOX_URL`, else the `sandbox serve` default. Graph uses the sandbox's
//!   tool app credentials (unless `AZURE_CLIENT_ID`/`AZURE_CLIENT_SECRET` are set); AWS uses
//!   the sandbox's test credentials and endpoints.
//! - `cloud`: Graph from `AZURE_*` ([`EntraConfig::from_env`]), AWS from the standard
//!   credential chain for the spec's region.
//!
//! Either way, before anything acts on AWS, the credentials' account must be the spec's
//! `aws.account_id`: connect-sso never acts on the wrong account.

use std::time::Duration;

use connect_sso_aws::{Aws, Endpoint, ServiceEndpoints};
use connect_sso_entra::{Credentials, EntraConfig, Graph, RetryPolicy, Secret};
use connect_sso_sandbox::{TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, Urls, entra};
use connect_sso_spec::{Spec, TargetKind};

use crate::cli::DEFAULT_SANDBOX_BIND;
use crate::error::CommandError;

/// Environment variable naming a running sandbox.
pub(crate) const SANDBOX_URL_ENV: &str = "CONNECT_SSO_SANDBOX_URL";

/// Where a mission command acts.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    /// The local emulators at these URLs.
    Sandbox(Urls),
    /// Microsoft Graph and AWS.
    Cloud,
}

/// Both sides, ready to use.
pub(crate) struct Target {
    /// Where.
    pub(crate) place: Place,
    /// Microsoft Graph.
    pub(crate) graph: Graph,
    /// AWS, checked to be the spec's account.
    pub(crate) aws: Aws,
    /// The management account's IAM Identity Center (brokered), checked to be the spec's.
    pub(crate) identity_center: Option<Aws>,
    /// Where a real URL is fetched from (the sandbox's local URLs).
    pub(crate) url_map: Box<connect_sso_engine::identity_center::UrlMap>,
}

impl Target {
    /// The engine's clients on this target.
    pub(crate) fn clients(&self) -> connect_sso_engine::apply::Clients<'_> {
        let c = connect_sso_engine::apply::Clients::new(&self.graph, &self.aws);
        match &self.identity_center {
            Some(ic) => c.with_identity_center(ic, &*self.url_map),
            None => c,
        }
    }
}

/// The sandbox base URL for `spec`, and where it came from (for messages).
pub(crate) fn sandbox_url(spec: &Spec, flag: Option<&str>) -> (String, &'static str) {
    if let Some(u) = flag {
        return (u.trim().to_string(), "--sandbox-url");
    }
    if let Some(u) = &spec.target.url {
        return (u.trim().to_string(), "target.url in the spec");
    }
    if let Some(u) = std::env::var(SANDBOX_URL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
    {
        return (u.trim().to_string(), "$CONNECT_SSO_SANDBOX_URL");
    }
    (
        format!("http://{DEFAULT_SANDBOX_BIND}"),
        "the default of `connect-sso sandbox serve`",
    )
}

/// Check that a connect-sso sandbox answers at `base`.
pub(crate) async fn probe_sandbox(base: &str, source: &str) -> Result<(), CommandError> {
    let none = || {
        CommandError::error(format!("no sandbox at {base}"))
            .detail(format!("the URL comes from {source}"))
            .hint(
                "run `connect-sso sandbox serve` in another terminal (add --state FILE to keep \
                 state), or `connect-sso demo`",
            )
    };
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(
            CommandError::error(format!("the sandbox URL {base:?} is not an http(s) URL"))
                .detail(format!("the URL comes from {source}"))
                .hint(
                    "use the URL `connect-sso sandbox serve` printed, e.g. http://127.0.0.1:7341",
                ),
        );
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| CommandError::error("could not build an HTTP client").caused_by(&e))?;
    let answer = http
        .get(format!("{base}/aws/_admin/quotas"))
        .send()
        .await
        .map_err(|e| {
            if is_dns_failure(&e) {
                none().cause("the host name does not resolve (DNS)")
            } else if e.is_connect() {
                none().cause("nothing accepts connections there")
            } else if e.is_timeout() {
                none().cause("no answer within 5 s")
            } else {
                none().caused_by(&e)
            }
        })?;
    let looks_right = answer.status().is_success()
        && answer
            .json::<serde_json::Value>()
            .await
            .is_ok_and(|v| v.is_object());
    if looks_right {
        Ok(())
    } else {
        Err(CommandError::error(format!(
            "{base} answers, but it is not a connect-sso sandbox"
        ))
        .detail(format!("the URL comes from {source}"))
        .hint("point --sandbox-url at the URL `connect-sso sandbox serve` printed"))
    }
}

/// A Graph client for the sandbox at `urls`.
pub(crate) fn sandbox_graph(urls: &Urls, tenant_id: &str) -> Result<Graph, CommandError> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (client_id, secret) = match (var("AZURE_CLIENT_ID"), var("AZURE_CLIENT_SECRET")) {
        (Some(id), Some(secret)) => (id, secret),
        _ => (
            entra::TOOL_APP_ID.to_string(),
            entra::TOOL_CLIENT_SECRET.to_string(),
        ),
    };
    Graph::new(EntraConfig {
        tenant_id: tenant_id.to_string(),
        login_url: urls.entra_login(),
        graph_url: urls.graph(),
        credentials: Credentials::ClientSecret {
            client_id,
            client_secret: Secret::new(secret),
        },
        retry: RetryPolicy::default(),
    })
    .map_err(|e| CommandError::error("could not build the Graph client").caused_by(&e))
}

/// An AWS client for the sandbox at `urls`, in `region`.
pub(crate) fn sandbox_aws(urls: &Urls, region: &str) -> Aws {
    Aws::with_endpoints(
        &Endpoint {
            region: region.to_string(),
            access_key_id: TEST_ACCESS_KEY_ID.into(),
            secret_access_key: TEST_SECRET_ACCESS_KEY.into(),
            session_token: None,
            endpoint_url: None,
        },
        &sandbox_endpoints(urls),
    )
}

/// Graph only (what `login` needs): the sandbox is probed, cloud credentials are read.
pub(crate) async fn resolve_graph(
    spec: &Spec,
    sandbox_flag: Option<&str>,
    uses: GraphUse,
) -> Result<(Place, Graph), CommandError> {
    match spec.target.kind {
        TargetKind::Sandbox => {
            let (base, source) = sandbox_url(spec, sandbox_flag);
            let base = base.trim_end_matches('/').to_string();
            probe_sandbox(&base, source).await?;
            let urls = Urls::new(base);
            let graph = sandbox_graph(&urls, &spec.entra.tenant_id)?;
            Ok((Place::Sandbox(urls), graph))
        }
        TargetKind::Cloud => {
            if sandbox_flag.is_some() {
                return Err(CommandError::error(
                    "--sandbox-url is only for a spec whose target is the sandbox",
                )
                .hint("remove --sandbox-url, or set target.kind = \"sandbox\" in the spec"));
            }
            let config = EntraConfig::from_env(Some(&spec.entra.tenant_id)).map_err(|e| {
                CommandError::error("cannot talk to Microsoft Entra ID for the cloud target")
                    .caused_by(&e)
                    .hint(uses.permissions())
                    .hint(
                        "to try without a cloud: `connect-sso demo`, or target.kind = \"sandbox\" \
                         with `connect-sso sandbox serve`",
                    )
            })?;
            let graph = Graph::new(config).map_err(|e| {
                CommandError::error("could not build the Graph client").caused_by(&e)
            })?;
            Ok((Place::Cloud, graph))
        }
    }
}

/// What a command does with Microsoft Graph, so that its messages ask only for the
/// permissions it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GraphUse {
    /// `login`: reads the enterprise app, changes nothing.
    ReadApp,
    /// `plan`, `apply`, `destroy`, `sync`: read and change the app, its policies and
    /// assignments.
    Manage,
}

impl GraphUse {
    /// The Graph permissions, as a hint.
    pub(crate) fn permissions(self) -> &'static str {
        match self {
            GraphUse::ReadApp => crate::commands::login::READ_PERMISSION_HINT,
            GraphUse::Manage => {
                "the app registration needs the Graph application permissions \
                 Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All and \
                 Policy.ReadWrite.ApplicationConfiguration (+ Group.Read.All and User.Read.All), \
                 consented"
            }
        }
    }
}

/// Graph and AWS, with the AWS account checked against the spec.
pub(crate) async fn resolve(
    spec: &Spec,
    sandbox_flag: Option<&str>,
) -> Result<Target, CommandError> {
    let (place, graph) = resolve_graph(spec, sandbox_flag, GraphUse::Manage).await?;
    let cred = &spec.aws.credentials;
    let aws = match &place {
        Place::Sandbox(urls) => sandbox_aws(urls, &spec.aws.region),
        Place::Cloud => {
            Aws::from_credentials(
                &spec.aws.region,
                cred.profile.as_deref(),
                cred.role_arn.as_deref(),
            )
            .await
        }
    };
    check_account(&aws, &spec.aws.account_id, "aws.account_id", &place).await?;
    raise_quotas(&aws, spec).await?;
    let identity_center = match &spec.identity_center {
        Some(ic) => {
            let handle = match &place {
                Place::Sandbox(urls) => sandbox_management_aws(urls, &ic.region),
                Place::Cloud => {
                    Aws::from_credentials(
                        &ic.region,
                        ic.credentials.profile.as_deref(),
                        ic.credentials.role_arn.as_deref(),
                    )
                    .await
                }
            };
            check_account(
                &handle,
                &ic.account_id,
                "identity_center.account_id",
                &place,
            )
            .await?;
            Some(handle)
        }
        None => None,
    };
    let url_map: Box<connect_sso_engine::identity_center::UrlMap> = match &place {
        Place::Sandbox(urls) => {
            let urls = urls.clone();
            Box::new(move |u: &str| urls.to_local(u))
        }
        Place::Cloud => Box::new(|u: &str| u.to_string()),
    };
    Ok(Target {
        place,
        graph,
        aws,
        identity_center,
        url_map,
    })
}

/// The sandbox's management account (IAM Identity Center), in `region`.
pub(crate) fn sandbox_management_aws(urls: &Urls, region: &str) -> Aws {
    Aws::with_endpoints(
        &Endpoint {
            region: region.to_string(),
            access_key_id: connect_sso_sandbox::MANAGEMENT_ACCESS_KEY_ID.into(),
            secret_access_key: connect_sso_sandbox::MANAGEMENT_SECRET_ACCESS_KEY.into(),
            session_token: None,
            endpoint_url: None,
        },
        &sandbox_endpoints(urls),
    )
}

fn sandbox_endpoints(urls: &Urls) -> ServiceEndpoints {
    ServiceEndpoints {
        iam: Some(urls.iam()),
        sts: Some(urls.sts()),
        connect: Some(urls.connect()),
        sso_admin: Some(urls.sso_admin()),
        identitystore: Some(format!("{}/aws/identitystore", urls.base())),
    }
}

/// Apply the spec's raised API quotas (`aws.rate_limits`) to the process-wide pacer of the
/// account and Region, which every caller in this process shares.
async fn raise_quotas(aws: &Aws, spec: &Spec) -> Result<(), CommandError> {
    if spec.aws.rate_limits.is_empty() {
        return Ok(());
    }
    let pacer = aws
        .pacer()
        .await
        .map_err(|e| CommandError::error("could not set up API pacing").caused_by(&e))?;
    for (api, limit) in &spec.aws.rate_limits {
        let Some((service, operation)) = api.split_once(':') else {
            continue; // refused by spec validation
        };
        let rate = f64::from(limit.rate);
        let burst = f64::from(limit.burst.unwrap_or(limit.rate));
        let limit = connect_sso_aws::Limit::new(rate, burst).map_err(|e| {
            CommandError::error(format!("aws.rate_limits.{api} is not a usable quota"))
                .caused_by(&e)
        })?;
        pacer.set_limit(service, operation, limit);
    }
    Ok(())
}

/// Refuse to go on unless the AWS credentials belong to the spec's account.
async fn check_account(
    aws: &Aws,
    expected: &str,
    field: &str,
    place: &Place,
) -> Result<(), CommandError> {
    let actual = aws.account_id().await.map_err(|e| {
        let err =
            CommandError::error("could not find out which AWS account the credentials belong to")
                .caused_by(&e);
        match (e.hint(), place) {
            (Some(h), _) => err.hint(h),
            (None, Place::Cloud) => err.hint(
                "configure AWS credentials for the account: AWS_PROFILE (after `aws sso login`), \
                 or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            ),
            (None, Place::Sandbox(_)) => err,
        }
    })?;
    if actual == expected {
        return Ok(());
    }
    let err = CommandError::error(format!(
        "refusing to act: the AWS credentials belong to account {actual}, but the spec is for \
         account {expected}{}",
        if field == "aws.account_id" {
            String::new()
        } else {
            format!(" ({field})")
        }
    ));
    Err(match place {
        Place::Cloud => err.hint(format!(
            "use credentials for account {expected} (e.g. AWS_PROFILE=…), or correct {field} in \
             the spec if {actual} is really the one"
        )),
        Place::Sandbox(_) => err.hint(format!(
            "the sandbox emulates account {actual}: set {field} = \"{actual}\" in the spec"
        )),
    })
}

/// The IdP-initiated sign-in URL a person opens: the sandbox's sign-in page for the app, or
/// Entra's My Apps link for it.
pub(crate) fn sign_in_url(place: &Place, tenant_id: &str, app_id: &str) -> String {
    match place {
        Place::Sandbox(urls) => sandbox_launch_url(urls, tenant_id, app_id),
        Place::Cloud => my_apps_url(tenant_id, app_id),
    }
}

/// The sandbox's IdP-initiated sign-in page of an app (what a My Apps tile opens).
pub(crate) fn sandbox_launch_url(urls: &Urls, tenant_id: &str, app_id: &str) -> String {
    format!("{}/entra/{tenant_id}/signin/{app_id}", urls.base())
}

/// Entra's My Apps link straight to an app.
pub(crate) fn my_apps_url(tenant_id: &str, app_id: &str) -> String {
    format!("https://myapps.microsoft.com/signin/{app_id}?tenantId={tenant_id}")
}

/// Entra's IdP-initiated "User access URL" of a SAML app (shown on the app's Properties
/// page) [I: not in docs/facts.md; the form Entra shows for enterprise apps].
pub(crate) fn entra_user_access_url(tenant_id: &str, app_id: &str) -> String {
    format!("https://launcher.myapps.microsoft.com/api/signin/{app_id}?tenantId={tenant_id}")
}

/// A name that does not resolve (reqwest reports it as a connect error too).
fn is_dns_failure(e: &reqwest::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        let text = err.to_string();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return true;
        }
        next = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use connect_sso_aws::Pacer;

    use super::*;

    #[tokio::test]
    async fn raised_quotas_in_the_spec_reach_the_pacer_every_call_waits_in() {
        let text = connect_sso_spec::starter(&connect_sso_spec::StarterValues {
            tenant_id: connect_sso_sandbox::entra::DEFAULT_TENANT_ID.into(),
            account_id: connect_sso_sandbox::TEST_ACCOUNT_ID.into(),
            region: connect_sso_sandbox::TEST_REGION.into(),
            instance_alias: "acme-contact".into(),
            target: connect_sso_spec::TargetKind::Sandbox,
            admin_username: "bob@contoso.com".into(),
        })
        .replace(
            "[connect]",
            "[aws.rate_limits]\n\"connect:CreateUser\" = { rate = 10, burst = 15 }\n\n[connect]",
        );
        let spec = Spec::parse(&text).expect("valid spec");
        let urls = connect_sso_sandbox::Urls::new("http://127.0.0.1:9".into());
        let pacer = Arc::new(Pacer::default());
        let aws = sandbox_aws(&urls, &spec.aws.region).with_pacer(pacer.clone());
        raise_quotas(&aws, &spec).await.expect("applied");
        let limit = pacer.limit("connect", "CreateUser");
        assert!((limit.rate() - 10.0).abs() < f64::EPSILON);
        assert!((limit.burst() - 15.0).abs() < f64::EPSILON);
        // Others keep the documented default (2/s).
        assert!((pacer.limit("connect", "DeleteUser").rate() - 2.0).abs() < f64::EPSILON);
    }
}
