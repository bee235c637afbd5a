"""Every way a config can be wrong: each problem names the key path, the value and what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onboarding_config.loader import ConfigError, Problem, load_config, parse_config
from tests.conftest import MINIMAL_CONFIG, config_with, flow_logs_with, load

SUBNET = "subnet-0a1b2c3d"
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_ARN = f"arn:aws:kms:us-east-1:111111111111:key/{KEY_ID}"
VALID_YAML = "region: us-east-1\nflow_logs:\n  subnet_ids: [subnet-0a1b2c3d]\n"


def problems_of(data: Any) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        load(data)
    return info.value.problems


def the_problem(data: Any) -> Problem:
    problems = problems_of(data)
    assert len(problems) == 1, problems
    return problems[0]


def the_text_problem(text: str) -> Problem:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="t.yaml")
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


def with_key(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """``data`` with a top-level key set, also to None (config_with deletes a key given None)."""
    return {**data, key: value}


def assert_problem(problem: Problem, path: str, fragments: list[str]) -> None:
    assert problem.path == path
    assert problem.message
    for fragment in fragments:
        assert fragment in problem.message, f"{fragment!r} not in {problem.message!r}"


def case(data: Any, path: str, *fragments: str, id: str) -> Any:
    return pytest.param(data, path, list(fragments), id=id)


# --- one problem, reported at its key path --------------------------------------------------------------

SINGLE_PROBLEM_CASES = [
    # the top level
    case(["region", "flow_logs"], "", "expected a mapping of keys at the top level, got a list", id="top-level-list"),
    case(None, "", "expected a mapping of keys at the top level, got null", id="top-level-null"),
    # required keys
    case(config_with(region=None), "region", "required key is missing", id="missing-region"),
    case(config_with(flow_logs=None), "flow_logs", "required key is missing", id="missing-flow_logs"),
    # region
    case(
        config_with(region="us-east-7"),
        "region",
        "'us-east-7'",
        "not an AWS region",
        "did you mean",
        "us-east-1",
        id="region-unknown-number",
    ),
    case(
        config_with(region="us-eest-1"),
        "region",
        "'us-eest-1'",
        "not an AWS region",
        "did you mean",
        "us-east-1",
        id="region-typo",
    ),
    case(
        config_with(region="zzz"),
        "region",
        "'zzz'",
        "expected a region code such as us-east-1",
        id="region-no-close-match",
    ),
    case(config_with(region="US-EAST-1"), "region", "'US-EAST-1'", "not an AWS region", id="region-uppercase"),
    case(config_with(region=5), "region", "expected text", "a number 5", "put it in quotes", id="region-number"),
    case(with_key(MINIMAL_CONFIG, "region", None), "region", "expected text", "null", id="region-null"),
    # unknown keys
    case(
        config_with(regoin="us-east-1"),
        "regoin",
        "unknown key 'regoin'",
        "did you mean 'region'?",
        "expected one of: account, bedrock, cloudtrail, discovery_role, eks, flow_logs, iam, organization, region,"
        " stack_name, tags",
        id="unknown-top-level-typo",
    ),
    case(
        config_with(extra=1),
        "extra",
        "unknown key 'extra'",
        "expected one of: account, bedrock, cloudtrail, discovery_role, eks, flow_logs, iam, organization, region,"
        " stack_name, tags",
        id="unknown-top-level",
    ),
    case(
        config_with(flow_logs={"subnet_id": [SUBNET]}),
        "flow_logs.subnet_id",
        "unknown key 'subnet_id'",
        "did you mean 'subnet_ids'?",
        "expected one of: bucket, coverage, exclude_tag, file_format, hourly_partitions, include_ecs_fields,"
        " max_aggregation_seconds, subnet_ids, sweep_minutes, vpc_ids",
        id="unknown-flow_logs-key",
    ),
    case(
        flow_logs_with(bucket={"nam": "my-bucket"}),
        "flow_logs.bucket.nam",
        "unknown key 'nam'",
        "did you mean 'name'?",
        "expected one of: existing_name, kms_key_arn, name, retention_days",
        id="unknown-bucket-key",
    ),
    # subnet and VPC ids
    case(
        flow_logs_with(subnet_ids=["subnet-12"]),
        "flow_logs.subnet_ids[0]",
        "'subnet-12' is not a subnet id",
        "'subnet-' followed by 8 or 17 lowercase hex digits",
        id="subnet-too-short",
    ),
    case(
        flow_logs_with(subnet_ids=[SUBNET, "subnet-0A1B2C3D"]),
        "flow_logs.subnet_ids[1]",
        "'subnet-0A1B2C3D' is not a subnet id",
        "lowercase hex",
        id="subnet-uppercase-second",
    ),
    case(
        flow_logs_with(subnet_ids=["vpc-0a1b2c3d"]),
        "flow_logs.subnet_ids[0]",
        "'vpc-0a1b2c3d' is not a subnet id",
        id="vpc-id-as-subnet",
    ),
    case(
        flow_logs_with(subnet_ids=["subnet-0a1b2c3d4"]),
        "flow_logs.subnet_ids[0]",
        "'subnet-0a1b2c3d4' is not a subnet id",
        "8 or 17",
        id="subnet-9-hex",
    ),
    case(flow_logs_with(subnet_ids=[5]), "flow_logs.subnet_ids[0]", "expected text", "a number 5", id="subnet-number"),
    case(
        flow_logs_with(vpc_ids=["vpc-XYZ"]),
        "flow_logs.vpc_ids[0]",
        "'vpc-XYZ' is not a VPC id",
        "'vpc-' followed by 8 or 17 lowercase hex digits",
        id="vpc-malformed",
    ),
    case(
        flow_logs_with(vpc_ids=[SUBNET]),
        "flow_logs.vpc_ids[0]",
        f"'{SUBNET}' is not a VPC id",
        id="subnet-id-as-vpc",
    ),
    case(
        flow_logs_with(subnet_ids=[SUBNET, SUBNET]),
        "flow_logs",
        f"'{SUBNET}' listed more than once",
        "expected each subnet and VPC id once",
        id="duplicate-subnet",
    ),
    case(
        config_with(flow_logs={"vpc_ids": ["vpc-0a1b2c3d"] * 2}),
        "flow_logs",
        "'vpc-0a1b2c3d' listed more than once",
        id="duplicate-vpc",
    ),
    case(
        flow_logs_with(subnet_ids=["subnet-0a1b2c3d", "subnet-0a1b2c3d", "subnet-0a1b2c3e", "subnet-0a1b2c3e"]),
        "flow_logs",
        "'subnet-0a1b2c3d', 'subnet-0a1b2c3e' listed more than once",
        id="duplicates-all-named",
    ),
    case(
        flow_logs_with(subnet_ids=[]),
        "flow_logs",
        "no subnet_ids and no vpc_ids",
        "expected at least one subnet or VPC",
        id="no-targets-empty-lists",
    ),
    case(config_with(flow_logs={}), "flow_logs", "no subnet_ids and no vpc_ids", id="no-targets-empty-section"),
    # account
    case(
        config_with(account=111111111111),
        "account",
        "got an unquoted number",
        "in quotes, as exactly 12 digits",
        "YAML reads unquoted digits as a number",
        id="account-unquoted",
    ),
    case(config_with(account=11111111111), "account", "loses leading zeros", id="account-unquoted-lost-leading-zero"),
    case(
        config_with(account="12345"),
        "account",
        "'12345' is not an AWS account id",
        "exactly 12 digits",
        id="account-too-short",
    ),
    case(
        config_with(account="1234567890123"),
        "account",
        "'1234567890123' is not an AWS account id",
        "exactly 12 digits",
        id="account-too-long",
    ),
    case(
        config_with(account="12345678901a"),
        "account",
        "'12345678901a' is not an AWS account id",
        id="account-not-digits",
    ),
    case(config_with(account=True), "account", "expected text, got true", id="account-boolean"),
    # stack name
    case(
        config_with(stack_name="1Stack"),
        "stack_name",
        "'1Stack' is not a valid CloudFormation stack name",
        "expected a letter, then up to 127 letters, digits and hyphens",
        id="stack-name-starts-with-digit",
    ),
    case(
        config_with(stack_name="My_Stack"),
        "stack_name",
        "'My_Stack' is not a valid CloudFormation stack name",
        id="stack-name-underscore",
    ),
    case(
        config_with(stack_name=""),
        "stack_name",
        "'' is not a valid CloudFormation stack name",
        id="stack-name-empty",
    ),
    case(
        config_with(stack_name="a" * 129),
        "stack_name",
        "is not a valid CloudFormation stack name",
        id="stack-name-129-chars",
    ),
    # tags
    case(
        config_with(tags={"aws:team": "x"}),
        "tags.aws:team (key)",
        "tag key 'aws:team' is not allowed",
        "'aws:' prefix is reserved",
        id="tag-key-aws-prefix",
    ),
    case(
        config_with(tags={"AWS:Team": "x"}),
        "tags.AWS:Team (key)",
        "tag key 'AWS:Team' is not allowed",
        id="tag-key-aws-prefix-uppercase",
    ),
    case(
        config_with(tags={"k" * 129: "x"}),
        f"tags.{'k' * 129} (key)",
        "is not valid",
        "expected 1 to 128 letters",
        id="tag-key-too-long",
    ),
    case(
        config_with(tags={"team;dev": "x"}),
        "tags.team;dev (key)",
        "tag key 'team;dev' is not valid",
        "+ - = . _ : / @",
        id="tag-key-bad-character",
    ),
    case(
        config_with(tags={"team": "a;b"}),
        "tags.team",
        "tag value 'a;b' is not valid",
        "expected up to 256 letters",
        id="tag-value-bad-character",
    ),
    case(
        config_with(tags={"team": "v" * 257}),
        "tags.team",
        "is not valid",
        "expected up to 256",
        id="tag-value-too-long",
    ),
    case(
        config_with(tags={"version": 5}),
        "tags.version",
        "expected text",
        "a number 5",
        "put it in quotes",
        id="tag-value-number",
    ),
    case(
        config_with(tags={"enabled": True}),
        "tags.enabled",
        "expected text, got true",
        "put it in quotes",
        id="tag-value-boolean",
    ),
    case(
        config_with(tags={f"key{i}": "v" for i in range(51)}),
        "tags",
        "too many entries",
        "expected at most 50",
        id="tags-51",
    ),
    case(config_with(tags=["team"]), "tags", "expected a mapping of keys", "a list", id="tags-list"),
    # flow log options
    case(
        flow_logs_with(file_format="csv"),
        "flow_logs.file_format",
        "'csv' is not a flow log file format",
        "expected 'plain-text' or 'parquet'",
        id="file-format-csv",
    ),
    case(
        flow_logs_with(file_format="Parquet"),
        "flow_logs.file_format",
        "'Parquet' is not a flow log file format (expected 'plain-text' or 'parquet')",
        id="file-format-capitalised",
    ),
    case(
        flow_logs_with(max_aggregation_seconds=300),
        "flow_logs.max_aggregation_seconds",
        "300 is not an aggregation interval",
        "expected 60 or 600",
        id="aggregation-300",
    ),
    case(
        flow_logs_with(max_aggregation_seconds="600"),
        "flow_logs.max_aggregation_seconds",
        "'600' is not an aggregation interval",
        "expected 60 or 600",
        id="aggregation-string",
    ),
    case(
        flow_logs_with(hourly_partitions="yes"),
        "flow_logs.hourly_partitions",
        "expected true or false",
        "text 'yes'",
        id="hourly-partitions-string",
    ),
    case(
        flow_logs_with(include_ecs_fields=1),
        "flow_logs.include_ecs_fields",
        "expected true or false",
        "a number 1",
        id="ecs-fields-number",
    ),
    # retention
    case(
        flow_logs_with(bucket={"retention_days": 0}),
        "flow_logs.bucket.retention_days",
        "0 is out of range",
        "expected at least 1, or null",
        id="retention-0",
    ),
    case(
        flow_logs_with(bucket={"retention_days": 40000}),
        "flow_logs.bucket.retention_days",
        "40000 is out of range",
        "expected at most 36500, or null",
        id="retention-40000",
    ),
    case(
        flow_logs_with(bucket={"retention_days": "365"}),
        "flow_logs.bucket.retention_days",
        "expected a whole number",
        "text '365'",
        id="retention-string",
    ),
    case(
        flow_logs_with(bucket={"retention_days": 1.5}),
        "flow_logs.bucket.retention_days",
        "expected a whole number",
        "1.5",
        id="retention-fraction",
    ),
    case(
        flow_logs_with(bucket={"retention_days": True}),
        "flow_logs.bucket.retention_days",
        "expected a whole number, got true",
        id="retention-boolean",
    ),
    # KMS key
    case(
        flow_logs_with(bucket={"kms_key_arn": "arn:aws:kms:us-east-1:111111111111:alias/my-key"}),
        "flow_logs.bucket.kms_key_arn",
        "'arn:aws:kms:us-east-1:111111111111:alias/my-key' is not a KMS key ARN",
        "arn:<partition>:kms:<region>:<12-digit account>:key/<key id>",
        "an alias ARN is not accepted",
        id="kms-alias-arn",
    ),
    case(
        flow_logs_with(bucket={"kms_key_arn": KEY_ID}),
        "flow_logs.bucket.kms_key_arn",
        f"'{KEY_ID}' is not a KMS key ARN",
        id="kms-bare-key-id",
    ),
    case(
        flow_logs_with(bucket={"kms_key_arn": f"arn:aws:kms:eu-west-1:111111111111:key/{KEY_ID}"}),
        "flow_logs.bucket.kms_key_arn",
        "is in eu-west-1",
        "an S3 bucket can only use a key in its own region (us-east-1)",
        id="kms-other-region",
    ),
    # wrong shapes
    case(
        flow_logs_with(subnet_ids=SUBNET),
        "flow_logs.subnet_ids",
        "expected a list",
        f"text '{SUBNET}'",
        id="subnet-ids-string",
    ),
    case(
        config_with(flow_logs={"subnet_ids": None, "vpc_ids": ["vpc-0a1b2c3d"]}),
        "flow_logs.subnet_ids",
        "expected a list",
        "null",
        id="subnet-ids-null",
    ),
    case(config_with(flow_logs=[SUBNET]), "flow_logs", "expected a mapping of keys", "a list", id="flow-logs-list"),
    case(
        with_key(MINIMAL_CONFIG, "flow_logs", None),
        "flow_logs",
        "expected a mapping of keys",
        "null",
        id="flow-logs-null",
    ),
    case(
        flow_logs_with(bucket="my-bucket"),
        "flow_logs.bucket",
        "expected a mapping of keys",
        "text 'my-bucket'",
        id="bucket-string",
    ),
    case(flow_logs_with(bucket=None), "flow_logs.bucket", "expected a mapping of keys", "null", id="bucket-null"),
]


@pytest.mark.parametrize(("data", "path", "fragments"), SINGLE_PROBLEM_CASES)
def test_single_problem_is_reported_at_its_path(data: Any, path: str, fragments: list[str]) -> None:
    assert_problem(the_problem(data), path, fragments)


def test_unknown_key_without_a_close_match_has_no_suggestion() -> None:
    assert "did you mean" not in the_problem(config_with(zzzzzz=1)).message


# --- bucket names -----------------------------------------------------------------------------------------

BAD_BUCKET_NAMES = [
    pytest.param("MyBucket", "expected 3 to 63 lowercase letters, digits, dots and hyphens", id="uppercase"),
    pytest.param("ab", "expected 3 to 63", id="too-short"),
    pytest.param("a" * 64, "expected 3 to 63", id="too-long"),
    pytest.param("-logs", "starting and ending with a letter or digit", id="starts-with-hyphen"),
    pytest.param("my_logs", "expected 3 to 63", id="underscore"),
    pytest.param("192.168.1.1", "may not look like an IP address", id="ip-like"),
    pytest.param("my..logs", "a dot may not be next to another dot or a hyphen", id="double-dot"),
    pytest.param("my.-logs", "a dot may not be next to another dot or a hyphen", id="dot-hyphen"),
    pytest.param("xn--logs", "the prefix 'xn--' is reserved by S3", id="prefix-xn--"),
    pytest.param("sthree-logs", "the prefix 'sthree-' is reserved by S3", id="prefix-sthree-"),
    pytest.param("logs-s3alias", "the suffix '-s3alias' is reserved by S3", id="suffix-s3alias"),
    pytest.param("logs--ol-s3", "the suffix '--ol-s3' is reserved by S3", id="suffix-ol-s3"),
]


@pytest.mark.parametrize("key", ["name", "existing_name"])
@pytest.mark.parametrize(("name", "expectation"), BAD_BUCKET_NAMES)
def test_invalid_bucket_name_is_reported(key: str, name: str, expectation: str) -> None:
    problem = the_problem(flow_logs_with(bucket={key: name}))
    assert_problem(problem, f"flow_logs.bucket.{key}", [f"{name!r} is not a valid S3 bucket name", expectation])


# --- an existing bucket is used as it is --------------------------------------------------------------------

EXISTING = "shared-flow-logs"


@pytest.mark.parametrize(
    ("extra", "clashes"),
    [
        pytest.param({"name": "new-logs"}, "name", id="name"),
        pytest.param({"kms_key_arn": KEY_ARN}, "kms_key_arn", id="kms_key_arn"),
        pytest.param({"retention_days": 30}, "retention_days", id="retention_days"),
        pytest.param({"retention_days": 365}, "retention_days", id="retention_days-same-as-default"),
        pytest.param(
            {"name": "new-logs", "kms_key_arn": KEY_ARN, "retention_days": 30},
            "name, kms_key_arn, retention_days",
            id="all-three",
        ),
    ],
)
def test_existing_name_combined_with_new_bucket_settings_is_reported(extra: dict[str, Any], clashes: str) -> None:
    problem = the_problem(flow_logs_with(bucket={"existing_name": EXISTING, **extra}))
    assert_problem(
        problem,
        "flow_logs.bucket",
        [
            f"existing_name cannot be combined with {clashes}:",
            "used exactly as it is",
            f"Remove {clashes}, or remove existing_name to create a bucket",
        ],
    )


def test_existing_name_clash_is_not_reported_for_keys_set_to_null() -> None:
    problem = the_problem(flow_logs_with(bucket={"existing_name": EXISTING, "name": None, "retention_days": 30}))
    assert "combined with retention_days:" in problem.message
    assert "name," not in problem.message


# --- several problems at once -------------------------------------------------------------------------------


def test_every_problem_in_the_file_is_reported() -> None:
    data = {
        "account": 5,
        "region": "us-eest-1",
        "extra": 1,
        "flow_logs": {"subnet_ids": ["subnet-12", "bad"], "file_format": "csv"},
    }
    problems = problems_of(data)
    assert sorted(p.path for p in problems) == sorted(
        ["account", "region", "extra", "flow_logs.subnet_ids[0]", "flow_logs.subnet_ids[1]", "flow_logs.file_format"]
    )
    assert all(p.message for p in problems)


def test_problems_in_different_sections_are_all_reported() -> None:
    data = {
        "region": "nowhere",
        "stack_name": "1x",
        "tags": {"aws:x": "y"},
        "flow_logs": {"subnet_ids": [SUBNET], "bucket": {"retention_days": 0}},
    }
    problems = problems_of(data)
    assert len(problems) == 4
    assert {p.path for p in problems} == {"region", "stack_name", "tags.aws:x (key)", "flow_logs.bucket.retention_days"}


def test_section_rules_are_checked_alongside_problems_elsewhere() -> None:
    problems = problems_of({"region": "nowhere", "flow_logs": {"subnet_ids": ["subnet-1234abcd", "subnet-1234abcd"]}})
    assert [p.path for p in problems] == ["region", "flow_logs"]
    assert "'subnet-1234abcd' listed more than once" in problems[1].message


def test_nothing_to_log_is_reported_once_the_sections_are_valid() -> None:
    # Whether an account has anything to log depends on the organization section too, so this
    # whole-file rule runs after the sections have loaded.
    assert [(p.path, p.message) for p in problems_of({"region": "us-east-1", "flow_logs": {}})] == [
        ("flow_logs", "no subnet_ids and no vpc_ids (expected at least one subnet or VPC to log)")
    ]


# --- reading the file -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        pytest.param(
            "- region\n- flow_logs\n", ["expected a mapping of keys at the top level, got a list"], id="top-level-list"
        ),
        pytest.param("us-east-1\n", ["expected a mapping of keys at the top level, got text"], id="top-level-text"),
        pytest.param("42\n", ["expected a mapping of keys at the top level, got a number"], id="top-level-number"),
        pytest.param("", ["the file is empty", "expected a mapping with at least region and flow_logs"], id="empty"),
        pytest.param("# only a comment\n\n", ["the file is empty"], id="only-comments"),
        pytest.param("region: [us-east-1\nflow_logs: {}\n", ["not valid YAML", "line 2"], id="unclosed-bracket"),
        pytest.param("region: us-east-1\n\tflow_logs: {}\n", ["not valid YAML", "line 2"], id="tab-indent"),
        pytest.param("region: us-east-1\n  flow_logs: x\n", ["not valid YAML", "line 2"], id="bad-indent"),
        pytest.param(
            VALID_YAML + "region: us-west-2\n",
            ["the key 'region' is given twice", "first at line 1", "line 4"],
            id="duplicate-top-level-key",
        ),
        pytest.param(
            VALID_YAML + "  subnet_ids: [subnet-0a1b2c3e]\n",
            ["the key 'subnet_ids' is given twice", "first at line 3", "line 4"],
            id="duplicate-nested-key",
        ),
        pytest.param("? [a, b]\n: 1\n", ["not valid YAML", "a mapping key must be a plain value"], id="list-as-key"),
        pytest.param("region: !!python/object:os.system x\n", ["not valid YAML", "line 1"], id="python-tag-refused"),
        pytest.param(VALID_YAML + "---\nregion: eu-west-1\n", ["not valid YAML", "line 4"], id="two-documents"),
    ],
)
def test_unreadable_text_is_a_single_problem_without_a_path(text: str, fragments: list[str]) -> None:
    assert_problem(the_text_problem(text), "", fragments)


def test_yaml_problems_come_after_the_source_name() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("region: [", source="my.yaml")
    assert str(info.value).startswith("my.yaml: 1 problem;")
    assert info.value.source == "my.yaml"


def test_unquoted_account_in_yaml_is_reported_with_quotes_advice() -> None:
    text = VALID_YAML + "account: 111111111111\n"
    assert_problem(
        the_text_problem(text),
        "account",
        ["got an unquoted number", "in quotes", "YAML reads unquoted digits as a number"],
    )


def test_quoted_strings_in_yaml_are_not_coerced() -> None:
    text = VALID_YAML + '  max_aggregation_seconds: "60"\n'
    assert_problem(
        the_text_problem(text),
        "flow_logs.max_aggregation_seconds",
        ["'60' is not an aggregation interval", "expected 60 or 600, a whole number"],
    )


def test_missing_file_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    assert info.value.source == str(missing)
    assert info.value.problems == [
        Problem("", "file not found (pass an existing file: make <target> CONFIG=path/to/file.yaml)")
    ]


def test_directory_instead_of_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    (problem,) = info.value.problems
    assert_problem(problem, "", ["cannot be read"])


def test_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(VALID_YAML.encode() + "tags: {owner: J\xfcrgen}\n".encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    (problem,) = info.value.problems
    assert_problem(problem, "", ["cannot be read", "utf-8"])


def test_problems_in_a_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "onboarding.yaml"
    path.write_text("region: us-east-7\nflow_logs: {subnet_ids: [subnet-0a1b2c3d]}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.source == str(path)
    assert [p.path for p in info.value.problems] == ["region"]


# --- str(ConfigError) ------------------------------------------------------------------------------------------


def test_error_text_has_a_header_and_one_line_per_problem() -> None:
    with pytest.raises(ConfigError) as info:
        load(config_with(region="zz", account=5))
    lines = str(info.value).splitlines()
    assert lines[0] == "test.yaml: 2 problems; nothing was synthesized or deployed."
    assert lines[1].startswith("  - account: got an unquoted number")
    assert lines[2].startswith("  - region: 'zz' is not an AWS region")
    assert len(lines) == 3


def test_error_text_for_one_problem_is_singular() -> None:
    with pytest.raises(ConfigError) as info:
        load(config_with(region=None))
    assert (
        str(info.value)
        == "test.yaml: 1 problem; nothing was synthesized or deployed.\n  - region: required key is missing"
    )


def test_error_text_for_a_problem_without_path_has_no_colon_prefix() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("", source="empty.yaml")
    assert (
        str(info.value).splitlines()[1]
        == "  - the file is empty (expected a mapping with at least region and flow_logs)"
    )


def test_error_does_not_chain_the_validation_traceback() -> None:
    with pytest.raises(ConfigError) as info:
        load(config_with(region="zz"))
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_problem_str_joins_path_and_message() -> None:
    assert str(Problem("region", "bad")) == "region: bad"
    assert str(Problem("", "bad")) == "bad"


# --- numbers YAML 1.1 would read as octal ---------------------------------------------------------------------


def test_unquoted_account_with_leading_zero_does_not_suggest_a_different_account() -> None:
    problem = the_text_problem(VALID_YAML + "account: 011111111111\n")
    assert problem.path == "account"
    # YAML 1.1 reads it as octal 1227133513: the message must not echo a different account id back.
    assert "1227133513" not in problem.message
    assert "in quotes, as exactly 12 digits" in problem.message


def test_zero_prefixed_digits_are_never_read_as_octal() -> None:
    problem = the_text_problem(VALID_YAML.replace("flow_logs:", "flow_logs:\n  bucket: {retention_days: 0365}\n", 1))
    assert (problem.path, problem.message) == (
        "flow_logs.bucket.retention_days",
        "expected a whole number, got an unquoted number '0365'",
    )


@pytest.mark.parametrize("number", [1234567890123, -5], ids=["13-digits", "negative"])
def test_unquoted_number_that_cannot_be_an_account_says_12_digits(number: int) -> None:
    problem = the_problem(config_with(account=number))
    assert problem.path == "account"
    assert "12 digits" in problem.message


def test_date_like_text_stays_the_text_written() -> None:
    config = parse_config(VALID_YAML + "tags: {created: 2024-01-01}\n")
    assert config.tags == {"created": "2024-01-01"}


@pytest.mark.parametrize(
    ("data", "path"),
    [
        pytest.param(config_with(tags={2024: "budget"}), "tags.2024 (key)", id="tag-key"),
        pytest.param({1: "x", **MINIMAL_CONFIG}, "1", id="top-level-key"),
    ],
)
def test_number_key_path_is_not_shown_as_a_list_index(data: dict[Any, Any], path: str) -> None:
    assert the_problem(data).path == path


def test_yaml_merge_key_is_supported() -> None:
    text = (
        "shared: &shared {subnet_ids: [subnet-0a1b2c3d], file_format: parquet}\n"
        "region: us-east-1\n"
        "flow_logs:\n"
        "  <<: *shared\n"
        "  include_ecs_fields: true\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    # Merged correctly, the only problem left is the helper key itself, not a YAML error.
    assert [p.path for p in info.value.problems] == ["shared"]


def test_deeply_nested_yaml_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("region: " + "[" * 2000 + "]" * 2000 + "\n")
    assert info.value.problems


def test_control_character_is_reported_on_one_line_with_its_line_number() -> None:
    problem = the_text_problem(VALID_YAML + "stack_name: Airs\x00\n")
    assert "line 4" in problem.message
    assert "\n" not in problem.message


@pytest.mark.parametrize(
    ("data", "path"),
    [
        pytest.param(flow_logs_with(subnet_ids=["${Token[TOKEN.1]}"]), "flow_logs.subnet_ids[0]", id="subnet"),
        pytest.param(flow_logs_with(bucket={"name": "${Token[Bucket.1]}"}), "flow_logs.bucket.name", id="bucket-name"),
    ],
)
def test_token_looking_text_in_the_file_is_still_validated(data: dict[str, Any], path: str) -> None:
    assert the_problem(data).path == path


@pytest.mark.parametrize(
    ("data", "path"),
    [
        pytest.param(config_with(account="１" * 12), "account", id="account-full-width"),  # noqa: RUF001 (the digits are the point)
        pytest.param(config_with(account="١" * 12), "account", id="account-arabic-indic"),  # noqa: RUF001 (the digits are the point)
        pytest.param(
            flow_logs_with(bucket={"kms_key_arn": f"arn:aws:kms:us-east-1:{'１' * 12}:key/{KEY_ID}"}),  # noqa: RUF001 (the digits are the point)
            "flow_logs.bucket.kms_key_arn",
            id="kms-key-account-full-width",
        ),
    ],
)
def test_non_ascii_digits_are_not_an_account_id(data: dict[str, Any], path: str) -> None:
    assert the_problem(data).path == path
