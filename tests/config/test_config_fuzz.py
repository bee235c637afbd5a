"""Property tests: any input gives a config or a ConfigError (never a crash); valid configs always load."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from onboarding_app.config import BucketConfig, FlowLogsConfig, OnboardingConfig
from onboarding_app.config_loader import ConfigError, parse_config
from onboarding_app.regions import known_regions
from tests.conftest import load

KEY_NAMES = sorted({*OnboardingConfig.model_fields, *FlowLogsConfig.model_fields, *BucketConfig.model_fields})
HEX = "0123456789abcdef"


def assert_loads_or_explains(outcome: Any) -> None:
    """``outcome`` is a thunk: it returns a config, or raises a ConfigError that explains every problem."""
    try:
        config = outcome()
    except ConfigError as error:
        assert error.problems, "a ConfigError with no problem"
        for problem in error.problems:
            assert isinstance(problem.path, str)
            assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert str(error).startswith(f"{error.source}: {len(error.problems)} problem")
    else:
        assert isinstance(config, OnboardingConfig)


# --- (a) arbitrary nested junk ------------------------------------------------------------------------------

keys = st.one_of(
    st.sampled_from(KEY_NAMES),
    st.text(max_size=12),
    st.integers(-3, 3),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(
        ["us-east-1", "subnet-0a1b2c3d", "vpc-0a1b2c3d", "111111111111", "parquet", "my-flow-logs", "aws:x", ""]
    ),
)
junk = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)


def valid_or(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, junk)


# Shaped like a config, with any part replaced by junk: reaches the deeper validators.
near_configs = st.fixed_dictionaries(
    {"region": valid_or(st.sampled_from(["us-east-1", "eu-west-1"]))},
    optional={
        "account": valid_or(st.just("111111111111")),
        "stack_name": valid_or(st.just("Airs")),
        "tags": valid_or(st.dictionaries(keys, valid_or(st.just("v")), max_size=4)),
        "flow_logs": valid_or(
            st.fixed_dictionaries(
                {},
                optional={
                    "subnet_ids": valid_or(st.lists(valid_or(st.just("subnet-0a1b2c3d")), max_size=3)),
                    "vpc_ids": valid_or(st.lists(valid_or(st.just("vpc-0a1b2c3d")), max_size=3)),
                    "hourly_partitions": junk,
                    "file_format": junk,
                    "max_aggregation_seconds": valid_or(st.sampled_from([60, 600])),
                    "include_ecs_fields": junk,
                    "bucket": valid_or(
                        st.fixed_dictionaries(
                            {},
                            optional={
                                "name": valid_or(st.just("my-flow-logs")),
                                "existing_name": valid_or(st.just("shared-logs")),
                                "kms_key_arn": junk,
                                "retention_days": junk,
                                "extra": junk,
                            },
                        )
                    ),
                },
            )
        ),
        "extra": junk,
    },
)


@given(st.one_of(junk, st.dictionaries(keys, junk, max_size=6), near_configs))
def test_any_mapping_loads_or_raises_config_error(data: Any) -> None:
    assert_loads_or_explains(lambda: load(data))


@given(near_configs)
def test_every_problem_of_a_config_shaped_mapping_names_a_key_path(data: dict[str, Any]) -> None:
    try:
        load(data)
    except ConfigError as error:
        for problem in error.problems:
            # Every problem of a mapping is about some key of it, so it names a path.
            assert problem.path, problem


# --- (b) arbitrary text ---------------------------------------------------------------------------------------

yaml_tokens = st.sampled_from(
    [*KEY_NAMES, ":", ": ", "\n", "\n  ", "- ", "[", "]", "{", "}", ",", "'", '"', "#", "&a", "*a", "!!str ", "---",
     "|", ">", "?", "subnet-0a1b2c3d", "us-east-1", "600", "null", "yes", "~", "\t", " "]
)
texts = st.one_of(
    st.text(max_size=200),
    st.lists(yaml_tokens, max_size=40).map("".join),
    junk.map(lambda value: yaml.safe_dump(value, allow_unicode=True)),
)


@given(texts)
def test_any_text_loads_or_raises_config_error(text: str) -> None:
    assert_loads_or_explains(lambda: parse_config(text, source="fuzz.yaml"))


# --- (c) valid configs -------------------------------------------------------------------------------------

def _partition(region: str) -> str:
    for prefix, partition in [
        ("cn-", "aws-cn"), ("us-gov-", "aws-us-gov"), ("us-isob-", "aws-iso-b"), ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"), ("eu-isoe-", "aws-iso-e"), ("eusc-", "aws-eusc"),
    ]:
        if region.startswith(prefix):
            return partition
    return "aws"


REGIONS = sorted(known_regions())
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def ids(prefix: str) -> st.SearchStrategy[str]:
    return st.sampled_from([8, 17]).flatmap(lambda n: st.text(HEX, min_size=n, max_size=n)).map(f"{prefix}-{{}}".format)


twelve_digits = st.text("0123456789", min_size=12, max_size=12)
tag_text = "abcXYZ019 _.:/=+@-é"
tag_keys = st.text(tag_text, min_size=1, max_size=20).filter(lambda key: not key.lower().startswith("aws:"))
bucket_names = (
    st.lists(st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True), min_size=1, max_size=3)
    .map(lambda parts: "logs-" + ".".join(parts))
    .filter(lambda name: not name.endswith(RESERVED_SUFFIXES))
)
key_ids = st.one_of(st.uuids().map(str), st.text(HEX, min_size=32, max_size=32).map("mrk-{}".format))


@st.composite
def buckets(draw: st.DrawFn, region: str) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"existing_name": draw(bucket_names)} | draw(
            st.fixed_dictionaries({}, optional={key: st.none() for key in ("name", "kms_key_arn", "retention_days")})
        )
    kms_key_arns = st.builds(
        "arn:{}:kms:{}:{}:key/{}".format, st.just(_partition(region)), st.just(region), twelve_digits, key_ids
    )
    return draw(
        st.fixed_dictionaries(
            {},
            optional={
                "name": st.none() | bucket_names,
                "existing_name": st.none(),
                "kms_key_arn": st.none() | kms_key_arns,
                "retention_days": st.none() | st.integers(1, 36500),
            },
        )
    )


@st.composite
def valid_configs(draw: st.DrawFn) -> dict[str, Any]:
    region = draw(st.sampled_from(REGIONS))
    subnet_ids = draw(st.lists(ids("subnet"), max_size=4, unique=True))
    vpc_ids = draw(st.lists(ids("vpc"), min_size=0 if subnet_ids else 1, max_size=3, unique=True))
    flow_logs: dict[str, Any] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "hourly_partitions": st.booleans(),
                "file_format": st.sampled_from(["plain-text", "parquet"]),
                "max_aggregation_seconds": st.sampled_from([60, 600]),
                "include_ecs_fields": st.booleans(),
                "bucket": buckets(region),
            },
        )
    )
    if subnet_ids or draw(st.booleans()):
        flow_logs["subnet_ids"] = subnet_ids
    if vpc_ids or draw(st.booleans()):
        flow_logs["vpc_ids"] = vpc_ids
    top: dict[str, Any] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "account": st.none() | twelve_digits,
                "stack_name": st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,40}", fullmatch=True),
                "tags": st.dictionaries(tag_keys, st.text(tag_text, max_size=30), max_size=5),
            },
        )
    )
    return {"region": region, **top, "flow_logs": flow_logs}


DEFAULT_BUCKET = {"name": None, "existing_name": None, "kms_key_arn": None, "retention_days": 365}
DEFAULT_FLOW_LOGS = {
    "subnet_ids": [],
    "vpc_ids": [],
    "hourly_partitions": True,
    "file_format": "plain-text",
    "max_aggregation_seconds": 600,
    "include_ecs_fields": False,
}


def expected_dump(data: dict[str, Any]) -> dict[str, Any]:
    """What the loaded config holds: the given values over the documented defaults."""
    flow_logs = data["flow_logs"]
    return {
        "account": None,
        "stack_name": "AirsOnboarding",
        "tags": {},
        "eks": None,
        "cloudtrail": None,
        "bedrock": None,
        "discovery_role": None,
        "iam": {"permissions_boundary_arn": None, "role_name_prefix": None},
        "organization": None,
        **data,
        "flow_logs": {**DEFAULT_FLOW_LOGS, **flow_logs, "bucket": {**DEFAULT_BUCKET, **flow_logs.get("bucket", {})}},
    }


@given(valid_configs())
def test_valid_config_loads_with_its_values(data: dict[str, Any]) -> None:
    assert load(data).model_dump(mode="json") == expected_dump(data)


@given(valid_configs())
def test_valid_config_written_as_yaml_loads_to_the_same_config(data: dict[str, Any]) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert parse_config(text, source="roundtrip.yaml") == load(data)


@pytest.mark.parametrize("section", ["flow_logs", "flow_logs.bucket"])
@given(data=valid_configs(), typo=st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=15))
def test_valid_config_with_an_unknown_key_is_rejected_at_that_key(section: str, data: dict[str, Any], typo: str) -> None:
    target = data["flow_logs"] if section == "flow_logs" else data["flow_logs"].setdefault("bucket", {})
    assume(typo not in (FlowLogsConfig if section == "flow_logs" else BucketConfig).model_fields)
    target[typo] = True
    with pytest.raises(ConfigError) as info:
        load(data)
    assert [p.path for p in info.value.problems] == [f"{section}.{typo}"]
    assert f"unknown key {typo!r}" in info.value.problems[0].message
