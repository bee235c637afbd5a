"""What a valid config loads to: every default, the example file, every accepted value form, and immutability."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from onboarding_config.loader import load_config
from onboarding_config.model import BucketConfig, FlowLogsConfig, OnboardingConfig
from onboarding_config.value_types import ReadOnlyDict
from tests.conftest import (
    EXAMPLE_CONFIG,
    MINIMAL_CONFIG,
    config_with,
    flow_logs_with,
    load,
)

SUBNET_17 = "subnet-0a1b2c3d4e5f60718"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:111111111111:key/{KEY_ID}"
MRK_ARN = "arn:aws:kms:us-east-1:111111111111:key/mrk-1234abcd12ab34cd56ef1234567890ab"


#: Every key that has a default, with that default (dotted path into the loaded config).
DEFAULTS: list[tuple[str, object]] = [
    ("account", None),
    ("stack_name", "AirsOnboarding"),
    ("tags", ReadOnlyDict()),
    ("flow_logs.coverage", "listed"),
    ("flow_logs.vpc_ids", ()),
    ("flow_logs.exclude_tag.key", "airs-discovery"),
    ("flow_logs.exclude_tag.value", "off"),
    ("flow_logs.sweep_minutes", 60),
    ("flow_logs.hourly_partitions", True),
    ("flow_logs.file_format", "plain-text"),
    ("flow_logs.max_aggregation_seconds", 600),
    ("flow_logs.include_ecs_fields", False),
    ("flow_logs.bucket.name", None),
    ("flow_logs.bucket.existing_name", None),
    ("flow_logs.bucket.kms_key_arn", None),
    ("flow_logs.bucket.retention_days", 365),
    ("eks", None),
    ("cloudtrail", None),
    ("bedrock", None),
    ("discovery_role", None),
    ("iam.permissions_boundary_arn", None),
    ("iam.role_name_prefix", None),
]


@pytest.fixture(scope="module")
def minimal() -> OnboardingConfig:
    return load(MINIMAL_CONFIG)


# --- the minimal config and its defaults ------------------------------------------------------------


def test_minimal_config_loads_to_the_typed_object(minimal: OnboardingConfig) -> None:
    assert isinstance(minimal, OnboardingConfig)
    assert isinstance(minimal.flow_logs, FlowLogsConfig)
    assert isinstance(minimal.flow_logs.bucket, BucketConfig)


def test_minimal_config_keeps_the_given_values(minimal: OnboardingConfig) -> None:
    assert minimal.region == "us-east-1"
    assert minimal.flow_logs.subnet_ids == (SUBNET_17,)


@pytest.mark.parametrize(("attribute", "default"), DEFAULTS, ids=[attribute for attribute, _ in DEFAULTS])
def test_default(minimal: OnboardingConfig, attribute: str, default: object) -> None:
    value: object = minimal
    for part in attribute.split("."):
        value = getattr(value, part)
    assert value == default
    assert type(value) is type(default)  # 600, not 600.0 or "600"; True, not 1


def test_defaults_are_read_only_so_loads_cannot_share_changes() -> None:
    first = load(MINIMAL_CONFIG)
    with pytest.raises(TypeError, match="read-only"):
        first.tags["team"] = "x"  # type: ignore[index]
    assert load(MINIMAL_CONFIG).tags == {}
    assert isinstance(first.flow_logs.vpc_ids, tuple)


def test_loading_does_not_modify_the_input_mapping() -> None:
    data = flow_logs_with(file_format="parquet")
    before = repr(data)
    load(data)
    assert repr(data) == before


# --- config/example.yaml ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example() -> OnboardingConfig:
    return load_config(EXAMPLE_CONFIG)


def test_example_file_has_its_top_level_values(example: OnboardingConfig) -> None:
    assert example.account is None  # commented out in the file
    assert example.region == "us-east-1"
    assert example.stack_name == "AirsOnboarding"
    assert example.tags == {"team": "platform", "purpose": "airs-discovery"}


def test_example_file_has_its_flow_logs_values(example: OnboardingConfig) -> None:
    flow_logs = example.flow_logs
    assert flow_logs.subnet_ids == ("subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788")
    assert flow_logs.vpc_ids == ()
    assert flow_logs.hourly_partitions is True
    assert flow_logs.file_format == "plain-text"
    assert flow_logs.max_aggregation_seconds == 600
    assert flow_logs.include_ecs_fields is False


def test_example_file_has_its_bucket_values(example: OnboardingConfig) -> None:
    bucket = example.flow_logs.bucket
    assert (bucket.name, bucket.existing_name, bucket.kms_key_arn, bucket.retention_days) == (None, None, None, 365)


def test_example_file_loads_from_a_str_path_too() -> None:
    assert load_config(str(EXAMPLE_CONFIG)) == load_config(EXAMPLE_CONFIG)


# --- accepted value forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("file_format", "parquet"),
        ("file_format", "plain-text"),
        ("max_aggregation_seconds", 60),
        ("max_aggregation_seconds", 600),
        ("hourly_partitions", False),
        ("include_ecs_fields", True),
    ],
    ids=["parquet", "plain-text", "aggregation-60", "aggregation-600", "no-hourly-partitions", "ecs-fields"],
)
def test_flow_logs_option_is_accepted(key: str, value: object) -> None:
    config = load(flow_logs_with(**{key: value}))
    assert getattr(config.flow_logs, key) == value


@pytest.mark.parametrize(
    "ids",
    [
        ["subnet-0a1b2c3d"],
        ["subnet-0a1b2c3d4e5f60718"],
        ["subnet-0a1b2c3d", "subnet-0a1b2c3d4e5f60718", "subnet-ffffffff"],
    ],
    ids=["8-hex", "17-hex", "several"],
)
def test_subnet_ids_are_accepted(ids: list[str]) -> None:
    assert load(flow_logs_with(subnet_ids=ids)).flow_logs.subnet_ids == tuple(ids)


@pytest.mark.parametrize("vpc_id", ["vpc-0a1b2c3d", "vpc-0a1b2c3d4e5f60718"], ids=["8-hex", "17-hex"])
def test_vpc_only_config_is_accepted(vpc_id: str) -> None:
    config = load(config_with(flow_logs={"vpc_ids": [vpc_id]}))
    assert config.flow_logs.vpc_ids == (vpc_id,)
    assert config.flow_logs.subnet_ids == ()


def test_subnets_and_vpcs_together_are_accepted() -> None:
    config = load(flow_logs_with(vpc_ids=["vpc-0a1b2c3d"]))
    assert config.flow_logs.subnet_ids == (SUBNET_17,)
    assert config.flow_logs.vpc_ids == ("vpc-0a1b2c3d",)


@pytest.mark.parametrize(
    "account", ["111111111111", "011111111111", "000000000000"], ids=["plain", "leading-zero", "zeros"]
)
def test_quoted_12_digit_account_is_accepted(account: str) -> None:
    assert load(config_with(account=account)).account == account


def test_null_account_means_credentials_account() -> None:
    data = config_with()
    data["account"] = None
    assert load(data).account is None


@pytest.mark.parametrize(
    "stack_name",
    ["A", "Airs-Onboarding-2", "a" + "b" * 127],
    ids=["one-letter", "hyphen-and-digit", "128-chars"],
)
def test_stack_name_is_accepted(stack_name: str) -> None:
    assert load(config_with(stack_name=stack_name)).stack_name == stack_name


@pytest.mark.parametrize(
    "tags",
    [
        {"team": "platform", "purpose": "airs-discovery"},
        {"cost-center": "", "owner": "ops@example.com", "path": "a/b:c=d+e_f.g"},
        {"Équipe": "plateforme", "with space": "two words"},
        {"k" * 128: "v" * 256},
        {f"key{i}": f"value{i}" for i in range(50)},
    ],
    ids=["simple", "empty-value-and-punctuation", "unicode-and-spaces", "max-lengths", "fifty-tags"],
)
def test_tags_are_accepted(tags: dict[str, str]) -> None:
    assert load(config_with(tags=tags)).tags == tags


@pytest.mark.parametrize("arn", [KEY_ARN, MRK_ARN], ids=["key-id", "mrk-multi-region-key"])
def test_kms_key_in_the_same_region_is_accepted(arn: str) -> None:
    assert load(flow_logs_with(bucket={"kms_key_arn": arn})).flow_logs.bucket.kms_key_arn == arn


def test_kms_key_in_another_partition_region_pair_is_accepted() -> None:
    arn = f"arn:aws-cn:kms:cn-north-1:111111111111:key/{KEY_ID}"
    config = load(
        config_with(region="cn-north-1", flow_logs={"subnet_ids": [SUBNET_17], "bucket": {"kms_key_arn": arn}})
    )
    assert config.flow_logs.bucket.kms_key_arn == arn


def test_kms_key_in_the_european_sovereign_cloud_is_accepted() -> None:
    arn = f"arn:aws-eusc:kms:eusc-de-east-1:111111111111:key/{KEY_ID}"
    config = load(
        config_with(region="eusc-de-east-1", flow_logs={"subnet_ids": [SUBNET_17], "bucket": {"kms_key_arn": arn}})
    )
    assert config.flow_logs.bucket.kms_key_arn == arn


@pytest.mark.parametrize("days", [None, 1, 30, 36500], ids=["null-keeps-forever", "min", "thirty", "max"])
def test_retention_days_is_accepted(days: int | None) -> None:
    assert load(flow_logs_with(bucket={"retention_days": days})).flow_logs.bucket.retention_days == days


@pytest.mark.parametrize(
    "name",
    ["abc", "my-flow-logs", "logs.example.com", "a" * 63, "1bucket9"],
    ids=["3-chars", "hyphens", "dots", "63-chars", "digits"],
)
def test_bucket_name_is_accepted(name: str) -> None:
    assert load(flow_logs_with(bucket={"name": name})).flow_logs.bucket.name == name


def test_new_bucket_with_every_option_is_accepted() -> None:
    bucket = {"name": "my-flow-logs", "kms_key_arn": KEY_ARN, "retention_days": 90}
    loaded = load(flow_logs_with(bucket=bucket)).flow_logs.bucket
    assert (loaded.name, loaded.existing_name, loaded.kms_key_arn, loaded.retention_days) == (
        "my-flow-logs",
        None,
        KEY_ARN,
        90,
    )


@pytest.mark.parametrize(
    "bucket",
    [
        {"existing_name": "shared-flow-logs"},
        {"existing_name": "shared-flow-logs", "name": None, "kms_key_arn": None, "retention_days": None},
    ],
    ids=["alone", "others-null"],
)
def test_existing_bucket_is_accepted(bucket: dict[str, object]) -> None:
    assert load(flow_logs_with(bucket=bucket)).flow_logs.bucket.existing_name == "shared-flow-logs"


def test_every_key_at_once_is_accepted() -> None:
    data = {
        "account": "123456789012",
        "region": "eu-west-1",
        "stack_name": "Onboarding",
        "tags": {"team": "platform"},
        "flow_logs": {
            "subnet_ids": ["subnet-0a1b2c3d"],
            "vpc_ids": ["vpc-0a1b2c3d4e5f60718"],
            "hourly_partitions": False,
            "file_format": "parquet",
            "max_aggregation_seconds": 60,
            "include_ecs_fields": True,
            "bucket": {
                "name": "my-flow-logs",
                "kms_key_arn": f"arn:aws:kms:eu-west-1:123456789012:key/{KEY_ID}",
                "retention_days": 7,
            },
        },
        "eks": {
            "discovery_role_arn": "arn:aws:iam::123456789012:role/airs-discovery",
            "allowed_cidrs": ["34.71.64.3/32"],
            "clusters": [{"name": "prod-eks", "enable_public_endpoint": True}],
            "log_group_kms_key_arn": f"arn:aws:kms:eu-west-1:123456789012:key/{KEY_ID}",
        },
    }
    assert load(data).model_dump(mode="json") == {
        "cloudtrail": None,
        "bedrock": None,
        "discovery_role": None,
        "iam": {"permissions_boundary_arn": None, "role_name_prefix": None},
        "organization": None,
        **data,
        "flow_logs": {
            # The all-vpcs keys keep their defaults: with listed coverage they cannot be written.
            "coverage": "listed",
            "exclude_tag": {"key": "airs-discovery", "value": "off"},
            "sweep_minutes": 60,
            **data["flow_logs"],
            "bucket": {**data["flow_logs"]["bucket"], "existing_name": None},
        },
        "eks": {
            # The tagged and all keys keep their defaults: with listed coverage they cannot be written.
            "coverage": "listed",
            "opt_in_tag": {"key": "airs-discovery", "value": "on"},
            "public_endpoint_tag": {"key": "airs-discovery-public-endpoint", "value": "allow"},
            **data["eks"],
        },
    }


# --- read-only -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "attribute", "value"),
    [
        ("", "region", "eu-west-1"),
        ("", "account", "111111111111"),
        ("flow_logs", "file_format", "parquet"),
        ("flow_logs", "subnet_ids", []),
        ("flow_logs.bucket", "retention_days", 1),
    ],
    ids=["region", "account", "flow_logs.file_format", "flow_logs.subnet_ids", "flow_logs.bucket.retention_days"],
)
def test_assigning_to_a_loaded_config_raises(section: str, attribute: str, value: object) -> None:
    target: object = load(MINIMAL_CONFIG)
    for part in filter(None, section.split(".")):
        target = getattr(target, part)
    before = getattr(target, attribute)
    with pytest.raises(ValidationError, match="frozen"):
        setattr(target, attribute, value)
    assert getattr(target, attribute) == before


@pytest.mark.parametrize("mutate", ["subnet_ids", "tags"])
def test_nested_collections_of_a_loaded_config_cannot_be_mutated(mutate: str) -> None:
    config = load(MINIMAL_CONFIG)
    with pytest.raises((TypeError, AttributeError, ValidationError)):
        if mutate == "subnet_ids":
            config.flow_logs.subnet_ids.append("not-a-subnet")
        else:
            config.tags["aws:reserved"] = "x"
