//! IAM (awsQuery): SAML providers, roles, inline and customer managed role policies, and the
//! policy evaluation other services use ([`Iam::role_allows`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::response::Response;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::AwsError;
use super::ops::{Operation, operation};
use super::policy::{self, Decision, PolicyKind};
use super::query::{self, IAM_NS, Params, Xml};
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

/// The role `RoleName` names.
fn role<'a>(p: &Params, iam: &'a Iam) -> Result<&'a Role, AwsError> {
    let name = p.required("RoleName");
    iam.role(name).ok_or_else(|| no_such_role(name))
}

fn no_such_role(name: &str) -> AwsError {
    AwsError::no_such_entity(format!("The role with name {name} cannot be found."))
}

fn provider_name_from_arn(arn: &str, account: &str) -> Result<String, AwsError> {
    let prefix = format!("arn:aws:iam::{account}:saml-provider/");
    arn.strip_prefix(&prefix)
        .filter(|n| {
            let ok = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
            (1..=128).contains(&n.chars().count()) && n.chars().all(ok)
        })
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

/// One page of `items` (sorted by key) from `Marker` (the next key) with `MaxItems` (100).
fn paginate<T: Clone>(items: Vec<(String, T)>, p: &Params) -> (Vec<T>, Option<String>) {
    let max = p.int("MaxItems").and_then(|m| usize::try_from(m).ok());
    let max = max.unwrap_or(100);
    let start = p.get("Marker").map_or(0, |m| {
        let after = items.iter().position(|(k, _)| k.as_str() >= m);
        after.unwrap_or(items.len())
    });
    let page = items.iter().skip(start).take(max);
    let page: Vec<T> = page.map(|(_, v)| v.clone()).collect();
    let next = items.get(start + max).map(|(k, _)| k.clone());
    (page, next)
}

fn truncation(x: &mut Xml, next: Option<String>) {
    x.el("IsTruncated", if next.is_some() { "true" } else { "false" });
    if let Some(m) = next {
        x.el("Marker", &m);
    }
}

/// One IAM call: the caller's account, the parameters, the locked state, the answer's members.
pub struct IamCall<'a> {
    account: String,
    now: OffsetDateTime,
    p: &'a Params,
    iam: std::sync::MutexGuard<'a, Iam>,
    x: Xml,
}

/// An IAM handler: answers whether state changed (to persist).
type Handler = fn(&mut IamCall) -> Result<bool, AwsError>;

/// Every IAM operation the sandbox emulates; a handler answers whether state changed.
pub const OPERATIONS: &[Operation<Handler>] = &[
    operation!("CreateSAMLProvider", create_saml_provider),
    operation!("GetSAMLProvider", get_saml_provider),
    operation!("ListSAMLProviders", list_saml_providers),
    operation!("UpdateSAMLProvider", update_saml_provider),
    operation!("DeleteSAMLProvider", delete_saml_provider),
    operation!("TagSAMLProvider", tag_saml_provider),
    operation!("UntagSAMLProvider", untag_saml_provider),
    operation!("ListSAMLProviderTags", list_saml_provider_tags),
    operation!("CreateRole", create_role),
    operation!("GetRole", get_role),
    operation!("ListRoles", list_roles),
    operation!("UpdateRole", update_role),
    operation!("UpdateRoleDescription", update_role_description),
    operation!("UpdateAssumeRolePolicy", update_assume_role_policy),
    operation!("DeleteRole", delete_role),
    operation!("TagRole", tag_role),
    operation!("UntagRole", untag_role),
    operation!("ListRoleTags", list_role_tags),
    operation!("PutRolePolicy", put_role_policy),
    operation!("GetRolePolicy", get_role_policy),
    operation!("ListRolePolicies", list_role_policies),
    operation!("DeleteRolePolicy", delete_role_policy),
    operation!("CreatePolicy", create_policy),
    operation!("GetPolicy", get_policy),
    operation!("GetPolicyVersion", get_policy_version),
    operation!("DeletePolicy", delete_policy),
    operation!("AttachRolePolicy", attach_role_policy),
    operation!("DetachRolePolicy", detach_role_policy),
    operation!("ListAttachedRolePolicies", list_attached_role_policies),
];

// ---- SAML providers ----------------------------------------------------------------------------

fn create_saml_provider(c: &mut IamCall) -> Result<bool, AwsError> {
    let name = c.p.required("Name");
    let doc = c.p.required("SAMLMetadataDocument");
    let key = name.to_ascii_lowercase();
    if c.iam.saml_providers.contains_key(&key) {
        return Err(AwsError::entity_already_exists(format!(
            "SAMLProvider {name} already exists"
        )));
    }
    let (entity_id, certificates) = validate_metadata(doc)?;
    let tags = check_tags(&[], &c.p.tags("Tags"))?;
    let arn = format!("arn:aws:iam::{}:saml-provider/{name}", c.account);
    c.iam.saml_providers.insert(
        key,
        SamlProvider {
            name: name.to_string(),
            arn: arn.clone(),
            metadata: doc.to_string(),
            entity_id,
            certificates,
            create_date: iso(c.now),
            valid_until: iso(c.now + time::Duration::days(365 * 100)),
            uuid: uuid::Uuid::new_v4().to_string(),
            tags: tags.clone(),
        },
    );
    c.x.el("SAMLProviderArn", &arn);
    if !tags.is_empty() {
        c.x.tags("Tags", &tags);
    }
    Ok(true)
}

fn get_saml_provider(c: &mut IamCall) -> Result<bool, AwsError> {
    let (_, pr) = provider(c.p, &c.account, &mut c.iam)?;
    c.x.el("SAMLProviderUUID", &pr.uuid)
        .el("SAMLMetadataDocument", &pr.metadata)
        .el("CreateDate", &pr.create_date)
        .el("ValidUntil", &pr.valid_until);
    if !pr.tags.is_empty() {
        c.x.tags("Tags", &pr.tags);
    }
    Ok(false)
}

fn list_saml_providers(c: &mut IamCall) -> Result<bool, AwsError> {
    c.x.open("SAMLProviderList");
    for pr in c.iam.saml_providers.values() {
        c.x.open("member")
            .el("Arn", &pr.arn)
            .el("ValidUntil", &pr.valid_until)
            .el("CreateDate", &pr.create_date)
            .close("member");
    }
    c.x.close("SAMLProviderList");
    Ok(false)
}

fn update_saml_provider(c: &mut IamCall) -> Result<bool, AwsError> {
    let doc = c.p.required("SAMLMetadataDocument");
    let (arn, pr) = provider(c.p, &c.account, &mut c.iam)?;
    let (entity_id, certificates) = validate_metadata(doc)?;
    pr.metadata = doc.to_string();
    pr.entity_id = entity_id;
    pr.certificates = certificates;
    c.x.el("SAMLProviderArn", arn);
    Ok(true)
}

fn delete_saml_provider(c: &mut IamCall) -> Result<bool, AwsError> {
    let arn = c.p.required("SAMLProviderArn");
    let name = provider_name_from_arn(arn, &c.account)?;
    c.iam
        .saml_providers
        .remove(&name.to_ascii_lowercase())
        .ok_or_else(|| no_such_provider(arn))?;
    Ok(true)
}

/// The SAML provider `SAMLProviderArn` names, with that ARN.
fn provider<'a>(
    p: &'a Params,
    account: &str,
    iam: &'a mut Iam,
) -> Result<(&'a str, &'a mut SamlProvider), AwsError> {
    let arn = p.required("SAMLProviderArn");
    let name = provider_name_from_arn(arn, account)?;
    let pr = iam.saml_providers.get_mut(&name.to_ascii_lowercase());
    Ok((arn, pr.ok_or_else(|| no_such_provider(arn))?))
}

fn tag_saml_provider(c: &mut IamCall) -> Result<bool, AwsError> {
    let tags = c.p.tags("Tags");
    let (_, pr) = provider(c.p, &c.account, &mut c.iam)?;
    pr.tags = check_tags(&pr.tags, &tags)?;
    Ok(true)
}

fn untag_saml_provider(c: &mut IamCall) -> Result<bool, AwsError> {
    let keys = c.p.members("TagKeys");
    let (_, pr) = provider(c.p, &c.account, &mut c.iam)?;
    pr.tags.retain(|(k, _)| !keys.contains(k));
    Ok(true)
}

fn list_saml_provider_tags(c: &mut IamCall) -> Result<bool, AwsError> {
    let tags = provider(c.p, &c.account, &mut c.iam)?.1.tags.clone();
    c.x.tags("Tags", &tags).el("IsTruncated", "false");
    Ok(false)
}

// ---- roles -------------------------------------------------------------------------------------

fn create_role(c: &mut IamCall) -> Result<bool, AwsError> {
    let name = c.p.required("RoleName");
    let path = c.p.get("Path").unwrap_or("/");
    let doc = c.p.required("AssumeRolePolicyDocument");
    check_doc(doc, PolicyKind::Trust)?;
    let max = c.p.int("MaxSessionDuration").unwrap_or(3600);
    let key = name.to_ascii_lowercase();
    if c.iam.roles.contains_key(&key) {
        return Err(AwsError::entity_already_exists(format!(
            "Role with name {name} already exists."
        )));
    }
    let tags = check_tags(&[], &c.p.tags("Tags"))?;
    let role = Role {
        name: name.to_string(),
        path: path.to_string(),
        role_id: unique_id("AROA"),
        arn: format!("arn:aws:iam::{}:role{path}{name}", c.account),
        create_date: iso(c.now),
        trust_policy: doc.to_string(),
        description: c.p.get("Description").map(str::to_string),
        max_session_duration: max,
        tags,
        inline_policies: BTreeMap::new(),
        attached_policies: Vec::new(),
    };
    role_xml(&mut c.x, "Role", &role, true);
    c.iam.roles.insert(key, role);
    Ok(true)
}

fn get_role(c: &mut IamCall) -> Result<bool, AwsError> {
    let r = role(c.p, &c.iam)?;
    role_xml(&mut c.x, "Role", r, true);
    Ok(false)
}

fn list_roles(c: &mut IamCall) -> Result<bool, AwsError> {
    let prefix = c.p.get("PathPrefix").unwrap_or("/");
    let items: Vec<(String, Role)> = c
        .iam
        .roles
        .iter()
        .filter(|(_, r)| r.path.starts_with(prefix))
        .map(|(k, r)| (k.clone(), r.clone()))
        .collect();
    let (page, next) = paginate(items, c.p);
    c.x.open("Roles");
    for r in &page {
        role_xml(&mut c.x, "member", r, false);
    }
    c.x.close("Roles");
    truncation(&mut c.x, next);
    Ok(false)
}

fn update_role(c: &mut IamCall) -> Result<bool, AwsError> {
    let max = c.p.int("MaxSessionDuration");
    let r = c.iam.role_mut(c.p.required("RoleName"))?;
    if let Some(d) = c.p.get("Description") {
        r.description = Some(d.to_string());
    }
    if let Some(m) = max {
        r.max_session_duration = m;
    }
    Ok(true)
}

fn update_role_description(c: &mut IamCall) -> Result<bool, AwsError> {
    let d = c.p.required("Description");
    let r = c.iam.role_mut(c.p.required("RoleName"))?;
    r.description = Some(d.to_string());
    role_xml(&mut c.x, "Role", r, true);
    Ok(true)
}

fn update_assume_role_policy(c: &mut IamCall) -> Result<bool, AwsError> {
    let doc = c.p.required("PolicyDocument");
    check_doc(doc, PolicyKind::Trust)?;
    let r = c.iam.role_mut(c.p.required("RoleName"))?;
    r.trust_policy = doc.to_string();
    Ok(true)
}

fn delete_role(c: &mut IamCall) -> Result<bool, AwsError> {
    let name = c.p.required("RoleName");
    let r = c.iam.role(name).ok_or_else(|| no_such_role(name))?;
    if !r.inline_policies.is_empty() || !r.attached_policies.is_empty() {
        return Err(AwsError::delete_conflict(
            "Cannot delete entity, must delete policies first.",
        ));
    }
    c.iam.roles.remove(&name.to_ascii_lowercase());
    Ok(true)
}

fn tag_role(c: &mut IamCall) -> Result<bool, AwsError> {
    let r = c.iam.role_mut(c.p.required("RoleName"))?;
    r.tags = check_tags(&r.tags, &c.p.tags("Tags"))?;
    Ok(true)
}

fn untag_role(c: &mut IamCall) -> Result<bool, AwsError> {
    let keys = c.p.members("TagKeys");
    let r = c.iam.role_mut(c.p.required("RoleName"))?;
    r.tags.retain(|(k, _)| !keys.contains(k));
    Ok(true)
}

fn list_role_tags(c: &mut IamCall) -> Result<bool, AwsError> {
    let r = role(c.p, &c.iam)?;
    c.x.tags("Tags", &r.tags).el("IsTruncated", "false");
    Ok(false)
}

// ---- inline role policies ----------------------------------------------------------------------

fn put_role_policy(c: &mut IamCall) -> Result<bool, AwsError> {
    let pname = c.p.required("PolicyName");
    let doc = c.p.required("PolicyDocument");
    check_doc(doc, PolicyKind::Identity)?;
    let r = c.iam.role_mut(c.p.required("RoleName"))?;
    r.inline_policies.insert(pname.to_string(), doc.to_string());
    Ok(true)
}

fn get_role_policy(c: &mut IamCall) -> Result<bool, AwsError> {
    let name = c.p.required("RoleName");
    let pname = c.p.required("PolicyName");
    let r = c.iam.role(name).ok_or_else(|| no_such_role(name))?;
    let doc = r.inline_policies.get(pname).ok_or_else(|| {
        AwsError::no_such_entity(format!(
            "The role policy with name {pname} cannot be found."
        ))
    })?;
    c.x.el("RoleName", &r.name)
        .el("PolicyName", pname)
        .el("PolicyDocument", &encoded(doc));
    Ok(false)
}

fn list_role_policies(c: &mut IamCall) -> Result<bool, AwsError> {
    let r = role(c.p, &c.iam)?;
    let items: Vec<(String, String)> = r
        .inline_policies
        .keys()
        .map(|k| (k.clone(), k.clone()))
        .collect();
    let (page, next) = paginate(items, c.p);
    c.x.open("PolicyNames");
    for n in &page {
        c.x.el("member", n);
    }
    c.x.close("PolicyNames");
    truncation(&mut c.x, next);
    Ok(false)
}

fn delete_role_policy(c: &mut IamCall) -> Result<bool, AwsError> {
    let name = c.p.required("RoleName");
    let pname = c.p.required("PolicyName");
    let r = c.iam.role_mut(name)?;
    r.inline_policies.remove(pname).ok_or_else(|| {
        AwsError::no_such_entity(format!(
            "The role policy with name {pname} cannot be found."
        ))
    })?;
    Ok(true)
}

// ---- customer managed policies -----------------------------------------------------------------

fn create_policy(c: &mut IamCall) -> Result<bool, AwsError> {
    let pname = c.p.required("PolicyName");
    let path = c.p.get("Path").unwrap_or("/");
    let doc = c.p.required("PolicyDocument");
    check_doc(doc, PolicyKind::Identity)?;
    let arn = format!("arn:aws:iam::{}:policy{path}{pname}", c.account);
    if c.iam.policies.contains_key(&arn) {
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
        description: c.p.get("Description").map(str::to_string),
        create_date: iso(c.now),
    };
    policy_xml(&mut c.x, &pol, 0);
    c.iam.policies.insert(arn, pol);
    Ok(true)
}

fn get_policy(c: &mut IamCall) -> Result<bool, AwsError> {
    let arn = c.p.required("PolicyArn");
    let pol = c.iam.policies.get(arn).ok_or_else(|| no_such_policy(arn))?;
    let n = attachment_count(&c.iam, arn);
    policy_xml(&mut c.x, pol, n);
    Ok(false)
}

fn get_policy_version(c: &mut IamCall) -> Result<bool, AwsError> {
    let arn = c.p.required("PolicyArn");
    let v = c.p.required("VersionId");
    let pol = c.iam.policies.get(arn).ok_or_else(|| no_such_policy(arn))?;
    if v != "v1" {
        return Err(AwsError::no_such_entity(format!(
            "Policy {arn} version {v} does not exist or is not attachable."
        )));
    }
    c.x.open("PolicyVersion")
        .el("Document", &encoded(&pol.document))
        .el("VersionId", "v1")
        .el("IsDefaultVersion", "true")
        .el("CreateDate", &pol.create_date)
        .close("PolicyVersion");
    Ok(false)
}

fn delete_policy(c: &mut IamCall) -> Result<bool, AwsError> {
    let arn = c.p.required("PolicyArn");
    if !c.iam.policies.contains_key(arn) {
        return Err(no_such_policy(arn));
    }
    if attachment_count(&c.iam, arn) > 0 {
        return Err(AwsError::delete_conflict(
            "Cannot delete a policy attached to entities.",
        ));
    }
    c.iam.policies.remove(arn);
    Ok(true)
}

fn attach_role_policy(c: &mut IamCall) -> Result<bool, AwsError> {
    let arn = c.p.required("PolicyArn");
    if !c.iam.policies.contains_key(arn) {
        return Err(no_such_policy(arn));
    }
    let r = c.iam.role_mut(c.p.required("RoleName"))?;
    if !r.attached_policies.iter().any(|a| a == arn) {
        r.attached_policies.push(arn.to_string());
    }
    Ok(true)
}

fn detach_role_policy(c: &mut IamCall) -> Result<bool, AwsError> {
    let arn = c.p.required("PolicyArn");
    let r = c.iam.role_mut(c.p.required("RoleName"))?;
    let before = r.attached_policies.len();
    r.attached_policies.retain(|a| a != arn);
    if r.attached_policies.len() == before {
        return Err(AwsError::no_such_entity(format!(
            "Policy {arn} was not found."
        )));
    }
    Ok(true)
}

fn list_attached_role_policies(c: &mut IamCall) -> Result<bool, AwsError> {
    let name = c.p.required("RoleName");
    let r = c.iam.role(name).ok_or_else(|| no_such_role(name))?;
    c.x.open("AttachedPolicies");
    for arn in &r.attached_policies {
        let pname = arn.rsplit('/').next().unwrap_or(arn);
        c.x.open("member")
            .el("PolicyName", pname)
            .el("PolicyArn", arn)
            .close("member");
    }
    c.x.close("AttachedPolicies").el("IsTruncated", "false");
    Ok(false)
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
    let result = async {
        let (parts, body, p, action) = query::read(req, super::MAX_IAM_BODY_BYTES).await?;
        let caller = super::authenticate(&state, "iam", &parts, &body)?;
        if action.is_empty() {
            return Err(AwsError::bad_request("MissingAction", "Missing Action"));
        }
        super::authorize(&state, &caller, "iam", &action, "*")?;
        super::throttle_and_faults(&state, "iam", &action).await?;
        let op = super::ops::find(OPERATIONS, &action, "2010-05-08")?;
        super::model::validate_query("iam", op.name, &p)?;
        let mut call = IamCall {
            account: caller.account_id().to_string(),
            now: state.aws.now(),
            p: &p,
            iam: state.aws.iam_lock(),
            x: Xml::new(),
        };
        let changed = (op.run)(&mut call);
        let checked = changed.as_ref().map(|_| None).map_err(|e| e.code.as_str());
        super::model::debug_check("iam", op.name, checked);
        let changed = changed?;
        if changed {
            state.aws.changed();
        }
        // An operation with an output has a Result element, even empty (UpdateRole).
        let model = super::model::of("iam").and_then(|m| m.operation(op.name));
        let body = call.x.finish();
        let result = model.is_some_and(|o| o.get("output").is_some());
        Ok(query::ok(IAM_NS, op.name, result.then_some(body.as_str())))
    }
    .await;
    result.unwrap_or_else(|e| e.into_query(IAM_NS))
}
