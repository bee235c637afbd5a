"""tools/ensure_venv.py: a broken or interrupted environment is re-created, and one made by another
interpreter is replaced when PYTHON is named, through the script and through make."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "tools" / "ensure_venv.py"


def load_module():
    spec = importlib.util.spec_from_file_location("ensure_venv", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ensure_venv = load_module()


def fake_venv(path: Path, executable: str) -> Path:
    """Just enough of a venv for pyvenv.cfg to be read (no interpreter in it)."""
    path.mkdir(parents=True)
    (path / "pyvenv.cfg").write_text(f"home = {Path(executable).parent}\nversion = 3.11.0\nexecutable = {executable}\n")
    (path / "marker").write_text("kept unless replaced")
    return path


def run(*args: str, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    return subprocess.run([python, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, check=False)


def test_base_executable_is_read_from_pyvenv_cfg(tmp_path: Path) -> None:
    venv = fake_venv(tmp_path / "v", "/usr/bin/python3.11")
    assert ensure_venv.base_executable(str(venv)) == os.path.realpath("/usr/bin/python3.11")
    assert ensure_venv.base_executable(str(tmp_path / "missing")) is None


def test_a_venv_of_another_interpreter_is_removed(tmp_path: Path) -> None:
    venv = fake_venv(tmp_path / "v", "/nonexistent/python3.99")
    result = run("--replace-if-other", str(venv))
    assert result.returncode == 0
    assert not venv.exists()
    assert (
        f"{venv} was made by /nonexistent/python3.99; PYTHON is {sys.executable}: it will be rebuilt" in result.stderr
    )


def test_a_venv_of_the_same_interpreter_is_kept(tmp_path: Path) -> None:
    venv = fake_venv(tmp_path / "v", os.path.realpath(sys.executable))
    result = run("--replace-if-other", str(venv))
    assert result.returncode == 0 and (venv / "marker").exists()
    assert result.stderr == ""


def test_a_missing_venv_is_left_for_the_build(tmp_path: Path) -> None:
    assert run("--replace-if-other", str(tmp_path / "none")).returncode == 0
    assert not (tmp_path / "none").exists()


def test_an_interrupted_venv_is_re_created(tmp_path: Path) -> None:
    # A venv whose creation stopped before pip was installed: pyvenv.cfg and a python, no pip.
    venv = tmp_path / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    assert not ensure_venv.works(str(venv))
    result = run(str(venv))
    assert result.returncode == 0, result.stderr
    assert f"{venv} is incomplete (an earlier run was interrupted or failed): re-creating it" in result.stderr
    assert ensure_venv.works(str(venv))
    # A working venv is left as it is.
    (venv / "marker").write_text("kept")
    assert run(str(venv)).returncode == 0 and (venv / "marker").exists()


def test_too_old_a_python_is_refused_with_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ensure_venv, "MINIMUM", (99, 0))
    with pytest.raises(SystemExit) as stop:
        ensure_venv.create(str(tmp_path / "v"))
    assert str(stop.value) == (
        f"Python 99.0 or newer is needed; {sys.executable} is {sys.version.split()[0]}."
        " Run: make PYTHON=python3.11 ... (or a newer one)"
    )
    assert not (tmp_path / "v").exists()


def test_a_python_without_ensurepip_gets_the_debian_package_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "ensurepip", None)  # import ensurepip raises ImportError
    with pytest.raises(SystemExit) as stop:
        ensure_venv.create(str(tmp_path / "v"))
    assert (
        "cannot create virtual environments (no ensurepip module)."
        " On Debian or Ubuntu: sudo apt-get install python3-venv" in str(stop.value)
    )


@pytest.mark.slow
def test_make_with_another_python_replaces_the_environments(tmp_path: Path) -> None:
    """Also named through the environment (PYTHON=... make), as CI does."""
    venv = fake_venv(tmp_path / "venv", "/nonexistent/python3.99")
    checkov = fake_venv(tmp_path / "checkov", "/nonexistent/python3.99")
    mine = fake_venv(tmp_path / "mine", os.path.realpath(sys.executable))
    base = ["make", "--no-print-directory", "help", f"CHECKOV_VENV={checkov}"]
    # Not the PYTHON of an outer `make test PYTHON=...` (or CI's environment): this test names its own.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    # PYTHON left to its default: whatever made the environments keeps them.
    subprocess.run([*base, f"VENV={venv}"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True)
    assert venv.exists() and checkov.exists()
    # PYTHON named: environments of another interpreter go, one of this interpreter stays.
    result = subprocess.run(
        [*base, f"VENV={mine}", f"PYTHON={sys.executable}"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert not checkov.exists() and mine.exists()
    assert "was made by /nonexistent/python3.99" in result.stderr
    fake_venv(checkov, "/nonexistent/python3.99")
    subprocess.run(
        [*base, f"VENV={mine}"],
        cwd=REPO_ROOT,
        env={**env, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=True,
    )
    assert not checkov.exists() and mine.exists()
