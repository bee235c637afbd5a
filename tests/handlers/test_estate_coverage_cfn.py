"""Estate coverage as CloudFormation and EventBridge run it: answers, Delete, failures, the environment, the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.handlers.coverage_harness import (
    COVERAGE_TAG_KEY,
    ENVIRONMENT,
    LEASE_PARAMETER,
    LOG_FORMAT_V2,
    OWNER,
    REPORT_PARAMETER,
    SETTINGS,
    STACK_ID,
    AwsRules,
    Harness,
    coverage_harness,
)

PHYSICAL_ID = f"estate-coverage:{OWNER}"
ZERO = {"Vpcs": "0", "Covered": "0", "Created": "0", "Removed": "0", "Excluded": "0", "Failed": "0"}


@pytest.fixture
def aws() -> Iterator[Harness]:
    with coverage_harness() as harness:
        yield harness


def denied(action: str, code: str = "UnauthorizedOperation") -> str:
    return (
        f"access denied: the function's role may not call {action} (injected {code}). Check the role's policy and"
        " any SCP or permissions boundary."
    )


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "root"]


# --- answering CloudFormation ---------------------------------------------------------------------


def test_each_request_is_answered_by_one_put_to_its_response_url(aws: Harness) -> None:
    event = aws.cfn_event("Create")
    answer = aws.answer(event, lambda: aws.invoke(event))
    assert answer == {
        "Status": "SUCCESS",
        "Reason": "SUCCESS",
        "PhysicalResourceId": PHYSICAL_ID,
        "StackId": STACK_ID,
        "RequestId": event["RequestId"],
        "LogicalResourceId": "FlowLogsCoverage",
        "NoEcho": False,
        "Data": {"Vpcs": "1", "Covered": "0", "Created": "1", "Removed": "0", "Excluded": "0", "Failed": "0"},
        "_path": f"/cloudformation-response/{event['RequestId']}?X-Amz-Signature=secret-signature",
        "_content_type": "",
        "_bytes": answer["_bytes"],
    }
    assert answer["_bytes"] < 4096


def test_an_update_keeps_the_physical_id_ignores_unknown_properties_and_writes_nothing_unchanged(aws: Harness) -> None:
    aws.cfn("Create")
    aws.reset_calls()
    properties = {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f", "Settings": SETTINGS, "New": 1}
    answer = aws.cfn("Update", properties=properties)
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID)
    assert answer["Data"] == {**ZERO, "Vpcs": "1", "Covered": "1"}
    assert aws.writes() == {}


def test_an_unexpected_error_fails_the_request_with_its_type(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(aws.module, "plan", boom)
    answer = aws.cfn("Create")
    assert (answer["Status"], answer["Reason"]) == ("FAILED", "unexpected error (RuntimeError): boom")
    assert answer["PhysicalResourceId"] == PHYSICAL_ID


def test_an_answer_that_cannot_be_delivered_is_tried_three_times(aws: Harness) -> None:
    event = aws.cfn_event("Create")
    event["ResponseURL"] = "http://127.0.0.1:9/closed"
    sleeps_before = len(aws.clock.sleeps)
    with pytest.raises(RuntimeError, match=r"^could not deliver the response to CloudFormation$"):
        aws.invoke(event)
    assert aws.clock.sleeps[sleeps_before:] == [1, 2]


def test_a_reason_too_long_for_cloudformation_is_cut(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUCKET_ARN", "x" * 5000)
    answer = aws.cfn("Create")
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("The function's environment is not valid: BUCKET_ARN is 'xxx")
    assert answer["Reason"].endswith("x [truncated]")
    assert answer["_bytes"] <= 4096


# --- failing -----------------------------------------------------------------------------------------


def test_create_fails_when_the_vpcs_cannot_be_read(aws: Harness) -> None:
    aws.fail("DescribeVpcs", "UnauthorizedOperation", status=403, times=None)
    answer = aws.cfn("Create")
    assert (answer["Status"], answer["Reason"], answer["Data"]) == (
        "FAILED",
        "Could not assess flow-log coverage: " + denied("ec2:DescribeVpcs").rstrip(".") + ". Nothing was changed.",
        {},
    )
    assert aws.writes() == {}


def test_create_fails_when_the_flow_logs_cannot_be_read_after_the_retries(aws: Harness) -> None:
    aws.fail("DescribeFlowLogs", "InternalError", status=500, times=None)
    answer = aws.cfn("Create")
    assert (answer["Status"], answer["Reason"]) == (
        "FAILED",
        "Could not assess flow-log coverage: ec2:DescribeFlowLogs failed while reading the estate: InternalError:"
        " injected InternalError. Nothing was changed.",
    )
    assert aws.attempts["DescribeFlowLogs"] == 9  # botocore's standard mode: the first attempt and 8 retries
    assert aws.writes() == {}


def test_create_fails_when_the_report_cannot_be_written(aws: Harness) -> None:
    aws.fail("PutParameter", "AccessDeniedException", times=None, after=1)  # the lease is taken, the report not
    answer = aws.cfn("Create")
    assert (answer["Status"], answer["Reason"]) == (
        "FAILED",
        "Coverage was applied (Vpcs 1, Covered 0, Created 1, Removed 0, Excluded 0, Failed 0), but "
        + denied("ssm:PutParameter", "AccessDeniedException").rstrip(".")
        + ". Sweeps act only while the report exists.",
    )
    assert aws.parameter(LEASE_PARAMETER) is None


def test_create_goes_on_when_the_report_cannot_be_read(aws: Harness, caplog: pytest.LogCaptureFixture) -> None:
    aws.fail("GetParameter", "AccessDeniedException", times=1)
    with caplog.at_level(logging.INFO):
        answer = aws.cfn("Create")
    assert answer["Status"] == "SUCCESS"
    assert aws.report()["counts"]["Created"] == 1
    assert (
        f"could not read the coverage report {REPORT_PARAMETER}: An error occurred (AccessDeniedException) when calling"
        " the GetParameter operation: injected AccessDeniedException"
    ) in messages(caplog)


def test_an_invalid_environment_fails_naming_every_variable(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "BUCKET_ARN": "my-bucket",
        "LOG_FORMAT": " ",
        "FILE_FORMAT": "json",
        "PER_HOUR_PARTITION": "yes",
        "HIVE_COMPATIBLE_PARTITIONS": "no",
        "MAX_AGGREGATION_INTERVAL": "300",
        "OWNER": "",
        "REPORT_PARAMETER": "report",
    }.items():
        monkeypatch.setenv(name, value)
    event = aws.cfn_event("Create")
    answer = aws.answer(event, lambda: aws.invoke(event))
    assert answer["Status"] == "FAILED"
    assert answer["PhysicalResourceId"] == f"estate-coverage-unconfigured:{event['RequestId']}"
    assert answer["Reason"] == (
        "The function's environment is not valid: BUCKET_ARN is 'my-bucket', expected an S3 bucket ARN"
        " (arn:aws:s3:::bucket-name); LOG_FORMAT is empty, expected the flow log record format (${version}"
        " ${account-id} ...); FILE_FORMAT is 'json', expected one of plain-text, parquet; PER_HOUR_PARTITION is"
        " 'yes', expected one of true, false; HIVE_COMPATIBLE_PARTITIONS is 'no', expected one of true, false;"
        " MAX_AGGREGATION_INTERVAL is '300', expected one of 60, 600; OWNER is '', expected 1 to 256 characters (a"
        " tag value); REPORT_PARAMETER is 'report', expected an SSM parameter path (/airs-onboarding/...). Nothing"
        " was changed."
    )
    assert aws.calls == []
    # Its Delete has nothing to remove.
    delete = aws.cfn("Delete", physical_id=answer["PhysicalResourceId"])
    assert (delete["Status"], delete["Data"]) == ("SUCCESS", {})
    assert aws.calls == []


def test_a_time_budget_that_is_not_a_number_fails(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIME_BUDGET_SECONDS", "soon")
    answer = aws.cfn("Create")
    assert (answer["Status"], answer["Reason"]) == (
        "FAILED",
        "The function's environment is not valid: TIME_BUDGET_SECONDS is 'soon', expected a number of seconds."
        " Nothing was changed.",
    )


# --- Delete ------------------------------------------------------------------------------------------


def test_delete_removes_every_flow_log_of_ours_and_the_report_and_nothing_else(aws: Harness) -> None:
    excluded = aws.add_vpc({"airs-discovery": "off"})
    theirs = aws.add_flow_log(aws.add_vpc(), LogFormat=LOG_FORMAT_V2)
    another_owner = aws.add_flow_log(excluded, owner="AnotherStack")
    aws.cfn("Create")
    ours = {f["FlowLogId"] for f in aws.ours()}
    assert len(ours) == 2
    aws.reset_calls()
    answer = aws.cfn("Delete")
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", PHYSICAL_ID)
    assert answer["Data"] == {**ZERO, "Removed": "2"}
    assert {f["FlowLogId"] for f in aws.flow_logs()} == {theirs, another_owner}
    assert aws.parameter(REPORT_PARAMETER) is None and aws.parameter(LEASE_PARAMETER) is None
    assert aws.of("DescribeFlowLogs") == [
        {"Filters": [{"Name": f"tag:{COVERAGE_TAG_KEY}", "Values": [OWNER]}], "MaxResults": 1000}
    ]
    assert "DescribeVpcs" not in aws.counts()
    assert [sorted(p["FlowLogIds"]) for p in aws.of("DeleteFlowLogs")] == [sorted(ours)]


def test_delete_removes_the_flow_logs_of_the_owner_its_physical_id_names(aws: Harness) -> None:
    vpc = aws.add_vpc()
    (old_owner,) = aws.add_flow_logs_directly([vpc], owner="OldOwner")
    (current,) = aws.add_flow_logs_directly([vpc], owner=OWNER, log_format=LOG_FORMAT_V2)
    answer = aws.cfn("Delete", physical_id="estate-coverage:OldOwner")
    assert answer["Data"]["Removed"] == "1"
    assert {f["FlowLogId"] for f in aws.flow_logs()} == {current}
    assert old_owner not in {f["FlowLogId"] for f in aws.flow_logs()}


def test_delete_works_in_batches_of_1000_over_pages(aws: Harness) -> None:
    vpcs = aws.add_vpcs(501)
    aws.add_flow_logs_directly(vpcs, owner=OWNER)
    aws.add_flow_logs_directly(vpcs, owner=OWNER, log_format=LOG_FORMAT_V2)
    answer = aws.cfn("Delete")
    assert answer["Data"]["Removed"] == "1002"
    assert [len(p["FlowLogIds"]) for p in aws.of("DeleteFlowLogs")] == [1000, 2]
    assert aws.counts()["DescribeFlowLogs"] == 2
    assert aws.flow_logs() == []


@pytest.mark.parametrize("per_item_errors", ["unsuccessful", "whole-call"])
def test_delete_of_flow_logs_already_gone_succeeds(per_item_errors: str) -> None:
    with coverage_harness(rules=AwsRules(per_item_errors=per_item_errors)) as aws:
        vpcs = aws.add_vpcs(3)
        first, *_ = aws.add_flow_logs_directly(vpcs, owner=OWNER)
        aws.when("DeleteFlowLogs", lambda _params: aws.delete_flow_log(first))
        answer = aws.cfn("Delete")
        assert (answer["Status"], answer["Data"]["Removed"]) == ("SUCCESS", "3")
        assert aws.flow_logs() == []


def test_delete_fails_when_our_flow_logs_cannot_be_listed(aws: Harness) -> None:
    aws.cfn("Create")
    aws.fail("DescribeFlowLogs", "UnauthorizedOperation", status=403, times=None)
    answer = aws.cfn("Delete")
    assert (answer["Status"], answer["Reason"]) == (
        "FAILED",
        f"Could not remove all flow logs tagged {COVERAGE_TAG_KEY}={OWNER} (0 removed): "
        + denied("ec2:DescribeFlowLogs")
        + " Fix the cause and retry the deletion.",
    )
    assert len(aws.ours()) == 1 and aws.report() is not None
    assert aws.parameter(LEASE_PARAMETER) is None


def test_delete_removes_what_it_listed_before_the_listing_failed() -> None:
    with coverage_harness(rules=AwsRules(page_limit=2)) as aws:
        aws.add_flow_logs_directly(aws.add_vpcs(3), owner=OWNER)
        aws.fail("DescribeFlowLogs", "InternalError", status=500, times=None, after=1)
        answer = aws.cfn("Delete")
        assert (answer["Status"], answer["Reason"]) == (
            "FAILED",
            f"Could not remove all flow logs tagged {COVERAGE_TAG_KEY}={OWNER} (2 removed): ec2:DescribeFlowLogs"
            f" failed while listing the flow logs tagged {COVERAGE_TAG_KEY}: InternalError: injected InternalError."
            " Fix the cause and retry the deletion.",
        )
        assert len(aws.ours()) == 1


def test_delete_fails_when_our_flow_logs_cannot_be_deleted(aws: Harness) -> None:
    aws.add_vpc()
    aws.cfn("Create")
    ours = [f["FlowLogId"] for f in aws.ours()]
    reason = denied("ec2:DeleteFlowLogs")
    aws.fail("DeleteFlowLogs", "UnauthorizedOperation", status=403, times=None)
    answer = aws.cfn("Delete")
    assert (answer["Status"], answer["Reason"]) == (
        "FAILED",
        f"Could not remove all flow logs tagged {COVERAGE_TAG_KEY}={OWNER} (0 removed): 2 flow log(s) could not be"
        f" deleted: {', '.join(ours)}: {reason} Fix the cause and retry the deletion.",
    )
    assert aws.report() is not None  # it still says what the flow logs left cover


def test_delete_fails_when_the_report_cannot_be_deleted(aws: Harness) -> None:
    aws.cfn("Create")
    aws.fail("DeleteParameter", "AccessDeniedException", times=1)  # the report's; the lease's goes through
    answer = aws.cfn("Delete")
    assert (answer["Status"], answer["Reason"]) == (
        "FAILED",
        f"Could not remove all flow logs tagged {COVERAGE_TAG_KEY}={OWNER} (1 removed): "
        + denied("ssm:DeleteParameter", "AccessDeniedException")
        + " Fix the cause and retry the deletion.",
    )
    assert aws.ours() == [] and aws.parameter(LEASE_PARAMETER) is None


def test_delete_waits_for_a_held_lease_then_goes_ahead_without_it(
    aws: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    aws.cfn("Create")
    lease = f'{{"holder": "invocation-x", "trigger": "schedule", "taken_at": {aws.clock.now()}}}'
    aws.ssm.put_parameter(Name=LEASE_PARAMETER, Value=lease, Type="String")
    monkeypatch.setenv("TIME_BUDGET_SECONDS", "100")
    started = aws.clock.now()
    with caplog.at_level(logging.INFO):
        answer = aws.cfn("Delete")
    assert answer["Status"] == "SUCCESS" and aws.ours() == []
    assert 35 <= aws.clock.now() - started <= 40  # up to 60 s before its deadline
    assert f"coverage Delete: could not take the lease {LEASE_PARAMETER}; deleting without it" in messages(caplog)
    assert aws.parameter(LEASE_PARAMETER) == lease  # not ours to give back


def test_delete_goes_ahead_when_the_lease_cannot_be_taken(aws: Harness, caplog: pytest.LogCaptureFixture) -> None:
    aws.cfn("Create")
    aws.fail("PutParameter", "AccessDeniedException", times=1)
    with caplog.at_level(logging.INFO):
        answer = aws.cfn("Delete")
    assert answer["Status"] == "SUCCESS" and aws.ours() == []
    assert (
        "coverage Delete: " + denied("ssm:PutParameter", "AccessDeniedException").rstrip(".") + ". Nothing was changed."
    ) in messages(caplog)


# --- sweeps ------------------------------------------------------------------------------------------


def test_a_sweep_without_a_report_does_nothing(aws: Harness, caplog: pytest.LogCaptureFixture) -> None:
    aws.add_vpc()
    with caplog.at_level(logging.INFO):
        result = aws.sweep()
    assert result == {"trigger": "schedule", "done": "no report", "report": "unchanged", "counts": None}
    assert aws.counts() == {"GetParameter": 1}
    assert "coverage schedule: nothing counted report=unchanged (no report)" in messages(caplog)
    assert (
        f"coverage schedule: no coverage report at {REPORT_PARAMETER}: the custom resource has not been created, or"
        " has been deleted; nothing to do"
    ) in messages(caplog)


def test_a_sweep_that_cannot_read_the_report_fails(aws: Harness, caplog: pytest.LogCaptureFixture) -> None:
    aws.fail("GetParameter", "AccessDeniedException", times=None)
    with caplog.at_level(logging.INFO), pytest.raises(aws.module.Failure) as raised:
        aws.sweep()
    assert str(raised.value) == denied("ssm:GetParameter", "AccessDeniedException")
    assert f"coverage schedule failed: {raised.value}" in messages(caplog)


def test_a_sweep_that_cannot_assess_coverage_fails(aws: Harness) -> None:
    aws.cfn("Create")
    aws.reset_calls()
    aws.fail("DescribeVpcs", "UnauthorizedOperation", status=403, times=None)
    with pytest.raises(aws.module.Failure, match=r"^Could not assess flow-log coverage: access denied"):
        aws.on_event("CreateVpc")
    assert aws.writes() == {}


def test_a_sweep_with_an_invalid_environment_fails(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILE_FORMAT", "csv")
    with pytest.raises(aws.module.Failure) as raised:
        aws.sweep()
    assert str(raised.value) == (
        "The function's environment is not valid: FILE_FORMAT is 'csv', expected one of plain-text, parquet. Nothing"
        " was changed."
    )


# --- the log -----------------------------------------------------------------------------------------


def test_each_run_logs_one_line_with_its_counts_and_never_the_response_url(
    aws: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    aws.add_vpc({"airs-discovery": "off"})
    with caplog.at_level(logging.INFO):
        event = aws.cfn_event("Create")
        aws.answer(event, lambda: aws.invoke(event))
        aws.on_event("CreateTags")
        aws.invoke({})
        aws.cfn("Delete")
    logged = messages(caplog)
    assert [m for m in logged if m.startswith("coverage ")] == [
        "coverage Create: vpcs=2 covered=0 created=1 removed=0 excluded=1 failed=0 report=written (done)",
        "coverage event: vpcs=2 covered=1 created=0 removed=0 excluded=1 failed=0 report=unchanged (done)",
        "coverage event: vpcs=2 covered=1 created=0 removed=0 excluded=1 failed=0 report=unchanged (done)",
        "coverage Delete: vpcs=0 covered=0 created=0 removed=1 excluded=0 failed=0 report=deleted (done)",
    ]
    assert f"request Create FlowLogsCoverage {event['RequestId']}" in logged
    assert "responding SUCCESS: SUCCESS" in logged
    assert (
        "sweep for event event 5f1c0d3e-0000-4000-8000-000000000002 (source aws.ec2, detail-type AWS API Call via"
        " CloudTrail, eventName CreateTags)"
    ) in logged
    assert "sweep for event event - (source -, detail-type -, eventName -)" in logged
    assert not any("secret-signature" in r.getMessage() for r in caplog.records)


def test_the_schedule_is_a_sweep_of_its_own_name(aws: Harness, caplog: pytest.LogCaptureFixture) -> None:
    aws.cfn("Create")
    with caplog.at_level(logging.INFO):
        assert aws.sweep()["trigger"] == "schedule"
    assert (
        "sweep for schedule event 5f1c0d3e-0000-4000-8000-000000000001 (source aws.events, detail-type Scheduled"
        " Event, eventName -)"
    ) in messages(caplog)


def test_the_handler_file_needs_only_the_standard_library_and_boto3() -> None:
    from tests.handlers.coverage_harness import HANDLER_FILE

    imported = {
        line.split()[1].split(".")[0]
        for line in HANDLER_FILE.read_text().splitlines()
        if line.startswith(("import ", "from ")) and not line.startswith("from __future__")
    }
    assert imported - {"boto3", "botocore"} <= {
        "json",
        "logging",
        "os",
        "re",
        "time",
        "traceback",
        "urllib",
        "uuid",
        "collections",
        "dataclasses",
        "datetime",
        "typing",
        "eks_cluster_access",  # the EKS handler's file, bundled into the inline code
    }


def test_the_inline_code_carries_the_eks_handler_it_imports() -> None:
    from onboarding_constructs._handler_code import handler_source, inline_source

    inline = inline_source("estate_coverage")
    assert f"_bundle('eks_cluster_access', {handler_source('eks_cluster_access')!r})" in inline
    # The bundle is loaded before the handler's own code imports it, after its __future__ import.
    assert inline.index("_bundle('eks_cluster_access'") < inline.index("import eks_cluster_access as cluster_access")
    assert inline.startswith(handler_source("estate_coverage").partition("from __future__ import annotations")[0])


def test_the_environment_the_tests_give_is_the_contract() -> None:
    assert set(ENVIRONMENT) == {
        "BUCKET_ARN",
        "LOG_FORMAT",
        "FILE_FORMAT",
        "PER_HOUR_PARTITION",
        "HIVE_COMPATIBLE_PARTITIONS",
        "MAX_AGGREGATION_INTERVAL",
        "EXCLUDE_TAG_KEY",
        "EXCLUDE_TAG_VALUE",
        "OWNER",
        "REPORT_PARAMETER",
    }


# --- odd answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stored", ["not json", "{}", '{"counts": 3}'])
def test_a_report_that_cannot_be_read_as_one_is_written_again(aws: Harness, stored: str) -> None:
    aws.cfn("Create")
    aws.ssm.put_parameter(Name=REPORT_PARAMETER, Value=stored, Type="String", Overwrite=True)
    assert aws.sweep()["report"] == "written"
    assert aws.report()["counts"]["Covered"] == 1


def test_new_flow_logs_that_cannot_be_read_back_are_reported_without_their_id(
    aws: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    aws.fail("DescribeFlowLogs", "UnauthorizedOperation", status=403, times=None, after=2)
    with caplog.at_level(logging.INFO):
        aws.cfn("Create")
    assert aws.report()["vpcs"] == {aws.default_vpc(): {"state": "created"}}
    assert (
        "could not read back the new flow logs: An error occurred (UnauthorizedOperation) when calling the"
        " DescribeFlowLogs operation: injected UnauthorizedOperation"
    ) in messages(caplog)
    aws.faults.clear()
    aws.sweep()
    assert aws.report()["vpcs"] == {aws.default_vpc(): {"state": "covered", "flow_log_id": aws.ours()[0]["FlowLogId"]}}


@pytest.mark.parametrize(
    ("code", "status", "reason", "attempts"),
    [
        ("UnauthorizedOperation", 403, denied("ec2:CreateFlowLogs"), 1),
        (
            "RequestLimitExceeded",
            503,
            "ec2:CreateFlowLogs failed while creating flow logs: RequestLimitExceeded: injected RequestLimitExceeded",
            9,
        ),
        (
            "InternalError",
            500,
            "ec2:CreateFlowLogs failed while creating flow logs: InternalError: injected InternalError",
            9,
        ),
    ],
    ids=["access-denied", "throttled", "server-error"],
)
def test_a_batch_refused_for_all_its_vpcs_is_not_split(
    aws: Harness, code: str, status: int, reason: str, attempts: int
) -> None:
    aws.add_vpcs(2)
    aws.fail("CreateFlowLogs", code, status=status, times=None)
    answer = aws.cfn("Create")
    assert answer["Status"] == "SUCCESS" and answer["Data"]["Failed"] == "3"
    assert aws.counts()["CreateFlowLogs"] == 1 and aws.attempts["CreateFlowLogs"] == attempts
    assert list(aws.report()["vpcs"].values()) == [{"state": "failed", "reason": reason}] * 3


def test_an_unsuccessful_item_without_a_message_is_named_by_its_code(aws: Harness) -> None:
    reason = aws.module._item_reason
    assert reason({"ResourceId": "vpc-1", "Error": {"Code": "Quota"}}) == "Quota"
    assert reason({"ResourceId": "vpc-1"}) == "Unknown"
    assert reason({"Error": {"Code": "400", "Message": "LogDestination: b does not exist."}}) == (
        "400: LogDestination: b does not exist."
    )


def test_only_a_request_with_a_response_url_is_cloudformations(aws: Harness) -> None:
    trigger = aws.module.trigger_of
    assert trigger({"RequestType": "Create", "ResponseURL": "https://x"}) == "Create"
    assert trigger({"RequestType": "Create"}) == "event"
    assert trigger({"RequestType": "Replace", "ResponseURL": "https://x"}) == "event"
    assert trigger({"detail-type": "Scheduled Event"}) == "schedule"
    assert trigger({"detail-type": "AWS API Call via CloudTrail"}) == "event"
