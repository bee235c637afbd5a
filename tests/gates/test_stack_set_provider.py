"""The AWS::CloudFormation::StackSet provider's rules (``stack_set_provider``) accept every organization
template the app makes, with one instance group per target set; and the encoding refuses what the
provider refuses."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.gates import stack_set_provider as provider
from tests.gates.scenarios import SCENARIOS
from tests.synth import Synthesized

ORGANIZATION_SCENARIOS = sorted(name for name, config in SCENARIOS.items() if config.get("organization"))
OU, OTHER_OU = "ou-abcd-12345678", "ou-abcd-87654321"
REGIONS = ["us-east-1", "eu-west-1"]


def _stack_set(result: Synthesized) -> dict[str, Any]:
    [(_, properties)] = provider.stack_sets(result.template)
    return properties


def test_every_example_config_with_an_organization_is_a_scenario() -> None:
    examples = {path.name: yaml.safe_load(path.read_text()) for path in sorted((REPO_ROOT / "config").glob("*.yaml"))}
    organizations = {name: config for name, config in examples.items() if config.get("organization")}
    assert organizations, "expected config/organization.example.yaml"
    for name, config in organizations.items():
        assert config in SCENARIOS.values(), f"config/{name} is not a gate scenario"


@pytest.mark.parametrize("scenario", ORGANIZATION_SCENARIOS)
def test_the_provider_accepts_the_stack_set(synthesized: dict[str, Synthesized], scenario: str) -> None:
    result = synthesized[scenario]
    assert provider.provider_error(_stack_set(result), result.member_template) is None


@pytest.mark.parametrize("scenario", ORGANIZATION_SCENARIOS)
def test_one_instance_group_per_target_set_in_every_region(synthesized: dict[str, Synthesized], scenario: str) -> None:
    organization = SCENARIOS[scenario]["organization"]
    properties = _stack_set(synthesized[scenario])
    [group] = properties["StackInstancesGroup"]
    assert provider.ous_in_more_than_one_group(properties) == []
    assert "ParameterOverrides" not in group
    assert group["Regions"] == organization["regions"]
    targets = group["DeploymentTargets"]
    assert targets["OrganizationalUnitIds"] == organization["organizational_units"]
    include, exclude = organization.get("include_accounts", []), organization.get("exclude_accounts", [])
    expected_filter = "INTERSECTION" if include else "DIFFERENCE" if exclude else None
    assert (targets.get("AccountFilterType"), targets.get("Accounts", [])) == (expected_filter, include or exclude)
    # What the provider's merge (on update) makes of it is the group itself, in every region.
    for region in organization["regions"]:
        merged = provider.merged_targets(properties, region)
        accounts = frozenset(include or exclude)
        expected = provider.Target(expected_filter or provider.NONE, accounts)
        assert merged == dict.fromkeys(organization["organizational_units"], expected)


@pytest.mark.parametrize("scenario", ORGANIZATION_SCENARIOS)
def test_the_member_template_needs_no_value_per_account_or_region(
    synthesized: dict[str, Synthesized], scenario: str
) -> None:
    """Every parameter has a default or the StackSet's one value for all; no parameter names an id."""
    result = synthesized[scenario]
    given = {p["ParameterKey"] for p in _stack_set(result).get("Parameters", [])}
    parameters = result.member_template.get("Parameters", {})
    assert set(parameters) <= {"AdministratorAccountId"}
    for name, parameter in parameters.items():
        assert "Default" in parameter or name in given, name
    assert given <= set(parameters)


# --- the encoding refuses what the provider refuses --------------------------------------------------------


def group(
    *units: str, accounts: list[str] | None = None, account_filter: str | None = None, **extra: Any
) -> dict[str, Any]:
    targets: dict[str, Any] = {"OrganizationalUnitIds": list(units or [OU])}
    if accounts is not None:
        targets["Accounts"] = accounts
    if account_filter is not None:
        targets["AccountFilterType"] = account_filter
    return {"DeploymentTargets": targets, "Regions": REGIONS, **extra}


def stack_set(*groups: dict[str, Any]) -> dict[str, Any]:
    return {"PermissionModel": "SERVICE_MANAGED", "StackInstancesGroup": list(groups)}


def overrides(value: str) -> list[dict[str, str]]:
    return [{"ParameterKey": "DiscoveryRoleArn", "ParameterValue": value}]


def test_per_account_overrides_on_a_shared_ou_are_refused() -> None:
    """The shape the StackSet had before: the OU less two accounts, and each of them with its own values."""
    properties = stack_set(
        group(accounts=["222222222222", "333333333333"], account_filter="DIFFERENCE"),
        group(accounts=["222222222222"], account_filter="INTERSECTION", ParameterOverrides=overrides("a")),
        group(accounts=["333333333333"], account_filter="INTERSECTION", ParameterOverrides=overrides("b")),
    )
    assert provider.provider_error(properties) == provider.MORE_THAN_ONE_PARAMETER_SET
    assert provider.ous_in_more_than_one_group(properties) == [OU]


def test_equal_overrides_in_two_groups_are_refused_too() -> None:
    """The provider compares the two parameter sets with Java's != (identity), not their contents."""
    properties = stack_set(
        group(accounts=["222222222222"], account_filter="INTERSECTION", ParameterOverrides=overrides("a")),
        group(accounts=["333333333333"], account_filter="INTERSECTION", ParameterOverrides=overrides("a")),
    )
    assert provider.provider_error(properties) == provider.MORE_THAN_ONE_PARAMETER_SET


def test_one_group_with_overrides_over_several_regions_is_one_parameter_set() -> None:
    assert provider.provider_error(stack_set(group(ParameterOverrides=overrides("a")))) is None


def test_two_groups_without_overrides_pass_the_provider_but_not_our_rule() -> None:
    properties = stack_set(
        group(accounts=["222222222222"], account_filter="INTERSECTION"),
        group(accounts=["222222222222", "333333333333"], account_filter="DIFFERENCE"),
    )
    assert provider.provider_error(properties) is None
    assert provider.ous_in_more_than_one_group(properties) == [OU]
    # On update the provider merges them: the OU less (333 - 222).
    assert provider.merged_targets(properties, "us-east-1") == {
        OU: provider.Target("DIFFERENCE", frozenset({"333333333333"}))
    }


@pytest.mark.parametrize(
    ("groups", "merged"),
    [
        (
            [
                group(accounts=["1"], account_filter="INTERSECTION"),
                group(accounts=["2"], account_filter="INTERSECTION"),
            ],
            provider.Target("INTERSECTION", frozenset({"1", "2"})),
        ),
        (
            [
                group(accounts=["1", "2"], account_filter="DIFFERENCE"),
                group(accounts=["2", "3"], account_filter="DIFFERENCE"),
            ],
            provider.Target("DIFFERENCE", frozenset({"2"})),
        ),
        (
            [
                group(accounts=["1", "2"], account_filter="DIFFERENCE"),
                group(accounts=["1", "2"], account_filter="INTERSECTION"),
            ],
            provider.Target("NONE", frozenset()),
        ),
        ([group(), group(accounts=["1"], account_filter="INTERSECTION")], provider.Target("NONE", frozenset())),
    ],
    ids=["intersections-united", "differences-intersected", "difference-of-nothing-is-the-ou", "none-wins"],
)
def test_targets_on_one_ou_are_merged(groups: list[dict[str, Any]], merged: provider.Target) -> None:
    assert provider.merged_targets(stack_set(*groups), "eu-west-1") == {OU: merged}


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ([group(accounts=["222222222222"], account_filter="UNION")], "UNION is not a valid AccountFilterType"),
        (
            [group(accounts=["222222222222"], account_filter="NONE")],
            "AccountFilterType should be specified when both OrganizationalUnitIds and Accounts are provided",
        ),
        (
            [group(accounts=[], account_filter="INTERSECTION")],
            "Accounts should be specified when Account-level Targeting is enabled",
        ),
        (
            [{"DeploymentTargets": {"OrganizationalUnitIds": [], "AccountFilterType": "DIFFERENCE"}}],
            "OrganizationalUnitIds should be specified in SERVICE_MANAGED mode",
        ),
        ([group(OU), group(OU, OTHER_OU)], f"Stack instance [{OU},us-east-1] is duplicated"),
    ],
    ids=["union", "none-with-accounts", "filter-without-accounts", "no-ou", "same-ou-and-region-twice"],
)
def test_what_the_provider_refuses(groups: list[dict[str, Any]], message: str) -> None:
    assert provider.provider_error(stack_set(*groups)) == message


def test_nested_stacks_in_the_member_template_are_refused() -> None:
    member = {"Resources": {"Nested": {"Type": "AWS::CloudFormation::Stack", "Properties": {}}}}
    assert provider.provider_error(stack_set(group()), member) == (
        "Nested AWS::CloudFormation::Stack is not supported in service managed AWS::CloudFormation::StackSet"
    )


def test_separate_ous_with_their_own_values_are_accepted() -> None:
    properties = stack_set(
        group(OU, ParameterOverrides=overrides("a")), group(OTHER_OU, ParameterOverrides=overrides("b"))
    )
    assert provider.provider_error(properties) is None
    assert provider.ous_in_more_than_one_group(properties) == []
