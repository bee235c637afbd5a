"""What the checks say when AWS does not answer as expected: each message, exactly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.parsers import ResponseParserError

from onboarding_checks import cli
from onboarding_checks.aws import Aws, MissingPermission, Unreachable
from onboarding_checks.results import Status
from onboarding_checks.rules import Rule, Targets
from onboarding_checks.runner import run_checks
from tests.checks.conftest import Account

ONE_CLUSTER = Targets("the test's cluster", lambda _context: ["prod-eks"])


def _raising(error: Exception) -> Rule[str]:
    def run(_context: object, _target: str):
        raise error
        yield  # a generator, like every rule

    return Rule("EKS cluster", ONE_CLUSTER, "what the test needs", run)


@pytest.mark.parametrize(
    ("error", "detail", "fix"),
    [
        (
            MissingPermission("eks:DescribeCluster"),
            "not checked: your credentials may not call eks:DescribeCluster",
            "allow eks:DescribeCluster to the identity running the check, or check this by hand",
        ),
        (
            ClientError({"Error": {"Code": "InternalFailure", "Message": "try later"}}, "DescribeCluster"),
            "not checked: AWS answered InternalFailure: try later",
            "retry; if it persists, check this by hand",
        ),
        (
            EndpointConnectionError(endpoint_url="https://eks.us-east-1.amazonaws.com"),
            'not checked: Could not connect to the endpoint URL: "https://eks.us-east-1.amazonaws.com"',
            "retry; if it persists, check this by hand",
        ),
        (
            ResponseParserError("Unable to parse response, invalid XML received"),
            "not checked: Unable to parse response, invalid XML received",
            "retry; if it persists, check this by hand",
        ),
    ],
    ids=["access-denied", "aws-error", "no-connection", "unparseable-answer"],
)
def test_a_check_that_aws_refuses_is_a_warning_not_a_crash(error: Exception, detail: str, fix: str) -> None:
    [result] = run_checks(None, [_raising(error)])  # type: ignore[arg-type]
    assert (result.check, result.target, result.status, result.detail, result.fix) == (
        "EKS cluster",
        "prod-eks",
        Status.WARN,
        detail,
        fix,
    )


def _json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out)


def test_an_unknown_profile_stops_with_exit_2(
    account: Account, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    config = account.config_file({"flow_logs": {"subnet_ids": ["subnet-0a1b2c3d"]}})
    assert cli.main(["doctor", "--config", config, "--profile", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        "The config profile (nope) could not be found: pass an existing profile with --profile, or none for the"
        " default credentials"
    )


@pytest.mark.parametrize(
    ("error", "detail", "fix"),
    [
        (
            ClientError({"Error": {"Code": "InvalidClientTokenId", "Message": "bad token"}}, "GetCallerIdentity"),
            "AWS refused the credentials: InvalidClientTokenId",
            "refresh them (aws sso login, or new keys)",
        ),
        (
            EndpointConnectionError(endpoint_url="https://sts.amazonaws.com"),
            'could not check the credentials: Could not connect to the endpoint URL: "https://sts.amazonaws.com"',
            "check your network and AWS configuration",
        ),
    ],
    ids=["refused", "unreachable"],
)
def test_credentials_that_do_not_work_stop_with_exit_2(
    account: Account,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    detail: str,
    fix: str,
) -> None:
    def refuse(self: Aws, service: str, operation: str, **_params: object) -> dict:
        raise error

    monkeypatch.setattr(Aws, "call", refuse)
    assert account.run("doctor", {"flow_logs": {"subnet_ids": ["subnet-0a1b2c3d"]}}, "--json") == 2
    [result] = _json(capsys)["results"]
    assert (result["check"], result["target"], result["status"], result["detail"], result["fix"]) == (
        "credentials",
        "sts",
        "fail",
        detail,
        fix,
    )


def test_verify_that_cannot_read_the_stack_fails_with_the_reason(
    account: Account, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def read(self: Aws, service: str, operation: str, **params: object) -> dict:
        if service == "cloudformation":
            raise EndpointConnectionError(endpoint_url="https://cloudformation.us-east-1.amazonaws.com")
        return original(self, service, operation, **params)

    original = Aws.call
    monkeypatch.setattr(Aws, "call", read)
    assert account.run("verify", {"flow_logs": {"subnet_ids": ["subnet-0a1b2c3d"]}}, "--json") == 1
    [result] = _json(capsys)["results"]
    assert result["detail"] == (
        'cannot read the stack: Could not connect to the endpoint URL: "https://cloudformation.us-east-1.amazonaws.com"'
    )
    assert result["fix"] == "retry; if it persists, check your network and AWS configuration"


def test_aws_clients_are_made_once_per_service_and_region(account: Account) -> None:
    aws = Aws(boto3.Session(region_name="us-east-1"), "us-east-1")
    assert aws.client("s3") is aws.client("s3") is aws.client("s3", "us-east-1")
    assert aws.client("s3", "eu-west-1") is not aws.client("s3")
    assert aws.client("s3", "eu-west-1").meta.region_name == "eu-west-1"


def test_config_path_in_messages_is_the_one_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.yaml"
    assert cli.main(["verify", "--config", str(missing)]) == 2
    assert capsys.readouterr().err.startswith(f"{missing}: 1 problem; nothing was checked.")


def _silent(service_down: str):
    """Aws.call as when ``service_down`` stops answering: the call gives up, and so would every later one."""
    original = Aws.call

    def call(self: Aws, service: str, operation: str, **params: object) -> dict:
        if service == service_down:
            self.gave_up = Unreachable(f"{service}.us-east-1.amazonaws.com", 30)
            raise self.gave_up
        return original(self, service, operation, **params)

    return call


def test_verify_that_gets_no_answer_for_the_stack_exits_2(
    account: Account, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Aws, "call", _silent("cloudformation"))
    assert account.run("verify", {"flow_logs": {"subnet_ids": ["subnet-0a1b2c3d"]}}, "--json") == 2
    [result] = _json(capsys)["results"]
    assert (result["check"], result["detail"], result["fix"]) == (
        "stack",
        "cannot read the stack: cannot reach AWS (cloudformation.us-east-1.amazonaws.com) within 30 s",
        "check your network, proxy (HTTPS_PROXY) or VPC endpoints",
    )


def test_doctor_that_loses_aws_midway_stops_and_exits_2(
    account: Account, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Aws, "call", _silent("eks"))
    config = {
        "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d"]},
        "eks": {
            "discovery_role_arn": "arn:aws:iam::123456789012:role/d",
            "clusters": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        },
    }
    assert account.run("doctor", config, "--json") == 2
    results = _json(capsys)["results"]
    assert [(r["check"], r["target"], r["status"]) for r in results[-2:]] == [
        ("EKS cluster", "a", "fail"),
        ("checks", "2 more", "fail"),
    ]
    assert account.fake.calls == []
