"""cfn-lint: zero errors and zero warnings on every synthesized template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cfnlint.api import lint_file

from tests.gates.scenarios import template_labels


def _findings(path: Path) -> list[str]:
    return [f"{m.rule.id} {m.linenumber}: {m.message}" for m in lint_file(path)]


@pytest.mark.parametrize("label", template_labels())
def test_template_is_clean(gate_templates: dict[str, Path], label: str) -> None:
    assert _findings(gate_templates[label]) == []


def test_cfn_lint_reports_a_broken_template(tmp_path: Path) -> None:
    """The gate itself works: a flow log with a bad traffic type is reported."""
    template = {
        "Resources": {
            "FlowLog": {
                "Type": "AWS::EC2::FlowLog",
                "Properties": {"ResourceId": "subnet-1234abcd", "ResourceType": "Subnet", "TrafficType": "SOME"},
            }
        }
    }
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(template))
    assert any(f.startswith("E3030") for f in _findings(path))
