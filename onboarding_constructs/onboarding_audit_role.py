"""``OnboardingAuditRole``: a read-only role an administrator account assumes to run the onboarding checks
(``make doctor``, ``make verify``) in a member account."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from ._errors import PropsError
from ._identifiers import account_id_problem, is_token, role_name_problem
from ._props import at, each
from ._signature import public_signature
from ._suppressions import acknowledge_nag, nag_resource_text
from .discovery_role import MAX_SESSION_DURATION, external_id_problem

#: The role's name in a StackSet member template, after ``iam.role_name_prefix``: one per account, made in
#: the home region, so the administrator computes its ARN from the account id.
AUDIT_ROLE_NAME = "airs-onboarding-audit"

#: Every read the checks make, by what it reads (Sid). Each is a Describe, Get, List or Head call that
#: changes nothing; none returns secrets (no s3:GetObject, no ssm:GetParameter beyond the coverage report).
#: Derived from the boto3 calls of onboarding_checks (doctor, verify, probes, clusters).
AUDIT_ACTIONS: dict[str, tuple[str, ...]] = {
    "DescribeNetwork": ("ec2:DescribeFlowLogs", "ec2:DescribeSubnets", "ec2:DescribeVpcs"),
    "ListEksClusters": ("eks:ListClusters",),
    "DescribeEksClusters": ("eks:DescribeCluster", "eks:ListPodIdentityAssociations"),
    "DescribeEksAccessEntries": ("eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies"),
    "DescribeEksAddons": ("eks:DescribeAddon",),
    "ListTrails": ("cloudtrail:DescribeTrails",),
    "ReadTrailSettings": ("cloudtrail:GetEventSelectors", "cloudtrail:GetTrailStatus"),
    "ReadOnboardingRoles": ("iam:GetRole",),
    "ReadCoverageReports": ("ssm:GetParameter",),
    "ListStacks": ("cloudformation:ListStacks",),
    "DescribeOnboardingStacks": ("cloudformation:DescribeStacks",),
    "ListBedrockModels": ("bedrock:ListFoundationModels", "bedrock:ListInferenceProfiles"),
    "ReadBucketSettings": ("s3:GetBucketLocation", "s3:GetBucketPolicy", "s3:ListBucket"),
}

_STACK_NAME_PATTERN = re.compile(r"[A-Za-z*][A-Za-z0-9*-]{0,127}")
_ROLE_NAME_PATTERN = re.compile(r"[\w+=,.@*-]{1,64}", re.ASCII)
_PARAMETER_NAME = re.compile(r"/[\w.\-/]{1,2047}", re.ASCII)


@public_signature
class OnboardingAuditRole(Construct):
    """A role the onboarding checks assume from the administrator account: reads only, no change.

    Trust: only ``trusted_account_id`` (its account root, so IAM in that account decides who) may assume it
    (``sts:AssumeRole``), and only with ``sts:ExternalId`` equal to ``external_id``. Sessions last at most
    one hour.

    Permissions, in one customer managed policy (``AUDIT_ACTIONS``), each on the narrowest resource the
    action supports, in every region of the account (IAM is global, so one role serves all the regions a
    StackSet targets): VPCs, subnets and flow logs (``ec2:Describe*`` calls, which support no resource);
    EKS clusters, their access entries and add-ons of this account; the trails (any account's, as an
    organization trail lives in the management account); ``iam:GetRole`` on ``role_names``;
    ``ssm:GetParameter`` on ``report_parameter_names`` only; ``cloudformation:DescribeStacks`` on
    ``stack_names``; the Bedrock model lists; and the settings (location, policy, object list) of the
    buckets this account owns (``s3:ResourceAccount``). No object is read.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        trusted_account_id: str,
        external_id: str,
        stack_names: Sequence[str],
        report_parameter_names: Sequence[str] = (),
        role_names: Sequence[str] = ("*",),
        role_name: str | None = None,
    ) -> None:
        """Define the audit role and its customer managed policy.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param trusted_account_id: The administrator account (12 digits) whose principals may assume the role.
            Required.
        :param external_id: The ``sts:ExternalId`` the checks pass: 2 to 1224 letters, digits and
            ``_+=,.@:/-``. Required.
        :param stack_names: Names of the stacks whose outputs the checks read (``*`` matches any characters,
            e.g. ``StackSet-AirsOnboarding-*`` for a StackSet's stack instances). Required, at least one.
        :param report_parameter_names: SSM parameters the checks read (the coverage reports, e.g.
            ``EstateCoverage.report_parameter_name``), in any region of the account. Default: none.
        :param role_names: Names (``*`` matches any characters) of the roles whose settings the checks read
            (``iam:GetRole``). Default: every role of the account.
        :param role_name: Physical name of the role. Default: a name CloudFormation generates (or, under
            ``apply_role_policy`` with a prefix, a prefixed one).
        """
        super().__init__(scope, construct_id)
        PropsError.raise_if_any(
            self.node.path,
            _validate(
                trusted_account_id=trusted_account_id,
                external_id=external_id,
                stack_names=stack_names,
                report_parameter_names=report_parameter_names,
                role_names=role_names,
                role_name=role_name,
            ),
        )
        stack = Stack.of(self)
        self._role = iam.Role(
            self,
            "Role",
            assumed_by=iam.AccountPrincipal(trusted_account_id),
            external_ids=[external_id],
            role_name=role_name,
            max_session_duration=MAX_SESSION_DURATION,
            description="AIRS onboarding checks: read-only audit of the onboarding (doctor, verify), assumed from the"
            " administrator account",
        )
        self._resources = _resources(
            stack, stack_names=stack_names, report_parameter_names=report_parameter_names, role_names=role_names
        )
        own_buckets = {"StringEquals": {"s3:ResourceAccount": stack.account}}
        statements = [
            iam.PolicyStatement(
                sid=sid,
                actions=list(actions),
                resources=self._resources[sid],
                conditions=own_buckets if sid == "ReadBucketSettings" else None,
            )
            for sid, actions in AUDIT_ACTIONS.items()
            if self._resources[sid]
        ]
        self._policy = iam.ManagedPolicy(
            self,
            "Policy",
            description="AIRS onboarding checks: read-only calls of doctor and verify",
            roles=[self._role],
            statements=statements,
        )
        self._acknowledge_findings(stack)

    @property
    def role(self) -> iam.IRole:
        """The audit role."""
        return self._role

    @property
    def role_arn(self) -> str:
        """ARN of the audit role: what the checks assume."""
        return self._role.role_arn

    @property
    def policy(self) -> iam.IManagedPolicy:
        """The customer managed policy with the role's permissions."""
        return self._policy

    def _acknowledge_findings(self, stack: Stack) -> None:
        reasons = {
            "DescribeNetwork": "ec2:DescribeVpcs, DescribeSubnets and DescribeFlowLogs support no resource-level"
            " permissions; the checks list every VPC to see which are logged.",
            "ListEksClusters": "eks:ListClusters supports no resource-level permissions.",
            "DescribeEksClusters": "The checks read every cluster of the account, in every region the StackSet"
            " targets (tagged clusters come and go), and nothing but this account's clusters.",
            "DescribeEksAccessEntries": "The checks read the access entries of any cluster of the account (the"
            " discovery role's, and whether another principal already holds one).",
            "DescribeEksAddons": "The checks read whether a cluster has the pod identity agent, on any cluster.",
            "ListTrails": "cloudtrail:DescribeTrails supports no resource-level permissions.",
            "ReadTrailSettings": "The checks read the status and event selectors of any trail that may record Bedrock"
            " calls, an organization trail of the management account among them.",
            "ReadOnboardingRoles": "The checks read the onboarding roles named in the stack outputs; their names are"
            " the role name prefix plus what the stack adds (a region, a generated suffix).",
            "ReadCoverageReports": "The coverage report has the same name in every region the StackSet targets, and"
            " this one role serves them all.",
            "ListStacks": "cloudformation:ListStacks supports no resource-level permissions; the checks find the"
            " StackSet's stack instances by name.",
            "DescribeOnboardingStacks": "A StackSet names its stack instances StackSet-<name>-<id>, in every region;"
            " only those stacks match.",
            "ListBedrockModels": "bedrock:ListFoundationModels and ListInferenceProfiles support no resource-level"
            " permissions.",
            "ReadBucketSettings": "The flow-log buckets get names CloudFormation generates in each region; only"
            " buckets this account owns match (s3:ResourceAccount), and no object is read.",
        }
        findings: dict[str, list[str]] = {}
        for sid, resources in self._resources.items():
            for resource in resources:
                if "*" in (text := nag_resource_text(stack, resource)):
                    findings.setdefault(text, []).append(reasons[sid])
        for resource, why in findings.items():
            acknowledge_nag(self._policy, f"AwsSolutions-IAM5[Resource::{resource}]", " ".join(why))


def _resources(
    stack: Stack, *, stack_names: Sequence[str], report_parameter_names: Sequence[str], role_names: Sequence[str]
) -> dict[str, list[str]]:
    """The resources of each statement (by Sid), the narrowest the action supports; an empty list leaves the
    statement out."""
    partition, account = stack.partition, stack.account

    def eks(kind: str) -> list[str]:
        return [f"arn:{partition}:eks:*:{account}:{kind}/*"]

    return {
        "DescribeNetwork": ["*"],
        "ListEksClusters": ["*"],
        "DescribeEksClusters": eks("cluster"),
        "DescribeEksAccessEntries": eks("access-entry"),
        "DescribeEksAddons": eks("addon"),
        "ListTrails": ["*"],
        "ReadTrailSettings": [f"arn:{partition}:cloudtrail:*:*:trail/*"],
        "ReadOnboardingRoles": [f"arn:{partition}:iam::{account}:role/{name}" for name in role_names],
        "ReadCoverageReports": [
            f"arn:{partition}:ssm:*:{account}:parameter/{name.removeprefix('/')}" for name in report_parameter_names
        ],
        "ListStacks": ["*"],
        "DescribeOnboardingStacks": [
            f"arn:{partition}:cloudformation:*:{account}:stack/{name}/*" for name in stack_names
        ],
        "ListBedrockModels": ["*"],
        "ReadBucketSettings": [f"arn:{partition}:s3:::*"],
    }


def _validate(
    *,
    trusted_account_id: str,
    external_id: str,
    stack_names: Sequence[str],
    report_parameter_names: Sequence[str],
    role_names: Sequence[str],
    role_name: str | None,
) -> list[str]:
    problems = at("trusted_account_id", [account_id_problem(trusted_account_id)])
    problems += at("external_id", [external_id_problem(external_id, source=None)])
    problems += each("stack_names", stack_names, _stack_name_problem, items="stack names")
    if not isinstance(stack_names, str) and not stack_names:
        problems += at("stack_names", ["empty (expected at least one stack name, e.g. 'StackSet-AirsOnboarding-*')"])
    problems += each("report_parameter_names", report_parameter_names, _parameter_name_problem, items="names")
    problems += each("role_names", role_names, _role_names_problem, items="role names")
    if not isinstance(role_names, str) and not role_names:
        problems += at("role_names", ["empty (expected '*' for every role, or role names)"])
    if role_name is not None:
        problems += at("role_name", [role_name_problem(role_name)])
    return problems


def _stack_name_problem(value: str) -> str | None:
    if is_token(value) or (isinstance(value, str) and _STACK_NAME_PATTERN.fullmatch(value)):
        return None
    return f"{value!r} is not a stack name (expected a letter or '*', then up to 127 letters, digits, '-' and '*')"


def _role_names_problem(value: str) -> str | None:
    if is_token(value) or (isinstance(value, str) and _ROLE_NAME_PATTERN.fullmatch(value)):
        return None
    return f"{value!r} is not a role name (expected 1 to 64 letters, digits, _+=,.@- and '*')"


def _parameter_name_problem(value: str) -> str | None:
    if is_token(value) or (isinstance(value, str) and _PARAMETER_NAME.fullmatch(value)):
        return None
    return f"{value!r} is not an SSM parameter name (expected '/' then letters, digits and _.-/)"


__all__ = ["AUDIT_ACTIONS", "AUDIT_ROLE_NAME", "OnboardingAuditRole"]
