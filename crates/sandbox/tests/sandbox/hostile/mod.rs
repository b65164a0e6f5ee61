//! Hostile XML at every entry point that reads SAML or XML from outside: AWS sign-in's
//! `SAMLResponse`, STS `AssumeRoleWithSAML`'s `SAMLAssertion`, IAM's `SAMLMetadataDocument`
//! (`CreateSAMLProvider`, `UpdateSAMLProvider`) and Entra's `SAMLRequest` (HTTP-POST and
//! HTTP-Redirect bindings). Each answer must be the service's own error (STS and IAM: an
//! awsQuery `<ErrorResponse>`; sign-in: its error page, 400; Entra: an AADSTS page, 400), never
//! a dropped connection, a timeout or a 500; bodies over each route's limit get a 413 in the
//! same shape; and afterwards alice still signs in end to end.
//!
//! The sandbox runs in a child process (this test binary again, running the ignored
//! [`child_sandbox`] test), so that an input that kills it (a stack overflow aborts the whole
//! process) is reported as "this entry point, this case: the server died", with the child's
//! last words, and the rest of the corpus still runs against a fresh sandbox.

mod corpus;
pub(crate) mod sigv4;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use connect_sso_saml::aws::MAX_SAML_RESPONSE_LEN;
use connect_sso_sandbox::entra::{DEFAULT_TENANT_ID, DEMO_PASSWORD, USER_ALICE_UPN};
use connect_sso_sandbox::{Config, Sandbox, Urls};
use corpus::{Case, Kind, Payload};

use crate::entra::{
    AWS_ACS, Graph, attr_after, configure_aws_app, fetch_metadata, parse_auto_post, sign_in,
    sign_in_at,
};

/// Set in the child's environment: run the sandbox instead of returning at once.
const CHILD_ENV: &str = "CONNECT_SSO_HOSTILE_CHILD_SANDBOX";
/// The line the child prints when it serves.
const READY: &str = "CONNECT_SSO_HOSTILE_SANDBOX_URL=";
/// Every request of this test ends within this (the parser's limits make each answer take
/// milliseconds; before them, attribute floods took tens of seconds).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the child may take to start serving.
const START_TIMEOUT: Duration = Duration::from_secs(60);

const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const PROVIDER_NAME: &str = "EntraID";
const ROLE_NAME: &str = "ConnectAgent";

/// Not a test of its own: the sandbox that [`hostile_xml_gets_each_services_own_error_and_the_sandbox_survives`]
/// starts in a child process. Without `CONNECT_SSO_HOSTILE_CHILD_SANDBOX` it returns at once.
/// It serves (a multi-threaded runtime, as `connect-sso sandbox serve`) until its standard
/// input closes.
#[test]
#[ignore = "the child process of hostile_xml_gets_each_services_own_error_and_the_sandbox_survives"]
fn child_sandbox() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let sb = Sandbox::start(Config::default())
            .await
            .expect("sandbox starts");
        println!("{READY}{}", sb.urls().base());
        // Serve until the parent closes our standard input (or dies).
        let _ = tokio::task::spawn_blocking(|| {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        })
        .await;
        sb.shutdown().await;
    });
}

/// A sandbox in a child process. Dropping it kills the child.
struct ChildSandbox {
    process: std::process::Child,
    urls: Urls,
    /// The child's standard error (the last 8 kB): what it said before dying.
    stderr: Arc<Mutex<String>>,
    http: reqwest::Client,
}

impl ChildSandbox {
    fn start() -> Self {
        let exe = std::env::current_exe().expect("test binary path");
        let mut process = Command::new(exe)
            .args([
                "--exact",
                "hostile::child_sandbox",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the child sandbox");
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut err) = process.stderr.take() {
            let log = stderr.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut l = log
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    l.push_str(&String::from_utf8_lossy(&buf[..n]));
                    if l.len() > 8192 {
                        let cut = l.len() - 8192;
                        let cut = (cut..l.len()).find(|i| l.is_char_boundary(*i)).unwrap_or(0);
                        l.drain(..cut);
                    }
                }
            });
        }
        let stdout = process.stdout.take().expect("child stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                // libtest has written "test … ... " without a line break before it.
                if !sent && let Some(at) = line.find(READY) {
                    let _ = tx.send(line[at + READY.len()..].trim().to_string());
                    sent = true;
                }
            }
        });
        let base = rx
            .recv_timeout(START_TIMEOUT)
            .expect("the child sandbox prints its URL");
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            process,
            urls: Urls::new(base),
            stderr,
            http,
        }
    }

    /// Has the child exited (waiting up to a second for it to finish dying)? Its status and
    /// the end of what it wrote to standard error.
    fn death(&mut self) -> Option<String> {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            if let Ok(Some(status)) = self.process.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                let log = self
                    .stderr
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clone();
                let last: Vec<&str> = log
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .rev()
                    .take(3)
                    .collect();
                let last: Vec<&str> = last.into_iter().rev().collect();
                return Some(format!("{status}; it said: {}", last.join(" | ")));
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ChildSandbox {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// What setup created in a sandbox: the Entra app, and in IAM its SAML provider (from the
/// app's federation metadata) and the role its Role claim names.
#[derive(Debug, Clone)]
struct Fixture {
    app_id: String,
    provider_arn: String,
    role_arn: String,
}

/// Configure the Amazon Connect app in Entra (through Graph) and the IAM side (signed raw
/// awsQuery requests), as connect-sso apply would.
async fn set_up(sb: &ChildSandbox) -> Fixture {
    let g = Graph::tool(&sb.urls).await;
    let app = configure_aws_app(&g, "Amazon Connect", AWS_ACS).await;
    let metadata = fetch_metadata(&sb.urls, &app.app_id).await;
    let created = iam(
        sb,
        &[
            ("Action", "CreateSAMLProvider"),
            ("Name", PROVIDER_NAME),
            ("SAMLMetadataDocument", &metadata),
        ],
    )
    .await;
    assert_eq!(created.status, 200, "CreateSAMLProvider: {}", created.body);
    let provider_arn = element(&created.body, "SAMLProviderArn").expect("provider ARN");
    let trust = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": AWS_ACS}}
        }]
    })
    .to_string();
    let role = iam(
        sb,
        &[
            ("Action", "CreateRole"),
            ("RoleName", ROLE_NAME),
            ("AssumeRolePolicyDocument", &trust),
            ("MaxSessionDuration", "43200"),
        ],
    )
    .await;
    assert_eq!(role.status, 200, "CreateRole: {}", role.body);
    let role_arn = element(&role.body, "Arn").expect("role ARN");
    Fixture {
        app_id: app.app_id,
        provider_arn,
        role_arn,
    }
}

/// An HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

/// Why there was no answer.
#[derive(Debug)]
enum NoAnswer {
    TimedOut,
    Transport(String),
}

/// The longest request target the `http` crate (and so hyper, reqwest, axum) can represent.
const MAX_URI_BYTES: usize = u16::MAX as usize - 1;

/// A request to send: through reqwest, or (a URL longer than [`MAX_URI_BYTES`], which no
/// `http`-based client can build) written by hand on a socket.
enum Outgoing {
    Http(Box<reqwest::RequestBuilder>),
    RawGet { host: String, target: String },
}

async fn send_outgoing(out: Outgoing) -> Result<Answer, NoAnswer> {
    match out {
        Outgoing::Http(req) => send(*req).await,
        Outgoing::RawGet { host, target } => {
            match tokio::time::timeout(REQUEST_TIMEOUT, raw_get(&host, &target)).await {
                Ok(result) => result.map_err(|e| NoAnswer::Transport(e.to_string())),
                Err(_) => Err(NoAnswer::TimedOut),
            }
        }
    }
}

/// `GET target` over HTTP/1.1 on a fresh connection; the status line and body of the answer.
async fn raw_get(host: &str, target: &str) -> std::io::Result<Answer> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    stream
        .write_all(
            format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no HTTP status line in {head:?}")))?;
    let content_type = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-type")
                .then(|| v.trim().to_string())
        })
        .unwrap_or_default();
    Ok(Answer {
        status,
        content_type,
        body: body.to_string(),
    })
}

async fn send(req: reqwest::RequestBuilder) -> Result<Answer, NoAnswer> {
    let resp = req.send().await.map_err(no_answer)?;
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = resp.bytes().await.map_err(no_answer)?;
    Ok(Answer {
        status,
        content_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

fn no_answer(e: reqwest::Error) -> NoAnswer {
    // Without the URL: a Redirect-binding URL is hundreds of kilobytes.
    let e = e.without_url();
    if e.is_timeout() {
        NoAnswer::TimedOut
    } else {
        // The whole chain: "error sending request" alone says nothing.
        let mut s = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(inner) = source {
            s.push_str(": ");
            s.push_str(&inner.to_string());
            source = inner.source();
        }
        NoAnswer::Transport(s)
    }
}

/// A form body (`application/x-www-form-urlencoded`) from raw byte values.
fn form(fields: &[(&str, &[u8])]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                k,
                url::form_urlencoded::byte_serialize(v).collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A signed awsQuery IAM call with the sandbox's test credentials.
async fn iam(sb: &ChildSandbox, params: &[(&str, &str)]) -> Answer {
    let mut fields: Vec<(&str, &[u8])> = vec![("Version", b"2010-05-08")];
    fields.extend(params.iter().map(|(k, v)| (*k, v.as_bytes())));
    send(iam_request(sb, form(&fields)))
        .await
        .expect("IAM answers")
}

fn iam_request(sb: &ChildSandbox, body: String) -> reqwest::RequestBuilder {
    let url = format!("{}/aws/iam/", sb.urls.base());
    let host = host_of(&sb.urls);
    let signed = sigv4::sign(
        "POST",
        &host,
        "/aws/iam/",
        body.as_bytes(),
        "iam",
        time::OffsetDateTime::now_utc(),
    );
    let mut req = sb.http.post(url).header(
        reqwest::header::CONTENT_TYPE,
        "application/x-www-form-urlencoded; charset=utf-8",
    );
    for (k, v) in signed {
        req = req.header(k, v);
    }
    req.body(body)
}

/// `host:port` of the sandbox.
fn host_of(urls: &Urls) -> String {
    urls.base()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// The text of the first `<name>…</name>` (enough for the sandbox's flat answers).
fn element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(unescape(&xml[start..end]))
}

/// An entry point that reads XML from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    SignIn,
    Sts,
    IamCreate,
    IamUpdate,
    EntraPost,
    EntraRedirect,
}

impl Entry {
    const ALL: [Entry; 6] = [
        Entry::SignIn,
        Entry::Sts,
        Entry::IamCreate,
        Entry::IamUpdate,
        Entry::EntraPost,
        Entry::EntraRedirect,
    ];

    fn label(self) -> &'static str {
        match self {
            Entry::SignIn => "AWS sign-in POST /aws/signin/saml (SAMLResponse)",
            Entry::Sts => "STS AssumeRoleWithSAML (SAMLAssertion)",
            Entry::IamCreate => "IAM CreateSAMLProvider (SAMLMetadataDocument)",
            Entry::IamUpdate => "IAM UpdateSAMLProvider (SAMLMetadataDocument)",
            Entry::EntraPost => "Entra SAMLRequest, HTTP-POST binding",
            Entry::EntraRedirect => "Entra SAMLRequest, HTTP-Redirect binding",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Entry::SignIn | Entry::Sts => Kind::Response,
            Entry::IamCreate | Entry::IamUpdate => Kind::Metadata,
            Entry::EntraPost | Entry::EntraRedirect => Kind::AuthnRequest,
        }
    }

    /// The corpus, plus for AWS sign-in and STS a well-formed response whose base64 is
    /// exactly at AWS's limit (read, then refused as unsigned) and one just over it.
    fn cases(self) -> Vec<Case> {
        let mut cases = corpus::cases(self.kind());
        if self.kind() == Kind::Response {
            cases.push(Case {
                name: "base64-100000-chars",
                payload: Payload::Document(corpus::response_of_base64_len(MAX_SAML_RESPONSE_LEN)),
            });
            cases.push(Case {
                name: "base64-100004-chars",
                payload: Payload::Document(corpus::response_of_base64_len(
                    MAX_SAML_RESPONSE_LEN + 4,
                )),
            });
        }
        cases
    }

    /// The request carrying `payload`.
    fn request(self, sb: &ChildSandbox, fx: &Fixture, index: usize, payload: &Payload) -> Outgoing {
        let b64 = || match payload {
            Payload::Document(d) => base64::engine::general_purpose::STANDARD.encode(d),
            Payload::Raw(r) => r.clone(),
        };
        let base = sb.urls.base();
        let form_post = |url: String, body: String| {
            sb.http
                .post(url)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body)
        };
        Outgoing::Http(Box::new(match self {
            Entry::SignIn => form_post(
                sb.urls.signin(),
                form(&[
                    ("SAMLResponse", b64().as_bytes()),
                    ("RelayState", b"https://example.invalid/relay"),
                ]),
            ),
            Entry::Sts => form_post(
                format!("{base}/aws/sts/"),
                form(&[
                    ("Action", b"AssumeRoleWithSAML"),
                    ("Version", b"2011-06-15"),
                    ("RoleArn", fx.role_arn.as_bytes()),
                    ("PrincipalArn", fx.provider_arn.as_bytes()),
                    ("SAMLAssertion", b64().as_bytes()),
                ]),
            ),
            Entry::IamCreate | Entry::IamUpdate => {
                let doc: &[u8] = match payload {
                    Payload::Document(d) => d,
                    Payload::Raw(r) => r.as_bytes(),
                };
                let name = format!("Hostile_{index}");
                let mut fields: Vec<(&str, &[u8])> = vec![("Version", b"2010-05-08")];
                if self == Entry::IamCreate {
                    fields.push(("Action", b"CreateSAMLProvider"));
                    fields.push(("Name", name.as_bytes()));
                } else {
                    fields.push(("Action", b"UpdateSAMLProvider"));
                    fields.push(("SAMLProviderArn", fx.provider_arn.as_bytes()));
                }
                fields.push(("SAMLMetadataDocument", doc));
                iam_request(sb, form(&fields))
            }
            Entry::EntraPost => form_post(
                format!("{}/{DEFAULT_TENANT_ID}/saml2", sb.urls.entra_login()),
                form(&[("SAMLRequest", b64().as_bytes())]),
            ),
            Entry::EntraRedirect => {
                let value = match payload {
                    Payload::Document(d) => connect_sso_saml::binding::encode_redirect(d),
                    Payload::Raw(r) => r.clone(),
                };
                let target = format!(
                    "/entra/{DEFAULT_TENANT_ID}/saml2?{}",
                    form(&[("SAMLRequest", value.as_bytes())])
                );
                if target.len() > MAX_URI_BYTES {
                    return Outgoing::RawGet {
                        host: host_of(&sb.urls),
                        target,
                    };
                }
                sb.http.get(format!("{base}{target}"))
            }
        }))
    }

    /// Is `answer` this service's own refusal of `case`? `Ok` holds the error code, for the
    /// report.
    fn check(self, case: &Case, answer: &Answer) -> Result<String, String> {
        let over_long = matches!(case.name, "base64-100001-chars" | "base64-100004-chars")
            || matches!(&case.payload, Payload::Document(d)
                if base64::engine::general_purpose::STANDARD.encode(d).len() > MAX_SAML_RESPONSE_LEN);
        match self {
            Entry::SignIn => {
                let code = aws_page_code(answer)?;
                expect_status(answer, 400)?;
                check_aws_code(self, case, over_long, &code, answer)?;
                Ok(summary(&code, &aws_message(answer)))
            }
            Entry::Sts => {
                let code = query_error_code(answer, STS_NS)?;
                expect_status(answer, 400)?;
                check_aws_code(self, case, over_long, &code, answer)?;
                Ok(summary(&code, &aws_message(answer)))
            }
            Entry::IamCreate | Entry::IamUpdate => {
                let code = query_error_code(answer, IAM_NS)?;
                expect_status(answer, 400)?;
                if !matches!(code.as_str(), "InvalidInput" | "ValidationError") {
                    return Err(format!(
                        "IAM answered {code}, expected InvalidInput or ValidationError"
                    ));
                }
                Ok(summary(&code, &aws_message(answer)))
            }
            Entry::EntraPost | Entry::EntraRedirect => {
                let code = aadsts_code(answer)?;
                expect_status(answer, 400)?;
                // 75001: the binding did not decode; 75005: not an acceptable AuthnRequest;
                // 700016: a well-formed request from an issuer no app has.
                if !matches!(code.as_str(), "75001" | "75005" | "700016") {
                    return Err(format!("Entra answered AADSTS{code}"));
                }
                let message = attr_text(&answer.body, &format!("data-aadsts=\"{code}\">"))
                    .map(|m| unescape(&m))
                    .unwrap_or_default();
                Ok(summary(&format!("AADSTS{code}"), &message))
            }
        }
    }
}

/// `code: message` cut to a line, for the report.
fn summary(code: &str, message: &str) -> String {
    let message: String = message.chars().take(140).collect();
    format!("{code}: {message}")
}

fn expect_status(answer: &Answer, want: u16) -> Result<(), String> {
    if answer.status == want {
        Ok(())
    } else {
        Err(format!(
            "status {} (expected {want}): {}",
            answer.status,
            snippet(&answer.body)
        ))
    }
}

fn snippet(s: &str) -> String {
    let s: String = s.chars().take(300).collect();
    s.replace('\n', " ")
}

/// Undo [`connect_sso_sandbox`]'s markup escaping.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The error message of an AWS answer: `<Message>` (awsQuery) or the sign-in page's
/// `error_message` paragraph.
fn aws_message(answer: &Answer) -> String {
    element(&answer.body, "Message")
        .or_else(|| attr_text(&answer.body, "<p id=\"error_message\">").map(|m| unescape(&m)))
        .unwrap_or_default()
}

/// The `<Code>` of an awsQuery `<ErrorResponse>` in namespace `ns`.
fn query_error_code(answer: &Answer, ns: &str) -> Result<String, String> {
    let shape = format!("<ErrorResponse xmlns=\"{ns}\">");
    if !answer.body.starts_with(&shape) || !answer.content_type.starts_with("text/xml") {
        return Err(format!(
            "not an awsQuery ErrorResponse (HTTP {}, {}): {}",
            answer.status,
            answer.content_type,
            snippet(&answer.body)
        ));
    }
    element(&answer.body, "Code").ok_or_else(|| "ErrorResponse without Code".into())
}

/// The error code on AWS sign-in's error page.
fn aws_page_code(answer: &Answer) -> Result<String, String> {
    if !answer.content_type.starts_with("text/html") {
        return Err(format!(
            "not AWS sign-in's error page (HTTP {}, {}): {}",
            answer.status,
            answer.content_type,
            snippet(&answer.body)
        ));
    }
    attr_text(&answer.body, "<p id=\"error_code\">").ok_or_else(|| {
        format!(
            "not AWS sign-in's error page (HTTP {}): {}",
            answer.status,
            snippet(&answer.body)
        )
    })
}

/// The AADSTS code of an Entra error page.
fn aadsts_code(answer: &Answer) -> Result<String, String> {
    if !answer.content_type.starts_with("text/html") {
        return Err(format!(
            "not an Entra page (HTTP {}, {}): {}",
            answer.status,
            answer.content_type,
            snippet(&answer.body)
        ));
    }
    attr_after(&answer.body, "id=\"errorMessage\"", "data-aadsts").ok_or_else(|| {
        format!(
            "not an AADSTS error page (HTTP {}): {}",
            answer.status,
            snippet(&answer.body)
        )
    })
}

/// The text right after `marker`, up to the next `<`.
fn attr_text(html: &str, marker: &str) -> Option<String> {
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('<')? + start;
    Some(html[start..end].to_string())
}

/// AWS sign-in and STS: over-long values are AWS's ValidationError with its own message;
/// everything else reached the verifier (not stopped by a missing provider) and is refused
/// as an invalid identity token.
fn check_aws_code(
    entry: Entry,
    case: &Case,
    over_long: bool,
    code: &str,
    answer: &Answer,
) -> Result<(), String> {
    if over_long {
        let message = "1 validation error detected: Value at 'SAMLAssertion' failed to satisfy constraint: Member must have length less than or equal to 100000";
        let got = aws_message(answer);
        if code != "ValidationError" || !got.starts_with(message) {
            return Err(format!(
                "{} is over AWS's limit: expected ValidationError \"{message}…\", got {code}: {got}",
                case.name,
            ));
        }
        return Ok(());
    }
    if code != "InvalidIdentityToken" {
        return Err(format!(
            "{}: expected InvalidIdentityToken, got {code}: {}",
            entry.label(),
            snippet(&answer.body)
        ));
    }
    if answer.body.contains("SAML Provider not found")
        || answer.body.contains("No SAML provider exists")
    {
        return Err(format!(
            "the case never reached the verifier: {}",
            snippet(&answer.body)
        ));
    }
    Ok(())
}

/// One line of the report.
struct Outcome {
    entry: &'static str,
    case: String,
    result: Result<String, String>,
    millis: u128,
}

/// Send one request; on no answer, say whether the child died (and restart it).
async fn run_one(
    sb: &mut ChildSandbox,
    fx: &mut Fixture,
    label: &'static str,
    case: &str,
    req: Outgoing,
    check: impl FnOnce(&Answer) -> Result<String, String>,
) -> Outcome {
    eprintln!("hostile: {label} × {case} …");
    let started = Instant::now();
    let sent = send_outgoing(req).await;
    let millis = started.elapsed().as_millis();
    let result = match sent {
        Ok(answer) => check(&answer),
        Err(no) => {
            let death = sb.death();
            let replace = death.is_some() || matches!(no, NoAnswer::TimedOut);
            let why = match (&no, death) {
                (_, Some(death)) => format!("the server died ({death})"),
                (NoAnswer::TimedOut, None) => format!(
                    "no answer within {} s (the server is still busy)",
                    REQUEST_TIMEOUT.as_secs()
                ),
                (NoAnswer::Transport(e), None) => {
                    format!("connection dropped, no answer (the server is still up): {e}")
                }
            };
            // A dead or wedged sandbox is replaced, so that the rest of the corpus still runs.
            if replace {
                *sb = ChildSandbox::start();
                *fx = set_up(sb).await;
            }
            Err(why)
        }
    };
    Outcome {
        entry: label,
        case: case.to_string(),
        result,
        millis,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_xml_gets_each_services_own_error_and_the_sandbox_survives() {
    let mut sb = ChildSandbox::start();
    let mut fx = set_up(&sb).await;
    let mut outcomes = Vec::new();
    for entry in Entry::ALL {
        for (index, case) in entry.cases().iter().enumerate() {
            let req = entry.request(&sb, &fx, index, &case.payload);
            // A Redirect-binding URL over 64 KiB cannot even be parsed by an `http`-based
            // server: hyper answers 414 URI Too Long itself, before any handler runs.
            let uri_too_long = matches!(req, Outgoing::RawGet { .. });
            let outcome = run_one(&mut sb, &mut fx, entry.label(), case.name, req, |a| {
                if uri_too_long {
                    expect_status(a, 414).map(|()| "414 URI Too Long (HTTP server)".to_string())
                } else {
                    entry.check(case, a)
                }
            })
            .await;
            outcomes.push(outcome);
        }
    }
    for (label, req, check) in over_limit_requests(&sb) {
        outcomes.push(
            run_one(
                &mut sb,
                &mut fx,
                label,
                "body over the limit",
                Outgoing::Http(Box::new(req)),
                check,
            )
            .await,
        );
    }
    // Its own task, so that a panic in the sign-in helpers is a line of the report too.
    let journey = tokio::spawn(alice_signs_in_end_to_end(sb.urls.clone(), fx.clone()));
    let survived = match tokio::time::timeout(Duration::from_secs(180), journey).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) if e.is_panic() => {
            let panic = e.into_panic();
            Err(panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "the sign-in panicked".into()))
        }
        Ok(Err(e)) => Err(format!("the sign-in task failed: {e}")),
        Err(_) => Err("the sign-in did not finish within 180 s".into()),
    };
    outcomes.push(Outcome {
        entry: "alice signs in end to end afterwards",
        case: "IdP- and SP-initiated, AWS sign-in, console, STS".into(),
        result: survived.map(|()| "signed in".to_string()),
        millis: 0,
    });

    let mut report = String::new();
    let mut failures = 0;
    for o in &outcomes {
        let (mark, text) = match &o.result {
            Ok(code) => ("ok  ", code.clone()),
            Err(e) => {
                failures += 1;
                ("FAIL", e.clone())
            }
        };
        report.push_str(&format!(
            "{mark} {} × {} ({} ms): {}\n",
            o.entry, o.case, o.millis, text
        ));
    }
    eprintln!("{report}");
    assert_eq!(
        failures,
        0,
        "{failures} of {} hostile inputs were not refused the service's own way:\n{}",
        outcomes.len(),
        report
            .lines()
            .filter(|l| l.starts_with("FAIL"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

type Check = Box<dyn FnOnce(&Answer) -> Result<String, String> + Send>;

/// A body just over each route's limit: a 413 in the service's own shape.
fn over_limit_requests(sb: &ChildSandbox) -> Vec<(&'static str, reqwest::RequestBuilder, Check)> {
    const SAML_BODY: usize = 2 * 1024 * 1024;
    const IAM_BODY: usize = 4 * 1024 * 1024;
    let big = |prefix: &str, limit: usize| {
        let mut s = prefix.to_string();
        s.push_str(&"A".repeat(limit + 1 - prefix.len()));
        s
    };
    let form_post = |url: String, body: String| {
        sb.http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
    };
    let base = sb.urls.base();
    vec![
        (
            Entry::SignIn.label(),
            form_post(sb.urls.signin(), big("SAMLResponse=", SAML_BODY)),
            Box::new(|a: &Answer| {
                let code = aws_page_code(a)?;
                expect_status(a, 413)?;
                Ok(code)
            }) as Check,
        ),
        (
            Entry::Sts.label(),
            form_post(
                format!("{base}/aws/sts/"),
                big("Action=AssumeRoleWithSAML&SAMLAssertion=", SAML_BODY),
            ),
            Box::new(|a: &Answer| {
                let code = query_error_code(a, STS_NS)?;
                expect_status(a, 413)?;
                Ok(code)
            }),
        ),
        (
            Entry::IamCreate.label(),
            iam_request(
                sb,
                big(
                    "Action=CreateSAMLProvider&Version=2010-05-08&Name=Big&SAMLMetadataDocument=",
                    IAM_BODY,
                ),
            ),
            Box::new(|a: &Answer| {
                let code = query_error_code(a, IAM_NS)?;
                expect_status(a, 413)?;
                Ok(code)
            }),
        ),
        (
            Entry::EntraPost.label(),
            form_post(
                format!("{}/{DEFAULT_TENANT_ID}/saml2", sb.urls.entra_login()),
                big("SAMLRequest=", SAML_BODY),
            ),
            Box::new(|a: &Answer| {
                let code = aadsts_code(a)?;
                expect_status(a, 413)?;
                Ok(format!("AADSTS{code}"))
            }),
        ),
    ]
}

/// An AuthnRequest from the AWS app (its identifier is the AWS sign-in URL).
fn authn_request(id: &str) -> String {
    format!(
        "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\" Version=\"2.0\" IssueInstant=\"2026-01-01T00:00:00Z\" AssertionConsumerServiceURL=\"{AWS_ACS}\"><saml:Issuer>{AWS_ACS}</saml:Issuer></samlp:AuthnRequest>"
    )
}

/// After the corpus: alice signs in through every entry point that was attacked. IdP-initiated
/// → AWS sign-in → console session; SP-initiated over HTTP-Redirect → STS
/// AssumeRoleWithSAML; SP-initiated over HTTP-POST → AWS sign-in.
async fn alice_signs_in_end_to_end(urls: Urls, fx: Fixture) -> Result<(), String> {
    let http = browser_client();
    let err = |what: &str, e: &dyn std::fmt::Display| format!("{what}: {e}");
    // 1. IdP-initiated, then AWS sign-in and the console.
    let browser = browser_client();
    let posted = match sign_in(&urls, &browser, &fx.app_id, USER_ALICE_UPN, DEMO_PASSWORD).await {
        crate::entra::SignIn::Posted(p) => p,
        crate::entra::SignIn::Page(status, html) => {
            return Err(format!(
                "Entra sign-in answered HTTP {status}: {}",
                snippet(&html)
            ));
        }
    };
    console_session(&urls, &browser, &posted.action, &posted.saml_response).await?;

    // 2. SP-initiated over HTTP-Redirect; the response goes to STS.
    let url = format!(
        "{}/{DEFAULT_TENANT_ID}/saml2?{}",
        urls.entra_login(),
        form(&[(
            "SAMLRequest",
            connect_sso_saml::binding::encode_redirect(authn_request("_e2e-redirect").as_bytes())
                .as_bytes()
        )])
    );
    let posted = match sign_in_at(
        &browser_client(),
        urls.base(),
        &url,
        USER_ALICE_UPN,
        DEMO_PASSWORD,
    )
    .await
    {
        crate::entra::SignIn::Posted(p) => p,
        crate::entra::SignIn::Page(status, html) => {
            return Err(format!(
                "SP-initiated (Redirect) sign-in answered HTTP {status}: {}",
                snippet(&html)
            ));
        }
    };
    let sts = send(
        http.post(format!("{}/aws/sts/", urls.base()))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form(&[
                ("Action", b"AssumeRoleWithSAML"),
                ("Version", b"2011-06-15"),
                ("RoleArn", fx.role_arn.as_bytes()),
                ("PrincipalArn", fx.provider_arn.as_bytes()),
                ("SAMLAssertion", posted.saml_response.as_bytes()),
            ])),
    )
    .await
    .map_err(|e| err("STS AssumeRoleWithSAML", &format!("{e:?}")))?;
    if sts.status != 200 || element(&sts.body, "AccessKeyId").is_none() {
        return Err(format!(
            "STS AssumeRoleWithSAML answered HTTP {}: {}",
            sts.status,
            snippet(&sts.body)
        ));
    }
    let arn = element(&sts.body, "Arn").unwrap_or_default();
    if !arn.ends_with(&format!("assumed-role/{ROLE_NAME}/{USER_ALICE_UPN}")) {
        return Err(format!("STS assumed {arn}"));
    }

    // 3. SP-initiated over HTTP-POST; the response goes to AWS sign-in.
    let browser = browser_client();
    let page = send(
        browser
            .post(format!("{}/{DEFAULT_TENANT_ID}/saml2", urls.entra_login()))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form(&[(
                "SAMLRequest",
                connect_sso_saml::binding::encode_post(authn_request("_e2e-post").as_bytes())
                    .as_bytes(),
            )])),
    )
    .await
    .map_err(|e| err("SP-initiated (POST)", &format!("{e:?}")))?;
    let (Some(ctx), Some(action)) = (
        attr_after(&page.body, "name=\"ctx\"", "value"),
        attr_after(&page.body, "<form", "action"),
    ) else {
        return Err(format!(
            "SP-initiated (POST) answered HTTP {} without the sign-in form: {}",
            page.status,
            snippet(&page.body)
        ));
    };
    let done = send(browser.post(format!("{}{action}", urls.base())).form(&[
        ("ctx", ctx.as_str()),
        ("loginfmt", USER_ALICE_UPN),
        ("passwd", DEMO_PASSWORD),
    ]))
    .await
    .map_err(|e| err("Entra login", &format!("{e:?}")))?;
    let Some(posted) = parse_auto_post(&done.body) else {
        return Err(format!(
            "Entra login answered HTTP {}: {}",
            done.status,
            snippet(&done.body)
        ));
    };
    console_session(&urls, &browser, &posted.action, &posted.saml_response).await
}

/// Post a SAMLResponse to AWS sign-in and check the console says alice is signed in.
async fn console_session(
    urls: &Urls,
    browser: &reqwest::Client,
    action: &str,
    saml_response: &str,
) -> Result<(), String> {
    let signin = format!("{}/aws/signin/saml", urls.base());
    if action != signin {
        return Err(format!("the response is posted to {action}, not {signin}"));
    }
    let r = send(
        browser
            .post(action)
            .form(&[("SAMLResponse", saml_response)]),
    )
    .await
    .map_err(|e| format!("AWS sign-in: {e:?}"))?;
    if r.status != 302 {
        return Err(format!(
            "AWS sign-in answered HTTP {}: {}",
            r.status,
            snippet(&r.body)
        ));
    }
    let home = send(browser.get(format!("{}/aws/console/home", urls.base())))
        .await
        .map_err(|e| format!("console: {e:?}"))?;
    let want = format!("assumed-role/{ROLE_NAME}/{USER_ALICE_UPN}");
    if home.status != 200 || !home.body.contains(&want) {
        return Err(format!(
            "the console answered HTTP {} without {want}: {}",
            home.status,
            snippet(&home.body)
        ));
    }
    Ok(())
}

/// A client like a browser (cookies, no redirects followed), each request bounded in time.
fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}
