//! SearchUsers: hierarchy group conditions (EXACT, WITH_CHILD_GROUPS), the UserAttributeFilter,
//! ListCondition, and tag values with spaces, `&`, `,` and `(`.

use connect_sso_sandbox::Config;
use serde_json::{Value, json};

use super::{Connect, s, start};

/// A tag value the model allows (any characters up to 256) that a naive client would mangle.
const TEAM: &str = "Sales & Marketing (EMEA), Tier-1";

/// The usernames SearchUsers answers for `body`, sorted.
async fn found(c: &Connect, i: &str, mut body: Value) -> Vec<String> {
    body["InstanceId"] = json!(i);
    let v = c.call("POST", "/search-users", &[], body).await.ok();
    let mut names: Vec<String> = v["Users"]
        .as_array()
        .expect("Users")
        .iter()
        .map(|u| s(&u["Username"]))
        .collect();
    names.sort();
    names
}

/// An instance with EMEA > London, and users: emea (in EMEA, tagged TEAM), london (in
/// London), nobody (no group, tagged TEAM). Answers the instance and the two groups.
async fn people(c: &Connect) -> (String, String, String) {
    let (i, _) = c.saml_instance("search").await;
    let levels = json!({"HierarchyStructure": {"LevelOne": {"Name": "Region"}, "LevelTwo": {"Name": "Site"}}});
    c.call(
        "POST",
        &format!("/user-hierarchy-structure/{i}"),
        &[],
        levels,
    )
    .await
    .ok();
    let path = format!("/user-hierarchy-groups/{i}");
    let emea = s(&c
        .call("PUT", &path, &[], json!({"Name": "EMEA"}))
        .await
        .ok()["HierarchyGroupId"]);
    let london = json!({"Name": "London", "ParentGroupId": emea});
    let london = s(&c.call("PUT", &path, &[], london).await.ok()["HierarchyGroupId"]);
    let tags = json!({ "team": TEAM });
    c.create_user(&i, "emea", json!({"HierarchyGroupId": emea, "Tags": tags}))
        .await
        .ok();
    c.create_user(&i, "london", json!({"HierarchyGroupId": london}))
        .await
        .ok();
    c.create_user(&i, "nobody", json!({"Tags": tags}))
        .await
        .ok();
    (i, emea, london)
}

#[tokio::test]
async fn hierarchy_conditions_match_the_group_or_its_subtree() {
    let sb = start(Config::default()).await;
    let c = Connect::new(&sb);
    let (i, emea, london) = people(&c).await;
    let criteria = |group: &str, kind: &str| json!({"SearchCriteria": {"HierarchyGroupCondition": {"Value": group, "HierarchyGroupMatchType": kind}}});
    assert_eq!(found(&c, &i, criteria(&emea, "EXACT")).await, ["emea"]);
    assert_eq!(
        found(&c, &i, criteria(&emea, "WITH_CHILD_GROUPS")).await,
        ["emea", "london"]
    );
    assert_eq!(
        found(&c, &i, criteria(&london, "WITH_CHILD_GROUPS")).await,
        ["london"]
    );
    let v = c
        .call("POST", "/search-users", &[], json!({"InstanceId": i, "SearchCriteria": {"StringCondition": {"FieldName": "Username", "Value": "london", "ComparisonType": "EXACT"}}}))
        .await
        .ok();
    assert_eq!(v["Users"][0]["HierarchyGroupId"], json!(london));
    sb.shutdown().await;
}

#[tokio::test]
async fn the_user_attribute_filter_is_an_or_of_ands_of_tags_and_groups() {
    let sb = start(Config::default()).await;
    let c = Connect::new(&sb);
    let (i, emea, london) = people(&c).await;
    let filter = |f: Value| json!({"SearchFilter": {"UserAttributeFilter": f}});
    let team = json!({"TagKey": "team", "TagValue": TEAM});
    let tagged = filter(json!({ "TagCondition": team }));
    assert_eq!(
        found(&c, &i, tagged).await,
        ["emea", "nobody"],
        "the tag value with & , ( matches"
    );
    let both = filter(
        json!({"AndCondition": {"TagConditions": [team], "HierarchyGroupCondition": {"Value": emea, "HierarchyGroupMatchType": "EXACT"}}}),
    );
    assert_eq!(found(&c, &i, both).await, ["emea"]);
    let either = filter(json!({"OrConditions": [
        {"TagConditions": [{"TagKey": "team", "TagValue": "Sales"}]},
        {"HierarchyGroupCondition": {"Value": london, "HierarchyGroupMatchType": "EXACT"}},
    ]}));
    assert_eq!(
        found(&c, &i, either).await,
        ["london"],
        "a partial tag value does not match"
    );

    let search = |body: Value| {
        let mut body = body;
        body["InstanceId"] = json!(i);
        c.call("POST", "/search-users", &[], body)
    };
    let two_fields =
        filter(json!({"TagCondition": team, "HierarchyGroupCondition": {"Value": emea}}));
    assert_eq!(
        search(two_fields).await.err(400),
        "InvalidParameterException"
    );
    let with_tag_filter = json!({"SearchFilter": {"TagFilter": {"TagCondition": team}, "UserAttributeFilter": {"TagCondition": team}}});
    // The UserSearchFilter reference: both together "will throw AccessDeniedException".
    assert_eq!(
        search(with_tag_filter).await.err(403),
        "AccessDeniedException"
    );
    let many: Vec<Value> = (0..26)
        .map(|n| json!({"TagKey": format!("k{n}")}))
        .collect();
    let too_many = filter(json!({"AndCondition": {"TagConditions": many}}));
    assert_eq!(search(too_many).await.err(400), "InvalidParameterException");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_list_condition_matches_no_one_as_no_user_has_proficiencies() {
    let sb = start(Config::default()).await;
    let c = Connect::new(&sb);
    let (i, _, _) = people(&c).await;
    let list = json!({"SearchCriteria": {"ListCondition": {"TargetListType": "PROFICIENCIES", "Conditions": [
        {"StringCondition": {"FieldName": "Name", "Value": "Language", "ComparisonType": "EXACT"}},
    ]}}});
    assert_eq!(found(&c, &i, list).await, Vec::<String>::new());
    let bad =
        json!({"InstanceId": i, "SearchCriteria": {"ListCondition": {"TargetListType": "SKILLS"}}});
    let bad = c.call("POST", "/search-users", &[], bad).await;
    assert_eq!(
        bad.err(400),
        "InvalidParameterException",
        "the model's enum"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn tag_values_take_any_characters_and_keys_follow_the_model_pattern() {
    let sb = start(Config::default()).await;
    let c = Connect::new(&sb);
    let (i, _) = c.saml_instance("tags").await;
    let tags = json!({"team": TEAM, "cost center": "a=b+c/d:e@f", "note": "x,y (z) & w"});
    let uid = s(&c
        .create_user(&i, "tagged", json!({ "Tags": tags }))
        .await
        .ok()["UserId"]);
    let user = c
        .call("GET", &format!("/users/{i}/{uid}"), &[], Value::Null)
        .await
        .ok();
    assert_eq!(user["User"]["Tags"], tags);
    for key in ["aws:team", "a&b", "a,b", "a(b"] {
        let refused = c
            .create_user(&i, "refused", json!({"Tags": { key: "v" }}))
            .await;
        assert_eq!(refused.err(400), "InvalidParameterException", "{key}");
    }
    let group = json!({"Name": "Tagged", "Tags": {"team": TEAM}});
    let levels = json!({"HierarchyStructure": {"LevelOne": {"Name": "Region"}}});
    c.call(
        "POST",
        &format!("/user-hierarchy-structure/{i}"),
        &[],
        levels,
    )
    .await
    .ok();
    let g = s(&c
        .call("PUT", &format!("/user-hierarchy-groups/{i}"), &[], group)
        .await
        .ok()["HierarchyGroupId"]);
    let described = c
        .call(
            "GET",
            &format!("/user-hierarchy-groups/{i}/{g}"),
            &[],
            Value::Null,
        )
        .await
        .ok();
    assert_eq!(described["HierarchyGroup"]["Tags"]["team"], TEAM);
    sb.shutdown().await;
}
