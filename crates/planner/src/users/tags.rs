//! The tags sync puts on a user, and the calls that bring a user's tags there. Only keys sync
//! set are ever changed or removed: the managed tag, the marks, and the group tag keys listed
//! in [`TAGS_TAG`].

use std::collections::{BTreeMap, BTreeSet};

use super::{MANAGED_TAG, TAGS_TAG, UserOp};

/// The tags of a user this tool manages for `app`: the managed tag, the group's tags, and
/// (when there are any) [`TAGS_TAG`] listing their keys.
pub fn managed_tags(app: &str, group_tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = group_tags.clone();
    if !group_tags.is_empty() {
        let keys: Vec<&str> = group_tags.keys().map(String::as_str).collect();
        out.insert(TAGS_TAG.to_string(), keys.join(","));
    }
    out.insert(MANAGED_TAG.to_string(), app.to_string());
    out
}

/// The keys sync set on a user before: those [`TAGS_TAG`] lists, and the list itself.
fn owned_keys(have: &BTreeMap<String, String>) -> BTreeSet<String> {
    let Some(list) = have.get(TAGS_TAG) else {
        return BTreeSet::new();
    };
    list.split(',')
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .chain([TAGS_TAG.to_string()])
        .collect()
}

/// The calls that bring `have` to `want` (a TagResource and an UntagResource, each only when
/// needed) and what differs, for people. `marks`: keys of ours to remove when present (the
/// disabled and left-at marks of a member who is back).
pub(crate) fn tag_ops(
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
    marks: &[&str],
) -> (Vec<UserOp>, Vec<String>) {
    let set: BTreeMap<String, String> = want
        .iter()
        .filter(|(k, v)| have.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut remove: BTreeSet<String> = owned_keys(have)
        .into_iter()
        .filter(|k| !want.contains_key(k) && have.contains_key(k))
        .collect();
    remove.extend(
        marks
            .iter()
            .filter(|m| have.contains_key(**m))
            .map(|m| m.to_string()),
    );
    let mut ops = Vec::new();
    let mut why = Vec::new();
    // The marks are said by the change's kind; the group tags are what people set.
    let shown = |k: &String| k != TAGS_TAG && k != MANAGED_TAG && !marks.contains(&k.as_str());
    let set_shown: Vec<String> = set
        .iter()
        .filter(|(k, _)| shown(k))
        .map(|(k, v)| format!("{k} = {v:?}"))
        .collect();
    if !set_shown.is_empty() {
        why.push(format!("tags {}", set_shown.join(", ")));
    }
    let removed_shown: Vec<&str> = remove
        .iter()
        .filter(|k| shown(k))
        .map(String::as_str)
        .collect();
    if !removed_shown.is_empty() {
        why.push(format!("tags removed {}", removed_shown.join(", ")));
    }
    if !set.is_empty() {
        ops.push(UserOp::Tag { tags: set });
    }
    if !remove.is_empty() {
        ops.push(UserOp::Untag {
            keys: remove.into_iter().collect(),
        });
    }
    (ops, why)
}
