//! Finding the independent implementations we test against, and running them.
//!
//! A missing peer fails the test when the `CI` environment variable is set (to anything but
//! an empty string, `0` or `false`); otherwise the test prints a notice and skips, so a
//! developer without the peers can still run the rest of the suite. `scripts/setup.sh`
//! installs every peer.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root (two levels above this crate).
pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn in_ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false")),
        Err(_) => false,
    }
}

/// Report a missing peer: panics in CI, prints a notice and returns `None` elsewhere.
fn missing<T>(test: &str, what: &str) -> Option<T> {
    let message = format!(
        "interop peer missing for {test}: {what}. Run scripts/setup.sh to install the test peers."
    );
    if in_ci() {
        panic!("{message} (CI is set, so a missing peer is a failure)");
    }
    eprintln!("SKIPPED: {message}");
    None
}

/// `xmlsec1` (the reference C implementation), from `XMLSEC1` or the PATH.
pub(crate) fn xmlsec1(test: &str) -> Option<PathBuf> {
    let candidate = std::env::var_os("XMLSEC1")
        .map(PathBuf::from)
        .or_else(|| find_on_path("xmlsec1"));
    match candidate {
        Some(path) if runs(&path, &["--version"]) => Some(path),
        _ => missing(test, "xmlsec1 is not installed (Debian package xmlsec1)"),
    }
}

/// `openssl`, used to make keys and certificates independent of this crate.
pub(crate) fn openssl(test: &str) -> Option<PathBuf> {
    match find_on_path("openssl") {
        Some(path) if runs(&path, &["version"]) => Some(path),
        _ => missing(test, "openssl is not installed"),
    }
}

/// The venv Python with lxml and signxml: `$CONNECT_SSO_VENV/bin/python`, else
/// `$HOME/.cache/connect-sso/venv/bin/python`.
pub(crate) fn python(test: &str) -> Option<PathBuf> {
    let venv = std::env::var_os("CONNECT_SSO_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/connect-sso/venv"))
        });
    let Some(venv) = venv else {
        return missing(test, "neither CONNECT_SSO_VENV nor HOME is set");
    };
    let python = venv.join("bin/python");
    if !python.exists() {
        return missing(test, &format!("no Python venv at {}", venv.display()));
    }
    if !runs(&python, &["-c", "import lxml.etree, signxml"]) {
        return missing(
            test,
            &format!("the venv at {} lacks lxml or signxml", venv.display()),
        );
    }
    Some(python)
}

/// `node` with xml-crypto installed under `tests/node/node_modules`.
pub(crate) fn node(test: &str) -> Option<PathBuf> {
    let Some(node) = find_on_path("node").filter(|n| runs(n, &["--version"])) else {
        return missing(test, "node is not installed");
    };
    let modules = repo_root().join("tests/node/node_modules");
    let needed = ["xml-crypto", "@xmldom/xmldom", "xpath"];
    if !needed
        .iter()
        .all(|m| modules.join(m).join("package.json").exists())
    {
        return missing(
            test,
            &format!(
                "xml-crypto, @xmldom/xmldom or xpath is not installed in {}",
                modules.display()
            ),
        );
    }
    Some(node)
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn runs(program: &Path, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Run `program args…` with `stdin` fed in; panics only if the program cannot be started.
pub(crate) fn run(program: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
    let mut input = child.stdin.take().expect("stdin is piped");
    let data = stdin.to_vec();
    // Write from a thread so a peer that answers before reading everything cannot deadlock us.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let output = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("waiting for {} failed: {e}", program.display()));
    let _ = writer.join();
    output
}

/// Describe a finished process for an assertion message.
pub(crate) fn describe(output: &Output) -> String {
    format!(
        "exit status {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
