"""``MemberOnboardingStack``: the account onboarding as the one template a StackSet deploys to every
member account and region, the same everywhere."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnCondition, CfnOutput, CfnParameter, CfnResource, Fn, Stack, Token
from constructs import IConstruct

from onboarding_config.model import DiscoveryRoleConfig, OnboardingConfig, OrganizationConfig
from onboarding_constructs import (
    AUDIT_ROLE_NAME,
    DISCOVERY_ROLE_NAME,
    DiscoveryRole,
    OnboardingAuditRole,
)

from .account_onboarding_stack import DESCRIPTION, AccountOnboardingStack, AccountTargets
from .stack_set_template import StackSetTemplateSynthesizer

#: The member template's parameter that names the administrator account (the audit role's only trusted
#: account); the StackSet sets it to the account it lives in.
ADMINISTRATOR_ACCOUNT_PARAMETER = "AdministratorAccountId"
#: The condition that holds in each account's home region (``organization.regions[0]``) only.
HOME_REGION_CONDITION = "IsHomeRegion"
#: The description of the output that names the audit role.
AUDIT_ROLE_OUTPUT = "Role the onboarding checks (make doctor, make verify) assume from the administrator account"


class MemberOnboardingStack(AccountOnboardingStack):
    """Everything ``AccountOnboardingStack`` creates, as the template a StackSet deploys to every member
    account and region.

    The template is the same for every account and region: no parameter names a subnet, VPC, cluster or
    role of one account. Flow logs cover every VPC of each account and region (``EstateCoverage``, VPCs
    tagged ``flow_logs.exclude_tag`` left out), and EKS clusters are opened by their owners' tag (or all of
    them), so the accounts' owners decide per resource with tags. The only parameter, with the audit role,
    is ``AdministratorAccountId``: the StackSet sets it to its own account.

    Account-wide resources are made once per account, in its home region (the first of
    ``organization.regions``, condition ``IsHomeRegion``), under names that never collide across the
    regions of one account:

    - the discovery role (a ``discovery_role`` section), named ``<iam.role_name_prefix>airs-discovery``;
      every region's access entries and its ``DiscoveryRoleArn`` output name it by the ARN
      ``arn:<partition>:iam::<account>:role/<prefix>airs-discovery``, and it reads the flow logs of every
      region's bucket;
    - the read-only audit role (``organization.audit_role``), ``<prefix>airs-onboarding-audit``, that the
      onboarding checks assume from the administrator account;
    - a created trail (multi-region).

    Roles made in every region (the coverage function's, the EKS handler's, the Bedrock EC2 role) get
    region-qualified names (``iam.role_name_prefix``) or names CloudFormation generates per stack; instance
    profiles are never named.
    """

    def __init__(self, parent: Stack, construct_id: str, *, config: OnboardingConfig, **kwargs: Any) -> None:
        organization = config.organization
        if organization is None:
            raise ValueError("MemberOnboardingStack needs a config with an organization section")
        _refuse_per_account_values(config)
        self.stack_set_synthesizer = StackSetTemplateSynthesizer(parent)
        self._home_region = organization.home_region
        self._role_name_prefix = config.iam.role_name_prefix or ""
        self._home_region_condition: CfnCondition | None = None
        super().__init__(
            parent,
            construct_id,
            config=config,
            synthesizer=self.stack_set_synthesizer,
            description=f"{DESCRIPTION} (StackSet member template)",
            **kwargs,
        )
        self.administrator_account_parameter: CfnParameter | None = None
        self._audit_role = self._audit_role_of(config, organization)
        self._account_wide_in_home_region()
        if self.administrator_account_parameter is not None:
            self.template_options.metadata = {
                "AWS::CloudFormation::Interface": {
                    "ParameterGroups": [
                        {
                            "Label": {"default": "Onboarding checks"},
                            "Parameters": [self.administrator_account_parameter.logical_id],
                        }
                    ]
                }
            }

    @property
    def discovery_role_arn(self) -> str | None:
        """The discovery role's ARN in every region of an account: the role the home region creates
        (``<prefix>airs-discovery``), else ``eks.discovery_role_arn``; None without either."""
        if self.discovery_role is not None:
            return self._role_arn(DISCOVERY_ROLE_NAME)
        return self._configured_discovery_role_arn

    @property
    def audit_role(self) -> OnboardingAuditRole | None:
        """The read-only audit role (``organization.audit_role``), made in the home region; None without it."""
        return self._audit_role

    @property
    def audit_role_arn(self) -> str | None:
        """The audit role's ARN, the same in every region of an account; None without the role."""
        return self._role_arn(AUDIT_ROLE_NAME) if self._audit_role is not None else None

    def stack_set_parameters(self, administrator_account: str) -> dict[str, str]:
        """The values the StackSet gives every stack instance: the administrator account, for the audit role."""
        if self.administrator_account_parameter is None:
            return {}
        name = self.resolve(self.administrator_account_parameter.logical_id)
        assert isinstance(name, str)
        return {name: administrator_account}

    def _role_arn(self, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account}:role/{self._role_name_prefix}{name}"

    def _in_home_region(self) -> CfnCondition:
        if self._home_region_condition is None:
            self._home_region_condition = CfnCondition(
                self, HOME_REGION_CONDITION, expression=Fn.condition_equals(self.region, self._home_region)
            )
        return self._home_region_condition

    def _account_targets(self, config: OnboardingConfig) -> AccountTargets:
        """No listed subnet, VPC or cluster: the coverage runner finds each account's own."""
        self._configured_discovery_role_arn = config.eks.discovery_role_arn if config.eks else None
        return AccountTargets(
            subnet_ids=(), vpc_ids=(), clusters=(), discovery_role_arn=self._configured_discovery_role_arn
        )

    def _discovery_role_of(self, role: DiscoveryRoleConfig | None) -> DiscoveryRole | None:
        """One role per account, by a name the administrator and the vendor compute from the account id; it
        reads the flow logs of every region's bucket."""
        if role is None:
            return None
        return DiscoveryRole(
            self,
            "DiscoveryRole",
            trusted_principal_arn=role.trusted_principal_arn,
            external_id=role.external_id,
            allow_sensitive_reads=role.allow_sensitive_reads,
            role_name=f"{self._role_name_prefix}{DISCOVERY_ROLE_NAME}",
            read_account_flow_logs=True,
        )

    def _discovery_principal(self, targets: AccountTargets) -> str | None:
        """The home region refers to the role it creates, so its clusters are opened after the role exists;
        the other regions name it by ARN."""
        if self.discovery_role is None:
            return targets.discovery_role_arn
        home = self._in_home_region()
        # Both branches are the same ARN; the first makes the home region's coverage wait for the role.
        return Token.as_string(
            Fn.condition_if(home.logical_id, self.discovery_role.role_arn, self._role_arn(DISCOVERY_ROLE_NAME))
        )

    def _audit_role_of(self, config: OnboardingConfig, organization: OrganizationConfig) -> OnboardingAuditRole | None:
        if not organization.audit_role:
            return None
        external_id = organization.audit_external_id
        if external_id is None:  # the config refuses audit_role without it
            raise ValueError("organization.audit_role needs organization.audit_external_id")
        self.administrator_account_parameter = CfnParameter(
            self,
            ADMINISTRATOR_ACCOUNT_PARAMETER,
            type="String",
            allowed_pattern=r"^[0-9]{12}$",
            constraint_description="must be a 12-digit AWS account id",
            description="The account the StackSet is administered from: the only one that may assume the audit role"
            " (the StackSet sets it)",
            default=config.account,
        )
        coverage = self.estate_coverage
        prefix = self._role_name_prefix
        return OnboardingAuditRole(
            self,
            "OnboardingAuditRole",
            trusted_account_id=self.administrator_account_parameter.value_as_string,
            external_id=external_id,
            stack_names=[f"StackSet-{config.stack_name}-*"],
            report_parameter_names=[coverage.report_parameter_name] if coverage else [],
            role_names=[f"{prefix}*"] if prefix else ["*"],
            role_name=f"{prefix}{AUDIT_ROLE_NAME}",
        )

    def _account_wide_in_home_region(self) -> None:
        """The discovery role, the audit role and a created trail: in the home region only, with their outputs
        (an ARN computed from the name where every region needs it)."""
        if self.discovery_role is not None:
            _condition_all(self.discovery_role, self._in_home_region())
            output = self.node.find_child("DiscoveryRoleArn")
            assert isinstance(output, CfnOutput)
            output.value = self._role_arn(DISCOVERY_ROLE_NAME)
        if self._audit_role is not None:
            _condition_all(self._audit_role, self._in_home_region())
            CfnOutput(self, "AuditRoleArn", value=self._role_arn(AUDIT_ROLE_NAME), description=AUDIT_ROLE_OUTPUT)
        trail = self.audit_trail
        if trail is not None and trail.created:
            _condition_all(trail, self._in_home_region())
            output = self.node.find_child("BedrockAuditTrailArn")
            assert isinstance(output, CfnOutput)
            output.condition = self._in_home_region()


def _refuse_per_account_values(config: OnboardingConfig) -> None:
    """What the config refuses with an organization section, refused here too: one template goes to every
    account and region, so nothing in it may name one account's resources."""
    organization = config.organization
    problems = []
    if not config.flow_logs.all_vpcs:
        problems.append("flow_logs.coverage must be all-vpcs (subnet and VPC ids belong to one account and region)")
    if config.eks is not None and not config.eks.dynamic:
        problems.append("eks.coverage must be tagged or all (cluster names belong to one account and region)")
    if organization is not None and organization.account_overrides:
        problems.append("organization.account_overrides cannot be used (a StackSet gives one parameter set to an OU)")
    if problems:
        raise ValueError(f"MemberOnboardingStack: {'; '.join(problems)}")


def _condition_all(scope: IConstruct, condition: CfnCondition) -> None:
    for node in scope.node.find_all():
        if isinstance(node, CfnResource):
            node.cfn_options.condition = condition
