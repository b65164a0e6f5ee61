//! The SCIM endpoint: CRUD, filters, the token, Identity Center's restrictions, hostile bodies.

use reqwest::Method;
use serde_json::{Value, json};

use super::Scim;
use crate::entra::start;

fn user(name: &str, external: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "externalId": external,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "displayName": "Ada Lovelace",
        "emails": [{"type": "work", "primary": true, "value": name}],
        "active": true,
    })
}

/// A SCIM error answer: `status`, with a `detail` that says `says`.
fn assert_refused(status: u16, error: &Value, want: u16, says: &str) {
    assert_eq!(status, want, "{error}");
    let detail = error["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(says), "{error}");
}

fn filter(attr: &str, value: &str) -> String {
    let f = format!("{attr} eq \"{value}\"");
    format!(
        "?filter={}",
        percent_encoding::utf8_percent_encode(&f, percent_encoding::NON_ALPHANUMERIC)
    )
}

#[tokio::test]
async fn users_crud_filter_and_entra_disable_patches() {
    let sb = start().await;
    let scim = Scim::new(&sb).await;
    // Entra's "Test Connection": a filter matching nothing answers an empty ListResponse.
    let (status, ct, empty) = scim
        .raw(
            Method::GET,
            &format!("/Users{}", filter("userName", "0b8c-none")),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/scim+json"), "{ct}");
    assert_eq!(empty["totalResults"], 0);
    assert_eq!(empty["Resources"], json!([]));

    let created = scim
        .ok(
            Method::POST,
            "/Users",
            Some(user("ada@contoso.com", "obj-1")),
            201,
        )
        .await;
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["emails"][0]["value"], "ada@contoso.com");
    // userName is unique, case-insensitively.
    let (s, e) = scim
        .call(
            Method::POST,
            "/Users",
            Some(user("ADA@contoso.com", "obj-2")),
        )
        .await;
    assert_eq!(
        (s, e["scimType"].as_str()),
        (409, Some("uniqueness")),
        "{e}"
    );
    // Lookups by userName (any case) and externalId.
    for f in [
        filter("userName", "Ada@Contoso.com"),
        filter("externalId", "obj-1"),
    ] {
        let l = scim.ok(Method::GET, &format!("/Users{f}"), None, 200).await;
        assert_eq!(l["totalResults"], 1, "{f}");
        assert_eq!(l["Resources"][0]["id"], id.as_str());
    }
    let (s, e) = scim
        .call(Method::GET, "/Users?filter=userName%20co%20%22a%22", None)
        .await;
    assert_eq!((s, e["scimType"].as_str()), (400, Some("invalidFilter")));

    // Entra's default disable (capitalised op, "False" string), then the aadOptscim062020 one.
    let path = format!("/Users/{id}");
    let disable = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
    let u = scim.ok(Method::PATCH, &path, Some(disable), 200).await;
    assert_eq!(u["active"], false);
    let enable = json!({"Operations": [{"op": "replace", "path": "active", "value": true},
        {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "ada2@contoso.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Byron"}]});
    let u = scim.ok(Method::PATCH, &path, Some(enable), 200).await;
    assert_eq!(u["active"], true);
    assert_eq!(u["emails"][0]["value"], "ada2@contoso.com");
    assert_eq!(u["name"]["familyName"], "Byron");
    let off = json!({"Operations": [{"op": "replace", "path": "active", "value": false}]});
    let u = scim.ok(Method::PATCH, &path, Some(off), 200).await;
    assert_eq!(u["active"], false);

    // PUT replaces; GET reads; DELETE removes.
    let mut replaced = user("ada@contoso.com", "obj-1");
    replaced["displayName"] = json!("Countess");
    let u = scim.ok(Method::PUT, &path, Some(replaced), 200).await;
    assert_eq!(u["displayName"], "Countess");
    assert_eq!(
        scim.ok(Method::GET, &path, None, 200).await["displayName"],
        "Countess"
    );
    scim.ok(Method::DELETE, &path, None, 204).await;
    scim.ok(Method::GET, &path, None, 404).await;

    // Identity Center requires the names and keeps one e-mail address.
    let mut no_name = user("x@contoso.com", "obj-3");
    no_name["name"] = json!({"givenName": "X"});
    let (s, e) = scim.call(Method::POST, "/Users", Some(no_name)).await;
    assert_refused(s, &e, 400, "familyName");
    let mut two = user("y@contoso.com", "obj-4");
    two["emails"] = json!([{"value": "a@x"}, {"value": "b@x"}]);
    assert_eq!(scim.call(Method::POST, "/Users", Some(two)).await.0, 400);
}

#[tokio::test]
async fn groups_members_patch_and_identity_center_restrictions() {
    let sb = start().await;
    let scim = Scim::new(&sb).await;
    let mut ids = Vec::new();
    for n in ["a", "b", "c"] {
        let u = scim
            .ok(
                Method::POST,
                "/Users",
                Some(user(&format!("{n}@contoso.com"), n)),
                201,
            )
            .await;
        ids.push(u["id"].as_str().expect("id").to_string());
    }
    let g = scim
        .ok(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "Agents", "externalId": "grp-1",
                "members": [{"value": ids[0]}]})),
            201,
        )
        .await;
    let gid = g["id"].as_str().expect("id").to_string();
    let (s, e) = scim
        .call(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "agents"})),
        )
        .await;
    assert_eq!((s, e["scimType"].as_str()), (409, Some("uniqueness")));
    for f in [
        filter("displayName", "Agents"),
        filter("externalId", "grp-1"),
        filter("members", &ids[0]),
    ] {
        let l = scim
            .ok(Method::GET, &format!("/Groups{f}"), None, 200)
            .await;
        assert_eq!(l["Resources"][0]["id"], gid.as_str(), "{f}");
    }
    let path = format!("/Groups/{gid}");
    let patch = json!({"Operations": [
        {"op": "Add", "path": "members", "value": [{"value": ids[1]}, {"value": ids[2]}]},
        {"op": "Remove", "path": format!("members[value eq \"{}\"]", ids[0])},
        {"op": "Replace", "path": "displayName", "value": "Contact center agents"},
    ]});
    scim.ok(Method::PATCH, &path, Some(patch), 204).await;
    let g = scim.ok(Method::GET, &path, None, 200).await;
    assert_eq!(g["displayName"], "Contact center agents");
    // Identity Center's GET answers an empty member list; the membership filter tells.
    assert_eq!(g["members"], json!([]));
    for (i, want) in [(0, 0), (1, 1), (2, 1)] {
        let l = scim
            .ok(
                Method::GET,
                &format!("/Groups{}", filter("members", &ids[i])),
                None,
                200,
            )
            .await;
        assert_eq!(l["totalResults"], want, "member {i}");
    }
    let remove = json!({"Operations": [{"op": "remove", "path": "members",
        "value": [{"value": ids[1]}]}]});
    scim.ok(Method::PATCH, &path, Some(remove), 204).await;
    // Not supported by Identity Center: remove all, replace members; unknown member.
    for op in [
        json!({"op": "remove", "path": "members"}),
        json!({"op": "replace", "path": "members", "value": []}),
        json!({"op": "add", "path": "members", "value": [{"value": "nobody"}]}),
    ] {
        let (s, e) = scim
            .call(Method::PATCH, &path, Some(json!({"Operations": [op]})))
            .await;
        assert_eq!(s, 400, "{e}");
    }
    // Deleting a user drops its memberships; deleting the group.
    scim.ok(Method::DELETE, &format!("/Users/{}", ids[2]), None, 204)
        .await;
    let l = scim
        .ok(
            Method::GET,
            &format!("/Groups{}", filter("members", &ids[2])),
            None,
            200,
        )
        .await;
    assert_eq!(l["totalResults"], 0);
    scim.ok(Method::DELETE, &path, None, 204).await;
    scim.ok(Method::GET, &path, None, 404).await;
    // No /Bulk.
    let (s, _) = scim.call(Method::POST, "/Bulk", Some(json!({}))).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn a_missing_wrong_or_superseded_token_gets_401() {
    let sb = start().await;
    let first = Scim::new(&sb).await;
    first.ok(Method::GET, "/Users", None, 200).await;
    let (s, e) = Scim::with_token(&sb, "not-a-token")
        .call(Method::GET, "/Users", None)
        .await;
    assert_eq!(s, 401);
    assert_eq!(
        e["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    assert_eq!(e["status"], "401");
    let anon = reqwest::get(format!("{}/Users", super::scim_base(&sb)))
        .await
        .expect("get");
    assert_eq!(anon.status(), 401);
    // Two tokens live at a time: a third retires the first.
    let _second = Scim::new(&sb).await;
    let _third = Scim::new(&sb).await;
    assert_eq!(first.call(Method::GET, "/Users", None).await.0, 401);
}

#[tokio::test]
async fn hostile_bodies_are_refused_with_the_limit_named() {
    let sb = start().await;
    let scim = Scim::new(&sb).await;
    // Oversized.
    let big = vec![b' '; 1024 * 1024 + 1];
    let (s, _, e) = scim.raw(Method::POST, "/Users", Some(big)).await;
    assert_refused(s, &e, 413, "1048576");
    // Deeply nested.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let (s, _, e) = scim
        .raw(Method::POST, "/Users", Some(deep.into_bytes()))
        .await;
    assert_refused(s, &e, 400, "recursion limit");
    // Not JSON, not an object.
    for b in [&b"{"[..], b"[]", b"\"x\""] {
        assert_eq!(
            scim.raw(Method::POST, "/Groups", Some(b.to_vec())).await.0,
            400
        );
    }
    // A huge member list.
    let members: Vec<Value> = (0..5_000)
        .map(|i| json!({"value": format!("u{i}")}))
        .collect();
    let (s, e) = scim
        .call(
            Method::POST,
            "/Groups",
            Some(json!({"displayName": "G", "members": members})),
        )
        .await;
    assert_eq!(e["scimType"], "tooMany", "{e}");
    assert_refused(s, &e, 400, "100 membership");
    // Too many operations; a userName too long.
    let ops: Vec<Value> = (0..101)
        .map(|_| json!({"op": "add", "path": "displayName", "value": "x"}))
        .collect();
    let (s, e) = scim
        .call(Method::PATCH, "/Users/x", Some(json!({"Operations": ops})))
        .await;
    assert_refused(s, &e, 400, "100 operations");
    let (s, e) = scim
        .call(Method::POST, "/Users", Some(user(&"n".repeat(129), "z")))
        .await;
    assert_refused(s, &e, 400, "128");
}
