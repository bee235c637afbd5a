"""The cloudtrail, bedrock (and its pod_access entries), discovery_role and iam sections: defaults and every error
message."""

from __future__ import annotations

from typing import Any

import pytest

from onboarding_config.loader import ConfigError
from onboarding_config.model import IamConfig
from tests.conftest import config_with, load

TRAIL = "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail"
KEY = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
PROFILE = "us.anthropic.claude-3-5-sonnet-20240620-v1:0"
POD = {"cluster": "prod", "namespace": "app", "service_account": "invoker"}
PRINCIPAL = "arn:aws:iam::999999999999:role/discovery"
DISCOVERY = {"trusted_principal_arn": PRINCIPAL, "external_id": "abc123"}
SECRET = "s3cr3t-" * 200  # 1400 characters: too long, and never to be shown in full


def with_pod(**pod: Any) -> dict[str, Any]:
    return config_with(bedrock={"pod_access": [{**POD, **pod}]})


def with_discovery(**role: Any) -> dict[str, Any]:
    return config_with(discovery_role={**DISCOVERY, **role})


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as error:
        load(data)
    return [(p.path, p.message) for p in error.value.problems]


def the_problem(data: dict[str, Any], path: str, fragment: str) -> str:
    found = problems(data)
    assert [p for p, _ in found] == [path], found
    assert fragment in found[0][1], found[0][1]
    return found[0][1]


# --- defaults -----------------------------------------------------------------------------------------


def test_sections_absent() -> None:
    config = load(config_with())
    assert (config.cloudtrail, config.bedrock, config.discovery_role) == (None, None, None)
    assert config.iam == IamConfig()
    assert (config.iam.permissions_boundary_arn, config.iam.role_name_prefix) == (None, None)
    assert load(config_with(iam={})).iam == IamConfig()


def test_cloudtrail_defaults() -> None:
    trail = load(config_with(cloudtrail={})).cloudtrail
    assert trail is not None
    assert trail.existing_trail_arn is None
    assert trail.bedrock_data_events is False
    assert trail.trail_name == "airs-bedrock-audit"
    assert trail.retention_days == 365
    assert trail.kms_key_arn is None


def test_bedrock_defaults() -> None:
    bedrock = load(config_with(bedrock={})).bedrock
    assert bedrock is not None
    assert bedrock.model_ids == ()
    assert bedrock.ec2_role is True
    assert bedrock.pod_access == ()


def test_pod_access_defaults() -> None:
    [pod] = load(with_pod()).bedrock.pod_access
    assert (pod.cluster, pod.namespace, pod.service_account) == ("prod", "app", "invoker")
    assert pod.mode == "pod-identity"
    assert pod.install_pod_identity_agent is False
    assert pod.oidc_issuer is None


# --- accepted forms -----------------------------------------------------------------------------------


def test_cloudtrail_every_option() -> None:
    trail = load(
        config_with(
            cloudtrail={
                "bedrock_data_events": True,
                "trail_name": "team.audit_trail-1",
                "kms_key_arn": KEY,
                "retention_days": None,
            }
        )
    ).cloudtrail
    assert (trail.bedrock_data_events, trail.trail_name, trail.kms_key_arn, trail.retention_days) == (
        True,
        "team.audit_trail-1",
        KEY,
        None,
    )


@pytest.mark.parametrize(
    "cloudtrail",
    [
        {"existing_trail_arn": TRAIL},
        {"existing_trail_arn": "arn:aws:cloudtrail:eu-west-1:222222222222:trail/org-trail"},
        {"existing_trail_arn": TRAIL, "kms_key_arn": None, "retention_days": None, "bedrock_data_events": False},
    ],
    ids=["same-account", "org-trail-elsewhere", "with-nulls-and-false"],
)
def test_existing_trail_is_accepted(cloudtrail: dict[str, Any]) -> None:
    assert load(config_with(cloudtrail=cloudtrail)).cloudtrail.existing_trail_arn == cloudtrail["existing_trail_arn"]


def test_model_ids() -> None:
    ids = [
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "amazon.titan-text-express-v1",
        "anthropic.claude-3-haiku-20240307-v1:0:200k",
        PROFILE,
        "us-gov.anthropic.claude-3-5-sonnet-20240620-v1:0",
        "global.anthropic.claude-sonnet-4-20250514-v1:0",
    ]
    bedrock = load(config_with(bedrock={"model_ids": ids, "ec2_role": False})).bedrock
    assert bedrock.model_ids == tuple(ids)
    assert bedrock.ec2_role is False


@pytest.mark.parametrize(
    "issuer",
    [
        ISSUER,
        ISSUER.removeprefix("https://"),
        ISSUER + "/",
        "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    ],
    ids=["https", "bare-host", "trailing-slash", "china"],
)
def test_irsa_issuer_forms(issuer: str) -> None:
    [pod] = load(with_pod(mode="irsa", oidc_issuer=issuer)).bedrock.pod_access
    assert (pod.mode, pod.oidc_issuer, pod.install_pod_identity_agent) == ("irsa", issuer, False)


def test_pod_access_every_option() -> None:
    pods = [
        {**POD, "install_pod_identity_agent": True},
        {**POD, "cluster": "dev"},  # the same service account on another cluster
        {
            "cluster": "prod",
            "namespace": "a" * 63,
            "service_account": "my.sa-1",
            "mode": "pod-identity",
            "oidc_issuer": None,
        },
        {"cluster": "prod", "namespace": "ml", "service_account": "a" * 253, "mode": "irsa", "oidc_issuer": ISSUER},
    ]
    loaded = load(config_with(bedrock={"pod_access": pods})).bedrock.pod_access
    assert [(p.cluster, p.mode, p.install_pod_identity_agent) for p in loaded] == [
        ("prod", "pod-identity", True),
        ("dev", "pod-identity", False),
        ("prod", "pod-identity", False),
        ("prod", "irsa", False),
    ]


@pytest.mark.parametrize(
    ("principal", "external_id"),
    [
        (PRINCIPAL, "abc123"),
        ("arn:aws:iam::999999999999:root", "ab"),
        ("arn:aws-us-gov:iam::999999999999:role/service-role/discovery", "Ab_+=,.@:/-9"),
        (PRINCIPAL, "x" * 1224),
    ],
    ids=["role", "root-shortest-id", "role-with-path-every-char", "longest-id"],
)
def test_discovery_role(principal: str, external_id: str) -> None:
    role = load(
        config_with(discovery_role={"trusted_principal_arn": principal, "external_id": external_id})
    ).discovery_role
    assert (role.trusted_principal_arn, role.external_id) == (principal, external_id)


@pytest.mark.parametrize(
    ("boundary", "prefix"),
    [
        ("arn:aws:iam::111111111111:policy/boundaries/airs/airs-boundary", "airs-"),
        ("arn:aws:iam::aws:policy/PowerUserAccess", "a" * 32),
        ("arn:aws-cn:iam::111111111111:policy/AirsBoundary", "Team_A+=,.@-"),
    ],
    ids=["boundary-with-path", "aws-managed-longest-prefix", "china-every-prefix-char"],
)
def test_iam(boundary: str, prefix: str) -> None:
    iam = load(config_with(iam={"permissions_boundary_arn": boundary, "role_name_prefix": prefix})).iam
    assert (iam.permissions_boundary_arn, iam.role_name_prefix) == (boundary, prefix)


# --- errors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cloudtrail", "path", "fragment"),
    [
        (
            {"existing_trail_arn": "arn:aws:cloudtrail:us-east-1:111111111111:org-trail"},
            "cloudtrail.existing_trail_arn",
            "is not a CloudTrail trail ARN (expected arn:<partition>:cloudtrail:<region>:<12-digit"
            " account>:trail/<name>)",
        ),
        (
            {"existing_trail_arn": "org-trail"},
            "cloudtrail.existing_trail_arn",
            "'org-trail' is not a CloudTrail trail ARN",
        ),
        (
            {"existing_trail_arn": TRAIL, "trail_name": "my-trail"},
            "cloudtrail",
            "existing_trail_arn cannot be combined with trail_name:",
        ),
        (
            {"existing_trail_arn": TRAIL, "trail_name": "airs-bedrock-audit"},
            "cloudtrail",
            "existing_trail_arn cannot be combined with trail_name:",
        ),
        (
            {"existing_trail_arn": TRAIL, "kms_key_arn": KEY},
            "cloudtrail",
            "existing_trail_arn cannot be combined with kms_key_arn:",
        ),
        (
            {"existing_trail_arn": TRAIL, "retention_days": 30},
            "cloudtrail",
            "existing_trail_arn cannot be combined with retention_days:",
        ),
        (
            {"existing_trail_arn": TRAIL, "retention_days": 365},
            "cloudtrail",
            "existing_trail_arn cannot be combined with retention_days:",
        ),
        (
            {"existing_trail_arn": TRAIL, "bedrock_data_events": True},
            "cloudtrail",
            "existing_trail_arn cannot be combined with bedrock_data_events:",
        ),
        ({"kms_key_arn": KEY.replace("us-east-1", "eu-west-1")}, "cloudtrail.kms_key_arn", "is in eu-west-1, but"),
        (
            {"kms_key_arn": "arn:aws:kms:us-east-1:111111111111:alias/trail"},
            "cloudtrail.kms_key_arn",
            "is not a KMS key ARN",
        ),
        ({"trail_name": "ab"}, "cloudtrail.trail_name", "'ab' is not a valid trail name"),
        ({"retention_days": 0}, "cloudtrail.retention_days", "0 is out of range (expected at least 1, or null)"),
        ({"bedrock_data_events": "true"}, "cloudtrail.bedrock_data_events", "expected true or false"),
        ({"trail_nmae": "x-trail"}, "cloudtrail.trail_nmae", "unknown key 'trail_nmae'; did you mean 'trail_name'?"),
        ({"existing_trail": TRAIL}, "cloudtrail.existing_trail", "did you mean 'existing_trail_arn'?"),
    ],
    ids=[
        "arn-without-trail",
        "trail-not-arn",
        "existing-with-name",
        "existing-with-default-name",
        "existing-with-key",
        "existing-with-retention",
        "existing-with-default-retention",
        "existing-with-data-events",
        "key-other-region",
        "key-alias",
        "name-too-short",
        "retention-zero",
        "data-events-text",
        "typo-name",
        "typo-existing",
    ],
)
def test_cloudtrail_errors(cloudtrail: dict[str, Any], path: str, fragment: str) -> None:
    the_problem(config_with(cloudtrail=cloudtrail), path, fragment)


def test_existing_trail_names_every_clashing_key() -> None:
    data = config_with(
        cloudtrail={
            "existing_trail_arn": TRAIL,
            "trail_name": "my-trail",
            "kms_key_arn": KEY,
            "retention_days": 30,
            "bedrock_data_events": True,
        }
    )
    message = the_problem(
        data,
        "cloudtrail",
        "existing_trail_arn cannot be combined with trail_name, kms_key_arn, retention_days, bedrock_data_events",
    )
    assert (
        "Remove trail_name, kms_key_arn, retention_days, bedrock_data_events, or remove existing_trail_arn" in message
    )


def test_cloudtrail_key_in_another_region_names_both_regions() -> None:
    other = KEY.replace("us-east-1", "eu-west-1")
    assert problems(config_with(cloudtrail={"kms_key_arn": other})) == [
        (
            "cloudtrail.kms_key_arn",
            f"the KMS key {other!r} is in eu-west-1, but an S3 bucket can only use a key in its own region (us-east-1)",
        )
    ]


@pytest.mark.parametrize(
    ("bedrock", "path", "fragment"),
    [
        (
            {"model_ids": ["gpt-4"]},
            "bedrock.model_ids[0]",
            "'gpt-4' is not a Bedrock model id (expected a Bedrock model id such as",
        ),
        (
            {"model_ids": ["Anthropic.claude-v2"]},
            "bedrock.model_ids[0]",
            "'Anthropic.claude-v2' is not a Bedrock model id",
        ),
        (
            {"model_ids": ["claude-3.5-sonnet"]},
            "bedrock.model_ids[0]",
            "'claude-3.5-sonnet' is not a Bedrock model id: 'claude-3' is not a provider (the part before the first"
            " period is"
            " lowercase letters and digits, such as anthropic, amazon or meta) (expected a Bedrock model id such as",
        ),
        ({"model_ids": [""]}, "bedrock.model_ids[0]", "'' is not a Bedrock model id"),
        (
            {"model_ids": ["arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-v2"]},
            "bedrock.model_ids[0]",
            "is an ARN; give the model or inference profile id instead",
        ),
        (
            {"model_ids": ["xx.anthropic.claude-v2"]},
            "bedrock.model_ids[0]",
            "an inference profile id starts with one of us., us-gov., eu., apac.",
        ),
        (
            {"model_ids": [PROFILE, "amazon.titan-text-express-v1", PROFILE]},
            "bedrock.model_ids",
            f"{PROFILE!r} listed more than once",
        ),
        ({"model_ids": "amazon.titan-text-express-v1"}, "bedrock.model_ids", "expected a list"),
        ({"ec2_role": "yes"}, "bedrock.ec2_role", "expected true or false"),
        ({"pod_access": "prod"}, "bedrock.pod_access", "expected a list"),
        (
            {"pod_access": [POD, POD]},
            "bedrock.pod_access",
            "entries [0] (cluster prod, namespace app, service_account invoker) and [1] (cluster prod, namespace app,"
            " service_account invoker) would share the manifest 'k8s/prod/app-invoker.yaml' (the same service account,"
            " or"
            " names that run together at a hyphen); each service account once, and rename one namespace or service"
            " account"
            " if the names run together",
        ),
        (
            {"pod_access": [POD, {**POD, "mode": "irsa", "oidc_issuer": ISSUER}]},
            "bedrock.pod_access",
            "each service account once",
        ),
        (
            {
                "pod_access": [
                    {**POD, "namespace": "a-b", "service_account": "c"},
                    {**POD, "namespace": "a", "service_account": "b-c"},
                ]
            },
            "bedrock.pod_access",
            "entries [0] (cluster prod, namespace a-b, service_account c) and [1] (cluster prod, namespace a,"
            " service_account"
            " b-c) would share the manifest 'k8s/prod/a-b-c.yaml'",
        ),
        (
            # Different manifests (k8s/a-b/c-d.yaml and k8s/a/b-c-d.yaml), one construct id: this crashed synth.
            {
                "pod_access": [
                    {**POD, "cluster": "a-b", "namespace": "c", "service_account": "d"},
                    {**POD, "cluster": "a", "namespace": "b-c", "service_account": "d"},
                ]
            },
            "bedrock.pod_access",
            "entries [0] (cluster a-b, namespace c, service_account d) and [1] (cluster a, namespace b-c,"
            " service_account d)"
            " would share the construct id 'Pod-a-b-c-d' (the same service account, or names that run together at a"
            " hyphen)",
        ),
        (
            {"model_id": [PROFILE]},
            "bedrock.model_id",
            "unknown key 'model_id'; did you mean 'model_ids'? expected one of: ec2_role, model_ids, pod_access",
        ),
        ({"podaccess": []}, "bedrock.podaccess", "did you mean 'pod_access'?"),
    ],
    ids=[
        "gpt-4",
        "uppercase",
        "provider-with-hyphen",
        "empty-id",
        "model-arn",
        "unknown-geography",
        "duplicate-model",
        "model-ids-text",
        "ec2-role-text",
        "pod-access-text",
        "duplicate-service-account",
        "duplicate-across-modes",
        "names-run-together",
        "ids-run-together",
        "typo-model-ids",
        "typo-pod-access",
    ],
)
def test_bedrock_errors(bedrock: dict[str, Any], path: str, fragment: str) -> None:
    the_problem(config_with(bedrock=bedrock), path, fragment)


def test_a_service_account_listed_three_times_is_named_by_its_first_two_entries_in_the_whole_message() -> None:
    other = {**POD, "service_account": "other"}
    assert problems(config_with(bedrock={"pod_access": [other, POD, POD, POD]})) == [
        (
            "bedrock.pod_access",
            "entries [1] (cluster prod, namespace app, service_account invoker) and [2] (cluster prod, namespace app,"
            " service_account invoker) would share the manifest 'k8s/prod/app-invoker.yaml' (the same service"
            " account, or names that run together at a hyphen); each service account once, and rename one namespace"
            " or service account if the names run together",
        )
    ]


@pytest.mark.parametrize(
    ("pod", "path", "fragment"),
    [
        (
            {"namespace": "App_1"},
            "bedrock.pod_access[0].namespace",
            "'App_1' is not a Kubernetes namespace name (expected an RFC 1123 label: 1 to 63",
        ),
        ({"namespace": "a" * 64}, "bedrock.pod_access[0].namespace", "is not a Kubernetes namespace name"),
        ({"namespace": "app-"}, "bedrock.pod_access[0].namespace", "'app-' is not a Kubernetes namespace name"),
        ({"namespace": "team.app"}, "bedrock.pod_access[0].namespace", "'team.app' is not a Kubernetes namespace name"),
        (
            {"service_account": "Invoker"},
            "bedrock.pod_access[0].service_account",
            "'Invoker' is not a Kubernetes service account name (expected an RFC 1123 subdomain",
        ),
        (
            {"service_account": "sa..x"},
            "bedrock.pod_access[0].service_account",
            "'sa..x' is not a Kubernetes service account name",
        ),
        (
            {"service_account": "invoker_1"},
            "bedrock.pod_access[0].service_account",
            "'invoker_1' is not a Kubernetes service account name",
        ),
        ({"service_account": "a" * 254}, "bedrock.pod_access[0].service_account", "at most 253 lowercase"),
        ({"cluster": "-prod"}, "bedrock.pod_access[0].cluster", "'-prod' is not an EKS cluster name"),
        (
            {"mode": "irsa"},
            "bedrock.pod_access[0]",
            "mode 'irsa' needs oidc_issuer, the cluster's OpenID Connect issuer URL (from 'aws eks describe-cluster"
            " --query cluster.identity.oidc.issuer', e.g."
            " https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE)",
        ),
        ({"mode": "irsa", "oidc_issuer": None}, "bedrock.pod_access[0]", "mode 'irsa' needs oidc_issuer"),
        (
            {"oidc_issuer": ISSUER},
            "bedrock.pod_access[0]",
            "oidc_issuer only applies to mode 'irsa' (mode 'pod-identity' uses no OIDC provider): remove oidc_issuer,"
            " or set mode to 'irsa'",
        ),
        (
            {"mode": "pod-identity", "oidc_issuer": ISSUER},
            "bedrock.pod_access[0]",
            "oidc_issuer only applies to mode 'irsa'",
        ),
        (
            {"mode": "irsa", "oidc_issuer": ISSUER, "install_pod_identity_agent": True},
            "bedrock.pod_access[0]",
            "install_pod_identity_agent only applies to mode 'pod-identity' (IRSA needs no agent)",
        ),
        (
            {"mode": "irsa", "oidc_issuer": "https://example.com/id/X"},
            "bedrock.pod_access[0].oidc_issuer",
            "'https://example.com/id/X' is not an EKS OIDC issuer URL (expected e.g.",
        ),
        (
            {"mode": "irsa", "oidc_issuer": "http://" + ISSUER.removeprefix("https://")},
            "bedrock.pod_access[0].oidc_issuer",
            "is not an EKS OIDC issuer URL",
        ),
        (
            {"mode": "IRSA"},
            "bedrock.pod_access[0].mode",
            "'IRSA' is not an access mode (expected 'pod-identity' or 'irsa')",
        ),
        (
            {"mode": "pod_identity"},
            "bedrock.pod_access[0].mode",
            "'pod_identity' is not an access mode (expected 'pod-identity' or 'irsa')",
        ),
        (
            {"install_pod_identity_agent": "yes"},
            "bedrock.pod_access[0].install_pod_identity_agent",
            "expected true or false",
        ),
        (
            {"namespce": "app"},
            "bedrock.pod_access[0].namespce",
            "unknown key 'namespce'; did you mean 'namespace'? expected one of: cluster, install_pod_identity_agent,"
            " mode, namespace, oidc_issuer, service_account",
        ),
        ({"oidc_issuer_url": ISSUER}, "bedrock.pod_access[0].oidc_issuer_url", "did you mean 'oidc_issuer'?"),
    ],
    ids=[
        "namespace-uppercase-underscore",
        "namespace-too-long",
        "namespace-trailing-hyphen",
        "namespace-dot",
        "sa-uppercase",
        "sa-empty-part",
        "sa-underscore",
        "sa-too-long",
        "bad-cluster",
        "irsa-without-issuer",
        "irsa-null-issuer",
        "issuer-without-irsa",
        "issuer-with-pod-identity",
        "agent-with-irsa",
        "issuer-not-eks",
        "issuer-http",
        "mode-uppercase",
        "mode-underscore",
        "agent-text",
        "typo-namespace",
        "typo-issuer",
    ],
)
def test_pod_access_errors(pod: dict[str, Any], path: str, fragment: str) -> None:
    the_problem(with_pod(**pod), path, fragment)


def test_pod_access_errors_name_the_entry() -> None:
    data = config_with(bedrock={"pod_access": [POD, {**POD, "cluster": "dev", "servce_account": "x"}]})
    found = problems(data)
    assert [p for p, _ in found] == ["bedrock.pod_access[1].servce_account"], found
    assert "did you mean 'service_account'?" in found[0][1]


def test_pod_access_required_keys() -> None:
    found = problems(config_with(bedrock={"pod_access": [{"cluster": "prod"}]}))
    assert found == [
        ("bedrock.pod_access[0].namespace", "required key is missing"),
        ("bedrock.pod_access[0].service_account", "required key is missing"),
    ]


def test_pod_identity_agent_is_installed_once_per_cluster() -> None:
    data = config_with(
        bedrock={
            "pod_access": [
                {**POD, "install_pod_identity_agent": True},
                {**POD, "service_account": "other", "install_pod_identity_agent": True},
            ]
        }
    )
    message = the_problem(data, "bedrock.pod_access", "install_pod_identity_agent")
    assert "'prod'" in message


@pytest.mark.parametrize(
    ("role", "path", "fragment"),
    [
        (
            {"external_id": "a"},
            "discovery_role.external_id",
            "'a' (1 character) is too short (expected 2 to 1224 letters, digits and _+=,.@:/-",
        ),
        (
            {"external_id": "x" * 1225},
            "discovery_role.external_id",
            "'xxxx...' (1225 characters) is too long (expected 2 to 1224",
        ),
        (
            {"external_id": "secret value"},
            "discovery_role.external_id",
            "'secr...' (12 characters) contains ' ', which STS does not accept",
        ),
        ({"external_id": "secret#value"}, "discovery_role.external_id", "contains '#', which STS does not accept"),
        ({"external_id": "caf\u00e9"}, "discovery_role.external_id", "contains '\u00e9', which STS does not accept"),
        ({"external_id": ""}, "discovery_role.external_id", "missing (expected 2 to 1224 letters"),
        (
            {"external_id": 123456},
            "discovery_role.external_id",
            "expected text, got a number 123456 (put it in quotes)",
        ),
        (
            {"trusted_principal_arn": "arn:aws:iam::999999999999:user/bob"},
            "discovery_role.trusted_principal_arn",
            "'arn:aws:iam::999999999999:user/bob' is not an IAM role ARN or account root ARN (expected"
            " arn:<partition>:iam::<12-digit account>:role/<name> or arn:<partition>:iam::<12-digit account>:root)",
        ),
        (
            {"trusted_principal_arn": "arn:aws:sts::999999999999:assumed-role/discovery/s"},
            "discovery_role.trusted_principal_arn",
            "is not an IAM role ARN or account root ARN",
        ),
        (
            {"trusted_principal_arn": "999999999999"},
            "discovery_role.trusted_principal_arn",
            "'999999999999' is not an IAM role ARN or account root ARN",
        ),
        (
            {"trusted_principal_arn": ""},
            "discovery_role.trusted_principal_arn",
            "missing (expected the AIRS service's IAM role ARN or account root ARN)",
        ),
        (
            {"externel_id": "abc123"},
            "discovery_role.externel_id",
            "unknown key 'externel_id'; did you mean 'external_id'? expected one of: allow_sensitive_reads,"
            " external_id, trusted_principal_arn",
        ),
    ],
    ids=[
        "id-too-short",
        "id-too-long",
        "id-space",
        "id-hash",
        "id-non-ascii",
        "id-empty",
        "id-number",
        "principal-user",
        "principal-assumed-role",
        "principal-account-id",
        "principal-empty",
        "typo",
    ],
)
def test_discovery_role_errors(role: dict[str, Any], path: str, fragment: str) -> None:
    the_problem(with_discovery(**role), path, fragment)


def test_discovery_role_denies_every_sensitive_read_by_default() -> None:
    assert load(with_discovery()).discovery_role.allow_sensitive_reads == ()


def test_discovery_role_allow_sensitive_reads() -> None:
    role = load(
        with_discovery(allow_sensitive_reads=["lambda:GetFunction", "ec2:DescribeVpnConnections"])
    ).discovery_role
    assert role.allow_sensitive_reads == ("lambda:GetFunction", "ec2:DescribeVpnConnections")


@pytest.mark.parametrize(
    ("allow", "path", "fragment"),
    [
        (
            ["ec2:GetPasswordData"],
            "discovery_role.allow_sensitive_reads[0]",
            "'ec2:GetPasswordData' is always denied: discovery never needs",
        ),
        (
            ["lambda:GetFunction", "s3:GetObject"],
            "discovery_role.allow_sensitive_reads[1]",
            "'s3:GetObject' is not one of the denied sensitive reads (expected one of: ec2:DescribeBundleTasks,",
        ),
        (
            ["lambda:GetFunction", "lambda:GetFunction"],
            "discovery_role.allow_sensitive_reads",
            "'lambda:GetFunction' listed more than once",
        ),
        (
            "lambda:GetFunction",
            "discovery_role.allow_sensitive_reads",
            "expected a list, got text 'lambda:GetFunction'",
        ),
    ],
    ids=["always-denied", "not-reviewed", "twice", "text"],
)
def test_discovery_role_allow_sensitive_reads_errors(allow: Any, path: str, fragment: str) -> None:
    the_problem(with_discovery(allow_sensitive_reads=allow), path, fragment)


def test_discovery_role_required_keys() -> None:
    assert problems(config_with(discovery_role={})) == [
        ("discovery_role.trusted_principal_arn", "required key is missing"),
        ("discovery_role.external_id", "required key is missing"),
    ]


@pytest.mark.parametrize(
    ("external_id", "fragment"),
    [
        (SECRET, "'s3cr...' (1400 characters) is too long"),
        (SECRET[:40] + "#", "'s3cr...' (41 characters) contains '#'"),
    ],
    ids=["too-long", "bad-character"],
)
def test_a_rejected_external_id_is_never_echoed_in_full(external_id: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(with_discovery(external_id=external_id))
    [problem] = error.value.problems
    assert problem.path == "discovery_role.external_id" and fragment in problem.message
    assert external_id[:5] not in problem.message
    assert external_id[:5] not in str(error.value)


@pytest.mark.parametrize(
    ("iam", "path", "fragment"),
    [
        (
            {"permissions_boundary_arn": "arn:aws:iam::111111111111:role/boundary"},
            "iam.permissions_boundary_arn",
            "'arn:aws:iam::111111111111:role/boundary' is not an IAM managed policy ARN (expected"
            " arn:<partition>:iam::<12-digit account or 'aws'>:policy/",
        ),
        (
            {"permissions_boundary_arn": "AirsBoundary"},
            "iam.permissions_boundary_arn",
            "'AirsBoundary' is not an IAM managed policy ARN",
        ),
        (
            {"permissions_boundary_arn": "arn:aws:iam::111111111111:policy/"},
            "iam.permissions_boundary_arn",
            "is not an IAM managed policy ARN",
        ),
        (
            {"role_name_prefix": "a" * 33},
            "iam.role_name_prefix",
            "is not a role name prefix (expected 1 to 32 letters, digits and _+=,.@-)",
        ),
        ({"role_name_prefix": "team/airs-"}, "iam.role_name_prefix", "'team/airs-' is not a role name prefix"),
        ({"role_name_prefix": "airs prod"}, "iam.role_name_prefix", "'airs prod' is not a role name prefix"),
        ({"role_name_prefix": ""}, "iam.role_name_prefix", "'' is not a role name prefix"),
        (
            {"role_prefix": "airs-"},
            "iam.role_prefix",
            "unknown key 'role_prefix'; did you mean 'role_name_prefix'? expected one of: permissions_boundary_arn,"
            " role_name_prefix",
        ),
        ({"permissions_boundary": "x"}, "iam.permissions_boundary", "did you mean 'permissions_boundary_arn'?"),
    ],
    ids=[
        "boundary-role-arn",
        "boundary-name",
        "boundary-without-name",
        "prefix-too-long",
        "prefix-slash",
        "prefix-space",
        "prefix-empty",
        "typo-prefix",
        "typo-boundary",
    ],
)
def test_iam_errors(iam: dict[str, Any], path: str, fragment: str) -> None:
    the_problem(config_with(iam=iam), path, fragment)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [("cloud_trail", "cloudtrail"), ("bedrok", "bedrock"), ("discoveryrole", "discovery_role"), ("iams", "iam")],
)
def test_misspelled_section_names(key: str, suggestion: str) -> None:
    the_problem(config_with(**{key: {}}), key, f"unknown key {key!r}; did you mean {suggestion!r}?")
