//! IAM resources in the Connect account: the SAML provider, the federation role and its policy.

pub mod federation_policy;
pub mod federation_role;
pub mod saml_provider;
