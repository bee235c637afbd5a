"""What the ``AWS::CloudFormation::StackSet`` resource provider refuses, in Python, to run on our templates.

Source: github.com/aws-cloudformation/aws-cloudformation-resource-providers-cloudformation, directory
``aws-cloudformation-stackset/src/main/java/software/amazon/cloudformation/stackset/``, as of commit
7245f76daea80cbd14a8ebdb9abaa4a3751c0245 (2025-03-03). Each function names the Java it follows:

- ``BaseHandlerStd.analyzeTemplate``: a model is "account-level targeting" (ALT) when a group of a
  service-managed StackSet has an ``AccountFilterType`` (``Comparator.isAccountLevelTargetingEnabled``);
  then create and update both run ``AltResourceModelAnalyzer.analyze``, else ``InstancesAnalyzer``.
- ``Validator.validateServiceManagedDeploymentTarget`` (ALT): OUs are required; the filter must be NONE,
  INTERSECTION or DIFFERENCE (so UNION, which the schema lists, is refused); NONE with accounts and a
  filter without accounts are refused.
- ``AltResourceModelAnalyzer.findDeploymentParametersForOUs`` (ALT, run on every create and update):
  across every region, an OU met in a group whose ``ParameterOverrides`` is not *the same object* as
  the one met before throws "An OrganizationalUnitIds cannot be associated with more than one
  Parameters set". The comparison is Java's ``!=`` on the two sets: two groups without overrides (both
  null) pass; two groups with overrides, even equal ones, never do.
- ``AltStackInstancesCalculator.mergeSameFilters``/``mergeDifferentFilters`` (ALT update, per region
  and OU): INTERSECTION account sets are united, DIFFERENCE sets intersected; NONE wins; INTERSECTION
  and DIFFERENCE together become DIFFERENCE(diff - inter), and DIFFERENCE of nothing is the whole OU.
- ``InstancesAnalyzer.flattenStackInstancesGroup`` (no ALT, more than one group): the same OU and
  region twice throws "Stack instance [<ou>,<region>] is duplicated".
- ``Validator.validateResource`` (``validateTemplate``, create and update): a service-managed
  StackSet's template may not hold ``AWS::CloudFormation::Stack`` or ``AWS::CloudFormation::StackSet``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Template = dict[str, Any]

NONE, INTERSECTION, DIFFERENCE = "NONE", "INTERSECTION", "DIFFERENCE"
VALID_FILTERS = (INTERSECTION, DIFFERENCE, NONE)
MORE_THAN_ONE_PARAMETER_SET = "An OrganizationalUnitIds cannot be associated with more than one Parameters set"


class ProviderError(Exception):
    """The ``CfnInvalidRequestException`` the provider throws, with its message."""


def stack_sets(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """(logical id, properties) of each StackSet resource of a template."""
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::CloudFormation::StackSet":
            yield logical_id, resource.get("Properties", {})


def _groups(properties: dict[str, Any]) -> list[dict[str, Any]]:
    return list(properties.get("StackInstancesGroup") or [])


def _filter(targets: dict[str, Any]) -> str:
    return targets.get("AccountFilterType") or NONE


def is_account_level_targeting(properties: dict[str, Any]) -> bool:
    """``Comparator.isAccountLevelTargetingEnabled``: service-managed, and some group has a filter."""
    if properties.get("PermissionModel") != "SERVICE_MANAGED":
        return False
    return any(
        (group.get("DeploymentTargets") or {}).get("AccountFilterType") is not None for group in _groups(properties)
    )


def validate_deployment_targets(targets: dict[str, Any] | None, *, alt: bool) -> None:
    """``Validator.validateServiceManagedDeploymentTarget``."""
    if targets is None:
        raise ProviderError("DeploymentTargets should be specified")
    if not targets.get("OrganizationalUnitIds"):
        raise ProviderError("OrganizationalUnitIds should be specified in SERVICE_MANAGED mode")
    account_filter = _filter(targets)
    if account_filter not in VALID_FILTERS:
        raise ProviderError(f"{account_filter} is not a valid AccountFilterType")
    accounts = targets.get("Accounts") or []
    if alt and account_filter == NONE and accounts:
        raise ProviderError(
            "AccountFilterType should be specified when both OrganizationalUnitIds and Accounts are provided"
        )
    if account_filter != NONE and not accounts:
        raise ProviderError("Accounts should be specified when Account-level Targeting is enabled")


def _value(group: dict[str, Any]) -> str:
    """A group as Java's ``StackInstances.equals`` sees it in one region: targets (sets) and overrides."""
    targets = group.get("DeploymentTargets") or {}
    return json.dumps(
        {
            "filter": targets.get("AccountFilterType"),
            "units": sorted(targets.get("OrganizationalUnitIds") or []),
            "accounts": sorted(targets.get("Accounts") or []),
            "parameters": sorted(json.dumps(p, sort_keys=True) for p in group.get("ParameterOverrides") or []),
            "has_parameters": group.get("ParameterOverrides") is not None,
        },
        sort_keys=True,
    )


def check_parameter_sets(properties: dict[str, Any]) -> None:
    """``AltResourceModelAnalyzer.findDeploymentParametersForOUs`` over ``regroupStackInstancesByRegion``:
    one parameter set per OU. A group's set is compared by identity: ``None`` (no overrides) equals only
    ``None``, a group's own list only itself (the same group in several regions). Equal groups in one
    region are one (a Java ``HashSet``)."""
    seen: dict[str, object] = {}
    regions: dict[str, dict[str, int]] = {}
    for index, group in enumerate(_groups(properties)):
        for region in group.get("Regions") or []:
            regions.setdefault(region, {}).setdefault(_value(group), index)
    groups = _groups(properties)
    for in_region in regions.values():
        for index in in_region.values():
            group = groups[index]
            parameters = None if group.get("ParameterOverrides") is None else ("group", index)
            for unit in group["DeploymentTargets"]["OrganizationalUnitIds"]:
                if unit in seen and seen[unit] != parameters:
                    raise ProviderError(MORE_THAN_ONE_PARAMETER_SET)
                seen[unit] = parameters


def check_no_duplicate_instances(properties: dict[str, Any]) -> None:
    """``InstancesAnalyzer.flattenStackInstancesGroup``, which create runs only with more than one group."""
    groups = _groups(properties)
    if len(groups) <= 1:
        return
    flat: set[tuple[str, str]] = set()
    for group in groups:
        units = (group.get("DeploymentTargets") or {}).get("OrganizationalUnitIds")
        for region in group.get("Regions") or []:
            if not units:
                raise ProviderError(
                    "OrganizationalUnitIds should be specified in DeploymentTargets in [SERVICE_MANAGED] model"
                )
            for unit in units:
                if (unit, region) in flat:
                    raise ProviderError(f"Stack instance [{unit},{region}] is duplicated")
                flat.add((unit, region))


def check_member_template(member: Template) -> None:
    """``Validator.validateResource`` for a service-managed StackSet's template."""
    for resource in member.get("Resources", {}).values():
        kind = resource.get("Type")
        if kind == "AWS::CloudFormation::Stack":
            raise ProviderError(
                "Nested AWS::CloudFormation::Stack is not supported in service managed AWS::CloudFormation::StackSet"
            )
        if kind == "AWS::CloudFormation::StackSet":
            raise ProviderError(
                "Nested AWS::CloudFormation::StackSet is not supported in AWS::CloudFormation::StackSet"
            )


def provider_error(properties: dict[str, Any], member: Template | None = None) -> str | None:
    """The message the provider fails a create or update of this StackSet with, or None when it accepts it
    (``BaseHandlerStd.analyzeTemplate``)."""
    try:
        if member is not None:
            check_member_template(member)
        if is_account_level_targeting(properties):
            for group in _groups(properties):
                validate_deployment_targets(group.get("DeploymentTargets"), alt=True)
            check_parameter_sets(properties)
        else:
            check_no_duplicate_instances(properties)
    except ProviderError as error:
        return str(error)
    return None


@dataclass(frozen=True)
class Target:
    """What one OU resolves to in one region after the provider merges the groups."""

    account_filter: str
    accounts: frozenset[str]


def merged_targets(properties: dict[str, Any], region: str) -> dict[str, Target]:
    """``AltStackInstancesCalculator.mergeSameFilters`` then ``mergeDifferentFilters``: per OU, the one
    target the provider deploys in ``region`` on update, whatever the groups said."""
    by_filter: dict[tuple[str, str], set[str]] = {}
    for group in _groups(properties):
        if region not in (group.get("Regions") or []):
            continue
        targets = group["DeploymentTargets"]
        account_filter, accounts = _filter(targets), set(targets.get("Accounts") or [])
        for unit in targets["OrganizationalUnitIds"]:
            key = (unit, account_filter)
            if key not in by_filter:
                by_filter[key] = set(accounts)
            elif account_filter == INTERSECTION:
                by_filter[key] |= accounts
            elif account_filter == DIFFERENCE:
                by_filter[key] &= accounts
    merged = {}
    for unit in {unit for unit, _ in by_filter}:
        if (unit, NONE) in by_filter:
            merged[unit] = Target(NONE, frozenset())
        elif (unit, DIFFERENCE) not in by_filter:
            merged[unit] = Target(INTERSECTION, frozenset(by_filter[(unit, INTERSECTION)]))
        elif (unit, INTERSECTION) not in by_filter:
            merged[unit] = Target(DIFFERENCE, frozenset(by_filter[(unit, DIFFERENCE)]))
        else:
            left_out = by_filter[(unit, DIFFERENCE)] - by_filter[(unit, INTERSECTION)]
            # AltStackInstancesCalculator.addToInstancesSet: DIFFERENCE of no account is the whole OU.
            merged[unit] = Target(DIFFERENCE if left_out else NONE, frozenset(left_out))
    return merged


def ous_in_more_than_one_group(properties: dict[str, Any]) -> list[str]:
    """This project's rule, stricter than the provider's: each OU in one instance group only."""
    counts: dict[str, int] = {}
    for group in _groups(properties):
        for unit in set((group.get("DeploymentTargets") or {}).get("OrganizationalUnitIds") or []):
            counts[unit] = counts.get(unit, 0) + 1
    return sorted(unit for unit, count in counts.items() if count > 1)
