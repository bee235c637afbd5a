"""Every Python the project promises can install what it pins: each installed distribution of the
app, test and checkov environments accepts the oldest supported version, and every place that
states the minimum states the same one."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from importlib import metadata

import pytest
from packaging.specifiers import SpecifierSet

from tests.conftest import REPO_ROOT

#: The oldest Python promised (README, pyproject.toml, tools/ensure_venv.py): 3.11.0, not just
#: the 3.11 this machine happens to have (Debian 12's system Python is 3.11.2).
OLDEST = "3.11.0"

LIST_REQUIRES_PYTHON = (
    "import json; from importlib import metadata;"
    "print(json.dumps({d.metadata['Name']: d.metadata.get('Requires-Python') or '' for d in metadata.distributions()}))"
)


def refusing_oldest(requires: dict[str, str]) -> dict[str, str]:
    return {name: spec for name, spec in requires.items() if spec and OLDEST not in SpecifierSet(spec)}


def test_every_package_of_this_environment_installs_on_the_oldest_python() -> None:
    requires = {d.metadata["Name"]: d.metadata.get("Requires-Python") or "" for d in metadata.distributions()}
    assert len(requires) > 50  # the app and test pins, not an empty environment
    assert refusing_oldest(requires) == {}


def test_every_package_of_the_checkov_environment_installs_on_the_oldest_python() -> None:
    python = REPO_ROOT / ".venv-checkov" / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{python} is missing: make test installs it")
    listed = subprocess.run([str(python), "-c", LIST_REQUIRES_PYTHON], capture_output=True, text=True, check=True)
    requires = json.loads(listed.stdout)
    assert "checkov" in requires
    assert refusing_oldest(requires) == {}


def test_the_check_itself_refuses_a_package_that_needs_a_later_patch_release() -> None:
    # soupsieve 4.1.3 declares >=3.11.5, which Debian 12's 3.11.2 cannot install.
    assert refusing_oldest({"soupsieve": ">=3.11.5", "ok": ">=3.9"}) == {"soupsieve": ">=3.11.5"}


def test_every_statement_of_the_minimum_agrees() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11"
    assert re.search(r"^MINIMUM = \(3, 11\)$", (REPO_ROOT / "tools" / "ensure_venv.py").read_text(), re.M)
    assert "Python 3.11 or newer" in (REPO_ROOT / "README.md").read_text()
    assert "3.11 or newer" in (REPO_ROOT / "Makefile").read_text()
