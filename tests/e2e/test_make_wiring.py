"""What the Makefile passes on: the config always reaches the CDK, extra flags and the profile go
through their own variables, the bundled example is announced and never deployed, and deploy,
diff and bootstrap check the credentials before the CDK starts.

The CDK CLI is replaced by ``record_cdk.py`` (``make ... CDK=...``), which records its arguments;
the credentials check is the real one, against moto (``moto_site/sitecustomize.py``) or against no
credentials at all.
"""

from __future__ import annotations

import itertools
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLE_CONFIG, REPO_ROOT

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent
MOTO_ACCOUNT = "123456789012"
EXAMPLE_NOTE = "No CONFIG given: using the bundled example config/example.yaml"


def without_credentials() -> dict[str, str]:
    env = {
        **os.environ,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for variable in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "CONFIG",
        "CDK_ARGS",
        "PROFILE",
        "PYTHON",
        "MAKEFLAGS",
        "MFLAGS",
        "MAKELEVEL",
    ):
        # MAKEFLAGS: variables given to an outer `make test` would reach these makes too.
        env.pop(variable, None)
    return env


def with_moto_profile(tmp_path: Path, profile: str = "prod") -> dict[str, str]:
    """Credentials of a named profile only (no default), answered by moto in every make subprocess."""
    aws_config = tmp_path / "aws-config"
    aws_config.write_text(
        f"[profile {profile}]\naws_access_key_id = testing\naws_secret_access_key = testing\nregion = us-east-1\n"
    )
    return {**without_credentials(), "AWS_CONFIG_FILE": str(aws_config), "PYTHONPATH": str(HERE / "moto_site")}


class Make:
    def __init__(self, tmp_path: Path) -> None:
        self.record = tmp_path / "cdk-calls.jsonl"
        self.cdk = f"{shlex.quote(sys.executable)} {shlex.quote(str(HERE / 'record_cdk.py'))}"

    def __call__(self, *args: str, env: dict[str, str], cdk_exit: int = 0) -> subprocess.CompletedProcess[str]:
        env = {**env, "RECORD_CDK_TO": str(self.record), "RECORD_CDK_EXIT": str(cdk_exit)}
        return subprocess.run(
            ["make", "--no-print-directory", *args, f"CDK={self.cdk}"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )

    def cdk_calls(self) -> list[list[str]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]


@pytest.fixture
def make(tmp_path: Path) -> Make:
    return Make(tmp_path)


@pytest.fixture
def my_config(tmp_path: Path) -> Path:
    """The example with the moto account, under another name and stack name."""
    data = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    data.update(account=MOTO_ACCOUNT, stack_name="MineOnboarding")
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def said(result: subprocess.CompletedProcess[str]) -> str:
    """Everything make printed, with the table's line wrapping undone."""
    return " ".join((result.stdout + result.stderr).split())


def context_configs(call: list[str]) -> list[str]:
    return [
        value for flag, value in itertools.pairwise(call) if flag in ("--context", "-c") and value.startswith("config=")
    ]


@pytest.mark.parametrize("cdk_args", ["--verbose", "--verbose --trace", "-v --profile other"])
def test_the_config_reaches_the_cdk_whatever_cdk_args_holds(make: Make, my_config: Path, cdk_args: str) -> None:
    result = make("synth", f"CONFIG={my_config}", f"CDK_ARGS={cdk_args}", env=without_credentials(), cdk_exit=3)
    [call] = make.cdk_calls()
    assert call[0] == "synth"
    assert context_configs(call) == [f"config={my_config}"]
    for flag in cdk_args.split():
        assert flag in call
    assert EXAMPLE_NOTE not in result.stderr


@pytest.mark.parametrize(
    "cdk_args", ["-c config=other.yaml", "--context config=other.yaml", "--context=config=other.yaml"]
)
def test_a_config_in_cdk_args_is_refused_with_the_fix(make: Make, cdk_args: str) -> None:
    result = make("synth", f"CDK_ARGS={cdk_args}", env=without_credentials())
    assert result.returncode != 0
    assert f"CDK_ARGS='{cdk_args}' names a config: pass it as CONFIG=path/to/file.yaml" in result.stderr
    assert make.cdk_calls() == []


def test_synth_without_config_says_it_uses_the_bundled_example(make: Make) -> None:
    result = make("synth", env=without_credentials(), cdk_exit=3)
    assert (
        f"{EXAMPLE_NOTE}, whose ids are placeholders. Name yours: make synth CONFIG=path/to/file.yaml" in result.stderr
    )
    [call] = make.cdk_calls()
    assert context_configs(call) == ["config=config/example.yaml"]


def test_config_from_the_environment_counts_as_named(make: Make, my_config: Path) -> None:
    result = make("synth", env={**without_credentials(), "CONFIG": str(my_config)}, cdk_exit=3)
    assert EXAMPLE_NOTE not in result.stderr
    assert context_configs(make.cdk_calls()[0]) == [f"config={my_config}"]


def test_deploy_refuses_the_bundled_example_unless_named(make: Make) -> None:
    result = make("deploy", env=without_credentials())
    assert result.returncode == 2
    assert (
        "make deploy: no CONFIG given; the bundled example's ids are placeholders, so nothing was started. Copy it"
        " (cp config/example.yaml config/mine.yaml), put in your values, then run: make deploy CONFIG=config/mine.yaml"
    ) in result.stderr
    assert make.cdk_calls() == []


@pytest.mark.parametrize("target", ["deploy", "diff", "bootstrap"])
def test_without_credentials_nothing_starts_and_the_message_says_what_to_do(
    make: Make, my_config: Path, target: str
) -> None:
    result = make(target, f"CONFIG={my_config}", env=without_credentials())
    assert result.returncode != 0
    assert "FAIL credentials sts no AWS credentials found" in said(result)
    assert "fix: set AWS_PROFILE (or --profile), or log in with aws sso login" in said(result)
    assert "Traceback" not in result.stderr
    assert make.cdk_calls() == []


def test_credentials_of_another_account_stop_deploy(make: Make, tmp_path: Path, my_config: Path) -> None:
    data = yaml.safe_load(my_config.read_text())
    data["account"] = "111111111111"
    my_config.write_text(yaml.safe_dump(data))
    result = make("deploy", f"CONFIG={my_config}", "PROFILE=prod", env=with_moto_profile(tmp_path))
    assert result.returncode != 0
    assert f"these credentials are for account {MOTO_ACCOUNT}, and the config is for 111111111111" in said(result)
    assert make.cdk_calls() == []


@pytest.mark.parametrize(
    ("target", "command"),
    [("deploy", ["deploy", "--all"]), ("diff", ["diff"]), ("bootstrap", ["bootstrap"])],
)
def test_with_the_right_credentials_the_profile_and_config_reach_the_cdk(
    make: Make, tmp_path: Path, my_config: Path, target: str, command: list[str]
) -> None:
    result = make(target, f"CONFIG={my_config}", "PROFILE=prod", env=with_moto_profile(tmp_path), cdk_exit=3)
    [call] = make.cdk_calls()
    assert call[: len(command)] == command, result.stderr
    assert "--all" not in call[len(command) :]  # the pinned CLI's diff has no --all; it diffs every stack by default
    assert call[call.index("--profile") + 1] == "prod"
    assert context_configs(call) == [f"config={my_config}"]


def test_aws_profile_from_the_environment_reaches_the_credentials_check(
    make: Make, tmp_path: Path, my_config: Path
) -> None:
    env = {**with_moto_profile(tmp_path, profile="team"), "AWS_PROFILE": "team"}
    make("deploy", f"CONFIG={my_config}", env=env, cdk_exit=3)
    [call] = make.cdk_calls()
    assert "--profile" not in call  # the CDK reads AWS_PROFILE itself
    assert call[:2] == ["deploy", "--all"]


def test_profile_reaches_doctor(make: Make, my_config: Path) -> None:
    result = make("doctor", f"CONFIG={my_config}", "PROFILE=no-such-profile", env=without_credentials())
    assert result.returncode == 2
    assert "no-such-profile" in said(result)
    assert "Traceback" not in result.stderr
