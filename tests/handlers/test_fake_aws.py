"""The fake AWS behaves like EKS, Lambda and SSM do, as seen through real boto3 clients."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.handlers.fake_aws import FakeAws

# The handler's retry mode; 5 attempts keeps a throttling test short.
RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})


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


def test_private_ipv6_cluster_still_reads_back_the_default_cidr(aws: FakeAws, eks: Any) -> None:
    aws.add_cluster("v6", public=False, private=True, ip_family="ipv6")

    cluster = eks.describe_cluster(name="v6")["cluster"]

    assert cluster["resourcesVpcConfig"]["endpointPublicAccess"] is False
    assert cluster["resourcesVpcConfig"]["publicAccessCidrs"] == ["0.0.0.0/0"]
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
