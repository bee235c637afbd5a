"""Stacks of the onboarding app. They only compose constructs from ``onboarding_constructs``."""

from .account_onboarding_stack import AccountOnboardingStack

__all__ = ["AccountOnboardingStack"]
