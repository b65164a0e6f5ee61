//! STS (awsQuery): `AssumeRoleWithSAML` (unsigned, as in AWS) with AWS's validation of the
//! assertion (docs/facts.md §3), and `GetCallerIdentity`. Issued session credentials are kept here
//! so that [`super::authenticate`] accepts them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use base64::Engine;
use connect_sso_saml::aws::{self as saml_aws, AwsRejection, RolePair};
use connect_sso_saml::{Rejection, VerifiedAssertion, VerifyOptions};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::iam::iso;
use super::ops::{Operation, operation};
use super::policy::{self, Decision, PolicyKind};
use super::query::{self, Params, STS_NS, Xml};
use super::{AwsError, Caller, SessionCredentials};
use crate::State;

/// A session issued by `AssumeRoleWithSAML`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedSession {
    /// The credentials.
    pub credentials: SessionCredentials,
    /// Expiry as a Unix timestamp.
    pub expires_at: i64,
    /// Account.
    pub account_id: String,
    /// Role name.
    pub role_name: String,
    /// Role ID (`AROA…`).
    pub role_id: String,
    /// RoleSessionName.
    pub session_name: String,
}

impl IssuedSession {
    /// The caller these credentials stand for.
    pub fn caller(&self) -> Caller {
        Caller::AssumedRole {
            account_id: self.account_id.clone(),
            role_name: self.role_name.clone(),
            role_id: self.role_id.clone(),
            session_name: self.session_name.clone(),
            access_key_id: self.credentials.access_key_id.clone(),
        }
    }
}

/// STS state: issued sessions by access key ID.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sts {
    /// Sessions by access key ID.
    pub sessions: BTreeMap<String, IssuedSession>,
}

impl Sts {
    /// The session of an access key.
    pub fn session(&self, access_key_id: &str) -> Option<&IssuedSession> {
        self.sessions.get(access_key_id)
    }
    /// Record a session (expired ones are dropped at the same time).
    pub fn insert(&mut self, s: IssuedSession, now: i64) {
        self.sessions.retain(|_, v| v.expires_at > now - 3600);
        self.sessions.insert(s.credentials.access_key_id.clone(), s);
    }
}

/// Random text from an alphabet.
fn random(alphabet: &[u8], n: usize) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect()
}

/// Fresh session credentials valid until `expires`.
pub fn new_credentials(expires: OffsetDateTime) -> SessionCredentials {
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    SessionCredentials {
        access_key_id: format!("ASIA{}", random(UPPER, 16)),
        secret_access_key: random(B64, 40),
        session_token: format!("IQoJb3JpZ2luX2VjE{}", random(B64, 300)),
        expiration: iso(expires),
    }
}

/// A SAML response that passed AWS's checks (signature, issuer, time, audience, recipient,
/// attributes). Which role to assume is decided afterwards.
#[derive(Debug, Clone)]
pub struct SamlLogin {
    /// The verified assertion.
    pub assertion: VerifiedAssertion,
    /// Roles, RoleSessionName and SessionDuration.
    pub signin: saml_aws::AwsSignIn,
    /// The recipient (becomes `SAML:aud`).
    pub recipient: String,
}

fn invalid_token(msg: impl Into<String>) -> AwsError {
    AwsError::bad_request("InvalidIdentityToken", msg)
}

/// Is `url` an AWS sign-in endpoint (global or regional)?
pub fn is_signin_url(url: &str) -> bool {
    url == saml_aws::SIGNIN_URL
        || url
            .strip_prefix("https://")
            .and_then(|r| r.strip_suffix(".signin.aws.amazon.com/saml"))
            .is_some_and(|region| {
                !region.is_empty()
                    && region
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            })
}

fn map_rejection(r: &Rejection) -> AwsError {
    match r {
        Rejection::Expired { .. } | Rejection::NotYetValid { .. } => AwsError::bad_request(
            "ExpiredTokenException",
            format!("Token must be redeemed within the assertion's validity period ({r})"),
        ),
        Rejection::Issuer { .. } => {
            invalid_token(format!("Issuer not present in specified provider ({r})"))
        }
        Rejection::StatusNotSuccess(_) => AwsError::new(
            axum::http::StatusCode::FORBIDDEN,
            "IDPRejectedClaim",
            format!("The identity provider reported that authentication failed ({r})"),
        ),
        Rejection::BadSignature
        | Rejection::DigestMismatch(_)
        | Rejection::Unsigned
        | Rejection::BadReference(_) => invalid_token(format!("Response signature invalid ({r})")),
        _ => invalid_token(format!("Invalid SAML response: {r}")),
    }
}

fn map_aws_rejection(r: &AwsRejection) -> AwsError {
    invalid_token(r.to_string())
}

/// Decode the base64 `SAMLAssertion` (STS) or `SAMLResponse` (AWS sign-in) value as AWS does.
///
/// The length is checked first, on the value as posted and before anything is decoded: AWS
/// refuses more than [`saml_aws::MAX_SAML_RESPONSE_LEN`] characters with a `ValidationError`
/// (docs/facts.md §3). Whitespace (line breaks of wrapped base64) is then ignored and the rest must
/// be standard base64, else `InvalidIdentityToken`.
pub fn decode_saml_value(value: &str) -> Result<Vec<u8>, AwsError> {
    saml_aws::check_saml_response_len(value.chars().count())
        .map_err(|e| AwsError::validation(e.to_string()))?;
    let cleaned: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|_| invalid_token("Invalid base64 SAMLResponse"))
}

/// What STS trusts in one IAM SAML provider: the metadata's entity ID (the expected Issuer)
/// and its signing certificates.
#[derive(Debug, Clone)]
pub struct TrustedProvider {
    /// The entity ID the Issuer must equal.
    pub entity_id: String,
    /// Certificates a signature may verify with.
    pub certificates: Vec<connect_sso_saml::Certificate>,
}

impl TrustedProvider {
    /// The trust held by an IAM SAML provider (certificates that do not decode are skipped).
    pub fn of(provider: &super::iam::SamlProvider) -> Self {
        Self {
            entity_id: provider.entity_id.clone(),
            certificates: provider
                .certificates
                .iter()
                .filter_map(|c| connect_sso_saml::Certificate::from_base64(c).ok())
                .collect(),
        }
    }
}

/// Verify a decoded SAML response as STS and AWS sign-in do, at `now`, against each of
/// `providers` in turn: signature, Issuer, time, then AWS's audience, recipient and attribute
/// rules. Pure (no state, no clock), so that the fuzz target drives exactly this code.
///
/// Every refusal is an [`AwsError`] in STS's vocabulary (`InvalidIdentityToken`,
/// `ExpiredTokenException`, `IDPRejectedClaim`); the last provider's refusal is returned.
pub fn verify_saml(
    xml: &[u8],
    providers: &[TrustedProvider],
    now: OffsetDateTime,
) -> Result<SamlLogin, AwsError> {
    let mut last_err = None;
    for provider in providers {
        let mut opts = VerifyOptions::new(provider.certificates.clone(), now);
        opts.expected_issuer = Some(provider.entity_id.clone());
        opts.allow_sha1 = true;
        match connect_sso_saml::verify_response(xml, &opts) {
            Ok(assertion) => return finish(assertion),
            Err(connect_sso_saml::Error::Rejected(r)) => last_err = Some(map_rejection(&r)),
            Err(e) => last_err = Some(invalid_token(format!("Invalid SAML response: {e}"))),
        }
    }
    Err(last_err.unwrap_or_else(|| invalid_token("No SAML provider exists in this account")))
}

/// The providers STS trusts for a request: the one named by `provider_arn`, or (AWS sign-in,
/// `None`) every provider of the account, one of which the assertion's Role values name.
/// Empty when there is none.
pub fn trusted_providers(state: &State, provider_arn: Option<&str>) -> Vec<TrustedProvider> {
    let iam = state.aws.iam_lock();
    match provider_arn {
        Some(arn) => iam
            .provider_by_arn(arn)
            .map(TrustedProvider::of)
            .into_iter()
            .collect(),
        None => iam
            .saml_providers
            .values()
            .map(TrustedProvider::of)
            .collect(),
    }
}

/// Validate a base64 SAMLResponse as STS and AWS sign-in do, trusting the SAML provider
/// `provider_arn` (or, when `None`, every provider of the account): [`decode_saml_value`],
/// [`trusted_providers`], then [`verify_saml`] at the sandbox's clock.
pub fn validate_saml(
    state: &State,
    saml_b64: &str,
    provider_arn: Option<&str>,
) -> Result<SamlLogin, AwsError> {
    let xml = decode_saml_value(saml_b64)?;
    let providers = trusted_providers(state, provider_arn);
    if let (Some(arn), true) = (provider_arn, providers.is_empty()) {
        return Err(invalid_token(format!("SAML Provider not found: {arn}")));
    }
    verify_saml(&xml, &providers, state.aws.now())
}

fn finish(assertion: VerifiedAssertion) -> Result<SamlLogin, AwsError> {
    let aud_ok = assertion
        .audiences
        .iter()
        .any(|a| is_signin_url(a) || a == saml_aws::AUDIENCE_URN);
    if !aud_ok {
        return Err(map_aws_rejection(&AwsRejection::Audience(
            assertion.audiences.clone(),
        )));
    }
    let recipient = assertion.recipient.clone().unwrap_or_default();
    if !is_signin_url(&recipient) {
        return Err(map_aws_rejection(&AwsRejection::Recipient(recipient)));
    }
    if let Some(d) = &assertion.destination
        && !is_signin_url(d)
    {
        return Err(map_aws_rejection(&AwsRejection::Recipient(d.clone())));
    }
    let signin = saml_aws::check(&assertion).map_err(|e| map_aws_rejection(&e))?;
    Ok(SamlLogin {
        assertion,
        signin,
        recipient,
    })
}

/// What `AssumeRoleWithSAML` returns besides the credentials.
#[derive(Debug, Clone)]
pub struct Assumed {
    /// The new session.
    pub session: IssuedSession,
    /// `arn:aws:sts::<acct>:assumed-role/<role>/<session>`.
    pub assumed_role_arn: String,
    /// `NameQualifier`.
    pub name_qualifier: String,
    /// `SubjectType`.
    pub subject_type: String,
}

fn not_authorized() -> AwsError {
    AwsError::access_denied("Not authorized to perform sts:AssumeRoleWithSAML")
}

/// Assume `role_arn` with an accepted SAML login: the pair must be offered by the assertion,
/// role and provider must exist, and the role's trust policy must allow it.
pub fn assume(
    state: &State,
    login: &SamlLogin,
    pair: &RolePair,
    requested_duration: Option<i64>,
) -> Result<Assumed, AwsError> {
    if !login.signin.roles.contains(pair) {
        return Err(not_authorized());
    }
    let now = state.aws.now();
    let (role, provider) = {
        let iam = state.aws.iam_lock();
        let role = iam
            .role_by_arn(&pair.role_arn)
            .cloned()
            .ok_or_else(not_authorized)?;
        let provider = iam
            .provider_by_arn(&pair.provider_arn)
            .cloned()
            .ok_or_else(|| {
                invalid_token(format!("SAML Provider not found: {}", pair.provider_arn))
            })?;
        (role, provider)
    };
    let trust =
        policy::parse(&role.trust_policy, PolicyKind::Trust).map_err(|_| not_authorized())?;
    let a = &login.assertion;
    let subject_type = match a.name_id_format.as_deref() {
        Some(connect_sso_saml::ns::NAMEID_PERSISTENT) => "persistent".to_string(),
        Some("urn:oasis:names:tc:SAML:2.0:nameid-format:transient") => "transient".to_string(),
        Some(f) => f.to_string(),
        None => "unspecified".to_string(),
    };
    let account = role.arn.split(':').nth(4).unwrap_or_default().to_string();
    let name_qualifier = {
        let d = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            format!("{}{}/{}", a.issuer, account, provider.name).as_bytes(),
        );
        base64::engine::general_purpose::STANDARD.encode(d.as_ref())
    };
    let mut ctx = BTreeMap::new();
    ctx.insert("SAML:aud".to_string(), login.recipient.clone());
    ctx.insert("SAML:iss".to_string(), a.issuer.clone());
    ctx.insert("SAML:sub".to_string(), a.subject.clone());
    ctx.insert("SAML:sub_type".to_string(), subject_type.clone());
    ctx.insert("SAML:namequalifier".to_string(), name_qualifier.clone());
    ctx.insert(
        "SAML:doc".to_string(),
        format!("{account}/{}", provider.name),
    );
    if policy::evaluate_trust(
        &trust,
        "Federated",
        &provider.arn,
        "sts:AssumeRoleWithSAML",
        &ctx,
    ) != Decision::Allow
    {
        return Err(not_authorized());
    }
    // Duration: request parameter (900–43200 s: the model), else the SessionDuration
    // attribute, else 1 hour; capped by the role's MaxSessionDuration (docs/facts.md §3).
    let duration = match requested_duration {
        Some(d) => {
            if d > role.max_session_duration {
                return Err(AwsError::validation(format!(
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role ({}).",
                    role.max_session_duration
                )));
            }
            d
        }
        None => login
            .signin
            .session_duration
            .map_or(3600, i64::from)
            .min(role.max_session_duration),
    };
    let expires = now + time::Duration::seconds(duration);
    let session = IssuedSession {
        credentials: new_credentials(expires),
        expires_at: expires.unix_timestamp(),
        account_id: account.clone(),
        role_name: role.name.clone(),
        role_id: role.role_id.clone(),
        session_name: login.signin.role_session_name.clone(),
    };
    state
        .aws
        .sts_lock()
        .insert(session.clone(), now.unix_timestamp());
    state.aws.changed();
    Ok(Assumed {
        assumed_role_arn: format!(
            "arn:aws:sts::{account}:assumed-role/{}/{}",
            role.name, session.session_name
        ),
        session,
        name_qualifier,
        subject_type,
    })
}

/// An STS handler: the caller (`None` for the unsigned AssumeRoleWithSAML) and the parameters
/// in, the answer's Result members out.
type Handler = fn(&State, Option<&Caller>, &Params) -> Result<Xml, AwsError>;

/// Every STS operation the sandbox emulates.
pub const OPERATIONS: &[Operation<Handler>] = &[
    operation!("AssumeRoleWithSAML", assume_role_with_saml),
    operation!("GetCallerIdentity", get_caller_identity),
];

fn assume_role_with_saml(state: &State, _: Option<&Caller>, p: &Params) -> Result<Xml, AwsError> {
    // An over-long assertion gets AWS's own message (docs/facts.md §3) before the model's checks.
    let saml = p.get("SAMLAssertion").unwrap_or_default();
    saml_aws::check_saml_response_len(saml.chars().count())
        .map_err(|e| AwsError::validation(e.to_string()))?;
    super::model::validate_query("sts", "AssumeRoleWithSAML", p)?;
    let role_arn = p.get("RoleArn").unwrap_or_default();
    let principal_arn = p.get("PrincipalArn").unwrap_or_default();
    // Not in the model (its arnType only bounds the length): AWS's answer to a non-ARN.
    for arn in [role_arn, principal_arn] {
        if !arn.starts_with("arn:aws") || arn.split(':').count() < 6 {
            return Err(AwsError::validation("Request ARN is invalid"));
        }
    }
    let duration = p.int("DurationSeconds");
    let login = validate_saml(state, saml, Some(principal_arn))?;
    let pair = RolePair {
        role_arn: role_arn.to_string(),
        provider_arn: principal_arn.to_string(),
    };
    let assumed = assume(state, &login, &pair, duration)?;
    let c = &assumed.session.credentials;
    let mut x = Xml::new();
    x.el("Issuer", &login.assertion.issuer)
        .open("AssumedRoleUser")
        .el("Arn", &assumed.assumed_role_arn)
        .el(
            "AssumedRoleId",
            &format!(
                "{}:{}",
                assumed.session.role_id, assumed.session.session_name
            ),
        )
        .close("AssumedRoleUser")
        .open("Credentials")
        .el("AccessKeyId", &c.access_key_id)
        .el("SecretAccessKey", &c.secret_access_key)
        .el("SessionToken", &c.session_token)
        .el("Expiration", &c.expiration)
        .close("Credentials")
        .el("Audience", &login.recipient)
        .el("SubjectType", &assumed.subject_type)
        .el("NameQualifier", &assumed.name_qualifier)
        .el("Subject", &login.assertion.subject);
    Ok(x)
}

fn get_caller_identity(_: &State, caller: Option<&Caller>, _: &Params) -> Result<Xml, AwsError> {
    let caller = caller.ok_or_else(|| AwsError::internal("GetCallerIdentity without a caller"))?;
    let user_id = match caller {
        Caller::Admin { .. } => super::ADMIN_USER_ID.to_string(),
        Caller::AssumedRole { .. } => caller.aws_userid(),
    };
    let mut x = Xml::new();
    x.el("Arn", &caller.arn())
        .el("UserId", &user_id)
        .el("Account", caller.account_id());
    Ok(x)
}

/// The STS endpoint: `POST /aws/sts/` (awsQuery). `AssumeRoleWithSAML` needs no signature;
/// every other action does.
pub async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    req: axum::extract::Request,
) -> Response {
    let result = async {
        let (parts, body, p, action) = query::read(req, super::MAX_SAML_BODY_BYTES).await?;
        if action.is_empty() {
            return Err(AwsError::bad_request("MissingAction", "Missing Action"));
        }
        let caller = match action.as_str() {
            "AssumeRoleWithSAML" => None,
            _ => Some(super::authenticate(&state, "sts", &parts, &body)?),
        };
        let op = super::ops::find(OPERATIONS, &action, "2011-06-15")?;
        super::throttle_and_faults(&state, "sts", op.name).await?;
        let x = (op.run)(&state, caller.as_ref(), &p);
        let checked = x.as_ref().map(|_| None).map_err(|e| e.code.as_str());
        super::model::debug_check("sts", op.name, checked);
        let mut x = x?;
        Ok(query::ok(STS_NS, op.name, Some(&x.finish())))
    }
    .await;
    result.unwrap_or_else(|e| e.into_query(STS_NS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saml_values_over_100000_characters_are_refused_before_decoding() {
        let max = saml_aws::MAX_SAML_RESPONSE_LEN;
        // At the limit: decoded (here, invalid base64 on purpose: the refusal says so).
        let at = decode_saml_value(&"!".repeat(max)).expect_err("not base64");
        assert_eq!(at.code, "InvalidIdentityToken");
        // One over: AWS's length error, whatever the characters; whitespace counts.
        for over in ["A".repeat(max + 1), format!("{}\n", "A".repeat(max))] {
            let e = decode_saml_value(&over).expect_err("too long");
            assert_eq!(e.code, "ValidationError");
            assert!(
                e.message.starts_with("1 validation error detected: Value at 'SAMLAssertion' failed to satisfy constraint: Member must have length less than or equal to 100000"),
                "{}",
                e.message
            );
        }
        // Wrapped base64 within the limit decodes.
        assert_eq!(
            decode_saml_value("PHg+\r\nPC94Pg==").expect("decodes"),
            b"<x></x>"
        );
    }

    /// A response Entra-like in every way but with its bearer SubjectConfirmation doubled,
    /// signed by `key`; `expired_first` puts an expired copy before the good one.
    fn two_confirmations(key: &connect_sso_saml::SigningKey, expired_first: bool) -> String {
        use connect_sso_saml::{Attribute, ResponseSpec, SignOptions, ns};
        let now = time::macros::datetime!(2025-06-02 09:00 UTC);
        let spec = ResponseSpec {
            response_id: "_r".into(),
            assertion_id: "_a".into(),
            issuer: "https://sts.windows.net/t/".into(),
            destination: saml_aws::SIGNIN_URL.into(),
            in_response_to: None,
            issue_instant: now,
            name_id: "alice@contoso.com".into(),
            name_id_format: ns::NAMEID_EMAIL.into(),
            audiences: vec![saml_aws::SIGNIN_URL.into()],
            not_before: now - time::Duration::minutes(5),
            not_on_or_after: now + time::Duration::hours(1),
            authn_instant: now,
            session_index: None,
            authn_context_class: "urn:oasis:names:tc:SAML:2.0:ac:classes:Password".into(),
            attributes: vec![
                Attribute {
                    name: saml_aws::ATTR_ROLE.into(),
                    values: vec!["arn:aws:iam::111122223333:role/R,arn:aws:iam::111122223333:saml-provider/P".into()],
                },
                Attribute {
                    name: saml_aws::ATTR_ROLE_SESSION_NAME.into(),
                    values: vec!["alice@contoso.com".into()],
                },
            ],
        };
        let unsigned = connect_sso_saml::sign_response(
            &spec,
            key,
            SignOptions {
                sign_assertion: false,
                ..SignOptions::default()
            },
        )
        .expect("unsigned response");
        let start = unsigned
            .find("<SubjectConfirmation ")
            .expect("confirmation");
        let end = unsigned.find("</SubjectConfirmation>").expect("end") + 22;
        let good = &unsigned[start..end];
        let expired = good.replace(
            &connect_sso_saml::inspect(unsigned.as_bytes())
                .expect("inspect")
                .subject_not_on_or_after
                .expect("NotOnOrAfter"),
            "2000-01-01T00:00:00.000Z",
        );
        let pair = if expired_first {
            format!("{expired}{good}")
        } else {
            format!("{good}{expired}")
        };
        let xml = format!("{}{pair}{}", &unsigned[..start], &unsigned[end..]);
        connect_sso_saml::sign_response_xml(&xml, "_r", "_a", key, SignOptions::default())
            .expect("sign")
    }

    #[test]
    fn two_subject_confirmations_are_refused_in_either_order() {
        let now = time::macros::datetime!(2025-06-02 09:01 UTC);
        let key = connect_sso_saml::SigningKey::generate(
            "idp",
            now - time::Duration::days(1),
            now + time::Duration::days(365),
        )
        .expect("key");
        let providers = [TrustedProvider {
            entity_id: "https://sts.windows.net/t/".into(),
            certificates: vec![key.certificate().clone()],
        }];
        for expired_first in [true, false] {
            let xml = two_confirmations(&key, expired_first);
            let e = verify_saml(xml.as_bytes(), &providers, now).expect_err("two confirmations");
            assert_eq!(e.code, "InvalidIdentityToken", "{}", e.message);
            assert!(
                e.message.contains("exactly one SubjectConfirmation"),
                "expired first: {expired_first}: {}",
                e.message
            );
        }
    }

    #[test]
    fn without_providers_nothing_verifies() {
        let e = verify_saml(b"<x/>", &[], OffsetDateTime::now_utc()).expect_err("no provider");
        assert_eq!(e.code, "InvalidIdentityToken");
    }
}
