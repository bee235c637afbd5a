"""Estate coverage of EKS clusters: opened when their owners tag them, reverted exactly when they untag them.

The handler runs as Lambda runs it (its inline code, with the EKS handler bundled in) against the suite's
stateful EKS fake, through real boto3, on the harness's virtual clock: EKS updates take virtual minutes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.handlers.coverage_harness import (
    ACCOUNT_ID,
    CLUSTER_ENVIRONMENT,
    CLUSTER_SETTINGS,
    OWNER,
    REPORT_PARAMETER,
    Harness,
    coverage_harness,
)

ROLE = CLUSTER_SETTINGS["DISCOVERY_ROLE_ARN"]
VIEW_POLICY = CLUSTER_SETTINGS["ACCESS_POLICY_ARN"]
DISCOVERY = ["34.71.64.3/32", "34.28.60.186/32"]
OFFICE = "203.0.113.0/24"
OPT_IN = ("airs-discovery", "on")
PUBLIC = ("airs-discovery-public-endpoint", "allow")
MARKER = "airs-onboarding:coverage"

EKS_WRITES = (
    "UpdateClusterConfig",
    "CreateAccessEntry",
    "AssociateAccessPolicy",
    "DeleteAccessEntry",
    "TagResource",
    "UntagResource",
)
AUTH_MODE_STAYS = "the authentication mode is left as it is (EKS cannot undo a change of it)"


@pytest.fixture
def aws() -> Iterator[Harness]:
    with coverage_harness(CLUSTER_ENVIRONMENT) as harness:
        yield harness


def created(aws: Harness) -> dict[str, Any]:
    answer = aws.cfn("Create")
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    return answer


def report(aws: Harness) -> dict[str, Any]:
    value = aws.parameter(REPORT_PARAMETER)
    assert value is not None
    parsed: dict[str, Any] = json.loads(value)
    return parsed


def record(aws: Harness, cluster: str) -> dict[str, Any] | None:
    value = aws.parameter(f"{REPORT_PARAMETER}/clusters/{cluster}")
    return None if value is None else dict(json.loads(value))


def endpoint(aws: Harness, name: str) -> tuple[bool, bool, list[str]]:
    vpc = aws.eks.cluster(name)["resourcesVpcConfig"]
    return vpc["endpointPublicAccess"], vpc["endpointPrivateAccess"], vpc["publicAccessCidrs"]


def auth_mode(aws: Harness, name: str) -> str:
    return str(aws.eks.cluster(name)["accessConfig"]["authenticationMode"])


def eks_writes(aws: Harness) -> dict[str, int]:
    return {op: n for op, n in aws.counts().items() if op in EKS_WRITES}


def tagged(**extra: str) -> dict[str, str]:
    return {OPT_IN[0]: OPT_IN[1], **extra}


# --- opening -------------------------------------------------------------------------------------------


def test_a_tagged_config_map_cluster_is_opened_with_the_eks_handlers_change_and_an_access_entry(aws: Harness) -> None:
    aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=tagged())
    aws.eks.add_cluster("other", cidrs=[OFFICE])
    answer = created(aws)
    assert auth_mode(aws, "prod") == "API_AND_CONFIG_MAP"
    # The existing list verbatim and first, then the discovery CIDRs.
    assert endpoint(aws, "prod") == (True, False, [OFFICE, *DISCOVERY])
    entry = aws.eks.access_entry("prod", ROLE)
    assert entry is not None and entry["tags"] == {MARKER: OWNER} and entry["type"] == "STANDARD"
    assert list(aws.eks.access_policies("prod", ROLE)) == [VIEW_POLICY]
    assert aws.eks.access_policies("prod", ROLE)[VIEW_POLICY]["accessScope"]["type"] == "cluster"
    assert aws.eks.tags("prod") == {**tagged(), MARKER: OWNER}
    # The cluster without the tag is not touched at all.
    assert auth_mode(aws, "other") == "CONFIG_MAP" and endpoint(aws, "other") == (True, False, [OFFICE])
    assert aws.eks.access_entries("other") == {} and aws.eks.tags("other") == {}
    assert record(aws, "prod") == {
        "marked": True,
        "added_cidrs": DISCOVERY,
        "enabled_public_access": False,
        "access_entry": "created",
        "principal": ROLE,
    }
    assert record(aws, "other") is None
    assert report(aws)["clusters"] == {
        "other": {"state": "not-tagged"},
        "prod": {"state": "opened", "access_entry": "created"},
    }
    assert report(aws)["cluster_counts"] == {
        "Clusters": 2,
        "Opened": 1,
        "NotTagged": 1,
        "Refused": 0,
        "Failed": 0,
        "Reverted": 0,
        "Pending": 0,
    }
    assert report(aws)["cluster_coverage"] == "tagged" and report(aws)["cover_vpcs"] is False
    assert answer["Data"]["ClustersOpened"] == "1" and answer["Data"]["Clusters"] == "2"
    # One update type per call: the auth mode, then the endpoint.
    assert [list(set(p) - {"name", "clientRequestToken"}) for p in aws.of("UpdateClusterConfig")] == [
        ["accessConfig"],
        ["resourcesVpcConfig"],
    ]


def test_an_already_compliant_cluster_costs_two_eks_reads_and_no_write(aws: Harness) -> None:
    aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=tagged())
    created(aws)
    aws.reset_calls()
    start = aws.clock.now()
    assert aws.sweep()["report"] == "unchanged"
    assert aws.writes() == {}
    assert {op: n for op, n in aws.reads().items() if op not in ("GetParameter", "GetParametersByPath")} == {
        "ListClusters": 1,
        "DescribeCluster": 1,
        "DescribeAccessEntry": 1,
    }
    assert aws.clock.now() - start < 5


def test_a_cluster_open_to_everyone_keeps_its_list_and_gets_only_the_access_entry(aws: Harness) -> None:
    aws.eks.add_cluster("open", auth_mode="API", cidrs=["0.0.0.0/0"], tags=tagged())
    created(aws)
    assert endpoint(aws, "open") == (True, False, ["0.0.0.0/0"])
    assert "UpdateClusterConfig" not in aws.counts()
    assert aws.eks.access_entry("open", ROLE) is not None
    # Nothing was added to the endpoint, so nothing of it is on record.
    assert record(aws, "open") == {"marked": True, "access_entry": "created", "principal": ROLE}


def test_all_coverage_opens_clusters_without_the_tag(aws: Harness) -> None:
    os.environ["CLUSTER_COVERAGE"] = "all"
    aws.eks.add_cluster("untagged", auth_mode="API_AND_CONFIG_MAP", cidrs=[OFFICE])
    created(aws)
    assert endpoint(aws, "untagged")[2] == [OFFICE, *DISCOVERY]
    assert report(aws)["clusters"]["untagged"]["state"] == "opened"
    assert report(aws)["cluster_coverage"] == "all"


# --- leaving scope -------------------------------------------------------------------------------------


def test_tag_on_off_on_opens_reverts_exactly_and_opens_again(aws: Harness) -> None:
    aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=tagged(team="ml"))
    created(aws)
    # Someone adds a CIDR of their own meanwhile: it is theirs, and stays.
    aws.eks_client.update_cluster_config(
        name="prod", resourcesVpcConfig={"publicAccessCidrs": [OFFICE, *DISCOVERY, "198.51.100.0/24"]}
    )
    aws.clock.advance(600)

    aws.eks.untag("prod", OPT_IN[0])
    aws.reset_calls()
    aws.sweep()
    assert endpoint(aws, "prod") == (True, False, [OFFICE, "198.51.100.0/24"])
    assert aws.eks.access_entry("prod", ROLE) is None
    assert aws.eks.tags("prod") == {"team": "ml"}  # our marker is gone, theirs stay
    assert auth_mode(aws, "prod") == "API_AND_CONFIG_MAP"
    assert record(aws, "prod") is None
    reverted = report(aws)["clusters"]["prod"]
    assert reverted["state"] == "reverted"
    assert reverted["reason"] == (
        f"removed the CIDRs it added ({', '.join(DISCOVERY)}), the discovery role's access entry it created; "
        + AUTH_MODE_STAYS
    )
    assert eks_writes(aws) == {"DeleteAccessEntry": 1, "UpdateClusterConfig": 1, "UntagResource": 1}

    # The next sweep finds it out of scope, with nothing left to do.
    aws.reset_calls()
    aws.sweep()
    assert eks_writes(aws) == {}

    aws.eks.tag("prod", dict([OPT_IN]))
    aws.sweep()
    assert endpoint(aws, "prod")[2] == [OFFICE, "198.51.100.0/24", *DISCOVERY]
    assert aws.eks.access_entry("prod", ROLE) is not None
    assert report(aws)["clusters"]["prod"] == {"state": "opened", "access_entry": "created"}


def test_a_changed_tag_value_is_leaving_scope(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    created(aws)
    aws.eks.tag("prod", {OPT_IN[0]: "off"})
    aws.sweep()
    assert endpoint(aws, "prod")[2] == [OFFICE]
    assert report(aws)["clusters"]["prod"]["state"] == "reverted"


def test_a_foreign_access_entry_is_left_alone_and_counts_as_opened(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API_AND_CONFIG_MAP", cidrs=[OFFICE], tags=tagged())
    aws.eks.add_access_entry("prod", ROLE)
    created(aws)
    assert report(aws)["clusters"]["prod"] == {"state": "opened", "access_entry": "existing"}
    assert "CreateAccessEntry" not in aws.counts() and "AssociateAccessPolicy" not in aws.counts()
    aws.eks.untag("prod", OPT_IN[0])
    aws.sweep()
    assert aws.eks.access_entry("prod", ROLE) is not None  # not ours: never deleted
    assert "DeleteAccessEntry" not in aws.counts()
    assert report(aws)["clusters"]["prod"]["reason"] == (
        f"removed the CIDRs it added ({', '.join(DISCOVERY)}); " + AUTH_MODE_STAYS
    )


# --- the public endpoint -------------------------------------------------------------------------------


def test_a_private_only_cluster_is_refused_without_the_public_endpoint_tag(aws: Harness) -> None:
    aws.eks.add_cluster("private", public=False, private=True, tags=tagged())
    created(aws)
    refused = report(aws)["clusters"]["private"]
    assert refused["state"] == "refused"
    assert (
        "Turning public access on is a security decision this stack does not take by itself: tag the cluster"
        f" {PUBLIC[0]}={PUBLIC[1]} to turn it on for exactly those addresses, or give discovery another network"
        " path. Nothing was changed."
    ) in refused["reason"]
    assert eks_writes(aws) == {} and auth_mode(aws, "private") == "CONFIG_MAP"
    assert record(aws, "private") is None


def test_the_public_endpoint_tag_turns_public_access_on_and_its_removal_off_again(aws: Harness) -> None:
    aws.eks.add_cluster("private", auth_mode="API", public=False, private=True, tags=tagged(**dict([PUBLIC])))
    created(aws)
    assert endpoint(aws, "private") == (True, True, DISCOVERY)
    assert record(aws, "private")["enabled_public_access"] is True  # type: ignore[index]
    aws.eks.untag("private", PUBLIC[0])
    aws.sweep()
    assert endpoint(aws, "private")[:2] == (False, True)
    assert record(aws, "private")["enabled_public_access"] is False  # type: ignore[index]
    assert report(aws)["clusters"]["private"] == {
        "state": "refused",
        "reason": "public access, which this coverage had turned on, is off again as it was found, because the"
        " cluster no longer opts in to it; discovery cannot reach a private-only cluster: tag the cluster"
        f" {PUBLIC[0]}={PUBLIC[1]} to turn it on for exactly those addresses",
        "access_entry": "created",
    }
    # The next sweep finds it refused before changing anything.
    aws.reset_calls()
    aws.sweep()
    assert eks_writes(aws) == {} and report(aws)["clusters"]["private"]["state"] == "refused"


def test_without_a_public_endpoint_tag_setting_no_cluster_can_opt_in(aws: Harness) -> None:
    os.environ["PUBLIC_ENDPOINT_TAG_KEY"] = ""
    aws.eks.add_cluster("private", public=False, private=True, tags=tagged(**dict([PUBLIC])))
    created(aws)
    assert report(aws)["clusters"]["private"]["state"] == "refused"
    assert "its public-endpoint tag is switched off" in report(aws)["clusters"]["private"]["reason"]


# --- never harm ----------------------------------------------------------------------------------------


def test_a_busy_cluster_is_waited_out(aws: Harness) -> None:
    aws.eks.add_cluster("busy", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    aws.eks.start_foreign_update("busy", duration=120.0)
    created(aws)
    assert endpoint(aws, "busy")[2] == [OFFICE, *DISCOVERY]
    assert report(aws)["clusters"]["busy"]["state"] == "opened"


def test_one_clusters_failure_does_not_block_the_others_or_fail_the_stack(aws: Harness) -> None:
    aws.eks.add_cluster("a", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    aws.eks.add_cluster("b", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    aws.fail("CreateAccessEntry", "AccessDeniedException", status=403, times=1)
    answer = created(aws)
    states = {name: entry["state"] for name, entry in report(aws)["clusters"].items()}
    assert sorted(states.values()) == ["failed", "opened"]
    failed = next(entry for entry in report(aws)["clusters"].values() if entry["state"] == "failed")
    assert failed["reason"].startswith("access denied: the function's role may not call eks:CreateAccessEntry")
    assert answer["Data"]["ClustersFailed"] == "1"
    # The next sweep finishes the failed one.
    aws.sweep()
    assert {entry["state"] for entry in report(aws)["clusters"].values()} == {"opened"}


def test_a_cluster_being_created_is_waited_for(aws: Harness) -> None:
    aws.eks.add_cluster("new", auth_mode="API", cidrs=[OFFICE], tags=tagged(), creating_for=120.0)
    created(aws)
    assert report(aws)["clusters"]["new"]["state"] == "opened"


def test_two_runs_at_once_change_each_cluster_once(aws: Harness) -> None:
    aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=tagged())
    created(aws)
    aws.eks.untag("prod", OPT_IN[0])
    aws.reset_calls()
    inner: list[Any] = []
    # The outer sweep has planned the revert and is about to take the lease: another sweep runs whole.
    aws.when("PutParameter", lambda _params: inner.append(aws.sweep()))
    aws.sweep()
    assert inner and eks_writes(aws) == {"DeleteAccessEntry": 1, "UpdateClusterConfig": 1, "UntagResource": 1}


# --- time budget and hand-off --------------------------------------------------------------------------


def test_30_tagged_clusters_stay_within_each_runs_budget_and_finish_through_hand_offs(aws: Harness) -> None:
    for n in range(30):
        aws.eks.add_cluster(f"c{n:02}", cidrs=[OFFICE], tags=tagged())
    answer = created(aws)
    # The Create answered within the function's timeout, with work left and handed on.
    assert int(answer["Data"]["ClustersPending"]) > 0
    (hand_off,) = aws.of("Invoke")
    continuation = json.loads(hand_off["Payload"])
    assert continuation == {
        "source": "airs-onboarding.estate-coverage",
        "detail-type": "Continuation",
        "detail": {"hand_offs": 1, "after": "Create"},
    }
    runs = 1
    while report(aws)["cluster_counts"]["Pending"]:
        aws.invoke(continuation)
        runs += 1
        continuation["detail"]["hand_offs"] += 1
        assert runs < 6
    assert report(aws)["cluster_counts"]["Opened"] == 30
    for n in range(30):
        assert endpoint(aws, f"c{n:02}")[2] == [OFFICE, *DISCOVERY]
        assert auth_mode(aws, f"c{n:02}") == "API_AND_CONFIG_MAP"
    assert aws.counts()["UpdateClusterConfig"] == 60  # each change made once, none repeated


def test_hand_offs_stop_after_three_in_a_row(aws: Harness) -> None:
    for n in range(30):
        aws.eks.add_cluster(f"c{n:02}", cidrs=[OFFICE], tags=tagged())
    created(aws)
    aws.reset_calls()
    aws.invoke({"source": "airs-onboarding.estate-coverage", "detail-type": "Continuation", "detail": {"hand_offs": 3}})
    assert "Invoke" not in aws.counts()


# --- coverage switched off, and Delete -----------------------------------------------------------------


def test_an_update_that_switches_cluster_coverage_off_reverts_every_cluster(aws: Harness) -> None:
    aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=tagged())
    created(aws)
    os.environ["CLUSTER_COVERAGE"] = "none"
    os.environ["COVER_VPCS"] = "true"
    answer = aws.cfn("Update")
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert endpoint(aws, "prod")[2] == [OFFICE]
    assert aws.eks.access_entry("prod", ROLE) is None and aws.eks.tags("prod") == tagged()
    assert record(aws, "prod") is None


def test_delete_reverts_every_cluster_and_removes_the_records_of_clusters_that_are_gone(aws: Harness) -> None:
    aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=tagged())
    aws.eks.add_cluster("gone", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    created(aws)
    aws.eks.remove_cluster("gone")
    answer = aws.cfn("Delete")
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert endpoint(aws, "prod")[2] == [OFFICE]
    assert aws.eks.access_entry("prod", ROLE) is None
    assert record(aws, "prod") is None and record(aws, "gone") is None
    assert aws.parameter(REPORT_PARAMETER) is None


def test_a_delete_that_cannot_revert_a_cluster_fails_and_keeps_the_report(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    created(aws)
    aws.fail("DeleteAccessEntry", "AccessDeniedException", status=403, times=None)
    answer = aws.cfn("Delete")
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("Could not revert every EKS cluster this coverage changed: cluster prod:")
    assert answer["Reason"].endswith("Fix the cause and retry the deletion.")
    assert aws.parameter(REPORT_PARAMETER) is not None and record(aws, "prod") is not None


# --- the access entry ----------------------------------------------------------------------------------


def test_an_update_starting_just_before_the_access_entry_is_waited_out(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], tags=tagged())
    # EKS answers 409 to CreateAccessEntry while an update runs, as it does for an entry that exists.
    aws.when("CreateAccessEntry", lambda _params: aws.eks.start_foreign_update("prod", duration=60.0))
    created(aws)
    # Asked again every 15 s poll until the 60 s update ended: 4 refusals, then the entry.
    assert aws.counts()["CreateAccessEntry"] == 5
    assert aws.eks.access_entry("prod", ROLE) is not None
    assert list(aws.eks.access_policies("prod", ROLE)) == [VIEW_POLICY]
    assert report(aws)["clusters"]["prod"] == {"state": "opened", "access_entry": "created"}


def test_an_entry_whose_policy_was_not_associated_gets_it_on_the_next_run(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], tags=tagged())
    aws.fail("AssociateAccessPolicy", "AccessDeniedException", status=403, times=1)
    created(aws)
    assert report(aws)["clusters"]["prod"]["state"] == "failed"
    assert record(aws, "prod")["access_entry"] == "creating"  # type: ignore[index]
    assert aws.eks.access_policies("prod", ROLE) == {}
    aws.sweep()
    assert list(aws.eks.access_policies("prod", ROLE)) == [VIEW_POLICY]
    assert record(aws, "prod")["access_entry"] == "created"  # type: ignore[index]
    assert aws.counts()["CreateAccessEntry"] == 1  # the entry was kept, not made twice


def test_an_entry_created_by_a_request_whose_answer_was_lost_is_known_as_ours(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], tags=tagged())
    aws.fail("CreateAccessEntry", "ResourceInUseException", status=409, times=1, executed=True)
    created(aws)
    assert report(aws)["clusters"]["prod"] == {"state": "opened", "access_entry": "created"}
    aws.eks.untag("prod", OPT_IN[0])
    aws.sweep()
    assert aws.eks.access_entry("prod", ROLE) is None  # ours, so the revert deletes it


def test_a_new_discovery_role_gets_its_entry_and_the_old_ones_goes(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], tags=tagged())
    created(aws)
    new_role = f"arn:aws:iam::{ACCOUNT_ID}:role/airs-discovery-2"
    os.environ["DISCOVERY_ROLE_ARN"] = new_role
    aws.cfn("Update")
    assert aws.eks.access_entry("prod", ROLE) is None
    assert aws.eks.access_entry("prod", new_role) is not None
    assert record(aws, "prod")["principal"] == new_role  # type: ignore[index]


def test_a_removed_marker_is_put_back_so_that_the_cluster_can_still_be_reverted(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    created(aws)
    aws.eks.untag("prod", MARKER)
    aws.reset_calls()
    aws.sweep()
    assert aws.eks.tags("prod")[MARKER] == OWNER
    assert eks_writes(aws) == {"TagResource": 1}


def test_a_cluster_being_deleted_loses_only_its_record(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    created(aws)
    aws.eks.untag("prod", OPT_IN[0])
    aws.eks.delete_cluster("prod", duration=600.0)
    aws.reset_calls()
    aws.sweep()
    assert eks_writes(aws) == {}  # EKS refuses changes to a cluster being deleted, and it takes them along
    assert record(aws, "prod") is None
    assert report(aws)["clusters"]["prod"] == {
        "state": "reverted",
        "reason": "the cluster is deleted or being deleted; its record was removed",
    }


def test_an_unexpected_error_on_one_cluster_is_reported_and_the_others_go_on(aws: Harness) -> None:
    aws.eks.add_cluster("a", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], tags=tagged())
    aws.eks.add_cluster("b", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], tags=tagged())

    def explode(_params: dict[str, Any]) -> None:
        raise KeyError("surprise")

    aws.when("CreateAccessEntry", explode)
    answer = created(aws)
    entries = report(aws)["clusters"]
    assert sorted(e["state"] for e in entries.values()) == ["failed", "opened"]
    failed = next(e for e in entries.values() if e["state"] == "failed")
    assert failed["reason"] == "unexpected error (KeyError): 'surprise'"
    assert answer["Status"] == "SUCCESS"


# --- the report's size, and undoing ----------------------------------------------------------------------


def test_many_refused_clusters_fit_the_report_and_the_deploy_succeeds(aws: Harness) -> None:
    for n in range(25):
        aws.eks.add_cluster(f"private-{n:02}", public=False, private=True, tags=tagged())
    for n in range(40):
        aws.eks.add_cluster(f"open-{n:02}", auth_mode="API", cidrs=["0.0.0.0/0"], tags=tagged())
    answer = created(aws)
    assert answer["Data"]["ClustersRefused"] == "25" and answer["Data"]["ClustersOpened"] == "40"
    stored = aws.parameter(REPORT_PARAMETER)
    assert stored is not None and len(stored.encode()) <= 8192
    cut = json.loads(stored)
    assert cut["cluster_counts"]["Clusters"] == 65  # the counts stay complete
    # The opened clusters go first; refused ones stay as long as they fit, with shortened reasons.
    assert all(entry["state"] == "refused" for entry in cut["clusters"].values())
    assert cut["omitted_clusters"] == 65 - len(cut["clusters"]) and cut["omitted_clusters"] >= 40
    assert all(len(entry["reason"]) <= 200 for entry in cut["clusters"].values())


def test_a_failed_planning_read_fails_only_that_cluster(aws: Harness) -> None:
    aws.eks.add_cluster("a", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], tags=tagged())
    aws.eks.add_cluster("b", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], tags=tagged())
    created(aws)
    aws.fail("DescribeAccessEntry", "AccessDeniedException", status=403, times=1)
    result = aws.sweep()
    assert result["report"] == "written"
    states = sorted(entry["state"] for entry in report(aws)["clusters"].values())
    assert states == ["failed", "opened"]


def test_a_failed_untag_keeps_the_record_and_the_next_run_finishes_the_revert(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    created(aws)
    aws.eks.untag("prod", OPT_IN[0])
    aws.fail("UntagResource", "AccessDeniedException", status=403, times=1)
    aws.sweep()
    assert report(aws)["clusters"]["prod"]["state"] == "failed"
    assert endpoint(aws, "prod")[2] == [OFFICE] and record(aws, "prod") is not None
    aws.sweep()
    assert MARKER not in aws.eks.tags("prod") and record(aws, "prod") is None
    assert report(aws)["clusters"]["prod"]["state"] == "reverted"


def test_a_tagged_cluster_being_deleted_is_left_alone(aws: Harness) -> None:
    aws.eks.add_cluster("going", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    aws.eks.delete_cluster("going", duration=600.0)
    created(aws)
    assert eks_writes(aws) == {} and record(aws, "going") is None
    assert "going" not in report(aws)["clusters"]


def test_a_failed_cluster_is_reported_and_not_touched(aws: Harness) -> None:
    aws.eks.add_cluster("broken", auth_mode="API", cidrs=[OFFICE], tags=tagged(), status="FAILED")
    created(aws)
    assert eks_writes(aws) == {}
    assert report(aws)["clusters"]["broken"] == {
        "state": "failed",
        "reason": "the cluster is FAILED: EKS changes nothing on it",
    }


def test_switching_vpc_coverage_off_removes_our_flow_logs_under_the_lease() -> None:
    with coverage_harness({**CLUSTER_ENVIRONMENT, "COVER_VPCS": "true"}) as aws:
        aws.add_vpc()
        created(aws)
        assert len(aws.ours()) == 2
        os.environ["COVER_VPCS"] = "false"
        aws.reset_calls()
        assert aws.cfn("Update")["Status"] == "SUCCESS"
        assert aws.ours() == []
        lease = f"{REPORT_PARAMETER}/lease"
        assert aws.of("PutParameter")[0]["Name"] == lease
        assert lease in [p["Name"] for p in aws.of("DeleteParameter")]


def test_switching_cluster_coverage_off_reverts_under_the_lease(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    created(aws)
    os.environ["CLUSTER_COVERAGE"] = "none"
    os.environ["COVER_VPCS"] = "true"
    aws.reset_calls()
    aws.cfn("Update")
    lease = f"{REPORT_PARAMETER}/lease"
    writes = [c.operation for c in aws.calls if c.operation in ("PutParameter", "UpdateClusterConfig")]
    assert writes[0] == "PutParameter" and aws.of("PutParameter")[0]["Name"] == lease
    assert "UpdateClusterConfig" in writes


def test_a_creating_record_with_someone_elses_entry_leaves_it_alone(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], tags=tagged())
    aws.fail("CreateAccessEntry", "ServiceUnavailableException", status=400, times=1)
    created(aws)
    assert "access_entry" not in (record(aws, "prod") or {})
    # A crash after the write-ahead: the record says "creating", and someone else's entry appears.
    aws.ssm.put_parameter(
        Name=f"{REPORT_PARAMETER}/clusters/prod",
        Value=json.dumps({"marked": True, "access_entry": "creating", "principal": ROLE}),
        Type="String",
        Overwrite=True,
    )
    aws.eks.add_access_entry("prod", ROLE)
    aws.reset_calls()
    aws.sweep()
    assert report(aws)["clusters"]["prod"] == {"state": "opened", "access_entry": "existing"}
    assert "AssociateAccessPolicy" not in aws.counts()
    assert "access_entry" not in (record(aws, "prod") or {})  # not ours: nothing to undo


# --- when the clusters cannot be read -------------------------------------------------------------------


def test_a_refused_list_of_clusters_fails_the_create_before_any_change(aws: Harness) -> None:
    aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=tagged())
    aws.fail("ListClusters", "AccessDeniedException", status=403, message="not allowed", times=None)
    answer = aws.cfn("Create")
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        "Could not assess cluster coverage: access denied: the function's role may not call eks:ListClusters (not"
        " allowed). Check the role's policy and any SCP or permissions boundary. Nothing was changed."
    )
    assert eks_writes(aws) == {}


def test_a_cluster_that_cannot_be_described_fails_the_run_before_any_change(aws: Harness) -> None:
    aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=tagged())
    aws.fail("DescribeCluster", "AccessDeniedException", status=403, message="no", times=None)
    answer = aws.cfn("Create")
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        "Could not assess cluster coverage: Access denied: the handler's role may not call eks:DescribeCluster for"
        " cluster 'prod' (no). Check the role's policy and any SCP or permissions boundary. Nothing was changed."
    )
    assert eks_writes(aws) == {}


def test_an_update_left_in_flight_is_finished_by_the_next_run_and_a_failure_restores_the_record(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    aws.eks.fail_next_update("prod", errors=[{"errorCode": "Unknown", "errorMessage": "it broke"}])
    os.environ["TIME_BUDGET_SECONDS"] = "100"  # the endpoint update takes 240 s
    answer = created(aws)
    assert answer["Data"]["ClustersPending"] == "1"
    pending = record(aws, "prod")
    assert pending is not None and pending["added_cidrs"] == DISCOVERY  # written ahead of the update
    assert pending["pending_update"]["what"] == "endpoint access"
    del os.environ["TIME_BUDGET_SECONDS"]
    aws.clock.advance(300)
    aws.sweep()
    # The next run finds the update Failed: what it was to add is off the record again.
    restored = record(aws, "prod")
    assert restored is not None and restored.get("added_cidrs") == [] and "pending_update" not in restored
    failed = report(aws)["clusters"]["prod"]
    assert failed["state"] == "failed" and "ended Failed: Unknown: it broke" in failed["reason"]
    aws.sweep()
    assert endpoint(aws, "prod")[2] == [OFFICE, *DISCOVERY]
    assert report(aws)["clusters"]["prod"]["state"] == "opened"


def test_our_marker_left_without_a_record_is_removed_from_a_cluster_out_of_scope(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], tags={MARKER: OWNER, "team": "ml"})
    created(aws)
    assert aws.eks.tags("prod") == {"team": "ml"}
    assert eks_writes(aws) == {"UntagResource": 1}


def test_an_entry_still_creating_is_ours_and_goes_when_the_cluster_leaves_scope(aws: Harness) -> None:
    aws.eks.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], tags=tagged())
    aws.fail("AssociateAccessPolicy", "AccessDeniedException", status=403, times=1)
    created(aws)
    assert record(aws, "prod")["access_entry"] == "creating"  # type: ignore[index]
    aws.eks.untag("prod", OPT_IN[0])
    aws.sweep()
    assert aws.eks.access_entry("prod", ROLE) is None
    assert report(aws)["clusters"]["prod"]["state"] == "reverted"
