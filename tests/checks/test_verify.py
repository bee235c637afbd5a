"""``verify`` against a fake deployed account: each check's pass and fail (or warn) path, read from
``--json``."""

from __future__ import annotations

import copy
import datetime
import json
import types
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from moto.ec2.models import ec2_backends

import onboarding_checks.verify as verify
from onboarding_config.output_groups import AUDIT, ROLE, WIZARD
from onboarding_constructs._flow_log_fields import log_format
from tests.checks.conftest import Account
from tests.checks.fake_services import FakeServices

STACK = "AirsOnboarding"
CLUSTER = "prod-eks"
CIDRS = ["34.71.64.3/32", "34.28.60.186/32"]
VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminPolicy"
BUCKET = "airs-flow-logs-123456789012"
PREFIX = "AWSLogs/123456789012/vpcflowlogs/us-east-1/"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
#: The fields standard until AWS's table of 2026-11-30 (versions 2 to 8), and those it added.
V8_FIELDS = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action "
    "log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type "
    "sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path reject-reason"
).split()
ADDED = (
    "resource-id, encryption-status, interface-type, next-hop-interface-id, next-hop-subnet-id, next-hop-az-id,"
    " next-hop-vpc-id, next-hop-interface-type"
)


class Aws:
    """Clients on the account's own session (the one the checks use), created once each, to arrange
    moto's state."""

    def __init__(self, account: Account) -> None:
        self._account = account
        self._clients: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._clients:
            self._clients[service] = self._account.session.client(service, region_name=self._account.region)
        return self._clients[service]


@dataclass
class Deployed:
    """An account where the stack deployed and works: every verify check passes."""

    account: Account
    aws: Aws
    subnet_id: str
    bucket_arn: str
    flow_log_id: str
    trail_arn: str
    roles: dict[str, str] = field(default_factory=dict)

    @property
    def fake(self) -> FakeServices:
        return self.account.fake

    def config(self) -> dict[str, Any]:
        return copy.deepcopy(
            {
                "stack_name": STACK,
                "flow_logs": {"subnet_ids": [self.subnet_id]},
                "eks": {"allowed_cidrs": CIDRS, "clusters": [{"name": CLUSTER}]},
                "cloudtrail": {},
                "bedrock": {"pod_access": [{"cluster": CLUSTER, "namespace": "app1", "service_account": "app1-sa"}]},
                "discovery_role": {
                    "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
                    "external_id": "airs-example-external-id",
                },
            }
        )

    def drop_output(self, key: str) -> None:
        self.fake.stacks[STACK] = [o for o in self.fake.stacks[STACK] if o["OutputKey"] != key]


def _trail(aws: Aws, name: str) -> str:
    arn = aws.cloudtrail.create_trail(Name=name, S3BucketName="airs-trail-logs")["TrailARN"]
    aws.cloudtrail.start_logging(Name=name)
    return arn


@pytest.fixture
def deployed(account: Account) -> Deployed:
    aws = Aws(account)
    vpc_id = aws.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = aws.ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    aws.s3.create_bucket(Bucket=BUCKET)
    bucket_arn = f"arn:aws:s3:::{BUCKET}"
    flow_log_id = aws.ec2.create_flow_logs(
        ResourceIds=[subnet_id],
        ResourceType="Subnet",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination=bucket_arn,
        LogFormat=log_format(include_ecs_fields=False),  # as the stack writes it
    )["FlowLogIds"][0]
    aws.s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}2026/01/01/00/flow.log.gz", Body=b"records")
    aws.s3.create_bucket(Bucket="airs-trail-logs")
    trail_arn = _trail(aws, "airs-bedrock-audit")
    roles = {
        key: aws.iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        for key, name in (
            ("DiscoveryRoleArn", "airs-discovery"),
            ("Ec2BedrockRoleArn", "airs-ec2-bedrock"),
            ("PodRoleProdEksApp1App1Sa", "airs-pod-prod-eks-app1"),
        )
    }
    account.fake.stacks[STACK] = [
        {
            "OutputKey": "FlowLogBucketName",
            "OutputValue": BUCKET,
            "Description": f"{WIZARD}S3 bucket name for VPC flow logs",
        },
        {
            "OutputKey": "FlowLogBucketArn",
            "OutputValue": bucket_arn,
            "Description": f"{WIZARD}S3 bucket ARN for VPC flow logs",
        },
        {
            "OutputKey": "Region",
            "OutputValue": account.region,
            "Description": f"{WIZARD}region of the AI models, the bucket and the flow logs",
        },
        {
            "OutputKey": "DiscoveryRoleArn",
            "OutputValue": roles["DiscoveryRoleArn"],
            "Description": f"{ROLE}AIRS discovery (cross-account)",
        },
        {"OutputKey": "BedrockAuditTrailArn", "OutputValue": trail_arn, "Description": f"{AUDIT}created by this stack"},
        {
            "OutputKey": "Ec2BedrockRoleArn",
            "OutputValue": roles["Ec2BedrockRoleArn"],
            "Description": f"{ROLE}EC2 instances invoking Bedrock",
        },
        {
            "OutputKey": "Ec2BedrockInstanceProfileName",
            "OutputValue": "airs-ec2-bedrock",
            "Description": "Instance profile to attach to EC2 instances that invoke Bedrock",
        },
        {
            "OutputKey": "PodRoleProdEksApp1App1Sa",
            "OutputValue": roles["PodRoleProdEksApp1App1Sa"],
            "Description": f"{ROLE}pods of prod-eks/app1/app1-sa invoking Bedrock (pod-identity)",
        },
    ]
    account.fake.add_cluster(CLUSTER, cidrs=list(CIDRS))
    account.fake.access_entries[(CLUSTER, roles["DiscoveryRoleArn"])] = [VIEW]
    account.fake.associations.append((CLUSTER, "app1", "app1-sa"))
    return Deployed(account, aws, subnet_id, bucket_arn, flow_log_id, trail_arn, roles)


def run_verify(
    account: Account, config: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[dict[str, str]]]:
    """The exit code and the findings of ``verify --json``."""
    code = account.run("verify", config, "--json")
    return code, json.loads(capsys.readouterr().out)["results"]


def only(results: list[dict[str, str]], check: str, target: str | None = None) -> dict[str, str]:
    """The one finding of ``check`` (on ``target``)."""
    found = [r for r in results if r["check"] == check and (target is None or r["target"] == target)]
    assert len(found) == 1, (check, target, results)
    return found[0]


# --- the stack ---------------------------------------------------------------------------------------


def test_all_checks_pass_on_a_working_deploy(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 0
    assert {r["status"] for r in results} == {"pass"}, results
    assert [r["check"] for r in results] == [
        "flow log",
        "flow log objects",
        "audit trail",
        "EKS authentication mode",
        "EKS endpoint access",
        "EKS access entry",
        "pod identity association",
        "role",
        "role",
        "role",
    ]


def test_stack_not_deployed_is_the_single_finding(account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    code, results = run_verify(
        account, {"stack_name": STACK, "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d4e5f60718"]}}, capsys
    )
    assert code == 1
    [result] = results
    assert (result["check"], result["target"], result["status"]) == ("stack", STACK, "fail")
    assert "not deployed in 123456789012, us-east-1" in result["detail"]
    assert "deploy" in result["fix"]


class _Body:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Any:
        yield self._body


def _deny_describe_stacks(account: Account) -> None:
    """AccessDenied for DescribeStacks as CloudFormation sends it: XML (its query protocol)."""
    body = (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform"
        b" cloudformation:DescribeStacks</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    )

    def answer(request: Any, **_kwargs: Any) -> AWSResponse:
        return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, _Body(body))

    # More specific than the fake's before-send.cloudformation, so botocore asks this one first.
    account.session.events.register_first("before-send.cloudformation.DescribeStacks", answer)


def test_stack_unreadable_names_the_permission(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    _deny_describe_stacks(deployed.account)
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    [result] = results
    assert (result["check"], result["target"], result["status"]) == ("stack", STACK, "fail")
    assert "may not call cloudformation:DescribeStacks" in result["detail"]
    assert result["fix"] == "allow cloudformation:DescribeStacks"


def test_stack_unreadable_via_fake_denied(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.fake.denied.add("DescribeStacks")
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    [result] = results
    assert (result["check"], result["target"], result["status"]) == ("stack", STACK, "fail")
    assert "cloudformation:DescribeStacks" in result["detail"]
    assert "cloudformation:DescribeStacks" in result["fix"]


# --- flow logs ---------------------------------------------------------------------------------------


def test_flow_log_delivering(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    result = only(results, "flow log", deployed.subnet_id)
    assert result["status"] == "pass"
    assert deployed.flow_log_id in result["detail"] and deployed.bucket_arn in result["detail"]


def test_flow_log_to_another_bucket_is_not_ours(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    ec2 = deployed.aws.ec2
    ec2.delete_flow_logs(FlowLogIds=[deployed.flow_log_id])
    deployed.aws.s3.create_bucket(Bucket="someone-elses-logs")
    ec2.create_flow_logs(
        ResourceIds=[deployed.subnet_id],
        ResourceType="Subnet",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::someone-elses-logs",
    )
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "flow log", deployed.subnet_id)
    assert result["status"] == "fail"
    assert f"no flow log to {deployed.bucket_arn}" in result["detail"]
    assert "make deploy" in result["fix"]


def test_flow_log_failing_delivery_shows_the_error(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    flow_log = ec2_backends[deployed.account.account_id][deployed.account.region].flow_logs[deployed.flow_log_id]
    flow_log.deliver_logs_status = "FAILED"
    flow_log.deliver_logs_error_message = "Access error"
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "flow log", deployed.subnet_id)
    assert result["status"] == "fail"
    assert f"{deployed.flow_log_id} cannot deliver: Access error" in result["detail"]
    assert "delivery.logs.amazonaws.com" in result["fix"]


def test_flow_log_of_the_stack_in_an_older_format_warns(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    flow_log = ec2_backends[deployed.account.account_id][deployed.account.region].flow_logs[deployed.flow_log_id]
    flow_log.log_format = " ".join(f"${{{f}}}" for f in V8_FIELDS)  # made by an earlier release
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 0
    assert only(results, "flow log", deployed.subnet_id)["status"] == "pass"
    result = only(results, "flow log format", deployed.subnet_id)
    assert result["status"] == "warn"
    assert result["detail"] == f"{deployed.flow_log_id} (to {deployed.bucket_arn}) lacks 8 standard field(s): {ADDED}"
    assert "make deploy" in result["fix"] and "replaces" in result["fix"]


def test_existing_flow_log_in_the_default_format_warns(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.aws.s3.create_bucket(Bucket="someone-elses-logs")
    other = deployed.aws.ec2.create_flow_logs(  # no LogFormat: AWS's default, the version 2 fields
        ResourceIds=[deployed.subnet_id],
        ResourceType="Subnet",
        TrafficType="ALL",
        LogDestinationType="s3",
        LogDestination="arn:aws:s3:::someone-elses-logs",
    )["FlowLogIds"][0]
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 0
    result = only(results, "flow log format", deployed.subnet_id)
    assert result["status"] == "warn"
    assert result["detail"].startswith(
        f"{other} (to arn:aws:s3:::someone-elses-logs) lacks 24 standard field(s): vpc-id, subnet-id,"
    )
    assert result["fix"].startswith(f"recreate {other} with every standard field") and "AIRS sees less" in result["fix"]


def test_flow_log_in_the_full_format_gets_no_format_row(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    assert [r for r in results if r["check"] == "flow log format"] == []


def test_flow_log_objects_recent(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    result = only(results, "flow log objects", BUCKET)
    assert result["status"] == "pass"
    assert "newest object 0 minutes old" in result["detail"]


def test_flow_log_objects_none_yet_warns(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.aws.s3.delete_object(Bucket=BUCKET, Key=f"{PREFIX}2026/01/01/00/flow.log.gz")
    deployed.aws.s3.put_object(Bucket=BUCKET, Key="AWSLogs/123456789012/elsewhere.log", Body=b"not a flow log")
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 0  # a warning does not fail the run
    result = only(results, "flow log objects", BUCKET)
    assert result["status"] == "warn"
    assert PREFIX in result["detail"] and "none yet" in result["detail"]
    assert "verify again later" in result["fix"]


def test_flow_log_objects_only_old_warns(
    deployed: Deployed, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)

    class Later(datetime.datetime):
        @classmethod
        def now(cls, tz: datetime.tzinfo | None = None) -> datetime.datetime:  # type: ignore[override]
            return later

    monkeypatch.setattr(
        verify,
        "datetime",
        types.SimpleNamespace(
            datetime=Later, UTC=datetime.UTC, timezone=datetime.timezone, timedelta=datetime.timedelta
        ),
    )
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 0
    result = only(results, "flow log objects", BUCKET)
    assert result["status"] == "warn"
    assert "no flow log objects in the last hour" in result["detail"]
    assert "the newest is from" in result["detail"] and "UTC" in result["detail"]


# --- the audit trail ---------------------------------------------------------------------------------


def test_audit_trail_logging(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    result = only(results, "audit trail", deployed.trail_arn)
    assert (result["status"], result["detail"]) == ("pass", "logging")


def test_audit_trail_stopped_says_how_to_start_it(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.aws.cloudtrail.stop_logging(Name="airs-bedrock-audit")
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "audit trail", deployed.trail_arn)
    assert (result["status"], result["detail"]) == ("fail", "not logging")
    assert result["fix"] == f"start it: aws cloudtrail start-logging --name {deployed.trail_arn}"


def test_audit_trail_missing(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.aws.cloudtrail.delete_trail(Name="airs-bedrock-audit")
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "audit trail", deployed.trail_arn)
    assert (result["status"], result["detail"]) == ("fail", "no such trail")
    assert "existing_trail_arn" in result["fix"]


def test_reused_trail_is_checked_instead_of_the_output(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    reused = _trail(deployed.aws, "org-trail")
    deployed.aws.cloudtrail.stop_logging(Name="airs-bedrock-audit")  # the output's trail would fail
    config = deployed.config()
    config["cloudtrail"] = {"existing_trail_arn": reused}
    code, results = run_verify(deployed.account, config, capsys)
    assert code == 0
    result = only(results, "audit trail")
    assert (result["target"], result["status"]) == (reused, "pass")


# --- EKS ---------------------------------------------------------------------------------------------


def test_eks_authentication_mode_api_and_config_map(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    result = only(results, "EKS authentication mode", CLUSTER)
    assert (result["status"], result["detail"]) == ("pass", "API_AND_CONFIG_MAP")


def test_eks_authentication_mode_config_map_fails(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.fake.add_cluster(CLUSTER, auth_mode="CONFIG_MAP", cidrs=list(CIDRS))
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "EKS authentication mode", CLUSTER)
    assert result["status"] == "fail"
    assert "CONFIG_MAP" in result["detail"] and "access entries do not work" in result["detail"]
    assert "deploy" in result["fix"]


@pytest.mark.parametrize(
    ("cidrs", "ip_family"),
    [(CIDRS, "ipv4"), ([*CIDRS, "203.0.113.0/24"], "ipv4"), (["0.0.0.0/0"], "ipv4"), (["0.0.0.0/0", "::/0"], "ipv6")],
    ids=["exactly", "more", "everyone", "everyone-dual-stack"],
)
def test_eks_endpoint_admits_discovery(
    deployed: Deployed, capsys: pytest.CaptureFixture[str], cidrs: list[str], ip_family: str
) -> None:
    deployed.fake.add_cluster(CLUSTER, cidrs=cidrs, ip_family=ip_family)
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    result = only(results, "EKS endpoint access", CLUSTER)
    assert result["status"] == "pass"
    assert "admits the discovery addresses" in result["detail"]


def test_eks_endpoint_lacking_a_cidr_names_it(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.fake.add_cluster(CLUSTER, cidrs=[CIDRS[0], "203.0.113.0/24"])
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "EKS endpoint access", CLUSTER)
    assert result["status"] == "fail"
    assert result["detail"] == f"the allow-list lacks {CIDRS[1]}"
    assert "deploy the stack again" in result["fix"]


def test_eks_endpoint_open_to_every_ipv6_address_only_lacks_the_ipv4_discovery_cidrs(
    deployed: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    # A dual-stack endpoint filters IPv4 sources by the IPv4 ranges of its list: ::/0 admits none of them.
    deployed.fake.add_cluster(CLUSTER, cidrs=["::/0"], ip_family="ipv6")
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "EKS endpoint access", CLUSTER)
    assert (result["status"], result["detail"]) == ("fail", f"the allow-list lacks {', '.join(CIDRS)}")


def test_eks_private_only_endpoint_fails(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.fake.add_cluster(CLUSTER, public=False)
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "EKS endpoint access", CLUSTER)
    assert result["status"] == "fail"
    assert "no public endpoint" in result["detail"]
    assert "enable_public_endpoint: true" in result["fix"]


def test_eks_access_entry_with_view_policy(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    result = only(results, "EKS access entry", CLUSTER)
    assert result["status"] == "pass"
    assert result["detail"] == f"{deployed.roles['DiscoveryRoleArn']} has AmazonEKSViewPolicy"


def test_eks_access_entry_with_view_policy_on_a_later_page(
    deployed: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed.fake.access_entries[(CLUSTER, deployed.roles["DiscoveryRoleArn"])] = [ADMIN, VIEW]  # one policy a page
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    assert only(results, "EKS access entry", CLUSTER)["status"] == "pass"
    assert deployed.fake.calls.count("ListAssociatedAccessPolicies") == 2


def test_eks_access_entry_without_view_policy_fails(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.fake.access_entries[(CLUSTER, deployed.roles["DiscoveryRoleArn"])] = [ADMIN]
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "EKS access entry", CLUSTER)
    assert result["status"] == "fail"
    assert "lacks AmazonEKSViewPolicy" in result["detail"] and deployed.roles["DiscoveryRoleArn"] in result["detail"]
    assert "deploy" in result["fix"]


def test_eks_no_access_entry_fails(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    del deployed.fake.access_entries[(CLUSTER, deployed.roles["DiscoveryRoleArn"])]
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "EKS access entry", CLUSTER)
    assert result["status"] == "fail"
    assert result["detail"] == f"no access entry for {deployed.roles['DiscoveryRoleArn']}"


def test_eks_principal_falls_back_to_the_configured_role(
    deployed: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    onboarding_role = "arn:aws:iam::123456789012:role/airs-onboarding-discovery"
    deployed.drop_output("DiscoveryRoleArn")
    deployed.fake.access_entries[(CLUSTER, onboarding_role)] = [VIEW]
    config = deployed.config()
    del config["discovery_role"]
    config["eks"]["discovery_role_arn"] = onboarding_role
    _, results = run_verify(deployed.account, config, capsys)
    result = only(results, "EKS access entry", CLUSTER)
    assert result["status"] == "pass"
    assert result["detail"] == f"{onboarding_role} has AmazonEKSViewPolicy"


def test_eks_missing_cluster_fails(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    config = deployed.config()
    config["eks"]["clusters"].append({"name": "gone-eks"})
    code, results = run_verify(deployed.account, config, capsys)
    assert code == 1
    result = only(results, "EKS cluster", "gone-eks")
    assert (result["status"], result["detail"]) == ("fail", "no such cluster")
    assert "eks.clusters" in result["fix"]
    assert not [r for r in results if r["target"] == "gone-eks" and r["check"] != "EKS cluster"]


# --- pod identity ------------------------------------------------------------------------------------


def test_pod_identity_association_present(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    result = only(results, "pod identity association", f"{CLUSTER}/app1/app1-sa")
    assert result["status"] == "pass"
    assert "exists" in result["detail"]


def test_pod_identity_association_absent_fails(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.fake.associations.clear()
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "pod identity association", f"{CLUSTER}/app1/app1-sa")
    assert (result["status"], result["detail"]) == ("fail", "no association")
    assert "eks-pod-identity-agent" in result["fix"]


def test_irsa_pod_access_gets_no_association_row(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    config = deployed.config()
    config["bedrock"]["pod_access"].append(
        {"cluster": CLUSTER, "namespace": "app2", "service_account": "app2-sa", "mode": "irsa", "oidc_issuer": ISSUER}
    )
    _, results = run_verify(deployed.account, config, capsys)
    assert [r["target"] for r in results if r["check"] == "pod identity association"] == [f"{CLUSTER}/app1/app1-sa"]


# --- roles -------------------------------------------------------------------------------------------


def test_every_role_output_gets_a_row(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    _, results = run_verify(deployed.account, deployed.config(), capsys)
    roles = {r["target"]: r for r in results if r["check"] == "role"}
    assert set(roles) == set(deployed.roles.values())  # not the instance profile, not the wizard outputs
    assert roles[deployed.roles["DiscoveryRoleArn"]]["detail"] == "exists (AIRS discovery (cross-account))"
    assert all(r["status"] == "pass" for r in roles.values())


def test_deleted_role_fails(deployed: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    deployed.aws.iam.delete_role(RoleName="airs-ec2-bedrock")
    code, results = run_verify(deployed.account, deployed.config(), capsys)
    assert code == 1
    result = only(results, "role", deployed.roles["Ec2BedrockRoleArn"])
    assert result["status"] == "fail"
    assert result["detail"] == "missing (EC2 instances invoking Bedrock)"
    assert "deploy the stack again" in result["fix"]
    assert only(results, "role", deployed.roles["DiscoveryRoleArn"])["status"] == "pass"
