//! Test peers: the independent programs some tests run against (Python with boto3, moto,
//! signxml or xmlsec; `xmlsec1`; `openssl`; node with xml-crypto or playwright-core;
//! Chromium; the AWS CLI), and the ONE rule for a missing one.
//!
//! The rule ([`require_peer`], [`require`], [`skip_unless_peer!`](crate::skip_unless_peer)):
//! under CI ([`in_ci`]: `CI` set to anything but empty, `0` or `false`, so `true` and `1`
//! count) a missing peer fails the test, since `scripts/setup.sh` installs every peer; on a
//! developer's machine the test prints
//! `note: skipping <test>: <peer> not installed; run ./scripts/setup.sh` to stderr and
//! returns early.
//!
//! The finders return [`Found`]: the peer, or what is [`Missing`]. Where they look:
//!
//! | peer | finder | where |
//! | --- | --- | --- |
//! | the test venv | [`venv`] | `$CONNECT_SSO_VENV`, else `$HOME/.cache/connect-sso/venv` |
//! | Python with modules | [`venv_python`] | the venv's `bin/python`, which must import them |
//! | a venv program (`aws`, `moto_server`) | [`venv_bin`] | the venv's `bin/` |
//! | `xmlsec1` | [`xmlsec1`] | `$XMLSEC1`, else the PATH; must run |
//! | `openssl` | [`openssl`] | the PATH; must run |
//! | node with packages | [`node_with`] | `node` on the PATH; packages in `tests/node/node_modules` |
//! | Chromium | [`chromium`] | `$CHROMIUM`, else `/usr/bin/chromium` |

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A peer that is not installed: which, and what exactly is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The peer, as the note names it (`xmlsec1`, `the Python venv with boto3`, …).
    pub peer: String,
    /// What was looked for and not found.
    pub detail: String,
}

impl Missing {
    /// `peer` is missing because of `detail`.
    pub fn new(peer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            peer: peer.into(),
            detail: detail.into(),
        }
    }
}

/// What a finder returns: the peer's path, or what is missing.
pub type Found = Result<PathBuf, Missing>;

/// Whether this run is CI's: `CI` set to anything but empty, `0` or `false` (any case).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim();
        !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
    })
}

/// The running test's name: the test harness names each test's thread after it.
fn current_test() -> String {
    std::thread::current()
        .name()
        .filter(|n| *n != "main")
        .unwrap_or("this test")
        .to_string()
}

/// The rule for a missing peer. `found`: true, and this returns true. Missing under CI:
/// panics. Missing elsewhere: prints `note: skipping <test>: <peer> not installed; run
/// ./scripts/setup.sh` to stderr and returns false, so the test returns early.
pub fn require_peer(peer: &str, found: bool) -> bool {
    found || skip(&Missing::new(peer, "not found"))
}

/// [`require_peer`] for a finder's answer: the peer's path (or anything else found), or
/// `None` after the note (panics under CI).
pub fn require<T>(found: Result<T, Missing>) -> Option<T> {
    match found {
        Ok(v) => Some(v),
        Err(missing) => {
            skip(&missing);
            None
        }
    }
}

/// Report `missing` by the rule; returns false (the test skips) unless under CI.
fn skip(missing: &Missing) -> bool {
    let test = current_test();
    let Missing { peer, detail } = missing;
    assert!(
        !in_ci(),
        "{test}: test peer {peer} not installed ({detail}); CI is set, so a missing peer is a \
         failure: run ./scripts/setup.sh"
    );
    eprintln!("note: skipping {test}: {peer} not installed; run ./scripts/setup.sh ({detail})");
    false
}

/// The peer's value, or return from the enclosing test after the note of [`require`]
/// (panics under CI):
///
/// ```ignore
/// let python = skip_unless_peer!(peer::venv_python(&["boto3"]));
/// ```
#[macro_export]
macro_rules! skip_unless_peer {
    ($found:expr) => {
        match $crate::peer::require($found) {
            ::std::option::Option::Some(v) => v,
            ::std::option::Option::None => return,
        }
    };
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `name` on the PATH, if it is there as a file.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Whether `program args…` runs and exits with success (output discarded).
pub fn runs(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The test venv directory (it need not exist): `$CONNECT_SSO_VENV`, else
/// `$HOME/.cache/connect-sso/venv`.
pub fn venv() -> Found {
    std::env::var_os("CONNECT_SSO_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/connect-sso/venv"))
        })
        .ok_or_else(|| {
            Missing::new(
                "the Python venv",
                "neither CONNECT_SSO_VENV nor HOME is set",
            )
        })
}

/// A program of the test venv (`aws`, `moto_server`, `python`).
pub fn venv_bin(name: &str) -> Found {
    let bin = venv()?.join("bin").join(name);
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(Missing::new(
            format!("{name} (test venv)"),
            format!("no {}", bin.display()),
        ))
    }
}

/// The venv's Python, which must import every one of `modules` (`boto3`, `signxml`,
/// `lxml.etree`, `xmlsec`, …).
pub fn venv_python(modules: &[&str]) -> Found {
    let peer = if modules.is_empty() {
        "the Python venv".to_string()
    } else {
        format!("the Python venv with {}", modules.join(", "))
    };
    let python = venv_bin("python").map_err(|m| Missing::new(&peer, m.detail))?;
    let imports = format!("import {}", modules.join(", "));
    if modules.is_empty() || runs(&python, &["-c", &imports]) {
        Ok(python)
    } else {
        Err(Missing::new(
            peer,
            format!("{} cannot `{imports}`", python.display()),
        ))
    }
}

/// `xmlsec1` (the reference C implementation of XML-DSig): `$XMLSEC1`, else the PATH.
pub fn xmlsec1() -> Found {
    let candidate = std::env::var_os("XMLSEC1")
        .map(PathBuf::from)
        .or_else(|| find_on_path("xmlsec1"));
    match candidate {
        Some(path) if runs(&path, &["--version"]) => Ok(path),
        _ => Err(Missing::new(
            "xmlsec1",
            "not on the PATH nor in $XMLSEC1 (Debian package xmlsec1)",
        )),
    }
}

/// `openssl` on the PATH.
pub fn openssl() -> Found {
    match find_on_path("openssl") {
        Some(path) if runs(&path, &["version"]) => Ok(path),
        _ => Err(Missing::new("openssl", "not on the PATH")),
    }
}

/// `node` on the PATH, with every one of `packages` installed under `tests/node/node_modules`
/// (`npm ci` in `tests/node`).
pub fn node_with(packages: &[&str]) -> Found {
    let node = find_on_path("node")
        .filter(|n| runs(n, &["--version"]))
        .ok_or_else(|| Missing::new("node", "not on the PATH"))?;
    let modules = repo_root().join("tests/node/node_modules");
    match packages
        .iter()
        .find(|p| !modules.join(p).join("package.json").is_file())
    {
        None => Ok(node),
        Some(p) => Err(Missing::new(
            *p,
            format!(
                "not installed in {} (npm ci in tests/node)",
                modules.display()
            ),
        )),
    }
}

/// Chromium for the browser tests: `$CHROMIUM`, else `/usr/bin/chromium`.
pub fn chromium() -> Found {
    let path = std::env::var_os("CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if path.is_file() {
        Ok(path)
    } else {
        Err(Missing::new(
            "chromium",
            format!("no {} (set CHROMIUM to another)", path.display()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_peer_is_required_silently() {
        assert!(require_peer("anything", true));
        assert_eq!(require::<u8>(Ok(7)), Some(7));
    }

    #[test]
    fn a_missing_peer_skips_outside_ci_and_fails_under_it() {
        let missing = Missing::new("no-such-peer", "made up");
        if in_ci() {
            let r = std::panic::catch_unwind(|| require::<PathBuf>(Err(missing)));
            assert!(r.is_err(), "under CI a missing peer panics");
        } else {
            assert_eq!(require::<PathBuf>(Err(missing)), None);
            assert!(!require_peer("no-such-peer", false));
        }
    }

    #[test]
    fn node_reports_the_first_missing_package() {
        if find_on_path("node").is_some() {
            let e = node_with(&["no-such-package-xyz"]).expect_err("missing");
            assert_eq!(e.peer, "no-such-package-xyz");
        }
    }
}
