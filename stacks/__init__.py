"""Stacks of the onboarding app. They only compose constructs from ``onboarding_constructs``."""

from .account_onboarding_stack import AccountOnboardingStack, AccountTargets
from .member_onboarding_stack import MemberOnboardingStack
from .org_onboarding_stack import OrgOnboardingStack
from .stack_set_template import StackSetTemplateSynthesizer

__all__ = [
    "AccountOnboardingStack",
    "AccountTargets",
    "MemberOnboardingStack",
    "OrgOnboardingStack",
    "StackSetTemplateSynthesizer",
]
