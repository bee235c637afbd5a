"""Custom::EksClusterAccess through whole lifecycles: cluster state and CloudFormation's answer."""

from __future__ import annotations

import json

import pytest

from tests.handlers.conftest import Harness

DISCOVERY = ["34.71.64.3/32", "34.28.60.186/32"]
OFFICE = "198.51.100.0/24"


# --- authentication mode -----------------------------------------------------------------------------


def test_config_map_cluster_moves_to_api_and_config_map(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=["0.0.0.0/0"])
    answer = cfn.create()
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == "eks-cluster-access:prod"
    assert cfn.aws.cluster("prod")["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    assert cfn.mutations() == [{"name": "prod", "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"}}]


@pytest.mark.parametrize("mode", ["API_AND_CONFIG_MAP", "API"])
def test_cluster_already_on_the_api_gets_no_auth_call(cfn: Harness, mode: str) -> None:
    cfn.aws.add_cluster("prod", auth_mode=mode, cidrs=["0.0.0.0/0"])
    assert cfn.create()["Status"] == "SUCCESS"
    assert cfn.mutations() == []
    assert cfn.aws.cluster("prod")["accessConfig"]["authenticationMode"] == mode


def test_delete_never_touches_the_authentication_mode(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=[OFFICE])
    cfn.create()
    before = len(cfn.mutations())
    assert cfn.delete()["Status"] == "SUCCESS"
    assert all("accessConfig" not in m for m in cfn.mutations()[before:])
    assert cfn.aws.cluster("prod")["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"


# --- endpoint allow-list ------------------------------------------------------------------------------


def test_allowed_cidrs_are_appended_after_the_existing_list_in_order(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", private=False, cidrs=[OFFICE, "203.0.113.7/32"])
    answer = cfn.create()
    assert answer["Status"] == "SUCCESS"
    assert cfn.endpoint() == (True, False, [OFFICE, "203.0.113.7/32", *DISCOVERY])
    assert cfn.mutations() == [
        {
            "name": "prod",
            "resourcesVpcConfig": {
                "endpointPublicAccess": True,
                "endpointPrivateAccess": False,
                "publicAccessCidrs": [OFFICE, "203.0.113.7/32", *DISCOVERY],
            },
        }
    ]
    assert answer["Data"]["AddedCidrs"] == ",".join(DISCOVERY)


def test_private_access_is_sent_as_it_is(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", private=True, cidrs=[OFFICE])
    cfn.create()
    assert cfn.mutations()[0]["resourcesVpcConfig"]["endpointPrivateAccess"] is True


def test_endpoint_open_to_everyone_is_left_alone(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=["0.0.0.0/0"])
    assert cfn.create()["Status"] == "SUCCESS"
    assert cfn.mutations() == []
    assert cfn.endpoint()[2] == ["0.0.0.0/0"]


def test_ipv6_everyone_admits_no_ipv4_address_so_ipv4_discovery_cidrs_are_added_and_removed_again(
    cfn: Harness,
) -> None:
    # A dual-stack endpoint (an IPv6 cluster) filters IPv4 sources by the IPv4 ranges of its list: with
    # ::/0 alone, no IPv4 address gets in, discovery's included.
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=["::/0"], ip_family="ipv6")
    assert cfn.create()["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == ["::/0", *DISCOVERY]
    assert cfn.record() == {"added_cidrs": DISCOVERY, "enabled_public_access": False}
    assert cfn.delete()["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == ["::/0"]


@pytest.mark.parametrize(
    ("cidrs", "allowed", "added"),
    [
        (["0.0.0.0/0", "::/0"], [*DISCOVERY, "2600:1f18::/36"], []),
        (["0.0.0.0/0"], [*DISCOVERY, "2600:1f18::/36"], ["2600:1f18::/36"]),
        (["::/0"], ["2600:1f18::/36"], []),
    ],
    ids=["both-families-open", "ipv4-open", "ipv6-open"],
)
def test_a_family_the_list_admits_whole_gets_no_cidr_of_its_own(
    cfn: Harness, cidrs: list[str], allowed: list[str], added: list[str]
) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=cidrs, ip_family="ipv6")
    answer = cfn.create(cidrs=allowed)
    assert answer["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == [*cidrs, *added]
    assert len(cfn.mutations()) == (1 if added else 0)
    assert answer["Data"]["AddedCidrs"] == ",".join(added)


def test_auth_update_finishes_before_the_endpoint_update_starts(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=[OFFICE])
    assert cfn.create()["Status"] == "SUCCESS"
    operations = [op for op, _ in cfn.aws.calls if op in ("UpdateClusterConfig", "DescribeUpdate")]
    second_update = operations.index("UpdateClusterConfig", 1)
    first_update_polls = [op for op in operations[1:second_update]]
    assert first_update_polls and set(first_update_polls) == {"DescribeUpdate"}
    # EKS said the first update was Successful before the second one was sent.
    assert [m.keys() - {"name"} for m in cfn.mutations()] == [{"accessConfig"}, {"resourcesVpcConfig"}]


def test_a_cidr_that_was_there_before_is_never_removed(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE, DISCOVERY[0]])
    cfn.create()
    assert cfn.endpoint()[2] == [OFFICE, DISCOVERY[0], DISCOVERY[1]]
    assert cfn.delete()["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == [OFFICE, DISCOVERY[0]]


# --- private-only clusters ----------------------------------------------------------------------------


def test_private_only_cluster_without_opt_in_fails_before_any_change(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", public=False, private=True)
    answer = cfn.create()
    assert answer["Status"] == "FAILED"
    assert "private access only" in answer["Reason"]
    assert "enable_public_endpoint: true" in answer["Reason"] and "Nothing was changed" in answer["Reason"]
    assert cfn.mutations() == []  # not even the authentication mode
    assert cfn.aws.cluster("prod")["accessConfig"]["authenticationMode"] == "CONFIG_MAP"


def test_private_only_cluster_with_opt_in_gets_exactly_the_allowed_cidrs_and_loses_them_on_delete(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", public=False, private=True)
    answer = cfn.create(public=True)
    assert answer["Status"] == "SUCCESS"
    assert cfn.endpoint() == (True, True, DISCOVERY)
    assert answer["Data"]["PublicAccessEnabledByThisResource"] == "true"
    assert cfn.delete()["Status"] == "SUCCESS"
    public, private, _ = cfn.endpoint()
    assert (public, private) == (False, True)


def test_delete_leaves_public_access_on_when_it_was_on_before(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", private=True, cidrs=[OFFICE])
    cfn.create(public=True)  # opt-in given, but not needed: public access was already on
    cfn.delete()
    assert cfn.endpoint() == (True, True, [OFFICE])


# --- validation before any change -----------------------------------------------------------------------


def test_missing_cluster_fails_without_a_change(cfn: Harness) -> None:
    answer = cfn.create("nope")
    assert answer["Status"] == "FAILED"
    assert "EKS cluster 'nope' does not exist" in answer["Reason"]
    assert cfn.mutations() == []


def test_cluster_that_is_not_active_fails(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", status="FAILED")
    answer = cfn.create()
    assert answer["Status"] == "FAILED" and "is FAILED, not ACTIVE" in answer["Reason"]
    assert cfn.mutations() == []


def test_busy_cluster_is_waited_for(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.start_foreign_update("prod", duration=120)
    start = cfn.aws.clock.now()
    assert cfn.create()["Status"] == "SUCCESS"
    assert cfn.aws.clock.now() - start >= 120
    assert cfn.endpoint()[2] == [OFFICE, *DISCOVERY]


def test_ipv6_cidr_on_an_ipv4_cluster_fails_without_a_change(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=[OFFICE])
    answer = cfn.create(cidrs=[DISCOVERY[0], "2600:1f18:4000::/40"])
    assert answer["Status"] == "FAILED" and "IPv4 cluster" in answer["Reason"]
    assert cfn.mutations() == []


def test_merged_list_over_40_fails_without_a_change(cfn: Harness) -> None:
    existing = [f"203.0.113.{i}/32" for i in range(39)]
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=existing)
    answer = cfn.create()
    assert answer["Status"] == "FAILED"
    assert "exceed the EKS limit of 40" in answer["Reason"] and "Nothing was changed" in answer["Reason"]
    assert cfn.mutations() == []


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        ({"ClusterName": "", "AllowedCidrs": DISCOVERY, "EnablePublicEndpoint": "false"}, "is not an EKS cluster name"),
        (
            {"ClusterName": "prod", "AllowedCidrs": ["0.0.0.0/0"], "EnablePublicEndpoint": "false"},
            "would open the endpoint to the whole internet",
        ),
        (
            {"ClusterName": "prod", "AllowedCidrs": ["10.1.0.0/16"], "EnablePublicEndpoint": "false"},
            "is not a public address range",
        ),
        (
            {"ClusterName": "prod", "AllowedCidrs": ["34.71.64.3/24"], "EnablePublicEndpoint": "false"},
            "is not a CIDR block",
        ),
        (
            {"ClusterName": "prod", "AllowedCidrs": "34.71.64.3/32", "EnablePublicEndpoint": "false"},
            "is not a non-empty list",
        ),
        ({"ClusterName": "prod", "AllowedCidrs": DISCOVERY, "EnablePublicEndpoint": "yes"}, "is not 'true' or 'false'"),
    ],
    ids=["name", "everyone", "private-range", "host-bits", "not-a-list", "opt-in-value"],
)
def test_invalid_properties_fail_before_any_aws_call(cfn: Harness, properties: dict, reason: str) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=[OFFICE])
    answer = cfn.run(cfn.event("Create", properties=properties))
    assert answer["Status"] == "FAILED" and reason in answer["Reason"]
    assert cfn.aws.count("DescribeCluster") == 0 and cfn.mutations() == []


# --- concurrency, failures, retries ---------------------------------------------------------------------


def test_someone_elses_update_409_is_waited_out_and_replanned(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.inject_fault(
        "UpdateClusterConfig", status=409, code="ResourceInUseException", message="update in progress", times=2
    )
    assert cfn.create()["Status"] == "SUCCESS"
    assert cfn.aws.count("UpdateClusterConfig") == 3
    assert cfn.endpoint()[2] == [OFFICE, *DISCOVERY]


def test_failed_update_fails_the_resource_with_eks_errors_and_records_nothing(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.fail_next_update(
        "prod", errors=[{"errorCode": "EniLimitReached", "errorMessage": "ENI limit", "resourceIds": ["prod"]}]
    )
    answer = cfn.create()
    assert answer["Status"] == "FAILED"
    assert "ended Failed: EniLimitReached: ENI limit" in answer["Reason"]
    assert cfn.endpoint()[2] == [OFFICE]
    # CloudFormation's rollback Delete then finds nothing of ours to remove.
    assert cfn.delete()["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == [OFFICE]


@pytest.mark.parametrize(
    ("status", "code"), [(400, "ThrottlingException"), (500, "ServerException"), (503, "ServiceUnavailableException")]
)
def test_throttling_and_server_errors_are_retried(cfn: Harness, status: int, code: str) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.inject_fault("DescribeCluster", status=status, code=code, times=2)
    assert cfn.create()["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == [OFFICE, *DISCOVERY]


def test_access_denied_names_the_action(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.inject_fault("UpdateClusterConfig", status=403, code="AccessDeniedException", message="not authorized")
    answer = cfn.create()
    assert answer["Status"] == "FAILED"
    assert "Access denied" in answer["Reason"] and "eks:UpdateClusterConfig" in answer["Reason"]


def test_time_budget_ends_in_a_failure_with_a_reason(cfn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIME_BUDGET_SECONDS", "100")
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    answer = cfn.create()
    assert answer["Status"] == "FAILED" and "Timed out waiting for EKS endpoint access update" in answer["Reason"]


def test_an_unexpected_error_is_still_answered(cfn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    cfn.aws.add_cluster("prod")

    def broken(*_args, **_kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(cfn.module, "plan_endpoint", broken)
    answer = cfn.create()
    assert answer["Status"] == "FAILED" and "unexpected error (KeyError)" in answer["Reason"]


def test_answer_stays_under_4096_bytes(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.fail_next_update("prod", errors=[{"errorCode": "X", "errorMessage": "long " * 2000}])
    answer = cfn.create()
    assert answer["Status"] == "FAILED"
    assert len(json.dumps(answer).encode()) <= 4096
    assert answer["Reason"].endswith("[truncated]")


# --- delete -------------------------------------------------------------------------------------------


def test_delete_of_a_cluster_that_is_gone_succeeds_without_change(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.create()
    cfn.aws.remove_cluster("prod")
    before = len(cfn.mutations())
    assert cfn.delete()["Status"] == "SUCCESS"
    assert len(cfn.mutations()) == before


@pytest.mark.parametrize("status", ["DELETING", "FAILED"])
def test_delete_of_a_cluster_being_deleted_or_failed_succeeds_without_change(cfn: Harness, status: str) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.create()
    cfn.aws.remove_cluster("prod")
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE, *DISCOVERY], status=status)
    before = len(cfn.mutations())
    assert cfn.delete()["Status"] == "SUCCESS"
    assert len(cfn.mutations()) == before


def test_delete_after_a_failed_create_succeeds_without_change(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    bad = cfn.run(
        cfn.event(
            "Create", properties={"ClusterName": "prod", "AllowedCidrs": ["0.0.0.0/0"], "EnablePublicEndpoint": "false"}
        )
    )
    assert bad["Status"] == "FAILED"
    assert cfn.delete(physical_id=bad["PhysicalResourceId"])["Status"] == "SUCCESS"
    invalid = cfn.run(cfn.event("Create", properties={"ClusterName": "-bad", "AllowedCidrs": DISCOVERY}))
    assert invalid["PhysicalResourceId"].startswith("eks-cluster-access:invalid:")
    assert cfn.run(cfn.event("Delete", physical_id=invalid["PhysicalResourceId"]))["Status"] == "SUCCESS"
    assert cfn.mutations() == []


@pytest.mark.parametrize(
    "foreign", ["prod", "arn:aws:eks:us-east-1:111111111111:cluster/prod", "eks-cluster-access:bad name"]
)
def test_delete_of_a_physical_id_this_handler_never_gave_touches_no_cluster(cfn: Harness, foreign: str) -> None:
    # Only "eks-cluster-access:<valid cluster name>" names a cluster this resource opened; a Delete of
    # anything else (even the bare name of a cluster some other resource of ours opened) changes nothing.
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    assert cfn.create()["Status"] == "SUCCESS"
    opened, calls = cfn.endpoint(), len(cfn.aws.calls)

    answer = cfn.delete(physical_id=foreign)

    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", foreign)
    assert cfn.endpoint() == opened and cfn.record() == {"added_cidrs": DISCOVERY, "enabled_public_access": False}
    assert cfn.aws.calls[calls:] == []


# --- update ---------------------------------------------------------------------------------------------


def test_update_converges_to_the_new_cidrs_and_keeps_the_physical_id(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    first = cfn.create(cidrs=DISCOVERY)
    new = [DISCOVERY[1], "35.190.0.10/32"]
    update = cfn.run(cfn.event("Update", cidrs=new, physical_id=first["PhysicalResourceId"]))
    assert update["Status"] == "SUCCESS" and update["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert cfn.endpoint()[2] == [OFFICE, DISCOVERY[1], "35.190.0.10/32"]
    # Rollback: CloudFormation sends the old properties again.
    rollback = cfn.run(cfn.event("Update", cidrs=DISCOVERY, physical_id=first["PhysicalResourceId"]))
    assert rollback["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == [OFFICE, DISCOVERY[1], DISCOVERY[0]]
    cfn.delete()
    assert cfn.endpoint()[2] == [OFFICE]


def test_withdrawing_the_opt_in_turns_public_access_off_again(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", public=False, private=True)
    first = cfn.create(public=True)
    update = cfn.run(cfn.event("Update", public=False, physical_id=first["PhysicalResourceId"]))
    assert update["Status"] == "SUCCESS", update["Reason"]
    assert update["Data"]["PublicAccessEnabledByThisResource"] == "false"
    assert cfn.endpoint()[:2] == (False, True)


def test_renaming_the_cluster_moves_to_the_new_one_and_delete_reverts_the_old(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.add_cluster("prod2", auth_mode="API", cidrs=[OFFICE])
    first = cfn.create("prod")
    update = cfn.run(cfn.event("Update", "prod2", physical_id=first["PhysicalResourceId"]))
    assert update["PhysicalResourceId"] == "eks-cluster-access:prod2"
    assert cfn.endpoint("prod2")[2] == [OFFICE, *DISCOVERY]
    # CloudFormation then deletes the old physical id.
    assert cfn.delete("prod")["Status"] == "SUCCESS"
    assert cfn.endpoint("prod")[2] == [OFFICE]
    assert cfn.endpoint("prod2")[2] == [OFFICE, *DISCOVERY]


def test_create_repeated_changes_nothing_more(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=[OFFICE])
    cfn.create()
    before = len(cfn.mutations())
    assert cfn.create()["Status"] == "SUCCESS"
    assert len(cfn.mutations()) == before


def test_two_stacks_on_one_cluster_each_undo_only_their_own(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.create(cidrs=[DISCOVERY[0]])
    other = cfn.event("Create", cidrs=[DISCOVERY[0], "35.190.0.10/32"])
    other["LogicalResourceId"] = "SomeOtherStacksResource"
    cfn.run(other)
    assert cfn.endpoint()[2] == [OFFICE, DISCOVERY[0], "35.190.0.10/32"]
    delete_other = cfn.event("Delete", physical_id="eks-cluster-access:prod", cidrs=[DISCOVERY[0], "35.190.0.10/32"])
    delete_other["LogicalResourceId"] = "SomeOtherStacksResource"
    cfn.run(delete_other)
    assert cfn.endpoint()[2] == [OFFICE, DISCOVERY[0]]


# --- continuation across invocations ------------------------------------------------------------------


def test_work_is_handed_on_when_the_lambda_runs_out_of_time(cfn: Harness) -> None:
    cfn.lambda_timeout = 120  # each invocation may poll a few times, then hands off
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=[OFFICE])
    answer = cfn.create()
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert cfn.invocation_count >= 3
    assert len(cfn.aws.invocations) == cfn.invocation_count - 1
    assert all("Continuation" in i["Payload"] for i in cfn.aws.invocations)
    assert cfn.aws.cluster("prod")["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    assert cfn.endpoint()[2] == [OFFICE, *DISCOVERY]
    assert cfn.aws.count("UpdateClusterConfig") == 2  # no update sent twice across invocations
    cfn.delete()
    assert cfn.endpoint()[2] == [OFFICE]


def test_a_failure_after_a_hand_off_is_answered_once_and_restores_the_record(cfn: Harness) -> None:
    cfn.lambda_timeout = 60
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.fail_next_update("prod")
    answer = cfn.create()
    assert answer["Status"] == "FAILED" and "ended Failed" in answer["Reason"]
    assert cfn.invocation_count >= 2
    assert cfn.delete()["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == [OFFICE]
