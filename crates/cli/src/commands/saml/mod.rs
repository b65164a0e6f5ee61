//! `connect-sso saml …`: check and read SAML responses.

pub(crate) mod inspect;
pub(crate) mod verify;

/// Short names of the XML-DSig algorithm URIs users meet; others are shown as they are.
pub(crate) fn algorithm_name(uri: &str) -> &str {
    use connect_sso_saml::ns;
    match uri {
        ns::RSA_SHA256 => "rsa-sha256",
        ns::RSA_SHA1 => "rsa-sha1",
        ns::SHA256 => "sha256",
        ns::SHA1 => "sha1",
        other => other,
    }
}
