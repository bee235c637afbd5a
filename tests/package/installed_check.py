"""Run by test_distribution.py with the python of a fresh virtual environment that has only the wheel
installed: builds a stack from every public construct of the installed package, synthesizes it and
prints what the test checks, as JSON. Usage: python installed_check.py <venv> <outdir>
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

from aws_cdk import App, Environment, Stack
from constructs import Construct

import onboarding_constructs as oc

venv, outdir = (Path(arg).resolve() for arg in sys.argv[1:3])

app = App(outdir=str(outdir))
stack = Stack(app, "Packaged", env=Environment(account="111111111111", region="us-east-1"))
logs = oc.FlowLogBucket(stack, "FlowLogBucket")
oc.FlowLogs(stack, "FlowLogs", bucket=logs.bucket, subnet_ids=["subnet-0a1b2c3d4e5f60718"])
oc.EstateCoverage(stack, "EstateCoverage", bucket=oc.FlowLogBucket(stack, "CoverageBucket").bucket)
discovery = oc.DiscoveryRole(
    stack,
    "DiscoveryRole",
    trusted_principal_arn="arn:aws:iam::222222222222:role/airs-discovery",
    external_id="example-external-id",
    flow_log_bucket=logs.bucket,
)
oc.EksDiscoveryAccess(stack, "ProdEks", cluster_name="prod-eks", principal_arn=discovery.role_arn)
oc.EksClusterAccessHandler.of(stack)
oc.BedrockAuditTrail(stack, "BedrockAuditTrail")
oc.BedrockInvokerInstanceRole(stack, "BedrockInvoker")
pod = oc.PodBedrockAccess(
    stack, "PodBedrockAccess", cluster_name="prod-eks", namespace="apps", service_account="bedrock-caller"
)
# The manifest renderer needs the package's PyYAML dependency.
manifest = oc.render_manifest(
    namespace="apps",
    service_account="bedrock-caller",
    mode=pod.mode,
    role_arn="arn:aws:iam::111111111111:role/x",
    region="us-east-1",
)
oc.apply_role_policy(stack, role_name_prefix="airs-")
oc.ServiceManagedStackSet(
    stack,
    "StackSet",
    template_url="https://bucket.s3.us-east-1.amazonaws.com/member.json",
    stack_set_name="AirsMembers",
    organizational_units=["ou-abcd-12345678"],
    regions=["us-east-1"],
    parameters={"AdministratorAccountId": "111111111111"},
    concurrency_mode=oc.ConcurrencyMode.STRICT_FAILURE_TOLERANCE,
)
oc.OnboardingAuditRole(
    stack,
    "OnboardingAuditRole",
    trusted_account_id="111111111111",
    external_id="audit-external-id",
    stack_names=["StackSet-AirsMembers-*"],
)

public_constructs = {
    name for name in oc.__all__ if inspect.isclass(getattr(oc, name)) and issubclass(getattr(oc, name), Construct)
}
used = {type(node) for node in stack.node.find_all()}

assembly = app.synth()
template = assembly.get_stack_by_name("Packaged").template
asset_manifest = json.loads((outdir / "Packaged.assets.json").read_text(encoding="utf-8"))

json.dump(
    {
        "module_file": oc.__file__,
        "manifest": manifest,
        "in_fresh_venv": Path(oc.__file__).resolve().is_relative_to(venv),
        "paths_with_the_library": [p for p in sys.path if (Path(p or ".") / "onboarding_constructs").exists()],
        "public_constructs": sorted(public_constructs),
        "unused_constructs": sorted(name for name in public_constructs if getattr(oc, name) not in used),
        "inline_code": [
            resource["Properties"]["Code"]["ZipFile"]
            for resource in template["Resources"].values()
            if resource["Type"] == "AWS::Lambda::Function" and "ZipFile" in resource["Properties"].get("Code", {})
        ],
        "lambda_code": [
            resource["Properties"].get("Code")
            for resource in template["Resources"].values()
            if resource["Type"] == "AWS::Lambda::Function"
        ],
        "file_asset_sources": [entry["source"] for entry in asset_manifest.get("files", {}).values()],
        "docker_image_assets": len(asset_manifest.get("dockerImages", {})),
    },
    sys.stdout,
)
