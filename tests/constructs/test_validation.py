"""One rule, one wording: for the same bad value, a construct and the config report the same problem text,
the library rule's, and differ only in where they say it is (the construct's prop, the config's key path)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_s3 as s3

from onboarding_config.loader import ConfigError, Problem
from onboarding_constructs import (
    BedrockAuditTrail,
    BedrockInvokerInstanceRole,
    DiscoveryRole,
    EksDiscoveryAccess,
    FlowLogBucket,
    FlowLogs,
    PodBedrockAccess,
    ServiceManagedStackSet,
    render_manifest,
)
from onboarding_constructs import validation as rules
from tests.conftest import MINIMAL_CONFIG, config_with, load, new_stack
from tests.constructs.props_errors import props_error

SUBNET = "subnet-0a1b2c3d4e5f60718"
VPC = "vpc-0a1b2c3d"
ROLE = "arn:aws:iam::111111111111:role/airs-discovery"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
TRAIL = "arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail"
OU = "ou-abcd-12345678"
ACCOUNT = "222222222222"
OTHER = "333333333333"
SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
POD = {"cluster": "prod", "namespace": "app", "service_account": "invoker"}
CIDRS = [f"34.71.64.{i}/32" for i in range(41)]


def flow_logs(stack: Stack, **props: Any) -> FlowLogs:
    bucket = s3.Bucket.from_bucket_name(stack, "Bucket", "flow-logs")
    return FlowLogs(stack, "Construct", bucket=bucket, **{"subnet_ids": [SUBNET], **props})


def eks(stack: Stack, **props: Any) -> EksDiscoveryAccess:
    return EksDiscoveryAccess(stack, "Construct", **{"cluster_name": "prod", "principal_arn": ROLE, **props})


def pod(stack: Stack, **props: Any) -> PodBedrockAccess:
    return PodBedrockAccess(
        stack, "Construct", **{"cluster_name": "prod", "namespace": "app", "service_account": "invoker", **props}
    )


def stack_set(stack: Stack, **props: Any) -> ServiceManagedStackSet:
    return ServiceManagedStackSet(
        stack,
        "Construct",
        **{
            "template_url": "https://bucket.s3.us-east-1.amazonaws.com/member.json",
            "stack_set_name": "Members",
            "organizational_units": [OU],
            "regions": ["us-east-1"],
            **props,
        },
    )


def existing_bucket(stack: Stack, **props: Any) -> FlowLogBucket:
    bucket = s3.Bucket.from_bucket_name(stack, "Existing", "customer-logs")
    return FlowLogBucket(stack, "Construct", existing_bucket=bucket, **props)


def eks_config(**eks_section: Any) -> dict[str, Any]:
    return config_with(eks={"discovery_role_arn": ROLE, **eks_section})


def org_config(**organization: Any) -> dict[str, Any]:
    """An organization config (every VPC of each account: an organization lists no subnet) with these keys."""
    return config_with(
        flow_logs={}, organization={"organizational_units": [OU], "regions": ["us-east-1"], **organization}
    )


def pod_config(**entry: Any) -> dict[str, Any]:
    return config_with(bedrock={"pod_access": [{**POD, **entry}]})


@dataclass(frozen=True)
class Case:
    """The same bad value given to a construct (``build``) and to the config (``config``).

    ``prop`` is where the construct says the problem is (``None``: the construct as a whole), ``key``
    where the config says it is; ``rule`` is the library's answer, which both must give word for word.
    """

    build: Callable[[Stack], object]
    prop: str | None
    config: dict[str, Any]
    key: str
    rule: str | None


CASES: dict[str, Case] = {
    # each value of a list, on its own
    "subnet id": Case(
        lambda s: flow_logs(s, subnet_ids=["subnet-12"]),
        "subnet_ids[0]",
        config_with(flow_logs={"subnet_ids": ["subnet-12"]}),
        "flow_logs.subnet_ids[0]",
        rules.subnet_id_problem("subnet-12"),
    ),
    "public CIDR": Case(
        lambda s: eks(s, allowed_cidrs=["34.71.64.3/32", "10.0.0.0/8"]),
        "allowed_cidrs[1]",
        eks_config(allowed_cidrs=["34.71.64.3/32", "10.0.0.0/8"]),
        "eks.allowed_cidrs[1]",
        rules.public_cidr_problem("10.0.0.0/8"),
    ),
    "model id": Case(
        lambda s: BedrockInvokerInstanceRole(s, "Construct", model_ids=["claude"]),
        "model_ids[0]",
        config_with(bedrock={"model_ids": ["claude"]}),
        "bedrock.model_ids[0]",
        rules.model_id_problem("claude"),
    ),
    "sensitive read": Case(
        lambda s: DiscoveryRole(
            s, "Construct", trusted_principal_arn=ROLE, external_id="abc123", allow_sensitive_reads=["s3:GetObject"]
        ),
        "allow_sensitive_reads[0]",
        config_with(
            discovery_role={
                "trusted_principal_arn": ROLE,
                "external_id": "abc123",
                "allow_sensitive_reads": ["s3:GetObject"],
            }
        ),
        "discovery_role.allow_sensitive_reads[0]",
        rules.sensitive_read_problem("s3:GetObject"),
    ),
    "OU id": Case(
        lambda s: stack_set(s, organizational_units=["ou-AB12-cd345678"]),
        "organizational_units[0]",
        org_config(organizational_units=["ou-AB12-cd345678"]),
        "organization.organizational_units[0]",
        rules.organizational_unit_id_problem("ou-AB12-cd345678"),
    ),
    "account id": Case(
        lambda s: stack_set(s, exclude_accounts=["12345"]),
        "exclude_accounts[0]",
        org_config(exclude_accounts=["12345"]),
        "organization.exclude_accounts[0]",
        rules.account_id_problem("12345"),
    ),
    # a list as a whole
    "CIDRs: empty": Case(
        lambda s: eks(s, allowed_cidrs=[]),
        "allowed_cidrs",
        eks_config(allowed_cidrs=[]),
        "eks.allowed_cidrs",
        rules.allowed_cidrs_problems([])[0],
    ),
    "CIDRs: one block twice": Case(
        lambda s: eks(s, allowed_cidrs=["34.71.64.3", "34.71.64.3/32"]),
        "allowed_cidrs",
        eks_config(allowed_cidrs=["34.71.64.3", "34.71.64.3/32"]),
        "eks.allowed_cidrs",
        rules.allowed_cidrs_problems(["34.71.64.3", "34.71.64.3/32"])[0],
    ),
    "CIDRs: more than EKS takes": Case(
        lambda s: eks(s, allowed_cidrs=CIDRS),
        "allowed_cidrs",
        eks_config(allowed_cidrs=CIDRS),
        "eks.allowed_cidrs",
        rules.allowed_cidrs_problems(CIDRS)[0],
    ),
    "flow-log targets: an id twice": Case(
        lambda s: flow_logs(s, subnet_ids=[SUBNET], vpc_ids=[VPC, VPC]),
        None,
        config_with(flow_logs={"subnet_ids": [SUBNET], "vpc_ids": [VPC, VPC]}),
        "flow_logs",
        rules.flow_log_targets_problems([SUBNET], [VPC, VPC])[0],
    ),
    "flow-log targets: none": Case(
        lambda s: flow_logs(s, subnet_ids=[]),
        None,
        config_with(flow_logs={"subnet_ids": []}),
        "flow_logs",
        rules.flow_log_targets_problems([], [])[0],
    ),
    "model ids: one twice": Case(
        lambda s: BedrockInvokerInstanceRole(s, "Construct", model_ids=[SONNET, SONNET]),
        "model_ids",
        config_with(bedrock={"model_ids": [SONNET, SONNET]}),
        "bedrock.model_ids",
        rules.repeated_problem([SONNET, SONNET]),
    ),
    "StackSet: no OU": Case(
        lambda s: stack_set(s, organizational_units=[]),
        "organizational_units",
        org_config(organizational_units=[]),
        "organization.organizational_units",
        rules.target_list_problems("organizational_units", [])[0],
    ),
    "StackSet: a region twice": Case(
        lambda s: stack_set(s, regions=["us-east-1", "us-east-1"]),
        "regions",
        org_config(regions=["us-east-1", "us-east-1"]),
        "organization.regions",
        rules.target_list_problems("regions", ["us-east-1", "us-east-1"])[0],
    ),
    # settings that depend on each other
    "include and exclude accounts": Case(
        lambda s: stack_set(s, include_accounts=[ACCOUNT], exclude_accounts=[OTHER]),
        None,
        org_config(include_accounts=[ACCOUNT], exclude_accounts=[OTHER]),
        "organization",
        rules.include_exclude_problem([ACCOUNT], [OTHER]),
    ),
    "concurrency mode": Case(
        lambda s: stack_set(s, concurrency_mode="SOFT"),
        "concurrency_mode",
        org_config(concurrency_mode="SOFT"),
        "organization.concurrency_mode",
        rules.concurrency_mode_problem("SOFT"),
    ),
    "IRSA without an issuer": Case(
        lambda s: pod(s, mode="irsa"),
        None,
        pod_config(mode="irsa"),
        "bedrock.pod_access[0]",
        rules.pod_access_mode_problems("irsa", oidc_issuer=None, install_pod_identity_agent=False)[0],
    ),
    "an issuer with Pod Identity": Case(
        lambda s: pod(s, oidc_issuer=ISSUER),
        None,
        pod_config(oidc_issuer=ISSUER),
        "bedrock.pod_access[0]",
        rules.pod_access_mode_problems("pod-identity", oidc_issuer=ISSUER, install_pod_identity_agent=False)[0],
    ),
    "the agent with IRSA": Case(
        lambda s: pod(s, mode="irsa", oidc_issuer=ISSUER, install_pod_identity_agent=True),
        None,
        pod_config(mode="irsa", oidc_issuer=ISSUER, install_pod_identity_agent=True),
        "bedrock.pod_access[0]",
        rules.pod_access_mode_problems("irsa", oidc_issuer=ISSUER, install_pod_identity_agent=True)[0],
    ),
    "existing bucket with new-bucket settings": Case(
        lambda s: existing_bucket(s, retention=Duration.days(30)),
        None,
        config_with(
            flow_logs={
                **MINIMAL_CONFIG["flow_logs"],
                "bucket": {"existing_name": "customer-logs", "retention_days": 30},
            }
        ),
        "flow_logs.bucket",
        None,  # the setting is spelt retention (prop) or retention_days (key): compared below, by kind
    ),
    "existing trail with new-trail settings": Case(
        lambda s: BedrockAuditTrail(s, "Construct", existing_trail_arn=TRAIL, bedrock_data_events=True),
        None,
        config_with(cloudtrail={"existing_trail_arn": TRAIL, "bedrock_data_events": True}),
        "cloudtrail",
        rules.existing_resource_problem("existing_trail_arn", "trail", ["bedrock_data_events"]),
    ),
    # a choice among a few values
    "file format": Case(
        lambda s: flow_logs(s, file_format="csv"),
        "file_format",
        config_with(flow_logs={**MINIMAL_CONFIG["flow_logs"], "file_format": "csv"}),
        "flow_logs.file_format",
        rules.file_format_problem("csv"),
    ),
    "aggregation interval": Case(
        lambda s: flow_logs(s, max_aggregation_interval=300),
        "max_aggregation_interval",
        config_with(flow_logs={**MINIMAL_CONFIG["flow_logs"], "max_aggregation_seconds": 300}),
        "flow_logs.max_aggregation_seconds",
        rules.aggregation_interval_problem(300),
    ),
    "pod access mode": Case(
        lambda s: pod(s, mode="IRSA"),
        "mode",
        pod_config(mode="IRSA"),
        "bedrock.pod_access[0].mode",
        rules.mode_problem("IRSA"),
    ),
    "call_as": Case(
        lambda s: stack_set(s, call_as="ADMIN"),
        "call_as",
        org_config(call_as="ADMIN"),
        "organization.call_as",
        rules.call_as_problem("ADMIN"),
    ),
    "percentage": Case(
        lambda s: stack_set(s, max_concurrent_percentage=0),
        "max_concurrent_percentage",
        org_config(max_concurrent_percentage=0),
        "organization.max_concurrent_percentage",
        rules.percentage_problem(0, 1),
    ),
}


def construct_problem(case: Case) -> str:
    """The one problem the construct reports, without the prop it names."""
    [problem] = props_error(lambda: case.build(new_stack())).problems
    if case.prop is None:
        return problem
    prefix = f"{case.prop}: "
    assert problem.startswith(prefix), problem
    return problem.removeprefix(prefix)


def config_problem(case: Case) -> str:
    """The one problem the config reports, which must be at ``case.key``."""
    with pytest.raises(ConfigError) as refused:
        load(case.config)
    [problem] = refused.value.problems
    assert problem.path == case.key, problem
    return problem.message


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_construct_and_the_config_say_the_same(case: Case) -> None:
    in_construct, in_config = construct_problem(case), config_problem(case)
    if case.rule is None:
        # Both name the setting in their own spelling; the rest of the sentence is the rule's.
        assert in_construct == rules.existing_resource_problem("existing_bucket", "bucket", ["retention"])
        assert in_config == rules.existing_resource_problem("existing_name", "bucket", ["retention_days"])
    else:
        assert in_construct == in_config == case.rule


def test_a_rule_that_finds_several_problems_is_reported_in_full_by_both() -> None:
    cidrs = ["34.71.64.0", *CIDRS]  # 34.71.64.0 is 34.71.64.0/32 spelt short: twice, and 42 blocks
    expected = rules.allowed_cidrs_problems(cidrs)
    assert len(expected) == 2
    error = props_error(lambda: eks(new_stack(), allowed_cidrs=cidrs))
    assert error.problems == tuple(f"allowed_cidrs: {problem}" for problem in expected)
    with pytest.raises(ConfigError) as refused:
        load(eks_config(allowed_cidrs=cidrs))
    assert refused.value.problems == [Problem("eks.allowed_cidrs", problem) for problem in expected]


def test_the_stack_set_problems_of_one_config_section_are_all_reported() -> None:
    with pytest.raises(ConfigError) as refused:
        load(org_config(organizational_units=[], regions=[], include_accounts=[ACCOUNT], exclude_accounts=[OTHER]))
    assert refused.value.problems == [
        Problem("organization.organizational_units", rules.target_list_problems("organizational_units", [])[0]),
        Problem("organization.regions", rules.target_list_problems("regions", [])[0]),
        Problem("organization", str(rules.include_exclude_problem([ACCOUNT], [OTHER]))),
    ]


def test_render_manifest_and_the_config_name_a_region_alike() -> None:
    error = props_error(
        lambda: render_manifest(namespace="app", service_account="sa", mode="irsa", role_arn=ROLE, region="us-east-7")
    )
    with pytest.raises(ConfigError) as refused:
        load(config_with(region="us-east-7"))
    [problem] = refused.value.problems
    assert error.problems == (f"region: {problem.message}",)
    assert problem.message == rules.region_problem("us-east-7")
