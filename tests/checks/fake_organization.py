"""A fake organization for the organization-wide checks: moto's Organizations, STS (AssumeRole into each
member account, whose credentials then reach that account's EC2, S3, SSM and IAM in moto), and a fake of
what moto's CloudFormation cannot run here (its template engine needs packages this project does not
install): each account and region's stacks, for ListStacks and DescribeStacks, answered through botocore's
``before-send`` on each member session as ``FakeServices`` answers its services. EKS answers no clusters.

``Organization.deploy`` arranges a stack instance that works in an account and region: its bucket with a
fresh flow log object, its discovery role, its coverage report (the region's VPCs covered) and its outputs.
"""

from __future__ import annotations

import base64
import datetime
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

import boto3
from botocore.awsrequest import AWSResponse
from moto.iam.models import get_account_id_from

from onboarding_checks.cli import main
from onboarding_checks.fleet import member_session
from onboarding_config.output_groups import ROLE, WIZARD
from tests.checks.conftest import write_config
from tests.checks.fake_services import ACCOUNT as MANAGEMENT

STACK_SET = "AirsOnboarding"
REGIONS = ("us-east-1", "us-west-2")
REPORT = f"/airs-onboarding/coverage/{STACK_SET}"
STACKSETS = "member.org.stacksets.cloudformation.amazonaws.com"
DISCOVERY_ROLE = "airs-discovery"
NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
EXTERNAL_TRUST = {
    "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
    "external_id": "airs-test-ext-id",
}


@dataclass
class Stack:
    """A stack as ListStacks and DescribeStacks answer it."""

    name: str
    status: str = "CREATE_COMPLETE"
    outputs: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (value, description)
    reason: str = ""
    created: str = "2026-01-01T00:00:00Z"


def stack_instance_name() -> str:
    return f"StackSet-{STACK_SET}-{uuid.uuid4()}"


@dataclass
class MemberStacks:
    """Each account and region's stacks; ``calls`` records (account, region, operation) of every call."""

    stacks: dict[tuple[str, str], list[Stack]] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    #: Stacks a ListStacks page holds (AWS's is larger; 1 reads every list across pages).
    page_size: int = 1

    def attach(self, session: boto3.Session, account: str) -> boto3.Session:
        def answer(request: Any, event_name: str, **_kwargs: Any) -> AWSResponse:
            service, operation = event_name.split(".")[-2:]
            region = urlsplit(request.url).netloc.split(".")[1]
            self.calls.append((account, region, operation))
            if service == "eks":
                if operation == "ListClusters":
                    return _json(request.url, 200, {"clusters": []})
                return _json(request.url, 404, {"message": "No cluster found."}, "ResourceNotFoundException")
            body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
            query = {k: v for k, v in parse_qs(body).items()}
            stacks = self.stacks.get((account, region), [])
            if operation == "ListStacks":
                return self._list_stacks(request.url, account, region, stacks, query)
            if operation == "DescribeStacks":
                wanted = unquote(query.get("StackName", [""])[0])
                found = [s for s in stacks if wanted in (s.name, _stack_id(account, region, s))]
                if not found:
                    return _xml_error(request.url, "ValidationError", f"Stack with id {wanted} does not exist")
                return _xml(
                    request.url, "DescribeStacks", f"<Stacks>{_member(account, region, found[0], full=True)}</Stacks>"
                )
            raise NotImplementedError(f"the fake does not model {operation}")

        session.events.register_first("before-send.cloudformation", answer)
        session.events.register_first("before-send.eks", answer)
        return session

    def _list_stacks(
        self, url: str, account: str, region: str, stacks: list[Stack], query: dict[str, list[str]]
    ) -> AWSResponse:
        wanted = {v[0] for k, v in query.items() if k.startswith("StackStatusFilter.member.")}
        listed = [s for s in stacks if not wanted or s.status in wanted]
        start = int(base64.b64decode(query["NextToken"][0]).decode()) if "NextToken" in query else 0
        page = listed[start : start + self.page_size]
        token = (
            f"<NextToken>{base64.b64encode(str(start + self.page_size).encode()).decode()}</NextToken>"
            if start + self.page_size < len(listed)
            else ""
        )
        members = "".join(_member(account, region, s, full=False) for s in page)
        return _xml(url, "ListStacks", f"<StackSummaries>{members}</StackSummaries>{token}")


def _stack_id(account: str, region: str, stack: Stack) -> str:
    return f"arn:aws:cloudformation:{region}:{account}:stack/{stack.name}/{uuid.uuid5(uuid.NAMESPACE_URL, stack.name)}"


def _member(account: str, region: str, stack: Stack, *, full: bool) -> str:
    fields = (
        f"<StackId>{escape(_stack_id(account, region, stack))}</StackId><StackName>{escape(stack.name)}</StackName>"
        f"<CreationTime>{stack.created}</CreationTime><StackStatus>{stack.status}</StackStatus>"
    )
    if stack.reason:
        fields += f"<StackStatusReason>{escape(stack.reason)}</StackStatusReason>"
    if full:
        outputs = "".join(
            f"<member><OutputKey>{k}</OutputKey><OutputValue>{escape(v)}</OutputValue>"
            f"<Description>{escape(d)}</Description></member>"
            for k, (v, d) in stack.outputs.items()
        )
        fields += f"<Outputs>{outputs}</Outputs>"
    return f"<member>{fields}</member>"


def _xml(url: str, operation: str, result: str) -> AWSResponse:
    body = (
        f'<{operation}Response xmlns="{NAMESPACE}"><{operation}Result>{result}</{operation}Result>'
        f"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{operation}Response>"
    )
    return AWSResponse(url, 200, {"Content-Type": "text/xml"}, _Raw(body.encode()))


def _xml_error(url: str, code: str, message: str) -> AWSResponse:
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        "<RequestId>r</RequestId></ErrorResponse>"
    )
    return AWSResponse(url, 400, {"Content-Type": "text/xml"}, _Raw(body.encode()))


def _json(url: str, status: int, body: dict[str, Any], code: str = "") -> AWSResponse:
    headers = {"Content-Type": "application/json", **({"x-amzn-ErrorType": code} if code else {})}
    return AWSResponse(url, status, headers, _Raw(json.dumps(body).encode()))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Any:
        yield self._body


@dataclass
class Organization:
    """The management account (moto's default, 123456789012, whose credentials the checks run with), an OU
    ``workloads`` holding alpha, bravo and the management account, its child OU ``team`` holding charlie,
    and an OU ``sandbox`` the config does not name, holding delta (``outsider``); ``members`` are alpha,
    bravo and charlie's ids, in order."""

    session: boto3.Session
    stacks: MemberStacks
    tmp_path: Path
    root: str
    workloads: str
    team: str
    sandbox: str
    members: list[str]
    outsider: str
    #: Each account's name (alpha, bravo, charlie, delta, and the management account's).
    names: dict[str, str]
    management: str = MANAGEMENT
    #: Called with each member session the checks make (a test may add event hooks).
    on_member_session: list[Callable[[boto3.Session, str], None]] = field(default_factory=list)
    _member_sessions: dict[str, boto3.Session] = field(default_factory=dict)
    _clients: dict[tuple[str | None, str, str], Any] = field(default_factory=dict)

    def client(self, service: str, region: str = REGIONS[0]) -> Any:
        """A client of the management account's session (one per service and region: making one costs more
        than most calls to moto)."""
        return self._client(None, service, region)

    def member_client(self, account: str, service: str, region: str = REGIONS[0]) -> Any:
        """A client in ``account`` (through ``as_member``), to arrange its state."""
        return self._client(account, service, region)

    def _client(self, account: str | None, service: str, region: str) -> Any:
        key = (account, service, region)
        if key not in self._clients:
            session = self.session if account is None else self.as_member(account)
            self._clients[key] = session.client(service, region_name=region)
        return self._clients[key]

    def member_session(self, base: boto3.Session, credentials: dict[str, Any]) -> boto3.Session:
        """What the checks make for a member account: the real ``fleet.member_session``, with the fake stacks."""
        account = get_account_id_from(credentials["AccessKeyId"])
        session = self.stacks.attach(member_session(base, credentials), account)
        for hook in self.on_member_session:
            hook(session, account)
        return session

    def as_member(self, account: str) -> boto3.Session:
        """A session in ``account`` (through AssumeRole, as the checks get theirs), to arrange its state."""
        if account not in self._member_sessions:
            credentials = self.client("sts").assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="arrange"
            )["Credentials"]
            self._member_sessions[account] = self.stacks.attach(member_session(self.session, credentials), account)
        return self._member_sessions[account]

    def config(self, **organization: Any) -> dict[str, Any]:
        return {
            "region": REGIONS[0],
            "stack_name": STACK_SET,
            "organization": {"organizational_units": [self.workloads], "regions": list(REGIONS), **organization},
            "flow_logs": {"coverage": "all-vpcs"},
            "eks": {"coverage": "tagged"},
            "discovery_role": EXTERNAL_TRUST,
        }

    def run(self, command: str, config: dict[str, Any], *extra: str) -> int:
        path = write_config(self.tmp_path, config)
        return main([command, "--config", path, *extra], session=self.session, member_session=self.member_session)

    def trusted_access(self) -> None:
        self.client("organizations").enable_aws_service_access(ServicePrincipal=STACKSETS)

    def vpcs(self, account: str, region: str) -> list[str]:
        ec2 = self.member_client(account, "ec2", region)
        return [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]

    def bucket(self, account: str, region: str) -> str:
        return f"airs-flow-logs-{account}-{region}"

    def role_arn(self, account: str) -> str:
        return f"arn:aws:iam::{account}:role/{DISCOVERY_ROLE}"

    def deploy(
        self,
        account: str,
        region: str,
        *,
        status: str = "CREATE_COMPLETE",
        reason: str = "",
        failed_vpcs: int = 0,
        refused_clusters: int = 0,
        report: bool = True,
    ) -> Stack:
        """A stack instance that works in ``account`` and ``region`` (with ``failed_vpcs`` VPCs the sweep could
        not cover and ``refused_clusters`` clusters the runner refused, in its report), and decoys: another
        StackSet's stack, and an earlier instance of this StackSet, deleted."""
        bucket = self.bucket(account, region)
        s3 = self.member_client(account, "s3", region)
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
            s3.create_bucket(Bucket=bucket, **location)
        s3.put_object(Bucket=bucket, Key=f"AWSLogs/{account}/vpcflowlogs/{region}/2026/01/01/x.log.gz", Body=b"x")
        iam = self.member_client(account, "iam")
        if DISCOVERY_ROLE not in [r["RoleName"] for r in iam.list_roles()["Roles"]]:
            iam.create_role(RoleName=DISCOVERY_ROLE, AssumeRolePolicyDocument="{}")
        if report:
            self.member_client(account, "ssm", region).put_parameter(
                Name=REPORT,
                Type="String",
                Overwrite=True,
                Value=json.dumps(self.report(account, region, failed_vpcs, refused_clusters)),
            )
        stack = Stack(
            stack_instance_name(),
            status=status,
            reason=reason,
            outputs={
                "FlowLogBucketName": (bucket, f"{WIZARD}S3 bucket name for VPC flow logs"),
                "FlowLogBucketArn": (f"arn:aws:s3:::{bucket}", f"{WIZARD}S3 bucket ARN for VPC flow logs"),
                "Region": (region, f"{WIZARD}region of the AI models, the bucket and the flow logs"),
                "DiscoveryRoleArn": (self.role_arn(account), f"{ROLE}AIRS discovery (cross-account)"),
                "CoverageReport": (REPORT, "Estate coverage: the report"),
            },
            created="2026-02-01T00:00:00Z",
        )
        self.stacks.stacks[(account, region)] = [
            Stack("CDKToolkit"),
            Stack(f"StackSet-{STACK_SET}-Dev-{uuid.uuid4()}"),  # another StackSet, named alike
            Stack(stack_instance_name(), status="DELETE_COMPLETE"),
            stack,
        ]
        return stack

    def report(self, account: str, region: str, failed_vpcs: int, refused_clusters: int) -> dict[str, Any]:
        vpcs: dict[str, dict[str, str]] = {
            vpc: {"state": "covered", "flow_log_id": f"fl-{n:017x}"} for n, vpc in enumerate(self.vpcs(account, region))
        }
        for n in range(failed_vpcs):
            vpcs[f"vpc-0bad{n:013x}"] = {"state": "failed", "reason": "has 2 flow logs, the most AWS allows"}
        clusters: dict[str, dict[str, str]] = {"prod-eks": {"state": "opened", "access_entry": "created"}}
        for n in range(refused_clusters):
            clusters[f"batch-{n}"] = {"state": "refused", "reason": "private-only, and no public endpoint tag"}
        now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        covered = len(vpcs) - failed_vpcs
        return {
            "owner": STACK_SET,
            "generated_at": now,
            "trigger": "schedule",
            "counts": {
                "Vpcs": len(vpcs),
                "Covered": covered,
                "Created": 0,
                "Removed": 0,
                "Excluded": 0,
                "Failed": failed_vpcs,
            },
            "vpcs": vpcs,
            "cluster_coverage": "tagged",
            "clusters": clusters,
            "cluster_counts": {
                "Clusters": len(clusters),
                "Opened": 1,
                "NotTagged": 0,
                "Refused": refused_clusters,
                "Failed": 0,
                "Reverted": 0,
                "Pending": 0,
            },
        }


def build(session: boto3.Session, tmp_path: Path) -> Organization:
    """The organization in moto, with trusted access for StackSets on."""
    organizations = session.client("organizations", region_name=REGIONS[0])
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]

    def unit(parent: str, name: str) -> str:
        return str(organizations.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"])

    def account(name: str, parent: str) -> str:
        created = organizations.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        organizations.move_account(AccountId=created["AccountId"], SourceParentId=root, DestinationParentId=parent)
        return str(created["AccountId"])

    workloads = unit(root, "workloads")
    team = unit(workloads, "team")
    sandbox = unit(root, "sandbox")
    first, second = account("alpha", workloads), account("bravo", workloads)
    third = account("charlie", team)
    outsider = account("delta", sandbox)
    organizations.move_account(AccountId=MANAGEMENT, SourceParentId=root, DestinationParentId=workloads)
    org = Organization(
        session=session,
        stacks=MemberStacks(),
        tmp_path=tmp_path,
        root=root,
        workloads=workloads,
        team=team,
        sandbox=sandbox,
        members=sorted([first, second, third]),
        outsider=outsider,
        names={a["Id"]: a["Name"] for a in organizations.list_accounts()["Accounts"]},
    )
    org.trusted_access()
    return org
