"""The value types of the config file: each an annotated type that validates in the user's terms.

A failed check raises ``invalid(...)``, whose message the loader reports against the key path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from onboarding_constructs.validation import (
    account_id_problem,
    aggregation_interval_problem,
    boundary_arn_problem,
    bucket_name_problem,
    call_as_problem,
    cluster_name_problem,
    concurrency_mode_problem,
    external_id_problem,
    file_format_problem,
    is_token,
    kms_key_arn_problem,
    mode_problem,
    model_id_problem,
    namespace_problem,
    oidc_issuer_problem,
    organizational_unit_id_problem,
    percentage_problem,
    principal_arn_problem,
    public_cidr_problem,
    role_arn_problem,
    role_name_prefix_problem,
    role_name_problem,
    service_account_problem,
    subnet_id_problem,
    sweep_minutes_problem,
    trail_arn_problem,
    trail_name_problem,
    vpc_id_problem,
)

from .regions import region_problem


def invalid(problem: str, *, path: str | None = None) -> PydanticCustomError:
    """A validation error whose message is ``problem``; ``path`` overrides where it is reported."""
    context: dict[str, Any] = {"problem": problem}
    if path is not None:
        context["path"] = path
    return PydanticCustomError("invalid_value", "{problem}", context)


def raise_if_any(problems: Iterable[tuple[str | None, str]]) -> None:
    """Raise one validation error that the loader reports as one line per ``(path, problem)``; a path of
    ``None`` is where the validator runs. Nothing when there are none."""
    found = tuple(problems)
    if found:
        context = {"problem": "; ".join(problem for _path, problem in found), "problems": found}
        raise PydanticCustomError("invalid_value", "{problem}", context)


def located(path: str | None, problems: Iterable[str | None]) -> list[tuple[str | None, str]]:
    """Each problem found by a library rule (``None`` is none), to be reported at ``path``."""
    return [(path, problem) for problem in problems if problem]


def _checked_by(problem_of: Callable[[str], str | None]) -> AfterValidator:
    def validate(value: str) -> str:
        # The constructs let CDK tokens through unchecked; a file can only hold literal values.
        if is_token(value):
            raise invalid(f"{value!r} is CDK token syntax, which a config file cannot use (write the literal value)")
        if problem := problem_of(value):
            raise invalid(problem)
        return value

    return AfterValidator(validate)


class UnquotedNumber(str):
    """Digits with a leading zero written without quotes, kept as written (YAML 1.1 would read them
    as an octal number)."""


def _no_unquoted_account_number(value: Any) -> Any:
    # An id written as a bare number is refused with or without a leading zero, so the rule is one:
    # account ids go in quotes.
    if isinstance(value, UnquotedNumber) or (isinstance(value, int) and not isinstance(value, bool)):
        raise invalid(
            'got an unquoted number; write account ids in quotes, as exactly 12 digits: "123456789012"'
            " (YAML reads unquoted digits as a number and loses leading zeros)"
        )
    return value


def _refused_by(problem_of: Callable[[Any], str | None]) -> BeforeValidator:
    """The library's rule for a choice among a few values, in its words, before the ``Literal`` type
    (which would accept 600.0 and True == 1 style lookalikes, and word its refusal differently)."""

    def validate(value: Any) -> Any:
        if problem := problem_of(value):
            raise invalid(problem)
        return value

    return BeforeValidator(validate)


def list_as_tuple(value: Any) -> Any:
    # YAML gives lists; the config stores tuples so a loaded config cannot be changed in place.
    return tuple(value) if isinstance(value, list) else value


class ReadOnlyDict(dict[str, Any]):
    """A dict that refuses changes, so a validated config cannot be edited into an invalid one."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a loaded config is read-only; change the file instead")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


def read_only_mapping(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return ReadOnlyDict(value)


def _percentage_between(low: int) -> AfterValidator:
    def validate(value: int) -> int:
        if problem := percentage_problem(value, low):
            raise invalid(problem)
        return value

    return AfterValidator(validate)


def _stack_name_problem(value: str) -> str | None:
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,127}", value):
        return None
    return (
        f"{value!r} is not a valid CloudFormation stack name (expected a letter, then up to 127 letters, digits and"
        " hyphens)"
    )


_TAG_CHARS = re.compile(r"[\w\s+=.:/@-]*", re.UNICODE)


def audit_external_id_problem(value: str) -> str | None:
    """The library's external id rule (STS's alphabet and lengths, the value never shown whole), for an
    id the administrator chooses: its messages do not say the value comes from the AIRS onboarding."""
    return external_id_problem(value, source=None)


def _tag_key_problem(value: str) -> str | None:
    if not 1 <= len(value) <= 128 or not _TAG_CHARS.fullmatch(value):
        return f"tag key {value!r} is not valid (expected 1 to 128 letters, digits, spaces and + - = . _ : / @)"
    if value.lower().startswith("aws:"):
        return f"tag key {value!r} is not allowed (the 'aws:' prefix is reserved for AWS)"
    return None


def _tag_value_problem(value: str) -> str | None:
    if len(value) <= 256 and _TAG_CHARS.fullmatch(value):
        return None
    return f"tag value {value!r} is not valid (expected up to 256 letters, digits, spaces and + - = . _ : / @)"


AccountId = Annotated[str, BeforeValidator(_no_unquoted_account_number), _checked_by(account_id_problem)]
Region = Annotated[str, _checked_by(region_problem)]
StackName = Annotated[str, _checked_by(_stack_name_problem)]
TagKey = Annotated[str, _checked_by(_tag_key_problem)]
TagValue = Annotated[str, _checked_by(_tag_value_problem)]
SubnetId = Annotated[str, _checked_by(subnet_id_problem)]
VpcId = Annotated[str, _checked_by(vpc_id_problem)]
SubnetIds = Annotated[tuple[SubnetId, ...], BeforeValidator(list_as_tuple)]
VpcIds = Annotated[tuple[VpcId, ...], BeforeValidator(list_as_tuple)]
Tags = Annotated[Mapping[TagKey, TagValue], Field(max_length=50), AfterValidator(read_only_mapping)]
BucketName = Annotated[str, _checked_by(bucket_name_problem)]
KmsKeyArn = Annotated[str, _checked_by(kms_key_arn_problem)]
ClusterName = Annotated[str, _checked_by(cluster_name_problem)]
RoleArn = Annotated[str, _checked_by(role_arn_problem)]
RoleName = Annotated[str, _checked_by(role_name_problem)]
PublicCidr = Annotated[str, _checked_by(public_cidr_problem)]
PublicCidrs = Annotated[tuple[PublicCidr, ...], BeforeValidator(list_as_tuple)]
TrailArn = Annotated[str, _checked_by(trail_arn_problem)]
TrailName = Annotated[str, _checked_by(trail_name_problem)]
ModelId = Annotated[str, _checked_by(model_id_problem)]
ModelIds = Annotated[tuple[ModelId, ...], BeforeValidator(list_as_tuple)]
Namespace = Annotated[str, _checked_by(namespace_problem)]
ServiceAccount = Annotated[str, _checked_by(service_account_problem)]
OidcIssuer = Annotated[str, _checked_by(oidc_issuer_problem)]
TrustedPrincipalArn = Annotated[str, _checked_by(principal_arn_problem)]
ExternalId = Annotated[str, _checked_by(external_id_problem)]
AuditExternalId = Annotated[str, _checked_by(audit_external_id_problem)]
BoundaryArn = Annotated[str, _checked_by(boundary_arn_problem)]
RoleNamePrefix = Annotated[str, _checked_by(role_name_prefix_problem)]
RetentionDays = Annotated[int, Field(ge=1, le=36500)]
AccountIds = Annotated[tuple[AccountId, ...], BeforeValidator(list_as_tuple)]
OrganizationalUnitId = Annotated[str, _checked_by(organizational_unit_id_problem)]
OrganizationalUnitIds = Annotated[tuple[OrganizationalUnitId, ...], BeforeValidator(list_as_tuple)]
Regions = Annotated[tuple[Region, ...], BeforeValidator(list_as_tuple)]
#: At least one account at a time: a StackSet operation with 0% would never start.
ConcurrencyPercentage = Annotated[int, _percentage_between(1)]
ToleratedFailurePercentage = Annotated[int, _percentage_between(0)]
FileFormat = Annotated[Literal["plain-text", "parquet"], _refused_by(file_format_problem)]
AggregationSeconds = Annotated[Literal[60, 600], _refused_by(aggregation_interval_problem)]
PodAccessModeName = Annotated[Literal["pod-identity", "irsa"], _refused_by(mode_problem)]
CallAs = Annotated[Literal["SELF", "DELEGATED_ADMIN"], _refused_by(call_as_problem)]
ConcurrencyMode = Annotated[
    Literal["SOFT_FAILURE_TOLERANCE", "STRICT_FAILURE_TOLERANCE"], _refused_by(concurrency_mode_problem)
]
#: ``flow_logs.coverage``: the listed subnets and VPCs, or every VPC of the account and region.
Coverage = Literal["listed", "all-vpcs"]
#: ``eks.coverage``: the listed clusters, the clusters carrying the opt-in tag, or every cluster of the
#: account and region.
EksCoverage = Literal["listed", "tagged", "all"]


def _in_sweep_range(value: int) -> int:
    if problem := sweep_minutes_problem(value):
        raise invalid(problem)
    return value


#: ``flow_logs.sweep_minutes``: how often all-vpcs coverage is re-checked.
SweepMinutes = Annotated[int, AfterValidator(_in_sweep_range)]


def _checked_as_a_whole(_value: str) -> str | None:
    return None


#: Text a rule of its section checks (with the values beside it); here only refused as CDK token syntax.
PlainText = Annotated[str, _checked_by(_checked_as_a_whole)]
