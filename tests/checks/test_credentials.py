"""``credentials``: the pre-flight of make deploy, diff and bootstrap. Only the credentials step of
doctor runs; organization configs are checked too (they deploy from one account)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from onboarding_checks.aws import Aws, Timing
from onboarding_checks.cli import main
from onboarding_config.loader import load_config
from tests.checks.conftest import Account, write_config
from tests.checks.fake_services import ACCOUNT, REGION, _xml_error
from tests.checks.silent_server import SilentServer

ARN = f"arn:aws:sts::{ACCOUNT}:user/moto"  # moto's caller
OTHER = "111111111111"
SUBNET = "subnet-0a1b2c3d"
ORGANIZATION = {"organizational_units": ["ou-abcd-12345678"], "regions": ["us-east-1"]}
FAST = Timing(connect_timeout=0.5, read_timeout=0.4, no_answer_attempts=2, no_answer_budget=2)
FIX = "check your network, proxy (HTTPS_PROXY) or VPC endpoints"


#: What a member template logs: every VPC (listed ids are per account and region, so an organization has none).
ORGANIZATION_KEYS = {
    "flow_logs": {"coverage": "all-vpcs"},
    "discovery_role": {"trusted_principal_arn": "arn:aws:iam::999999999999:role/d", "external_id": "airs-test-ext"},
}


def config(**keys: Any) -> dict[str, Any]:
    if "organization" in keys:
        return {**ORGANIZATION_KEYS, **keys}
    return {"flow_logs": {"subnet_ids": [SUBNET]}, **keys}


def credentials(
    account: Account, capsys: pytest.CaptureFixture[str], cfg: dict[str, Any], *extra: str
) -> tuple[int, str, str]:
    calls: list[str] = []
    account.session.events.register("before-call", lambda model, **_: calls.append(model.name))
    code = account.run("credentials", cfg, *extra)
    out, err = capsys.readouterr()
    assert calls in ([], ["GetCallerIdentity"])  # nothing but the credentials step
    assert account.fake.calls == []
    return code, out, err


# --- the credentials work -----------------------------------------------------------------------------


@pytest.mark.parametrize("keys", [{}, {"account": ACCOUNT}], ids=["no-account-in-config", "the-config's-account"])
def test_working_credentials_say_which_account(account: Account, capsys, keys: dict[str, Any]) -> None:
    code, out, err = credentials(account, capsys, config(**keys))
    assert code == 0
    assert out == ""
    assert err == f"credentials: account {ACCOUNT} (arn {ARN}), region {REGION}\n"


def test_working_credentials_as_json(account: Account, capsys) -> None:
    code, out, err = credentials(account, capsys, config(), "--json")
    assert code == 0
    assert json.loads(out) == {
        "command": "credentials",
        "account": ACCOUNT,
        "region": REGION,
        "summary": {"pass": 1, "warn": 0, "fail": 0},
        "results": [
            {"check": "credentials", "target": ARN, "status": "pass", "detail": f"account {ACCOUNT}", "fix": ""}
        ],
    }
    assert err == f"credentials: account {ACCOUNT} (arn {ARN}), region {REGION}\n"


@pytest.mark.parametrize(
    ("call_as", "role"), [("SELF", "the management account"), ("DELEGATED_ADMIN", "a delegated administrator")]
)
def test_an_organization_config_is_checked_for_the_account_it_deploys_from(
    account: Account, capsys, call_as: str, role: str
) -> None:
    code, _, err = credentials(account, capsys, config(organization={**ORGANIZATION, "call_as": call_as}))
    assert code == 0
    assert err == (
        f"credentials: account {ACCOUNT} (arn {ARN}), region {REGION}; the organization StackSet deploys from here,"
        f" so this must be {role} (call_as: {call_as})\n"
    )


def test_an_organization_config_names_its_account(account: Account, capsys) -> None:
    code, _, err = credentials(account, capsys, config(account=ACCOUNT, organization=ORGANIZATION))
    assert code == 0
    assert err == f"credentials: account {ACCOUNT} (arn {ARN}), region {REGION}\n"


# --- they do not --------------------------------------------------------------------------------------


def _only_result(out: str) -> tuple[str, str, str, str, str]:
    document = json.loads(out)
    assert (document["command"], document["account"], document["region"]) == ("credentials", None, REGION)
    [result] = document["results"]
    return result["check"], result["target"], result["status"], result["detail"], result["fix"]


@pytest.mark.parametrize("organization", [None, ORGANIZATION], ids=["account", "organization"])
def test_credentials_of_another_account_exit_2(account: Account, capsys, organization: dict[str, Any] | None) -> None:
    keys = {"account": OTHER, **({"organization": organization} if organization else {})}
    code, out, _ = credentials(account, capsys, config(**keys), "--json")
    assert code == 2
    assert _only_result(out) == (
        "credentials",
        ACCOUNT,
        "fail",
        f"these credentials are for account {ACCOUNT}, and the config is for {OTHER}",
        f"use credentials of {OTHER}, or correct account in the config",
    )


def test_refused_credentials_exit_2_with_doctors_table(account: Account, capsys) -> None:
    def refuse(request: Any, **_kwargs: Any) -> Any:
        return _xml_error(
            request.url, 403, "InvalidClientTokenId", "The security token included in the request is invalid."
        )

    account.session.events.register_first("before-send.sts", refuse)
    code, out, err = credentials(account, capsys, config())
    assert code == 2
    assert "credentials: account ?, us-east-1" in out
    assert (
        "AWS refused the credentials: InvalidClientTokenId" in out
        and "refresh them (aws sso login, or new keys)" in out
    )
    assert "1 failed" in out
    assert "credentials: account" not in err


def test_no_credentials_exit_2(no_aws_env: None, tmp_path: Path, capsys) -> None:
    assert main(["credentials", "--config", write_config(tmp_path, config()), "--json"]) == 2
    assert _only_result(capsys.readouterr().out) == (
        "credentials",
        "sts",
        "fail",
        "no AWS credentials found",
        "set AWS_PROFILE (or --profile), or log in with aws sso login",
    )


def test_an_unknown_profile_exits_2(no_aws_env: None, tmp_path: Path, capsys) -> None:
    assert main(["credentials", "--config", write_config(tmp_path, config()), "--profile", "nope", "--json"]) == 2
    out, err = capsys.readouterr()
    fix = "pass an existing profile with --profile, or none for the default credentials"
    assert _only_result(out) == (
        "credentials",
        "profile nope",
        "fail",
        "The config profile (nope) could not be found",
        fix,
    )
    assert err == f"The config profile (nope) could not be found: {fix}\n"


def test_a_config_mistake_exits_2_and_checks_nothing(account: Account, capsys) -> None:
    code, out, err = credentials(account, capsys, {"flow_logs": {"subnet_ids": ["subnet-12"]}})
    assert code == 2
    assert out == ""
    assert err.startswith(
        f"{account.tmp_path / 'config.yaml'}: 1 problem; nothing was checked.\n  - flow_logs.subnet_ids[0]: "
    )


# --- AWS does not answer ------------------------------------------------------------------------------


def test_no_answer_exits_2_within_the_budget_with_a_spinner_meanwhile(
    silent_sts: SilentServer, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # as on a terminal, so the spinner is drawn at all
    monkeypatch.setenv("TERM", "xterm-256color")
    started = time.monotonic()
    code = main(["credentials", "--config", write_config(tmp_path, config()), "--json"], timing=FAST)
    assert time.monotonic() - started < FAST.no_answer_budget + 0.5
    out, err = capsys.readouterr()
    assert code == 2
    assert _only_result(out) == (
        "credentials",
        "sts",
        "fail",
        f"cannot reach AWS (127.0.0.1:{silent_sts.port}) within 2 s",
        FIX,
    )
    assert "checking credentials ..." in err
    assert len(silent_sts.connections) == FAST.no_answer_attempts


def test_credentials_that_wait_on_the_network_are_given_up_on_within_the_budget(
    no_aws_env: None, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An SSO sign-in, say: the wait is in the credentials, outside the checks' clients and their timeouts.
    release = threading.Event()

    def hang(self: Aws, service: str, operation: str, **_params: object) -> dict:
        release.wait(10)
        raise ClientError({"Error": {"Code": "Late", "Message": "too late"}}, operation)

    monkeypatch.setattr(Aws, "call", hang)
    path = write_config(tmp_path, config())
    load_config(path)  # the first config load starts the CDK's Node.js: not part of the wait measured
    started = time.monotonic()
    try:
        code = main(["credentials", "--config", path, "--json"], timing=Timing(no_answer_budget=0.5))
    finally:
        release.set()
    assert time.monotonic() - started < 1.5
    assert code == 2
    assert _only_result(capsys.readouterr().out) == (
        "credentials",
        "sts",
        "fail",
        "cannot reach AWS (the sign-in of your AWS credentials) within 0.5 s",
        FIX,
    )
