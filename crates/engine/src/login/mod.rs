//! Sign in through the whole SAML chain over HTTP, as a browser would: IdP sign-in page →
//! credentials → auto-posted SAMLResponse → AWS sign-in (`/saml`, role chooser when several
//! roles) → console federation → Amazon Connect. Each failure names the hop, what the server
//! answered, and the likely cause (docs/facts.md §6).
//!
//! This drives the sandbox (or any IdP that shows a plain username/password form); against the
//! real clouds, where MFA and a browser are needed, the CLI prints the URLs instead.

mod brokered;

use std::collections::BTreeMap;
use std::fmt;

use reqwest::header::{CONTENT_TYPE, LOCATION};
use reqwest::redirect::Policy;

/// One hop of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Hop {
    /// Opening the IdP's sign-in page.
    IdpSignInPage,
    /// Posting the credentials to the IdP.
    IdpCredentials,
    /// Posting Entra's SAMLResponse to IAM Identity Center (brokered).
    IdentityCenterSignIn,
    /// The AWS access portal and its application tiles (brokered).
    AccessPortal,
    /// Opening the application's tile: Identity Center issues the assertion for AWS (brokered).
    PortalTile,
    /// Posting the SAMLResponse to AWS sign-in.
    AwsSignIn,
    /// Choosing a role on AWS's role chooser.
    RoleChooser,
    /// Console federation into Connect (GetFederationToken).
    ConsoleFederation,
    /// The Amazon Connect page.
    Connect,
}

impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hop::IdpSignInPage => "IdP sign-in page",
            Hop::IdpCredentials => "IdP sign-in (credentials)",
            Hop::IdentityCenterSignIn => "IAM Identity Center sign-in (Entra's assertion)",
            Hop::AccessPortal => "AWS access portal",
            Hop::PortalTile => "the access portal's application tile",
            Hop::AwsSignIn => "AWS sign-in (SAML)",
            Hop::RoleChooser => "AWS role chooser",
            Hop::ConsoleFederation => "console federation into Connect",
            Hop::Connect => "Amazon Connect",
        })
    }
}

/// A sign-in that failed at one hop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, schemars::JsonSchema)]
#[error("sign-in failed at {hop}: {answer}")]
pub struct LoginError {
    /// Where.
    pub hop: Hop,
    /// The URL of the request that failed.
    pub url: String,
    /// HTTP status, if an answer came.
    pub status: Option<u16>,
    /// What the server said (error code and message found on the page, or the transport error).
    pub answer: String,
    /// The likely cause and what to do.
    pub cause: Option<String>,
    /// The SAMLResponse (base64) when the IdP had issued one before the failure, so that it can
    /// be saved and inspected (`connect-sso saml inspect`). Never in `Display`.
    #[serde(skip)]
    pub saml_response: Option<String>,
}

/// What to sign in with.
#[derive(Clone)]
pub struct LoginRequest {
    /// The IdP-initiated launch URL (sandbox: `<base>/entra/<tenant>/signin/<appId>`).
    pub launch_url: String,
    /// Username (UPN).
    pub username: String,
    /// Password (never printed).
    pub password: String,
    /// Role ARN to pick when AWS offers several; default: the first.
    pub role_arn: Option<String>,
    /// Brokered: the Identity Center application whose access-portal tile leads to Connect.
    /// `None`: the IdP posts straight to AWS sign-in (direct).
    pub portal_application: Option<String>,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("launch_url", &self.launch_url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("role_arn", &self.role_arn)
            .field("portal_application", &self.portal_application)
            .finish()
    }
}

/// A successful sign-in.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct LoginOutcome {
    /// Who Connect says is signed in.
    pub signed_in_as: String,
    /// The final Connect URL.
    pub connect_url: String,
    /// Title of the Connect page.
    pub page_title: String,
    /// The SAMLResponse as posted (base64), for `saml inspect`.
    #[serde(skip)]
    pub saml_response: String,
    /// The relay state the IdP sent.
    pub relay_state: Option<String>,
    /// Roles offered by the chooser (empty when AWS went straight through).
    pub roles_offered: Vec<String>,
    /// Every request made, in order.
    pub trail: Vec<Request>,
}

/// One request of a sign-in, as `--json` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Request {
    /// The hop it belongs to.
    pub hop: Hop,
    /// HTTP method.
    pub method: String,
    /// URL (the query is kept: it is the sandbox's or the IdP's, never a password).
    pub url: String,
    /// HTTP status of the answer.
    pub status: u16,
}

/// A form found in a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// `action`, resolved against the page URL.
    pub action: String,
    /// `method`, upper-case.
    pub method: String,
    /// Inputs in order: (name, type, value).
    pub inputs: Vec<(String, String, String)>,
}

impl Form {
    /// The name/value pairs a browser submits (every input but the submit buttons).
    fn fields(&self) -> Vec<(String, String)> {
        self.inputs
            .iter()
            .filter(|(_, t, _)| t != "submit")
            .map(|(n, _, v)| (n.clone(), v.clone()))
            .collect()
    }
}

/// Decode the few HTML entities forms use.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let ent = &rest[1..end];
        let ch = match ent {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if ent.starts_with("#x") || ent.starts_with("#X") => {
                u32::from_str_radix(&ent[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Attributes of a start tag's inside (`form method="post" action=...`).
fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let b = tag.as_bytes();
    let mut i = 0;
    // Skip the tag name.
    while i < b.len() && !b[i].is_ascii_whitespace() {
        i += 1;
    }
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        let name = tag[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                i += 1;
                let vs = i;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = unescape(&tag[vs..i.min(b.len())]);
                i += 1;
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = unescape(&tag[vs..i]);
            }
        }
        if !name.is_empty() {
            out.entry(name).or_insert(value);
        }
    }
    out
}

/// The forms of a page, with their inputs (a tolerant scan, enough for sign-in pages).
pub fn forms(html: &str, page_url: &str) -> Vec<Form> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<form").map(|i| i + pos) {
        let Some(tag_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let attrs = attributes(&html[start + 1..tag_end]);
        let end = lower[tag_end..]
            .find("</form")
            .map_or(html.len(), |i| i + tag_end);
        let body = &html[tag_end..end];
        let body_lower = &lower[tag_end..end];
        let mut inputs = Vec::new();
        let mut ip = 0;
        while let Some(s) = body_lower[ip..].find("<input").map(|i| i + ip) {
            let Some(e) = body_lower[s..].find('>').map(|i| i + s) else {
                break;
            };
            let a = attributes(&body[s + 1..e]);
            if let Some(name) = a.get("name") {
                let ty = a
                    .get("type")
                    .cloned()
                    .unwrap_or_else(|| "text".into())
                    .to_ascii_lowercase();
                let checked = a.contains_key("checked");
                if ty != "radio"
                    || checked
                    || !inputs
                        .iter()
                        .any(|(n, _, _): &(String, String, String)| n == name)
                {
                    inputs.push((
                        name.clone(),
                        ty,
                        a.get("value").cloned().unwrap_or_default(),
                    ));
                }
            }
            ip = e;
        }
        let action = attrs.get("action").cloned().unwrap_or_default();
        out.push(Form {
            action: resolve(page_url, &action),
            method: attrs
                .get("method")
                .cloned()
                .unwrap_or_else(|| "GET".into())
                .to_ascii_uppercase(),
            inputs,
        });
        pos = end;
    }
    out
}

/// Resolve `href` against `base`.
fn resolve(base: &str, href: &str) -> String {
    match reqwest::Url::parse(base).and_then(|b| b.join(href)) {
        Ok(u) => u.to_string(),
        Err(_) => href.to_string(),
    }
}

/// Text between the first `<tag…>` and `</tag>`, tags stripped.
fn element_text(html: &str, open: &str, close: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let s = lower.find(open)?;
    let s = s + lower[s..].find('>')? + 1;
    let e = s + lower[s..].find(close)?;
    Some(strip_tags(&html[s..e]))
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(
        out.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str(),
    )
}

/// What an error page says, and the likely cause (docs/facts.md §6).
fn diagnose(html: &str) -> Option<(String, Option<String>)> {
    if let Some(i) = html.find("AADSTS") {
        let code: String = html[i + 6..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let line = strip_tags(&html[i..html[i..].find('<').map_or(html.len(), |e| e + i)]);
        let cause = match code.as_str() {
            "50105" => Some("the user is not assigned to the app: add them to a group listed under [[entra.access]] and apply".into()),
            "700016" => Some("no such application in the tenant: check the app ID (run `connect-sso apply` first)".into()),
            "50126" => Some("wrong username or password".into()),
            "50034" => Some(
                "no such user in the tenant: check the UPN (a guest signs in with the address of \
                 their home tenant; their UPN here contains #EXT#)"
                    .into(),
            ),
            "75011" => Some("the authentication method does not match what the app requires".into()),
            _ => None,
        };
        return Some((line, cause));
    }
    // AWS and Connect error pages carry a code and a message.
    if let Some(code) = element_text(html, "id=\"error_code\"", "</") {
        let message = element_text(html, "id=\"error_message\"", "</").unwrap_or_default();
        let cause = aws_sign_in_cause(&code, &message).or(match code.as_str() {
            "UserNotFoundException" | "ResourceNotFoundException" => Some(
                "Connect has no user whose username equals the RoleSessionName (case-sensitive): create a \
                 Connect user with exactly that username, or fix the username",
            ),
            "AccessDeniedException" => Some(
                "the federation role may not call connect:GetFederationToken on this user: check its policy \
                 (`connect-sso plan` shows drift)",
            ),
            "InvalidRequestException" => {
                Some("the relay state or instance is wrong: check the instance ID and region")
            }
            _ => None,
        });
        return Some((format!("{code}: {message}"), cause.map(str::to_string)));
    }
    let text = strip_tags(html);
    let known: [(&str, &str); 5] = [
        (
            "Your request included an invalid SAML response",
            "AWS refused the assertion: check the Role and RoleSessionName claims (names are case-sensitive), that the user has an app role, and that IAM trusts the app's current certificate (`connect-sso plan` shows when it does not)",
        ),
        (
            "RoleSessionName",
            "the RoleSessionName claim is missing or has characters AWS refuses (guest UPNs with #EXT#, spaces)",
        ),
        (
            "not onboarded",
            "Connect has no user whose username equals the RoleSessionName (case-sensitive): create a Connect user with exactly that username, or fix the username",
        ),
        (
            "Access denied",
            "the federation role may not call connect:GetFederationToken for this user, or the Connect user is missing",
        ),
        (
            "Session expired",
            "there is no federated session: sign in through the IdP, not directly to Connect; sessions last 12 hours",
        ),
    ];
    known
        .iter()
        .find(|(needle, _)| text.contains(needle))
        .map(|(needle, cause)| (text_around(&text, needle), Some((*cause).to_string())))
}

/// What AWS sign-in's refusals of an assertion mean (docs/facts.md §3, §6).
fn aws_sign_in_cause(code: &str, message: &str) -> Option<&'static str> {
    if !matches!(
        code,
        "InvalidIdentityToken" | "InvalidIdentityTokenException" | "AccessDenied"
    ) {
        return None;
    }
    let m = message.to_ascii_lowercase();
    if m.contains("rolesessionname") && message.contains("#EXT#") {
        Some(
            "the user is an Entra guest (#EXT# in the UPN), which AWS refuses as RoleSessionName: \
             send user.mail as RoleSessionName for guests, or sign in with a member account",
        )
    } else if m.contains("rolesessionname") {
        Some(
            "the RoleSessionName claim has characters or a length AWS refuses (2–64 of a-z A-Z 0-9 _ + = , . @ -)",
        )
    } else if m.contains("signature") {
        Some(
            "IAM could not verify the assertion's signature: the app's signing certificate \
             changed and the IAM SAML provider still has the old metadata; `connect-sso apply` \
             updates it",
        )
    } else if m.contains("saml provider") || m.contains("samlprovider") || m.contains("provider") {
        Some(
            "IAM has no SAML provider with the ARN in the Role claim: run `connect-sso apply`, \
             or check aws.saml_provider and the app role's value",
        )
    } else {
        None
    }
}

fn text_around(text: &str, needle: &str) -> String {
    let i = text.find(needle).unwrap_or(0);
    let start = text[..i].rfind(". ").map_or(0, |p| p + 2);
    text[start..].chars().take(200).collect()
}

struct Driver {
    http: reqwest::Client,
    trail: Vec<Request>,
}

struct Page {
    url: String,
    status: u16,
    body: String,
}

impl Driver {
    /// Send, following redirects by hand (so each one is recorded) until a page arrives.
    async fn go(
        &mut self,
        mut hop: Hop,
        mut req: reqwest::RequestBuilder,
        mut url: String,
    ) -> Result<Page, LoginError> {
        let fail = |hop: Hop, url: &str, status: Option<u16>, answer: String| LoginError {
            hop,
            url: url.to_string(),
            status,
            answer,
            cause: None,
            saml_response: None,
        };
        for _ in 0..10 {
            let method = req
                .try_clone()
                .and_then(|r| r.build().ok())
                .map_or("GET".to_string(), |r| r.method().to_string());
            let resp = req
                .send()
                .await
                .map_err(|e| fail(hop, &url, None, e.to_string()))?;
            let status = resp.status().as_u16();
            self.trail.push(Request {
                hop,
                method,
                url: url.clone(),
                status,
            });
            if resp.status().is_redirection() {
                let loc = resp
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        fail(
                            hop,
                            &url,
                            Some(status),
                            "a redirect without Location".into(),
                        )
                    })?;
                url = resolve(&url, loc);
                hop = hop_of(&url, hop);
                req = self.http.get(&url);
                continue;
            }
            let html = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|c| c.contains("html"));
            let body = page_text(resp)
                .await
                .map_err(|e| fail(hop, &url, Some(status), e))?;
            if status >= 400 || (html && diagnose(&body).is_some() && hop != Hop::IdpSignInPage) {
                let (answer, cause) = diagnose(&body).unwrap_or_else(|| {
                    (
                        element_text(&body, "<title", "</title")
                            .unwrap_or_else(|| body.chars().take(200).collect()),
                        None,
                    )
                });
                return Err(LoginError {
                    hop,
                    url,
                    status: Some(status),
                    answer,
                    cause,
                    saml_response: None,
                });
            }
            return Ok(Page { url, status, body });
        }
        Err(fail(hop, &url, None, "too many redirects".into()))
    }
}

/// Largest page the sign-in reads (a sign-in page, a portal, an auto-post form with a
/// SAMLResponse of at most 100,000 characters: far below this).
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// A page's text, refused past [`MAX_PAGE_BYTES`] while it is read.
async fn page_text(mut resp: reqwest::Response) -> Result<String, String> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_PAGE_BYTES {
            return Err(format!(
                "the page is larger than {MAX_PAGE_BYTES} bytes; no sign-in page is"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Which hop a URL a redirect leads to belongs to (by the shape of real and sandbox URLs).
fn hop_of(url: &str, current: Hop) -> Hop {
    if url.contains("/identity-center/start") || url.contains(".awsapps.com/start") {
        if url.contains("/applications/") {
            Hop::PortalTile
        } else {
            Hop::AccessPortal
        }
    } else if url.contains("/connect/federate/") {
        Hop::ConsoleFederation
    } else if url.contains("/connect/app/")
        || url.contains(".my.connect.aws")
        || url.contains(".awsapps.com/connect")
    {
        Hop::Connect
    } else {
        current
    }
}

/// Sign in through the whole chain.
pub async fn login(req: &LoginRequest) -> Result<LoginOutcome, LoginError> {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .user_agent(concat!(
            "connect-sso/",
            env!("CARGO_PKG_VERSION"),
            " (login)"
        ))
        .build()
        .map_err(|e| LoginError {
            hop: Hop::IdpSignInPage,
            url: req.launch_url.clone(),
            status: None,
            answer: e.to_string(),
            cause: None,
            saml_response: None,
        })?;
    let mut d = Driver {
        http,
        trail: Vec::new(),
    };

    // 1. The IdP's sign-in page.
    let page = d
        .go(
            Hop::IdpSignInPage,
            d.http.get(&req.launch_url),
            req.launch_url.clone(),
        )
        .await?;
    if let Some((answer, cause)) = diagnose(&page.body) {
        return Err(LoginError {
            hop: Hop::IdpSignInPage,
            url: page.url,
            status: Some(page.status),
            answer,
            cause,
            saml_response: None,
        });
    }
    let no_form = |hop: Hop, p: &Page, what: &str| LoginError {
        hop,
        url: p.url.clone(),
        status: Some(p.status),
        answer: format!("the page has no {what}"),
        cause: element_text(&p.body, "<title", "</title").map(|t| format!("page title: {t}")),
        saml_response: None,
    };
    let form = forms(&page.body, &page.url)
        .into_iter()
        .find(|f| f.inputs.iter().any(|(_, t, _)| t == "password"))
        .ok_or_else(|| no_form(Hop::IdpSignInPage, &page, "sign-in form"))?;

    // 2. Credentials.
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut user_set = false;
    for (name, ty, value) in &form.inputs {
        let v = match ty.as_str() {
            "password" => req.password.clone(),
            "email" | "text" if !user_set => {
                user_set = true;
                req.username.clone()
            }
            "submit" | "button" => continue,
            _ => value.clone(),
        };
        fields.push((name.clone(), v));
    }
    let page = d
        .go(
            Hop::IdpCredentials,
            d.http.post(&form.action).form(&fields),
            form.action.clone(),
        )
        .await?;
    let post = forms(&page.body, &page.url)
        .into_iter()
        .find(|f| f.inputs.iter().any(|(n, _, _)| n == "SAMLResponse"))
        .ok_or_else(|| {
            no_form(
                Hop::IdpCredentials,
                &page,
                "SAMLResponse form (the IdP did not issue an assertion)",
            )
        })?;
    let field = |f: &Form, n: &str| {
        f.inputs
            .iter()
            .find(|(name, _, _)| name == n)
            .map(|(_, _, v)| v.clone())
    };
    let (post, page) = match &req.portal_application {
        Some(name) => through_portal(&mut d, post, name).await?,
        None => (post, page),
    };
    let saml_response = field(&post, "SAMLResponse").unwrap_or_default();
    let relay_state = field(&post, "RelayState");
    if let Some(arn) = &req.role_arn {
        check_role_offered(arn, &saml_response, &page.url)?;
    }

    // From here on a failure carries the SAMLResponse, so that it can be saved and inspected.
    let saml_for_errors = saml_response.clone();
    let aws_side = async move {
        // 3. AWS sign-in.
        let fields = post.fields();
        let mut page = d
            .go(
                Hop::AwsSignIn,
                d.http.post(&post.action).form(&fields),
                post.action.clone(),
            )
            .await?;

        // 4. Role chooser, when AWS offers several roles.
        let mut roles_offered = Vec::new();
        if let Some(chooser) = forms(&page.body, &page.url)
            .into_iter()
            .find(|f| f.inputs.iter().any(|(n, _, _)| n == "roleIndex"))
        {
            let all = radio_values(&page.body, "roleIndex");
            roles_offered = all.clone();
            let pick = match &req.role_arn {
                Some(arn) => all
                    .iter()
                    .find(|v| v.contains(arn.as_str()))
                    .cloned()
                    .ok_or_else(|| LoginError {
                        hop: Hop::RoleChooser,
                        url: page.url.clone(),
                        status: Some(page.status),
                        answer: format!("role {arn} is not offered; offered: {}", all.join(", ")),
                        cause: Some("pick one of the offered roles with --role".into()),
                        saml_response: None,
                    })?,
                None => all.first().cloned().unwrap_or_default(),
            };
            let fields: Vec<(String, String)> = chooser
                .inputs
                .iter()
                .filter(|(n, t, _)| n != "roleIndex" && t != "submit")
                .map(|(n, _, v)| (n.clone(), v.clone()))
                .chain(std::iter::once(("roleIndex".to_string(), pick)))
                .collect();
            page = d
                .go(
                    Hop::RoleChooser,
                    d.http.post(&chooser.action).form(&fields),
                    chooser.action.clone(),
                )
                .await?;
        }

        // 5–6. The redirects above went through console federation to Connect; check where we are.
        let signed_in_as = element_text(&page.body, "<strong", "</strong")
            .filter(|_| page.body.contains("Signed in to Amazon Connect"))
            .ok_or_else(|| {
                let (answer, cause) = diagnose(&page.body).unwrap_or_else(|| {
                    (
                        element_text(&page.body, "<title", "</title").unwrap_or_else(|| "an unexpected page".into()),
                        Some("the chain ended somewhere other than Amazon Connect: check the relay state".into()),
                    )
                });
                let hop = if page.url.contains("/federate/") { Hop::ConsoleFederation } else { Hop::Connect };
                LoginError { hop, url: page.url.clone(), status: Some(page.status), answer, cause, saml_response: None }
            })?;
        Ok(LoginOutcome {
            signed_in_as,
            connect_url: page.url.clone(),
            page_title: element_text(&page.body, "<title", "</title").unwrap_or_default(),
            saml_response,
            relay_state,
            roles_offered,
            trail: d.trail,
        })
    };
    let brokered = req.portal_application.is_some();
    aws_side.await.map_err(|mut e: LoginError| {
        if brokered {
            if let Some(cause) = brokered::explain(&e, &saml_for_errors) {
                e.cause = Some(cause);
            }
        }
        e.saml_response = Some(saml_for_errors);
        e
    })
}

/// Brokered: post Entra's assertion to Identity Center, find the application's tile in the
/// access portal, and open it: the result is Identity Center's form for AWS sign-in.
async fn through_portal(
    d: &mut Driver,
    post: Form,
    name: &str,
) -> Result<(Form, Page), LoginError> {
    let fields = post.fields();
    let portal = d
        .go(
            Hop::IdentityCenterSignIn,
            d.http.post(&post.action).form(&fields),
            post.action.clone(),
        )
        .await
        .map_err(brokered::identity_center_cause)?;
    let tiles = brokered::tiles(&portal.body, &portal.url);
    let Some((_, href)) = tiles.iter().find(|(t, _)| t == name) else {
        return Err(brokered::no_tile(&portal.url, portal.status, name, &tiles));
    };
    let page = d
        .go(Hop::PortalTile, d.http.get(href), href.clone())
        .await?;
    let form = forms(&page.body, &page.url)
        .into_iter()
        .find(|f| f.inputs.iter().any(|(n, _, _)| n == "SAMLResponse"))
        .ok_or_else(|| LoginError {
            hop: Hop::PortalTile,
            url: page.url.clone(),
            status: Some(page.status),
            answer: "the tile led to no SAMLResponse form".into(),
            cause: element_text(&page.body, "<title", "</title")
                .map(|t| format!("page title: {t}")),
            saml_response: None,
        })?;
    Ok((form, page))
}

/// Values of every radio input named `name` (in order).
fn radio_values(html: &str, name: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut p = 0;
    while let Some(s) = lower[p..].find("<input").map(|i| i + p) {
        let Some(e) = lower[s..].find('>').map(|i| i + s) else {
            break;
        };
        let a = attributes(&html[s + 1..e]);
        if a.get("name").map(String::as_str) == Some(name) {
            if let Some(v) = a.get("value") {
                out.push(v.clone());
            }
        }
        p = e;
    }
    out
}

/// `--role ARN` must be one of the roles the assertion carries: refuse it before AWS sign-in
/// (which, with one role, would silently use that one).
fn check_role_offered(arn: &str, saml_response: &str, url: &str) -> Result<(), LoginError> {
    use base64::Engine as _;
    let offered: Vec<String> = base64::engine::general_purpose::STANDARD
        .decode(saml_response.trim())
        .ok()
        .and_then(|xml| connect_sso_saml::inspect::inspect(&xml).ok())
        .map(|i| {
            i.attributes
                .into_iter()
                .filter(|a| a.name == connect_sso_saml::aws::ATTR_ROLE)
                .flat_map(|a| a.values)
                .collect()
        })
        .unwrap_or_default();
    if offered.is_empty()
        || offered
            .iter()
            .any(|v| v.split(',').any(|part| part.trim() == arn))
    {
        return Ok(());
    }
    Err(LoginError {
        hop: Hop::RoleChooser,
        url: url.to_string(),
        status: None,
        answer: format!(
            "role {arn} is not in the assertion; it offers: {}",
            offered.join("; ")
        ),
        cause: Some(
            "pick one of the offered roles with --role, or assign the user (or a group of \
             theirs) to the app role that carries it"
                .into(),
        ),
        saml_response: Some(saml_response.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_found_with_entities_decoded_and_actions_resolved() {
        let html = r#"<html><form method="POST" name="hiddenform" action="/aws/signin/saml">
            <input type="hidden" name="SAMLResponse" value="PHNhbWw&#43;" />
            <input type="hidden" name="RelayState" value="https://x/?a=1&amp;b=2" /></form>"#;
        let f = forms(html, "http://127.0.0.1:1/entra/t/login");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].action, "http://127.0.0.1:1/aws/signin/saml");
        assert_eq!(f[0].method, "POST");
        assert_eq!(
            f[0].inputs[0],
            ("SAMLResponse".into(), "hidden".into(), "PHNhbWw+".into())
        );
        assert_eq!(f[0].inputs[1].2, "https://x/?a=1&b=2");
    }

    #[test]
    fn aadsts_pages_are_explained() {
        let (answer, cause) = diagnose(r#"<p data-aadsts="50105">AADSTS50105: Your administrator has configured the application to block users unless they are specifically granted access.</p>"#)
            .expect("diagnosed");
        assert!(answer.starts_with("AADSTS50105"));
        assert!(cause.expect("cause").contains("not assigned"));
    }

    #[test]
    fn aws_invalid_saml_page_is_explained() {
        let (_, cause) = diagnose(
            "<h1>Your request included an invalid SAML response. To logout, click here.</h1>",
        )
        .expect("diagnosed");
        assert!(cause.expect("cause").contains("Role"));
    }

    #[test]
    fn password_never_in_debug() {
        let r = LoginRequest {
            launch_url: "u".into(),
            username: "alice".into(),
            password: "hunter2".into(),
            role_arn: None,
            portal_application: None,
        };
        assert!(!format!("{r:?}").contains("hunter2"));
    }
}
