"""FlowLogs: defaults, every prop, every error message."""

from __future__ import annotations

import datetime

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
from onboarding_constructs import _flow_log_fields as flow_log_fields
from onboarding_constructs._flow_log_fields import STANDARD_FIELDS_BY_VERSION, log_format, missing_standard_fields
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused, props_error

SUBNET_A = "subnet-0a1b2c3d4e5f60718"
SUBNET_B = "subnet-1234abcd"
VPC = "vpc-0123456789abcdef0"

#: AWS's "Available fields" table (flow-log-records.html), as read on this day: field -> version, in
#: the table's order. Written out from the page, not from the code: the module must agree with it.
AWS_TABLE_READ_ON = "2026-11-30"
AWS_TABLE = {
    "version": 2,
    "account-id": 2,
    "interface-id": 2,
    "srcaddr": 2,
    "dstaddr": 2,
    "srcport": 2,
    "dstport": 2,
    "protocol": 2,
    "packets": 2,
    "bytes": 2,
    "start": 2,
    "end": 2,
    "action": 2,
    "log-status": 2,
    "vpc-id": 3,
    "subnet-id": 3,
    "instance-id": 3,
    "tcp-flags": 3,
    "type": 3,
    "pkt-srcaddr": 3,
    "pkt-dstaddr": 3,
    "region": 4,
    "az-id": 4,
    "sublocation-type": 4,
    "sublocation-id": 4,
    "pkt-src-aws-service": 5,
    "pkt-dst-aws-service": 5,
    "flow-direction": 5,
    "traffic-path": 5,
    "ecs-cluster-arn": 7,
    "ecs-cluster-name": 7,
    "ecs-container-instance-arn": 7,
    "ecs-container-instance-id": 7,
    "ecs-container-id": 7,
    "ecs-second-container-id": 7,
    "ecs-service-name": 7,
    "ecs-task-definition-arn": 7,
    "ecs-task-arn": 7,
    "ecs-task-id": 7,
    "reject-reason": 8,
    "resource-id": 9,
    "encryption-status": 10,
    "instance-tag": 11,
    "instance-tag-2": 11,
    "interface-tag": 11,
    "interface-tag-2": 11,
    "asg-tag": 11,
    "asg-tag-2": 11,
    "interface-type": 11,
    "next-hop-interface-id": 11,
    "next-hop-subnet-id": 11,
    "next-hop-az-id": 11,
    "next-hop-vpc-id": 11,
    "next-hop-interface-type": 11,
}
#: Opt-in: only for ECS tasks.
AWS_ECS_FIELDS = [f for f, version in AWS_TABLE.items() if version == 7]
#: Left out: they show the values of tag keys the flow log must name (TagFieldSpecifications).
AWS_TAG_FIELDS = [f for f, version in AWS_TABLE.items() if version == 11 and "tag" in f.split("-")]
#: "All the Standard attributes": everything else, in version order.
EXPECTED_STANDARD = [
    f
    for f, _ in sorted(AWS_TABLE.items(), key=lambda item: item[1])
    if f not in AWS_ECS_FIELDS and f not in AWS_TAG_FIELDS
]


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
            "DestinationOptions": {
                "FileFormat": "plain-text",
                "HiveCompatiblePartitions": False,
                "PerHourPartition": True,
            },
            "Tags": [{"Key": "Name", "Value": f"airs-discovery-{SUBNET_A}"}],
        },
    )
    assert construct.log_format == " ".join(f"${{{f}}}" for f in EXPECTED_STANDARD)


def test_the_module_lists_aws_table_as_read() -> None:
    assert dict(flow_log_fields.FIELD_VERSIONS) == AWS_TABLE
    assert list(STANDARD_FIELDS) == EXPECTED_STANDARD
    assert list(ECS_FIELDS) == AWS_ECS_FIELDS
    assert list(flow_log_fields.TAG_FIELDS) == AWS_TAG_FIELDS
    assert flow_log_fields.READ_ON == AWS_TABLE_READ_ON  # a new reading changes both, or this test fails


def test_standard_fields_include_the_newest_and_never_an_opt_in_field() -> None:
    assert {"reject-reason", "resource-id", "encryption-status", "next-hop-interface-id"} <= set(STANDARD_FIELDS)
    assert not set(STANDARD_FIELDS) & (set(ECS_FIELDS) | set(flow_log_fields.TAG_FIELDS))
    assert len(STANDARD_FIELDS) == len(set(STANDARD_FIELDS)) == 38


def test_the_list_records_its_source_date_and_versions() -> None:
    assert flow_log_fields.SOURCE_URL == "https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html"
    read_on = datetime.date.fromisoformat(flow_log_fields.READ_ON)
    assert read_on <= datetime.date.today()
    assert str(read_on) == flow_log_fields.READ_ON  # ISO 8601, written out in full
    versions = flow_log_fields.FIELD_VERSIONS
    assert all(isinstance(v, int) and 2 <= v for v in versions.values())
    assert set(versions) == set(STANDARD_FIELDS) | set(ECS_FIELDS) | set(flow_log_fields.TAG_FIELDS)
    for version, fields in STANDARD_FIELDS_BY_VERSION.items():
        assert all(versions[f] == version for f in fields)
    assert all(versions[f] == flow_log_fields.ECS_FIELDS_VERSION == 7 for f in ECS_FIELDS)


@pytest.mark.parametrize(
    ("format_string", "missing"),
    [
        (log_format(include_ecs_fields=False), ()),
        (log_format(include_ecs_fields=True), ()),
        (log_format(include_ecs_fields=False).replace(" ${encryption-status}", ""), ("encryption-status",)),
        ("${srcaddr} ${dstaddr}", tuple(f for f in EXPECTED_STANDARD if f not in ("srcaddr", "dstaddr"))),
    ],
    ids=["ours", "ours-with-ecs", "no-encryption-status", "two-fields"],
)
def test_missing_standard_fields(format_string: str, missing: tuple[str, ...]) -> None:
    assert missing_standard_fields(format_string) == missing


def test_ecs_fields_are_appended_on_request() -> None:
    stack = new_stack()
    flow_logs_in(stack, subnet_ids=[SUBNET_A], include_ecs_fields=True)
    expected = " ".join(f"${{{f}}}" for f in (*EXPECTED_STANDARD, *AWS_ECS_FIELDS))
    Template.from_stack(stack).has_resource_properties("AWS::EC2::FlowLog", {"LogFormat": expected})


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
                    [
                        Match.object_like(
                            {"Principal": {"Service": "delivery.logs.amazonaws.com"}, "Action": "s3:PutObject"}
                        )
                    ]
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


_SUBNET_EXPECTED = "(expected 'subnet-' followed by 8 or 17 lowercase hex digits)"
_VPC_EXPECTED = "(expected 'vpc-' followed by 8 or 17 lowercase hex digits)"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"subnet_ids": ["subnet-12"]}, f"subnet_ids[0]: 'subnet-12' is not a subnet id {_SUBNET_EXPECTED}"),
        (
            {"subnet_ids": [SUBNET_A, "subnet-0A1B2C3D"]},
            f"subnet_ids[1]: 'subnet-0A1B2C3D' is not a subnet id {_SUBNET_EXPECTED}",
        ),
        ({"vpc_ids": ["vpc-xyz"]}, f"vpc_ids[0]: 'vpc-xyz' is not a VPC id {_VPC_EXPECTED}"),
        ({"vpc_ids": [SUBNET_A]}, f"vpc_ids[0]: '{SUBNET_A}' is not a VPC id {_VPC_EXPECTED}"),
        ({}, "no subnet_ids and no vpc_ids (expected at least one subnet or VPC to log)"),
        (
            {"subnet_ids": [SUBNET_A, SUBNET_A]},
            f"'{SUBNET_A}' listed more than once (expected each subnet and VPC id once)",
        ),
        ({"subnet_ids": SUBNET_A}, f"subnet_ids: '{SUBNET_A}' is one string (expected a list of subnet ids)"),
        ({"vpc_ids": VPC}, f"vpc_ids: '{VPC}' is one string (expected a list of VPC ids)"),
        (
            {"subnet_ids": [SUBNET_A], "file_format": "csv"},
            "file_format: 'csv' is not a flow log file format (expected 'plain-text' or 'parquet')",
        ),
        (
            {"subnet_ids": [SUBNET_A], "max_aggregation_interval": 300},
            "max_aggregation_interval: 300 is not an aggregation interval (expected 60 or 600, a whole number of"
            " seconds)",
        ),
        (
            {"subnet_ids": [SUBNET_A], "max_aggregation_interval": 600.0},
            "max_aggregation_interval: 600.0 is not an aggregation interval (expected 60 or 600, a whole number of"
            " seconds)",
        ),
        (
            {"subnet_ids": [SUBNET_A], "max_aggregation_interval": True},
            "max_aggregation_interval: True is not an aggregation interval (expected 60 or 600, a whole number of"
            " seconds)",
        ),
    ],
    ids=[
        "short-subnet",
        "uppercase-subnet",
        "bad-vpc",
        "subnet-as-vpc",
        "nothing",
        "duplicate",
        "subnets-as-one-string",
        "vpcs-as-one-string",
        "file-format",
        "interval",
        "interval-float",
        "interval-boolean",
    ],
)
def test_invalid_props_are_refused(props: dict, message: str) -> None:
    assert_refused(lambda: flow_logs_in(new_stack(), **props), "TestStack/FlowLogs", message)


def test_every_problem_is_reported_at_once() -> None:
    error = props_error(
        lambda: flow_logs_in(
            new_stack(), subnet_ids=["subnet-1", SUBNET_A, SUBNET_A], vpc_ids=["vpc-2"], file_format="csv"
        )
    )
    assert error.problems == (
        f"subnet_ids[0]: 'subnet-1' is not a subnet id {_SUBNET_EXPECTED}",
        f"vpc_ids[0]: 'vpc-2' is not a VPC id {_VPC_EXPECTED}",
        f"'{SUBNET_A}' listed more than once (expected each subnet and VPC id once)",
        "file_format: 'csv' is not a flow log file format (expected 'plain-text' or 'parquet')",
    )


@pytest.mark.parametrize(
    ("file_format", "interval"),
    [("parquet", 60), (FlowLogFileFormat.PARQUET, FlowLogAggregationInterval.ONE_MINUTE)],
    ids=["plain-values", "enums"],
)
def test_options_are_taken_as_plain_values_or_enums(file_format: object, interval: object) -> None:
    stack = new_stack()
    construct, _ = flow_logs_in(
        stack, subnet_ids=[SUBNET_A], file_format=file_format, max_aggregation_interval=interval
    )
    flow_log = stack.resolve(construct.flow_logs[SUBNET_A].destination_options)
    assert flow_log["FileFormat"] == "parquet"
    assert construct.flow_logs[SUBNET_A].max_aggregation_interval == 60


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
