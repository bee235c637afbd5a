"""``make template``: templates of a bootstrap-free cloud assembly copied out with deploy instructions;
a cloud assembly that still needs CDK bootstrap is refused."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from onboarding_app.manifests import write_manifests
from onboarding_app.template_export import (
    MAX_TEMPLATE_BODY_BYTES,
    ExportedTemplate,
    NotStandalone,
    export_templates,
    iam_capabilities,
    main,
    report,
)
from tests.conftest import EXAMPLE_CONFIG, REPO_ROOT
from tests.synth import synthesize


def example() -> dict:
    import yaml

    return yaml.safe_load(EXAMPLE_CONFIG.read_text())


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = synthesize(example(), tmp_path_factory.mktemp("standalone"), standalone_template=True)
    assembly = result.template_path.parent
    write_manifests(result.stack, assembly)  # as app.py does after synth
    return assembly


@pytest.fixture(scope="module")
def bootstrapped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthesize(example(), tmp_path_factory.mktemp("bootstrapped")).template_path.parent


def test_the_example_exports_one_template_and_its_manifest(standalone: Path, tmp_path: Path) -> None:
    out = tmp_path / "template"
    [exported] = export_templates(standalone, out)
    assert exported.stack_name == "AirsOnboarding" and exported.region == "us-east-1" and exported.account is None
    assert exported.path == out / "AirsOnboarding.template.json"
    template = json.loads(exported.path.read_text())
    assert "BootstrapVersion" not in template.get("Parameters", {}) and "Rules" not in template
    assert exported.resources == len(template["Resources"]) == 25
    assert exported.size == exported.path.stat().st_size > MAX_TEMPLATE_BODY_BYTES
    assert exported.capabilities == ("CAPABILITY_IAM",)  # the example names no IAM resource
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "AirsOnboarding.template.json",
        "k8s/prod-eks/app1-app1-sa.yaml",
    ]


def test_a_bootstrapped_assembly_is_refused(bootstrapped: Path, tmp_path: Path, capsys) -> None:
    with pytest.raises(NotStandalone, match="asset manifests"):
        export_templates(bootstrapped, tmp_path / "template")
    assert main([str(bootstrapped), str(tmp_path / "t2")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{bootstrapped}: the cloud assembly has asset manifests (")
    assert err.endswith("Nothing was written; run make template.\n")
    assert not (tmp_path / "t2").exists()


def test_a_template_with_the_bootstrap_rule_is_refused(standalone: Path, tmp_path: Path) -> None:
    copy = tmp_path / "assembly"
    subprocess.run(["cp", "-r", str(standalone), str(copy)], check=True)
    template_path = copy / "AirsOnboarding.template.json"
    template = json.loads(template_path.read_text())
    template["Parameters"] = {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>"}}
    template_path.write_text(json.dumps(template))
    with pytest.raises(NotStandalone, match=r"AirsOnboarding\.template\.json checks the CDK bootstrap version"):
        export_templates(copy, tmp_path / "template")


def test_only_earlier_exports_are_replaced(standalone: Path, tmp_path: Path) -> None:
    out = tmp_path / "template"
    out.mkdir()
    (out / "Old.template.json").write_text("{}")
    (out / "notes.txt").write_text("mine")
    export_templates(standalone, out)
    assert not (out / "Old.template.json").exists()
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        ({"B": {"Type": "AWS::S3::Bucket"}}, ()),
        ({"R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}}}, ("CAPABILITY_IAM",)),
        (
            {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "airs-x"}}},
            ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"),
        ),
        (
            {"P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "p"}}},
            ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"),
        ),
    ],
)
def test_iam_capabilities(resources: dict, expected: tuple[str, ...]) -> None:
    assert iam_capabilities({"Resources": resources}) == expected


def exported(name: str, size: int, **changes) -> ExportedTemplate:
    fields = dict(
        stack_name=name,
        region="eu-west-1",
        account=None,
        path=Path(f"template/{name}.template.json"),
        size=size,
        resources=3,
        capabilities=("CAPABILITY_IAM",),
    )
    return ExportedTemplate(**{**fields, **changes})


def test_the_deploy_command_needs_a_bucket_only_over_the_inline_limit() -> None:
    small = exported("Small", MAX_TEMPLATE_BODY_BYTES)
    assert small.deploy_command() == (
        "aws cloudformation deploy --region eu-west-1 --stack-name Small --template-file template/Small.template.json"
        " --capabilities CAPABILITY_IAM"
    )
    large = exported("Large", MAX_TEMPLATE_BODY_BYTES + 1, capabilities=())
    assert large.deploy_command() == (
        "aws cloudformation deploy --region eu-west-1 --stack-name Large --template-file template/Large.template.json"
        " --s3-bucket <a bucket of yours in eu-west-1>"
    )


def test_the_report_gives_the_order_the_sizes_and_the_commands(tmp_path: Path) -> None:
    items = [exported("Airs", 60_000, account="111111111111"), exported("Airs-FlowLogs3", 2_000)]
    text = report(items, tmp_path / "template")
    assert text.splitlines() == [
        f"Wrote 2 templates into {tmp_path / 'template'}/: no CDK bootstrap needed;"
        " deploy them in this order, each as its own stack with the name shown.",
        "  template/Airs.template.json  stack Airs (account 111111111111, eu-west-1), 3 resources, 60,000 bytes",
        "  template/Airs-FlowLogs3.template.json  stack Airs-FlowLogs3 (eu-west-1), 3 resources, 2,000 bytes",
        "Deploy from the CloudFormation console (Create stack > With new resources > Upload a template file,",
        "and acknowledge the IAM capabilities), or with the AWS CLI:",
        f"  {items[0].deploy_command()}",
        f"  {items[1].deploy_command()}",
        "A template over 51,200 bytes goes through S3: --s3-bucket names any bucket of yours in the stack's region"
        " (the console uploads it for you).",
    ]


def test_pending_irsa_manifests_are_copied_and_explained(tmp_path: Path) -> None:
    assembly = tmp_path / "assembly"
    (assembly / "k8s" / "legacy").mkdir(parents=True)
    (assembly / "k8s" / "legacy" / "ml-inference.yaml.pending").write_text("# needs the role ARN\n")
    (assembly / "manifest.json").write_text(json.dumps({"artifacts": {}}))
    out = tmp_path / "template"
    assert export_templates(assembly, out) == []
    assert (out / "k8s" / "legacy" / "ml-inference.yaml.pending").read_text() == "# needs the role ARN\n"
    text = report([], out)
    assert (
        "Kubernetes manifests that need the role ARN the deployed stack outputs (IRSA); once it is deployed,"
        " make manifests CONFIG=<this config> writes them complete into cdk.out/k8s/:"
    ) in text
    assert f"  {out / 'k8s' / 'legacy' / 'ml-inference.yaml.pending'}" in text.splitlines()


def test_flow_log_stacks_come_after_the_account_stack(tmp_path: Path) -> None:
    """A large estate: flow logs in shard stacks that import the account stack's bucket."""
    data = example()
    data["flow_logs"] = {"subnet_ids": [f"subnet-{n:08x}" for n in range(1, 460)]}
    data.pop("eks", None)
    data["bedrock"] = {"ec2_role": True}
    assembly = synthesize(data, tmp_path / "assembly", standalone_template=True).template_path.parent
    names = [item.stack_name for item in export_templates(assembly, tmp_path / "template")]
    assert names[0] == "AirsOnboarding" and len(names) > 1
    assert all(name.startswith("AirsOnboarding-FlowLogs") for name in names[1:])


@pytest.mark.slow
def test_make_template_writes_a_bootstrap_free_template(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CONFIG", "CDK_ARGS")}
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "template",
            f"CONFIG={EXAMPLE_CONFIG}",
            f"TEMPLATE_DIR={tmp_path / 'template'}",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "template" / "AirsOnboarding.template.json").read_text())
    assert "BootstrapVersion" not in json.dumps(template)
    assert f"Wrote 1 template into {tmp_path / 'template'}/: no CDK bootstrap needed." in result.stdout
    assert "No CONFIG given" not in result.stderr
