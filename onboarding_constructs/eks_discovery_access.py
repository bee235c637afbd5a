"""``EksDiscoveryAccess``: one existing EKS cluster opened to the AIRS discovery role."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import CustomResource, Stack
from aws_cdk import aws_eks as eks
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._aws_limits import MAX_PUBLIC_ACCESS_CIDRS
from ._errors import PropsError
from ._identifiers import (
    canonical_cidr,
    cluster_name_problem,
    is_token,
    public_cidr_problem,
    repeated_problem,
    role_arn_problem,
)
from ._props import at, each
from ._signature import public_signature
from .eks_cluster_access_handler import SERVICE_TIMEOUT, EksClusterAccessHandler

#: The addresses AIRS discovery reaches cluster endpoints from (published onboarding prerequisites).
DISCOVERY_CIDRS: tuple[str, ...] = ("34.71.64.3/32", "34.28.60.186/32")
DEFAULT_ACCESS_POLICY = "AmazonEKSViewPolicy"
_POLICY_NAME = re.compile(r"AmazonEKS[A-Za-z0-9]+Policy")


@public_signature
class EksDiscoveryAccess(Construct):
    """Prepares one existing EKS cluster for AIRS discovery, without harming what it has.

    Defines a ``Custom::EksClusterAccess`` resource that (1) moves the cluster's authentication mode
    from CONFIG_MAP to API_AND_CONFIG_MAP (never backwards, never to API; a cluster already there
    gets no call; EKS cannot undo this step, so stack deletion leaves it) and (2) appends the allowed
    CIDRs to the public endpoint's allow-list, keeping every existing entry; on deletion it removes
    exactly what it added. Then an ``AWS::EKS::AccessEntry`` gives ``principal_arn`` the access
    policy at cluster scope. One Lambda function per stack serves every cluster
    (``EksClusterAccessHandler``); CloudFormation waits at most 30 minutes for it (``ServiceTimeout``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        principal_arn: str,
        allowed_cidrs: Sequence[str] = DISCOVERY_CIDRS,
        enable_public_endpoint: bool | str = False,
        access_policy: str = DEFAULT_ACCESS_POLICY,
        log_group_encryption_key: kms.IKey | None = None,
    ) -> None:
        """Open the existing cluster ``cluster_name`` to ``principal_arn``.

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param cluster_name: Name of the existing cluster, in this stack's account and region. Required.
        :param principal_arn: IAM role discovery uses (the role the AIRS onboarding created). Required.
        :param allowed_cidrs: Public addresses to allow on the cluster endpoint.
            Default: ``DISCOVERY_CIDRS`` (34.71.64.3/32, 34.28.60.186/32).
        :param enable_public_endpoint: Allow turning public access on, for exactly ``allowed_cidrs``, when
            the cluster is private-only. Without it such a cluster fails the deployment with a reason
            and is not changed. A deploy-time value (a CloudFormation parameter) that resolves to
            ``"true"`` or ``"false"`` is accepted too. Default: False, a private-only cluster
            fails the deployment unchanged.
        :param access_policy: EKS access policy name for the access entry, at cluster scope.
            Default: ``AmazonEKSViewPolicy``.
        :param log_group_encryption_key: KMS key for the shared handler's log group; every
            ``EksDiscoveryAccess`` of a stack must pass the same one (see ``EksClusterAccessHandler``).
            Default: CloudWatch Logs' own encryption at rest.
        """
        super().__init__(scope, construct_id)
        PropsError.raise_if_any(
            self.node.path,
            _validate(
                cluster_name=cluster_name,
                principal_arn=principal_arn,
                allowed_cidrs=allowed_cidrs,
                enable_public_endpoint=enable_public_endpoint,
                access_policy=access_policy,
            ),
        )
        allowed_cidrs = [canonical_cidr(c) for c in allowed_cidrs]
        self._handler = EksClusterAccessHandler.of(self, log_group_encryption_key=log_group_encryption_key)
        self._handler.allow_cluster(cluster_name)

        self._cluster_access = CustomResource(
            self,
            "ClusterAccess",
            service_token=self._handler.service_token,
            resource_type="Custom::EksClusterAccess",
            properties={
                "ClusterName": cluster_name,
                "AllowedCidrs": list(allowed_cidrs),
                "EnablePublicEndpoint": enable_public_endpoint
                if isinstance(enable_public_endpoint, str)
                else ("true" if enable_public_endpoint else "false"),
            },
            service_timeout=SERVICE_TIMEOUT,
        )
        # The handler's permissions (including invoking itself) exist before the first request.
        self._cluster_access.node.add_dependency(self._handler.policy)

        partition = Stack.of(self).partition
        self._access_entry = eks.CfnAccessEntry(
            self,
            "AccessEntry",
            cluster_name=cluster_name,
            principal_arn=principal_arn,
            type="STANDARD",
            access_policies=[
                eks.CfnAccessEntry.AccessPolicyProperty(
                    policy_arn=f"arn:{partition}:eks::aws:cluster-access-policy/{access_policy}",
                    access_scope=eks.CfnAccessEntry.AccessScopeProperty(type="cluster"),
                )
            ],
        )
        # An access entry needs the cluster in API or API_AND_CONFIG_MAP mode first.
        self._access_entry.node.add_dependency(self._cluster_access)

    @property
    def cluster_access(self) -> CustomResource:
        """The ``Custom::EksClusterAccess`` resource: authentication mode and endpoint allow-list."""
        return self._cluster_access

    @property
    def access_entry(self) -> eks.CfnAccessEntry:
        """The access entry of ``principal_arn``, with the access policy at cluster scope."""
        return self._access_entry

    @property
    def handler(self) -> EksClusterAccessHandler:
        """The stack's shared handler (function, role, log group)."""
        return self._handler


def allowed_cidrs_problems(cidrs: Sequence[str]) -> list[str]:
    """What is wrong with an endpoint allow-list as a whole (each CIDR on its own: ``public_cidr_problem``):
    empty, a block listed twice (however it is spelt), more than EKS takes."""
    if not cidrs:
        return ["empty (expected the discovery service's addresses; omit it for the default)"]
    problems = []
    # Spelt differently, 34.71.64.3 and 34.71.64.3/32 are still the same block.
    blocks = [canonical_cidr(c) for c in cidrs if is_token(c) or public_cidr_problem(c) is None]
    if twice := repeated_problem(blocks):
        problems.append(twice)
    if len(cidrs) > MAX_PUBLIC_ACCESS_CIDRS:
        problems.append(f"{len(cidrs)} CIDRs (EKS allows at most {MAX_PUBLIC_ACCESS_CIDRS} on an endpoint)")
    return problems


def _validate(
    *,
    cluster_name: str,
    principal_arn: str,
    allowed_cidrs: Sequence[str],
    enable_public_endpoint: bool | str,
    access_policy: str,
) -> list[str]:
    problems = at("cluster_name", [cluster_name_problem(cluster_name)])
    problems += at("principal_arn", [role_arn_problem(principal_arn)])
    problems += each("allowed_cidrs", allowed_cidrs, public_cidr_problem, items="CIDR blocks")
    if not isinstance(allowed_cidrs, str):
        problems += at("allowed_cidrs", allowed_cidrs_problems(allowed_cidrs))
    if isinstance(enable_public_endpoint, str) and not is_token(enable_public_endpoint):
        problems.append(
            f"enable_public_endpoint: {enable_public_endpoint!r} is not allowed (expected True or False, or a"
            " deploy-time value that resolves to 'true' or 'false')"
        )
    if not is_token(access_policy) and not _POLICY_NAME.fullmatch(access_policy):
        problems.append(f"access_policy: {access_policy!r} is not an EKS access policy name (e.g. AmazonEKSViewPolicy)")
    return problems
