"""``is_token`` answers like the CDK's ``Token.is_unresolved`` for every kind of string it meets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsii
import pytest
from aws_cdk import Aws, CfnParameter, Fn, IStringProducer, Lazy, Stack, Token

from onboarding_constructs import _identifiers as ids
from onboarding_constructs._identifiers import is_token


@jsii.implements(IStringProducer)
class _Constant:
    def produce(self, _context: object) -> str:
        return "x"


def _samples() -> list[object]:
    stack = Stack()
    parameter = CfnParameter(stack, "P")
    ids = CfnParameter(stack, "Ids", type="CommaDelimitedList")
    return [
        "subnet-0123456789abcdef0",
        "",
        "${Token",  # only part of a marker
        "#{Token",
        "literal ${Token[ inside",  # a marker with no end still makes the CDK see a token
        parameter.value_as_string,
        f"prefix-{parameter.value_as_string}-suffix",
        Aws.REGION,
        Fn.join("-", ["a", Aws.ACCOUNT_ID]),
        Fn.ref("P"),
        Fn.select(0, ids.value_as_list),
        *ids.value_as_list,  # a list token: one element carrying the list marker
        Lazy.uncached_string(_Constant()),
        42,
        None,
    ]


@pytest.mark.parametrize("index", range(len(_samples())))
def test_is_token_agrees_with_the_cdk(index: int) -> None:
    value = _samples()[index]
    expected = isinstance(value, str) and Token.is_unresolved(value)
    assert is_token(value) == expected, repr(value)


# The rules themselves: each valid form accepted (at its limits), each invalid one refused with the
# whole message (the value, what is wrong, what is expected), and a deploy-time token let through.

REGION_TOKEN = "${Token[AWS.Region.8]}"  # how the CDK writes Aws.REGION in a string
KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KMS_KEY = f"arn:aws:kms:us-east-1:111111111111:key/{KEY_ID}"

_SUBNET = "(expected 'subnet-' followed by 8 or 17 lowercase hex digits)"
_VPC = "(expected 'vpc-' followed by 8 or 17 lowercase hex digits)"
_CLUSTER = "(expected 1 to 100 letters, digits, hyphens and underscores, starting with a letter or digit)"
_ROLE_ARN = "(expected arn:<partition>:iam::<12-digit account>:role/<name>)"
_OU = (
    "(expected ou-<4 to 32 lowercase letters or digits>-<8 to 32 more>, e.g. ou-ab12-cd345678, or the root id"
    " r-<4 to 32>)"
)
_ROLE_NAME = "(expected 1 to 64 letters, digits and _+=,.@-)"
_BUCKET = "(expected 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit)"
_KMS = (
    "(expected arn:<partition>:kms:<region>:<12-digit account>:key/<key id>; an alias ARN is not accepted because"
    " the key policy belongs to the key)"
)
_TRAIL_NAME = (
    "(expected 3 to 128 ASCII letters, digits, periods, underscores and hyphens, starting and ending with a letter"
    " or digit)"
)
_TRAIL_ARN = "(expected arn:<partition>:cloudtrail:<region>:<12-digit account>:trail/<name>)"


RULES: dict[str, tuple[Callable[[Any], str | None], object, str | None]] = {
    # subnet ids: 8 or 17 lowercase hex digits
    "subnet-8": (ids.subnet_id_problem, "subnet-0a1b2c3d", None),
    "subnet-17": (ids.subnet_id_problem, "subnet-0a1b2c3d4e5f60718", None),
    "subnet-token": (ids.subnet_id_problem, REGION_TOKEN, None),
    "subnet-9": (ids.subnet_id_problem, "subnet-0a1b2c3d4", f"'subnet-0a1b2c3d4' is not a subnet id {_SUBNET}"),
    "subnet-upper": (ids.subnet_id_problem, "subnet-0A1B2C3D", f"'subnet-0A1B2C3D' is not a subnet id {_SUBNET}"),
    "subnet-a-vpc": (ids.subnet_id_problem, "vpc-0a1b2c3d", f"'vpc-0a1b2c3d' is not a subnet id {_SUBNET}"),
    # VPC ids
    "vpc-8": (ids.vpc_id_problem, "vpc-0a1b2c3d", None),
    "vpc-17": (ids.vpc_id_problem, "vpc-0123456789abcdef0", None),
    "vpc-token": (ids.vpc_id_problem, REGION_TOKEN, None),
    "vpc-short": (ids.vpc_id_problem, "vpc-0a1b2c3", f"'vpc-0a1b2c3' is not a VPC id {_VPC}"),
    "vpc-a-subnet": (ids.vpc_id_problem, "subnet-0a1b2c3d", f"'subnet-0a1b2c3d' is not a VPC id {_VPC}"),
    # EKS cluster names: 1 to 100, a letter or digit first
    "cluster-one-char": (ids.cluster_name_problem, "p", None),
    "cluster-100": (ids.cluster_name_problem, "9" + "a_-" * 33, None),
    "cluster-token": (ids.cluster_name_problem, REGION_TOKEN, None),
    "cluster-101": (ids.cluster_name_problem, "c" * 101, f"'{'c' * 101}' is not an EKS cluster name {_CLUSTER}"),
    "cluster-underscore-first": (ids.cluster_name_problem, "_prod", f"'_prod' is not an EKS cluster name {_CLUSTER}"),
    "cluster-empty": (ids.cluster_name_problem, "", f"'' is not an EKS cluster name {_CLUSTER}"),
    # IAM role ARNs, in every partition, with a path
    "role-arn": (ids.role_arn_problem, "arn:aws:iam::111111111111:role/airs-discovery", None),
    "role-arn-path": (ids.role_arn_problem, "arn:aws:iam::111111111111:role/service-role/a+=,.@_-b", None),
    "role-arn-china": (ids.role_arn_problem, "arn:aws-cn:iam::111111111111:role/r", None),
    "role-arn-govcloud": (ids.role_arn_problem, "arn:aws-us-gov:iam::111111111111:role/r", None),
    "role-arn-iso-b": (ids.role_arn_problem, "arn:aws-iso-b:iam::111111111111:role/r", None),
    "role-arn-eusc": (ids.role_arn_problem, "arn:aws-eusc:iam::111111111111:role/r", None),
    "role-arn-token": (ids.role_arn_problem, REGION_TOKEN, None),
    "role-arn-other-partition": (
        ids.role_arn_problem,
        "arn:aws-xx:iam::111111111111:role/r",
        f"'arn:aws-xx:iam::111111111111:role/r' is not an IAM role ARN {_ROLE_ARN}",
    ),
    "role-arn-a-user": (
        ids.role_arn_problem,
        "arn:aws:iam::111111111111:user/u",
        f"'arn:aws:iam::111111111111:user/u' is not an IAM role ARN {_ROLE_ARN}",
    ),
    "role-arn-name-65": (
        ids.role_arn_problem,
        f"arn:aws:iam::111111111111:role/{'r' * 65}",
        f"'arn:aws:iam::111111111111:role/{'r' * 65}' is not an IAM role ARN {_ROLE_ARN}",
    ),
    # account ids: 12 digits, as text
    "account": (ids.account_id_problem, "012345678901", None),
    "account-token": (ids.account_id_problem, "${Token[AWS.AccountId.4]}", None),
    "account-11": (
        ids.account_id_problem,
        "12345678901",
        "'12345678901' is not an AWS account id (expected exactly 12 digits)",
    ),
    "account-a-number": (
        ids.account_id_problem,
        123456789012,
        "123456789012 is not an AWS account id (expected exactly 12 digits)",
    ),
    # organizational unit ids and the root id
    "ou": (ids.organizational_unit_id_problem, "ou-ab12-cd345678", None),
    "ou-root": (ids.organizational_unit_id_problem, "r-ab12", None),
    "ou-token": (ids.organizational_unit_id_problem, REGION_TOKEN, None),
    "ou-short": (
        ids.organizational_unit_id_problem,
        "ou-ab12-cd34567",
        f"'ou-ab12-cd34567' is not an organizational unit id {_OU}",
    ),
    "ou-a-number": (ids.organizational_unit_id_problem, 1234, f"1234 is not an organizational unit id {_OU}"),
    # public CIDR blocks
    "cidr": (ids.public_cidr_problem, "34.71.64.0/24", None),
    "cidr-host": (ids.public_cidr_problem, "34.71.64.3/32", None),
    "cidr-ipv6": (ids.public_cidr_problem, "2600:1f18::/32", None),
    "cidr-half-the-internet": (ids.public_cidr_problem, "128.0.0.0/1", None),
    "cidr-token": (ids.public_cidr_problem, REGION_TOKEN, None),
    "cidr-host-bits": (
        ids.public_cidr_problem,
        "34.71.64.3/24",
        "'34.71.64.3/24' is not a CIDR block (34.71.64.3/24 has host bits set)",
    ),
    "cidr-garbage": (
        ids.public_cidr_problem,
        "x",
        "'x' is not a CIDR block ('x' does not appear to be an IPv4 or IPv6 network)",
    ),
    "cidr-everyone": (
        ids.public_cidr_problem,
        "0.0.0.0/0",
        "'0.0.0.0/0' would allow the whole internet (expected the discovery service's own addresses)",
    ),
    "cidr-everyone-ipv6": (
        ids.public_cidr_problem,
        "::/0",
        "'::/0' would allow the whole internet (expected the discovery service's own addresses)",
    ),
    "cidr-private": (
        ids.public_cidr_problem,
        "10.0.0.0/8",
        "'10.0.0.0/8' is not a public address range (expected the discovery service's public addresses)",
    ),
    "cidr-private-ipv6": (
        ids.public_cidr_problem,
        "fd00::/8",
        "'fd00::/8' is not a public address range (expected the discovery service's public addresses)",
    ),
    # IAM role names: 1 to 64
    "role-name": (ids.role_name_problem, "a+=,.@_-9", None),
    "role-name-64": (ids.role_name_problem, "r" * 64, None),
    "role-name-token": (ids.role_name_problem, REGION_TOKEN, None),
    "role-name-65": (ids.role_name_problem, "r" * 65, f"'{'r' * 65}' is not an IAM role name {_ROLE_NAME}"),
    "role-name-slash": (ids.role_name_problem, "a/b", f"'a/b' is not an IAM role name {_ROLE_NAME}"),
    "role-name-accent": (ids.role_name_problem, "rôle", f"'rôle' is not an IAM role name {_ROLE_NAME}"),
    # S3 bucket names
    "bucket": (ids.bucket_name_problem, "flow-logs.example1", None),
    "bucket-3": (ids.bucket_name_problem, "a1b", None),
    "bucket-63": (ids.bucket_name_problem, "b" * 63, None),
    "bucket-token": (ids.bucket_name_problem, REGION_TOKEN, None),
    "bucket-2": (ids.bucket_name_problem, "ab", f"'ab' is not a valid S3 bucket name {_BUCKET}"),
    "bucket-64": (ids.bucket_name_problem, "b" * 64, f"'{'b' * 64}' is not a valid S3 bucket name {_BUCKET}"),
    "bucket-upper": (ids.bucket_name_problem, "Logs", f"'Logs' is not a valid S3 bucket name {_BUCKET}"),
    "bucket-hyphen-last": (ids.bucket_name_problem, "logs-", f"'logs-' is not a valid S3 bucket name {_BUCKET}"),
    **{
        f"bucket-{name}": (
            ids.bucket_name_problem,
            value,
            f"'{value}' is not a valid S3 bucket name (a dot may not be next to another dot or a hyphen)",
        )
        for name, value in (("dot-dot", "a..b"), ("dot-hyphen", "a.-b"), ("hyphen-dot", "a-.b"))
    },
    "bucket-ip": (
        ids.bucket_name_problem,
        "192.168.5.4",
        "'192.168.5.4' is not a valid S3 bucket name (it may not look like an IP address)",
    ),
    "bucket-almost-ip": (ids.bucket_name_problem, "192.168.5.256", None),
    **{
        f"bucket-prefix-{prefix}": (
            ids.bucket_name_problem,
            f"{prefix}logs",
            f"'{prefix}logs' is not a valid S3 bucket name (the prefix {prefix!r} is reserved by S3)",
        )
        for prefix in ("xn--", "sthree-", "amzn-s3-demo-")
    },
    **{
        f"bucket-suffix-{suffix}": (
            ids.bucket_name_problem,
            f"logs{suffix}",
            f"'logs{suffix}' is not a valid S3 bucket name (the suffix {suffix!r} is reserved by S3)",
        )
        for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
    },
    # KMS key ARNs (no region asked)
    "kms": (ids.kms_key_arn_problem, KMS_KEY, None),
    "kms-multi-region": (ids.kms_key_arn_problem, f"arn:aws-cn:kms:cn-north-1:111111111111:key/mrk-{'0a' * 16}", None),
    "kms-token": (ids.kms_key_arn_problem, REGION_TOKEN, None),
    "kms-alias": (
        ids.kms_key_arn_problem,
        "arn:aws:kms:us-east-1:111111111111:alias/logs",
        f"'arn:aws:kms:us-east-1:111111111111:alias/logs' is not a KMS key ARN {_KMS}",
    ),
    "kms-bare-key-id": (ids.kms_key_arn_problem, KEY_ID, f"'{KEY_ID}' is not a KMS key ARN {_KMS}"),
    # trail names: 3 to 128
    "trail-name": (ids.trail_name_problem, "airs-bedrock_trail.1", None),
    "trail-name-3": (ids.trail_name_problem, "a1b", None),
    "trail-name-128": (ids.trail_name_problem, "t" * 128, None),
    "trail-name-token": (ids.trail_name_problem, REGION_TOKEN, None),
    "trail-name-2": (ids.trail_name_problem, "ab", f"'ab' is not a valid trail name {_TRAIL_NAME}"),
    "trail-name-129": (ids.trail_name_problem, "t" * 129, f"'{'t' * 129}' is not a valid trail name {_TRAIL_NAME}"),
    "trail-name-hyphen-last": (ids.trail_name_problem, "trail-", f"'trail-' is not a valid trail name {_TRAIL_NAME}"),
    "trail-name-space": (ids.trail_name_problem, "my trail", f"'my trail' is not a valid trail name {_TRAIL_NAME}"),
    **{
        f"trail-name-{value}": (
            ids.trail_name_problem,
            value,
            f"'{value}' is not a valid trail name (periods, underscores and hyphens may not be next to each other)",
        )
        for value in ("a._b", "a--b", "a__b")
    },
    "trail-name-ip": (
        ids.trail_name_problem,
        "10.1.2.3",
        "'10.1.2.3' is not a valid trail name (it may not look like an IP address)",
    ),
    # trail ARNs
    "trail-arn": (ids.trail_arn_problem, "arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail", None),
    "trail-arn-govcloud": (
        ids.trail_arn_problem,
        "arn:aws-us-gov:cloudtrail:us-gov-west-1:999999999999:trail/t.1",
        None,
    ),
    "trail-arn-token": (ids.trail_arn_problem, REGION_TOKEN, None),
    "trail-arn-name-2": (
        ids.trail_arn_problem,
        "arn:aws:cloudtrail:us-east-1:999999999999:trail/ab",
        f"'arn:aws:cloudtrail:us-east-1:999999999999:trail/ab' is not a CloudTrail trail ARN {_TRAIL_ARN}",
    ),
    "trail-arn-no-region": (
        ids.trail_arn_problem,
        "arn:aws:cloudtrail::999999999999:trail/org-trail",
        f"'arn:aws:cloudtrail::999999999999:trail/org-trail' is not a CloudTrail trail ARN {_TRAIL_ARN}",
    ),
}


@pytest.mark.parametrize(("rule", "value", "expected"), RULES.values(), ids=RULES.keys())
def test_each_rule_accepts_the_valid_forms_and_names_what_is_wrong(
    rule: Callable[[Any], str | None], value: object, expected: str | None
) -> None:
    assert rule(value) == expected


def test_a_kms_key_in_another_region_is_refused_for_what_it_encrypts() -> None:
    other = f"arn:aws:kms:eu-west-1:111111111111:key/{KEY_ID}"
    assert ids.kms_key_arn_problem(other, region="us-east-1") == (
        f"the KMS key '{other}' is in eu-west-1, but an S3 bucket can only use a key in its own region (us-east-1)"
    )
    assert ids.kms_key_arn_problem(other, region="us-east-1", used_by="a CloudWatch Logs log group") == (
        f"the KMS key '{other}' is in eu-west-1, but a CloudWatch Logs log group can only use a key in its own"
        " region (us-east-1)"
    )


def test_a_kms_key_in_the_region_or_a_region_known_at_deploy_only_is_accepted() -> None:
    assert ids.kms_key_arn_problem(KMS_KEY, region="us-east-1") is None
    assert ids.kms_key_arn_problem(KMS_KEY, region=REGION_TOKEN) is None
    assert ids.kms_key_arn_problem(KMS_KEY, region=None) is None


def test_repeated_lists_each_value_seen_twice_once_sorted() -> None:
    assert ids.repeated(["b", "a", "c", "b", "a", "b"]) == ["a", "b"]
    assert ids.repeated(["a", "b"]) == []
    assert ids.repeated([]) == []


def test_repeated_problem_names_the_values_and_what_is_expected() -> None:
    assert ids.repeated_problem(["x", "y"]) is None
    assert ids.repeated_problem(("y", "x", "y", "x")) == "'x', 'y' listed more than once"
    assert (
        ids.repeated_problem(["x", "x"], expected="each model once")
        == "'x' listed more than once (expected each model once)"
    )


def test_one_string_given_for_a_list_is_named() -> None:
    assert ids.not_a_list_problem("subnet-0a1b2c3d", "subnet ids") == (
        "'subnet-0a1b2c3d' is one string (expected a list of subnet ids)"
    )
    assert ids.not_a_list_problem(["subnet-0a1b2c3d"], "subnet ids") is None
    assert ids.not_a_list_problem(("a",), "subnet ids") is None


@pytest.mark.parametrize(
    ("value", "canonical"),
    [("34.71.64.3", "34.71.64.3/32"), ("34.71.64.0/24", "34.71.64.0/24"), ("2600:1F18::/32", "2600:1f18::/32")],
)
def test_canonical_cidr_is_spelt_as_eks_writes_it(value: str, canonical: str) -> None:
    assert ids.canonical_cidr(value) == canonical


def test_canonical_cidr_never_moves_a_block_and_keeps_a_token() -> None:
    with pytest.raises(ValueError, match="has host bits set"):
        ids.canonical_cidr("34.71.64.3/24")  # not silently 34.71.64.0/24, a range nobody asked for
    assert ids.canonical_cidr(REGION_TOKEN) == REGION_TOKEN
