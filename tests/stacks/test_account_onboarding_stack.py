"""AccountOnboardingStack: composition from the config, outputs, tags, and one snapshot."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import CfnResource
from aws_cdk.assertions import Match, Template

from tests.conftest import EXAMPLE_CONFIG, flow_logs_with
from tests.synth import Synthesized, scrubbed, synthesize

KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(yaml.safe_load(EXAMPLE_CONFIG.read_text()), tmp_path_factory.mktemp("example"))


def synth(config: dict[str, Any], tmp_path: Path) -> Template:
    return Template.from_stack(synthesize(config, tmp_path).stack)


def test_example_snapshot(example: Synthesized, snapshot) -> None:
    """Logical ids are kept on purpose: a changed id means CloudFormation replaces the resource."""
    assert scrubbed(example.template) == snapshot


def test_stack_defines_no_resource_itself(example: Synthesized) -> None:
    stack = example.stack
    own = [child.node.id for child in stack.node.children if isinstance(child, CfnResource)]
    assert own == []
    resources = [c for c in stack.node.find_all() if isinstance(c, CfnResource)]
    assert {r.node.path.split("/")[1] for r in resources} == {
        "FlowLogBucket",
        "FlowLogs",
        "Eks-prod-eks",
        "EksClusterAccessHandler",  # the singleton handler EksDiscoveryAccess shares per stack
        "BedrockAuditTrail",
        "BedrockInvokerInstanceRole",
        "Pod-prod-eks-app1-app1-sa",
        "DiscoveryRole",
    }


def test_example_resources(example: Synthesized) -> None:
    template = Template.from_stack(example.stack)
    template.resource_count_is("AWS::S3::Bucket", 4)
    template.resource_count_is("AWS::S3::BucketPolicy", 4)
    template.resource_count_is("AWS::EC2::FlowLog", 2)
    assert example.stack.region == "us-east-1"
    assert example.stack.stack_name == "AirsOnboarding"


def test_outputs_for_the_onboarding_wizard(example: Synthesized) -> None:
    template = Template.from_stack(example.stack)
    stack = example.stack
    bucket_id = stack.resolve(stack.get_logical_id(stack.flow_log_bucket.bucket.node.default_child))
    template.has_output(
        "FlowLogBucketName",
        {"Value": {"Ref": bucket_id}, "Description": Match.string_like_regexp("^Onboarding wizard: ")},
    )
    template.has_output("FlowLogBucketArn", {"Value": {"Fn::GetAtt": [bucket_id, "Arn"]}})
    template.has_output("Region", {"Value": "us-east-1"})


def test_tags_reach_every_taggable_resource(example: Synthesized) -> None:
    template = example.template
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] in ("AWS::S3::Bucket", "AWS::EC2::FlowLog"):
            tags = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
            assert tags["team"] == "platform" and tags["purpose"] == "airs-discovery", logical_id


def test_config_values_reach_the_constructs(tmp_path: Path) -> None:
    config = flow_logs_with(
        subnet_ids=[],
        vpc_ids=["vpc-0123456789abcdef0"],
        hourly_partitions=False,
        file_format="parquet",
        max_aggregation_seconds=60,
        include_ecs_fields=True,
        bucket={"name": "acme-airs-logs", "kms_key_arn": KEY_ARN, "retention_days": 30},
    )
    template = synth(config, tmp_path)
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceId": "vpc-0123456789abcdef0",
            "ResourceType": "VPC",
            "MaxAggregationInterval": 60,
            "LogFormat": Match.string_like_regexp(r"\$\{ecs-task-id\}$"),
            "DestinationOptions": {
                "FileFormat": "parquet",
                "HiveCompatiblePartitions": False,
                "PerHourPartition": False,
            },
        },
    )
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": "acme-airs-logs",
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "BucketKeyEnabled": True,
                        "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY_ARN},
                    }
                ]
            },
            "LifecycleConfiguration": {"Rules": Match.array_with([Match.object_like({"ExpirationInDays": 30})])},
        },
    )


def test_existing_bucket_config_creates_no_bucket_and_no_policy(tmp_path: Path) -> None:
    template = synth(flow_logs_with(bucket={"existing_name": "customer-logs"}), tmp_path)
    template.resource_count_is("AWS::S3::Bucket", 0)
    template.resource_count_is("AWS::S3::BucketPolicy", 0)
    template.resource_count_is("AWS::EC2::FlowLog", 1)
    template.has_output("FlowLogBucketName", {"Value": "customer-logs"})
    template.has_output("FlowLogBucketArn", {"Value": "arn:aws:s3:::customer-logs"})


def test_retention_null_keeps_objects(tmp_path: Path) -> None:
    template = synth(flow_logs_with(bucket={"retention_days": None}), tmp_path)
    rules = [
        r
        for b in template.find_resources("AWS::S3::Bucket").values()
        for r in b["Properties"]["LifecycleConfiguration"]["Rules"]
    ]
    assert not any("ExpirationInDays" in r for r in rules)


def test_account_from_config_pins_the_environment(tmp_path: Path) -> None:
    result = synthesize(flow_logs_with() | {"account": "123456789012"}, tmp_path)
    assert result.stack.account == "123456789012"
    assert json.loads((tmp_path / "manifest.json").read_text())["artifacts"][result.artifact.id]["environment"] == (
        "aws://123456789012/us-east-1"
    )


def test_without_account_the_environment_comes_from_the_cli(example: Synthesized) -> None:
    assert example.artifact.environment.account == "unknown-account"
