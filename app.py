#!/usr/bin/env python3
"""CDK app entry point: ``cdk synth --context config=path/to/file.yaml`` (default: config/example.yaml)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aws_cdk import App

from onboarding_app.assembly import add_compliance_checks, add_stacks
from onboarding_app.config_loader import DEFAULT_CONFIG, ConfigError, load_config
from onboarding_app.limits import LimitError, check_template_sizes
from onboarding_app.manifests import write_manifests
from stacks import AccountOnboardingStack


def builtin_validation() -> bool:
    """The CDK's built-in CloudFormation validation, off unless ``CDK_VALIDATION=true``.

    It costs about 0.7 s of every synth, and repeats what the test suite's gates check on every
    template shape this app can make (cfn-lint itself, with checkov and cdk-nag).
    """
    return os.environ.get("CDK_VALIDATION", "").lower() == "true"


def main(app: App | None = None) -> int:
    """Synthesize ``app`` (default: the App the CDK CLI configures through the environment)."""
    app = app or App(builtin_cloud_formation_validation=builtin_validation())
    config_path = app.node.try_get_context("config") or DEFAULT_CONFIG
    try:
        config = load_config(config_path)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    add_compliance_checks(app)
    try:
        stack = add_stacks(app, config)
    except LimitError as error:
        print(f"{config_path}: {error}\nNothing was synthesized.", file=sys.stderr)
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
