"""``make template``: the templates of a bootstrap-free cloud assembly, copied out for teams that
deploy from the CloudFormation console or ``aws cloudformation deploy`` instead of the CDK CLI.

``python -m onboarding_app.template_export ASSEMBLY_DIR OUT_DIR`` copies every stack template (and
the Kubernetes manifests) from a cloud assembly synthesized with ``--context template=true``,
refuses one that still needs CDK bootstrap (a ``BootstrapVersion`` parameter or rule, or assets),
and prints, per stack in deploy order, the stack name, region, size and IAM capabilities, with the
command that deploys it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onboarding_constructs.validation import MAX_TEMPLATE_BODY_BYTES

from .summary import MANIFEST_DIR, stack_environment

#: The largest template CloudFormation takes inline (``TemplateBody``); larger ones go through S3.


class NotStandalone(Exception):
    """The cloud assembly needs CDK bootstrap resources, so its templates cannot stand alone."""


@dataclass(frozen=True)
class ExportedTemplate:
    stack_name: str
    region: str | None
    account: str | None
    path: Path
    size: int
    resources: int
    capabilities: tuple[str, ...]

    def deploy_command(self) -> str:
        parts = ["aws cloudformation deploy"]
        if self.region:
            parts.append(f"--region {self.region}")
        parts += [f"--stack-name {self.stack_name}", f"--template-file {self.path}"]
        if self.capabilities:
            parts.append("--capabilities " + " ".join(self.capabilities))
        if self.size > MAX_TEMPLATE_BODY_BYTES:
            parts.append(f"--s3-bucket <a bucket of yours{' in ' + self.region if self.region else ''}>")
        return " ".join(parts)


def export_templates(assembly_dir: Path, out_dir: Path) -> list[ExportedTemplate]:
    """Copy the stack templates of ``assembly_dir`` into ``out_dir`` (replaced), in deploy order."""
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    artifacts: dict[str, Any] = manifest.get("artifacts", {})
    if assets := sorted(a for a, artifact in artifacts.items() if artifact.get("type") == "cdk:asset-manifest"):
        raise NotStandalone(
            f"the cloud assembly has asset manifests ({', '.join(assets)}): it was not synthesized with"
            " --context template=true"
        )
    stacks = {a: artifact for a, artifact in artifacts.items() if artifact.get("type") == "aws:cloudformation:stack"}
    # Only what an earlier export wrote is replaced: anything else in out_dir stays.
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.template.json"):
        old.unlink()
    shutil.rmtree(out_dir / MANIFEST_DIR, ignore_errors=True)
    exported = []
    for artifact_id in _deploy_order(stacks):
        artifact = stacks[artifact_id]
        properties = artifact.get("properties", {})
        source = assembly_dir / properties["templateFile"]
        template = json.loads(source.read_text())
        if "BootstrapVersion" in template.get("Parameters", {}) or "CheckBootstrapVersion" in template.get("Rules", {}):
            raise NotStandalone(
                f"{source.name} checks the CDK bootstrap version: it was not synthesized with --context template=true"
            )
        target = out_dir / source.name
        shutil.copyfile(source, target)
        account, region = stack_environment(artifact.get("environment", ""))
        exported.append(
            ExportedTemplate(
                stack_name=properties.get("stackName", artifact_id),
                region=region,
                account=account,
                path=target,
                size=target.stat().st_size,
                resources=len(template.get("Resources", {})),
                capabilities=iam_capabilities(template),
            )
        )
    if (assembly_dir / MANIFEST_DIR).is_dir():
        shutil.copytree(assembly_dir / MANIFEST_DIR, out_dir / MANIFEST_DIR)
    return exported


def iam_capabilities(template: dict[str, Any]) -> tuple[str, ...]:
    """What CloudFormation must be allowed: CAPABILITY_IAM for IAM resources, and
    CAPABILITY_NAMED_IAM as well when one of them has a fixed name."""
    iam = [r for r in template.get("Resources", {}).values() if str(r.get("Type", "")).startswith("AWS::IAM::")]
    if not iam:
        return ()
    named = any(key.endswith("Name") for resource in iam for key in resource.get("Properties", {}))
    return ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM") if named else ("CAPABILITY_IAM",)


def _deploy_order(stacks: dict[str, Any]) -> list[str]:
    """Each stack after the stacks it depends on (flow-log stacks import the account stack's bucket)."""
    ordered: list[str] = []

    def visit(artifact_id: str) -> None:
        if artifact_id in ordered or artifact_id not in stacks:
            return
        for dependency in stacks[artifact_id].get("dependencies", []):
            visit(dependency)
        ordered.append(artifact_id)

    for artifact_id in sorted(stacks):
        visit(artifact_id)
    return ordered


def report(exported: list[ExportedTemplate], out_dir: Path) -> str:
    count = len(exported)
    lines = [
        f"Wrote {count} template{'s' if count != 1 else ''} into {out_dir}/: no CDK bootstrap needed"
        + ("; deploy them in this order, each as its own stack with the name shown." if count > 1 else "."),
    ]
    for item in exported:
        where = ", ".join(filter(None, [f"account {item.account}" if item.account else None, item.region]))
        lines.append(
            f"  {item.path}  stack {item.stack_name} ({where}), {item.resources} resources, {item.size:,} bytes"
        )
    manifest_dir = out_dir / MANIFEST_DIR
    manifests = sorted(manifest_dir.rglob("*.yaml")) if manifest_dir.is_dir() else []
    pending = sorted(manifest_dir.rglob("*.yaml.pending")) if manifest_dir.is_dir() else []
    if manifests:
        lines.append("Kubernetes manifests (kubectl apply -f <file> once the stack is deployed):")
        lines += [f"  {path}" for path in manifests]
    if pending:
        lines.append(
            "Kubernetes manifests that need the role ARN the deployed stack outputs (IRSA); once it is deployed, make"
            " manifests CONFIG=<this config> writes them complete into cdk.out/k8s/:"
        )
        lines += [f"  {path}" for path in pending]
    lines.append("Deploy from the CloudFormation console (Create stack > With new resources > Upload a template file,")
    lines.append("and acknowledge the IAM capabilities), or with the AWS CLI:")
    lines += [f"  {item.deploy_command()}" for item in exported]
    if any(item.size > MAX_TEMPLATE_BODY_BYTES for item in exported):
        lines.append(
            f"A template over {MAX_TEMPLATE_BODY_BYTES:,} bytes goes through S3: --s3-bucket names any bucket of"
            " yours in the stack's region (the console uploads it for you)."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m onboarding_app.template_export",
        description="make template: copy the stack templates of a cloud assembly synthesized with"
        " --context template=true, with the order and commands that deploy them.",
    )
    parser.add_argument("assembly_dir", type=Path, help="a cloud assembly synthesized with --context template=true")
    parser.add_argument(
        "out_dir", type=Path, help="where the templates are written (earlier templates there are replaced)"
    )
    args = parser.parse_args(argv)
    try:
        exported = export_templates(args.assembly_dir, args.out_dir)
    except NotStandalone as error:
        print(f"{args.assembly_dir}: {error}. Nothing was written; run make template.", file=sys.stderr)
        return 1
    print(report(exported, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
