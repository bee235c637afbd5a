"""Estate coverage at scale: calls per run for 1000 VPCs, paging, retries, the report's size, the time budget."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator

import pytest

from tests.handlers.coverage_harness import (
    EXCLUDE_TAG,
    LIMIT_MESSAGE,
    LOG_FORMAT_V2,
    OWNER,
    REPORT_PARAMETER,
    AwsRules,
    Harness,
    coverage_harness,
)

TIME_RAN_OUT = "not attempted: the run's time budget ran out; the next run continues"
CUT_NOTE = (
    "the report is limited to 8 KB: covered VPCs and opened or untagged clusters are left out (omitted_vpcs and"
    " omitted_clusters count every one left out); the counts are complete"
)


@pytest.fixture
def aws() -> Iterator[Harness]:
    with coverage_harness() as harness:
        yield harness


def test_1000_vpcs_take_4_creates_at_first_and_3_reads_and_no_write_in_steady_state(aws: Harness) -> None:
    aws.add_vpcs(999)  # and the default VPC
    vpcs = len(aws.vpc_ids())
    assert vpcs == 1000
    answer = aws.cfn("Create")
    assert answer["Data"] == {
        "Vpcs": "1000",
        "Covered": "0",
        "Created": "1000",
        "Removed": "0",
        "Excluded": "0",
        "Failed": "0",
    }
    assert aws.counts() == {
        "GetParameter": 2,  # the report, and again under the lease
        "GetParametersByPath": 1,  # cluster records left by cluster coverage switched off (none)
        "DescribeVpcs": 1,
        "DescribeFlowLogs": 3,  # the estate, again under the lease, and the new flow logs' ids
        "PutParameter": 2,  # the lease and the report
        "CreateFlowLogs": math.ceil(vpcs / 300),
        "DeleteParameter": 1,  # the lease
    }
    assert [len(p["ResourceIds"]) for p in aws.of("CreateFlowLogs")] == [300, 300, 300, 100]
    assert len({p["ClientToken"] for p in aws.of("CreateFlowLogs")}) == 4
    assert sorted(f["ResourceId"] for f in aws.ours()) == aws.vpc_ids()

    aws.reset_calls()
    result = aws.sweep()
    assert result["report"] == "unchanged" and result["counts"]["Covered"] == 1000
    assert aws.writes() == {}
    assert aws.reads() == {"GetParameter": 1, "DescribeVpcs": 1, "DescribeFlowLogs": 1}
    assert sum(aws.reads().values()) <= 2 * math.ceil(vpcs / 1000) + 2


def test_pages_are_followed_to_the_end() -> None:
    with coverage_harness(rules=AwsRules(page_limit=7)) as aws:
        aws.add_vpcs(19)
        aws.cfn("Create")
        assert len(aws.ours()) == 20
        aws.reset_calls()
        aws.sweep()
        assert aws.reads() == {"GetParameter": 1, "DescribeVpcs": 3, "DescribeFlowLogs": 3}
        assert aws.writes() == {}
        pages = aws.of("DescribeVpcs")
        assert pages[0] == {"MaxResults": 1000}
        assert [sorted(p) for p in pages[1:]] == [["MaxResults", "NextToken"]] * 2


def test_throttling_and_server_errors_are_retried_with_backoff(aws: Harness) -> None:
    aws.add_vpcs(2)
    aws.fail("DescribeVpcs", "RequestLimitExceeded", status=503, times=2)
    aws.fail("CreateFlowLogs", "InternalError", status=500, times=1, executed=True)  # done, but the answer is lost
    aws.fail("PutParameter", "ThrottlingException", times=1)
    answer = aws.cfn("Create")
    assert answer["Status"] == "SUCCESS" and answer["Data"]["Created"] == "3" and answer["Data"]["Failed"] == "0"
    assert aws.attempts["DescribeVpcs"] == 3 and aws.counts()["DescribeVpcs"] == 1
    assert aws.attempts["CreateFlowLogs"] == 2 and aws.counts()["CreateFlowLogs"] == 1
    assert aws.attempts["PutParameter"] == 3 and aws.counts()["PutParameter"] == 2
    assert len(aws.clock.sleeps) == 4 and all(0 <= s <= 20 for s in aws.clock.sleeps)
    assert sorted(f["ResourceId"] for f in aws.ours()) == aws.vpc_ids()  # no flow log twice


def test_a_report_over_4_kb_is_an_advanced_parameter_and_stays_one(
    aws: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    vpcs = aws.add_vpcs(59)
    aws.cfn("Create")
    assert 4096 < len(aws.parameter(REPORT_PARAMETER) or "") <= 8192
    assert aws.report_tier() == "Advanced"
    for vpc in vpcs[:40]:
        aws.delete_vpc(vpc)
    with caplog.at_level(logging.INFO):
        aws.sweep()
    assert len(aws.parameter(REPORT_PARAMETER) or "") <= 4096 and aws.report()["counts"]["Vpcs"] == 20
    assert aws.report_tier() == "Advanced"  # Parameter Store cannot make it standard again
    assert f"report {REPORT_PARAMETER} stays an advanced parameter (ValidationException)" in [
        r.getMessage() for r in caplog.records
    ]


def test_a_report_over_8_kb_keeps_the_counts_and_the_vpcs_not_covered(aws: Harness) -> None:
    aws.add_vpcs(115)
    excluded = sorted(aws.add_vpc(dict([EXCLUDE_TAG])) for _ in range(4))
    aws.cfn("Create")
    text = aws.parameter(REPORT_PARAMETER) or ""
    assert len(text) <= 4096 and aws.report_tier() == "Standard"
    assert json.loads(text) == {
        "owner": OWNER,
        "generated_at": "2023-11-14T22:13:20Z",
        "trigger": "Create",
        "counts": {"Vpcs": 120, "Covered": 0, "Created": 116, "Removed": 0, "Excluded": 4, "Failed": 0},
        "vpcs": {vpc: {"state": "excluded"} for vpc in excluded},
        "omitted_vpcs": 116,
        "note": CUT_NOTE,
    }
    aws.reset_calls()
    aws.sweep()
    assert aws.writes() == {}  # the same coverage, though no longer created by this run


def test_a_report_that_cannot_keep_every_vpc_not_covered_keeps_the_failed_first(aws: Harness) -> None:
    full = aws.add_vpcs(120)
    aws.add_flow_logs_directly(full, owner=None, log_format=LOG_FORMAT_V2)
    aws.add_flow_logs_directly(full, owner=None, log_format=LOG_FORMAT_V2 + " ${vpc-id}")
    aws.add_vpc(dict([EXCLUDE_TAG]))
    aws.cfn("Create")
    text = aws.parameter(REPORT_PARAMETER) or ""
    report = json.loads(text)
    kept = report["vpcs"]
    assert report["counts"] == {"Vpcs": 122, "Covered": 0, "Created": 1, "Removed": 0, "Excluded": 1, "Failed": 120}
    assert all(
        entry == {"state": "failed", "reason": f"FlowLogsLimitExceeded: {LIMIT_MESSAGE}"} for entry in kept.values()
    )
    assert report["omitted_vpcs"] == 122 - len(kept) and report["note"] == CUT_NOTE
    assert len(text.encode()) <= 8192
    one_more = len(json.dumps({"vpc-0123456789abcdef0": next(iter(kept.values()))}, separators=(",", ":")))
    assert len(text.encode()) + one_more > 8192  # as many as fit
    assert aws.report_tier() == "Advanced"


def test_creation_stops_when_the_time_budget_runs_out(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    aws.add_vpcs(699)
    monkeypatch.setenv("TIME_BUDGET_SECONDS", "60")
    aws.when("CreateFlowLogs", lambda _params: aws.clock.advance(61))  # the first batch takes long
    answer = aws.cfn("Create")
    assert answer["Status"] == "SUCCESS"
    assert (answer["Data"]["Created"], answer["Data"]["Failed"]) == ("300", "400")
    assert aws.counts()["CreateFlowLogs"] == 1
    report = aws.report()  # over 8 KB whole: the VPCs not covered are kept
    assert list(report["vpcs"].values()) == [{"state": "failed", "reason": TIME_RAN_OUT}] * len(report["vpcs"])
    assert report["omitted_vpcs"] == 700 - len(report["vpcs"])
    # The next run continues.
    monkeypatch.delenv("TIME_BUDGET_SECONDS")
    aws.sweep()
    assert len(aws.ours()) == 700


def test_removal_stops_when_the_time_budget_runs_out(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    vpc = aws.add_vpc(dict([EXCLUDE_TAG]))
    (ours,) = aws.add_flow_logs_directly([vpc], owner=OWNER)
    aws.add_flow_logs_directly([aws.default_vpc()], owner=OWNER)
    monkeypatch.setenv("TIME_BUDGET_SECONDS", "10")
    aws.when("PutParameter", lambda _params: aws.clock.advance(11))  # waited long for the lease
    aws.cfn("Create")
    assert aws.report()["vpcs"][vpc] == {
        "state": "failed",
        "reason": f"excluded by tag, but our flow log could not be removed: {ours}: {TIME_RAN_OUT}",
    }
    assert "DeleteFlowLogs" not in aws.counts()
