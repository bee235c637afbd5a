"""OrgOnboardingStack and its StackSet member template: targets, parameters, conditions, and what
a StackSet target account needs (no assets, no bootstrap, no name collisions across regions)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from aws_cdk import App, CfnResource, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk.assertions import Match, Template

from onboarding_app import summary
from onboarding_config.loader import config_from_mapping
from stacks import MemberOnboardingStack, OrgOnboardingStack, StackSetTemplateSynthesizer
from tests.conftest import REPO_ROOT
from tests.gates.scenarios import SCENARIOS
from tests.synth import Synthesized, scrubbed, synthesize

ORG_EXAMPLE = yaml.safe_load((REPO_ROOT / "config" / "organization.example.yaml").read_text())
OU = "ou-abcd-12345678"


def org_config(**organization: Any) -> dict[str, Any]:
    """A small organization config: one subnet and one cluster as defaults."""
    return {
        "region": "us-east-1",
        "stack_name": "AirsOrg",
        "organization": {"organizational_units": [OU], "regions": ["us-east-1", "eu-west-1"], **organization},
        "flow_logs": {"subnet_ids": ["subnet-1234abcd"]},
        "eks": {
            "discovery_role_arn": "arn:aws:iam::222222222222:role/airs-discovery",
            "clusters": [{"name": "prod-eks"}],
        },
    }


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(ORG_EXAMPLE, tmp_path_factory.mktemp("org-example"))


@pytest.fixture(scope="module")
def delegated(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(SCENARIOS["organization-delegated"], tmp_path_factory.mktemp("org-delegated"))


def stack_set(result: Synthesized) -> dict[str, Any]:
    [resource] = [r for r in result.template["Resources"].values() if r["Type"] == "AWS::CloudFormation::StackSet"]
    return resource["Properties"]


def groups_of(config: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    return stack_set(synthesize(config, tmp_path))["StackInstancesGroup"]


# --- snapshots -------------------------------------------------------------------------------------------


def test_org_stack_snapshot(example: Synthesized, snapshot) -> None:
    assert scrubbed(example.template) == snapshot


def test_member_template_snapshot(example: Synthesized, snapshot) -> None:
    """Logical ids are kept on purpose: a changed id means every member account replaces the resource."""
    assert scrubbed(example.member_template) == snapshot


# --- the StackSet (its instance-group rules are ServiceManagedStackSet's, tested with it) ----------------


def test_stack_set_is_service_managed_with_the_configured_operation(example: Synthesized) -> None:
    Template.from_json(example.template).has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "StackSetName": "AirsOnboarding",
            "PermissionModel": "SERVICE_MANAGED",
            "CallAs": "SELF",
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": True},
            "ManagedExecution": {"Active": True},
            "OperationPreferences": {
                "RegionConcurrencyType": "PARALLEL",
                "MaxConcurrentPercentage": 25,
                "FailureTolerancePercentage": 10,
            },
            "Tags": Match.array_with([{"Key": "team", "Value": "platform"}]),
        },
    )


def test_stack_defines_no_resource_itself(example: Synthesized) -> None:
    stack = example.stack
    own = [child.node.id for child in stack.node.children if isinstance(child, CfnResource)]
    assert own == []
    resources = [c for c in stack.node.find_all() if isinstance(c, CfnResource)]
    # The member template is a stack of its own: its resources are not this stack's.
    assert {r.node.path.split("/")[1] for r in resources if r.stack is stack} == {"StackSet"}


def test_org_stack_has_only_the_stack_set(example: Synthesized) -> None:
    assert [r["Type"] for r in example.template["Resources"].values()] == ["AWS::CloudFormation::StackSet"]


def test_delegated_admin_and_no_auto_deployment(delegated: Synthesized) -> None:
    properties = stack_set(delegated)
    assert properties["CallAs"] == "DELEGATED_ADMIN"
    # CloudFormation accepts RetainStacksOnAccountRemoval only with auto-deployment on.
    assert properties["AutoDeployment"] == {"Enabled": False}
    assert properties["OperationPreferences"]["MaxConcurrentPercentage"] == 100
    assert properties["OperationPreferences"]["FailureTolerancePercentage"] == 0


def test_template_url_is_the_uploaded_member_template(example: Synthesized) -> None:
    url = json.dumps(stack_set(example)["TemplateURL"])
    [asset_hash] = re.findall(r"([0-9a-f]{64})\.json", url)
    assets = json.loads((example.template_path.parent / "AirsOnboarding.assets.json").read_text())
    assert assets["files"][asset_hash]["source"] == {
        "path": "AirsOnboarding.MemberTemplate.template.json",
        "packaging": "file",
    }
    assert example.member_template_path == example.template_path.parent / "AirsOnboarding.MemberTemplate.template.json"


def test_accounts_with_overrides_get_their_own_group_and_are_left_out_of_the_shared_one(tmp_path: Path) -> None:
    config = org_config(
        exclude_accounts=["999999999999"],
        account_overrides={
            "222222222222": {"subnet_ids": []},
            "333333333333": {"clusters": [{"name": "a"}, {"name": "b", "enable_public_endpoint": True}]},
        },
    )
    shared, first, second = groups_of(config, tmp_path)
    assert shared["DeploymentTargets"] == {
        "OrganizationalUnitIds": [OU],
        "AccountFilterType": "DIFFERENCE",
        "Accounts": ["999999999999", "222222222222", "333333333333"],
    }
    assert first["DeploymentTargets"] == {
        "OrganizationalUnitIds": [OU],
        "AccountFilterType": "INTERSECTION",
        "Accounts": ["222222222222"],
    }
    # An empty list empties every slot: that account logs no subnet.
    assert first["ParameterOverrides"] == [{"ParameterKey": "FlowLogSubnet1", "ParameterValue": ""}]
    assert second["ParameterOverrides"] == [
        {"ParameterKey": "EksCluster1Name", "ParameterValue": "a"},
        {"ParameterKey": "EksCluster2Name", "ParameterValue": "b"},
        {"ParameterKey": "EksCluster1PublicEndpoint", "ParameterValue": "false"},
        {"ParameterKey": "EksCluster2PublicEndpoint", "ParameterValue": "true"},
    ]
    assert all(group["Regions"] == ["us-east-1", "eu-west-1"] for group in (shared, first, second))


def test_include_accounts_narrow_the_shared_group_to_those_without_overrides(tmp_path: Path) -> None:
    config = org_config(
        include_accounts=["222222222222", "444444444444"],
        account_overrides={"222222222222": {"discovery_role_arn": "arn:aws:iam::222222222222:role/other"}},
    )
    shared, own = groups_of(config, tmp_path)
    assert shared["DeploymentTargets"] == {
        "OrganizationalUnitIds": [OU],
        "AccountFilterType": "INTERSECTION",
        "Accounts": ["444444444444"],
    }
    assert own["ParameterOverrides"] == [
        {"ParameterKey": "DiscoveryRoleArn", "ParameterValue": "arn:aws:iam::222222222222:role/other"}
    ]


def test_management_account_is_named_in_an_output(example: Synthesized) -> None:
    output = example.template["Outputs"]["ManagementAccount"]
    assert "never deploy to the organization's management account" in output["Description"]
    assert "without an organization section" in output["Description"]


# --- the member template -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["example", "delegated"])
def test_member_template_deploys_to_accounts_never_bootstrapped(fixture: str, request: pytest.FixtureRequest) -> None:
    result: Synthesized = request.getfixturevalue(fixture)
    member = result.member_template
    text = json.dumps(member)
    assert "BootstrapVersion" not in member.get("Parameters", {}) and "Rules" not in member
    assert "Transform" not in member and "Fn::ForEach" not in text  # service-managed StackSets refuse AUTO_EXPAND
    assert "cdk-hnb659fds" not in text and "aws:asset:path" not in text
    functions = [r for r in member["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert functions and all(set(f["Properties"]["Code"]) == {"ZipFile"} for f in functions)
    # Not a stack of its own: `cdk deploy` cannot deploy it outside the StackSet.
    manifest = json.loads((result.template_path.parent / "manifest.json").read_text())
    stacks = [a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"]
    assert [a["properties"]["templateFile"] for a in stacks] == [result.template_path.name]


def test_slots_are_parameters_with_the_config_values_as_defaults(example: Synthesized) -> None:
    parameters = example.member_template["Parameters"]
    assert list(parameters) == [
        "FlowLogSubnet1",
        "FlowLogSubnet2",
        "FlowLogVpc1",
        "EksCluster1Name",
        "EksCluster1PublicEndpoint",
    ]
    # The example's own defaults are empty lists and prod-eks; the slots come from the longest override.
    assert [parameters[f"FlowLogSubnet{n}"]["Default"] for n in (1, 2)] == ["", ""]
    assert parameters["EksCluster1Name"]["Default"] == "prod-eks"
    opt_in = parameters["EksCluster1PublicEndpoint"]
    assert (opt_in["Type"], opt_in["Default"], opt_in["AllowedValues"]) == ("String", "false", ["true", "false"])
    assert "private-only" in opt_in["Description"]
    assert re.fullmatch(parameters["FlowLogSubnet1"]["AllowedPattern"], "subnet-0123456789abcdef0")
    assert re.fullmatch(parameters["FlowLogSubnet1"]["AllowedPattern"], "")
    assert not re.fullmatch(parameters["FlowLogSubnet1"]["AllowedPattern"], "vpc-0123456789abcdef0")
    assert not re.fullmatch(parameters["FlowLogVpc1"]["AllowedPattern"], "subnet-1234abcd")
    assert re.fullmatch(parameters["EksCluster1Name"]["AllowedPattern"], "dev_eks-1")


def test_an_empty_slot_creates_nothing(example: Synthesized) -> None:
    template = Template.from_json(example.member_template)
    template.has_condition("HasFlowLogSubnet1", {"Fn::Not": [{"Fn::Equals": [{"Ref": "FlowLogSubnet1"}, ""]}]})
    flow_logs = template.find_resources("AWS::EC2::FlowLog")
    assert sorted(r["Condition"] for r in flow_logs.values()) == [
        "HasFlowLogSubnet1",
        "HasFlowLogSubnet2",
        "HasFlowLogVpc1",
    ]
    assert sorted(r["Properties"]["ResourceId"]["Ref"] for r in flow_logs.values()) == [
        "FlowLogSubnet1",
        "FlowLogSubnet2",
        "FlowLogVpc1",
    ]
    for kind in ("Custom::EksClusterAccess", "AWS::EKS::AccessEntry"):
        assert [r["Condition"] for r in template.find_resources(kind).values()] == ["HasEksCluster1"]
    # The shared handler exists only where some slot names a cluster (here: one slot, its own condition).
    for kind in ("AWS::Lambda::Function", "AWS::Logs::LogGroup"):
        assert [r["Condition"] for r in template.find_resources(kind).values()] == ["HasEksCluster1"]


def test_the_public_endpoint_opt_in_is_a_parameter(example: Synthesized) -> None:
    Template.from_json(example.member_template).has_resource_properties(
        "Custom::EksClusterAccess",
        {"ClusterName": {"Ref": "EksCluster1Name"}, "EnablePublicEndpoint": {"Ref": "EksCluster1PublicEndpoint"}},
    )


def test_more_clusters_than_one_or_can_hold(delegated: Synthesized) -> None:
    member = delegated.member_template
    any_cluster = member["Conditions"]["HasEksCluster"]["Fn::Or"]
    assert [len(part["Fn::Or"]) for part in any_cluster] == [10, 2]
    assert [c["Condition"] for part in any_cluster for c in part["Fn::Or"]] == [
        f"HasEksCluster{n}" for n in range(1, 13)
    ]
    function = next(r for r in member["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    assert function["Condition"] == "HasEksCluster"


def test_discovery_role_arn_is_a_parameter_when_the_role_is_not_created(delegated: Synthesized) -> None:
    template = Template.from_json(delegated.member_template)
    template.has_parameter("DiscoveryRoleArn", {"Default": "arn:aws:iam::222222222222:role/airs-discovery"})
    template.has_resource_properties("AWS::EKS::AccessEntry", {"PrincipalArn": {"Ref": "DiscoveryRoleArn"}})


def test_a_created_trail_is_made_in_the_home_region_only(example: Synthesized) -> None:
    member = example.member_template
    assert member["Conditions"]["IsHomeRegion"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    trail_parts = [r for logical_id, r in member["Resources"].items() if logical_id.startswith("BedrockAuditTrail")]
    assert {r["Type"] for r in trail_parts} == {"AWS::CloudTrail::Trail", "AWS::S3::Bucket", "AWS::S3::BucketPolicy"}
    assert {r.get("Condition") for r in trail_parts} == {"IsHomeRegion"}
    assert member["Outputs"]["BedrockAuditTrailArn"]["Condition"] == "IsHomeRegion"


def test_a_reused_trail_needs_no_home_region(delegated: Synthesized) -> None:
    assert "IsHomeRegion" not in delegated.member_template["Conditions"]


def _role_names_in(member: dict[str, Any], region: str) -> list[str]:
    def resolve(value: Any) -> str:
        if isinstance(value, str):
            return value
        if value == {"Ref": "AWS::Region"}:
            return region
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(part) for part in parts)

    return [resolve(r["Properties"]["RoleName"]) for r in member["Resources"].values() if r["Type"] == "AWS::IAM::Role"]


def test_named_roles_never_collide_across_the_regions_of_one_account(example: Synthesized) -> None:
    regions = ORG_EXAMPLE["organization"]["regions"]
    names = [name for region in regions for name in _role_names_in(example.member_template, region)]
    assert len(names) == len(set(names)) == 3 * len(regions)
    assert all(name.startswith("airs-") and len(name) <= 64 for name in names)


def test_unnamed_roles_and_profiles_get_a_name_per_stack_from_cloudformation(delegated: Synthesized) -> None:
    resources = delegated.member_template["Resources"].values()
    roles = [r for r in resources if r["Type"] == "AWS::IAM::Role"]
    profiles = [r for r in resources if r["Type"] == "AWS::IAM::InstanceProfile"]
    assert roles and profiles
    assert all("RoleName" not in r["Properties"] for r in roles)
    assert all("InstanceProfileName" not in r["Properties"] for r in profiles)


# --- construction rules ------------------------------------------------------------------------------------


def test_stack_set_template_refuses_assets(tmp_path: Path) -> None:
    app = App()
    parent = Stack(app, "Parent")
    member = Stack(parent, "Member", synthesizer=StackSetTemplateSynthesizer(parent))
    with pytest.raises(
        Exception, match="Member is a StackSet template, which cannot use file assets: its target accounts"
    ):
        s3_assets.Asset(member, "Asset", path=__file__)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    with pytest.raises(Exception, match=r"cannot use Docker image assets.*Inline the code"):
        ecr_assets.DockerImageAsset(member, "Image", directory=str(tmp_path))


@pytest.mark.parametrize("stack_type", [OrgOnboardingStack, MemberOnboardingStack])
def test_org_stacks_need_an_organization_section(stack_type: type, tmp_path: Path) -> None:
    config = copy.deepcopy(org_config())
    del config["organization"]
    loaded = config_from_mapping(config, source="test")
    with pytest.raises(ValueError, match="needs a config with an organization section"):
        stack_type(Stack(App(), "Parent"), "X", config=loaded)


# --- pacing ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percentages", "pace"),
    [
        (
            {"max_concurrent_percentage": 25, "failure_tolerance_percentage": 10},
            "at most 10% of the accounts + 1 at a time, up to 25% (STRICT_FAILURE_TOLERANCE caps concurrency at the"
            " failure tolerance + 1), stopping when more than 10% fail",
        ),
        (
            {"max_concurrent_percentage": 20, "failure_tolerance_percentage": 20},
            "at most 20% of the accounts at a time, stopping when more than 20% fail",
        ),
    ],
    ids=["tolerance-below-ceiling", "tolerance-at-ceiling"],
)
def test_summary_states_the_concurrency_strict_failure_tolerance_allows(
    percentages: dict[str, int], pace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = synthesize(org_config(**percentages), tmp_path)
    # No ConcurrencyMode: CloudFormation's default, STRICT_FAILURE_TOLERANCE, is what the text describes.
    assert "ConcurrencyMode" not in stack_set(result)["OperationPreferences"]
    assert summary.main([str(tmp_path)]) == 0
    assert f"(regions in parallel, {pace})" in capsys.readouterr().out
