"""Writing the Kubernetes manifests of the pod Bedrock roles next to the templates.

The constructs render a manifest as text; the app writes it, because constructs never write
files. In IRSA mode the ServiceAccount annotation needs the role's ARN. When the template fixes it
(explicit account and role name) it is filled in at synth. Otherwise synth writes
``<namespace>-<service-account>.yaml.pending``: comments only, naming the stack output that will
hold the ARN. ``kubectl apply -f`` refuses that file ("no objects passed to apply") and skips it in
a directory (it reads only .json, .yaml and .yml), so a ServiceAccount without its role cannot be
created by mistake. After deploy, ``make manifests`` (``onboarding_app.manifests_after_deploy``)
writes the complete ``.yaml`` from the deployed outputs and removes the ``.pending`` file.
Pod Identity manifests need no ARN and are always complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import CfnOutput
from aws_cdk import aws_iam as iam

from onboarding_constructs import PodAccessMode, manifest_path, render_manifest, render_pending_manifest
from stacks import AccountOnboardingStack

PENDING_SUFFIX = ".pending"


@dataclass(frozen=True)
class PodManifest:
    """One pod role's manifest: where it goes and where its role's ARN comes from."""

    cluster: str
    namespace: str
    service_account: str
    mode: PodAccessMode
    #: The stack output whose value is the role's ARN.
    output_key: str
    #: The ARN when synth already knows it, else None.
    known_role_arn: str | None

    @property
    def path(self) -> str:
        return manifest_path(self.cluster, self.namespace, self.service_account)


def pod_manifests(stack: AccountOnboardingStack) -> list[PodManifest]:
    """The stack's pod roles, sorted by cluster, namespace and service account."""
    return [
        PodManifest(
            cluster=cluster,
            namespace=namespace,
            service_account=service_account,
            mode=access.mode,
            output_key=_output_key(stack, access.role_arn),
            known_role_arn=_known_role_arn(stack, access.role),
        )
        for (cluster, namespace, service_account), access in sorted(stack.pod_access.items())
    ]


def write_manifests(
    stack: AccountOnboardingStack,
    assembly_dir: Path,
    deployed_outputs: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write one manifest per pod role under ``assembly_dir/k8s/``; return the paths written.

    :param deployed_outputs: The deployed stack's outputs (key to value). Without them, an IRSA
        manifest whose ARN synth cannot know is written as a ``.pending`` file.
    """
    # The config the CDK CLI was given (--context config=...), for the command the pending file names.
    config = stack.node.try_get_context("config") or "<your config>"
    written = []
    for pod in pod_manifests(stack):
        path = assembly_dir / pod.path
        pending = path.with_name(path.name + PENDING_SUFFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        role_arn = (deployed_outputs or {}).get(pod.output_key) or pod.known_role_arn
        source = f"the output {pod.output_key} of the stack {stack.stack_name}"
        if role_arn is None and pod.mode is PodAccessMode.IRSA:
            # A complete manifest from an earlier deploy may name a role this synth replaces.
            path.unlink(missing_ok=True)
            pending.write_text(
                render_pending_manifest(
                    namespace=pod.namespace,
                    service_account=pod.service_account,
                    role_arn_source=source,
                    next_step=f"After make deploy, run: make manifests CONFIG={config}"
                    f" (it writes {path.name} here with the ARN).",
                ),
                encoding="utf-8",
            )
            written.append(pending)
            continue
        pending.unlink(missing_ok=True)
        path.write_text(
            render_manifest(
                namespace=pod.namespace,
                service_account=pod.service_account,
                mode=pod.mode,
                role_arn=role_arn or f"{source} (known after deploy)",
                region=stack.region,
            ),
            encoding="utf-8",
        )
        written.append(path)
    return written


def _output_key(stack: AccountOnboardingStack, role_arn: str) -> str:
    """The logical id of the stack output whose value is ``role_arn``."""
    wanted = stack.resolve(role_arn)
    for child in stack.node.children:
        if isinstance(child, CfnOutput) and stack.resolve(child.value) == wanted:
            return str(stack.resolve(child.logical_id))
    raise LookupError(f"the stack {stack.stack_name} has no output for the role {wanted}")


def _known_role_arn(stack: AccountOnboardingStack, role: iam.IRole) -> str | None:
    """The role's ARN if synth already fixes it: a literal account, partition and role name."""
    cfn_role = role.node.default_child
    if not isinstance(cfn_role, iam.CfnRole):
        return None
    parts = [stack.resolve(value) for value in (stack.partition, stack.account, cfn_role.role_name)]
    if not all(isinstance(part, str) for part in parts):
        return None
    partition, account, name = parts
    return f"arn:{partition}:iam::{account}:role/{name}"
