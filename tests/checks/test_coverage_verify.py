"""``verify`` with ``flow_logs.coverage: all-vpcs``: the coverage sweep's report in SSM Parameter Store
(moto), its age, a row for each VPC it lists, and the VPCs created since it was written."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from onboarding_checks.aws import Aws
from onboarding_checks.rules import Context
from onboarding_checks.verify import COVERAGE_REPORT, flow_log_coverage
from onboarding_config.loader import config_from_mapping
from onboarding_config.output_groups import WIZARD
from tests.checks.conftest import Account
from tests.checks.coverage_account import BUCKET, STACK, all_vpcs, findings, flow_log, no_default_vpc, vpc

TITLE = "flow log coverage"
REPORT = f"/airs-onboarding/coverage/{STACK}"
FRESH = datetime.timedelta(minutes=5, seconds=30)
NO_REPORT_FIX = "check the log group of the stack's coverage sweep function for its errors, or run make deploy"
BAD_REPORT_FIX = "run make deploy: the sweep writes its report after each run"
FAILED_FIX = (
    "fix the cause (at the 2 flow logs AWS allows: delete one, or tag the VPC airs-discovery=off to leave it out); the"
    " sweep tries again every 60 minutes"
)


def outputs(report: str | None = REPORT) -> dict[str, dict[str, str]]:
    """The stack's outputs, naming the report's parameter (None: a stack without that output)."""
    found = {"FlowLogBucketArn": {"OutputKey": "FlowLogBucketArn", "OutputValue": "arn:aws:s3:::airs-flow-logs"}}
    if report is not None:
        found["CoverageReport"] = {"OutputKey": "CoverageReport", "OutputValue": report}
    return found


def written(age: datetime.timedelta = FRESH) -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC) - age


def put_report(
    account: Account,
    vpcs: dict[str, dict[str, str]],
    *,
    at: datetime.datetime | None = None,
    trigger: str = "schedule",
    counts: dict[str, int] | None = None,
    name: str = REPORT,
) -> datetime.datetime:
    """The sweep's report, as it writes it; the time it says it was written."""
    at = at or written()
    report: dict[str, Any] = {"owner": STACK, "generated_at": at.isoformat(), "trigger": trigger, "vpcs": vpcs}
    if counts is not None:
        report["counts"] = counts
    put_text(account, json.dumps(report), name)
    return at


def put_text(account: Account, text: str, name: str = REPORT) -> None:
    account.client("ssm").put_parameter(Name=name, Value=text, Type="String", Overwrite=True)


def age_row(at: datetime.datetime, after: str = "schedule", counts: str = "", minutes: int = 5) -> tuple[str, ...]:
    detail = f"written {minutes} minutes ago ({at:%Y-%m-%d %H:%M} UTC, after {after})" + (
        f": {counts}" if counts else ""
    )
    return ("pass", REPORT, detail, "")


def test_a_row_for_the_report_then_each_vpc_problems_first(account: Account) -> None:
    no_default_vpc(account)
    covered, created, full = vpc(account, 1), vpc(account, 2), vpc(account, 3)
    excluded = vpc(account, 4, {"airs-discovery": "off"})
    counts = {"Vpcs": 4, "Covered": 1, "Created": 1, "Removed": 0, "Excluded": 1, "Failed": 1}
    at = put_report(
        account,
        {
            covered: {"state": "covered", "flow_log_id": "fl-0000000000000000a"},
            created: {"state": "created", "flow_log_id": "fl-0000000000000000b"},
            full: {"state": "failed", "reason": "has 2 flow logs (fl-1, fl-2), the most AWS allows"},
            excluded: {"state": "excluded", "reason": "tagged airs-discovery=off"},
        },
        counts=counts,
    )
    assert findings(account, all_vpcs(), flow_log_coverage, outputs()) == [
        age_row(at, counts="4 VPCs, 1 covered, 1 created, 0 removed, 1 excluded, 1 failed"),
        ("fail", full, "not covered: has 2 flow logs (fl-1, fl-2), the most AWS allows", FAILED_FIX),
        *sorted(
            [
                ("pass", covered, "covered: fl-0000000000000000a", ""),
                ("pass", created, "covered: fl-0000000000000000b, created by the sweep", ""),
                ("pass", excluded, "excluded by tag airs-discovery=off", ""),
            ],
            key=lambda row: row[1],
        ),
    ]


def test_no_report_means_the_sweep_has_not_run(account: Account) -> None:
    assert findings(account, all_vpcs(), flow_log_coverage, outputs()) == [
        ("fail", REPORT, "no report: the sweep has not run yet", NO_REPORT_FIX)
    ]


def test_the_output_names_the_parameter_and_without_it_the_stack_name_does(account: Account) -> None:
    no_default_vpc(account)
    elsewhere = put_report(account, {}, name="/platform/airs/coverage", trigger="Create")
    assert findings(account, all_vpcs(), flow_log_coverage, outputs("/platform/airs/coverage")) == [
        ("pass", "/platform/airs/coverage", age_row(elsewhere, after="Create")[2], "")
    ]
    assert findings(account, all_vpcs(), flow_log_coverage, outputs(None)) == [
        ("fail", REPORT, "no report: the sweep has not run yet", NO_REPORT_FIX)
    ]
    at = put_report(account, {}, trigger="Update")
    assert findings(account, all_vpcs(), flow_log_coverage, outputs(None)) == [age_row(at, after="Update")]


# The limit: a day (the sweep rewrites an unchanged report daily), two sweeps of 10 minutes, and 15.
@pytest.mark.parametrize(("minutes", "stale"), [(24 * 60 + 34, False), (24 * 60 + 35, True)])
def test_a_report_older_than_a_day_two_sweeps_and_a_quarter_hour_warns(
    account: Account, minutes: int, stale: bool
) -> None:
    no_default_vpc(account)
    at = put_report(account, {}, at=written(datetime.timedelta(minutes=minutes, seconds=30)))
    detail = f"written {minutes} minutes ago ({at:%Y-%m-%d %H:%M} UTC, after schedule)"
    expected = (
        (
            "warn",
            REPORT,
            f"{detail}; the sweep runs every 10 minutes and rewrites its report at least daily, so it may not be"
            " running",
            "check the coverage sweep function's log group and its schedule (make deploy restores the schedule)",
        )
        if stale
        else ("pass", REPORT, detail, "")
    )
    assert findings(account, all_vpcs(sweep_minutes=10), flow_log_coverage, outputs()) == [expected]


@pytest.mark.parametrize("spelling", ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S"], ids=["Z", "naive"])
def test_a_time_without_an_offset_is_utc(account: Account, spelling: str) -> None:
    no_default_vpc(account)
    at = written()
    put_text(account, json.dumps({"generated_at": at.strftime(spelling), "trigger": "event", "vpcs": {}}))
    assert findings(account, all_vpcs(), flow_log_coverage, outputs()) == [age_row(at, after="event")]


def test_a_vpc_created_since_the_sweep_warns_and_an_excluded_one_is_not_missed(account: Account) -> None:
    no_default_vpc(account)
    covered = vpc(account, 1)
    at = put_report(account, {covered: {"state": "covered", "flow_log_id": "fl-0000000000000000a"}})
    new = vpc(account, 2)
    vpc(account, 3, {"airs-discovery": "off"})
    assert findings(account, all_vpcs(), flow_log_coverage, outputs()) == [
        age_row(at),
        (
            "warn",
            new,
            f"not in the report of {at:%Y-%m-%d %H:%M} UTC (created since?): covered at the next sweep",
            "verify again after the next sweep (every 60 minutes)",
        ),
        ("pass", covered, "covered: fl-0000000000000000a", ""),
    ]


def put_cut_report(account: Account, vpcs: dict[str, dict[str, str]], omitted: int) -> datetime.datetime:
    """A report the sweep cut to 8 KB: covered VPCs left out, and how many."""
    at = written()
    report = {"generated_at": at.isoformat(), "trigger": "schedule", "vpcs": vpcs, "omitted_vpcs": omitted}
    put_text(account, json.dumps(report))
    return at


def test_a_vpc_left_out_of_a_cut_report_is_covered_if_it_logs_to_the_bucket(account: Account) -> None:
    no_default_vpc(account)
    left_out, new, failed = vpc(account, 1), vpc(account, 2), vpc(account, 3)
    covering = flow_log(account, left_out, BUCKET)
    flow_log(account, new, "other-logs-a")
    at = put_cut_report(account, {failed: {"state": "failed", "reason": "has 2 flow logs"}}, omitted=1)
    assert findings(account, all_vpcs(), flow_log_coverage, outputs()) == [
        (
            "pass",
            REPORT,
            f"written 5 minutes ago ({at:%Y-%m-%d %H:%M} UTC, after schedule); 1 covered VPC(s) left out to keep it"
            " within 8 KB",
            "",
        ),
        ("fail", failed, "not covered: has 2 flow logs", FAILED_FIX),
        (
            "warn",
            new,
            f"not in the report of {at:%Y-%m-%d %H:%M} UTC (created since?): covered at the next sweep",
            "verify again after the next sweep (every 60 minutes)",
        ),
        ("pass", left_out, f"covered: {covering} (left out of the report, which keeps to 8 KB)", ""),
    ]


def test_a_report_that_is_whole_needs_no_flow_log_read(account: Account) -> None:
    no_default_vpc(account)
    new = vpc(account, 1)
    flow_log(account, new, BUCKET)  # not the sweep's: the report is whole, so the VPC is new to it
    put_report(account, {})
    account.fake.denied.add("DescribeFlowLogs")
    [_, (status, on, detail, _)] = findings(account, all_vpcs(), flow_log_coverage, outputs())
    assert (status, on) == ("warn", new) and detail.endswith("covered at the next sweep")


def test_without_describe_flow_logs_a_cut_report_warns_naming_it(account: Account) -> None:
    no_default_vpc(account)
    vpc(account, 1)
    put_cut_report(account, {}, omitted=3)
    account.fake.denied.add("DescribeFlowLogs")
    assert findings(account, all_vpcs(), flow_log_coverage, outputs())[1:] == [
        (
            "warn",
            REPORT,
            "not checked whether every VPC is in the report: your credentials may not call ec2:DescribeFlowLogs",
            "allow ec2:DescribeFlowLogs to the identity running the check, or compare the VPCs by hand",
        )
    ]


def test_without_an_exclude_tag_the_report_says_why_and_the_fix_how(account: Account) -> None:
    no_default_vpc(account)
    left, full = vpc(account, 1), vpc(account, 2)
    at = put_report(
        account,
        {left: {"state": "excluded", "reason": "excluded before exclude_tag was removed"}, full: {"state": "failed"}},
    )
    assert findings(account, all_vpcs(exclude_tag=None), flow_log_coverage, outputs()) == [
        age_row(at),
        (
            "fail",
            full,
            "not covered: no reason given",
            "fix the cause (at the 2 flow logs AWS allows: delete one, or set flow_logs.exclude_tag and tag the VPC"
            " with it); the sweep tries again every 60 minutes",
        ),
        ("pass", left, "excluded: excluded before exclude_tag was removed", ""),
    ]


def test_a_state_the_sweep_does_not_write_fails(account: Account) -> None:
    no_default_vpc(account)
    odd = vpc(account, 1)
    at = put_report(account, {odd: {"state": "pending"}})
    assert findings(account, all_vpcs(), flow_log_coverage, outputs()) == [
        age_row(at),
        ("fail", odd, "state 'pending' in the report, not one the sweep writes", BAD_REPORT_FIX),
    ]


def test_a_report_without_the_optional_keys_reads_as_far_as_it_goes(account: Account) -> None:
    no_default_vpc(account)
    covered, created, left = vpc(account, 1), vpc(account, 2), vpc(account, 3)
    at = written()
    vpcs = {covered: {"state": "covered"}, created: {"state": "created"}, left: {"state": "excluded"}}
    put_text(account, json.dumps({"generated_at": at.isoformat(), "vpcs": vpcs}))
    assert findings(account, all_vpcs(exclude_tag=None), flow_log_coverage, outputs()) == [
        ("pass", REPORT, f"written 5 minutes ago ({at:%Y-%m-%d %H:%M} UTC)", ""),
        *sorted(
            [
                ("pass", covered, "covered", ""),
                ("pass", created, "covered, created by the sweep", ""),
                ("pass", left, "excluded", ""),
            ],
            key=lambda row: row[1],
        ),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json", "Expecting value: line 1 column 1 (char 0)"),
        ("[]", "expected a JSON object, got list"),
        ('{"generated_at": "2026-01-01T00:00:00Z", "vpcs": []}', "no vpcs object of VPC ids and their states"),
        ('{"generated_at": "2026-01-01T00:00:00Z", "vpcs": {"vpc-1": "covered"}}', "no vpcs object of VPC ids and"),
        ('{"generated_at": "yesterday", "vpcs": {}}', "generated_at is not an ISO 8601 time: 'yesterday'"),
        ('{"vpcs": {}}', "generated_at is not an ISO 8601 time: None"),
    ],
    ids=["not-json", "a-list", "vpcs-a-list", "a-state-not-an-object", "time-in-words", "no-time"],
)
def test_a_report_that_is_not_the_sweeps_fails(account: Account, text: str, problem: str) -> None:
    put_text(account, text)
    [(status, on, detail, fix)] = findings(account, all_vpcs(), flow_log_coverage, outputs())
    assert (status, on, fix) == ("fail", REPORT, BAD_REPORT_FIX)
    assert detail.startswith(f"not a coverage report: {problem}"), detail


def test_without_describe_vpcs_the_report_rows_stay_and_a_warning_names_it(account: Account) -> None:
    no_default_vpc(account)
    covered = vpc(account, 1)
    at = put_report(account, {covered: {"state": "covered", "flow_log_id": "fl-0000000000000000a"}})
    account.fake.denied.add("DescribeVpcs")
    assert findings(account, all_vpcs(), flow_log_coverage, outputs()) == [
        age_row(at),
        (
            "warn",
            REPORT,
            "not checked whether every VPC is in the report: your credentials may not call ec2:DescribeVpcs",
            "allow ec2:DescribeVpcs to the identity running the check, or compare the VPCs by hand",
        ),
        ("pass", covered, "covered: fl-0000000000000000a", ""),
    ]


def test_without_get_parameter_the_check_is_a_warning_naming_it(account: Account) -> None:
    put_report(account, {})
    account.fake.denied.add("GetParameter")
    assert findings(account, all_vpcs(), flow_log_coverage, outputs()) == [
        (
            "warn",
            REPORT,
            "not checked: your credentials may not call ssm:GetParameter",
            "allow ssm:GetParameter to the identity running the check, or check this by hand",
        )
    ]


def test_listed_coverage_has_no_report(account: Account) -> None:
    listed = config_from_mapping({"region": "us-east-1", "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d4e5f60718"]}})
    aws = Aws(account.session, account.region)
    assert list(COVERAGE_REPORT.each(Context(config=listed, aws=aws, account="123456789012", outputs={}))) == []


# --- the command ------------------------------------------------------------------------------------------


def test_verify_reads_the_report_the_stack_output_names(account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    no_default_vpc(account)
    covered, full = vpc(account, 1), vpc(account, 2)
    account.client("s3").create_bucket(Bucket="airs-flow-logs")
    put_report(
        account,
        {
            covered: {"state": "created", "flow_log_id": "fl-0000000000000000a"},
            full: {"state": "failed", "reason": "has 2 flow logs"},
        },
    )
    account.fake.stacks[STACK] = [
        {"OutputKey": "FlowLogBucketName", "OutputValue": "airs-flow-logs", "Description": WIZARD},
        {"OutputKey": "FlowLogBucketArn", "OutputValue": "arn:aws:s3:::airs-flow-logs", "Description": WIZARD},
        {"OutputKey": "CoverageReport", "OutputValue": REPORT, "Description": "the coverage sweep's report"},
    ]
    capsys.readouterr()
    code = account.run("verify", {"stack_name": STACK, "flow_logs": {"coverage": "all-vpcs"}}, "--json")
    results = json.loads(capsys.readouterr().out)["results"]
    assert [(r["check"], r["target"], r["status"]) for r in results] == [
        ("flow log objects", "airs-flow-logs", "warn"),
        (TITLE, REPORT, "pass"),
        (TITLE, full, "fail"),
        (TITLE, covered, "pass"),
    ]
    assert code == 1
