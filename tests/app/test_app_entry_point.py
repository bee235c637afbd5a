"""app.py: a bad config, a construct's refusal or a compliance finding ends synth with a message and exit 1, no
traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, BootstraplessSynthesizer, Stack
from aws_cdk import aws_s3 as s3

import app as app_module
from onboarding_app.assembly import default_synthesizer
from onboarding_constructs import FlowLogs, PropsError
from tests.conftest import EXAMPLE_CONFIG


def run_main(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, config: str | None) -> int:
    context = {"config": config} if config is not None else {}
    return app_module.main(App(outdir=str(tmp_path / "out"), context=context))


def test_example_config_synthesizes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert run_main(monkeypatch, tmp_path, str(EXAMPLE_CONFIG)) == 0
    assert (tmp_path / "out" / "AirsOnboarding.template.json").is_file()


def test_default_config_is_the_example_and_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    assert app_module.DEFAULT_CONFIG == "config/example.yaml"
    monkeypatch.chdir(EXAMPLE_CONFIG.parent.parent)
    assert run_main(monkeypatch, tmp_path, None) == 0
    assert (tmp_path / "out" / "AirsOnboarding.template.json").is_file()
    assert capsys.readouterr().err.startswith(
        "No config named (--context config=path/to/file.yaml): using the bundled example config/example.yaml.\n"
    )


def test_a_named_config_is_not_announced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    assert run_main(monkeypatch, tmp_path, str(EXAMPLE_CONFIG)) == 0
    assert "bundled example" not in capsys.readouterr().err


def test_invalid_config_prints_every_problem_and_exits_1(monkeypatch, tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("region: us-eest-1\nflow_logs:\n  subnet_ids: [subnet-12]\n")
    assert run_main(monkeypatch, tmp_path, str(bad)) == 1
    err = capsys.readouterr().err
    assert f"{bad}: 2 problems; nothing was synthesized or deployed." in err
    assert "region: 'us-eest-1' is not an AWS region" in err
    assert "flow_logs.subnet_ids[0]: 'subnet-12' is not a subnet id" in err
    assert "Traceback" not in err
    assert not list((tmp_path / "out").glob("*.template.json"))


def test_pod_access_entries_whose_construct_ids_run_together_are_refused_not_a_traceback(
    monkeypatch, tmp_path, capsys
) -> None:
    config = tmp_path / "pods.yaml"
    config.write_text(
        "region: us-east-1\nflow_logs:\n  subnet_ids: [subnet-0a1b2c3d]\nbedrock:\n  pod_access:\n"
        "    - {cluster: a-b, namespace: c, service_account: d}\n"
        "    - {cluster: a, namespace: b-c, service_account: d}\n"
    )
    assert run_main(monkeypatch, tmp_path, str(config)) == 1
    err = capsys.readouterr().err
    assert f"{config}: 1 problem; nothing was synthesized or deployed." in err
    assert (
        "bedrock.pod_access: entries [0] (cluster a-b, namespace c, service_account d) and [1] (cluster a, namespace"
        " b-c, service_account d) would share the construct id 'Pod-a-b-c-d'"
    ) in err
    assert "Traceback" not in err


def test_a_construct_refusing_its_props_is_reported_like_the_config_and_exits_1(monkeypatch, tmp_path, capsys) -> None:
    """A PropsError raised while the stacks are built: the config file, the count, then each problem with
    the construct's path and the prop, as the config's problems are listed."""
    bad_subnets = ["subnet-12", "subnet-0A1B2C3D"]

    def refused_flow_logs(scope: Stack) -> FlowLogs:
        bucket = s3.Bucket.from_bucket_name(scope, "Bucket", "flow-logs")
        return FlowLogs(scope, "FlowLogs", bucket=bucket, subnet_ids=bad_subnets)

    with pytest.raises(PropsError) as refused:
        refused_flow_logs(Stack(App(), "AirsOnboarding"))
    assert len(refused.value.problems) == 2
    assert all(subnet in refused.value.problems[i] for i, subnet in enumerate(bad_subnets))

    def add_stacks_with_a_refused_construct(app: App, config) -> None:
        refused_flow_logs(Stack(app, "AirsOnboarding"))

    monkeypatch.setattr(app_module, "add_stacks", add_stacks_with_a_refused_construct)
    assert run_main(monkeypatch, tmp_path, str(EXAMPLE_CONFIG)) == 1
    assert capsys.readouterr().err == "\n".join(
        [
            f"{EXAMPLE_CONFIG}: 2 problems found while building the stacks; nothing was synthesized or deployed.",
            *(f"  - AirsOnboarding/FlowLogs: {problem}" for problem in refused.value.problems),
            "",
        ]
    )
    assert not list((tmp_path / "out").glob("*.template.json"))


def test_props_report_counts_one_problem_in_the_singular() -> None:
    error = PropsError("AirsOnboarding/Eks/prod", ["allowed_cidrs[0]: '10.0.0.0/8' is not a public address range"])
    assert app_module.props_report("my.yaml", error) == (
        "my.yaml: 1 problem found while building the stacks; nothing was synthesized or deployed.\n"
        "  - AirsOnboarding/Eks/prod: allowed_cidrs[0]: '10.0.0.0/8' is not a public address range"
    )


def test_compliance_finding_exits_1_with_a_pointer(monkeypatch, tmp_path, capsys) -> None:
    def add_insecure_stack(app: App, config) -> None:
        s3.Bucket(Stack(app, "Insecure"), "Bucket")

    monkeypatch.setattr(app_module, "add_stacks", add_insecure_stack)
    assert run_main(monkeypatch, tmp_path, str(EXAMPLE_CONFIG)) == 1
    assert "cdk-nag findings above must be fixed or acknowledged" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "enabled"), [(None, False), ("false", False), ("", False), ("true", True), ("TRUE", True)]
)
def test_builtin_cloudformation_validation_only_with_cdk_validation_true(
    monkeypatch: pytest.MonkeyPatch, value: str | None, enabled: bool
) -> None:
    if value is None:
        monkeypatch.delenv("CDK_VALIDATION", raising=False)
    else:
        monkeypatch.setenv("CDK_VALIDATION", value)
    assert app_module.builtin_validation() is enabled


def test_the_cli_app_gets_the_validation_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """main() without an app builds the one the CDK CLI configures, with the validation setting."""
    made: list[dict] = []

    def app_spy(**kwargs: object) -> App:
        made.append(kwargs)
        return App(outdir=str(tmp_path / "out"), context={"config": str(EXAMPLE_CONFIG)})

    monkeypatch.setattr(app_module, "App", app_spy)
    monkeypatch.setenv("CDK_VALIDATION", "true")
    assert app_module.main() == 0
    # A probe App reads the CLI's context first; the App that synthesizes gets the settings.
    assert made[1:] == [{"builtin_cloud_formation_validation": True, "default_stack_synthesizer": None}]


@pytest.mark.parametrize(("value", "standalone"), [(None, False), ("false", False), ("true", True), (True, True)])
def test_template_context_picks_the_bootstrapless_synthesizer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value, standalone: bool
) -> None:
    context = {"config": str(EXAMPLE_CONFIG), **({} if value is None else {"template": value})}
    assert app_module.standalone_template(App(context=context)) is standalone
    made: list[dict] = []
    real_app = App

    def app_spy(**kwargs: object) -> App:
        made.append(kwargs)
        return real_app(context=context, outdir=str(tmp_path / "out"))  # as the CLI's environment would

    monkeypatch.setattr(app_module, "App", app_spy)
    app_module.cli_app()
    synthesizer = made[-1]["default_stack_synthesizer"]
    assert isinstance(synthesizer, BootstraplessSynthesizer) if standalone else synthesizer is None


def test_template_mode_writes_a_template_without_cdk_bootstrap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    app = App(
        outdir=str(tmp_path / "out"),
        context={"config": str(EXAMPLE_CONFIG)},
        default_stack_synthesizer=default_synthesizer(standalone_template=True),
    )
    assert app_module.main(app) == 0
    template = json.loads((tmp_path / "out" / "AirsOnboarding.template.json").read_text())
    assert "BootstrapVersion" not in template.get("Parameters", {})
    assert "Rules" not in template
    assert not list((tmp_path / "out").glob("*.assets.json"))
    assert (tmp_path / "out" / "k8s" / "prod-eks" / "app1-app1-sa.yaml").is_file()


def test_template_mode_refuses_an_organization_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    org = str(EXAMPLE_CONFIG.parent / "organization.example.yaml")
    app = App(outdir=str(tmp_path / "out"), context={"config": org, "template": "true"})
    assert app_module.main(app) == 1
    assert capsys.readouterr().err == (
        f"{org}: make template writes the stacks of one account, and this config rolls out to an organization through a"
        " StackSet, whose member template `make synth` already writes without CDK bootstrap"
        " (cdk.out/AirsOnboarding.MemberTemplate.template.json). Nothing was synthesized.\n"
    )
    assert not list((tmp_path / "out").glob("*.template.json"))


def test_a_template_over_the_size_limit_stops_the_app_with_the_file_and_sizes(monkeypatch, tmp_path, capsys) -> None:
    """After synth, a template larger than CloudFormation accepts is named with its size; no manifests are written."""
    import onboarding_app.limits as limits

    limit = 1_000
    monkeypatch.setattr(limits, "MAX_TEMPLATE_BYTES", limit)
    assert run_main(monkeypatch, tmp_path, str(EXAMPLE_CONFIG)) == 1
    err = capsys.readouterr().err
    out = tmp_path / "out"
    too_large = [p for p in sorted(out.glob("*.template.json")) if p.stat().st_size > limit]
    assert out / "AirsOnboarding.template.json" in too_large
    lines = [
        f"{p.name} is {p.stat().st_size:,} bytes, and CloudFormation allows {limit:,}. Split the config over several"
        " configs, each with its own stack_name."
        for p in too_large
    ]
    assert err == f"{EXAMPLE_CONFIG}: " + "\n".join(lines) + "\nDo not deploy this cloud assembly.\n"
    assert err.rstrip().endswith("Do not deploy this cloud assembly.")
    assert "AirsOnboarding.template.json is " in err and "bytes, and CloudFormation allows 1,000." in err
    assert "Traceback" not in err
    assert not list(out.rglob("*.yaml"))  # the example's pod_access manifest is not written
