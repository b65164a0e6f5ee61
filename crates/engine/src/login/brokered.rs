//! The brokered chain's own hops and faults (docs/design/brokered.md): Identity Center's
//! refusal of Entra's assertion, the access portal's tiles, and what the Identity Center
//! application's assertion says when AWS sign-in or Connect refuses it.

use connect_sso_saml::aws::{ATTR_ROLE, ATTR_ROLE_SESSION_NAME};

use super::{Hop, LoginError, attributes, resolve, strip_tags};

/// The portal's application tiles: (name, absolute URL).
pub(super) fn tiles(html: &str, page_url: &str) -> Vec<(String, String)> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = lower[pos..].find("<a ").map(|i| i + pos) {
        let Some(tag_end) = lower[start..].find('>').map(|i| i + start) else {
            break;
        };
        let Some(end) = lower[tag_end..].find("</a").map(|i| i + tag_end) else {
            break;
        };
        let a = attributes(&html[start + 1..tag_end]);
        let is_tile = a
            .get("class")
            .is_some_and(|c| c.split_whitespace().any(|c| c == "portal-tile"));
        if let (true, Some(href)) = (is_tile, a.get("href")) {
            out.push((strip_tags(&html[tag_end + 1..end]), resolve(page_url, href)));
        }
        pos = end;
    }
    out
}

/// The portal shows no tile of that name.
pub(super) fn no_tile(
    url: &str,
    status: u16,
    name: &str,
    tiles: &[(String, String)],
) -> LoginError {
    let shown: Vec<&str> = tiles.iter().map(|(t, _)| t.as_str()).collect();
    LoginError {
        hop: Hop::AccessPortal,
        url: url.to_string(),
        status: Some(status),
        answer: if shown.is_empty() {
            "the access portal shows no application".to_string()
        } else {
            format!(
                "the access portal shows no {name:?} tile; it shows: {}",
                shown.join(", ")
            )
        },
        cause: Some(format!(
            "the user is not assigned to the Identity Center application {name:?}, directly or \
             through a group: `connect-sso apply` assigns the spec's groups (identity_center.assignments); \
             or the application has another name (identity_center.application_name)"
        )),
        saml_response: None,
    }
}

/// Explain Identity Center's refusal of Entra's assertion (its error codes).
pub(super) fn identity_center_cause(mut e: LoginError) -> LoginError {
    if e.hop != Hop::IdentityCenterSignIn && e.hop != Hop::AccessPortal {
        return e;
    }
    let cause = [
        (
            "InvalidSignature",
            "Identity Center does not trust the certificate that signed Entra's assertion: the \
             Entra metadata uploaded as its identity source is not this app's current one; upload \
             the app's federation metadata again (identity_center.identity_source)",
        ),
        (
            "IssuerMismatch",
            "Entra's assertion comes from another tenant or app than the metadata Identity \
             Center trusts: upload this app's federation metadata (identity_center.identity_source)",
        ),
        (
            "AudienceMismatch",
            "the Entra app's identifier is not Identity Center's entity ID: `connect-sso apply` \
             sets it from identity_center.sp_metadata",
        ),
        (
            "UserNotFound",
            "Identity Center has no user whose username is the NameID Entra sent (the UPN): \
             provision the user into Identity Center (Entra's provisioning), or fix the NameID",
        ),
        (
            "IdentitySourceNotExternal",
            "Identity Center's identity source is not Entra: change it in the console \
             (identity_center.identity_source, `connect-sso plan` prints the values)",
        ),
        (
            "ExpiredAssertion",
            "the assertion is outside its validity: check the clocks",
        ),
    ]
    .into_iter()
    .find(|(code, _)| e.answer.contains(code))
    .map(|(_, c)| c.to_string());
    if cause.is_some() {
        e.cause = cause;
    }
    e
}

/// What the Identity Center application's assertion says about a failure after the portal:
/// its Role and RoleSessionName as AWS and Connect saw them.
pub(super) fn explain(e: &LoginError, saml_b64: &str) -> Option<String> {
    use base64::Engine as _;
    let xml = base64::engine::general_purpose::STANDARD
        .decode(saml_b64.trim())
        .ok()?;
    let i = connect_sso_saml::inspect::inspect(&xml).ok()?;
    let values = |name: &str| -> Vec<String> {
        i.attributes
            .iter()
            .filter(|a| a.name == name)
            .flat_map(|a| a.values.clone())
            .collect()
    };
    let roles = values(ATTR_ROLE);
    let session = values(ATTR_ROLE_SESSION_NAME).into_iter().next();
    if e.hop == Hop::AwsSignIn || e.hop == Hop::RoleChooser {
        if roles.is_empty() {
            return Some(format!(
                "the Identity Center application sends no {ATTR_ROLE} attribute: add the \
                 attribute mapping {ATTR_ROLE} = `roleArn,providerArn` (no space) to the \
                 application (identity_center.application)"
            ));
        }
        if let Some(v) = roles.iter().find(|v| v.chars().any(char::is_whitespace)) {
            return Some(format!(
                "the application's Role mapping has a space: it sends {v:?}; AWS needs \
                 `roleArn,providerArn` with no space: edit the attribute mapping"
            ));
        }
        return None;
    }
    if e.hop != Hop::Connect && e.hop != Hop::ConsoleFederation {
        return None;
    }
    let session = session?;
    if let Some(role) = bound_role(&e.answer) {
        return Some(format!(
            "{session} signed in to Connect through the role {role} before, and Connect keeps \
             a user to the role of their first sign-in (one federation role per instance, \
             docs/facts.md §2): sign in through that role's application, or delete and recreate \
             the Connect user"
        ));
    }
    Some(format!(
        "Connect has no user named {session:?}, which is what the Identity Center application's \
         RoleSessionName mapping sent. Brokered Connect usernames are e-mail addresses \
         (`${{user:email}}`): check the mapping, and sync users with [sync] username = \"mail\""
    ))
}

/// The role a "bound to another role" refusal names: the first role ARN after "bound".
fn bound_role(answer: &str) -> Option<String> {
    let after = &answer[answer.to_ascii_lowercase().find("bound")?..];
    let i = after.find("arn:aws")?;
    let arn: String = after[i..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ',' && *c != ';' && *c != ')')
        .collect();
    arn.contains(":role/")
        .then(|| arn.trim_end_matches('.').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_are_found_by_class_with_their_names_and_absolute_urls() {
        let html = r#"<ul><li><a class="portal-tile" data-application-arn="arn:x"
            href="/aws/identity-center/start/applications/apl-1">Amazon Connect</a></li>
            <li><a href="/elsewhere">Help</a></li></ul>"#;
        let t = tiles(html, "http://127.0.0.1:9/aws/identity-center/start");
        assert_eq!(
            t,
            vec![(
                "Amazon Connect".to_string(),
                "http://127.0.0.1:9/aws/identity-center/start/applications/apl-1".to_string()
            )]
        );
    }

    #[test]
    fn a_refusal_naming_the_bound_role_is_recognised() {
        assert_eq!(
            bound_role(
                "AccessDeniedException: The user a@x.example is not onboarded for the role \
                 arn:aws:iam::1:role/New: Amazon Connect bound this user to arn:aws:iam::1:role/Old, \
                 the role of their first sign-in."
            ),
            Some("arn:aws:iam::1:role/Old".into())
        );
        assert_eq!(bound_role("not onboarded"), None);
    }
}
