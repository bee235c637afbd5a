"""The config's value types (onboarding_config.value_types): each bound at its limit, each choice written
out accepted, and each refusal as the whole message the loader reports, at its key path."""

from __future__ import annotations

import copy
import pickle
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from onboarding_config.loader import ConfigError
from onboarding_config.value_types import (
    ReadOnlyDict,
    audit_external_id_problem,
    invalid,
    located,
    raise_if_any,
)
from tests.conftest import config_with, flow_logs_with, load

OU = "ou-ab12-cd345678"
ORGANIZATION = {"organizational_units": [OU], "regions": ["us-east-1"]}
ROLE = "arn:aws:iam::111111111111:role/airs-discovery"
SUBNET = "subnet-0a1b2c3d4e5f60718"
TAG_CHARS = "letters, digits, spaces and + - = . _ : / @"


def org_config(**organization: Any) -> dict[str, Any]:
    return config_with(flow_logs={}, organization={**ORGANIZATION, **organization})


def problems_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        load(data)
    return [(problem.path, problem.message) for problem in info.value.problems]


# --- the errors the validators raise -----------------------------------------------------------------------


def test_invalid_carries_the_problem_as_its_message_and_where_to_report_it() -> None:
    error = invalid("'x' is not valid (expected y)")
    assert (error.type, error.message(), error.context) == (
        "invalid_value",
        "'x' is not valid (expected y)",
        {"problem": "'x' is not valid (expected y)"},
    )
    at = invalid("missing", path="eks.discovery_role_arn")
    assert (at.message(), at.context) == ("missing", {"problem": "missing", "path": "eks.discovery_role_arn"})


def test_raise_if_any_gives_every_problem_with_its_path_and_all_of_them_as_the_message() -> None:
    raise_if_any([])  # nothing found: nothing raised
    raise_if_any(iter(()))
    with pytest.raises(PydanticCustomError) as info:
        raise_if_any(iter([(None, "first"), ("flow_logs.vpc_ids", "second")]))
    error = info.value
    assert (error.type, error.message(), error.context) == (
        "invalid_value",
        "first; second",
        {"problem": "first; second", "problems": ((None, "first"), ("flow_logs.vpc_ids", "second"))},
    )


def _reject_seven(_value: int) -> int:
    raise invalid("7 is not a sweep interval")


def _reject_with_two_problems(_value: int) -> int:
    raise_if_any([(None, "one"), ("flow_logs.vpc_ids", "two")])
    return _value


@pytest.mark.parametrize(
    ("validator", "message"), [(_reject_seven, "7 is not a sweep interval"), (_reject_with_two_problems, "one; two")]
)
def test_an_error_read_without_the_loader_says_the_problem_in_pydantics_own_message(
    validator: Any, message: str
) -> None:
    """A library user validating with pydantic directly (no loader) reads the problem, not a template."""
    with pytest.raises(ValidationError) as info:
        TypeAdapter(Annotated[int, AfterValidator(validator)]).validate_python(7)
    assert [error["msg"] for error in info.value.errors()] == [message]


def test_located_keeps_the_problems_found_in_order_at_the_path() -> None:
    assert located("tags", [None, "a", "", "b", None]) == [("tags", "a"), ("tags", "b")]
    assert located(None, iter([None])) == []


# --- read-only mappings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("k", "w"),
        lambda d: d.__delitem__("k"),
        lambda d: d.__ior__({"k": "w"}),
        lambda d: d.clear(),
        lambda d: d.pop("k"),
        lambda d: d.popitem(),
        lambda d: d.setdefault("n", "w"),
        lambda d: d.update(n="w"),
    ],
    ids=["set", "delete", "merge", "clear", "pop", "popitem", "setdefault", "update"],
)
def test_a_read_only_dict_refuses_every_change(change: Any) -> None:
    tags = ReadOnlyDict({"k": "v"})
    with pytest.raises(TypeError) as info:
        change(tags)
    assert str(info.value) == "a loaded config is read-only; change the file instead"
    assert tags == {"k": "v"}


@pytest.mark.parametrize("copied", [copy.deepcopy, copy.copy, lambda d: pickle.loads(pickle.dumps(d))])
def test_a_read_only_dict_copies_and_pickles_as_itself(copied: Any) -> None:
    """copy and pickle rebuild a dict item by item (with __setitem__), which a read-only dict refuses."""
    tags = load(config_with(tags={"team": "x", "env": "prod"})).tags
    again = copied(tags)
    assert type(again) is ReadOnlyDict
    assert again == {"team": "x", "env": "prod"}


# --- tags ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags",
    [
        {"k": ""},
        {"K" * 128: "v" * 256},
        {"team name": "a+b=c.d_e:f/g@h-i"},
        {"Ünïcode": "ünïcode"},
        {"awsome:key": "v"},  # only the aws: prefix is reserved
        {f"key{i}": "v" for i in range(50)},
    ],
    ids=["empty-value", "longest", "every-symbol", "unicode-letters", "aws-not-a-prefix", "fifty"],
)
def test_tags_within_the_limits_are_accepted(tags: dict[str, str]) -> None:
    assert load(config_with(tags=tags)).tags == tags


@pytest.mark.parametrize(
    ("tags", "path", "message"),
    [
        ({"": "v"}, "tags. (key)", f"tag key '' is not valid (expected 1 to 128 {TAG_CHARS})"),
        (
            {"k" * 129: "v"},
            f"tags.{'k' * 129} (key)",
            f"tag key '{'k' * 129}' is not valid (expected 1 to 128 {TAG_CHARS})",
        ),
        ({"team!": "v"}, "tags.team! (key)", f"tag key 'team!' is not valid (expected 1 to 128 {TAG_CHARS})"),
        (
            {"aws:team": "v"},
            "tags.aws:team (key)",
            "tag key 'aws:team' is not allowed (the 'aws:' prefix is reserved for AWS)",
        ),
        (
            {"AWS:team": "v"},
            "tags.AWS:team (key)",
            "tag key 'AWS:team' is not allowed (the 'aws:' prefix is reserved for AWS)",
        ),
        ({"k": "v" * 257}, "tags.k", f"tag value '{'v' * 257}' is not valid (expected up to 256 {TAG_CHARS})"),
        ({"k": "a;b"}, "tags.k", f"tag value 'a;b' is not valid (expected up to 256 {TAG_CHARS})"),
        ({f"key{i}": "v" for i in range(51)}, "tags", "too many entries (expected at most 50)"),
    ],
    ids=[
        "empty-key",
        "key-129",
        "key-character",
        "aws-prefix",
        "aws-prefix-uppercase",
        "value-257",
        "value-character",
        "fifty-one",
    ],
)
def test_tags_past_a_limit_are_refused(tags: dict[str, str], path: str, message: str) -> None:
    assert problems_of(config_with(tags=tags)) == [(path, message)]


# --- account ids -------------------------------------------------------------------------------------------

UNQUOTED = (
    'got an unquoted number; write account ids in quotes, as exactly 12 digits: "123456789012" (YAML reads'
    " unquoted digits as a number and loses leading zeros)"
)


@pytest.mark.parametrize(
    ("account", "message"),
    [
        (123456789012, UNQUOTED),
        (12345678901, UNQUOTED),  # refused as a number, before its length is looked at
        (True, "expected text, got true (put it in quotes)"),  # a boolean is not a number written out
        ("12345678901", "'12345678901' is not an AWS account id (expected exactly 12 digits)"),
    ],
    ids=["number", "short-number", "boolean", "eleven-digits"],
)
def test_an_account_id_is_twelve_digits_in_quotes(account: object, message: str) -> None:
    assert problems_of(config_with(account=account)) == [("account", message)]


def test_a_quoted_account_id_is_kept_as_written() -> None:
    assert load(config_with(account="012345678901")).account == "012345678901"


def test_a_cdk_token_is_refused_where_the_constructs_would_let_it_through() -> None:
    token = "${Token[AWS.Region.8]}"
    assert problems_of(config_with(region=token)) == [
        ("region", f"'{token}' is CDK token syntax, which a config file cannot use (write the literal value)")
    ]


# --- stack names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["A", "Airs-Onboarding-2", "a" + "B9-" * 42 + "c"])
def test_a_stack_name_within_cloudformations_rule_is_accepted(name: str) -> None:
    assert len(name) <= 128
    assert load(config_with(stack_name=name)).stack_name == name


@pytest.mark.parametrize("name", ["1abc", "-abc", "a_b", "a" * 129, ""])
def test_a_stack_name_outside_cloudformations_rule_is_refused(name: str) -> None:
    assert problems_of(config_with(stack_name=name)) == [
        (
            "stack_name",
            f"{name!r} is not a valid CloudFormation stack name (expected a letter, then up to 127 letters, digits"
            " and hyphens)",
        )
    ]


# --- numbers with bounds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 36500])
def test_retention_days_at_the_bounds_are_accepted(days: int) -> None:
    assert load(flow_logs_with(bucket={"retention_days": days})).flow_logs.bucket.retention_days == days


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (0, "0 is out of range (expected at least 1, or null)"),
        (36501, "36501 is out of range (expected at most 36500, or null)"),
    ],
)
def test_retention_days_past_the_bounds_are_refused(days: int, message: str) -> None:
    assert problems_of(flow_logs_with(bucket={"retention_days": days})) == [
        ("flow_logs.bucket.retention_days", message)
    ]


def test_stack_set_percentages_at_their_bounds_are_accepted() -> None:
    low = load(org_config(max_concurrent_percentage=1, failure_tolerance_percentage=0)).organization
    high = load(org_config(max_concurrent_percentage=100, failure_tolerance_percentage=100)).organization
    assert low is not None and high is not None
    assert (low.max_concurrent_percentage, low.failure_tolerance_percentage) == (1, 0)
    assert (high.max_concurrent_percentage, high.failure_tolerance_percentage) == (100, 100)


def test_stack_set_percentages_past_their_bounds_are_refused() -> None:
    assert problems_of(org_config(max_concurrent_percentage=0, failure_tolerance_percentage=-1)) == [
        ("organization.max_concurrent_percentage", "0 is out of range (expected a whole percentage from 1 to 100)"),
        ("organization.failure_tolerance_percentage", "-1 is out of range (expected a whole percentage from 0 to 100)"),
    ]
    assert problems_of(org_config(max_concurrent_percentage=101, failure_tolerance_percentage=101)) == [
        ("organization.max_concurrent_percentage", "101 is out of range (expected a whole percentage from 1 to 100)"),
        (
            "organization.failure_tolerance_percentage",
            "101 is out of range (expected a whole percentage from 0 to 100)",
        ),
    ]


@pytest.mark.parametrize("minutes", [5, 1440])
def test_sweep_minutes_at_the_bounds_are_accepted(minutes: int) -> None:
    data = config_with(flow_logs={"coverage": "all-vpcs", "sweep_minutes": minutes})
    assert load(data).flow_logs.sweep_minutes == minutes


def test_sweep_minutes_past_the_bounds_are_refused() -> None:
    data = config_with(flow_logs={"coverage": "all-vpcs", "sweep_minutes": 4})
    assert problems_of(data) == [
        ("flow_logs.sweep_minutes", "4 minutes is not a sweep interval (expected 5 to 1440 whole minutes)")
    ]


# --- choices: every value written out is accepted ----------------------------------------------------------


def _eks(**eks: Any) -> dict[str, Any]:
    return config_with(eks={"discovery_role_arn": ROLE, **eks})


POD = {"cluster": "prod", "namespace": "app", "service_account": "invoker"}
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"

CHOICES: dict[str, tuple[dict[str, Any], Any, object]] = {
    "file_format plain-text": (
        flow_logs_with(file_format="plain-text"),
        lambda c: c.flow_logs.file_format,
        "plain-text",
    ),
    "file_format parquet": (flow_logs_with(file_format="parquet"), lambda c: c.flow_logs.file_format, "parquet"),
    "aggregation 60": (flow_logs_with(max_aggregation_seconds=60), lambda c: c.flow_logs.max_aggregation_seconds, 60),
    "aggregation 600": (
        flow_logs_with(max_aggregation_seconds=600),
        lambda c: c.flow_logs.max_aggregation_seconds,
        600,
    ),
    "coverage listed": (flow_logs_with(coverage="listed"), lambda c: c.flow_logs.coverage, "listed"),
    "coverage all-vpcs": (
        config_with(flow_logs={"coverage": "all-vpcs"}),
        lambda c: c.flow_logs.coverage,
        "all-vpcs",
    ),
    "eks coverage listed": (_eks(coverage="listed"), lambda c: c.eks.coverage, "listed"),
    "eks coverage tagged": (_eks(coverage="tagged"), lambda c: c.eks.coverage, "tagged"),
    "eks coverage all": (_eks(coverage="all"), lambda c: c.eks.coverage, "all"),
    "pod mode pod-identity": (
        config_with(bedrock={"pod_access": [{**POD, "mode": "pod-identity"}]}),
        lambda c: c.bedrock.pod_access[0].mode,
        "pod-identity",
    ),
    "pod mode irsa": (
        config_with(bedrock={"pod_access": [{**POD, "mode": "irsa", "oidc_issuer": ISSUER}]}),
        lambda c: c.bedrock.pod_access[0].mode,
        "irsa",
    ),
    "call_as SELF": (org_config(call_as="SELF"), lambda c: c.organization.call_as, "SELF"),
    "call_as DELEGATED_ADMIN": (
        org_config(call_as="DELEGATED_ADMIN"),
        lambda c: c.organization.call_as,
        "DELEGATED_ADMIN",
    ),
    "concurrency SOFT": (
        org_config(concurrency_mode="SOFT_FAILURE_TOLERANCE"),
        lambda c: c.organization.concurrency_mode,
        "SOFT_FAILURE_TOLERANCE",
    ),
    "concurrency STRICT": (
        org_config(concurrency_mode="STRICT_FAILURE_TOLERANCE"),
        lambda c: c.organization.concurrency_mode,
        "STRICT_FAILURE_TOLERANCE",
    ),
}


@pytest.mark.parametrize(("data", "read", "expected"), CHOICES.values(), ids=CHOICES.keys())
def test_each_choice_written_out_is_accepted(data: dict[str, Any], read: Any, expected: object) -> None:
    assert read(load(data)) == expected


# --- the audit role's external id --------------------------------------------------------------------------


def test_the_audit_external_id_is_checked_by_the_sts_rule_without_saying_the_onboarding_shows_it() -> None:
    """The administrator chooses the audit role's id: its messages do not send them to the AIRS wizard."""
    expected = "expected 2 to 1224 letters, digits and _+=,.@:/-"
    assert audit_external_id_problem("a") == f"'a' (1 character) is too short ({expected})"
    assert audit_external_id_problem("ab cd") == (
        f"'ab c...' (5 characters) contains ' ', which STS does not accept ({expected})"
    )
    assert audit_external_id_problem("ab") is None
    assert problems_of(org_config(audit_role=True, audit_external_id="a")) == [
        ("organization.audit_external_id", f"'a' (1 character) is too short ({expected})")
    ]
