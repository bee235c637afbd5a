"""``eks.coverage: tagged`` and ``all``: no per-cluster resource; the account stack and the StackSet member
template compose one ``EstateCoverage`` that opens the clusters (beside listed flow logs, or covering the
VPCs too with all-vpcs), with the config's role, CIDRs, tags and log group key, and name its report in an
output. ``coverage: listed`` is unchanged (the snapshots hold its templates)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template

from onboarding_config.loader import config_from_mapping
from onboarding_constructs import ClusterCoverage, EstateCoverage
from stacks import AccountOnboardingStack, OrgOnboardingStack
from stacks.account_onboarding_stack import COVERAGE_REPORT
from stacks.coverage_options import NO_CLUSTERS, ClusterCoverageOptions
from tests.synth import Synthesized, synthesize

ACCOUNT = "111111111111"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::222222222222:role/airs-discovery"
OU = "ou-abcd-12345678"
SUBNET = "subnet-0a1b2c3d"
#: Resources only listed clusters have.
PER_CLUSTER_TYPES = ("AWS::EKS::AccessEntry", "Custom::EksClusterAccess")
#: Settings only VPC coverage has.
VPC_SETTINGS = ("BUCKET_ARN", "LOG_FORMAT", "FILE_FORMAT", "PER_HOUR_PARTITION", "MAX_AGGREGATION_INTERVAL")


def eks_config(coverage: str = "tagged", *, flow_logs: dict[str, Any] | None = None, **eks: Any) -> dict[str, Any]:
    return {
        "region": "us-east-1",
        "stack_name": "AirsClusters",
        "flow_logs": flow_logs if flow_logs is not None else {"subnet_ids": [SUBNET]},
        "eks": {"coverage": coverage, "discovery_role_arn": ROLE, **eks},
    }


def org_eks_config(coverage: str = "tagged", **extra: Any) -> dict[str, Any]:
    """Every VPC and the tagged (or all) clusters of each account and region: an organization's only choice."""
    return eks_config(coverage, flow_logs={}) | {
        "stack_name": "AirsOrgClusters",
        "organization": {"organizational_units": [OU], "regions": ["us-east-1", "eu-west-1"]},
        **extra,
    }


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(eks_config("tagged"), tmp_path_factory.mktemp("eks-tagged"))


@pytest.fixture(scope="module")
def every_cluster(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(eks_config("all"), tmp_path_factory.mktemp("eks-all"))


@pytest.fixture(scope="module")
def organization(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(org_eks_config(), tmp_path_factory.mktemp("org-eks-tagged"))


def account_stack(result: Synthesized) -> AccountOnboardingStack:
    assert isinstance(result.stack, AccountOnboardingStack)
    return result.stack


def settings(template: Template) -> dict[str, Any]:
    [resource] = template.find_resources("Custom::EstateCoverage").values()
    return resource["Properties"]["Settings"]


# --- the account stack --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["tagged", "every_cluster"])
def test_no_per_cluster_resource(fixture: str, request: pytest.FixtureRequest) -> None:
    stack = account_stack(request.getfixturevalue(fixture))
    assert stack.eks_access == {}
    template = Template.from_stack(stack)
    for kind in PER_CLUSTER_TYPES:
        template.resource_count_is(kind, 0)
    # Neither the EKS handler's function nor its role: the coverage function is the only one.
    template.resource_count_is("AWS::Lambda::Function", 1)
    template.resource_count_is("Custom::EstateCoverage", 1)


def test_tagged_composes_one_estate_coverage_beside_the_listed_flow_logs(tagged: Synthesized) -> None:
    stack = account_stack(tagged)
    assert isinstance(stack.estate_coverage, EstateCoverage)
    assert stack.estate_coverage.node.id == "EstateCoverage"
    assert stack.flow_logs is not None and list(stack.flow_logs.flow_logs) == [SUBNET]
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::FlowLog", 1)
    found = settings(template)
    # The listed flow logs stay the FlowLogs construct's: the runner covers no VPC.
    assert found["COVER_VPCS"] == "false"
    assert not set(VPC_SETTINGS) & set(found)


def test_tagged_settings_are_the_configs(tagged: Synthesized) -> None:
    found = settings(Template.from_stack(account_stack(tagged)))
    assert {key: found[key] for key in found if key != "ACCESS_POLICY_ARN"} == {
        "COVER_VPCS": "false",
        "CLUSTER_COVERAGE": "tagged",
        "OPT_IN_TAG_KEY": "airs-discovery",
        "OPT_IN_TAG_VALUE": "on",
        "PUBLIC_ENDPOINT_TAG_KEY": "airs-discovery-public-endpoint",
        "PUBLIC_ENDPOINT_TAG_VALUE": "allow",
        "DISCOVERY_ROLE_ARN": ROLE,
        "ALLOWED_CIDRS": "34.71.64.3/32,34.28.60.186/32",
        "OWNER": "AirsClusters",
        "REPORT_PARAMETER": "/airs-onboarding/coverage/AirsClusters",
    }
    assert "AmazonEKSViewPolicy" in str(found["ACCESS_POLICY_ARN"])


def test_all_opens_every_cluster(every_cluster: Synthesized) -> None:
    found = settings(Template.from_stack(account_stack(every_cluster)))
    assert (found["CLUSTER_COVERAGE"], found["COVER_VPCS"], found["DISCOVERY_ROLE_ARN"]) == ("all", "false", ROLE)


@pytest.mark.parametrize("fixture", ["tagged", "every_cluster"])
def test_the_report_parameter_is_an_output(fixture: str, request: pytest.FixtureRequest) -> None:
    result: Synthesized = request.getfixturevalue(fixture)
    Template.from_stack(account_stack(result)).has_output(
        "CoverageReport", {"Value": "/airs-onboarding/coverage/AirsClusters", "Description": COVERAGE_REPORT}
    )
    assert list(result.template["Outputs"]) == ["FlowLogBucketName", "FlowLogBucketArn", "Region", "CoverageReport"]


def test_every_cluster_option_reaches_the_runner(tmp_path: Path) -> None:
    config = eks_config(
        "tagged",
        opt_in_tag={"key": "team/discovery", "value": "yes"},
        public_endpoint_tag={"key": "discovery-public", "value": ""},
        allowed_cidrs=["34.71.64.3/32", "2600:1f18:4000::/40"],
    )
    found = settings(Template.from_stack(synthesize(config, tmp_path).stack))
    assert {k: found[k] for k in ("OPT_IN_TAG_KEY", "OPT_IN_TAG_VALUE", "PUBLIC_ENDPOINT_TAG_KEY")} == {
        "OPT_IN_TAG_KEY": "team/discovery",
        "OPT_IN_TAG_VALUE": "yes",
        "PUBLIC_ENDPOINT_TAG_KEY": "discovery-public",
    }
    assert found["PUBLIC_ENDPOINT_TAG_VALUE"] == ""
    assert found["ALLOWED_CIDRS"] == "34.71.64.3/32,2600:1f18:4000::/40"


def test_public_endpoint_tag_null_refuses_private_only_clusters(tmp_path: Path) -> None:
    found = settings(Template.from_stack(synthesize(eks_config("all", public_endpoint_tag=None), tmp_path).stack))
    assert (found["PUBLIC_ENDPOINT_TAG_KEY"], found["PUBLIC_ENDPOINT_TAG_VALUE"]) == ("", "")


def test_the_discovery_role_created_here_is_the_one_opened_to(tmp_path: Path) -> None:
    config = eks_config("tagged") | {
        "eks": {"coverage": "tagged"},
        "discovery_role": {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "a1b2c3",
        },
    }
    stack = account_stack(synthesize(config, tmp_path))
    assert stack.discovery_role is not None
    template = Template.from_stack(stack)
    role_id = stack.get_logical_id(stack.discovery_role.role.node.default_child)  # type: ignore[arg-type]
    assert settings(template)["DISCOVERY_ROLE_ARN"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_all_vpcs_and_tagged_clusters_share_one_runner(tmp_path: Path) -> None:
    config = eks_config("tagged", flow_logs={"coverage": "all-vpcs", "sweep_minutes": 15})
    stack = account_stack(synthesize(config, tmp_path))
    assert stack.flow_logs is None and stack.eks_access == {}
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::EstateCoverage", 1)
    template.resource_count_is("AWS::EC2::FlowLog", 0)
    found = settings(template)
    bucket_id = stack.get_logical_id(stack.flow_log_bucket.bucket.node.default_child)  # type: ignore[arg-type]
    assert {k: found[k] for k in ("COVER_VPCS", "BUCKET_ARN", "CLUSTER_COVERAGE", "EXCLUDE_TAG_KEY")} == {
        "COVER_VPCS": "true",
        "BUCKET_ARN": {"Fn::GetAtt": [bucket_id, "Arn"]},
        "CLUSTER_COVERAGE": "tagged",
        "EXCLUDE_TAG_KEY": "airs-discovery",
    }
    # One schedule for both: flow_logs.sweep_minutes.
    template.has_resource_properties("AWS::Events::Rule", {"ScheduleExpression": "rate(15 minutes)"})


def test_listed_flow_logs_and_tagged_clusters_sweep_hourly(tagged: Synthesized) -> None:
    Template.from_stack(account_stack(tagged)).has_resource_properties(
        "AWS::Events::Rule", {"ScheduleExpression": "rate(1 hour)"}
    )


def test_the_log_group_key_is_the_eks_one(tmp_path: Path) -> None:
    config = eks_config("tagged", log_group_kms_key_arn=KEY_ARN) | {"account": ACCOUNT}
    stack = account_stack(synthesize(config, tmp_path))
    assert stack.estate_coverage is not None
    template = Template.from_stack(stack)
    [log_group] = template.find_resources("AWS::Logs::LogGroup").values()
    assert log_group["Properties"]["KmsKeyId"] == KEY_ARN


def test_listed_clusters_keep_their_resources_and_no_runner(tmp_path: Path) -> None:
    stack = account_stack(synthesize(eks_config("listed", clusters=[{"name": "prod-eks"}]), tmp_path))
    assert stack.estate_coverage is None
    assert list(stack.eks_access) == ["prod-eks"]
    template = Template.from_stack(stack)
    template.resource_count_is("Custom::EstateCoverage", 0)
    template.resource_count_is("AWS::EKS::AccessEntry", 1)
    assert "CoverageReport" not in template.to_json()["Outputs"]


# --- the options ----------------------------------------------------------------------------------------


def test_no_clusters_is_the_constructs_defaults() -> None:
    assert NO_CLUSTERS == ClusterCoverageOptions()
    assert NO_CLUSTERS.covers_clusters is False
    assert (NO_CLUSTERS.cluster_coverage, NO_CLUSTERS.discovery_role_arn) == (None, None)
    assert NO_CLUSTERS.opt_in_tag == ("airs-discovery", "on")
    assert NO_CLUSTERS.public_endpoint_tag == ("airs-discovery-public-endpoint", "allow")
    assert tuple(NO_CLUSTERS.allowed_cidrs) == ("34.71.64.3/32", "34.28.60.186/32")


@pytest.mark.parametrize(
    ("eks", "expected"),
    [
        pytest.param(None, NO_CLUSTERS, id="no-eks-section"),
        pytest.param({"clusters": [{"name": "a"}]}, NO_CLUSTERS, id="listed"),
        pytest.param(
            {"coverage": "tagged"},
            ClusterCoverageOptions(cluster_coverage=ClusterCoverage.TAGGED, discovery_role_arn=ROLE),
            id="tagged",
        ),
        pytest.param(
            {"coverage": "all", "public_endpoint_tag": None, "allowed_cidrs": ["34.71.64.3/32"]},
            ClusterCoverageOptions(
                cluster_coverage=ClusterCoverage.ALL,
                discovery_role_arn=ROLE,
                allowed_cidrs=("34.71.64.3/32",),
                public_endpoint_tag=None,
            ),
            id="all",
        ),
    ],
)
def test_options_from_the_config(eks: dict[str, Any] | None, expected: ClusterCoverageOptions) -> None:
    data: dict[str, Any] = {"region": "us-east-1", "flow_logs": {"subnet_ids": [SUBNET]}}
    if eks is not None:
        data["eks"] = {"discovery_role_arn": ROLE, **eks}
    config = config_from_mapping(data, source="test")
    options = ClusterCoverageOptions.from_config(config.eks, discovery_role_arn=ROLE)
    assert options == expected
    assert options.covers_clusters is (expected is not NO_CLUSTERS)


def test_options_need_a_role_with_a_coverage() -> None:
    config = config_from_mapping(eks_config("tagged"), source="test")
    with pytest.raises(ValueError, match="no discovery role"):
        ClusterCoverageOptions.from_config(config.eks, discovery_role_arn=None)


# --- the StackSet member template -----------------------------------------------------------------------


def test_the_member_template_opens_each_accounts_tagged_clusters(organization: Synthesized) -> None:
    assert isinstance(organization.stack, OrgOnboardingStack)
    member = organization.stack.member
    assert isinstance(member.estate_coverage, EstateCoverage)
    assert member.eks_access == {}
    template = Template.from_json(organization.member_template)
    for kind in PER_CLUSTER_TYPES:
        template.resource_count_is(kind, 0)
    [coverage] = template.find_resources("Custom::EstateCoverage").values()
    assert "Condition" not in coverage  # in every account and region
    found = coverage["Properties"]["Settings"]
    # eks.discovery_role_arn names one role for every account: a literal, not a parameter.
    assert found["DISCOVERY_ROLE_ARN"] == ROLE
    assert (found["CLUSTER_COVERAGE"], found["COVER_VPCS"], found["OWNER"]) == ("tagged", "true", "AirsOrgClusters")
    template.has_output(
        "CoverageReport", {"Value": "/airs-onboarding/coverage/AirsOrgClusters", "Description": COVERAGE_REPORT}
    )


def test_the_member_template_has_no_parameter(organization: Synthesized) -> None:
    member = organization.member_template
    assert "Parameters" not in member
    assert "Metadata" not in member or "AWS::CloudFormation::Interface" not in member["Metadata"]


def test_each_account_opens_its_clusters_to_its_own_discovery_role(tmp_path: Path) -> None:
    """With a discovery_role section: the home region's coverage names the role it creates (and so waits for
    it), the other regions the same role by its ARN."""
    config = org_eks_config()
    del config["eks"]["discovery_role_arn"]
    config["discovery_role"] = {"trusted_principal_arn": "arn:aws:iam::999999999999:role/d", "external_id": "ext-12"}
    result = synthesize(config, tmp_path)
    assert isinstance(result.stack, OrgOnboardingStack)
    member = result.stack.member
    assert member.discovery_role is not None
    role_id = member.resolve(member.get_logical_id(member.discovery_role.role.node.default_child))
    template = Template.from_json(result.member_template)
    computed = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":role/airs-discovery"],
        ]
    }
    assert settings(template)["DISCOVERY_ROLE_ARN"] == {
        "Fn::If": ["IsHomeRegion", {"Fn::GetAtt": [role_id, "Arn"]}, computed]
    }


def test_all_vpcs_and_all_clusters_in_every_member_account(tmp_path: Path) -> None:
    member = synthesize(org_eks_config("all"), tmp_path).member_template
    assert "Parameters" not in member
    template = Template.from_json(member)
    template.resource_count_is("AWS::EC2::FlowLog", 0)
    [coverage] = template.find_resources("Custom::EstateCoverage").values()
    assert (
        coverage["Properties"]["Settings"]["COVER_VPCS"],
        coverage["Properties"]["Settings"]["CLUSTER_COVERAGE"],
    ) == (
        "true",
        "all",
    )
