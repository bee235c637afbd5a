"""Estate coverage: which VPCs get a flow log, which flow logs are ours to replace or remove, and what is left alone."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from tests.handlers.coverage_harness import (
    BUCKET_ARN,
    COVERAGE_TAG_KEY,
    DUPLICATE_MESSAGE,
    ENVIRONMENT,
    EXCLUDE_TAG,
    LEASE_PARAMETER,
    LIMIT_MESSAGE,
    LOG_FORMAT,
    LOG_FORMAT_V2,
    OWNER,
    AwsRules,
    Harness,
    coverage_harness,
)

OUR_TAGS = [{"Key": COVERAGE_TAG_KEY, "Value": OWNER}, {"Key": "Name", "Value": "airs-discovery"}]
DENIED_DELETE = (
    "access denied: the function's role may not call ec2:DeleteFlowLogs (injected UnauthorizedOperation). Check the"
    " role's policy and any SCP or permissions boundary."
)
NEW_FORMAT = LOG_FORMAT + " ${reject-reason}"


@pytest.fixture
def aws() -> Iterator[Harness]:
    with coverage_harness() as harness:
        yield harness


def states(aws: Harness) -> dict[str, str]:
    return {vpc: entry["state"] for vpc, entry in aws.report()["vpcs"].items()}


def ids(flow_logs: list[dict[str, Any]]) -> set[str]:
    return {f["FlowLogId"] for f in flow_logs}


def created_ids(aws: Harness) -> list[list[str]]:
    return [params["ResourceIds"] for params in aws.of("CreateFlowLogs")]


def deleted_ids(aws: Harness) -> list[list[str]]:
    return [params["FlowLogIds"] for params in aws.of("DeleteFlowLogs")]


def mutations(aws: Harness) -> list[str]:
    return [c.operation for c in aws.calls if c.operation in ("CreateFlowLogs", "DeleteFlowLogs")]


# --- creating ----------------------------------------------------------------------------------------


def test_create_gives_every_vpc_in_scope_one_flow_log_with_the_settings_and_our_tags(aws: Harness) -> None:
    default, first, second = aws.default_vpc(), aws.add_vpc(), aws.add_vpc({"team": "data"})
    excluded = aws.add_vpc(dict([EXCLUDE_TAG]))
    answer = aws.cfn("Create")
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {
        "Vpcs": "4",
        "Covered": "0",
        "Created": "3",
        "Removed": "0",
        "Excluded": "1",
        "Failed": "0",
    }
    (call,) = aws.of("CreateFlowLogs")
    assert sorted(call.pop("ResourceIds")) == sorted([default, first, second])
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", call.pop("ClientToken"))
    assert call == {
        "ResourceType": "VPC",
        "TrafficType": "ALL",
        "LogDestinationType": "s3",
        "LogDestination": BUCKET_ARN,
        "LogFormat": LOG_FORMAT,
        "MaxAggregationInterval": 60,
        "DestinationOptions": {"FileFormat": "parquet", "HiveCompatiblePartitions": False, "PerHourPartition": True},
        "TagSpecifications": [{"ResourceType": "vpc-flow-log", "Tags": OUR_TAGS}],
    }
    flow_logs = {f["ResourceId"]: f for f in aws.flow_logs()}
    assert sorted(flow_logs) == sorted([default, first, second])
    assert all(f["Tags"] == OUR_TAGS for f in flow_logs.values())
    assert aws.report() == {
        "owner": OWNER,
        "generated_at": "2023-11-14T22:13:20Z",
        "trigger": "Create",
        "counts": {"Vpcs": 4, "Covered": 0, "Created": 3, "Removed": 0, "Excluded": 1, "Failed": 0},
        "vpcs": {
            **{vpc: {"state": "created", "flow_log_id": flow_logs[vpc]["FlowLogId"]} for vpc in flow_logs},
            excluded: {"state": "excluded"},
        },
    }
    assert aws.report_tier() == "Standard"
    assert aws.parameter(LEASE_PARAMETER) is None


def test_a_matching_flow_log_of_anyone_covers_its_vpc(aws: Harness) -> None:
    foreign, other_owner, bare = aws.add_vpc(), aws.add_vpc(), aws.add_vpc()
    theirs = aws.add_flow_log(foreign, tags={"owner": "network-team"})
    another_stack = aws.add_flow_log(other_owner, owner="AnotherStack")
    aws.cfn("Create")
    assert sorted(v for ids_ in created_ids(aws) for v in ids_) == sorted([aws.default_vpc(), bare])
    report = aws.report()
    assert report["vpcs"][foreign] == {"state": "covered", "flow_log_id": theirs}
    assert report["vpcs"][other_owner] == {"state": "covered", "flow_log_id": another_stack}
    assert report["counts"] == {"Vpcs": 4, "Covered": 2, "Created": 2, "Removed": 0, "Excluded": 0, "Failed": 0}


@pytest.mark.parametrize(
    "difference",
    [
        {"LogDestination": "arn:aws:s3:::another-bucket-for-logs"},
        {"LogFormat": LOG_FORMAT_V2},
        {"MaxAggregationInterval": 600},
        {"DestinationOptions": {"FileFormat": "plain-text", "PerHourPartition": True}},
        {"DestinationOptions": {"FileFormat": "parquet", "PerHourPartition": False}},
        {"DestinationOptions": {"FileFormat": "parquet", "PerHourPartition": True, "HiveCompatiblePartitions": True}},
        {"TrafficType": "ACCEPT"},
        {
            "LogDestinationType": "cloud-watch-logs",
            "LogDestination": None,
            "DestinationOptions": None,
            "LogGroupName": "vpc-flow-logs",
            "DeliverLogsPermissionArn": "arn:aws:iam::123456789012:role/flow-logs",
        },
    ],
    ids=["bucket", "format", "interval", "file-format", "per-hour", "hive", "traffic", "cloudwatch"],
)
def test_a_flow_log_that_differs_in_one_setting_does_not_cover_and_is_left_alone(
    aws: Harness, difference: dict[str, Any]
) -> None:
    aws.arrange.client("s3").create_bucket(Bucket="another-bucket-for-logs")
    vpc = aws.add_vpc()
    theirs = aws.add_flow_log(vpc, **difference)
    aws.cfn("Create")
    assert states(aws)[vpc] == "created"
    assert ids(aws.flow_logs(vpc)) == {theirs, aws.report()["vpcs"][vpc]["flow_log_id"]}
    assert aws.of("DeleteFlowLogs") == []


def test_a_flow_log_that_is_not_active_does_not_cover(aws: Harness) -> None:
    vpc = aws.add_vpc()
    theirs = aws.add_flow_log(vpc)
    aws.backend.flow_logs[theirs].flow_log_status = "INACTIVE"
    aws.cfn("Create")
    # Not covered, so a flow log is asked for; EC2 (here, the fake) refuses a second one just like it.
    assert aws.report()["vpcs"][vpc] == {"state": "failed", "reason": f"FlowLogAlreadyExists: {DUPLICATE_MESSAGE}"}
    assert vpc in created_ids(aws)[0]


def test_a_flow_log_without_destination_options_has_the_defaults() -> None:
    plain = {"FILE_FORMAT": "plain-text", "PER_HOUR_PARTITION": "false"}
    with coverage_harness({**ENVIRONMENT, **plain}) as aws:
        vpc = aws.add_vpc()
        theirs = aws.add_flow_log(vpc, DestinationOptions=None)
        aws.backend.flow_logs[theirs].destination_options = None  # as DescribeFlowLogs may leave them out
        assert "DestinationOptions" not in aws.flow_logs(vpc)[0]
        aws.cfn("Create")
        assert aws.report()["vpcs"][vpc] == {"state": "covered", "flow_log_id": theirs}


def test_a_destination_with_a_trailing_slash_is_the_same_bucket(aws: Harness) -> None:
    vpc = aws.add_vpc()
    theirs = aws.add_flow_log(vpc, LogDestination=BUCKET_ARN + "/")
    aws.cfn("Create")
    assert aws.report()["vpcs"][vpc] == {"state": "covered", "flow_log_id": theirs}


def test_only_the_exact_exclude_tag_excludes(aws: Harness) -> None:
    key, value = EXCLUDE_TAG
    excluded, other_value, other_key = aws.add_vpc({key: value}), aws.add_vpc({key: "on"}), aws.add_vpc({"x": value})
    aws.cfn("Create")
    assert states(aws) == {
        aws.default_vpc(): "created",
        excluded: "excluded",
        other_value: "created",
        other_key: "created",
    }


def test_an_empty_exclude_key_excludes_nothing() -> None:
    with coverage_harness({**ENVIRONMENT, "EXCLUDE_TAG_KEY": "", "EXCLUDE_TAG_VALUE": ""}) as aws:
        tagged = aws.add_vpc(dict([EXCLUDE_TAG]))
        aws.cfn("Create")
        assert states(aws)[tagged] == "created"


# --- what EC2 refuses ---------------------------------------------------------------------------------


def test_a_vpc_with_two_flow_logs_already_fails_alone(aws: Harness) -> None:
    full, other = aws.add_vpc(), aws.add_vpc()
    aws.add_flow_log(full, LogFormat=LOG_FORMAT_V2)
    aws.add_flow_log(full, MaxAggregationInterval=600)
    answer = aws.cfn("Create")
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Failed"] == "1" and answer["Data"]["Created"] == "2"
    assert aws.report()["vpcs"][full] == {"state": "failed", "reason": f"FlowLogsLimitExceeded: {LIMIT_MESSAGE}"}
    assert states(aws)[other] == "created"
    assert len(aws.flow_logs(full)) == 2


def test_a_batch_refused_as_a_whole_is_halved_until_the_refused_vpc_is_found() -> None:
    with coverage_harness(rules=AwsRules(per_item_errors="whole-call")) as aws:
        vpcs = [aws.default_vpc(), *aws.add_vpcs(4)]
        full = vpcs[3]
        aws.add_flow_log(full, LogFormat=LOG_FORMAT_V2)
        aws.add_flow_log(full, MaxAggregationInterval=600)
        aws.cfn("Create")
        assert [len(batch) for batch in created_ids(aws)] == [5, 2, 3, 1, 2, 1, 1]
        assert aws.report()["vpcs"][full] == {
            "state": "failed",
            "reason": f"ec2:CreateFlowLogs failed while creating flow logs: FlowLogsLimitExceeded: {LIMIT_MESSAGE}",
        }
        assert Counter(states(aws).values()) == {"created": 4, "failed": 1}


def test_a_vpc_deleted_during_the_run_fails_alone_and_leaves_the_report_at_the_next_run(aws: Harness) -> None:
    kept, vanishing = aws.add_vpc(), aws.add_vpc()
    aws.when("CreateFlowLogs", lambda _params: aws.delete_vpc(vanishing))
    aws.cfn("Create")
    assert aws.report()["vpcs"][vanishing] == {
        "state": "failed",
        "reason": f"InvalidVpcID.NotFound: The vpc ID '{vanishing}' does not exist",
    }
    assert states(aws)[kept] == "created"
    aws.reset_calls()
    result = aws.sweep()
    assert result["report"] == "written" and vanishing not in aws.report()["vpcs"]
    assert aws.writes() == {"PutParameter": 1}


# --- following the estate -----------------------------------------------------------------------------


def test_a_run_with_nothing_to_change_calls_nothing_that_writes(aws: Harness) -> None:
    foreign = aws.add_vpc()
    aws.add_flow_log(foreign)
    aws.add_vpc(dict([EXCLUDE_TAG]))
    aws.cfn("Create")
    report = aws.parameter("/airs-onboarding/coverage/AirsOnboarding")
    aws.clock.advance(3600)
    aws.reset_calls()
    result = aws.sweep()
    assert result == {
        "trigger": "schedule",
        "done": "done",
        "report": "unchanged",
        "counts": {"Vpcs": 3, "Covered": 2, "Created": 0, "Removed": 0, "Excluded": 1, "Failed": 0},
    }
    assert aws.writes() == {}
    assert aws.reads() == {"GetParameter": 1, "DescribeVpcs": 1, "DescribeFlowLogs": 1}
    assert aws.parameter("/airs-onboarding/coverage/AirsOnboarding") == report  # still the Create's report


def test_a_new_vpc_is_covered_by_the_next_event_or_sweep(aws: Harness) -> None:
    aws.cfn("Create")
    new = aws.add_vpc()
    aws.reset_calls()
    result = aws.on_event("CreateVpc")
    assert result["counts"] == {"Vpcs": 2, "Covered": 1, "Created": 1, "Removed": 0, "Excluded": 0, "Failed": 0}
    assert created_ids(aws) == [[new]]
    assert aws.report()["trigger"] == "event"
    assert aws.report()["vpcs"][new]["state"] == "created"


def test_our_flow_log_deleted_out_of_band_is_created_again(aws: Harness) -> None:
    vpc = aws.add_vpc()
    aws.cfn("Create")
    (lost,) = aws.ours(vpc)
    aws.delete_flow_log(lost["FlowLogId"])
    aws.sweep()
    (again,) = aws.ours(vpc)
    assert again["FlowLogId"] != lost["FlowLogId"]
    assert aws.report()["vpcs"][vpc] == {"state": "created", "flow_log_id": again["FlowLogId"]}


def test_excluding_a_vpc_removes_only_our_flow_log_and_including_it_again_brings_it_back(aws: Harness) -> None:
    vpc = aws.add_vpc()
    theirs = aws.add_flow_log(vpc, LogFormat=LOG_FORMAT_V2)
    aws.cfn("Create")
    (ours,) = aws.ours(vpc)
    aws.exclude(vpc)
    aws.reset_calls()
    result = aws.on_event("CreateTags")
    assert result["counts"]["Removed"] == 1 and result["counts"]["Excluded"] == 1
    assert deleted_ids(aws) == [[ours["FlowLogId"]]]
    assert ids(aws.flow_logs(vpc)) == {theirs}
    assert aws.report()["vpcs"][vpc] == {"state": "excluded"}
    aws.untag(vpc, EXCLUDE_TAG[0])
    aws.on_event("DeleteTags")
    (back,) = aws.ours(vpc)
    assert aws.report()["vpcs"][vpc] == {"state": "created", "flow_log_id": back["FlowLogId"]}
    assert theirs in ids(aws.flow_logs(vpc))


def test_an_excluded_vpc_keeps_flow_logs_of_another_owner(aws: Harness) -> None:
    vpc = aws.add_vpc(dict([EXCLUDE_TAG]))
    another = aws.add_flow_log(vpc, owner="AnotherStack")
    untagged = aws.add_flow_log(vpc, LogFormat=LOG_FORMAT_V2)
    aws.cfn("Create")
    assert ids(aws.flow_logs(vpc)) == {another, untagged}
    assert aws.of("DeleteFlowLogs") == []


def test_a_deleted_vpc_takes_its_flow_log_along_and_leaves_nothing_to_do(aws: Harness) -> None:
    vpc = aws.add_vpc()
    aws.cfn("Create")
    aws.delete_vpc(vpc)
    aws.reset_calls()
    result = aws.on_event("DeleteVpc")
    assert result["counts"] == {"Vpcs": 1, "Covered": 1, "Created": 0, "Removed": 0, "Excluded": 0, "Failed": 0}
    assert aws.writes() == {"PutParameter": 1}  # the report, which no longer lists the VPC
    assert vpc not in aws.report()["vpcs"]


def test_our_flow_log_still_listed_for_a_vpc_that_is_gone_is_left_alone(aws: Harness) -> None:
    aws.cfn("Create")
    (orphan,) = aws.add_flow_logs_directly(["vpc-0123456789abcdef0"], owner=OWNER)
    aws.reset_calls()
    aws.sweep()
    assert aws.writes() == {}
    assert orphan in ids(aws.flow_logs())


# --- settings that changed -----------------------------------------------------------------------------


def test_an_update_with_new_settings_creates_the_new_flow_log_before_removing_ours(
    aws: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    vpc = aws.add_vpc()
    aws.cfn("Create")
    old = {aws.default_vpc(): aws.ours(aws.default_vpc())[0]["FlowLogId"], vpc: aws.ours(vpc)[0]["FlowLogId"]}
    monkeypatch.setenv("LOG_FORMAT", NEW_FORMAT)
    aws.reset_calls()
    answer = aws.cfn("Update")
    assert answer["Data"] == {
        "Vpcs": "2",
        "Covered": "0",
        "Created": "2",
        "Removed": "2",
        "Excluded": "0",
        "Failed": "0",
    }
    assert mutations(aws) == ["CreateFlowLogs", "DeleteFlowLogs"]
    assert sorted(deleted_ids(aws)[0]) == sorted(old.values())
    for vpc_id, old_id in old.items():
        (new,) = aws.ours(vpc_id)
        assert new["LogFormat"] == NEW_FORMAT
        assert aws.report()["vpcs"][vpc_id] == {
            "state": "created",
            "flow_log_id": new["FlowLogId"],
            "replaced": [old_id],
        }


def test_with_a_foreign_flow_log_beside_ours_ours_is_removed_first(
    aws: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    vpc = aws.add_vpc()
    theirs = aws.add_flow_log(vpc, LogFormat=LOG_FORMAT_V2)
    aws.cfn("Create")
    (old,) = aws.ours(vpc)
    monkeypatch.setenv("LOG_FORMAT", NEW_FORMAT)
    aws.reset_calls()
    aws.cfn("Update")
    assert mutations(aws) == ["DeleteFlowLogs", "CreateFlowLogs", "DeleteFlowLogs"]
    assert deleted_ids(aws)[0] == [old["FlowLogId"]]  # first, to make room
    assert vpc in created_ids(aws)[0]
    (new,) = aws.ours(vpc)
    assert ids(aws.flow_logs(vpc)) == {theirs, new["FlowLogId"]}
    assert aws.report()["vpcs"][vpc] == {
        "state": "created",
        "flow_log_id": new["FlowLogId"],
        "replaced": [old["FlowLogId"]],
    }


def test_removed_first_and_then_refused_says_so(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    vpc = aws.add_vpc()
    aws.add_flow_log(vpc, LogFormat=LOG_FORMAT_V2)
    aws.add_flow_log(vpc, owner=OWNER)
    monkeypatch.setenv("LOG_FORMAT", NEW_FORMAT)
    aws.fail("CreateFlowLogs", "InvalidParameterValue", message="injected refusal", times=None)
    aws.cfn("Create")
    assert aws.report()["vpcs"][vpc] == {
        "state": "failed",
        "reason": "ec2:CreateFlowLogs failed while creating flow logs: InvalidParameterValue: injected refusal"
        " (our outdated flow log was removed first)",
    }
    assert aws.ours(vpc) == []


def test_ours_that_cannot_be_removed_to_make_room_fails_the_vpc(aws: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    vpc = aws.add_vpc()
    aws.add_flow_log(vpc, LogFormat=LOG_FORMAT_V2)
    aws.cfn("Create")
    (old,) = aws.ours(vpc)
    monkeypatch.setenv("LOG_FORMAT", NEW_FORMAT)
    aws.fail("DeleteFlowLogs", "UnauthorizedOperation", status=403, times=None)
    aws.reset_calls()
    aws.cfn("Update")
    assert aws.report()["vpcs"][vpc] == {
        "state": "failed",
        "reason": "our outdated flow log could not be removed to make room for the new one (EC2 allows 2 flow logs"
        f" per VPC): {old['FlowLogId']}: {DENIED_DELETE}",
    }
    assert [vpc] not in created_ids(aws)


def test_a_replacement_refused_as_a_duplicate_removes_ours_then_creates_again() -> None:
    with coverage_harness(rules=AwsRules(duplicate_rule="destination")) as aws:
        vpc = aws.default_vpc()
        aws.cfn("Create")
        (old,) = aws.ours(vpc)
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setenv("LOG_FORMAT", NEW_FORMAT)
            aws.reset_calls()
            answer = aws.cfn("Update")
            assert mutations(aws) == ["CreateFlowLogs", "DeleteFlowLogs", "CreateFlowLogs"]
            (new,) = aws.ours(vpc)
            assert new["LogFormat"] == NEW_FORMAT
            assert aws.report()["vpcs"][vpc] == {
                "state": "created",
                "flow_log_id": new["FlowLogId"],
                "replaced": [old["FlowLogId"]],
            }
            assert answer["Data"]["Removed"] == "1"


def test_a_refused_replacement_whose_old_flow_log_cannot_be_removed_fails_with_both_reasons() -> None:
    with coverage_harness(rules=AwsRules(duplicate_rule="destination")) as aws:
        vpc = aws.default_vpc()
        aws.cfn("Create")
        (old,) = aws.ours(vpc)
        with pytest.MonkeyPatch.context() as monkeypatch:
            monkeypatch.setenv("LOG_FORMAT", NEW_FORMAT)
            aws.fail("DeleteFlowLogs", "UnauthorizedOperation", status=403, times=None)
            aws.cfn("Update")
        assert aws.report()["vpcs"][vpc] == {
            "state": "failed",
            "reason": f"the new flow log was refused (FlowLogAlreadyExists: {DUPLICATE_MESSAGE}), and our outdated"
            f" flow log could not be removed to make room: {old['FlowLogId']}: {DENIED_DELETE}",
        }
        assert ids(aws.ours(vpc)) == {old["FlowLogId"]}


def test_a_replacement_whose_old_flow_log_cannot_be_removed_is_created_and_says_so(
    aws: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    vpc = aws.default_vpc()
    aws.cfn("Create")
    (old,) = aws.ours(vpc)
    monkeypatch.setenv("LOG_FORMAT", NEW_FORMAT)
    aws.fail("DeleteFlowLogs", "UnauthorizedOperation", status=403, times=None)
    answer = aws.cfn("Update")
    new = next(f for f in aws.ours(vpc) if f["FlowLogId"] != old["FlowLogId"])
    assert aws.report()["vpcs"][vpc] == {
        "state": "created",
        "flow_log_id": new["FlowLogId"],
        "reason": f"our outdated flow log could not be removed: {old['FlowLogId']}: {DENIED_DELETE}",
    }
    assert answer["Data"]["Removed"] == "0"
    # The next run finds ours with the settings, and removes the outdated one.
    aws.faults.clear()
    aws.sweep()
    assert aws.report()["vpcs"][vpc] == {"state": "covered", "flow_log_id": new["FlowLogId"]}
    assert ids(aws.ours(vpc)) == {new["FlowLogId"]}
    assert aws.report()["counts"]["Removed"] == 1


def test_ours_outdated_beside_a_foreign_match_is_removed(aws: Harness) -> None:
    vpc = aws.add_vpc()
    theirs = aws.add_flow_log(vpc)
    outdated = aws.add_flow_log(vpc, owner=OWNER, LogFormat=LOG_FORMAT_V2)
    aws.cfn("Create")
    assert aws.report()["vpcs"][vpc] == {"state": "covered", "flow_log_id": theirs}
    assert deleted_ids(aws) == [[outdated]]


def test_ours_that_cannot_be_removed_is_reported(aws: Harness) -> None:
    covered = aws.add_vpc()
    theirs = aws.add_flow_log(covered)
    extra = aws.add_flow_log(covered, owner=OWNER, LogFormat=LOG_FORMAT_V2)
    excluded = aws.add_vpc(dict([EXCLUDE_TAG]))
    ours_excluded = aws.add_flow_log(excluded, owner=OWNER)
    aws.fail("DeleteFlowLogs", "UnauthorizedOperation", status=403, times=None)
    answer = aws.cfn("Create")
    assert answer["Status"] == "SUCCESS"
    assert aws.report()["vpcs"][covered] == {
        "state": "covered",
        "flow_log_id": theirs,
        "reason": f"our extra flow log could not be removed: {extra}: {DENIED_DELETE}",
    }
    assert aws.report()["vpcs"][excluded] == {
        "state": "failed",
        "reason": f"excluded by tag, but our flow log could not be removed: {ours_excluded}: {DENIED_DELETE}",
    }


def test_a_flow_log_already_gone_when_removed_counts_as_removed() -> None:
    for rules in (AwsRules(), AwsRules(per_item_errors="whole-call")):
        with coverage_harness(rules=rules) as aws:
            first, second = aws.add_vpc(dict([EXCLUDE_TAG])), aws.add_vpc(dict([EXCLUDE_TAG]))
            gone, kept = aws.add_flow_logs_directly([first, second], owner=OWNER)
            aws.when("DeleteFlowLogs", partial(_delete_flow_log, aws, gone))
            answer = aws.cfn("Create")
            assert answer["Data"]["Removed"] == "2" and answer["Data"]["Failed"] == "0", rules
            assert not ids(aws.flow_logs()) & {gone, kept}


def _delete_flow_log(aws: Harness, flow_log_id: str, _params: dict[str, Any]) -> None:
    aws.delete_flow_log(flow_log_id)


def test_the_report_is_rewritten_once_a_day_when_nothing_changes(aws: Harness) -> None:
    """Steady-state runs write nothing; a day after the last write the next run rewrites the same coverage
    with its time, so the report's age tells make verify that the sweep still runs."""
    aws.add_vpc()
    aws.cfn("Create")
    first = aws.report()
    aws.clock.advance(aws.module.REPORT_REFRESH_SECONDS - 3600)
    aws.reset_calls()
    assert aws.sweep()["report"] == "unchanged"
    assert aws.writes() == {}
    aws.clock.advance(3600)
    aws.reset_calls()
    assert aws.sweep()["report"] == "written"
    assert aws.writes() == {"PutParameter": 1}
    rewritten = aws.report()
    assert rewritten["generated_at"] > first["generated_at"] and rewritten["trigger"] == "schedule"
    assert rewritten["counts"]["Covered"] + rewritten["counts"]["Created"] == 2


def test_a_report_without_a_readable_time_is_rewritten(aws: Harness) -> None:
    aws.cfn("Create")
    stored = aws.report()
    aws.ssm.put_parameter(
        Name="/airs-onboarding/coverage/AirsOnboarding",
        Value=json.dumps({**stored, "generated_at": "yesterday"}),
        Type="String",
        Overwrite=True,
    )
    assert aws.sweep()["report"] == "written"
    assert aws.report()["generated_at"] != "yesterday"


def test_a_vpc_shared_by_another_account_is_left_to_its_owner(aws: Harness) -> None:
    own, shared = aws.add_vpc(), aws.add_vpc()

    def shared_with_us(parsed: dict[str, Any], **_kwargs: Any) -> None:
        for each in parsed.get("Vpcs", []):
            if each["VpcId"] == shared:
                each["OwnerId"] = "210987654321"

    aws.session.events.register("after-call.ec2.DescribeVpcs", shared_with_us)
    aws.cfn("Create")
    assert shared not in aws.report()["vpcs"] and own in aws.report()["vpcs"]
    assert aws.ours(shared) == [] and len(aws.ours(own)) == 1
