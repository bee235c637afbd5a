"""EstateCoverage with EKS clusters: the cluster settings, the tag-scoped permissions, the cluster events rule,
the gates on a cluster stack, every error message of the cluster props."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, CfnResource, Environment, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from cfnlint.api import lint_file

from onboarding_app.assembly import add_compliance_checks
from onboarding_constructs import (
    DEFAULT_OPT_IN_TAG,
    DEFAULT_PUBLIC_ENDPOINT_TAG,
    DISCOVERY_CIDRS,
    ClusterCoverage,
    EstateCoverage,
    FlowLogBucket,
    validation,
)
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused
from tests.constructs.test_estate_coverage_construct import (
    SSM_ACTIONS,
    _invokes,
    acknowledged,
    arn,
    checkov_skips,
    environment,
    grants,
    logical_id,
    permissions,
    resource,
)
from tests.synth import cdk_json_context

ROLE_ARN = "arn:aws:iam::111111111111:role/airs-discovery"
OWNER = "TestStack"
COVERAGE_KEY = "airs-onboarding:coverage"
CLUSTERS = arn("eks:us-east-1:111111111111:cluster/*")
ACCESS_ENTRIES = arn("eks:us-east-1:111111111111:access-entry/*/*")
REPORT = "ssm:us-east-1:111111111111:parameter/airs-onboarding/coverage/TestStack"
VIEW_POLICY = {
    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":eks::aws:cluster-access-policy/AmazonEKSViewPolicy"]]
}
#: The four EKS calls the rule reacts to, written out here rather than taken from the code.
CLUSTER_EVENTS = ["CreateCluster", "DeleteCluster", "TagResource", "UntagResource"]


def covering(stack: Stack, construct_id: str = "Coverage", **props: Any) -> EstateCoverage:
    """Clusters only (no bucket), tagged, for the test role, unless the props say otherwise."""
    props.setdefault("cluster_coverage", ClusterCoverage.TAGGED)
    props.setdefault("discovery_role_arn", ROLE_ARN)
    return EstateCoverage(stack, construct_id, **props)


def cluster_grants(stack: Stack, construct: EstateCoverage, *, opted_in: dict[str, str]) -> set[tuple[str, str, str]]:
    """What the role may do to clusters, their access entries, its records and itself; ``opted_in`` is the
    tagged mode's aws:ResourceTag condition ({} for all)."""
    own_request = {f"aws:RequestTag/{COVERAGE_KEY}": OWNER}
    own_resource = {f"aws:ResourceTag/{COVERAGE_KEY}": OWNER}
    only_own_key = {"ForAllValues:StringEquals": {"aws:TagKeys": [COVERAGE_KEY]}}
    return (
        # Reads only; ListClusters has no resource-level permissions.
        grants(("eks:ListClusters", "eks:DescribeCluster", "eks:DescribeUpdate", "eks:DescribeAccessEntry"), ("*",))
        # The change, only on opted-in clusters in tagged mode.
        | grants(
            ("eks:UpdateClusterConfig", "eks:CreateAccessEntry"),
            (CLUSTERS,),
            {"StringEquals": opted_in} if opted_in else None,
        )
        # Its marker, only its own key and value, only on opted-in clusters.
        | grants(("eks:TagResource",), (CLUSTERS,), {"StringEquals": {**own_request, **opted_in}, **only_own_key})
        # The revert: only clusters and entries carrying its marker, whatever their opt-in tag says now.
        | revert_grants()
        # Without a bucket: removing the flow logs an earlier VPC coverage made, only those with its marker.
        | flow_log_removal_grants()
        # Access entries: tagged with its marker when created (eks:TagResource on the new entry), then
        # only those with it.
        | grants(("eks:TagResource",), (ACCESS_ENTRIES,), {"StringEquals": own_request})
        | grants(
            ("eks:AssociateAccessPolicy",),
            (ACCESS_ENTRIES,),
            {"StringEquals": {**own_resource, "eks:policyArn": VIEW_POLICY, "eks:accessScope": "cluster"}},
        )
        # Its report and lease.
        | grants(SSM_ACTIONS, (arn(REPORT), arn(f"{REPORT}/lease")))
        | grants(
            ("logs:CreateLogStream", "logs:PutLogEvents"),
            ({"Fn::GetAtt": [logical_id(stack, construct.log_group), "Arn"]},),
        )
        # The hand-off: it invokes itself, and nothing else.
        | grants(("lambda:InvokeFunction",), ({"Fn::GetAtt": [logical_id(stack, construct.function), "Arn"]},))
    )


def flow_log_removal_grants(owner: str = OWNER) -> set[tuple[str, str, str]]:
    return grants(("ec2:DescribeFlowLogs", "logs:DeleteLogDelivery"), ("*",)) | grants(
        ("ec2:DeleteFlowLogs",),
        (arn("ec2:us-east-1:111111111111:vpc-flow-log/*"),),
        {"StringEquals": {f"aws:ResourceTag/{COVERAGE_KEY}": owner}},
    )


def revert_grants(owner: str = OWNER, report: str = REPORT) -> set[tuple[str, str, str]]:
    """What every EstateCoverage may do, clusters covered or not: undo cluster coverage (an Update that switches
    it off, or a Delete, runs after the opening statements are gone), only on what carries the owner's marker."""
    own_resource = {f"aws:ResourceTag/{COVERAGE_KEY}": owner}
    return (
        grants(("eks:DescribeCluster", "eks:DescribeUpdate"), (CLUSTERS,))
        | grants(("eks:UpdateClusterConfig",), (CLUSTERS,), {"StringEquals": own_resource})
        | grants(
            ("eks:UntagResource",),
            (CLUSTERS,),
            {"StringEquals": own_resource, "ForAllValues:StringEquals": {"aws:TagKeys": [COVERAGE_KEY]}},
        )
        | grants(("eks:DeleteAccessEntry",), (ACCESS_ENTRIES,), {"StringEquals": own_resource})
        # One record per cluster below the report, listed in one call.
        | grants(SSM_ACTIONS, (arn(f"{report}/clusters/*"),))
        | grants(("ssm:GetParametersByPath",), (arn(f"{report}/clusters"),))
    )


# --- least privilege --------------------------------------------------------------------------------------


def test_tagged_the_role_may_change_only_opted_in_clusters() -> None:
    stack = new_stack()
    construct = covering(stack)
    assert permissions(stack, construct) == cluster_grants(
        stack, construct, opted_in={"aws:ResourceTag/airs-discovery": "on"}
    )


def test_all_the_role_may_change_every_cluster_but_revert_and_untag_only_its_own() -> None:
    stack = new_stack()
    construct = covering(stack, cluster_coverage=ClusterCoverage.ALL)
    assert permissions(stack, construct) == cluster_grants(stack, construct, opted_in={})


def test_the_opt_in_tag_and_the_owner_scope_the_conditions() -> None:
    stack = new_stack()
    construct = covering(
        stack, opt_in_tag=("team:discovery", "yes"), owner="platform", access_policy="AmazonEKSAdminViewPolicy"
    )
    conditions = {(a, c) for a, r, c in permissions(stack, construct) if a.startswith("eks:") and r != '"*"'}
    tag_conditions = {json.dumps(json.loads(c)["StringEquals"], sort_keys=True) for _, c in conditions if c != "null"}
    assert json.dumps({"aws:ResourceTag/team:discovery": "yes"}) in tag_conditions
    assert all("airs-discovery" not in c for _, c in conditions)
    assert all("TestStack" not in c for _, c in conditions)
    [associate] = [json.loads(c) for a, c in conditions if a == "eks:AssociateAccessPolicy"]
    assert associate["StringEquals"]["eks:policyArn"]["Fn::Join"][1][-1] == (
        ":eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy"
    )
    assert associate["StringEquals"][f"aws:ResourceTag/{COVERAGE_KEY}"] == "platform"


def test_vpcs_and_clusters_together_get_both_sets_and_nothing_more() -> None:
    vpc_stack, stack = new_stack(), new_stack()
    vpc_only = EstateCoverage(vpc_stack, "Coverage", bucket=s3.Bucket.from_bucket_name(vpc_stack, "Logs", "logs"))
    both = covering(stack, bucket=s3.Bucket.from_bucket_name(stack, "Logs", "logs"))
    # The log group and function have the same logical ids in both stacks (same construct paths).
    # The revert statements are in both.
    assert permissions(stack, both) == permissions(vpc_stack, vpc_only) | cluster_grants(
        stack, both, opted_in={"aws:ResourceTag/airs-discovery": "on"}
    )


def test_without_clusters_the_role_may_only_undo_cluster_coverage_and_cannot_invoke_itself() -> None:
    stack = new_stack()
    construct = EstateCoverage(stack, "Coverage", bucket=s3.Bucket.from_bucket_name(stack, "Logs", "logs"))
    granted = permissions(stack, construct)
    assert {g for g in granted if g[0].startswith(("eks:", "lambda:")) or "/clusters" in g[1]} == revert_grants()
    assert construct.cluster_events is None
    assert environment(stack, construct)["CLUSTER_COVERAGE"] == "none"
    assert not {k for k in environment(stack, construct) if k.startswith(("OPT_IN", "PUBLIC_ENDPOINT", "DISCOVERY"))}


def test_without_a_bucket_the_role_may_only_remove_flow_logs_it_made_and_no_bucket_is_touched() -> None:
    stack = new_stack()
    construct = covering(stack)
    granted = permissions(stack, construct)
    assert {g for g in granted if g[0].startswith(("ec2:", "logs:CreateLogDelivery", "logs:DeleteLogDelivery"))} == (
        flow_log_removal_grants()
    )
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::S3::BucketPolicy", 0)
    [policy] = template.find_resources("AWS::IAM::ManagedPolicy")
    assert resource(stack, construct.custom_resource)["DependsOn"] == [policy]


def test_the_self_invoke_makes_no_dependency_cycle() -> None:
    """The function's ARN sits in the attached managed policy, which the function does not wait for."""
    stack = new_stack()
    construct = covering(stack)
    template = Template.from_stack(stack).to_json()["Resources"]
    [policy] = [k for k, v in template.items() if v["Type"] == "AWS::IAM::ManagedPolicy"]
    assert policy not in resource(stack, construct.function).get("DependsOn", [])
    template_role = resource(stack, construct.role)["Properties"]
    assert "Policies" not in template_role and "ManagedPolicyArns" not in template_role
    Template.from_stack(stack).resource_count_is("AWS::IAM::Policy", 0)


# --- the handler's settings -------------------------------------------------------------------------------


def test_cluster_settings_are_the_handler_contract() -> None:
    stack = new_stack()
    construct = covering(stack)
    settings = environment(stack, construct)
    assert settings == {
        # No bucket: no VPC is covered, and none of the flow log settings is there.
        "COVER_VPCS": "false",
        "CLUSTER_COVERAGE": "tagged",
        "OPT_IN_TAG_KEY": "airs-discovery",
        "OPT_IN_TAG_VALUE": "on",
        "PUBLIC_ENDPOINT_TAG_KEY": "airs-discovery-public-endpoint",
        "PUBLIC_ENDPOINT_TAG_VALUE": "allow",
        "DISCOVERY_ROLE_ARN": ROLE_ARN,
        "ALLOWED_CIDRS": "34.71.64.3/32,34.28.60.186/32",
        "ACCESS_POLICY_ARN": VIEW_POLICY,
        "OWNER": OWNER,
        "REPORT_PARAMETER": "/airs-onboarding/coverage/TestStack",
    }
    # The custom resource carries a copy, so that CloudFormation sends an Update (a new sweep) on any change.
    assert resource(stack, construct.custom_resource)["Properties"]["Settings"] == settings
    assert (DEFAULT_OPT_IN_TAG, DEFAULT_PUBLIC_ENDPOINT_TAG) == (
        ("airs-discovery", "on"),
        ("airs-discovery-public-endpoint", "allow"),
    )


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"cluster_coverage": ClusterCoverage.ALL}, {"CLUSTER_COVERAGE": "all"}),
        ({"cluster_coverage": "all"}, {"CLUSTER_COVERAGE": "all"}),
        ({"cluster_coverage": "tagged"}, {}),
        ({"opt_in_tag": ("team/discovery", "")}, {"OPT_IN_TAG_KEY": "team/discovery", "OPT_IN_TAG_VALUE": ""}),
        ({"public_endpoint_tag": None}, {"PUBLIC_ENDPOINT_TAG_KEY": "", "PUBLIC_ENDPOINT_TAG_VALUE": ""}),
        (
            {"public_endpoint_tag": ("public", "yes")},
            {"PUBLIC_ENDPOINT_TAG_KEY": "public", "PUBLIC_ENDPOINT_TAG_VALUE": "yes"},
        ),
        # Spelt as EKS writes them back, so that the handler adds and removes exactly these.
        ({"allowed_cidrs": ["34.71.64.3", "35.190.0.0/24"]}, {"ALLOWED_CIDRS": "34.71.64.3/32,35.190.0.0/24"}),
        ({"allowed_cidrs": ["8.8.8.8/32"]}, {"ALLOWED_CIDRS": "8.8.8.8/32"}),
        (
            {"access_policy": "AmazonEKSAdminViewPolicy"},
            {
                "ACCESS_POLICY_ARN": {
                    "Fn::Join": [
                        "",
                        ["arn:", {"Ref": "AWS::Partition"}, ":eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy"],
                    ]
                }
            },
        ),
        (
            {"discovery_role_arn": "arn:aws-us-gov:iam::222222222222:role/path/discovery"},
            {"DISCOVERY_ROLE_ARN": "arn:aws-us-gov:iam::222222222222:role/path/discovery"},
        ),
        (
            {"owner": "platform"},
            {"OWNER": "platform", "REPORT_PARAMETER": "/airs-onboarding/coverage/platform"},
        ),
    ],
    ids=[
        "all",
        "all-text",
        "tagged-text",
        "opt-in-tag",
        "no-public-endpoint-tag",
        "public-endpoint-tag",
        "cidrs-canonical",
        "one-cidr",
        "access-policy",
        "role",
        "owner",
    ],
)
def test_each_cluster_prop_reaches_the_handler_and_the_custom_resource(
    props: dict[str, Any], expected: dict[str, Any]
) -> None:
    default_stack, stack = new_stack(), new_stack()
    defaults = environment(default_stack, covering(default_stack))
    construct = covering(stack, **props)
    settings = environment(stack, construct)
    assert {k: v for k, v in settings.items() if defaults[k] != v} == expected
    assert resource(stack, construct.custom_resource)["Properties"]["Settings"] == settings


def test_vpcs_and_clusters_together_carry_both_settings() -> None:
    vpc_stack, stack = new_stack(), new_stack()
    vpc_only = environment(
        vpc_stack, EstateCoverage(vpc_stack, "Coverage", bucket=s3.Bucket.from_bucket_name(vpc_stack, "Logs", "logs"))
    )
    both = environment(stack, covering(stack, bucket=s3.Bucket.from_bucket_name(stack, "Logs", "logs")))
    clusters_only = environment(stack := new_stack(), covering(stack))
    assert both == {**vpc_only, **clusters_only, "COVER_VPCS": "true"}
    assert vpc_only["COVER_VPCS"] == "true" and "BUCKET_ARN" in both


def test_deploy_time_values_are_taken_unchecked_and_joined_by_cloudformation() -> None:
    stack = new_stack()
    role = CfnParameter(stack, "Role").value_as_string
    cidr = CfnParameter(stack, "Cidr").value_as_string
    value = CfnParameter(stack, "OptInValue").value_as_string
    owner = CfnParameter(stack, "Owner").value_as_string
    construct = covering(
        stack,
        discovery_role_arn=role,
        allowed_cidrs=["34.71.64.3/32", cidr],
        opt_in_tag=("airs-discovery", value),
        owner=owner,
        report_parameter_name="/ops/coverage",
    )
    settings = environment(stack, construct)
    assert settings["DISCOVERY_ROLE_ARN"] == {"Ref": "Role"}
    assert settings["ALLOWED_CIDRS"] == {"Fn::Join": [",", ["34.71.64.3/32", {"Ref": "Cidr"}]]}
    assert settings["OPT_IN_TAG_VALUE"] == {"Ref": "OptInValue"}
    conditions = [json.loads(c) for a, _, c in permissions(stack, construct) if a == "eks:DeleteAccessEntry"]
    assert conditions == [{"StringEquals": {f"aws:ResourceTag/{COVERAGE_KEY}": {"Ref": "Owner"}}}]
    opted = [json.loads(c) for a, _, c in permissions(stack, construct) if a == "eks:CreateAccessEntry"]
    assert {"StringEquals": {"aws:ResourceTag/airs-discovery": {"Ref": "OptInValue"}}} in opted


# --- the triggers -----------------------------------------------------------------------------------------


def test_cluster_changes_recorded_by_cloudtrail_start_a_sweep() -> None:
    stack = new_stack()
    construct = covering(stack)
    assert construct.cluster_events is not None
    assert resource(stack, construct.cluster_events)["Properties"]["EventPattern"] == {
        "source": ["aws.eks"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["eks.amazonaws.com"], "eventName": CLUSTER_EVENTS},
    }
    _invokes(stack, construct, construct.cluster_events)
    _invokes(stack, construct, construct.schedule)
    # No bucket: no VPC rule.
    assert construct.estate_events is None
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::Events::Rule", 2)
    template.resource_count_is("AWS::Lambda::Permission", 2)


def test_vpcs_and_clusters_together_have_three_rules_each_after_the_custom_resource() -> None:
    stack = new_stack()
    construct = covering(stack, bucket=s3.Bucket.from_bucket_name(stack, "Logs", "logs"))
    rules = (construct.schedule, construct.estate_events, construct.cluster_events)
    custom = logical_id(stack, construct.custom_resource)
    for rule in rules:
        assert rule is not None
        _invokes(stack, construct, rule)
        # No sweep starts before the first one, nor after the custom resource's Delete undid the changes.
        assert resource(stack, rule)["DependsOn"] == [custom]
    Template.from_stack(stack).resource_count_is("AWS::Events::Rule", 3)
    for permission in Template.from_stack(stack).find_resources("AWS::Lambda::Permission").values():
        assert permission["DependsOn"] == [custom]


def test_construct_ids_are_stable() -> None:
    stack = new_stack()
    construct = covering(stack, bucket=s3.Bucket.from_bucket_name(stack, "Logs", "logs"))
    assert construct.cluster_events is not None and construct.estate_events is not None
    assert (construct.cluster_events.node.path, construct.estate_events.node.path) == (
        "TestStack/Coverage/ClusterEvents",
        "TestStack/Coverage/EstateEvents",
    )


@pytest.mark.parametrize("bucket", [False, True], ids=["clusters", "vpcs-and-clusters"])
def test_the_descriptions_say_clusters_are_covered(bucket: bool) -> None:
    stack = new_stack()
    props = {"bucket": s3.Bucket.from_bucket_name(stack, "Logs", "logs")} if bucket else {}
    construct = covering(stack, **props)
    descriptions = [
        resource(stack, construct.function)["Properties"]["Description"],
        resource(stack, construct.role)["Properties"]["Description"],
        resource(stack, construct.node.find_child("Policy"))["Properties"]["Description"],
        resource(stack, construct.schedule)["Properties"]["Description"],
    ]
    for description in descriptions:
        assert "EKS cluster" in description, description
        assert ("VPC" in description) is bucket, description
    assert len(descriptions[0]) <= 256  # Lambda's limit on a function description


def test_the_docstring_says_who_can_opt_a_cluster_in_and_how_to_restrict_it() -> None:
    doc = " ".join((inspect.getdoc(EstateCoverage) or "").split())
    assert "anyone who may tag a cluster can opt it in" in doc
    for words in ("service control policy", "aws:TagKeys", "aws:RequestTag/<opt-in key>", "tag policies"):
        assert words in doc, words


# --- the gates -----------------------------------------------------------------------------------------------


def _gated_app(tmp_path: Path, env: Environment | None, *, bucket: bool, mode: ClusterCoverage) -> EstateCoverage:
    app = App(outdir=str(tmp_path), context=cdk_json_context())
    add_compliance_checks(app)
    stack = Stack(app, "Coverage", env=env)
    target = FlowLogBucket(stack, "Bucket").bucket if bucket else None
    construct = EstateCoverage(stack, "Coverage", bucket=target, cluster_coverage=mode, discovery_role_arn=ROLE_ARN)
    app.synth()  # raises on any unacknowledged AwsSolutions or NIST 800-53 R5 finding
    return construct


@pytest.mark.parametrize(
    ("mode", "bucket"),
    [(ClusterCoverage.TAGGED, False), (ClusterCoverage.ALL, False), (ClusterCoverage.TAGGED, True)],
    ids=["tagged", "all", "tagged-with-vpcs"],
)
@pytest.mark.parametrize(
    "env", [Environment(region="us-east-1", account="111111111111"), None], ids=["env", "agnostic"]
)
def test_passes_cdk_nag_and_cfn_lint(
    tmp_path: Path, env: Environment | None, mode: ClusterCoverage, bucket: bool
) -> None:
    _gated_app(tmp_path, env, bucket=bucket, mode=mode)
    report = json.loads((tmp_path / "validation-report.json").read_text())
    assert {plugin["pluginName"]: plugin["conclusion"] for plugin in report["pluginReports"]} == {
        "AwsSolutions": "success",
        "NIST.800.53.R5": "success",
    }
    assert [str(m) for m in lint_file(tmp_path / "Coverage.template.json")] == []


def test_each_finding_is_acknowledged_on_its_resource_with_a_reason(tmp_path: Path) -> None:
    construct = _gated_app(
        tmp_path, Environment(region="us-east-1", account="111111111111"), bucket=False, mode=ClusterCoverage.TAGGED
    )
    findings = {
        path: sorted(acknowledged(c))
        for c in construct.node.find_all()
        if isinstance(c, CfnResource) and (path := c.node.path) and acknowledged(c)
    }
    assert findings == {
        "Coverage/Coverage/Function/Resource": [
            "NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ",
            "NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC",
        ],
        "Coverage/Coverage/LogGroup/Resource": ["NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted"],
        "Coverage/Coverage/Policy/Resource": [
            "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
            # Removing flow logs an earlier VPC coverage made.
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:ec2:us-east-1:111111111111:vpc-flow-log/*]",
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:eks:us-east-1:111111111111:access-entry/*/*]",
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:eks:us-east-1:111111111111:cluster/*]",
            "AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:ssm:us-east-1:111111111111:parameter/airs-onboarding/"
            "coverage/Coverage/clusters/*]",
        ],
    }
    reasons = acknowledged(construct.node.find_child("Policy").node.default_child)
    wildcard = reasons["AwsSolutions::AwsSolutions-IAM5[Resource::*]"]
    assert "eks:ListClusters" in wildcard and "ec2:DescribeVpcs" not in wildcard
    assert "only to remove the flow logs an earlier VPC coverage made" in wildcard
    clusters = reasons["AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:eks:us-east-1:111111111111:cluster/*]"]
    assert "opt-in tag airs-discovery" in clusters
    function_reasons = acknowledged(construct.function.node.default_child)
    assert "EKS" in function_reasons["NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC"]
    assert "EC2" not in function_reasons["NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC"]
    report = json.loads((tmp_path / "validation-report.json").read_text())
    # Each acknowledgment answers a finding the packs really raise: none is dead.
    suppressed = {
        (violation["acknowledgedId"], construct_["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin.get("suppressedViolations", [])
        for construct_ in violation["violatingConstructs"]
    }
    for path, ids in findings.items():
        for finding in ids:
            assert (finding, path) in suppressed, (finding, path)


def test_all_says_why_every_cluster_may_be_changed(tmp_path: Path) -> None:
    construct = _gated_app(
        tmp_path, Environment(region="us-east-1", account="111111111111"), bucket=False, mode=ClusterCoverage.ALL
    )
    reasons = acknowledged(construct.node.find_child("Policy").node.default_child)
    assert (
        "cluster_coverage 'all' opens every cluster"
        in (reasons["AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:eks:us-east-1:111111111111:cluster/*]"])
    )


def test_checkov_skips_carry_reasons() -> None:
    stack = new_stack()
    construct = covering(stack)
    assert sorted(checkov_skips(stack, construct.function)) == [
        "CKV_AWS_115",
        "CKV_AWS_116",
        "CKV_AWS_117",
        "CKV_AWS_173",
        "CKV_AWS_45",
    ]
    assert sorted(checkov_skips(stack, construct.log_group)) == ["CKV_AWS_158"]
    assert "discovery role ARN" in checkov_skips(stack, construct.function)["CKV_AWS_173"]
    assert "cluster names" in checkov_skips(stack, construct.log_group)["CKV_AWS_158"]


@pytest.mark.slow
def test_passes_checkov(tmp_path: Path) -> None:
    from tests.gates.test_checkov import _checks, _scan

    templates = tmp_path / "templates"
    templates.mkdir()
    cases = {
        "tagged": (Environment(region="us-east-1", account="111111111111"), False),
        "tagged-with-vpcs": (None, True),
    }
    for name, (env, bucket) in cases.items():
        out = tmp_path / name
        _gated_app(out, env, bucket=bucket, mode=ClusterCoverage.TAGGED)
        (templates / f"{name}.template.json").write_text((out / "Coverage.template.json").read_text())
    reports = _scan(templates)
    assert [f"{c['check_id']} {c['resource']}" for c in _checks(reports, "failed_checks")] == []
    assert sum(r["summary"]["passed"] for r in reports) > 0
    skipped = {c["check_id"] for c in _checks(reports, "skipped_checks")}
    assert skipped >= {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_158", "CKV_AWS_173"}


# --- every error message ----------------------------------------------------------------------------------

_TAG_CHARACTERS = "letters, digits, spaces and _.:/=+-@"
_REPORT_EXPECTED_WITH_CLUSTERS = (
    "is not an SSM parameter name for the report (expected '/' and up to 13 '/'-separated parts of letters,"
    " digits and _.-, at most 790 characters, the first part not starting with 'aws' or 'ssm', so that the"
    " per-cluster records fit below it)"
)
_PUBLIC_CIDR = "is not a public address range (expected the discovery service's public addresses)"


@pytest.mark.parametrize(
    ("props", "problems"),
    [
        (
            {"cluster_coverage": None, "discovery_role_arn": None},
            [
                "neither bucket nor cluster_coverage is given, so there is nothing to cover (expected bucket for"
                " the VPCs' flow logs, cluster_coverage for EKS clusters, or both)"
            ],
        ),
        (
            {"discovery_role_arn": None},
            [
                "cluster_coverage 'tagged' needs discovery_role_arn, the IAM role AIRS discovery uses: each covered"
                " cluster gets an access entry for it"
            ],
        ),
        (
            {"cluster_coverage": ClusterCoverage.ALL, "discovery_role_arn": None},
            [
                "cluster_coverage 'all' needs discovery_role_arn, the IAM role AIRS discovery uses: each covered"
                " cluster gets an access entry for it"
            ],
        ),
        (
            {"cluster_coverage": "listed"},
            ["cluster_coverage: 'listed' is not a cluster coverage (expected 'tagged' or 'all')"],
        ),
        (
            {"discovery_role_arn": "airs-discovery"},
            [
                "discovery_role_arn: 'airs-discovery' is not an IAM role ARN (expected"
                " arn:<partition>:iam::<12-digit account>:role/<name>)"
            ],
        ),
        (
            {"discovery_role_arn": "arn:aws:iam::111111111111:user/someone"},
            [
                "discovery_role_arn: 'arn:aws:iam::111111111111:user/someone' is not an IAM role ARN (expected"
                " arn:<partition>:iam::<12-digit account>:role/<name>)"
            ],
        ),
        ({"opt_in_tag": None}, ["opt_in_tag: None is not a tag (expected a (key, value) pair of strings)"]),
        (
            {"opt_in_tag": "airs-discovery=on"},
            ["opt_in_tag: 'airs-discovery=on' is not a tag (expected a (key, value) pair of strings)"],
        ),
        ({"opt_in_tag": ("", "on")}, ["opt_in_tag: key '' is not a tag key (expected 1 to 128 characters)"]),
        (
            {"opt_in_tag": ("k" * 129, "on")},
            [f"opt_in_tag: key '{'k' * 129}' is not a tag key (expected 1 to 128 characters)"],
        ),
        (
            {"opt_in_tag": ("aws:discovery", "on")},
            ["opt_in_tag: key 'aws:discovery' starts with 'aws:', which AWS reserves for its own tags"],
        ),
        (
            {"opt_in_tag": ("discovery*", "on")},
            [f"opt_in_tag: key 'discovery*' is not an EKS tag key (expected {_TAG_CHARACTERS})"],
        ),
        (
            {"opt_in_tag": ("discovery", "on!")},
            [f"opt_in_tag: value 'on!' is not an EKS tag value (expected {_TAG_CHARACTERS})"],
        ),
        (
            {"opt_in_tag": ("discovery", "v" * 257)},
            [f"opt_in_tag: value '{'v' * 257}' is not a tag value (expected at most 256 characters)"],
        ),
        (
            {"opt_in_tag": ("Airs-Onboarding:Coverage", "on")},
            [
                "opt_in_tag: key 'Airs-Onboarding:Coverage' is 'airs-onboarding:coverage', the tag the runner marks"
                " the clusters it changed with (expected another key)"
            ],
        ),
        (
            {"public_endpoint_tag": ("airs-onboarding:coverage", "allow")},
            [
                "public_endpoint_tag: key 'airs-onboarding:coverage' is 'airs-onboarding:coverage', the tag the"
                " runner marks the clusters it changed with (expected another key)"
            ],
        ),
        (
            {"public_endpoint_tag": ("public", "yes", "really")},
            [
                "public_endpoint_tag: ('public', 'yes', 'really') is not a tag (expected a (key, value) pair of"
                " strings, or None to refuse every private-only cluster)"
            ],
        ),
        (
            {"public_endpoint_tag": ("public#endpoint", "yes")},
            [f"public_endpoint_tag: key 'public#endpoint' is not an EKS tag key (expected {_TAG_CHARACTERS})"],
        ),
        (
            {"public_endpoint_tag": ("airs-discovery", "public")},
            [
                "opt_in_tag and public_endpoint_tag share the key 'airs-discovery', but a cluster carries one value"
                " per key (expected two keys)"
            ],
        ),
        (
            {"allowed_cidrs": []},
            ["allowed_cidrs: empty (expected the discovery service's addresses; omit it for the default)"],
        ),
        (
            {"allowed_cidrs": "34.71.64.3/32"},
            ["allowed_cidrs: '34.71.64.3/32' is one string (expected a list of CIDR blocks)"],
        ),
        ({"allowed_cidrs": ["10.0.0.0/8"]}, [f"allowed_cidrs[0]: '10.0.0.0/8' {_PUBLIC_CIDR}"]),
        (
            {"allowed_cidrs": ["0.0.0.0/0"]},
            [
                "allowed_cidrs[0]: '0.0.0.0/0' would allow the whole internet (expected the discovery service's own"
                " addresses)"
            ],
        ),
        (
            {"allowed_cidrs": ["34.71.64.3", "34.71.64.3/32"]},
            ["allowed_cidrs: '34.71.64.3/32' listed more than once"],
        ),
        (
            {"allowed_cidrs": [f"34.71.64.{i}/32" for i in range(41)]},
            ["allowed_cidrs: 41 CIDRs (EKS allows at most 40 on an endpoint)"],
        ),
        (
            {"access_policy": "ViewPolicy"},
            ["access_policy: 'ViewPolicy' is not an EKS access policy name (e.g. AmazonEKSViewPolicy)"],
        ),
        (
            {"report_parameter_name": "/a" * 14},
            [f"report_parameter_name: '{'/a' * 14}' {_REPORT_EXPECTED_WITH_CLUSTERS}"],
        ),
        (
            {"report_parameter_name": "/" + "r" * 790},
            [f"report_parameter_name: '/{'r' * 790}' {_REPORT_EXPECTED_WITH_CLUSTERS}"],
        ),
        (
            {"owner": "a/b/c/d/e/f/g/h/i/j/k/l"},
            [
                "owner: 'a/b/c/d/e/f/g/h/i/j/k/l' cannot name the default report parameter:"
                f" '/airs-onboarding/coverage/a/b/c/d/e/f/g/h/i/j/k/l' {_REPORT_EXPECTED_WITH_CLUSTERS}; pass"
                " report_parameter_name"
            ],
        ),
    ],
    ids=[
        "nothing-to-cover",
        "no-role-tagged",
        "no-role-all",
        "coverage-listed",
        "role-not-arn",
        "role-a-user",
        "opt-in-none",
        "opt-in-one-string",
        "opt-in-key-empty",
        "opt-in-key-long",
        "opt-in-key-aws",
        "opt-in-key-characters",
        "opt-in-value-characters",
        "opt-in-value-long",
        "opt-in-coverage-key",
        "public-coverage-key",
        "public-three-items",
        "public-key-characters",
        "public-same-key-as-opt-in",
        "cidrs-empty",
        "cidrs-one-string",
        "cidr-private",
        "cidr-everyone",
        "cidr-twice",
        "cidrs-41",
        "access-policy",
        "report-deep",
        "report-long",
        "owner-default-report-deep",
    ],
)
def test_invalid_cluster_props_are_refused(props: dict[str, Any], problems: list[str]) -> None:
    assert_refused(lambda: covering(new_stack(), **props), "TestStack/Coverage", *problems)


def test_a_deploy_time_opt_in_key_is_refused_because_it_names_a_condition_key() -> None:
    stack = new_stack()
    key = CfnParameter(stack, "Key").value_as_string
    assert_refused(
        lambda: covering(stack, opt_in_tag=(key, "on")),
        "TestStack/Coverage",
        "opt_in_tag: key is only known at deploy time, but it names the IAM condition key aws:ResourceTag/<key>,"
        " which CloudFormation cannot compute (expected a literal tag key)",
    )


def test_every_cluster_problem_is_reported_at_once() -> None:
    assert_refused(
        lambda: covering(
            new_stack(),
            cluster_coverage="some",
            discovery_role_arn="role",
            opt_in_tag=("aws:x", "on"),
            public_endpoint_tag=("p", "v" * 257),
            allowed_cidrs=["10.0.0.0/8"],
            access_policy="Admin",
        ),
        "TestStack/Coverage",
        "cluster_coverage: 'some' is not a cluster coverage (expected 'tagged' or 'all')",
        "discovery_role_arn: 'role' is not an IAM role ARN (expected arn:<partition>:iam::<12-digit"
        " account>:role/<name>)",
        "opt_in_tag: key 'aws:x' starts with 'aws:', which AWS reserves for its own tags",
        f"public_endpoint_tag: value '{'v' * 257}' is not a tag value (expected at most 256 characters)",
        f"allowed_cidrs[0]: '10.0.0.0/8' {_PUBLIC_CIDR}",
        "access_policy: 'Admin' is not an EKS access policy name (e.g. AmazonEKSViewPolicy)",
    )


@pytest.mark.parametrize(
    "props",
    [
        {"cluster_coverage": ClusterCoverage.ALL},
        {"opt_in_tag": ("k" * 128, "v" * 256)},
        {"opt_in_tag": ("Team Discovery:opt-in/eks=+@_.", "")},
        {"opt_in_tag": ["airs-discovery", "on"]},
        {"public_endpoint_tag": None},
        # The same key is fine when all clusters are covered: the opt-in tag is not read.
        {"cluster_coverage": ClusterCoverage.ALL, "public_endpoint_tag": ("airs-discovery", "public")},
        {"allowed_cidrs": [f"34.71.64.{i}/32" for i in range(40)]},
        {"allowed_cidrs": ("34.71.64.3/32",)},
        {"discovery_role_arn": "arn:aws-cn:iam::111111111111:role/team/airs-discovery"},
        {"report_parameter_name": "/a" * 13},
        {"report_parameter_name": "/" + "r" * 789},
        {"owner": "o" * 256, "report_parameter_name": "/ops/report"},
    ],
    ids=[
        "all",
        "opt-in-limits",
        "opt-in-punctuation",
        "opt-in-as-list",
        "no-public-endpoint-tag",
        "all-same-keys",
        "cidrs-40",
        "cidrs-tuple",
        "role-china-path",
        "report-13-levels",
        "report-790",
        "owner-256",
    ],
)
def test_cluster_values_at_the_limits_are_accepted(props: dict[str, Any]) -> None:
    covering(new_stack(), **props)


def test_without_clusters_the_report_keeps_its_old_limits() -> None:
    """14 levels and 900 characters, as before: no cluster record goes below it."""
    stack = new_stack()
    EstateCoverage(
        stack, "Coverage", bucket=s3.Bucket.from_bucket_name(stack, "Logs", "logs"), report_parameter_name="/a" * 14
    )


# --- the rules, public -----------------------------------------------------------------------------------


def test_the_rules_are_public_and_say_the_same_words() -> None:
    assert validation.cluster_coverage_problem("tagged") is None
    assert validation.cluster_coverage_problem(ClusterCoverage.ALL) is None
    assert (
        validation.cluster_coverage_problem("listed")
        == "'listed' is not a cluster coverage (expected 'tagged' or 'all')"
    )
    assert validation.opt_in_tag_problems(DEFAULT_OPT_IN_TAG) == []
    assert validation.public_endpoint_tag_problems(DEFAULT_PUBLIC_ENDPOINT_TAG) == []
    assert validation.public_endpoint_tag_problems(None) == []
    assert validation.opt_in_tag_problems(("aws:x", "on")) == [
        "key 'aws:x' starts with 'aws:', which AWS reserves for its own tags"
    ]
    # One rule for every tag: the exclude tag keeps its words, and takes what EC2 takes.
    assert validation.exclude_tag_problems(("aws:x", "off")) == validation.opt_in_tag_problems(("aws:x", "off"))
    assert validation.exclude_tag_problems(("team#1", "off")) == []
    assert (
        validation.estate_coverage_problems(covers_vpcs=False, cluster_coverage="tagged", discovery_role_arn=ROLE_ARN)
        == []
    )
    assert validation.report_parameter_name_problem("/a" * 14) is None
    assert validation.report_parameter_name_problem("/a" * 14, clusters=True) is not None
    assert DISCOVERY_CIDRS == ("34.71.64.3/32", "34.28.60.186/32")
