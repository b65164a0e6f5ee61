/// The sandbox's base URL and the mapping from real cloud URLs to local ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    base: String,
}

impl Urls {
    /// For a sandbox served at `base` (e.g. `http://127.0.0.1:4566`, no trailing slash).
    pub fn new(base: String) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
        }
    }
    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }
    /// IAM endpoint (`AWS_ENDPOINT_URL_IAM`).
    pub fn iam(&self) -> String {
        format!("{}/aws/iam", self.base)
    }
    /// STS endpoint (`AWS_ENDPOINT_URL_STS`).
    pub fn sts(&self) -> String {
        format!("{}/aws/sts", self.base)
    }
    /// Amazon Connect endpoint (`AWS_ENDPOINT_URL_CONNECT`).
    pub fn connect(&self) -> String {
        format!("{}/aws/connect", self.base)
    }
    /// Identity Center admin endpoint (`AWS_ENDPOINT_URL_SSO_ADMIN`).
    pub fn sso_admin(&self) -> String {
        format!("{}/aws/sso-admin", self.base)
    }
    /// Local AWS sign-in ACS (stands for `https://signin.aws.amazon.com/saml`).
    pub fn signin(&self) -> String {
        format!("{}/aws/signin/saml", self.base)
    }
    /// Entra login host (stands for `https://login.microsoftonline.com`).
    pub fn entra_login(&self) -> String {
        format!("{}/entra", self.base)
    }
    /// Microsoft Graph root (stands for `https://graph.microsoft.com`); append `/v1.0/...`.
    pub fn graph(&self) -> String {
        format!("{}/entra/graph", self.base)
    }
    /// Map a real cloud URL (AWS sign-in, console federate, Entra login) to the sandbox URL a
    /// browser should be sent to. Other URLs are returned unchanged.
    pub fn to_local(&self, url: &str) -> String {
        let b = &self.base;
        if let Some(rest) = strip_signin(url) {
            return format!("{b}/aws/signin/saml{rest}");
        }
        if let Some((region, rest)) = strip_console(url) {
            // The console's Region is kept in the path: Connect instances are per Region.
            return match region {
                Some(region) => format!("{b}/aws/console/{region}{rest}"),
                None => format!("{b}/aws/console{rest}"),
            };
        }
        if let Some(rest) = url.strip_prefix("https://login.microsoftonline.com") {
            return format!("{b}/entra{rest}");
        }
        url.to_string()
    }
    /// Environment for unmodified AWS clients and the Entra adapter pointed at this sandbox.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL_IAM".into(), self.iam()),
            ("AWS_ENDPOINT_URL_STS".into(), self.sts()),
            ("AWS_ENDPOINT_URL_CONNECT".into(), self.connect()),
            ("AWS_ENDPOINT_URL_SSO_ADMIN".into(), self.sso_admin()),
            ("AWS_ACCESS_KEY_ID".into(), crate::TEST_ACCESS_KEY_ID.into()),
            (
                "AWS_SECRET_ACCESS_KEY".into(),
                crate::TEST_SECRET_ACCESS_KEY.into(),
            ),
            ("AWS_REGION".into(), crate::TEST_REGION.into()),
            // AWS CLI v1 and boto3 read only this one.
            ("AWS_DEFAULT_REGION".into(), crate::TEST_REGION.into()),
            ("CONNECT_SSO_ENTRA_LOGIN_URL".into(), self.entra_login()),
            ("CONNECT_SSO_GRAPH_URL".into(), self.graph()),
            // connect-sso itself (`[target] kind = "sandbox"` with no URL of its own).
            ("CONNECT_SSO_SANDBOX_URL".into(), self.base().to_string()),
        ]
    }
}

/// `https://signin.aws.amazon.com/saml…` or `https://<region>.signin.aws.amazon.com/saml…`.
fn strip_signin(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://")?;
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let ok = host == "signin.aws.amazon.com"
        || host
            .strip_suffix(".signin.aws.amazon.com")
            .is_some_and(|r| !r.contains('.'));
    if !ok {
        return None;
    }
    let path_off = url.len() - path.len();
    url.get(path_off..)?.strip_prefix("saml")
}

/// `https://<region>.console.aws.amazon.com/…` (its Region and path), or
/// `https://console.aws.amazon.com/…` / `https://console.amazonaws-us-gov.com/…` (no Region).
fn strip_console(url: &str) -> Option<(Option<&str>, &str)> {
    let rest = url.strip_prefix("https://")?;
    let slash = rest.find('/')?;
    let host = &rest[..slash];
    if host == "console.aws.amazon.com" || host == "console.amazonaws-us-gov.com" {
        return Some((None, &rest[slash..]));
    }
    let region = host.strip_suffix(".console.aws.amazon.com")?;
    let plain = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    plain.then(|| (Some(region), &rest[slash..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_urls_map_to_local_ones() {
        let u = Urls::new("http://127.0.0.1:9".into());
        assert_eq!(
            u.to_local("https://signin.aws.amazon.com/saml"),
            "http://127.0.0.1:9/aws/signin/saml"
        );
        assert_eq!(
            u.to_local("https://eu-west-2.signin.aws.amazon.com/saml"),
            "http://127.0.0.1:9/aws/signin/saml"
        );
        assert_eq!(
            u.to_local("https://us-east-1.console.aws.amazon.com/connect/federate/abc?destination=%2Fccp-v2"),
            "http://127.0.0.1:9/aws/console/us-east-1/connect/federate/abc?destination=%2Fccp-v2"
        );
        assert_eq!(
            u.to_local("https://console.amazonaws-us-gov.com/connect/federate/abc"),
            "http://127.0.0.1:9/aws/console/connect/federate/abc"
        );
        assert_eq!(
            u.to_local("https://evil.example/saml"),
            "https://evil.example/saml"
        );
        assert_eq!(
            u.to_local("https://signin.aws.amazon.com.evil.example/saml"),
            "https://signin.aws.amazon.com.evil.example/saml"
        );
    }
}
