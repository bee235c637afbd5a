"""Writing the Kubernetes manifests of the pod Bedrock roles next to the templates.

The constructs render a manifest as text; the app writes it, because constructs never write
files. In IRSA mode the ServiceAccount annotation needs the role's ARN: when the template fixes it
(explicit account and role name) it is filled in; otherwise the manifest says which stack output
holds it.
"""

from __future__ import annotations

from pathlib import Path

from onboarding_constructs import manifest_path, render_manifest
from stacks import AccountOnboardingStack


def write_manifests(stack: AccountOnboardingStack, assembly_dir: Path) -> list[Path]:
    written = []
    for (cluster, namespace, service_account), access in sorted(stack.pod_access.items()):
        role_arn = stack.resolve(access.role_arn)
        if not isinstance(role_arn, str):
            role_arn = f"REPLACE-WITH-ROLE-ARN (stack {stack.stack_name}, output for {cluster}/{namespace}/{service_account})"
        path = assembly_dir / manifest_path(cluster, namespace, service_account)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            render_manifest(namespace=namespace, service_account=service_account, mode=access.mode, role_arn=role_arn, region=stack.region),
            encoding="utf-8",
        )
        written.append(path)
    return written
