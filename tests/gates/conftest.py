from __future__ import annotations

from pathlib import Path

import pytest

from tests.gates.scenarios import SCENARIOS, STANDALONE_TEMPLATE_SCENARIOS
from tests.synth import Synthesized, synthesize


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synthesized]:
    """Every scenario synthesized once per test worker, cdk-nag packs on (a finding raises)."""
    return {
        name: synthesize(
            config, tmp_path_factory.mktemp(name), standalone_template=name in STANDALONE_TEMPLATE_SCENARIOS
        )
        for name, config in SCENARIOS.items()
    }


@pytest.fixture(scope="session")
def gate_templates(synthesized: dict[str, Synthesized]) -> dict[str, Path]:
    """Every template of every scenario, by the labels of ``template_labels()``."""
    return {
        name if part == "stack" else f"{name}/{part}": path
        for name, result in synthesized.items()
        for part, path in result.template_paths.items()
    }


@pytest.fixture(scope="session")
def template_dir(gate_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All scenario templates side by side, for the scanners that take a directory."""
    directory = tmp_path_factory.mktemp("templates")
    for label, path in gate_templates.items():
        (directory / f"{label.replace('/', '.')}.template.json").write_text(path.read_text())
    return directory
