"""``OrgOnboardingStack``: a service-managed StackSet that onboards the member accounts of AWS
Organizations OUs, deployed with ``cdk deploy`` in the management or delegated administrator account."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from onboarding_config.model import OnboardingConfig
from onboarding_config.output_groups import MANAGEMENT_ACCOUNT_NOTE
from onboarding_constructs import ConcurrencyMode, ServiceManagedStackSet

from .member_onboarding_stack import MemberOnboardingStack

DESCRIPTION = (
    "Prisma AIRS (AI Runtime Security) discovery prerequisites for the member accounts of an organization (StackSet)"
)


class OrgOnboardingStack(Stack):
    """The StackSet (``stack_set``) and its member template (``member``, a child stack carried as a
    file asset).

    One target set: the config's OUs in all its regions, narrowed by ``include_accounts`` or
    ``exclude_accounts``, one instance group with one parameter set (``ServiceManagedStackSet``): every
    account gets the same template and values. With the audit role, the StackSet gives every stack
    instance this stack's account as the administrator account.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: OnboardingConfig, **kwargs: Any) -> None:
        organization = config.organization
        if organization is None:
            raise ValueError("OrgOnboardingStack needs a config with an organization section")
        super().__init__(scope, construct_id, description=DESCRIPTION, **kwargs)
        self.member = MemberOnboardingStack(self, "MemberTemplate", config=config)

        self.stack_set = ServiceManagedStackSet(
            self,
            "StackSet",
            template_url=self.member.stack_set_synthesizer.template_url,
            stack_set_name=config.stack_name,
            description=f"{DESCRIPTION}; administered by the stack {self.stack_name}",
            organizational_units=organization.organizational_units,
            regions=organization.regions,
            include_accounts=organization.include_accounts,
            exclude_accounts=organization.exclude_accounts,
            parameters=self.member.stack_set_parameters(self.account),
            call_as=organization.call_as,
            auto_deploy=organization.auto_deploy,
            retain_stacks_on_account_removal=organization.retain_stacks_on_account_removal,
            max_concurrent_percentage=organization.max_concurrent_percentage,
            failure_tolerance_percentage=organization.failure_tolerance_percentage,
            concurrency_mode=ConcurrencyMode(organization.concurrency_mode),
        )

        CfnOutput(
            self,
            "StackSetId",
            value=self.stack_set.stack_set_id,
            description="The StackSet that onboards the member accounts",
        )
        CfnOutput(self, "ManagementAccount", value="not onboarded by the StackSet", description=MANAGEMENT_ACCOUNT_NOTE)
