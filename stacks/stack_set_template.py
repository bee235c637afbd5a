"""``StackSetTemplateSynthesizer``: a stack synthesized as a StackSet template, carried by a parent
stack as a file asset, instead of a stack the CDK CLI deploys itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsii
from aws_cdk import IStringProducer, ISynthesisSession, Lazy, Stack, StackSynthesizer


class StackSetTemplateSynthesizer(StackSynthesizer):
    """Synthesizer for a stack defined inside another stack, its *parent*.

    The template is written into the cloud assembly and added to the parent's file assets, so
    ``cdk deploy`` of the parent uploads it and ``template_url`` points at it (templates over
    51,200 bytes cannot be inlined in a StackSet). It is not an artifact of its own: ``cdk deploy``
    never deploys it. The template has no ``BootstrapVersion`` parameter or rule, and assets are
    refused, because StackSet targets were never CDK-bootstrapped.
    """

    def __init__(self, parent: Stack) -> None:
        super().__init__()
        self._parent = parent
        self._template_url: str | None = None
        self._template_file: str | None = None

    @property
    def template_url(self) -> str:
        """HTTPS URL of the uploaded template (a token, resolved when the parent is synthesized)."""
        return Lazy.uncached_string(_Produce(lambda: self._template_url))

    @property
    def template_file(self) -> str | None:
        """File name of the template in the cloud assembly, once synthesized."""
        return self._template_file

    # jsii passes the asset description positionally; Python callers may pass its fields.
    def add_file_asset(self, *_asset: Any, **_fields: Any) -> Any:
        raise ValueError(self._no_assets("file"))

    def add_docker_image_asset(self, *_asset: Any, **_fields: Any) -> Any:
        raise ValueError(self._no_assets("Docker image"))

    def synthesize(self, session: ISynthesisSession) -> None:
        # Children are synthesized before their parent, so the parent's asset manifest and its
        # TemplateURL both see this asset.
        template = self._synthesize_template(session)
        # A name that says what the file is: <parent stack>.<construct id>.template.json
        outdir = Path(session.assembly.outdir)
        self._template_file = f"{self._parent.artifact_id}.{self._bound_stack.node.id}.template.json"
        if template.file_name is None:
            raise RuntimeError(f"{self._bound_stack.node.path}: the CDK wrote no template file")
        (outdir / template.file_name).replace(outdir / self._template_file)
        location = self._parent.synthesizer.add_file_asset(
            file_name=self._template_file,
            packaging=template.packaging,
            source_hash=template.source_hash,
            display_name=f"{self._bound_stack.node.path} StackSet template",
        )
        self._template_url = location.http_url

    def _no_assets(self, kind: str) -> str:
        return (
            f"{self._bound_stack.node.path} is a StackSet template, which cannot use {kind} assets: its target accounts"
            " were never CDK-bootstrapped. Inline the code (lambda_.Code.from_inline) instead."
        )


@jsii.implements(IStringProducer)
class _Produce:
    def __init__(self, value: Any) -> None:
        self._value = value

    def produce(self, _context: Any) -> str | None:
        return self._value()
