//! Validation: every rule a spec must meet before anything talks to a cloud, each failure
//! located (line and column) and worded with a hint.

use std::fmt;

use crate::derive::{Derived, Partition};
use crate::{Spec, TargetKind};

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SpecError {
    /// Dotted path of the offending key, e.g. `connect.admin.username` (empty for syntax errors).
    pub path: String,
    /// 1-based line, when the key could be located.
    pub line: Option<usize>,
    /// 1-based column, when the key could be located.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "{l}:{c}: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

/// All problems found in a spec (never empty).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[non_exhaustive]
pub struct SpecErrors {
    /// The problems, in document order where known.
    pub errors: Vec<SpecError>,
}

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "the spec has {n} problem{}",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.errors {
            write!(f, "\n  {e}")?;
            if let Some(h) = &e.hint {
                write!(f, "\n    hint: {h}")?;
            }
        }
        Ok(())
    }
}

/// Maps dotted key paths to line/column positions in the source text.
pub(crate) struct Locator<'a> {
    text: &'a str,
    doc: Option<toml_edit::ImDocument<&'a str>>,
}

impl<'a> Locator<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            text,
            doc: toml_edit::ImDocument::parse(text).ok(),
        }
    }

    /// Line and column (1-based) of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }

    /// Position of the key at `path` (segments; numbers index arrays), or of the deepest
    /// parent that exists.
    fn locate(&self, path: &str) -> Option<(usize, usize)> {
        let doc = self.doc.as_ref()?;
        let mut item: &toml_edit::Item = doc.as_item();
        let mut best = None;
        for seg in path.split('.') {
            let next = match seg.parse::<usize>() {
                Ok(i) => item.get(i).map(|next| (next.span(), next)),
                Err(_) => item
                    .as_table_like()
                    .and_then(|t| t.get_key_value(seg))
                    .map(|(key, next)| (key.span().or_else(|| next.span()), next)),
            };
            let Some((span, next)) = next else { break };
            if let Some(s) = span {
                best = Some(s.start);
            }
            item = next;
        }
        best.map(|o| self.position(o))
    }

    /// The line of `path` (`usize::MAX` when it cannot be found: sorts last).
    pub(crate) fn line_of(&self, path: &str) -> usize {
        self.locate(path).map_or(usize::MAX, |p| p.0)
    }

    pub(crate) fn error(&self, path: &str, message: String, hint: Option<String>) -> SpecError {
        let pos = self.locate(path);
        SpecError {
            path: path.to_string(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            message,
            hint,
        }
    }
}

/// Check every rule; collect all failures.
pub(crate) fn validate(spec: &Spec, loc: &Locator<'_>) -> Vec<SpecError> {
    let mut out = Vec::new();
    let mut err = |path: &str, msg: String, hint: Option<&str>| {
        out.push(loc.error(path, msg, hint.map(str::to_string)));
    };

    if spec.version != 1 {
        err(
            "version",
            format!("unknown spec version {}", spec.version),
            Some("set version = 1"),
        );
    }

    for (path, message, hint) in identity_center_problems(spec) {
        err(path, message, Some(hint));
    }

    match (spec.target.kind, &spec.target.url) {
        (TargetKind::Cloud, Some(_)) => err(
            "target.url",
            "a URL is only for the sandbox target".into(),
            Some("remove target.url, or set target.kind = \"sandbox\""),
        ),
        (TargetKind::Sandbox, Some(url))
            if !(url.starts_with("http://") || url.starts_with("https://")) =>
        {
            err(
                "target.url",
                format!("{url:?} is not an http(s) URL"),
                Some("use the URL `connect-sso sandbox serve` prints, e.g. http://127.0.0.1:7341"),
            )
        }
        _ => {}
    }

    // Entra.
    let e = &spec.entra;
    if !is_guid(&e.tenant_id) {
        err(
            "entra.tenant_id",
            format!(
                "{:?} is not a tenant ID (a GUID like 72f988bf-86f1-41af-91ab-2d7cd011db47)",
                e.tenant_id
            ),
            Some(
                "find it in the Entra admin center under Overview → Tenant ID, or `az account show --query tenantId`",
            ),
        );
    }
    if e.app_name.trim().is_empty() || e.app_name.chars().count() > 256 {
        err(
            "entra.app_name",
            "the app name must be 1–256 characters".into(),
            None,
        );
    }
    if e.app_instance == 0 || e.app_instance > 99 {
        err(
            "entra.app_instance",
            format!("app_instance must be 1–99, not {}", e.app_instance),
            Some("1 for the first AWS app in the tenant, 2 for a second (identifier …/saml#2), …"),
        );
    }
    if !(1..=3).contains(&e.certificate_years) {
        err(
            "entra.certificate_years",
            format!("certificate_years must be 1–3, not {}", e.certificate_years),
            Some("Entra's default for SAML signing certificates is 3 years"),
        );
    }
    if let Some(d) = e.session_duration {
        if !(900..=43200).contains(&d) {
            err(
                "entra.session_duration",
                format!("SessionDuration must be 900–43200 seconds, not {d}"),
                Some("AWS refuses other values; Connect sessions last at most 12 h (43200)"),
            );
        } else if d > spec.aws.max_session_duration {
            err(
                "entra.session_duration",
                format!(
                    "SessionDuration {d} exceeds the role's max_session_duration {}",
                    spec.aws.max_session_duration
                ),
                Some(
                    "AWS caps the session at the role's MaxSessionDuration; raise aws.max_session_duration or lower this",
                ),
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, a) in e.access.iter().enumerate() {
        if a.group.trim().is_empty() {
            err(
                &format!("entra.access.{i}.group"),
                "the group name is empty".into(),
                None,
            );
        } else if !seen.insert(a.group.to_lowercase()) {
            err(
                &format!("entra.access.{i}.group"),
                format!("group {:?} is listed twice", a.group),
                Some("a group is assigned to the app once; remove the duplicate"),
            );
        }
        if a.security_profiles.is_empty() {
            err(
                &format!("entra.access.{i}.security_profiles"),
                "a Connect user needs at least one security profile".into(),
                Some("e.g. [\"Agent\"] for agents, [\"CallCenterManager\"] for supervisors"),
            );
        }
        for (message, hint) in access_tag_problems(&a.tags) {
            err(&format!("entra.access.{i}.tags"), message, Some(hint));
        }
        if a.hierarchy_group
            .as_deref()
            .is_some_and(|h| h.trim().is_empty())
        {
            err(
                &format!("entra.access.{i}.hierarchy_group"),
                "the hierarchy group name is empty".into(),
                Some("name an agent hierarchy group of the instance, or remove the key"),
            );
        }
    }
    if e.app_role.trim().is_empty() {
        err("entra.app_role", "the app role name is empty".into(), None);
    } else if e.app_role.eq_ignore_ascii_case("msiam_access") {
        err(
            "entra.app_role",
            "msiam_access is Entra's built-in role and must not be modified or reused".into(),
            Some("pick another name, e.g. \"Amazon Connect\""),
        );
    }

    // AWS.
    let a = &spec.aws;
    if a.account_id.len() != 12 || !a.account_id.bytes().all(|b| b.is_ascii_digit()) {
        err(
            "aws.account_id",
            format!("{:?} is not an AWS account ID (12 digits)", a.account_id),
            Some(
                "`aws sts get-caller-identity --query Account` prints it; keep leading zeros and quote it",
            ),
        );
    }
    if !is_region(&a.region) {
        err(
            "aws.region",
            format!("{:?} is not an AWS region name", a.region),
            Some("use the region code, e.g. us-east-1 or eu-west-2, not the display name"),
        );
    } else if let Some((message, hint)) = crate::regions::region_problem(&a.region) {
        err("aws.region", message, Some(&hint));
    }
    if a.saml_provider.is_empty()
        || a.saml_provider.len() > 128
        || !a
            .saml_provider
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        err(
            "aws.saml_provider",
            format!(
                "{:?} is not a valid IAM SAML provider name (1–128 of letters, digits, . _ -)",
                a.saml_provider
            ),
            None,
        );
    }
    if a.federation_role.is_empty()
        || a.federation_role.len() > 64
        || !a
            .federation_role
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
    {
        err(
            "aws.federation_role",
            format!(
                "{:?} is not a valid IAM role name (1–64 of letters, digits, + = , . @ _ -)",
                a.federation_role
            ),
            None,
        );
    }
    if !(3600..=43200).contains(&a.max_session_duration) {
        err(
            "aws.max_session_duration",
            format!(
                "max_session_duration must be 3600–43200 seconds, not {}",
                a.max_session_duration
            ),
            None,
        );
    }
    if a.regional_signin && Partition::of_region(&a.region) != Partition::Aws {
        err(
            "aws.regional_signin",
            "regional sign-in endpoints exist only in the commercial partition".into(),
            Some("remove regional_signin for GovCloud and China regions"),
        );
    }
    let derived = Derived::from_spec(spec);
    if derived.role_claim_value.len() >= 240 {
        err(
            "aws.federation_role",
            format!(
                "the role and provider ARNs together are {} characters; Entra app role values must be under 240",
                derived.role_claim_value.len()
            ),
            Some("shorten aws.federation_role or aws.saml_provider"),
        );
    }

    for (api, limit) in &a.rate_limits {
        let path = format!("aws.rate_limits.{api}");
        let named = api.split_once(':').is_some_and(|(svc, op)| {
            !svc.is_empty()
                && op.chars().all(|c| c.is_ascii_alphanumeric())
                && op.starts_with(|c: char| c.is_ascii_uppercase())
        });
        if !named {
            err(
                &path,
                format!("{api:?} does not name an API as service:Operation"),
                Some("write e.g. \"connect:CreateUser\" = { rate = 10, burst = 15 }"),
            );
        }
        if limit.rate == 0 || limit.burst.is_some_and(|b| b < limit.rate) {
            err(
                &path,
                "rate must be at least 1 and burst at least rate".into(),
                Some("use the figures of the raised quota in Service Quotas"),
            );
        }
    }

    // Connect.
    let c = &spec.connect;
    if !is_instance_alias(&c.instance_alias) {
        err(
            "connect.instance_alias",
            format!(
                "{:?} is not a valid instance alias (1–45 of letters, digits and -, not starting with d- or ending with -)",
                c.instance_alias
            ),
            None,
        );
    }
    if let Some(id) = &c.instance_id {
        if let Some(found) = id
            .strip_prefix("arn:")
            .and_then(|r| r.rsplit_once("instance/"))
            .map(|(_, id)| id)
        {
            err(
                "connect.instance_id",
                "this is an instance ARN; the spec takes the instance ID".into(),
                Some(&format!(
                    "use instance_id = {found:?} (the last part of the ARN)"
                )),
            );
        } else if !is_guid(id) {
            err(
                "connect.instance_id",
                format!("{id:?} is not a Connect instance ID (a GUID)"),
                Some("find it in the Connect console: the last part of the instance ARN"),
            );
        }
    }
    if let Some(d) = &c.destination {
        if d.starts_with("http://") || d.starts_with("https://") {
            err(
                "connect.destination",
                "the destination is a path inside the Connect app, not a URL".into(),
                Some(
                    "use e.g. \"/ccp-v2\" or \"/agent-app-v2\"; an external page also needs an approved origin",
                ),
            );
        } else if d.contains('%') {
            err(
                "connect.destination",
                "the destination looks URL-encoded already; it is encoded for you".into(),
                Some("write it plainly, e.g. \"/ccp-v2/chat\""),
            );
        } else if !d.starts_with('/') {
            err(
                "connect.destination",
                format!("{d:?} must start with /"),
                Some("e.g. \"/ccp-v2\" or \"/agent-app-v2\""),
            );
        }
    }
    if let Some(admin) = &c.admin {
        if let Some(msg) = username_problem(&admin.username) {
            err("connect.admin.username", msg.0, Some(msg.1));
        }
        if admin.first_name.trim().is_empty() {
            err(
                "connect.admin.first_name",
                "Connect requires a first name for SAML users".into(),
                None,
            );
        }
        if admin.last_name.trim().is_empty() {
            err(
                "connect.admin.last_name",
                "Connect requires a last name for SAML users".into(),
                None,
            );
        }
        if admin.security_profiles.is_empty() {
            err(
                "connect.admin.security_profiles",
                "a Connect user needs at least one security profile".into(),
                Some("the first administrator usually gets [\"Admin\"]"),
            );
        }
    }
    if spec.sync.max_removal_percent > 100 {
        err(
            "sync.max_removal_percent",
            format!(
                "{} is not a share in percent (0–100)",
                spec.sync.max_removal_percent
            ),
            Some("e.g. 20 refuses a sync that would remove more than a fifth of the users"),
        );
    }
    if spec.sync.disabled_security_profile.trim().is_empty() {
        err(
            "sync.disabled_security_profile",
            "a disabled leaver needs a security profile to keep".into(),
            Some("name a security profile with no permissions, or set leavers = \"delete\""),
        );
    }
    if let Some(g) = spec.sync.leaver_grace.as_deref() {
        if crate::model::grace_seconds(g).is_none() {
            err(
                "sync.leaver_grace",
                format!("{g:?} is not a grace period"),
                Some(
                    "write days or hours as \"<n>d\" or \"<n>h\", e.g. \"7d\" or \"36h\" (at most ten years)",
                ),
            );
        }
    }
    out.sort_by_key(|e| (e.line.unwrap_or(usize::MAX), e.column.unwrap_or(0)));
    out
}

/// Tag keys sync keeps for itself on a user: the managed tag, its list of group tag keys, the
/// disabled and left-at marks.
pub const RESERVED_TAG_PREFIX: &str = "connect-sso:";

/// Most tags one `[[entra.access]]` entry may set: Connect allows 50 per resource, and sync
/// keeps four of its own (docs/spec.md, "User sync").
pub const MAX_ACCESS_TAGS: usize = 46;

/// What is wrong with a group's `tags` for Connect (TagKey: 1–128 of letters, spaces,
/// digits and `_.:/=+-@`, not `aws:`; TagValue: at most 256 characters), each with a hint.
fn access_tag_problems(
    tags: &std::collections::BTreeMap<String, String>,
) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    if tags.len() > MAX_ACCESS_TAGS {
        out.push((
            format!("{} tags; at most {MAX_ACCESS_TAGS} per group", tags.len()),
            "Connect allows 50 tags per user and sync keeps four of its own",
        ));
    }
    let key_ok = |c: char| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c);
    for (k, v) in tags {
        let n = k.chars().count();
        if !(1..=128).contains(&n) || !k.chars().all(key_ok) {
            out.push((
                format!("the tag key {k:?} is not a Connect tag key"),
                "keys are 1–128 letters, digits, spaces and _ . : / = + - @",
            ));
        } else if k.starts_with("aws:") || k.starts_with(RESERVED_TAG_PREFIX) {
            out.push((
                format!("the tag key {k:?} is reserved"),
                "keys starting with aws: belong to AWS, connect-sso: to connect-sso",
            ));
        }
        if v.chars().count() > 256 {
            out.push((
                format!("the value of tag {k:?} is longer than 256 characters"),
                "Connect tag values are at most 256 characters",
            ));
        }
    }
    let list: usize = tags.keys().map(|k| k.chars().count() + 1).sum();
    if list > 257 {
        out.push((
            "the tag keys together are longer than 256 characters".into(),
            "sync records its keys in one tag value (connect-sso:tags, at most 256 characters): use fewer or shorter keys",
        ));
    }
    out
}

/// Why a username cannot sign in through SAML, with a hint, or `None` when it can.
/// It must be a valid Connect username and a valid RoleSessionName (docs/facts.md §2, §3).
pub fn username_problem(username: &str) -> Option<(String, &'static str)> {
    if username.contains("#EXT#") {
        return Some((
            format!("{username:?} is an Entra guest UPN; AWS refuses '#' in RoleSessionName"),
            "map RoleSessionName from user.mail for guests, or use the member account's UPN",
        ));
    }
    let n = username.chars().count();
    if !(2..=64).contains(&n) {
        return Some((
            format!("{username:?} has {n} characters; usernames must be 2–64"),
            "the username must equal the RoleSessionName, which AWS limits to 2–64 characters",
        ));
    }
    if let Some(bad) = username
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_-.@".contains(*c)))
    {
        return Some((
            format!(
                "{username:?} contains {bad:?}; Connect usernames allow only letters, digits, _ - . @"
            ),
            "use the user's UPN as Entra sends it (user.userprincipalname)",
        ));
    }
    let ats = username.matches('@').count();
    if ats > 1 || (ats == 1 && !is_email_shape(username)) {
        return Some((
            format!("{username:?}: '@' is only allowed in an email-form username"),
            "use the full UPN, e.g. alice@contoso.com",
        ));
    }
    None
}

fn is_email_shape(s: &str) -> bool {
    s.split_once('@').is_some_and(|(l, d)| {
        !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
    })
}

/// `8-4-4-4-12` hex digits.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `xx-name-N` or `xx-gov-name-N`.
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let ok_word = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    match parts.as_slice() {
        [a, b, n] => a.len() == 2 && ok_word(a) && ok_word(b) && n.parse::<u8>().is_ok(),
        [a, "gov", b, n] => a.len() == 2 && ok_word(a) && ok_word(b) && n.parse::<u8>().is_ok(),
        _ => false,
    }
}

/// Connect's InstanceAlias rule: 1–45, `^(?!d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$`.
fn is_instance_alias(s: &str) -> bool {
    (1..=45).contains(&s.len())
        && !s.starts_with("d-")
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The `brokered` topology's rules: `[identity_center]` present (and only then), a management
/// account other than the Connect account, a valid Region, and the values it points at.
fn identity_center_problems(spec: &Spec) -> Vec<(&'static str, String, &'static str)> {
    let mut out = Vec::new();
    let ic = match (spec.topology, &spec.identity_center) {
        (crate::Topology::Direct, None) => return out,
        (crate::Topology::Direct, Some(_)) => {
            out.push((
                "identity_center",
                "[identity_center] is only for topology = \"brokered\"".into(),
                "remove [identity_center], or set topology = \"brokered\"",
            ));
            return out;
        }
        (crate::Topology::Brokered, None) => {
            out.push((
                "topology",
                "the brokered topology needs an [identity_center] table".into(),
                "add [identity_center] with account_id and region of the IAM Identity Center \
                 instance (`connect-sso init --topology brokered` writes a starter)",
            ));
            return out;
        }
        (crate::Topology::Brokered, Some(ic)) => ic,
    };
    if ic.account_id.len() != 12 || !ic.account_id.bytes().all(|b| b.is_ascii_digit()) {
        out.push((
            "identity_center.account_id",
            format!("{:?} is not an AWS account ID (12 digits)", ic.account_id),
            "the management account's ID, quoted, leading zeros kept",
        ));
    } else if ic.account_id == spec.aws.account_id {
        out.push((
            "identity_center.account_id",
            "the management account is the Connect account: the brokered topology puts Connect \
             in an account of its own"
                .into(),
            "use topology = \"direct\" for one account, or give the Connect account in [aws]",
        ));
    }
    if !is_region(&ic.region) {
        out.push((
            "identity_center.region",
            format!("{:?} is not an AWS region name", ic.region),
            "the Region of the Identity Center instance, e.g. us-east-1",
        ));
    }
    if ic.application_name.trim().is_empty() || ic.application_name.len() > 255 {
        out.push((
            "identity_center.application_name",
            "the application name must have 1–255 characters".into(),
            "the default is \"Amazon Connect\"",
        ));
    }
    for (path, cred) in [
        ("identity_center.credentials", &ic.credentials),
        ("aws.credentials", &spec.aws.credentials),
    ] {
        if cred.profile.is_some() && cred.role_arn.is_some() {
            out.push((
                path,
                "give a profile or a role to assume, not both".into(),
                "a profile can itself assume a role (role_arn in ~/.aws/config)",
            ));
        }
        if let Some(r) = &cred.role_arn {
            if !(r.starts_with("arn:aws") && r.contains(":iam::") && r.contains(":role/")) {
                out.push((
                    path,
                    format!("{r:?} is not an IAM role ARN"),
                    "arn:aws:iam::<account>:role/<name>",
                ));
            }
        }
    }
    if spec.sync.username != crate::UsernameSource::Mail {
        out.push((
            "sync.username",
            "brokered Connect usernames are e-mail addresses: Identity Center's application sends \
             ${user:email} as RoleSessionName"
                .into(),
            "set [sync] username = \"mail\"",
        ));
    }
    if let Some(p) = &ic.provisioning {
        if !p.scim_endpoint.starts_with("https://") && !p.scim_endpoint.starts_with("http://") {
            out.push((
                "identity_center.provisioning.scim_endpoint",
                format!("{:?} is not an http(s) URL", p.scim_endpoint),
                "copy the SCIM endpoint from Identity Center → Settings → Automatic provisioning",
            ));
        }
        let name_ok = !p.token_env.is_empty()
            && p.token_env
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !name_ok {
            out.push((
                "identity_center.provisioning.token_env",
                format!("{:?} is not an environment variable name", p.token_env),
                "e.g. token_env = \"IC_SCIM_TOKEN\" (the token itself never goes in the spec)",
            ));
        }
    }
    out
}
