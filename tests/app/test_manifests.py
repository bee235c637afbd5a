"""The app writes one Kubernetes manifest per pod role next to the templates."""

from __future__ import annotations

from pathlib import Path

import yaml

from onboarding_app.manifests import write_manifests
from tests.conftest import flow_logs_with
from tests.synth import synthesize

ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"


def pods(*entries: dict, **extra) -> dict:
    return flow_logs_with() | {"bedrock": {"ec2_role": False, "pod_access": list(entries)}} | extra


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_pod_identity_manifest(tmp_path: Path) -> None:
    result = synthesize(pods({"cluster": "prod-eks", "namespace": "app1", "service_account": "app1-sa"}), tmp_path)
    [path] = write_manifests(result.stack, tmp_path)
    assert path == tmp_path / "k8s" / "prod-eks" / "app1-app1-sa.yaml"
    service_account, deployment = documents(path)
    assert service_account["kind"] == "ServiceAccount"
    assert service_account["metadata"] == {"name": "app1-sa", "namespace": "app1"}
    assert deployment["kind"] == "Deployment" and deployment["metadata"]["namespace"] == "app1"
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "app1-sa"


def test_irsa_manifest_carries_the_role_arn_when_synth_knows_it(tmp_path: Path) -> None:
    config = pods(
        {"cluster": "legacy", "namespace": "ml", "service_account": "inference", "mode": "irsa", "oidc_issuer": ISSUER},
        account="111111111111",
        iam={"role_name_prefix": "airs-"},
    )
    result = synthesize(config, tmp_path)
    [path] = write_manifests(result.stack, tmp_path)
    service_account, _ = documents(path)
    arn = service_account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert arn.startswith("arn:aws:iam::111111111111:role/airs-") and arn.endswith("-us-east-1")
    template_names = [r["Properties"]["RoleName"] for r in result.template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert arn.rsplit("/", 1)[1] in template_names


def test_irsa_manifest_says_where_the_arn_is_when_synth_cannot_know_it(tmp_path: Path) -> None:
    config = pods({"cluster": "legacy", "namespace": "ml", "service_account": "inference", "mode": "irsa", "oidc_issuer": ISSUER})
    result = synthesize(config, tmp_path)
    [path] = write_manifests(result.stack, tmp_path)
    service_account, _ = documents(path)
    assert service_account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].startswith(
        "REPLACE-WITH-ROLE-ARN (stack AirsOnboarding, output for legacy/ml/inference)"
    )


def test_no_pod_access_writes_nothing(tmp_path: Path) -> None:
    result = synthesize(flow_logs_with(), tmp_path)
    assert write_manifests(result.stack, tmp_path) == []
    assert not (tmp_path / "k8s").exists()
