import pytest

from onboarding_config.partitions import partition_of


@pytest.mark.parametrize(
    ("region", "partition"),
    [("us-east-1", "aws"), ("eu-west-3", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_partition_of_a_region(region: str, partition: str) -> None:
    assert partition_of(region) == partition
