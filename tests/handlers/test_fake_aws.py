"""The fake AWS behaves like EKS, Lambda and SSM do, as seen through real boto3 clients."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError

from tests.handlers.fake_aws import FakeAws

# The handler's retry mode; 5 attempts keeps a throttling test short.
RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})
ANY_METADATA = mock.ANY


@pytest.fixture
def aws() -> Iterator[FakeAws]:
    with FakeAws() as fake:
        yield fake


@pytest.fixture
def eks(aws: FakeAws) -> BaseClient:
    return boto3.client(
        "eks",
        endpoint_url=aws.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=RETRIES,
    )


@pytest.fixture
def default_clients(aws: FakeAws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain boto3.client(service) reaches the fake, as in the handler."""
    for name, value in aws.env().items():
        monkeypatch.setenv(name, value)


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


# --- DescribeCluster -------------------------------------------------------------------------------------


def test_describe_cluster_returns_the_cluster(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API_AND_CONFIG_MAP", private=True, cidrs=["203.0.113.0/24"])

    cluster = eks.describe_cluster(name="dev")["cluster"]

    assert cluster["name"] == "dev"
    assert cluster["arn"] == "arn:aws:eks:us-east-1:111111111111:cluster/dev"
    assert cluster["status"] == "ACTIVE"
    assert cluster["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    vpc = cluster["resourcesVpcConfig"]
    assert (vpc["endpointPublicAccess"], vpc["endpointPrivateAccess"], vpc["publicAccessCidrs"]) == (
        True,
        True,
        ["203.0.113.0/24"],
    )
    assert {"subnetIds", "securityGroupIds", "vpcId", "clusterSecurityGroupId"} <= set(vpc)
    assert cluster["kubernetesNetworkConfig"] == {"ipFamily": "ipv4", "serviceIpv4Cidr": "172.20.0.0/16"}
    assert aws.calls == [("DescribeCluster", {"name": "dev"})]


def test_private_ipv6_cluster_still_reads_back_the_default_cidrs_of_both_families(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("v6", public=False, private=True, ip_family="ipv6")

    cluster = eks.describe_cluster(name="v6")["cluster"]

    assert cluster["resourcesVpcConfig"]["endpointPublicAccess"] is False
    # EKS API reference: "The default value is 0.0.0.0/0 and additionally ::/0 for dual-stack IPv6 clusters."
    assert cluster["resourcesVpcConfig"]["publicAccessCidrs"] == ["0.0.0.0/0", "::/0"]
    network = cluster["kubernetesNetworkConfig"]
    assert network["ipFamily"] == "ipv6" and "serviceIpv6Cidr" in network and "serviceIpv4Cidr" not in network


def test_unknown_cluster_and_update_are_404(aws: FakeAws, eks: Any) -> None:
    with pytest.raises(ClientError) as missing_cluster:
        eks.describe_cluster(name="nope")
    assert error(missing_cluster) == ("ResourceNotFoundException", 404, "No cluster found for name: nope.")

    aws.add_cluster("dev")
    with pytest.raises(ClientError) as missing_update:
        eks.describe_update(name="dev", updateId="0000")
    assert error(missing_update) == ("ResourceNotFoundException", 404, "No update found for ID: 0000")


# --- authentication mode --------------------------------------------------------------------------------


def test_authentication_mode_moves_forward_one_step_at_a_time(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")

    update = eks.update_cluster_config(name="dev", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})["update"]

    assert (update["type"], update["status"], update["errors"]) == ("AccessConfigUpdate", "InProgress", [])
    assert update["params"] == [{"type": "AuthenticationMode", "value": '"API_AND_CONFIG_MAP"'}]
    aws.clock.advance(60)
    assert aws.cluster("dev")["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"

    eks.update_cluster_config(name="dev", accessConfig={"authenticationMode": "API"})
    aws.clock.advance(60)
    assert aws.cluster("dev")["accessConfig"]["authenticationMode"] == "API"


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        ("CONFIG_MAP", "API"),  # real EKS wants API_AND_CONFIG_MAP in between
        ("API_AND_CONFIG_MAP", "CONFIG_MAP"),
        ("API", "API_AND_CONFIG_MAP"),
        ("API_AND_CONFIG_MAP", "API_AND_CONFIG_MAP"),
        ("CONFIG_MAP", "IAM"),
    ],
)
def test_other_authentication_mode_changes_are_rejected(aws: FakeAws, eks: Any, current: str, wanted: str) -> None:
    aws.add_cluster("dev", auth_mode=current)

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(name="dev", accessConfig={"authenticationMode": wanted})

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        f"Unsupported authentication mode update from {current} to {wanted}",
    )
    assert aws.cluster("dev")["status"] == "ACTIVE"
    assert aws.cluster("dev")["accessConfig"]["authenticationMode"] == current


def test_one_update_type_per_call(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(
            name="dev",
            accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"},
            resourcesVpcConfig={"endpointPrivateAccess": True},
        )

    assert error(rejected) == ("InvalidParameterException", 400, "Only one type of update can be allowed.")
    assert aws.cluster("dev")["status"] == "ACTIVE"


# --- updates in progress ----------------------------------------------------------------------------------


def test_update_in_progress_is_409_and_not_retried(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")
    first = eks.update_cluster_config(name="dev", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})["update"]

    with pytest.raises(ClientError) as busy:
        eks.update_cluster_config(name="dev", resourcesVpcConfig={"endpointPrivateAccess": True})

    message = f"Cannot EndpointAccessUpdate because cluster dev currently has update {first['id']} in progress"
    assert error(busy) == ("ResourceInUseException", 409, message)
    assert aws.count("UpdateClusterConfig") == 2


def test_update_lands_only_after_its_virtual_duration(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")
    update = eks.update_cluster_config(
        name="dev", resourcesVpcConfig={"endpointPrivateAccess": True, "publicAccessCidrs": ["198.51.100.0/24"]}
    )["update"]
    assert update["type"] == "EndpointAccessUpdate"
    assert update["params"] == [
        {"type": "EndpointPublicAccess", "value": "true"},
        {"type": "EndpointPrivateAccess", "value": "true"},
        {"type": "PublicAccessCidrs", "value": '["198.51.100.0/24"]'},
    ]

    aws.clock.advance(239.9)
    assert eks.describe_update(name="dev", updateId=update["id"])["update"]["status"] == "InProgress"
    during = eks.describe_cluster(name="dev")["cluster"]
    assert during["status"] == "UPDATING"
    assert during["resourcesVpcConfig"]["publicAccessCidrs"] == ["0.0.0.0/0"]

    aws.clock.advance(0.1)
    assert eks.describe_update(name="dev", updateId=update["id"])["update"]["status"] == "Successful"
    after = eks.describe_cluster(name="dev")["cluster"]
    assert after["status"] == "ACTIVE"
    assert after["resourcesVpcConfig"]["endpointPrivateAccess"] is True
    assert after["resourcesVpcConfig"]["publicAccessCidrs"] == ["198.51.100.0/24"]


def test_foreign_update_blocks_until_it_ends(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")
    foreign = aws.start_foreign_update("dev", duration=120)
    assert eks.describe_cluster(name="dev")["cluster"]["status"] == "UPDATING"
    assert eks.describe_update(name="dev", updateId=foreign)["update"]["type"] == "VersionUpdate"

    with pytest.raises(ClientError) as busy:
        eks.update_cluster_config(name="dev", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
    assert error(busy)[:2] == ("ResourceInUseException", 409)
    assert foreign in error(busy)[2]

    aws.clock.advance(120)
    assert eks.describe_cluster(name="dev")["cluster"]["status"] == "ACTIVE"
    eks.update_cluster_config(name="dev", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})


@pytest.mark.parametrize(("status", "errors"), [("Failed", None), ("Cancelled", [])])
def test_failed_update_changes_nothing(
    aws: FakeAws, eks: Any, status: str, errors: list[dict[str, Any]] | None
) -> None:
    aws.add_cluster("dev")
    aws.fail_next_update("dev", status=status, errors=errors)
    update = eks.update_cluster_config(name="dev", resourcesVpcConfig={"publicAccessCidrs": ["192.0.2.0/24"]})["update"]

    aws.clock.advance(240)

    ended = eks.describe_update(name="dev", updateId=update["id"])["update"]
    assert ended["status"] == status
    if errors is None:
        assert [(e["errorCode"], e["resourceIds"]) for e in ended["errors"]] == [("ClusterUnreachable", ["dev"])]
    assert aws.cluster("dev")["status"] == "ACTIVE"
    assert aws.cluster("dev")["resourcesVpcConfig"]["publicAccessCidrs"] == ["0.0.0.0/0"]
    # Only the next update fails.
    eks.update_cluster_config(name="dev", resourcesVpcConfig={"publicAccessCidrs": ["192.0.2.0/24"]})
    aws.clock.advance(240)
    assert aws.cluster("dev")["resourcesVpcConfig"]["publicAccessCidrs"] == ["192.0.2.0/24"]


# --- endpoint access -------------------------------------------------------------------------------------


def test_cidr_list_is_replaced_and_unsent_fields_are_kept(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", private=True, cidrs=["203.0.113.0/24", "198.51.100.7/32"])

    eks.update_cluster_config(name="dev", resourcesVpcConfig={"publicAccessCidrs": ["192.0.2.0/24"]})
    aws.clock.advance(240)

    vpc = aws.cluster("dev")["resourcesVpcConfig"]
    assert vpc["publicAccessCidrs"] == ["192.0.2.0/24"]
    assert (vpc["endpointPublicAccess"], vpc["endpointPrivateAccess"]) == (True, True)


def test_update_that_changes_nothing_is_rejected(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(
            name="dev", resourcesVpcConfig={"endpointPublicAccess": True, "endpointPrivateAccess": False}
        )

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        "Cluster is already at the desired configuration with endpointPrivateAccess: false ,"
        " endpointPublicAccess: true, and Public Endpoint Restrictions: [0.0.0.0/0]",
    )


def test_at_most_40_public_cidrs(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("forty")
    aws.add_cluster("forty-one")
    cidrs = [f"198.51.{i}.0/24" for i in range(41)]

    eks.update_cluster_config(name="forty", resourcesVpcConfig={"publicAccessCidrs": cidrs[:40]})
    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(name="forty-one", resourcesVpcConfig={"publicAccessCidrs": cidrs})

    assert error(rejected)[:2] == ("InvalidParameterException", 400)
    assert aws.cluster("forty-one")["status"] == "ACTIVE"


@pytest.mark.parametrize("cidr", ["10.0.0.1/24", "203.0.113.7", "not-a-cidr", "300.0.0.0/8", "2001:db8::/32"])
def test_invalid_cidrs_are_rejected(aws: FakeAws, eks: Any, cidr: str) -> None:
    aws.add_cluster("dev")  # IPv4: no IPv6 ranges on its endpoint

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(name="dev", resourcesVpcConfig={"publicAccessCidrs": ["192.0.2.0/24", cidr]})

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        f"The following CIDRs are invalid in publicAccessCidrs: [{cidr}]",
    )


def test_ipv6_cluster_accepts_ipv6_cidrs(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("v6", ip_family="ipv6")

    eks.update_cluster_config(name="v6", resourcesVpcConfig={"publicAccessCidrs": ["192.0.2.0/24", "2001:db8::/32"]})
    aws.clock.advance(240)

    assert aws.cluster("v6")["resourcesVpcConfig"]["publicAccessCidrs"] == ["192.0.2.0/24", "2001:db8::/32"]


def test_both_endpoints_off_is_rejected(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", public=True, private=False)

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(name="dev", resourcesVpcConfig={"endpointPublicAccess": False})

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        "Both private and public endpoint access cannot be false",
    )


def test_turning_both_endpoints_off_in_one_request_is_rejected(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", public=True, private=True)

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(
            name="dev", resourcesVpcConfig={"endpointPublicAccess": False, "endpointPrivateAccess": False}
        )

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        "Both private and public endpoint access cannot be false",
    )
    assert aws.cluster("dev")["status"] == "ACTIVE"


@pytest.mark.parametrize("request_public", [True, None], ids=["turned-on", "stays-on"])
def test_an_empty_cidr_list_for_a_public_endpoint_is_rejected(
    aws: FakeAws, eks: Any, request_public: bool | None
) -> None:
    aws.add_cluster("dev", public=True, private=True, cidrs=["198.51.100.0/24"])
    config: dict[str, Any] = {"publicAccessCidrs": []}
    if request_public is not None:
        config["endpointPublicAccess"] = request_public

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(name="dev", resourcesVpcConfig=config)

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        "publicAccessCidrs cannot be empty when endpointPublicAccess is true",
    )
    assert aws.cluster("dev")["resourcesVpcConfig"]["publicAccessCidrs"] == ["198.51.100.0/24"]


def test_a_private_only_cluster_cannot_be_opened_with_an_empty_list(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", public=False, private=True)

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(
            name="dev", resourcesVpcConfig={"endpointPublicAccess": True, "publicAccessCidrs": []}
        )

    assert error(rejected)[:2] == ("InvalidParameterException", 400)
    assert aws.cluster("dev")["resourcesVpcConfig"]["endpointPublicAccess"] is False


def test_cidrs_sent_while_the_same_request_turns_public_access_off_are_rejected(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", public=True, private=True, cidrs=["198.51.100.0/24"])

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(
            name="dev", resourcesVpcConfig={"endpointPublicAccess": False, "publicAccessCidrs": ["203.0.113.0/24"]}
        )

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        "publicAccessCidrs cannot be set when endpointPublicAccess is false",
    )
    assert aws.cluster("dev")["resourcesVpcConfig"]["endpointPublicAccess"] is True


@pytest.mark.parametrize("duplicate", ["198.51.100.0/24", "203.0.113.7/32"])
def test_duplicate_cidrs_are_rejected(aws: FakeAws, eks: Any, duplicate: str) -> None:
    aws.add_cluster("dev")

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(
            name="dev", resourcesVpcConfig={"publicAccessCidrs": ["198.51.100.0/24", "203.0.113.7/32", duplicate]}
        )

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        f"The following CIDRs are duplicated in publicAccessCidrs: [{duplicate}]",
    )


@pytest.mark.parametrize(
    ("family", "cidr"),
    [
        ("ipv4", "10.0.0.0/8"),
        ("ipv4", "10.20.0.0/16"),
        ("ipv4", "172.16.0.0/12"),
        ("ipv4", "172.31.5.0/24"),
        ("ipv4", "192.168.0.0/16"),
        ("ipv4", "192.168.1.7/32"),
        ("ipv6", "fc00::/7"),
        ("ipv6", "fd12:3456:789a::/48"),
    ],
)
def test_private_ranges_are_rejected(aws: FakeAws, eks: Any, family: str, cidr: str) -> None:
    aws.add_cluster("dev", ip_family=family)

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(name="dev", resourcesVpcConfig={"publicAccessCidrs": ["198.51.100.0/24", cidr]})

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        f"The following CIDRs are invalid in publicAccessCidrs: [{cidr}]",
    )


@pytest.mark.parametrize("cidr", ["8.0.0.0/7", "172.32.0.0/11", "11.0.0.0/8", "2600:1f18::/32"])
def test_public_ranges_beside_or_around_private_ones_are_accepted(aws: FakeAws, eks: Any, cidr: str) -> None:
    aws.add_cluster("dev", ip_family="ipv6")

    eks.update_cluster_config(name="dev", resourcesVpcConfig={"publicAccessCidrs": [cidr]})
    aws.clock.advance(240)

    assert aws.cluster("dev")["resourcesVpcConfig"]["publicAccessCidrs"] == [cidr]


def test_more_than_40_cidrs_are_rejected_with_a_message(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(
            name="dev", resourcesVpcConfig={"publicAccessCidrs": [f"198.51.{i}.0/24" for i in range(41)]}
        )

    assert error(rejected) == (
        "InvalidParameterException",
        400,
        "publicAccessCidrs can contain at most 40 CIDR blocks, 41 were given",
    )


def test_the_same_cidrs_in_another_order_change_nothing_and_are_rejected(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", cidrs=["198.51.100.0/24", "203.0.113.0/24"])

    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(
            name="dev", resourcesVpcConfig={"publicAccessCidrs": ["203.0.113.0/24", "198.51.100.0/24"]}
        )

    code, status, message = error(rejected)
    assert (code, status) == ("InvalidParameterException", 400)
    assert message.startswith("Cluster is already at the desired configuration")
    assert aws.count("UpdateClusterConfig") == 1 and aws.cluster("dev")["status"] == "ACTIVE"


def test_a_cluster_eks_cannot_have_is_refused_by_the_fake() -> None:
    fake = FakeAws()
    for kwargs in ({"public": False, "private": False}, {"cidrs": []}, {"auth_mode": "IAM"}):
        with pytest.raises(ValueError, match=r"^not a cluster EKS can have"):
            fake.add_cluster("dev", **kwargs)


def test_describe_cluster_can_leave_out_optional_fields(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("old", cidrs=["198.51.100.0/24"])
    aws.omit_from_description(
        "old", "accessConfig", "resourcesVpcConfig.publicAccessCidrs", "kubernetesNetworkConfig.ipFamily"
    )

    cluster = eks.describe_cluster(name="old")["cluster"]

    assert "accessConfig" not in cluster
    assert "publicAccessCidrs" not in cluster["resourcesVpcConfig"]
    assert "ipFamily" not in cluster["kubernetesNetworkConfig"]
    # The cluster itself still has them, and EKS still judges requests by them.
    assert aws.cluster("old")["resourcesVpcConfig"]["publicAccessCidrs"] == ["198.51.100.0/24"]
    with pytest.raises(ClientError) as rejected:
        eks.update_cluster_config(name="old", resourcesVpcConfig={"publicAccessCidrs": ["198.51.100.0/24"]})
    assert error(rejected)[2].startswith("Cluster is already at the desired configuration")


def test_each_request_takes_the_set_virtual_latency(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")
    aws.request_latency = 2.5
    start = aws.clock.now()

    eks.describe_cluster(name="dev")
    request = urllib.request.Request(
        aws.response_url("req-1"), data=b'{"Status": "SUCCESS"}', method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=5):
        pass

    assert aws.clock.now() == start + 5.0
    assert aws.response_times == [start + 5.0]


# --- injected faults -------------------------------------------------------------------------------------


def test_throttling_is_retried_by_standard_mode(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")
    aws.inject_fault("DescribeCluster", status=400, code="ThrottlingException", message="Rate exceeded")

    response = eks.describe_cluster(name="dev")

    assert response["cluster"]["name"] == "dev"
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert aws.count("DescribeCluster") == 2


def test_access_denied_surfaces_without_retry(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")
    aws.inject_fault("UpdateClusterConfig", status=403, code="AccessDeniedException", message="not authorized")

    with pytest.raises(ClientError) as denied:
        eks.update_cluster_config(name="dev", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})

    assert error(denied) == ("AccessDeniedException", 403, "not authorized")
    assert aws.count("UpdateClusterConfig") == 1
    assert aws.cluster("dev")["status"] == "ACTIVE"


# --- SSM, Lambda, the CloudFormation response --------------------------------------------------------------


@pytest.mark.usefixtures("default_clients")
def test_ssm_parameters(aws: FakeAws) -> None:
    ssm = boto3.client("ssm")

    assert ssm.put_parameter(Name="/state/dev", Value="one", Type="String")["Version"] == 1
    with pytest.raises(ClientError) as exists:
        ssm.put_parameter(Name="/state/dev", Value="two", Type="String")
    assert error(exists)[:2] == ("ParameterAlreadyExists", 400)
    assert ssm.put_parameter(Name="/state/dev", Value="two", Type="String", Overwrite=True)["Version"] == 2

    parameter = ssm.get_parameter(Name="/state/dev")["Parameter"]
    assert (parameter["Value"], parameter["Version"], parameter["Type"]) == ("two", 2, "String")
    assert aws.ssm_parameters == {"/state/dev": "two"}

    ssm.delete_parameter(Name="/state/dev")
    assert aws.ssm_parameters == {}
    for call in (ssm.get_parameter, ssm.delete_parameter):
        with pytest.raises(ClientError) as missing:
            call(Name="/state/dev")
        assert error(missing)[:2] == ("ParameterNotFound", 400)


@pytest.mark.usefixtures("default_clients")
def test_lambda_event_invoke_is_recorded(aws: FakeAws) -> None:
    payload = {"RequestType": "Create", "Continuation": {"invocation": 1}}

    response = boto3.client("lambda").invoke(
        FunctionName="eks-access-handler", InvocationType="Event", Payload=json.dumps(payload).encode()
    )

    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    assert aws.invocations == [{"FunctionName": "eks-access-handler", "InvocationType": "Event", "Payload": payload}]
    assert aws.calls[-1] == ("Invoke", aws.invocations[0])


def test_response_url_put_is_recorded(aws: FakeAws) -> None:
    body = {"Status": "SUCCESS", "RequestId": "req-1", "PhysicalResourceId": "eks-cluster-access:dev", "Data": {}}
    request = urllib.request.Request(
        aws.response_url("req-1"), data=json.dumps(body).encode(), method="PUT", headers={"Content-Type": ""}
    )

    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200

    assert aws.responses == [body]
    assert aws.calls == []


# --- ListClusters ----------------------------------------------------------------------------------------

ROLE = "arn:aws:iam::111111111111:role/airs-discovery"
VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
CLUSTER_SCOPE = {"type": "cluster"}
# EKS's message for an access-entry call on a CONFIG_MAP cluster, as quoted in aws-ia/terraform-aws-eks-blueprints#1877.
CONFIG_MAP_REFUSAL = (
    "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."
)
# terraform-aws-modules/terraform-aws-eks#3024.
NO_ENTRY = (
    "The specified principalArn could not be found. You can view your available access entries with"
    " 'list-access-entries'."
)


def test_list_clusters_pages_at_most_page_size_names_in_name_order(aws: FakeAws, eks: Any) -> None:
    for name in ("e", "b", "d", "a", "c"):
        aws.add_cluster(name)
    aws.page_size = 2

    first = eks.list_clusters()
    second = eks.list_clusters(nextToken=first["nextToken"], maxResults=100)
    third = eks.list_clusters(nextToken=second["nextToken"])

    assert [first["clusters"], second["clusters"], third["clusters"]] == [["a", "b"], ["c", "d"], ["e"]]
    assert "nextToken" not in third
    assert eks.list_clusters(maxResults=1)["clusters"] == ["a"]
    paginated = eks.get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 3})
    assert [page["clusters"] for page in paginated] == [["a", "b"], ["c", "d"], ["e"]]
    assert aws.calls[0] == ("ListClusters", {})
    assert aws.calls[1] == ("ListClusters", {"nextToken": first["nextToken"], "maxResults": 100})


def test_list_clusters_gives_100_names_a_page_by_default(aws: FakeAws, eks: Any) -> None:
    for i in range(101):
        aws.add_cluster(f"c{i:03d}")

    first = eks.list_clusters()

    assert len(first["clusters"]) == 100
    assert eks.list_clusters(nextToken=first["nextToken"]) == {
        "clusters": ["c100"],
        "ResponseMetadata": ANY_METADATA,
    }


def test_a_cluster_deleted_or_added_between_pages_hides_or_repeats_no_other(aws: FakeAws, eks: Any) -> None:
    for name in ("a", "b", "c", "d"):
        aws.add_cluster(name)
    aws.page_size = 2
    first = eks.list_clusters()
    aws.remove_cluster("a")
    aws.add_cluster("aa")

    rest = eks.list_clusters(nextToken=first["nextToken"])

    assert first["clusters"] + rest["clusters"] == ["a", "b", "c", "d"]


def test_list_clusters_refuses_more_than_100_a_page_and_a_token_it_did_not_give(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev")

    with pytest.raises(ClientError) as too_many:
        eks.list_clusters(maxResults=101)
    assert error(too_many) == (
        "InvalidParameterException",
        400,
        "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint:"
        " Member must have value less than or equal to 100",
    )
    with pytest.raises(ParamValidationError, match="valid min value: 1"):
        eks.list_clusters(maxResults=0)  # botocore refuses it before it is sent
    with pytest.raises(ClientError) as bad_token:
        eks.list_clusters(nextToken="bm90LWEtdG9rZW4=")
    assert error(bad_token) == ("InvalidParameterException", 400, "The nextToken provided is invalid: bm90LWEtdG9rZW4=")


# --- tags ------------------------------------------------------------------------------------------------------


def test_cluster_tags_are_described_and_changed_by_tag_resource_and_untag_resource(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", tags={"team": "data", "airs-discovery": "on"})
    arn = "arn:aws:eks:us-east-1:111111111111:cluster/dev"
    assert eks.describe_cluster(name="dev")["cluster"]["tags"] == {"team": "data", "airs-discovery": "on"}

    eks.tag_resource(resourceArn=arn, tags={"airs-onboarding:coverage": "owner", "team": "ml"})
    eks.untag_resource(resourceArn=arn, tagKeys=["airs-discovery", "not-there"])

    expected = {"team": "ml", "airs-onboarding:coverage": "owner"}
    assert eks.list_tags_for_resource(resourceArn=arn)["tags"] == expected
    assert eks.describe_cluster(name="dev")["cluster"]["tags"] == expected
    assert aws.calls[-3] == ("UntagResource", {"resourceArn": arn, "tagKeys": ["airs-discovery", "not-there"]})


def test_the_test_tags_and_untags_a_cluster(aws: FakeAws) -> None:
    aws.add_cluster("dev")

    aws.tag("dev", {"airs-discovery": "on", "team": "data"})
    aws.untag("dev", "team", "absent")

    assert aws.tags("dev") == {"airs-discovery": "on"}
    assert aws.calls == []  # arranging is no API call


def test_tagging_refuses_an_unknown_resource_a_foreign_arn_reserved_keys_and_more_than_50_tags(
    aws: FakeAws, eks: Any
) -> None:
    aws.add_cluster("dev", tags={f"k{i}": "v" for i in range(49)})
    arn = "arn:aws:eks:us-east-1:111111111111:cluster/dev"

    refusals = {
        "arn:aws:eks:us-east-1:111111111111:cluster/gone": (
            "NotFoundException",
            404,
            "Resource was not found: arn:aws:eks:us-east-1:111111111111:cluster/gone",
        ),
        "arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1": (
            "BadRequestException",
            400,
            "arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1 is not a valid resource ARN",
        ),
    }
    for resource_arn, expected in refusals.items():
        for method, kwargs in (
            (eks.tag_resource, {"tags": {"a": "b"}}),
            (eks.untag_resource, {"tagKeys": ["a"]}),
            (eks.list_tags_for_resource, {}),
        ):
            with pytest.raises(ClientError) as refused:
                method(resourceArn=resource_arn, **kwargs)
            assert error(refused) == expected
    with pytest.raises(ClientError) as reserved:
        eks.tag_resource(resourceArn=arn, tags={"aws:cloudformation:stack-name": "x"})
    assert error(reserved) == (
        "BadRequestException",
        400,
        "Tag keys beginning with aws: are reserved for AWS use: aws:cloudformation:stack-name",
    )
    with pytest.raises(ClientError) as too_long:
        eks.tag_resource(resourceArn=arn, tags={"k" * 129: "v"})
    assert error(too_long)[:2] == ("BadRequestException", 400)
    eks.tag_resource(resourceArn=arn, tags={"k0": "overwritten", "k49": "50th"})
    with pytest.raises(ClientError) as too_many:
        eks.tag_resource(resourceArn=arn, tags={"k50": "51st"})
    assert error(too_many) == (
        "BadRequestException",
        400,
        "A resource can have at most 50 tags, this request would give it 51",
    )
    assert len(aws.tags("dev")) == 50 and aws.tags("dev")["k0"] == "overwritten"


# --- access entries ---------------------------------------------------------------------------------------------


def test_access_entries_are_refused_on_a_config_map_cluster(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="CONFIG_MAP")
    calls = (
        lambda: eks.create_access_entry(clusterName="dev", principalArn=ROLE),
        lambda: eks.describe_access_entry(clusterName="dev", principalArn=ROLE),
        lambda: eks.delete_access_entry(clusterName="dev", principalArn=ROLE),
        lambda: eks.associate_access_policy(
            clusterName="dev", principalArn=ROLE, policyArn=VIEW_POLICY, accessScope=CLUSTER_SCOPE
        ),
        lambda: eks.list_associated_access_policies(clusterName="dev", principalArn=ROLE),
    )
    for call in calls:
        with pytest.raises(ClientError) as refused:
            call()
        assert error(refused) == ("InvalidRequestException", 400, CONFIG_MAP_REFUSAL)
    assert aws.access_entries("dev") == {}


def test_an_access_entry_is_created_with_its_tags_and_described(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API_AND_CONFIG_MAP")
    aws.clock.advance(10)

    created = eks.create_access_entry(clusterName="dev", principalArn=ROLE, tags={"airs-onboarding:coverage": "owner"})[
        "accessEntry"
    ]

    assert re.fullmatch(
        r"arn:aws:eks:us-east-1:111111111111:access-entry/dev/role/111111111111/airs-discovery/[0-9a-f-]{36}",
        created["accessEntryArn"],
    )
    assert (created["clusterName"], created["principalArn"], created["type"]) == ("dev", ROLE, "STANDARD")
    assert created["tags"] == {"airs-onboarding:coverage": "owner"}
    assert created["username"] == "arn:aws:sts::111111111111:assumed-role/airs-discovery/{{SessionName}}"
    assert created["kubernetesGroups"] == []
    assert created["createdAt"].timestamp() == aws.clock.now()
    described = eks.describe_access_entry(clusterName="dev", principalArn=ROLE)["accessEntry"]
    assert described == created
    assert aws.access_entry("dev", ROLE) is not None
    assert aws.calls[-1] == ("DescribeAccessEntry", {"clusterName": "dev", "principalArn": ROLE})
    tags_of_entry = eks.list_tags_for_resource(resourceArn=created["accessEntryArn"])["tags"]
    assert tags_of_entry == {"airs-onboarding:coverage": "owner"}


def test_a_principal_with_a_path_is_addressed_by_its_whole_arn(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API")
    principal = "arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123"

    created = eks.create_access_entry(clusterName="dev", principalArn=principal)["accessEntry"]

    assert ":access-entry/dev/role/222222222222/AWSReservedSSO_Admin_0123/" in created["accessEntryArn"]
    assert eks.describe_access_entry(clusterName="dev", principalArn=principal)["accessEntry"] == created
    eks.associate_access_policy(
        clusterName="dev", principalArn=principal, policyArn=VIEW_POLICY, accessScope=CLUSTER_SCOPE
    )
    assert list(aws.access_policies("dev", principal)) == [VIEW_POLICY]


def test_one_access_entry_per_principal_and_a_foreign_one_counts(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API_AND_CONFIG_MAP")
    foreign_arn = aws.add_access_entry(
        "dev", ROLE, tags={"owner": "platform"}, policies={VIEW_POLICY: {"type": "namespace", "namespaces": ["a"]}}
    )

    with pytest.raises(ClientError) as exists:
        eks.create_access_entry(clusterName="dev", principalArn=ROLE, tags={"airs-onboarding:coverage": "owner"})

    assert error(exists) == (
        "ResourceInUseException",
        409,
        "The specified access entry resource is already in use on this cluster.",
    )
    entry = eks.describe_access_entry(clusterName="dev", principalArn=ROLE)["accessEntry"]
    assert (entry["accessEntryArn"], entry["tags"]) == (foreign_arn, {"owner": "platform"})
    listed = eks.list_associated_access_policies(clusterName="dev", principalArn=ROLE)["associatedAccessPolicies"]
    assert [(p["policyArn"], p["accessScope"]) for p in listed] == [
        (VIEW_POLICY, {"type": "namespace", "namespaces": ["a"]})
    ]
    with pytest.raises(ValueError, match=r"^cluster dev has an access entry for .* already$"):
        aws.add_access_entry("dev", ROLE)
    aws.add_cluster("old", auth_mode="CONFIG_MAP")
    with pytest.raises(ValueError, match=r"^cluster old is in CONFIG_MAP mode: it can have no access entry$"):
        aws.add_access_entry("old", ROLE)


def test_a_missing_access_entry_is_404(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API")
    calls = (
        lambda: eks.describe_access_entry(clusterName="dev", principalArn=ROLE),
        lambda: eks.delete_access_entry(clusterName="dev", principalArn=ROLE),
        lambda: eks.associate_access_policy(
            clusterName="dev", principalArn=ROLE, policyArn=VIEW_POLICY, accessScope=CLUSTER_SCOPE
        ),
        lambda: eks.list_associated_access_policies(clusterName="dev", principalArn=ROLE),
    )
    for call in calls:
        with pytest.raises(ClientError) as missing:
            call()
        assert error(missing) == ("ResourceNotFoundException", 404, NO_ENTRY)
    with pytest.raises(ClientError) as no_cluster:
        eks.create_access_entry(clusterName="gone", principalArn=ROLE)
    assert error(no_cluster) == ("ResourceNotFoundException", 404, "No cluster found for name: gone.")


def test_deleting_an_access_entry_deletes_its_policies(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API")
    eks.create_access_entry(clusterName="dev", principalArn=ROLE)
    eks.associate_access_policy(clusterName="dev", principalArn=ROLE, policyArn=VIEW_POLICY, accessScope=CLUSTER_SCOPE)

    eks.delete_access_entry(clusterName="dev", principalArn=ROLE)

    assert aws.access_entry("dev", ROLE) is None and aws.access_policies("dev", ROLE) == {}
    with pytest.raises(ClientError) as again:
        eks.delete_access_entry(clusterName="dev", principalArn=ROLE)
    assert error(again)[:2] == ("ResourceNotFoundException", 404)
    recreated = eks.create_access_entry(clusterName="dev", principalArn=ROLE)["accessEntry"]
    assert eks.list_associated_access_policies(clusterName="dev", principalArn=ROLE)["associatedAccessPolicies"] == []
    assert recreated["principalArn"] == ROLE


@pytest.mark.parametrize(
    ("principal", "message"),
    [
        (
            "arn:aws:sts::111111111111:assumed-role/airs-discovery/session",
            "The specified principalArn is invalid: invalid principal.",
        ),
        ("arn:aws:iam::111111111111:group/admins", "The specified principalArn is invalid: invalid principal."),
        ("airs-discovery", "The specified principalArn is invalid: invalid principal."),
        (
            "arn:aws:iam::111111111111:role/aws-service-role/emr-containers.amazonaws.com/AWSServiceRoleForAmazonEMRContainers",
            "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role",
        ),
    ],
)
def test_an_access_entry_needs_an_iam_role_or_user(aws: FakeAws, eks: Any, principal: str, message: str) -> None:
    aws.add_cluster("dev", auth_mode="API")

    with pytest.raises(ClientError) as refused:
        eks.create_access_entry(clusterName="dev", principalArn=principal)

    assert error(refused) == ("InvalidParameterException", 400, message)
    assert aws.access_entries("dev") == {}


def test_create_access_entry_refuses_an_unknown_type_and_groups_on_a_node_entry(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API")

    with pytest.raises(ClientError) as unknown:
        eks.create_access_entry(clusterName="dev", principalArn=ROLE, type="ADMIN")
    assert error(unknown) == ("InvalidParameterException", 400, "The access entry type ADMIN is invalid")
    with pytest.raises(ClientError) as groups:
        eks.create_access_entry(clusterName="dev", principalArn=ROLE, type="EC2_LINUX", kubernetesGroups=["g"])
    assert error(groups) == (
        "InvalidParameterException",
        400,
        "kubernetesGroups and username cannot be set on an access entry of type EC2_LINUX",
    )
    with pytest.raises(ClientError) as reserved:
        eks.create_access_entry(clusterName="dev", principalArn=ROLE, tags={"aws:x": "y"})
    assert error(reserved)[:2] == ("InvalidParameterException", 400)
    assert aws.access_entries("dev") == {}


def test_access_policies_are_associated_listed_in_pages_and_rescoped(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API")
    eks.create_access_entry(clusterName="dev", principalArn=ROLE)
    policies = [
        f"arn:aws:eks::aws:cluster-access-policy/{name}"
        for name in ("AmazonEKSViewPolicy", "AmazonEKSEditPolicy", "AmazonEKSAdminViewPolicy")
    ]
    for policy in policies:
        answer = eks.associate_access_policy(
            clusterName="dev", principalArn=ROLE, policyArn=policy, accessScope=CLUSTER_SCOPE
        )
        assert (answer["clusterName"], answer["principalArn"]) == ("dev", ROLE)
        assert answer["associatedAccessPolicy"]["accessScope"] == {"type": "cluster", "namespaces": []}
    aws.clock.advance(5)
    rescoped = eks.associate_access_policy(
        clusterName="dev",
        principalArn=ROLE,
        policyArn=VIEW_POLICY,
        accessScope={"type": "namespace", "namespaces": ["n"]},
    )["associatedAccessPolicy"]
    assert rescoped["modifiedAt"] > rescoped["associatedAt"]
    aws.page_size = 2

    pages = list(eks.get_paginator("list_associated_access_policies").paginate(clusterName="dev", principalArn=ROLE))

    assert [len(page["associatedAccessPolicies"]) for page in pages] == [2, 1]
    scopes = {p["policyArn"]: p["accessScope"] for page in pages for p in page["associatedAccessPolicies"]}
    assert scopes == {
        policies[0]: {"type": "namespace", "namespaces": ["n"]},
        policies[1]: CLUSTER_SCOPE | {"namespaces": []},
        policies[2]: CLUSTER_SCOPE | {"namespaces": []},
    }


@pytest.mark.parametrize(
    ("policy", "scope", "message"),
    [
        (
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSGodPolicy",
            CLUSTER_SCOPE,
            "The specified policyArn is invalid: arn:aws:eks::aws:cluster-access-policy/AmazonEKSGodPolicy",
        ),
        (VIEW_POLICY, {"type": "account"}, "The access scope type account is invalid: expected cluster or namespace"),
        (VIEW_POLICY, {"type": "namespace"}, "An access scope of type namespace cannot have namespaces []"),
        (
            VIEW_POLICY,
            {"type": "cluster", "namespaces": ["n"]},
            "An access scope of type cluster cannot have namespaces ['n']",
        ),
    ],
)
def test_associate_access_policy_refuses_an_unknown_policy_and_a_wrong_scope(
    aws: FakeAws, eks: Any, policy: str, scope: dict[str, Any], message: str
) -> None:
    aws.add_cluster("dev", auth_mode="API")
    eks.create_access_entry(clusterName="dev", principalArn=ROLE)

    with pytest.raises(ClientError) as refused:
        eks.associate_access_policy(clusterName="dev", principalArn=ROLE, policyArn=policy, accessScope=scope)

    assert error(refused) == ("InvalidParameterException", 400, message)
    assert aws.access_policies("dev", ROLE) == {}


def test_no_access_policy_on_a_node_access_entry(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API")
    eks.create_access_entry(clusterName="dev", principalArn=ROLE, type="EC2_LINUX")

    with pytest.raises(ClientError) as refused:
        eks.associate_access_policy(
            clusterName="dev", principalArn=ROLE, policyArn=VIEW_POLICY, accessScope=CLUSTER_SCOPE
        )

    assert error(refused) == (
        "InvalidParameterException",
        400,
        'This operation can only be performed on Access Entries with a type of "STANDARD".',
    )


def test_access_entries_wait_for_an_update_in_progress(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API_AND_CONFIG_MAP")
    eks.create_access_entry(clusterName="dev", principalArn=ROLE)
    other = "arn:aws:iam::111111111111:role/other"
    update = aws.start_foreign_update("dev", duration=120)
    message = f"Cannot change access entries because cluster dev currently has update {update} in progress"

    for call in (
        lambda: eks.create_access_entry(clusterName="dev", principalArn=other),
        lambda: eks.delete_access_entry(clusterName="dev", principalArn=ROLE),
        lambda: eks.associate_access_policy(
            clusterName="dev", principalArn=ROLE, policyArn=VIEW_POLICY, accessScope=CLUSTER_SCOPE
        ),
    ):
        with pytest.raises(ClientError) as busy:
            call()
        assert error(busy) == ("ResourceInUseException", 409, message)
    assert eks.describe_access_entry(clusterName="dev", principalArn=ROLE)["accessEntry"]["principalArn"] == ROLE

    aws.refuse_access_entry_changes_while_updating = False
    eks.create_access_entry(clusterName="dev", principalArn=other)
    assert set(aws.access_entries("dev")) == {ROLE, other}


def test_access_entries_wait_for_the_authentication_mode_update_to_land(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="CONFIG_MAP")
    eks.update_cluster_config(name="dev", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})

    with pytest.raises(ClientError) as early:
        eks.create_access_entry(clusterName="dev", principalArn=ROLE)
    assert error(early) == ("InvalidRequestException", 400, CONFIG_MAP_REFUSAL)

    aws.clock.advance(60)
    eks.create_access_entry(clusterName="dev", principalArn=ROLE)
    assert aws.access_entry("dev", ROLE) is not None


# --- clusters being created or deleted ---------------------------------------------------------------------------


def test_a_cluster_being_created_has_no_endpoint_and_takes_no_change_until_it_is_active(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("new", auth_mode="API", creating_for=600, tags={"airs-discovery": "on"})

    creating = eks.describe_cluster(name="new")["cluster"]
    assert creating["status"] == "CREATING" and "endpoint" not in creating
    assert eks.list_clusters()["clusters"] == ["new"]
    not_active = ("InvalidRequestException", 400, "Cluster 'new' is not in ACTIVE status")
    with pytest.raises(ClientError) as update:
        eks.update_cluster_config(name="new", resourcesVpcConfig={"publicAccessCidrs": ["198.51.100.0/24"]})
    assert error(update) == not_active
    with pytest.raises(ClientError) as entry:
        eks.create_access_entry(clusterName="new", principalArn=ROLE)
    assert error(entry) == not_active
    eks.tag_resource(resourceArn=creating["arn"], tags={"airs-onboarding:coverage": "owner"})

    aws.clock.advance(600)

    active = eks.describe_cluster(name="new")["cluster"]
    assert active["status"] == "ACTIVE" and active["endpoint"].startswith("https://")
    eks.create_access_entry(clusterName="new", principalArn=ROLE)


def test_a_deleted_cluster_is_deleting_then_gone_with_its_access_entries(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("old", auth_mode="API")
    aws.add_cluster("kept")
    aws.add_access_entry("old", ROLE)
    entry_arn = eks.describe_access_entry(clusterName="old", principalArn=ROLE)["accessEntry"]["accessEntryArn"]

    aws.delete_cluster("old", duration=300)

    assert eks.describe_cluster(name="old")["cluster"]["status"] == "DELETING"
    assert eks.list_clusters()["clusters"] == ["kept", "old"]
    with pytest.raises(ClientError) as deleting:
        eks.delete_access_entry(clusterName="old", principalArn=ROLE)
    assert error(deleting) == ("InvalidRequestException", 400, "Cluster 'old' is not in ACTIVE status")
    with pytest.raises(ValueError, match=r"^cluster old is being deleted already$"):
        aws.delete_cluster("old")

    aws.clock.advance(300)

    assert eks.list_clusters()["clusters"] == ["kept"]
    with pytest.raises(ClientError) as gone:
        eks.describe_access_entry(clusterName="old", principalArn=ROLE)
    assert error(gone) == ("ResourceNotFoundException", 404, "No cluster found for name: old.")
    with pytest.raises(ClientError) as untag:
        eks.untag_resource(resourceArn=entry_arn, tagKeys=["a"])
    assert error(untag)[:2] == ("NotFoundException", 404)
    aws.add_cluster("old", auth_mode="API")  # a new cluster of the same name starts with nothing
    assert aws.access_entries("old") == {}


def test_an_update_ending_on_a_cluster_being_deleted_leaves_it_deleting(aws: FakeAws) -> None:
    aws.add_cluster("old")
    aws.start_foreign_update("old", duration=60)
    aws.delete_cluster("old", duration=300)

    aws.clock.advance(60)

    assert aws.cluster("old")["status"] == "DELETING"


# --- idempotency and a shared clock -----------------------------------------------------------------------------


def test_a_request_repeated_with_its_client_request_token_gets_the_first_answer(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("dev", auth_mode="API")
    first = eks.create_access_entry(clusterName="dev", principalArn=ROLE, clientRequestToken="token-1")

    again = eks.create_access_entry(clusterName="dev", principalArn=ROLE, clientRequestToken="token-1")

    assert again["accessEntry"] == first["accessEntry"]
    with pytest.raises(ClientError) as other_request:
        eks.create_access_entry(clusterName="dev", principalArn=ROLE, clientRequestToken="token-1", tags={"a": "b"})
    assert error(other_request) == (
        "InvalidParameterException",
        400,
        "The clientRequestToken token-1 was used with other parameters",
    )
    with pytest.raises(ClientError) as new_token:
        eks.create_access_entry(clusterName="dev", principalArn=ROLE)
    assert error(new_token)[:2] == ("ResourceInUseException", 409)
    config = {"accessConfig": {"authenticationMode": "API"}}
    aws.add_cluster("mixed", auth_mode="API_AND_CONFIG_MAP")
    update = eks.update_cluster_config(name="mixed", clientRequestToken="token-2", **config)["update"]
    repeat = eks.update_cluster_config(name="mixed", clientRequestToken="token-2", **config)["update"]
    assert repeat["id"] == update["id"] and aws.cluster("mixed")["status"] == "UPDATING"


def test_the_fake_can_share_a_clock() -> None:
    class Clock:
        def __init__(self) -> None:
            self.time = 50.0

        def now(self) -> float:
            return self.time

        def advance(self, seconds: float) -> None:
            self.time += seconds

    shared = Clock()
    fake = FakeAws(clock=shared)
    fake.add_cluster("new", creating_for=10)

    shared.advance(10)

    assert fake.cluster("new")["status"] == "ACTIVE" and fake.cluster("new")["createdAt"] == 50.0


def test_put_parameter_refuses_a_type_ssm_does_not_have(aws: FakeAws) -> None:
    ssm = boto3.client(
        "ssm",
        endpoint_url=aws.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    with pytest.raises(ClientError) as refused:
        ssm.put_parameter(Name="/p", Value="v", Type="Text")

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert refused.value.response["Error"]["Message"] == (
        "1 validation error detected: Value 'Text' at 'type' failed to satisfy constraint: Member must satisfy enum"
        " value set: [SecureString, StringList, String]"
    )
    assert aws.ssm_parameters == {}
    ssm.put_parameter(Name="/p", Value="v", Type="String")
    assert ssm.get_parameter(Name="/p")["Parameter"]["Type"] == "String"
