//! Field rules from the Connect API reference (`connect-2017-08-08` model and the CreateUser /
//! CreateInstance pages), checked the way the service checks them.

use std::collections::BTreeMap;

use super::error::{ConnectError, ConnectResult};
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
        return Err(ConnectError::InvalidParameter(format!(
            "Username must be 1 to {max} characters long for an instance using {} identity management; got {len}.",
            kind.as_str()
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@')))
    {
        return Err(ConnectError::InvalidParameter(format!(
            "Username contains {bad:?}; only letters a-z and A-Z, digits and _ - . @ are allowed."
        )));
    }
    if name.contains('@') && !is_email_form(name) {
        return Err(ConnectError::InvalidParameter(
            "Username can include @ only in an email format such as testuser@example.com."
                .to_string(),
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

/// `Password` pattern `^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$`.
pub fn password(password: &str) -> ConnectResult<()> {
    let len = password.chars().count();
    let ok = (8..=64).contains(&len)
        && password.chars().any(|c| c.is_ascii_lowercase())
        && password.chars().any(|c| c.is_ascii_uppercase())
        && password.chars().any(|c| c.is_ascii_digit())
        && !password.chars().any(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(ConnectError::InvalidParameter(
            "Password must be 8 to 64 characters without spaces and contain a lowercase letter, an uppercase letter and a digit."
                .to_string(),
        ))
    }
}

/// `InstanceAlias` pattern `^(?!d-)([\da-zA-Z]+)([-]*[\da-zA-Z])*$`, 1 to 45 characters.
pub fn instance_alias(alias: &str) -> ConnectResult<()> {
    let bytes = alias.as_bytes();
    let ok = (1..=45).contains(&alias.len())
        && !alias.starts_with("d-")
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric);
    if ok {
        Ok(())
    } else {
        Err(ConnectError::InvalidParameter(format!(
            "InstanceAlias {alias:?} is not valid: use 1 to 45 letters, digits and hyphens, starting and ending with a letter or digit, not starting with \"d-\"."
        )))
    }
}

/// A resource's tags after a change: at most 50 (the model bounds one request's map, not the
/// sum), and keys per the model's `TagKey` pattern `^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`,
/// whose look-ahead the model layer cannot enforce. Values: only the model's length limit.
pub fn tags(tags: &BTreeMap<String, String>) -> ConnectResult<()> {
    if tags.len() > 50 {
        return Err(ConnectError::InvalidParameter(format!(
            "A resource can have at most 50 tags; got {}.",
            tags.len()
        )));
    }
    let allowed = |c: char| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c);
    match tags
        .keys()
        .find(|k| k.starts_with("aws:") || !k.chars().all(allowed))
    {
        Some(k) => Err(ConnectError::InvalidParameter(format!(
            "Tag key {k:?} is not valid: use letters, digits, spaces and _ . : / = + - @, not starting with aws:."
        ))),
        None => Ok(()),
    }
}

/// `Mobile` and desk phone pattern `\+[1-9]\d{1,14}` (E.164).
pub fn phone_number(field: &str, number: &str) -> ConnectResult<()> {
    let digits = number.strip_prefix('+').unwrap_or("");
    let ok = (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(ConnectError::InvalidParameter(format!(
            "{field} {number:?} is not an E.164 phone number such as +12065550100."
        )))
    }
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
        Err(ConnectError::InvalidParameter(format!(
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
                username(saml, bad).map_err(|e| e.code()),
                Err("InvalidParameterException"),
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

    #[test]
    fn passwords_need_lower_upper_digit_and_8_to_64_characters() {
        assert!(password("Passw0rd!").is_ok());
        for bad in [
            "short1A",
            "alllower1",
            "ALLUPPER1",
            "NoDigitsHere",
            "Has space1A",
        ] {
            assert!(password(bad).is_err(), "{bad}");
        }
        assert!(password(&format!("Aa1{}", "x".repeat(62))).is_err());
    }

    #[test]
    fn aliases_match_the_model_pattern() {
        for ok in ["a", "my-instance", "a--b", "Abc123"] {
            assert!(instance_alias(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "d-abc", "a_b", "a.b", &"a".repeat(46)] {
            assert!(instance_alias(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags_reject_aws_prefix_and_too_many() {
        let mut t = BTreeMap::new();
        t.insert("aws:x".to_string(), "v".to_string());
        assert!(tags(&t).is_err());
        let many: BTreeMap<_, _> = (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(tags(&many).is_err());
        let mut fine = BTreeMap::new();
        fine.insert(
            "team".to_string(),
            "Sales & Marketing (EMEA), Tier-1".to_string(),
        );
        assert!(tags(&fine).is_ok());
    }

    #[test]
    fn phone_numbers_are_e164() {
        assert!(phone_number("Mobile", "+12065550100").is_ok());
        for bad in ["12065550100", "+0123", "+1", "+1206555010012345", "+1-206"] {
            assert!(phone_number("Mobile", bad).is_err(), "{bad}");
        }
    }
}
