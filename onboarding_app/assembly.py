"""Turning a validated config into stacks inside a CDK ``App``, with the compliance checks on."""

from __future__ import annotations

from aws_cdk import App, BootstraplessSynthesizer, Environment, IReusableStackSynthesizer, Tags, Validations
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks

from onboarding_config.model import OnboardingConfig
from stacks import AccountOnboardingStack, OrgOnboardingStack
from stacks.account_onboarding_stack import DESCRIPTION
from stacks.flow_log_shards import FlowLogShardStack, add_shard_stacks

from .limits import check_resource_counts


def default_synthesizer(*, standalone_template: bool) -> IReusableStackSynthesizer | None:
    """The App's default stack synthesizer: the CDK's own (None), or for ``make template``
    ``BootstraplessSynthesizer``, whose templates need no CDK bootstrap (no ``BootstrapVersion``
    parameter or rule) and which refuses assets, so the templates deploy from the console."""
    return BootstraplessSynthesizer() if standalone_template else None


def add_compliance_checks(app: App) -> None:
    """cdk-nag packs run on every synth; an unacknowledged finding fails it."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), NIST80053R5Checks(app))


def add_stacks(app: App, config: OnboardingConfig) -> AccountOnboardingStack | OrgOnboardingStack:
    """The account stack, or with an organization section the StackSet stack (which carries the
    member template)."""
    stack_type = OrgOnboardingStack if config.organization else AccountOnboardingStack
    # account None: the CDK CLI fills it in from the credentials at deploy; synth needs none.
    env = Environment(account=config.account, region=config.region)
    stack = stack_type(app, config.stack_name, config=config, env=env)
    shards: list[FlowLogShardStack] = []
    if isinstance(stack, AccountOnboardingStack) and stack.sharded_flow_logs is not None:
        shards = add_shard_stacks(app, config.stack_name, stack.sharded_flow_logs, env=env, description=DESCRIPTION)
    for tagged in (stack, *shards):
        for key, value in config.tags.items():
            Tags.of(tagged).add(key, value)
    check_resource_counts(app)
    return stack
