"""Custom::EksClusterAccess at its edges: what Delete must not send, the SSM record around failed
updates, the 40-CIDR limit, and the Lambda and request time limits."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.handlers.conftest import Harness, InvocationKilled

DISCOVERY = ["34.71.64.3/32", "34.28.60.186/32"]
OFFICE = "198.51.100.0/24"
NEW = "35.190.0.10/32"


def someone_else_sets(cfn: Harness, cluster: str = "prod", **vpc_config: Any) -> None:
    """A person changes the cluster's endpoint in the console, and the update lands."""
    eks = boto3.client("eks", endpoint_url=cfn.aws.endpoint)
    eks.update_cluster_config(name=cluster, resourcesVpcConfig=vpc_config)
    cfn.aws.clock.advance(cfn.aws.update_durations["EndpointAccessUpdate"])
    assert cfn.aws.cluster(cluster)["status"] == "ACTIVE"


# --- Delete: never an update that EKS refuses or that cuts the cluster off --------------------------------


def test_delete_sends_no_empty_cidr_list_when_only_its_own_cidrs_are_left(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    assert cfn.create()["Status"] == "SUCCESS"
    someone_else_sets(cfn, publicAccessCidrs=DISCOVERY)  # the office range was taken out by hand
    before = len(cfn.mutations())

    answer = cfn.delete()

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert cfn.mutations()[before:] == []  # removing ours would leave a public endpoint nobody may reach
    assert cfn.endpoint() == (True, False, DISCOVERY)
    assert cfn.records() == {}


@pytest.mark.parametrize(
    ("cidrs_now", "cidrs_after_delete"),
    [(DISCOVERY, DISCOVERY), ([*DISCOVERY, OFFICE], [OFFICE])],
    ids=["only-ours", "someone-added-one"],
)
def test_delete_after_private_access_was_turned_off_leaves_public_access_on(
    cfn: Harness, cidrs_now: list[str], cidrs_after_delete: list[str]
) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", public=False, private=True)
    assert cfn.create(public=True)["Data"]["PublicAccessEnabledByThisResource"] == "true"
    # Someone now relies on the public endpoint alone: turning it off would cut the cluster off.
    someone_else_sets(cfn, endpointPrivateAccess=False, publicAccessCidrs=cidrs_now)
    before = len(cfn.mutations())

    answer = cfn.delete()

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert all(m["resourcesVpcConfig"].get("endpointPublicAccess") is True for m in cfn.mutations()[before:])
    assert all(m["resourcesVpcConfig"].get("endpointPrivateAccess") is False for m in cfn.mutations()[before:])
    assert cfn.endpoint() == (True, False, cidrs_after_delete)
    assert cfn.records() == {}


# --- the SSM record ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cluster_state", ["ACTIVE", "gone"])
def test_delete_removes_its_ssm_record(cfn: Harness, cluster_state: str) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.create()
    assert cfn.record() == {"added_cidrs": DISCOVERY, "enabled_public_access": False}
    if cluster_state == "gone":
        cfn.aws.remove_cluster("prod")

    assert cfn.delete()["Status"] == "SUCCESS"

    assert cfn.records() == {}
    assert cfn.aws.ssm_parameters == {}


def _created_with_discovery(cfn: Harness) -> tuple[str, dict[str, Any]]:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    first = cfn.create()
    assert first["Status"] == "SUCCESS"
    [raw] = [v for k, v in cfn.aws.ssm_parameters.items() if k in cfn.records()]
    return first["PhysicalResourceId"], {"raw": raw, "parsed": cfn.record()}


def test_a_rejected_update_puts_the_previous_record_back(cfn: Harness) -> None:
    physical_id, before = _created_with_discovery(cfn)
    cfn.aws.inject_fault(
        "UpdateClusterConfig", status=400, code="InvalidParameterException", message="rejected for the test"
    )

    answer = cfn.run(cfn.event("Update", cidrs=[DISCOVERY[1], NEW], physical_id=physical_id))

    assert answer["Status"] == "FAILED" and "InvalidParameterException: rejected for the test" in answer["Reason"]
    assert cfn.record() == before["parsed"] == {"added_cidrs": DISCOVERY, "enabled_public_access": False}
    assert list(cfn.aws.ssm_parameters.values()) == [before["raw"]]
    assert cfn.endpoint()[2] == [OFFICE, *DISCOVERY]


@pytest.mark.parametrize(
    ("status", "lambda_timeout"),
    [("Failed", 900.0), ("Cancelled", 900.0), ("Failed", 120.0)],
    ids=["failed", "cancelled", "failed-after-a-hand-off"],
)
def test_an_update_that_ends_failed_or_cancelled_puts_the_previous_record_back(
    cfn: Harness, status: str, lambda_timeout: float
) -> None:
    physical_id, before = _created_with_discovery(cfn)
    cfn.lambda_timeout = lambda_timeout
    cfn.aws.fail_next_update("prod", status=status)

    answer = cfn.run(cfn.event("Update", cidrs=[DISCOVERY[1], NEW], physical_id=physical_id))

    assert answer["Status"] == "FAILED" and f"ended {status}" in answer["Reason"]
    assert cfn.record() == before["parsed"] == {"added_cidrs": DISCOVERY, "enabled_public_access": False}
    assert list(cfn.aws.ssm_parameters.values()) == [before["raw"]]
    assert cfn.endpoint()[2] == [OFFICE, *DISCOVERY]


def test_the_record_after_an_update_holds_exactly_the_cidrs_of_ours_on_the_cluster(cfn: Harness) -> None:
    physical_id, _ = _created_with_discovery(cfn)

    assert cfn.run(cfn.event("Update", cidrs=[DISCOVERY[1], NEW], physical_id=physical_id))["Status"] == "SUCCESS"
    assert cfn.record() == {"added_cidrs": [DISCOVERY[1], NEW], "enabled_public_access": False}

    # Rollback: the old properties again.
    assert cfn.run(cfn.event("Update", cidrs=DISCOVERY, physical_id=physical_id))["Status"] == "SUCCESS"
    assert cfn.record() == {"added_cidrs": [DISCOVERY[1], DISCOVERY[0]], "enabled_public_access": False}
    assert cfn.endpoint()[2] == [OFFICE, DISCOVERY[1], DISCOVERY[0]]


def test_a_failed_first_update_leaves_no_cidr_on_record(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.fail_next_update("prod")
    assert cfn.create()["Status"] == "FAILED"
    assert cfn.record() in (None, {"added_cidrs": [], "enabled_public_access": False})


# --- the 40-CIDR limit ------------------------------------------------------------------------------------


def test_exactly_40_cidrs_after_the_merge_are_accepted(cfn: Harness) -> None:
    existing = [f"203.0.113.{i}/32" for i in range(38)]
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=existing)

    answer = cfn.create()

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert cfn.endpoint()[2] == [*existing, *DISCOVERY]
    assert len(cfn.endpoint()[2]) == 40


def test_41_cidrs_after_the_merge_are_refused_with_the_count(cfn: Harness) -> None:
    existing = [f"203.0.113.{i}/32" for i in range(39)]
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=existing)

    answer = cfn.create()

    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        "EKS cluster 'prod' allows 39 CIDRs on its public endpoint; adding 2 more would exceed the EKS limit of 40."
        " Nothing was changed."
    )
    assert cfn.mutations() == []


# --- time: each invocation's timeout, and the request's overall budget ------------------------------------


def test_every_invocation_ends_before_its_lambda_timeout(cfn: Harness) -> None:
    """Each request takes 3 s here (a slow answer, a retry): the hand-off must leave room for the last
    poll and the self-invocation. With no hand-off margin (or one of 5 s) an invocation outlives its
    timeout at both of these timeouts; with 30 s none does, at any timeout from 60 to 80 s."""
    cfn.aws.request_latency = 3.0
    cfn.aws.update_durations["EndpointAccessUpdate"] = 150.0
    for i, timeout in enumerate((60, 71)):
        name = f"prod{i}"
        cfn.aws.add_cluster(name, auth_mode="API", cidrs=[OFFICE])
        cfn.lambda_timeout = float(timeout)
        before = cfn.invocation_count
        answer = cfn.create(name)  # raises InvocationKilled when an invocation outlives its timeout
        assert answer["Status"] == "SUCCESS", (timeout, answer["Reason"])
        assert cfn.invocation_count - before >= 2, timeout  # the update outlasted the first invocation
        assert cfn.endpoint(name)[2] == [OFFICE, *DISCOVERY]


def test_an_invocation_that_outlives_its_timeout_fails_the_test(cfn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cfn.module, "HANDOFF_MARGIN_SECONDS", -30.0)  # waits past the end of the invocation
    cfn.lambda_timeout = 120.0
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    with pytest.raises(InvocationKilled, match="was killed: asleep"):
        cfn.create()


def test_an_update_that_never_ends_fails_once_the_overall_budget_is_spent(
    cfn: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    budget = 600.0
    monkeypatch.setenv("TIME_BUDGET_SECONDS", str(budget))
    cfn.lambda_timeout = 120.0
    cfn.aws.update_durations["EndpointAccessUpdate"] = 1e9
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    start = cfn.aws.clock.now()

    answer = cfn.create()

    answered_at = cfn.aws.response_times[cfn.aws.responses.index(answer)]
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("Timed out waiting for EKS endpoint access update")
    assert "took longer than its time budget" in answer["Reason"]
    assert cfn.invocation_count >= 4  # several hand-offs, one budget for all of them
    # Given up when the next poll would overrun the budget: not a poll interval early, and not later.
    assert (
        start + budget - 15 - 5 * cfn.aws.request_latency < answered_at <= start + budget + 2 * cfn.aws.request_latency
    )


# --- a record that no longer matches the cluster -----------------------------------------------------


def test_an_update_forgets_cidrs_that_left_the_cluster_so_delete_never_takes_a_customers_own(cfn: Harness) -> None:
    """Someone opened the endpoint to everyone by hand, which dropped the discovery CIDRs: an Update then
    sends nothing (0.0.0.0/0 already admits discovery), but its record must say that nothing of ours is
    left. Otherwise a CIDR the customer adds later under the same address would be removed on Delete."""
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    first = cfn.create()
    assert cfn.record() == {"added_cidrs": DISCOVERY, "enabled_public_access": False}
    someone_else_sets(cfn, publicAccessCidrs=["0.0.0.0/0"])
    before = len(cfn.mutations())

    update = cfn.run(cfn.event("Update", cidrs=DISCOVERY, physical_id=first["PhysicalResourceId"]))

    assert update["Status"] == "SUCCESS", update["Reason"]
    assert cfn.mutations()[before:] == []
    assert cfn.record() == {"added_cidrs": [], "enabled_public_access": False}
    # The customer now allows one of those addresses themselves, next to their office.
    someone_else_sets(cfn, publicAccessCidrs=[OFFICE, DISCOVERY[0]])
    assert cfn.delete()["Status"] == "SUCCESS"
    assert cfn.endpoint() == (True, False, [OFFICE, DISCOVERY[0]])
