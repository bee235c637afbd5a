"""``apply_role_policy``: an organization's rules for IAM roles (permissions boundary, name prefix),
applied to every role under a scope, including roles that constructs create internally."""

from __future__ import annotations

import re

import jsii
from aws_cdk import (
    Annotations,
    AspectPriority,
    Aspects,
    CfnResource,
    IAspect,
    Names,
    Stack,
)
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from ._errors import PropsError
from ._identifiers import PARTITION_PATTERN, is_token
from ._props import at

#: IAM role names are at most this long.
MAX_ROLE_NAME_LENGTH = 64
#: Characters kept for the region at the end of a generated name (the longest region name,
#: us-isof-south-1, has 15).
REGION_LENGTH = 15
#: Longest prefix: leaves room for a readable path stem, an 8-character hash and the region.
MAX_PREFIX_LENGTH = 32
#: Id of the imported boundary policy under the scope (defines no resource).
BOUNDARY_ID = "RolePolicyPermissionsBoundary"

_PREFIX = re.compile(rf"[\w+=,.@-]{{1,{MAX_PREFIX_LENGTH}}}", re.ASCII)
_POLICY_ARN = re.compile(
    rf"arn:{PARTITION_PATTERN}:iam::(?:[0-9]{{12}}|aws):policy/(?:[\x21-\x2e\x30-\x7e]+/)*[\w+=,.@-]{{1,128}}", re.ASCII
)


def apply_role_policy(
    scope: Construct,
    *,
    permissions_boundary_arn: str | None = None,
    role_name_prefix: str | None = None,
) -> None:
    """Make every IAM role under ``scope`` follow the organization's rules for roles.

    Works through CDK Aspects, so it covers roles defined anywhere under ``scope`` at synth time:
    before or after this call, nested in other constructs, and the roles constructs create
    internally (a Lambda function's execution role, a custom resource provider's role). Roles
    outside ``scope`` (e.g. a stack-level singleton when ``scope`` is a construct inside the stack)
    are not covered: pass the stack, stage or app.

    :param permissions_boundary_arn: ARN of an IAM managed policy every role gets as its
        permissions boundary (``iam.PermissionsBoundary``; replaces a boundary set elsewhere).
        Default: boundaries are left as they are.
    :param role_name_prefix: 1 to 32 characters of ``[A-Za-z0-9_+=,.@-]`` every role name must
        start with (include a separator yourself, e.g. ``"acme-"``). A role without a name gets
        ``<prefix><stack and construct path, shortened>-<8-character hash of the path>-<region>``,
        at most 64 characters: deterministic, so redeploying never renames (replaces) a role, and
        unique per construct path. The region is part of the name because IAM names are global to
        the account: without it the same stack deployed to two regions of one account (or through a
        StackSet to several regions) collides on its role names. A role that already has a name
        keeps it if it starts with the prefix; otherwise synth fails with an error naming the role
        and the prefix (a name only known at deploy time gets a warning instead). Named roles need
        ``CAPABILITY_NAMED_IAM`` at deployment: ``cdk deploy`` passes it; a StackSet or a plain
        ``aws cloudformation deploy`` must ask for it. Default: names are left as they are.

    Both default to ``None``; with neither given the call does nothing, so a config with no rules
    for roles can be passed through as it is.
    """
    problems = []
    if permissions_boundary_arn is not None:
        problems += at("permissions_boundary_arn", [boundary_arn_problem(permissions_boundary_arn)])
        if scope.node.try_find_child(BOUNDARY_ID) is not None:
            problems.append(
                f"{scope.node.path or 'the app'} already has a permissions boundary from an earlier"
                " apply_role_policy call; call it once per scope, with every rule"
            )
    if role_name_prefix is not None:
        problems += at("role_name_prefix", [role_name_prefix_problem(role_name_prefix)])
    PropsError.raise_if_any("apply_role_policy", problems)

    if permissions_boundary_arn is not None:
        boundary = iam.ManagedPolicy.from_managed_policy_arn(scope, BOUNDARY_ID, permissions_boundary_arn)
        iam.PermissionsBoundary.of(scope).apply(boundary)
    if role_name_prefix is not None:
        Aspects.of(scope).add(RoleNamePrefix(role_name_prefix), priority=AspectPriority.MUTATING)


@jsii.implements(IAspect)
class RoleNamePrefix:
    """Aspect: every IAM role visited gets a name starting with ``prefix`` (see ``apply_role_policy``)."""

    def __init__(self, prefix: str) -> None:
        PropsError.raise_if_any("RoleNamePrefix", at("prefix", [role_name_prefix_problem(prefix)]))
        self.prefix = prefix

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, iam.CfnRole):
            # iam.Role passes its physical name as a token that resolves to nothing when unnamed.
            if Stack.of(node).resolve(node.role_name) is None:
                node.role_name = self.role_name_for(node)
            else:
                self._check(node, node.role_name)
        elif isinstance(node, CfnResource) and node.cfn_resource_type == iam.CfnRole.CFN_RESOURCE_TYPE_NAME:
            # A role defined as a plain CfnResource (the CDK's CustomResourceProvider does this).
            name = (node._cfn_properties or {}).get("RoleName")
            if Stack.of(node).resolve(name) is None:
                node.add_property_override("RoleName", self.role_name_for(node))
            else:
                self._check(node, name)

    def role_name_for(self, role: IConstruct) -> str:
        """``<prefix><path stem>-<hash>-<region>``; the region is a deploy-time value in an
        environment-agnostic stack, so the name is then a ``Fn::Join``."""
        stem_length = MAX_ROLE_NAME_LENGTH - REGION_LENGTH - 1 - len(self.prefix)
        stem = Names.unique_resource_name(role, max_length=stem_length, separator="-")
        return f"{self.prefix}{stem}-{Stack.of(role).region}"

    def _check(self, role: IConstruct, name: object) -> None:
        resolved = Stack.of(role).resolve(name)
        if isinstance(resolved, str):
            name = resolved  # e.g. a lazily generated physical name
        if isinstance(name, str) and name.startswith(self.prefix):
            return
        path = role.node.path.removesuffix("/Resource")
        # Only a name that starts with a deploy-time value is unknown where it matters: one with a
        # literal start (discovery-${AWS::Region}) is checked by that start, below.
        if not isinstance(name, str) or name.startswith("${Token["):
            Annotations.of(role).add_warning_v2(
                "airs-onboarding:roleNameUnchecked",
                f"The IAM role {path} has a name only known at deploy time: make sure it starts with"
                f" {self.prefix!r}, the role name prefix apply_role_policy requires.",
            )
            return
        Annotations.of(role).add_error(
            f"The IAM role {path} is named {name!r}, which does not start with {self.prefix!r}, the role name"
            f" prefix apply_role_policy requires: give it a name starting with {self.prefix!r}, or no name to get a"
            " generated one."
        )


def boundary_arn_problem(value: str) -> str | None:
    if is_token(value) or (isinstance(value, str) and _POLICY_ARN.fullmatch(value)):
        return None
    return (
        f"{value!r} is not an IAM managed policy ARN (expected arn:<partition>:iam::<12-digit account or 'aws'>:policy/"
        "<optional path/><name>)"
    )


def role_name_prefix_problem(value: str) -> str | None:
    if is_token(value):
        return "is only known at deploy time; a prefix must be known at synth, where role names are made and checked"
    if isinstance(value, str) and _PREFIX.fullmatch(value):
        return None
    return f"{value!r} is not a role name prefix (expected 1 to {MAX_PREFIX_LENGTH} letters, digits and _+=,.@-)"


__all__ = ["MAX_PREFIX_LENGTH", "RoleNamePrefix", "apply_role_policy"]
