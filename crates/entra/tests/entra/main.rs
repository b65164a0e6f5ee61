//! Tests of the Entra adapter: retries, paging, errors and secrets, against a scripted
//! loopback server; and the real Graph emulation of the sandbox.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use connect_sso_entra::{Credentials, EntraConfig, Error, Graph, RetryPolicy, Secret};

mod gate;

/// Serve `app` on a free loopback port; returns its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn config(base: &str, credentials: Credentials) -> EntraConfig {
    EntraConfig {
        tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        login_url: base.to_string(),
        graph_url: base.to_string(),
        credentials,
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        },
    }
}

fn token() -> Credentials {
    Credentials::AccessToken(Secret::new("t0ken"))
}

#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

#[tokio::test]
async fn throttled_requests_are_retried_honouring_retry_after() {
    let hits = Counter::default();
    let app = Router::new()
        .route(
            "/v1.0/groups",
            get(|State(c): State<Counter>| async move {
                if c.0.fetch_add(1, Ordering::SeqCst) < 2 {
                    let mut h = HeaderMap::new();
                    h.insert("Retry-After", "0".parse().expect("header"));
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        h,
                        r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
                    )
                        .into_response()
                } else {
                    r#"{"value":[{"id":"g1","displayName":"Connect Agents"}]}"#.into_response()
                }
            }),
        )
        .with_state(hits.clone());
    let base = serve(app).await;
    let graph = Graph::new(config(&base, token())).expect("client");
    let groups = graph
        .groups_named("Connect Agents")
        .await
        .expect("retried to success");
    assert_eq!(groups[0].id, "g1");
    assert_eq!(hits.0.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn persistent_503_gives_up_after_max_attempts_with_graph_error() {
    let hits = Counter::default();
    let app = Router::new()
        .route(
            "/v1.0/applications/{id}",
            get(|State(c): State<Counter>| async move {
                c.0.fetch_add(1, Ordering::SeqCst);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"error":{"code":"serviceUnavailable","message":"try later"}}"#,
                )
            }),
        )
        .with_state(hits.clone());
    let base = serve(app).await;
    let graph = Graph::new(config(&base, token())).expect("client");
    let err = graph.application("a1").await.expect_err("must fail");
    assert!(
        matches!(err, Error::Graph { status: 503, ref code, .. } if code == "serviceUnavailable"),
        "{err}"
    );
    assert_eq!(hits.0.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn not_found_is_not_retried_and_is_recognisable() {
    let hits = Counter::default();
    let app = Router::new()
        .route(
            "/v1.0/servicePrincipals/{id}",
            get(|State(c): State<Counter>| async move {
                c.0.fetch_add(1, Ordering::SeqCst);
                (
                    StatusCode::NOT_FOUND,
                    r#"{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist"}}"#,
                )
            }),
        )
        .with_state(hits.clone());
    let base = serve(app).await;
    let graph = Graph::new(config(&base, token())).expect("client");
    let err = graph.service_principal("x").await.expect_err("404");
    assert!(err.is_not_found());
    assert_eq!(hits.0.load(Ordering::SeqCst), 1);
    assert!(err.to_string().contains("Request_ResourceNotFound"));
}

#[tokio::test]
async fn paging_follows_next_link() {
    let app = Router::new().route(
        "/v1.0/servicePrincipals/{id}/appRoleAssignedTo",
        get(|axum::extract::RawQuery(q): axum::extract::RawQuery, headers: HeaderMap| async move {
            let host = headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("").to_string();
            if q.as_deref() == Some("$skiptoken=2") {
                r#"{"value":[{"id":"a3","appRoleId":"r","principalId":"p3","resourceId":"sp"}]}"#.to_string()
            } else {
                format!(
                    r#"{{"value":[{{"id":"a1","appRoleId":"r","principalId":"p1","resourceId":"sp"}},{{"id":"a2","appRoleId":"r","principalId":"p2","resourceId":"sp"}}],
                    "@odata.nextLink":"http://{host}/v1.0/servicePrincipals/sp/appRoleAssignedTo?$skiptoken=2"}}"#
                )
            }
        }),
    );
    let base = serve(app).await;
    let graph = Graph::new(config(&base, token())).expect("client");
    let all = graph.app_role_assigned_to("sp").await.expect("pages");
    let ids: Vec<&str> = all.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2", "a3"]);
}

#[tokio::test]
async fn wrong_client_secret_reports_the_aadsts_code_with_a_hint() {
    let app = Router::new().route(
        "/{tenant}/oauth2/v2.0/token",
        post(|| async {
            (
                StatusCode::UNAUTHORIZED,
                r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}"#,
            )
        }),
    );
    let base = serve(app).await;
    let graph = Graph::new(config(
        &base,
        Credentials::ClientSecret {
            client_id: "c".into(),
            client_secret: Secret::new("wrong-secret-value"),
        },
    ))
    .expect("client");
    let err = graph.groups_named("x").await.expect_err("refused");
    assert!(matches!(err, Error::Token { ref error, .. } if error == "invalid_client"));
    assert!(err.hint().is_some_and(|h| h.contains("client secret")));
    assert!(!err.to_string().contains("wrong-secret-value"));
}

#[tokio::test]
async fn token_is_fetched_once_and_cached() {
    let hits = Counter::default();
    let app = Router::new()
        .route(
            "/{tenant}/oauth2/v2.0/token",
            post(|State(c): State<Counter>| async move {
                c.0.fetch_add(1, Ordering::SeqCst);
                r#"{"token_type":"Bearer","expires_in":3599,"access_token":"abc"}"#
            }),
        )
        .route(
            "/v1.0/groups",
            get(|headers: HeaderMap| async move {
                assert_eq!(
                    headers.get("authorization").and_then(|h| h.to_str().ok()),
                    Some("Bearer abc")
                );
                r#"{"value":[]}"#
            }),
        )
        .with_state(hits.clone());
    let base = serve(app).await;
    let graph = Graph::new(config(
        &base,
        Credentials::ClientSecret {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
        },
    ))
    .expect("client");
    for _ in 0..3 {
        graph.groups_named("x").await.expect("ok");
    }
    assert_eq!(hits.0.load(Ordering::SeqCst), 1);
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let cfg = config(
        "http://127.0.0.1:9",
        Credentials::ClientSecret {
            client_id: "c".into(),
            client_secret: Secret::new("hunter2-very-secret"),
        },
    );
    let graph = Graph::new(cfg.clone()).expect("client");
    assert!(!format!("{cfg:?}").contains("hunter2"));
    assert!(!format!("{graph:?}").contains("hunter2"));
    assert_eq!(Secret::new("x").to_string(), "<redacted>");
}

#[test]
fn federation_metadata_url_has_entra_shape() {
    let cfg = config("https://login.microsoftonline.com", token());
    assert_eq!(
        cfg.federation_metadata_url("app-1"),
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/federationmetadata/2007-06/federationmetadata.xml?appid=app-1"
    );
}

/// A loopback server that answers every connection with `head` then `chunks` 64 KiB chunks of
/// `<`, chunked, without a Content-Length (as a hostile or broken server would).
async fn serve_chunked(chunks: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ntransfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("10000\r\n{}\r\n", "<".repeat(0x10000));
                for _ in 0..chunks {
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn federation_metadata_read_stops_at_the_size_limit() {
    // 64 MiB offered without a Content-Length: the read stops after 1 MiB.
    let base = serve_chunked(1024).await;
    let graph = Graph::new(config(&base, token())).expect("client");
    let err = graph
        .federation_metadata("app-1")
        .await
        .expect_err("too large");
    assert!(
        matches!(&err, Error::Decode { detail, .. } if detail.contains("larger than 1048576 bytes")),
        "{err}"
    );
    // A document under the limit is read whole.
    let base = serve_chunked(2).await;
    let graph = Graph::new(config(&base, token())).expect("client");
    let text = graph.federation_metadata("app-1").await.expect("read");
    assert_eq!(text.len(), 2 * 0x10000);
}
