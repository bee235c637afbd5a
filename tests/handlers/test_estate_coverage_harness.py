"""The estate-coverage harness: where moto is patched to answer as AWS does, it does, and refuses what AWS refuses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from tests.handlers.coverage_harness import (
    BUCKET_ARN,
    DOWNGRADE_MESSAGE,
    DUPLICATE_MESSAGE,
    FUNCTION_NAME,
    LIMIT_MESSAGE,
    LOG_FORMAT,
    LOG_FORMAT_V2,
    OWNER,
    STANDARD_LIMIT_MESSAGE,
    AwsRules,
    Harness,
    coverage_harness,
)


@pytest.fixture
def aws() -> Iterator[Harness]:
    with coverage_harness() as harness:
        yield harness


def create(aws: Harness, vpc_ids: list[str], **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "ResourceType": "VPC",
        "ResourceIds": vpc_ids,
        "TrafficType": "ALL",
        "LogDestinationType": "s3",
        "LogDestination": BUCKET_ARN,
        "LogFormat": LOG_FORMAT,
        "MaxAggregationInterval": 60,
    }
    params.update(overrides)
    response: dict[str, Any] = aws.ec2.create_flow_logs(**params)
    return response


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def test_describe_vpcs_pages_and_refuses_a_page_size_outside_5_to_1000(aws: Harness) -> None:
    vpcs = sorted([aws.default_vpc(), *aws.add_vpcs(11)])
    first = aws.ec2.describe_vpcs(MaxResults=5)
    second = aws.ec2.describe_vpcs(MaxResults=5, NextToken=first["NextToken"])
    third = aws.ec2.describe_vpcs(MaxResults=5, NextToken=second["NextToken"])
    assert [len(p["Vpcs"]) for p in (first, second, third)] == [5, 5, 2]
    assert "NextToken" not in third
    assert sorted(v["VpcId"] for p in (first, second, third) for v in p["Vpcs"]) == vpcs
    with pytest.raises(ClientError) as raised:
        aws.ec2.describe_vpcs(MaxResults=1001)
    assert error_of(raised) == (
        "InvalidParameterValue",
        "Value ( 1001 ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.",
    )
    with pytest.raises(ParamValidationError, match="valid min value: 5"):
        aws.ec2.describe_vpcs(MaxResults=4)  # botocore refuses it before it is sent
    with pytest.raises(ClientError) as raised:
        aws.ec2.describe_vpcs(MaxResults=5, NextToken="bm90LWEtdG9rZW4=")
    assert error_of(raised) == ("InvalidParameterValue", "Invalid value for nextToken: bm90LWEtdG9rZW4=")


def test_describe_flow_logs_pages_refuses_more_than_1000_and_a_token_of_another_list(aws: Harness) -> None:
    aws.add_flow_logs_directly(aws.add_vpcs(7), owner=None)
    first = aws.ec2.describe_flow_logs(MaxResults=3)
    assert len(first["FlowLogs"]) == 3
    with pytest.raises(ClientError) as raised:
        aws.ec2.describe_vpcs(MaxResults=5, NextToken=first["NextToken"])
    assert error_of(raised) == ("InvalidParameterValue", f"Invalid value for nextToken: {first['NextToken']}")
    with pytest.raises(ClientError) as raised:
        aws.ec2.describe_flow_logs(MaxResults=1001)
    assert error_of(raised) == (
        "InvalidParameterValue",
        "Value ( 1001 ) for parameter maxResults is invalid. Expecting a value between 1 and 1000.",
    )
    with pytest.raises(ClientError) as raised:
        aws.ec2.describe_flow_logs(FlowLogIds=[f"fl-{i:017x}" for i in range(1001)])
    assert error_of(raised) == ("InvalidParameterValue", "FlowLogIds: at most 1000 flow log ids (1001 given)")
    assert len(aws.ec2.describe_flow_logs()["FlowLogs"]) == 7  # without MaxResults: everything


def test_a_page_limit_returns_fewer_items_than_asked_for() -> None:
    with coverage_harness(rules=AwsRules(page_limit=2)) as aws:
        aws.add_vpcs(3)
        page = aws.ec2.describe_vpcs(MaxResults=1000)
        assert len(page["Vpcs"]) == 2 and page["NextToken"]


def test_create_flow_logs_refuses_more_than_300_vpcs_and_a_tag_specification_of_another_type(aws: Harness) -> None:
    vpcs = aws.add_vpcs(301)
    with pytest.raises(ClientError) as raised:
        create(aws, vpcs)
    assert error_of(raised) == ("InvalidParameterValue", "ResourceIds: at most 300 resource ids (301 given)")
    assert aws.flow_logs() == []
    assert len(create(aws, vpcs[:300])["FlowLogIds"]) == 300
    with pytest.raises(ClientError) as raised:
        create(aws, vpcs[300:], TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert error_of(raised) == (
        "InvalidParameterValue",
        "'vpc' is not a valid taggable resource type for this operation.",
    )


def test_create_flow_logs_keeps_tags_and_destination_options(aws: Harness) -> None:
    vpc = aws.add_vpc()
    options = {"FileFormat": "parquet", "HiveCompatiblePartitions": True, "PerHourPartition": True}
    tags = [{"Key": "airs-onboarding:coverage", "Value": OWNER}, {"Key": "Name", "Value": "airs-discovery"}]
    create(aws, [vpc], DestinationOptions=options, TagSpecifications=[{"ResourceType": "vpc-flow-log", "Tags": tags}])
    (flow_log,) = aws.flow_logs(vpc)
    assert flow_log["DestinationOptions"] == options
    assert flow_log["Tags"] == tags
    assert flow_log["LogFormat"] == LOG_FORMAT and flow_log["MaxAggregationInterval"] == 60
    plain = aws.add_vpc()
    create(aws, [plain], LogFormat=LOG_FORMAT_V2)
    (default,) = aws.flow_logs(plain)
    assert default["DestinationOptions"] == {
        "FileFormat": "plain-text",
        "HiveCompatiblePartitions": False,
        "PerHourPartition": False,
    }


def test_a_third_flow_log_a_duplicate_and_a_missing_vpc_are_unsuccessful_items(aws: Harness) -> None:
    full, duplicate, free = aws.add_vpc(), aws.add_vpc(), aws.add_vpc()
    create(aws, [full, duplicate])
    create(aws, [full], LogFormat=LOG_FORMAT_V2)
    assert create(aws, [duplicate])["Unsuccessful"] == [
        {"ResourceId": duplicate, "Error": {"Code": "FlowLogAlreadyExists", "Message": DUPLICATE_MESSAGE}}
    ]
    response = create(aws, [full, free, "vpc-0123456789abcdef0"], MaxAggregationInterval=600)
    assert response["Unsuccessful"] == [
        {"ResourceId": full, "Error": {"Code": "FlowLogsLimitExceeded", "Message": LIMIT_MESSAGE}},
        {
            "ResourceId": "vpc-0123456789abcdef0",
            "Error": {"Code": "InvalidVpcID.NotFound", "Message": "The vpc ID 'vpc-0123456789abcdef0' does not exist"},
        },
    ]
    assert len(response["FlowLogIds"]) == 1
    assert [f["FlowLogId"] for f in aws.flow_logs(free)] == response["FlowLogIds"]
    assert len(aws.flow_logs(full)) == 2 and len(aws.flow_logs(duplicate)) == 1
    # Another format to the same destination is no duplicate under the "configuration" rule.
    assert create(aws, [duplicate], LogFormat=LOG_FORMAT_V2)["Unsuccessful"] == []


def test_a_missing_bucket_is_an_unsuccessful_item() -> None:
    with coverage_harness(bucket=False) as aws:
        vpc = aws.add_vpc()
        assert create(aws, [vpc])["Unsuccessful"] == [
            {
                "ResourceId": vpc,
                "Error": {"Code": "400", "Message": "LogDestination: airs-flow-logs-123456789012 does not exist."},
            }
        ]


def test_the_whole_call_rule_refuses_the_call_and_creates_nothing() -> None:
    with coverage_harness(rules=AwsRules(per_item_errors="whole-call")) as aws:
        ok = aws.add_vpc()
        with pytest.raises(ClientError) as raised:
            create(aws, [ok, "vpc-0123456789abcdef0"])
        assert error_of(raised) == ("InvalidVpcID.NotFound", "The vpc ID 'vpc-0123456789abcdef0' does not exist")
        assert aws.flow_logs() == []


def test_the_destination_rule_refuses_a_second_flow_log_to_the_same_destination() -> None:
    with coverage_harness(rules=AwsRules(duplicate_rule="destination")) as aws:
        vpc = aws.add_vpc()
        create(aws, [vpc])
        assert create(aws, [vpc], LogFormat=LOG_FORMAT_V2)["Unsuccessful"] == [
            {"ResourceId": vpc, "Error": {"Code": "FlowLogAlreadyExists", "Message": DUPLICATE_MESSAGE}}
        ]
        assert create(aws, [vpc], LogDestination=BUCKET_ARN + "/elsewhere/")["Unsuccessful"] == []


def test_delete_flow_logs_reports_missing_ids_and_refuses_more_than_1000(aws: Harness) -> None:
    (flow_log,) = aws.add_flow_logs_directly([aws.add_vpc()], owner=None)
    response = aws.ec2.delete_flow_logs(FlowLogIds=[flow_log, "fl-0123456789abcdef0"])
    assert response["Unsuccessful"] == [
        {
            "ResourceId": "fl-0123456789abcdef0",
            "Error": {
                "Code": "InvalidFlowLogId.NotFound",
                "Message": "The flow log ID 'fl-0123456789abcdef0' does not exist",
            },
        }
    ]
    assert aws.flow_logs() == []
    with pytest.raises(ClientError) as raised:
        aws.ec2.delete_flow_logs(FlowLogIds=[f"fl-{i:017x}" for i in range(1001)])
    assert error_of(raised) == ("InvalidParameterValue", "FlowLogIds: at most 1000 flow log ids (1001 given)")


def test_whole_call_delete_of_a_missing_id_deletes_nothing() -> None:
    with coverage_harness(rules=AwsRules(per_item_errors="whole-call")) as aws:
        (flow_log,) = aws.add_flow_logs_directly([aws.add_vpc()], owner=None)
        with pytest.raises(ClientError) as raised:
            aws.ec2.delete_flow_logs(FlowLogIds=[flow_log, "fl-0123456789abcdef0"])
        assert error_of(raised) == (
            "InvalidFlowLogId.NotFound",
            "These flow log ids in the input list are not found: [TotalCount: 1] fl-0123456789abcdef0",
        )
        assert len(aws.flow_logs()) == 1


def test_deleting_a_vpc_deletes_its_flow_logs(aws: Harness) -> None:
    gone, kept = aws.add_vpc(), aws.add_vpc()
    aws.add_flow_logs_directly([gone, kept], owner=OWNER)
    aws.delete_vpc(gone)
    assert [f["ResourceId"] for f in aws.flow_logs()] == [kept]


def test_ssm_refuses_values_over_the_tier_limit_and_an_advanced_parameter_put_back_as_standard(aws: Harness) -> None:
    ssm = aws.ssm
    with pytest.raises(ClientError) as raised:
        ssm.put_parameter(Name="/t/p", Value="x" * 4097, Type="String", Tier="Standard")
    assert error_of(raised) == ("ValidationException", STANDARD_LIMIT_MESSAGE)
    with pytest.raises(ClientError) as raised:
        ssm.put_parameter(Name="/t/p", Value="x" * 8193, Type="String", Tier="Advanced")
    assert error_of(raised) == ("ValidationException", "Parameter value exceeds 8192 characters.")
    ssm.put_parameter(Name="/t/p", Value="x" * 4096, Type="String", Tier="Standard")
    ssm.put_parameter(Name="/t/p", Value="x" * 8192, Type="String", Tier="Advanced", Overwrite=True)
    with pytest.raises(ClientError) as raised:
        ssm.put_parameter(Name="/t/p", Value="x", Type="String", Tier="Standard", Overwrite=True)
    assert error_of(raised) == ("ValidationException", DOWNGRADE_MESSAGE)
    with pytest.raises(ClientError) as raised:
        ssm.put_parameter(Name="/t/p", Value="x", Type="String", Overwrite=False)
    assert error_of(raised)[0] == "ParameterAlreadyExists"


def test_faults_answer_the_handler_session_only_and_are_retried_on_the_virtual_clock(aws: Harness) -> None:
    aws.fail("DescribeVpcs", "RequestLimitExceeded", status=503, times=2)
    aws.fail("GetParameter", "ThrottlingException", times=1, after=1)
    client = aws.session.client("ec2", config=aws.module.RETRY_CONFIG)
    assert aws.ec2.describe_vpcs()["Vpcs"]  # the arranging client is never answered by a fault
    started = aws.clock.now()
    assert client.describe_vpcs()["Vpcs"]
    assert aws.attempts["DescribeVpcs"] == 3 and aws.counts()["DescribeVpcs"] == 1
    assert len(aws.clock.sleeps) == 2 and aws.clock.now() - started == pytest.approx(sum(aws.clock.sleeps))
    ssm = aws.session.client("ssm", config=aws.module.RETRY_CONFIG)
    aws.ssm.put_parameter(Name="/t/p", Value="v", Type="String")
    ssm.get_parameter(Name="/t/p")
    ssm.get_parameter(Name="/t/p")
    assert aws.attempts["GetParameter"] == 3  # the first let through, the second retried once


def test_an_access_denied_fault_is_not_retried(aws: Harness) -> None:
    aws.fail("DescribeVpcs", "UnauthorizedOperation", status=403, times=None)
    client = aws.session.client("ec2", config=aws.module.RETRY_CONFIG)
    with pytest.raises(ClientError) as raised:
        client.describe_vpcs()
    assert error_of(raised) == ("UnauthorizedOperation", "injected UnauthorizedOperation")
    assert aws.attempts["DescribeVpcs"] == 1


def test_a_request_answered_by_a_fault_changes_nothing(aws: Harness) -> None:
    vpc = aws.add_vpc()
    aws.fail("CreateFlowLogs", "InternalError", status=500, times=1)
    aws.fail("CreateFlowLogs", "InvalidParameterValue", times=1, after=1)
    client = aws.session.client("ec2", config=aws.module.RETRY_CONFIG)
    params = {
        "ResourceType": "VPC",
        "ResourceIds": [vpc],
        "TrafficType": "ALL",
        "LogDestinationType": "s3",
        "LogDestination": BUCKET_ARN,
    }
    with pytest.raises(ClientError) as raised:
        client.create_flow_logs(**params)
    assert error_of(raised) == ("InvalidParameterValue", "injected InvalidParameterValue")
    assert aws.attempts["CreateFlowLogs"] == 2  # the 500 was retried, the 400 was not
    assert aws.flow_logs(vpc) == []
    assert len(client.create_flow_logs(**params)["FlowLogIds"]) == 1


def test_a_create_retried_with_its_client_token_after_a_lost_answer_gets_the_first_answer(aws: Harness) -> None:
    vpc = aws.add_vpc()
    aws.fail("CreateFlowLogs", "InternalError", status=500, times=1, executed=True)
    client = aws.session.client("ec2", config=aws.module.RETRY_CONFIG)
    params = {
        "ClientToken": "token-1",
        "ResourceType": "VPC",
        "ResourceIds": [vpc],
        "TrafficType": "ALL",
        "LogDestinationType": "s3",
        "LogDestination": BUCKET_ARN,
    }
    response = client.create_flow_logs(**params)
    assert aws.attempts["CreateFlowLogs"] == 2
    assert response["Unsuccessful"] == [] and response["FlowLogIds"] == [f["FlowLogId"] for f in aws.flow_logs(vpc)]
    with pytest.raises(ClientError) as raised:
        client.create_flow_logs(**{**params, "MaxAggregationInterval": 60})
    assert error_of(raised) == (
        "IdempotentParameterMismatch",
        "The client token was already used with different parameters.",
    )
    # Without a token, the repeat is a second request: a duplicate.
    del params["ClientToken"]
    assert client.create_flow_logs(**params)["Unsuccessful"][0]["Error"]["Code"] == "FlowLogAlreadyExists"


# --- EKS: the suite's fake, in-process, on the harness's clock --------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/airs-discovery"


def eks_client(aws: Harness) -> Any:
    """An EKS client of the handler's session, with the handler's retry configuration."""
    return aws.session.client("eks", config=aws.module.RETRY_CONFIG)


def test_eks_calls_reach_the_fake_through_boto3_on_the_virtual_clock_and_are_counted(aws: Harness) -> None:
    aws.request_latency = 0.5
    aws.eks.add_cluster("new", auth_mode="API_AND_CONFIG_MAP", creating_for=600, tags={"airs-discovery": "on"})
    eks = eks_client(aws)
    started = aws.clock.now()

    creating = eks.describe_cluster(name="new")["cluster"]
    assert creating["status"] == "CREATING" and creating["tags"] == {"airs-discovery": "on"}
    assert creating["arn"] == "arn:aws:eks:us-east-1:123456789012:cluster/new"  # moto's account, as the handler's
    assert aws.clock.now() == started + 0.5
    aws.clock.advance(600)
    assert eks.describe_cluster(name="new")["cluster"]["status"] == "ACTIVE"
    update = eks.update_cluster_config(name="new", accessConfig={"authenticationMode": "API"})["update"]
    aws.clock.advance(60)
    assert eks.describe_update(name="new", updateId=update["id"])["update"]["status"] == "Successful"
    eks.tag_resource(resourceArn=creating["arn"], tags={"airs-onboarding:coverage": OWNER})

    assert aws.eks.cluster("new")["accessConfig"]["authenticationMode"] == "API"
    assert aws.eks.tags("new") == {"airs-discovery": "on", "airs-onboarding:coverage": OWNER}
    assert aws.reads() == {"DescribeCluster": 2, "DescribeUpdate": 1}
    assert aws.writes() == {"UpdateClusterConfig": 1, "TagResource": 1}
    assert aws.attempts["DescribeCluster"] == 2
    assert aws.of("TagResource") == [{"resourceArn": creating["arn"], "tags": {"airs-onboarding:coverage": OWNER}}]
    assert [operation for operation, _ in aws.eks.calls] == [
        "DescribeCluster",
        "DescribeCluster",
        "UpdateClusterConfig",
        "DescribeUpdate",
        "TagResource",
    ]


def test_the_handler_s_own_eks_client_reaches_the_fake_and_moto_s_eks_is_untouched(aws: Harness) -> None:
    from moto.eks.models import eks_backends

    aws.eks.add_cluster("dev")

    assert aws.module._client("eks").list_clusters()["clusters"] == ["dev"]
    assert aws.counts() == {"ListClusters": 1}
    assert eks_backends[aws.backend.account_id][aws.backend.region_name].clusters == {}


def test_eks_errors_are_parsed_as_eks_s(aws: Harness) -> None:
    aws.eks.add_cluster("legacy", auth_mode="CONFIG_MAP")
    eks = eks_client(aws)

    with pytest.raises(eks.exceptions.InvalidRequestException) as raised:
        eks.create_access_entry(clusterName="legacy", principalArn=ROLE)

    assert error_of(raised) == (
        "InvalidRequestException",
        "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
    )
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(eks.exceptions.ResourceNotFoundException):
        eks.describe_cluster(name="gone")


def test_list_clusters_paginates_through_the_harness(aws: Harness) -> None:
    for name in ("e", "d", "c", "b", "a"):
        aws.eks.add_cluster(name)
    aws.eks.page_size = 2

    pages = list(eks_client(aws).get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 100}))

    assert [page["clusters"] for page in pages] == [["a", "b"], ["c", "d"], ["e"]]
    assert aws.counts() == {"ListClusters": 3}
    assert [call.get("nextToken") is None for call in aws.of("ListClusters")] == [True, False, False]


def test_faults_on_eks_operations_are_retried_refused_or_carried_out_as_asked(aws: Harness) -> None:
    aws.eks.add_cluster("dev", auth_mode="API")
    eks = eks_client(aws)
    aws.fail("ListClusters", "ThrottlingException", times=2)
    assert eks.list_clusters()["clusters"] == ["dev"]
    assert (aws.attempts["ListClusters"], aws.counts()["ListClusters"]) == (3, 1)
    assert len(aws.clock.sleeps) == 2  # botocore's back-off, on the virtual clock
    assert [operation for operation, _ in aws.eks.calls] == ["ListClusters"]  # the faults never reached the fake

    aws.fail("AssociateAccessPolicy", "AccessDeniedException", status=403, times=None)
    eks.create_access_entry(clusterName="dev", principalArn=ROLE)
    with pytest.raises(ClientError) as denied:
        eks.associate_access_policy(
            clusterName="dev",
            principalArn=ROLE,
            policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
            accessScope={"type": "cluster"},
        )
    assert error_of(denied) == ("AccessDeniedException", "injected AccessDeniedException")
    assert aws.attempts["AssociateAccessPolicy"] == 1 and aws.eks.access_policies("dev", ROLE) == {}


def test_an_eks_request_carried_out_whose_answer_is_lost_is_retried_with_its_token(aws: Harness) -> None:
    aws.eks.add_cluster("dev", auth_mode="API")
    aws.fail("CreateAccessEntry", "InternalFailure", status=500, times=1, executed=True)

    created = eks_client(aws).create_access_entry(clusterName="dev", principalArn=ROLE, tags={"a": "b"})

    # The retry carries botocore's clientRequestToken: EKS answers it as the first request, no 409.
    assert aws.attempts["CreateAccessEntry"] == 2
    assert created["accessEntry"]["tags"] == {"a": "b"}
    assert list(aws.eks.access_entries("dev")) == [ROLE]
    assert [operation for operation, _ in aws.eks.calls] == ["CreateAccessEntry", "CreateAccessEntry"]


def test_the_arranging_eks_client_reaches_the_fake_uncounted_and_without_faults(aws: Harness) -> None:
    aws.eks.add_cluster("dev")
    aws.fail("DescribeCluster", "AccessDeniedException", status=403, times=None)

    assert aws.eks_client.describe_cluster(name="dev")["cluster"]["name"] == "dev"

    assert aws.counts() == {} and aws.attempts == {}


# --- SSM GetParametersByPath ---------------------------------------------------------------------------------------


def test_get_parameters_by_path_pages_at_most_10_and_a_page_limit_returns_fewer() -> None:
    with coverage_harness(rules=AwsRules(page_limit=3)) as aws:
        for i in range(7):
            aws.ssm.put_parameter(Name=f"/r/clusters/c{i}", Value="{}", Type="String")
        aws.ssm.put_parameter(Name="/r/other", Value="{}", Type="String")
        ssm = aws.session.client("ssm", config=aws.module.RETRY_CONFIG)

        pages = list(ssm.get_paginator("get_parameters_by_path").paginate(Path="/r/clusters", MaxResults=10))

        assert [len(page["Parameters"]) for page in pages] == [3, 3, 1]
        assert sorted(p["Name"] for page in pages for p in page["Parameters"]) == [
            f"/r/clusters/c{i}" for i in range(7)
        ]
        aws.rules.page_limit = None
        assert len(ssm.get_parameters_by_path(Path="/r/clusters", MaxResults=10)["Parameters"]) == 7
        with pytest.raises(ClientError) as too_many:
            ssm.get_parameters_by_path(Path="/r/clusters", MaxResults=11)
        assert error_of(too_many) == (
            "ValidationException",
            "1 validation error detected: Value 11 at 'maxResults' failed to satisfy constraint: Member must have"
            " value less than or equal to 10",
        )
        with pytest.raises(ParamValidationError, match="valid min value: 1"):
            ssm.get_parameters_by_path(Path="/r/clusters", MaxResults=0)


# --- Lambda: the hand-off -------------------------------------------------------------------------------------------


def test_an_asynchronous_invoke_is_accepted_recorded_and_counted(aws: Harness) -> None:
    client = aws.session.client("lambda", config=aws.module.RETRY_CONFIG)
    payload = {"source": "airs-onboarding.estate-coverage", "detail-type": "Continuation", "detail": {}}
    function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION_NAME}"

    response = client.invoke(FunctionName=function_arn, InvocationType="Event", Payload=json.dumps(payload).encode())

    assert response["StatusCode"] == 202
    assert aws.invocations == [{"FunctionName": function_arn, "InvocationType": "Event", "Payload": payload}]
    (call,) = aws.of("Invoke")
    assert json.loads(call["Payload"]) == payload  # recorded as the text it was sent as
    assert aws.writes() == {"Invoke": 1}
    with pytest.raises(ClientError) as synchronous:
        client.invoke(FunctionName=function_arn, Payload=b"{}")
    assert error_of(synchronous) == ("NotImplemented", "FakeAws does not model InvocationType RequestResponse")
