//! IAM (awsQuery): SAML providers, roles, inline and customer managed role policies, and the
//! policy evaluation other services use ([`Iam::role_allows`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::policy::{self, Decision, PolicyKind};
use super::query::{self, IAM_NS, Params, Xml};
use super::{AwsError, Caller};
use crate::State;

/// An IAM SAML identity provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlProvider {
    /// Name (last part of the ARN).
    pub name: String,
    /// `arn:aws:iam::<acct>:saml-provider/<name>`.
    pub arn: String,
    /// The metadata document as uploaded.
    pub metadata: String,
    /// Issuer (metadata `entityID`).
    pub entity_id: String,
    /// Signing certificates from the metadata (base64 DER).
    pub certificates: Vec<String>,
    /// Creation time (ISO 8601).
    pub create_date: String,
    /// Expiry (ISO 8601).
    pub valid_until: String,
    /// Provider UUID.
    pub uuid: String,
    /// Tags in order.
    pub tags: Vec<(String, String)>,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Role name.
    pub name: String,
    /// Path (`/` by default).
    pub path: String,
    /// `AROA…` unique ID.
    pub role_id: String,
    /// ARN.
    pub arn: String,
    /// Creation time (ISO 8601).
    pub create_date: String,
    /// Trust policy JSON, as given.
    pub trust_policy: String,
    /// Description.
    pub description: Option<String>,
    /// Max session duration in seconds (3600–43200).
    pub max_session_duration: i64,
    /// Tags in order.
    pub tags: Vec<(String, String)>,
    /// Inline policies: name → JSON.
    pub inline_policies: BTreeMap<String, String>,
    /// ARNs of attached managed policies.
    pub attached_policies: Vec<String>,
}

/// A customer managed policy (one version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: String,
    /// Path.
    pub path: String,
    /// `ANPA…` ID.
    pub policy_id: String,
    /// JSON document.
    pub document: String,
    /// Description.
    pub description: Option<String>,
    /// Creation time.
    pub create_date: String,
}

/// IAM state of the account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Iam {
    /// SAML providers by lower-case name.
    pub saml_providers: BTreeMap<String, SamlProvider>,
    /// Roles by lower-case name (IAM names are unique case-insensitively).
    pub roles: BTreeMap<String, Role>,
    /// Customer managed policies by ARN.
    pub policies: BTreeMap<String, ManagedPolicy>,
}

/// ISO 8601 as IAM writes it (`2026-01-01T00:00:00Z`).
pub fn iso(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(f)
        .unwrap_or_default()
}

/// A unique ID such as `AROA` + 17 upper-case letters and digits.
pub fn unique_id(prefix: &str) -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::thread_rng();
    let tail: String = (0..17)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect();
    format!("{prefix}{tail}")
}

fn is_name(s: &str, max: usize, extra: &str) -> bool {
    (1..=max).contains(&s.chars().count())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(c))
}

fn check_tags(
    existing: &[(String, String)],
    new: &[(String, String)],
) -> Result<Vec<(String, String)>, AwsError> {
    let mut out = existing.to_vec();
    for (k, v) in new {
        // The model bounds keys and values; the reserved `aws:` prefix is IAM's own rule
        // (IAM User Guide, "Tagging IAM resources").
        if k.starts_with("aws:") {
            return Err(AwsError::invalid_input(format!("Invalid tag key {k:?}.")));
        }
        match out.iter_mut().find(|(ek, _)| ek == k) {
            Some(e) => e.1.clone_from(v),
            None => out.push((k.clone(), v.clone())),
        }
    }
    if out.len() > 50 {
        return Err(AwsError::bad_request(
            "LimitExceeded",
            "Cannot exceed quota for TagsPerResource: 50",
        ));
    }
    Ok(out)
}

/// Validate SAML metadata as IAM does; returns `(entity_id, certificates as base64)`.
pub fn validate_metadata(doc: &str) -> Result<(String, Vec<String>), AwsError> {
    if doc.starts_with('\u{feff}') {
        return Err(AwsError::invalid_input(
            "Could not parse metadata: the document starts with a byte order mark (IAM needs UTF-8 without BOM).",
        ));
    }
    let md = connect_sso_saml::IdpMetadata::parse(doc)
        .map_err(|e| AwsError::invalid_input(format!("Could not parse metadata: {e}")))?;
    if md.signing_certificates.is_empty() {
        return Err(AwsError::invalid_input(
            "Could not parse metadata: no signing certificate in IDPSSODescriptor",
        ));
    }
    for c in &md.signing_certificates {
        if c.key_bits() < 1024 {
            return Err(AwsError::invalid_input(format!(
                "Could not parse metadata: the signing key has {} bits; at least 1024 are required",
                c.key_bits()
            )));
        }
    }
    Ok((
        md.entity_id,
        md.signing_certificates
            .iter()
            .map(connect_sso_saml::Certificate::to_base64)
            .collect(),
    ))
}

impl Iam {
    /// A role by name (case-insensitive, as IAM).
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(&name.to_ascii_lowercase())
    }

    fn role_mut(&mut self, name: &str) -> Result<&mut Role, AwsError> {
        self.roles
            .get_mut(&name.to_ascii_lowercase())
            .ok_or_else(|| no_such_role(name))
    }

    /// A SAML provider by ARN.
    pub fn provider_by_arn(&self, arn: &str) -> Option<&SamlProvider> {
        self.saml_providers.values().find(|p| p.arn == arn)
    }

    /// A role by ARN.
    pub fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        self.roles.values().find(|r| r.arn == arn)
    }

    /// Does the role's identity policies (inline and attached customer managed) allow `action`
    /// on `resource` for a session whose `aws:userid` is `aws_userid`? Explicit Deny wins.
    pub fn role_allows(
        &self,
        role_name: &str,
        action: &str,
        resource: &str,
        aws_userid: &str,
    ) -> bool {
        let Some(role) = self.role(role_name) else {
            return false;
        };
        let mut docs: Vec<&str> = role.inline_policies.values().map(String::as_str).collect();
        for arn in &role.attached_policies {
            if let Some(p) = self.policies.get(arn) {
                docs.push(&p.document);
            }
        }
        let parsed: Vec<policy::Policy> = docs
            .iter()
            .filter_map(|d| policy::parse(d, PolicyKind::Identity).ok())
            .collect();
        let mut ctx = BTreeMap::new();
        ctx.insert("aws:userid".to_string(), aws_userid.to_string());
        ctx.insert(
            "aws:PrincipalAccount".to_string(),
            role.arn.split(':').nth(4).unwrap_or("").to_string(),
        );
        policy::evaluate_identity(&parsed, action, resource, &ctx) == Decision::Allow
    }
}

fn no_such_role(name: &str) -> AwsError {
    AwsError::no_such_entity(format!("The role with name {name} cannot be found."))
}

fn provider_name_from_arn(arn: &str, account: &str) -> Result<String, AwsError> {
    let prefix = format!("arn:aws:iam::{account}:saml-provider/");
    arn.strip_prefix(&prefix)
        .filter(|n| is_name(n, 128, ".-"))
        .map(str::to_string)
        .ok_or_else(|| AwsError::validation(format!("ARN {arn} is not valid.")))
}

fn no_such_provider(arn: &str) -> AwsError {
    AwsError::no_such_entity(format!("Manifest not found for arn {arn}"))
}

fn check_doc(doc: &str, kind: PolicyKind) -> Result<(), AwsError> {
    policy::parse(doc, kind)
        .map(|_| ())
        .map_err(AwsError::malformed_policy)
}

fn encoded(doc: &str) -> String {
    super::sigv4::uri_encode(doc, false)
}

fn role_xml(x: &mut Xml, name: &str, r: &Role, with_tags: bool) {
    x.open(name)
        .el("Path", &r.path)
        .el("AssumeRolePolicyDocument", &encoded(&r.trust_policy))
        .el("MaxSessionDuration", &r.max_session_duration.to_string())
        .el("RoleId", &r.role_id)
        .el("RoleName", &r.name)
        .el("Arn", &r.arn)
        .el("CreateDate", &r.create_date)
        .opt("Description", r.description.as_deref());
    if with_tags && !r.tags.is_empty() {
        x.tags("Tags", &r.tags);
    }
    if with_tags {
        // GetRole and CreateRole answer with RoleLastUsed (empty until the role is used);
        // ListRoles does not.
        x.open("RoleLastUsed").close("RoleLastUsed");
    }
    x.close(name);
}

fn paginate<T: Clone>(
    items: Vec<(String, T)>,
    p: &Params,
) -> Result<(Vec<T>, Option<String>), AwsError> {
    let max = p.int("MaxItems")?.unwrap_or(100);
    let start = match p.get("Marker") {
        Some(m) => items
            .iter()
            .position(|(k, _)| k.as_str() >= m)
            .unwrap_or(items.len()),
        None => 0,
    };
    let max = usize::try_from(max).unwrap_or(100);
    let page: Vec<T> = items
        .iter()
        .skip(start)
        .take(max)
        .map(|(_, v)| v.clone())
        .collect();
    let next = items.get(start + max).map(|(k, _)| k.clone());
    Ok((page, next))
}

fn truncation(x: &mut Xml, next: Option<String>) {
    x.el("IsTruncated", if next.is_some() { "true" } else { "false" });
    if let Some(m) = next {
        x.el("Marker", &m);
    }
}

/// Handle one IAM action for an authenticated caller. Returns the XML answer and whether
/// state changed (to persist).
pub fn dispatch(
    state: &State,
    caller: &Caller,
    action: &str,
    p: &Params,
) -> Result<(Response, bool), AwsError> {
    let account = caller.account_id().to_string();
    let now = state.aws.now();
    let mut iam = state.aws.iam_lock();
    let mut x = Xml::new();
    let ok = |x: &mut Xml, changed: bool| -> Result<(Response, bool), AwsError> {
        let body = x.finish();
        // Actions whose output is an empty structure still carry an empty Result element
        // (botocore requires it); void actions carry none.
        let body = (!body.is_empty() || action == "UpdateRole").then_some(body);
        Ok((query::ok(IAM_NS, action, body.as_deref()), changed))
    };
    match action {
        // ---- SAML providers ----
        "CreateSAMLProvider" => {
            let name = p.required("Name")?;
            let doc = p.required("SAMLMetadataDocument")?;
            let key = name.to_ascii_lowercase();
            if iam.saml_providers.contains_key(&key) {
                return Err(AwsError::entity_already_exists(format!(
                    "SAMLProvider {name} already exists"
                )));
            }
            let (entity_id, certificates) = validate_metadata(doc)?;
            let tags = check_tags(&[], &p.tags("Tags"))?;
            let arn = format!("arn:aws:iam::{account}:saml-provider/{name}");
            iam.saml_providers.insert(
                key,
                SamlProvider {
                    name: name.to_string(),
                    arn: arn.clone(),
                    metadata: doc.to_string(),
                    entity_id,
                    certificates,
                    create_date: iso(now),
                    valid_until: iso(now + time::Duration::days(365 * 100)),
                    uuid: uuid::Uuid::new_v4().to_string(),
                    tags: tags.clone(),
                },
            );
            x.el("SAMLProviderArn", &arn);
            if !tags.is_empty() {
                x.tags("Tags", &tags);
            }
            ok(&mut x, true)
        }
        "GetSAMLProvider" => {
            let arn = p.required("SAMLProviderArn")?;
            let name = provider_name_from_arn(arn, &account)?;
            let pr = iam
                .saml_providers
                .get(&name.to_ascii_lowercase())
                .ok_or_else(|| no_such_provider(arn))?;
            x.el("SAMLProviderUUID", &pr.uuid)
                .el("SAMLMetadataDocument", &pr.metadata)
                .el("CreateDate", &pr.create_date)
                .el("ValidUntil", &pr.valid_until);
            if !pr.tags.is_empty() {
                x.tags("Tags", &pr.tags);
            }
            ok(&mut x, false)
        }
        "ListSAMLProviders" => {
            x.open("SAMLProviderList");
            for pr in iam.saml_providers.values() {
                x.open("member")
                    .el("Arn", &pr.arn)
                    .el("ValidUntil", &pr.valid_until)
                    .el("CreateDate", &pr.create_date)
                    .close("member");
            }
            x.close("SAMLProviderList");
            ok(&mut x, false)
        }
        "UpdateSAMLProvider" => {
            let arn = p.required("SAMLProviderArn")?;
            let name = provider_name_from_arn(arn, &account)?;
            let doc = p.required("SAMLMetadataDocument")?;
            let pr = iam
                .saml_providers
                .get_mut(&name.to_ascii_lowercase())
                .ok_or_else(|| no_such_provider(arn))?;
            let (entity_id, certificates) = validate_metadata(doc)?;
            pr.metadata = doc.to_string();
            pr.entity_id = entity_id;
            pr.certificates = certificates;
            x.el("SAMLProviderArn", arn);
            ok(&mut x, true)
        }
        "DeleteSAMLProvider" => {
            let arn = p.required("SAMLProviderArn")?;
            let name = provider_name_from_arn(arn, &account)?;
            iam.saml_providers
                .remove(&name.to_ascii_lowercase())
                .ok_or_else(|| no_such_provider(arn))?;
            ok(&mut x, true)
        }
        "TagSAMLProvider" | "UntagSAMLProvider" | "ListSAMLProviderTags" => {
            let arn = p.required("SAMLProviderArn")?;
            let name = provider_name_from_arn(arn, &account)?;
            let pr = iam
                .saml_providers
                .get_mut(&name.to_ascii_lowercase())
                .ok_or_else(|| no_such_provider(arn))?;
            match action {
                "TagSAMLProvider" => {
                    pr.tags = check_tags(&pr.tags, &p.tags("Tags"))?;
                    ok(&mut x, true)
                }
                "UntagSAMLProvider" => {
                    let keys = p.members("TagKeys");
                    pr.tags.retain(|(k, _)| !keys.contains(k));
                    ok(&mut x, true)
                }
                _ => {
                    x.tags("Tags", &pr.tags).el("IsTruncated", "false");
                    ok(&mut x, false)
                }
            }
        }
        // ---- roles ----
        "CreateRole" => {
            let name = p.required("RoleName")?;
            let path = p.get("Path").unwrap_or("/");
            let doc = p.required("AssumeRolePolicyDocument")?;
            check_doc(doc, PolicyKind::Trust)?;
            let max = p.int("MaxSessionDuration")?.unwrap_or(3600);
            let key = name.to_ascii_lowercase();
            if iam.roles.contains_key(&key) {
                return Err(AwsError::entity_already_exists(format!(
                    "Role with name {name} already exists."
                )));
            }
            let tags = check_tags(&[], &p.tags("Tags"))?;
            let role = Role {
                name: name.to_string(),
                path: path.to_string(),
                role_id: unique_id("AROA"),
                arn: format!("arn:aws:iam::{account}:role{path}{name}"),
                create_date: iso(now),
                trust_policy: doc.to_string(),
                description: p.get("Description").map(str::to_string),
                max_session_duration: max,
                tags,
                inline_policies: BTreeMap::new(),
                attached_policies: Vec::new(),
            };
            role_xml(&mut x, "Role", &role, true);
            iam.roles.insert(key, role);
            ok(&mut x, true)
        }
        "GetRole" => {
            let name = p.required("RoleName")?;
            let r = iam.role(name).ok_or_else(|| no_such_role(name))?;
            role_xml(&mut x, "Role", r, true);
            ok(&mut x, false)
        }
        "ListRoles" => {
            let prefix = p.get("PathPrefix").unwrap_or("/");
            let items: Vec<(String, Role)> = iam
                .roles
                .iter()
                .filter(|(_, r)| r.path.starts_with(prefix))
                .map(|(k, r)| (k.clone(), r.clone()))
                .collect();
            let (page, next) = paginate(items, p)?;
            x.open("Roles");
            for r in &page {
                role_xml(&mut x, "member", r, false);
            }
            x.close("Roles");
            truncation(&mut x, next);
            ok(&mut x, false)
        }
        "UpdateRole" => {
            let name = p.required("RoleName")?;
            let max = p.int("MaxSessionDuration")?;
            let r = iam.role_mut(name)?;
            if let Some(d) = p.get("Description") {
                r.description = Some(d.to_string());
            }
            if let Some(m) = max {
                r.max_session_duration = m;
            }
            ok(&mut x, true)
        }
        "UpdateRoleDescription" => {
            let name = p.required("RoleName")?;
            let d = p.required("Description")?;
            let r = iam.role_mut(name)?;
            r.description = Some(d.to_string());
            role_xml(&mut x, "Role", r, true);
            ok(&mut x, true)
        }
        "UpdateAssumeRolePolicy" => {
            let name = p.required("RoleName")?;
            let doc = p.required("PolicyDocument")?;
            check_doc(doc, PolicyKind::Trust)?;
            let r = iam.role_mut(name)?;
            r.trust_policy = doc.to_string();
            ok(&mut x, true)
        }
        "DeleteRole" => {
            let name = p.required("RoleName")?;
            let r = iam.role(name).ok_or_else(|| no_such_role(name))?;
            if !r.inline_policies.is_empty() || !r.attached_policies.is_empty() {
                return Err(AwsError::delete_conflict(
                    "Cannot delete entity, must delete policies first.",
                ));
            }
            iam.roles.remove(&name.to_ascii_lowercase());
            ok(&mut x, true)
        }
        "TagRole" => {
            let name = p.required("RoleName")?;
            let r = iam.role_mut(name)?;
            r.tags = check_tags(&r.tags, &p.tags("Tags"))?;
            ok(&mut x, true)
        }
        "UntagRole" => {
            let name = p.required("RoleName")?;
            let keys = p.members("TagKeys");
            let r = iam.role_mut(name)?;
            r.tags.retain(|(k, _)| !keys.contains(k));
            ok(&mut x, true)
        }
        "ListRoleTags" => {
            let name = p.required("RoleName")?;
            let r = iam.role(name).ok_or_else(|| no_such_role(name))?;
            x.tags("Tags", &r.tags).el("IsTruncated", "false");
            ok(&mut x, false)
        }
        // ---- inline role policies ----
        "PutRolePolicy" => {
            let name = p.required("RoleName")?;
            let pname = p.required("PolicyName")?;
            let doc = p.required("PolicyDocument")?;
            check_doc(doc, PolicyKind::Identity)?;
            let r = iam.role_mut(name)?;
            r.inline_policies.insert(pname.to_string(), doc.to_string());
            ok(&mut x, true)
        }
        "GetRolePolicy" => {
            let name = p.required("RoleName")?;
            let pname = p.required("PolicyName")?;
            let r = iam.role(name).ok_or_else(|| no_such_role(name))?;
            let doc = r.inline_policies.get(pname).ok_or_else(|| {
                AwsError::no_such_entity(format!(
                    "The role policy with name {pname} cannot be found."
                ))
            })?;
            x.el("RoleName", &r.name)
                .el("PolicyName", pname)
                .el("PolicyDocument", &encoded(doc));
            ok(&mut x, false)
        }
        "ListRolePolicies" => {
            let name = p.required("RoleName")?;
            let r = iam.role(name).ok_or_else(|| no_such_role(name))?;
            let items: Vec<(String, String)> = r
                .inline_policies
                .keys()
                .map(|k| (k.clone(), k.clone()))
                .collect();
            let (page, next) = paginate(items, p)?;
            x.open("PolicyNames");
            for n in &page {
                x.el("member", n);
            }
            x.close("PolicyNames");
            truncation(&mut x, next);
            ok(&mut x, false)
        }
        "DeleteRolePolicy" => {
            let name = p.required("RoleName")?;
            let pname = p.required("PolicyName")?;
            let r = iam.role_mut(name)?;
            r.inline_policies.remove(pname).ok_or_else(|| {
                AwsError::no_such_entity(format!(
                    "The role policy with name {pname} cannot be found."
                ))
            })?;
            ok(&mut x, true)
        }
        // ---- customer managed policies ----
        "CreatePolicy" => {
            let pname = p.required("PolicyName")?;
            let path = p.get("Path").unwrap_or("/");
            let doc = p.required("PolicyDocument")?;
            check_doc(doc, PolicyKind::Identity)?;
            let arn = format!("arn:aws:iam::{account}:policy{path}{pname}");
            if iam.policies.contains_key(&arn) {
                return Err(AwsError::entity_already_exists(format!(
                    "A policy called {pname} already exists. Duplicate names are not allowed."
                )));
            }
            let pol = ManagedPolicy {
                name: pname.to_string(),
                arn: arn.clone(),
                path: path.to_string(),
                policy_id: unique_id("ANPA"),
                document: doc.to_string(),
                description: p.get("Description").map(str::to_string),
                create_date: iso(now),
            };
            policy_xml(&mut x, &pol, 0);
            iam.policies.insert(arn, pol);
            ok(&mut x, true)
        }
        "GetPolicy" => {
            let arn = p.required("PolicyArn")?;
            let pol = iam.policies.get(arn).ok_or_else(|| no_such_policy(arn))?;
            let n = attachment_count(&iam, arn);
            policy_xml(&mut x, pol, n);
            ok(&mut x, false)
        }
        "GetPolicyVersion" => {
            let arn = p.required("PolicyArn")?;
            let v = p.required("VersionId")?;
            let pol = iam.policies.get(arn).ok_or_else(|| no_such_policy(arn))?;
            if v != "v1" {
                return Err(AwsError::no_such_entity(format!(
                    "Policy {arn} version {v} does not exist or is not attachable."
                )));
            }
            x.open("PolicyVersion")
                .el("Document", &encoded(&pol.document))
                .el("VersionId", "v1")
                .el("IsDefaultVersion", "true")
                .el("CreateDate", &pol.create_date)
                .close("PolicyVersion");
            ok(&mut x, false)
        }
        "DeletePolicy" => {
            let arn = p.required("PolicyArn")?;
            if !iam.policies.contains_key(arn) {
                return Err(no_such_policy(arn));
            }
            if attachment_count(&iam, arn) > 0 {
                return Err(AwsError::delete_conflict(
                    "Cannot delete a policy attached to entities.",
                ));
            }
            iam.policies.remove(arn);
            ok(&mut x, true)
        }
        "AttachRolePolicy" => {
            let name = p.required("RoleName")?;
            let arn = p.required("PolicyArn")?;
            if !iam.policies.contains_key(arn) {
                return Err(no_such_policy(arn));
            }
            let r = iam.role_mut(name)?;
            if !r.attached_policies.iter().any(|a| a == arn) {
                r.attached_policies.push(arn.to_string());
            }
            ok(&mut x, true)
        }
        "DetachRolePolicy" => {
            let name = p.required("RoleName")?;
            let arn = p.required("PolicyArn")?;
            let r = iam.role_mut(name)?;
            let before = r.attached_policies.len();
            r.attached_policies.retain(|a| a != arn);
            if r.attached_policies.len() == before {
                return Err(AwsError::no_such_entity(format!(
                    "Policy {arn} was not found."
                )));
            }
            ok(&mut x, true)
        }
        "ListAttachedRolePolicies" => {
            let name = p.required("RoleName")?;
            let r = iam.role(name).ok_or_else(|| no_such_role(name))?;
            x.open("AttachedPolicies");
            for arn in &r.attached_policies {
                let pname = arn.rsplit('/').next().unwrap_or(arn);
                x.open("member")
                    .el("PolicyName", pname)
                    .el("PolicyArn", arn)
                    .close("member");
            }
            x.close("AttachedPolicies").el("IsTruncated", "false");
            ok(&mut x, false)
        }
        other => Err(AwsError::bad_request(
            "InvalidAction",
            format!("Could not find operation {other} for version 2010-05-08"),
        )),
    }
}

fn no_such_policy(arn: &str) -> AwsError {
    AwsError::no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

fn attachment_count(iam: &Iam, arn: &str) -> usize {
    iam.roles
        .values()
        .filter(|r| r.attached_policies.iter().any(|a| a == arn))
        .count()
}

fn policy_xml(x: &mut Xml, p: &ManagedPolicy, attachments: usize) {
    x.open("Policy")
        .el("PolicyName", &p.name)
        .el("PolicyId", &p.policy_id)
        .el("Arn", &p.arn)
        .el("Path", &p.path)
        .el("DefaultVersionId", "v1")
        .el("AttachmentCount", &attachments.to_string())
        .el("PermissionsBoundaryUsageCount", "0")
        .el("IsAttachable", "true")
        .opt("Description", p.description.as_deref())
        .el("CreateDate", &p.create_date)
        .el("UpdateDate", &p.create_date)
        .close("Policy");
}

/// The IAM endpoint: `POST /aws/iam/` (awsQuery), SigV4 required.
pub async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    req: axum::extract::Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, super::MAX_IAM_BODY_BYTES).await else {
        return super::body_too_large(super::MAX_IAM_BODY_BYTES).into_query(IAM_NS);
    };
    let mut p = Params::parse(&body);
    if let Some(q) = parts.uri.query() {
        p.extend(Params::parse(q.as_bytes()));
    }
    let action = p.get("Action").unwrap_or("").to_string();
    let result = async {
        let caller = super::authenticate(&state, "iam", &parts, &body)?;
        if action.is_empty() {
            return Err(AwsError::bad_request("MissingAction", "Missing Action"));
        }
        super::authorize(&state, &caller, "iam", &action, "*")?;
        super::throttle_and_faults(&state, "iam", &action).await?;
        super::model::validate_query("iam", &action, &p)?;
        let (resp, changed) = dispatch(&state, &caller, &action, &p)?;
        if changed {
            state.aws.persist();
        }
        Ok(resp)
    }
    .await;
    result.unwrap_or_else(|e| e.into_query(IAM_NS))
}
