//! `connect-sso sandbox …`: local emulators of Entra ID and AWS.

pub(crate) mod env;
pub(crate) mod serve;

/// `export NAME=value` lines for a POSIX shell, values single-quoted when needed.
pub(crate) fn export_lines(vars: &[(String, String)]) -> String {
    vars.iter()
        .map(|(k, v)| format!("export {k}={}\n", shell_quote(v)))
        .collect()
}

fn shell_quote(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_for_the_shell() {
        let vars = vec![
            ("A".to_string(), "http://127.0.0.1:1/aws/iam".to_string()),
            ("B".to_string(), "it's $HOME".to_string()),
        ];
        assert_eq!(
            export_lines(&vars),
            "export A=http://127.0.0.1:1/aws/iam\nexport B='it'\\''s $HOME'\n"
        );
    }
}
