"""EstateCoverage: the handler's settings, its triggers, least privilege, the gates, every error message."""

from __future__ import annotations

import ast
import inspect
import json
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, CfnResource, Duration, Environment, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template
from cfnlint.api import lint_file

from onboarding_app.assembly import add_compliance_checks
from onboarding_constructs import (
    ECS_FIELDS,
    STANDARD_FIELDS,
    FlowLogAggregationInterval,
    FlowLogBucket,
    FlowLogFileFormat,
    FlowLogs,
)
from onboarding_constructs._handler_code import BUNDLED_MODULES, inline_source
from onboarding_constructs.estate_coverage import COVERAGE_TAG_KEY, EstateCoverage
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused, props_error
from tests.synth import cdk_json_context

SSM_ACTIONS = ("ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter")
VPC = "vpc-0a1b2c3d"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ACKNOWLEDGED = "aws:cdk:acknowledged-rules"
#: The standard fields as the flow log format string, written out here rather than built by the code.
STANDARD_FORMAT = " ".join(f"${{{field}}}" for field in STANDARD_FIELDS)


def arn(rest: str) -> dict[str, Any]:
    """An ARN of the test stack's region and account, in the partition CloudFormation fills in."""
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":{rest}"]]}


def coverage(stack: Stack, construct_id: str = "Coverage", **props: Any) -> EstateCoverage:
    if "bucket" not in props:
        props["bucket"] = s3.Bucket(stack, f"{construct_id}Logs", enforce_ssl=True)
    return EstateCoverage(stack, construct_id, **props)


def logical_id(stack: Stack, construct: Any) -> str:
    target = construct if isinstance(construct, CfnResource) else construct.node.default_child
    return str(stack.resolve(stack.get_logical_id(target)))


def resource(stack: Stack, construct: Any) -> dict[str, Any]:
    resources: dict[str, Any] = Template.from_stack(stack).to_json()["Resources"]
    return resources[logical_id(stack, construct)]


def environment(stack: Stack, construct: EstateCoverage) -> dict[str, Any]:
    variables: dict[str, Any] = resource(stack, construct.function)["Properties"]["Environment"]["Variables"]
    return variables


def permissions(stack: Stack, construct: EstateCoverage) -> set[tuple[str, str, str]]:
    """Every (action, resource, condition) the role's policies allow, however the CDK merged the statements."""
    template = Template.from_stack(stack).to_json()["Resources"]
    role = {"Ref": logical_id(stack, construct.role)}
    granted = set()
    for policy in template.values():
        if policy["Type"] not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
            continue
        if role not in policy["Properties"].get("Roles", []):
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            condition = json.dumps(statement.get("Condition"), sort_keys=True)
            granted |= {(a, json.dumps(r, sort_keys=True), condition) for a in actions for r in resources}
    return granted


def grants(actions: tuple[str, ...], resources: tuple[Any, ...], condition: Any = None) -> set[tuple[str, str, str]]:
    return {
        (a, json.dumps(r, sort_keys=True), json.dumps(condition, sort_keys=True)) for a in actions for r in resources
    }


def acknowledged(construct: Any) -> dict[str, str]:
    return {
        finding: reason
        for entry in construct.node.metadata
        if entry.type == ACKNOWLEDGED
        for finding, reason in entry.data.items()
    }


def checkov_skips(stack: Stack, construct: Any) -> dict[str, str]:
    metadata = resource(stack, construct).get("Metadata", {})
    return {skip["id"]: skip["comment"] for skip in metadata.get("checkov", {}).get("skip", [])}


# --- the handler and its settings -------------------------------------------------------------------------


def test_the_function_runs_the_inline_handler_with_its_log_group() -> None:
    stack = new_stack()
    construct = coverage(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            # The handler's file, with the EKS handler's module bundled in (one inline file).
            "Code": {"ZipFile": inline_source("estate_coverage")},
            "Handler": "index.handler",
            "Runtime": "python3.14",
            "Timeout": 900,
            "MemorySize": 256,
            "Role": {"Fn::GetAtt": [logical_id(stack, construct.role), "Arn"]},
            "LoggingConfig": {"LogGroup": {"Ref": logical_id(stack, construct.log_group)}},
        },
    )
    template.resource_count_is("AWS::Logs::LogGroup", 1)
    [log_group] = template.find_resources("AWS::Logs::LogGroup").values()
    assert log_group["Properties"] == {"RetentionInDays": 365}
    assert len(inline_source("estate_coverage").encode()) < 4 * 1024 * 1024  # CloudFormation's inline code limit


def test_the_handler_code_is_self_contained() -> None:
    """Only the standard library and boto3/botocore, which the Lambda runtime provides, and the modules bundled
    into the inline code, themselves self-contained handlers."""
    tree = ast.parse(inline_source("estate_coverage"))
    modules = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    modules |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
    }
    assert modules - set(sys.stdlib_module_names) <= {"boto3", "botocore", *BUNDLED_MODULES["estate_coverage"]}


def test_default_settings_are_the_handler_contract() -> None:
    stack = new_stack()
    construct = coverage(stack)
    assert environment(stack, construct) == {
        "COVER_VPCS": "true",
        "BUCKET_ARN": {"Fn::GetAtt": [logical_id(stack, stack.node.find_child("CoverageLogs")), "Arn"]},
        "LOG_FORMAT": STANDARD_FORMAT,
        "FILE_FORMAT": "plain-text",
        "PER_HOUR_PARTITION": "true",
        "HIVE_COMPATIBLE_PARTITIONS": "false",
        "MAX_AGGREGATION_INTERVAL": "600",
        "EXCLUDE_TAG_KEY": "airs-discovery",
        "EXCLUDE_TAG_VALUE": "off",
        # No cluster is touched, and the handler reads none of the cluster settings.
        "CLUSTER_COVERAGE": "none",
        "OWNER": "TestStack",
        "REPORT_PARAMETER": "/airs-onboarding/coverage/TestStack",
    }
    assert (construct.owner, construct.report_parameter_name) == ("TestStack", "/airs-onboarding/coverage/TestStack")
    assert COVERAGE_TAG_KEY == "airs-onboarding:coverage"


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"hourly_partitions": False}, {"PER_HOUR_PARTITION": "false"}),
        ({"file_format": FlowLogFileFormat.PARQUET}, {"FILE_FORMAT": "parquet"}),
        ({"file_format": "parquet"}, {"FILE_FORMAT": "parquet"}),
        ({"max_aggregation_interval": FlowLogAggregationInterval.ONE_MINUTE}, {"MAX_AGGREGATION_INTERVAL": "60"}),
        ({"max_aggregation_interval": 60}, {"MAX_AGGREGATION_INTERVAL": "60"}),
        (
            {"include_ecs_fields": True},
            {"LOG_FORMAT": STANDARD_FORMAT + "".join(f" ${{{field}}}" for field in ECS_FIELDS)},
        ),
        ({"exclude_tag": None}, {"EXCLUDE_TAG_KEY": "", "EXCLUDE_TAG_VALUE": ""}),
        ({"exclude_tag": ("coverage", "")}, {"EXCLUDE_TAG_KEY": "coverage", "EXCLUDE_TAG_VALUE": ""}),
        (
            {"owner": "platform-team"},
            {"OWNER": "platform-team", "REPORT_PARAMETER": "/airs-onboarding/coverage/platform-team"},
        ),
        (
            {"owner": "team a", "report_parameter_name": "/ops/flow-logs"},
            {"OWNER": "team a", "REPORT_PARAMETER": "/ops/flow-logs"},
        ),
        ({"report_parameter_name": "/ops/flow-logs"}, {"REPORT_PARAMETER": "/ops/flow-logs"}),
    ],
    ids=[
        "daily",
        "parquet",
        "parquet-text",
        "one-minute",
        "one-minute-int",
        "ecs-fields",
        "no-exclude-tag",
        "exclude-tag-empty-value",
        "owner",
        "owner-with-report",
        "report",
    ],
)
def test_each_prop_reaches_the_handler_and_the_custom_resource(props: dict[str, Any], expected: dict[str, str]) -> None:
    default_stack, stack = new_stack(), new_stack()
    defaults = environment(default_stack, coverage(default_stack))
    construct = coverage(stack, **props)
    settings = environment(stack, construct)
    assert {k: v for k, v in settings.items() if defaults[k] != v} == expected
    # The custom resource carries a copy, so that CloudFormation sends an Update (a new sweep) on any change.
    assert resource(stack, construct.custom_resource)["Properties"]["Settings"] == settings


def test_the_log_format_is_the_one_flow_logs_writes() -> None:
    stack = new_stack()
    pairs = [
        (
            coverage(stack, f"Ecs{ecs}", include_ecs_fields=ecs),
            FlowLogs(
                stack, f"FlowLogs{ecs}", bucket=s3.Bucket(stack, f"B{ecs}"), vpc_ids=[VPC], include_ecs_fields=ecs
            ),
        )
        for ecs in (False, True)
    ]
    for construct, flow_logs in pairs:
        assert environment(stack, construct)["LOG_FORMAT"] == flow_logs.log_format


def test_the_custom_resource_serves_the_settings_to_the_function() -> None:
    stack = new_stack()
    construct = coverage(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::EstateCoverage", 1)
    custom = resource(stack, construct.custom_resource)
    assert custom["Type"] == "Custom::EstateCoverage"
    assert custom["Properties"] == {
        "ServiceToken": {"Fn::GetAtt": [logical_id(stack, construct.function), "Arn"]},
        # A function that dies without answering fails the deployment after 20 minutes, not an hour.
        "ServiceTimeout": "1200",
        "Settings": environment(stack, construct),
    }


def test_the_first_sweep_waits_for_the_role_policy_and_the_bucket_policy() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "Logs", enforce_ssl=True)
    construct = coverage(stack, bucket=bucket)
    [policy] = Template.from_stack(stack).find_resources("AWS::IAM::ManagedPolicy")
    assert bucket.policy is not None
    assert sorted(resource(stack, construct.custom_resource)["DependsOn"]) == sorted(
        [policy, logical_id(stack, bucket.policy)]
    )


def test_a_bucket_of_the_app_gets_the_log_delivery_statements() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "Logs", enforce_ssl=True)
    coverage(stack, bucket=bucket)
    bucket_arn = {"Fn::GetAtt": [logical_id(stack, bucket), "Arn"]}
    conditions = {
        "StringEquals": {"aws:SourceAccount": "111111111111"},
        "ArnLike": {"aws:SourceArn": arn("logs:us-east-1:111111111111:*")},
    }
    delivery = {"Service": "delivery.logs.amazonaws.com"}
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": logical_id(stack, bucket)},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        {
                            "Effect": "Allow",
                            "Principal": delivery,
                            "Action": "s3:PutObject",
                            "Resource": {"Fn::Join": ["", [bucket_arn, "/AWSLogs/111111111111/*"]]},
                            "Condition": {
                                "StringEquals": {
                                    "s3:x-amz-acl": "bucket-owner-full-control",
                                    "aws:SourceAccount": "111111111111",
                                },
                                "ArnLike": conditions["ArnLike"],
                            },
                        },
                        {
                            "Effect": "Allow",
                            "Principal": delivery,
                            "Action": ["s3:GetBucketAcl", "s3:ListBucket"],
                            "Resource": bucket_arn,
                            "Condition": conditions,
                        },
                    ]
                )
            },
        },
    )


def test_an_imported_bucket_policy_is_never_written() -> None:
    stack = new_stack()
    construct = coverage(stack, bucket=s3.Bucket.from_bucket_name(stack, "Existing", "customer-logs"))
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::BucketPolicy", 0)
    template.resource_count_is("AWS::S3::Bucket", 0)
    assert environment(stack, construct)["BUCKET_ARN"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::customer-logs"]]
    }
    [policy] = template.find_resources("AWS::IAM::ManagedPolicy")
    assert resource(stack, construct.custom_resource)["DependsOn"] == [policy]


# --- the triggers ---------------------------------------------------------------------------------------------


def _invokes(stack: Stack, construct: EstateCoverage, rule: Any) -> None:
    """``rule`` targets the function, which lets exactly that rule invoke it."""
    function_arn = {"Fn::GetAtt": [logical_id(stack, construct.function), "Arn"]}
    rule_resource = resource(stack, rule)
    assert [t["Arn"] for t in rule_resource["Properties"]["Targets"]] == [function_arn]
    assert rule_resource["Properties"]["State"] == "ENABLED"
    Template.from_stack(stack).has_resource_properties(
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": function_arn,
            "Principal": "events.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [logical_id(stack, rule), "Arn"]},
        },
    )


@pytest.mark.parametrize(
    ("interval", "expression"),
    [
        (None, "rate(1 hour)"),
        (Duration.minutes(5), "rate(5 minutes)"),
        (Duration.minutes(90), "rate(90 minutes)"),
        (Duration.hours(24), "rate(1 day)"),
    ],
    ids=["default-hourly", "five-minutes", "ninety-minutes", "one-day"],
)
def test_the_schedule_sweeps_every_interval(interval: Duration | None, expression: str) -> None:
    stack = new_stack()
    construct = coverage(stack, **({} if interval is None else {"sweep_interval": interval}))
    assert resource(stack, construct.schedule)["Properties"]["ScheduleExpression"] == expression
    _invokes(stack, construct, construct.schedule)


def test_vpc_changes_recorded_by_cloudtrail_start_a_sweep() -> None:
    stack = new_stack()
    construct = coverage(stack)
    assert resource(stack, construct.estate_events)["Properties"]["EventPattern"] == {
        "source": ["aws.ec2"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["ec2.amazonaws.com"],
            "$or": [
                {"eventName": ["CreateVpc", "DeleteVpc"]},
                {
                    "eventName": ["CreateTags", "DeleteTags"],
                    "requestParameters": {"resourcesSet": {"items": {"resourceId": [{"prefix": "vpc-"}]}}},
                },
            ],
        },
    }
    _invokes(stack, construct, construct.estate_events)
    Template.from_stack(stack).resource_count_is("AWS::Events::Rule", 2)
    Template.from_stack(stack).resource_count_is("AWS::Lambda::Permission", 2)


def test_the_rules_come_after_and_go_before_the_custom_resource() -> None:
    """No sweep starts before the first one, nor after the custom resource's Delete removed the flow logs."""
    stack = new_stack()
    construct = coverage(stack)
    custom = logical_id(stack, construct.custom_resource)
    for rule in (construct.schedule, construct.estate_events):
        assert resource(stack, rule)["DependsOn"] == [custom]
    for permission in Template.from_stack(stack).find_resources("AWS::Lambda::Permission").values():
        assert permission["DependsOn"] == [custom]


def test_the_docstring_says_the_schedule_is_the_guarantee() -> None:
    doc = inspect.getdoc(EstateCoverage) or ""
    assert "best effort" in doc and "the guarantee" in doc


# --- least privilege --------------------------------------------------------------------------------------


def test_the_role_may_do_exactly_what_the_sweep_needs() -> None:
    stack = new_stack()
    construct = coverage(stack)
    vpcs = arn("ec2:us-east-1:111111111111:vpc/*")
    flow_logs = arn("ec2:us-east-1:111111111111:vpc-flow-log/*")
    report = "ssm:us-east-1:111111111111:parameter/airs-onboarding/coverage/TestStack"
    own_request = {"StringEquals": {"aws:RequestTag/airs-onboarding:coverage": "TestStack"}}
    assert permissions(stack, construct) == (
        # No resource-level permissions exist for these two.
        grants(("ec2:DescribeVpcs", "ec2:DescribeFlowLogs"), ("*",))
        | grants(("ec2:CreateFlowLogs",), (vpcs, flow_logs), own_request)
        # Tagging only as part of CreateFlowLogs, never an existing resource.
        | grants(("ec2:CreateTags",), (flow_logs,), {"StringEquals": {"ec2:CreateAction": "CreateFlowLogs"}})
        # Only flow logs it created: they carry its owner tag.
        | grants(
            ("ec2:DeleteFlowLogs",),
            (flow_logs,),
            {"StringEquals": {"aws:ResourceTag/airs-onboarding:coverage": "TestStack"}},
        )
        # What the VPC User Guide lists for an IAM principal that creates flow logs to S3.
        | grants(("logs:CreateLogDelivery", "logs:DeleteLogDelivery"), ("*",))
        | grants(SSM_ACTIONS, (arn(report), arn(f"{report}/lease")))
        | grants(
            ("logs:CreateLogStream", "logs:PutLogEvents"),
            ({"Fn::GetAtt": [logical_id(stack, construct.log_group), "Arn"]},),
        )
        # Undoing cluster coverage an Update switched off (tests/constructs/test_estate_coverage_clusters.py).
        | _revert_grants()
    )


def _revert_grants(**kwargs: str) -> set[tuple[str, str, str]]:
    from tests.constructs.test_estate_coverage_clusters import revert_grants

    return revert_grants(**kwargs)


def test_the_role_is_for_lambda_and_carries_no_inline_policy() -> None:
    stack = new_stack()
    construct = coverage(stack)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::IAM::Policy", 0)
    [policy] = template.find_resources("AWS::IAM::ManagedPolicy").values()
    assert policy["Properties"]["Roles"] == [{"Ref": logical_id(stack, construct.role)}]
    role = resource(stack, construct.role)["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}
    ]
    assert "ManagedPolicyArns" not in role and "Policies" not in role


def test_owner_and_report_parameter_scope_the_permissions() -> None:
    stack = new_stack()
    construct = coverage(stack, owner="platform", report_parameter_name="/ops/coverage/report")
    granted = permissions(stack, construct)
    report = "ssm:us-east-1:111111111111:parameter/ops/coverage/report"
    assert {(a, r) for a, r, _ in granted if a.startswith("ssm:")} == {
        (a, r)
        for a, r, _ in grants(SSM_ACTIONS, (arn(report), arn(f"{report}/lease")))
        | _revert_grants(owner="platform", report=report)
        if a.startswith("ssm:")
    }
    conditions = {json.dumps(json.loads(c)) for a, _, c in granted if a in ("ec2:CreateFlowLogs", "ec2:DeleteFlowLogs")}
    assert conditions == {
        json.dumps({"StringEquals": {"aws:RequestTag/airs-onboarding:coverage": "platform"}}),
        json.dumps({"StringEquals": {"aws:ResourceTag/airs-onboarding:coverage": "platform"}}),
    }


def test_an_environment_agnostic_stack_names_its_region_and_account_at_deploy_time() -> None:
    stack = new_stack(region=None, account=None)
    construct = coverage(stack)
    granted = permissions(stack, construct)
    partition, region, account = ({"Ref": f"AWS::{name}"} for name in ("Partition", "Region", "AccountId"))
    vpcs = {"Fn::Join": ["", ["arn:", partition, ":ec2:", region, ":", account, ":vpc/*"]]}
    report = {
        "Fn::Join": [
            "",
            ["arn:", partition, ":ssm:", region, ":", account, ":parameter/airs-onboarding/coverage/TestStack"],
        ]
    }
    assert ("ec2:CreateFlowLogs", json.dumps(vpcs, sort_keys=True)) in {(a, r) for a, r, _ in granted}
    assert ("ssm:PutParameter", json.dumps(report, sort_keys=True)) in {(a, r) for a, r, _ in granted}


def test_deploy_time_values_are_taken_unchecked() -> None:
    stack = new_stack()
    owner = CfnParameter(stack, "Owner").value_as_string
    report = CfnParameter(stack, "Report").value_as_string
    key, value = CfnParameter(stack, "Key").value_as_string, CfnParameter(stack, "Value").value_as_string
    minutes = CfnParameter(stack, "Minutes", type="Number").value_as_number
    construct = coverage(
        stack,
        owner=owner,
        report_parameter_name=report,
        exclude_tag=(key, value),
        sweep_interval=Duration.minutes(minutes),
    )
    settings = environment(stack, construct)
    assert (settings["OWNER"], settings["REPORT_PARAMETER"]) == ({"Ref": "Owner"}, {"Ref": "Report"})
    assert (settings["EXCLUDE_TAG_KEY"], settings["EXCLUDE_TAG_VALUE"]) == ({"Ref": "Key"}, {"Ref": "Value"})
    assert resource(stack, construct.schedule)["Properties"]["ScheduleExpression"] == {
        "Fn::Join": ["", ["rate(", {"Ref": "Minutes"}, " minutes)"]]
    }
    conditions = [json.loads(c) for a, _, c in permissions(stack, construct) if a == "ec2:DeleteFlowLogs"]
    assert conditions == [{"StringEquals": {"aws:ResourceTag/airs-onboarding:coverage": {"Ref": "Owner"}}}]


def test_a_deploy_time_owner_names_the_default_report_parameter() -> None:
    stack = new_stack()
    construct = coverage(stack, owner=CfnParameter(stack, "Owner").value_as_string)
    assert environment(stack, construct)["REPORT_PARAMETER"] == {
        "Fn::Join": ["", ["/airs-onboarding/coverage/", {"Ref": "Owner"}]]
    }


# --- the log group's key --------------------------------------------------------------------------------------


def test_a_key_of_the_app_encrypts_the_log_group_and_lets_cloudwatch_logs_use_it() -> None:
    stack = new_stack()
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    construct = coverage(stack, log_group_encryption_key=key)
    assert resource(stack, construct.log_group)["Properties"]["KmsKeyId"] == {
        "Fn::GetAtt": [logical_id(stack, key), "Arn"]
    }
    Template.from_stack(stack).has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "AllowCloudWatchLogsToUseTheKey",
                                "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
                                "Condition": {
                                    "ArnLike": {
                                        "kms:EncryptionContext:aws:logs:arn": arn(
                                            "logs:us-east-1:111111111111:log-group:*"
                                        )
                                    }
                                },
                            }
                        )
                    ]
                )
            }
        },
    )
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("importedLogGroupKmsKey"))
    assert "NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted" not in acknowledged(
        construct.log_group.node.default_child
    )
    assert "CKV_AWS_158" not in checkov_skips(stack, construct.log_group)


def test_an_imported_key_encrypts_the_log_group_and_synth_warns_about_its_policy() -> None:
    stack = new_stack()
    construct = coverage(stack, log_group_encryption_key=kms.Key.from_key_arn(stack, "LogKey", KEY_ARN))
    assert resource(stack, construct.log_group)["Properties"]["KmsKeyId"] == KEY_ARN
    [warning] = Annotations.from_stack(stack).find_warning("/TestStack/Coverage", Match.any_value())
    message = str(warning.entry.data)
    assert f"The key policy of {KEY_ARN} is not managed here: it must allow logs.us-east-1.amazonaws.com" in message
    assert "estate coverage function's log group" in message
    assert "[ack: airs-onboarding:importedLogGroupKmsKey]" in message


# --- the public surface ----------------------------------------------------------------------------------


def test_the_signature_is_keyword_only_with_the_stated_defaults() -> None:
    signature = inspect.signature(EstateCoverage)
    parameters = signature.parameters
    assert list(parameters) == [
        "scope",
        "construct_id",
        "bucket",
        "exclude_tag",
        "sweep_interval",
        "hourly_partitions",
        "file_format",
        "max_aggregation_interval",
        "include_ecs_fields",
        "cluster_coverage",
        "discovery_role_arn",
        "opt_in_tag",
        "public_endpoint_tag",
        "allowed_cidrs",
        "access_policy",
        "owner",
        "report_parameter_name",
        "log_group_encryption_key",
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(parameters.values())[2:])
    defaults = {name: p.default for name, p in parameters.items() if p.default is not inspect.Parameter.empty}
    sweep = defaults.pop("sweep_interval")
    assert sweep.to_minutes() == 60
    assert defaults == {
        "bucket": None,
        "exclude_tag": ("airs-discovery", "off"),
        "hourly_partitions": True,
        "file_format": FlowLogFileFormat.PLAIN_TEXT,
        "max_aggregation_interval": FlowLogAggregationInterval.TEN_MINUTES,
        "include_ecs_fields": False,
        "cluster_coverage": None,
        "discovery_role_arn": None,
        "opt_in_tag": ("airs-discovery", "on"),
        "public_endpoint_tag": ("airs-discovery-public-endpoint", "allow"),
        "allowed_cidrs": ("34.71.64.3/32", "34.28.60.186/32"),
        "access_policy": "AmazonEKSViewPolicy",
        "owner": None,
        "report_parameter_name": None,
        "log_group_encryption_key": None,
    }
    init_doc = inspect.getdoc(EstateCoverage.__init__) or ""
    for name in list(parameters)[2:]:
        assert f":param {name}:" in init_doc, name


def test_the_attributes_are_read_only_and_typed_by_interface() -> None:
    stack = new_stack()
    construct = coverage(stack)
    expected_types = {
        "function": "IFunction",
        "role": "IRole",
        "custom_resource": "CfnResource",
        "schedule": "IRule",
        "estate_events": "IRule | NoneType",
        "cluster_events": "IRule | NoneType",
        "report_parameter_name": "str",
        "owner": "str",
        "log_group": "ILogGroup",
    }
    for name, type_name in expected_types.items():
        attribute = inspect.getattr_static(EstateCoverage, name)
        assert isinstance(attribute, property) and attribute.fget is not None and attribute.fset is None, name
        returned = inspect.get_annotations(attribute.fget, eval_str=True)["return"]
        assert " | ".join(t.__name__ for t in typing.get_args(returned) or [returned]) == type_name, name
        with pytest.raises(AttributeError):
            setattr(construct, name, None)
    assert construct.custom_resource.cfn_resource_type == "Custom::EstateCoverage"


def test_construct_ids_are_stable() -> None:
    stack = new_stack()
    construct = coverage(stack)
    assert {
        name: getattr(construct, name).node.path
        for name in ("function", "role", "custom_resource", "schedule", "estate_events", "log_group")
    } == {
        "function": "TestStack/Coverage/Function",
        "role": "TestStack/Coverage/Role",
        "custom_resource": "TestStack/Coverage/Coverage",
        "schedule": "TestStack/Coverage/Schedule",
        "estate_events": "TestStack/Coverage/EstateEvents",
        "log_group": "TestStack/Coverage/LogGroup",
    }
    assert construct.node.find_child("Policy").node.path == "TestStack/Coverage/Policy"


def test_two_owners_in_one_stack_do_not_share_anything() -> None:
    stack = new_stack()
    first = coverage(stack, "Prod", owner="prod")
    second = coverage(stack, "Audit", owner="audit")
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::EstateCoverage", 2)
    template.resource_count_is("AWS::Lambda::Function", 2)
    assert {environment(stack, c)["REPORT_PARAMETER"] for c in (first, second)} == {
        "/airs-onboarding/coverage/prod",
        "/airs-onboarding/coverage/audit",
    }


# --- the gates -----------------------------------------------------------------------------------------------


def _gated_app(tmp_path: Path, env: Environment | None, bucket: str) -> tuple[App, EstateCoverage]:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    stack = Stack(app, "Coverage", env=env)
    if bucket == "new":
        target: s3.IBucket = FlowLogBucket(stack, "Bucket").bucket
    else:
        target = s3.Bucket.from_bucket_name(stack, "Bucket", "customer-owned-flow-logs")
    return app, EstateCoverage(stack, "Coverage", bucket=target)


@pytest.mark.parametrize("bucket", ["new", "imported"])
@pytest.mark.parametrize(
    "env", [Environment(region="us-east-1", account="111111111111"), None], ids=["env", "agnostic"]
)
def test_passes_cdk_nag_and_cfn_lint(tmp_path: Path, env: Environment | None, bucket: str) -> None:
    app, _ = _gated_app(tmp_path, env, bucket)
    app.synth()  # raises on any unacknowledged AwsSolutions or NIST 800-53 R5 finding
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert {plugin["pluginName"]: plugin["conclusion"] for plugin in report["pluginReports"]} == {
        "AwsSolutions": "success",
        "NIST.800.53.R5": "success",
    }
    assert [str(m) for m in lint_file(tmp_path / "Coverage.template.json")] == []


def test_passes_cdk_nag_with_a_log_group_key(tmp_path: Path) -> None:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    stack = Stack(app, "Coverage", env=Environment(region="us-east-1", account="111111111111"))
    key = kms.Key(stack, "LogKey", enable_key_rotation=True)
    EstateCoverage(stack, "Coverage", bucket=FlowLogBucket(stack, "Bucket").bucket, log_group_encryption_key=key)
    app.synth()
    assert [str(m) for m in lint_file(tmp_path / "Coverage.template.json")] == []


def test_each_finding_is_acknowledged_on_its_resource_with_a_reason(tmp_path: Path) -> None:
    app, construct = _gated_app(tmp_path, Environment(region="us-east-1", account="111111111111"), "new")
    policy = construct.node.find_child("Policy").node.default_child
    findings = {
        path: sorted(acknowledged(c))
        for c in construct.node.find_all()
        if isinstance(c, CfnResource) and (path := c.node.path) and acknowledged(c)
    }
    assert findings == {
        "Coverage/Coverage/Function/Resource": [
            "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC",
        ],
        "Coverage/Coverage/LogGroup/Resource": ["NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted"],
        "Coverage/Coverage/Policy/Resource": [
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:ec2:us-east-1:111111111111:vpc-flow-log/*]",
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:ec2:us-east-1:111111111111:vpc/*]",
            # Undoing cluster coverage an Update switched off: only what carries the owner's marker.
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:eks:us-east-1:111111111111:access-entry/*/*]",
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:eks:us-east-1:111111111111:cluster/*]",
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:ssm:us-east-1:111111111111:parameter/airs-onboarding"
            "/coverage/Coverage/clusters/*]",
        ],
    }
    reasons = acknowledged(policy)
    wildcard = reasons["AwsSolutions::AwsSolutions-IAM5[Resource::*]"]
    assert "ec2:DescribeVpcs" in wildcard and "no resource-level permissions" in wildcard
    assert "logs:CreateLogDelivery" in wildcard and "VPC User Guide" in wildcard
    app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    # Each acknowledgment answers a finding the packs really raise: none is dead.
    suppressed = {
        (violation["acknowledgedId"], construct_["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin.get("suppressedViolations", [])
        for construct_ in violation["violatingConstructs"]
    }
    for path, ids in findings.items():
        for finding in ids:
            assert (finding, path) in suppressed, (finding, path)


def test_checkov_skips_carry_reasons() -> None:
    stack = new_stack()
    construct = coverage(stack)
    assert sorted(checkov_skips(stack, construct.function)) == [
        "CKV_AWS_115",
        "CKV_AWS_116",
        "CKV_AWS_117",
        "CKV_AWS_173",
        "CKV_AWS_45",
    ]
    assert sorted(checkov_skips(stack, construct.log_group)) == ["CKV_AWS_158"]
    for construct_ in (construct.function, construct.log_group):
        assert all(len(reason) > 40 for reason in checkov_skips(stack, construct_).values())
    assert resource(stack, construct.function)["Metadata"]["cfn-lint"]["config"]["ignore_checks"] == ["W3005"]


@pytest.mark.slow
def test_passes_checkov(tmp_path: Path) -> None:
    from tests.gates.test_checkov import _checks, _scan

    templates = tmp_path / "templates"
    templates.mkdir()
    for env, bucket in ((Environment(region="us-east-1", account="111111111111"), "new"), (None, "imported")):
        out = tmp_path / f"{bucket}"
        app, _ = _gated_app(out, env, bucket)
        app.synth()
        (templates / f"{bucket}.template.json").write_text((out / "Coverage.template.json").read_text())
    reports = _scan(templates)
    assert [f"{c['check_id']} {c['resource']}" for c in _checks(reports, "failed_checks")] == []
    assert sum(r["summary"]["passed"] for r in reports) > 0
    skipped = {c["check_id"] for c in _checks(reports, "skipped_checks")}
    assert skipped >= {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_158", "CKV_AWS_173"}


# --- every error message ----------------------------------------------------------------------------------

_SWEEP_EXPECTED = "is not a sweep interval (expected 5 to 1440 whole minutes)"
_OWNER_EXPECTED = "is not an owner (expected 1 to 256 letters, digits, spaces and _.:/=+-@, as a tag value)"
_REPORT_EXPECTED = (
    "is not an SSM parameter name for the report (expected '/' and up to 14 '/'-separated parts of letters,"
    " digits and _.-, at most 900 characters, the first part not starting with 'aws' or 'ssm')"
)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"exclude_tag": ("", "off")}, "exclude_tag: key '' is not a tag key (expected 1 to 128 characters)"),
        (
            {"exclude_tag": ("k" * 129, "off")},
            f"exclude_tag: key '{'k' * 129}' is not a tag key (expected 1 to 128 characters)",
        ),
        (
            {"exclude_tag": ("aws:coverage", "off")},
            "exclude_tag: key 'aws:coverage' starts with 'aws:', which AWS reserves for its own tags",
        ),
        (
            {"exclude_tag": ("AWS:Coverage", "off")},
            "exclude_tag: key 'AWS:Coverage' starts with 'aws:', which AWS reserves for its own tags",
        ),
        (
            {"exclude_tag": ("coverage", "v" * 257)},
            f"exclude_tag: value '{'v' * 257}' is not a tag value (expected at most 256 characters)",
        ),
        (
            {"exclude_tag": "airs-discovery=off"},
            "exclude_tag: 'airs-discovery=off' is not a tag (expected a (key, value) pair of strings, or None to"
            " cover every VPC)",
        ),
        (
            {"exclude_tag": ("airs-discovery",)},
            "exclude_tag: ('airs-discovery',) is not a tag (expected a (key, value) pair of strings, or None to"
            " cover every VPC)",
        ),
        ({"sweep_interval": Duration.minutes(4)}, f"sweep_interval: 4 minutes {_SWEEP_EXPECTED}"),
        ({"sweep_interval": Duration.minutes(1441)}, f"sweep_interval: 1 day 1 minute {_SWEEP_EXPECTED}"),
        ({"sweep_interval": Duration.seconds(330)}, f"sweep_interval: 5 minutes 30 seconds {_SWEEP_EXPECTED}"),
        (
            {"sweep_interval": 60},
            "sweep_interval: 60 is not a Duration (expected 5 to 1440 whole minutes, e.g. Duration.minutes(60))",
        ),
        (
            {"file_format": "csv"},
            "file_format: 'csv' is not a flow log file format (expected 'plain-text' or 'parquet')",
        ),
        (
            {"max_aggregation_interval": 300},
            "max_aggregation_interval: 300 is not an aggregation interval (expected 60 or 600, a whole number of"
            " seconds)",
        ),
        ({"owner": ""}, f"owner: '' {_OWNER_EXPECTED}"),
        ({"owner": "team#1"}, f"owner: 'team#1' {_OWNER_EXPECTED}"),
        ({"owner": "o" * 257}, f"owner: '{'o' * 257}' {_OWNER_EXPECTED}"),
        (
            {"owner": "team a"},
            "owner: 'team a' cannot name the default report parameter: '/airs-onboarding/coverage/team a'"
            f" {_REPORT_EXPECTED}; pass report_parameter_name",
        ),
        ({"report_parameter_name": "airs/report"}, f"report_parameter_name: 'airs/report' {_REPORT_EXPECTED}"),
        ({"report_parameter_name": "/"}, f"report_parameter_name: '/' {_REPORT_EXPECTED}"),
        ({"report_parameter_name": "/ops//report"}, f"report_parameter_name: '/ops//report' {_REPORT_EXPECTED}"),
        ({"report_parameter_name": "/ops/report/"}, f"report_parameter_name: '/ops/report/' {_REPORT_EXPECTED}"),
        ({"report_parameter_name": "/ops/my report"}, f"report_parameter_name: '/ops/my report' {_REPORT_EXPECTED}"),
        ({"report_parameter_name": "/aws/coverage"}, f"report_parameter_name: '/aws/coverage' {_REPORT_EXPECTED}"),
        ({"report_parameter_name": "/SSM-coverage"}, f"report_parameter_name: '/SSM-coverage' {_REPORT_EXPECTED}"),
        (
            {"report_parameter_name": "/a" * 15},
            f"report_parameter_name: '{'/a' * 15}' {_REPORT_EXPECTED}",
        ),
        (
            {"report_parameter_name": "/" + "r" * 900},
            f"report_parameter_name: '/{'r' * 900}' {_REPORT_EXPECTED}",
        ),
    ],
    ids=[
        "tag-key-empty",
        "tag-key-long",
        "tag-key-aws",
        "tag-key-aws-upper",
        "tag-value-long",
        "tag-one-string",
        "tag-one-item",
        "sweep-short",
        "sweep-long",
        "sweep-seconds",
        "sweep-not-duration",
        "file-format",
        "aggregation",
        "owner-empty",
        "owner-characters",
        "owner-long",
        "owner-default-report",
        "report-relative",
        "report-root",
        "report-empty-part",
        "report-trailing-slash",
        "report-space",
        "report-aws",
        "report-ssm",
        "report-deep",
        "report-long",
    ],
)
def test_invalid_props_are_refused(props: dict[str, Any], message: str) -> None:
    assert_refused(lambda: coverage(new_stack(), **props), "TestStack/Coverage", message)


@pytest.mark.parametrize(
    "props",
    [
        {"sweep_interval": Duration.minutes(5)},
        {"sweep_interval": Duration.minutes(1440)},
        {"sweep_interval": Duration.seconds(600)},
        {"exclude_tag": ("k" * 128, "v" * 256)},
        {"exclude_tag": ("awsome", "")},
        {"owner": "Team A: platform/net @ eu-west-1 = +1_.", "report_parameter_name": "/ops/report"},
        {"owner": "équipe-réseau", "report_parameter_name": "/ops/report"},
        {"owner": "o" * 256, "report_parameter_name": "/ops/report"},
        {"report_parameter_name": "/a" * 14},
        {"report_parameter_name": "/" + "r" * 899},
        {"report_parameter_name": "/ops/awsome"},
        {"exclude_tag": ["airs-discovery", "off"]},
    ],
    ids=[
        "sweep-5",
        "sweep-1440",
        "sweep-in-seconds",
        "tag-limits",
        "tag-key-aws-like",
        "owner-punctuation",
        "owner-unicode",
        "owner-256",
        "report-14-levels",
        "report-900",
        "report-aws-below-the-root",
        "tag-as-list",
    ],
)
def test_values_at_the_limits_are_accepted(props: dict[str, Any]) -> None:
    coverage(new_stack(), **props)


def test_every_problem_is_reported_at_once() -> None:
    error = props_error(
        lambda: coverage(
            new_stack(),
            exclude_tag=("aws:x", "v" * 257),
            sweep_interval=Duration.minutes(2),
            file_format="csv",
            max_aggregation_interval=300,
            owner="",
            report_parameter_name="report",
        )
    )
    assert error.problems == (
        "exclude_tag: key 'aws:x' starts with 'aws:', which AWS reserves for its own tags",
        f"exclude_tag: value '{'v' * 257}' is not a tag value (expected at most 256 characters)",
        f"sweep_interval: 2 minutes {_SWEEP_EXPECTED}",
        "file_format: 'csv' is not a flow log file format (expected 'plain-text' or 'parquet')",
        "max_aggregation_interval: 300 is not an aggregation interval (expected 60 or 600, a whole number of seconds)",
        f"owner: '' {_OWNER_EXPECTED}",
        f"report_parameter_name: 'report' {_REPORT_EXPECTED}",
    )
