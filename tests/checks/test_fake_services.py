"""The fake EKS and Bedrock lists paginate as AWS's do: a page, a ``nextToken`` while items are left,
``maxResults`` honoured, an unknown token refused. Lists AWS does not paginate answer at once."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.checks.conftest import Account

CLUSTER = "prod-eks"
ROLE = "arn:aws:iam::123456789012:role/airs-discovery"
POLICIES = [f"arn:aws:eks::aws:cluster-access-policy/AmazonEKS{name}Policy" for name in ("Admin", "Edit", "View")]


def test_the_account_fixture_pages_one_item_at_a_time(account: Account) -> None:
    assert account.fake.page_size == 1


def test_inference_profiles_come_one_a_page_with_a_token(account: Account) -> None:
    account.fake.profiles.update({"p-a", "p-b", "p-c"})
    bedrock = account.client("bedrock")
    first = bedrock.list_inference_profiles()
    assert [p["inferenceProfileId"] for p in first["inferenceProfileSummaries"]] == ["p-a"]
    second = bedrock.list_inference_profiles(nextToken=first["nextToken"])
    assert [p["inferenceProfileId"] for p in second["inferenceProfileSummaries"]] == ["p-b"]
    last = bedrock.list_inference_profiles(nextToken=second["nextToken"])
    assert [p["inferenceProfileId"] for p in last["inferenceProfileSummaries"]] == ["p-c"]
    assert "nextToken" not in last


def test_botocore_paginators_read_every_page(account: Account) -> None:
    account.fake.profiles.update({"p-a", "p-b", "p-c"})
    account.fake.add_cluster(CLUSTER)
    account.fake.access_entries[(CLUSTER, ROLE)] = list(POLICIES)
    account.fake.associations += [(CLUSTER, "app1", "app1-sa"), (CLUSTER, "app2", "app2-sa")]
    bedrock, eks = account.client("bedrock"), account.client("eks")
    profiles = bedrock.get_paginator("list_inference_profiles").paginate()
    assert [p["inferenceProfileId"] for page in profiles for p in page["inferenceProfileSummaries"]] == [
        "p-a",
        "p-b",
        "p-c",
    ]
    policies = eks.get_paginator("list_associated_access_policies").paginate(clusterName=CLUSTER, principalArn=ROLE)
    assert [p["policyArn"] for page in policies for p in page["associatedAccessPolicies"]] == POLICIES
    associations = eks.get_paginator("list_pod_identity_associations").paginate(clusterName=CLUSTER)
    assert [a["namespace"] for page in associations for a in page["associations"]] == ["app1", "app2"]
    assert account.fake.calls.count("ListInferenceProfiles") == 3
    assert account.fake.calls.count("ListAssociatedAccessPolicies") == 3


def test_max_results_asks_for_a_smaller_page(account: Account) -> None:
    account.fake.page_size = 2
    account.fake.profiles.update({"p-a", "p-b", "p-c"})
    bedrock = account.client("bedrock")
    assert len(bedrock.list_inference_profiles()["inferenceProfileSummaries"]) == 2
    assert len(bedrock.list_inference_profiles(maxResults=1)["inferenceProfileSummaries"]) == 1


@pytest.mark.parametrize("token", ["not-a-token", "b2Zmc2V0Ong="])  # the second: "offset:x"
def test_an_unknown_token_is_refused(account: Account, token: str) -> None:
    account.fake.add_cluster(CLUSTER)
    with pytest.raises(ClientError) as refused:
        account.client("bedrock").list_inference_profiles(nextToken=token)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as refused:
        account.client("eks").list_pod_identity_associations(clusterName=CLUSTER, nextToken=token)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"


def test_clusters_are_listed_a_page_at_a_time_and_described_with_their_tags(account: Account) -> None:
    account.fake.add_cluster("a-eks", tags={"airs-discovery": "on"})
    account.fake.add_cluster("b-eks", ip_family="ipv6")
    account.fake.add_cluster("c-eks")
    eks = account.client("eks")
    first = eks.list_clusters()
    assert first["clusters"] == ["a-eks"] and "nextToken" in first
    pages = eks.get_paginator("list_clusters").paginate()
    assert [name for page in pages for name in page["clusters"]] == ["a-eks", "b-eks", "c-eks"]
    assert account.fake.calls.count("ListClusters") == 4
    assert eks.describe_cluster(name="a-eks")["cluster"]["tags"] == {"airs-discovery": "on"}
    untagged = eks.describe_cluster(name="b-eks")["cluster"]
    assert "tags" not in untagged and untagged["kubernetesNetworkConfig"] == {"ipFamily": "ipv6"}
    with pytest.raises(ClientError) as refused:
        eks.list_clusters(nextToken="not-a-token")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"


def test_foundation_models_are_not_paginated(account: Account) -> None:
    account.fake.models.update({"m-a", "m-b", "m-c"})
    answer = account.client("bedrock").list_foundation_models()
    assert [m["modelId"] for m in answer["modelSummaries"]] == ["m-a", "m-b", "m-c"]
    assert "nextToken" not in answer


# --- moto's EC2 lists, paged by the fake ---------------------------------------------------------------------


def test_vpcs_and_flow_logs_come_one_a_page_with_a_token(account: Account) -> None:
    ec2 = account.client("ec2")
    vpcs = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]  # moto's default VPC
    vpcs += [ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"] for n in (1, 2)]
    account.client("s3").create_bucket(Bucket="flow-logs")
    for each in vpcs[1:]:
        ec2.create_flow_logs(
            ResourceIds=[each],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination="arn:aws:s3:::flow-logs",
        )
    first = ec2.describe_vpcs()
    assert len(first["Vpcs"]) == 1 and first["NextToken"]
    pages = list(ec2.get_paginator("describe_vpcs").paginate())
    assert [v["VpcId"] for page in pages for v in page["Vpcs"]] == vpcs
    assert [len(page["Vpcs"]) for page in pages] == [1, 1, 1] and "NextToken" not in pages[-1]
    flow_logs = list(ec2.get_paginator("describe_flow_logs").paginate())
    assert [f["ResourceId"] for page in flow_logs for f in page["FlowLogs"]] == vpcs[1:]
    assert account.fake.ec2_pages == ["DescribeVpcs"] * 5 + ["DescribeFlowLogs"] * 2


def test_ec2_max_results_asks_for_a_smaller_page_and_filters_apply_first(account: Account) -> None:
    account.fake.page_size = 3
    ec2 = account.client("ec2")
    made = [ec2.create_vpc(CidrBlock=f"10.{n}.0.0/16")["Vpc"]["VpcId"] for n in (1, 2, 3)]
    assert len(ec2.describe_vpcs()["Vpcs"]) == 3
    assert len(ec2.describe_vpcs(MaxResults=5)["Vpcs"]) == 3  # the fake's page is smaller than EC2's minimum
    account.fake.page_size = 10
    assert len(ec2.describe_vpcs(MaxResults=5)["Vpcs"]) == 4
    only = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": made[1:]}])
    assert [v["VpcId"] for v in only["Vpcs"]] == made[1:] and "NextToken" not in only


def test_an_unknown_ec2_token_is_refused(account: Account) -> None:
    with pytest.raises(ClientError) as refused:
        account.client("ec2").describe_flow_logs(NextToken="not-a-token")
    assert refused.value.response["Error"] == {
        "Code": "InvalidParameterValue",
        "Message": "The nextToken is not valid: not-a-token",
    }


def test_denied_refuses_ec2_and_ssm_calls_in_their_protocols(account: Account) -> None:
    account.fake.denied.update({"DescribeVpcs", "GetParameter"})
    with pytest.raises(ClientError) as refused:
        account.client("ec2").describe_vpcs()
    assert refused.value.response["Error"] == {
        "Code": "UnauthorizedOperation",
        "Message": "You are not authorized to perform this operation. (DescribeVpcs)",
    }
    with pytest.raises(ClientError) as refused:
        account.client("ssm").get_parameter(Name="/airs-onboarding/coverage/AirsOnboarding")
    assert refused.value.response["Error"] == {
        "Code": "AccessDeniedException",
        "Message": "not authorized to perform GetParameter",
    }
    assert account.client("ec2").describe_subnets()["Subnets"]  # the rest: moto answers
