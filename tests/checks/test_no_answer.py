"""When AWS does not answer: the checks give up within the time budget and say why; throttling, an
answer, is still retried. No test leaves 127.0.0.1."""

from __future__ import annotations

import time

import boto3
import pytest

from onboarding_checks.aws import DEFAULT_TIMING, MAX_BACKOFF_BEFORE_RETRY, Aws, Timing, Unreachable
from onboarding_checks.results import Status
from onboarding_checks.rules import Context, Rule, Targets
from onboarding_checks.runner import run_checks
from tests.checks.conftest import Account
from tests.checks.silent_server import SilentServer

#: The budget, scaled down so a test waits about a second.
FAST = Timing(connect_timeout=0.5, read_timeout=0.4, no_answer_attempts=2, no_answer_budget=2)
FIX = "check your network, proxy (HTTPS_PROXY) or VPC endpoints"
SCHEDULING_SLACK = 0.5


def test_the_default_budget_gives_up_within_30_s() -> None:
    timing = DEFAULT_TIMING
    assert (timing.connect_timeout, timing.read_timeout, timing.no_answer_attempts, timing.no_answer_budget) == (
        4,
        10,
        2,
        30,
    )
    # Every attempt of a request that gets no answer waits at most connect + read timeout, with botocore's
    # backoff between attempts; the total stays within the budget, and the budget within 30 s.
    longest = timing.no_answer_attempts * (timing.connect_timeout + timing.read_timeout) + MAX_BACKOFF_BEFORE_RETRY
    assert timing.longest_silence() == longest <= timing.no_answer_budget <= 30


def test_clients_bound_each_wait_and_still_retry_throttling() -> None:
    client = Aws(boto3.Session(region_name="us-east-1"), "us-east-1").client("sts")
    config = client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (4, 10)
    assert config.retries == {"mode": "adaptive", "total_max_attempts": 11}


def test_a_silent_endpoint_is_given_up_on_within_the_budget(silent_sts: SilentServer) -> None:
    aws = Aws(boto3.Session(region_name="us-east-1"), "us-east-1", timing=FAST)
    aws.client("sts")  # made before the clock starts: loading botocore's models is not waiting on AWS
    started = time.monotonic()
    with pytest.raises(Unreachable) as raised:
        aws.call("sts", "get_caller_identity")
    waited = time.monotonic() - started
    assert str(raised.value) == f"cannot reach AWS (127.0.0.1:{silent_sts.port}) within 2 s: {FIX}"
    assert (raised.value.detail, raised.value.fix) == (
        f"cannot reach AWS (127.0.0.1:{silent_sts.port}) within 2 s",
        FIX,
    )
    assert len(silent_sts.connections) == FAST.no_answer_attempts
    # 0.5 s of slack for a busy 2-core machine (the test suite's other worker), not for the code.
    assert FAST.read_timeout * FAST.no_answer_attempts <= waited <= FAST.no_answer_budget + SCHEDULING_SLACK


def test_after_giving_up_no_call_waits_again(silent_sts: SilentServer) -> None:
    aws = Aws(boto3.Session(region_name="us-east-1"), "us-east-1", timing=FAST)
    with pytest.raises(Unreachable):
        aws.call("sts", "get_caller_identity")
    started = time.monotonic()
    with pytest.raises(Unreachable) as raised:
        aws.call("sts", "get_caller_identity")
    assert time.monotonic() - started < 0.2
    assert len(silent_sts.connections) == FAST.no_answer_attempts  # the second call never went out
    assert raised.value.detail == f"cannot reach AWS (127.0.0.1:{silent_sts.port}) within 2 s"


def test_throttling_is_an_answer_not_silence(account: Account) -> None:
    account.fake.add_cluster("prod-eks")
    account.fake.throttled["DescribeCluster"] = FAST.no_answer_attempts
    aws = Aws(account.session, account.region, timing=FAST)
    assert aws.call("eks", "describe_cluster", name="prod-eks")["cluster"]["name"] == "prod-eks"
    assert account.fake.calls == ["DescribeCluster"] * 3
    assert aws.gave_up is None


def test_the_run_stops_at_the_first_check_aws_does_not_answer() -> None:
    ran: list[str] = []

    def run(_context: Context, name: str) -> list:
        ran.append(name)
        if name == "b":
            raise Unreachable("eks.us-east-1.amazonaws.com", 30)
        return []

    clusters = Rule("EKS cluster", Targets("four clusters", lambda _context: ["a", "b", "c", "d"]), "the test", run)
    results = run_checks(None, [clusters])  # type: ignore[arg-type]
    assert ran == ["a", "b"]
    assert [(r.check, r.target, r.status, r.detail, r.fix) for r in results] == [
        (
            "EKS cluster",
            "b",
            Status.FAIL,
            "not checked: cannot reach AWS (eks.us-east-1.amazonaws.com) within 30 s",
            FIX,
        ),
        ("checks", "2 more", Status.FAIL, "not run: AWS stopped answering", f"{FIX}, then run again"),
    ]
