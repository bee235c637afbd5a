"""tools/mutate_trace.py, run as make mutate runs it: a pytest process of its own over a tiny project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT

TARGET = "def double(x):\n    return 2 * x\n"
OTHER = "def triple(x):\n    return 3 * x\n"

TESTS = """import sys

import pytest

import other
import target


def test_1_recurses_until_recursion_error():
    def down(n):
        return down(n + 1)

    with pytest.raises(RecursionError):
        down(0)


def test_2_turns_tracing_off():
    sys.settrace(None)


def test_3_uses_the_target():
    assert target.double(2) == 4
    assert other.triple(1) == 3


def test_4_fails():
    assert target.double(2) == 5
"""


TEST_NAMES = [
    "test_1_recurses_until_recursion_error",
    "test_2_turns_tracing_off",
    "test_3_uses_the_target",
    "test_4_fails",
]


def test_each_test_is_recorded_even_after_one_turned_the_tracer_off(tmp_path: Path) -> None:
    (tmp_path / "target.py").write_text(TARGET)
    (tmp_path / "other.py").write_text(OTHER)
    (tmp_path / "test_it.py").write_text(TESTS)
    out = tmp_path / "trace.json"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT / "tools"),
        "MUTATE_TRACE_TARGET": os.pathsep.join([str(tmp_path / "target.py"), str(tmp_path / "other.py")]),
        "MUTATE_TRACE_OUT": str(out),
    }
    flags = ["-q", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "mutate_trace"]
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", *flags, "test_it.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr  # test_4 fails, on purpose
    recorded = json.loads(out.read_text())
    # The body of double runs in tests 3 and 4 only; 1 and 2 each switched the tracer off before them.
    # One run traces both modules, each apart.
    lines = recorded["lines"]
    assert lines[str(tmp_path / "target.py")]["2"] == ["test_it.py::test_3_uses_the_target", "test_it.py::test_4_fails"]
    assert lines[str(tmp_path / "other.py")]["2"] == ["test_it.py::test_3_uses_the_target"]
    assert sorted(lines) == sorted([str(tmp_path / "target.py"), str(tmp_path / "other.py")])
    assert recorded["failed"] == ["test_it.py::test_4_fails"]
    # Each test's time, setup to teardown: make mutate runs the quick ones first.
    assert sorted(recorded["durations"]) == [f"test_it.py::{name}" for name in TEST_NAMES]
    assert all(seconds > 0 for seconds in recorded["durations"].values())
