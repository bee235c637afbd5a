"""`make doctor` and `make verify` run the checks module with the config and CHECK_ARGS given."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def make(*args: str) -> subprocess.CompletedProcess[str]:
    # No credentials anywhere, and no instance metadata to look them up from.
    env = {
        **os.environ,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for variable in (
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "MAKEFLAGS",
        "MFLAGS",
        "MAKELEVEL",
    ):
        env.pop(variable, None)
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("target", ["doctor", "verify"])
def test_make_target_runs_the_organization_checks_and_stops_without_credentials(target: str) -> None:
    result = make(target, "CONFIG=config/organization.example.yaml")
    assert result.returncode != 0
    # The organization-wide checks start in the administrator account, with its credentials first.
    assert f"{target}: account ?, us-east-1" in result.stdout
    assert "no AWS credentials found" in result.stdout
    assert "Traceback" not in result.stderr


def test_make_doctor_without_credentials_says_so_as_json() -> None:
    result = make("doctor", "CONFIG=config/example.yaml", "CHECK_ARGS=--json")
    assert result.returncode != 0
    [finding] = json.loads(result.stdout)["results"]
    assert (finding["check"], finding["status"], finding["detail"]) == (
        "credentials",
        "fail",
        "no AWS credentials found",
    )
    assert "Traceback" not in result.stderr
