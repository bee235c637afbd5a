"""Property tests. What must be accepted: every valid config, as written (also through YAML). What
must be refused, and how: anything that is not a mapping at the top level, text that is not YAML,
a valid config with exactly one known defect (the one problem names that field and the value), an
unknown key (at its path). Arbitrary config-shaped junk is either refused with a key path for every
problem, or accepted exactly as written (no coercion): never a crash, never a silent change."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from onboarding_config.loader import ConfigError, Problem, parse_config
from onboarding_config.model import BucketConfig, FlowLogsConfig, OnboardingConfig
from onboarding_config.regions import known_regions
from tests.conftest import load

KEY_NAMES = sorted({*OnboardingConfig.model_fields, *FlowLogsConfig.model_fields, *BucketConfig.model_fields})
HEX = "0123456789abcdef"


def refusal(outcome: Any) -> list[Problem] | None:
    """``outcome`` is a thunk: None when it returns a config, else the problems of its ConfigError,
    checked to be well-formed (each with a message, the header counting them)."""
    try:
        config = outcome()
    except ConfigError as error:
        assert error.problems, "a ConfigError with no problem"
        for problem in error.problems:
            assert isinstance(problem.path, str)
            assert isinstance(problem.message, str) and problem.message.strip(), problem
        assert str(error).startswith(f"{error.source}: {len(error.problems)} problem")
        return error.problems
    assert isinstance(config, OnboardingConfig)
    return None


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


@given(junk.filter(lambda value: not isinstance(value, dict)))
def test_a_top_level_that_is_not_a_mapping_is_refused_as_such(data: Any) -> None:
    problems = refusal(lambda: load(data))
    assert problems is not None and len(problems) == 1
    assert problems[0].path == ""
    assert problems[0].message.startswith("expected a mapping of keys at the top level, got ")


def unknown_keys(data: dict[str, Any]) -> list[str]:
    """Paths of the keys near_configs may add that no section has."""
    paths = ["extra"] if "extra" in data else []
    flow_logs = data.get("flow_logs")
    if isinstance(flow_logs, dict) and isinstance(flow_logs.get("bucket"), dict) and "extra" in flow_logs["bucket"]:
        paths.append("flow_logs.bucket.extra")
    return paths


def assert_refused_at_key_paths_or_accepted_as_written(data: dict[Any, Any]) -> list[Problem] | None:
    problems = refusal(lambda: load(data))
    if problems is None:
        # Accepted: nothing was coerced or dropped, and no unknown key got through.
        assert unknown_keys(data) == []
        assert load(data).model_dump(mode="json") == expected_dump(data)
    else:
        # An unknown key is always among the problems (a section reports every key it has no field for).
        assert set(unknown_keys(data)) <= {problem.path for problem in problems}, problems
    return problems


@given(st.dictionaries(keys, junk, max_size=6))
def test_any_mapping_is_refused_with_its_unknown_keys_or_accepted_as_written(data: dict[Any, Any]) -> None:
    assert_refused_at_key_paths_or_accepted_as_written(data)


@given(near_configs)
def test_config_shaped_junk_is_refused_at_key_paths_or_accepted_as_written(data: dict[str, Any]) -> None:
    problems = assert_refused_at_key_paths_or_accepted_as_written(data)
    # Every problem of a mapping whose keys are names is about some key of it, so it names a path.
    assert problems is None or all(problem.path for problem in problems), problems


# --- (b) arbitrary text ---------------------------------------------------------------------------------------

yaml_tokens = st.sampled_from(
    [
        *KEY_NAMES,
        ":",
        ": ",
        "\n",
        "\n  ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "'",
        '"',
        "#",
        "&a",
        "*a",
        "!!str ",
        "---",
        "|",
        ">",
        "?",
        "subnet-0a1b2c3d",
        "us-east-1",
        "600",
        "null",
        "yes",
        "~",
        "\t",
        " ",
    ]
)
texts = st.one_of(
    st.text(max_size=200),
    st.lists(yaml_tokens, max_size=40).map("".join),
    junk.map(lambda value: yaml.safe_dump(value, allow_unicode=True)),
)


@given(texts)
def test_text_is_refused_unless_it_is_a_yaml_mapping_and_then_judged_as_that_mapping(text: str) -> None:
    problems = refusal(lambda: parse_config(text, source="fuzz.yaml"))
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        # Not YAML: one problem, for the whole file, that says so.
        assert problems is not None and len(problems) == 1 and problems[0].path == "", problems
        assert problems[0].message.startswith(("not valid YAML", "the file is nested too deeply")), problems
        return
    if data is None:
        assert problems == [Problem("", "the file is empty (expected a mapping with at least region and flow_logs)")]
    elif not isinstance(data, dict):
        assert problems is not None and len(problems) == 1 and problems[0].path == "", problems
        assert problems[0].message.startswith("expected a mapping of keys at the top level"), problems
    elif problems is None:
        # Accepted: the same config as the mapping the text holds.
        assert parse_config(text, source="fuzz.yaml") == load(data)
    else:
        # Refused: a key of the mapping, or a stricter reading than safe_load's (a key given twice, say).
        assert all(problem.path for problem in problems) or problems[0].message.startswith("not valid YAML"), problems


# --- (c) valid configs -------------------------------------------------------------------------------------


def _partition(region: str) -> str:
    for prefix, partition in [
        ("cn-", "aws-cn"),
        ("us-gov-", "aws-us-gov"),
        ("us-isob-", "aws-iso-b"),
        ("us-isof-", "aws-iso-f"),
        ("us-iso-", "aws-iso"),
        ("eu-isoe-", "aws-iso-e"),
        ("eusc-", "aws-eusc"),
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
def valid_configs(draw: st.DrawFn, *, all_vpcs: bool = True) -> dict[str, Any]:
    """A valid config; with ``all_vpcs``, half of them use coverage: all-vpcs instead of listed ids."""
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
    if all_vpcs and draw(st.booleans()):
        # all-vpcs: no subnet or VPC lists (empty ones are allowed), and its own keys.
        flow_logs["coverage"] = "all-vpcs"
        flow_logs |= draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "subnet_ids": st.just([]),
                    "vpc_ids": st.just([]),
                    "exclude_tag": st.none()
                    | st.fixed_dictionaries({"key": tag_keys, "value": st.text(tag_text, max_size=30)}),
                    "sweep_minutes": st.integers(5, 1440),
                },
            )
        )
    else:
        if draw(st.booleans()):
            flow_logs["coverage"] = "listed"
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
    "coverage": "listed",
    "subnet_ids": [],
    "exclude_tag": {"key": "airs-discovery", "value": "off"},
    "sweep_minutes": 60,
    "vpc_ids": [],
    "hourly_partitions": True,
    "file_format": "plain-text",
    "max_aggregation_seconds": 600,
    "include_ecs_fields": False,
}


def expected_dump(data: dict[str, Any]) -> dict[str, Any]:
    """What the loaded config holds: the given values over the documented defaults."""
    flow_logs = data.get("flow_logs", {})
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
def test_valid_config_with_an_unknown_key_is_rejected_at_that_key(
    section: str, data: dict[str, Any], typo: str
) -> None:
    target = data["flow_logs"] if section == "flow_logs" else data["flow_logs"].setdefault("bucket", {})
    assume(typo not in (FlowLogsConfig if section == "flow_logs" else BucketConfig).model_fields)
    target[typo] = True
    with pytest.raises(ConfigError) as info:
        load(data)
    assert [p.path for p in info.value.problems] == [f"{section}.{typo}"]
    assert f"unknown key {typo!r}" in info.value.problems[0].message


# --- (d) valid configs with exactly one defect -----------------------------------------------------------------

not_a_bool = st.one_of(st.sampled_from(["yes", "no", "true", "on", ""]), st.integers(), st.none().map(lambda _: []))
# Each defect: (key path, or a function of the config giving it; the bad value; text the message must show).
DEFECTS: dict[str, st.SearchStrategy[tuple[str, Any, str]]] = {
    "region": st.text(max_size=20).filter(lambda r: r not in known_regions()).map(lambda r: ("region", r, repr(r))),
    "account": st.one_of(
        st.text("0123456789", max_size=20).filter(lambda a: len(a) != 12).map(lambda a: ("account", a, repr(a))),
        st.integers(0, 10**13).map(lambda a: ("account", a, "in quotes")),
    ),
    "stack_name": st.from_regex(r"[0-9-][A-Za-z0-9-]{0,20}", fullmatch=True).map(lambda n: ("stack_name", n, repr(n))),
    "hourly_partitions": not_a_bool.map(lambda v: ("flow_logs.hourly_partitions", v, "expected true or false")),
    "include_ecs_fields": not_a_bool.map(lambda v: ("flow_logs.include_ecs_fields", v, "expected true or false")),
    "file_format": st.text(max_size=12)
    .filter(lambda f: f not in ("plain-text", "parquet"))
    .map(
        lambda f: (
            "flow_logs.file_format",
            f,
            f"{f!r} is not a flow log file format (expected 'plain-text' or 'parquet')",
        )
    ),
    "max_aggregation_seconds": st.integers(-1000, 10**6)
    .filter(lambda n: n not in (60, 600))
    .map(
        lambda n: (
            "flow_logs.max_aggregation_seconds",
            n,
            f"{n} is not an aggregation interval (expected 60 or 600, a whole number of seconds)",
        )
    ),
    "bucket.name": st.sampled_from(
        ["Upper-Case", "ab", "a" * 64, "logs..bucket", "192.168.10.12", "xn--logs", "logs-s3alias"]
    ).map(lambda n: ("flow_logs.bucket.name", n, repr(n))),
    "bucket.retention_days": st.one_of(st.integers(max_value=0), st.integers(min_value=36501)).map(
        lambda n: ("flow_logs.bucket.retention_days", n, f"{n} is out of range")
    ),
    "bucket.kms_key_arn": st.sampled_from(["alias/logs", "arn:aws:kms:us-east-1:111111111111:alias/logs", "key"]).map(
        lambda k: ("flow_logs.bucket.kms_key_arn", k, repr(k))
    ),
}
bad_ids = st.tuples(
    st.sampled_from(["subnet", "vpc"]),
    st.one_of(
        st.integers(0, 20).filter(lambda n: n not in (8, 17)).flatmap(lambda n: st.text(HEX, min_size=n, max_size=n)),
        st.sampled_from(["0A1B2C3D", "0a1b2c3g", "0a1b2c3d "]),
    ),
)


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *sections, key = path.split(".")
    target = data
    for section in sections:
        target = target.setdefault(section, {})
    if sections == ["flow_logs", "bucket"]:
        # A new bucket: these keys only shape one, so an existing_name would be a second problem.
        target.pop("existing_name", None)
    target[key] = value


@st.composite
def configs_with_one_defect(draw: st.DrawFn) -> tuple[dict[str, Any], str, str]:
    """A valid config with one defect, the path of the one problem it must give, and text its message shows."""
    data = draw(valid_configs(all_vpcs=False))  # the id defects below need listed ids
    flow_logs = data["flow_logs"]
    kind = draw(st.sampled_from([*DEFECTS, "id", "repeated id"]))
    if kind == "id":
        prefix, digits = draw(bad_ids)
        key, bad = f"{prefix}_ids", f"{prefix}-{digits}"
        ids_ = [*flow_logs.get(key, [])]
        position = draw(st.integers(0, len(ids_)))
        ids_.insert(position, bad)
        flow_logs[key] = ids_
        return data, f"flow_logs.{key}[{position}]", repr(bad)
    if kind == "repeated id":
        key = "subnet_ids" if flow_logs.get("subnet_ids") else "vpc_ids"
        twice = draw(st.sampled_from(flow_logs[key]))
        flow_logs[key] = [*flow_logs[key], twice]
        return data, "flow_logs", f"{twice!r} listed more than once"
    path, bad, shown = draw(DEFECTS[kind])
    _set(data, path, bad)
    return data, path, shown


@given(configs_with_one_defect())
def test_a_valid_config_with_one_defect_is_refused_naming_that_field(case: tuple[dict[str, Any], str, str]) -> None:
    data, path, shown = case
    problems = refusal(lambda: load(data))
    assert problems is not None, f"accepted with a defect at {path}"
    assert [problem.path for problem in problems] == [path], problems
    assert shown in problems[0].message, problems[0]
