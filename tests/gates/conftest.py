from __future__ import annotations

from pathlib import Path

import pytest

from tests.gates.scenarios import SCENARIOS
from tests.synth import Synthesized, synthesize


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    """Every scenario synthesized once per test worker, cdk-nag packs on (a finding raises)."""
    return {name: synthesize(config, tmp_path_factory.mktemp(name)) for name, config in SCENARIOS.items()}


@pytest.fixture(scope="session")
def template_dir(synthesized: dict[str, Synthesized], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All scenario templates side by side, for the scanners that take a directory."""
    directory = tmp_path_factory.mktemp("templates")
    for name, result in synthesized.items():
        (directory / f"{name}.template.json").write_text(result.template_path.read_text())
    return directory
