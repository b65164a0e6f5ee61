//! User hierarchies and custom profiles, as a provisioning tool uses them.

use connect_sso_sandbox::Config;
use serde_json::{Value, json};

use super::{Connect, s, start};

/// Define two levels, create EMEA (level one) and London (below it), and answer their ids.
async fn emea_and_london(c: &Connect, i: &str) -> (String, String) {
    let structure = json!({"HierarchyStructure": {
        "LevelOne": {"Name": "Region"}, "LevelTwo": {"Name": "Site"},
    }});
    c.call(
        "POST",
        &format!("/user-hierarchy-structure/{i}"),
        &[],
        structure,
    )
    .await
    .ok();
    let group = |name: &str, parent: Option<&str>| {
        let mut b = json!({ "Name": name });
        if let Some(p) = parent {
            b["ParentGroupId"] = json!(p);
        }
        b
    };
    let path = format!("/user-hierarchy-groups/{i}");
    let emea = c.call("PUT", &path, &[], group("EMEA", None)).await.ok();
    let emea = s(&emea["HierarchyGroupId"]);
    let london = c
        .call("PUT", &path, &[], group("London", Some(&emea)))
        .await
        .ok();
    (emea, s(&london["HierarchyGroupId"]))
}

#[tokio::test]
async fn hierarchy_groups_take_their_level_from_the_parent_and_the_structure() {
    let sb = start(Config::default()).await;
    let c = Connect::new(&sb);
    let (i, arn) = c.saml_instance("hierarchy").await;
    let before = c
        .call(
            "GET",
            &format!("/user-hierarchy-structure/{i}"),
            &[],
            Value::Null,
        )
        .await
        .ok();
    assert_eq!(
        before,
        json!({"HierarchyStructure": {}}),
        "no levels at first"
    );
    let early = c
        .call(
            "PUT",
            &format!("/user-hierarchy-groups/{i}"),
            &[],
            json!({"Name": "EMEA"}),
        )
        .await;
    assert_eq!(early.err(400), "InvalidRequestException");

    let (emea, london) = emea_and_london(&c, &i).await;
    let structure = c
        .call(
            "GET",
            &format!("/user-hierarchy-structure/{i}"),
            &[],
            Value::Null,
        )
        .await
        .ok();
    let levels = &structure["HierarchyStructure"];
    assert_eq!(
        (
            levels["LevelOne"]["Name"].as_str(),
            levels["LevelTwo"]["Name"].as_str()
        ),
        (Some("Region"), Some("Site"))
    );
    assert!(s(&levels["LevelOne"]["Arn"]).starts_with(&format!("{arn}/agent-group-level/")));

    let described = c
        .call(
            "GET",
            &format!("/user-hierarchy-groups/{i}/{london}"),
            &[],
            Value::Null,
        )
        .await
        .ok();
    let g = &described["HierarchyGroup"];
    assert_eq!(
        g["LevelId"], levels["LevelTwo"]["Id"],
        "London is at level two"
    );
    assert_eq!(g["HierarchyPath"]["LevelOne"]["Name"], "EMEA");
    assert_eq!(g["HierarchyPath"]["LevelTwo"]["Id"], json!(london));
    assert_eq!(s(&g["Arn"]), format!("{arn}/agent-group/{london}"));

    // A level that holds a group cannot be removed.
    let shrink = json!({"HierarchyStructure": {"LevelOne": {"Name": "Region"}}});
    let removed = c
        .call(
            "POST",
            &format!("/user-hierarchy-structure/{i}"),
            &[],
            shrink,
        )
        .await;
    assert_eq!(removed.err(409), "ResourceInUseException");
    // Below level two there is no level three yet.
    let deeper = json!({"Name": "Desk 1", "ParentGroupId": london});
    let deeper = c
        .call("PUT", &format!("/user-hierarchy-groups/{i}"), &[], deeper)
        .await;
    assert_eq!(deeper.err(400), "InvalidRequestException");

    // Paged, in creation order.
    let page = c
        .call(
            "GET",
            &format!("/user-hierarchy-groups-summary/{i}"),
            &[("maxResults", "1")],
            Value::Null,
        )
        .await
        .ok();
    assert_eq!(page["UserHierarchyGroupSummaryList"][0]["Id"], json!(emea));
    let token = s(&page["NextToken"]);
    let rest = c
        .call(
            "GET",
            &format!("/user-hierarchy-groups-summary/{i}"),
            &[("nextToken", &token)],
            Value::Null,
        )
        .await
        .ok();
    assert_eq!(
        rest["UserHierarchyGroupSummaryList"][0]["Id"],
        json!(london)
    );
    assert!(rest.get("NextToken").is_none());
    sb.shutdown().await;
}

#[tokio::test]
async fn users_join_existing_hierarchy_groups_only() {
    let sb = start(Config::default()).await;
    let c = Connect::new(&sb);
    let (i, _) = c.saml_instance("hierarchy-users").await;
    let (emea, london) = emea_and_london(&c, &i).await;
    let unknown = json!({"HierarchyGroupId": "00000000-0000-0000-0000-000000000000"});
    let refused = c.create_user(&i, "ghost", unknown.clone()).await;
    assert_eq!(refused.err(400), "InvalidParameterException");

    let created = c
        .create_user(&i, "jane", json!({"HierarchyGroupId": london}))
        .await
        .ok();
    let uid = s(&created["UserId"]);
    let user = c
        .call("GET", &format!("/users/{i}/{uid}"), &[], Value::Null)
        .await
        .ok();
    assert_eq!(user["User"]["HierarchyGroupId"], json!(london));

    let update = format!("/users/{i}/{uid}/hierarchy");
    let moved = c.call("POST", &update, &[], unknown).await;
    assert_eq!(moved.err(400), "InvalidParameterException");
    c.call("POST", &update, &[], json!({"HierarchyGroupId": emea}))
        .await
        .ok();
    let user = c
        .call("GET", &format!("/users/{i}/{uid}"), &[], Value::Null)
        .await
        .ok();
    assert_eq!(user["User"]["HierarchyGroupId"], json!(emea));
    c.call("POST", &update, &[], json!({})).await.ok();
    let user = c
        .call("GET", &format!("/users/{i}/{uid}"), &[], Value::Null)
        .await
        .ok();
    assert!(
        user["User"].get("HierarchyGroupId").is_none(),
        "left the hierarchy"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn custom_profiles_are_listed_and_usable_by_create_user() {
    let sb = start(Config::default()).await;
    let c = Connect::new(&sb);
    let (i, arn) = c.saml_instance("profiles").await;
    let sp =
        json!({"SecurityProfileName": "Night Shift Agents", "Permissions": ["BasicAgentAccess"]});
    let created = c
        .call("PUT", &format!("/security-profiles/{i}"), &[], sp.clone())
        .await
        .ok();
    let sp_id = s(&created["SecurityProfileId"]);
    assert_eq!(
        s(&created["SecurityProfileArn"]),
        format!("{arn}/security-profile/{sp_id}")
    );
    let again = c
        .call("PUT", &format!("/security-profiles/{i}"), &[], sp)
        .await;
    assert_eq!(again.err(409), "DuplicateResourceException");
    let bad = json!({"SecurityProfileName": "Night/Shift"});
    let bad = c
        .call("PUT", &format!("/security-profiles/{i}"), &[], bad)
        .await;
    assert_eq!(
        bad.err(400),
        "InvalidParameterException",
        "the model's name pattern"
    );

    let queues = c
        .call("GET", &format!("/queues-summary/{i}"), &[], Value::Null)
        .await
        .ok();
    let queue = s(&queues["QueueSummaryList"][0]["Id"]);
    let rp = |queue: &str| {
        json!({
            "Name": "Night Shift", "Description": "Night shift voice", "DefaultOutboundQueueId": queue,
            "MediaConcurrencies": [{"Channel": "VOICE", "Concurrency": 1}],
        })
    };
    let missing = c
        .call("PUT", &format!("/routing-profiles/{i}"), &[], rp("nope"))
        .await;
    assert_eq!(missing.err(400), "InvalidParameterException");
    let created = c
        .call("PUT", &format!("/routing-profiles/{i}"), &[], rp(&queue))
        .await
        .ok();
    let rp_id = s(&created["RoutingProfileId"]);

    let (listed_sp, listed_rp) = c.profiles(&i, "Night Shift Agents").await;
    assert_eq!(listed_sp, sp_id);
    let routing = c
        .call(
            "GET",
            &format!("/routing-profiles-summary/{i}"),
            &[],
            Value::Null,
        )
        .await
        .ok();
    assert!(
        routing["RoutingProfileSummaryList"]
            .as_array()
            .expect("list")
            .iter()
            .any(|p| p["Id"] == json!(rp_id))
    );
    assert_ne!(listed_rp, rp_id, "the default profile comes first");

    let user = json!({"SecurityProfileIds": [sp_id], "RoutingProfileId": rp_id});
    let uid = s(&c.create_user(&i, "night.agent", user).await.ok()["UserId"]);
    let described = c
        .call("GET", &format!("/users/{i}/{uid}"), &[], Value::Null)
        .await
        .ok();
    assert_eq!(described["User"]["SecurityProfileIds"], json!([sp_id]));
    assert_eq!(described["User"]["RoutingProfileId"], json!(rp_id));
    sb.shutdown().await;
}
