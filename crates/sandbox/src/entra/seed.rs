//! The seeded tenant: fixed IDs and credentials that tests, the demo and the README use.

use time::{Duration, OffsetDateTime};

use super::model::{
    Application, Directory, Group, PasswordCredential, ServicePrincipal, Tenant, User,
};
use crate::Config;

/// The default tenant's ID.
pub const DEFAULT_TENANT_ID: &str = "7c1e4a52-9b3d-4f6a-8e21-5d0c3b9a7f14";
/// The default tenant's initial domain (also accepted in place of the tenant ID in URLs).
pub const DEFAULT_TENANT_DOMAIN: &str = "contoso.onmicrosoft.com";
/// The verified domain of the seeded members' UPNs.
const VERIFIED_DOMAIN: &str = "contoso.com";

/// Client ID of the tool's own app registration, consented for everything connect-sso does
/// (Application.ReadWrite.All, AppRoleAssignment.ReadWrite.All,
/// Policy.ReadWrite.ApplicationConfiguration, User.Read.All, Group.Read.All).
pub const TOOL_APP_ID: &str = "0c5d2a7e-4f81-4b6c-9d3e-2a1f8b7c6e50";
/// Client secret of [`TOOL_APP_ID`]. Not a secret: it only opens the local sandbox.
pub const TOOL_CLIENT_SECRET: &str = "Sbx8Q~connect-sso-sandbox-tool-secret-000";
/// Client ID of a read-only app registration (Application.Read.All, User.Read.All,
/// Group.Read.All): writes answer 403 Authorization_RequestDenied.
pub const READONLY_APP_ID: &str = "0c5d2a7e-4f81-4b6c-9d3e-2a1f8b7c6e51";
/// Client secret of [`READONLY_APP_ID`].
pub const READONLY_CLIENT_SECRET: &str = "Sbx8Q~connect-sso-sandbox-read-secret-000";

/// Client ID of a directory administrator app (Directory.ReadWrite.All and everything the
/// tool has): for tests and demos that change users and groups through Graph.
pub const ADMIN_APP_ID: &str = "0c5d2a7e-4f81-4b6c-9d3e-2a1f8b7c6e52";
/// Client secret of [`ADMIN_APP_ID`].
pub const ADMIN_CLIENT_SECRET: &str = "Sbx8Q~connect-sso-sandbox-admin-secret-00";

/// Password of every seeded user (and of generated `Config::extra_users`).
pub const DEMO_PASSWORD: &str = "Sandbox-Passw0rd!";

/// Alice Agent, member of "Connect Agents".
pub const USER_ALICE_ID: &str = "11111111-0000-4000-8000-000000000001";
/// Alice's UPN.
pub const USER_ALICE_UPN: &str = "alice@contoso.com";
/// Bob Supervisor, member of "Connect Supervisors".
pub const USER_BOB_ID: &str = "11111111-0000-4000-8000-000000000002";
/// Bob's UPN.
pub const USER_BOB_UPN: &str = "bob@contoso.com";
/// Carol, in no group (so not assigned to any app).
pub const USER_CAROL_ID: &str = "11111111-0000-4000-8000-000000000003";
/// Carol's UPN.
pub const USER_CAROL_UPN: &str = "carol@contoso.com";
/// Dave, a B2B guest (UPN with `#EXT#`, which AWS refuses as RoleSessionName), member of
/// "Connect Agents".
pub const USER_GUEST_ID: &str = "11111111-0000-4000-8000-000000000004";
/// Dave's UPN.
pub const USER_GUEST_UPN: &str = "dave_fabrikam.com#EXT#@contoso.onmicrosoft.com";

/// Group "Connect Agents" (Alice, Dave, and generated extra users).
pub const GROUP_AGENTS_ID: &str = "22222222-0000-4000-8000-000000000001";
/// Group "Connect Supervisors" (Bob).
pub const GROUP_SUPERVISORS_ID: &str = "22222222-0000-4000-8000-000000000002";
/// Group "Connect Agents (Night Shift)": every tenth generated user, itself a member of
/// "Connect Agents" (so its members are agents through a nested group). Present when
/// `Config::extra_users` is not 0.
pub const GROUP_NESTED_AGENTS_ID: &str = "22222222-0000-4000-8000-000000000003";

/// Every this many generated users, one is in [`GROUP_NESTED_AGENTS_ID`] instead of directly in
/// "Connect Agents".
pub const EXTRA_NESTED_EVERY: usize = 10;
/// Every this many generated users, one is a B2B guest (`#EXT#` UPN, which AWS refuses as
/// RoleSessionName, docs/facts.md §3).
pub const EXTRA_GUEST_EVERY: usize = 100;
/// Every this many generated users, one has as `mail` the UPN of the user before it with
/// another case: a case collision of Connect usernames when they come from `mail`.
pub const EXTRA_CASE_COLLISION_EVERY: usize = 250;

/// Build the initial directory for `config`. The tenant and the tool's app registrations are
/// always there; demo users and groups only with `seed_demo`; `extra_users` always.
/// `now`: the sandbox clock's time (creation times, certificate and secret validity).
pub(super) fn directory(config: &Config, now: OffsetDateTime) -> Directory {
    let mut dir = Directory {
        tenants: Vec::new(),
        token_key: super::sha256_hex(super::random_b64url(32).as_bytes()),
        seq: 0,
        consistency_delay_ms: 0,
        stale_read_ms: 0,
    };
    let mut tenant = Tenant {
        id: DEFAULT_TENANT_ID.into(),
        display_name: "Contoso (sandbox)".into(),
        domains: vec![DEFAULT_TENANT_DOMAIN.into(), VERIFIED_DOMAIN.into()],
        users: Vec::new(),
        groups: Vec::new(),
        applications: Vec::new(),
        service_principals: Vec::new(),
        claims_mapping_policies: Vec::new(),
        app_role_assignments: Vec::new(),
        tombstones: Vec::new(),
        membership_log: Vec::new(),
        synchronization: Vec::new(),
    };
    tool_app(
        &mut tenant,
        "33333333-0000-4000-8000-000000000001",
        "33333333-0000-4000-8000-000000000002",
        TOOL_APP_ID,
        "connect-sso",
        TOOL_CLIENT_SECRET,
        &[
            "Application.ReadWrite.All",
            "AppRoleAssignment.ReadWrite.All",
            "Policy.ReadWrite.ApplicationConfiguration",
            "User.Read.All",
            "Group.Read.All",
        ],
        now,
    );
    tool_app(
        &mut tenant,
        "33333333-0000-4000-8000-000000000003",
        "33333333-0000-4000-8000-000000000004",
        READONLY_APP_ID,
        "connect-sso (read-only)",
        READONLY_CLIENT_SECRET,
        &["Application.Read.All", "User.Read.All", "Group.Read.All"],
        now,
    );
    tool_app(
        &mut tenant,
        "33333333-0000-4000-8000-000000000005",
        "33333333-0000-4000-8000-000000000006",
        ADMIN_APP_ID,
        "connect-sso sandbox administrator",
        ADMIN_CLIENT_SECRET,
        &[
            "Directory.ReadWrite.All",
            "Application.ReadWrite.All",
            "AppRoleAssignment.ReadWrite.All",
            "Policy.ReadWrite.ApplicationConfiguration",
            "User.ReadWrite.All",
            "Group.ReadWrite.All",
        ],
        now,
    );

    let mut agents = Vec::new();
    if config.seed_demo {
        let people = [
            (USER_ALICE_ID, USER_ALICE_UPN, "Alice", "Agent", "Agent"),
            (USER_BOB_ID, USER_BOB_UPN, "Bob", "Supervisor", "Supervisor"),
            (
                USER_CAROL_ID,
                USER_CAROL_UPN,
                "Carol",
                "Unassigned",
                "Analyst",
            ),
        ];
        for (id, upn, given, sur, job) in people {
            let seq = dir.next_seq();
            tenant.users.push(user(
                id,
                upn,
                given,
                sur,
                Some(upn.to_string()),
                "Member",
                Some(job),
                seq,
                now,
            ));
        }
        let seq = dir.next_seq();
        tenant.users.push(user(
            USER_GUEST_ID,
            USER_GUEST_UPN,
            "Dave",
            "Guest",
            Some("dave@fabrikam.com".into()),
            "Guest",
            None,
            seq,
            now,
        ));
        agents.extend([USER_ALICE_ID.to_string(), USER_GUEST_ID.to_string()]);
    }
    let mut nested = Vec::new();
    for n in 1..=config.extra_users {
        let (id, seq) = (extra_user_id(n), dir.next_seq());
        tenant.users.push(extra_user(n, &id, seq, now));
        if n % EXTRA_NESTED_EVERY == 0 {
            nested.push(id);
        } else {
            agents.push(id);
        }
    }
    if config.extra_users > 0 {
        let seq = dir.next_seq();
        tenant.groups.push(group(
            GROUP_NESTED_AGENTS_ID,
            "Connect Agents (Night Shift)",
            "Amazon Connect agents of the night shift (a member of Connect Agents)",
            nested,
            seq,
            now,
        ));
        agents.push(GROUP_NESTED_AGENTS_ID.to_string());
    }
    if config.seed_demo || config.extra_users > 0 {
        let seq = dir.next_seq();
        tenant.groups.push(group(
            GROUP_AGENTS_ID,
            "Connect Agents",
            "Amazon Connect agents",
            agents,
            seq,
            now,
        ));
    }
    if config.seed_demo {
        let seq = dir.next_seq();
        tenant.groups.push(group(
            GROUP_SUPERVISORS_ID,
            "Connect Supervisors",
            "Amazon Connect supervisors",
            vec![USER_BOB_ID.into()],
            seq,
            now,
        ));
    }
    dir.tenants.push(tenant);
    dir
}

/// The object ID of generated user `n` (1-based).
pub fn extra_user_id(n: usize) -> String {
    uuid::Uuid::from_u128(0x4444_4444_0000_4000_8000_0000_0000_0000 | n as u128).to_string()
}

/// The UPN of generated user `n`: `user00042@contoso.com`, or for every
/// [`EXTRA_GUEST_EVERY`]th a guest's `user00100_fabrikam.com#EXT#@contoso.onmicrosoft.com`.
pub fn extra_user_upn(n: usize) -> String {
    if n % EXTRA_GUEST_EVERY == 0 {
        format!("user{n:05}_fabrikam.com#EXT#@{DEFAULT_TENANT_DOMAIN}")
    } else {
        format!("user{n:05}@{VERIFIED_DOMAIN}")
    }
}

/// Generated user `n` ([`extra_user_upn`]); its `mail` is its UPN, a guest's is at
/// fabrikam.com, and every [`EXTRA_CASE_COLLISION_EVERY`]th has the previous user's UPN with
/// an upper-case first letter. UPNs stay unique case-insensitively, as Entra requires.
fn extra_user(n: usize, id: &str, seq: u64, now: OffsetDateTime) -> User {
    let upn = extra_user_upn(n);
    let guest = n % EXTRA_GUEST_EVERY == 0;
    let mail = if n % EXTRA_CASE_COLLISION_EVERY == 0 {
        let earlier = extra_user_upn(n - 1);
        let mut chars = earlier.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or(earlier)
    } else if guest {
        format!("user{n:05}@fabrikam.com")
    } else {
        upn.clone()
    };
    let user_type = if guest { "Guest" } else { "Member" };
    let number = format!("{n:05}");
    let job = (!guest).then_some("Agent");
    user(
        id,
        &upn,
        "User",
        &number,
        Some(mail),
        user_type,
        job,
        seq,
        now,
    )
}

#[allow(clippy::too_many_arguments)]
fn tool_app(
    tenant: &mut Tenant,
    object_id: &str,
    sp_id: &str,
    app_id: &str,
    name: &str,
    secret: &str,
    permissions: &[&str],
    now: OffsetDateTime,
) {
    tenant.applications.push(Application {
        tags: Vec::new(),
        id: object_id.into(),
        app_id: app_id.into(),
        display_name: name.into(),
        identifier_uris: Vec::new(),
        redirect_uris: Vec::new(),
        app_roles: Vec::new(),
        sign_in_audience: "AzureADMyOrg".into(),
        password_credentials: vec![PasswordCredential {
            key_id: super::new_guid(),
            display_name: Some("sandbox".into()),
            hint: secret.chars().take(3).collect(),
            secret_sha256: super::sha256_hex(secret.as_bytes()),
            start: now - Duration::days(1),
            end: now + Duration::days(365 * 2),
        }],
        graph_permissions: permissions.iter().map(|p| p.to_string()).collect(),
        created: now,
        visible_after: None,
        stale: None,
    });
    tenant.service_principals.push(ServicePrincipal {
        id: sp_id.into(),
        app_id: app_id.into(),
        display_name: name.into(),
        preferred_single_sign_on_mode: None,
        relay_state: None,
        preferred_token_signing_key_thumbprint: None,
        app_role_assignment_required: false,
        notification_email_addresses: Vec::new(),
        tags: vec!["WindowsAzureActiveDirectoryIntegratedApp".into()],
        signing_keys: Vec::new(),
        claims_mapping_policy_ids: Vec::new(),
        saml_signing: Default::default(),
        created: now,
        visible_after: None,
        stale: None,
    });
}

#[allow(clippy::too_many_arguments)]
fn user(
    id: &str,
    upn: &str,
    given: &str,
    surname: &str,
    mail: Option<String>,
    user_type: &str,
    job: Option<&str>,
    seq: u64,
    now: OffsetDateTime,
) -> User {
    User {
        id: id.into(),
        display_name: format!("{given} {surname}"),
        given_name: Some(given.into()),
        surname: Some(surname.into()),
        user_principal_name: upn.into(),
        mail,
        mail_nickname: upn.split(['@', '#']).next().unwrap_or(upn).to_string(),
        account_enabled: true,
        user_type: user_type.into(),
        job_title: job.map(str::to_string),
        employee_id: None,
        password: DEMO_PASSWORD.into(),
        created: now,
        seq,
        visible_after: None,
    }
}

fn group(
    id: &str,
    name: &str,
    description: &str,
    members: Vec<String>,
    seq: u64,
    now: OffsetDateTime,
) -> Group {
    Group {
        id: id.into(),
        display_name: name.into(),
        description: Some(description.into()),
        mail_nickname: name.replace(' ', ""),
        security_enabled: true,
        mail_enabled: false,
        members,
        created: now,
        seq,
        visible_after: None,
    }
}
