"""Read back, with boto3 (an independent AWS client), what `connect-sso apply` made.

Usage: readback.py ROLE_NAME PROVIDER_ARN INSTANCE_ALIAS
Endpoints, credentials and region come from the environment (`connect-sso sandbox env`).
Prints one JSON object on stdout.
"""
import json
import sys
import urllib.parse

import boto3


def main() -> None:
    role_name, provider_arn, alias = sys.argv[1:4]
    iam = boto3.client("iam")
    connect = boto3.client("connect")
    role = iam.get_role(RoleName=role_name)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    if isinstance(trust, str):  # botocore decodes it; an older one may not
        trust = json.loads(urllib.parse.unquote(trust))
    policies = {}
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
        policies[name] = json.loads(urllib.parse.unquote(doc)) if isinstance(doc, str) else doc
    provider = iam.get_saml_provider(SAMLProviderArn=provider_arn)
    instances = [
        i for i in connect.list_instances()["InstanceSummaryList"] if i.get("InstanceAlias") == alias
    ]
    users = []
    if instances:
        pages = connect.get_paginator("list_users").paginate(InstanceId=instances[0]["Id"])
        users = sorted(u["Username"] for page in pages for u in page["UserSummaryList"])
    print(
        json.dumps(
            {
                "role_arn": role["Arn"],
                "max_session_duration": role["MaxSessionDuration"],
                "trust": trust,
                "inline_policies": policies,
                "provider_metadata_has_cert": "X509Certificate" in provider["SAMLMetadataDocument"],
                "instances": [
                    {"id": i["Id"], "identity": i["IdentityManagementType"], "status": i["InstanceStatus"]}
                    for i in instances
                ],
                "users": users,
            }
        )
    )


if __name__ == "__main__":
    main()
