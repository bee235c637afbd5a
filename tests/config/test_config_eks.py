"""The eks section: defaults and every error message."""

from __future__ import annotations

from typing import Any

import pytest

from onboarding_config.loader import ConfigError
from onboarding_constructs import DISCOVERY_CIDRS
from tests.conftest import config_with, load

ROLE = "arn:aws:iam::111111111111:role/airs-discovery"


def with_eks(**eks: Any) -> dict[str, Any]:
    return config_with(eks={"discovery_role_arn": ROLE, **eks})


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as error:
        load(data)
    return [(p.path, p.message) for p in error.value.problems]


def test_defaults() -> None:
    eks = load(with_eks(clusters=[{"name": "prod-eks"}])).eks
    assert eks is not None
    assert eks.allowed_cidrs == DISCOVERY_CIDRS == ("34.71.64.3/32", "34.28.60.186/32")
    assert [(c.name, c.enable_public_endpoint) for c in eks.clusters] == [("prod-eks", False)]
    assert load(with_eks()).eks.clusters == ()
    assert load(config_with()).eks is None


def test_every_option() -> None:
    eks = load(
        with_eks(
            discovery_role_arn="arn:aws-cn:iam::111111111111:role/team/airs-discovery",
            allowed_cidrs=["34.71.64.3/32", "2600:1f18:4000::/40"],
            clusters=[{"name": "a"}, {"name": "b_2", "enable_public_endpoint": True}],
        )
    ).eks
    assert eks.allowed_cidrs == ("34.71.64.3/32", "2600:1f18:4000::/40")
    assert [c.enable_public_endpoint for c in eks.clusters] == [False, True]


@pytest.mark.parametrize(
    ("eks", "path", "fragment"),
    [
        (
            {"discovery_role_arn": "arn:aws:iam::111111111111:user/bob"},
            "eks.discovery_role_arn",
            "is not an IAM role ARN (expected arn:<partition>:iam::<12-digit account>:role/<name>)",
        ),
        ({"discovery_role_arn": "airs-discovery"}, "eks.discovery_role_arn", "'airs-discovery' is not an IAM role ARN"),
        ({"allowed_cidrs": ["34.71.64.3/33"]}, "eks.allowed_cidrs[0]", "'34.71.64.3/33' is not a CIDR block"),
        ({"allowed_cidrs": ["34.71.64.3/24"]}, "eks.allowed_cidrs[0]", "has host bits set"),
        ({"allowed_cidrs": ["10.0.0.0/8"]}, "eks.allowed_cidrs[0]", "'10.0.0.0/8' is not a public address range"),
        ({"allowed_cidrs": ["0.0.0.0/0"]}, "eks.allowed_cidrs[0]", "'0.0.0.0/0' would allow the whole internet"),
        ({"allowed_cidrs": ["::/0"]}, "eks.allowed_cidrs[0]", "'::/0' would allow the whole internet"),
        ({"allowed_cidrs": []}, "eks.allowed_cidrs", "empty (expected the discovery service's addresses"),
        (
            {"allowed_cidrs": ["34.71.64.3/32", "34.71.64.3/32"]},
            "eks.allowed_cidrs",
            "'34.71.64.3/32' listed more than once",
        ),
        (
            {"allowed_cidrs": [f"34.71.64.{i}/32" for i in range(41)]},
            "eks.allowed_cidrs",
            "41 CIDRs (EKS allows at most 40 on an endpoint)",
        ),
        ({"clusters": [{"name": "prod"}, {"name": "prod"}]}, "eks.clusters", "cluster 'prod' listed more than once"),
        ({"clusters": [{"name": "-prod"}]}, "eks.clusters[0].name", "'-prod' is not an EKS cluster name"),
        ({"clusters": [{"name": "prod.eks"}]}, "eks.clusters[0].name", "'prod.eks' is not an EKS cluster name"),
        (
            {"clusters": [{"name": "prod", "enable_public_endpiont": True}]},
            "eks.clusters[0].enable_public_endpiont",
            "did you mean 'enable_public_endpoint'?",
        ),
        (
            {"clusters": [{"name": "prod", "enable_public_endpoint": "yes"}]},
            "eks.clusters[0].enable_public_endpoint",
            "expected true or false",
        ),
        ({"clusters": "prod"}, "eks.clusters", "expected a list"),
    ],
    ids=[
        "user-arn",
        "bare-name",
        "prefix-too-long",
        "host-bits",
        "private",
        "everyone-v4",
        "everyone-v6",
        "empty",
        "duplicate-cidr",
        "over-40",
        "duplicate-cluster",
        "name-leading-hyphen",
        "name-dot",
        "typo",
        "opt-in-text",
        "clusters-string",
    ],
)
def test_errors(eks: dict[str, Any], path: str, fragment: str) -> None:
    found = problems(with_eks(**eks) if "discovery_role_arn" not in eks else config_with(eks=eks))
    assert [p for p, _ in found] == [path], found
    assert fragment in found[0][1]


def test_missing_role_is_reported() -> None:
    [(path, message)] = problems(config_with(eks={"clusters": [{"name": "prod"}]}))
    assert path == "eks.discovery_role_arn"
    assert "missing: give the role the AIRS onboarding created, or add a discovery_role section" in message


def test_role_arn_and_discovery_role_section_together_are_refused() -> None:
    data = with_eks(clusters=[{"name": "prod"}]) | {
        "discovery_role": {"trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery", "external_id": "abc123"}
    }
    assert problems(data) == [
        (
            "eks.discovery_role_arn",
            "not used together with a discovery_role section (the access entries use the role created there);"
            " remove one of them",
        )
    ]


def test_a_discovery_role_section_stands_in_for_the_role_arn() -> None:
    data = config_with(eks={"clusters": [{"name": "prod"}]}) | {
        "discovery_role": {"trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery", "external_id": "abc123"}
    }
    assert load(data).eks.discovery_role_arn is None


def test_one_cidr_block_spelt_two_ways_is_listed_twice() -> None:
    with pytest.raises(ConfigError) as info:
        load(
            config_with(
                eks={
                    "discovery_role_arn": "arn:aws:iam::111111111111:role/d",
                    "allowed_cidrs": ["34.71.64.3", "34.71.64.3/32"],
                }
            )
        )
    [problem] = info.value.problems
    assert (problem.path, problem.message) == ("eks.allowed_cidrs", "'34.71.64.3/32' listed more than once")


# --- eks.log_group_kms_key_arn ---------------------------------------------------------------------------

LOG_KEY = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_log_group_key_defaults_to_none_and_is_read() -> None:
    assert load(with_eks()).eks.log_group_kms_key_arn is None
    assert load(with_eks(log_group_kms_key_arn=LOG_KEY)).eks.log_group_kms_key_arn == LOG_KEY


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "arn:aws:kms:us-east-1:111111111111:alias/logs",
            "'arn:aws:kms:us-east-1:111111111111:alias/logs' is not a KMS key ARN (expected"
            " arn:<partition>:kms:<region>:<12-digit account>:key/<key id>; an alias ARN is not accepted because the"
            " key"
            " policy belongs to the key)",
        ),
        (
            LOG_KEY.replace("us-east-1", "eu-west-1"),
            f"the KMS key {LOG_KEY.replace('us-east-1', 'eu-west-1')!r} is in eu-west-1, but a CloudWatch Logs log"
            " group can"
            " only use a key in its own region (us-east-1)",
        ),
    ],
    ids=["alias", "other-region"],
)
def test_log_group_key_must_be_a_key_arn_of_the_region(value: str, message: str) -> None:
    assert problems(with_eks(log_group_kms_key_arn=value)) == [("eks.log_group_kms_key_arn", message)]


def test_40_allowed_cidrs_are_the_most_an_endpoint_takes() -> None:
    forty = [f"34.71.64.{i}/32" for i in range(40)]
    assert load(with_eks(allowed_cidrs=forty)).eks.allowed_cidrs == tuple(forty)
    assert problems(with_eks(allowed_cidrs=[*forty, "34.71.65.0/32"])) == [
        ("eks.allowed_cidrs", "41 CIDRs (EKS allows at most 40 on an endpoint)")
    ]


def test_clusters_listed_twice_are_named_in_full_each_once() -> None:
    clusters = [{"name": n} for n in ("prod", "dev", "prod", "dev", "prod", "test")]
    assert problems(with_eks(clusters=clusters)) == [
        ("eks.clusters", "cluster 'dev', 'prod' listed more than once (expected each cluster once)")
    ]
