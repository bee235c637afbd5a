"""The Kubernetes side of ``PodBedrockAccess``: a ServiceAccount and a small Deployment that proves it.

Pure functions: they return text and write nothing (the app decides where files go). Apply the
result with ``kubectl apply -f <file>`` into an existing namespace.

- ``pod-identity``: the ServiceAccount needs nothing; the Pod Identity association maps it to the
  role, and EKS injects ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and
  ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` into its pods. The manifest sets neither
  ``AWS_ROLE_ARN`` nor ``AWS_WEB_IDENTITY_TOKEN_FILE``: those would switch the SDK to IRSA.
- ``irsa``: the ServiceAccount carries ``eks.amazonaws.com/role-arn``, and the EKS pod identity
  webhook injects ``AWS_ROLE_ARN``, ``AWS_WEB_IDENTITY_TOKEN_FILE`` and the projected token. Until
  the ARN is known (after deploy), ``render_pending_manifest`` gives a file that cannot be applied.

The Deployment runs one AWS CLI pod that prints ``aws sts get-caller-identity`` every few minutes,
so ``kubectl logs`` shows which role the pods assume; it never invokes a model.
"""

from __future__ import annotations

import hashlib
from typing import Any

import yaml

from ._errors import PropsError
from ._identifiers import cluster_name_problem, is_token
from ._props import at
from ._regions import region_problem
from .pod_bedrock_access import (
    PodAccessMode,
    mode_problem,
    namespace_problem,
    service_account_problem,
)

#: AWS CLI v2 image (EKS Pod Identity needs AWS CLI 2.15.0 or later).
DEFAULT_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.32.9"
#: Seconds between two ``aws sts get-caller-identity`` calls.
CHECK_INTERVAL_SECONDS = 300
ROLE_ARN_ANNOTATION = "eks.amazonaws.com/role-arn"
#: The ``nobody`` user: the AWS CLI image runs as root unless told otherwise.
NON_ROOT_UID = 65534
_MAX_LABEL = 63


def render_manifest(
    *,
    namespace: str,
    service_account: str,
    mode: PodAccessMode | str,
    role_arn: str,
    region: str,
    image: str = DEFAULT_IMAGE,
) -> str:
    """A two-document YAML string: the ServiceAccount, then a one-replica check Deployment.

    :param role_arn: The role's ARN as text (e.g. from the stack output). Written into the IRSA
        annotation; in ``pod-identity`` mode only into the header comment.
    :param region: Region the AWS CLI calls (``AWS_REGION``), the stack's region: one the CDK knows.
    """
    PropsError.raise_if_any(
        "render_manifest",
        _validate(
            namespace=namespace,
            service_account=service_account,
            mode=mode,
            role_arn=role_arn,
            region=region,
            image=image,
        ),
    )
    mode = PodAccessMode(mode)
    name = deployment_name(service_account)
    documents = [
        _service_account(namespace, service_account, mode, role_arn),
        _deployment(namespace, service_account, name, region, image),
    ]
    return _header(mode, role_arn) + yaml.safe_dump_all(documents, sort_keys=False, default_flow_style=False)


def render_pending_manifest(*, namespace: str, service_account: str, role_arn_source: str, next_step: str) -> str:
    """Comments only, for an IRSA service account whose role ARN is not known yet (before deploy).

    It holds no Kubernetes object, so ``kubectl apply -f`` refuses it ("no objects passed to apply")
    rather than create a ServiceAccount without ``eks.amazonaws.com/role-arn``: the pods of such an
    account get no web identity, and the AWS SDK falls back to the node's instance role.

    :param role_arn_source: Where the ARN will be, e.g. the stack output that holds it.
    :param next_step: What writes the complete manifest once the ARN exists.
    """
    problems = []
    for field, value in (("role_arn_source", role_arn_source), ("next_step", next_step)):
        if is_token(value) or not isinstance(value, str) or not value.strip() or "\n" in value:
            problems.append(f"{field}: {value!r} is not one line of text")
    problems += at("namespace", [namespace_problem(namespace)])
    problems += at("service_account", [service_account_problem(service_account)])
    PropsError.raise_if_any("render_pending_manifest", problems)
    return (
        f"# NOT READY TO APPLY: ServiceAccount {namespace}/{service_account} (IAM roles for service accounts)\n"
        f"# needs the annotation {ROLE_ARN_ANNOTATION}: <role ARN>, and the ARN is known only after deploy.\n"
        f"# It will be in: {role_arn_source}.\n"
        f"# {next_step}\n"
        "# This file holds no Kubernetes object on purpose: without the annotation, the pods would get no\n"
        "# web identity and the AWS SDK would use the node's instance role instead.\n"
    )


def manifest_path(cluster: str, namespace: str, service_account: str) -> str:
    """Where the app writes the manifest: ``k8s/<cluster>/<namespace>-<service-account>.yaml``."""
    problems = []
    for field, value, check in (
        ("cluster", cluster, cluster_name_problem),
        ("namespace", namespace, namespace_problem),
        ("service_account", service_account, service_account_problem),
    ):
        problems += at(field, ["a deploy-time value cannot name a file" if is_token(value) else check(value)])
    PropsError.raise_if_any("manifest_path", problems)
    return f"k8s/{cluster}/{namespace}-{service_account}.yaml"


def pod_access_id(cluster: str, namespace: str, service_account: str) -> str:
    """The construct id of one service account's ``PodBedrockAccess`` in a stack:
    ``Pod-<cluster>-<namespace>-<service account>``. Ids are API (they make logical ids), so this
    spelling stays; names with hyphens can run together into one id (``a-b``/``c`` and ``a``/``b-c``),
    which is why a config checks its entries with this same function."""
    return f"Pod-{cluster}-{namespace}-{service_account}"


def deployment_name(service_account: str) -> str:
    """``bedrock-check-<service account>``, made a DNS label (pod names and label values need one)."""
    name = f"bedrock-check-{service_account}".replace(".", "-")
    if len(name) <= _MAX_LABEL:
        return name
    digest = hashlib.sha256(service_account.encode()).hexdigest()[:8]
    return f"{name[: _MAX_LABEL - 9].rstrip('-')}-{digest}"


def _header(mode: PodAccessMode, role_arn: str) -> str:
    if mode is PodAccessMode.POD_IDENTITY:
        how = (
            "# Credentials: EKS Pod Identity (the stack's PodIdentityAssociation maps this service account to the"
            " role;\n"
            "# the eks-pod-identity-agent add-on must run on the cluster). No annotation, no AWS_ROLE_ARN.\n"
        )
    else:
        how = (
            "# Credentials: IAM roles for service accounts (the annotation below; the cluster's OIDC provider must"
            " exist).\n"
        )
    return f"# Role: {role_arn}\n{how}# The namespace must exist; apply with: kubectl apply -f <this file>\n"


def _service_account(namespace: str, service_account: str, mode: PodAccessMode, role_arn: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": service_account, "namespace": namespace}
    if mode is PodAccessMode.IRSA:
        metadata["annotations"] = {ROLE_ARN_ANNOTATION: role_arn}
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata}


def _deployment(namespace: str, service_account: str, name: str, region: str, image: str) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": "bedrock-access-check", "app.kubernetes.io/instance": name}
    check = f"while true; do aws sts get-caller-identity --output json; sleep {CHECK_INTERVAL_SECONDS}; done"
    container = {
        "name": "aws-cli",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-c"],
        "args": [check],
        # Region only: credentials come from EKS (Pod Identity agent or IRSA webhook), never from here.
        "env": [
            {"name": "AWS_REGION", "value": region},
            {"name": "AWS_DEFAULT_REGION", "value": region},
            # The CLI writes its cache under $HOME; the root filesystem is read-only.
            {"name": "HOME", "value": "/tmp"},
        ],
        "resources": {
            "requests": {"cpu": "10m", "memory": "64Mi"},
            "limits": {"cpu": "200m", "memory": "256Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(labels)},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "serviceAccountName": service_account,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": NON_ROOT_UID,
                        "runAsGroup": NON_ROOT_UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
                },
            },
        },
    }


def _validate(
    *, namespace: str, service_account: str, mode: object, role_arn: str, region: str, image: str
) -> list[str]:
    problems = []
    for field, value in (
        ("namespace", namespace),
        ("service_account", service_account),
        ("role_arn", role_arn),
        ("region", region),
        ("image", image),
    ):
        if is_token(value):
            problems.append(f"{field}: a deploy-time value cannot be written into a manifest (pass the resolved text)")
    if not problems:
        problems += at("namespace", [namespace_problem(namespace)])
        problems += at("service_account", [service_account_problem(service_account)])
        if not isinstance(role_arn, str) or not role_arn.strip():
            problems.append("role_arn: empty (expected the role's ARN, e.g. arn:aws:iam::111122223333:role/name)")
        problems += at("region", [region_problem(region)])
        if not isinstance(image, str) or not image or any(c.isspace() for c in image):
            problems.append(f"image: {image!r} is not a container image reference")
    problems += at("mode", [mode_problem(mode)])
    return problems
