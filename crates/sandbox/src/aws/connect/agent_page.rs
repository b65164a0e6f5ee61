//! The page a federated agent lands on (stands for the Connect CCP / agent workspace):
//! `/aws/connect/app/{instance_id}/{destination}?token=<access token>`. It shows who is signed in
//! to which instance, with their routing and security profiles, so a browser test can see the
//! end of the sign-in chain. Without a live session it answers "Session expired", as Connect does
//! when someone opens it without going through the IdP (docs/facts.md §2).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::State;
use crate::markup_escape as esc;

/// The page a federated user lands on when the relay state names none.
pub const DEFAULT_DESTINATION: &str = "ccp-v2";

/// The agent page URL (local) for a session opened on `instance_id` with `token`.
pub fn url(state: &State, instance_id: &str, token: &str) -> String {
    format!(
        "{}/app/{instance_id}/{DEFAULT_DESTINATION}?token={token}",
        state.urls.connect()
    )
}

/// The page path for a relay-state `destination` (`/ccp-v2/chat` → `ccp-v2/chat`), or `None`
/// when it is not a plain path on the instance (an external URL, `//host`, `..`, odd characters).
pub fn destination_path(destination: &str) -> Option<String> {
    let path = destination.strip_prefix('/')?;
    let plain = !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'));
    plain.then(|| path.to_string())
}

/// `GET /app/{instance_id}`.
pub async fn page(
    AxState(st): AxState<Arc<State>>,
    Path(instance_id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    render(&st, &instance_id, "", q.get("token").map(String::as_str))
}

/// `GET /app/{instance_id}/{*destination}` (`ccp-v2`, `agent-app-v2`, `connect/ccp`, …).
pub async fn page_at(
    AxState(st): AxState<Arc<State>>,
    Path((instance_id, destination)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    render(
        &st,
        &instance_id,
        &destination,
        q.get("token").map(String::as_str),
    )
}

fn render(st: &State, instance_id: &str, destination: &str, token: Option<&str>) -> Response {
    let now_ms = super::now_ms(st);
    let view = token.and_then(|t| {
        st.aws.connect.read(|d| {
            let s = d.sessions.get(t)?;
            if s.instance_id != instance_id || s.expires_ms <= now_ms {
                return None;
            }
            let i = d.instances.iter().find(|i| i.id == s.instance_id)?;
            let u = i.users.iter().find(|u| u.id == s.user_id)?;
            let routing = i
                .routing_profiles
                .iter()
                .find(|p| p.id == u.routing_profile_id)
                .map_or_else(|| u.routing_profile_id.clone(), |p| p.name.clone());
            let security: Vec<String> = u
                .security_profile_ids
                .iter()
                .map(|id| {
                    i.security_profiles
                        .iter()
                        .find(|p| &p.id == id)
                        .map_or_else(|| id.clone(), |p| p.name.clone())
                })
                .collect();
            let expires = time::OffsetDateTime::from_unix_timestamp(s.expires_ms / 1000)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default();
            Some(format!(
                "<h1>Amazon Connect</h1>\n\
                 <p id=\"signed-in\">Signed in to Amazon Connect as <strong>{user}</strong> ({alias})</p>\n\
                 <dl>\n<dt>Instance</dt><dd id=\"instance\">{instance}</dd>\n\
                 <dt>Name</dt><dd id=\"name\">{first} {last}</dd>\n\
                 <dt>Routing profile</dt><dd id=\"routing-profile\">{routing}</dd>\n\
                 <dt>Security profiles</dt><dd id=\"security-profiles\">{security}</dd>\n\
                 <dt>Federated through role</dt><dd id=\"role\">{role}</dd>\n\
                 <dt>Session ends</dt><dd id=\"expires\">{expires}</dd>\n\
                 <dt>Page</dt><dd id=\"destination\">/{destination}</dd>\n</dl>\n\
                 <p id=\"agent-status\">Agent status: Available</p>\n",
                user = esc(&u.username),
                alias = esc(i.alias.as_deref().unwrap_or(&i.id)),
                instance = esc(&i.id),
                first = esc(u.identity_info.first_name.as_deref().unwrap_or("")),
                last = esc(u.identity_info.last_name.as_deref().unwrap_or("")),
                routing = esc(&routing),
                security = esc(&security.join(", ")),
                role = esc(&s.role_name),
                expires = esc(&expires),
                destination = esc(destination),
            ))
        })
    });
    let (status, title, body) = match view {
        Some(body) => (StatusCode::OK, "Amazon Connect", body),
        None => (
            StatusCode::UNAUTHORIZED,
            "Session expired",
            "<h1>Session expired</h1>\n<p id=\"session-expired\">Your Amazon Connect session has expired or was never started. \
             Sign in again through your identity provider.</p>\n"
                .to_string(),
        ),
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>{title} (sandbox)</title></head>\n<body>\n{body}</body>\n</html>\n"
    );
    let mut resp = (status, html).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::destination_path;

    #[test]
    fn destinations_are_paths_on_the_instance_only() {
        assert_eq!(
            destination_path("/ccp-v2/chat").as_deref(),
            Some("ccp-v2/chat")
        );
        assert_eq!(
            destination_path("/agent-app-v2").as_deref(),
            Some("agent-app-v2")
        );
        assert_eq!(
            destination_path("/connect/ccp").as_deref(),
            Some("connect/ccp")
        );
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/../x",
            "ccp-v2",
            "/",
            "/a?b",
            "/a//b",
        ] {
            assert_eq!(destination_path(bad), None, "{bad}");
        }
    }
}
