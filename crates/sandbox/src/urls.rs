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
    /// Identity store endpoint (`AWS_ENDPOINT_URL_IDENTITYSTORE`; signing name `identitystore`).
    pub fn identitystore(&self) -> String {
        format!("{}/aws/identitystore", self.base)
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
    /// Map a real cloud URL (AWS sign-in, console federate, Entra login, IAM Identity Center's
    /// ACS, access portal, application metadata and SCIM endpoint) to the sandbox URL a browser
    /// should be sent to. Other URLs are returned unchanged.
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
        if let Some(local) = identity_center_path(url) {
            return format!("{b}/aws/identity-center{local}");
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
            (
                "AWS_ENDPOINT_URL_IDENTITYSTORE".into(),
                self.identitystore(),
            ),
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

/// `https://{host}{path}` split into host and path (`""` or starting with `/`, `?` or `#`).
fn split_https(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("https://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some((&rest[..end], &rest[end..]))
}

/// True for one plain DNS label: lower-case letters, digits and dashes, not empty.
fn is_label(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `path` without the segment prefix `prefix` (which must end there or at `/`, `?`, `#`).
fn strip_segment<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with(['/', '?', '#'])).then_some(rest)
}

/// The path under `/aws/identity-center` of an IAM Identity Center URL
/// (docs/design/brokered.md, "Sandbox wire contract"): the ACS
/// `https://<region>.signin.aws/platform/saml/acs/…`, the access portal
/// `https://<store>.awsapps.com/start…`, application metadata
/// `https://portal.sso.<region>.amazonaws.com/saml/metadata/…` and SCIM
/// `https://scim.<region>.amazonaws.com/<tenant>/scim/v2…`.
fn identity_center_path(url: &str) -> Option<String> {
    let (host, path) = split_https(url)?;
    if host.strip_suffix(".signin.aws").is_some_and(is_label) {
        return path
            .starts_with("/platform/saml/acs/")
            .then(|| path.to_string());
    }
    if host.strip_suffix(".awsapps.com").is_some_and(is_label) {
        return strip_segment(path, "/start").map(|rest| format!("/start{rest}"));
    }
    let portal = host
        .strip_prefix("portal.sso.")
        .and_then(|h| h.strip_suffix(".amazonaws.com"));
    if portal.is_some_and(is_label) {
        return path
            .starts_with("/saml/metadata/")
            .then(|| path.to_string());
    }
    let scim = host
        .strip_prefix("scim.")
        .and_then(|h| h.strip_suffix(".amazonaws.com"));
    if scim.is_some_and(is_label) {
        let (tenant, rest) = path.strip_prefix('/')?.split_once('/')?;
        let rest = strip_segment(&format!("/{rest}"), "/scim/v2")?.to_string();
        return is_tenant(tenant).then(|| format!("/scim/v2{rest}"));
    }
    None
}

/// A SCIM tenant ID: letters, digits and dashes.
fn is_tenant(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
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

    #[test]
    fn identity_center_urls_map_to_local_ones() {
        let u = Urls::new("http://127.0.0.1:9".into());
        let ic = "http://127.0.0.1:9/aws/identity-center";
        let cases = [
            (
                "https://us-east-1.signin.aws/platform/saml/acs/4f1c2a57-7223-4d6e-9a0b-5a4d1b0c0001",
                format!("{ic}/platform/saml/acs/4f1c2a57-7223-4d6e-9a0b-5a4d1b0c0001"),
            ),
            (
                "https://d-9067c0ffee.awsapps.com/start",
                format!("{ic}/start"),
            ),
            (
                "https://d-9067c0ffee.awsapps.com/start/#/?tab=applications",
                format!("{ic}/start/#/?tab=applications"),
            ),
            (
                "https://portal.sso.us-east-1.amazonaws.com/saml/metadata/OTk5OTg4ODg3Nzc3X2FwbC0x",
                format!("{ic}/saml/metadata/OTk5OTg4ODg3Nzc3X2FwbC0x"),
            ),
            (
                "https://scim.us-east-1.amazonaws.com/Abc-123/scim/v2",
                format!("{ic}/scim/v2"),
            ),
            (
                "https://scim.us-east-1.amazonaws.com/Abc-123/scim/v2/Users?filter=x",
                format!("{ic}/scim/v2/Users?filter=x"),
            ),
        ];
        for (real, local) in cases {
            assert_eq!(u.to_local(real), local, "{real}");
        }
    }

    #[test]
    fn identity_center_look_alikes_are_left_alone() {
        let u = Urls::new("http://127.0.0.1:9".into());
        let hostile = [
            "https://us-east-1.signin.aws.evil.example/platform/saml/acs/x",
            "https://evil.example/us-east-1.signin.aws/platform/saml/acs/x",
            "https://evil.example@us-east-1.signin.aws/platform/saml/acs/x",
            "https://us-east-1.signin.aws@evil.example/platform/saml/acs/x",
            "https://a.b.signin.aws/platform/saml/acs/x",
            "https://us-east-1.signin.aws/platform/saml/other",
            "http://d-9067c0ffee.awsapps.com/start",
            "https://d-9067c0ffee.awsapps.com.evil.example/start",
            "https://evil.example?.awsapps.com/start",
            "https://d-9067c0ffee.awsapps.com/startle",
            "https://portal.sso.us-east-1.amazonaws.com.evil.example/saml/metadata/x",
            "https://portal.sso.evil.example.amazonaws.com/saml/metadata/x",
            "https://portal.sso.us-east-1.amazonaws.com/saml/other",
            "https://scim.us-east-1.amazonaws.com/t/scim/v2x",
            "https://scim.us-east-1.amazonaws.com/t/other/scim/v2",
            "https://scim.evil.example:443.amazonaws.com/t/scim/v2",
        ];
        for url in hostile {
            assert_eq!(u.to_local(url), url, "{url}");
        }
    }
}
