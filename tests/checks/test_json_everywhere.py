"""With --json, stdout is one JSON document on every path: the findings, or one failed finding (or
one per config problem) for what stopped the run, in the same shape. People read stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from onboarding_checks.aws import Timing
from onboarding_checks.cli import main
from tests.checks.conftest import Account, write_config
from tests.checks.silent_server import SilentServer

REPO_ROOT = Path(__file__).resolve().parents[2]
SUBNET = "subnet-0a1b2c3d"
KEYS = ["command", "account", "region", "summary", "results"]


def document(out: str) -> dict[str, Any]:
    parsed = json.loads(out)  # the whole of stdout
    assert list(parsed) == KEYS
    for result in parsed["results"]:
        assert set(result) == {"check", "target", "status", "detail", "fix"}
    return parsed


def failures(out: str) -> list[tuple[str, str, str, str]]:
    parsed = document(out)
    assert parsed["summary"] == {"pass": 0, "warn": 0, "fail": len(parsed["results"])}
    return [(r["check"], r["target"], r["detail"], r["fix"]) for r in parsed["results"]]


@pytest.mark.parametrize("command", ["doctor", "verify", "credentials"])
def test_a_missing_config(tmp_path: Path, capsys, command: str) -> None:
    missing = str(tmp_path / "missing.yaml")
    assert main([command, "--config", missing, "--json"]) == 2
    out, err = capsys.readouterr()
    assert document(out)["command"] == command
    assert failures(out) == [
        (
            "config",
            missing,
            "file not found (pass an existing file: make <target> CONFIG=path/to/file.yaml)",
            f"pass a readable config file with --config (got {missing})",
        ),
    ]
    assert err.startswith(f"{missing}: 1 problem; nothing was checked.")


def test_every_config_problem_is_a_finding(tmp_path: Path, capsys) -> None:
    path = write_config(tmp_path, {"flow_logs": {"subnet_ids": ["subnet-12"]}, "stack_nme": "x"})
    assert main(["doctor", "--config", path, "--json"]) == 2
    out, err = capsys.readouterr()
    found = failures(out)
    assert len(found) == 2 == err.count("\n  - ")
    assert {(check, target) for check, target, _, _ in found} == {("config", path)}
    assert any(
        detail.startswith("flow_logs.subnet_ids[0]: ") and fix == f"correct flow_logs.subnet_ids[0] in {path}"
        for _, _, detail, fix in found
    )
    assert any(detail.startswith("stack_nme: ") for _, _, detail, _ in found)


@pytest.mark.parametrize("command", ["doctor", "verify"])
def test_an_organization_config_outside_an_organization(account: Account, capsys, command: str) -> None:
    # The credentials' account belongs to no organization: its accounts cannot be listed, nothing is checked.
    config = {
        "flow_logs": {"coverage": "all-vpcs"},
        "discovery_role": {"trusted_principal_arn": "arn:aws:iam::999999999999:role/d", "external_id": "airs-test-ext"},
        "organization": {"organizational_units": ["ou-abcd-12345678"], "regions": ["us-east-1"]},
    }
    assert account.run(command, config, "--json") == 2
    out, _ = capsys.readouterr()
    parsed = json.loads(out)  # the whole of stdout
    assert list(parsed) == ["command", "organization", "summary", "rows_by_status", "administrator", "rows"]
    assert (parsed["command"], parsed["rows"]) == (command, [])
    stopped = parsed["administrator"]["results"][-1]
    assert (stopped["check"], stopped["target"], stopped["status"]) == ("target accounts", "organization", "fail")
    assert stopped["detail"].startswith(
        "the organization's accounts cannot be listed: An error occurred (AWSOrganizationsNotInUseException)"
    )
    assert stopped["fix"] == "run it from the management account or a delegated administrator of the organization"


def test_an_unknown_profile(no_aws_env: None, tmp_path: Path, capsys) -> None:
    assert (
        main(
            [
                "doctor",
                "--config",
                write_config(tmp_path, {"flow_logs": {"subnet_ids": [SUBNET]}}),
                "--profile",
                "nope",
                "--json",
            ]
        )
        == 2
    )
    [(check, target, detail, _)] = failures(capsys.readouterr().out)
    assert (check, target, detail) == ("credentials", "profile nope", "The config profile (nope) could not be found")


def test_no_credentials(no_aws_env: None, tmp_path: Path, capsys) -> None:
    assert main(["verify", "--config", write_config(tmp_path, {"flow_logs": {"subnet_ids": [SUBNET]}}), "--json"]) == 2
    [(check, _, detail, _)] = failures(capsys.readouterr().out)
    assert (check, detail) == ("credentials", "no AWS credentials found")


def test_aws_does_not_answer(silent_sts: SilentServer, tmp_path: Path, capsys) -> None:
    fast = Timing(connect_timeout=0.5, read_timeout=0.4, no_answer_attempts=2, no_answer_budget=2)
    assert (
        main(
            ["doctor", "--config", write_config(tmp_path, {"flow_logs": {"subnet_ids": [SUBNET]}}), "--json"],
            timing=fast,
        )
        == 2
    )
    [(check, _, detail, _)] = failures(capsys.readouterr().out)
    assert (check, detail) == ("credentials", f"cannot reach AWS (127.0.0.1:{silent_sts.port}) within 2 s")


@pytest.mark.parametrize(
    ("argv", "detail"),
    [
        (["doctor", "--bogus", "--json"], "unrecognized arguments: --bogus"),
        (["--json"], "the following arguments are required: command"),
        (
            ["deploy", "--json"],
            "argument command: invalid choice: 'deploy' (choose from 'doctor', 'verify', 'credentials')",
        ),
    ],
    ids=["unknown-option", "no-command", "unknown-command"],
)
def test_a_usage_error(capsys, argv: list[str], detail: str) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert document(out)["command"] == ("doctor" if "doctor" in argv else None)
    assert failures(out) == [("command line", " ".join(argv), detail, "see python -m onboarding_checks --help")]
    assert err.startswith(
        "usage: python -m onboarding_checks {doctor,verify,credentials} [--config FILE] [--profile NAME] [--json]\n"
    )
    assert err.endswith(f"python -m onboarding_checks: error: {detail}\n")


def test_a_usage_error_without_json_is_argparse_s(capsys) -> None:
    assert main(["doctor", "--bogus"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("python -m onboarding_checks: error: unrecognized arguments: --bogus\n")


def test_a_usage_error_through_the_module_entry() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "onboarding_checks", "doctor", "--confg", "x.yaml", "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2
    assert failures(process.stdout)[0][2] == "unrecognized arguments: --confg x.yaml"
