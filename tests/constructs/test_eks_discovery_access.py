"""EksDiscoveryAccess and its shared handler: resources, ordering, least privilege, every error."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match, Template

from onboarding_constructs import (
    DISCOVERY_CIDRS,
    EksClusterAccessHandler,
    EksDiscoveryAccess,
)
from onboarding_constructs.validation import MAX_PUBLIC_ACCESS_CIDRS
from tests.conftest import REPO_ROOT, new_stack
from tests.constructs.props_errors import assert_refused, props_error
from tests.gates.scenarios import SCENARIOS
from tests.synth import synthesize

ROLE = "arn:aws:iam::111111111111:role/airs-discovery"
HANDLER_SOURCE = REPO_ROOT / "lambda" / "eks_cluster_access" / "index.py"


def access(stack: Stack, construct_id: str = "Prod", **props) -> EksDiscoveryAccess:
    return EksDiscoveryAccess(stack, construct_id, **{"cluster_name": "prod-eks", "principal_arn": ROLE, **props})


def logical_id(stack: Stack, construct) -> str:
    target = construct.node.default_child if not hasattr(construct, "cfn_options") else construct
    return stack.resolve(stack.get_logical_id(target))


def test_defaults_custom_resource_properties_and_service_timeout() -> None:
    stack = new_stack()
    access(stack)
    Template.from_stack(stack).has_resource_properties(
        "Custom::EksClusterAccess",
        {
            "ClusterName": "prod-eks",
            "AllowedCidrs": ["34.71.64.3/32", "34.28.60.186/32"],
            "EnablePublicEndpoint": "false",
            "ServiceTimeout": "1800",
        },
    )
    assert DISCOVERY_CIDRS == ("34.71.64.3/32", "34.28.60.186/32")


def test_access_entry_with_view_policy_at_cluster_scope_after_the_custom_resource() -> None:
    stack = new_stack(region=None, account=None)
    construct = access(stack)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::EKS::AccessEntry",
        {
            "ClusterName": "prod-eks",
            "PrincipalArn": ROLE,
            "Type": "STANDARD",
            "AccessPolicies": [
                {
                    "PolicyArn": {
                        "Fn::Join": [
                            "",
                            ["arn:", {"Ref": "AWS::Partition"}, ":eks::aws:cluster-access-policy/AmazonEKSViewPolicy"],
                        ]
                    },
                    "AccessScope": {"Type": "cluster"},
                }
            ],
        },
    )
    entry = template.to_json()["Resources"][logical_id(stack, construct.access_entry)]
    assert entry["DependsOn"] == [logical_id(stack, construct.cluster_access)]


def test_options_reach_the_resources() -> None:
    stack = new_stack()
    access(
        stack, allowed_cidrs=["34.71.64.3/32"], enable_public_endpoint=True, access_policy="AmazonEKSAdminViewPolicy"
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "Custom::EksClusterAccess", {"AllowedCidrs": ["34.71.64.3/32"], "EnablePublicEndpoint": "true"}
    )
    template.has_resource_properties(
        "AWS::EKS::AccessEntry",
        {
            "AccessPolicies": [
                Match.object_like(
                    {
                        "PolicyArn": {
                            "Fn::Join": [
                                "",
                                [
                                    "arn:",
                                    {"Ref": "AWS::Partition"},
                                    ":eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy",
                                ],
                            ]
                        }
                    }
                )
            ]
        },
    )


def test_one_handler_per_stack_serves_every_cluster() -> None:
    stack = new_stack()
    first = access(stack, "Prod")
    second = access(stack, "Dev", cluster_name="dev-eks")
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("AWS::IAM::Role", 1)
    template.resource_count_is("Custom::EksClusterAccess", 2)
    template.resource_count_is("AWS::EKS::AccessEntry", 2)
    assert first.handler is second.handler is EksClusterAccessHandler.of(stack)
    function_id = logical_id(stack, first.handler.function)
    for resource in template.find_resources("Custom::EksClusterAccess").values():
        assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_handler_policy_is_least_privilege() -> None:
    stack = new_stack()
    first = access(stack, "Prod")
    access(stack, "Dev", cluster_name="dev-eks")
    handler = first.handler
    template = Template.from_stack(stack)
    [policy] = template.find_resources("AWS::IAM::ManagedPolicy").values()
    statements = {
        tuple(sorted(s["Action"])) if isinstance(s["Action"], list) else (s["Action"],): s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    }
    eks = statements[("eks:DescribeCluster", "eks:DescribeUpdate", "eks:UpdateClusterConfig")]
    assert eks["Resource"] == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":eks:us-east-1:111111111111:cluster/prod-eks"]]},
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":eks:us-east-1:111111111111:cluster/dev-eks"]]},
    ]
    ssm = statements[("ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter")]
    assert ssm["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":ssm:us-east-1:111111111111:parameter/airs-onboarding/eks-cluster-access/*",
            ],
        ]
    }
    logs = statements[("logs:CreateLogStream", "logs:PutLogEvents")]
    assert logs["Resource"] == {"Fn::GetAtt": [logical_id(stack, handler.log_group), "Arn"]}
    invoke = statements[("lambda:InvokeFunction",)]
    assert invoke["Resource"] == {"Fn::GetAtt": [logical_id(stack, handler.function), "Arn"]}
    assert len(statements) == 4
    assert policy["Properties"]["Roles"] == [{"Ref": logical_id(stack, handler.role)}]
    role = template.to_json()["Resources"][logical_id(stack, handler.role)]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
    ]
    assert "ManagedPolicyArns" not in role and "Policies" not in role


def test_custom_resource_waits_for_the_handler_policy() -> None:
    stack = new_stack()
    construct = access(stack)
    resource = Template.from_stack(stack).to_json()["Resources"][logical_id(stack, construct.cluster_access)]
    assert logical_id(stack, construct.handler.policy) in resource["DependsOn"]


def test_handler_is_inline_with_its_settings_and_log_group() -> None:
    stack = new_stack()
    handler = access(stack).handler
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Code": {"ZipFile": HANDLER_SOURCE.read_text()},
            "Handler": "index.handler",
            "Runtime": "python3.14",
            "Timeout": 900,
            "Environment": {
                "Variables": {
                    "POLL_INTERVAL_SECONDS": "15",
                    "TIME_BUDGET_SECONDS": "1740",
                    "STATE_PARAMETER_PREFIX": "/airs-onboarding/eks-cluster-access",
                }
            },
            "LoggingConfig": {"LogGroup": {"Ref": logical_id(stack, handler.log_group)}},
        },
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 365})
    assert Path(HANDLER_SOURCE).stat().st_size < 4 * 1024 * 1024  # CloudFormation's inline code limit


def test_handler_code_is_self_contained() -> None:
    """Only the standard library and boto3/botocore, which the Lambda runtime provides."""
    import ast
    import sys

    tree = ast.parse(HANDLER_SOURCE.read_text())
    modules = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    modules |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
    }
    assert modules - set(sys.stdlib_module_names) == {"boto3", "botocore"}


_CLUSTER_EXPECTED = (
    "is not an EKS cluster name (expected 1 to 100 letters, digits, hyphens and underscores, starting with a letter"
    " or digit)"
)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"cluster_name": "-prod"}, f"cluster_name: '-prod' {_CLUSTER_EXPECTED}"),
        ({"cluster_name": "a" * 101}, f"cluster_name: '{'a' * 101}' {_CLUSTER_EXPECTED}"),
        (
            {"principal_arn": "arn:aws:iam::111111111111:user/bob"},
            "principal_arn: 'arn:aws:iam::111111111111:user/bob' is not an IAM role ARN"
            " (expected arn:<partition>:iam::<12-digit account>:role/<name>)",
        ),
        (
            {"allowed_cidrs": ["0.0.0.0/0"]},
            "allowed_cidrs[0]: '0.0.0.0/0' would allow the whole internet (expected the discovery service's own"
            " addresses)",
        ),
        (
            {"allowed_cidrs": ["34.71.64.3/32", "::/0"]},
            "allowed_cidrs[1]: '::/0' would allow the whole internet (expected the discovery service's own addresses)",
        ),
        (
            {"allowed_cidrs": ["10.0.0.0/8"]},
            "allowed_cidrs[0]: '10.0.0.0/8' is not a public address range (expected the discovery service's public"
            " addresses)",
        ),
        (
            {"allowed_cidrs": ["34.71.64.3/24"]},
            "allowed_cidrs[0]: '34.71.64.3/24' is not a CIDR block (34.71.64.3/24 has host bits set)",
        ),
        ({"allowed_cidrs": ["34.71.64.3"]}, None),
        (
            {"allowed_cidrs": []},
            "allowed_cidrs: empty (expected the discovery service's addresses; omit it for the default)",
        ),
        ({"allowed_cidrs": ["34.71.64.3/32", "34.71.64.3/32"]}, "allowed_cidrs: '34.71.64.3/32' listed more than once"),
        (
            {"allowed_cidrs": [f"34.71.64.{i}/32" for i in range(41)]},
            "allowed_cidrs: 41 CIDRs (EKS allows at most 40 on an endpoint)",
        ),
        (
            {"allowed_cidrs": "34.71.64.3/32"},
            "allowed_cidrs: '34.71.64.3/32' is one string (expected a list of CIDR blocks)",
        ),
        (
            {"enable_public_endpoint": "yes"},
            "enable_public_endpoint: 'yes' is not allowed (expected True or False, or a deploy-time value that"
            " resolves to 'true' or 'false')",
        ),
        (
            {"access_policy": "ViewEverything"},
            "access_policy: 'ViewEverything' is not an EKS access policy name (e.g. AmazonEKSViewPolicy)",
        ),
    ],
    ids=[
        "cluster-name",
        "cluster-name-long",
        "user-arn",
        "everyone-v4",
        "everyone-v6",
        "private",
        "host-bits",
        "bare-address-is-a-/32",
        "empty",
        "duplicate",
        "over-40",
        "one-string",
        "public-endpoint-as-text",
        "policy-name",
    ],
)
def test_invalid_props_are_refused(props: dict, message: str | None) -> None:
    if message is None:
        access(new_stack(), **props)  # a bare address is a valid /32
        return
    assert_refused(lambda: access(new_stack(), **props), "TestStack/Prod", message)


def test_forty_cidrs_are_the_most_an_endpoint_takes() -> None:
    access(new_stack(), allowed_cidrs=[f"34.71.64.{i}/32" for i in range(MAX_PUBLIC_ACCESS_CIDRS)])


def test_every_problem_is_reported_at_once() -> None:
    error = props_error(
        lambda: access(
            new_stack(),
            cluster_name="-prod",
            allowed_cidrs=["10.0.0.0/8", *[f"34.71.64.{i}/32" for i in range(40)], "34.71.64.0"],
            enable_public_endpoint="yes",
        )
    )
    assert error.problems == (
        f"cluster_name: '-prod' {_CLUSTER_EXPECTED}",
        "allowed_cidrs[0]: '10.0.0.0/8' is not a public address range (expected the discovery service's public"
        " addresses)",
        "allowed_cidrs: '34.71.64.0/32' listed more than once",
        "allowed_cidrs: 42 CIDRs (EKS allows at most 40 on an endpoint)",
        "enable_public_endpoint: 'yes' is not allowed (expected True or False, or a deploy-time value that"
        " resolves to 'true' or 'false')",
    )


def test_construct_ids_are_stable() -> None:
    stack = new_stack()
    construct = access(stack)
    assert construct.cluster_access.node.path == "TestStack/Prod/ClusterAccess"
    assert construct.access_entry.node.path == "TestStack/Prod/AccessEntry"
    assert construct.handler.node.path == "TestStack/EksClusterAccessHandler"
    assert construct.handler.function.node.path == "TestStack/EksClusterAccessHandler/Function"


def test_public_endpoint_opt_in_may_be_a_deploy_time_value() -> None:
    stack = new_stack()
    opt_in = CfnParameter(stack, "OptIn", allowed_values=["true", "false"])
    access(stack, enable_public_endpoint=opt_in.value_as_string)
    Template.from_stack(stack).has_resource_properties(
        "Custom::EksClusterAccess", {"EnablePublicEndpoint": {"Ref": "OptIn"}}
    )


def test_cidrs_are_sent_as_eks_spells_them() -> None:
    """The handler merges and removes allow-list entries by text; EKS writes 34.71.64.3 as 34.71.64.3/32."""
    stack = new_stack()
    access(stack, allowed_cidrs=["34.71.64.3", "34.28.60.0/24"])
    Template.from_stack(stack).has_resource_properties(
        "Custom::EksClusterAccess", {"AllowedCidrs": ["34.71.64.3/32", "34.28.60.0/24"]}
    )


def test_one_block_spelt_two_ways_is_listed_twice() -> None:
    assert_refused(
        lambda: access(new_stack(), allowed_cidrs=["34.71.64.3", "34.71.64.3/32"]),
        "TestStack/Prod",
        "allowed_cidrs: '34.71.64.3/32' listed more than once",
    )


# --- KMS key of the handler's log group -----------------------------------------------------------------

KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_log_group_without_a_key_uses_cloudwatch_logs_encryption() -> None:
    stack = new_stack()
    access(stack)
    [log_group] = Template.from_stack(stack).find_resources("AWS::Logs::LogGroup").values()
    assert "KmsKeyId" not in log_group["Properties"]


def test_a_key_of_the_app_encrypts_the_log_group_and_lets_cloudwatch_logs_use_it() -> None:
    stack = new_stack()
    key = kms.Key(stack, "LogKey")
    handler = access(stack, log_group_encryption_key=key).handler
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"KmsKeyId": {"Fn::GetAtt": [logical_id(stack, key), "Arn"]}, "RetentionInDays": 365}
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        {
                            "Sid": "AllowCloudWatchLogsToUseTheKey",
                            "Effect": "Allow",
                            "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                            "Action": [
                                "kms:Encrypt*",
                                "kms:Decrypt*",
                                "kms:ReEncrypt*",
                                "kms:GenerateDataKey*",
                                "kms:Describe*",
                            ],
                            "Resource": "*",
                            "Condition": {
                                "ArnLike": {
                                    "kms:EncryptionContext:aws:logs:arn": {
                                        "Fn::Join": [
                                            "",
                                            [
                                                "arn:",
                                                {"Ref": "AWS::Partition"},
                                                ":logs:us-east-1:111111111111:log-group:*",
                                            ],
                                        ]
                                    }
                                }
                            },
                        }
                    ]
                )
            }
        },
    )
    assert handler.log_group_encryption_key is key
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("importedLogGroupKmsKey"))


def test_an_imported_key_encrypts_the_log_group_and_synth_warns_about_its_policy() -> None:
    stack = new_stack()
    access(stack, log_group_encryption_key=kms.Key.from_key_arn(stack, "LogKey", KEY_ARN))
    Template.from_stack(stack).has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": KEY_ARN})
    [warning] = Annotations.from_stack(stack).find_warning("/TestStack/EksClusterAccessHandler", Match.any_value())
    message = str(warning.entry.data)
    assert f"The key policy of {KEY_ARN} is not managed here: it must allow logs.us-east-1.amazonaws.com" in message
    assert "kms:EncryptionContext:aws:logs:arn" in message
    assert "or CloudFormation cannot create the handler's log group" in message
    assert "[ack: airs-onboarding:importedLogGroupKmsKey]" in message


def test_every_cluster_of_a_stack_shares_one_log_group_key() -> None:
    stack = new_stack()
    key = kms.Key.from_key_arn(stack, "LogKey", KEY_ARN)
    access(stack, "Prod", log_group_encryption_key=key)
    access(stack, "Dev", cluster_name="dev-eks", log_group_encryption_key=kms.Key.from_key_arn(stack, "Same", KEY_ARN))
    assert_refused(
        lambda: access(stack, "Test", cluster_name="test-eks"),
        "TestStack/Test",
        "log_group_encryption_key: one handler and log group serve every cluster of the stack,"
        f" already with '{KEY_ARN}'; pass the same key (received no key)",
    )


def test_the_config_key_reaches_the_handler_log_group(tmp_path: Path) -> None:
    result = synthesize(SCENARIOS["every-identity"], tmp_path)
    key_arn = SCENARIOS["every-identity"]["eks"]["log_group_kms_key_arn"]
    [log_group] = [r for r in result.template["Resources"].values() if r["Type"] == "AWS::Logs::LogGroup"]
    assert log_group["Properties"]["KmsKeyId"] == key_arn
    [(_, warning)] = [
        (path, data)
        for path, data in result.metadata_of_type("aws:cdk:warning")
        if "importedLogGroupKmsKey" in str(data)
    ]
    assert "logs.eu-central-1.amazonaws.com" in warning


# --- what the handler's resources say about themselves ----------------------------------------------------


def test_the_role_function_and_policy_say_what_they_are_for() -> None:
    stack = new_stack()
    access(stack)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "Description": "Custom::EksClusterAccess handler: authentication mode and endpoint allow-list of listed"
            " EKS clusters"
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Description": "Custom::EksClusterAccess: opens existing EKS clusters to AIRS discovery, and undoes only"
            " that"
        },
    )
    template.has_resource_properties(
        "AWS::IAM::ManagedPolicy",
        {"Description": "Custom::EksClusterAccess handler: listed EKS clusters, its SSM records, its logs, itself"},
    )


def acknowledged(construct) -> dict[str, str]:
    resource = construct.node.default_child if not hasattr(construct, "cfn_options") else construct
    return {
        finding: reason
        for entry in resource.node.metadata
        if entry.type == "aws:cdk:acknowledged-rules"
        for finding, reason in entry.data.items()
    }


def resource_metadata(stack: Stack, construct) -> dict:
    return Template.from_stack(stack).to_json()["Resources"][logical_id(stack, construct)].get("Metadata", {})


def checkov_skips(stack: Stack, construct) -> dict[str, str]:
    return {
        skip["id"]: skip["comment"] for skip in resource_metadata(stack, construct).get("checkov", {}).get("skip", [])
    }


def test_each_gate_finding_on_the_function_is_acknowledged_with_its_reason() -> None:
    stack = new_stack()
    function = access(stack).handler.function
    assert acknowledged(function) == {
        "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC": "The handler calls the regional EKS, SSM and Lambda APIs and"
        " the CloudFormation response URL; a VPC would need NAT or five endpoints in every account for no isolation"
        " gain.",
        "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ": "CloudFormation waits for the answer, with ServiceTimeout: a lost"
        " invocation fails the stack operation within 30 minutes instead of sitting in a queue nobody reads.",
        "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency": "Runs only during deployments, one invocation per cluster"
        " at a time; reserving concurrency would take it from the account's unreserved pool, which new accounts"
        " cannot spare.",
    }
    assert checkov_skips(stack, function) == {
        "CKV_AWS_117": "The handler calls regional AWS APIs and the CloudFormation response URL only; see the NIST"
        " LambdaInsideVPC acknowledgment.",
        "CKV_AWS_116": "CloudFormation waits for the answer with ServiceTimeout; a dead-letter queue would hold"
        " failures nobody reads.",
        "CKV_AWS_115": "Runs only during deployments; reserved concurrency would be taken from the account's"
        " unreserved pool.",
        "CKV_AWS_173": "The environment holds three non-secret settings (poll interval, time budget, SSM path); a KMS"
        " key for them adds cost and no protection.",
    }
    assert resource_metadata(stack, function)["cfn-lint"] == {
        "config": {"ignore_checks": ["W3005"]},
        "reasons": {
            "W3005": "lambda.Function always adds DependsOn on its role, which the Role GetAtt already implies;"
            " harmless."
        },
    }


def test_the_state_parameters_wildcard_is_acknowledged_on_the_policy_with_its_reason() -> None:
    stack = new_stack()
    handler = access(stack).handler
    assert acknowledged(handler.policy) == {
        "AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:us-east-1:111111111111:parameter"
        "/airs-onboarding/eks-cluster-access/*]": "One SSM parameter per cluster and resource, named at run time from"
        " the stack and resource ids; the path is this handler's own.",
    }
    assert acknowledged(handler.role) == {}


def test_a_log_group_without_a_key_is_acknowledged_as_encrypted_by_cloudwatch_logs() -> None:
    stack = new_stack()
    log_group = access(stack).handler.log_group
    assert acknowledged(log_group) == {
        "NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted": "The handler logs cluster names, CIDR lists and"
        " update ids, no secrets; CloudWatch Logs encrypts at rest with service keys already. Pass"
        " log_group_encryption_key (config: eks.log_group_kms_key_arn) for a KMS key.",
    }
    assert checkov_skips(stack, log_group) == {
        "CKV_AWS_158": "The handler logs cluster names, CIDR lists and update ids, no secrets; service-key encryption"
        " at rest applies.",
    }


def test_a_log_group_with_a_key_needs_no_encryption_acknowledgment() -> None:
    stack = new_stack()
    log_group = access(stack, log_group_encryption_key=kms.Key(stack, "LogKey")).handler.log_group
    assert acknowledged(log_group) == {}
    assert checkov_skips(stack, log_group) == {}


def test_the_handler_resources_keep_their_construct_ids() -> None:
    """A changed construct id changes the logical id, and CloudFormation replaces the resource."""
    handler = access(new_stack()).handler
    assert handler.role.node.path == "TestStack/EksClusterAccessHandler/Role"
    assert handler.policy.node.path == "TestStack/EksClusterAccessHandler/Policy"
    assert handler.log_group.node.path == "TestStack/EksClusterAccessHandler/LogGroup"


def test_two_keys_of_the_app_are_named_by_their_paths_when_they_differ() -> None:
    stack = new_stack()
    access(stack, "Prod", log_group_encryption_key=kms.Key(stack, "LogKey"))
    assert_refused(
        lambda: access(stack, "Dev", cluster_name="dev-eks", log_group_encryption_key=kms.Key(stack, "OtherKey")),
        "TestStack/Dev",
        "log_group_encryption_key: one handler and log group serve every cluster of the stack, already with the key"
        " TestStack/LogKey; pass the same key (received the key TestStack/OtherKey)",
    )


def test_the_same_key_of_the_app_serves_every_cluster() -> None:
    stack = new_stack()
    key = kms.Key(stack, "LogKey")
    first = access(stack, "Prod", log_group_encryption_key=key)
    second = access(stack, "Dev", cluster_name="dev-eks", log_group_encryption_key=key)
    assert first.handler is second.handler
    assert second.handler.log_group_encryption_key is key
