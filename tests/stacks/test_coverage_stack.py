"""``flow_logs.coverage: all-vpcs``: the account stack and the StackSet member template compose
``EstateCoverage`` (no per-id flow logs, no shard stacks, no subnet or VPC slots), with the flow-log
options, bucket and log group key of the config, and name the coverage report in an output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from onboarding_constructs import EstateCoverage
from stacks import AccountOnboardingStack, OrgOnboardingStack
from stacks.account_onboarding_stack import COVERAGE_REPORT
from tests.synth import Synthesized, synthesize

ACCOUNT = "111111111111"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::222222222222:role/airs-discovery"
OU = "ou-abcd-12345678"


def all_vpcs(**flow_logs: Any) -> dict[str, Any]:
    return {"region": "us-east-1", "stack_name": "AirsCoverage", "flow_logs": {"coverage": "all-vpcs", **flow_logs}}


def org_all_vpcs(**extra: Any) -> dict[str, Any]:
    return all_vpcs() | {
        "stack_name": "AirsOrgCoverage",
        "organization": {"organizational_units": [OU], "regions": ["us-east-1", "eu-west-1"]},
        **extra,
    }


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(all_vpcs(), tmp_path_factory.mktemp("all-vpcs"))


@pytest.fixture(scope="module")
def organization(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(org_all_vpcs(), tmp_path_factory.mktemp("org-all-vpcs"))


def account_stack(result: Synthesized) -> AccountOnboardingStack:
    assert isinstance(result.stack, AccountOnboardingStack)
    return result.stack


def settings(template: Template) -> dict[str, Any]:
    [resource] = template.find_resources("Custom::EstateCoverage").values()
    return resource["Properties"]["Settings"]


def bucket_arn(template: Template) -> dict[str, Any]:
    [bucket_id] = [
        logical_id
        for logical_id, resource in template.find_resources("AWS::S3::Bucket").items()
        if "FlowLogBucket" in logical_id and "Access" not in logical_id
    ]
    return {"Fn::GetAtt": [bucket_id, "Arn"]}


# --- the account stack --------------------------------------------------------------------------------------


def test_all_vpcs_composes_coverage_instead_of_flow_logs(account: Synthesized) -> None:
    stack = account_stack(account)
    assert isinstance(stack.estate_coverage, EstateCoverage)
    assert stack.estate_coverage.node.id == "EstateCoverage"
    assert stack.flow_logs is None
    assert stack.sharded_flow_logs is None
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::FlowLog", 0)
    template.resource_count_is("Custom::EstateCoverage", 1)


def test_coverage_writes_to_the_stacks_bucket_with_the_default_options(account: Synthesized) -> None:
    template = Template.from_stack(account_stack(account))
    template.has_resource_properties(
        "Custom::EstateCoverage",
        {
            "Settings": Match.object_like(
                {
                    "BUCKET_ARN": bucket_arn(template),
                    "FILE_FORMAT": "plain-text",
                    "PER_HOUR_PARTITION": "true",
                    "MAX_AGGREGATION_INTERVAL": "600",
                    "EXCLUDE_TAG_KEY": "airs-discovery",
                    "EXCLUDE_TAG_VALUE": "off",
                    "OWNER": "AirsCoverage",
                    "REPORT_PARAMETER": "/airs-onboarding/coverage/AirsCoverage",
                }
            )
        },
    )
    assert "${ecs-cluster-name}" not in settings(template)["LOG_FORMAT"]
    template.has_resource_properties(
        "AWS::Events::Rule",
        {"ScheduleExpression": "rate(1 hour)", "Targets": [Match.object_like({"Arn": Match.any_value()})]},
    )


def test_the_report_parameter_is_an_output(account: Synthesized) -> None:
    coverage = account_stack(account).estate_coverage
    assert coverage is not None
    assert coverage.report_parameter_name == "/airs-onboarding/coverage/AirsCoverage"
    Template.from_stack(account_stack(account)).has_output(
        "CoverageReport",
        {"Value": "/airs-onboarding/coverage/AirsCoverage", "Description": COVERAGE_REPORT},
    )
    assert COVERAGE_REPORT == "Estate coverage: SSM parameter with the coverage report (make verify shows it)"


def test_the_wizard_outputs_are_unchanged(account: Synthesized) -> None:
    outputs = account.template["Outputs"]
    assert list(outputs) == ["FlowLogBucketName", "FlowLogBucketArn", "Region", "CoverageReport"]


def test_every_flow_log_option_applies_to_coverage(tmp_path: Path) -> None:
    config = all_vpcs(
        exclude_tag={"key": "flow-logs", "value": ""},
        sweep_minutes=15,
        hourly_partitions=False,
        file_format="parquet",
        max_aggregation_seconds=60,
        include_ecs_fields=True,
    )
    template = Template.from_stack(synthesize(config, tmp_path).stack)
    found = settings(template)
    assert {key: found[key] for key in ("FILE_FORMAT", "PER_HOUR_PARTITION", "MAX_AGGREGATION_INTERVAL")} == {
        "FILE_FORMAT": "parquet",
        "PER_HOUR_PARTITION": "false",
        "MAX_AGGREGATION_INTERVAL": "60",
    }
    assert (found["EXCLUDE_TAG_KEY"], found["EXCLUDE_TAG_VALUE"]) == ("flow-logs", "")
    assert "${ecs-cluster-name}" in found["LOG_FORMAT"]
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(15 minutes)"})


def test_exclude_tag_null_covers_every_vpc(tmp_path: Path) -> None:
    found = settings(Template.from_stack(synthesize(all_vpcs(exclude_tag=None), tmp_path).stack))
    assert (found["EXCLUDE_TAG_KEY"], found["EXCLUDE_TAG_VALUE"]) == ("", "")


@pytest.mark.parametrize(("minutes", "expression"), [(5, "rate(5 minutes)"), (1440, "rate(1 day)")])
def test_sweep_minutes_is_the_schedule(minutes: int, expression: str, tmp_path: Path) -> None:
    template = Template.from_stack(synthesize(all_vpcs(sweep_minutes=minutes), tmp_path).stack)
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": expression})


def test_an_existing_bucket_is_the_destination(tmp_path: Path) -> None:
    config = all_vpcs(bucket={"existing_name": "customer-flow-logs"})
    template = Template.from_stack(synthesize(config, tmp_path).stack)
    assert settings(template)["BUCKET_ARN"] == "arn:aws:s3:::customer-flow-logs"
    template.resource_count_is("AWS::S3::Bucket", 0)


def test_an_sse_kms_bucket_is_the_destination(tmp_path: Path) -> None:
    config = all_vpcs(bucket={"kms_key_arn": KEY_ARN}) | {"account": ACCOUNT}
    template = Template.from_stack(synthesize(config, tmp_path).stack)
    assert settings(template)["BUCKET_ARN"] == bucket_arn(template)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like(
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN}}
                    )
                ]
            }
        },
    )


def test_the_log_group_key_is_the_eks_one(tmp_path: Path) -> None:
    config = all_vpcs() | {
        "account": ACCOUNT,
        "eks": {"discovery_role_arn": ROLE, "clusters": [{"name": "prod"}], "log_group_kms_key_arn": KEY_ARN},
    }
    stack = account_stack(synthesize(config, tmp_path))
    coverage = stack.estate_coverage
    assert coverage is not None
    template = Template.from_stack(stack)
    coverage_log_group = stack.get_logical_id(coverage.log_group.node.default_child)  # type: ignore[arg-type]
    assert template.find_resources("AWS::Logs::LogGroup")[coverage_log_group]["Properties"]["KmsKeyId"] == KEY_ARN
    # One key object for both handlers' log groups.
    assert [child.node.id for child in stack.node.children].count("EksLogGroupKey") == 1
    assert all(
        r["Properties"].get("KmsKeyId") == KEY_ARN for r in template.find_resources("AWS::Logs::LogGroup").values()
    )


def test_without_a_key_the_log_group_uses_cloudwatch_logs_encryption(account: Synthesized) -> None:
    log_groups = Template.from_stack(account_stack(account)).find_resources("AWS::Logs::LogGroup")
    assert log_groups and all("KmsKeyId" not in r["Properties"] for r in log_groups.values())


def test_all_vpcs_never_adds_shard_stacks(tmp_path: Path) -> None:
    """Coverage is a fixed set of resources, whatever the size of the estate."""
    result = synthesize(
        all_vpcs() | {"eks": {"discovery_role_arn": ROLE, "clusters": [{"name": f"c-{n}"} for n in range(30)]}},
        tmp_path,
    )
    manifest = json.loads((result.template_path.parent / "manifest.json").read_text())
    stacks = [a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"]
    assert [a["properties"]["templateFile"] for a in stacks] == ["AirsCoverage.template.json"]


def test_listed_coverage_has_no_coverage(tmp_path: Path) -> None:
    stack = account_stack(synthesize({"region": "us-east-1", "flow_logs": {"vpc_ids": ["vpc-0a1b2c3d"]}}, tmp_path))
    assert stack.estate_coverage is None
    assert stack.flow_logs is not None
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::EstateCoverage", 0)
    template.resource_count_is("AWS::EC2::FlowLog", 1)
    assert "CoverageReport" not in template.to_json().get("Outputs", {})


# --- the StackSet member template -----------------------------------------------------------------------


def test_the_member_template_carries_coverage_and_no_parameter(organization: Synthesized) -> None:
    assert isinstance(organization.stack, OrgOnboardingStack)
    member = organization.stack.member
    assert isinstance(member.estate_coverage, EstateCoverage)
    assert member.flow_logs is None and member.sharded_flow_logs is None
    template = Template.from_json(organization.member_template)
    template.resource_count_is("AWS::EC2::FlowLog", 0)
    template.resource_count_is("Custom::EstateCoverage", 1)
    assert "Parameters" not in organization.member_template
    assert "Conditions" not in organization.member_template


def test_every_member_account_reports_under_the_config_stack_name(organization: Synthesized) -> None:
    """StackSets name their stacks StackSet-<name>-<id>: the owner is the config's stack name instead, so
    ``make verify`` finds the report at the same name in every account and region."""
    template = Template.from_json(organization.member_template)
    assert {key: settings(template)[key] for key in ("OWNER", "REPORT_PARAMETER")} == {
        "OWNER": "AirsOrgCoverage",
        "REPORT_PARAMETER": "/airs-onboarding/coverage/AirsOrgCoverage",
    }
    assert settings(template)["BUCKET_ARN"] == bucket_arn(template)
    template.has_output(
        "CoverageReport",
        {"Value": "/airs-onboarding/coverage/AirsOrgCoverage", "Description": COVERAGE_REPORT},
    )


def test_the_member_template_with_coverage_needs_no_bootstrap(organization: Synthesized) -> None:
    member = organization.member_template
    text = json.dumps(member)
    assert "BootstrapVersion" not in text and "Rules" not in member and "Transform" not in member
    assert "cdk-hnb659fds" not in text and "aws:asset:path" not in text
    functions = [r for r in member["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert functions and all(set(f["Properties"]["Code"]) == {"ZipFile"} for f in functions)
