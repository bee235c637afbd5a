"""``flow_logs.coverage``: listed ids (as before) or every VPC of the account and region, with the
all-vpcs keys ``exclude_tag`` and ``sweep_minutes``: their defaults and every message, word for word."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration

from onboarding_config.loader import ConfigError, Problem, config_from_mapping, load_config, parse_config
from onboarding_config.model import ExcludeTagConfig, OnboardingConfig
from onboarding_constructs.validation import sweep_interval_problem, sweep_minutes_problem
from tests.conftest import MINIMAL_CONFIG, REPO_ROOT, config_with, load

SUBNET = "subnet-0a1b2c3d"
VPC = "vpc-0a1b2c3d"
ORGANIZATION = {"organizational_units": ["ou-abcd-12345678"], "regions": ["us-east-1"]}

ALL_VPCS_NO_IDS = (
    "not used with coverage: all-vpcs, which logs every VPC of the account and region (leave one out with"
    " exclude_tag); remove it, or set coverage: listed to log only the listed subnets and VPCs"
)
ALL_VPCS_ONLY = (
    "applies to coverage: all-vpcs only, and coverage is listed; remove it, or set coverage: all-vpcs to log every"
    " VPC of the account and region"
)


def all_vpcs(**keys: Any) -> dict[str, Any]:
    """A config with coverage: all-vpcs and these flow_logs keys."""
    return config_with(flow_logs={"coverage": "all-vpcs", **keys})


def problems_of(data: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(data, source="test.yaml")
    return info.value.problems


# --- defaults ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [pytest.param(MINIMAL_CONFIG, id="listed"), pytest.param(all_vpcs(), id="all-vpcs")])
def test_the_all_vpcs_keys_have_their_defaults(data: dict[str, Any]) -> None:
    flow_logs = load(data).flow_logs
    assert flow_logs.exclude_tag == ExcludeTagConfig(key="airs-discovery", value="off")
    assert (flow_logs.exclude_tag.key, flow_logs.exclude_tag.value) == ("airs-discovery", "off")
    assert flow_logs.sweep_minutes == 60
    assert type(flow_logs.sweep_minutes) is int


def test_coverage_is_listed_by_default() -> None:
    flow_logs = load(MINIMAL_CONFIG).flow_logs
    assert flow_logs.coverage == "listed"
    assert flow_logs.all_vpcs is False


def test_all_vpcs_needs_no_subnet_or_vpc() -> None:
    flow_logs = load(all_vpcs()).flow_logs
    assert flow_logs.coverage == "all-vpcs"
    assert flow_logs.all_vpcs is True
    assert (flow_logs.subnet_ids, flow_logs.vpc_ids) == ((), ())


def test_all_vpcs_accepts_empty_lists() -> None:
    assert load(all_vpcs(subnet_ids=[], vpc_ids=[])).flow_logs.all_vpcs


def test_listed_may_be_written_and_keeps_working_as_before() -> None:
    flow_logs = load(config_with(flow_logs={"coverage": "listed", "vpc_ids": [VPC]})).flow_logs
    assert (flow_logs.coverage, flow_logs.vpc_ids) == ("listed", (VPC,))


def test_listed_still_needs_something_to_log() -> None:
    assert problems_of(config_with(flow_logs={"coverage": "listed"})) == [
        Problem("flow_logs", "no subnet_ids and no vpc_ids (expected at least one subnet or VPC to log)")
    ]


# --- accepted values ----------------------------------------------------------------------------------------


def test_every_all_vpcs_key_at_once() -> None:
    flow_logs = load(
        all_vpcs(
            exclude_tag={"key": "flow-logs", "value": "skip"},
            sweep_minutes=15,
            hourly_partitions=False,
            file_format="parquet",
            max_aggregation_seconds=60,
            include_ecs_fields=True,
            bucket={"retention_days": 30},
        )
    ).flow_logs
    assert flow_logs.model_dump(mode="json") == {
        "coverage": "all-vpcs",
        "subnet_ids": [],
        "vpc_ids": [],
        "exclude_tag": {"key": "flow-logs", "value": "skip"},
        "sweep_minutes": 15,
        "hourly_partitions": False,
        "file_format": "parquet",
        "max_aggregation_seconds": 60,
        "include_ecs_fields": True,
        "bucket": {"name": None, "existing_name": None, "kms_key_arn": None, "retention_days": 30},
    }


def test_exclude_tag_null_excludes_nothing() -> None:
    assert load(all_vpcs(exclude_tag=None)).flow_logs.exclude_tag is None


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("k", "", id="empty-value"),
        pytest.param("k" * 128, "v" * 256, id="longest"),
        pytest.param("team/flow logs:skip", "a+b=c.d_e@f-g", id="every-punctuation"),
        # EC2 takes any characters in a tag, unlike CloudFormation's stack tags (the config's tags key).
        pytest.param("Cost Center (legacy)", "a;b, é!", id="any-character-ec2-takes"),
        pytest.param("awsx", "aws:ok", id="aws-not-a-prefix-of-the-key"),
    ],
)
def test_exclude_tag_limits(key: str, value: str) -> None:
    tag = load(all_vpcs(exclude_tag={"key": key, "value": value})).flow_logs.exclude_tag
    assert tag is not None
    assert (tag.key, tag.value) == (key, value)


def test_sweep_minutes_are_refused_in_the_constructs_words() -> None:
    """One rule: the config's message is the library's, for the minutes the construct would get."""
    assert problems_of(all_vpcs(sweep_minutes=1441)) == [
        Problem("flow_logs.sweep_minutes", sweep_minutes_problem(1441) or "")
    ]
    # The construct names a Duration as the CDK shows it; the rule and its words are the same.
    expected = "1 day 1 minute is not a sweep interval (expected 5 to 1440 whole minutes)"
    assert sweep_interval_problem(Duration.minutes(1441)) == expected


@pytest.mark.parametrize("minutes", [5, 6, 60, 1439, 1440])
def test_sweep_minutes_range(minutes: int) -> None:
    assert load(all_vpcs(sweep_minutes=minutes)).flow_logs.sweep_minutes == minutes


def test_all_vpcs_from_yaml() -> None:
    text = (
        "region: us-east-1\n"
        "flow_logs:\n"
        "  coverage: all-vpcs\n"
        '  exclude_tag: {key: airs-discovery, value: "off"}\n'
        "  sweep_minutes: 30\n"
    )
    flow_logs = parse_config(text, source="t.yaml").flow_logs
    assert flow_logs.exclude_tag == ExcludeTagConfig(key="airs-discovery", value="off")
    assert flow_logs.sweep_minutes == 30


def test_the_config_is_read_only() -> None:
    config: OnboardingConfig = load(all_vpcs())
    with pytest.raises(Exception, match="frozen"):
        config.flow_logs.sweep_minutes = 5  # type: ignore[misc]
    assert config.flow_logs.exclude_tag is not None
    with pytest.raises(Exception, match="frozen"):
        config.flow_logs.exclude_tag.key = "x"  # type: ignore[misc]


# --- messages -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        pytest.param({"subnet_ids": [SUBNET]}, [Problem("flow_logs.subnet_ids", ALL_VPCS_NO_IDS)], id="subnet_ids"),
        pytest.param({"vpc_ids": [VPC]}, [Problem("flow_logs.vpc_ids", ALL_VPCS_NO_IDS)], id="vpc_ids"),
        pytest.param(
            {"subnet_ids": [SUBNET], "vpc_ids": [VPC]},
            [Problem("flow_logs.subnet_ids", ALL_VPCS_NO_IDS), Problem("flow_logs.vpc_ids", ALL_VPCS_NO_IDS)],
            id="both",
        ),
    ],
)
def test_all_vpcs_refuses_listed_ids(keys: dict[str, Any], expected: list[Problem]) -> None:
    assert problems_of(all_vpcs(**keys)) == expected


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        pytest.param(
            {"exclude_tag": {"key": "a", "value": "b"}}, [Problem("flow_logs.exclude_tag", ALL_VPCS_ONLY)], id="tag"
        ),
        pytest.param({"exclude_tag": None}, [Problem("flow_logs.exclude_tag", ALL_VPCS_ONLY)], id="null-tag"),
        pytest.param(
            {"exclude_tag": {"key": "airs-discovery", "value": "off"}},
            [Problem("flow_logs.exclude_tag", ALL_VPCS_ONLY)],
            id="the-default-tag",
        ),
        pytest.param({"sweep_minutes": 60}, [Problem("flow_logs.sweep_minutes", ALL_VPCS_ONLY)], id="sweep"),
        pytest.param(
            {"coverage": "listed", "exclude_tag": None, "sweep_minutes": 5},
            [Problem("flow_logs.exclude_tag", ALL_VPCS_ONLY), Problem("flow_logs.sweep_minutes", ALL_VPCS_ONLY)],
            id="both-with-listed-written",
        ),
    ],
)
def test_listed_refuses_the_all_vpcs_keys(keys: dict[str, Any], expected: list[Problem]) -> None:
    assert problems_of(config_with(flow_logs={"subnet_ids": [SUBNET], **keys})) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("all", "'all' is not allowed (expected 'listed' or 'all-vpcs')", id="unknown"),
        pytest.param("All-VPCs", "'All-VPCs' is not allowed (expected 'listed' or 'all-vpcs')", id="case"),
        pytest.param(None, "None is not allowed (expected 'listed' or 'all-vpcs')", id="null"),
    ],
)
def test_coverage_values(value: Any, message: str) -> None:
    assert problems_of(config_with(flow_logs={"coverage": value, "subnet_ids": [SUBNET]})) == [
        Problem("flow_logs.coverage", message)
    ]


SWEEP_RANGE = "minutes is not a sweep interval (expected 5 to 1440 whole minutes)"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(4, f"4 {SWEEP_RANGE}", id="too-often"),
        pytest.param(0, f"0 {SWEEP_RANGE}", id="zero"),
        pytest.param(-60, f"-60 {SWEEP_RANGE}", id="negative"),
        pytest.param(1441, f"1441 {SWEEP_RANGE}", id="more-than-a-day"),
        pytest.param("60", "expected a whole number, got text '60'", id="quoted"),
        pytest.param(60.0, "expected a whole number, got a number 60.0", id="float"),
        pytest.param(True, "expected a whole number, got true", id="boolean"),
        pytest.param(None, "expected a whole number, got null", id="null"),
    ],
)
def test_sweep_minutes_messages(value: Any, message: str) -> None:
    assert problems_of(all_vpcs(sweep_minutes=value)) == [Problem("flow_logs.sweep_minutes", message)]


def test_sweep_minutes_quoted_in_yaml_is_refused_like_other_numbers() -> None:
    text = 'region: us-east-1\nflow_logs:\n  coverage: all-vpcs\n  sweep_minutes: "60"\n'
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="t.yaml")
    assert info.value.problems == [Problem("flow_logs.sweep_minutes", "expected a whole number, got text '60'")]


TAG = "flow_logs.exclude_tag"


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        pytest.param(
            {"key": "", "value": "off"},
            [Problem(TAG, "key '' is not a tag key (expected 1 to 128 characters)")],
            id="empty",
        ),
        pytest.param(
            {"key": "k" * 129, "value": "off"},
            [Problem(TAG, f"key {'k' * 129!r} is not a tag key (expected 1 to 128 characters)")],
            id="key-too-long",
        ),
        pytest.param(
            {"key": "aws:skip", "value": "off"},
            [Problem(TAG, "key 'aws:skip' starts with 'aws:', which AWS reserves for its own tags")],
            id="aws-prefix",
        ),
        pytest.param(
            {"key": "AWS:skip", "value": "off"},
            [Problem(TAG, "key 'AWS:skip' starts with 'aws:', which AWS reserves for its own tags")],
            id="aws-prefix-any-case",
        ),
        pytest.param(
            {"key": "k", "value": "v" * 257},
            [Problem(TAG, f"value {'v' * 257!r} is not a tag value (expected at most 256 characters)")],
            id="value-too-long",
        ),
        pytest.param(
            {"key": "aws:k", "value": "v" * 257},
            [
                Problem(TAG, "key 'aws:k' starts with 'aws:', which AWS reserves for its own tags"),
                Problem(TAG, f"value {'v' * 257!r} is not a tag value (expected at most 256 characters)"),
            ],
            id="key-and-value",
        ),
        pytest.param(
            {"key": "${Token[TOKEN.1]}", "value": "off"},
            [
                Problem(
                    f"{TAG}.key",
                    "'${Token[TOKEN.1]}' is CDK token syntax, which a config file cannot use (write the literal value)",
                )
            ],
            id="token",
        ),
        pytest.param(
            {"key": "k", "value": 0},
            [Problem("flow_logs.exclude_tag.value", "expected text, got a number 0 (put it in quotes)")],
            id="value-number",
        ),
        pytest.param(
            {"key": "k", "value": False},
            [Problem("flow_logs.exclude_tag.value", "expected text, got false (put it in quotes)")],
            id="value-unquoted-off",
        ),
        pytest.param(
            {"key": "k"}, [Problem("flow_logs.exclude_tag.value", "required key is missing")], id="value-missing"
        ),
        pytest.param(
            {"value": "off"}, [Problem("flow_logs.exclude_tag.key", "required key is missing")], id="key-missing"
        ),
        pytest.param(
            {"key": "k", "value": "v", "values": ["x"]},
            [
                Problem(
                    "flow_logs.exclude_tag.values",
                    "unknown key 'values'; did you mean 'value'? expected one of: key, value",
                )
            ],
            id="unknown-key",
        ),
        pytest.param(
            "airs-discovery=off",
            [Problem("flow_logs.exclude_tag", "expected a mapping of keys, got text 'airs-discovery=off'")],
            id="text",
        ),
    ],
)
def test_exclude_tag_messages(tag: Any, expected: list[Problem]) -> None:
    assert problems_of(all_vpcs(exclude_tag=tag)) == expected


def test_unquoted_off_in_yaml_names_the_key() -> None:
    # YAML 1.1 reads an unquoted off as false: the example quotes it.
    text = "region: us-east-1\nflow_logs:\n  coverage: all-vpcs\n  exclude_tag: {key: airs-discovery, value: off}\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="t.yaml")
    assert info.value.problems == [
        Problem("flow_logs.exclude_tag.value", "expected text, got false (put it in quotes)")
    ]


# --- with an organization: every VPC of each account and region, ids refused --------------------------------

ORG_WHY = (
    "a StackSet instance group's parameters go to every account and region it targets, and {what} belong to one"
    " account and region"
)
EXCLUDE_ADVICE = "each account's owners leave a VPC out by tagging it airs-discovery=off (flow_logs.exclude_tag)"


def in_organization(**flow_logs: Any) -> dict[str, Any]:
    return {"region": "us-east-1", "flow_logs": flow_logs, "organization": dict(ORGANIZATION)}


def test_all_vpcs_is_the_default_in_an_organization() -> None:
    flow_logs = load(in_organization()).flow_logs
    assert (flow_logs.coverage, flow_logs.subnet_ids, flow_logs.vpc_ids) == ("all-vpcs", (), ())
    assert flow_logs.exclude_tag == ExcludeTagConfig(key="airs-discovery", value="off")


def test_the_all_vpcs_keys_need_no_coverage_written_in_an_organization() -> None:
    flow_logs = load(in_organization(exclude_tag={"key": "team", "value": "skip"}, sweep_minutes=15)).flow_logs
    assert (flow_logs.coverage, flow_logs.exclude_tag, flow_logs.sweep_minutes) == (
        "all-vpcs",
        ExcludeTagConfig(key="team", value="skip"),
        15,
    )


def test_all_vpcs_written_out_is_accepted_in_an_organization() -> None:
    assert load(in_organization(coverage="all-vpcs", exclude_tag=None)).flow_logs.exclude_tag is None


def test_listed_is_refused_in_an_organization_in_full() -> None:
    assert problems_of(in_organization(coverage="listed")) == [
        Problem(
            "flow_logs.coverage",
            f"'listed' is not used with organization: {ORG_WHY.format(what='subnet and VPC ids')}; remove it (coverage:"
            f" all-vpcs logs every VPC of each account and region), and {EXCLUDE_ADVICE}",
        )
    ]


@pytest.mark.parametrize(
    ("key", "ids", "shown", "what"),
    [
        ("subnet_ids", [SUBNET], f"'{SUBNET}'", "subnet ids"),
        ("vpc_ids", [VPC, "vpc-0a1b2c3e"], f"'{VPC}', 'vpc-0a1b2c3e'", "VPC ids"),
        (
            "vpc_ids",
            [f"vpc-0a1b2c3{n}" for n in "abc"],
            "'vpc-0a1b2c3a', 'vpc-0a1b2c3b', 'vpc-0a1b2c3c'",
            "VPC ids",
        ),
        (
            "vpc_ids",
            [f"vpc-0a1b2c3{n}" for n in "abcd"],
            "'vpc-0a1b2c3a', 'vpc-0a1b2c3b', 'vpc-0a1b2c3c' and 1 more",
            "VPC ids",
        ),
        (
            "vpc_ids",
            [f"vpc-0a1b2c3{n}" for n in "abcde"],
            "'vpc-0a1b2c3a', 'vpc-0a1b2c3b', 'vpc-0a1b2c3c' and 2 more",
            "VPC ids",
        ),
    ],
    ids=["a-subnet", "two-vpcs", "three-vpcs-all-shown", "four-vpcs", "five-vpcs"],
)
def test_ids_are_refused_in_an_organization_in_full(key: str, ids: list[str], shown: str, what: str) -> None:
    assert problems_of(in_organization(**{key: ids})) == [
        Problem(
            f"flow_logs.{key}",
            f"{shown} not used with organization: {ORG_WHY.format(what=what)}; remove it (every VPC of each account and"
            f" region is logged), and {EXCLUDE_ADVICE}",
        )
    ]


def test_listed_with_ids_in_an_organization_names_both() -> None:
    found = problems_of(in_organization(coverage="listed", subnet_ids=[SUBNET], vpc_ids=[VPC]))
    assert [p.path for p in found] == ["flow_logs.coverage", "flow_logs.subnet_ids", "flow_logs.vpc_ids"]


def test_empty_id_lists_are_no_ids_in_an_organization() -> None:
    assert load(in_organization(subnet_ids=[], vpc_ids=[])).flow_logs.all_vpcs


def test_the_advice_names_the_configs_own_exclude_tag() -> None:
    [problem] = problems_of(in_organization(vpc_ids=[VPC], exclude_tag={"key": "team/net", "value": "private"}))
    assert problem.message.endswith(
        "and each account's owners leave a VPC out by tagging it team/net=private (flow_logs.exclude_tag)"
    )


def test_without_an_exclude_tag_the_advice_says_to_set_one() -> None:
    [problem] = problems_of(in_organization(vpc_ids=[VPC], exclude_tag=None))
    assert problem.message.endswith(
        "and set flow_logs.exclude_tag (null now) to the tag with which each account's owners leave a VPC out"
    )


# --- config/coverage.example.yaml -----------------------------------------------------------------------


def test_the_coverage_example_uses_all_vpcs_with_the_defaults_written_out() -> None:
    config = load_config(REPO_ROOT / "config" / "coverage.example.yaml")
    flow_logs = config.flow_logs
    assert flow_logs.coverage == "all-vpcs"
    assert flow_logs.exclude_tag == ExcludeTagConfig(key="airs-discovery", value="off")
    assert flow_logs.sweep_minutes == 60
    assert (flow_logs.subnet_ids, flow_logs.vpc_ids) == ((), ())
    assert config.organization is None
    assert config.eks is not None and [c.name for c in config.eks.clusters] == ["prod-eks"]
