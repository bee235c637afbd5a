"""The real path a user takes: the pinned CDK CLI runs app.py on a config file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

CDK = REPO_ROOT / "node_modules" / ".bin" / "cdk"

pytestmark = pytest.mark.slow


def cdk_synth(config: str | Path, outdir: Path) -> subprocess.CompletedProcess[str]:
    assert CDK.exists(), f"{CDK} is missing: run `make test`, which installs the pinned CDK CLI"
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "CDK_DISABLE_VERSION_CHECK": "1",
    }
    # No AWS credentials: synth must not need them.
    for variable in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(variable, None)
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "--context", f"config={config}", "--output", str(outdir)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_example_config_synthesizes_through_the_cli(tmp_path: Path) -> None:
    result = cdk_synth("config/example.yaml", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    template = json.loads((tmp_path / "out" / "AirsOnboarding.template.json").read_text())
    types = sorted(r["Type"] for r in template["Resources"].values())
    # Flow-log and trail buckets, each with its access-log bucket.
    assert types.count("AWS::EC2::FlowLog") == 2 and types.count("AWS::S3::Bucket") == 4
    assert types.count("AWS::CloudTrail::Trail") == 1 and types.count("AWS::EKS::PodIdentityAssociation") == 1
    # One custom resource and one access entry per cluster of the example config (prod-eks).
    assert types.count("Custom::EksClusterAccess") == 1 and types.count("AWS::EKS::AccessEntry") == 1
    assert types.count("AWS::Lambda::Function") == 1
    # Asset-free: the handler is inline, so the only file the CLI would upload is the template itself.
    assets = json.loads((tmp_path / "out" / "AirsOnboarding.assets.json").read_text())
    assert [a["source"]["path"] for a in assets.get("files", {}).values()] == ["AirsOnboarding.template.json"]
    assert not assets.get("dockerImages")
    # The nag packs ran inside the CLI's synth too.
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text())
    assert [r for r in report["pluginReports"] if r["violations"] and r["pluginName"] != "Construct Annotations"] == []

    summary = subprocess.run(
        [sys.executable, "-m", "onboarding_app.summary", str(tmp_path / "out")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Stack AirsOnboarding (us-east-1)" in summary
    assert "values for the AIRS onboarding wizard" in summary
    manifest = tmp_path / "out" / "k8s" / "prod-eks" / "app1-app1-sa.yaml"
    assert manifest.is_file()


def test_organization_config_synthesizes_the_stack_set_and_its_member_template(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cdk_synth("config/organization.example.yaml", out)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    stacks = {k: a for k, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"}
    assert list(stacks) == ["AirsOnboarding"]  # `cdk deploy` deploys the StackSet stack only
    member = json.loads((out / "AirsOnboarding.MemberTemplate.template.json").read_text())
    assert "BootstrapVersion" not in member.get("Parameters", {}) and "Rules" not in member
    # The member template travels as an asset of the StackSet stack, next to its own template.
    assets = json.loads((out / "AirsOnboarding.assets.json").read_text())
    assert sorted(a["source"]["path"] for a in assets["files"].values()) == [
        "AirsOnboarding.MemberTemplate.template.json",
        "AirsOnboarding.template.json",
    ]
    report = json.loads((out / "validation-report.json").read_text())
    assert [r for r in report["pluginReports"] if r["violations"] and r["pluginName"] != "Construct Annotations"] == []


def test_invalid_config_fails_with_messages_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("region: us-east-1\nflow_log:\n  subnet_ids: [subnet-0a1b2c3d]\n")
    result = cdk_synth(bad, tmp_path / "out")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"{bad}: 2 problems" in output
    assert "flow_log: unknown key 'flow_log'; did you mean 'flow_logs'?" in output
    assert "flow_logs: required key is missing" in output
    assert "Traceback" not in output
    assert not list((tmp_path / "out").glob("*.template.json"))


def test_missing_config_file_is_explained(tmp_path: Path) -> None:
    result = cdk_synth(tmp_path / "nope.yaml", tmp_path / "out")
    assert result.returncode != 0
    assert "file not found" in result.stderr and "Traceback" not in result.stderr
