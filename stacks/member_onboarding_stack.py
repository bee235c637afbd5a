"""``MemberOnboardingStack``: the account onboarding as the template a StackSet deploys to every
member account and region, with each account's ids as CloudFormation parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from aws_cdk import CfnCondition, CfnOutput, CfnParameter, CfnResource, Fn, ICfnConditionExpression, Stack
from constructs import IConstruct

from onboarding_config.model import AccountOverrideConfig, OnboardingConfig
from onboarding_constructs import EksClusterAccessHandler
from onboarding_constructs.validation import (
    CLUSTER_NAME_PATTERN,
    MAX_FN_OR_CONDITIONS,
    SUBNET_ID_PATTERN,
    VPC_ID_PATTERN,
)
from onboarding_constructs.validation import ROLE_ARN_PATTERN as ROLE_ARN

from .account_onboarding_stack import DESCRIPTION, AccountOnboardingStack, AccountTargets, ClusterTarget
from .stack_set_template import StackSetTemplateSynthesizer

MAX_OR_CONDITIONS = MAX_FN_OR_CONDITIONS


def _or_empty(pattern: str) -> str:
    """AllowedPattern of a slot parameter: a value the construct accepts, or empty for an unused slot."""
    return rf"^$|^(?:{pattern})$"


SUBNET_PATTERN = _or_empty(SUBNET_ID_PATTERN)
VPC_PATTERN = _or_empty(VPC_ID_PATTERN)
CLUSTER_PATTERN = _or_empty(CLUSTER_NAME_PATTERN)
ROLE_ARN_PATTERN = rf"^(?:{ROLE_ARN})$"


@dataclass(frozen=True)
class Slot:
    """One numbered parameter (a subnet, VPC or cluster) and the condition that it is not empty."""

    parameter: CfnParameter
    condition: CfnCondition

    @property
    def value(self) -> str:
        return self.parameter.value_as_string


class MemberOnboardingStack(AccountOnboardingStack):
    """Everything ``AccountOnboardingStack`` creates, for one member account and region of a StackSet.

    Subnets, VPCs and clusters are numbered parameter slots (``FlowLogSubnet1``, ``FlowLogVpc1``,
    ``EksCluster1Name`` with ``EksCluster1PublicEndpoint``); an empty slot creates nothing. There are
    as many slots as the longest list in the config or its account overrides, and the config's
    values are the defaults, so accounts that join later get them. Keep each account's order: a
    flow log or cluster belongs to its slot, and a slot whose value changes is replaced.

    With ``flow_logs.coverage: all-vpcs`` the template has no subnet or VPC slots and carries
    ``EstateCoverage`` instead of flow logs: every member account and region logs all its own VPCs.
    With ``eks.coverage: tagged`` or ``all`` it has no cluster slots and ``EstateCoverage`` opens each
    account's own tagged (or all) clusters; the ``DiscoveryRoleArn`` parameter, when there is one, is
    still the role they are opened to.

    Account-wide resources: roles get region-qualified names (``iam.role_name_prefix``) or
    CloudFormation-generated ones, so the regions of one account never collide; a created trail is
    multi-region, so it is made in the home region (the first of ``organization.regions``) only.
    """

    def __init__(self, parent: Stack, construct_id: str, *, config: OnboardingConfig, **kwargs: Any) -> None:
        if config.organization is None:
            raise ValueError("MemberOnboardingStack needs a config with an organization section")
        self.stack_set_synthesizer = StackSetTemplateSynthesizer(parent)
        super().__init__(
            parent,
            construct_id,
            config=config,
            synthesizer=self.stack_set_synthesizer,
            description=f"{DESCRIPTION} (StackSet member template)",
            **kwargs,
        )
        self._only_where_used()
        self._trail_in_home_region(config.organization.home_region)
        self.template_options.metadata = {"AWS::CloudFormation::Interface": self._parameter_groups()}

    def _flow_logs_fit(self, targets: AccountTargets) -> bool:
        """Always in this template: a StackSet deploys one template (its size is checked with the config)."""
        return True

    def parameter_values(self, override: AccountOverrideConfig) -> dict[str, str]:
        """The parameter values that give one account its ``account_overrides`` entry (a list fills
        its slots in order and empties the rest)."""
        values: dict[str, str] = {}

        def fill(slots: Sequence[Slot], ids: Sequence[str]) -> None:
            for n, slot in enumerate(slots):
                values[self._name(slot.parameter)] = ids[n] if n < len(ids) else ""

        if override.subnet_ids is not None:
            fill(self.subnet_slots, override.subnet_ids)
        if override.vpc_ids is not None:
            fill(self.vpc_slots, override.vpc_ids)
        if override.clusters is not None:
            fill(self.cluster_slots, [c.name for c in override.clusters])
            for n, parameter in enumerate(self.public_endpoint_parameters):
                opted_in = n < len(override.clusters) and override.clusters[n].enable_public_endpoint
                values[self._name(parameter)] = "true" if opted_in else "false"
        if override.discovery_role_arn is not None and self.discovery_role_parameter is not None:
            values[self._name(self.discovery_role_parameter)] = override.discovery_role_arn
        return values

    def _name(self, parameter: CfnParameter) -> str:
        name = self.resolve(parameter.logical_id)
        assert isinstance(name, str)
        return name

    def _account_targets(self, config: OnboardingConfig) -> AccountTargets:
        slots = config.member_slots()
        subnets, vpcs = config.flow_logs.subnet_ids, config.flow_logs.vpc_ids
        clusters = config.eks.clusters if config.eks else ()
        count = slots["clusters"]
        self.subnet_slots = self._slots(
            "FlowLogSubnet",
            defaults=subnets,
            count=slots["subnet_ids"],
            pattern=SUBNET_PATTERN,
            what="subnet id (subnet-...) to log, or empty",
        )
        self.vpc_slots = self._slots(
            "FlowLogVpc",
            defaults=vpcs,
            count=slots["vpc_ids"],
            pattern=VPC_PATTERN,
            what="VPC id (vpc-...) to log, or empty",
        )
        self.cluster_slots = self._slots(
            "EksCluster",
            suffix="Name",
            defaults=[c.name for c in clusters],
            count=count,
            pattern=CLUSTER_PATTERN,
            what="name of an EKS cluster to open to discovery, or empty",
        )
        self.public_endpoint_parameters = [
            CfnParameter(
                self,
                f"EksCluster{n}PublicEndpoint",
                type="String",
                allowed_values=["true", "false"],
                default="true" if n <= len(clusters) and clusters[n - 1].enable_public_endpoint else "false",
                description=f"true: cluster {n} may get public endpoint access (for the discovery addresses only)"
                " if it is private-only",
            )
            for n in range(1, count + 1)
        ]
        self.discovery_role_parameter = (
            CfnParameter(
                self,
                "DiscoveryRoleArn",
                type="String",
                default=config.eks.discovery_role_arn,
                allowed_pattern=ROLE_ARN_PATTERN,
                description="ARN of the role AIRS discovery uses in this account (the access entries are for it)",
            )
            if config.eks and config.eks.discovery_role_arn
            else None
        )
        self.any_cluster = self._any("HasEksCluster", [slot.condition for slot in self.cluster_slots])
        return AccountTargets(
            subnet_ids=[slot.value for slot in self.subnet_slots],
            vpc_ids=[slot.value for slot in self.vpc_slots],
            clusters=[
                ClusterTarget(slot.value, enable_public_endpoint=opt_in.value_as_string, slot=f"Cluster{n}")
                for n, (slot, opt_in) in enumerate(
                    zip(self.cluster_slots, self.public_endpoint_parameters, strict=True), start=1
                )
            ],
            discovery_role_arn=self.discovery_role_parameter.value_as_string if self.discovery_role_parameter else None,
        )

    def _slots(
        self, stem: str, *, suffix: str = "", defaults: Sequence[str], count: int, pattern: str, what: str
    ) -> list[Slot]:
        """``count`` parameters ``<stem><n><suffix>`` (defaults in order, then empty), each with a
        ``Has<stem><n>`` condition that it is not empty."""
        slots = []
        for n in range(1, count + 1):
            parameter = CfnParameter(
                self,
                f"{stem}{n}{suffix}",
                type="String",
                default=defaults[n - 1] if n <= len(defaults) else "",
                allowed_pattern=pattern,
                constraint_description=f"must be a {what}",
                description=f"{what[0].upper()}{what[1:]} ({stem}{n}{suffix})",
            )
            condition = CfnCondition(
                self, f"Has{stem}{n}", expression=Fn.condition_not(Fn.condition_equals(parameter.value_as_string, ""))
            )
            slots.append(Slot(parameter, condition))
        return slots

    def _any(self, construct_id: str, conditions: Sequence[CfnCondition]) -> CfnCondition | None:
        """A condition true when any of ``conditions`` is (``Fn::Or`` nested past ten)."""
        if len(conditions) <= 1:
            return conditions[0] if conditions else None
        # A CfnCondition is a condition expression (jsii's interface, which Python's types do not declare).
        expressions = [cast(ICfnConditionExpression, condition) for condition in conditions]
        while len(expressions) > MAX_OR_CONDITIONS:
            chunks = [expressions[i : i + MAX_OR_CONDITIONS] for i in range(0, len(expressions), MAX_OR_CONDITIONS)]
            expressions = [Fn.condition_or(*chunk) if len(chunk) > 1 else chunk[0] for chunk in chunks]
        return CfnCondition(self, construct_id, expression=Fn.condition_or(*expressions))

    def _only_where_used(self) -> None:
        """An empty slot creates nothing, and the EKS handler exists only when some slot names a cluster.
        With all-vpcs coverage there are no subnet or VPC slots: each account covers its own VPCs."""
        flow_logs = self.flow_logs
        assert flow_logs is not None or self.estate_coverage is not None  # _flow_logs_fit keeps them here
        for slot in [*self.subnet_slots, *self.vpc_slots]:
            assert flow_logs is not None  # the config allows no slots with coverage
            flow_logs.flow_logs[slot.value].cfn_options.condition = slot.condition
        for slot in self.cluster_slots:
            _condition_all(self.eks_access[slot.value], slot.condition)
        if self.any_cluster is not None:
            _condition_all(EksClusterAccessHandler.of(self), self.any_cluster)

    def _trail_in_home_region(self, home_region: str) -> None:
        trail = self.audit_trail
        if trail is None or not trail.created:
            return
        in_home_region = CfnCondition(self, "IsHomeRegion", expression=Fn.condition_equals(self.region, home_region))
        _condition_all(trail, in_home_region)
        output = self.node.try_find_child("BedrockAuditTrailArn")
        if isinstance(output, CfnOutput):
            output.condition = in_home_region

    def _parameter_groups(self) -> dict[str, Any]:
        def names(parameters: Sequence[CfnParameter]) -> list[str]:
            return [p.logical_id for p in parameters]

        groups = [
            (
                "Flow logs: subnets and VPCs of this account",
                names([s.parameter for s in [*self.subnet_slots, *self.vpc_slots]]),
            ),
            (
                "EKS clusters of this account",
                names(
                    [
                        p
                        for slot, e in zip(self.cluster_slots, self.public_endpoint_parameters, strict=True)
                        for p in (slot.parameter, e)
                    ]
                ),
            ),
            ("AIRS discovery", names([self.discovery_role_parameter] if self.discovery_role_parameter else [])),
        ]
        return {
            "ParameterGroups": [
                {"Label": {"default": label}, "Parameters": params} for label, params in groups if params
            ]
        }


def _condition_all(scope: IConstruct, condition: CfnCondition) -> None:
    for node in scope.node.find_all():
        if isinstance(node, CfnResource):
            node.cfn_options.condition = condition
