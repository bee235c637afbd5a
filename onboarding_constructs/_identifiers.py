"""Checks for the AWS identifiers the constructs accept, phrased in the user's terms.

Each ``*_problem`` function returns ``None`` for a valid value, otherwise one sentence that
names the value and says what was expected, and never where the value came from: a construct
prefixes the prop (``subnet_ids[0]: ...``) and raises ``PropsError``, the config reports it against
the key path (``flow_logs.subnet_ids[0]: ...``). Values that are CDK tokens (resolved only at
deploy time, e.g. a CloudFormation parameter) cannot be checked here and always pass.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")
PARTITION_PATTERN = r"aws(?:-cn|-us-gov|-iso|-iso-[a-z]|-eusc)?"
#: Patterns a whole value must match; also the AllowedPattern of template parameters (Java regex).
SUBNET_ID_PATTERN = r"subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})"
VPC_ID_PATTERN = r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})"
CLUSTER_NAME_PATTERN = r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}"
ROLE_ARN_PATTERN = rf"arn:{PARTITION_PATTERN}:iam::[0-9]{{12}}:role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{{1,64}}"
_SUBNET_ID = re.compile(SUBNET_ID_PATTERN)
_VPC_ID = re.compile(VPC_ID_PATTERN)
REGION_PATTERN = r"[a-z]{2,4}(?:-[a-z]+)+-[0-9]+"
_KMS_KEY_ARN = re.compile(
    rf"arn:(?P<partition>{PARTITION_PATTERN}):kms:(?P<region>{REGION_PATTERN}):(?P<account>[0-9]{{12}}):key/"
    r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
)
_CLUSTER_NAME = re.compile(CLUSTER_NAME_PATTERN)
_ROLE_ARN = re.compile(ROLE_ARN_PATTERN, re.ASCII)
_TRAIL_NAME_CHARS = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
_ADJACENT_SEPARATORS = re.compile(r"[._-]{2}")
_TRAIL_ARN = re.compile(
    rf"arn:{PARTITION_PATTERN}:cloudtrail:{REGION_PATTERN}:[0-9]{{12}}:trail/[A-Za-z0-9._-]{{3,128}}"
)
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
_BUCKET_NAME_CHARS = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
# Prefixes and suffixes S3 reserves for access points and Outposts (S3 bucket naming rules).
_RESERVED_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_ORGANIZATIONAL_UNIT_ID = re.compile(r"ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32}")


#: How the CDK encodes a token in a string (its STRING_TOKEN_REGEX).
_STRING_TOKEN = re.compile(r"\$\{Token\[[a-zA-Z0-9:._-]+\]\}")


def repeated(values: Sequence[T]) -> list[T]:
    """The values listed more than once, each once, sorted: for "listed more than once" messages."""
    return sorted({value for value in values if values.count(value) > 1})  # type: ignore[type-var]


def repeated_problem(values: Sequence[str], *, expected: str = "") -> str | None:
    """``'a', 'b' listed more than once``, with `` (expected ...)`` when given; None when each value is once."""
    twice = repeated(list(values))
    if not twice:
        return None
    return f"{', '.join(map(repr, twice))} listed more than once" + (f" (expected {expected})" if expected else "")


def not_a_list_problem(value: object, expected: str) -> str | None:
    """A list prop given one string (which Python would iterate character by character)."""
    if isinstance(value, str):
        return f"{value!r} is one string (expected a list of {expected})"
    return None


def is_token(value: object) -> bool:
    """True when the value is only known at deploy time and so cannot be checked at synth.

    Same answer as ``Token.is_unresolved`` for strings, without a jsii round trip: the checks run
    once per subnet, cluster and CIDR, so this is on the synth path of large estates.
    """
    return isinstance(value, str) and _STRING_TOKEN.search(value) is not None


def subnet_id_problem(value: str) -> str | None:
    if is_token(value) or _SUBNET_ID.fullmatch(value):
        return None
    return f"{value!r} is not a subnet id (expected 'subnet-' followed by 8 or 17 lowercase hex digits)"


def vpc_id_problem(value: str) -> str | None:
    if is_token(value) or _VPC_ID.fullmatch(value):
        return None
    return f"{value!r} is not a VPC id (expected 'vpc-' followed by 8 or 17 lowercase hex digits)"


def cluster_name_problem(value: str) -> str | None:
    if is_token(value) or _CLUSTER_NAME.fullmatch(value):
        return None
    return (
        f"{value!r} is not an EKS cluster name (expected 1 to 100 letters, digits, hyphens and underscores,"
        " starting with a letter or digit)"
    )


def role_arn_problem(value: str) -> str | None:
    if is_token(value) or _ROLE_ARN.fullmatch(value):
        return None
    return f"{value!r} is not an IAM role ARN (expected arn:<partition>:iam::<12-digit account>:role/<name>)"


def account_id_problem(value: str) -> str | None:
    if is_token(value) or (isinstance(value, str) and _ACCOUNT_ID.fullmatch(value)):
        return None
    return f"{value!r} is not an AWS account id (expected exactly 12 digits)"


def organizational_unit_id_problem(value: str) -> str | None:
    if is_token(value) or (isinstance(value, str) and _ORGANIZATIONAL_UNIT_ID.fullmatch(value)):
        return None
    return (
        f"{value!r} is not an organizational unit id (expected ou-<4 to 32 lowercase letters or digits>-<8 to 32"
        " more>, e.g. ou-ab12-cd345678, or the root id r-<4 to 32>)"
    )


def public_cidr_problem(value: str) -> str | None:
    """A CIDR block that may be allowed on a public endpoint: well-formed, public, not everyone."""
    if is_token(value):
        return None
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        return f"{value!r} is not a CIDR block ({error})"
    if network.prefixlen == 0:
        return f"{value!r} would allow the whole internet (expected the discovery service's own addresses)"
    if not network.is_global:
        return f"{value!r} is not a public address range (expected the discovery service's public addresses)"
    return None


def canonical_cidr(value: str) -> str:
    """A valid CIDR block as EKS writes it back (``34.71.64.3`` -> ``34.71.64.3/32``); a token as it is.

    The handler merges and removes allow-list entries by text, so both sides must be spelt alike.
    """
    return value if is_token(value) else str(ipaddress.ip_network(value, strict=True))


def role_name_problem(value: str) -> str | None:
    if is_token(value) or _ROLE_NAME.fullmatch(value):
        return None
    return f"{value!r} is not an IAM role name (expected 1 to 64 letters, digits and _+=,.@-)"


def bucket_name_problem(value: str) -> str | None:
    """S3 general purpose bucket naming rules, so a typo fails at synth and not mid-deploy."""
    if is_token(value):
        return None
    expected = "3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit"
    if not 3 <= len(value) <= 63 or not _BUCKET_NAME_CHARS.fullmatch(value):
        return f"{value!r} is not a valid S3 bucket name (expected {expected})"
    if ".." in value or ".-" in value or "-." in value:
        return f"{value!r} is not a valid S3 bucket name (a dot may not be next to another dot or a hyphen)"
    if _is_ip_address(value):
        return f"{value!r} is not a valid S3 bucket name (it may not look like an IP address)"
    for prefix in _RESERVED_BUCKET_PREFIXES:
        if value.startswith(prefix):
            return f"{value!r} is not a valid S3 bucket name (the prefix {prefix!r} is reserved by S3)"
    for suffix in _RESERVED_BUCKET_SUFFIXES:
        if value.endswith(suffix):
            return f"{value!r} is not a valid S3 bucket name (the suffix {suffix!r} is reserved by S3)"
    return None


def kms_key_arn_problem(value: str, *, region: str | None = None, used_by: str = "an S3 bucket") -> str | None:
    """A KMS key ARN (not an alias: a key policy belongs to the key), optionally in ``region``, where
    ``used_by`` (what the key encrypts, for the message) must have it."""
    if is_token(value):
        return None
    match = _KMS_KEY_ARN.fullmatch(value)
    if not match:
        return (
            f"{value!r} is not a KMS key ARN (expected arn:<partition>:kms:<region>:<12-digit account>:key/<key id>;"
            " an alias ARN is not accepted because the key policy belongs to the key)"
        )
    if region is not None and not is_token(region) and match["region"] != region:
        return (
            f"the KMS key {value!r} is in {match['region']}, but {used_by} can only use a key in its own"
            f" region ({region})"
        )
    return None


def trail_name_problem(value: str) -> str | None:
    if is_token(value):
        return None
    if not 3 <= len(value) <= 128 or not _TRAIL_NAME_CHARS.fullmatch(value):
        return (
            f"{value!r} is not a valid trail name (expected 3 to 128 ASCII letters, digits, periods, underscores"
            " and hyphens, starting and ending with a letter or digit)"
        )
    if _ADJACENT_SEPARATORS.search(value):
        return f"{value!r} is not a valid trail name (periods, underscores and hyphens may not be next to each other)"
    if _is_ip_address(value):
        return f"{value!r} is not a valid trail name (it may not look like an IP address)"
    return None


def trail_arn_problem(value: str) -> str | None:
    if is_token(value) or _TRAIL_ARN.fullmatch(value):
        return None
    return (
        f"{value!r} is not a CloudTrail trail ARN"
        " (expected arn:<partition>:cloudtrail:<region>:<12-digit account>:trail/<name>)"
    )


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True
