#!/usr/bin/env python3
"""Trim botocore's service models to the operations the sandbox emulates.

Usage: scripts/trim-aws-models.py BOTOCORE_DATA_DIR COMMIT

BOTOCORE_DATA_DIR is botocore's `botocore/data` folder (Apache-2.0) at COMMIT. Writes
crates/sandbox/models/<service>.json: metadata, the listed operations and every shape they
reach (input, output, errors), without documentation. The operation lists below are the
sandbox's operation tables (crates/sandbox/src/aws/ops.rs); keep both in step.
"""
import json
import pathlib
import sys

SERVICES = {
    "connect": ("connect/2017-08-08", [
        "CreateInstance", "ListInstances", "DescribeInstance", "DeleteInstance",
        "UpdateInstanceAttribute", "CreateUser", "DescribeUser", "DeleteUser",
        "UpdateUserIdentityInfo", "UpdateUserSecurityProfiles", "UpdateUserRoutingProfile",
        "ListUsers", "SearchUsers", "ListSecurityProfiles", "ListRoutingProfiles",
        "GetFederationToken", "TagResource", "UntagResource", "ListTagsForResource",
        "CreateSecurityProfile", "CreateRoutingProfile", "UpdateUserHierarchyStructure",
        "DescribeUserHierarchyStructure", "CreateUserHierarchyGroup", "DescribeUserHierarchyGroup",
        "ListUserHierarchyGroups", "UpdateUserHierarchy", "ListQueues",
    ]),
    "iam": ("iam/2010-05-08", [
        "CreateSAMLProvider", "GetSAMLProvider", "ListSAMLProviders", "UpdateSAMLProvider",
        "DeleteSAMLProvider", "TagSAMLProvider", "UntagSAMLProvider", "ListSAMLProviderTags",
        "CreateRole", "GetRole", "ListRoles", "UpdateRole", "UpdateRoleDescription",
        "UpdateAssumeRolePolicy", "DeleteRole", "TagRole", "UntagRole", "ListRoleTags",
        "PutRolePolicy", "GetRolePolicy", "ListRolePolicies", "DeleteRolePolicy",
        "CreatePolicy", "GetPolicy", "GetPolicyVersion", "DeletePolicy",
        "AttachRolePolicy", "DetachRolePolicy", "ListAttachedRolePolicies",
    ]),
    "sts": ("sts/2011-06-15", ["AssumeRoleWithSAML", "GetCallerIdentity"]),
    "sso-admin": ("sso-admin/2020-07-20", [
        "ListInstances", "DescribeInstance", "ListApplications", "DescribeApplication",
        "CreateApplicationAssignment", "DeleteApplicationAssignment",
        "ListApplicationAssignments", "DescribeApplicationAssignment",
    ]),
    "identitystore": ("identitystore/2020-06-15", [
        "GetGroupId", "GetUserId", "DescribeUser", "DescribeGroup", "ListUsers", "ListGroups",
        "ListGroupMemberships", "ListGroupMembershipsForMember",
    ]),
}

DROP = {"documentation", "documentationUrl", "deprecatedMessage", "examples"}


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def reach(shapes, name, seen):
    if name in seen:
        return
    seen.add(name)
    shape = shapes[name]
    refs = list(shape.get("members", {}).values())
    refs += [shape[k] for k in ("member", "key", "value") if k in shape]
    for ref in refs:
        reach(shapes, ref["shape"], seen)


def trim(data_dir, service, folder, ops, commit):
    model = json.loads((data_dir / folder / "service-2.json").read_text())
    out_ops, seen = {}, set()
    for op in ops:
        o = model["operations"][op]
        out_ops[op] = strip(o)
        for ref in [o.get("input"), o.get("output"), *o.get("errors", [])]:
            if ref:
                reach(model["shapes"], ref["shape"], seen)
    meta = strip(model["metadata"])
    meta["source"] = f"botocore {commit} botocore/data/{folder}/service-2.json (Apache-2.0)"
    return {
        "version": model.get("version", "2.0"),
        "metadata": meta,
        "operations": out_ops,
        "shapes": {k: strip(model["shapes"][k]) for k in sorted(seen)},
    }


def main():
    data_dir, commit = pathlib.Path(sys.argv[1]), sys.argv[2]
    out_dir = pathlib.Path(__file__).resolve().parent.parent / "crates/sandbox/models"
    for service, (folder, ops) in SERVICES.items():
        trimmed = trim(data_dir, service, folder, ops, commit)
        text = json.dumps(trimmed, indent=1, sort_keys=True) + "\n"
        (out_dir / f"{service}.json").write_text(text)
        print(f"{service}: {len(ops)} operations, {len(trimmed['shapes'])} shapes")


if __name__ == "__main__":
    main()
