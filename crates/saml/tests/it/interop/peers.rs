//! Finding the independent implementations we test against (through the test kit's finders
//! and its one rule for a missing peer: CI fails, a developer's run skips with a note), and
//! running them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use connect_sso_testkit::peer;

/// The repository root (two levels above this crate).
pub(crate) fn repo_root() -> PathBuf {
    peer::repo_root()
}

/// `xmlsec1` (the reference C implementation), from `XMLSEC1` or the PATH.
pub(crate) fn xmlsec1() -> Option<PathBuf> {
    peer::require(peer::xmlsec1())
}

/// `openssl`, used to make keys and certificates independent of this crate.
pub(crate) fn openssl() -> Option<PathBuf> {
    peer::require(peer::openssl())
}

/// The venv Python with lxml and signxml (`$CONNECT_SSO_VENV`, else
/// `$HOME/.cache/connect-sso/venv`).
pub(crate) fn python() -> Option<PathBuf> {
    peer::require(peer::venv_python(&["lxml.etree", "signxml"]))
}

/// `node` with xml-crypto installed under `tests/node/node_modules`.
pub(crate) fn node() -> Option<PathBuf> {
    peer::require(peer::node_with(&["xml-crypto", "@xmldom/xmldom", "xpath"]))
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
