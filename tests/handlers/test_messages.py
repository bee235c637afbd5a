"""Custom::EksClusterAccess: the exact reasons the handler gives for the failures users meet."""

from __future__ import annotations

import socket

import pytest

from tests.handlers.conftest import FUNCTION_NAME, STACK_ID, Harness, load_handler

DISCOVERY = ["34.71.64.3/32", "34.28.60.186/32"]
OFFICE = "198.51.100.0/24"


def test_a_failed_hand_off_answers_failed_naming_the_function(cfn: Harness) -> None:
    cfn.lambda_timeout = 60  # the 240-second endpoint update cannot be waited out in one invocation
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    # Not retried by botocore, so the self-invocation fails at once.
    cfn.aws.inject_fault("Invoke", status=403, code="AccessDeniedException", message="not allowed to invoke")
    answer = cfn.create()
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith(f"could not continue in a new invocation of {FUNCTION_NAME}: ")
    assert "not allowed to invoke" in answer["Reason"]
    assert answer["PhysicalResourceId"] == "eks-cluster-access:prod"
    assert cfn.aws.count("Invoke") == 1 and cfn.aws.invocations == []
    # The update EKS was already running still lands; it was on record first, so the rollback's
    # Delete finds it and takes it back out.
    assert cfn.delete()["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == [OFFICE]


def test_more_than_40_cidrs_on_a_private_only_cluster_fail_before_any_change(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", public=False, private=True)
    cidrs = [f"34.71.{i}.0/24" for i in range(41)]
    answer = cfn.create(cidrs=cidrs, public=True)
    assert answer["Status"] == "FAILED"
    assert "41 allowed CIDRs exceed the EKS limit of 40. Nothing was changed." in answer["Reason"]
    assert cfn.mutations() == []  # not even the authentication mode
    assert cfn.endpoint()[:2] == (False, True)


def test_40_cidrs_on_a_private_only_cluster_are_planned() -> None:
    handler = load_handler()
    cluster = {
        "name": "prod",
        "resourcesVpcConfig": {
            "endpointPublicAccess": False,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        "kubernetesNetworkConfig": {"ipFamily": "ipv4"},
    }
    cidrs = tuple(f"34.71.{i}.0/24" for i in range(40))
    change, record = handler.plan_endpoint(cluster, handler.Properties("prod", cidrs, True), handler.Record())
    assert change == {"endpointPublicAccess": True, "endpointPrivateAccess": True, "publicAccessCidrs": list(cidrs)}
    assert record == handler.Record(list(cidrs), True)
    with pytest.raises(handler.Failure, match=r"^41 allowed CIDRs exceed the EKS limit of 40"):
        handler.plan_endpoint(cluster, handler.Properties("prod", (*cidrs, "35.190.0.0/24"), True), handler.Record())


def test_withdrawn_opt_in_with_private_access_now_off_is_refused() -> None:
    handler = load_handler()
    cluster = {
        "name": "prod",
        "resourcesVpcConfig": {
            "endpointPublicAccess": True,
            "endpointPrivateAccess": False,
            "publicAccessCidrs": DISCOVERY,
        },
        "kubernetesNetworkConfig": {"ipFamily": "ipv4"},
    }
    record = handler.Record(list(DISCOVERY), enabled_public_access=True)
    with pytest.raises(handler.Failure) as failure:
        handler.plan_endpoint(cluster, handler.Properties("prod", tuple(DISCOVERY), False), record)
    assert str(failure.value) == (
        "EKS cluster 'prod': this stack turned public access on, but private access is now off, so public access"
        " cannot be turned off again. Turn private access on first. Nothing was changed."
    )


def test_an_update_that_ends_cancelled_fails_and_restores_the_record(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.fail_next_update("prod", status="Cancelled", errors=[])
    answer = cfn.create()
    assert answer["Status"] == "FAILED"
    assert "ended Cancelled" in answer["Reason"] and "EKS applied nothing of it." in answer["Reason"]
    # Without EKS errors, nothing stands between the status and the sentence.
    assert "of cluster 'prod' ended Cancelled. EKS applied nothing of it." in answer["Reason"]
    assert cfn.endpoint()[2] == [OFFICE]
    before = len(cfn.mutations())
    assert cfn.delete()["Status"] == "SUCCESS"
    assert len(cfn.mutations()) == before  # the record was put back: nothing to undo


def test_a_cancelled_update_with_eks_errors_lists_them(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.fail_next_update(
        "prod", status="Cancelled", errors=[{"errorCode": "Unknown", "errorMessage": "superseded"}]
    )
    answer = cfn.create()
    assert answer["Status"] == "FAILED"
    assert "ended Cancelled: Unknown: superseded. EKS applied nothing of it." in answer["Reason"]


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_respond_raises_when_no_put_reaches_cloudformation(monkeypatch: pytest.MonkeyPatch) -> None:
    handler = load_handler()
    sleeps: list[float] = []
    monkeypatch.setattr(handler, "_sleep", sleeps.append)
    event = {
        "ResponseURL": f"http://127.0.0.1:{_closed_port()}/cloudformation-response/request-x",
        "StackId": STACK_ID,
        "RequestId": "request-x",
        "LogicalResourceId": "EksprodeksClusterAccess",
    }
    with pytest.raises(RuntimeError, match=r"^could not deliver the response to CloudFormation$"):
        handler._respond(event, "SUCCESS", "", "eks-cluster-access:prod")
    assert sleeps == [1, 2]  # three attempts, a backoff between each, none after the last


def test_an_eks_error_message_ending_in_a_full_stop_is_not_doubled(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.fail_next_update("prod")  # EKS's message: "The cluster control plane could not be reached."
    answer = cfn.create()
    assert answer["Reason"].endswith(
        "ClusterUnreachable: The cluster control plane could not be reached. EKS applied nothing of it."
    )


def _properties(**changes: object) -> dict[str, object]:
    return {"ClusterName": "prod", "AllowedCidrs": DISCOVERY, "EnablePublicEndpoint": "false", **changes}


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        (
            _properties(ClusterName="-prod"),
            "ClusterName '-prod' is not an EKS cluster name (1-100 letters, digits, hyphens and underscores).",
        ),
        (
            _properties(AllowedCidrs=["0.0.0.0/0", "10.1.0.0/16", "34.71.64.3/24", "34.71.64.3/32"]),
            "AllowedCidrs: '0.0.0.0/0' would open the endpoint to the whole internet; '10.1.0.0/16' is not a public"
            " address range; '34.71.64.3/24' is not a CIDR block (34.71.64.3/24 has host bits set). Nothing was"
            " changed.",
        ),
        (_properties(EnablePublicEndpoint="yes"), "EnablePublicEndpoint 'yes' is not 'true' or 'false'."),
    ],
    ids=["name", "cidrs", "opt-in"],
)
def test_invalid_properties_are_refused_with_each_problem(cfn: Harness, properties: dict, reason: str) -> None:
    answer = cfn.run(cfn.event("Create", properties=properties))
    assert (answer["Status"], answer["Reason"]) == ("FAILED", reason)


def test_a_private_only_cluster_without_the_opt_in_is_refused_with_how_to_opt_in(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", public=False, private=True)
    answer = cfn.create()
    assert answer["Reason"] == (
        "EKS cluster 'prod' has no public endpoint (private access only), and AIRS discovery reaches it from"
        " 34.71.64.3/32, 34.28.60.186/32. Turning public access on is a security decision this stack does not take by"
        " itself: set enable_public_endpoint: true for this cluster in the config (EnablePublicEndpoint) to turn it on"
        " for exactly those addresses, or give discovery another network path. Nothing was changed."
    )


@pytest.mark.parametrize(
    ("cluster", "cidrs", "reason"),
    [
        (
            {"status": "FAILED"},
            DISCOVERY,
            "EKS cluster 'prod' is FAILED, not ACTIVE. Nothing was changed.",
        ),
        (
            {"ip_family": "ipv4"},
            ["34.71.64.3/32", "2600:1f18::/32", "2600:1f19::/32"],
            "EKS cluster 'prod' is an IPv4 cluster; the IPv6 ranges 2600:1f18::/32, 2600:1f19::/32 cannot be allowed on"
            " its endpoint. Nothing was changed.",
        ),
        (
            {"public": False, "private": True},
            [f"34.71.{i}.0/24" for i in range(41)],
            "41 allowed CIDRs exceed the EKS limit of 40. Nothing was changed.",
        ),
    ],
    ids=["not-active", "ipv6-on-ipv4", "over-40-private-only"],
)
def test_a_cluster_that_cannot_take_the_change_is_refused_with_why(
    cfn: Harness, cluster: dict, cidrs: list[str], reason: str
) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", **cluster)
    answer = cfn.create(cidrs=cidrs, public=not cluster.get("public", True))
    assert (answer["Status"], answer["Reason"]) == ("FAILED", reason)
    assert cfn.mutations() == []
