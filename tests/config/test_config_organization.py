"""The organization section: the example file, every default, every error message, the org-mode refusals,
where the flow log targets may come from, and immutability."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from onboarding_config.loader import ConfigError, load_config, parse_config
from onboarding_config.model import AccountOverrideConfig, OnboardingConfig, OrganizationConfig
from onboarding_config.value_types import ReadOnlyDict
from tests.conftest import REPO_ROOT, config_with, load

ORG_EXAMPLE = REPO_ROOT / "config" / "organization.example.yaml"
OU = "ou-ab12-cd345678"
ACCOUNT = "222222222222"
OTHER = "333333333333"
SUBNET = "subnet-0a1b2c3d"
VPC = "vpc-0a1b2c3d"
ROLE = "arn:aws:iam::111111111111:role/airs-discovery"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DISCOVERY_ROLE = {"trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery", "external_id": "abc123"}
UNQUOTED = (
    'got an unquoted number; write account ids in quotes, as exactly 12 digits: "123456789012"'
    " (YAML reads unquoted digits as a number and loses leading zeros)"
)
NO_TARGETS_IN_ORG = (
    "no subnet_ids and no vpc_ids, here or in any organization.account_overrides entry (expected at least one"
    " subnet or VPC to log)"
)


def org_config(flow_logs: dict[str, Any] | None = None, **organization: Any) -> dict[str, Any]:
    """MINIMAL_CONFIG with an organization section of one OU and two regions, plus these keys."""
    section = {"organizational_units": [OU], "regions": ["us-east-1", "us-west-2"], **organization}
    return config_with(organization=section, **({"flow_logs": flow_logs} if flow_logs is not None else {}))


def with_override(override: Any, **organization: Any) -> dict[str, Any]:
    return org_config(account_overrides={ACCOUNT: override}, **organization)


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        load(data)
    return [(p.path, p.message) for p in info.value.problems]


def the_problem(data: dict[str, Any]) -> tuple[str, str]:
    found = problems(data)
    assert len(found) == 1, found
    return found[0]


def organization_of(config: OnboardingConfig) -> OrganizationConfig:
    assert config.organization is not None
    return config.organization


# --- config/organization.example.yaml ---------------------------------------------------------------------


def test_organization_example_file_loads() -> None:
    config = load_config(ORG_EXAMPLE)
    organization = organization_of(config)
    assert (organization.call_as, organization.organizational_units, organization.regions) == (
        "SELF",
        ("ou-abcd-12345678",),
        ("us-east-1", "us-west-2"),
    )
    assert organization.home_region == "us-east-1"
    assert (organization.include_accounts, organization.exclude_accounts) == ((), ())
    assert list(organization.account_overrides) == ["222222222222", "333333333333"]
    first, second = organization.account_overrides.values()
    assert first.subnet_ids == ("subnet-0123456789abcdef0", "subnet-0fedcba9876543210")
    assert [c.name for c in first.clusters or ()] == ["dev-eks"]
    assert (first.vpc_ids, first.discovery_role_arn) == (None, None)
    assert (second.subnet_ids, second.vpc_ids, second.clusters) == (None, ("vpc-0a1b2c3d4e5f60718",), ())
    assert (config.flow_logs.subnet_ids, config.flow_logs.vpc_ids) == ((), ())
    assert config.discovery_role is not None and config.eks is not None and config.eks.discovery_role_arn is None


# --- defaults ----------------------------------------------------------------------------------------------

ORG_DEFAULTS: list[tuple[str, object]] = [
    ("call_as", "SELF"),
    ("include_accounts", ()),
    ("exclude_accounts", ()),
    ("auto_deploy", True),
    ("retain_stacks_on_account_removal", True),
    ("max_concurrent_percentage", 25),
    ("failure_tolerance_percentage", 10),
    ("account_overrides", ReadOnlyDict()),
]


@pytest.fixture(scope="module")
def minimal_organization() -> OrganizationConfig:
    return organization_of(load(org_config()))


@pytest.mark.parametrize(("attribute", "default"), ORG_DEFAULTS, ids=[a for a, _ in ORG_DEFAULTS])
def test_organization_default(minimal_organization: OrganizationConfig, attribute: str, default: object) -> None:
    value = getattr(minimal_organization, attribute)
    assert value == default
    assert type(value) is type(default)  # 25, not 25.0; True, not 1; a read-only mapping


def test_no_organization_section_by_default() -> None:
    assert load(config_with()).organization is None


@pytest.mark.parametrize(
    ("regions", "home"),
    [
        (["us-east-1", "us-west-2"], "us-east-1"),
        (["eu-west-1", "us-east-1"], "eu-west-1"),
        (["ap-south-1"], "ap-south-1"),
    ],
    ids=["us-east-1-first", "eu-west-1-first", "one-region"],
)
def test_home_region_is_the_first_region(regions: list[str], home: str) -> None:
    organization = organization_of(load(org_config(regions=regions)))
    assert organization.regions == tuple(regions)
    assert organization.home_region == home


# --- accepted values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("organizational_units", ["r-abcd"]),
        ("organizational_units", [OU, "r-abcd", "ou-" + "a" * 32 + "-" + "b" * 32]),
        ("call_as", "DELEGATED_ADMIN"),
        ("failure_tolerance_percentage", 0),
        ("failure_tolerance_percentage", 100),
        ("max_concurrent_percentage", 1),
        ("max_concurrent_percentage", 100),
        ("retain_stacks_on_account_removal", False),
        ("auto_deploy", False),
        ("include_accounts", [ACCOUNT, OTHER]),
        ("exclude_accounts", ["011111111111"]),
    ],
    ids=[
        "root-id",
        "ou-and-root-and-longest",
        "delegated-admin",
        "tolerance-0",
        "tolerance-100",
        "concurrency-1",
        "concurrency-100",
        "retain-false",
        "no-auto-deploy",
        "include",
        "exclude-leading-zero",
    ],
)
def test_organization_value_is_accepted(key: str, value: Any) -> None:
    loaded = getattr(organization_of(load(org_config(**{key: value}))), key)
    assert loaded == (tuple(value) if isinstance(value, list) else value)


def test_override_for_an_included_account_is_accepted() -> None:
    organization = organization_of(load(with_override({"vpc_ids": [VPC]}, include_accounts=[ACCOUNT])))
    assert organization.account_overrides[ACCOUNT].vpc_ids == (VPC,)


def test_override_of_clusters_and_role_with_an_eks_role_is_accepted() -> None:
    override = {"clusters": [{"name": "dev", "enable_public_endpoint": True}], "discovery_role_arn": ROLE}
    config = load(with_override(override) | {"eks": {"discovery_role_arn": ROLE, "clusters": [{"name": "prod"}]}})
    loaded = organization_of(config).account_overrides[ACCOUNT]
    assert [(c.name, c.enable_public_endpoint) for c in loaded.clusters or ()] == [("dev", True)]
    assert loaded.discovery_role_arn == ROLE


def test_empty_pod_access_is_accepted_with_organization() -> None:
    assert load(org_config() | {"bedrock": {"pod_access": []}}).bedrock.pod_access == ()


# --- errors: each at its path, with its exact message ------------------------------------------------------

ERROR_CASES = [
    pytest.param(
        org_config(organizational_units=["ou-AB12-cd345678"]),
        "organization.organizational_units[0]",
        "'ou-AB12-cd345678' is not an organizational unit id (expected ou-<4 to 32 lowercase letters or digits>-<8 to"
        " 32"
        " more>, e.g. ou-ab12-cd345678, or the root id r-<4 to 32>)",
        id="ou-uppercase",
    ),
    pytest.param(
        org_config(organizational_units=[OU, "r-abc"]),
        "organization.organizational_units[1]",
        "'r-abc' is not an organizational unit id (expected ou-<4 to 32 lowercase letters or digits>-<8 to 32 more>,"
        " e.g. ou-ab12-cd345678, or the root id r-<4 to 32>)",
        id="root-too-short",
    ),
    pytest.param(
        org_config(organizational_units=[]),
        "organization.organizational_units",
        "empty (expected at least one OU id, e.g. 'ou-abcd-12345678')",
        id="no-ous",
    ),
    pytest.param(
        org_config(regions=[]),
        "organization.regions",
        "empty (expected at least one region, e.g. 'us-east-1')",
        id="no-regions",
    ),
    pytest.param(
        org_config(organizational_units=[OU, "r-abcd", OU]),
        "organization.organizational_units",
        f"'{OU}' listed more than once",
        id="repeated-ou",
    ),
    pytest.param(
        org_config(regions=["us-west-2", "us-east-1", "us-west-2"]),
        "organization.regions",
        "'us-west-2' listed more than once",
        id="repeated-region",
    ),
    pytest.param(
        org_config(include_accounts=[ACCOUNT, OTHER, ACCOUNT]),
        "organization.include_accounts",
        f"'{ACCOUNT}' listed more than once",
        id="repeated-included-account",
    ),
    pytest.param(
        org_config(exclude_accounts=[ACCOUNT, ACCOUNT, OTHER, OTHER]),
        "organization.exclude_accounts",
        f"'{ACCOUNT}', '{OTHER}' listed more than once",
        id="repeated-excluded-accounts",
    ),
    pytest.param(
        org_config(include_accounts=[ACCOUNT], exclude_accounts=[OTHER]),
        "organization",
        "include_accounts and exclude_accounts cannot both be given: list the accounts to deploy to in"
        " include_accounts, or the accounts to leave out in exclude_accounts",
        id="include-and-exclude",
    ),
    pytest.param(
        org_config(auto_deploy=False, retain_stacks_on_account_removal=True),
        "organization",
        "retain_stacks_on_account_removal only applies with auto_deploy: true; remove it",
        id="retain-without-auto-deploy",
    ),
    pytest.param(
        org_config(auto_deploy=False, retain_stacks_on_account_removal=False),
        "organization",
        "retain_stacks_on_account_removal only applies with auto_deploy: true; remove it",
        id="retain-false-without-auto-deploy",
    ),
    pytest.param(
        org_config(max_concurrent_percentage=0),
        "organization.max_concurrent_percentage",
        "0 is out of range (expected a whole percentage from 1 to 100)",
        id="concurrency-0",
    ),
    pytest.param(
        org_config(max_concurrent_percentage=101),
        "organization.max_concurrent_percentage",
        "101 is out of range (expected a whole percentage from 1 to 100)",
        id="concurrency-101",
    ),
    pytest.param(
        org_config(failure_tolerance_percentage=101),
        "organization.failure_tolerance_percentage",
        "101 is out of range (expected a whole percentage from 0 to 100)",
        id="tolerance-101",
    ),
    pytest.param(
        org_config(failure_tolerance_percentage=-1),
        "organization.failure_tolerance_percentage",
        "-1 is out of range (expected a whole percentage from 0 to 100)",
        id="tolerance-negative",
    ),
    pytest.param(
        org_config(max_concurrent_percentage=True),
        "organization.max_concurrent_percentage",
        "expected a whole number, got true",
        id="concurrency-bool",
    ),
    pytest.param(
        org_config(failure_tolerance_percentage="10"),
        "organization.failure_tolerance_percentage",
        "expected a whole number, got text '10'",
        id="tolerance-text",
    ),
    pytest.param(
        org_config(failure_tolerance_percentage=10.0),
        "organization.failure_tolerance_percentage",
        "expected a whole number, got a number 10.0",
        id="tolerance-float",
    ),
    pytest.param(
        org_config(call_as="ADMIN"),
        "organization.call_as",
        "'ADMIN' is not allowed (expected 'SELF' in the management account or 'DELEGATED_ADMIN' in a delegated"
        " administrator account)",
        id="call-as-other",
    ),
    pytest.param(
        org_config(call_as="self"),
        "organization.call_as",
        "'self' is not allowed (expected 'SELF' in the management account or 'DELEGATED_ADMIN' in a delegated"
        " administrator account)",
        id="call-as-lowercase",
    ),
    pytest.param(
        org_config(account_overrides={int(ACCOUNT): {"subnet_ids": [SUBNET]}}),
        f"organization.account_overrides.{ACCOUNT} (key)",
        UNQUOTED,
        id="override-key-unquoted",
    ),
    pytest.param(
        org_config(account_overrides={"12345": {"subnet_ids": [SUBNET]}}),
        "organization.account_overrides.12345 (key)",
        "'12345' is not an AWS account id (expected exactly 12 digits)",
        id="override-key-short",
    ),
    pytest.param(
        org_config(include_accounts=[int(ACCOUNT)]), "organization.include_accounts[0]", UNQUOTED, id="include-unquoted"
    ),
    pytest.param(
        org_config(exclude_accounts=[ACCOUNT, int(OTHER)]),
        "organization.exclude_accounts[1]",
        UNQUOTED,
        id="exclude-unquoted",
    ),
    pytest.param(
        with_override({"subnet_id": [SUBNET]}),
        f"organization.account_overrides.{ACCOUNT}.subnet_id",
        "unknown key 'subnet_id'; did you mean 'subnet_ids'? expected one of: clusters, discovery_role_arn,"
        " subnet_ids, vpc_ids",
        id="override-unknown-key",
    ),
    pytest.param(
        with_override({}),
        f"organization.account_overrides.{ACCOUNT}",
        "empty (expected at least one of: subnet_ids, vpc_ids, clusters, discovery_role_arn)",
        id="override-empty",
    ),
    pytest.param(
        with_override({"subnet_ids": [SUBNET]}, exclude_accounts=[ACCOUNT]),
        f"organization.account_overrides.{ACCOUNT}",
        f"account '{ACCOUNT}' is in exclude_accounts, so it gets no stack to override",
        id="override-excluded-account",
    ),
    pytest.param(
        with_override({"subnet_ids": [SUBNET]}, include_accounts=[OTHER]),
        f"organization.account_overrides.{ACCOUNT}",
        f"account '{ACCOUNT}' is not in include_accounts, so it gets no stack to override",
        id="override-not-included-account",
    ),
    pytest.param(
        with_override({"clusters": [{"name": "dev"}]}),
        f"organization.account_overrides.{ACCOUNT}.clusters",
        "clusters needs an eks section (it says which role the access entries are for)",
        id="override-clusters-without-eks",
    ),
    pytest.param(
        with_override({"discovery_role_arn": ROLE}) | {"eks": {}, "discovery_role": DISCOVERY_ROLE},
        f"organization.account_overrides.{ACCOUNT}.discovery_role_arn",
        "discovery_role_arn replaces eks.discovery_role_arn for this account, which the config does not set (with a"
        " discovery_role section, each account's access entries use the role created there)",
        id="override-role-without-eks-role",
    ),
    pytest.param(
        with_override({"subnet_ids": [SUBNET, "subnet-0a1b2c3e", SUBNET]}),
        f"organization.account_overrides.{ACCOUNT}",
        f"'{SUBNET}' listed more than once (expected each subnet and VPC id once)",
        id="override-duplicate-subnet",
    ),
    pytest.param(
        with_override({"clusters": [{"name": "dev"}, {"name": "dev"}]}) | {"eks": {"discovery_role_arn": ROLE}},
        f"organization.account_overrides.{ACCOUNT}.clusters",
        "cluster 'dev' listed more than once (expected each cluster once)",
        id="override-duplicate-cluster",
    ),
]


@pytest.mark.parametrize(("data", "path", "message"), ERROR_CASES)
def test_organization_error_is_reported_at_its_path(data: dict[str, Any], path: str, message: str) -> None:
    assert the_problem(data) == (path, message)


def test_bad_region_suggests_a_close_one() -> None:
    path, message = the_problem(org_config(regions=["us-east-1", "us-eest-1"]))
    assert path == "organization.regions[1]"
    assert message.startswith("'us-eest-1' is not an AWS region (expected a region code; did you mean ")
    assert "us-east-1" in message


@pytest.mark.parametrize("missing", ["organizational_units", "regions"])
def test_required_organization_key_is_reported(missing: str) -> None:
    section = {"organizational_units": [OU], "regions": ["us-east-1"]}
    del section[missing]
    assert the_problem(config_with(organization=section)) == (f"organization.{missing}", "required key is missing")


def test_unquoted_override_key_in_yaml_is_reported_with_quotes_advice() -> None:
    text = (
        "region: us-east-1\nflow_logs: {subnet_ids: [subnet-0a1b2c3d]}\norganization:\n"
        "  organizational_units: [ou-ab12-cd345678]\n  regions: [us-east-1]\n"
        "  account_overrides:\n    222222222222: {subnet_ids: [subnet-0a1b2c3e]}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert [(p.path, p.message) for p in info.value.problems] == [
        ("organization.account_overrides.222222222222 (key)", UNQUOTED)
    ]


# --- org-mode refusals: values that name something in one account or region -----------------------------

REFUSALS = [
    pytest.param(
        {"flow_logs": {"subnet_ids": [SUBNET], "bucket": {"name": "my-flow-logs"}}},
        "flow_logs.bucket.name",
        id="bucket-name",
    ),
    pytest.param(
        {"flow_logs": {"subnet_ids": [SUBNET], "bucket": {"existing_name": "shared-logs"}}},
        "flow_logs.bucket.existing_name",
        id="existing-bucket",
    ),
    pytest.param(
        {"flow_logs": {"subnet_ids": [SUBNET], "bucket": {"kms_key_arn": KEY_ARN}}},
        "flow_logs.bucket.kms_key_arn",
        id="bucket-key",
    ),
    pytest.param({"cloudtrail": {"kms_key_arn": KEY_ARN}}, "cloudtrail.kms_key_arn", id="trail-key"),
    pytest.param(
        {"bedrock": {"pod_access": [{"cluster": "prod", "namespace": "apps", "service_account": "agent"}]}},
        "bedrock.pod_access",
        id="pod-access",
    ),
]


@pytest.mark.parametrize(("extra", "path"), REFUSALS)
def test_single_account_value_is_refused_with_organization(extra: dict[str, Any], path: str) -> None:
    found_path, message = the_problem(org_config() | extra)
    assert found_path == path
    assert message.startswith("not used with organization: ")
    assert "the StackSet deploys one template to every account and region of the organization section" in message


@pytest.mark.parametrize(("extra", "path"), REFUSALS)
def test_single_account_value_is_fine_without_organization(extra: dict[str, Any], path: str) -> None:
    assert load(config_with() | extra).organization is None


# --- where the flow log targets come from ----------------------------------------------------------------


def test_without_organization_no_targets_is_an_error() -> None:
    assert the_problem(config_with(flow_logs={"subnet_ids": [], "vpc_ids": []})) == (
        "flow_logs",
        "no subnet_ids and no vpc_ids (expected at least one subnet or VPC to log)",
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {ACCOUNT: {"subnet_ids": [SUBNET]}},
        {ACCOUNT: {"vpc_ids": [VPC]}},
        {ACCOUNT: {"subnet_ids": []}, OTHER: {"vpc_ids": [VPC]}},
    ],
    ids=["override-subnets", "override-vpcs", "second-override-has-them"],
)
def test_with_organization_targets_may_come_from_overrides_only(overrides: dict[str, Any]) -> None:
    config = load(org_config(flow_logs={"subnet_ids": [], "vpc_ids": []}, account_overrides=overrides))
    assert (config.flow_logs.subnet_ids, config.flow_logs.vpc_ids) == ((), ())


@pytest.mark.parametrize(
    ("overrides", "extra"),
    [
        ({}, {}),
        ({ACCOUNT: {"subnet_ids": [], "vpc_ids": []}}, {}),
        ({ACCOUNT: {"clusters": []}}, {"eks": {"discovery_role_arn": ROLE}}),
    ],
    ids=["no-overrides", "overrides-with-empty-lists", "override-of-clusters-only"],
)
def test_with_organization_no_targets_anywhere_is_an_error(overrides: dict[str, Any], extra: dict[str, Any]) -> None:
    data = org_config(flow_logs={}, account_overrides=overrides) | extra
    assert the_problem(data) == ("flow_logs", NO_TARGETS_IN_ORG)


# --- read-only -------------------------------------------------------------------------------------------


@pytest.fixture
def loaded_organization() -> OrganizationConfig:
    override = {"subnet_ids": [SUBNET], "vpc_ids": [VPC], "clusters": [{"name": "dev"}]}
    return organization_of(
        load(with_override(override, include_accounts=[ACCOUNT]) | {"eks": {"discovery_role_arn": ROLE}})
    )


def test_organization_lists_are_tuples(loaded_organization: OrganizationConfig) -> None:
    override = loaded_organization.account_overrides[ACCOUNT]
    for value in (
        loaded_organization.organizational_units,
        loaded_organization.regions,
        loaded_organization.include_accounts,
        loaded_organization.exclude_accounts,
        override.subnet_ids,
        override.vpc_ids,
        override.clusters,
    ):
        assert type(value) is tuple


@pytest.mark.parametrize(
    "change",
    [
        lambda o: o.account_overrides.__setitem__(OTHER, o.account_overrides[ACCOUNT]),
        lambda o: o.account_overrides.__delitem__(ACCOUNT),
        lambda o: o.account_overrides.update({OTHER: o.account_overrides[ACCOUNT]}),
        lambda o: o.account_overrides.pop(ACCOUNT),
        lambda o: o.account_overrides.clear(),
    ],
    ids=["set", "delete", "update", "pop", "clear"],
)
def test_account_overrides_cannot_be_changed(loaded_organization: OrganizationConfig, change: Any) -> None:
    with pytest.raises(TypeError, match="read-only"):
        change(loaded_organization)
    assert list(loaded_organization.account_overrides) == [ACCOUNT]


@pytest.mark.parametrize(
    ("target", "attribute", "value"),
    [
        ("organization", "regions", ("eu-west-1",)),
        ("organization", "auto_deploy", False),
        ("organization", "account_overrides", {}),
        ("override", "subnet_ids", ()),
    ],
    ids=["regions", "auto_deploy", "account_overrides", "override-subnet_ids"],
)
def test_assigning_to_the_organization_raises(
    loaded_organization: OrganizationConfig, target: str, attribute: str, value: Any
) -> None:
    obj: OrganizationConfig | AccountOverrideConfig = (
        loaded_organization if target == "organization" else loaded_organization.account_overrides[ACCOUNT]
    )
    before = getattr(obj, attribute)
    with pytest.raises(ValidationError, match="frozen"):
        setattr(obj, attribute, value)
    assert getattr(obj, attribute) == before


def test_organization_tuples_cannot_be_appended_to(loaded_organization: OrganizationConfig) -> None:
    with pytest.raises(AttributeError):
        loaded_organization.regions.append("eu-west-1")  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        loaded_organization.account_overrides[ACCOUNT].subnet_ids.append(SUBNET)  # type: ignore[union-attr]


# --- null overrides and keys YAML reads as numbers ----------------------------------------------------------


def test_override_of_only_nulls_is_refused_like_an_empty_one() -> None:
    path, message = the_problem(with_override({"subnet_ids": None, "discovery_role_arn": None}))
    assert path == f"organization.account_overrides.{ACCOUNT}"
    assert message.startswith("empty (expected at least one of:")


def test_unquoted_leading_zero_override_key_does_not_show_a_different_account() -> None:
    text = (
        "region: us-east-1\nflow_logs: {subnet_ids: [subnet-0a1b2c3d]}\norganization:\n"
        "  organizational_units: [ou-ab12-cd345678]\n  regions: [us-east-1]\n"
        "  account_overrides:\n    011111111111: {subnet_ids: [subnet-0a1b2c3e]}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    # YAML read 011111111111 as octal 1227133513: no account id the user did not write may be shown.
    assert "1227133513" not in str(info.value)
    assert "organization.account_overrides.011111111111 (key): got an unquoted number" in str(info.value)


def test_eks_log_group_key_is_refused_with_organization() -> None:
    eks = {"discovery_role_arn": "arn:aws:iam::111111111111:role/airs-discovery", "log_group_kms_key_arn": KEY_ARN}
    found_path, message = the_problem(org_config() | {"eks": eks})
    assert found_path == "eks.log_group_kms_key_arn"
    assert message == (
        "not used with organization: a KMS key belongs to one account and region, and the StackSet deploys one"
        " template to"
        " every account and region of the organization section: remove it (CloudWatch Logs' own encryption), or onboard"
        " that account with a config without an organization section"
    )
    assert load(config_with(eks=eks)).eks.log_group_kms_key_arn == KEY_ARN
