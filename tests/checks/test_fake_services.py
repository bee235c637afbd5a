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


def test_foundation_models_are_not_paginated(account: Account) -> None:
    account.fake.models.update({"m-a", "m-b", "m-c"})
    answer = account.client("bedrock").list_foundation_models()
    assert [m["modelId"] for m in answer["modelSummaries"]] == ["m-a", "m-b", "m-c"]
    assert "nextToken" not in answer
