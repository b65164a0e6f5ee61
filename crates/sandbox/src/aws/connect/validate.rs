//! Field rules from the Connect API reference (`connect-2017-08-08` model and the CreateUser /
//! CreateInstance pages), checked the way the service checks them.

use super::error::{ConnectResult, invalid_parameter};
use super::model::IdentityManagementType;

/// Longest SAML username (docs/facts.md §2: up to 64 characters of `[a-zA-Z0-9_\-.@]`).
pub const SAML_USERNAME_MAX: usize = 64;
/// Longest username on instances not using SAML (CreateUser `Username`: "up to 20 characters").
pub const OTHER_USERNAME_MAX: usize = 20;

/// `Username` for an instance of type `kind`: docs/facts.md §2, CreateUser request reference.
pub fn username(kind: IdentityManagementType, name: &str) -> ConnectResult<()> {
    let max = match kind {
        IdentityManagementType::Saml => SAML_USERNAME_MAX,
        _ => OTHER_USERNAME_MAX,
    };
    let len = name.chars().count();
    if len == 0 || len > max {
        return Err(invalid_parameter(format!(
            "Username must be 1 to {max} characters long for an instance using {} identity management; got {len}.",
            kind.as_str()
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@')))
    {
        return Err(invalid_parameter(format!(
            "Username contains {bad:?}; only letters a-z and A-Z, digits and _ - . @ are allowed."
        )));
    }
    if name.contains('@') && !is_email_form(name) {
        return Err(invalid_parameter(
            "Username can include @ only in an email format such as testuser@example.com.",
        ));
    }
    Ok(())
}

/// `local@domain.tld`: one `@`, a non-empty local part, a domain of at least two non-empty labels.
fn is_email_form(name: &str) -> bool {
    let Some((local, domain)) = name.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

/// A plain email address (`SecondaryEmail` pattern, simplified to `local@domain.tld`).
pub fn email(field: &str, address: &str) -> ConnectResult<()> {
    let ok = address.len() <= 265
        && is_email_form(address)
        && address
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._%+-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(invalid_parameter(format!(
            "{field} {address:?} is not a valid email address."
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saml_usernames_follow_facts_section_2() {
        let saml = IdentityManagementType::Saml;
        for ok in [
            "testuser",
            "testuser@example.com",
            "Jane.Doe_1-x",
            &"a".repeat(64),
        ] {
            assert!(username(saml, ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "testuser@example",
            "a@b@c.com",
            "@example.com",
            "user name",
            "user#EXT#@contoso.onmicrosoft.com",
            "ü",
            &"a".repeat(65),
        ] {
            assert_eq!(
                username(saml, bad).map_err(|e| e.code),
                Err("InvalidParameterException".to_string()),
                "{bad}"
            );
        }
    }

    #[test]
    fn connect_managed_usernames_are_at_most_20_characters() {
        let managed = IdentityManagementType::ConnectManaged;
        assert!(username(managed, &"a".repeat(20)).is_ok());
        assert!(username(managed, &"a".repeat(21)).is_err());
    }
}
