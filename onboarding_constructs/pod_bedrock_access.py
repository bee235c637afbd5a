"""``PodBedrockAccess``: a role pods of one Kubernetes service account use to invoke Bedrock models.

Two ways exist for a pod to get AWS credentials; this construct does one or the other, never both:

- EKS Pod Identity (``mode="pod-identity"``, the default): the role trusts ``pods.eks.amazonaws.com``
  with ``sts:AssumeRole`` and ``sts:TagSession``; an ``AWS::EKS::PodIdentityAssociation`` maps it to
  the service account; the ``eks-pod-identity-agent`` on each node hands pods credentials through
  ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` / ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE``.
- IAM roles for service accounts (``mode="irsa"``): the role trusts the cluster's IAM OIDC provider
  with ``sts:AssumeRoleWithWebIdentity``; the service account carries the annotation
  ``eks.amazonaws.com/role-arn`` and the pods get ``AWS_ROLE_ARN`` / ``AWS_WEB_IDENTITY_TOKEN_FILE``.
  (The published sample pod is this mechanism, although the page calls it Pod Identity.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from aws_cdk import Stack
from aws_cdk import aws_eks as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from ._bedrock_models import invoke_models_policy, model_ids_problems
from ._errors import PropsError
from ._identifiers import (
    REGION_PATTERN,
    cluster_name_problem,
    is_token,
    role_name_problem,
)
from ._props import at
from ._signature import public_signature

POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"
POD_IDENTITY_AGENT_ADDON = "eks-pod-identity-agent"
#: Audience of the projected service account token IRSA exchanges with STS.
IRSA_AUDIENCE = "sts.amazonaws.com"
#: Session tags EKS Pod Identity sets when it assumes the role (EKS User Guide, "Create IAM role with
#: trust policy required by EKS Pod Identity"); the trust policy requires these three.
TAG_CLUSTER_ARN = "eks-cluster-arn"
TAG_NAMESPACE = "kubernetes-namespace"
TAG_SERVICE_ACCOUNT = "kubernetes-service-account"

_DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*")
_OIDC_ISSUER = re.compile(
    rf"(?:https://)?(?P<host_path>oidc\.eks\.{REGION_PATTERN}\.amazonaws\.com(?:\.cn)?/id/[0-9A-Z]{{32}})/?"
)
_ISSUER_EXAMPLE = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"


class PodAccessMode(StrEnum):
    """How pods get the role's credentials."""

    POD_IDENTITY = "pod-identity"
    IRSA = "irsa"


def namespace_problem(value: str) -> str | None:
    """A Kubernetes namespace name: an RFC 1123 DNS label."""
    if is_token(value) or (isinstance(value, str) and _DNS_LABEL.fullmatch(value)):
        return None
    return (
        f"{value!r} is not a Kubernetes namespace name (expected an RFC 1123 label: 1 to 63 lowercase letters,"
        " digits and hyphens, starting and ending with a letter or digit)"
    )


def service_account_problem(value: str) -> str | None:
    """A Kubernetes service account name: an RFC 1123 DNS subdomain."""
    if is_token(value) or (isinstance(value, str) and len(value) <= 253 and _DNS_SUBDOMAIN.fullmatch(value)):
        return None
    return (
        f"{value!r} is not a Kubernetes service account name (expected an RFC 1123 subdomain: at most 253 lowercase"
        " letters, digits, hyphens and dots, each dot-separated part starting and ending with a letter or digit)"
    )


def mode_problem(value: object) -> str | None:
    if isinstance(value, str) and value in tuple(PodAccessMode):
        return None
    expected = " or ".join(repr(m.value) for m in PodAccessMode)
    return f"{value!r} is not an access mode (expected {expected})"


def oidc_issuer_problem(value: str) -> str | None:
    if is_token(value):
        return (
            "an issuer only known at deploy time cannot be used: it names the trust policy's condition keys"
            " (pass the URL from 'aws eks describe-cluster --query cluster.identity.oidc.issuer', e.g."
            f" {_ISSUER_EXAMPLE})"
        )
    if isinstance(value, str) and _OIDC_ISSUER.fullmatch(value):
        return None
    return f"{value!r} is not an EKS OIDC issuer URL (expected e.g. {_ISSUER_EXAMPLE}, with or without https://)"


def oidc_provider_path(issuer: str) -> str:
    """The issuer without ``https://`` or a trailing slash: the OIDC provider's name in IAM."""
    match = _OIDC_ISSUER.fullmatch(issuer)
    if match is None:
        raise PropsError("oidc_provider_path", at("issuer", [oidc_issuer_problem(issuer)]))
    return match["host_path"]


@public_signature
class PodBedrockAccess(Construct):
    """An IAM role the pods of one service account use to invoke Bedrock models.

    The role may call exactly ``bedrock:InvokeModel`` and ``bedrock:InvokeModelWithResponseStream``
    on ``model_ids`` (the same customer managed policy as ``BedrockInvokerInstanceRole``).

    In ``pod-identity`` mode the role trusts ``pods.eks.amazonaws.com`` for ``sts:AssumeRole`` and
    ``sts:TagSession`` only when ``aws:SourceAccount`` is this account and the session tags EKS Pod
    Identity sets name this cluster (``eks-cluster-arn``), ``namespace`` and ``service_account``.
    The conditions sit on both actions: EKS can be told not to tag sessions (an association's
    ``DisableSessionTags``), and a condition on ``sts:TagSession`` alone would then let any
    association in the account assume the role untagged. An ``AWS::EKS::PodIdentityAssociation``
    (session tags on) maps the role to the service account. Pods only get credentials where the
    ``eks-pod-identity-agent`` add-on runs; see ``install_pod_identity_agent``.

    In ``irsa`` mode the role trusts the cluster's IAM OIDC provider
    (``arn:${Partition}:iam::${Account}:oidc-provider/<issuer>``) for
    ``sts:AssumeRoleWithWebIdentity`` when the token's ``sub`` is
    ``system:serviceaccount:<namespace>:<service_account>`` and its ``aud`` is ``sts.amazonaws.com``.
    The OIDC provider must exist already (``eksctl utils associate-iam-oidc-provider``); this
    construct does not create it, since an account holds one provider per issuer. No association
    is made: the service account's ``eks.amazonaws.com/role-arn`` annotation does the mapping
    (``render_manifest`` writes it).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster_name: str,
        namespace: str,
        service_account: str,
        model_ids: Sequence[str] = (),
        mode: PodAccessMode | str = PodAccessMode.POD_IDENTITY,
        oidc_issuer: str | None = None,
        install_pod_identity_agent: bool = False,
        role_name: str | None = None,
    ) -> None:
        """Define the pod role and its invoke policy (and, in ``pod-identity`` mode, the association).

        :param scope: The construct this one is defined in.
        :param construct_id: Its id in ``scope``; part of the logical id of every resource it defines,
            so changing it replaces them.
        :param cluster_name: Name of the existing EKS cluster, in this stack's account and region. Required.
        :param namespace: Kubernetes namespace of the service account. Required.
        :param service_account: Kubernetes service account the pods run as. Required.
        :param model_ids: Bedrock model and cross-Region inference profile ids the pods may invoke.
            Default: every foundation model and inference profile of the stack's region.
        :param mode: ``"pod-identity"`` or ``"irsa"`` (or a ``PodAccessMode``). Default: ``"pod-identity"``,
            EKS Pod Identity.
        :param oidc_issuer: The cluster's OIDC issuer URL, with or without ``https://``. Required in
            ``irsa`` mode, refused in ``pod-identity`` mode. Default: none, as ``pod-identity`` mode needs.
        :param install_pod_identity_agent: Also install the ``eks-pod-identity-agent`` EKS add-on
            (``pod-identity`` mode only). Creating an add-on the cluster already has fails the
            deployment, and deleting the stack removes the add-on for every workload on the cluster, so
            only turn this on for a cluster without it. Default: False (install it once per cluster with
            ``aws eks create-addon --addon-name eks-pod-identity-agent``).
        :param role_name: Name of the role. IAM names are global per account: leave it unset for
            StackSets. Default: a name CloudFormation generates.
        """
        super().__init__(scope, construct_id)
        PropsError.raise_if_any(
            self.node.path,
            _validate(
                cluster_name=cluster_name,
                namespace=namespace,
                service_account=service_account,
                model_ids=model_ids,
                mode=mode,
                oidc_issuer=oidc_issuer,
                install_pod_identity_agent=install_pod_identity_agent,
                role_name=role_name,
            ),
        )
        self._mode = PodAccessMode(mode)
        self._cluster_name = cluster_name
        self._namespace = namespace
        self._service_account = service_account
        self._model_ids = tuple(model_ids)

        if self._mode is PodAccessMode.POD_IDENTITY:
            principal: iam.IPrincipal = self._pod_identity_principal()
        else:
            principal = self._irsa_principal(oidc_provider_path(oidc_issuer or ""))
        self._role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=principal,
            description=f"Pods of {namespace}/{service_account} that invoke Amazon Bedrock models (AIRS onboarding)",
        )
        self._policy = invoke_models_policy(self, self._role, self._model_ids)

        self._addon: eks.CfnAddon | None = None
        self._association: eks.CfnPodIdentityAssociation | None = None
        if self._mode is PodAccessMode.POD_IDENTITY:
            if install_pod_identity_agent:
                self._addon = eks.CfnAddon(
                    self, "PodIdentityAgent", cluster_name=cluster_name, addon_name=POD_IDENTITY_AGENT_ADDON
                )
            self._association = eks.CfnPodIdentityAssociation(
                self,
                "PodIdentityAssociation",
                cluster_name=cluster_name,
                namespace=namespace,
                service_account=service_account,
                role_arn=self._role.role_arn,
                # The role's trust policy requires the session tags.
                disable_session_tags=False,
            )
            # Credentials are only handed out once the policy is attached (and the agent runs).
            self._association.node.add_dependency(self._policy)
            if self._addon is not None:
                self._association.add_resource_dependency(self._addon)

    def _pod_identity_principal(self) -> iam.IPrincipal:
        stack = Stack.of(self)
        cluster_arn = stack.format_arn(service="eks", resource="cluster", resource_name=self._cluster_name)
        return (
            iam.ServicePrincipal(POD_IDENTITY_SERVICE)
            .with_session_tags()
            .with_conditions(
                {
                    "StringEquals": {
                        "aws:SourceAccount": stack.account,
                        f"aws:RequestTag/{TAG_CLUSTER_ARN}": cluster_arn,
                        f"aws:RequestTag/{TAG_NAMESPACE}": self._namespace,
                        f"aws:RequestTag/{TAG_SERVICE_ACCOUNT}": self._service_account,
                    }
                }
            )
        )

    def _irsa_principal(self, provider_path: str) -> iam.IPrincipal:
        provider_arn = Stack.of(self).format_arn(
            service="iam", region="", resource="oidc-provider", resource_name=provider_path
        )
        return iam.FederatedPrincipal(
            provider_arn,
            {
                "StringEquals": {
                    f"{provider_path}:sub": f"system:serviceaccount:{self._namespace}:{self._service_account}",
                    f"{provider_path}:aud": IRSA_AUDIENCE,
                }
            },
            "sts:AssumeRoleWithWebIdentity",
        )

    @property
    def role(self) -> iam.IRole:
        """The role the pods of the service account use."""
        return self._role

    @property
    def role_arn(self) -> str:
        """ARN of the pod role: the service account's ``eks.amazonaws.com/role-arn`` annotation in ``irsa`` mode."""
        return self._role.role_arn

    @property
    def policy(self) -> iam.IManagedPolicy:
        """The customer managed policy that lets the role invoke the models."""
        return self._policy

    @property
    def addon(self) -> eks.CfnAddon | None:
        """The ``eks-pod-identity-agent`` add-on; ``None`` unless ``install_pod_identity_agent``."""
        return self._addon

    @property
    def association(self) -> eks.CfnPodIdentityAssociation | None:
        """The pod identity association of the service account; ``None`` in ``irsa`` mode."""
        return self._association

    @property
    def mode(self) -> PodAccessMode:
        """How the pods get the role's credentials."""
        return self._mode

    @property
    def cluster_name(self) -> str:
        """The cluster whose pods use the role."""
        return self._cluster_name

    @property
    def namespace(self) -> str:
        """The Kubernetes namespace of the service account."""
        return self._namespace

    @property
    def service_account(self) -> str:
        """The Kubernetes service account the pods run as."""
        return self._service_account

    @property
    def model_ids(self) -> tuple[str, ...]:
        """The model and inference profile ids the role may invoke; empty means every model of the region."""
        return self._model_ids


def pod_access_mode_problems(
    mode: PodAccessMode | str, *, oidc_issuer: str | None, install_pod_identity_agent: bool
) -> list[str]:
    """What does not fit ``mode`` (a valid one: ``mode_problem``) among the props that depend on it:
    IRSA needs the cluster's OIDC issuer and no agent; Pod Identity uses no issuer."""
    problems = []
    if PodAccessMode(mode) is PodAccessMode.IRSA:
        if oidc_issuer is None:
            problems.append(
                "mode 'irsa' needs oidc_issuer, the cluster's OpenID Connect issuer URL (from 'aws eks describe-cluster"
                f" --query cluster.identity.oidc.issuer', e.g. {_ISSUER_EXAMPLE})"
            )
        if install_pod_identity_agent:
            problems.append("install_pod_identity_agent only applies to mode 'pod-identity' (IRSA needs no agent)")
    elif oidc_issuer is not None:
        problems.append(
            "oidc_issuer only applies to mode 'irsa' (mode 'pod-identity' uses no OIDC provider): remove oidc_issuer,"
            " or set mode to 'irsa'"
        )
    return problems


def _validate(
    *,
    cluster_name: str,
    namespace: str,
    service_account: str,
    model_ids: Sequence[str],
    mode: object,
    oidc_issuer: str | None,
    install_pod_identity_agent: bool,
    role_name: str | None,
) -> list[str]:
    problems = at("cluster_name", [cluster_name_problem(cluster_name)])
    problems += at("namespace", [namespace_problem(namespace)])
    problems += at("service_account", [service_account_problem(service_account)])
    problems += model_ids_problems(model_ids)
    if role_name is not None:
        problems += at("role_name", [role_name_problem(role_name)])
    if problem := mode_problem(mode):
        return [*problems, f"mode: {problem}"]
    valid_mode = PodAccessMode(str(mode))
    problems += pod_access_mode_problems(
        valid_mode, oidc_issuer=oidc_issuer, install_pod_identity_agent=install_pod_identity_agent
    )
    if valid_mode is PodAccessMode.IRSA and oidc_issuer is not None:
        problems += at("oidc_issuer", [oidc_issuer_problem(oidc_issuer)])
    return problems
