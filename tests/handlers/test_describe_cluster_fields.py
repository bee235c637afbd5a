"""Custom::EksClusterAccess when DescribeCluster leaves out fields the API reference marks optional."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.handlers.conftest import Harness

DISCOVERY = ["34.71.64.3/32", "34.28.60.186/32"]
OFFICE = "198.51.100.0/24"
# Every Cluster member the handler could read; the EKS API reference marks each "Required: No".
OPTIONAL_FIELDS = (
    "accessConfig",
    "accessConfig.authenticationMode",
    "resourcesVpcConfig",
    "resourcesVpcConfig.publicAccessCidrs",
    "resourcesVpcConfig.endpointPublicAccess",
    "resourcesVpcConfig.endpointPrivateAccess",
    "kubernetesNetworkConfig",
    "kubernetesNetworkConfig.ipFamily",
    "status",
    "name",
    "arn",
    "version",
    "platformVersion",
)
_names = itertools.count()


def test_a_cluster_from_before_access_entries_fails_with_what_to_do(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=[OFFICE])
    cfn.aws.omit_from_description("prod", "accessConfig")

    answer = cfn.create()

    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        "EKS cluster 'prod' (Kubernetes 1.31, platform version eks.10) reports no authentication mode: its platform"
        " version is older than access entries, which the discovery role's access needs. Access entries need Kubernetes"
        " 1.29 or later, or at least platform version eks.6 on 1.28, eks.10 on 1.27, eks.11 on 1.26, eks.12 on 1.25,"
        " eks.15 on 1.24 or eks.17 on 1.23. EKS moves clusters to newer platform versions by itself; to get there now,"
        " upgrade the cluster's Kubernetes version, then deploy again. Nothing was changed."
    )
    assert cfn.mutations() == []


def test_no_authentication_mode_in_the_access_config_is_the_same(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=[OFFICE])
    cfn.aws.omit_from_description("prod", "accessConfig.authenticationMode")
    answer = cfn.create()
    assert answer["Status"] == "FAILED" and "reports no authentication mode" in answer["Reason"]
    assert cfn.mutations() == []


@pytest.mark.parametrize("missing", ["endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs"])
def test_an_endpoint_description_without_a_field_changes_nothing(cfn: Harness, missing: str) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", private=True, cidrs=[OFFICE])
    cfn.aws.omit_from_description("prod", f"resourcesVpcConfig.{missing}")

    answer = cfn.create(public=True)

    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        f"EKS's description of cluster 'prod' has no resourcesVpcConfig.{missing}, so what a change would do to its"
        " endpoint cannot be known. Check the cluster with `aws eks describe-cluster --name prod` and retry."
        " Nothing was changed."
    )
    assert cfn.mutations() == []


def test_a_delete_that_cannot_read_the_endpoint_keeps_its_record(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.create()
    record = cfn.record()
    cfn.aws.omit_from_description("prod", "resourcesVpcConfig.publicAccessCidrs")

    answer = cfn.delete()

    assert answer["Status"] == "FAILED" and "has no resourcesVpcConfig.publicAccessCidrs" in answer["Reason"]
    assert cfn.record() == record  # a retried Delete still knows what to remove
    cfn.aws.omit_from_description("prod")
    assert cfn.delete()["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == [OFFICE] and cfn.records() == {}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    omitted=st.sets(st.sampled_from(OPTIONAL_FIELDS), min_size=1, max_size=4),
    auth_mode=st.sampled_from(["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"]),
    endpoint=st.sampled_from([(True, False), (True, True), (False, True)]),
    cidrs=st.sampled_from([None, [OFFICE]]),
    opt_in=st.booleans(),
    omit_on_delete=st.booleans(),
)
def test_any_missing_optional_field_gets_a_clear_answer_and_does_no_harm(
    cfn: Harness,
    omitted: set[str],
    auth_mode: str,
    endpoint: tuple[bool, bool],
    cidrs: list[str] | None,
    opt_in: bool,
    omit_on_delete: bool,
) -> None:
    name = f"c{next(_names)}"
    public, private = endpoint
    cfn.aws.add_cluster(name, auth_mode=auth_mode, public=public, private=private, cidrs=cidrs)
    before = cfn.aws.cluster(name)["resourcesVpcConfig"]
    cfn.aws.omit_from_description(name, *omitted)

    created = cfn.create(name, public=opt_in)
    if not omit_on_delete:
        cfn.aws.omit_from_description(name)
    deleted = cfn.delete(name, physical_id=created["PhysicalResourceId"])

    for answer in (created, deleted):
        assert answer["Status"] in ("SUCCESS", "FAILED")
        assert answer["Status"] == "SUCCESS" or (answer["Reason"] and "unexpected error" not in answer["Reason"]), (
            answer["Reason"]
        )
        assert "Error" not in answer["Reason"], answer["Reason"]  # no KeyError, TypeError, ... text
    # Do no harm: private access as it was, and an endpoint that was public still lets in everyone it did.
    after = cfn.aws.cluster(name)["resourcesVpcConfig"]
    assert after["endpointPrivateAccess"] == before["endpointPrivateAccess"]
    if before["endpointPublicAccess"]:
        assert after["endpointPublicAccess"] and set(before["publicAccessCidrs"]) <= set(after["publicAccessCidrs"])


def test_a_cluster_described_without_its_arn_is_answered_with_an_empty_cluster_arn(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.omit_from_description("prod", "arn")

    answer = cfn.create()

    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"]["ClusterArn"] == ""


def test_a_cluster_described_without_a_status_is_refused_as_not_active(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.omit_from_description("prod", "status")

    answer = cfn.create()

    assert answer["Reason"] == "EKS cluster 'prod' is of no reported status, not ACTIVE. Nothing was changed."
    assert cfn.mutations() == []


def test_a_cluster_described_without_its_ip_family_is_taken_for_an_ipv4_one(cfn: Harness) -> None:
    """Every cluster was IPv4 before EKS reported the family: IPv6 ranges mean nothing on its endpoint."""
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], ip_family="ipv6")
    cfn.aws.omit_from_description("prod", "kubernetesNetworkConfig.ipFamily")

    answer = cfn.create(cidrs=["2600:1f18::/32"])

    assert answer["Reason"] == (
        "EKS cluster 'prod' is an IPv4 cluster; the IPv6 ranges 2600:1f18::/32 cannot be allowed on its endpoint."
        " Nothing was changed."
    )


def test_an_empty_authentication_mode_is_no_mode(cfn: Harness) -> None:
    with pytest.raises(cfn.module.Refused, match=r"^EKS cluster 'prod' reports no authentication mode: "):
        cfn.module.authentication_mode({"accessConfig": {"authenticationMode": ""}}, "prod")


@pytest.mark.parametrize("cidrs", [[], [None], ["198.51.100.0/24", 7], "198.51.100.0/24"])
def test_a_public_endpoint_described_without_a_list_of_cidr_strings_is_not_guessed(cfn: Harness, cidrs: Any) -> None:
    vpc = {"endpointPublicAccess": True, "endpointPrivateAccess": False, "publicAccessCidrs": cidrs}
    with pytest.raises(
        cfn.module.Failure, match=r"^EKS's description of cluster 'prod' has no resourcesVpcConfig\.publicAccessCidrs, "
    ):
        cfn.module.endpoint_state({"resourcesVpcConfig": vpc}, "prod")
