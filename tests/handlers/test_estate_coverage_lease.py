"""Estate coverage: two runs at once never create the same flow log twice (the lease in SSM)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.handlers.coverage_harness import (
    LEASE_PARAMETER,
    OWNER,
    REPORT_PARAMETER,
    Harness,
    coverage_harness,
)

START = "2023-11-14T22:13:20Z"  # the virtual clock's start


@pytest.fixture
def aws() -> Iterator[Harness]:
    with coverage_harness() as harness:
        harness.cfn("Create")  # the report exists: sweeps act
        harness.reset_calls()
        yield harness


def hold_lease(aws: Harness, *, holder: str = "invocation-other", trigger: str = "schedule", age: float = 0) -> str:
    value = json.dumps({"holder": holder, "trigger": trigger, "taken_at": aws.clock.now() - age})
    aws.ssm.put_parameter(Name=LEASE_PARAMETER, Value=value, Type="String", Overwrite=True)
    return value


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "root"]


def one_flow_log_of_ours_per_vpc(aws: Harness) -> bool:
    vpcs = [f["ResourceId"] for f in aws.ours()]
    return sorted(vpcs) == aws.vpc_ids()


def test_a_run_that_finds_the_work_done_under_the_lease_creates_nothing(aws: Harness) -> None:
    aws.add_vpcs(3)
    inner: list[Any] = []
    # The outer sweep has planned (3 to create) and is about to take the lease: another sweep runs whole.
    aws.when("PutParameter", lambda _params: inner.append(aws.sweep()))
    outer = aws.sweep()
    assert inner[0]["done"] == "done" and inner[0]["counts"]["Created"] == 3 and inner[0]["report"] == "written"
    assert outer == {
        "trigger": "schedule",
        "done": "done",
        "report": "unchanged",
        "counts": {"Vpcs": 4, "Covered": 4, "Created": 0, "Removed": 0, "Excluded": 0, "Failed": 0},
    }
    assert aws.counts()["CreateFlowLogs"] == 1
    assert one_flow_log_of_ours_per_vpc(aws)
    assert aws.parameter(LEASE_PARAMETER) is None


def test_a_sweep_that_finds_the_lease_held_leaves_the_work_to_its_holder(
    aws: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    aws.add_vpcs(3)
    inner: list[Any] = []
    lease_values: list[Any] = []

    def second_sweep(_params: dict[str, Any]) -> None:
        lease_values.append(json.loads(aws.parameter(LEASE_PARAMETER) or "null"))
        before = len(aws.calls)
        inner.append(aws.sweep())
        inner.append([c.operation for c in aws.calls[before:]])

    aws.when("CreateFlowLogs", second_sweep)  # the outer sweep holds the lease
    with caplog.at_level(logging.INFO):
        outer = aws.sweep()
    assert lease_values == [{"holder": lease_values[0]["holder"], "trigger": "schedule", "taken_at": 1_700_000_000.0}]
    assert inner[0] == {
        "trigger": "schedule",
        "done": "left to the lease holder",
        "report": "unchanged",
        "counts": None,
    }
    assert inner[1] == [
        "GetParameter",
        "DescribeVpcs",
        "DescribeFlowLogs",
        *["PutParameter", "GetParameter"] * 4,  # asks, finds it held, waits: 3 waits, then leaves
    ]
    assert aws.clock.sleeps == [5, 5, 5]
    assert (
        f"coverage schedule: the lease {LEASE_PARAMETER} is held by {lease_values[0]['holder']} (schedule, since"
        f" {START}): left the changes to it (3 to create, 0 to remove)"
    ) in messages(caplog)
    assert "coverage schedule: nothing counted report=unchanged (left to the lease holder)" in messages(caplog)
    assert outer["counts"]["Created"] == 3
    assert aws.counts()["CreateFlowLogs"] == 1 and one_flow_log_of_ours_per_vpc(aws)


def test_create_waits_for_the_lease_and_plans_again_under_it(aws: Harness) -> None:
    done_by_holder, *others = aws.add_vpcs(3)
    hold_lease(aws)
    sleeps: list[float] = []

    def holder_finishes(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:  # the holder covers one VPC and gives the lease back
            aws.add_flow_logs_directly([done_by_holder], owner=OWNER)
            aws.ssm.delete_parameter(Name=LEASE_PARAMETER)

    aws.on_sleep = holder_finishes
    answer = aws.cfn("Update")
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Covered"] == "2" and answer["Data"]["Created"] == "2"
    assert [sorted(p["ResourceIds"]) for p in aws.of("CreateFlowLogs")] == [sorted(others)]
    assert sleeps == [5, 5]
    assert one_flow_log_of_ours_per_vpc(aws)


@pytest.mark.parametrize(
    ("lambda_timeout", "budget", "waited"),
    [(900.0, "60", 60), (100.0, None, 70), (100.0, "1000", 70)],
    ids=["budget", "remaining-less-30s", "budget-above-remaining"],
)
def test_create_and_update_fail_when_the_lease_stays_held_past_their_time_budget(
    aws: Harness, monkeypatch: pytest.MonkeyPatch, lambda_timeout: float, budget: str | None, waited: int
) -> None:
    aws.add_vpc()
    aws.lambda_timeout = lambda_timeout
    if budget:
        monkeypatch.setenv("TIME_BUDGET_SECONDS", budget)
    for request in ("Create", "Update"):
        since = datetime.fromtimestamp(aws.clock.now(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        hold_lease(aws)  # fresh for each request
        answer = aws.cfn(request)
        assert (answer["Status"], answer["Reason"]) == (
            "FAILED",
            f"Another run of this function holds the lease {LEASE_PARAMETER}: invocation-other (schedule, since"
            f" {since}). Waited {waited} s, as long as this request's time budget allows. Nothing was changed: retry"
            " the deployment (a lease older than 900 s is broken by the next run).",
        )
    assert "CreateFlowLogs" not in aws.counts()


def test_a_lease_older_than_lambdas_maximum_timeout_is_broken(aws: Harness, caplog: pytest.LogCaptureFixture) -> None:
    aws.add_vpc()
    hold_lease(aws, holder="invocation-dead", age=901)
    with caplog.at_level(logging.INFO):
        result = aws.sweep()
    assert result["counts"]["Created"] == 1
    assert (
        f"breaking the lease {LEASE_PARAMETER} held by invocation-dead (schedule, since 2023-11-14T21:58:19Z): older"
        " than any invocation"
    ) in messages(caplog)
    assert aws.parameter(LEASE_PARAMETER) is None


def test_a_lease_younger_than_that_is_respected(aws: Harness) -> None:
    aws.add_vpc()
    value = hold_lease(aws, age=880)  # 895 s old when the sweep stops asking, 15 s later
    assert aws.sweep()["done"] == "left to the lease holder"
    assert aws.parameter(LEASE_PARAMETER) == value
    assert "CreateFlowLogs" not in aws.counts()


def test_an_unreadable_lease_is_aged_by_its_last_change(aws: Harness, caplog: pytest.LogCaptureFixture) -> None:
    aws.add_vpc()
    aws.ssm.put_parameter(Name=LEASE_PARAMETER, Value="not json", Type="String")
    # moto dates the change in real time, after the virtual clock's 2023: a fresh lease.
    with caplog.at_level(logging.INFO):
        assert aws.sweep()["done"] == "left to the lease holder"
    (line,) = [m for m in messages(caplog) if "left the changes" in m]
    assert line.startswith(f"coverage schedule: the lease {LEASE_PARAMETER} is held by an unknown holder (unreadable")


def test_a_lease_given_back_between_asking_and_reading_is_asked_for_again(aws: Harness) -> None:
    aws.add_vpc()
    hold_lease(aws)
    aws.when("GetParameter", lambda _params: None)  # the report
    aws.when("GetParameter", lambda _params: aws.ssm.delete_parameter(Name=LEASE_PARAMETER))
    assert aws.sweep()["counts"]["Created"] == 1
    assert aws.clock.sleeps == []


def test_a_lease_that_keeps_coming_and_going_is_waited_for(aws: Harness, caplog: pytest.LogCaptureFixture) -> None:
    aws.add_vpc()
    for _ in range(12):
        aws.when("PutParameter", lambda _params: hold_lease(aws))
        aws.when("GetParameter", lambda params: _gone(aws, params))
    with caplog.at_level(logging.INFO):
        assert aws.sweep()["done"] == "left to the lease holder"
    assert aws.clock.sleeps == [5, 5, 5]
    assert any("is held by a run that keeps taking and giving it back (unknown, since" in m for m in messages(caplog))


def _gone(aws: Harness, params: dict[str, Any]) -> None:
    if params["Name"] == LEASE_PARAMETER:
        aws.ssm.delete_parameter(Name=LEASE_PARAMETER)


def test_a_sweep_stops_when_the_report_was_deleted_while_it_waited(
    aws: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    aws.add_vpc()
    hold_lease(aws, holder="request-delete", trigger="Delete")

    def delete_finishes(_seconds: float) -> None:
        aws.ssm.delete_parameter(Name=REPORT_PARAMETER)
        aws.ssm.delete_parameter(Name=LEASE_PARAMETER)
        aws.on_sleep = None

    aws.on_sleep = delete_finishes
    with caplog.at_level(logging.INFO):
        result = aws.sweep()
    assert result == {"trigger": "schedule", "done": "no report", "report": "unchanged", "counts": None}
    assert (
        f"coverage schedule: the coverage report {REPORT_PARAMETER} was deleted while this run waited (the custom"
        " resource was deleted); nothing to do"
    ) in messages(caplog)
    assert "CreateFlowLogs" not in aws.counts()
    assert aws.parameter(LEASE_PARAMETER) is None


def test_a_lease_that_cannot_be_taken_fails_the_run(aws: Harness) -> None:
    aws.add_vpc()
    aws.fail("PutParameter", "AccessDeniedException", times=None)
    denied = (
        "access denied: the function's role may not call ssm:PutParameter (injected AccessDeniedException). Check the"
        " role's policy and any SCP or permissions boundary. Nothing was changed."
    )
    with pytest.raises(aws.module.Failure) as raised:
        aws.sweep()
    assert str(raised.value) == denied
    answer = aws.cfn("Update")
    assert (answer["Status"], answer["Reason"]) == ("FAILED", denied)
    assert "CreateFlowLogs" not in aws.counts()


def test_a_lease_that_cannot_be_read_fails_the_run(aws: Harness) -> None:
    aws.add_vpc()
    hold_lease(aws)
    aws.fail("GetParameter", "AccessDeniedException", times=None, after=1)  # the report is read
    with pytest.raises(aws.module.Failure) as raised:
        aws.sweep()
    assert str(raised.value) == (
        "access denied: the function's role may not call ssm:GetParameter (injected AccessDeniedException). Check the"
        " role's policy and any SCP or permissions boundary. Nothing was changed."
    )


def test_a_stale_lease_that_cannot_be_broken_fails_the_run(aws: Harness) -> None:
    aws.add_vpc()
    hold_lease(aws, age=1000)
    aws.fail("DeleteParameter", "AccessDeniedException", times=None)
    with pytest.raises(aws.module.Failure) as raised:
        aws.sweep()
    assert str(raised.value) == (
        "access denied: the function's role may not call ssm:DeleteParameter (injected AccessDeniedException). Check"
        " the role's policy and any SCP or permissions boundary. Nothing was changed."
    )


def test_a_lease_that_cannot_be_given_back_is_left_to_age(aws: Harness, caplog: pytest.LogCaptureFixture) -> None:
    aws.add_vpc()
    aws.fail("DeleteParameter", "InternalServerError", status=500, times=None)
    with caplog.at_level(logging.INFO):
        result = aws.sweep()
    assert result["counts"]["Created"] == 1
    assert (
        f"could not give back the lease {LEASE_PARAMETER} (An error occurred (InternalServerError) when calling the"
        " DeleteParameter operation (reached max retries: 8): injected InternalServerError); it is broken after"
        " 900 s"
    ) in messages(caplog)
    assert aws.parameter(LEASE_PARAMETER) is not None
