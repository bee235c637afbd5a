"""The fake account itself: moto and the fake answer through one session, throttling is retried."""

from __future__ import annotations

from tests.checks.conftest import Account


def test_moto_and_the_fake_share_the_session(account: Account) -> None:
    account.fake.add_cluster("prod-eks")
    account.fake.throttled["DescribeCluster"] = 2
    assert (
        account.session.client("eks", region_name=account.region).describe_cluster(name="prod-eks")["cluster"]["status"]
        == "ACTIVE"
    )
    assert account.fake.calls == ["DescribeCluster"] * 3  # two throttled answers, retried by botocore
    assert (
        account.session.client("sts", region_name=account.region).get_caller_identity()["Account"] == account.account_id
    )
