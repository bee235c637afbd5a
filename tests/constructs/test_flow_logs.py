"""FlowLogs: defaults, every prop, every error message."""

from __future__ import annotations

import pytest
from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template

from onboarding_constructs import (
    ECS_FIELDS,
    STANDARD_FIELDS,
    FlowLogAggregationInterval,
    FlowLogBucket,
    FlowLogFileFormat,
    FlowLogs,
)
from onboarding_constructs.flow_log_fields import STANDARD_FIELDS_BY_VERSION, log_format
from tests.conftest import new_stack

SUBNET_A = "subnet-0a1b2c3d4e5f60718"
SUBNET_B = "subnet-1234abcd"
VPC = "vpc-0123456789abcdef0"

#: Every standard field the published step asks for ("select all the Standard attributes").
EXPECTED_STANDARD = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
    "log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type "
    "sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path reject-reason"
).split()


def flow_logs_in(stack: Stack, **props) -> tuple[FlowLogs, FlowLogBucket]:
    bucket = FlowLogBucket(stack, "Bucket")
    return FlowLogs(stack, "FlowLogs", bucket=bucket.bucket, **props), bucket


def test_defaults_log_all_traffic_with_every_standard_field_hourly_plain_text() -> None:
    stack = new_stack()
    construct, bucket = flow_logs_in(stack, subnet_ids=[SUBNET_A])
    bucket_id = stack.get_logical_id(bucket.bucket.node.default_child)
    Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::FlowLog",
        {
            "ResourceId": SUBNET_A,
            "ResourceType": "Subnet",
            "TrafficType": "ALL",
            "LogDestinationType": "s3",
            "LogDestination": {"Fn::GetAtt": [bucket_id, "Arn"]},
            "LogFormat": " ".join(f"${{{f}}}" for f in EXPECTED_STANDARD),
            "MaxAggregationInterval": 600,
            "DestinationOptions": {"FileFormat": "plain-text", "HiveCompatiblePartitions": False, "PerHourPartition": True},
            "Tags": [{"Key": "Name", "Value": f"airs-discovery-{SUBNET_A}"}],
        },
    )
    assert construct.log_format == log_format(include_ecs_fields=False)


def test_standard_fields_are_every_non_ecs_field_of_versions_2_to_8() -> None:
    assert list(STANDARD_FIELDS) == EXPECTED_STANDARD
    assert sorted(STANDARD_FIELDS_BY_VERSION) == [2, 3, 4, 5, 8]
    assert not set(STANDARD_FIELDS) & set(ECS_FIELDS)
    assert all(field.startswith("ecs-") for field in ECS_FIELDS)


def test_ecs_fields_are_appended_on_request() -> None:
    stack = new_stack()
    flow_logs_in(stack, subnet_ids=[SUBNET_A], include_ecs_fields=True)
    expected = " ".join(f"${{{f}}}" for f in (*EXPECTED_STANDARD, *ECS_FIELDS))
    Template.from_stack(stack).has_resource_properties("AWS::EC2::FlowLog", {"LogFormat": expected})
    assert len(ECS_FIELDS) == 10


def test_one_flow_log_per_subnet_and_vpc_keyed_by_id() -> None:
    stack = new_stack()
    construct, _ = flow_logs_in(stack, subnet_ids=[SUBNET_A, SUBNET_B], vpc_ids=[VPC])
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::FlowLog", 3)
    template.has_resource_properties("AWS::EC2::FlowLog", {"ResourceId": VPC, "ResourceType": "VPC"})
    template.has_resource_properties("AWS::EC2::FlowLog", {"ResourceId": SUBNET_B, "ResourceType": "Subnet"})
    assert set(construct.flow_logs) == {SUBNET_A, SUBNET_B, VPC}
    assert construct.flow_logs[VPC].node.path == f"TestStack/FlowLogs/{VPC}"


def test_deploy_time_ids_are_accepted_and_named_by_position() -> None:
    stack = new_stack()
    subnet = CfnParameter(stack, "SubnetId").value_as_string
    construct, _ = flow_logs_in(stack, subnet_ids=[subnet, SUBNET_A])
    assert construct.flow_logs[subnet].node.id == "Subnet0"
    assert construct.flow_logs[SUBNET_A].node.id == SUBNET_A
    Template.from_stack(stack).has_resource_properties("AWS::EC2::FlowLog", {"ResourceId": {"Ref": "SubnetId"}})


def test_deploy_time_ids_are_numbered_per_type() -> None:
    """A VPC's position counts VPCs only, so a subnet added to the list never renames (replaces) it."""
    for subnet_count in (1, 3):
        stack = new_stack()
        subnets = [CfnParameter(stack, f"Subnet{n}").value_as_string for n in range(subnet_count)]
        vpc = CfnParameter(stack, "Vpc").value_as_string
        construct, _ = flow_logs_in(stack, subnet_ids=subnets, vpc_ids=[vpc])
        assert construct.flow_logs[vpc].node.id == "VPC0"
        assert [construct.flow_logs[s].node.id for s in subnets] == [f"Subnet{n}" for n in range(subnet_count)]


def test_reordering_ids_keeps_logical_ids() -> None:
    first, second = new_stack(), new_stack()
    a, _ = flow_logs_in(first, subnet_ids=[SUBNET_A, SUBNET_B])
    b, _ = flow_logs_in(second, subnet_ids=[SUBNET_B, SUBNET_A])
    for subnet in (SUBNET_A, SUBNET_B):
        assert first.get_logical_id(a.flow_logs[subnet]) == second.get_logical_id(b.flow_logs[subnet])


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"file_format": FlowLogFileFormat.PARQUET}, {"FileFormat": "parquet", "PerHourPartition": True}),
        ({"file_format": "parquet"}, {"FileFormat": "parquet"}),
        ({"hourly_partitions": False}, {"PerHourPartition": False}),
    ],
    ids=["parquet-enum", "parquet-string", "daily-partitions"],
)
def test_destination_options(props: dict, expected: dict) -> None:
    stack = new_stack()
    flow_logs_in(stack, subnet_ids=[SUBNET_A], **props)
    Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::FlowLog", {"DestinationOptions": Match.object_like({"HiveCompatiblePartitions": False, **expected})}
    )


@pytest.mark.parametrize("interval", [FlowLogAggregationInterval.ONE_MINUTE, 60])
def test_one_minute_aggregation(interval) -> None:
    stack = new_stack()
    flow_logs_in(stack, subnet_ids=[SUBNET_A], max_aggregation_interval=interval)
    Template.from_stack(stack).has_resource_properties("AWS::EC2::FlowLog", {"MaxAggregationInterval": 60})


def test_name_prefix() -> None:
    stack = new_stack()
    flow_logs_in(stack, vpc_ids=[VPC], name_prefix="team-x-")
    Template.from_stack(stack).has_resource_properties(
        "AWS::EC2::FlowLog", {"Tags": Match.array_with([{"Key": "Name", "Value": f"team-x-{VPC}"}])}
    )


def test_flow_logs_wait_for_the_bucket_policy() -> None:
    stack = new_stack()
    construct, bucket = flow_logs_in(stack, subnet_ids=[SUBNET_A])
    assert bucket.bucket.policy is not None
    policy_id = stack.get_logical_id(bucket.bucket.policy.node.default_child)
    flow_log = Template.from_stack(stack).to_json()["Resources"][stack.get_logical_id(construct.flow_logs[SUBNET_A])]
    assert flow_log["DependsOn"] == [policy_id]


def test_delivery_statements_appear_once_when_bucket_and_flow_logs_both_add_them() -> None:
    stack = new_stack()
    flow_logs_in(stack, subnet_ids=[SUBNET_A, SUBNET_B])
    policies = Template.from_stack(stack).find_resources("AWS::S3::BucketPolicy")
    statements = [
        s
        for policy in policies.values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "delivery.logs.amazonaws.com"}
    ]
    assert len(statements) == 2


def test_a_plain_bucket_from_the_app_gets_the_delivery_statements() -> None:
    stack = new_stack()
    bucket = s3.Bucket(stack, "OwnBucket", enforce_ssl=True)
    FlowLogs(stack, "FlowLogs", bucket=bucket, subnet_ids=[SUBNET_A])
    Template.from_stack(stack).has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Principal": {"Service": "delivery.logs.amazonaws.com"}, "Action": "s3:PutObject"})]
                )
            }
        },
    )


def test_imported_bucket_policy_is_never_written() -> None:
    stack = new_stack()
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "customer-logs")
    construct = FlowLogs(stack, "FlowLogs", bucket=bucket, subnet_ids=[SUBNET_A])
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::BucketPolicy", 0)
    template.resource_count_is("AWS::S3::Bucket", 0)
    flow_log = template.to_json()["Resources"][stack.get_logical_id(construct.flow_logs[SUBNET_A])]
    assert "DependsOn" not in flow_log
    assert flow_log["Properties"]["LogDestination"] == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::customer-logs"]]
    }


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"subnet_ids": ["subnet-12"]}, "subnet_ids: 'subnet-12' is not a subnet id (expected 'subnet-' followed by 8 or 17 lowercase hex digits)"),
        ({"subnet_ids": ["subnet-0A1B2C3D"]}, "'subnet-0A1B2C3D' is not a subnet id"),
        ({"vpc_ids": ["vpc-xyz"]}, "vpc_ids: 'vpc-xyz' is not a VPC id (expected 'vpc-' followed by 8 or 17 lowercase hex digits)"),
        ({"vpc_ids": [SUBNET_A]}, f"'{SUBNET_A}' is not a VPC id"),
        ({}, "no subnet_ids and no vpc_ids given (expected at least one id to log)"),
        ({"subnet_ids": [SUBNET_A, SUBNET_A]}, f"'{SUBNET_A}' is listed twice"),
    ],
    ids=["short-subnet", "uppercase-subnet", "bad-vpc", "subnet-as-vpc", "nothing", "duplicate"],
)
def test_invalid_ids_are_refused(props: dict, message: str) -> None:
    with pytest.raises(ValueError) as error:
        flow_logs_in(new_stack(), **props)
    assert str(error.value).startswith("FlowLogs: ")
    assert message in str(error.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValueError) as error:
        flow_logs_in(new_stack(), subnet_ids=["subnet-1"], vpc_ids=["vpc-2"])
    assert "'subnet-1'" in str(error.value) and "'vpc-2'" in str(error.value)


def test_a_single_string_instead_of_a_list_is_refused() -> None:
    with pytest.raises(TypeError, match="lists of ids, not a single string"):
        flow_logs_in(new_stack(), subnet_ids=SUBNET_A)


@pytest.mark.parametrize(
    ("props", "error"),
    [({"file_format": "csv"}, "'csv' is not a valid FlowLogFileFormat"), ({"max_aggregation_interval": 300}, "300 is not a valid FlowLogAggregationInterval")],
)
def test_invalid_options_are_refused(props: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        flow_logs_in(new_stack(), subnet_ids=[SUBNET_A], **props)


def test_tags_from_above_merge_with_the_name_tag() -> None:
    from aws_cdk import Tags

    stack = new_stack()
    Tags.of(stack).add("team", "x")
    flow_logs_in(stack, subnet_ids=[SUBNET_A, SUBNET_B], vpc_ids=[VPC])
    flow_logs = Template.from_stack(stack).find_resources("AWS::EC2::FlowLog")
    assert len(flow_logs) == 3
    for resource in flow_logs.values():
        props = resource["Properties"]
        tags = {tag["Key"]: tag["Value"] for tag in props["Tags"]}
        assert tags == {"Name": f"airs-discovery-{props['ResourceId']}", "team": "x"}
