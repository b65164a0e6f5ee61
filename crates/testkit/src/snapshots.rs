//! Shared insta settings: the filters that hide what changes between runs.
//!
//! | filter | replaced by |
//! | --- | --- |
//! | `127.0.0.1:<port>` (a sandbox's address) | `127.0.0.1:[port]` |
//! | `token=<token>` (a sign-in token in a URL) | `token=[token]` |
//! | `(os error <n>)` (the number differs between systems) | `(os error [n])` |
//!
//! IDs a test learns at run time are added with [`with_ids`]. Snapshots stay next to the test
//! file that asserts them, as insta does by default.
//!
//! ```ignore
//! testkit::snapshots::with_ids(&[(&instance_id, "[instance-id]")])
//!     .bind(|| insta::assert_snapshot!("plan", out));
//! ```

/// The filters every snapshot of a run against a sandbox needs: `(regex, replacement)`.
pub const FILTERS: &[(&str, &str)] = &[
    (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
    (r"token=[A-Za-z0-9_\-]+", "token=[token]"),
    (r"\(os error \d+\)", "(os error [n])"),
];

/// The current settings plus [`FILTERS`].
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for (regex, replacement) in FILTERS {
        settings.add_filter(regex, *replacement);
    }
    settings
}

/// [`settings`] that also replace each run-time ID with its name (`("3f2a…", "[app-id]")`).
pub fn with_ids(ids: &[(&str, &str)]) -> insta::Settings {
    let mut settings = settings();
    for (id, name) in ids {
        settings.add_filter(&regex_escape(id), *name);
    }
    settings
}

/// Run `f` (which asserts snapshots) with [`settings`] bound.
pub fn bind<R>(f: impl FnOnce() -> R) -> R {
    settings().bind(f)
}

/// `s` with regex metacharacters escaped, to match it literally.
pub fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_hide_ports_tokens_errnos_and_ids() {
        let out = "http://127.0.0.1:40123/x?token=ab_C-9 (os error 111) id 1.2-3";
        with_ids(&[("1.2-3", "[id]")]).bind(|| {
            insta::assert_snapshot!(
                out,
                @"http://127.0.0.1:[port]/x?token=[token] (os error [n]) id [id]"
            );
        });
    }
}
