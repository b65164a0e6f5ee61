#!/usr/bin/env python3
"""Drive every emulated AWS operation with boto3 and check each raw answer against the trimmed
AWS models (crates/sandbox/models/). Usage: conformance.py INPUT.json (written by
tests/sandbox/conformance.rs). Prints one line per deviation and the summary line; exits 1 when
a deviation is not in KNOWN."""
import json
import sys
import xml.etree.ElementTree as ET

import boto3
from botocore import xform_name
import botocore.config
from botocore.exceptions import ClientError

# Errors any operation may answer (AWS "Common Errors" pages of the services).
COMMON_JSON = {"AccessDeniedException", "IncompleteSignatureException", "InternalFailure",
               "InvalidSignatureException", "MissingAuthenticationTokenException",
               "UnrecognizedClientException", "ExpiredTokenException", "ThrottlingException",
               "ServiceUnavailable", "ValidationError", "UnknownOperationException"}
COMMON_QUERY = {"AccessDenied", "IncompleteSignature", "InternalFailure", "InvalidAction",
                "InvalidClientTokenId", "MissingAction", "MissingAuthenticationToken",
                "SignatureDoesNotMatch", "Throttling", "ValidationError", "ExpiredToken"}
# Deviations left on purpose (see crates/sandbox/OPERATIONS.md and the issue 12 report).
KNOWN = set()
# The sandbox's Identity Center instance.
INSTANCE_ARN = "arn:aws:sso:::instance/ssoins-7223sandbox00001"
# The wire name of a service's model (the file under models/) and its boto3 client name.
CLIENTS = {"connect": "connect", "iam": "iam", "sts": "sts", "sso-admin": "sso-admin",
           "identitystore": "identitystore"}


class Checker:
    def __init__(self, cfg):
        self.cfg = cfg
        self.models = {s: json.load(open(f"{cfg['models']}/{s}.json")) for s in CLIENTS}
        self.covered, self.checks, self.deviations, self.last = set(), 0, [], None
        conf = botocore.config.Config(parameter_validation=False,
                                      retries={"total_max_attempts": 1, "mode": "standard"})
        self.clients = {}
        for service, name in CLIENTS.items():
            self.clients[service] = self.client(name, service, conf, cfg["access_key_id"],
                                                cfg["secret_access_key"], None)

    def client(self, name, service, conf, key, secret, token):
        c = boto3.client(name, endpoint_url=f"{self.cfg['base']}/{service}",
                         region_name=self.cfg["region"], aws_access_key_id=key,
                         aws_secret_access_key=secret, aws_session_token=token, config=conf)
        c.meta.events.register("after-call", self.record)
        return c

    def record(self, http_response, **_):
        self.last = http_response

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.deviations.append(what)

    def call(self, service, op, params, expect, client=None):
        """Call `op`; `expect` is None (must succeed) or the error code it must answer."""
        client = client or self.clients[service]
        method = getattr(client, xform_name(op))
        self.covered.add((service, op))
        self.last = None
        try:
            out = method(**params)
            code = None
        except ClientError as e:
            out, code = None, e.response["Error"]["Code"]
        tag = f"{service} {op}"
        self.check(code == expect, f"{tag}: expected {expect or 'success'}, got {code or 'success'}")
        raw = self.last
        if raw is None:
            return out
        headers = {k.lower(): v for k, v in raw.headers.items()}
        rid = headers.get("x-amzn-requestid") or headers.get("x-amz-request-id")
        self.check(bool(rid), f"{tag}: no request ID header")
        model = self.models[service]
        if code is None:
            self.check_output(service, op, raw.content, tag)
        else:
            self.check_error(service, op, code, raw.content, tag)
        return out

    # ---- answers ----------------------------------------------------------------------------

    def check_error(self, service, op, code, body, tag):
        model = self.models[service]
        declared = set()
        for e in model["operations"][op].get("errors", []):
            shape = model["shapes"][e["shape"]]
            declared.add(shape.get("error", {}).get("code", e["shape"]))
        common = COMMON_QUERY if model["metadata"]["protocol"] == "query" else COMMON_JSON
        ok = code in declared or code in common
        if not ok and (service, op, code) in KNOWN:
            self.known.append(f"{tag}: {code}")
            ok = True
        self.check(ok, f"{tag}: error {code} is neither declared nor common")
        if model["metadata"]["protocol"] != "query":
            doc = json.loads(body or b"{}")
            shape = next((model["shapes"][e["shape"]] for e in model["operations"][op].get("errors", [])
                          if e["shape"] == code), {"members": {"Message": {}}})
            allowed = set(shape.get("members", {})) | {"__type"}
            extra = set(doc) - allowed
            self.check(not extra, f"{tag}: error body members {sorted(extra)} undeclared")
            self.check("message" not in doc, f"{tag}: error body says 'message', the model 'Message'")

    def check_output(self, service, op, body, tag):
        model = self.models[service]
        out = model["operations"][op].get("output")
        if model["metadata"]["protocol"] == "query":
            root = ET.fromstring(body)
            result = [c for c in root if c.tag.split("}")[-1] == f"{op}Result"]
            if out is None:
                self.check(not result, f"{tag}: a Result element where the model has no output")
                return
            self.check(bool(result), f"{tag}: no {op}Result element")
            if result:
                self.xml(model, out["shape"], result[0], tag)
        elif out is not None:
            self.json(model, out["shape"], json.loads(body or b"{}"), tag)

    def json(self, model, name, value, path):
        shape = model["shapes"][name]
        kind = shape["type"]
        if kind == "structure":
            members = {m: r for m, r in shape.get("members", {}).items() if "location" not in r}
            for k, v in value.items():
                self.check(k in members, f"{path}: undeclared member {k}")
                if k in members:
                    self.json(model, members[k]["shape"], v, f"{path}.{k}")
            for r in shape.get("required", []):
                self.check(r in value, f"{path}: required member {r} missing")
        elif kind == "list":
            for v in value:
                self.json(model, shape["member"]["shape"], v, f"{path}[]")
        elif kind == "map":
            for v in value.values():
                self.json(model, shape["value"]["shape"], v, f"{path}{{}}")

    def xml(self, model, name, el, path):
        shape = model["shapes"][name]
        kind = shape["type"]
        children = list(el)
        local = lambda c: c.tag.split("}")[-1]
        if kind == "structure":
            members = shape.get("members", {})
            for c in children:
                self.check(local(c) in members, f"{path}: undeclared member {local(c)}")
                if local(c) in members:
                    self.xml(model, members[local(c)]["shape"], c, f"{path}.{local(c)}")
            present = {local(c) for c in children}
            for r in shape.get("required", []):
                self.check(r in present, f"{path}: required member {r} missing")
        elif kind == "list":
            for c in children:
                self.check(local(c) == "member", f"{path}: list item <{local(c)}>")
                self.xml(model, shape["member"]["shape"], c, f"{path}[]")


def scenario(k, cfg):
    """Valid and invalid requests to every emulated operation, in an order that makes sense."""
    connect, iam, sts = (lambda op, p, e=None, s=s: k.call(s, op, p, e) for s in ("connect", "iam", "sts"))
    sso = lambda op, p, e=None: k.call("sso-admin", op, p, e)
    # ---- IAM ----
    iam("CreateSAMLProvider", {"Name": "EntraID", "SAMLMetadataDocument": cfg["metadata"]})
    iam("CreateSAMLProvider", {"Name": "bad name!", "SAMLMetadataDocument": cfg["metadata"]}, "ValidationError")
    arn = k.clients["iam"].list_saml_providers()["SAMLProviderList"][0]["Arn"]
    iam("ListSAMLProviders", {})
    iam("GetSAMLProvider", {"SAMLProviderArn": arn})
    iam("GetSAMLProvider", {}, "ValidationError")
    iam("UpdateSAMLProvider", {"SAMLProviderArn": arn, "SAMLMetadataDocument": cfg["metadata"]})
    iam("UpdateSAMLProvider", {"SAMLProviderArn": arn, "SAMLMetadataDocument": "short"}, "ValidationError")
    iam("TagSAMLProvider", {"SAMLProviderArn": arn, "Tags": [{"Key": "team", "Value": "ops"}]})
    iam("TagSAMLProvider", {"SAMLProviderArn": arn, "Tags": [{"Key": "", "Value": "x"}]}, "ValidationError")
    iam("ListSAMLProviderTags", {"SAMLProviderArn": arn})
    iam("UntagSAMLProvider", {"SAMLProviderArn": arn, "TagKeys": ["team"]})
    iam("UntagSAMLProvider", {"SAMLProviderArn": arn.replace("EntraID", "Nope"), "TagKeys": ["x"]}, "NoSuchEntity")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": arn},
             "Action": "sts:AssumeRoleWithSAML", "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]})
    iam("CreateRole", {"RoleName": "ConnectAgent", "AssumeRolePolicyDocument": trust, "MaxSessionDuration": 43200})
    iam("CreateRole", {"RoleName": "X", "AssumeRolePolicyDocument": trust, "MaxSessionDuration": 100}, "ValidationError")
    iam("GetRole", {"RoleName": "ConnectAgent"})
    iam("GetRole", {"RoleName": "Nope"}, "NoSuchEntity")
    iam("ListRoles", {})
    iam("ListRoles", {"MaxItems": 0}, "ValidationError")
    iam("UpdateRole", {"RoleName": "ConnectAgent", "Description": "agents"})
    iam("UpdateRole", {"RoleName": "Nope"}, "NoSuchEntity")
    iam("UpdateRoleDescription", {"RoleName": "ConnectAgent", "Description": "agents"})
    iam("UpdateRoleDescription", {"RoleName": "ConnectAgent"}, "ValidationError")
    iam("UpdateAssumeRolePolicy", {"RoleName": "ConnectAgent", "PolicyDocument": trust})
    iam("UpdateAssumeRolePolicy", {"RoleName": "ConnectAgent", "PolicyDocument": "{"}, "MalformedPolicyDocument")
    iam("TagRole", {"RoleName": "ConnectAgent", "Tags": [{"Key": "team", "Value": "Sales"}]})
    iam("TagRole", {"RoleName": "Nope", "Tags": [{"Key": "a", "Value": "b"}]}, "NoSuchEntity")
    iam("ListRoleTags", {"RoleName": "ConnectAgent"})
    iam("ListRoleTags", {"RoleName": "Nope"}, "NoSuchEntity")
    iam("UntagRole", {"RoleName": "ConnectAgent", "TagKeys": ["team"]})
    iam("UntagRole", {"RoleName": "Nope", "TagKeys": ["team"]}, "NoSuchEntity")
    allow = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "connect:*", "Resource": "*"}]})
    iam("PutRolePolicy", {"RoleName": "ConnectAgent", "PolicyName": "connect", "PolicyDocument": allow})
    iam("PutRolePolicy", {"RoleName": "ConnectAgent", "PolicyName": "bad name", "PolicyDocument": allow}, "ValidationError")
    iam("GetRolePolicy", {"RoleName": "ConnectAgent", "PolicyName": "connect"})
    iam("GetRolePolicy", {"RoleName": "ConnectAgent", "PolicyName": "nope"}, "NoSuchEntity")
    iam("ListRolePolicies", {"RoleName": "ConnectAgent"})
    iam("ListRolePolicies", {"RoleName": "Nope"}, "NoSuchEntity")
    iam("CreatePolicy", {"PolicyName": "ReadOnly", "PolicyDocument": allow})
    iam("CreatePolicy", {"PolicyName": "ReadOnly", "PolicyDocument": allow}, "EntityAlreadyExists")
    parn = k.clients["iam"].get_role(RoleName="ConnectAgent")["Role"]["Arn"].replace(":role/ConnectAgent", ":policy/ReadOnly")
    iam("GetPolicy", {"PolicyArn": parn})
    iam("GetPolicy", {"PolicyArn": parn + "x"}, "NoSuchEntity")
    iam("GetPolicyVersion", {"PolicyArn": parn, "VersionId": "v1"})
    iam("GetPolicyVersion", {"PolicyArn": parn, "VersionId": "version1"}, "ValidationError")
    iam("AttachRolePolicy", {"RoleName": "ConnectAgent", "PolicyArn": parn})
    iam("AttachRolePolicy", {"RoleName": "ConnectAgent", "PolicyArn": parn + "x"}, "NoSuchEntity")
    iam("ListAttachedRolePolicies", {"RoleName": "ConnectAgent"})
    iam("ListAttachedRolePolicies", {"RoleName": "Nope"}, "NoSuchEntity")
    iam("DetachRolePolicy", {"RoleName": "ConnectAgent", "PolicyArn": parn})
    iam("DetachRolePolicy", {"RoleName": "ConnectAgent", "PolicyArn": parn}, "NoSuchEntity")
    iam("DeletePolicy", {"PolicyArn": parn})
    iam("DeletePolicy", {"PolicyArn": parn}, "NoSuchEntity")
    # ---- STS ----
    role_arn = k.clients["iam"].get_role(RoleName="ConnectAgent")["Role"]["Arn"]
    creds = sts("AssumeRoleWithSAML", {"RoleArn": role_arn, "PrincipalArn": arn, "SAMLAssertion": cfg["saml_response"]})
    sts("AssumeRoleWithSAML", {"RoleArn": role_arn, "PrincipalArn": arn, "SAMLAssertion": "bm90IHNhbWw="}, "InvalidIdentityToken")
    sts("AssumeRoleWithSAML", {"RoleArn": role_arn, "PrincipalArn": arn}, "ValidationError")
    sts("GetCallerIdentity", {})
    # ---- Identity Center ----
    sso("ListInstances", {})
    sso("ListInstances", {"MaxResults": 0}, "ValidationException")
    sso("ListApplications", {"InstanceArn": "arn:aws:sso:::instance/ssoins-0000000000000000"})
    sso("ListApplications", {}, "ValidationException")
    identity_center_scenario(k, cfg)
    identitystore_scenario(k, cfg)
    # ---- Connect ----
    connect_scenario(k, cfg, connect, creds)
    # ---- IAM teardown ----
    iam("DeleteRole", {"RoleName": "ConnectAgent"}, "DeleteConflict")
    iam("DeleteRolePolicy", {"RoleName": "ConnectAgent", "PolicyName": "connect"})
    iam("DeleteRolePolicy", {"RoleName": "ConnectAgent", "PolicyName": "connect"}, "NoSuchEntity")
    iam("DeleteRole", {"RoleName": "ConnectAgent"})
    iam("DeleteSAMLProvider", {"SAMLProviderArn": arn})
    iam("DeleteSAMLProvider", {"SAMLProviderArn": arn}, "NoSuchEntity")


def connect_scenario(k, cfg, connect, creds):
    created = connect("CreateInstance", {"IdentityManagementType": "SAML", "InstanceAlias": "conformance",
                      "InboundCallsEnabled": True, "OutboundCallsEnabled": True,
                      "Tags": {"team": "Sales & Marketing (EMEA), Tier-1"}})
    connect("CreateInstance", {"IdentityManagementType": "SAML", "InstanceAlias": "x"}, "InvalidRequestException")
    iid = created["Id"]
    connect("DescribeInstance", {"InstanceId": iid})
    connect("DescribeInstance", {"InstanceId": "00000000-0000-0000-0000-000000000000"}, "ResourceNotFoundException")
    connect("ListInstances", {})
    connect("ListInstances", {"MaxResults": 11}, "InvalidRequestException")
    wait_active(k, iid)
    connect("UpdateInstanceAttribute", {"InstanceId": iid, "AttributeType": "CONTACT_LENS", "Value": "true"})
    connect("UpdateInstanceAttribute", {"InstanceId": iid, "AttributeType": "NOPE", "Value": "true"}, "InvalidParameterException")
    sp = connect("ListSecurityProfiles", {"InstanceId": iid})["SecurityProfileSummaryList"]
    connect("ListSecurityProfiles", {"InstanceId": iid, "MaxResults": 0}, "InvalidParameterException")
    rp = connect("ListRoutingProfiles", {"InstanceId": iid})["RoutingProfileSummaryList"]
    connect("ListRoutingProfiles", {"InstanceId": iid, "MaxResults": 1001}, "InvalidParameterException")
    profiles_and_hierarchy(connect, iid)
    groups = connect("ListUserHierarchyGroups", {"InstanceId": iid})["UserHierarchyGroupSummaryList"]
    connect("ListUserHierarchyGroups", {"InstanceId": iid, "MaxResults": 0}, "InvalidParameterException")
    user = {"InstanceId": iid, "Username": cfg["session_name"], "PhoneConfig": {"PhoneType": "SOFT_PHONE"},
            "IdentityInfo": {"FirstName": "Alice", "LastName": "Example"},
            "SecurityProfileIds": [sp[0]["Id"]], "RoutingProfileId": rp[0]["Id"],
            "HierarchyGroupId": groups[0]["Id"]}
    connect("CreateUser", {**user, "HierarchyGroupId": "00000000-0000-0000-0000-000000000000"}, "InvalidParameterException")
    uid = connect("CreateUser", user)["UserId"]
    connect("UpdateUserHierarchy", {"InstanceId": iid, "UserId": uid, "HierarchyGroupId": groups[1]["Id"]})
    connect("UpdateUserHierarchy", {"InstanceId": iid, "UserId": uid, "HierarchyGroupId": "nope"}, "InvalidParameterException")
    connect("SearchUsers", {"InstanceId": iid, "SearchCriteria": {"HierarchyGroupCondition": {"Value": groups[0]["Id"], "HierarchyGroupMatchType": "WITH_CHILD_GROUPS"}},
                            "SearchFilter": {"UserAttributeFilter": {"OrConditions": [{"TagConditions": [{"TagKey": "team", "TagValue": "a b"}]}, {"HierarchyGroupCondition": {"Value": groups[1]["Id"]}}]}}})
    connect("SearchUsers", {"InstanceId": iid, "SearchFilter": {"UserAttributeFilter": {"TagCondition": {"TagKey": "a"}, "HierarchyGroupCondition": {"Value": "g"}}}}, "InvalidParameterException")
    connect("SearchUsers", {"InstanceId": iid, "SearchFilter": {"TagFilter": {"TagCondition": {"TagKey": "a"}}, "UserAttributeFilter": {"TagCondition": {"TagKey": "a"}}}}, "AccessDeniedException")
    connect("SearchUsers", {"InstanceId": iid, "SearchCriteria": {"ListCondition": {"TargetListType": "PROFICIENCIES", "Conditions": [{"StringCondition": {"FieldName": "Name", "Value": "Language", "ComparisonType": "EXACT"}}]}}})
    connect("CreateUser", {k: v for k, v in user.items() if k != "SecurityProfileIds"}, "InvalidParameterException")
    connect("DescribeUser", {"InstanceId": iid, "UserId": uid})
    connect("DescribeUser", {"InstanceId": iid, "UserId": "nope"}, "ResourceNotFoundException")
    connect("UpdateUserIdentityInfo", {"InstanceId": iid, "UserId": uid, "IdentityInfo": {"FirstName": "Al", "LastName": "Ex"}})
    connect("UpdateUserIdentityInfo", {"InstanceId": iid, "UserId": uid}, "InvalidParameterException")
    connect("UpdateUserSecurityProfiles", {"InstanceId": iid, "UserId": uid, "SecurityProfileIds": [sp[1]["Id"]]})
    connect("UpdateUserSecurityProfiles", {"InstanceId": iid, "UserId": uid, "SecurityProfileIds": []}, "InvalidParameterException")
    connect("UpdateUserRoutingProfile", {"InstanceId": iid, "UserId": uid, "RoutingProfileId": rp[0]["Id"]})
    connect("UpdateUserRoutingProfile", {"InstanceId": iid, "UserId": uid, "RoutingProfileId": "nope"}, "InvalidParameterException")
    connect("ListUsers", {"InstanceId": iid})
    connect("ListUsers", {"InstanceId": iid, "MaxResults": 1001}, "InvalidParameterException")
    connect("SearchUsers", {"InstanceId": iid, "SearchCriteria": {"StringCondition": {"FieldName": "Username", "Value": "alice", "ComparisonType": "STARTS_WITH"}}})
    connect("SearchUsers", {"InstanceId": iid, "SearchCriteria": {"StringCondition": {"FieldName": "Username", "Value": "a", "ComparisonType": "REGEX"}}}, "InvalidParameterException")
    iarn = created["Arn"]
    connect("TagResource", {"resourceArn": iarn, "tags": {"cost": "Sales & Marketing (EMEA), Tier-1"}})
    connect("TagResource", {"resourceArn": iarn, "tags": {}}, "InvalidParameterException")
    connect("ListTagsForResource", {"resourceArn": iarn})
    connect("ListTagsForResource", {"resourceArn": iarn + "0"}, "ResourceNotFoundException")
    connect("UntagResource", {"resourceArn": iarn, "tagKeys": ["cost"]})
    connect("UntagResource", {"resourceArn": iarn, "tagKeys": []}, "InvalidParameterException")
    conf = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
    c = creds["Credentials"]
    agent = k.client("connect", "connect", conf, c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    k.call("connect", "GetFederationToken", {"InstanceId": iid}, None, agent)
    connect("GetFederationToken", {"InstanceId": iid}, "InvalidRequestException")
    throttle_every_operation(k, cfg, iid, uid, iarn)
    connect("DeleteUser", {"InstanceId": iid, "UserId": uid})
    connect("DeleteUser", {"InstanceId": iid, "UserId": uid}, "ResourceNotFoundException")
    connect("DeleteInstance", {"InstanceId": iid})
    connect("DeleteInstance", {"InstanceId": iid}, "ResourceNotFoundException")


def profiles_and_hierarchy(connect, iid):
    """Custom security and routing profiles, a two-level hierarchy with a group at each level."""
    tags = {"team": "Sales & Marketing (EMEA), Tier-1"}
    connect("CreateSecurityProfile", {"InstanceId": iid, "SecurityProfileName": "Night Shift", "Description": "night agents",
                                      "Permissions": ["BasicAgentAccess"], "Tags": tags})
    connect("CreateSecurityProfile", {"InstanceId": iid, "SecurityProfileName": "Night Shift"}, "DuplicateResourceException")
    connect("CreateSecurityProfile", {"InstanceId": iid, "SecurityProfileName": "Night/Shift"}, "InvalidParameterException")
    queues = connect("ListQueues", {"InstanceId": iid, "QueueTypes": ["STANDARD"]})["QueueSummaryList"]
    connect("ListQueues", {"InstanceId": iid, "QueueTypes": ["NOPE"]}, "InvalidParameterException")
    routing = {"InstanceId": iid, "Name": "Night Shift", "Description": "night agents", "DefaultOutboundQueueId": queues[0]["Id"],
               "QueueConfigs": [{"QueueReference": {"QueueId": queues[0]["Id"], "Channel": "VOICE"}, "Priority": 1, "Delay": 0}],
               "MediaConcurrencies": [{"Channel": "VOICE", "Concurrency": 1}], "Tags": tags}
    connect("CreateRoutingProfile", routing)
    connect("CreateRoutingProfile", {**routing, "Name": "Other", "DefaultOutboundQueueId": "nope"}, "InvalidParameterException")
    connect("DescribeUserHierarchyStructure", {"InstanceId": iid})
    connect("DescribeUserHierarchyStructure", {"InstanceId": "00000000-0000-0000-0000-000000000000"}, "ResourceNotFoundException")
    connect("CreateUserHierarchyGroup", {"InstanceId": iid, "Name": "EMEA"}, "InvalidRequestException")
    connect("UpdateUserHierarchyStructure", {"InstanceId": iid, "HierarchyStructure": {"LevelOne": {"Name": "Region"}, "LevelTwo": {"Name": "Site"}}})
    connect("UpdateUserHierarchyStructure", {"InstanceId": iid, "HierarchyStructure": {"LevelTwo": {"Name": "Site"}}}, "InvalidParameterException")
    emea = connect("CreateUserHierarchyGroup", {"InstanceId": iid, "Name": "EMEA", "Tags": tags})["HierarchyGroupId"]
    connect("CreateUserHierarchyGroup", {"InstanceId": iid, "Name": "London", "ParentGroupId": emea})
    connect("CreateUserHierarchyGroup", {"InstanceId": iid, "Name": "EMEA"}, "DuplicateResourceException")
    connect("DescribeUserHierarchyGroup", {"InstanceId": iid, "HierarchyGroupId": emea})
    connect("DescribeUserHierarchyGroup", {"InstanceId": iid, "HierarchyGroupId": "nope"}, "ResourceNotFoundException")
    connect("DescribeUserHierarchyStructure", {"InstanceId": iid})


def wait_active(k, iid):
    import time
    for _ in range(100):
        if k.clients["connect"].describe_instance(InstanceId=iid)["Instance"]["InstanceStatus"] == "ACTIVE":
            return
        time.sleep(0.1)


def throttle_every_operation(k, cfg, iid, uid, iarn):
    """A throttled call answers the code the operation declares (or the documented one)."""
    ops = {"DescribeInstance": {"InstanceId": iid}, "ListInstances": {}, "DeleteInstance": {"InstanceId": iid},
           "CreateInstance": {"IdentityManagementType": "SAML", "InstanceAlias": "t", "InboundCallsEnabled": True, "OutboundCallsEnabled": True},
           "DescribeUser": {"InstanceId": iid, "UserId": uid}, "ListUsers": {"InstanceId": iid},
           "ListUserHierarchyGroups": {"InstanceId": iid}, "DescribeUserHierarchyStructure": {"InstanceId": iid},
           "ListTagsForResource": {"resourceArn": iarn}}
    for op, params in ops.items():
        admin(cfg, "faults", {"service": "connect", "api": op, "kind": "throttle", "count": 1})
        model = k.models["connect"]["operations"][op]
        declared = [e["shape"] for e in model.get("errors", []) if e["shape"] in ("ThrottlingException", "TooManyRequestsException")]
        want = declared[0] if declared else "ThrottlingException"
        k.call("connect", op, params, want)


def management_client(k, cfg, service):
    """A client of `service` signed by the management account (no client-side validation, one
    attempt) and its checked call: `call(op, params, error=None)`."""
    conf = botocore.config.Config(parameter_validation=False,
                                  retries={"total_max_attempts": 1, "mode": "standard"})
    client = k.client(service, service, conf, cfg["management_access_key_id"],
                      cfg["management_secret_access_key"], None)
    return client, lambda op, p, e=None: k.call(service, op, p, e, client=client)


def identity_center_scenario(k, cfg):
    """sso-admin in the management account (docs/design/brokered.md, "Sandbox wire contract")."""
    mgmt, sso = management_client(k, cfg, "sso-admin")
    admin(cfg, "identity-center/applications", {
        "name": "Amazon Connect", "acs_url": "https://signin.aws.amazon.com/saml",
        "audience": "urn:amazon:webservices", "attribute_mappings": []})
    sso("ListInstances", {})
    sso("DescribeInstance", {"InstanceArn": INSTANCE_ARN})
    sso("DescribeInstance", {}, "ValidationException")
    app = mgmt.list_applications(InstanceArn=INSTANCE_ARN)["Applications"][0]["ApplicationArn"]
    sso("ListApplications", {"InstanceArn": INSTANCE_ARN})
    sso("DescribeApplication", {"ApplicationArn": app})
    other = app[:-1] + ("1" if app.endswith("0") else "0")  # never the application's own ARN
    sso("DescribeApplication", {"ApplicationArn": other}, "ResourceNotFoundException")
    nobody = {"ApplicationArn": app, "PrincipalId": "9a8b7c6d-0000-4000-8000-000000000001", "PrincipalType": "USER"}
    sso("CreateApplicationAssignment", nobody, "ResourceNotFoundException")
    sso("CreateApplicationAssignment", {**nobody, "PrincipalType": "ROLE"}, "ValidationException")
    sso("ListApplicationAssignments", {"ApplicationArn": app})
    sso("ListApplicationAssignments", {}, "ValidationException")
    sso("DescribeApplicationAssignment", nobody, "ResourceNotFoundException")
    sso("DeleteApplicationAssignment", nobody, "ResourceNotFoundException")


def identitystore_scenario(k, cfg):
    """identitystore in the management account, over a user and a group put in through SCIM."""
    _, ids = management_client(k, cfg, "identitystore")
    store = {"IdentityStoreId": "d-9067c0ffee"}
    user_id, group_id = scim_user_and_group(cfg)
    nobody = "9a8b7c6d-0000-4000-8000-000000000001"
    by_name = {"UniqueAttribute": {"AttributePath": "UserName", "AttributeValue": "ada@contoso.com"}}
    ids("GetUserId", {**store, "AlternateIdentifier": by_name})
    ids("GetUserId", {**store, "AlternateIdentifier": {"ExternalId": {"Issuer": "scim", "Id": "obj-ada"}}})
    ids("GetUserId", {**store, "AlternateIdentifier": {"UniqueAttribute": {
        "AttributePath": "UserName", "AttributeValue": "nobody@contoso.com"}}}, "ResourceNotFoundException")
    ids("GetUserId", {**store, "AlternateIdentifier": {"UniqueAttribute": {
        "AttributePath": "Title", "AttributeValue": "x"}}}, "ValidationException")
    ids("GetUserId", {"IdentityStoreId": "d-0000000000", "AlternateIdentifier": by_name},
        "ResourceNotFoundException")
    ids("GetGroupId", {**store, "AlternateIdentifier": {"UniqueAttribute": {
        "AttributePath": "DisplayName", "AttributeValue": "Agents"}}})
    ids("GetGroupId", {**store, "AlternateIdentifier": {"ExternalId": {"Issuer": "scim", "Id": "nope"}}},
        "ResourceNotFoundException")
    ids("DescribeUser", {**store, "UserId": user_id})
    ids("DescribeUser", {**store, "UserId": nobody}, "ResourceNotFoundException")
    ids("DescribeUser", {"UserId": user_id}, "ValidationException")
    ids("DescribeGroup", {**store, "GroupId": group_id})
    ids("DescribeGroup", {**store, "GroupId": nobody}, "ResourceNotFoundException")
    ids("ListUsers", {**store})
    ids("ListUsers", {**store, "MaxResults": 1, "Filters": [
        {"AttributePath": "UserName", "AttributeValue": "ada@contoso.com"}]})
    ids("ListUsers", {**store, "NextToken": "not-a-token"}, "ValidationException")
    ids("ListGroups", {**store})
    ids("ListGroups", {**store, "Filters": [{"AttributePath": "Title", "AttributeValue": "x"}]},
        "ValidationException")
    ids("ListGroupMemberships", {**store, "GroupId": group_id})
    ids("ListGroupMemberships", {**store, "GroupId": nobody}, "ResourceNotFoundException")
    ids("ListGroupMembershipsForMember", {**store, "MemberId": {"UserId": user_id}})
    ids("ListGroupMembershipsForMember", {**store, "MemberId": {"UserId": nobody}},
        "ResourceNotFoundException")
    # The Connect account's keys: the store is not theirs.
    k.call("identitystore", "DescribeUser", {**store, "UserId": user_id}, "AccessDeniedException")
    group_assignment(k, cfg, group_id)


def group_assignment(k, cfg, group_id):
    """sso-admin's successful answers: the SCIM group assigned to the application, then not."""
    mgmt, sso = management_client(k, cfg, "sso-admin")
    app = mgmt.list_applications(InstanceArn=INSTANCE_ARN)["Applications"][0]["ApplicationArn"]
    group = {"ApplicationArn": app, "PrincipalId": group_id, "PrincipalType": "GROUP"}
    sso("CreateApplicationAssignment", group)
    sso("CreateApplicationAssignment", group, "ConflictException")
    sso("DescribeApplicationAssignment", group)
    sso("ListApplicationAssignments", {"ApplicationArn": app})
    sso("DeleteApplicationAssignment", group)


def scim_user_and_group(cfg):
    """Enable provisioning (the console step) and put a user and a group holding it in through
    SCIM, as Entra's provisioning service does: (user ID, group ID)."""
    token = admin(cfg, "identity-center/provisioning", {})["token"]
    user = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ada@contoso.com",
            "externalId": "obj-ada", "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "displayName": "Ada Lovelace", "active": True,
            "emails": [{"type": "work", "primary": True, "value": "ada@contoso.com"}]}
    user_id = scim(cfg, token, "/Users", user)["id"]
    group = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Agents",
             "externalId": "grp-agents", "members": [{"value": user_id}]}
    return user_id, scim(cfg, token, "/Groups", group)["id"]


def scim(cfg, token, path, body):
    """POST a SCIM resource; the created resource."""
    import urllib.request
    req = urllib.request.Request(f"{cfg['base']}/identity-center/scim/v2{path}",
                                 data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/scim+json",
                                          "authorization": f"Bearer {token}"})
    return json.loads(urllib.request.urlopen(req).read())


def admin(cfg, path, body):
    """POST to the sandbox's admin API; its JSON answer."""
    import urllib.request
    req = urllib.request.Request(f"{cfg['base']}/_admin/{path}", data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"}, method="POST")
    return json.loads(urllib.request.urlopen(req).read() or b"null")


def main():
    cfg = json.load(open(sys.argv[1]))
    admin(cfg, "quotas/scale", {"factor": 1000})
    k = Checker(cfg)
    k.known = []
    scenario(k, cfg)
    ops = sum(len(m["operations"]) for m in k.models.values())
    for d in k.deviations:
        print("DEVIATION", d)
    for d in k.known:
        print("KNOWN", d)
    for s, m in k.models.items():
        for op in m["operations"]:
            if (s, op) not in k.covered:
                print("NOT COVERED", s, op)
    print(f"conformance: {len(k.covered)}/{ops} operations covered, {k.checks} checks, "
          f"{len(k.deviations)} deviations ({len(k.known)} known, documented)")
    sys.exit(1 if k.deviations or len(k.covered) < ops else 0)


if __name__ == "__main__":
    main()
