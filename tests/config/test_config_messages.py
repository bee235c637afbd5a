"""User-facing config messages, checked word for word with the key path they are reported at.

Other tests check these messages by a fragment; here each full text is the contract, so a reworded
or truncated message is a deliberate change to this file too.
"""

from __future__ import annotations

from typing import Any

import pytest

from onboarding_config.loader import ConfigError, Problem, config_from_mapping, parse_config
from tests.conftest import config_with, flow_logs_with

SUBNET = "subnet-0a1b2c3d"
KEY = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = "arn:aws:iam::111111111111:role/airs-discovery"
POD = {"cluster": "prod", "namespace": "app", "service_account": "invoker"}
ORGANIZATION = {"organizational_units": ["ou-abcd-12345678"], "regions": ["us-east-1"]}
VALID_YAML = f"region: us-east-1\nflow_logs:\n  subnet_ids: [{SUBNET}]\n"

TARGETS = "the StackSet deploys one template to every account and region of the organization section"
SINGLE_ACCOUNT = "onboard that account with a config without an organization section"


def problems_of_text(text: str) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="t.yaml")
    assert info.value.source == "t.yaml"
    return info.value.problems


def problems_of(data: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(data, source="test.yaml")
    assert info.value.source == "test.yaml"
    return info.value.problems


def org_config(**changes: Any) -> dict[str, Any]:
    """A config with an organization section of one OU and one region (so no ids: every VPC is logged), plus
    these top-level keys."""
    return config_with(organization=dict(ORGANIZATION), **{"flow_logs": {}, **changes})


# --- config_loader: the YAML text itself -----------------------------------------------------------------


TOO_DEEP = "the file is nested too deeply to be a config (expected the sections described in docs/configuration.md)"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("region: " + "[" * 2000 + "]" * 2000 + "\n", id="flow-lists"),
        pytest.param("region: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n", id="flow-mappings"),
    ],
)
def test_deeply_nested_yaml_names_the_problem_in_full(text: str) -> None:
    assert problems_of_text(text) == [Problem("", TOO_DEEP)]


def test_too_deep_is_reported_with_the_file_and_no_path() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("region: " + "[" * 2000 + "]" * 2000 + "\n", source="deep.yaml")
    assert str(info.value) == f"deep.yaml: 1 problem; nothing was synthesized or deployed.\n  - {TOO_DEEP}"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param(VALID_YAML + "stack_name: Airs\x00\n", 4, id="nul-on-line-4"),
        pytest.param("region: us-east-1\x07\n" + VALID_YAML[len("region: us-east-1\n") :], 1, id="bell-on-line-1"),
        pytest.param(VALID_YAML + "\n\ntags: {a: \x1b}\n", 6, id="escape-on-line-6"),
    ],
)
def test_control_character_message_names_its_line(text: str, line: int) -> None:
    [problem] = problems_of_text(text)
    assert problem.path == ""
    prefix = f"not valid YAML: line {line}: the character "
    suffix = " is not allowed in a YAML file"
    assert problem.message.startswith(prefix) and problem.message.endswith(suffix), problem.message
    assert "\n" not in problem.message


@pytest.mark.parametrize(
    ("text", "line", "character"),
    [
        pytest.param(VALID_YAML + "stack_name: Airs\x00\n", 4, "\x00", id="nul"),
        pytest.param("region: us-east-1\x07\n" + VALID_YAML[len("region: us-east-1\n") :], 1, "\x07", id="bell"),
    ],
)
def test_control_character_message_in_full(text: str, line: int, character: str) -> None:
    assert problems_of_text(text) == [
        Problem("", f"not valid YAML: line {line}: the character {character!r} is not allowed in a YAML file")
    ]


# --- config_types: CDK token syntax ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path", "token"),
    [
        pytest.param(
            flow_logs_with(subnet_ids=["${Token[X.1]}"]), "flow_logs.subnet_ids[0]", "${Token[X.1]}", id="subnet"
        ),
        pytest.param(
            flow_logs_with(subnet_ids=[SUBNET], vpc_ids=["${Token[Vpc.22]}"]),
            "flow_logs.vpc_ids[0]",
            "${Token[Vpc.22]}",
            id="vpc",
        ),
        pytest.param(
            flow_logs_with(bucket={"name": "${Token[Bucket.1]}"}),
            "flow_logs.bucket.name",
            "${Token[Bucket.1]}",
            id="bucket",
        ),
        pytest.param(config_with(region="${Token[AWS.Region.7]}"), "region", "${Token[AWS.Region.7]}", id="region"),
    ],
)
def test_cdk_token_syntax_is_refused_in_full(data: dict[str, Any], path: str, token: str) -> None:
    assert problems_of(data) == [
        Problem(path, f"{token!r} is CDK token syntax, which a config file cannot use (write the literal value)")
    ]


def test_cdk_token_message_for_a_subnet_word_for_word() -> None:
    assert problems_of(flow_logs_with(subnet_ids=["${Token[X.1]}"])) == [
        Problem(
            "flow_logs.subnet_ids[0]",
            "'${Token[X.1]}' is CDK token syntax, which a config file cannot use (write the literal value)",
        )
    ]


# --- config: values that cannot be in a member template ----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path", "reason"),
    [
        pytest.param(
            org_config(flow_logs={"bucket": {"name": "my-flow-log-bucket"}}),
            "flow_logs.bucket.name",
            f"bucket names are global across all of AWS, and {TARGETS}: remove it (CloudFormation names each bucket)",
            id="bucket-name",
        ),
        pytest.param(
            org_config(flow_logs={"bucket": {"existing_name": "my-flow-log-bucket", "retention_days": None}}),
            "flow_logs.bucket.existing_name",
            f"it names one account's bucket, and {TARGETS}: remove it (each stack instance creates its bucket), or"
            f" {SINGLE_ACCOUNT}",
            id="bucket-existing_name",
        ),
        pytest.param(
            org_config(flow_logs={"bucket": {"kms_key_arn": KEY}}),
            "flow_logs.bucket.kms_key_arn",
            f"a KMS key belongs to one account and region, and {TARGETS}: remove it (SSE-S3), or {SINGLE_ACCOUNT}",
            id="bucket-kms_key_arn",
        ),
        pytest.param(
            org_config(cloudtrail={"kms_key_arn": KEY}),
            "cloudtrail.kms_key_arn",
            f"a KMS key belongs to one account and region, and {TARGETS}: remove it (SSE-S3), or {SINGLE_ACCOUNT}",
            id="cloudtrail-kms_key_arn",
        ),
        pytest.param(
            org_config(bedrock={"pod_access": [POD]}),
            "bedrock.pod_access",
            f"pod roles name clusters and namespaces of one account, and {TARGETS}: {SINGLE_ACCOUNT}",
            id="bedrock-pod_access",
        ),
    ],
)
def test_every_organization_refusal_in_full(data: dict[str, Any], path: str, reason: str) -> None:
    assert problems_of(data) == [Problem(path, f"not used with organization: {reason}")]


def test_organization_refusals_word_for_word() -> None:
    """The same texts as above, spelled out once without the shared fragments."""
    assert problems_of(org_config(flow_logs={"bucket": {"name": "my-flow-log-bucket"}})) == [
        Problem(
            "flow_logs.bucket.name",
            "not used with organization: bucket names are global across all of AWS, and the StackSet deploys one"
            " template"
            " to every account and region of the organization section: remove it (CloudFormation names each bucket)",
        )
    ]
    assert problems_of(org_config(bedrock={"pod_access": [POD]})) == [
        Problem(
            "bedrock.pod_access",
            "not used with organization: pod roles name clusters and namespaces of one account, and the StackSet"
            " deploys"
            " one template to every account and region of the organization section: onboard that account with a config"
            " without an organization section",
        )
    ]


def test_pod_identity_agent_twice_on_one_cluster_in_full() -> None:
    pods = [
        {**POD, "install_pod_identity_agent": True},
        {**POD, "namespace": "other", "install_pod_identity_agent": True},
    ]
    assert problems_of(config_with(bedrock={"pod_access": pods})) == [
        Problem(
            "bedrock.pod_access",
            "install_pod_identity_agent is true on more than one entry of cluster 'prod'; an add-on is installed once"
            " per"
            " cluster, so set it on one entry only",
        )
    ]


def test_empty_allowed_cidrs_in_full() -> None:
    assert problems_of(config_with(eks={"discovery_role_arn": ROLE, "allowed_cidrs": []})) == [
        Problem("eks.allowed_cidrs", "empty (expected the discovery service's addresses; omit it for the default)")
    ]


# --- config: the organization's own rules ---------------------------------------------------------------------

ONE_PARAMETER_SET = "a StackSet instance group's parameters go to every account and region it targets, and"


def test_organization_rules_word_for_word() -> None:
    """The organization-mode refusals of ids and names, and of the retired account_overrides, spelled out once."""
    data = org_config(
        flow_logs={"coverage": "listed", "vpc_ids": ["vpc-0a1b2c3d"]},
        eks={"discovery_role_arn": ROLE, "coverage": "listed", "clusters": [{"name": "dev-eks"}]},
    )
    data["organization"]["account_overrides"] = {
        "222222222222": {"subnet_ids": [SUBNET], "clusters": [{"name": "dev-eks"}]}
    }
    assert problems_of(data) == [
        Problem(
            "flow_logs.coverage",
            f"'listed' is not used with organization: {ONE_PARAMETER_SET} subnet and VPC ids belong to one account and"
            " region; remove it (coverage: all-vpcs logs every VPC of each account and region), and each account's"
            " owners leave a VPC out by tagging it airs-discovery=off (flow_logs.exclude_tag)",
        ),
        Problem(
            "flow_logs.vpc_ids",
            f"'vpc-0a1b2c3d' not used with organization: {ONE_PARAMETER_SET} VPC ids belong to one account and region;"
            " remove it (every VPC of each account and region is logged), and each account's owners leave a VPC out"
            " by tagging it airs-discovery=off (flow_logs.exclude_tag)",
        ),
        Problem(
            "eks.coverage",
            f"'listed' is not used with organization: {ONE_PARAMETER_SET} cluster names belong to one account and"
            " region; remove it (coverage: tagged, where each cluster's owners open it by tagging it"
            " airs-discovery=on (eks.opt_in_tag)), or write coverage: all to open every cluster of each account and"
            " region",
        ),
        Problem(
            "eks.clusters",
            f"'dev-eks' not used with organization: {ONE_PARAMETER_SET} cluster names belong to one account and"
            " region; remove it, and each cluster's owners open it by tagging it airs-discovery=on (eks.opt_in_tag)",
        ),
        Problem(
            "organization.account_overrides.222222222222",
            f"not used with organization: {ONE_PARAMETER_SET} CloudFormation refuses an OU in two groups with"
            " different parameters, so an account cannot have values of its own: each account's owners choose per"
            " resource with tags; remove it, and tag the VPCs of 222222222222 not listed (the VPC of"
            f" {SUBNET}) with airs-discovery=off, and cluster dev-eks with airs-discovery=on",
        ),
    ]


def test_audit_role_rules_word_for_word() -> None:
    without_id = org_config()
    without_id["organization"]["audit_role"] = True
    assert problems_of(without_id) == [
        Problem(
            "organization.audit_external_id",
            "missing: with audit_role: true the audit role trusts the administrator account only with this external"
            " id (expected 2 to 1224 letters, digits and _+=,.@:/-, e.g. the output of openssl rand -hex 16); add it,"
            " or set audit_role: false",
        )
    ]
    without_role = org_config()
    without_role["organization"]["audit_external_id"] = "abc123"
    assert problems_of(without_role) == [
        Problem(
            "organization.audit_external_id",
            "applies with audit_role: true only, and audit_role is false; remove it, or set audit_role: true to create"
            " the read-only audit role it protects",
        )
    ]
