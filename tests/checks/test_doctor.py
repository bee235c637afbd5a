"""``doctor``: each check's pass, warn and fail paths, read through ``--json``, and the exit codes.

Not covered: the bucket name "taken by another AWS account" path (S3 answers HeadBucket with 403);
moto cannot produce a bucket owned by another account in the same mock.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
import pytest
from moto.ec2.models import ec2_backends

from onboarding_checks.aws import Aws, MissingPermission
from onboarding_checks.cli import main
from tests.checks.conftest import Account

ROLE = "arn:aws:iam::123456789012:role/airs-discovery"
CLUSTER = "prod-eks"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
PROFILE = "us.anthropic.claude-3-haiku-20240307-v1:0"
DELIVERY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AWSLogDeliveryWrite",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::flow-logs-existing/AWSLogs/*",
        }
    ],
}


# --- helpers ----------------------------------------------------------------------------------------


@pytest.fixture
def net(account: Account) -> dict[str, str]:
    """A VPC and a subnet in moto."""
    ec2 = account.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    return {"vpc": vpc, "subnet": subnet}


def doctor(account: Account, capsys: pytest.CaptureFixture[str], config: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Run ``doctor --json``; the exit code and the parsed report."""
    capsys.readouterr()
    code = account.run("doctor", config, "--json")
    return code, json.loads(capsys.readouterr().out)


def rows(report: dict[str, Any], check: str) -> list[dict[str, Any]]:
    return [r for r in report["results"] if r["check"] == check]


def row(report: dict[str, Any], check: str, target: str | None = None) -> dict[str, Any]:
    found = [r for r in rows(report, check) if target is None or r["target"] == target]
    assert len(found) == 1, (check, target, report["results"])
    return found[0]


def base(net: dict[str, str], **sections: Any) -> dict[str, Any]:
    return {"flow_logs": {"subnet_ids": [net["subnet"]]}, **sections}


def eks(*clusters: dict[str, Any], **keys: Any) -> dict[str, Any]:
    return {"eks": {"discovery_role_arn": ROLE, "clusters": list(clusters) or [{"name": CLUSTER}], **keys}}


def flow_log(account: Account, resource: str, bucket: str, kind: str = "Subnet") -> str:
    s3 = account.client("s3")
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=bucket)
    answer = account.client("ec2").create_flow_logs(
        ResourceIds=[resource],
        ResourceType=kind,
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{bucket}",
    )
    assert not answer["Unsuccessful"], answer
    return answer["FlowLogIds"][0]


def trail(
    account: Account,
    name: str,
    *,
    multi_region: bool = False,
    logging: bool = True,
    management: bool = True,
    advanced: list[dict[str, Any]] | None = None,
) -> str:
    """A trail with its event selector written out: moto gives a new trail none (AWS: all management
    events). ``advanced``: field selectors of one advanced event selector instead of a classic one."""
    s3 = account.client("s3")
    if "trail-logs-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket="trail-logs-bucket")
    cloudtrail = account.client("cloudtrail")
    arn = cloudtrail.create_trail(Name=name, S3BucketName="trail-logs-bucket", IsMultiRegionTrail=multi_region)[
        "TrailARN"
    ]
    if advanced is None:
        cloudtrail.put_event_selectors(
            TrailName=name, EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": management}]
        )
    else:
        cloudtrail.put_event_selectors(
            TrailName=name, AdvancedEventSelectors=[{"Name": "selected", "FieldSelectors": advanced}]
        )
    if logging:
        cloudtrail.start_logging(Name=name)
    return arn


# --- flow log target --------------------------------------------------------------------------------


@pytest.mark.parametrize("existing", [0, 1])
@pytest.mark.parametrize("kind", ["subnet", "vpc"])
def test_flow_log_target_exists_with_room(account: Account, capsys, net, kind: str, existing: int) -> None:
    if existing:
        flow_log(account, net[kind], "other-flow-logs", {"subnet": "Subnet", "vpc": "VPC"}[kind])
    code, report = doctor(account, capsys, {"flow_logs": {f"{kind}_ids": [net[kind]]}})
    result = row(report, "flow log target", net[kind])
    assert result["status"] == "pass"
    assert f"{existing} flow log(s) of at most 2" in result["detail"]
    assert code == 0


@pytest.mark.parametrize(
    ("kind", "missing"), [("subnet", "subnet-0123456789abcdef0"), ("vpc", "vpc-0123456789abcdef0")]
)
def test_flow_log_target_missing(account: Account, capsys, kind: str, missing: str) -> None:
    code, report = doctor(account, capsys, {"flow_logs": {f"{kind}_ids": [missing]}})
    result = row(report, "flow log target", missing)
    assert result["status"] == "fail"
    assert f"no such {kind} in account 123456789012, us-east-1" in result["detail"]
    assert f"flow_logs.{kind}_ids" in result["fix"]
    assert code == 1


def test_flow_log_target_with_two_flow_logs(account: Account, capsys, net) -> None:
    ids = [flow_log(account, net["subnet"], "other-flow-logs-a"), flow_log(account, net["subnet"], "other-flow-logs-b")]
    code, report = doctor(account, capsys, base(net))
    result = row(report, "flow log target", net["subnet"])
    assert result["status"] == "fail"
    assert "has 2 flow logs, the most AWS allows" in result["detail"]
    assert all(i in result["detail"] for i in ids)
    assert "delete one of them" in result["fix"] and "whole VPC" in result["fix"]
    assert code == 1


@pytest.mark.parametrize("key", ["existing_name", "name"])
def test_flow_log_target_already_logging_to_the_bucket(account: Account, capsys, net, key: str) -> None:
    flow_log_id = flow_log(account, net["subnet"], "flow-logs-existing")
    code, report = doctor(
        account, capsys, {"flow_logs": {"subnet_ids": [net["subnet"]], "bucket": {key: "flow-logs-existing"}}}
    )
    result = row(report, "flow log target", net["subnet"])
    assert result["status"] == "fail"
    assert "already logs to arn:aws:s3:::flow-logs-existing" in result["detail"] and flow_log_id in result["detail"]
    assert "every record twice" in result["detail"]
    assert f"delete {flow_log_id} first" in result["fix"] and net["subnet"] in result["fix"]
    assert code == 1


@pytest.mark.parametrize("folder", ["prefix/", "a/b/"])
def test_flow_log_target_logging_to_a_folder_of_the_bucket(account: Account, capsys, net, folder: str) -> None:
    flow_log_id = flow_log(account, net["subnet"], "flow-logs-existing")
    # moto refuses a destination with a folder; AWS accepts it and returns it as given
    ec2_backends[account.account_id][account.region].flow_logs[
        flow_log_id
    ].log_destination = f"arn:aws:s3:::flow-logs-existing/{folder}"
    code, report = doctor(
        account, capsys, {"flow_logs": {"subnet_ids": [net["subnet"]], "bucket": {"name": "flow-logs-existing"}}}
    )
    result = row(report, "flow log target", net["subnet"])
    assert result["status"] == "fail"
    assert "already logs to arn:aws:s3:::flow-logs-existing" in result["detail"] and flow_log_id in result["detail"]
    assert code == 1


def test_flow_log_target_to_a_bucket_of_a_longer_name_is_another_bucket(account: Account, capsys, net) -> None:
    flow_log(account, net["subnet"], "flow-logs-existing-2")
    _, report = doctor(
        account, capsys, {"flow_logs": {"subnet_ids": [net["subnet"]], "bucket": {"name": "flow-logs-existing"}}}
    )
    assert row(report, "flow log target", net["subnet"])["status"] == "pass"


V8_FORMAT = (  # the standard fields of versions 2 to 8, as an earlier release wrote them
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} "
    "${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} "
    "${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} ${sublocation-id} ${pkt-src-aws-service} "
    "${pkt-dst-aws-service} ${flow-direction} ${traffic-path} ${reject-reason}"
)
ADDED = (
    "resource-id, encryption-status, interface-type, next-hop-interface-id, next-hop-subnet-id, next-hop-az-id,"
    " next-hop-vpc-id, next-hop-interface-type"
)


def test_existing_flow_log_lacking_standard_fields_warns(account: Account, capsys, net) -> None:
    flow_log_id = flow_log(account, net["subnet"], "other-flow-logs")
    ec2_backends[account.account_id][account.region].flow_logs[flow_log_id].log_format = V8_FORMAT
    code, report = doctor(account, capsys, base(net))
    assert row(report, "flow log target", net["subnet"])["status"] == "pass"
    result = row(report, "flow log format", net["subnet"])
    assert result["status"] == "warn"
    assert result["detail"] == f"{flow_log_id} (to arn:aws:s3:::other-flow-logs) lacks 8 standard field(s): {ADDED}"
    assert (
        result["fix"].startswith(f"recreate {flow_log_id} with every standard field")
        and "AIRS sees less" in result["fix"]
    )
    assert code == 0


def test_flow_log_to_the_stack_bucket_lacking_fields_says_deploy(account: Account, capsys, net) -> None:
    flow_log_id = flow_log(
        account, net["vpc"], "flow-logs-existing", "VPC"
    )  # the default format: version 2 fields only
    _, report = doctor(
        account, capsys, {"flow_logs": {"vpc_ids": [net["vpc"]], "bucket": {"existing_name": "flow-logs-existing"}}}
    )
    result = row(report, "flow log format", net["vpc"])
    assert result["status"] == "warn"
    assert result["detail"].startswith(
        f"{flow_log_id} (to arn:aws:s3:::flow-logs-existing) lacks 24 standard field(s): vpc-id,"
    )
    assert result["detail"].endswith(f"reject-reason, {ADDED}")
    assert "make deploy" in result["fix"]


def test_flow_log_with_every_standard_field_gets_no_format_row(account: Account, capsys, net) -> None:
    flow_log_id = flow_log(account, net["subnet"], "other-flow-logs")
    full = V8_FORMAT + " " + " ".join(f"${{{f}}}" for f in ADDED.split(", ")) + " ${ecs-task-id}"
    ec2_backends[account.account_id][account.region].flow_logs[flow_log_id].log_format = full
    _, report = doctor(account, capsys, base(net))
    assert rows(report, "flow log format") == []


# --- buckets ----------------------------------------------------------------------------------------


def existing_bucket(net: dict[str, str]) -> dict[str, Any]:
    return {"flow_logs": {"subnet_ids": [net["subnet"]], "bucket": {"existing_name": "flow-logs-existing"}}}


def test_existing_bucket_missing(account: Account, capsys, net) -> None:
    code, report = doctor(account, capsys, existing_bucket(net))
    result = row(report, "existing bucket", "flow-logs-existing")
    assert result["status"] == "fail"
    assert result["detail"] == "no such bucket"
    assert "create it first" in result["fix"] and "existing_name" in result["fix"]
    assert code == 1


def test_existing_bucket_in_another_region(account: Account, capsys, net) -> None:
    account.client("s3").create_bucket(
        Bucket="flow-logs-existing", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    code, report = doctor(account, capsys, existing_bucket(net))
    result = row(report, "existing bucket", "flow-logs-existing")
    assert result["status"] == "fail"
    assert "is in eu-west-1, not in us-east-1" in result["detail"]
    assert "use a bucket in us-east-1" in result["fix"]
    assert code == 1


def test_existing_bucket_with_delivery_policy(account: Account, capsys, net) -> None:
    s3 = account.client("s3")
    s3.create_bucket(Bucket="flow-logs-existing")
    s3.put_bucket_policy(Bucket="flow-logs-existing", Policy=json.dumps(DELIVERY_POLICY))
    code, report = doctor(account, capsys, existing_bucket(net))
    result = row(report, "existing bucket", "flow-logs-existing")
    assert result["status"] == "pass"
    assert "in us-east-1" in result["detail"] and "delivery.logs.amazonaws.com" in result["detail"]
    assert code == 0


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("s3:*", "pass"),
        (["s3:GetBucketAcl", "s3:*"], "pass"),
        ("s3:Put*", "pass"),
        ("*", "pass"),
        ("S3:putobject", "pass"),  # IAM action names are case-insensitive
        ("s3:GetBucketAcl", "warn"),
        ("s3:PutObjectAcl", "warn"),
    ],
    ids=["s3-star", "list-with-s3-star", "put-star", "star", "case", "acl-only", "put-object-acl"],
)
def test_existing_bucket_policy_actions(account: Account, capsys, net, action: Any, status: str) -> None:
    policy = {**DELIVERY_POLICY, "Statement": [{**DELIVERY_POLICY["Statement"][0], "Action": action}]}
    s3 = account.client("s3")
    s3.create_bucket(Bucket="flow-logs-existing")
    s3.put_bucket_policy(Bucket="flow-logs-existing", Policy=json.dumps(policy))
    _, report = doctor(account, capsys, existing_bucket(net))
    assert row(report, "existing bucket", "flow-logs-existing")["status"] == status


def test_existing_bucket_policy_that_denies_delivery_warns(account: Account, capsys, net) -> None:
    policy = {**DELIVERY_POLICY, "Statement": [{**DELIVERY_POLICY["Statement"][0], "Effect": "Deny", "Action": "s3:*"}]}
    s3 = account.client("s3")
    s3.create_bucket(Bucket="flow-logs-existing")
    s3.put_bucket_policy(Bucket="flow-logs-existing", Policy=json.dumps(policy))
    _, report = doctor(account, capsys, existing_bucket(net))
    assert row(report, "existing bucket", "flow-logs-existing")["status"] == "warn"


def test_existing_bucket_without_policy(account: Account, capsys, net) -> None:
    account.client("s3").create_bucket(Bucket="flow-logs-existing")
    code, report = doctor(account, capsys, existing_bucket(net))
    result = row(report, "existing bucket", "flow-logs-existing")
    assert result["status"] == "warn"
    assert "no statement for delivery.logs.amazonaws.com" in result["detail"]
    assert "delivery statements" in result["fix"] and "aws:SourceAccount" in result["fix"]
    assert code == 0


def test_bucket_name_free(account: Account, capsys, net) -> None:
    code, report = doctor(
        account, capsys, {"flow_logs": {"subnet_ids": [net["subnet"]], "bucket": {"name": "flow-logs-new"}}}
    )
    result = row(report, "bucket name", "flow-logs-new")
    assert result["status"] == "pass"
    assert "free" in result["detail"]
    assert code == 0


def test_bucket_name_exists_in_the_account(account: Account, capsys, net) -> None:
    account.client("s3").create_bucket(Bucket="flow-logs-new")
    code, report = doctor(
        account, capsys, {"flow_logs": {"subnet_ids": [net["subnet"]], "bucket": {"name": "flow-logs-new"}}}
    )
    result = row(report, "bucket name", "flow-logs-new")
    assert result["status"] == "fail"
    assert "already exists in account 123456789012" in result["detail"]
    assert "existing_name" in result["fix"] and "another name" in result["fix"]
    assert code == 1


def test_no_bucket_row_for_a_generated_name(account: Account, capsys, net) -> None:
    _, report = doctor(account, capsys, base(net))
    assert rows(report, "bucket name") == [] and rows(report, "existing bucket") == []


# --- CloudTrail -------------------------------------------------------------------------------------


def test_trails_none(account: Account, capsys, net) -> None:
    code, report = doctor(account, capsys, base(net, cloudtrail={}))
    result = row(report, "trails in the region", "us-east-1")
    assert result["status"] == "pass"
    assert "0 of 5 trails" in result["detail"]
    assert code == 0


def test_trails_region_full(account: Account, capsys, net) -> None:
    names = [f"trail-{i}" for i in range(5)]
    for name in names:
        trail(account, name)
    code, report = doctor(account, capsys, base(net, cloudtrail={}))
    result = row(report, "trails in the region", "us-east-1")
    assert result["status"] == "fail"
    assert "5 trails already" in result["detail"] and all(n in result["detail"] for n in names)
    assert "existing_trail_arn" in result["fix"]
    assert code == 1


def test_trails_multi_region_trail_to_reuse(account: Account, capsys, net) -> None:
    arn = trail(account, "org-trail", multi_region=True)
    code, report = doctor(account, capsys, base(net, cloudtrail={}))
    result = row(report, "trails in the region", "us-east-1")
    assert result["status"] == "warn"
    assert arn in result["detail"] and "management events" in result["detail"]
    assert result["fix"] == f"set cloudtrail.existing_trail_arn: {arn} to reuse it"
    assert code == 0


def test_trails_multi_region_trail_without_management_events(account: Account, capsys, net) -> None:
    trail(account, "data-trail", multi_region=True, management=False)
    _, report = doctor(account, capsys, base(net, cloudtrail={}))
    result = row(report, "trails in the region", "us-east-1")
    assert result["status"] == "pass"
    assert "1 of 5 trails" in result["detail"]


def test_trails_stopped_multi_region_trail_is_not_suggested(account: Account, capsys, net) -> None:
    trail(account, "stopped-trail", multi_region=True, logging=False)
    _, report = doctor(account, capsys, base(net, cloudtrail={}))
    result = row(report, "trails in the region", "us-east-1")
    assert result["status"] == "pass"
    assert "existing_trail_arn" not in result["fix"]


def reused(net: dict[str, str], arn: str) -> dict[str, Any]:
    return base(net, cloudtrail={"existing_trail_arn": arn})


def test_reused_trail_missing(account: Account, capsys, net) -> None:
    arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/nope"
    code, report = doctor(account, capsys, reused(net, arn))
    result = row(report, "reused trail", arn)
    assert result["status"] == "fail"
    assert "no such trail" in result["detail"]
    assert "cloudtrail.existing_trail_arn" in result["fix"]
    assert rows(report, "trails in the region") == []
    assert code == 1


def test_reused_trail_not_logging(account: Account, capsys, net) -> None:
    arn = trail(account, "org-trail", multi_region=True, logging=False)
    code, report = doctor(account, capsys, reused(net, arn))
    result = row(report, "reused trail", arn)
    assert result["status"] == "fail"
    assert "not logging" in result["detail"]
    assert f"aws cloudtrail start-logging --name {arn}" in result["fix"]
    assert code == 1


def test_reused_trail_logging_management_events(account: Account, capsys, net) -> None:
    arn = trail(account, "org-trail", multi_region=True)
    code, report = doctor(account, capsys, reused(net, arn))
    result = row(report, "reused trail", arn)
    assert result["status"] == "pass"
    assert "logging, with management events" in result["detail"]
    assert code == 0


MANAGEMENT = {"Field": "eventCategory", "Equals": ["Management"]}


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ([MANAGEMENT], "pass"),
        ([MANAGEMENT, {"Field": "readOnly", "Equals": ["true"]}], "pass"),
        ([MANAGEMENT, {"Field": "eventSource", "Equals": ["bedrock.amazonaws.com", "s3.amazonaws.com"]}], "pass"),
        ([MANAGEMENT, {"Field": "readOnly", "Equals": ["false"]}], "fail"),
        ([MANAGEMENT, {"Field": "eventSource", "NotEquals": ["bedrock.amazonaws.com"]}], "fail"),
        ([MANAGEMENT, {"Field": "eventSource", "Equals": ["s3.amazonaws.com"]}], "fail"),
        (
            [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
            ],
            "fail",
        ),
    ],
    ids=["management", "read-only", "bedrock-among-sources", "write-only", "not-bedrock", "other-source", "data-only"],
)
def test_reused_trail_with_advanced_event_selectors(
    account: Account, capsys, net, fields: list[dict[str, Any]], status: str
) -> None:
    arn = trail(account, "org-trail", multi_region=True, advanced=fields)
    _, report = doctor(account, capsys, reused(net, arn))
    result = row(report, "reused trail", arn)
    assert result["status"] == status
    if status == "pass":
        assert result["detail"] == "logging, with management events"


def test_trails_multi_region_trail_with_advanced_selectors_to_reuse(account: Account, capsys, net) -> None:
    arn = trail(account, "org-trail", multi_region=True, advanced=[MANAGEMENT])
    _, report = doctor(account, capsys, base(net, cloudtrail={}))
    result = row(report, "trails in the region", "us-east-1")
    assert result["status"] == "warn"
    assert result["fix"] == f"set cloudtrail.existing_trail_arn: {arn} to reuse it"


def test_reused_trail_without_management_events(account: Account, capsys, net) -> None:
    arn = trail(account, "org-trail", multi_region=True, management=False)
    code, report = doctor(account, capsys, reused(net, arn))
    result = row(report, "reused trail", arn)
    assert result["status"] == "fail"
    assert "does not record management events" in result["detail"]
    assert "management-event selector" in result["fix"]
    assert code == 1


# --- EKS --------------------------------------------------------------------------------------------


def test_eks_cluster_missing(account: Account, capsys, net) -> None:
    code, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS cluster", CLUSTER)
    assert result["status"] == "fail"
    assert "no such cluster in account 123456789012, us-east-1" in result["detail"]
    assert "eks.clusters[].name" in result["fix"]
    assert code == 1


def test_eks_cluster_not_active(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER, status="CREATING")
    code, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS cluster", CLUSTER)
    assert result["status"] == "fail"
    assert "is CREATING, not ACTIVE" in result["detail"]
    assert "wait until it is ACTIVE" in result["fix"]
    assert [r for r in report["results"] if r["check"].startswith("EKS") and r["check"] != "EKS cluster"] == []
    assert code == 1


def test_eks_healthy_cluster_rows(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER)
    code, report = doctor(account, capsys, base(net, **eks()))
    eks_rows = [(r["check"], r["target"], r["status"]) for r in report["results"] if r["check"].startswith("EKS")]
    assert eks_rows == [
        ("EKS access entries", CLUSTER, "pass"),
        ("EKS authentication mode", CLUSTER, "pass"),
        ("EKS endpoint access", CLUSTER, "pass"),
        ("EKS access entry", CLUSTER, "pass"),
    ]
    assert code == 0


@pytest.mark.parametrize(
    ("version", "platform", "status", "fix"),
    [
        ("1.31", "eks.1", "pass", ""),
        ("1.28", "eks.5", "fail", "update the cluster to platform version eks.6 or later first"),
        ("1.28", "eks.6", "pass", ""),
        ("1.22", "eks.20", "fail", "update the cluster to Kubernetes 1.23 or later first"),
    ],
)
def test_eks_access_entries_supported(
    account: Account, capsys, net, version: str, platform: str, status: str, fix: str
) -> None:
    account.fake.add_cluster(CLUSTER, version=version, platform_version=platform)
    _, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS access entries", CLUSTER)
    assert result["status"] == status
    assert f"Kubernetes {version}, platform {platform}" in result["detail"]
    assert ("access entries available" if status == "pass" else "no access entries") in result["detail"]
    assert result["fix"] == fix


@pytest.mark.parametrize(("mode", "status"), [("CONFIG_MAP", "warn"), ("API", "pass"), ("API_AND_CONFIG_MAP", "pass")])
def test_eks_authentication_mode(account: Account, capsys, net, mode: str, status: str) -> None:
    account.fake.add_cluster(CLUSTER, auth_mode=mode)
    code, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS authentication mode", CLUSTER)
    assert result["status"] == status
    if status == "warn":
        assert "API_AND_CONFIG_MAP" in result["detail"] and "cannot undo" in result["detail"]
        assert "remove the cluster" in result["fix"]
    else:
        assert result["detail"] == f"{mode}: no change needed"
    assert code == 0


def test_eks_endpoint_private_only_without_opt_in(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER, public=False)
    code, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS endpoint access", CLUSTER)
    assert result["status"] == "fail"
    assert "private-only" in result["detail"]
    assert "enable_public_endpoint: true" in result["fix"]
    assert code == 1


def test_eks_endpoint_private_only_with_opt_in(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER, public=False)
    code, report = doctor(account, capsys, base(net, **eks({"name": CLUSTER, "enable_public_endpoint": True})))
    result = row(report, "EKS endpoint access", CLUSTER)
    assert result["status"] == "warn"
    assert "turns public access on for 34.71.64.3/32, 34.28.60.186/32 only" in result["detail"]
    assert "intended" in result["fix"]
    assert code == 0


def test_eks_endpoint_open_to_everyone(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER, cidrs=["0.0.0.0/0"])
    _, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS endpoint access", CLUSTER)
    assert result["status"] == "pass"
    assert "open to all addresses" in result["detail"]


def test_eks_endpoint_open_to_every_ipv6_address_only_gets_the_ipv4_discovery_cidrs(
    account: Account, capsys, net
) -> None:
    # A dual-stack endpoint filters IPv4 sources by the IPv4 ranges of its list: ::/0 admits none of them.
    account.fake.add_cluster(CLUSTER, cidrs=["::/0"], ip_family="ipv6")
    _, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS endpoint access", CLUSTER)
    assert (result["status"], result["detail"]) == ("pass", "1 CIDRs on the allow-list, 2 to add (limit 40)")


def cidrs(count: int) -> list[str]:
    return [f"52.0.{i}.0/24" for i in range(count)]


def test_eks_endpoint_cidr_limit_exceeded(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER, cidrs=cidrs(39))
    code, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS endpoint access", CLUSTER)
    assert result["status"] == "fail"
    assert "39 CIDRs on the allow-list; 2 more would pass the EKS limit of 40" in result["detail"]
    assert "remove at least 1 CIDRs" in result["fix"]
    assert code == 1


@pytest.mark.parametrize(("current", "new"), [(cidrs(38), 2), ([*cidrs(38), "34.71.64.3/32"], 1)])
def test_eks_endpoint_cidrs_within_limit(account: Account, capsys, net, current: list[str], new: int) -> None:
    account.fake.add_cluster(CLUSTER, cidrs=current)
    _, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS endpoint access", CLUSTER)
    assert result["status"] == "pass"
    assert f"{len(current)} CIDRs on the allow-list, {new} to add (limit 40)" in result["detail"]


@pytest.mark.parametrize(("family", "status"), [("ipv4", "fail"), ("ipv6", "pass")])
def test_eks_endpoint_ipv6_ranges_fail_on_an_ipv4_cluster(account: Account, capsys, net, family: str, status: str):
    account.fake.add_cluster(CLUSTER, ip_family=family, cidrs=["52.0.0.0/24"])
    _, report = doctor(account, capsys, base(net, **eks(allowed_cidrs=["34.71.64.3/32", "2600:1f18::/36"])))
    result = row(report, "EKS endpoint access", CLUSTER)
    assert result["status"] == status
    if status == "fail":
        assert result["detail"] == (
            "an IPv4 cluster: the IPv6 ranges 2600:1f18::/36 of eks.allowed_cidrs cannot be allowed on its endpoint"
        )
        assert result["fix"] == "remove the IPv6 ranges from eks.allowed_cidrs, or remove the cluster"
    else:
        assert result["detail"] == "1 CIDRs on the allow-list, 2 to add (limit 40)"


def test_eks_access_entry_exists_already(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER)
    account.fake.access_entries[(CLUSTER, ROLE)] = []
    code, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS access entry", CLUSTER)
    assert result["status"] == "fail"
    assert ROLE in result["detail"] and "exists already" in result["detail"]
    assert f"aws eks delete-access-entry --cluster-name {CLUSTER} --principal-arn {ROLE}" in result["fix"]
    assert code == 1


def test_eks_access_entry_absent(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER)
    _, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS access entry", CLUSTER)
    assert result["status"] == "pass"
    assert f"no access entry for {ROLE} yet" in result["detail"]


def test_eks_no_access_entry_row_with_a_created_discovery_role(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER)
    config = base(
        net,
        eks={"clusters": [{"name": CLUSTER}]},
        discovery_role={
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "airs-external-id",
        },
    )
    _, report = doctor(account, capsys, config)
    assert rows(report, "EKS access entry") == []
    assert row(report, "EKS access entries", CLUSTER)["status"] == "pass"


# --- Pod Identity agent -----------------------------------------------------------------------------


def pod(*, install: bool, cluster: str = CLUSTER) -> dict[str, Any]:
    entry = {"cluster": cluster, "namespace": "app1", "service_account": "app1-sa", "mode": "pod-identity"}
    return {**entry, "install_pod_identity_agent": True} if install else entry


def pods(net: dict[str, str], *, install: bool, cluster: str = CLUSTER) -> dict[str, Any]:
    return base(net, bedrock={"pod_access": [pod(install=install, cluster=cluster)]})


@pytest.mark.parametrize(
    ("present", "install", "status", "words", "fix"),
    [
        (False, False, "fail", "add-on is missing", "install_pod_identity_agent: true"),
        (False, True, "pass", "the stack installs eks-pod-identity-agent", ""),
        (True, False, "pass", "eks-pod-identity-agent installed", ""),
        (True, True, "fail", "installed already", "install_pod_identity_agent: false"),
    ],
)
def test_pod_identity_agent(
    account: Account, capsys, net, present: bool, install: bool, status: str, words: str, fix: str
) -> None:
    account.fake.add_cluster(CLUSTER)
    if present:
        account.fake.addons[CLUSTER].add("eks-pod-identity-agent")
    code, report = doctor(account, capsys, pods(net, install=install))
    result = row(report, "Pod Identity agent", CLUSTER)
    assert result["status"] == status
    assert words in result["detail"]
    assert fix in result["fix"]
    assert code == (1 if status == "fail" else 0)


def test_pod_identity_agent_not_checked_for_irsa(account: Account, capsys, net) -> None:
    pod = {
        "cluster": CLUSTER,
        "namespace": "app1",
        "service_account": "app1-sa",
        "mode": "irsa",
        "oidc_issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    }
    _, report = doctor(account, capsys, base(net, bedrock={"pod_access": [pod]}))
    assert rows(report, "Pod Identity agent") == []


def test_pod_identity_agent_cluster_missing(account: Account, capsys, net) -> None:
    code, report = doctor(account, capsys, pods(net, install=True, cluster="no-such-eks"))
    result = row(report, "Pod Identity agent", "no-such-eks")
    assert result["status"] == "fail"
    assert "cluster" in result["detail"] and "installs" not in result["detail"]
    assert code == 1


# --- Bedrock ----------------------------------------------------------------------------------------


def test_bedrock_models(account: Account, capsys, net) -> None:
    account.fake.models.add(MODEL)
    account.fake.profiles.add(PROFILE)
    unknown = "amazon.titan-text-express-v1"
    code, report = doctor(account, capsys, base(net, bedrock={"model_ids": [MODEL, PROFILE, unknown]}))
    model, profile, missing = (row(report, "Bedrock model", m) for m in (MODEL, PROFILE, unknown))
    assert (model["status"], model["detail"]) == ("pass", "offered in us-east-1 (foundation model)")
    assert (profile["status"], profile["detail"]) == ("pass", "offered in us-east-1 (inference profile)")
    assert (missing["status"], missing["detail"]) == ("fail", "not offered in us-east-1")
    assert "bedrock.model_ids" in missing["fix"] and "list-foundation-models" in missing["fix"]
    assert code == 1


def test_bedrock_inference_profile_on_a_later_page(account: Account, capsys, net) -> None:
    account.fake.profiles.update({"apac.first-profile-v1:0", "eu.second-profile-v1:0", PROFILE})  # PROFILE sorts last
    code, report = doctor(account, capsys, base(net, bedrock={"model_ids": [PROFILE]}))
    assert row(report, "Bedrock model", PROFILE)["status"] == "pass"
    assert account.fake.calls.count("ListInferenceProfiles") == 3  # one profile a page
    assert code == 0


def test_bedrock_no_model_ids_no_row(account: Account, capsys, net) -> None:
    code, report = doctor(account, capsys, base(net, bedrock={"model_ids": []}))
    assert rows(report, "Bedrock model") == []
    assert "ListFoundationModels" not in account.fake.calls
    assert code == 0


# --- refusals and retries ---------------------------------------------------------------------------


def test_access_denied_is_a_warning(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER)
    account.fake.denied.add("DescribeCluster")
    code, report = doctor(account, capsys, base(net, **eks()))
    result = row(report, "EKS cluster", CLUSTER)
    assert result["status"] == "warn"
    assert "eks:DescribeCluster" in result["detail"] and "not checked" in result["detail"]
    assert "allow eks:DescribeCluster" in result["fix"]
    assert row(report, "flow log target", net["subnet"])["status"] == "pass"  # the run went on
    assert code == 0


def test_access_denied_on_a_paginated_call_names_the_action(account: Account) -> None:
    account.fake.denied.add("ListInferenceProfiles")
    aws = Aws(account.session, account.region)
    with pytest.raises(MissingPermission) as refused:
        list(aws.pages("bedrock", "list_inference_profiles"))
    assert refused.value.action == "bedrock:ListInferenceProfiles"


def test_throttling_is_retried(account: Account, capsys, net, monkeypatch: pytest.MonkeyPatch) -> None:
    # Retried as against AWS, minus the waiting: no backoff delay, no adaptive rate limiting.
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)
    monkeypatch.setattr(
        "botocore.retries.adaptive.ClientRateLimiter.on_sending_request", lambda self, request, **kwargs: None
    )
    account.fake.models.add(MODEL)
    account.fake.throttled["ListFoundationModels"] = 2
    code, report = doctor(account, capsys, base(net, bedrock={"model_ids": [MODEL]}))
    assert row(report, "Bedrock model", MODEL)["status"] == "pass"
    assert account.fake.calls.count("ListFoundationModels") == 3
    assert code == 0


# --- credentials ------------------------------------------------------------------------------------


def test_credentials_of_another_account(account: Account, capsys, net) -> None:
    code, report = doctor(account, capsys, base(net, account="111111111111"))
    assert code == 2
    assert len(report["results"]) == 1
    result = row(report, "credentials", "123456789012")
    assert result["status"] == "fail"
    assert "123456789012" in result["detail"] and "111111111111" in result["detail"]
    assert "use credentials of 111111111111" in result["fix"]


def test_no_credentials(account: Account, capsys, net, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    capsys.readouterr()
    code = main(
        ["doctor", "--config", account.config_file(base(net)), "--json"], session=boto3.Session(region_name="us-east-1")
    )
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    result = row(report, "credentials", "sts")
    assert (result["status"], result["detail"]) == ("fail", "no AWS credentials found")
    assert "aws sso login" in result["fix"]


# --- exit codes -------------------------------------------------------------------------------------


def test_exit_0_when_everything_passes(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER)
    code, report = doctor(account, capsys, base(net, **eks()))
    assert report["summary"] == {"pass": 5, "warn": 0, "fail": 0}
    assert code == 0


def test_exit_0_with_warnings_only(account: Account, capsys, net) -> None:
    account.fake.add_cluster(CLUSTER, auth_mode="CONFIG_MAP")
    code, report = doctor(account, capsys, base(net, **eks()))
    assert report["summary"] == {"pass": 4, "warn": 1, "fail": 0}
    assert code == 0


def test_exit_1_on_any_fail(account: Account, capsys, net) -> None:
    code, report = doctor(account, capsys, base(net, **eks()))  # the cluster does not exist
    assert report["summary"]["fail"] == 1
    assert code == 1


def test_exit_2_on_a_config_mistake(account: Account, capsys, net) -> None:
    capsys.readouterr()
    code = account.run("doctor", base(net, flow_log={"typo": True}), "--json")
    out, err = capsys.readouterr()
    assert code == 2
    [result] = json.loads(out)["results"]  # with --json, the problem is JSON on stdout too
    assert (result["check"], result["status"]) == ("config", "fail") and result["detail"].startswith("flow_log")
    assert "config.yaml: 1 problem" in err and "flow_log" in err and "nothing was checked" in err


# --- read-only --------------------------------------------------------------------------------------


READ_ONLY = ("Describe", "List", "Get", "Head")


@pytest.mark.parametrize("variant", ["existing", "new"])
def test_doctor_makes_no_mutating_call(account: Account, capsys, net, variant: str) -> None:
    s3 = account.client("s3")
    s3.create_bucket(Bucket="flow-logs-existing")
    s3.put_bucket_policy(Bucket="flow-logs-existing", Policy=json.dumps(DELIVERY_POLICY))
    flow_log(account, net["vpc"], "other-flow-logs", "VPC")
    arn = trail(account, "org-trail", multi_region=True)
    account.fake.add_cluster(CLUSTER, auth_mode="CONFIG_MAP", public=False)
    account.fake.models.add(MODEL)
    called: list[str] = []
    account.session.events.register("before-call", lambda model, **_: called.append(model.name))
    config = {
        "flow_logs": {
            "subnet_ids": [net["subnet"]],
            "vpc_ids": [net["vpc"]],
            "bucket": {"existing_name": "flow-logs-existing"} if variant == "existing" else {"name": "flow-logs-new"},
        },
        "cloudtrail": {} if variant == "existing" else {"existing_trail_arn": arn},
        **eks({"name": CLUSTER, "enable_public_endpoint": True}),
        "bedrock": {"pod_access": [pod(install=True)], "model_ids": [MODEL]},
    }
    _, report = doctor(account, capsys, config)
    assert len(report["results"]) >= 10
    assert account.fake.calls and all(c.startswith(("Describe", "List", "Get")) for c in account.fake.calls), (
        account.fake.calls
    )
    assert {"DescribeSubnets", "DescribeVpcs", "DescribeFlowLogs", "GetCallerIdentity"} <= set(called)
    assert all(c.startswith(READ_ONLY) for c in called), called
