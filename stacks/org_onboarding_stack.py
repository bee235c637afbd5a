"""``OrgOnboardingStack``: a service-managed StackSet that onboards the member accounts of AWS
Organizations OUs, deployed with ``cdk deploy`` in the management or delegated administrator account."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_cloudformation as cloudformation
from constructs import Construct

from onboarding_app.config import OnboardingConfig, OrganizationConfig

from .member_onboarding_stack import MemberOnboardingStack

DESCRIPTION = "Prisma AIRS (AI Runtime Security) discovery prerequisites for the member accounts of an organization (StackSet)"
#: Named roles need CAPABILITY_NAMED_IAM; service-managed StackSets refuse CAPABILITY_AUTO_EXPAND.
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM")
MANAGEMENT_ACCOUNT_NOTE = (
    "Service-managed StackSets never deploy to the organization's management account: onboard it with a config"
    " without an organization section (make deploy CONFIG=...) and that account's credentials."
)


class OrgOnboardingStack(Stack):
    """The StackSet, its member template (``member``, a child stack carried as a file asset) and
    one stack-instance group per account override.

    Targets are the config's OUs in its regions, narrowed by ``include_accounts`` or
    ``exclude_accounts``. Accounts with overrides get their own group with their parameter values
    (every other group leaves them out, so no account is targeted twice). Regions deploy in parallel.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: OnboardingConfig, **kwargs: Any) -> None:
        organization = config.organization
        if organization is None:
            raise ValueError("OrgOnboardingStack needs a config with an organization section")
        super().__init__(scope, construct_id, description=DESCRIPTION, **kwargs)
        self.member = MemberOnboardingStack(self, "MemberTemplate", config=config)

        self.stack_set = cloudformation.CfnStackSet(
            self,
            "StackSet",
            stack_set_name=config.stack_name,
            description=f"{DESCRIPTION}; administered by the stack {self.stack_name}",
            permission_model="SERVICE_MANAGED",
            call_as=organization.call_as,
            capabilities=list(CAPABILITIES),
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=organization.auto_deploy,
                # CloudFormation accepts this only with auto-deployment on.
                retain_stacks_on_account_removal=organization.retain_stacks_on_account_removal if organization.auto_deploy else None,
            ),
            # Lets StackSets run non-conflicting operations at once and queue the others.
            managed_execution={"Active": True},
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                region_concurrency_type="PARALLEL",
                max_concurrent_percentage=organization.max_concurrent_percentage,
                failure_tolerance_percentage=organization.failure_tolerance_percentage,
            ),
            stack_instances_group=self._instance_groups(organization),
            template_url=self.member.stack_set_synthesizer.template_url,
        )

        CfnOutput(self, "StackSetId", value=self.stack_set.attr_stack_set_id, description="The StackSet that onboards the member accounts")
        CfnOutput(self, "ManagementAccount", value="not onboarded by the StackSet", description=MANAGEMENT_ACCOUNT_NOTE)

    def _instance_groups(self, organization: OrganizationConfig) -> list[cloudformation.CfnStackSet.StackInstancesProperty]:
        overridden = list(organization.account_overrides)
        regions = list(organization.regions)
        units = list(organization.organizational_units)
        groups = []
        if organization.include_accounts:
            accounts = [a for a in organization.include_accounts if a not in overridden]
            shared = _targets(units, accounts, "INTERSECTION") if accounts else None
        elif organization.exclude_accounts or overridden:
            shared = _targets(units, [*organization.exclude_accounts, *overridden], "DIFFERENCE")
        else:
            shared = _targets(units, [], None)
        if shared is not None:
            groups.append(cloudformation.CfnStackSet.StackInstancesProperty(deployment_targets=shared, regions=regions))
        for account, override in organization.account_overrides.items():
            parameters = self.member.parameter_values(override)
            groups.append(
                cloudformation.CfnStackSet.StackInstancesProperty(
                    deployment_targets=_targets(units, [account], "INTERSECTION"),
                    regions=regions,
                    parameter_overrides=[
                        cloudformation.CfnStackSet.ParameterProperty(parameter_key=key, parameter_value=value)
                        for key, value in parameters.items()
                    ],
                )
            )
        return groups


def _targets(units: list[str], accounts: list[str], account_filter: str | None) -> cloudformation.CfnStackSet.DeploymentTargetsProperty:
    return cloudformation.CfnStackSet.DeploymentTargetsProperty(
        organizational_unit_ids=units,
        accounts=accounts or None,
        account_filter_type=account_filter,
    )
