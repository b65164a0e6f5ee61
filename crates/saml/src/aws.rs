//! The rules AWS sign-in and STS `AssumeRoleWithSAML` apply to a verified assertion
//! (docs/facts.md §3). A layer on top of [`crate::verify_response`]: each failure carries the
//! message AWS gives, so that our errors match what users see in the console.

use crate::{Attribute, VerifiedAssertion};

/// AWS sign-in endpoint (global ACS and default audience).
pub const SIGNIN_URL: &str = "https://signin.aws.amazon.com/saml";
/// Audience of IAM Identity Center's Amazon Connect application.
pub const AUDIENCE_URN: &str = "urn:amazon:webservices";
/// Attribute name carrying `role,provider` pairs (case-sensitive).
pub const ATTR_ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// Attribute name carrying the role session name.
pub const ATTR_ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
/// Attribute name carrying the session duration in seconds.
pub const ATTR_SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";

/// Regional sign-in URL, e.g. `https://us-east-1.signin.aws.amazon.com/saml`.
pub fn regional_signin_url(region: &str) -> String {
    format!("https://{region}.signin.aws.amazon.com/saml")
}

/// Most characters of the base64 `SAMLResponse` AWS accepts (docs/facts.md §3: STS
/// `AssumeRoleWithSAML` takes a `SAMLAssertion` of 4 to 100,000 characters; AWS sign-in posts
/// the same value to STS).
pub const MAX_SAML_RESPONSE_LEN: usize = 100_000;

/// Refuse a base64 `SAMLResponse` longer than AWS accepts ([`MAX_SAML_RESPONSE_LEN`]).
///
/// `base64_len` is the length of the form value as posted; for raw XML use
/// [`encoded_len`] to know what its base64 form would be.
pub fn check_saml_response_len(base64_len: usize) -> Result<(), AwsRejection> {
    if base64_len > MAX_SAML_RESPONSE_LEN {
        return Err(AwsRejection::ResponseTooLong { length: base64_len });
    }
    Ok(())
}

/// The length of the standard (padded) base64 encoding of `xml_len` bytes: what the
/// `SAMLResponse` form field would hold.
pub fn encoded_len(xml_len: usize) -> usize {
    xml_len.div_ceil(3).saturating_mul(4)
}

/// One value of the Role attribute: a role ARN and a SAML provider ARN.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RolePair {
    /// `arn:aws:iam::<acct>:role/<name>`.
    pub role_arn: String,
    /// `arn:aws:iam::<acct>:saml-provider/<name>`.
    pub provider_arn: String,
}

/// What AWS takes from an accepted assertion.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AwsSignIn {
    /// Role pairs offered (more than one → AWS shows a role chooser).
    pub roles: Vec<RolePair>,
    /// The RoleSessionName (becomes the Connect username).
    pub role_session_name: String,
    /// SessionDuration in seconds, if given.
    pub session_duration: Option<u32>,
}

/// Why AWS would refuse an assertion that is otherwise valid SAML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AwsRejection {
    /// The Role attribute is missing, empty, or a value is not a `role,provider` ARN pair.
    #[error("Your request included an invalid SAML response. {detail}")]
    InvalidRole {
        /// What exactly is wrong (our addition; AWS says only the first sentence).
        detail: String,
    },
    /// RoleSessionName is missing.
    #[error("RoleSessionName is required in AuthnResponse")]
    RoleSessionNameMissing,
    /// RoleSessionName does not match the pattern.
    #[error("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{{2,64}} (got {0:?})")]
    RoleSessionNameInvalid(String),
    /// SessionDuration outside 900–43200 or not a number.
    #[error("SessionDuration must be a number of seconds between 900 and 43200 (got {0:?})")]
    SessionDurationInvalid(String),
    /// Audience is not an AWS sign-in audience.
    #[error(
        "Your request included an invalid SAML response. The audience must be {SIGNIN_URL} or {AUDIENCE_URN} (got {0:?})"
    )]
    Audience(Vec<String>),
    /// Recipient is not an AWS sign-in endpoint.
    #[error(
        "Your request included an invalid SAML response. The Recipient must be an AWS sign-in endpoint (got {0:?})"
    )]
    Recipient(String),
    /// RoleSessionName is missing, but an attribute with a near-miss name is present
    /// (case, `http` versus `https`, trailing slash; docs/facts.md §6.1).
    #[error(
        "RoleSessionName is required in AuthnResponse. The assertion has an attribute named {0:?}, but AWS requires exactly {ATTR_ROLE_SESSION_NAME:?} (attribute names are case-sensitive)"
    )]
    RoleSessionNameMistyped(String),
    /// The base64 SAMLResponse is longer than STS accepts (docs/facts.md §3). The first sentence
    /// is AWS's validation message for `SAMLAssertion` [I: wording from the API's length
    /// constraint].
    #[error(
        "1 validation error detected: Value at 'SAMLAssertion' failed to satisfy constraint: Member must have length less than or equal to {MAX_SAML_RESPONSE_LEN} (the SAMLResponse is {length} characters of base64)"
    )]
    ResponseTooLong {
        /// Characters of base64 in the response.
        length: usize,
    },
    /// The assertion's Subject holds other than exactly one SubjectConfirmation (docs/facts.md §3).
    #[error(
        "Your request included an invalid SAML response. AWS requires exactly one SubjectConfirmation (bearer) in the Subject; this assertion has {0}"
    )]
    SubjectConfirmationCount(usize),
}

/// Apply AWS's attribute rules to a verified assertion.
///
/// Checks, in order: the audience (docs/facts.md §3: the sign-in URL, a regional sign-in URL or
/// `urn:amazon:webservices`), exactly one SubjectConfirmation, the bearer Recipient and the Response Destination (an AWS
/// sign-in endpoint), the Role attribute, RoleSessionName and SessionDuration.
pub fn check(assertion: &VerifiedAssertion) -> Result<AwsSignIn, AwsRejection> {
    check_audience(&assertion.audiences)?;
    if assertion.subject_confirmations != 1 {
        return Err(AwsRejection::SubjectConfirmationCount(
            assertion.subject_confirmations,
        ));
    }
    check_recipient(assertion.recipient.as_deref())?;
    if let Some(destination) = assertion.destination.as_deref() {
        check_recipient(Some(destination))?;
    }
    let roles = check_roles(&assertion.attributes)?;
    let role_session_name = check_role_session_name(&assertion.attributes)?;
    let session_duration = check_session_duration(&assertion.attributes)?;
    Ok(AwsSignIn {
        roles,
        role_session_name,
        session_duration,
    })
}

/// True when `name` matches `[\w+=,.@-]{2,64}` (the RoleSessionName rule).
pub fn is_valid_role_session_name(name: &str) -> bool {
    let n = name.chars().count();
    (2..=64).contains(&n)
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// True when `url` is an AWS sign-in SAML endpoint: `https://signin.aws.amazon.com/saml`,
/// `https://<region>.signin.aws.amazon.com/saml`, or the same in the China
/// (`signin.amazonaws.cn`) and GovCloud (`signin.amazonaws-us-gov.com`) partitions.
/// A `#…` fragment (Entra's `#2` identifier suffix, docs/facts.md §4) is not an endpoint.
pub fn is_signin_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let Some(host) = rest.strip_suffix("/saml") else {
        return false;
    };
    [
        "signin.aws.amazon.com",
        "signin.amazonaws.cn",
        "signin.amazonaws-us-gov.com",
    ]
    .iter()
    .any(|base| {
        host == *base
            || host
                .strip_suffix(base)
                .and_then(|r| r.strip_suffix('.'))
                .is_some_and(is_region_name)
    })
}

/// True when `audience` is one AWS sign-in accepts: a sign-in endpoint ([`is_signin_url`]) or
/// `urn:amazon:webservices` (and its GovCloud form `urn:amazon:webservices:govcloud-us` [I]).
pub fn is_aws_audience(audience: &str) -> bool {
    audience == AUDIENCE_URN
        || audience == "urn:amazon:webservices:govcloud-us"
        || is_signin_url(audience)
}

/// `us-east-1`, `eu-west-2`, `us-gov-west-1`, `cn-north-1`: lower-case letters and digits in
/// dash-separated parts, ending in a number.
fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

/// The audience rule (docs/facts.md §3).
pub(crate) fn check_audience(audiences: &[String]) -> Result<(), AwsRejection> {
    if audiences.iter().any(|a| is_aws_audience(a)) {
        Ok(())
    } else {
        Err(AwsRejection::Audience(audiences.to_vec()))
    }
}

/// The Recipient / Destination rule (docs/facts.md §3; `#n` suffixes: docs/facts.md §4).
pub(crate) fn check_recipient(recipient: Option<&str>) -> Result<(), AwsRejection> {
    match recipient {
        Some(r) if is_signin_url(r) => Ok(()),
        Some(r) => Err(AwsRejection::Recipient(r.to_string())),
        None => Err(AwsRejection::Recipient(String::new())),
    }
}

/// An attribute whose name is a near miss of `expected`: differs only in case, `http` versus
/// `https`, surrounding whitespace or a trailing slash, or is only the last path segment
/// (`Role`, `roleSessionName`). docs/facts.md §6.1: names are case-sensitive and this is the most
/// common cause of "Your request included an invalid SAML response".
pub fn find_mistyped_attribute<'a>(
    attributes: &'a [Attribute],
    expected: &str,
) -> Option<&'a Attribute> {
    let want = normalise_attribute_name(expected);
    let last = expected.rsplit('/').next().unwrap_or(expected);
    attributes.iter().find(|a| {
        a.name != expected
            && (normalise_attribute_name(&a.name) == want
                || a.name.trim().eq_ignore_ascii_case(last))
    })
}

fn normalise_attribute_name(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    let lower = lower.trim_end_matches('/');
    match lower.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => lower.to_string(),
    }
}

/// Where the text "the attribute is missing" can say more: a mistyped name, or role ARNs
/// sent under another attribute (e.g. Entra's default role claim).
fn missing_attribute_detail(attributes: &[Attribute], expected: &str, what: &str) -> String {
    if let Some(a) = find_mistyped_attribute(attributes, expected) {
        return format!(
            "The assertion has an attribute named {:?}, but AWS requires exactly {expected:?} \
             (attribute names are case-sensitive); rename the claim in the IdP.",
            a.name
        );
    }
    if expected == ATTR_ROLE {
        let carrier = attributes
            .iter()
            .find(|a| a.values.iter().any(|v| v.contains(":saml-provider/")));
        if let Some(a) = carrier {
            return format!(
                "Role ARN pairs are sent in the attribute {:?}; AWS reads them only from {expected:?}.",
                a.name
            );
        }
    }
    format!("The assertion has no {expected} attribute; {what}")
}

/// The Role attribute rule (docs/facts.md §3).
pub(crate) fn check_roles(attributes: &[Attribute]) -> Result<Vec<RolePair>, AwsRejection> {
    let Some(values) = attribute(attributes, ATTR_ROLE) else {
        return Err(AwsRejection::InvalidRole {
            detail: missing_attribute_detail(
                attributes,
                ATTR_ROLE,
                "check the claim mapping and that the user is assigned an app role.",
            ),
        });
    };
    if values.is_empty() {
        return Err(AwsRejection::InvalidRole {
            detail: format!(
                "The {ATTR_ROLE} attribute has no values: the user is probably not assigned an app role."
            ),
        });
    }
    values
        .iter()
        .map(|v| parse_role_pair(v).map_err(|detail| AwsRejection::InvalidRole { detail }))
        .collect()
}

/// Parse one Role value: `roleArn,providerArn` in either order, no spaces.
pub fn parse_role_pair(value: &str) -> Result<RolePair, String> {
    if value.chars().any(char::is_whitespace) {
        return Err(format!(
            "The Role value {value:?} contains whitespace; it must be `roleArn,providerArn` with no spaces."
        ));
    }
    let parts: Vec<&str> = value.split(',').collect();
    let [a, b] = parts.as_slice() else {
        return Err(format!(
            "The Role value {value:?} has {} comma-separated part(s); it must be exactly a role ARN and a SAML provider ARN separated by one comma.",
            parts.len()
        ));
    };
    let kind_a = iam_arn_kind(a).map_err(|e| format!("In the Role value {value:?}: {e}"))?;
    let kind_b = iam_arn_kind(b).map_err(|e| format!("In the Role value {value:?}: {e}"))?;
    match (kind_a, kind_b) {
        (IamArnKind::Role, IamArnKind::SamlProvider) => Ok(RolePair {
            role_arn: a.to_string(),
            provider_arn: b.to_string(),
        }),
        (IamArnKind::SamlProvider, IamArnKind::Role) => Ok(RolePair {
            role_arn: b.to_string(),
            provider_arn: a.to_string(),
        }),
        (IamArnKind::Role, IamArnKind::Role) => Err(format!(
            "The Role value {value:?} holds two role ARNs; one of them must be a SAML provider ARN."
        )),
        (IamArnKind::SamlProvider, IamArnKind::SamlProvider) => Err(format!(
            "The Role value {value:?} holds two SAML provider ARNs; one of them must be a role ARN."
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IamArnKind {
    Role,
    SamlProvider,
}

/// `arn:<aws|aws-us-gov|aws-cn>:iam::<12 digits>:role/<path/>name` or `…:saml-provider/<name>`.
fn iam_arn_kind(arn: &str) -> Result<IamArnKind, String> {
    let bad = |why: &str| format!("{arn:?} is not an IAM role or SAML provider ARN ({why})");
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return Err(bad("expected arn:aws:iam::<account>:<resource>"));
    };
    if *prefix != "arn" {
        return Err(bad("it does not start with arn:"));
    }
    if !["aws", "aws-us-gov", "aws-cn"].contains(partition) {
        return Err(bad("unknown partition"));
    }
    if *service != "iam" {
        return Err(bad("the service is not iam"));
    }
    if !region.is_empty() {
        return Err(bad("IAM ARNs have no region"));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("the account ID must be 12 digits"));
    }
    if let Some(rest) = resource.strip_prefix("role/") {
        let mut segments: Vec<&str> = rest.split('/').collect();
        let name = segments.pop().unwrap_or_default();
        let name_ok = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !name_ok {
            return Err(bad(
                "the role name must be 1-64 characters of [A-Za-z0-9_+=,.@-]",
            ));
        }
        let path_ok = segments
            .iter()
            .all(|s| !s.is_empty() && s.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        if !path_ok {
            return Err(bad("the role path has an empty or invalid segment"));
        }
        Ok(IamArnKind::Role)
    } else if let Some(name) = resource.strip_prefix("saml-provider/") {
        let ok = (1..=128).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if ok {
            Ok(IamArnKind::SamlProvider)
        } else {
            Err(bad(
                "the provider name must be 1-128 characters of [A-Za-z0-9._-]",
            ))
        }
    } else {
        Err(bad("the resource is neither role/… nor saml-provider/…"))
    }
}

/// The RoleSessionName rule (docs/facts.md §3).
pub(crate) fn check_role_session_name(attributes: &[Attribute]) -> Result<String, AwsRejection> {
    let Some(values) = attribute(attributes, ATTR_ROLE_SESSION_NAME) else {
        return Err(
            match find_mistyped_attribute(attributes, ATTR_ROLE_SESSION_NAME) {
                Some(a) => AwsRejection::RoleSessionNameMistyped(a.name.clone()),
                None => AwsRejection::RoleSessionNameMissing,
            },
        );
    };
    match values {
        [] => Err(AwsRejection::RoleSessionNameMissing),
        [name] if is_valid_role_session_name(name) => Ok(name.clone()),
        [name] => Err(AwsRejection::RoleSessionNameInvalid(name.clone())),
        several => Err(AwsRejection::RoleSessionNameInvalid(several.join(","))),
    }
}

/// The SessionDuration rule (docs/facts.md §3): absent, or one value 900–43200.
pub(crate) fn check_session_duration(
    attributes: &[Attribute],
) -> Result<Option<u32>, AwsRejection> {
    let Some(values) = attribute(attributes, ATTR_SESSION_DURATION) else {
        return Ok(None);
    };
    match values {
        [v] => match v.parse::<u32>() {
            Ok(n) if (900..=43200).contains(&n) => Ok(Some(n)),
            _ => Err(AwsRejection::SessionDurationInvalid(v.clone())),
        },
        other => Err(AwsRejection::SessionDurationInvalid(other.join(","))),
    }
}

fn attribute<'a>(attributes: &'a [Attribute], name: &str) -> Option<&'a [String]> {
    attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.values.as_slice())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is the failure report
mod tests {
    use super::*;
    use crate::{SignatureAlgorithm, SignedPart};

    const ROLE: &str = "arn:aws:iam::111122223333:role/ConnectAgents";
    const PROVIDER: &str = "arn:aws:iam::111122223333:saml-provider/EntraID";

    fn attr(name: &str, values: &[&str]) -> Attribute {
        Attribute {
            name: name.to_string(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn assertion(attributes: Vec<Attribute>) -> VerifiedAssertion {
        VerifiedAssertion {
            issuer: "https://sts.windows.net/tenant/".into(),
            subject: "alice@example.com".into(),
            name_id_format: None,
            attributes,
            audiences: vec![SIGNIN_URL.into()],
            destination: Some(SIGNIN_URL.into()),
            recipient: Some(SIGNIN_URL.into()),
            subject_confirmations: 1,
            not_before: None,
            not_on_or_after: None,
            session_index: None,
            signed_parts: vec![SignedPart::Assertion],
            algorithm: SignatureAlgorithm::RsaSha256,
            sha1_used: false,
            signing_certificate_thumbprint: "00".into(),
        }
    }

    fn good() -> Vec<Attribute> {
        vec![
            attr(ATTR_ROLE, &[&format!("{ROLE},{PROVIDER}")]),
            attr(ATTR_ROLE_SESSION_NAME, &["alice@example.com"]),
        ]
    }

    #[test]
    fn accepts_a_well_formed_assertion() {
        let ok = check(&assertion(good())).expect("accepted");
        assert_eq!(ok.role_session_name, "alice@example.com");
        assert_eq!(ok.roles[0].role_arn, ROLE);
        assert_eq!(ok.roles[0].provider_arn, PROVIDER);
        assert_eq!(ok.session_duration, None);
    }

    #[test]
    fn role_pair_in_either_order_facts_3() {
        let mut attrs = good();
        attrs[0] = attr(ATTR_ROLE, &[&format!("{PROVIDER},{ROLE}")]);
        let ok = check(&assertion(attrs)).expect("accepted");
        assert_eq!(ok.roles[0].role_arn, ROLE);
        assert_eq!(ok.roles[0].provider_arn, PROVIDER);
    }

    #[test]
    fn govcloud_and_china_partitions_and_role_paths_are_valid() {
        for v in [
            "arn:aws-us-gov:iam::111122223333:role/a/b/Agents,arn:aws-us-gov:iam::111122223333:saml-provider/Entra",
            "arn:aws-cn:iam::111122223333:role/Agents,arn:aws-cn:iam::111122223333:saml-provider/E.n_t-r",
        ] {
            parse_role_pair(v).expect(v);
        }
    }

    #[test]
    fn bad_role_values_are_refused_with_the_aws_message() {
        for v in [
            format!("{ROLE}, {PROVIDER}"),
            ROLE.to_string(),
            format!("{ROLE},{ROLE}"),
            format!("{PROVIDER},{PROVIDER}"),
            format!("{ROLE},{PROVIDER},{ROLE}"),
            "arn:aws:iam::1111:role/x,arn:aws:iam::1111:saml-provider/y".into(),
            "arn:aws:s3:::bucket,arn:aws:iam::111122223333:saml-provider/y".into(),
            "arn:aws:iam::111122223333:role/,arn:aws:iam::111122223333:saml-provider/y".into(),
            "arn:aws:iam:us-east-1:111122223333:role/x,arn:aws:iam::111122223333:saml-provider/y"
                .into(),
        ] {
            let mut attrs = good();
            attrs[0] = attr(ATTR_ROLE, &[&v]);
            let err = check(&assertion(attrs)).expect_err(&v);
            assert!(
                err.to_string()
                    .starts_with("Your request included an invalid SAML response."),
                "{err}"
            );
        }
    }

    #[test]
    fn missing_role_says_the_user_may_not_be_assigned_facts_6_1() {
        let attrs = vec![attr(ATTR_ROLE_SESSION_NAME, &["alice"])];
        let err = check(&assertion(attrs)).unwrap_err();
        assert!(matches!(err, AwsRejection::InvalidRole { .. }));
        assert!(err.to_string().contains("assigned an app role"), "{err}");
    }

    #[test]
    fn mistyped_role_attribute_name_is_named_facts_6_1() {
        for name in [
            "https://aws.amazon.com/SAML/attributes/Role",
            "http://aws.amazon.com/SAML/Attributes/Role",
            "https://aws.amazon.com/SAML/Attributes/Role/",
            "Role",
        ] {
            let mut attrs = good();
            attrs[0].name = name.to_string();
            let err = check(&assertion(attrs)).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(name) && text.contains("case-sensitive"),
                "{text}"
            );
        }
    }

    #[test]
    fn role_pairs_under_entra_default_role_claim_are_pointed_at() {
        let mut attrs = good();
        attrs[0].name = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role".into();
        let text = check(&assertion(attrs)).unwrap_err().to_string();
        assert!(text.contains("identity/claims/role"), "{text}");
    }

    #[test]
    fn role_session_name_missing_or_mistyped() {
        let attrs = vec![good().remove(0)];
        assert_eq!(
            check(&assertion(attrs)).unwrap_err(),
            AwsRejection::RoleSessionNameMissing
        );
        let mut attrs = good();
        attrs[1].name = "https://aws.amazon.com/SAML/Attributes/rolesessionname".into();
        let err = check(&assertion(attrs)).unwrap_err();
        assert!(matches!(err, AwsRejection::RoleSessionNameMistyped(_)));
        assert!(
            err.to_string()
                .starts_with("RoleSessionName is required in AuthnResponse")
        );
    }

    #[test]
    fn guest_upn_with_ext_is_an_invalid_role_session_name_facts_3() {
        let mut attrs = good();
        attrs[1] = attr(
            ATTR_ROLE_SESSION_NAME,
            &["bob_contoso.com#EXT#@fabrikam.onmicrosoft.com"],
        );
        let err = check(&assertion(attrs)).unwrap_err();
        assert!(matches!(err, AwsRejection::RoleSessionNameInvalid(_)));
        assert!(
            err.to_string().starts_with(
                "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
            )
        );
    }

    #[test]
    fn role_session_name_pattern() {
        assert!(is_valid_role_session_name("ab"));
        assert!(is_valid_role_session_name("first.last+x=y,z@example-1.com"));
        assert!(!is_valid_role_session_name("a"));
        assert!(!is_valid_role_session_name("first last"));
        assert!(!is_valid_role_session_name(&"a".repeat(65)));
        assert!(!is_valid_role_session_name("josé"));
    }

    #[test]
    fn session_duration_range() {
        for (v, ok) in [
            ("900", true),
            ("43200", true),
            ("899", false),
            ("43201", false),
            ("1h", false),
            ("", false),
        ] {
            let mut attrs = good();
            attrs.push(attr(ATTR_SESSION_DURATION, &[v]));
            assert_eq!(check(&assertion(attrs)).is_ok(), ok, "{v}");
        }
    }

    #[test]
    fn audiences_aws_accepts() {
        for a in [
            SIGNIN_URL,
            AUDIENCE_URN,
            "https://eu-west-2.signin.aws.amazon.com/saml",
            "https://us-gov-west-1.signin.amazonaws-us-gov.com/saml",
        ] {
            assert!(is_aws_audience(a), "{a}");
        }
        for a in [
            "https://signin.aws.amazon.com/saml#2",
            "https://signin.aws.amazon.com.evil.example/saml",
            "https://evil.signin.aws.amazon.com.example/saml",
            "http://signin.aws.amazon.com/saml",
            "https://a.b.signin.aws.amazon.com/saml",
            "spn:1234",
        ] {
            assert!(!is_aws_audience(a), "{a}");
        }
        let mut a = assertion(good());
        a.audiences = vec!["spn:1234".into()];
        assert!(matches!(check(&a), Err(AwsRejection::Audience(_))));
    }

    #[test]
    fn recipient_with_entra_identifier_suffix_is_refused_facts_4() {
        let mut a = assertion(good());
        a.recipient = Some(format!("{SIGNIN_URL}#2"));
        assert!(matches!(check(&a), Err(AwsRejection::Recipient(_))));
        let mut a = assertion(good());
        a.destination = Some("https://example.com/acs".into());
        assert!(matches!(check(&a), Err(AwsRejection::Recipient(_))));
        let mut a = assertion(good());
        a.recipient = Some(regional_signin_url("ap-southeast-2"));
        assert!(check(&a).is_ok());
    }
}
