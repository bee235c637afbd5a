#!/usr/bin/env python3
"""CDK app entry point: ``cdk synth --context config=path/to/file.yaml`` (default: config/example.yaml).

``--context template=true`` synthesizes the stacks without CDK bootstrap resources (no
``BootstrapVersion`` parameter or rule, no assets), for ``make template``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from onboarding_app.node_runtime import use_own_node

use_own_node()  # before the CDK loads: `npx cdk` from outside the venv must not run jsii on another Node

from aws_cdk import App  # noqa: E402

from onboarding_app.assembly import add_compliance_checks, add_stacks, default_synthesizer  # noqa: E402
from onboarding_app.limits import LimitError, check_template_sizes  # noqa: E402
from onboarding_app.manifests import write_manifests  # noqa: E402
from onboarding_config.loader import DEFAULT_CONFIG, ConfigError, load_config  # noqa: E402
from onboarding_constructs import PropsError  # noqa: E402
from stacks import AccountOnboardingStack  # noqa: E402


def builtin_validation() -> bool:
    """The CDK's built-in CloudFormation validation, off unless ``CDK_VALIDATION=true``.

    It costs about 0.7 s of every synth, and repeats what the test suite's gates check on every
    template shape this app can make (cfn-lint itself, with checkov and cdk-nag).
    """
    return os.environ.get("CDK_VALIDATION", "").lower() == "true"


def standalone_template(app: App) -> bool:
    """``--context template=true``: templates deployable without CDK bootstrap (``make template``)."""
    return str(app.node.try_get_context("template")).lower() == "true"


def cli_app() -> App:
    """The App the CDK CLI configures through the environment, with the stack synthesizer of the
    mode asked for (``--context template=true``: no CDK bootstrap)."""
    probe = App()  # the CLI's context is only readable through an App, and the synthesizer is an App prop
    return App(
        builtin_cloud_formation_validation=builtin_validation(),
        default_stack_synthesizer=default_synthesizer(standalone_template=standalone_template(probe)),
    )


def props_report(config_path: str, error: PropsError) -> str:
    """A construct's refusal of what the config gave it, in the config report's shape: the file and the
    count, then one line per problem, each naming the construct (its path in the app) and the prop."""
    count = len(error.problems)
    header = (
        f"{config_path}: {count} problem{'s' if count != 1 else ''} found while building the stacks;"
        " nothing was synthesized or deployed."
    )
    return "\n".join([header, *(f"  - {error.path}: {problem}" for problem in error.problems)])


def main(app: App | None = None) -> int:
    """Synthesize ``app`` (default: ``cli_app()``)."""
    app = app or cli_app()
    config_path = app.node.try_get_context("config")
    if config_path is None:
        config_path = DEFAULT_CONFIG
        print(
            f"No config named (--context config=path/to/file.yaml): using the bundled example {DEFAULT_CONFIG}.",
            file=sys.stderr,
        )
    try:
        config = load_config(config_path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    if standalone_template(app) and config.organization is not None:
        print(
            f"{config_path}: make template writes the stacks of one account, and this config rolls out to an"
            " organization through a StackSet, whose member template `make synth` already writes without CDK bootstrap"
            f" (cdk.out/{config.stack_name}.MemberTemplate.template.json). Nothing was synthesized.",
            file=sys.stderr,
        )
        return 1
    add_compliance_checks(app)
    try:
        stack = add_stacks(app, config)
    except LimitError as error:
        print(f"{config_path}: {error}\nNothing was synthesized.", file=sys.stderr)
        return 1
    except PropsError as error:
        print(props_report(config_path, error), file=sys.stderr)
        return 1
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        # The CDK has already printed each finding and where to acknowledge it.
        print("cdk-nag findings above must be fixed or acknowledged; nothing was synthesized.", file=sys.stderr)
        return 1
    try:
        check_template_sizes(Path(app.outdir))
    except LimitError as error:
        print(f"{config_path}: {error}\nDo not deploy this cloud assembly.", file=sys.stderr)
        return 1
    if isinstance(stack, AccountOnboardingStack):  # an organization's member template has no pod roles
        write_manifests(stack, Path(app.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
