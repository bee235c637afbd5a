"""Synthesizing the real app in-process, with the context of cdk.json and the cdk-nag packs on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App
from aws_cdk.cx_api import CloudFormationStackArtifact

from onboarding_app.assembly import add_compliance_checks, add_stacks
from onboarding_app.config_loader import config_from_mapping
from stacks import AccountOnboardingStack
from tests.conftest import REPO_ROOT


def cdk_json_context() -> dict[str, Any]:
    return json.loads((REPO_ROOT / "cdk.json").read_text())["context"]


@dataclass(frozen=True)
class Synthesized:
    stack: AccountOnboardingStack
    artifact: CloudFormationStackArtifact

    @property
    def template_path(self) -> Path:
        return Path(self.artifact.template_full_path)

    @property
    def template(self) -> dict[str, Any]:
        return json.loads(self.template_path.read_text())

    def metadata_of_type(self, kind: str) -> list[tuple[str, Any]]:
        """(construct path, data) of each metadata entry of ``kind``, read from the cloud assembly."""
        assembly_dir = self.template_path.parent
        artifact = json.loads((assembly_dir / "manifest.json").read_text())["artifacts"][self.artifact.id]
        metadata = dict(artifact.get("metadata", {}))
        if extra := artifact.get("additionalMetadataFile"):
            metadata.update(json.loads((assembly_dir / extra).read_text()))
        return [(path, entry["data"]) for path, entries in metadata.items() for entry in entries if entry["type"] == kind]


def synthesize(config: dict[str, Any], outdir: Path) -> Synthesized:
    """Exactly what app.py does, into ``outdir``; raises RuntimeError on a cdk-nag finding."""
    app = App(outdir=str(outdir), context=cdk_json_context())
    add_compliance_checks(app)
    stack = add_stacks(app, config_from_mapping(config, source="test"))
    assembly = app.synth()
    return Synthesized(stack=stack, artifact=assembly.get_stack_by_name(stack.stack_name))
