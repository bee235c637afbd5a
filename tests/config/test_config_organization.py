"""The organization section: the example file, every default (the section's own, and the coverages it
changes), every error message word for word, the retired account_overrides with the tags that replace
each entry, the values that name one account's resource, and immutability."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from onboarding_config.loader import ConfigError, load_config, parse_config
from onboarding_config.model import (
    ACCOUNT_OVERRIDES_WHY,
    DEFAULT_ACCESS_ROLE_NAME,
    DEFAULT_CONCURRENCY_MODE,
    EksConfig,
    ExcludeTagConfig,
    FlowLogsConfig,
    OnboardingConfig,
    OrganizationConfig,
)
from onboarding_constructs import ConcurrencyMode
from tests.conftest import REPO_ROOT, load

ORG_EXAMPLE = REPO_ROOT / "config" / "organization.example.yaml"
OU = "ou-ab12-cd345678"
ACCOUNT = "222222222222"
OTHER = "333333333333"
SUBNET = "subnet-0a1b2c3d"
VPC = "vpc-0a1b2c3d"
ROLE = "arn:aws:iam::111111111111:role/airs-discovery"
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
EXTERNAL_ID = "0123456789abcdef0123456789abcdef"
UNQUOTED = (
    'got an unquoted number; write account ids in quotes, as exactly 12 digits: "123456789012"'
    " (YAML reads unquoted digits as a number and loses leading zeros)"
)
OVERRIDES_REFUSED = (
    "not used with organization: a StackSet instance group's parameters go to every account and region it targets,"
    " and CloudFormation refuses an OU in two groups with different parameters, so an account cannot have values of"
    " its own: each account's owners choose per resource with tags; remove it"
)
EXTERNAL_ID_EXPECTED = "expected 2 to 1224 letters, digits and _+=,.@:/-"


def org_config(*, flow_logs: dict[str, Any] | None = None, **organization: Any) -> dict[str, Any]:
    """A config of one OU and two regions with these organization keys; flow_logs holds no id (all-vpcs)."""
    section = {"organizational_units": [OU], "regions": ["us-east-1", "us-west-2"], **organization}
    return {"region": "us-east-1", "flow_logs": flow_logs or {}, "organization": section}


def with_overrides(overrides: Any, **sections: Any) -> dict[str, Any]:
    return org_config(account_overrides=overrides) | sections


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


def test_organization_example_file_loads_with_no_id_and_no_override() -> None:
    config = load_config(ORG_EXAMPLE)
    organization = organization_of(config)
    assert (organization.call_as, organization.organizational_units, organization.regions) == (
        "SELF",
        ("ou-abcd-12345678",),
        ("us-east-1", "us-west-2"),
    )
    assert organization.home_region == "us-east-1"
    assert (organization.include_accounts, organization.exclude_accounts) == ((), ())
    assert "account_overrides" not in organization.model_fields_set
    # The coverages are the organization's defaults, not written: the per-resource choices are the tags.
    assert (config.flow_logs.coverage, config.flow_logs.subnet_ids, config.flow_logs.vpc_ids) == ("all-vpcs", (), ())
    assert config.eks is not None and (config.eks.coverage, config.eks.clusters) == ("tagged", ())
    assert config.flow_logs.exclude_tag == ExcludeTagConfig(key="airs-discovery", value="off")
    assert (config.eks.opt_in_tag.key, config.eks.opt_in_tag.value) == ("airs-discovery", "on")
    # One discovery role per account, created by the member template.
    assert config.discovery_role is not None and config.eks.discovery_role_arn is None


def test_organization_example_writes_out_the_new_keys_with_their_defaults() -> None:
    organization = organization_of(load_config(ORG_EXAMPLE))
    written = {"concurrency_mode", "access_role_name", "audit_role", "max_concurrent_percentage"}
    assert written <= organization.model_fields_set
    assert (organization.concurrency_mode, organization.access_role_name, organization.audit_role) == (
        "SOFT_FAILURE_TOLERANCE",
        "OrganizationAccountAccessRole",
        False,
    )


def test_organization_example_gives_the_first_steps_in_order() -> None:
    text = ORG_EXAMPLE.read_text(encoding="utf-8")
    steps = [
        "aws cloudformation activate-organizations-access",
        "register-delegated-administrator",
        "make deploy CONFIG=config/organization.example.yaml",
        "make verify CONFIG=config/organization.example.yaml",
        "cdk.out/airs-handoff.csv",
    ]
    positions = [text.find(step) for step in steps]
    assert -1 not in positions, dict(zip(steps, positions, strict=True))
    assert positions == sorted(positions)
    assert "airs-discovery=off" in text and "airs-discovery=on" in text


# --- defaults ----------------------------------------------------------------------------------------------

ORG_DEFAULTS: list[tuple[str, object]] = [
    ("call_as", "SELF"),
    ("include_accounts", ()),
    ("exclude_accounts", ()),
    ("auto_deploy", True),
    ("retain_stacks_on_account_removal", True),
    ("concurrency_mode", "SOFT_FAILURE_TOLERANCE"),
    ("max_concurrent_percentage", 25),
    ("failure_tolerance_percentage", 10),
    ("access_role_name", "OrganizationAccountAccessRole"),
    ("audit_role", False),
    ("audit_external_id", None),
]


@pytest.fixture(scope="module")
def minimal_organization() -> OrganizationConfig:
    return organization_of(load(org_config()))


@pytest.mark.parametrize(("attribute", "default"), ORG_DEFAULTS, ids=[a for a, _ in ORG_DEFAULTS])
def test_organization_default(minimal_organization: OrganizationConfig, attribute: str, default: object) -> None:
    value = getattr(minimal_organization, attribute)
    assert value == default
    assert type(value) is type(default)  # 25, not 25.0; True, not 1


def test_the_default_constants_are_the_documented_values() -> None:
    assert DEFAULT_CONCURRENCY_MODE == "SOFT_FAILURE_TOLERANCE"
    assert DEFAULT_ACCESS_ROLE_NAME == "OrganizationAccountAccessRole"
    assert DEFAULT_CONCURRENCY_MODE == ConcurrencyMode.SOFT_FAILURE_TOLERANCE.value


def test_no_organization_section_by_default() -> None:
    assert load({"region": "us-east-1", "flow_logs": {"subnet_ids": [SUBNET]}}).organization is None


def test_coverages_default_to_every_vpc_and_the_tagged_clusters_in_an_organization() -> None:
    config = load(org_config() | {"eks": {"discovery_role_arn": ROLE}})
    assert config.flow_logs.coverage == "all-vpcs" and config.flow_logs.all_vpcs
    assert config.eks is not None and config.eks.coverage == "tagged" and config.eks.dynamic


def test_coverages_keep_their_single_account_defaults_without_an_organization() -> None:
    for organization in ({}, {"organization": None}):
        config = load(
            {"region": "us-east-1", "flow_logs": {"subnet_ids": [SUBNET]}, "eks": {"discovery_role_arn": ROLE}}
            | organization
        )
        assert config.flow_logs.coverage == "listed"
        assert config.eks is not None and config.eks.coverage == "listed"


def test_a_section_validated_after_an_organization_config_has_the_single_account_defaults() -> None:
    load(org_config() | {"eks": {"discovery_role_arn": ROLE}})
    assert FlowLogsConfig().coverage == "listed"
    assert EksConfig(discovery_role_arn=ROLE).coverage == "listed"


def test_an_invalid_organization_section_still_makes_the_organization_rules_apply() -> None:
    data = {"region": "us-east-1", "flow_logs": {"vpc_ids": [VPC]}, "organization": {"regions": ["us-east-1"]}}
    found = problems(data)
    assert ("organization.organizational_units", "required key is missing") in found
    assert [path for path, _ in found] == ["flow_logs.vpc_ids", "organization.organizational_units"]


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
        ("concurrency_mode", "STRICT_FAILURE_TOLERANCE"),
        ("concurrency_mode", "SOFT_FAILURE_TOLERANCE"),
        ("access_role_name", "AWSControlTowerExecution"),
        ("access_role_name", "a"),
        ("access_role_name", "r" * 64),
        ("access_role_name", "audit_+=,.@-role"),
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
        "strict",
        "soft",
        "control-tower-role",
        "role-one-character",
        "role-64-characters",
        "role-every-punctuation",
    ],
)
def test_organization_value_is_accepted(key: str, value: Any) -> None:
    loaded = getattr(organization_of(load(org_config(**{key: value}))), key)
    assert loaded == (tuple(value) if isinstance(value, list) else value)


@pytest.mark.parametrize("external_id", ["ab", "x" * 1224, "a_+=,.@:/-Z9", EXTERNAL_ID])
def test_audit_role_with_its_external_id_is_accepted(external_id: str) -> None:
    organization = organization_of(load(org_config(audit_role=True, audit_external_id=external_id)))
    assert (organization.audit_role, organization.audit_external_id) == (True, external_id)


def test_audit_role_false_written_out_is_accepted() -> None:
    assert organization_of(load(org_config(audit_role=False))).audit_role is False


def test_empty_pod_access_is_accepted_with_organization() -> None:
    bedrock = load(org_config() | {"bedrock": {"pod_access": []}}).bedrock
    assert bedrock is not None and bedrock.pod_access == ()


# --- errors: each at its path, with its exact message ------------------------------------------------------

CONCURRENCY_MODE_EXPECTED = (
    "is not allowed (expected 'SOFT_FAILURE_TOLERANCE', which deploys to up to max_concurrent_percentage of the"
    " accounts at once, or 'STRICT_FAILURE_TOLERANCE', which deploys to at most failure_tolerance_percentage of them"
    " + 1 at once)"
)

ERROR_CASES = [
    pytest.param(
        org_config(organizational_units=["ou-AB12-cd345678"]),
        "organization.organizational_units[0]",
        "'ou-AB12-cd345678' is not an organizational unit id (expected ou-<4 to 32 lowercase letters or digits>-<8 to"
        " 32 more>, e.g. ou-ab12-cd345678, or the root id r-<4 to 32>)",
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
        org_config(concurrency_mode="SOFT"),
        "organization.concurrency_mode",
        f"'SOFT' {CONCURRENCY_MODE_EXPECTED}",
        id="concurrency-mode-short",
    ),
    pytest.param(
        org_config(concurrency_mode="soft_failure_tolerance"),
        "organization.concurrency_mode",
        f"'soft_failure_tolerance' {CONCURRENCY_MODE_EXPECTED}",
        id="concurrency-mode-lowercase",
    ),
    pytest.param(
        org_config(concurrency_mode=True),
        "organization.concurrency_mode",
        f"True {CONCURRENCY_MODE_EXPECTED}",
        id="concurrency-mode-bool",
    ),
    pytest.param(
        org_config(access_role_name="Organization Access"),
        "organization.access_role_name",
        "'Organization Access' is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)",
        id="access-role-space",
    ),
    pytest.param(
        org_config(access_role_name="r" * 65),
        "organization.access_role_name",
        f"'{'r' * 65}' is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)",
        id="access-role-65",
    ),
    pytest.param(
        org_config(access_role_name="arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"),
        "organization.access_role_name",
        "'arn:aws:iam::111111111111:role/OrganizationAccountAccessRole' is not an IAM role name (expected 1 to 64"
        " letters, digits and _+=,.@-)",
        id="access-role-arn",
    ),
    pytest.param(
        org_config(access_role_name=""),
        "organization.access_role_name",
        "'' is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)",
        id="access-role-empty",
    ),
    pytest.param(
        org_config(audit_role="true"),
        "organization.audit_role",
        "expected true or false, got text 'true'",
        id="audit-role-text",
    ),
    pytest.param(
        org_config(audit_role=True),
        "organization.audit_external_id",
        "missing: with audit_role: true the audit role trusts the administrator account only with this external id"
        f" ({EXTERNAL_ID_EXPECTED}, e.g. the output of openssl rand -hex 16); add it, or set audit_role: false",
        id="audit-role-without-external-id",
    ),
    pytest.param(
        org_config(audit_role=True, audit_external_id=None),
        "organization.audit_external_id",
        "missing: with audit_role: true the audit role trusts the administrator account only with this external id"
        f" ({EXTERNAL_ID_EXPECTED}, e.g. the output of openssl rand -hex 16); add it, or set audit_role: false",
        id="audit-role-with-null-external-id",
    ),
    pytest.param(
        org_config(audit_external_id=EXTERNAL_ID),
        "organization.audit_external_id",
        "applies with audit_role: true only, and audit_role is false; remove it, or set audit_role: true to create the"
        " read-only audit role it protects",
        id="external-id-without-audit-role",
    ),
    pytest.param(
        org_config(audit_role=True, audit_external_id="x"),
        "organization.audit_external_id",
        f"'x' (1 character) is too short ({EXTERNAL_ID_EXPECTED})",
        id="external-id-too-short",
    ),
    pytest.param(
        org_config(audit_role=True, audit_external_id="y" * 1225),
        "organization.audit_external_id",
        f"'yyyy...' (1225 characters) is too long ({EXTERNAL_ID_EXPECTED})",
        id="external-id-too-long",
    ),
    pytest.param(
        org_config(audit_role=True, audit_external_id="secret id!"),
        "organization.audit_external_id",
        f"'secr...' (10 characters) contains ' ', '!', which STS does not accept ({EXTERNAL_ID_EXPECTED})",
        id="external-id-characters",
    ),
    pytest.param(
        org_config(audit_role=True, audit_external_id=""),
        "organization.audit_external_id",
        f"missing ({EXTERNAL_ID_EXPECTED})",
        id="external-id-empty",
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
        org_config(acount_overrides={}),
        "organization.acount_overrides",
        "unknown key 'acount_overrides'; did you mean 'account_overrides'? expected one of: access_role_name,"
        " account_overrides, audit_external_id, audit_role, auto_deploy, call_as, concurrency_mode, exclude_accounts,"
        " failure_tolerance_percentage, include_accounts, max_concurrent_percentage, organizational_units, regions,"
        " retain_stacks_on_account_removal",
        id="unknown-key",
    ),
]


@pytest.mark.parametrize(("data", "path", "message"), ERROR_CASES)
def test_organization_error_is_reported_at_its_path(data: dict[str, Any], path: str, message: str) -> None:
    assert the_problem(data) == (path, message)


@pytest.mark.parametrize("mode", [mode.value for mode in ConcurrencyMode])
def test_every_concurrency_mode_of_the_library_is_accepted(mode: str) -> None:
    assert organization_of(load(org_config(concurrency_mode=mode))).concurrency_mode == mode


def test_an_audit_external_id_is_never_shown_whole() -> None:
    secret = "topsecretvalue with a space"
    [(_path, message)] = problems(org_config(audit_role=True, audit_external_id=secret))
    assert secret not in message and "'tops...'" in message


def test_bad_region_suggests_a_close_one() -> None:
    path, message = the_problem(org_config(regions=["us-east-1", "us-eest-1"]))
    assert path == "organization.regions[1]"
    assert message.startswith("'us-eest-1' is not an AWS region (expected a region code; did you mean ")
    assert "us-east-1" in message


@pytest.mark.parametrize("missing", ["organizational_units", "regions"])
def test_required_organization_key_is_reported(missing: str) -> None:
    data = org_config()
    del data["organization"][missing]
    assert the_problem(data) == (f"organization.{missing}", "required key is missing")


# --- account_overrides: retired, each entry answered with the tags that do what it held ---------------------


def overrides_refused(**entries: str) -> list[tuple[str, str]]:
    """One problem per account: the refusal, then what to do instead ("" when the entry held nothing)."""
    return [
        (f"organization.account_overrides.{account}", OVERRIDES_REFUSED + (f", and {instead}" if instead else ""))
        for account, instead in entries.items()
    ]


def test_the_refusal_says_why_in_full() -> None:
    assert OVERRIDES_REFUSED == f"not used with organization: {ACCOUNT_OVERRIDES_WHY}; remove it"


def test_the_example_overrides_of_the_old_file_are_answered_with_their_tags() -> None:
    overrides = {
        ACCOUNT: {
            "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
            "clusters": [{"name": "dev-eks"}],
        },
        OTHER: {"vpc_ids": ["vpc-0a1b2c3d4e5f60718"], "clusters": []},
    }
    assert problems(with_overrides(overrides, eks={"discovery_role_arn": ROLE})) == overrides_refused(
        **{
            ACCOUNT: "tag the VPCs of 222222222222 not listed (the VPC of subnet-0123456789abcdef0, the VPC of"
            " subnet-0fedcba9876543210) with airs-discovery=off, and cluster dev-eks with airs-discovery=on",
            OTHER: "tag the VPCs of 333333333333 not listed (vpc-0a1b2c3d4e5f60718) with airs-discovery=off, and leave"
            " the clusters of 333333333333 without airs-discovery=on",
        }
    )


@pytest.mark.parametrize(
    ("override", "instead"),
    [
        pytest.param(
            {"vpc_ids": [VPC, "vpc-0a1b2c3e"]},
            f"tag the VPCs of {ACCOUNT} not listed ({VPC}, vpc-0a1b2c3e) with airs-discovery=off",
            id="vpcs",
        ),
        pytest.param(
            {"vpc_ids": [VPC], "subnet_ids": [SUBNET]},
            f"tag the VPCs of {ACCOUNT} not listed ({VPC}, the VPC of {SUBNET}) with airs-discovery=off",
            id="vpcs-and-subnets",
        ),
        pytest.param(
            {"subnet_ids": [], "vpc_ids": []}, f"tag every VPC of {ACCOUNT} with airs-discovery=off", id="empty-lists"
        ),
        pytest.param(
            {"clusters": [{"name": "a"}, {"name": "b"}]}, "tag clusters a, b with airs-discovery=on", id="clusters"
        ),
        pytest.param({"clusters": []}, f"leave the clusters of {ACCOUNT} without airs-discovery=on", id="no-clusters"),
        pytest.param(
            {"discovery_role_arn": ROLE},
            "for the role, a discovery_role section creates one in every account"
            f" (arn:aws:iam::{ACCOUNT}:role/airs-discovery in this one), or eks.discovery_role_arn names one role"
            " for all",
            id="role",
        ),
        pytest.param(
            {"vpc_ids": None, "clusters": [{"name": "a"}]},
            "tag cluster a with airs-discovery=on",
            id="null-is-not-given",
        ),
        pytest.param({}, "", id="empty-entry"),
        pytest.param({"subnet_id": [SUBNET]}, "", id="unknown-key-only"),
        pytest.param(["vpc-0a1b2c3d"], "", id="not-a-mapping"),
        pytest.param(
            {"clusters": "prod"}, f"leave the clusters of {ACCOUNT} without airs-discovery=on", id="clusters-not-a-list"
        ),
        pytest.param({"vpc_ids": 5}, f"tag every VPC of {ACCOUNT} with airs-discovery=off", id="vpc-ids-not-a-list"),
    ],
)
def test_each_override_is_answered_with_the_tags_that_replace_it(override: Any, instead: str) -> None:
    data = with_overrides({ACCOUNT: override}, eks={"discovery_role_arn": ROLE})
    assert problems(data) == overrides_refused(**{ACCOUNT: instead})


def test_the_tags_named_are_the_configs_own() -> None:
    data = with_overrides(
        {ACCOUNT: {"vpc_ids": [VPC], "clusters": [{"name": "dev"}]}},
        flow_logs={"exclude_tag": {"key": "discovery", "value": "skip"}},
        eks={"discovery_role_arn": ROLE, "opt_in_tag": {"key": "team/airs", "value": "open"}},
    )
    assert problems(data) == overrides_refused(
        **{
            ACCOUNT: f"tag the VPCs of {ACCOUNT} not listed ({VPC}) with discovery=skip, and cluster dev with"
            " team/airs=open"
        }
    )


def test_without_an_exclude_tag_the_vpc_advice_says_to_set_one() -> None:
    data = with_overrides({ACCOUNT: {"vpc_ids": [VPC]}}, flow_logs={"exclude_tag": None})
    assert problems(data) == overrides_refused(
        **{
            ACCOUNT: f"tag the VPCs of {ACCOUNT} not listed ({VPC}) with airs-discovery=off after setting"
            " flow_logs.exclude_tag (null now)"
        }
    )


def test_with_every_cluster_opened_the_cluster_advice_says_to_use_tagged() -> None:
    data = with_overrides(
        {ACCOUNT: {"clusters": [{"name": "dev"}]}}, eks={"discovery_role_arn": ROLE, "coverage": "all"}
    )
    assert problems(data) == overrides_refused(
        **{ACCOUNT: "tag cluster dev with airs-discovery=on (with eks.coverage: tagged; all opens every cluster)"}
    )


def test_the_role_advice_names_the_role_with_its_prefix_and_partition() -> None:
    data = with_overrides({ACCOUNT: {"discovery_role_arn": ROLE}}, iam={"role_name_prefix": "acme-"})
    data["organization"]["regions"] = ["us-gov-west-1"]
    [(_path, message)] = problems(data)
    assert f"(arn:aws-us-gov:iam::{ACCOUNT}:role/acme-airs-discovery in this one)" in message


def test_without_an_eks_section_the_default_opt_in_tag_is_named() -> None:
    assert problems(with_overrides({ACCOUNT: {"clusters": [{"name": "dev"}]}})) == overrides_refused(
        **{ACCOUNT: "tag cluster dev with airs-discovery=on"}
    )


@pytest.mark.parametrize("value", [{}, None, [], "222222222222"], ids=["empty", "null", "list", "text"])
def test_account_overrides_written_with_nothing_in_it_is_refused_too(value: Any) -> None:
    assert the_problem(with_overrides(value)) == ("organization.account_overrides", OVERRIDES_REFUSED)


def test_an_unquoted_override_key_is_refused_as_an_override_not_as_a_number() -> None:
    text = (
        "region: us-east-1\nflow_logs: {}\norganization:\n"
        "  organizational_units: [ou-ab12-cd345678]\n  regions: [us-east-1]\n"
        "  account_overrides:\n    222222222222: {vpc_ids: [vpc-0a1b2c3e]}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert [(p.path, p.message) for p in info.value.problems] == overrides_refused(
        **{ACCOUNT: f"tag the VPCs of {ACCOUNT} not listed (vpc-0a1b2c3e) with airs-discovery=off"}
    )


def test_overrides_are_refused_in_the_same_report_as_listed_ids() -> None:
    data = with_overrides({ACCOUNT: {"clusters": [{"name": "dev"}]}}, flow_logs={"vpc_ids": [VPC]})
    assert [path for path, _ in problems(data)] == ["flow_logs.vpc_ids", f"organization.account_overrides.{ACCOUNT}"]


def test_overrides_for_several_accounts_are_each_answered() -> None:
    data = with_overrides({ACCOUNT: {"clusters": [{"name": "a"}]}, OTHER: {"clusters": [{"name": "b"}]}})
    assert problems(data) == overrides_refused(
        **{ACCOUNT: "tag cluster a with airs-discovery=on", OTHER: "tag cluster b with airs-discovery=on"}
    )


# --- values that name something in one account or region -------------------------------------------------

REFUSALS = [
    pytest.param({"flow_logs": {"bucket": {"name": "my-flow-logs"}}}, "flow_logs.bucket.name", id="bucket-name"),
    pytest.param(
        {"flow_logs": {"bucket": {"existing_name": "shared-logs"}}},
        "flow_logs.bucket.existing_name",
        id="existing-bucket",
    ),
    pytest.param({"flow_logs": {"bucket": {"kms_key_arn": KEY_ARN}}}, "flow_logs.bucket.kms_key_arn", id="bucket-key"),
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
    data = {"region": "us-east-1", "flow_logs": {"subnet_ids": [SUBNET]}} | extra
    if "flow_logs" in extra:
        data["flow_logs"] = {"subnet_ids": [SUBNET], **extra["flow_logs"]}
    assert load(data).organization is None


def test_eks_log_group_key_is_refused_with_organization() -> None:
    eks = {"discovery_role_arn": ROLE, "log_group_kms_key_arn": KEY_ARN}
    assert the_problem(org_config() | {"eks": eks}) == (
        "eks.log_group_kms_key_arn",
        "not used with organization: a KMS key belongs to one account and region, and the StackSet deploys one"
        " template to every account and region of the organization section: remove it (CloudWatch Logs' own"
        " encryption), or onboard that account with a config without an organization section",
    )


# --- read-only -------------------------------------------------------------------------------------------


@pytest.fixture
def loaded_organization() -> OrganizationConfig:
    return organization_of(load(org_config(include_accounts=[ACCOUNT], audit_role=True, audit_external_id=EXTERNAL_ID)))


def test_organization_lists_are_tuples(loaded_organization: OrganizationConfig) -> None:
    for value in (
        loaded_organization.organizational_units,
        loaded_organization.regions,
        loaded_organization.include_accounts,
        loaded_organization.exclude_accounts,
    ):
        assert type(value) is tuple


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("regions", ("eu-west-1",)),
        ("auto_deploy", False),
        ("concurrency_mode", "STRICT_FAILURE_TOLERANCE"),
        ("access_role_name", "Other"),
        ("audit_role", False),
        ("audit_external_id", None),
    ],
)
def test_assigning_to_the_organization_raises(
    loaded_organization: OrganizationConfig, attribute: str, value: Any
) -> None:
    before = getattr(loaded_organization, attribute)
    with pytest.raises(ValidationError, match="frozen"):
        setattr(loaded_organization, attribute, value)
    assert getattr(loaded_organization, attribute) == before


def test_organization_tuples_cannot_be_appended_to(loaded_organization: OrganizationConfig) -> None:
    with pytest.raises(AttributeError):
        loaded_organization.regions.append("eu-west-1")  # type: ignore[attr-defined]
