"""OrgOnboardingStack and its StackSet member template: one instance group per target set, one template for
every account and region, account-wide resources once per account (home region), pacing, and what a
StackSet target account needs (no assets, no bootstrap, no name collisions across regions)."""

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

from onboarding_config.loader import config_from_mapping
from onboarding_constructs import AUDIT_ACTIONS, DiscoveryRole, OnboardingAuditRole
from stacks import MemberOnboardingStack, OrgOnboardingStack, StackSetTemplateSynthesizer
from tests.conftest import REPO_ROOT
from tests.gates import stack_set_provider as provider
from tests.gates.scenarios import SCENARIOS
from tests.synth import Synthesized, scrubbed, synthesize

ORG_EXAMPLE = yaml.safe_load((REPO_ROOT / "config" / "organization.example.yaml").read_text())
OU = "ou-abcd-12345678"
DISCOVERY = {"trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery", "external_id": "airs-ext-1234"}


def org_config(**organization: Any) -> dict[str, Any]:
    """A small organization config: every VPC, the tagged clusters, a discovery role per account."""
    return {
        "region": "us-east-1",
        "stack_name": "AirsOrg",
        "organization": {"organizational_units": [OU], "regions": ["us-east-1", "eu-west-1"], **organization},
        "flow_logs": {},
        "eks": {},
        "discovery_role": DISCOVERY,
    }


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(ORG_EXAMPLE, tmp_path_factory.mktemp("org-example"))


@pytest.fixture(scope="module")
def delegated(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(SCENARIOS["organization-delegated"], tmp_path_factory.mktemp("org-delegated"))


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The audit role, the administrator account known at deploy time only; a prefix and a boundary."""
    return synthesize(SCENARIOS["organization-eks-tagged"], tmp_path_factory.mktemp("org-audited"))


#: The config of each fixture.
CONFIGS = {
    "example": ORG_EXAMPLE,
    "delegated": SCENARIOS["organization-delegated"],
    "audited": SCENARIOS["organization-eks-tagged"],
}


def stack_set(result: Synthesized) -> dict[str, Any]:
    [(_, properties)] = provider.stack_sets(result.template)
    return properties


def member_stack(result: Synthesized) -> MemberOnboardingStack:
    assert isinstance(result.stack, OrgOnboardingStack)
    return result.stack.member


def logical_id(result: Synthesized, construct: Any) -> str:
    member = member_stack(result)
    found = member.resolve(member.get_logical_id(construct.node.default_child))
    assert isinstance(found, str)
    return found


def resources_in(member: dict[str, Any], region: str, home_region: str) -> dict[str, dict[str, Any]]:
    """The member template's resources CloudFormation creates in ``region`` (only IsHomeRegion conditions)."""
    conditions = member.get("Conditions", {})
    assert set(conditions) <= {"IsHomeRegion"}, conditions
    return {
        logical_id: resource
        for logical_id, resource in member["Resources"].items()
        if resource.get("Condition") is None or region == home_region
    }


def resolved(value: Any, *, region: str, account: str = "222222222222") -> str:
    """A name as CloudFormation resolves it in one account and region (Fn::Join of pseudo parameters)."""
    if isinstance(value, str):
        return value
    refs = {"AWS::Region": region, "AWS::AccountId": account, "AWS::Partition": "aws"}
    if "Ref" in value:
        return refs[value["Ref"]]
    separator, parts = value["Fn::Join"]
    return separator.join(resolved(part, region=region, account=account) for part in parts)


# --- snapshots -------------------------------------------------------------------------------------------


def test_org_stack_snapshot(example: Synthesized, snapshot) -> None:
    assert scrubbed(example.template) == snapshot


def test_member_template_snapshot(example: Synthesized, snapshot) -> None:
    """Logical ids are kept on purpose: a changed id means every member account replaces the resource."""
    assert scrubbed(example.member_template) == snapshot


# --- the StackSet ----------------------------------------------------------------------------------------


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
                "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
            },
            "Parameters": Match.absent(),
            "Tags": Match.array_with([{"Key": "team", "Value": "platform"}]),
        },
    )


def test_one_instance_group_for_the_ous_in_every_region(example: Synthesized) -> None:
    assert stack_set(example)["StackInstancesGroup"] == [
        {"DeploymentTargets": {"OrganizationalUnitIds": [OU]}, "Regions": ["us-east-1", "us-west-2"]}
    ]
    assert provider.provider_error(stack_set(example), example.member_template) is None


@pytest.mark.parametrize(
    ("narrowing", "targets"),
    [
        (
            {"exclude_accounts": ["999999999999"]},
            {"OrganizationalUnitIds": [OU], "AccountFilterType": "DIFFERENCE", "Accounts": ["999999999999"]},
        ),
        (
            {"include_accounts": ["222222222222", "444444444444"]},
            {
                "OrganizationalUnitIds": [OU],
                "AccountFilterType": "INTERSECTION",
                "Accounts": ["222222222222", "444444444444"],
            },
        ),
    ],
    ids=["exclude", "include"],
)
def test_include_or_exclude_narrows_the_one_group(
    narrowing: dict[str, Any], targets: dict[str, Any], tmp_path: Path
) -> None:
    [group] = stack_set(synthesize(org_config(**narrowing), tmp_path))["StackInstancesGroup"]
    assert group == {"DeploymentTargets": targets, "Regions": ["us-east-1", "eu-west-1"]}


def test_stack_defines_no_resource_itself(example: Synthesized) -> None:
    stack = example.stack
    own = [child.node.id for child in stack.node.children if isinstance(child, CfnResource)]
    assert own == []
    resources = [c for c in stack.node.find_all() if isinstance(c, CfnResource)]
    # The member template is a stack of its own: its resources are not this stack's.
    assert {r.node.path.split("/")[1] for r in resources if r.stack is stack} == {"StackSet"}


def test_org_stack_has_only_the_stack_set(example: Synthesized) -> None:
    assert [r["Type"] for r in example.template["Resources"].values()] == ["AWS::CloudFormation::StackSet"]


def test_delegated_admin_no_auto_deployment_and_strict_pacing(delegated: Synthesized) -> None:
    properties = stack_set(delegated)
    assert properties["CallAs"] == "DELEGATED_ADMIN"
    # CloudFormation accepts RetainStacksOnAccountRemoval only with auto-deployment on.
    assert properties["AutoDeployment"] == {"Enabled": False}
    assert properties["OperationPreferences"] == {
        "RegionConcurrencyType": "PARALLEL",
        "MaxConcurrentPercentage": 100,
        "FailureTolerancePercentage": 0,
        "ConcurrencyMode": "STRICT_FAILURE_TOLERANCE",
    }


def test_template_url_is_the_uploaded_member_template(example: Synthesized) -> None:
    url = json.dumps(stack_set(example)["TemplateURL"])
    [asset_hash] = re.findall(r"([0-9a-f]{64})\.json", url)
    assets = json.loads((example.template_path.parent / "AirsOnboarding.assets.json").read_text())
    assert assets["files"][asset_hash]["source"] == {
        "path": "AirsOnboarding.MemberTemplate.template.json",
        "packaging": "file",
    }
    assert example.member_template_path == example.template_path.parent / "AirsOnboarding.MemberTemplate.template.json"


def test_management_account_is_named_in_an_output(example: Synthesized) -> None:
    output = example.template["Outputs"]["ManagementAccount"]
    assert "never deploy to the organization's management account" in output["Description"]
    assert "without an organization section" in output["Description"]


# --- the member template: one for every account and region ------------------------------------------------


@pytest.mark.parametrize("fixture", ["example", "delegated", "audited"])
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


@pytest.mark.parametrize("fixture", ["example", "delegated", "audited"])
def test_no_id_of_one_account_in_the_member_template(fixture: str, request: pytest.FixtureRequest) -> None:
    result: Synthesized = request.getfixturevalue(fixture)
    member = result.member_template
    text = re.sub(r'"ZipFile": "(?:[^"\\]|\\.)*"', '"ZipFile": ""', json.dumps(member))  # the handlers' own code
    assert not re.search(r"\b(?:subnet|vpc)-[0-9a-f]{8}", text)
    assert set(member.get("Parameters", {})) <= {"AdministratorAccountId"}


def test_a_region_is_named_only_to_find_the_home_region(example: Synthesized) -> None:
    member = copy.deepcopy(example.member_template)
    home, other = ORG_EXAMPLE["organization"]["regions"]
    assert member["Conditions"].pop("IsHomeRegion") == {"Fn::Equals": [{"Ref": "AWS::Region"}, home]}
    text = json.dumps(member)
    assert home not in text and other not in text


def test_the_example_member_template_has_no_parameter(example: Synthesized) -> None:
    assert "Parameters" not in example.member_template
    assert "AWS::CloudFormation::Interface" not in example.member_template.get("Metadata", {})


def test_every_vpc_and_the_tagged_clusters_in_every_account(example: Synthesized) -> None:
    template = Template.from_json(example.member_template)
    for kind in ("AWS::EC2::FlowLog", "AWS::EKS::AccessEntry", "Custom::EksClusterAccess"):
        template.resource_count_is(kind, 0)
    [coverage] = template.find_resources("Custom::EstateCoverage").values()
    assert "Condition" not in coverage
    settings = coverage["Properties"]["Settings"]
    assert (settings["COVER_VPCS"], settings["CLUSTER_COVERAGE"]) == ("true", "tagged")
    assert (settings["EXCLUDE_TAG_KEY"], settings["EXCLUDE_TAG_VALUE"]) == ("airs-discovery", "off")


# --- account-wide resources: once per account, in the home region --------------------------------------------


def test_the_discovery_role_is_made_in_the_home_region_under_a_fixed_name(example: Synthesized) -> None:
    member = member_stack(example)
    assert isinstance(member.discovery_role, DiscoveryRole)
    template = Template.from_json(example.member_template)
    template.has_condition("IsHomeRegion", {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]})
    role_id = logical_id(example, member.discovery_role.role)
    role = example.member_template["Resources"][role_id]
    assert (role["Condition"], role["Properties"]["RoleName"]) == ("IsHomeRegion", "airs-discovery")
    policy = example.member_template["Resources"][logical_id(example, member.discovery_role.policy)]
    assert policy["Condition"] == "IsHomeRegion"
    # It reads every region's flow-log bucket, not the home region's only.
    sids = {s["Sid"] for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert {"ReadAccountFlowLogObjects", "ListAccountFlowLogBuckets"} <= sids
    assert "ReadFlowLogObjects" not in sids


def test_every_region_names_the_discovery_role_by_its_arn(example: Synthesized) -> None:
    arn = {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":role/airs-discovery"],
        ]
    }
    output = example.member_template["Outputs"]["DiscoveryRoleArn"]
    assert output["Value"] == arn and "Condition" not in output
    assert resolved(output["Value"], region="us-west-2") == "arn:aws:iam::222222222222:role/airs-discovery"
    assert member_stack(example).resolve(member_stack(example).discovery_role_arn) == arn


def test_the_audit_role_is_trusted_by_the_administrator_account_only(audited: Synthesized) -> None:
    member = member_stack(audited)
    assert isinstance(member.audit_role, OnboardingAuditRole)
    resources = audited.member_template["Resources"]
    role = resources[logical_id(audited, member.audit_role.role)]
    assert (role["Condition"], role["Properties"]["RoleName"]) == ("IsHomeRegion", "airs-airs-onboarding-audit")
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {
        "AWS": {
            "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AdministratorAccountId"}, ":root"]]
        }
    }
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": "airs-audit-5d1e"}}
    policy = resources[logical_id(audited, member.audit_role.policy)]
    assert policy["Condition"] == "IsHomeRegion"
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert set(statements) == set(AUDIT_ACTIONS)
    assert json.dumps(statements["DescribeOnboardingStacks"]["Resource"]).endswith(
        ':stack/StackSet-AirsOrgEksTagged-*/*"]]}'
    )
    assert json.dumps(statements["ReadOnboardingRoles"]["Resource"]).endswith(':role/airs-*"]]}')
    output = audited.member_template["Outputs"]["AuditRoleArn"]
    assert resolved(output["Value"], region="eu-west-1") == "arn:aws:iam::222222222222:role/airs-airs-onboarding-audit"


def test_the_stack_set_names_the_administrator_account(audited: Synthesized) -> None:
    """The account the StackSet lives in, known at deploy time: the StackSet's one value for every instance."""
    parameter = audited.member_template["Parameters"]["AdministratorAccountId"]
    assert "Default" not in parameter and parameter["AllowedPattern"] == "^[0-9]{12}$"
    assert stack_set(audited)["Parameters"] == [
        {"ParameterKey": "AdministratorAccountId", "ParameterValue": {"Ref": "AWS::AccountId"}}
    ]
    assert "ParameterOverrides" not in stack_set(audited)["StackInstancesGroup"][0]


def test_a_known_administrator_account_is_the_parameters_default(tmp_path: Path) -> None:
    result = synthesize(SCENARIOS["organization-all-vpcs"], tmp_path)
    assert result.member_template["Parameters"]["AdministratorAccountId"]["Default"] == "111111111111"
    assert stack_set(result)["Parameters"] == [
        {"ParameterKey": "AdministratorAccountId", "ParameterValue": "111111111111"}
    ]


def test_a_created_trail_is_made_in_the_home_region_only(example: Synthesized) -> None:
    member = example.member_template
    trail = member_stack(example).audit_trail
    assert trail is not None and trail.created
    trail_parts = {
        child.node.default_child or child for child in trail.node.find_all() if isinstance(child, CfnResource)
    }
    ids = {member_stack(example).resolve(member_stack(example).get_logical_id(part)) for part in trail_parts}
    assert {member["Resources"][i]["Type"] for i in ids} == {
        "AWS::CloudTrail::Trail",
        "AWS::S3::Bucket",
        "AWS::S3::BucketPolicy",
    }
    assert {member["Resources"][i].get("Condition") for i in ids} == {"IsHomeRegion"}
    assert member["Outputs"]["BedrockAuditTrailArn"]["Condition"] == "IsHomeRegion"


def test_nothing_account_wide_needs_no_home_region(delegated: Synthesized) -> None:
    """A reused trail and a role named in eks.discovery_role_arn: nothing is made once per account."""
    assert "Conditions" not in delegated.member_template
    assert member_stack(delegated).discovery_role is None
    assert member_stack(delegated).discovery_role_arn == "arn:aws:iam::222222222222:role/airs-discovery"


@pytest.mark.parametrize("fixture", ["example", "delegated", "audited"])
def test_names_never_collide_across_the_regions_of_one_account(fixture: str, request: pytest.FixtureRequest) -> None:
    """IAM names are global to the account, a trail's name to its regions: each named resource is made once
    per account, or carries its region."""
    result: Synthesized = request.getfixturevalue(fixture)
    member = result.member_template
    regions = CONFIGS[fixture]["organization"]["regions"]
    names: list[str] = []
    for region in regions:
        for resource in resources_in(member, region, regions[0]).values():
            properties = resource["Properties"]
            for key in ("RoleName", "InstanceProfileName", "TrailName", "ManagedPolicyName"):
                if key in properties:
                    names.append(f"{key}:{resolved(properties[key], region=region)}")
    assert len(names) == len(set(names)), sorted(names)
    assert all(len(name.split(":", 1)[1]) <= 64 for name in names if name.startswith("RoleName:"))


def test_resources_per_account_in_the_home_region_and_the_others(example: Synthesized) -> None:
    member = example.member_template
    home, other = ORG_EXAMPLE["organization"]["regions"]
    in_home, in_other = resources_in(member, home, home), resources_in(member, other, home)
    once = {r["Type"] for r in in_home.values() if r.get("Condition") == "IsHomeRegion"}
    assert once == {
        "AWS::IAM::Role",
        "AWS::IAM::ManagedPolicy",
        "AWS::CloudTrail::Trail",
        "AWS::S3::Bucket",
        "AWS::S3::BucketPolicy",
    }
    assert len(in_home) - len(in_other) == sum(1 for r in in_home.values() if r.get("Condition") == "IsHomeRegion")
    assert len(in_home) <= 500 and len(json.dumps(member)) < 1_000_000


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
    config["flow_logs"] = {"coverage": "all-vpcs"}
    loaded = config_from_mapping(config, source="test")
    with pytest.raises(ValueError, match="needs a config with an organization section"):
        stack_type(Stack(App(), "Parent"), "X", config=loaded)


def test_the_member_template_refuses_ids_of_one_account() -> None:
    """The config refuses listed coverage with an organization; a config built another way is refused too."""
    single = config_from_mapping(
        {
            "region": "us-east-1",
            "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d"]},
            "eks": {"clusters": [{"name": "a"}]},
            "discovery_role": DISCOVERY,
        },
        source="test",
    )
    organization = config_from_mapping(org_config(), source="test").organization
    config = single.model_copy(update={"organization": organization})
    with pytest.raises(ValueError, match=r"flow_logs.coverage must be all-vpcs .*; eks.coverage must be tagged or all"):
        MemberOnboardingStack(Stack(App(), "Parent"), "X", config=config)
