"""The report after synth: stacks, resource counts, template paths, onboarding wizard values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from onboarding_app import summary
from onboarding_app.summary import StackSetSummary as StackSetSummaryType
from tests.conftest import flow_logs_with
from tests.gates.scenarios import SCENARIOS
from tests.synth import synthesize


def test_summary_of_a_generated_bucket_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    synthesize(flow_logs_with(subnet_ids=["subnet-1234abcd", "subnet-abcd1234"]), tmp_path)
    assert summary.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Synthesized 1 stack into {tmp_path}/" in out
    assert "Stack AirsOnboarding (us-east-1)" in out
    assert f"template:  {tmp_path}/AirsOnboarding.template.json" in out
    assert "resources: 6 (AWS::EC2::FlowLog x2, AWS::S3::Bucket x2, AWS::S3::BucketPolicy x2)" in out
    assert "S3 bucket name for VPC flow logs" in out and "(known after deploy)" in out
    assert "region of the AI models, the bucket and the flow logs  us-east-1" in out
    assert "aws cloudformation describe-stacks --stack-name AirsOnboarding --region us-east-1" in out


def test_summary_resolves_a_fixed_bucket_name_and_arn(tmp_path: Path) -> None:
    synthesize(flow_logs_with(bucket={"name": "acme-airs-logs"}) | {"region": "cn-north-1"}, tmp_path)
    [stack] = summary.summarize(tmp_path)
    values = dict(stack.wizard_values)
    assert values["S3 bucket name for VPC flow logs"] == "acme-airs-logs"
    assert values["S3 bucket ARN for VPC flow logs"] == "arn:aws-cn:s3:::acme-airs-logs"
    assert values["region of the AI models, the bucket and the flow logs"] == "cn-north-1"
    assert "known after deploy" not in summary.render([stack])


def test_summary_of_an_existing_bucket(tmp_path: Path) -> None:
    synthesize(flow_logs_with(bucket={"existing_name": "customer-logs"}), tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert dict(stack.wizard_values)["S3 bucket ARN for VPC flow logs"] == "arn:aws:s3:::customer-logs"
    assert stack.resource_counts == {"AWS::EC2::FlowLog": 1}


def test_deployed_outputs_fill_in_what_synth_cannot_know(tmp_path: Path) -> None:
    synthesize(flow_logs_with(), tmp_path)
    (tmp_path / summary.OUTPUTS_FILE).write_text(
        json.dumps(
            {
                "AirsOnboarding": {
                    "FlowLogBucketName": "airsonboarding-flowlogbucket-abc",
                    "FlowLogBucketArn": "arn:aws:s3:::airsonboarding-flowlogbucket-abc",
                }
            }
        )
    )
    [stack] = summary.summarize(tmp_path)
    assert dict(stack.wizard_values)["S3 bucket name for VPC flow logs"] == "airsonboarding-flowlogbucket-abc"
    assert "describe-stacks" not in summary.render([stack])


def test_missing_assembly_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert summary.main([str(tmp_path / "nothing")]) == 1
    assert "holds no cloud assembly: run `make synth` first" in capsys.readouterr().err


def test_summary_lists_the_eks_clusters_and_the_one_way_auth_change(tmp_path: Path) -> None:
    config = flow_logs_with() | {
        "eks": {
            "discovery_role_arn": "arn:aws:iam::111111111111:role/airs-discovery",
            "clusters": [{"name": "a"}, {"name": "b"}],
        }
    }
    synthesize(config, tmp_path)
    [stack] = summary.summarize(tmp_path)
    role = "arn:aws:iam::111111111111:role/airs-discovery"
    assert sorted(stack.eks_access) == [("a", role), ("b", role)]
    text = summary.render([stack])
    assert f"    a: access entry for {role}" in text
    assert "EKS cannot undo it" in text


def test_summary_lists_roles_the_trail_and_manifests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from onboarding_app.manifests import write_manifests

    config = flow_logs_with() | {
        "account": "111111111111",
        "cloudtrail": {},
        "bedrock": {"pod_access": [{"cluster": "prod-eks", "namespace": "app1", "service_account": "app1-sa"}]},
        "discovery_role": {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "abc123",
        },
    }
    result = synthesize(config, tmp_path)
    write_manifests(result.stack, tmp_path)
    [stack] = summary.summarize(tmp_path)
    labels = [label for label, _ in stack.roles]
    assert labels == [
        "AIRS discovery (cross-account)",
        "EC2 instances invoking Bedrock",
        "pods of prod-eks/app1/app1-sa invoking Bedrock (pod-identity)",
    ]
    assert stack.audit_trail == [
        ("created by this stack", "arn:aws:cloudtrail:us-east-1:111111111111:trail/airs-bedrock-audit")
    ]
    assert summary.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "audit trail (created by this stack): arn:aws:cloudtrail:us-east-1:111111111111:trail/airs-bedrock-audit" in out
    )
    assert "EC2 instances invoking Bedrock: (ARN known after deploy)" in out
    assert f"Kubernetes manifests (kubectl apply -f <file>):\n  {tmp_path}/k8s/prod-eks/app1-app1-sa.yaml" in out


def test_summary_of_a_reused_trail(tmp_path: Path) -> None:
    arn = "arn:aws:cloudtrail:us-east-1:222222222222:trail/org-trail"
    synthesize(flow_logs_with() | {"cloudtrail": {"existing_trail_arn": arn}}, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.audit_trail == [("reused, nothing created", arn)]


def test_access_entries_for_a_role_created_here_say_so(tmp_path: Path) -> None:
    config = flow_logs_with() | {
        "eks": {"clusters": [{"name": "prod"}]},
        "discovery_role": {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "abc123",
        },
    }
    synthesize(config, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.eks_access == [("prod", "the discovery role of this stack (ARN known after deploy)")]


def test_an_unreadable_outputs_file_is_ignored(tmp_path: Path) -> None:
    synthesize(flow_logs_with(), tmp_path)
    (tmp_path / summary.OUTPUTS_FILE).write_text("{not json")
    [stack] = summary.summarize(tmp_path)
    assert dict(stack.wizard_values)["S3 bucket name for VPC flow logs"] is None


def test_summary_of_an_organization_rollout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    synthesize(SCENARIOS["organization-example"], tmp_path)
    assert summary.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "resources: 1 (AWS::CloudFormation::StackSet x1)" in out
    assert "  StackSet AirsOnboarding (service-managed, call as SELF)" in out
    assert f"    member template: {tmp_path}/AirsOnboarding.MemberTemplate.template.json" in out
    assert "    regions: us-east-1 (home), us-west-2, in parallel\n" in out
    assert (
        "    target groups (every account of each gets the same template and parameters):\n"
        "      every account of ou-abcd-12345678\n"
        "    what each account gets:\n"
        "      a flow log on every VPC of each region, to a bucket of its own in that region, except VPCs tagged\n"
        "        airs-discovery=off\n"
        "      discovery access to the EKS clusters of each region tagged airs-discovery=on\n"
    ) in out
    assert (
        "      role AIRS discovery (cross-account): arn:aws:iam::<account>:role/airs-discovery, in the home region\n"
        "        us-east-1 only\n"
    ) in out
    assert (
        "      audit trail (created by this stack): arn:aws:cloudtrail:us-east-1:<account>:trail/airs-bedrock-audit,"
        " in\n"
        "        the home region us-east-1 only\n"
    ) in out
    assert (
        "      per-resource choices are tags, set in each account: a VPC's owners leave it out with the tag\n"
        "        airs-discovery=off; a cluster's owners open it with the tag airs-discovery=on\n"
    ) in out
    assert (
        "    pacing: SOFT_FAILURE_TOLERANCE: up to 25% of the target accounts at once per region (failures do not"
        " lower\n"
        "      it); a region stops when more than 10% of its accounts fail. Auto-deployment ignores these"
        " preferences:\n"
        "      an account that joins an OU later is deployed on its own\n"
    ) in out
    assert (
        "    auto-deployment: on: accounts that join these OUs are onboarded;"
        " an account that leaves has its stacks kept" in out
    )
    assert (
        "    first steps, in order:\n"
        "      1. trusted access for StackSets, once, in the management account: aws cloudformation\n"
        "        activate-organizations-access\n"
        "      2. make deploy CONFIG=<this config>, with this account's credentials (make doctor checks the steps"
        " above\n"
        "        first)\n"
        "      3. make verify CONFIG=<this config>: every target account and region, through a role assumed in each\n"
        "      4. hand-off: make verify writes cdk.out/airs-handoff.csv (and .json), each account and region's bucket\n"
        "        and discovery role ARN for the AIRS onboarding wizard\n"
    ) in out
    assert "StackSets never deploy to the organization's management account" in out
    [stack] = summary.summarize(tmp_path)
    [stack_set] = stack.stack_sets
    # No per-account value: the member template has no flow log or access entry of its own, only coverage.
    assert stack_set.member_resource_counts["AWS::EC2::FlowLog"] == 0
    assert stack_set.member_resource_counts["AWS::EKS::AccessEntry"] == 0
    assert stack_set.member_resource_counts["Custom::EstateCoverage"] == 1
    assert stack_set.member_resource_counts["AWS::CloudTrail::Trail"] == 1
    [trail] = stack_set.audit_trail
    assert trail.region == "us-east-1"  # a multi-region trail, made in the home region only


def test_summary_of_a_delegated_rollout_without_auto_deployment(tmp_path: Path) -> None:
    config = {
        "region": "eu-west-1",
        "flow_logs": {},
        "organization": {
            "call_as": "DELEGATED_ADMIN",
            "organizational_units": ["ou-ab12-cd345678", "r-ab12"],
            "regions": ["eu-west-1"],
            "exclude_accounts": ["333333333333"],
            "auto_deploy": False,
        },
    }
    synthesize(config, tmp_path)
    [stack] = summary.summarize(tmp_path)
    [stack_set] = stack.stack_sets
    assert stack_set.call_as == "DELEGATED_ADMIN"
    assert (
        stack_set.auto_deployment == "off: accounts that join these OUs later are not onboarded until the next deploy"
    )
    assert stack_set.targets == ["every account of ou-ab12-cd345678, r-ab12 except 333333333333"]
    text = summary.render([stack])
    assert (
        "      2. register this account as a delegated administrator, from the management account: aws organizations\n"
        "        register-delegated-administrator --service-principal"
        " member.org.stacksets.cloudformation.amazonaws.com\n"
        "        --account-id <this account>\n"
        "      3. make deploy CONFIG=<this config>"
    ) in text


# --- the StackSet's parts the summary reads, on hand-made templates ------------------------------------------

ASSET_HASH = "ab" * 32


def write_org_assembly(
    directory: Path,
    *,
    preferences: dict[str, Any] | None = None,
    groups: list[dict[str, Any]] | None = None,
    call_as: str = "SELF",
    member: dict[str, Any] | None = None,
) -> StackSetSummaryType:
    """A cloud assembly of one StackSet stack whose member template is ``member``; its summary."""
    stack_set = {
        "Type": "AWS::CloudFormation::StackSet",
        "Properties": {
            "StackSetName": "AirsOnboarding",
            "CallAs": call_as,
            "TemplateURL": f"https://s3.amazonaws.com/bucket/{ASSET_HASH}.json",
            "OperationPreferences": preferences or {},
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": True},
            "StackInstancesGroup": groups
            or [{"DeploymentTargets": {"OrganizationalUnitIds": ["ou-abcd-12345678"]}, "Regions": ["eu-west-1"]}],
        },
    }
    artifacts = {
        "AirsOnboarding": {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/us-east-1",
            "properties": {"templateFile": "AirsOnboarding.template.json"},
        },
        "AirsOnboarding.assets": {"type": "cdk:asset-manifest", "properties": {"file": "AirsOnboarding.assets.json"}},
    }
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    (directory / "AirsOnboarding.template.json").write_text(json.dumps({"Resources": {"StackSet": stack_set}}))
    assets = {"files": {ASSET_HASH: {"source": {"path": "Member.template.json"}}}}
    (directory / "AirsOnboarding.assets.json").write_text(json.dumps(assets))
    (directory / "Member.template.json").write_text(json.dumps(member or {"Resources": {}}))
    [stack] = summary.summarize(directory)
    [result] = stack.stack_sets
    return result


STRICT_PACE = (
    "STRICT_FAILURE_TOLERANCE: at most 10% of the target accounts + 1 at once per region (the failure tolerance + 1,"
    " fewer as accounts fail), not the 25% of max_concurrent_percentage; a region stops when more than 10% of its"
    " accounts fail"
)
AUTO_DEPLOYMENT = (
    ". Auto-deployment ignores these preferences: an account that joins an OU later is deployed on its own"
)


@pytest.mark.parametrize(
    ("preferences", "pace"),
    [
        pytest.param(
            {
                "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
                "MaxConcurrentPercentage": 25,
                "FailureTolerancePercentage": 10,
            },
            "SOFT_FAILURE_TOLERANCE: up to 25% of the target accounts at once per region (failures do not lower it);"
            " a region stops when more than 10% of its accounts fail",
            id="soft",
        ),
        pytest.param(
            {
                "ConcurrencyMode": "STRICT_FAILURE_TOLERANCE",
                "MaxConcurrentPercentage": 25,
                "FailureTolerancePercentage": 10,
            },
            STRICT_PACE,
            id="strict",
        ),
        pytest.param(
            {"MaxConcurrentPercentage": 25, "FailureTolerancePercentage": 10}, STRICT_PACE, id="strict-by-default"
        ),
        pytest.param(
            {
                "ConcurrencyMode": "STRICT_FAILURE_TOLERANCE",
                "MaxConcurrentPercentage": 20,
                "FailureTolerancePercentage": 20,
            },
            "STRICT_FAILURE_TOLERANCE: up to 20% of the target accounts at once per region; a region stops when more"
            " than 20% of its accounts fail",
            id="strict-tolerance-at-ceiling",
        ),
    ],
)
def test_the_pace_is_the_one_the_concurrency_mode_gives(tmp_path: Path, preferences: dict[str, Any], pace: str) -> None:
    stack_set = write_org_assembly(tmp_path, preferences={"RegionConcurrencyType": "PARALLEL", **preferences})
    assert summary._pace(stack_set) == pace + AUTO_DEPLOYMENT
    assert stack_set.parallel_regions


def test_regions_one_at_a_time_say_so(tmp_path: Path) -> None:
    stack_set = write_org_assembly(tmp_path, preferences={"RegionConcurrencyType": "SEQUENTIAL"})
    assert "    regions: eu-west-1 (home), one at a time" in summary._render_stack_set(stack_set)


MEMBER_WITH_NAMED_ROLES = {
    "Conditions": {"IsHomeRegion": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}},
    "Resources": {
        "DiscoveryRole": {
            "Type": "AWS::IAM::Role",
            "Condition": "IsHomeRegion",
            "Properties": {"RoleName": "acme-airs-discovery"},
        },
        "AuditRole": {
            "Type": "AWS::IAM::Role",
            "Condition": "IsHomeRegion",
            "Properties": {"RoleName": "acme-airs-onboarding-audit", "Path": "/airs/"},
        },
        "Ec2Role": {"Type": "AWS::IAM::Role", "Properties": {}},
    },
    "Outputs": {
        "DiscoveryRoleArn": {
            "Description": "Role: AIRS discovery (cross-account)",
            "Condition": "IsHomeRegion",
            "Value": {"Fn::GetAtt": ["DiscoveryRole", "Arn"]},
        },
        "AuditRoleArn": {
            "Description": "Role: read-only audit (make doctor and make verify)",
            "Condition": "IsHomeRegion",
            "Value": {"Fn::GetAtt": ["AuditRole", "Arn"]},
        },
        "Ec2BedrockRoleArn": {
            "Description": "Role: EC2 instances invoking Bedrock",
            "Value": {"Fn::GetAtt": ["Ec2Role", "Arn"]},
        },
    },
}


def test_each_account_role_with_a_fixed_name_gives_its_arn_from_the_account_id(tmp_path: Path) -> None:
    stack_set = write_org_assembly(tmp_path, member=MEMBER_WITH_NAMED_ROLES)
    assert stack_set.roles == [
        summary.AccountResource(
            "AIRS discovery (cross-account)", "arn:aws:iam::<account>:role/acme-airs-discovery", "eu-west-1"
        ),
        summary.AccountResource(
            "read-only audit (make doctor and make verify)",
            "arn:aws:iam::<account>:role/airs/acme-airs-onboarding-audit",
            "eu-west-1",
        ),
        summary.AccountResource(
            "EC2 instances invoking Bedrock",
            "a CloudFormation-generated name in each account (each stack instance's outputs give its ARN)",
            None,
        ),
    ]
    text = " ".join(" ".join(summary._render_stack_set(stack_set)).split())
    assert (
        "role AIRS discovery (cross-account): arn:aws:iam::<account>:role/acme-airs-discovery, in the home region"
        " eu-west-1 only"
    ) in text
    assert "role EC2 instances invoking Bedrock: a CloudFormation-generated name" in text
    assert "(each stack instance's outputs give its ARN), in each region" in text


def test_a_role_named_by_its_arn_in_every_region_is_made_where_the_role_is(tmp_path: Path) -> None:
    """An output may give a role's ARN in every region (Fn::Join of the partition, the account and a fixed
    name) while the role itself is made in the home region; an output outside the Role group is listed
    when its value is such a role's ARN."""
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":role/x"]]}
    member = {
        "Conditions": {"IsHomeRegion": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}},
        "Resources": {
            "Discovery": {"Type": "AWS::IAM::Role", "Condition": "IsHomeRegion", "Properties": {"RoleName": "x"}},
            "Audit": {"Type": "AWS::IAM::Role", "Condition": "IsHomeRegion", "Properties": {"RoleName": "y"}},
            "PerRegion": {
                "Type": "AWS::IAM::Role",
                "Properties": {"RoleName": {"Fn::Join": ["", ["z-", {"Ref": "AWS::Region"}]]}},
            },
        },
        "Outputs": {
            "DiscoveryRoleArn": {"Description": "Role: AIRS discovery (cross-account)", "Value": arn},
            "AuditRoleArn": {
                "Description": "Role the checks assume",
                "Value": {
                    "Fn::Join": [
                        "",
                        ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":role/y"],
                    ]
                },
            },
            "PerRegionArn": {"Description": "Role: per region", "Value": {"Fn::GetAtt": ["PerRegion", "Arn"]}},
            "Other": {"Description": "Not a role", "Value": "arn:aws:iam::111111111111:role/elsewhere"},
        },
    }
    stack_set = write_org_assembly(tmp_path, member=member)
    assert stack_set.roles == [
        summary.AccountResource("AIRS discovery (cross-account)", "arn:aws:iam::<account>:role/x", "eu-west-1"),
        summary.AccountResource("the checks assume", "arn:aws:iam::<account>:role/y", "eu-west-1"),
        summary.AccountResource("per region", "arn:aws:iam::<account>:role/z-<region>", None),
    ]


def test_a_trail_made_in_one_region_shows_its_arn_there(tmp_path: Path) -> None:
    trail_arn = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":cloudtrail:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":trail/t",
            ],
        ]
    }
    member = {
        "Conditions": {"IsHomeRegion": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}},
        "Resources": {},
        "Outputs": {
            "Trail": {
                "Description": "Audit trail: created by this stack",
                "Condition": "IsHomeRegion",
                "Value": trail_arn,
            },
            "Reused": {"Description": "Audit trail: reused", "Value": {"Ref": "SomeParameter"}},
        },
    }
    stack_set = write_org_assembly(tmp_path, member=member)
    assert stack_set.audit_trail == [
        summary.AccountResource("created by this stack", "arn:aws:cloudtrail:eu-west-1:<account>:trail/t", "eu-west-1"),
        summary.AccountResource("reused", "(known after deploy)", None),
    ]


def test_a_role_arn_uses_the_partition_of_the_regions(tmp_path: Path) -> None:
    groups = [{"DeploymentTargets": {"OrganizationalUnitIds": ["r-ab12"]}, "Regions": ["us-gov-west-1"]}]
    member = MEMBER_WITH_NAMED_ROLES | {"Conditions": {}}
    stack_set = write_org_assembly(tmp_path, groups=groups, member=member)
    assert stack_set.roles[0] == summary.AccountResource(
        "AIRS discovery (cross-account)", "arn:aws-us-gov:iam::<account>:role/acme-airs-discovery", None
    )


@pytest.mark.parametrize(
    ("condition", "region"),
    [
        ({"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}, "eu-west-1"),
        ({"Fn::Equals": ["ap-south-1", {"Ref": "AWS::Region"}]}, "ap-south-1"),
        ({"Fn::Equals": [{"Ref": "AWS::AccountId"}, "111111111111"]}, None),
        ({"Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}]}, None),
    ],
    ids=["region-first", "region-second", "not-a-region", "not-equals"],
)
def test_only_a_region_condition_limits_a_resource_to_one_region(condition: dict[str, Any], region: str | None) -> None:
    assert summary._only_region({"Conditions": {"C": condition}}, "C") == region
    assert summary._only_region({"Conditions": {"C": condition}}, None) is None


def test_target_groups_name_their_accounts(tmp_path: Path) -> None:
    groups = [
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": ["ou-abcd-12345678"],
                "Accounts": ["222222222222"],
                "AccountFilterType": "INTERSECTION",
            },
            "Regions": ["eu-west-1"],
        },
        {
            "DeploymentTargets": {
                "OrganizationalUnitIds": ["ou-efgh-12345678"],
                "Accounts": ["333333333333", "444444444444"],
                "AccountFilterType": "DIFFERENCE",
            },
            "Regions": ["eu-west-1"],
        },
    ]
    stack_set = write_org_assembly(tmp_path, groups=groups)
    assert stack_set.targets == [
        "222222222222 (in ou-abcd-12345678)",
        "every account of ou-efgh-12345678 except 333333333333, 444444444444",
    ]


def test_without_delegated_administrator_there_is_no_registration_step(tmp_path: Path) -> None:
    steps = summary._first_steps(write_org_assembly(tmp_path))
    assert [step.split(":")[0].split(",")[0] for step in steps] == [
        "trusted access for StackSets",
        "make deploy CONFIG=<this config>",
        "make verify CONFIG=<this config>",
        "hand-off",
    ]


def test_a_stack_set_whose_template_is_not_in_the_assembly_says_so(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {}}))
    stack_set = summary._stack_set(
        {"StackSetName": "X", "TemplateURL": "https://example.com/t.json"}, tmp_path, {"artifacts": {}}
    )
    assert stack_set.member_template_path is None and stack_set.member_parameters == []
    assert "    member template: (not found in the cloud assembly)" in summary._render_stack_set(stack_set)
    assert stack_set.targets == [] and stack_set.auto_deployment.startswith("off:")


# --- what each role may invoke, and the published prerequisites a config leaves out ----------------------

SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
POD = {"cluster": "prod-eks", "namespace": "app1", "service_account": "app1-sa"}


def test_each_invoking_role_lists_the_models_its_policy_allows(tmp_path: Path) -> None:
    config = flow_logs_with() | {
        "bedrock": {"model_ids": [SONNET, f"us.{SONNET}"], "pod_access": [POD]},
        "discovery_role": {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "abc123",
        },
    }
    synthesize(config, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.may_invoke == {
        "EC2 instances invoking Bedrock": [SONNET, f"us.{SONNET}"],
        "pods of prod-eks/app1/app1-sa invoking Bedrock (pod-identity)": [SONNET, f"us.{SONNET}"],
    }
    text = summary.render([stack])
    assert (
        "    EC2 instances invoking Bedrock: (ARN known after deploy)\n"
        f"      may invoke: {SONNET}, us.{SONNET}\n"
        "    pods of prod-eks/app1/app1-sa invoking Bedrock (pod-identity): (ARN known after deploy)\n"
        f"      may invoke: {SONNET}, us.{SONNET}\n"
    ) in text
    # The discovery role invokes nothing; it lists the reads it denies.
    discovery_block = text.split("    AIRS discovery (cross-account): (ARN known after deploy)\n", 1)[1].split(
        "    EC2 instances", 1
    )[0]
    assert discovery_block.startswith("      denies: ") and "may invoke" not in discovery_block


def test_a_role_without_model_ids_may_invoke_every_model_of_the_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    synthesize(flow_logs_with() | {"region": "eu-west-1", "bedrock": {}}, tmp_path)
    assert summary.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "    EC2 instances invoking Bedrock: (ARN known after deploy)\n"
        "      may invoke: every foundation model and inference profile of eu-west-1 (no model_ids given)\n"
    ) in out


def test_the_invoke_sids_are_the_ones_the_policy_writes() -> None:
    from onboarding_constructs import _bedrock_models as bedrock_models

    assert set(summary.INVOKE_SIDS) == {bedrock_models._SID_FOUNDATION_MODELS, bedrock_models._SID_INFERENCE_PROFILES}
    assert summary.EC2_SERVICE == "ec2.amazonaws.com"


def test_every_published_prerequisite_a_config_leaves_out_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    synthesize(flow_logs_with(), tmp_path)  # flow logs only: no cloudtrail, eks or bedrock section
    assert summary.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "  not set up by this stack: CloudTrail for Bedrock (the published prerequisite; add a cloudtrail section, or"
        " reuse a trail that logs management events with cloudtrail.existing_trail_arn)\n"
        "  not set up by this stack: EKS access for AIRS discovery (the published prerequisite;"
        " add an eks section with the clusters to open, or with coverage: tagged to open the clusters their owners"
        " tag)\n"
        "  not set up by this stack: a role for EC2 instances invoking Bedrock (the published prerequisite;"
        " add a bedrock section, where ec2_role: true is the default)\n"
        "  not set up by this stack: a role for pods invoking Bedrock (the published prerequisite; add"
        " bedrock.pod_access entries for the service accounts)\n"
    ) in out
    assert "VPC flow logs (the published" not in out


def test_a_config_with_every_prerequisite_leaves_nothing_out(tmp_path: Path) -> None:
    synthesize(SCENARIOS["every-identity"], tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.missing_prerequisites == []
    assert "not set up by this stack" not in summary.render([stack])
    assert stack.may_invoke["pods of legacy/ml/inference invoking Bedrock (irsa)"] == [SONNET, f"eu.{SONNET}"]


def test_pods_without_an_ec2_role(tmp_path: Path) -> None:
    synthesize(flow_logs_with() | {"bedrock": {"ec2_role": False, "pod_access": [POD]}, "cloudtrail": {}}, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.missing_prerequisites == [summary.PREREQUISITES["eks"], summary.PREREQUISITES["ec2_role"]]


def test_an_organization_rollout_is_judged_by_its_member_template(tmp_path: Path) -> None:
    synthesize(SCENARIOS["organization-example"], tmp_path)
    [stack] = summary.summarize(tmp_path)
    # The member template has flow logs, EKS access and a trail; pod roles cannot be in it.
    assert summary.POD_ACCESS_IN_AN_ORGANIZATION in stack.missing_prerequisites
    assert summary.PREREQUISITES["pod_access"] not in stack.missing_prerequisites
    assert summary.PREREQUISITES["flow_logs"] not in stack.missing_prerequisites
    assert summary.PREREQUISITES["eks"] not in stack.missing_prerequisites
    assert (
        "  not set up by this stack: a role for pods invoking Bedrock (the published prerequisite; pod roles name one"
        " account's clusters: onboard that account with a config without an organization section, with"
        " bedrock.pod_access)"
    ) in summary.render([stack])


def write_assembly(directory: Path, templates: dict[str, dict]) -> None:
    artifacts = {
        name: {
            "type": "aws:cloudformation:stack",
            "environment": "aws://unknown-account/us-east-1",
            "properties": {"templateFile": f"{name}.template.json"},
        }
        for name in templates
    }
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    for name, template in templates.items():
        (directory / f"{name}.template.json").write_text(json.dumps(template))


def test_flow_logs_in_shard_stacks_count_and_the_shards_name_nothing(tmp_path: Path) -> None:
    wizard = {"Outputs": {"Region": {"Description": "Onboarding wizard: region", "Value": "us-east-1"}}}
    shard = {"Resources": {"FlowLog": {"Type": "AWS::EC2::FlowLog", "Properties": {}}}}
    write_assembly(tmp_path, {"Airs": wizard, "Airs-FlowLogs3": shard})
    stacks = {s.name: s for s in summary.summarize(tmp_path)}
    assert summary.PREREQUISITES["flow_logs"] not in stacks["Airs"].missing_prerequisites
    assert stacks["Airs-FlowLogs3"].missing_prerequisites == []


def test_a_stack_without_flow_logs_says_so(tmp_path: Path) -> None:
    write_assembly(
        tmp_path, {"Airs": {"Outputs": {"Region": {"Description": "Onboarding wizard: region", "Value": "us-east-1"}}}}
    )
    [stack] = summary.summarize(tmp_path)
    assert (
        "  not set up by this stack: VPC flow logs (the published prerequisite;"
        " list subnet_ids or vpc_ids under flow_logs, or set flow_logs.coverage: all-vpcs)" in summary.render([stack])
    )


DISCOVERY_ROLE = {"trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery", "external_id": "abc123"}


def test_the_discovery_role_lists_the_reads_it_denies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    synthesize(flow_logs_with() | {"discovery_role": DISCOVERY_ROLE}, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.denies == {"AIRS discovery (cross-account)": sorted(summary.DENIED_READS)}
    assert summary.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    role_line = next(
        i for i, line in enumerate(out.splitlines()) if line.startswith("    AIRS discovery (cross-account): ")
    )
    block = out.splitlines()[role_line + 1 :]
    assert block[0].startswith("      denies: ec2:DescribeBundleTasks (S3 upload signature),")
    shown = block[: next(i for i, line in enumerate(block) if not line.startswith(("      denies:", "        ")))]
    entries = " ".join(line.strip() for line in shown).removeprefix("denies: ").split(", ")
    assert entries == [f"{action} ({summary.DENIED_READS[action]})" for action in sorted(summary.DENIED_READS)]
    assert "lambda:GetFunction (function code)" in entries and "ec2:GetPasswordData (Windows password)" in entries
    assert all(len(line) <= 100 for line in shown)


def test_roles_without_a_deny_list_nothing_denied(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    synthesize(flow_logs_with() | {"bedrock": {}}, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.denies == {}
    summary.main([str(tmp_path)])
    assert "denies:" not in capsys.readouterr().out


def test_every_denied_read_has_a_word_in_the_summary() -> None:
    from onboarding_constructs import discovery_role

    assert summary.DENY_SID == discovery_role.DENY_SID
    assert set(summary.DENIED_READS) == set(discovery_role.SENSITIVE_READS)


# --- all-vpcs flow-log coverage ------------------------------------------------------------------------------

ALL_VPCS = {"region": "us-east-1", "stack_name": "AirsCoverage", "flow_logs": {"coverage": "all-vpcs"}}


def test_summary_says_coverage_is_dynamic_and_where_its_report_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    synthesize(ALL_VPCS, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.coverage == summary.CoverageSummary(
        exclude_tag=("airs-discovery", "off"),
        sweep_minutes=60,
        report_parameter="/airs-onboarding/coverage/AirsCoverage",
    )
    assert summary.PREREQUISITES["flow_logs"] not in stack.missing_prerequisites
    assert summary.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "  flow-log coverage: dynamic, every VPC of us-east-1 except those tagged airs-discovery=off;"
        " re-checked every 60 minutes and on VPC events\n"
        "    report: SSM parameter /airs-onboarding/coverage/AirsCoverage (`make verify` shows it)\n"
    ) in out
    # The report's parameter is an output, not a value for the wizard.
    assert [label for label, _ in stack.wizard_values] == [
        "S3 bucket name for VPC flow logs",
        "S3 bucket ARN for VPC flow logs",
        "region of the AI models, the bucket and the flow logs",
    ]


def test_summary_of_coverage_without_an_exclude_tag(tmp_path: Path) -> None:
    config = ALL_VPCS | {"flow_logs": {"coverage": "all-vpcs", "exclude_tag": None, "sweep_minutes": 1440}}
    synthesize(config, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.coverage is not None
    assert (stack.coverage.exclude_tag, stack.coverage.sweep_minutes) == (None, 1440)
    assert (
        "  flow-log coverage: dynamic, every VPC of us-east-1; re-checked every 1440 minutes and on VPC events"
        in summary.render([stack])
    )


def test_listed_flow_logs_have_no_coverage_lines(tmp_path: Path) -> None:
    synthesize(flow_logs_with(), tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.coverage is None
    assert "flow-log coverage" not in summary.render([stack])


def test_summary_of_coverage_in_every_member_account(tmp_path: Path) -> None:
    config = ALL_VPCS | {
        "stack_name": "AirsOrgCoverage",
        "flow_logs": {"coverage": "all-vpcs", "sweep_minutes": 15},
        "organization": {"organizational_units": ["ou-abcd-12345678"], "regions": ["us-east-1"]},
    }
    synthesize(config, tmp_path)
    [stack] = summary.summarize(tmp_path)
    [stack_set] = stack.stack_sets
    assert stack.coverage is None  # the StackSet's stack covers nothing itself
    assert stack_set.coverage == summary.CoverageSummary(
        exclude_tag=("airs-discovery", "off"),
        sweep_minutes=15,
        report_parameter="/airs-onboarding/coverage/AirsOrgCoverage",
    )
    assert stack_set.member_parameters == []
    assert summary.PREREQUISITES["flow_logs"] not in stack.missing_prerequisites
    text = summary.render([stack])
    assert (
        "    flow-log coverage: dynamic, every VPC of each account and region except those tagged airs-discovery=off;"
        " re-checked every 15 minutes and on VPC events\n"
        "      report: SSM parameter /airs-onboarding/coverage/AirsOrgCoverage (in each account and region;"
        " `make verify` shows it)\n"
    ) in text


@pytest.mark.parametrize(
    ("expression", "minutes"),
    [
        ("rate(5 minutes)", 5),
        ("rate(1 minute)", 1),
        ("rate(1 hour)", 60),
        ("rate(3 hours)", 180),
        ("rate(1 day)", 1440),
        ("cron(0 12 * * ? *)", None),
        ("rate(5 fortnights)", None),
        (None, None),
    ],
)
def test_rate_expressions_in_minutes(expression: str | None, minutes: int | None) -> None:
    assert summary._rate_minutes(expression) == minutes


def test_coverage_without_its_schedule_or_report_name_still_says_what_it_covers(tmp_path: Path) -> None:
    coverage = {
        "Type": "Custom::EstateCoverage",
        "Properties": {
            "ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]},
            "Settings": {"EXCLUDE_TAG_KEY": "skip", "EXCLUDE_TAG_VALUE": "", "REPORT_PARAMETER": {"Ref": "Name"}},
        },
    }
    wizard = {"Region": {"Description": "Onboarding wizard: region", "Value": "us-east-1"}}
    write_assembly(tmp_path, {"Airs": {"Resources": {"Coverage": coverage}, "Outputs": wizard}})
    [stack] = summary.summarize(tmp_path)
    assert stack.coverage == summary.CoverageSummary(
        exclude_tag=("skip", ""), sweep_minutes=None, report_parameter=None
    )
    text = summary.render([stack])
    assert (
        "flow-log coverage: dynamic, every VPC of us-east-1 except those tagged skip (empty value);"
        " re-checked on a schedule" in text
    )
    assert "report: SSM parameter (name known after deploy) (`make verify` shows it)" in text


# --- tagged or all EKS clusters -------------------------------------------------------------------------------

DISCOVERY = "arn:aws:iam::111111111111:role/airs-discovery"
TAGGED = {
    "region": "us-east-1",
    "stack_name": "AirsTagged",
    "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d"]},
    "eks": {"coverage": "tagged", "discovery_role_arn": DISCOVERY},
}


def test_summary_says_what_tagged_coverage_does_to_each_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    synthesize(TAGGED, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.coverage == summary.CoverageSummary(
        exclude_tag=None,
        sweep_minutes=60,
        report_parameter="/airs-onboarding/coverage/AirsTagged",
        covers_vpcs=False,
        clusters=summary.ClusterCoverageSummary(
            coverage="tagged",
            opt_in_tag=("airs-discovery", "on"),
            public_endpoint_tag=("airs-discovery-public-endpoint", "allow"),
            discovery_role=DISCOVERY,
            allowed_cidrs=["34.71.64.3/32", "34.28.60.186/32"],
        ),
    )
    assert stack.eks_access == []  # no access entry in the template: the runner makes them
    assert summary.PREREQUISITES["eks"] not in stack.missing_prerequisites
    assert summary.PREREQUISITES["flow_logs"] not in stack.missing_prerequisites  # the listed subnet's flow log
    assert summary.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert (
        "  EKS cluster coverage: dynamic, every EKS cluster of us-east-1 tagged airs-discovery=on; re-checked every 60"
        " minutes and on EKS events\n"
        "    on each cluster in scope: authentication mode CONFIG_MAP -> API_AND_CONFIG_MAP (one way: EKS cannot undo\n"
        "      it), 34.71.64.3/32, 34.28.60.186/32 merged into the public endpoint allow-list (nothing removed), an\n"
        "      access entry with AmazonEKSViewPolicy at cluster scope for"
        " arn:aws:iam::111111111111:role/airs-discovery\n"
        "    a private-only cluster is opened only if it is also tagged airs-discovery-public-endpoint=allow, which\n"
        "      lets public endpoint access be turned on for those addresses only; otherwise it is refused\n"
        "    removing the tag (or deleting the stack) reverts exactly what was added: those CIDRs, public access if"
        " it\n"
        "      was turned on, the access entry if it was created; the authentication mode stays\n"
        "    note: anyone who may tag a cluster can opt it in (airs-discovery) or let a private-only one get public\n"
        "      access (airs-discovery-public-endpoint): restrict who may set these tags with an SCP or a tag policy\n"
        "      (docs/configuration.md)\n"
        "    report: SSM parameter /airs-onboarding/coverage/AirsTagged (`make verify` shows it)\n"
    ) in out
    assert "flow-log coverage" not in out  # the listed flow logs are not the runner's


def test_summary_of_all_clusters_and_all_vpcs_with_no_public_endpoint_tag(tmp_path: Path) -> None:
    config = {
        "region": "eu-west-1",
        "stack_name": "AirsAll",
        "flow_logs": {"coverage": "all-vpcs"},
        "eks": {"coverage": "all", "public_endpoint_tag": None, "allowed_cidrs": ["34.71.64.3/32"]},
        "discovery_role": {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "abc123",
        },
    }
    synthesize(config, tmp_path)
    [stack] = summary.summarize(tmp_path)
    assert stack.coverage is not None and stack.coverage.clusters is not None
    assert (stack.coverage.covers_vpcs, stack.coverage.exclude_tag) == (True, ("airs-discovery", "off"))
    assert (stack.coverage.clusters.opt_in_tag, stack.coverage.clusters.public_endpoint_tag) == (None, None)
    assert stack.coverage.clusters.discovery_role == "the discovery role of this stack (ARN known after deploy)"
    assert not {summary.PREREQUISITES["eks"], summary.PREREQUISITES["flow_logs"]} & set(stack.missing_prerequisites)
    text = summary.render([stack])
    assert (
        "  flow-log coverage: dynamic, every VPC of eu-west-1 except those tagged airs-discovery=off; re-checked every"
        " 60 minutes and on VPC events\n"
        "  EKS cluster coverage: dynamic, every EKS cluster of eu-west-1, including clusters created later; re-checked"
        " every 60 minutes and on EKS events\n"
        "    on each cluster in scope: authentication mode CONFIG_MAP -> API_AND_CONFIG_MAP (one way: EKS cannot undo\n"
        "      it), 34.71.64.3/32 merged into the public endpoint allow-list (nothing removed), an access entry with\n"
        "      AmazonEKSViewPolicy at cluster scope for the discovery role of this stack (ARN known after deploy)\n"
        "    a private-only cluster is refused (no public_endpoint_tag: public access is never turned on)\n"
        "    deleting the stack (or changing eks.coverage) reverts exactly what was added: those CIDRs, public access\n"
        "      if it was turned on, the access entry if it was created; the authentication mode stays\n"
        "    report: SSM parameter /airs-onboarding/coverage/AirsAll (`make verify` shows it)\n"
    ) in text + "\n"
    assert "note: anyone who may tag" not in text  # all, and no tag that opens anything


def test_all_with_a_public_endpoint_tag_says_who_may_set_it(tmp_path: Path) -> None:
    synthesize(TAGGED | {"eks": {"coverage": "all", "discovery_role_arn": DISCOVERY}}, tmp_path)
    text = summary.render(summary.summarize(tmp_path))
    assert (
        "    note: anyone who may tag a cluster can let a private-only one get public access\n"
        "      (airs-discovery-public-endpoint): restrict who may set this tag with an SCP or a tag policy\n"
    ) in text


def test_summary_of_tagged_clusters_in_every_member_account(tmp_path: Path) -> None:
    # In an organization every VPC is logged: no ids, and tagged is the clusters' default.
    config = {
        "region": "us-east-1",
        "stack_name": "AirsOrgTagged",
        "flow_logs": {},
        "eks": {"discovery_role_arn": DISCOVERY},
        "organization": {"organizational_units": ["ou-abcd-12345678"], "regions": ["us-east-1"]},
    }
    synthesize(config, tmp_path)
    [stack] = summary.summarize(tmp_path)
    [stack_set] = stack.stack_sets
    assert stack.coverage is None
    assert stack_set.coverage is not None and stack_set.coverage.clusters is not None
    # eks.discovery_role_arn names one role for every account: the template holds it as it is, not a parameter.
    assert stack_set.coverage.clusters.discovery_role == DISCOVERY
    assert not [p for p in stack_set.member_parameters if p.startswith(("FlowLog", "EksCluster"))]
    assert summary.PREREQUISITES["eks"] not in stack.missing_prerequisites
    text = summary.render([stack])
    assert (
        "    EKS cluster coverage: dynamic, every EKS cluster of each account and region tagged airs-discovery=on;"
        " re-checked every 60 minutes and on EKS events\n"
    ) in text
    assert f"at cluster scope for {DISCOVERY}" in " ".join(line.strip() for line in text.splitlines())
    assert (
        "      report: SSM parameter /airs-onboarding/coverage/AirsOrgTagged (in each account and region;"
        " `make verify` shows it)\n"
    ) in text


def test_member_clusters_are_opened_to_each_accounts_own_discovery_role_by_its_arn(tmp_path: Path) -> None:
    # With a discovery_role section each account makes its role in the home region; every region's runner
    # names it by ARN (Fn::If in the template), so the summary shows the ARN pattern, not "known after deploy".
    synthesize(SCENARIOS["organization-example"], tmp_path)
    [stack] = summary.summarize(tmp_path)
    [stack_set] = stack.stack_sets
    assert stack_set.coverage is not None and stack_set.coverage.clusters is not None
    assert stack_set.coverage.clusters.discovery_role == "arn:aws:iam::<account>:role/airs-discovery"


def test_a_role_arn_the_template_cannot_name_before_deploy_is_described() -> None:
    created = {"Fn::GetAtt": ["DiscoveryRole", "Arn"]}
    assert summary._role_text(created, {}, "us-east-1") == "the discovery role of this stack (ARN known after deploy)"
    # Neither branch of a condition can be named: the same words.
    either = {"Fn::If": ["IsHomeRegion", created, {"Fn::GetAtt": ["Other", "Arn"]}]}
    assert summary._role_text(either, {}, "us-east-1") == "the discovery role of this stack (ARN known after deploy)"
    parameter = {"Ref": "RoleArn"}
    template = {"Parameters": {"RoleArn": {"Type": "String", "Default": "arn:aws:iam::1:role/r"}}}
    assert (
        summary._role_text(parameter, template, None) == "the role in parameter RoleArn (default arn:aws:iam::1:role/r)"
    )
    # The partition follows the home region.
    fixed = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":role/r"]]}
    in_china = {"Fn::If": ["IsHomeRegion", created, fixed]}
    assert summary._role_text(in_china, {}, "cn-north-1") == "arn:aws-cn:iam::<account>:role/r"


def test_a_runner_that_covers_only_clusters_does_not_count_as_flow_logs(tmp_path: Path) -> None:
    coverage = {
        "Type": "Custom::EstateCoverage",
        "Properties": {
            "ServiceToken": {"Fn::GetAtt": ["Function", "Arn"]},
            "Settings": {
                "COVER_VPCS": "false",
                "CLUSTER_COVERAGE": "tagged",
                "OPT_IN_TAG_KEY": "discovery",
                "OPT_IN_TAG_VALUE": "",
                "PUBLIC_ENDPOINT_TAG_KEY": "",
                "PUBLIC_ENDPOINT_TAG_VALUE": "",
                "DISCOVERY_ROLE_ARN": {"Fn::GetAtt": ["Role", "Arn"]},
                "ALLOWED_CIDRS": "34.71.64.3/32",
                "REPORT_PARAMETER": "/airs-onboarding/coverage/Airs",
            },
        },
    }
    wizard = {"Region": {"Description": "Onboarding wizard: region", "Value": "us-east-1"}}
    write_assembly(tmp_path, {"Airs": {"Resources": {"Coverage": coverage}, "Outputs": wizard}})
    [stack] = summary.summarize(tmp_path)
    assert summary.PREREQUISITES["flow_logs"] in stack.missing_prerequisites
    assert summary.PREREQUISITES["eks"] not in stack.missing_prerequisites
    assert stack.coverage is not None and stack.coverage.clusters == summary.ClusterCoverageSummary(
        coverage="tagged",
        opt_in_tag=("discovery", ""),
        public_endpoint_tag=None,
        discovery_role="the discovery role of this stack (ARN known after deploy)",
        allowed_cidrs=["34.71.64.3/32"],
    )
    text = summary.render([stack])
    assert "every EKS cluster of us-east-1 tagged discovery (empty value);" in text
    assert "re-checked on a schedule and on EKS events" in text
    assert "flow-log coverage" not in text


@pytest.mark.parametrize("value", ["none", None])
def test_a_runner_that_opens_no_cluster_has_no_cluster_lines(tmp_path: Path, value: str | None) -> None:
    settings = {"EXCLUDE_TAG_KEY": "", "REPORT_PARAMETER": "/r"} | ({"CLUSTER_COVERAGE": value} if value else {})
    coverage = {"Type": "Custom::EstateCoverage", "Properties": {"Settings": settings}}
    wizard = {"Region": {"Description": "Onboarding wizard: region", "Value": "us-east-1"}}
    write_assembly(tmp_path, {"Airs": {"Resources": {"Coverage": coverage}, "Outputs": wizard}})
    [stack] = summary.summarize(tmp_path)
    assert stack.coverage is not None and stack.coverage.clusters is None
    assert summary.PREREQUISITES["eks"] in stack.missing_prerequisites
    assert "EKS cluster coverage" not in summary.render([stack])


def test_the_settings_the_summary_reads_are_the_constructs() -> None:
    """The summary reads the settings as text (it needs no CDK): the names are those the construct writes."""
    from aws_cdk import App, Stack
    from aws_cdk.assertions import Template

    from onboarding_constructs import ClusterCoverage, EstateCoverage

    stack = Stack(App(), "S")
    EstateCoverage(stack, "C", cluster_coverage=ClusterCoverage.TAGGED, discovery_role_arn=DISCOVERY)
    [resource] = Template.from_stack(stack).find_resources(summary.COVERAGE_TYPE).values()
    names = (
        summary.COVER_VPCS,
        summary.CLUSTER_COVERAGE,
        summary.DISCOVERY_ROLE_ARN,
        summary.OPT_IN_TAG_KEY,
        summary.OPT_IN_TAG_VALUE,
        summary.PUBLIC_ENDPOINT_TAG_KEY,
        summary.PUBLIC_ENDPOINT_TAG_VALUE,
        summary.ALLOWED_CIDRS,
        summary.REPORT_PARAMETER,
    )
    assert set(names) <= set(resource["Properties"]["Settings"])
    assert set(summary.CLUSTER_COVERAGES) == {c.value for c in ClusterCoverage}
