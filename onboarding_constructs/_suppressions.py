"""Recording an accepted gate finding on the narrowest construct: the CloudFormation resource.

A finding is fixed, or acknowledged here with the reason it does not apply. cdk-nag findings are
acknowledged through the CDK's ``Validations`` (cdk-nag 3); checkov reads skips from the
resource's ``Metadata.checkov.skip``.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct


def _resource(construct: IConstruct) -> CfnResource:
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{construct.node.path} has no CloudFormation resource to attach a finding to")
    return resource


def acknowledge_nag(construct: IConstruct, finding_id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding (exact id, e.g. ``AwsSolutions-IAM5[Resource::*]``).

    The CDK files it under the rule pack's name (``AwsSolutions::AwsSolutions-S1``), the form the
    validation report prints; a bare id would be filed as an annotation rule.
    """
    pack, separator, _ = finding_id.partition("-")
    if not separator or not pack:
        raise ValueError(f"{finding_id!r} is not a cdk-nag finding id (expected <pack>-<rule>, e.g. AwsSolutions-S1)")
    Validations.of(_resource(construct)).acknowledge(Acknowledgment(id=f"{pack}::{finding_id}", reason=reason))


def skip_checkov(construct: IConstruct, check_id: str, reason: str) -> None:
    """Record a checkov skip with its reason in the resource's metadata."""
    resource = _resource(construct)
    checkov = resource.get_metadata("checkov") or {}
    skips = [*checkov.get("skip", []), {"id": check_id, "comment": reason}]
    resource.add_metadata("checkov", {**checkov, "skip": skips})


def ignore_cfn_lint(construct: IConstruct, rule_id: str, reason: str) -> None:
    """Have cfn-lint skip one rule on this resource (``Metadata.cfn-lint``), with the reason beside it."""
    resource = _resource(construct)
    config = resource.get_metadata("cfn-lint") or {}
    ignored = [*config.get("config", {}).get("ignore_checks", []), rule_id]
    reasons = {**config.get("reasons", {}), rule_id: reason}
    resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ignored}, "reasons": reasons})


def nag_resource_text(stack: Stack, value: str) -> str:
    """cdk-nag names an IAM5 finding by the resolved value, flattened: Fn::Join joined, Ref as
    <Name>, Fn::GetAtt as <LogicalId.Attribute> (cdk-nag's flattenCfnReference)."""

    def flatten(node: Any) -> str:
        if isinstance(node, str):
            return node.replace("${", "<").replace("}", ">")
        if isinstance(node, dict) and "Fn::Join" in node:
            separator, parts = node["Fn::Join"]
            return str(separator).join(flatten(part) for part in parts)
        if isinstance(node, dict) and "Fn::Sub" in node:
            return flatten(node["Fn::Sub"])
        if isinstance(node, dict) and "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten(resource)}.{flatten(attribute)}>"
        if isinstance(node, dict) and "Fn::ImportValue" in node:
            return flatten(node["Fn::ImportValue"])
        if isinstance(node, dict) and "Ref" in node:
            return f"<{flatten(node['Ref'])}>"
        raise ValueError(f"cannot name the cdk-nag finding for {node!r}")

    return flatten(stack.resolve(value))
