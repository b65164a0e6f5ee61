#!/usr/bin/env python3
"""Run the same IAM/STS calls with boto3 against moto and against the connect-sso sandbox,
and compare the response shapes (keys and value types, or error codes).

Usage: moto_compare.py INPUT.json REPORT.json

INPUT.json (written by the Rust test crates/aws/tests/sandbox/moto.rs):
  {"sandbox": {"iam": URL, "sts": URL, "account": "111122223333",
               "access_key_id": ..., "secret_access_key": ..., "saml": B64},
   "moto": {"account": "123456789012", "saml": B64},
   "metadata": XML, "metadata2": XML, "issuer": ISSUER, "region": "us-east-1"}

moto_server is started here on a free loopback port from the same venv. The report lists,
per call, both outcomes and the differences; the exit status is 0 when the comparison ran
(differences are information, judged in the Rust test and in the report), 2 on set-up errors.
"""

import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import boto3
import botocore.config
import botocore.exceptions

SIGNIN = "https://signin.aws.amazon.com/saml"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    exe = shutil.which("moto_server", path=os.path.dirname(sys.executable)) or shutil.which("moto_server")
    if not exe:
        raise RuntimeError("moto_server not found next to " + sys.executable)
    port = free_port()
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return proc, url
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto_server did not start")


def shape(v):
    """The shape of a parsed response: dict keys → shapes, list → shape of first item, else type."""
    if isinstance(v, dict):
        return {k: shape(x) for k, x in sorted(v.items()) if k != "ResponseMetadata"}
    if isinstance(v, list):
        return [shape(v[0])] if v else []
    if isinstance(v, datetime.datetime):
        return "timestamp"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    return type(v).__name__


def call(fn, **kw):
    try:
        r = fn(**kw)
        return {"ok": True, "shape": shape(r), "value": r}
    except botocore.exceptions.ClientError as e:
        err = e.response.get("Error", {})
        return {
            "ok": False,
            "code": err.get("Code"),
            "message": err.get("Message"),
            "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
        }
    except Exception as e:  # noqa: BLE001 - any unparseable answer is an outcome to compare
        # moto answers some calls with a non-XML 500 page (not implemented).
        return {"ok": False, "code": "Unparseable answer", "message": str(e)[:200], "status": None}


def trust(account):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{account}:saml-provider/Entra"},
            "Action": "sts:AssumeRoleWithSAML",
            "Condition": {"StringEquals": {"SAML:aud": SIGNIN}},
        }],
    })


PERMISSIONS = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "connect:GetFederationToken",
                   "Resource": "arn:aws:connect:us-east-1:111122223333:instance/i-1/user/${aws:userid}"}],
})


def scenario(iam, sts_factory, account, saml, metadata, metadata2):
    """The calls, in order; returns {step: outcome}."""
    out = {}
    prov = f"arn:aws:iam::{account}:saml-provider/Entra"
    role_arn = f"arn:aws:iam::{account}:role/ConnectFederation"
    out["CreateSAMLProvider"] = call(iam.create_saml_provider, Name="Entra", SAMLMetadataDocument=metadata,
                                     Tags=[{"Key": "owner", "Value": "connect-sso"}])
    out["CreateSAMLProvider (duplicate)"] = call(iam.create_saml_provider, Name="Entra", SAMLMetadataDocument=metadata)
    out["CreateSAMLProvider (metadata with BOM)"] = call(iam.create_saml_provider, Name="Bom",
                                                        SAMLMetadataDocument="\ufeff" + metadata)
    out["GetSAMLProvider"] = call(iam.get_saml_provider, SAMLProviderArn=prov)
    out["GetSAMLProvider (missing)"] = call(iam.get_saml_provider,
                                            SAMLProviderArn=f"arn:aws:iam::{account}:saml-provider/Nope")
    out["ListSAMLProviders"] = call(iam.list_saml_providers)
    out["UpdateSAMLProvider"] = call(iam.update_saml_provider, SAMLProviderArn=prov, SAMLMetadataDocument=metadata2)
    out["UpdateSAMLProvider (back)"] = call(iam.update_saml_provider, SAMLProviderArn=prov, SAMLMetadataDocument=metadata)
    out["TagSAMLProvider"] = call(iam.tag_saml_provider, SAMLProviderArn=prov, Tags=[{"Key": "env", "Value": "t"}])
    out["ListSAMLProviderTags"] = call(iam.list_saml_provider_tags, SAMLProviderArn=prov)
    out["UntagSAMLProvider"] = call(iam.untag_saml_provider, SAMLProviderArn=prov, TagKeys=["env"])
    out["CreateRole"] = call(iam.create_role, RoleName="ConnectFederation", AssumeRolePolicyDocument=trust(account),
                             MaxSessionDuration=43200, Description="federation",
                             Tags=[{"Key": "managed-by", "Value": "connect-sso"}])
    out["CreateRole (duplicate)"] = call(iam.create_role, RoleName="ConnectFederation",
                                         AssumeRolePolicyDocument=trust(account))
    out["CreateRole (malformed policy)"] = call(iam.create_role, RoleName="Broken",
                                                AssumeRolePolicyDocument='{"Statement": [')
    out["CreateRole (MaxSessionDuration 100)"] = call(iam.create_role, RoleName="Short",
                                                      AssumeRolePolicyDocument=trust(account), MaxSessionDuration=100)
    out["GetRole"] = call(iam.get_role, RoleName="ConnectFederation")
    out["GetRole (missing)"] = call(iam.get_role, RoleName="Nope")
    out["ListRoles"] = call(iam.list_roles)
    out["UpdateRole"] = call(iam.update_role, RoleName="ConnectFederation", Description="changed")
    out["UpdateAssumeRolePolicy"] = call(iam.update_assume_role_policy, RoleName="ConnectFederation",
                                         PolicyDocument=trust(account))
    out["TagRole"] = call(iam.tag_role, RoleName="ConnectFederation", Tags=[{"Key": "b", "Value": "2"}])
    out["ListRoleTags"] = call(iam.list_role_tags, RoleName="ConnectFederation")
    out["UntagRole"] = call(iam.untag_role, RoleName="ConnectFederation", TagKeys=["b"])
    out["PutRolePolicy"] = call(iam.put_role_policy, RoleName="ConnectFederation", PolicyName="federate",
                                PolicyDocument=PERMISSIONS)
    out["GetRolePolicy"] = call(iam.get_role_policy, RoleName="ConnectFederation", PolicyName="federate")
    out["ListRolePolicies"] = call(iam.list_role_policies, RoleName="ConnectFederation")
    out["DeleteRole (has policies)"] = call(iam.delete_role, RoleName="ConnectFederation")
    out["AssumeRoleWithSAML"] = call(sts_factory(None).assume_role_with_saml, RoleArn=role_arn,
                                     PrincipalArn=prov, SAMLAssertion=saml)
    if out["AssumeRoleWithSAML"]["ok"]:
        c = out["AssumeRoleWithSAML"]["value"]["Credentials"]
        out["GetCallerIdentity (assumed role)"] = call(sts_factory(c).get_caller_identity)
    out["GetCallerIdentity"] = call(sts_factory(None).get_caller_identity)
    out["DeleteRolePolicy"] = call(iam.delete_role_policy, RoleName="ConnectFederation", PolicyName="federate")
    out["DeleteRole"] = call(iam.delete_role, RoleName="ConnectFederation")
    out["DeleteSAMLProvider"] = call(iam.delete_saml_provider, SAMLProviderArn=prov)
    return out


def diff_shapes(a, b, path=""):
    """Differences between two shapes, as human-readable strings."""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{path}.{k}" if path else k
            if k not in a:
                out.append(f"{p}: only in sandbox")
            elif k not in b:
                out.append(f"{p}: only in moto")
            else:
                out.extend(diff_shapes(a[k], b[k], p))
    elif isinstance(a, list) and isinstance(b, list):
        if a and b:
            out.extend(diff_shapes(a[0], b[0], path + "[]"))
    elif a != b:
        out.append(f"{path}: moto {json.dumps(a)} vs sandbox {json.dumps(b)}")
    return out


def clients(region, iam_url, sts_url, key, secret):
    # No client-side validation: the servers must refuse bad input themselves.
    cfg = botocore.config.Config(retries={"max_attempts": 2, "mode": "standard"}, parameter_validation=False)

    def sts(creds):
        if creds:
            return boto3.client("sts", region_name=region, endpoint_url=sts_url, config=cfg,
                                aws_access_key_id=creds["AccessKeyId"],
                                aws_secret_access_key=creds["SecretAccessKey"],
                                aws_session_token=creds["SessionToken"])
        return boto3.client("sts", region_name=region, endpoint_url=sts_url, config=cfg,
                            aws_access_key_id=key, aws_secret_access_key=secret)

    iam = boto3.client("iam", region_name=region, endpoint_url=iam_url, config=cfg,
                       aws_access_key_id=key, aws_secret_access_key=secret)
    return iam, sts


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        inp = json.load(f)
    for k in list(os.environ):
        if k.startswith("AWS_"):
            del os.environ[k]
    region = inp.get("region", "us-east-1")
    proc, moto_url = start_moto()
    try:
        m_iam, m_sts = clients(region, moto_url, moto_url, "testing", "testing")
        moto = scenario(m_iam, m_sts, inp["moto"]["account"], inp["moto"]["saml"], inp["metadata"], inp["metadata2"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    sb = inp["sandbox"]
    s_iam, s_sts = clients(region, sb["iam"], sb["sts"], sb["access_key_id"], sb["secret_access_key"])
    sandbox = scenario(s_iam, s_sts, sb["account"], sb["saml"], inp["metadata"], inp["metadata2"])

    report = {"steps": []}
    for step in moto:
        m, s = moto[step], sandbox.get(step)
        entry = {"step": step}
        if s is None:
            entry["differences"] = ["not run against the sandbox"]
        elif m["ok"] and s["ok"]:
            entry["outcome"] = "both succeeded"
            entry["differences"] = diff_shapes(m["shape"], s["shape"])
        elif not m["ok"] and not s["ok"]:
            entry["outcome"] = f"both failed: moto {m['code']} ({m['status']}), sandbox {s['code']} ({s['status']})"
            entry["differences"] = [] if (m["code"], m["status"]) == (s["code"], s["status"]) else [
                f"error: moto {m['code']} {m['status']} vs sandbox {s['code']} {s['status']}"]
        else:
            desc = lambda r: "ok" if r["ok"] else f"{r['code']} ({r['status']}): {r['message']}"
            entry["outcome"] = "different"
            entry["differences"] = [f"moto {desc(m)} vs sandbox {desc(s)}"]
        entry["sandbox_ok"] = bool(s and s["ok"])
        entry["sandbox_code"] = None if not s or s["ok"] else s["code"]
        report["steps"].append(entry)
    # Value-level comparisons that matter to users.
    def val(res, *path):
        v = res.get("value") if res and res.get("ok") else None
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        return v
    report["values"] = {
        "GetRole.Role.AssumeRolePolicyDocument": {
            "moto": str(val(moto.get("GetRole"), "Role", "AssumeRolePolicyDocument"))[:80],
            "sandbox": str(val(sandbox.get("GetRole"), "Role", "AssumeRolePolicyDocument"))[:80],
        },
        "AssumeRoleWithSAML.AssumedRoleUser.Arn": {
            "moto": val(moto.get("AssumeRoleWithSAML"), "AssumedRoleUser", "Arn"),
            "sandbox": val(sandbox.get("AssumeRoleWithSAML"), "AssumedRoleUser", "Arn"),
        },
        "GetCallerIdentity (assumed role).UserId": {
            "moto": val(moto.get("GetCallerIdentity (assumed role)"), "UserId"),
            "sandbox": val(sandbox.get("GetCallerIdentity (assumed role)"), "UserId"),
        },
    }
    with open(sys.argv[2], "w") as f:
        json.dump(report, f, indent=2, default=str)
    n = sum(1 for e in report["steps"] if e["differences"])
    for e in report["steps"]:
        mark = "DIFF" if e["differences"] else "same"
        print(f"{mark:4} {e['step']}: {e.get('outcome', '')}")
        for d in e["differences"]:
            print(f"       - {d}")
    print(f"{len(report['steps'])} steps compared, {n} with differences")
    return 0


if __name__ == "__main__":
    sys.exit(main())
