"""Synthesizing the real app in-process, with the context of cdk.json and the cdk-nag packs on."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App
from aws_cdk.cx_api import CloudFormationStackArtifact

from onboarding_app.assembly import add_compliance_checks, add_stacks, default_synthesizer
from onboarding_config.loader import config_from_mapping
from stacks import AccountOnboardingStack, OrgOnboardingStack
from tests.conftest import REPO_ROOT


def cdk_json_context() -> dict[str, Any]:
    return json.loads((REPO_ROOT / "cdk.json").read_text())["context"]


@dataclass(frozen=True)
class Synthesized:
    stack: AccountOnboardingStack | OrgOnboardingStack
    artifact: CloudFormationStackArtifact

    @property
    def template_path(self) -> Path:
        return Path(self.artifact.template_full_path)

    @property
    def template(self) -> dict[str, Any]:
        return json.loads(self.template_path.read_text())

    @property
    def member_template_path(self) -> Path | None:
        """The StackSet member template of an organization config (not a stack artifact of its own)."""
        if not isinstance(self.stack, OrgOnboardingStack):
            return None
        file_name = self.stack.member.stack_set_synthesizer.template_file
        assert file_name is not None, "the member template was not synthesized"
        return self.template_path.parent / file_name

    @property
    def member_template(self) -> dict[str, Any]:
        assert self.member_template_path is not None, "not an organization config"
        return json.loads(self.member_template_path.read_text())

    @property
    def template_paths(self) -> dict[str, Path]:
        """Every template this config produces: ``stack``, and ``member`` for an organization."""
        member = self.member_template_path
        return {"stack": self.template_path, **({"member": member} if member else {})}

    def metadata_of_type(self, kind: str) -> list[tuple[str, Any]]:
        """(construct path, data) of each metadata entry of ``kind``, read from the cloud assembly."""
        assembly_dir = self.template_path.parent
        artifact = json.loads((assembly_dir / "manifest.json").read_text())["artifacts"][self.artifact.id]
        metadata = dict(artifact.get("metadata", {}))
        if extra := artifact.get("additionalMetadataFile"):
            metadata.update(json.loads((assembly_dir / extra).read_text()))
        return [
            (path, entry["data"]) for path, entries in metadata.items() for entry in entries if entry["type"] == kind
        ]


def synthesize(config: dict[str, Any], outdir: Path, *, standalone_template: bool = False) -> Synthesized:
    """Exactly what app.py does, into ``outdir``; raises RuntimeError on a cdk-nag finding.
    ``standalone_template``: as ``make template`` (``--context template=true``)."""
    # As app.py: the CDK's built-in CloudFormation validation off (the cfn-lint gate covers it).
    app = App(
        outdir=str(outdir),
        context=cdk_json_context(),
        builtin_cloud_formation_validation=False,
        default_stack_synthesizer=default_synthesizer(standalone_template=standalone_template),
    )
    add_compliance_checks(app)
    stack = add_stacks(app, config_from_mapping(config, source="test"))
    assembly = app.synth()
    return Synthesized(stack=stack, artifact=assembly.get_stack_by_name(stack.stack_name))


def scrubbed(value: Any) -> Any:
    """A template without what changes with no change of ours (asset hashes, path metadata) and
    without the inline handler source, which its own tests cover: for snapshots."""
    if isinstance(value, dict):
        if "ZipFile" in value:
            return {**value, "ZipFile": "<inline handler source>"}
        return {k: scrubbed(v) for k, v in value.items() if k not in ("aws:asset:path", "aws:cdk:path")}
    if isinstance(value, list):
        return [scrubbed(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", value)
    return value
