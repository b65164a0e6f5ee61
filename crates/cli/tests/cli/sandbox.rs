//! `connect-sso sandbox serve` and `sandbox env`, through the real binary.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use crate::common::run;

/// Kills the server even when an assertion fails.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_prints_the_environment_of_the_port_it_bound_and_answers_http() {
    let child = Command::new(env!("CARGO_BIN_EXE_connect-sso"))
        .args(["sandbox", "serve", "--bind", "127.0.0.1:0"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut server = Server(child);
    let stdout = server.0.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").expect("UTF-8");
    let base = first
        .strip_prefix("# connect-sso sandbox at ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_string();
    let iam = lines.next().expect("a second line").expect("UTF-8");
    assert_eq!(iam, format!("export AWS_ENDPOINT_URL_IAM={base}/aws/iam"));

    // The exports go on until the one for connect-sso itself (the server then stays up, so
    // read no further than that).
    let mut exports = Vec::new();
    for line in lines.by_ref().map_while(Result::ok) {
        let last =
            !line.starts_with("export ") || line.starts_with("export CONNECT_SSO_SANDBOX_URL=");
        exports.push(line);
        if last {
            break;
        }
    }
    assert_eq!(
        exports.last(),
        Some(&format!("export CONNECT_SSO_SANDBOX_URL={base}")),
        "connect-sso itself must be pointed at this sandbox: {exports:?}"
    );
    // `sandbox env` checks that a sandbox answers, then prints the same exports.
    let env = run(&["sandbox", "env", "--url", &base]);
    assert_eq!(env.code, 0, "{}", env.stderr);
    assert!(
        env.stdout
            .contains(&format!("export CONNECT_SSO_SANDBOX_URL={base}\n"))
    );

    let addr = base.strip_prefix("http://").expect("http URL");
    let mut stream = TcpStream::connect(addr).expect("the sandbox listens");
    stream
        .write_all(b"GET /aws/signin/saml HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\r\n")
        .expect("request sent");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("reply read");
    assert!(reply.starts_with("HTTP/1.1 "), "{reply}");
}

#[test]
fn env_points_every_client_at_the_given_url() {
    let out = run(&[
        "sandbox",
        "env",
        "--url",
        "http://127.0.0.1:9999/",
        "--no-check",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for line in out.stdout.lines() {
        assert!(line.starts_with("export "), "{line}");
    }
    assert!(
        out.stdout
            .contains("export AWS_ENDPOINT_URL_STS=http://127.0.0.1:9999/aws/sts\n")
    );
}

#[test]
fn env_refuses_a_url_where_no_sandbox_answers() {
    // Port 9 (discard) on loopback: nothing listens there in a test run.
    let out = run(&["sandbox", "env", "--url", "http://127.0.0.1:9"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stdout.is_empty(),
        "no exports on failure: {}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("error: no sandbox at http://127.0.0.1:9"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--no-check"), "{}", out.stderr);
}
