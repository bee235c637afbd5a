"""``ServiceManagedStackSet``: one template deployed by a service-managed StackSet to the accounts of
AWS Organizations OUs, with one parameter set for every account and region."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from types import MappingProxyType

from aws_cdk import Token
from aws_cdk import aws_cloudformation as cloudformation
from constructs import Construct

from ._errors import PropsError
from ._identifiers import (
    account_id_problem,
    is_token,
    not_a_list_problem,
    organizational_unit_id_problem,
    repeated_problem,
)
from ._props import at, each
from ._signature import public_signature

#: Named roles need CAPABILITY_NAMED_IAM; service-managed StackSets refuse CAPABILITY_AUTO_EXPAND.
DEFAULT_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM")
_CALL_AS = ("SELF", "DELEGATED_ADMIN")


class ConcurrencyMode(StrEnum):
    """How failures bound a StackSet operation's concurrency (``OperationPreferences.ConcurrencyMode``,
    StackSetOperationPreferences in the CloudFormation API Reference). Operation preferences do not apply
    to auto-deployment (accounts joining an OU)."""

    #: Up to ``max_concurrent_percentage`` of the accounts at once, whatever fails; the operation still stops in
    #: a region past ``failure_tolerance_percentage`` failures.
    SOFT_FAILURE_TOLERANCE = "SOFT_FAILURE_TOLERANCE"
    #: CloudFormation's default: at most ``failure_tolerance_percentage`` of the accounts + 1 at once (never more
    #: than ``max_concurrent_percentage``), and fewer as accounts fail.
    STRICT_FAILURE_TOLERANCE = "STRICT_FAILURE_TOLERANCE"


@public_signature
class ServiceManagedStackSet(Construct):
    """A service-managed StackSet that deploys ``template_url`` to every account of the given OUs in
    every given region, all with the same parameter values.

    One stack-instance group: the OUs, narrowed by ``include_accounts`` (only these) or
    ``exclude_accounts`` (all but these), in every region, with no parameter overrides. The
    ``AWS::CloudFormation::StackSet`` resource provider refuses an OU that is in instance groups with
    different parameter sets ("An OrganizationalUnitIds cannot be associated with more than one
    Parameters set"), and merges INTERSECTION and DIFFERENCE targets on one OU into one on update, so
    per-account values cannot be given through it: the template's parameters take ``parameters`` (the
    StackSet's own values, the same in every account and region) or their defaults. Per-account and
    per-region choices belong in the accounts themselves (tags).

    Regions deploy in parallel, and managed execution is on (StackSets run non-conflicting operations
    at once and queue the others). The StackSet is this construct's default child with the id
    ``Default``, so its logical id is this construct's id when the construct sits directly in a stack.

    Values only known at deploy time (tokens) are not checked.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        template_url: str,
        stack_set_name: str,
        organizational_units: Sequence[str],
        regions: Sequence[str],
        include_accounts: Sequence[str] = (),
        exclude_accounts: Sequence[str] = (),
        parameters: Mapping[str, str] = MappingProxyType({}),
        call_as: str = "SELF",
        auto_deploy: bool = True,
        retain_stacks_on_account_removal: bool = True,
        max_concurrent_percentage: int = 25,
        failure_tolerance_percentage: int = 10,
        concurrency_mode: ConcurrencyMode = ConcurrencyMode.SOFT_FAILURE_TOLERANCE,
        capabilities: Sequence[str] = DEFAULT_CAPABILITIES,
        description: str | None = None,
    ) -> None:
        """Define the StackSet (``AWS::CloudFormation::StackSet``, id ``Default``).

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param template_url: S3 URL of the template each account gets. Required.
        :param stack_set_name: Name of the StackSet. Required.
        :param organizational_units: OU (or root) ids whose accounts get the template. Required, at least one.
        :param regions: Regions each account gets the template in. Required, at least one.
        :param include_accounts: Deploy only to these accounts of the OUs. Default: every account of the OUs.
        :param exclude_accounts: Deploy to every account of the OUs but these (not with ``include_accounts``).
            Default: no account is left out.
        :param parameters: Parameter name to value, the same for every account and region (the StackSet's
            ``Parameters``, which accounts that join later get too). Default: every parameter takes its default.
        :param call_as: ``SELF`` in the management account, ``DELEGATED_ADMIN`` in a delegated
            administrator account. Default: ``SELF``.
        :param auto_deploy: Deploy to accounts that join the OUs later, and remove the stacks of accounts
            that leave. Default: True, the OUs' membership is followed.
        :param retain_stacks_on_account_removal: Keep (rather than delete) the stack resources of an account
            that leaves the OUs; applies only with ``auto_deploy`` and is left out of the template otherwise.
            Default: True, the resources are kept.
        :param max_concurrent_percentage: Percentage of the accounts deployed at once per region, 1 to 100;
            with ``ConcurrencyMode.STRICT_FAILURE_TOLERANCE`` only a ceiling (see ``concurrency_mode``).
            Default: 25 %.
        :param failure_tolerance_percentage: Percentage of the accounts per region that may fail before the
            operation stops in that region, 0 to 100. Default: 10 %.
        :param concurrency_mode: ``SOFT_FAILURE_TOLERANCE`` deploys to ``max_concurrent_percentage`` of the
            accounts at once whatever fails; ``STRICT_FAILURE_TOLERANCE`` (CloudFormation's own default) to at
            most ``failure_tolerance_percentage`` of them + 1, and fewer as accounts fail (10 % + 1 rather than
            25 % with the other defaults). Neither applies to auto-deployment. Default:
            ``ConcurrencyMode.SOFT_FAILURE_TOLERANCE``, so the percentages mean what they say.
        :param capabilities: Capabilities the template needs. Default: ``CAPABILITY_IAM`` and
            ``CAPABILITY_NAMED_IAM`` (service-managed StackSets refuse ``CAPABILITY_AUTO_EXPAND``).
        :param description: Description of the StackSet. Default: the StackSet has no description.
        """
        super().__init__(scope, construct_id)
        PropsError.raise_if_any(
            self.node.path,
            _validate(
                organizational_units=organizational_units,
                regions=regions,
                include_accounts=include_accounts,
                exclude_accounts=exclude_accounts,
                parameters=parameters,
                call_as=call_as,
                max_concurrent_percentage=max_concurrent_percentage,
                failure_tolerance_percentage=failure_tolerance_percentage,
                concurrency_mode=concurrency_mode,
            ),
        )
        # "Default" is left out of logical ids (unlike "Resource"): a stack that moves its L1
        # StackSet into this construct, under the L1's old id, keeps the logical id and so the StackSet.
        self._stack_set = cloudformation.CfnStackSet(
            self,
            "Default",
            stack_set_name=stack_set_name,
            description=description,
            permission_model="SERVICE_MANAGED",
            call_as=call_as,
            capabilities=list(capabilities),
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=auto_deploy,
                # CloudFormation accepts this only with auto-deployment on.
                retain_stacks_on_account_removal=retain_stacks_on_account_removal if auto_deploy else None,
            ),
            managed_execution={"Active": True},
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                region_concurrency_type="PARALLEL",
                max_concurrent_percentage=max_concurrent_percentage,
                failure_tolerance_percentage=failure_tolerance_percentage,
                concurrency_mode=str(concurrency_mode),
            ),
            parameters=[
                cloudformation.CfnStackSet.ParameterProperty(parameter_key=key, parameter_value=value)
                for key, value in parameters.items()
            ]
            or None,
            stack_instances_group=[
                cloudformation.CfnStackSet.StackInstancesProperty(
                    deployment_targets=_targets(
                        list(organizational_units), list(include_accounts), list(exclude_accounts)
                    ),
                    regions=list(regions),
                )
            ],
            template_url=template_url,
        )

    @property
    def stack_set(self) -> cloudformation.CfnStackSet:
        """The StackSet resource."""
        return self._stack_set

    @property
    def stack_set_id(self) -> str:
        """The StackSet's id (``name:uuid``), known at deploy time."""
        return self._stack_set.attr_stack_set_id


def _targets(
    units: list[str], include_accounts: list[str], exclude_accounts: list[str]
) -> cloudformation.CfnStackSet.DeploymentTargetsProperty:
    """The OUs, narrowed to ``include_accounts`` (INTERSECTION) or by ``exclude_accounts`` (DIFFERENCE)."""
    accounts, account_filter = (
        (include_accounts, "INTERSECTION") if include_accounts else (exclude_accounts, "DIFFERENCE")
    )
    return cloudformation.CfnStackSet.DeploymentTargetsProperty(
        organizational_unit_ids=units,
        accounts=accounts or None,
        account_filter_type=account_filter if accounts else None,
    )


#: The target lists that need at least one value, with what one looks like.
_REQUIRED_TARGETS = {
    "organizational_units": "at least one OU id, e.g. 'ou-abcd-12345678'",
    "regions": "at least one region, e.g. 'us-east-1'",
}


def target_list_problems(key: str, values: Sequence[str]) -> list[str]:
    """What is wrong with one target list of a StackSet as a whole: ``key`` is ``organizational_units``,
    ``regions``, ``include_accounts`` or ``exclude_accounts`` (each value on its own:
    ``organizational_unit_id_problem``, ``account_id_problem``). The first two may not be empty; no
    list names a value twice."""
    if not values and key in _REQUIRED_TARGETS:
        return [f"empty (expected {_REQUIRED_TARGETS[key]})"]
    return [problem for problem in [repeated_problem(values)] if problem]


def call_as_problem(value: object) -> str | None:
    if is_token(value) or value in _CALL_AS:
        return None
    return (
        f"{value!r} is not allowed (expected 'SELF' in the management account or 'DELEGATED_ADMIN' in a delegated"
        " administrator account)"
    )


def include_exclude_problem(include_accounts: Sequence[str], exclude_accounts: Sequence[str]) -> str | None:
    if include_accounts and exclude_accounts:
        return (
            "include_accounts and exclude_accounts cannot both be given: list the accounts to deploy to in"
            " include_accounts, or the accounts to leave out in exclude_accounts"
        )
    return None


def concurrency_mode_problem(value: object) -> str | None:
    """One of ``ConcurrencyMode`` (its member or its name, as the API spells it)."""
    if is_token(value) or (isinstance(value, str) and value in set(ConcurrencyMode)):
        return None
    return (
        f"{value!r} is not allowed (expected 'SOFT_FAILURE_TOLERANCE', which deploys to up to"
        " max_concurrent_percentage of the accounts at once, or 'STRICT_FAILURE_TOLERANCE', which deploys to at most"
        " failure_tolerance_percentage of them + 1 at once)"
    )


#: A template parameter's name (CloudFormation: up to 255 letters and digits).
_PARAMETER_NAME = re.compile(r"[A-Za-z0-9]{1,255}")


def parameters_problem(parameters: Mapping[str, str]) -> str | None:
    """Template parameter names and string values (the StackSet's parameters)."""
    bad = [
        key for key in parameters if not (is_token(key) or (isinstance(key, str) and _PARAMETER_NAME.fullmatch(key)))
    ]
    if bad:
        return (
            f"{', '.join(map(repr, bad))} {'is not a parameter name' if len(bad) == 1 else 'are not parameter names'}"
            " (expected 1 to 255 letters and digits, as the template names them)"
        )
    not_text = [key for key, value in parameters.items() if not isinstance(value, str)]
    if not_text:
        return (
            f"the value of {', '.join(map(repr, not_text))} is not a string (CloudFormation passes parameters as text)"
        )
    return None


def percentage_problem(value: object, low: int) -> str | None:
    """A whole percentage from ``low`` to 100 (StackSet operation preferences)."""
    # A number token (e.g. a CloudFormation parameter) is a float the CDK resolves at synth.
    if isinstance(value, float) and Token.is_unresolved(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= 100:
        return None
    return f"{value!r} is out of range (expected a whole percentage from {low} to 100)"


def _validate(
    *,
    organizational_units: Sequence[str],
    regions: Sequence[str],
    include_accounts: Sequence[str],
    exclude_accounts: Sequence[str],
    parameters: Mapping[str, str],
    call_as: str,
    max_concurrent_percentage: int,
    failure_tolerance_percentage: int,
    concurrency_mode: ConcurrencyMode,
) -> list[str]:
    problems = each("organizational_units", organizational_units, organizational_unit_id_problem, items="OU ids")
    problems += at("regions", [not_a_list_problem(regions, "regions")])
    problems += each("include_accounts", include_accounts, account_id_problem, items="account ids")
    problems += each("exclude_accounts", exclude_accounts, account_id_problem, items="account ids")
    lists = {
        "organizational_units": organizational_units,
        "regions": regions,
        "include_accounts": include_accounts,
        "exclude_accounts": exclude_accounts,
    }
    if any(isinstance(values, str) for values in lists.values()):
        return problems
    for key, values in lists.items():
        problems += at(key, target_list_problems(key, values))
    problems += filter(None, [include_exclude_problem(include_accounts, exclude_accounts)])
    problems += at("parameters", [parameters_problem(parameters)])
    problems += at("call_as", [call_as_problem(call_as)])
    problems += at("max_concurrent_percentage", [percentage_problem(max_concurrent_percentage, 1)])
    problems += at("failure_tolerance_percentage", [percentage_problem(failure_tolerance_percentage, 0)])
    problems += at("concurrency_mode", [concurrency_mode_problem(concurrency_mode)])
    return problems
