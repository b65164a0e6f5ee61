//! Values derived from a spec, computed in one place so that every command agrees on them.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

use crate::{SigningAlgorithm, Spec};

/// Global AWS sign-in endpoint: identifier (entity ID) and default Reply URL (docs/facts.md §4).
pub const AWS_SIGNIN_URL: &str = "https://signin.aws.amazon.com/saml";
/// AWS GovCloud sign-in endpoint [I: not in docs/facts.md; AWS GovCloud user guide].
pub const AWS_GOV_SIGNIN_URL: &str = "https://signin.amazonaws-us-gov.com/saml";
/// Tag key put on every AWS resource the tool creates; its value is the spec's app name.
pub const MANAGED_TAG: &str = "connect-sso:managed-by";

/// The AWS partition of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Partition {
    /// Commercial regions (`aws`).
    Aws,
    /// GovCloud (`aws-us-gov`).
    AwsUsGov,
    /// China (`aws-cn`).
    AwsCn,
}

impl Partition {
    /// The partition of `region`.
    pub fn of_region(region: &str) -> Self {
        if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else if region.starts_with("cn-") {
            Partition::AwsCn
        } else {
            Partition::Aws
        }
    }
    /// The ARN partition string.
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsCn => "aws-cn",
        }
    }
}

/// Everything derived from a spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Derived {
    /// ARN partition.
    pub partition: Partition,
    /// `arn:<partition>:iam::<acct>:saml-provider/<name>`.
    pub provider_arn: String,
    /// `arn:<partition>:iam::<acct>:role/<name>`.
    pub role_arn: String,
    /// The value of the Role claim and of every app role: `roleArn,providerArn` (docs/facts.md §3, §4).
    pub role_claim_value: String,
    /// Entra identifier (entity ID), with `#n` for the n-th AWS app in the tenant.
    pub identifier: String,
    /// Entra Reply URL (ACS): never carries `#n`.
    pub reply_url: String,
    /// The audience the assertion will carry (identifier without `#n`, as Entra sends it).
    pub audience: String,
    /// Values the trust policy accepts for `SAML:aud` (comes from the Recipient).
    pub saml_aud: Vec<String>,
    /// The SAML signature algorithm URI.
    pub signature_algorithm: &'static str,
}

impl Derived {
    /// Derive from a (valid) spec.
    pub fn from_spec(spec: &Spec) -> Self {
        let partition = Partition::of_region(&spec.aws.region);
        let p = partition.as_str();
        let acct = &spec.aws.account_id;
        let provider_arn = format!(
            "arn:{p}:iam::{acct}:saml-provider/{}",
            spec.aws.saml_provider
        );
        let role_arn = format!("arn:{p}:iam::{acct}:role/{}", spec.aws.federation_role);
        let global = match partition {
            Partition::AwsUsGov => AWS_GOV_SIGNIN_URL.to_string(),
            _ => AWS_SIGNIN_URL.to_string(),
        };
        let regional = format!("https://{}.signin.aws.amazon.com/saml", spec.aws.region);
        let use_regional = spec.aws.regional_signin && partition == Partition::Aws;
        let reply_url = if use_regional {
            regional.clone()
        } else {
            global.clone()
        };
        let identifier = match spec.entra.app_instance {
            0 | 1 => global.clone(),
            n => format!("{global}#{n}"),
        };
        let saml_aud = if use_regional {
            vec![global.clone(), regional]
        } else {
            vec![global.clone()]
        };
        Derived {
            partition,
            role_claim_value: format!("{role_arn},{provider_arn}"),
            provider_arn,
            role_arn,
            identifier,
            reply_url,
            audience: if spec.topology == crate::Topology::Brokered {
                IC_APPLICATION_AUDIENCE.to_string()
            } else {
                global
            },
            saml_aud,
            signature_algorithm: match spec.entra.signing_algorithm {
                SigningAlgorithm::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                SigningAlgorithm::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            },
        }
    }

    /// The relay state: the Connect federate URL for an instance, with the spec's destination
    /// URL-encoded (docs/facts.md §2). GovCloud uses the GovCloud console host.
    pub fn relay_state(spec: &Spec, instance_id: &str) -> String {
        let base = match Partition::of_region(&spec.aws.region) {
            Partition::AwsUsGov => {
                format!("https://console.amazonaws-us-gov.com/connect/federate/{instance_id}")
            }
            _ => format!(
                "https://{}.console.aws.amazon.com/connect/federate/{instance_id}",
                spec.aws.region
            ),
        };
        match &spec.connect.destination {
            Some(dest) => {
                let encoded = utf8_percent_encode(dest, COMPONENT);
                format!("{base}?destination={encoded}&new_domain=true")
            }
            None => base,
        }
    }

    /// The federation role's trust policy (docs/facts.md §3).
    pub fn trust_policy(&self) -> serde_json::Value {
        let aud: serde_json::Value = if self.saml_aud.len() == 1 {
            self.saml_aud[0].clone().into()
        } else {
            self.saml_aud.clone().into()
        };
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Federated": self.provider_arn },
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": { "StringEquals": { "SAML:aud": aud } }
            }]
        })
    }

    /// The federation role's permission policy: `connect:GetFederationToken` on the signed-in
    /// user of this instance only (docs/facts.md §2).
    pub fn federation_policy(
        &self,
        region: &str,
        account_id: &str,
        instance_id: &str,
    ) -> serde_json::Value {
        let p = self.partition.as_str();
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "FederateIntoConnect",
                "Effect": "Allow",
                "Action": "connect:GetFederationToken",
                "Resource": format!(
                    "arn:{p}:connect:{region}:{account_id}:instance/{instance_id}/user/${{aws:userid}}"
                )
            }]
        })
    }
}

/// SAML claim type of the role session name (docs/facts.md §3).
pub const CLAIM_ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
/// SAML claim type of the role pairs (docs/facts.md §3).
pub const CLAIM_ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// SAML claim type of the session duration (docs/facts.md §3).
pub const CLAIM_SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";

/// The audience of Identity Center's "Amazon Connect" application (docs/facts.md §3).
pub const IC_APPLICATION_AUDIENCE: &str = "urn:amazon:webservices";
/// The Identity Center attribute that holds a user's e-mail address.
pub const IC_USER_EMAIL: &str = "${user:email}";
/// SAML NameID format of an e-mail address.
pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/// SAML attribute/NameID format "unspecified" (what Identity Center's console calls it).
pub const FORMAT_UNSPECIFIED: &str = "unspecified";

/// One attribute mapping of Identity Center's "Amazon Connect" application, as the console's
/// "Attribute mappings" tab takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct AttributeMapping {
    /// "User attribute in the application" (`Subject` or a SAML attribute name).
    pub attribute: String,
    /// "Maps to this string value or user attribute in IAM Identity Center".
    pub value: String,
    /// "Format": `emailAddress` or `unspecified`.
    pub format: String,
}

impl Derived {
    /// The application's ACS URL: AWS sign-in (regional when the spec says so).
    pub fn aws_signin_url(spec: &Spec) -> String {
        Derived::from_spec(&Spec {
            topology: crate::Topology::Direct,
            ..spec.clone()
        })
        .reply_url
    }

    /// The three attribute mappings the application needs (docs/design/brokered.md): the
    /// Subject and the RoleSessionName from the user's e-mail address (so Connect usernames are
    /// e-mail addresses), and the Role pair with no space.
    pub fn ic_attribute_mappings(&self) -> Vec<AttributeMapping> {
        let m = |attribute: &str, value: &str, format: &str| AttributeMapping {
            attribute: attribute.into(),
            value: value.into(),
            format: format.into(),
        };
        vec![
            m("Subject", IC_USER_EMAIL, "emailAddress"),
            m(CLAIM_ROLE_SESSION_NAME, IC_USER_EMAIL, FORMAT_UNSPECIFIED),
            m(CLAIM_ROLE, &self.role_claim_value, FORMAT_UNSPECIFIED),
        ]
    }

    /// Display name of the claims-mapping policy the tool manages for a spec's app.
    pub fn claims_policy_name(spec: &Spec) -> String {
        format!("connect-sso: {}", spec.entra.app_name)
    }

    /// The claims-mapping policy definition (docs/facts.md §4): RoleSessionName from the UPN,
    /// Role from the assigned app roles, and SessionDuration as a constant when set.
    /// Keys are case-sensitive.
    pub fn claims_policy(spec: &Spec) -> serde_json::Value {
        let mut schema = vec![
            serde_json::json!({"Source": "user", "ID": "userprincipalname", "SamlClaimType": CLAIM_ROLE_SESSION_NAME}),
            serde_json::json!({"Source": "user", "ID": "assignedroles", "SamlClaimType": CLAIM_ROLE}),
        ];
        if let Some(d) = spec.entra.session_duration {
            schema.push(serde_json::json!({"Value": d.to_string(), "SamlClaimType": CLAIM_SESSION_DURATION}));
        }
        serde_json::json!({
            "ClaimsMappingPolicy": {
                "Version": 1,
                "IncludeBasicClaimSet": "true",
                "ClaimsSchema": schema
            }
        })
    }
}

/// Characters percent-encoded in a query component: everything but unreserved ones.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
