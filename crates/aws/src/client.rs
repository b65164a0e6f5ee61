use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::error::{Error, api};

/// The AWS clients connect-sso uses, for one account and region. Endpoints come from the SDK
/// configuration, so `AWS_ENDPOINT_URL_IAM` and friends (set by `connect-sso sandbox env`)
/// point the very same code at the sandbox.
#[derive(Debug, Clone)]
pub struct Aws {
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) connect: aws_sdk_connect::Client,
    pub(crate) sts: aws_sdk_sts::Client,
    region: String,
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

    fn from_clients(c: crate::Clients, region: &str) -> Self {
        Self {
            iam: c.iam,
            connect: c.connect,
            sts: c.sts,
            region: region.to_string(),
        }
    }

    /// The region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account the credentials belong to (STS GetCallerIdentity).
    pub async fn account_id(&self) -> Result<String, Error> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| api("STS", "GetCallerIdentity", e.into_service_error()))?;
        out.account().map(str::to_string).ok_or(Error::Incomplete {
            service: "STS",
            operation: "GetCallerIdentity",
            what: "an account",
        })
    }
}
