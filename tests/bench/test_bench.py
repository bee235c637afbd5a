"""The benchmark's pieces: generated estates are valid configs, the assembly statistics and the
linearity verdict; a whole run with chosen synth times; a failing real CDK CLI synth."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench import measure
from bench.__main__ import _linearity
from bench.estates import estate_config
from bench.measure import assembly_stats
from onboarding_config.loader import DEFAULT_CONFIG, config_from_mapping
from tests.conftest import REPO_ROOT
from tests.synth import synthesize


@pytest.mark.parametrize(("subnets", "clusters"), [(10, 1), (1000, 50)])
def test_generated_estates_are_valid_configs(subnets: int, clusters: int) -> None:
    config = config_from_mapping(estate_config(subnets, clusters), source="bench")
    assert len(config.flow_logs.subnet_ids) == len(set(config.flow_logs.subnet_ids)) == subnets
    assert config.eks is not None and len(config.eks.clusters) == clusters
    assert config.stack_name == f"Bench{subnets}x{clusters}"


def test_assembly_stats_count_stacks_the_largest_template_and_resources(tmp_path: Path) -> None:
    synthesized = synthesize(estate_config(10, 1), tmp_path)
    stacks, largest, most = assembly_stats(tmp_path)
    template = synthesized.template_path
    assert stacks == 1
    assert largest == template.stat().st_size
    assert most == len(synthesized.template["Resources"])


def test_linearity_compares_the_last_step_with_the_average_rate() -> None:
    linear = {(10, 1): 3.0, (100, 1): 3.9, (1000, 1): 12.9}  # 10 ms per subnet throughout
    [line] = _linearity(linear, [10, 100, 1000], [1])
    assert line == (
        "- linear in subnets (1 clusters): 10.0 ms per subnet from 10 to 100; the last step (100 to 1000) took 9.00 s,"
        " allowed 13.80 s: met"
    )
    worse = {(10, 1): 3.0, (100, 1): 3.1, (1000, 1): 30.0}  # nearly flat, then steep: superlinear
    assert _linearity(worse, [10, 100, 1000], [1])[0].endswith("NOT met")
    assert _linearity(linear, [10, 100], [1]) == []  # two points say nothing about the shape


def test_a_bench_run_prints_the_tables_and_the_verdicts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The real CLI runs in test_a_failing_synth_stops_the_bench_with_its_output and in tests/e2e; here each
    # synth answers a chosen time, so the tables, ratios and verdicts can be checked to the digit.
    import bench.__main__ as bench_main

    synths: list[tuple[str, tuple[str, ...]]] = []

    def fake_synth(app_dir: Path, outdir: Path, *context: str) -> measure.Synth:
        synths.append((app_dir.name if app_dir != REPO_ROOT else "repo", context))
        seconds = 4.0 if app_dir != REPO_ROOT else 5.0 if context == (f"config={DEFAULT_CONFIG}",) else 9.0
        return measure.Synth(seconds, peak_mib=300.0, stacks=1, largest_template_bytes=20480, most_resources=12)

    monkeypatch.setattr(bench_main, "cdk_synth", fake_synth)
    monkeypatch.setattr(bench_main, "COVERAGE_VPCS", 3)
    monkeypatch.setattr(bench_main, "COVERAGE_CLUSTERS", 1)
    argv = ["--runs", "2", "--scale-runs", "1", "--subnets", "10", "--clusters", "1", "--skip-tests"]
    assert bench_main.main(argv) == 0
    captured = capsys.readouterr()
    out = captured.out
    # A warm-up of each, then --runs of each, then one per estate of the series.
    example = ("repo", (f"config={DEFAULT_CONFIG}",))
    assert synths[:6] == [("empty", ()), example, ("empty", ()), example, ("empty", ()), example]
    [(app, (estate,))] = synths[6:]
    assert app == "repo" and estate.startswith("config=") and estate.endswith("estate-10x1.yaml")
    assert "| empty CDK Python app (one empty stack) | 4.00 s | 1.00x | 300 MiB |" in out
    assert f"| {DEFAULT_CONFIG} | 5.00 s | 1.25x | 300 MiB |" in out
    assert "| 10 | 1 | 9.00 s | 2.25x | 300 MiB | 1 | 20 KiB | 12 |" in out
    assert "- example config at most 1.5x the empty app: 1.25x, met" in out
    assert "## Coverage sweep" in out and "## Cluster coverage" in out
    assert "## Test suite" not in out  # --skip-tests
    assert "bench: run 1/2: empty app and example config" in captured.err


def test_a_missing_cdk_cli_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(measure, "CDK", tmp_path / "cdk")
    with pytest.raises(SystemExit) as info:
        measure.cdk_synth(tmp_path, tmp_path / "out")
    assert str(info.value) == f"{tmp_path / 'cdk'} is missing: run `make bench`, which installs the pinned CDK CLI"


@pytest.mark.slow
def test_a_failing_synth_stops_the_bench_with_its_output(tmp_path: Path) -> None:
    (tmp_path / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} -c \"raise SystemExit('no app here')\""}))
    with pytest.raises(SystemExit) as info:
        measure.cdk_synth(tmp_path, tmp_path / "out", "config=x.yaml")
    assert str(info.value).startswith(f"cdk synth failed in {tmp_path} (config=x.yaml):\n")
    assert "no app here" in str(info.value)


def test_coverage_targets_and_verdict() -> None:
    from collections import Counter

    from bench.coverage import Measured, targets_met, verdict

    first = Measured("first run", Counter(CreateFlowLogs=4, DescribeVpcs=1), attempts=5, seconds=1.0)
    steady = Measured("steady state", Counter(DescribeVpcs=1, DescribeFlowLogs=1, GetParameter=1), 3, 1.0)
    assert targets_met(1000, first, steady)
    assert verdict(1000, first, steady) == (
        "- coverage sweep over 1000 VPCs: 4 CreateFlowLogs calls at first, 3 reads and 0 writes in steady state, met"
    )
    writing = Measured("steady state", Counter(DescribeVpcs=1, PutParameter=1), 2, 1.0)
    assert not targets_met(1000, first, writing)
    assert not targets_met(1000, first, Measured("s", Counter(DescribeFlowLogs=5), 5, 1.0))  # 5 reads > 4
    assert not targets_met(1201, first, steady)  # 1201 VPCs take 5 creates of at most 300


def test_coverage_bench_measures_a_small_estate(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.coverage import main

    assert main(["--vpcs", "3"]) == 0
    out = capsys.readouterr().out
    assert "| CreateFlowLogs | 1 | 0 |" in out and "| **writes** |" in out
