"""The app writes one Kubernetes manifest per pod role next to the templates."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest
import yaml

from onboarding_app import manifests_after_deploy
from onboarding_app.manifests import pod_manifests, write_manifests
from tests.checks.fake_services import FakeServices
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
    template_names = [
        r["Properties"]["RoleName"] for r in result.template["Resources"].values() if r["Type"] == "AWS::IAM::Role"
    ]
    assert arn.rsplit("/", 1)[1] in template_names


def test_irsa_manifest_without_a_known_arn_is_pending_and_cannot_be_applied(tmp_path: Path) -> None:
    config = pods(
        {"cluster": "legacy", "namespace": "ml", "service_account": "inference", "mode": "irsa", "oidc_issuer": ISSUER}
    )
    result = synthesize(config, tmp_path)
    [path] = write_manifests(result.stack, tmp_path)
    assert path == tmp_path / "k8s" / "legacy" / "ml-inference.yaml.pending"
    assert not (tmp_path / "k8s" / "legacy" / "ml-inference.yaml").exists()
    text = path.read_text()
    assert documents(path) == []  # kubectl apply: "no objects passed to apply"
    assert "eks.amazonaws.com/role-arn: <role ARN>" in text and "REPLACE-WITH" not in text
    [output_key] = [k for k, o in result.template["Outputs"].items() if "ml/inference" in o.get("Description", "")]
    assert f"the output {output_key} of the stack AirsOnboarding" in text
    assert "make manifests CONFIG=" in text


def test_pod_identity_manifest_is_complete_before_deploy(tmp_path: Path) -> None:
    result = synthesize(pods({"cluster": "prod-eks", "namespace": "app1", "service_account": "app1-sa"}), tmp_path)
    [path] = write_manifests(result.stack, tmp_path)
    assert path.suffix == ".yaml"
    assert "REPLACE-WITH" not in path.read_text()


def test_deployed_outputs_complete_a_pending_manifest(tmp_path: Path) -> None:
    config = pods(
        {"cluster": "legacy", "namespace": "ml", "service_account": "inference", "mode": "irsa", "oidc_issuer": ISSUER}
    )
    result = synthesize(config, tmp_path)
    [pending] = write_manifests(result.stack, tmp_path)
    [key] = [pod.output_key for pod in pod_manifests(result.stack)]
    [path] = write_manifests(result.stack, tmp_path, {key: "arn:aws:iam::111111111111:role/AirsOnboarding-PodRole-ABC"})
    assert path == tmp_path / "k8s" / "legacy" / "ml-inference.yaml" and not pending.exists()
    service_account, _ = documents(path)
    assert service_account["metadata"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::111111111111:role/AirsOnboarding-PodRole-ABC"
    }
    # A later synth cannot know the ARN again: back to pending, and the old complete file goes.
    [again] = write_manifests(result.stack, tmp_path)
    assert again == pending and pending.exists() and not path.exists()


def test_no_pod_access_writes_nothing(tmp_path: Path) -> None:
    result = synthesize(flow_logs_with(), tmp_path)
    assert write_manifests(result.stack, tmp_path) == []
    assert not (tmp_path / "k8s").exists()


# --- make manifests: after deploy, from outputs.json or DescribeStacks ------------------------------

ROLE_ARN = "arn:aws:iam::111111111111:role/AirsOnboarding-PodRoleLegacy-ABC"
IRSA = {"cluster": "legacy", "namespace": "ml", "service_account": "inference", "mode": "irsa", "oidc_issuer": ISSUER}
POD_IDENTITY = {"cluster": "prod-eks", "namespace": "app1", "service_account": "app1-sa"}


def deployed(tmp_path: Path, *entries: dict) -> tuple[str, Path, dict[str, str]]:
    """A config file, the cloud assembly `make deploy` leaves (with pending manifests) and the output keys."""
    config = pods(*entries)
    config_file = tmp_path / "mine.yaml"
    config_file.write_text(yaml.safe_dump(config))
    assembly = tmp_path / "cdk.out"
    result = synthesize(config, assembly)
    write_manifests(result.stack, assembly)
    return str(config_file), assembly, {pod.service_account: pod.output_key for pod in pod_manifests(result.stack)}


def fake_session(fake: FakeServices) -> boto3.Session:
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    return fake.attach(session)


def test_make_manifests_reads_outputs_json_and_calls_no_aws(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file, assembly, keys = deployed(tmp_path, IRSA, POD_IDENTITY)
    pending = assembly / "k8s" / "legacy" / "ml-inference.yaml.pending"
    assert pending.exists()
    (assembly / "outputs.json").write_text(
        json.dumps(
            {"AirsOnboarding": {keys["inference"]: ROLE_ARN, keys["app1-sa"]: "arn:aws:iam::111111111111:role/pi"}}
        )
    )
    fake = FakeServices()
    assert (
        manifests_after_deploy.main(["--config", config_file, "--assembly", str(assembly)], session=fake_session(fake))
        == 0
    )
    assert fake.calls == []
    assert not pending.exists()
    service_account, _ = documents(assembly / "k8s" / "legacy" / "ml-inference.yaml")
    assert service_account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == ROLE_ARN
    pod_identity, _ = documents(assembly / "k8s" / "prod-eks" / "app1-app1-sa.yaml")
    assert "annotations" not in pod_identity["metadata"]
    out = capsys.readouterr().out
    assert "kubectl apply -f" in out and str(assembly / "k8s" / "legacy" / "ml-inference.yaml") in out


def test_make_manifests_without_outputs_json_asks_cloudformation(tmp_path: Path) -> None:
    config_file, assembly, keys = deployed(tmp_path, IRSA)
    fake = FakeServices(stacks={"AirsOnboarding": [{"OutputKey": keys["inference"], "OutputValue": ROLE_ARN}]})
    assert (
        manifests_after_deploy.main(["--config", config_file, "--assembly", str(assembly)], session=fake_session(fake))
        == 0
    )
    assert fake.calls == ["DescribeStacks"]
    service_account, _ = documents(assembly / "k8s" / "legacy" / "ml-inference.yaml")
    assert service_account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == ROLE_ARN
    assert not (assembly / "k8s" / "legacy" / "ml-inference.yaml.pending").exists()


def test_make_manifests_before_deploy_says_to_deploy_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file, assembly, _ = deployed(tmp_path, IRSA)
    fake = FakeServices()
    assert (
        manifests_after_deploy.main(["--config", config_file, "--assembly", str(assembly)], session=fake_session(fake))
        == 1
    )
    err = capsys.readouterr().err
    assert (
        "make manifests: no stack AirsOnboarding in us-east-1 for these credentials,"
        " and no outputs.json from make deploy" in err
    )
    assert (assembly / "k8s" / "legacy" / "ml-inference.yaml.pending").exists()
    assert not (assembly / "k8s" / "legacy" / "ml-inference.yaml").exists()


def test_make_manifests_names_an_output_the_deployed_stack_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file, assembly, keys = deployed(tmp_path, IRSA)
    fake = FakeServices(stacks={"AirsOnboarding": [{"OutputKey": "FlowLogBucketName", "OutputValue": "b"}]})
    assert (
        manifests_after_deploy.main(["--config", config_file, "--assembly", str(assembly)], session=fake_session(fake))
        == 1
    )
    err = capsys.readouterr().err
    assert f"the deployed stack AirsOnboarding has no output {keys['inference']}: deploy this config first" in err


def test_make_manifests_without_pod_roles_has_nothing_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file = tmp_path / "mine.yaml"
    config_file.write_text(yaml.safe_dump(flow_logs_with()))
    assert manifests_after_deploy.main(["--config", str(config_file), "--assembly", str(tmp_path)]) == 0
    assert "has no bedrock.pod_access entries" in capsys.readouterr().out


def test_make_manifests_says_when_cloudformation_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file, assembly, _ = deployed(tmp_path, IRSA)
    fake = FakeServices()
    fake.denied.add("DescribeStacks")
    assert (
        manifests_after_deploy.main(["--config", config_file, "--assembly", str(assembly)], session=fake_session(fake))
        == 1
    )
    err = capsys.readouterr().err
    assert err.startswith(
        "make manifests: could not read the outputs of the stack AirsOnboarding in us-east-1: not authorized"
    )
    assert "Traceback" not in err
    assert (assembly / "k8s" / "legacy" / "ml-inference.yaml.pending").exists()


def test_make_manifests_without_credentials_says_where_they_come_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file, assembly, _ = deployed(tmp_path, IRSA)
    for variable in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert (
        manifests_after_deploy.main(
            ["--config", config_file, "--assembly", str(assembly)], session=boto3.Session(region_name="us-east-1")
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.startswith(
        "make manifests: could not read the outputs of the stack AirsOnboarding in us-east-1"
        " (Unable to locate credentials)"
    )
    assert err.rstrip().endswith("check the credentials (PROFILE=... or AWS_PROFILE)")
