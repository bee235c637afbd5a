"""Custom::EksClusterAccess: what it answers CloudFormation besides the status (physical id, reason, size),
when it hands off, what it logs for the operator, and the defaults it runs with."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from tests.handlers.conftest import FUNCTION_NAME, LOGICAL_ID, STATE_PREFIX, Harness

DISCOVERY = ["34.71.64.3/32", "34.28.60.186/32"]
OFFICE = "198.51.100.0/24"


def messages(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    """What the handler logged at ``level`` or above, in order, as CloudWatch shows it."""
    return [r.getMessage() for r in caplog.records if r.levelno >= level and r.name == "root"]


def update_ids(cfn: Harness) -> list[str]:
    return list(dict.fromkeys(p["updateId"] for op, p in cfn.aws.calls if op == "DescribeUpdate"))


# --- the answer ------------------------------------------------------------------------------------------


def test_a_success_is_answered_with_the_status_as_its_reason(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])

    answer = cfn.create()

    assert (answer["Status"], answer["Reason"]) == ("SUCCESS", "SUCCESS")
    assert answer["NoEcho"] is False
    assert answer["Data"] == {
        "ClusterArn": cfn.aws.cluster("prod")["arn"],
        "AddedCidrs": ",".join(DISCOVERY),
        "PublicAccessEnabledByThisResource": "false",
    }


def test_a_failed_update_that_renames_the_cluster_keeps_the_physical_id_it_had(cfn: Harness) -> None:
    """CloudFormation reads a new physical id in a FAILED answer as a replacement; the old id must stay."""
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    created = cfn.create()

    answer = cfn.run(cfn.event("Update", "staging", physical_id=created["PhysicalResourceId"]))

    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == "EKS cluster 'staging' does not exist in this account and region. Nothing was changed."
    assert answer["PhysicalResourceId"] == "eks-cluster-access:prod"


def test_a_create_of_an_invalid_name_answers_with_an_id_of_its_request(cfn: Harness) -> None:
    event = cfn.event("Create", properties={"ClusterName": "-bad", "AllowedCidrs": DISCOVERY})

    answer = cfn.run(event)

    assert answer["Status"] == "FAILED"
    assert answer["PhysicalResourceId"] == f"eks-cluster-access:invalid:{event['RequestId']}"


def _sent_body(cfn: Harness, reason: str) -> dict[str, Any]:
    event = cfn.event("Create")
    cfn.module._respond(event, "FAILED", reason, "eks-cluster-access:prod", {"ClusterArn": "arn"})
    [body] = [r for r in cfn.aws.responses if r["RequestId"] == event["RequestId"]]
    return body


def test_an_answer_of_exactly_4096_bytes_is_sent_whole_and_one_byte_more_is_cut(cfn: Harness) -> None:
    """CloudFormation takes a response body of up to 4096 bytes."""
    short = _sent_body(cfn, "x")
    overhead = len(json.dumps(short).encode()) - 1  # the body around a one-character reason

    whole = _sent_body(cfn, "x" * (4096 - overhead))
    cut = _sent_body(cfn, "x" * (4097 - overhead))

    assert len(json.dumps(whole).encode()) == 4096
    assert whole["Reason"] == "x" * (4096 - overhead) and whole["Data"] == {"ClusterArn": "arn"}
    assert len(json.dumps(cut).encode()) == 4096 - 16  # 16 bytes left for characters JSON would escape
    assert cut["Reason"].endswith("x [truncated]") and cut["Data"] == {"ClusterArn": "arn"}


# --- handing off ---------------------------------------------------------------------------------------


def test_an_invocation_with_exactly_the_margin_left_after_a_poll_still_waits_that_poll(cfn: Harness) -> None:
    """The hand-off comes when less than the poll interval (15 s) plus 30 s is left: an invocation of 45 s
    waits its first poll interval (30 s are left then, and it hands off). One that handed off at once,
    with 45 s left, would never let time pass."""
    cfn.aws.request_latency = 0.0
    cfn.lambda_timeout = 45.0
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])

    answer = cfn.create()

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    # The 240 s update: each invocation polls, waits one poll interval, polls again and hands off, so
    # 240 / 15 invocations, the last one finding the update done.
    assert cfn.invocation_count == 16
    assert cfn.aws.count("DescribeUpdate") == 2 * 16


def test_a_hand_off_carries_the_deadline_the_invocations_and_the_update_in_flight(
    cfn: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    cfn.lambda_timeout = 120.0
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    start = cfn.aws.clock.now()

    assert cfn.create()["Status"] == "SUCCESS"

    payloads = [i["Payload"] for i in cfn.aws.invocations]
    assert len(payloads) == 3  # 240 s of update, in invocations of 120 s that hand off 45 s before their end
    [update_id] = update_ids(cfn)
    for number, payload in enumerate(payloads, 1):
        progress = payload["Continuation"]
        assert progress == {
            "deadline": pytest.approx(start + 1740, abs=1),
            "invocation": number,
            "pending_update": {
                "cluster": "prod",
                "id": update_id,
                "what": "endpoint access",
                "restore": json.dumps({"added_cidrs": [], "enabled_public_access": False}),
            },
        }
        assert f"handing off to a new invocation (progress {json.dumps(progress)})" in messages(caplog)
    request = {k: v for k, v in payloads[0].items() if k != "Continuation"}
    assert all({k: v for k, v in p.items() if k != "Continuation"} == request for p in payloads)


# --- the logs --------------------------------------------------------------------------------------------


def test_a_create_and_a_delete_log_each_request_change_update_and_answer(
    cfn: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    cfn.lambda_timeout = 120.0
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])

    assert cfn.create()["Status"] == "SUCCESS"
    [update_id] = update_ids(cfn)
    logged = messages(caplog)

    assert logged[0] == f"request Create {LOGICAL_ID} (continuation: False)"
    assert logged[1] == (
        "updating endpoint access of prod: "
        + json.dumps(
            {
                "resourcesVpcConfig": {
                    "endpointPublicAccess": True,
                    "endpointPrivateAccess": False,
                    "publicAccessCidrs": [OFFICE, *DISCOVERY],
                }
            }
        )
    )
    assert logged.count(f"request Create {LOGICAL_ID} (continuation: True)") == 3
    assert logged[-2:] == [f"update {update_id} of prod succeeded", "responding SUCCESS: SUCCESS"]

    caplog.clear()
    assert cfn.delete()["Status"] == "SUCCESS"
    logged = messages(caplog)
    assert logged[0] == f"request Delete {LOGICAL_ID} (continuation: False)"
    assert logged[1].startswith("updating endpoint access of prod: ")
    assert logged[-1] == "responding SUCCESS: SUCCESS"


def test_a_failure_is_logged_as_a_warning_with_its_reason(cfn: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    answer = cfn.create("missing")

    reason = "EKS cluster 'missing' does not exist in this account and region. Nothing was changed."
    assert answer["Reason"] == reason
    assert messages(caplog, logging.WARNING) == [f"failed: {reason}"]
    assert messages(caplog)[-1] == f"responding FAILED: {reason}"


def test_an_unexpected_error_is_logged_with_its_traceback(
    cfn: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)
    cfn.aws.add_cluster("prod")

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(cfn.module, "plan_endpoint", broken)

    assert cfn.create()["Reason"] == "unexpected error (KeyError): 'boom'"
    [error] = messages(caplog, logging.ERROR)
    assert error.startswith("unexpected error: Traceback (most recent call last):")
    assert error.rstrip().endswith("KeyError: 'boom'")


def test_a_failed_hand_off_is_logged_with_its_traceback(cfn: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    cfn.lambda_timeout = 60
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.inject_fault("Invoke", status=403, code="AccessDeniedException", message="not allowed to invoke")

    answer = cfn.create()

    assert answer["Reason"].startswith(f"could not continue in a new invocation of {FUNCTION_NAME}: ")
    [error] = messages(caplog, logging.ERROR)
    assert error.startswith("hand-off failed: Traceback (most recent call last):")
    assert "not allowed to invoke" in error


def test_what_delete_leaves_on_the_cluster_is_logged_with_why(cfn: Harness, caplog: pytest.LogCaptureFixture) -> None:
    """Delete succeeds without undoing all it did in three cases; each says what was left, and why."""
    caplog.set_level(logging.INFO)
    for name in ("failed", "alone"):
        cfn.aws.add_cluster(name, auth_mode="API", cidrs=[OFFICE])
        assert cfn.create(name)["Status"] == "SUCCESS"
    cfn.aws.add_cluster("public", auth_mode="API", public=False, private=True)
    assert cfn.create("public", public=True)["Status"] == "SUCCESS"
    # Then, by hand: "failed" failed; "alone" lost the office range, so only the discovery CIDRs are left;
    # "public" lost its private access, so the public endpoint is its only one.
    for name, settings in {
        "failed": {"cidrs": [OFFICE, *DISCOVERY], "status": "FAILED"},
        "alone": {"cidrs": DISCOVERY},
        "public": {"cidrs": DISCOVERY, "public": True, "private": False},
    }.items():
        cfn.aws.remove_cluster(name)
        cfn.aws.add_cluster(name, auth_mode="API", **settings)
    caplog.clear()

    for name in ("failed", "alone", "public"):
        assert cfn.delete(name)["Status"] == "SUCCESS"

    assert messages(caplog, logging.WARNING) == [
        f"cluster failed is FAILED: left {DISCOVERY} on its endpoint",
        f"kept {DISCOVERY} on alone: removing them would leave the public endpoint without any CIDR",
        "left public access on for public: private access is off, so it is the cluster's only endpoint",
        f"kept {DISCOVERY} on public: removing them would leave the public endpoint without any CIDR",
    ]


def test_a_response_put_that_fails_is_logged_and_tried_again(
    cfn: Harness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)
    event = cfn.event("Create")
    waits: list[float] = []
    timeouts: list[float] = []

    def unreachable(request: Any, timeout: float) -> None:
        timeouts.append(timeout)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(cfn.module, "_sleep", waits.append)
    monkeypatch.setattr(cfn.module.urllib.request, "urlopen", unreachable)

    with pytest.raises(RuntimeError, match=r"^could not deliver the response to CloudFormation$"):
        cfn.module._respond(event, "SUCCESS", "", "eks-cluster-access:prod")

    warnings = messages(caplog, logging.WARNING)
    assert [w.split(": ", 1)[0] for w in warnings] == [f"response PUT failed (attempt {n})" for n in (1, 2, 3)]
    assert all("Traceback (most recent call last):" in w for w in warnings)
    assert waits == [1, 2]  # no wait after the last attempt
    assert timeouts == [30, 30, 30]


# --- defaults, for a handler run without the construct's environment ---------------------------------------


@pytest.mark.parametrize(
    ("environment", "interval", "budget", "hand_offs"),
    # 1740 s outlast one invocation (900 s): the next one describes the update once more as it takes over.
    [({}, 15, 1740, 1), ({"POLL_INTERVAL_SECONDS": "40", "TIME_BUDGET_SECONDS": "600"}, 40, 600, 0)],
    ids=["defaults", "from-the-environment"],
)
def test_an_endless_update_is_polled_at_the_interval_until_the_budget_is_spent(
    cfn: Harness,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
    interval: int,
    budget: int,
    hand_offs: int,
) -> None:
    for name in ("POLL_INTERVAL_SECONDS", "TIME_BUDGET_SECONDS", "STATE_PARAMETER_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    cfn.aws.request_latency = 0.0
    cfn.aws.update_durations["EndpointAccessUpdate"] = 1e9
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    start = cfn.aws.clock.now()

    answer = cfn.create()

    assert answer["Status"] == "FAILED" and answer["Reason"].startswith("Timed out waiting for EKS endpoint access")
    # Given up when the next poll interval would pass the budget.
    assert start + budget - interval < cfn.aws.response_times[-1] <= start + budget
    # One DescribeUpdate as the update starts, then one every interval until the budget.
    describes = len([call for call in cfn.aws.calls if call[0] == "DescribeUpdate"])
    assert describes == 1 + budget // interval + hand_offs
    assert cfn.invocation_count == 1 + hand_offs
    # Without STATE_PARAMETER_PREFIX, the records are kept under the handler's own prefix.
    assert [name.rsplit("/", 1)[0] for name in cfn.aws.ssm_parameters] == [f"{STATE_PREFIX}/prod"]


def test_a_record_without_the_public_access_flag_says_public_access_was_not_turned_on(cfn: Harness) -> None:
    record = cfn.module.Record.from_json(json.dumps({"added_cidrs": DISCOVERY}))
    assert record == cfn.module.Record(list(DISCOVERY), False)
    assert cfn.module.Record.from_json("{}") == cfn.module.Record([], False)


def test_the_answer_is_put_with_an_empty_content_type_as_the_presigned_url_expects(
    cfn: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CloudFormation's ResponseURL is a presigned S3 URL signed for no content type: any other is refused."""
    sent: list[Any] = []

    class Answered:
        def __enter__(self) -> Answered:
            return self

        def __exit__(self, *_exc: object) -> None:
            return None

    def urlopen(request: Any, timeout: float) -> Answered:
        sent.append(request)
        return Answered()

    monkeypatch.setattr(cfn.module.urllib.request, "urlopen", urlopen)
    event = cfn.event("Create")

    cfn.module._respond(event, "SUCCESS", "", "eks-cluster-access:prod")

    [request] = sent
    assert (request.get_method(), request.full_url) == ("PUT", event["ResponseURL"])
    assert request.get_header("Content-type") == ""
    assert request.get_header("Content-length") == str(len(request.data))
    assert json.loads(request.data)["Status"] == "SUCCESS"
