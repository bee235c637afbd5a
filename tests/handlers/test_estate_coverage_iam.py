"""Every call the estate-coverage handler makes is allowed by the policy of the construct configured the same way.

Each scenario builds ``EstateCoverage`` (tests/handlers/iam_simulation.py: a bare stack in the harness's account and
region, references resolved), runs the handler with that construct's environment against moto and the EKS fake, and
evaluates each call it made, with the resources' tags as they were at that moment, against the role's policy. A
change of settings runs under the new construct's policy, as CloudFormation updates the policy before the custom
resource (which depends on it). The negative tests prove the evaluator denies what the policy does not allow.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import botocore.session
import pytest

from onboarding_constructs import ClusterCoverage, FlowLogFileFormat
from tests.handlers.coverage_harness import (
    ACCOUNT_ID,
    BUCKET,
    COVERAGE_TAG_KEY,
    EXCLUDE_TAG,
    OWNER,
    REGION,
    REPO_ROOT,
    REPORT_PARAMETER,
    Harness,
    coverage_harness,
)
from tests.handlers.iam_simulation import (
    FUNCTION_ARN,
    Call,
    CallRecorder,
    CoverageIam,
    Decision,
    EstateState,
    Gap,
    PermissionGap,
    Policy,
    Request,
    Resource,
    UnmappedCall,
    UnsupportedPolicy,
    assert_allowed,
    coverage_iam,
    denials,
    mapped_operations,
    requests_for,
)

ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/airs-discovery"
OFFICE = "203.0.113.0/24"
OPT_IN = {"airs-discovery": "on"}
PUBLIC_ENDPOINT = {"airs-discovery-public-endpoint": "allow"}
OURS = {COVERAGE_TAG_KEY: OWNER}
CLUSTERS = {"discovery_role_arn": ROLE}
#: Each construct the scenarios run under, by name (owner and report as the harness's).
CONFIGS: dict[str, dict[str, Any]] = {
    "vpcs": {"bucket": BUCKET},
    "vpcs-parquet": {"bucket": BUCKET, "file_format": FlowLogFileFormat.PARQUET},
    "tagged": {"cluster_coverage": ClusterCoverage.TAGGED, **CLUSTERS},
    "all": {"cluster_coverage": ClusterCoverage.ALL, **CLUSTERS},
    "vpcs-and-tagged": {"bucket": BUCKET, "cluster_coverage": ClusterCoverage.TAGGED, **CLUSTERS},
}

# The gaps these tests found are closed: a construct without a bucket may remove the flow logs an earlier
# VPC coverage made (ec2:DescribeFlowLogs, ec2:DeleteFlowLogs on its own, logs:DeleteLogDelivery), and every
# construct may undo cluster coverage. A new gap fails a scenario outright.


@cache
def construct(name: str) -> CoverageIam:
    return coverage_iam(owner=OWNER, report_parameter_name=REPORT_PARAMETER, **CONFIGS[name])


@contextmanager
def estate(name: str) -> Iterator[tuple[Harness, CallRecorder]]:
    """The harness with the handler in the environment of the construct ``name``, and every call recorded."""
    with coverage_harness(construct(name).environment) as harness:
        yield harness, CallRecorder(harness)


def switch(previous: str, name: str) -> None:
    """The function now runs in the environment of the construct ``name`` instead of ``previous`` (an Update)."""
    for key in set(construct(previous).environment) - set(construct(name).environment):
        del os.environ[key]
    os.environ.update(construct(name).environment)


def allowed(name: str, recorder: CallRecorder) -> set[str]:
    """Every call since the last check is allowed by the construct ``name``'s policy; the operations called."""
    return {call.operation for call in assert_allowed(construct(name).policy, recorder.take())}


def succeeded(answer: dict[str, Any]) -> None:
    assert answer["Status"] == "SUCCESS", answer["Reason"]


def states(harness: Harness) -> dict[str, str]:
    report = harness.report()
    assert report is not None
    return {name: entry["state"] for name, entry in report.get("clusters", {}).items()}


def request(harness: Harness, service: str, operation: str, **params: Any) -> list[Request]:
    return requests_for(service, operation, params, EstateState(harness))


def cluster_arn(name: str) -> str:
    return f"arn:aws:eks:{REGION}:{ACCOUNT_ID}:cluster/{name}"


# --- the construct's policy -------------------------------------------------------------------------------


def test_the_policy_is_the_constructs_with_every_reference_resolved() -> None:
    iam = construct("vpcs-and-tagged")
    text = repr(iam.policy.documents)
    assert "Fn::" not in text and "'Ref'" not in text and "${" not in text
    invoke = [s for s in iam.policy.statements if "lambda:InvokeFunction" in s.text]
    assert len(invoke) == 1 and FUNCTION_ARN in invoke[0].text
    assert iam.environment["OWNER"] == OWNER and iam.environment["REPORT_PARAMETER"] == REPORT_PARAMETER
    assert iam.environment["ACCESS_POLICY_ARN"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    assert iam.environment["CLUSTER_COVERAGE"] == "tagged" and iam.environment["COVER_VPCS"] == "true"


def test_every_call_in_the_handlers_source_has_a_mapping() -> None:
    """A call added to a handler without a mapping fails here, even before a scenario makes it."""
    session = botocore.session.get_session()
    operations: dict[str, dict[str, str]] = {}
    for service in ("ec2", "eks", "ssm", "lambda"):
        model = session.get_service_model(service)
        operations[service] = {_snake(name): name for name in model.operation_names}
    called: set[tuple[str, str]] = set()
    for handler in ("estate_coverage", "eks_cluster_access"):
        tree = ast.parse((REPO_ROOT / "lambda" / handler / "index.py").read_text())
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load)):
                continue
            owner = node.value
            if isinstance(owner, ast.Attribute | ast.Name) and (
                name := getattr(owner, "attr", getattr(owner, "id", ""))
            ):
                service = name
            elif isinstance(owner, ast.Call) and owner.args and isinstance(owner.args[0], ast.Constant):
                service = str(owner.args[0].value)  # _client("lambda").invoke, boto3.client("lambda").invoke
            else:
                continue
            if service not in operations:
                continue
            if node.attr in operations[service]:
                called.add((service, operations[service][node.attr]))
    assert ("eks", "UpdateClusterConfig") in called and ("lambda", "Invoke") in called  # the scan finds calls
    assert called - mapped_operations() == set()


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


# --- scenarios: every call allowed ------------------------------------------------------------------------


def test_vpc_coverage_create_sweep_exclude_replace_and_delete() -> None:
    with estate("vpcs") as (aws, recorder):
        excluded_later = aws.add_vpc({"team": "data"})
        aws.add_vpc(dict([EXCLUDE_TAG]))
        succeeded(aws.cfn("Create"))
        assert "CreateFlowLogs" in allowed("vpcs", recorder)

        aws.add_vpc()
        aws.sweep()
        aws.exclude(excluded_later)
        aws.sweep()
        assert {"CreateFlowLogs", "DeleteFlowLogs"} <= allowed("vpcs", recorder)

        # New settings: each flow log of ours is replaced, under the new construct's policy.
        switch("vpcs", "vpcs-parquet")
        succeeded(aws.cfn("Update"))
        assert {"CreateFlowLogs", "DeleteFlowLogs"} <= allowed("vpcs-parquet", recorder)

        succeeded(aws.cfn("Delete"))
        assert "DeleteFlowLogs" in allowed("vpcs-parquet", recorder)
        assert aws.ours() == []


def test_tagged_clusters_opened_reverted_when_untagged_and_on_delete() -> None:
    with estate("tagged") as (aws, recorder):
        aws.eks.add_cluster("prod", cidrs=[OFFICE], tags={**OPT_IN, "team": "ml"})
        aws.eks.add_cluster("other", cidrs=[OFFICE])
        aws.eks.add_cluster("shared", auth_mode="API_AND_CONFIG_MAP", cidrs=[OFFICE], tags=OPT_IN)
        aws.eks.add_access_entry("shared", ROLE)  # someone else's: left alone
        aws.eks.add_cluster("private", public=False, private=True, tags={**OPT_IN, **PUBLIC_ENDPOINT})
        succeeded(aws.cfn("Create"))
        assert states(aws) == {"other": "not-tagged", "prod": "opened", "private": "opened", "shared": "opened"}
        assert {"TagResource", "UpdateClusterConfig", "CreateAccessEntry", "AssociateAccessPolicy"} <= allowed(
            "tagged", recorder
        )

        aws.eks.untag("prod", *OPT_IN)
        aws.sweep()
        assert states(aws)["prod"] == "reverted"
        assert {"UpdateClusterConfig", "DeleteAccessEntry", "UntagResource"} <= allowed("tagged", recorder)

        succeeded(aws.cfn("Delete"))
        assert aws.eks.access_entry("shared", ROLE) is not None  # the foreign entry stays
        assert aws.eks.tags("private") == {**OPT_IN, **PUBLIC_ENDPOINT}
        assert_allowed(construct("tagged").policy, recorder.take())


def test_all_clusters_opened_and_reverted_on_delete() -> None:
    with estate("all") as (aws, recorder):
        aws.eks.add_cluster("untagged", cidrs=[OFFICE])
        aws.eks.add_cluster("api", auth_mode="API", cidrs=["0.0.0.0/0"])
        succeeded(aws.cfn("Create"))
        aws.sweep()
        assert states(aws) == {"api": "opened", "untagged": "opened"}
        assert {"TagResource", "UpdateClusterConfig", "CreateAccessEntry"} <= allowed("all", recorder)

        succeeded(aws.cfn("Delete"))
        assert aws.eks.access_entry("untagged", ROLE) is None and aws.eks.tags("untagged") == {}
        calls = recorder.take()
        assert {"DeleteAccessEntry", "UntagResource"} <= {c.operation for c in calls[0]}
        assert_allowed(construct("all").policy, calls)


def test_a_run_short_of_time_hands_off_to_its_own_function_only() -> None:
    with estate("tagged") as (aws, recorder):
        aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=OPT_IN)
        os.environ["TIME_BUDGET_SECONDS"] = "30"  # less than the auth-mode update takes
        succeeded(aws.cfn("Create"))
        calls = assert_allowed(construct("tagged").policy, recorder.take())
        (invoke,) = [c for c in calls if c.operation == "Invoke"]
        assert invoke.requests[0].resources[0].arn == FUNCTION_ARN


def test_an_update_that_switches_cluster_coverage_off_is_allowed_by_the_vpc_only_policy() -> None:
    with estate("vpcs-and-tagged") as (aws, recorder):
        aws.add_vpc()
        aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=OPT_IN)
        succeeded(aws.cfn("Create"))
        allowed("vpcs-and-tagged", recorder)

        switch("vpcs-and-tagged", "vpcs")
        succeeded(aws.cfn("Update"))
        assert aws.eks.tags("prod") == OPT_IN and aws.eks.access_entry("prod", ROLE) is None
        assert {"GetParametersByPath", "UpdateClusterConfig", "DeleteAccessEntry", "UntagResource"} <= allowed(
            "vpcs", recorder
        )
        succeeded(aws.cfn("Delete"))
        allowed("vpcs", recorder)


def test_an_update_that_switches_vpc_coverage_off_and_then_delete() -> None:
    with estate("vpcs-and-tagged") as (aws, recorder):
        aws.add_vpc()
        aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=OPT_IN)
        succeeded(aws.cfn("Create"))
        allowed("vpcs-and-tagged", recorder)

        switch("vpcs-and-tagged", "tagged")
        succeeded(aws.cfn("Update"))
        allowed("tagged", recorder)
        # Switching VPC coverage off removes our flow logs, under the clusters-only policy.
        assert aws.ours() == []

        succeeded(aws.cfn("Delete"))
        assert_allowed(construct("tagged").policy, recorder.take())


def test_tags_are_those_at_the_time_of_each_call() -> None:
    with estate("tagged") as (aws, recorder):
        aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=OPT_IN)
        # Its owners remove the opt-in tag while the authentication-mode update is under way.
        aws.when("DescribeUpdate", lambda _: aws.eks.untag("prod", *OPT_IN))
        succeeded(aws.cfn("Create"))
        calls, _ = recorder.take()

    def resource_tags(operation: str) -> list[dict[str, str]]:
        return [dict(c.requests[0].resources[0].tags) for c in calls if c.operation == operation]

    assert resource_tags("TagResource") == [OPT_IN]  # before the marker
    assert resource_tags("UpdateClusterConfig") == [{**OPT_IN, **OURS}, OURS]  # marked; then opted out
    # So AWS would refuse the access entry of a cluster that left scope mid-way (the fake does not): the run
    # reports it failed, and the next sweep reverts the cluster, allowed by the marker.
    policy = construct("tagged").policy
    (create,) = [c for c in calls if c.operation == "CreateAccessEntry"]
    assert not policy.allows(create.requests[0])


# --- the evaluator denies what the policy does not allow --------------------------------------------------


def test_tagged_a_cluster_without_the_opt_in_tag_cannot_be_changed_or_marked() -> None:
    policy = construct("tagged").policy
    with estate("tagged") as (aws, _):
        aws.eks.add_cluster("untagged", cidrs=[OFFICE])
        aws.eks.add_cluster("opted", cidrs=[OFFICE], tags=OPT_IN)
        aws.eks.add_cluster("ours-only", cidrs=[OFFICE], tags=OURS)  # opened before its opt-in tag was removed
        auth = {"accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}
        entry = {"clusterName": "untagged", "principalArn": ROLE, "type": "STANDARD", "tags": OURS}
        for denied in (
            request(aws, "eks", "UpdateClusterConfig", name="untagged", **auth),
            request(aws, "eks", "CreateAccessEntry", **entry),
            request(aws, "eks", "CreateAccessEntry", **{**entry, "clusterName": "ours-only"}),
            request(aws, "eks", "TagResource", resourceArn=cluster_arn("untagged"), tags=OURS),
        ):
            assert not policy.allows(denied[0]), denied[0].describe()
        # The controls: the opted-in cluster may be changed, and the one with our marker only reverted.
        assert policy.allows(request(aws, "eks", "UpdateClusterConfig", name="opted", **auth)[0])
        assert policy.allows(request(aws, "eks", "UpdateClusterConfig", name="ours-only", **auth)[0])
        assert all(map(policy.allows, request(aws, "eks", "CreateAccessEntry", **{**entry, "clusterName": "opted"})))


@pytest.mark.parametrize(
    "tags",
    [{"team": "ml"}, {**OURS, "team": "ml"}, {COVERAGE_TAG_KEY: "another-owner"}, {"airs-discovery": "on"}],
    ids=["another-key", "ours-and-another", "another-owner", "the-opt-in-tag"],
)
def test_tag_resource_with_anything_but_our_marker_is_denied(tags: dict[str, str]) -> None:
    policy = construct("tagged").policy
    with estate("tagged") as (aws, _):
        aws.eks.add_cluster("opted", cidrs=[OFFICE], tags=OPT_IN)
        (tagging,) = request(aws, "eks", "TagResource", resourceArn=cluster_arn("opted"), tags=tags)
        assert not policy.allows(tagging)
        assert policy.allows(request(aws, "eks", "TagResource", resourceArn=cluster_arn("opted"), tags=OURS)[0])


def test_delete_flow_logs_of_a_flow_log_without_our_tag_is_denied() -> None:
    policy = construct("vpcs").policy
    with estate("vpcs") as (aws, _):
        vpc = aws.add_vpc()
        theirs = aws.add_flow_log(vpc)
        another_owner = aws.add_flow_log(vpc, owner="another-owner", MaxAggregationInterval=600)
        ours = aws.add_flow_log(aws.add_vpc(), owner=OWNER)
        for flow_log in (theirs, another_owner):
            (delete, delivery) = request(aws, "ec2", "DeleteFlowLogs", FlowLogIds=[flow_log])
            assert not policy.allows(delete) and policy.allows(delivery)
        assert all(map(policy.allows, request(aws, "ec2", "DeleteFlowLogs", FlowLogIds=[ours])))
        # Several resources in one request: each must be allowed, and only the foreign one is not.
        decision = policy.evaluate(request(aws, "ec2", "DeleteFlowLogs", FlowLogIds=[ours, theirs])[0])
        assert decision.denied == (f"arn:aws:ec2:{REGION}:{ACCOUNT_ID}:vpc-flow-log/{theirs}",)


def test_create_flow_logs_without_our_request_tag_is_denied() -> None:
    policy = construct("vpcs").policy
    with estate("vpcs") as (aws, _):
        params = {
            "ResourceType": "VPC",
            "ResourceIds": [aws.add_vpc()],
            "TrafficType": "ALL",
            "LogDestinationType": "s3",
            "LogDestination": f"arn:aws:s3:::{BUCKET}",
        }
        untagged = request(aws, "ec2", "CreateFlowLogs", **params)
        assert [r.action for r in untagged] == ["ec2:CreateFlowLogs", "logs:CreateLogDelivery"]
        assert not policy.allows(untagged[0])
        spec = [{"ResourceType": "vpc-flow-log", "Tags": [{"Key": COVERAGE_TAG_KEY, "Value": OWNER}]}]
        assert all(map(policy.allows, request(aws, "ec2", "CreateFlowLogs", **params, TagSpecifications=spec)))


@pytest.mark.parametrize(
    "statement",
    [
        {"Condition": {"StringEqualsIgnoreCase": {"aws:ResourceTag/team": "ml"}}},
        {"Condition": {"StringNotEquals": {"aws:ResourceTag/team": "ml"}}},
        {"Condition": {"StringEqualsIfExists": {"aws:ResourceTag/team": "ml"}}},
        {"Condition": {"Null": {"aws:ResourceTag/team": "true"}}},
        {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Condition": {"ForAnyValue:StringNotLike": {"aws:TagKeys": "x*"}}},
        {"Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}},
        {"NotResource": "arn:aws:eks:*:*:cluster/secret"},
        {"Principal": "*"},
    ],
    ids=[
        "ignore-case",
        "not-equals",
        "if-exists",
        "null",
        "bool",
        "not-like",
        "policy-variable",
        "not-resource",
        "principal",
    ],
)
def test_what_the_evaluator_does_not_model_raises(statement: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedPolicy):
        Policy([{"Statement": [{"Effect": "Allow", "Action": "eks:*", "Resource": "*", **statement}]}])


def test_the_evaluators_semantics() -> None:
    cluster = cluster_arn("prod")
    policy = Policy(
        [
            {
                "Statement": [
                    {"Effect": "Allow", "Action": "EKS:Describe*", "Resource": "arn:aws:eks:*:*:cluster/pro?"},
                    {
                        "Effect": "Allow",
                        "Action": "eks:TagResource",
                        "Resource": "*",
                        "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
                    },
                    {
                        "Effect": "Allow",
                        "Action": "eks:UntagResource",
                        "Resource": "*",
                        "Condition": {"ForAnyValue:StringLike": {"aws:TagKeys": "team-*"}},
                    },
                    {
                        "Effect": "Allow",
                        "Action": "eks:UpdateClusterConfig",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:ResourceTag/team": ["ml", "data"]}},
                    },
                    {
                        "Effect": "Allow",
                        "Action": "lambda:InvokeFunction",
                        "Resource": "*",
                        "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:events:*:*:rule/*"}},
                    },
                    {
                        "Effect": "Deny",
                        "Action": "eks:DescribeCluster",
                        "Resource": "*",
                        "Condition": {"StringEquals": {"aws:ResourceTag/secret": "yes"}},
                    },
                ]
            }
        ]
    )

    def allows(action: str, *resources: Resource, **context: Any) -> bool:
        return policy.allows(Request(action, resources, context))

    # Actions: wildcards, case-insensitive; resources: wildcards, case-sensitive.
    assert allows("eks:DescribeUpdate", Resource(cluster)) and not allows("eks:DescribeUpdate", Resource(cluster + "s"))
    assert not allows("eks:DescribeUpdate", Resource(cluster.upper()))
    # An explicit Deny wins over an Allow; a multi-resource request needs each resource allowed.
    assert not allows("eks:DescribeCluster", Resource(cluster, tags={"secret": "yes"}))
    assert not allows("eks:DescribeCluster", Resource(cluster), Resource(cluster_arn("other")))
    # ForAllValues: every value among the policy's; true for an absent or empty key, as in AWS.
    assert allows("eks:TagResource", Resource(cluster), **{"aws:TagKeys": ("a",)})
    assert not allows("eks:TagResource", Resource(cluster), **{"aws:TagKeys": ("a", "c")})
    assert allows("eks:TagResource", Resource(cluster))
    # ForAnyValue: one value matches; false for an absent key.
    assert allows("eks:UntagResource", Resource(cluster), **{"aws:TagKeys": ("x", "team-a")})
    assert not allows("eks:UntagResource", Resource(cluster))
    # StringEquals: any of the policy's values; a key absent from the request matches nothing; key names are
    # case-insensitive.
    assert allows("eks:UpdateClusterConfig", Resource(cluster, tags={"team": "data"}))
    assert not allows("eks:UpdateClusterConfig", Resource(cluster, tags={"team": "Data"}))
    assert not allows("eks:UpdateClusterConfig", Resource(cluster))
    assert allows("eks:UpdateClusterConfig", Resource(cluster), **{"AWS:RESOURCETAG/team": "ml"})
    with pytest.raises(UnsupportedPolicy):  # a single-valued operator on a multivalued key
        allows("eks:UpdateClusterConfig", Resource(cluster), **{"aws:ResourceTag/team": ("ml",)})
    # ArnLike: each of the six parts with wildcards.
    rule = "arn:aws:events:us-east-1:123456789012:rule/sweep"
    assert allows("lambda:InvokeFunction", Resource(FUNCTION_ARN), **{"aws:SourceArn": rule})
    assert not allows("lambda:InvokeFunction", Resource(FUNCTION_ARN), **{"aws:SourceArn": rule.replace("rule", "bus")})


def test_a_call_without_a_mapping_fails_the_check() -> None:
    with estate("vpcs") as (aws, recorder):
        aws.session.client("ec2", region_name=REGION).describe_regions()
        with pytest.raises(AssertionError, match="ec2 DescribeRegions has no IAM mapping"):
            assert_allowed(construct("vpcs").policy, recorder.take())
        with pytest.raises(UnmappedCall, match="parameters"):
            request(aws, "ssm", "GetParameter", Name="/x", WithDecryption=True)


def test_known_gaps_are_strict_both_ways() -> None:
    policy = Policy([{"Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]}])
    read = Request("ssm:GetParameter", (Resource("arn:aws:ssm:us-east-1:123456789012:parameter/a"),))
    write = Request("ssm:PutParameter", (Resource("arn:aws:ssm:us-east-1:123456789012:parameter/a"),))
    gap = Gap("ssm:PutParameter", "*:parameter/a", "no writes")
    calls = [Call("ssm", "GetParameter", {}, (read,)), Call("ssm", "PutParameter", {}, (write,))]
    assert [d for _, d in denials(policy, calls)] == [Decision(write, (write.resources[0].arn,))]
    with pytest.raises(PermissionGap, match="no writes"):
        assert_allowed(policy, (calls, []), known_gaps=[gap])
    with pytest.raises(AssertionError, match="the policy does not allow"):
        assert_allowed(policy, (calls, []))
    with pytest.raises(AssertionError, match="no longer occur"):
        assert_allowed(policy, (calls[:1], []), known_gaps=[gap])
