"""The findings as a table and as JSON, the exit code, and what goes to stdout and stderr."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from onboarding_checks import render
from onboarding_checks.cli import main
from onboarding_checks.results import Result, Status, exit_code, failed, passed, warned
from tests.checks.conftest import Account

REPO_ROOT = Path(__file__).resolve().parents[2]
MISSING_SUBNET = "subnet-0a1b2c3d4e5f60718"
DISCOVERY_ROLE = "arn:aws:iam::123456789012:role/airs-discovery"


@pytest.fixture
def doctor_config(account: Account) -> dict[str, Any]:
    """A doctor run with 4 passes, 1 warning (CONFIG_MAP) and 1 failure (a subnet that does not exist)."""
    ec2 = account.session.client("ec2", region_name=account.region)
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    account.fake.add_cluster("prod-eks", auth_mode="CONFIG_MAP")
    return {
        "flow_logs": {"subnet_ids": [subnet_id, MISSING_SUBNET]},
        "eks": {"discovery_role_arn": DISCOVERY_ROLE, "clusters": [{"name": "prod-eks"}]},
    }


def _doctor_json(
    account: Account, config: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any], str]:
    code = account.run("doctor", config, "--json")
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


# --- JSON ---------------------------------------------------------------------------------------------


def test_json_document(account: Account, doctor_config: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code, document, _ = _doctor_json(account, doctor_config, capsys)
    assert code == 1
    assert list(document) == ["command", "account", "region", "summary", "results"]
    assert (document["command"], document["account"], document["region"]) == ("doctor", "123456789012", "us-east-1")
    assert document["summary"] == {"pass": 4, "warn": 1, "fail": 1}
    for result in document["results"]:
        assert set(result) == {"check", "target", "status", "detail", "fix"}
        assert result["status"] in {"pass", "warn", "fail"}
    assert [r["status"] for r in document["results"]].count("pass") == 4
    missing = [r for r in document["results"] if r["status"] == "fail"]
    assert [(r["check"], r["target"]) for r in missing] == [("flow log target", MISSING_SUBNET)]
    assert "correct the id in flow_logs.subnet_ids" in missing[0]["fix"]


def test_json_stdout_is_only_json_and_progress_goes_to_stderr(
    account: Account, doctor_config: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a terminal, so the progress display is drawn at all.
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    code, document, err = _doctor_json(account, doctor_config, capsys)  # json.loads of the whole of stdout
    assert code == 1
    assert document["summary"]["fail"] == 1
    assert "EKS cluster: prod-eks" in err and "3/3" in err  # the progress line (per check, not per finding), on stderr
    assert '"results"' not in err


def test_json_when_the_stack_is_missing(account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    code = account.run("verify", {"flow_logs": {"subnet_ids": [MISSING_SUBNET]}}, "--json")
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["command"] == "verify"
    assert document["summary"] == {"pass": 0, "warn": 0, "fail": 1}
    assert [r["check"] for r in document["results"]] == ["stack"]


# --- the table ----------------------------------------------------------------------------------------


def test_table(account: Account, doctor_config: dict[str, Any]) -> None:
    console = Console(record=True, width=200, file=io.StringIO())
    code = main(["doctor", "--config", account.config_file(doctor_config)], session=account.session, console=console)
    text = console.export_text()
    assert code == 1
    assert text.splitlines()[0].strip() == "doctor: account 123456789012, us-east-1"
    rows = [re.split(r"\s{2,}|\s*│\s*", line.strip(" │")) for line in text.splitlines()]
    assert sorted(row[0] for row in rows if row[0] in ("PASS", "WARN", "FAIL")) == [
        "FAIL",
        "PASS",
        "PASS",
        "PASS",
        "PASS",
        "WARN",
    ]
    lines = text.splitlines()
    at = next(i for i, row in enumerate(rows) if row[0] == "FAIL")
    assert rows[at][1:4] == ["flow log target", MISSING_SUBNET, "no such subnet in account 123456789012, us-east-1"]
    # The fix sits on the next line, under the finding.
    assert lines[at + 1].strip().startswith("fix: correct the id in flow_logs.subnet_ids")
    warning = next(row for row in rows if row[0] == "WARN")
    assert warning[1:3] == ["EKS authentication mode", "prod-eks"]
    assert warning[3].startswith("CONFIG_MAP")
    assert text.rstrip().splitlines()[-1] == "4 passed, 1 warnings, 1 failed"


def test_table_without_json_prints_no_json(
    account: Account, doctor_config: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    console = Console(record=True, width=200, file=io.StringIO())
    main(["doctor", "--config", account.config_file(doctor_config)], session=account.session, console=console)
    assert capsys.readouterr().out == ""  # everything went to the given console
    assert "{" not in console.export_text()


# --- render and results -------------------------------------------------------------------------------

MIXED = [
    passed("role", "arn:aws:iam::123456789012:role/a", "exists"),
    passed("role", "arn:aws:iam::123456789012:role/b", "exists"),
    warned("flow log objects", "bucket", "none yet", "verify again later"),
    failed("audit trail", "arn", "not logging", "start it"),
]


@pytest.mark.parametrize(
    ("results", "line"),
    [
        ([], "0 passed, 0 warnings, 0 failed"),
        (MIXED, "2 passed, 1 warnings, 1 failed"),
        (MIXED[:3], "2 passed, 1 warnings, 0 failed"),
    ],
)
def test_summary_line(results: list[Result], line: str) -> None:
    assert render.summary_line(results) == line


@pytest.mark.parametrize(("results", "code"), [([], 0), (MIXED[:2], 0), (MIXED[:3], 0), (MIXED, 1), (MIXED[3:], 1)])
def test_exit_code(results: list[Result], code: int) -> None:
    assert exit_code(results) == code


def test_result_to_dict() -> None:
    assert warned("flow log objects", "bucket", "none yet", "verify again later").to_dict() == {
        "check": "flow log objects",
        "target": "bucket",
        "status": "warn",
        "detail": "none yet",
        "fix": "verify again later",
    }
    assert passed("role", "arn", "exists").to_dict() == {
        "check": "role",
        "target": "arn",
        "status": "pass",
        "detail": "exists",
        "fix": "",
    }
    assert json.dumps(failed("c", "t", "d", "f").to_dict())  # plain JSON types, no Status enum left
    assert Result("c", "t", Status.FAIL, "d").to_dict()["status"] == "fail"


def test_as_json_counts_every_status() -> None:
    document = json.loads(render.as_json("verify", None, "eu-west-1", MIXED[:2]))
    assert document == {
        "command": "verify",
        "account": None,
        "region": "eu-west-1",
        "summary": {"pass": 2, "warn": 0, "fail": 0},
        "results": [r.to_dict() for r in MIXED[:2]],
    }


# --- the command line ---------------------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "onboarding_checks", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )


def test_help() -> None:
    process = _cli("--help")
    assert process.returncode == 0
    assert process.stderr == ""
    text = " ".join(process.stdout.split())  # as read, whatever the terminal's width
    assert text.startswith(
        "usage: python -m onboarding_checks {doctor,verify,credentials} [--config FILE] [--profile NAME] [--json]"
    )
    for command, when in [
        ("doctor", "before a deploy"),
        ("verify", "after a deploy"),
        ("credentials", "before make deploy, diff or bootstrap"),
    ]:
        assert f"{command} {when}: " in text
    for option in [
        "--config FILE the onboarding config (default: config/example.yaml)",
        "--profile NAME the AWS profile to use (default: the AWS credential chain: AWS_PROFILE, SSO, environment)",
        "--json print the findings as JSON on stdout (default: a table)",
    ]:
        assert option in text
    assert "exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 the checks could not run" in text
    for markup in ("[bold", "[/", "%(", "[green", "[red"):
        assert markup not in process.stdout


def test_help_names_the_default_config_the_commands_use() -> None:
    from onboarding_checks.cli import DEFAULT_CONFIG as IN_HELP
    from onboarding_config.loader import DEFAULT_CONFIG

    assert IN_HELP == DEFAULT_CONFIG


def test_help_starts_no_node() -> None:
    # The config model loads the CDK, whose jsii runtime starts Node.js: --help needs none of it.
    code = (
        "import sys\nfrom onboarding_checks.cli import main\nmain(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('jsii', 'aws_cdk', 'onboarding_app'))), file=sys.stderr)"
    )
    process = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert process.returncode == 0
    assert process.stderr == "[]\n"


def test_missing_config_exits_2_with_the_loader_message() -> None:
    process = _cli("doctor", "--config", "missing.yaml")
    assert process.returncode == 2
    assert "missing.yaml: 1 problem" in process.stderr
    assert "file not found" in process.stderr
    assert "Traceback" not in process.stderr
    assert process.stdout == ""
