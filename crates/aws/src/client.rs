use std::sync::Arc;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use tokio::sync::OnceCell;

use crate::error::{Error, sdk};
use crate::pacer::{self, Pacer};

/// The AWS clients connect-sso uses, for one account and region. Endpoints come from the SDK
/// configuration, so `AWS_ENDPOINT_URL_IAM` and friends (set by `connect-sso sandbox env`)
/// point the very same code at the sandbox.
///
/// Every API call first waits for its token in the [`Pacer`] of the account and Region (see
/// [`crate::pacer`]): the process-wide one from [`pacer::shared`] unless one was given with
/// [`Aws::with_pacer`]. The account is found out with STS GetCallerIdentity on the first call
/// (once per handle and its clones), unless given with [`Aws::with_account`].
#[derive(Debug, Clone)]
pub struct Aws {
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) connect: aws_sdk_connect::Client,
    pub(crate) sts: aws_sdk_sts::Client,
    pub(crate) sso_admin: aws_sdk_ssoadmin::Client,
    pub(crate) identitystore: aws_sdk_identitystore::Client,
    region: String,
    account: Arc<OnceCell<String>>,
    pacer: Arc<OnceCell<Arc<Pacer>>>,
}

impl Aws {
    /// Clients from the standard credential chain (environment, profiles, SSO, …) for `region`,
    /// with adaptive retries (throttling is retried with backoff, up to 8 attempts).
    pub async fn from_env(region: &str) -> Self {
        let cfg = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .retry_config(RetryConfig::adaptive().with_max_attempts(8))
            .load()
            .await;
        Self::from_sdk_config(&cfg, region)
    }

    /// AWS from a named profile, or a role assumed from the default chain (the spec's
    /// `credentials`), with the adapter's retries; both `None`: [`Aws::from_env`].
    pub async fn from_credentials(
        region: &str,
        profile: Option<&str>,
        role_arn: Option<&str>,
    ) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .retry_config(RetryConfig::adaptive().with_max_attempts(8));
        if let Some(p) = profile {
            loader = loader.profile_name(p);
        }
        let mut cfg = loader.load().await;
        if let Some(arn) = role_arn {
            let provider = aws_config::sts::AssumeRoleProvider::builder(arn)
                .session_name("connect-sso")
                .region(Region::new(region.to_string()))
                .configure(&cfg)
                .build()
                .await;
            cfg = cfg
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }
        Self::from_sdk_config(&cfg, region)
    }

    /// Clients from an SDK configuration (its endpoints, or the per-service ones it resolves).
    pub fn from_sdk_config(cfg: &SdkConfig, region: &str) -> Self {
        Self::from_clients(
            crate::Clients::new(cfg, &crate::ServiceEndpoints::default()),
            region,
        )
    }

    /// Clients with static credentials and per-service endpoints (the sandbox, or any emulator),
    /// with adaptive retries like [`Aws::from_env`].
    pub fn with_endpoints(endpoint: &crate::Endpoint, endpoints: &crate::ServiceEndpoints) -> Self {
        let cfg = crate::sdk_config_for(endpoint)
            .into_builder()
            .retry_config(RetryConfig::adaptive().with_max_attempts(8))
            .build();
        Self::from_clients(crate::Clients::new(&cfg, endpoints), &endpoint.region)
    }

    /// The adapter over clients built elsewhere (their retry configuration as it is), for
    /// `region`.
    pub fn from_clients(c: crate::Clients, region: &str) -> Self {
        Self {
            iam: c.iam,
            connect: c.connect,
            sts: c.sts,
            sso_admin: c.sso_admin,
            identitystore: c.identitystore,
            region: region.to_string(),
            account: Arc::default(),
            pacer: Arc::default(),
        }
    }

    /// The same handle, with its calls paced by `pacer` instead of the process-wide pacer of
    /// its account and Region (tests; or a pacer with raised limits kept apart). Clones made
    /// afterwards share it.
    pub fn with_pacer(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = Arc::new(OnceCell::new_with(Some(pacer)));
        self
    }

    /// The same handle, told which account its credentials belong to (saves the STS call that
    /// would find it out; [`Aws::account_id`] then answers this without asking).
    pub fn with_account(mut self, account: &str) -> Self {
        self.account = Arc::new(OnceCell::new_with(Some(account.to_string())));
        if !self.pacer.initialized() {
            self.pacer = Arc::default();
        }
        self
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account the credentials belong to (STS GetCallerIdentity, asked once per handle).
    pub async fn account_id(&self) -> Result<String, Error> {
        self.account
            .get_or_try_init(|| async {
                // Before the account is known, the call is paced by the given pacer, or by the
                // Region's pacer for accounts not yet known.
                let pacer = match self.pacer.get() {
                    Some(p) => p.clone(),
                    None => pacer::shared(pacer::UNKNOWN_ACCOUNT, &self.region),
                };
                pacer.acquire("sts", "GetCallerIdentity").await;
                let out = self
                    .sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(|e| sdk("STS", "GetCallerIdentity", e))?;
                out.account().map(str::to_string).ok_or(Error::Incomplete {
                    service: "STS",
                    operation: "GetCallerIdentity",
                    what: "an account",
                })
            })
            .await
            .cloned()
    }

    /// The pacer this handle's calls wait in: the one given with [`Aws::with_pacer`], else the
    /// process-wide one of the account and Region ([`pacer::shared`]). Raise its limits with
    /// [`Pacer::set_limit`] after a quota increase; that applies to every handle of the
    /// account and Region in the process.
    pub async fn pacer(&self) -> Result<Arc<Pacer>, Error> {
        self.pacer
            .get_or_try_init(|| async {
                let account = self.account_id().await?;
                Ok(pacer::shared(&account, &self.region))
            })
            .await
            .cloned()
    }

    /// Wait for a token for `operation` of `service` (`connect`, `iam`, `sts`).
    pub(crate) async fn pace(
        &self,
        service: &'static str,
        operation: &'static str,
    ) -> Result<(), Error> {
        self.pacer().await?.acquire(service, operation).await;
        Ok(())
    }
}
