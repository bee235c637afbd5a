"""Custom::EksClusterAccess when AWS says no, or not yet: the exact reasons, the retries, the waits that run out,
and where the record is kept."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.endpoint
import pytest

from tests.handlers.conftest import STATE_PREFIX, Harness

DISCOVERY = ["34.71.64.3/32", "34.28.60.186/32"]
OFFICE = "198.51.100.0/24"
#: The record of the test's resource (its stack and logical id) on cluster prod. Deployed stacks have their
#: records under these names: a handler that named them otherwise would find nothing to undo on Delete.
RECORD_OF_PROD = f"{STATE_PREFIX}/prod/546cf42702e9da0c81d063a0"


def created(cfn: Harness) -> dict[str, Any]:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    answer = cfn.create()
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    return answer


# --- access denied, and other refusals, name the action -------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "action", "request_type"),
    [
        ("DescribeCluster", "eks:DescribeCluster", "Create"),
        ("UpdateClusterConfig", "eks:UpdateClusterConfig", "Create"),
        ("DescribeUpdate", "eks:DescribeUpdate", "Create"),
        ("GetParameter", "ssm:GetParameter", "Create"),
        ("PutParameter", "ssm:PutParameter", "Create"),
        ("DeleteParameter", "ssm:DeleteParameter", "Delete"),
    ],
)
@pytest.mark.parametrize("code", ["AccessDeniedException", "AccessDenied", "UnauthorizedOperation"])
def test_access_denied_names_the_action_and_where_to_look(
    cfn: Harness, operation: str, action: str, request_type: str, code: str
) -> None:
    if request_type == "Delete":
        created(cfn)
    else:
        cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.inject_fault(operation, status=400, code=code, message="not authorized")

    answer = cfn.create() if request_type == "Create" else cfn.delete()

    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        f"Access denied: the handler's role may not call {action} for cluster 'prod' (not authorized). Check the"
        " role's policy and any SCP or permissions boundary."
    )


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("GetParameter", "ssm:GetParameter"),
        ("PutParameter", "ssm:PutParameter"),
        ("DescribeUpdate", "eks:DescribeUpdate"),
    ],
)
def test_another_refusal_names_the_action_the_code_and_the_message(cfn: Harness, operation: str, action: str) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.inject_fault(operation, status=400, code="ValidationException", message="no such thing")

    answer = cfn.create()

    assert answer["Reason"] == f"{action} for cluster 'prod' failed: ValidationException: no such thing"


def test_delete_refused_by_ssm_keeps_the_cluster_reverted_and_says_why(cfn: Harness) -> None:
    created(cfn)
    cfn.aws.inject_fault("DeleteParameter", status=400, code="ValidationException", message="no")

    answer = cfn.delete()

    assert answer["Reason"] == "ssm:DeleteParameter for cluster 'prod' failed: ValidationException: no"
    assert cfn.endpoint()[2] == [OFFICE]
    assert list(cfn.aws.ssm_parameters) == [RECORD_OF_PROD]  # a retried Delete finds it


# --- retries --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("throttled", "status"), [(8, "SUCCESS"), (9, "FAILED")])
def test_each_request_is_retried_8_times_when_throttled(
    cfn: Harness, monkeypatch: pytest.MonkeyPatch, throttled: int, status: str
) -> None:
    monkeypatch.setattr(botocore.endpoint.time, "sleep", lambda _seconds: None)  # botocore's backoff, in real time
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    cfn.aws.inject_fault(
        "DescribeCluster", status=400, code="ThrottlingException", message="slow down", times=throttled
    )

    answer = cfn.create()

    assert answer["Status"] == status
    if status == "FAILED":
        assert answer["Reason"] == "eks:DescribeCluster for cluster 'prod' failed: ThrottlingException: slow down"
        assert cfn.aws.count("DescribeCluster") == 1 + 8


# --- updates that fail, and waits that run out ----------------------------------------------------------


def test_a_failed_authentication_mode_update_says_which_update_and_the_errors(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="CONFIG_MAP", cidrs=[OFFICE])
    cfn.aws.fail_next_update(
        "prod",
        errors=[
            {"errorMessage": "The cluster control plane could not be reached."},
            {"errorCode": "AccessDenied", "errorMessage": "Not authorized for kms:Decrypt on alias/EKS-X."},
        ],
    )

    answer = cfn.create()

    [update_id] = {p["updateId"] for op, p in cfn.aws.calls if op == "DescribeUpdate"}
    assert answer["Reason"] == (
        f"EKS authentication mode update {update_id} of cluster 'prod' ended Failed: Unknown: The cluster control"
        " plane could not be reached.; AccessDenied: Not authorized for kms:Decrypt on alias/EKS-X. EKS applied"
        " nothing of it."
    )


def test_a_failed_revert_says_which_update_and_keeps_the_record(cfn: Harness) -> None:
    created(cfn)
    cfn.aws.fail_next_update("prod")

    answer = cfn.delete()

    reverted = [p["updateId"] for op, p in cfn.aws.calls if op == "DescribeUpdate"][-1]
    assert answer["Reason"] == (
        f"EKS endpoint access update {reverted} of cluster 'prod' ended Failed: ClusterUnreachable: The cluster"
        " control plane could not be reached. EKS applied nothing of it."
    )
    assert list(cfn.aws.ssm_parameters) == [RECORD_OF_PROD]


@pytest.mark.parametrize("request_type", ["Create", "Delete"])
def test_someone_elses_update_that_never_lets_go_ends_in_a_timeout_that_says_so(
    cfn: Harness, monkeypatch: pytest.MonkeyPatch, request_type: str
) -> None:
    if request_type == "Delete":
        created(cfn)
    else:
        cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE])
    monkeypatch.setenv("TIME_BUDGET_SECONDS", "120")
    # EKS answers 409 to each update although DescribeCluster says ACTIVE: another change is being applied.
    cfn.aws.inject_fault("UpdateClusterConfig", status=409, code="ResourceInUseException", times=1000)

    answer = cfn.create() if request_type == "Create" else cfn.delete()

    assert answer["Reason"] == (
        "Timed out waiting for someone else's update of the cluster to finish. The request took longer than its"
        " time budget; check the cluster's update history in the EKS console, then retry the deployment."
    )


def test_a_pending_cluster_is_waited_for_like_one_being_created(cfn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIME_BUDGET_SECONDS", "120")
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], status="PENDING")

    answer = cfn.create()

    assert answer["Reason"] == (
        "Timed out waiting for cluster prod to become ACTIVE (it is PENDING). The request took longer than its time"
        " budget; check the cluster's update history in the EKS console, then retry the deployment."
    )
    assert cfn.mutations() == []


def test_a_cluster_still_being_created_is_waited_for_then_opened(cfn: Harness) -> None:
    cfn.aws.add_cluster("prod", auth_mode="API", cidrs=[OFFICE], creating_for=300)
    start = cfn.aws.clock.now()

    answer = cfn.create()

    assert answer["Status"] == "SUCCESS"
    assert cfn.endpoint()[2] == [OFFICE, *DISCOVERY]
    # Described every 15 s until it was ACTIVE, 300 s on, and changed only then.
    assert cfn.aws.clock.now() >= start + 300
    describes = [operation for operation, _ in cfn.aws.calls].index("UpdateClusterConfig")
    assert describes >= 300 // 15


# --- the record -----------------------------------------------------------------------------------------


def test_the_record_is_a_string_parameter_named_by_the_cluster_and_the_resource(cfn: Harness) -> None:
    created(cfn)
    assert list(cfn.aws.ssm_parameters) == [RECORD_OF_PROD]
    ssm = boto3.client("ssm", endpoint_url=cfn.aws.endpoint)
    assert ssm.get_parameter(Name=RECORD_OF_PROD)["Parameter"]["Type"] == "String"


def test_the_record_goes_under_the_prefix_the_environment_names(cfn: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_PARAMETER_PREFIX", "/custom/prefix")
    created(cfn)
    assert list(cfn.aws.ssm_parameters) == [RECORD_OF_PROD.replace(STATE_PREFIX, "/custom/prefix")]
    assert cfn.delete()["Status"] == "SUCCESS"
    assert cfn.aws.ssm_parameters == {} and cfn.endpoint()[2] == [OFFICE]


def test_deleting_a_record_that_is_gone_already_is_no_error(cfn: Harness) -> None:
    ssm = boto3.client("ssm", endpoint_url=cfn.aws.endpoint)
    records = cfn.module.SsmRecords(ssm, lambda name: f"{STATE_PREFIX}/{name}/x")
    records.delete("prod")
    assert records.load("prod") is None


def test_revert_says_whether_there_was_a_record(cfn: Harness) -> None:
    """The estate-coverage function reads revert's answer: False, nothing was ever changed by this owner."""
    created(cfn)
    eks = boto3.client("eks", endpoint_url=cfn.aws.endpoint)
    ssm = boto3.client("ssm", endpoint_url=cfn.aws.endpoint)

    def drive(records: Any) -> Any:
        steps = cfn.module.ClusterAccess(eks, records, {}).revert("prod")
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value
            cfn.aws.clock.advance(15)

    assert drive(cfn.module.SsmRecords(ssm, lambda name: f"{STATE_PREFIX}/{name}/nobody")) is False
    assert drive(cfn.module.SsmRecords(ssm, lambda _name: RECORD_OF_PROD)) is True
    assert cfn.aws.ssm_parameters == {} and cfn.endpoint()[2] == [OFFICE]


# --- properties ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cidr", ["::0/0", "0:0::/0", "0.0.0.0/00"])
def test_the_whole_internet_however_spelt_is_refused_as_such(cfn: Harness, cidr: str) -> None:
    problem = cfn.module.cidr_problem(cidr)
    assert problem == f"{cidr!r} would open the endpoint to the whole internet"


@pytest.mark.parametrize("cidrs", [[], [123], ["34.71.64.3/32", None], "34.71.64.3/32", None])
def test_allowed_cidrs_must_be_a_non_empty_list_of_strings(cfn: Harness, cidrs: Any) -> None:
    with pytest.raises(cfn.module.Failure) as refused:
        cfn.module.parse_properties({"ClusterName": "prod", "AllowedCidrs": cidrs, "EnablePublicEndpoint": "false"})
    assert str(refused.value) == f"AllowedCidrs {cidrs!r} is not a non-empty list of CIDR strings."


def test_without_enable_public_endpoint_public_access_is_not_opted_in(cfn: Harness) -> None:
    props = cfn.module.parse_properties({"ClusterName": "prod", "AllowedCidrs": ["34.71.64.3/32", "34.71.64.3/32"]})
    assert props == cfn.module.Properties("prod", ("34.71.64.3/32",), False)
