"""checkov (CloudFormation): zero failed checks; a skip only with a reason in the resource's metadata."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

# An external scanner in its own environment, seconds per run: the "slow" marker's definition.
pytestmark = pytest.mark.slow

CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"


def _scan(directory: Path) -> list[dict]:
    assert CHECKOV.exists(), f"{CHECKOV} is missing: run `make test`, which installs it"
    completed = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            "cloudformation",
            "--skip-download",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    report = json.loads(completed.stdout) if completed.stdout.strip() else []
    return report if isinstance(report, list) else [report]


def _checks(reports: list[dict], outcome: str) -> list[dict]:
    return [check for report in reports for check in report.get("results", {}).get(outcome, [])]


def test_no_failed_checks_and_every_skip_has_a_reason(template_dir: Path) -> None:
    reports = _scan(template_dir)
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in _checks(reports, "failed_checks")]
    assert failed == []
    assert sum(r["summary"]["passed"] for r in reports) > 0, "checkov passed nothing: did it scan the templates?"
    for skipped in _checks(reports, "skipped_checks"):
        assert len(skipped.get("check_result", {}).get("suppress_comment", "")) > 40, skipped["check_id"]


def test_checkov_fails_an_insecure_bucket(tmp_path: Path) -> None:
    """The gate itself works: a bare bucket fails checks."""
    (tmp_path / "insecure.template.json").write_text(
        json.dumps({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}}}})
    )
    failed = {c["check_id"] for c in _checks(_scan(tmp_path), "failed_checks")}
    assert "CKV_AWS_18" in failed  # access logging
