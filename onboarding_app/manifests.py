"""Writing the Kubernetes manifests of the pod Bedrock roles next to the templates.

The constructs render a manifest as text; the app writes it, because constructs never write
files. In IRSA mode the ServiceAccount annotation needs the role's ARN: when the template fixes it
(explicit account and role name) it is filled in; otherwise the manifest says which stack output
holds it.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_iam as iam

from onboarding_constructs import manifest_path, render_manifest
from stacks import AccountOnboardingStack


def write_manifests(stack: AccountOnboardingStack, assembly_dir: Path) -> list[Path]:
    written = []
    for (cluster, namespace, service_account), access in sorted(stack.pod_access.items()):
        role_arn = _known_role_arn(stack, access.role) or (
            f"REPLACE-WITH-ROLE-ARN (stack {stack.stack_name}, output for {cluster}/{namespace}/{service_account})"
        )
        path = assembly_dir / manifest_path(cluster, namespace, service_account)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            render_manifest(namespace=namespace, service_account=service_account, mode=access.mode, role_arn=role_arn, region=stack.region),
            encoding="utf-8",
        )
        written.append(path)
    return written


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
