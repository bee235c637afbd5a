"""The Kubernetes manifest of a PodBedrockAccess: documents, names, credentials wiring, hardening, errors."""

from __future__ import annotations

import pytest
import yaml
from aws_cdk import CfnParameter

from onboarding_constructs._kubernetes_manifest import (
    DEFAULT_IMAGE,
    deployment_name,
    manifest_path,
    pod_access_id,
    render_manifest,
    render_pending_manifest,
)
from onboarding_constructs.pod_bedrock_access import PodAccessMode, PodBedrockAccess
from tests.conftest import new_stack
from tests.constructs.props_errors import assert_refused, props_error

ROLE_ARN = "arn:aws:iam::111111111111:role/app1-bedrock"
CREDENTIAL_ENV = {
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
}


def render(**changes) -> str:
    props = {
        "namespace": "app1",
        "service_account": "app1-sa",
        "mode": "pod-identity",
        "role_arn": ROLE_ARN,
        "region": "us-east-1",
        **changes,
    }
    return render_manifest(**props)


def documents(**changes) -> tuple[dict, dict]:
    service_account, deployment = yaml.safe_load_all(render(**changes))
    return service_account, deployment


@pytest.mark.parametrize("mode", ["pod-identity", "irsa"])
def test_a_service_account_and_a_deployment_that_uses_it(mode: str) -> None:
    service_account, deployment = documents(mode=mode)
    assert service_account["apiVersion"] == "v1" and service_account["kind"] == "ServiceAccount"
    assert service_account["metadata"]["name"] == "app1-sa"
    assert service_account["metadata"]["namespace"] == "app1"
    assert deployment["apiVersion"] == "apps/v1" and deployment["kind"] == "Deployment"
    assert deployment["metadata"]["name"] == "bedrock-check-app1-sa"
    assert deployment["metadata"]["namespace"] == "app1"
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["selector"]["matchLabels"] == spec["template"]["metadata"]["labels"] == deployment["metadata"]["labels"]
    assert spec["template"]["spec"]["serviceAccountName"] == "app1-sa"
    [container] = spec["template"]["spec"]["containers"]
    assert container["image"] == DEFAULT_IMAGE
    assert "aws sts get-caller-identity" in " ".join(container["command"] + container["args"])


def test_pod_identity_has_no_annotation_and_no_irsa_environment() -> None:
    text = render(mode="pod-identity")
    service_account, deployment = yaml.safe_load_all(text)
    assert "annotations" not in service_account["metadata"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    names = {variable["name"] for variable in container["env"]}
    assert names == {"AWS_REGION", "AWS_DEFAULT_REGION", "HOME"}
    assert not names & CREDENTIAL_ENV
    parsed = yaml.safe_dump_all([service_account, deployment])  # the documents, without the header comment
    assert "AWS_ROLE_ARN" not in parsed and "AWS_WEB_IDENTITY_TOKEN_FILE" not in parsed
    assert "eks.amazonaws.com/role-arn" not in text


def test_irsa_annotates_the_service_account_and_leaves_the_environment_to_the_webhook() -> None:
    service_account, deployment = documents(mode="irsa")
    assert service_account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE_ARN}
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert not {variable["name"] for variable in container["env"]} & CREDENTIAL_ENV


def test_region_reaches_the_cli() -> None:
    [container] = documents(region="eu-west-1")[1]["spec"]["template"]["spec"]["containers"]
    assert {"name": "AWS_REGION", "value": "eu-west-1"} in container["env"]
    assert {"name": "AWS_DEFAULT_REGION", "value": "eu-west-1"} in container["env"]


def test_the_pod_is_hardened_and_bounded() -> None:
    pod = documents()[1]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    [container] = pod["containers"]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert set(container["resources"]) == {"requests", "limits"}
    assert set(container["resources"]["requests"]) == set(container["resources"]["limits"]) == {"cpu", "memory"}
    # The CLI needs a writable $HOME on a read-only root filesystem.
    assert {"name": "HOME", "value": "/tmp"} in container["env"]
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert pod["volumes"][0]["name"] == "tmp" and "emptyDir" in pod["volumes"][0]


def test_the_text_is_plain_yaml_with_a_header() -> None:
    text = render(mode="irsa")
    assert text.startswith(f"# Role: {ROLE_ARN}\n")
    assert "&id" not in text and "*id" not in text  # no YAML anchors
    assert text.count("\n---\n") == 1


def test_image_can_be_replaced() -> None:
    [container] = documents(image="123456789012.dkr.ecr.us-east-1.amazonaws.com/aws-cli:2.32.9")[1]["spec"]["template"][
        "spec"
    ]["containers"]
    assert container["image"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/aws-cli:2.32.9"


def test_renders_from_a_construct() -> None:
    construct = PodBedrockAccess(
        new_stack(),
        "App1",
        cluster_name="prod-eks",
        namespace="app1",
        service_account="app1-sa",
        mode=PodAccessMode.IRSA,
        oidc_issuer="https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    )
    text = render_manifest(
        namespace=construct.namespace,
        service_account=construct.service_account,
        mode=construct.mode,
        role_arn=ROLE_ARN,
        region="us-east-1",
    )
    service_account, _ = yaml.safe_load_all(text)
    assert service_account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ROLE_ARN}
    assert (
        manifest_path(construct.cluster_name, construct.namespace, construct.service_account)
        == "k8s/prod-eks/app1-app1-sa.yaml"
    )


def test_manifest_path() -> None:
    assert manifest_path("prod-eks", "app1", "app1-sa") == "k8s/prod-eks/app1-app1-sa.yaml"
    assert manifest_path("Prod_EKS", "default", "sa.v1") == "k8s/Prod_EKS/default-sa.v1.yaml"


def test_deployment_name_is_a_dns_label() -> None:
    assert deployment_name("app1-sa") == "bedrock-check-app1-sa"
    assert deployment_name("sa.v1") == "bedrock-check-sa-v1"
    long_name = deployment_name("a" * 200)
    assert len(long_name) == 63 and long_name != deployment_name("a" * 199)
    assert long_name.startswith("bedrock-check-aaa")
    deployment = documents(service_account="b" * 250)[1]
    assert len(deployment["metadata"]["name"]) == 63
    assert all(len(value) <= 63 for value in deployment["metadata"]["labels"].values())


_NAMESPACE_EXPECTED = (
    "is not a Kubernetes namespace name (expected an RFC 1123 label: 1 to 63 lowercase letters, digits and hyphens,"
    " starting and ending with a letter or digit)"
)
_SERVICE_ACCOUNT_EXPECTED = (
    "is not a Kubernetes service account name (expected an RFC 1123 subdomain: at most 253 lowercase letters,"
    " digits, hyphens and dots, each dot-separated part starting and ending with a letter or digit)"
)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"namespace": "App_1"}, f"namespace: 'App_1' {_NAMESPACE_EXPECTED}"),
        ({"service_account": "App-SA"}, f"service_account: 'App-SA' {_SERVICE_ACCOUNT_EXPECTED}"),
        ({"mode": "kiam"}, "mode: 'kiam' is not an access mode (expected 'pod-identity' or 'irsa')"),
        ({"role_arn": " "}, "role_arn: empty (expected the role's ARN, e.g. arn:aws:iam::111122223333:role/name)"),
        (
            {"region": "us-east-7"},
            "region: 'us-east-7' is not an AWS region (expected a region code; did you mean us-east-2 or us-east-1 or"
            " us-west-2?)",
        ),
        ({"region": "mars-1"}, "region: 'mars-1' is not an AWS region (expected a region code such as us-east-1)"),
        ({"image": "aws cli"}, "image: 'aws cli' is not a container image reference"),
    ],
    ids=["namespace", "service-account", "mode", "role-arn", "region-typo", "region", "image"],
)
def test_invalid_arguments_are_refused(changes: dict, message: str) -> None:
    assert_refused(lambda: render(**changes), "render_manifest", message)


def test_every_problem_of_a_manifest_is_reported_at_once() -> None:
    error = props_error(lambda: render(namespace="App_1", mode="kiam", image=""))
    assert [problem.split(":")[0] for problem in error.problems] == ["namespace", "image", "mode"]


def test_deploy_time_values_cannot_be_written() -> None:
    stack = new_stack()
    token = CfnParameter(stack, "RoleArn").value_as_string
    assert_refused(
        lambda: render(role_arn=token),
        "render_manifest",
        "role_arn: a deploy-time value cannot be written into a manifest (pass the resolved text)",
    )
    assert_refused(
        lambda: manifest_path(token, "app1", "app1-sa"),
        "manifest_path",
        "cluster: a deploy-time value cannot name a file",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("-prod", "app1", "sa"),
            "cluster: '-prod' is not an EKS cluster name (expected 1 to 100 letters, digits, hyphens and underscores,"
            " starting with a letter or digit)",
        ),
        (("prod", "App1", "sa"), f"namespace: 'App1' {_NAMESPACE_EXPECTED}"),
        (("prod", "app1", "../sa"), f"service_account: '../sa' {_SERVICE_ACCOUNT_EXPECTED}"),
    ],
    ids=["cluster", "namespace", "service-account"],
)
def test_manifest_path_refuses_what_is_not_a_name(args: tuple, message: str) -> None:
    assert_refused(lambda: manifest_path(*args), "manifest_path", message)


def pending(**changes) -> str:
    props = {
        "namespace": "ml",
        "service_account": "inference",
        "role_arn_source": "the output PodRoleLegacyMlInference of the stack AirsOnboarding",
        "next_step": "After make deploy, run: make manifests CONFIG=config/mine.yaml",
        **changes,
    }
    return render_pending_manifest(**props)


def test_a_pending_irsa_manifest_holds_no_object_and_says_where_the_arn_will_be() -> None:
    text = pending()
    # kubectl apply refuses a file without objects ("no objects passed to apply").
    assert [d for d in yaml.safe_load_all(text) if d] == []
    assert all(line.startswith("# ") for line in text.splitlines())
    assert "NOT READY TO APPLY: ServiceAccount ml/inference" in text
    assert "the output PodRoleLegacyMlInference of the stack AirsOnboarding" in text
    assert "make manifests CONFIG=config/mine.yaml" in text
    assert "REPLACE-WITH" not in text and "arn:aws" not in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"namespace": "ML"}, f"namespace: 'ML' {_NAMESPACE_EXPECTED}"),
        ({"service_account": "../sa"}, f"service_account: '../sa' {_SERVICE_ACCOUNT_EXPECTED}"),
        ({"role_arn_source": ""}, "role_arn_source: '' is not one line of text"),
        ({"next_step": "a\nkind: Secret"}, "next_step: 'a\\nkind: Secret' is not one line of text"),
    ],
    ids=["namespace", "service-account", "empty-source", "two-lines"],
)
def test_pending_manifest_refuses_what_it_cannot_write(changes: dict, message: str) -> None:
    assert_refused(lambda: pending(**changes), "render_pending_manifest", message)


def test_pod_access_id_keeps_the_construct_ids_of_deployed_stacks() -> None:
    # The logical ids of every deployed pod role derive from this spelling: it must not change.
    assert pod_access_id("prod-eks", "app1", "app1-sa") == "Pod-prod-eks-app1-app1-sa"
    # Which is why names can run together, and the config refuses such pairs.
    assert pod_access_id("a-b", "c", "d") == pod_access_id("a", "b-c", "d")
