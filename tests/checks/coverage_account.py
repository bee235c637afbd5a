"""What the all-vpcs coverage tests share: a config with ``flow_logs.coverage: all-vpcs``, VPCs and flow
logs in moto, and one rule run on the fake account with the findings as tuples."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from onboarding_checks.aws import Aws
from onboarding_checks.probes import COVERAGE_TAG_KEY
from onboarding_checks.rules import Context, Rule
from onboarding_checks.runner import run_checks
from onboarding_config.loader import config_from_mapping
from onboarding_config.model import OnboardingConfig
from onboarding_constructs._flow_log_fields import log_format
from tests.checks.conftest import Account

STACK = "AirsOnboarding"
BUCKET = "airs-flow-logs"
#: The format the stack writes: every standard field.
FULL = log_format(include_ecs_fields=False)
#: What a flow log in the default format (the version 2 fields) lacks, in the order the checks name them.
LACKING_IN_THE_DEFAULT_FORMAT = (
    "vpc-id, subnet-id, instance-id, tcp-flags, type, pkt-srcaddr, pkt-dstaddr, region, az-id, sublocation-type,"
    " sublocation-id, pkt-src-aws-service, pkt-dst-aws-service, flow-direction, traffic-path, reject-reason,"
    " resource-id, encryption-status, interface-type, next-hop-interface-id, next-hop-subnet-id, next-hop-az-id,"
    " next-hop-vpc-id, next-hop-interface-type"
)
SWEEPS = {COVERAGE_TAG_KEY: STACK}


def all_vpcs(**flow_logs: Any) -> OnboardingConfig:
    """A config of coverage all-vpcs, with ``flow_logs`` keys added."""
    return config_from_mapping(
        {"region": "us-east-1", "stack_name": STACK, "flow_logs": {"coverage": "all-vpcs", **flow_logs}}
    )


def findings(
    account: Account,
    config: OnboardingConfig,
    rule: Rule[Any],
    outputs: dict[str, dict[str, str]] | None = None,
) -> list[tuple[str, str, str, str]]:
    """(status, on, detail, fix) of each finding of ``rule``, run as doctor or verify run it."""
    context = Context(
        config=config, aws=Aws(account.session, account.region), account=account.account_id, outputs=outputs
    )
    results = run_checks(context, [rule], progress_console=Console(file=io.StringIO()))
    return [(r.status.value, r.target, r.detail, r.fix) for r in results]


def default_vpc(account: Account) -> str:
    """The VPC moto creates in every region, as AWS does."""
    [vpc] = account.client("ec2").describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    return str(vpc["VpcId"])


def no_default_vpc(account: Account) -> None:
    """Deletes the default VPC (its subnets and internet gateway first)."""
    ec2, vpc = account.client("ec2"), default_vpc(account)
    for subnet in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    for gateway in ec2.describe_internet_gateways()["InternetGateways"]:
        ec2.detach_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"], VpcId=vpc)
        ec2.delete_internet_gateway(InternetGatewayId=gateway["InternetGatewayId"])
    ec2.delete_vpc(VpcId=vpc)


def vpc(account: Account, number: int, tags: dict[str, str] | None = None) -> str:
    """A VPC 10.<number>.0.0/16 with ``tags``."""
    specification = [{"ResourceType": "vpc", "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}]
    answer = account.client("ec2").create_vpc(
        CidrBlock=f"10.{number}.0.0/16", **({"TagSpecifications": specification} if tags else {})
    )
    return str(answer["Vpc"]["VpcId"])


def flow_log(
    account: Account,
    vpc_id: str,
    bucket: str,
    *,
    log_format: str | None = None,
    tags: dict[str, str] | None = None,
    like_the_sweep: bool = False,
) -> str:
    """A flow log of the VPC to ``bucket`` (created if needed), in ``log_format`` (None: the default), tagged;
    ``like_the_sweep``: with the format, interval and file options the sweep gives a default config's."""
    s3 = account.client("s3")
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=bucket)
    extra: dict[str, Any] = {"LogFormat": log_format} if log_format else {}
    if like_the_sweep:
        extra = {"LogFormat": FULL, "MaxAggregationInterval": 600, "DestinationOptions": SWEEP_OPTIONS}
    if tags:
        extra["TagSpecifications"] = [
            {"ResourceType": "vpc-flow-log", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    answer = account.client("ec2").create_flow_logs(
        ResourceIds=[vpc_id],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=f"arn:aws:s3:::{bucket}",
        **extra,
    )
    assert not answer["Unsuccessful"], answer
    flow_log_id = str(answer["FlowLogIds"][0])
    _remember_destination_options(account, flow_log_id, extra.get("DestinationOptions"))
    return flow_log_id


#: The DestinationOptions the sweep gives a default config's flow logs.
SWEEP_OPTIONS = {"FileFormat": "plain-text", "HiveCompatiblePartitions": False, "PerHourPartition": True}


def _remember_destination_options(account: Account, flow_log_id: str, options: dict[str, Any] | None) -> None:
    """moto drops DestinationOptions; EC2 returns them (CreateFlowLogs' defaults when none were given) for a
    flow log to S3. The session's DescribeFlowLogs answers get them back (the record lives on the session,
    so each test's account starts with none)."""
    session = account.session
    remembered: dict[str, dict[str, Any]] | None = getattr(session, "_destination_options", None)
    if remembered is None:
        remembered = {}
        session._destination_options = remembered  # type: ignore[attr-defined]
        default = {"FileFormat": "plain-text", "HiveCompatiblePartitions": False, "PerHourPartition": False}

        def add_options(parsed: dict[str, Any], **_kwargs: Any) -> None:
            for each in parsed.get("FlowLogs", []):
                if each.get("LogDestinationType") == "s3":
                    each.setdefault("DestinationOptions", remembered.get(each["FlowLogId"], default))

        session.events.register("after-call.ec2.DescribeFlowLogs", add_options)
    if options:
        remembered[flow_log_id] = options
