//! AWS adapter: observe and change IAM, STS, Amazon Connect and IAM Identity Center through
//! aws-sdk-rust. This is the only crate that depends on the AWS SDK.
//!
//! Every call the adapter makes first waits in the [`pacer`] of its account and Region: one
//! token bucket per API, shared by every caller in the process, with the documented defaults
//! ([`pacer::PacerLimits::documented`]) and overrides for raised quotas.

mod client;
pub mod connect;
mod error;
pub mod iam;
pub mod identity_center;
pub mod pacer;

pub use client::Aws;
pub use error::Error;
pub use pacer::{Limit, Pacer, PacerLimits};

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;

/// Where and as whom the SDK clients talk.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Region, e.g. `us-east-1`.
    pub region: String,
    /// Access key ID.
    pub access_key_id: String,
    /// Secret access key (redacted in Debug).
    pub secret_access_key: String,
    /// Session token for temporary credentials.
    pub session_token: Option<String>,
    /// Endpoint URL used for every service (the sandbox routes by path prefix, so callers
    /// usually set the per-service URLs instead: see [`ServiceEndpoints`]).
    pub endpoint_url: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("endpoint_url", &self.endpoint_url)
            .finish()
    }
}

/// Per-service endpoint URLs (as in `AWS_ENDPOINT_URL_IAM` and friends).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceEndpoints {
    /// IAM endpoint.
    pub iam: Option<String>,
    /// STS endpoint.
    pub sts: Option<String>,
    /// Amazon Connect endpoint.
    pub connect: Option<String>,
    /// IAM Identity Center admin endpoint.
    pub sso_admin: Option<String>,
    /// IAM Identity Center's identity store endpoint.
    pub identitystore: Option<String>,
}

/// An SDK configuration with static credentials, a region and an optional endpoint URL, and
/// the SDK's standard retry strategy (3 attempts, exponential backoff with jitter; throttling
/// and 5xx answers and dropped connections are retried). Nothing is read from the environment
/// or from profile files.
pub fn sdk_config_for(endpoint: &Endpoint) -> aws_config::SdkConfig {
    let credentials = Credentials::new(
        endpoint.access_key_id.clone(),
        endpoint.secret_access_key.clone(),
        endpoint.session_token.clone(),
        None,
        "connect-sso",
    );
    let mut builder = aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(endpoint.region.clone()))
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
        )
        .retry_config(aws_config::retry::RetryConfig::standard())
        .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new());
    if let Some(url) = &endpoint.endpoint_url {
        builder = builder.endpoint_url(url.clone());
    }
    builder.build()
}

/// Clients for the four services, each with its own endpoint override where given.
#[derive(Debug, Clone)]
pub struct Clients {
    /// IAM.
    pub iam: aws_sdk_iam::Client,
    /// STS.
    pub sts: aws_sdk_sts::Client,
    /// Amazon Connect.
    pub connect: aws_sdk_connect::Client,
    /// IAM Identity Center admin.
    pub sso_admin: aws_sdk_ssoadmin::Client,
    /// IAM Identity Center's identity store.
    pub identitystore: aws_sdk_identitystore::Client,
}

impl Clients {
    /// Build the clients from a shared configuration and per-service endpoints.
    pub fn new(config: &aws_config::SdkConfig, endpoints: &ServiceEndpoints) -> Self {
        let iam = {
            let mut b = aws_sdk_iam::config::Builder::from(config);
            if let Some(u) = &endpoints.iam {
                b = b.endpoint_url(u.clone());
            }
            aws_sdk_iam::Client::from_conf(b.build())
        };
        let sts = {
            let mut b = aws_sdk_sts::config::Builder::from(config);
            if let Some(u) = &endpoints.sts {
                b = b.endpoint_url(u.clone());
            }
            aws_sdk_sts::Client::from_conf(b.build())
        };
        let connect = {
            let mut b = aws_sdk_connect::config::Builder::from(config);
            if let Some(u) = &endpoints.connect {
                b = b.endpoint_url(u.clone());
            }
            aws_sdk_connect::Client::from_conf(b.build())
        };
        let sso_admin = {
            let mut b = aws_sdk_ssoadmin::config::Builder::from(config);
            if let Some(u) = &endpoints.sso_admin {
                b = b.endpoint_url(u.clone());
            }
            aws_sdk_ssoadmin::Client::from_conf(b.build())
        };
        let identitystore = {
            let mut b = aws_sdk_identitystore::config::Builder::from(config);
            if let Some(u) = &endpoints.identitystore {
                b = b.endpoint_url(u.clone());
            }
            aws_sdk_identitystore::Client::from_conf(b.build())
        };
        Self {
            iam,
            sts,
            connect,
            sso_admin,
            identitystore,
        }
    }
}
