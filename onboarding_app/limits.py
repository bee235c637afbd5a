"""CloudFormation's limits on what one stack may hold, checked at synth with a message that says
what to change (instead of a failed deploy, or the CDK's own traceback)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from aws_cdk import Stack
from constructs import IConstruct

from onboarding_constructs.validation import MAX_STACK_RESOURCES as MAX_RESOURCES
from onboarding_constructs.validation import MAX_TEMPLATE_BYTES
from stacks.flow_log_shards import SHARDS, FlowLogShardStack, cfn_resources


class LimitError(Exception):
    """The config makes a stack larger than CloudFormation allows; nothing was synthesized."""


def check_resource_counts(scope: IConstruct) -> None:
    """Every stack under ``scope`` within ``MAX_RESOURCES``; raises ``LimitError`` naming the fix."""
    problems = []
    for stack in (node for node in scope.node.find_all() if isinstance(node, Stack)):
        kinds = Counter(resource.cfn_resource_type for resource in cfn_resources(stack))
        total = sum(kinds.values())
        if total <= MAX_RESOURCES:
            continue
        if isinstance(stack, FlowLogShardStack):
            problems.append(
                f"stack {stack.stack_name} would hold {total} flow logs, and CloudFormation allows {MAX_RESOURCES}"
                f" resources per stack: the subnets and VPCs do not fit in {SHARDS} flow log stacks. Log whole VPCs"
                " (flow_logs.vpc_ids) instead of their subnets, or split them over several configs, each with its own"
                " stack_name."
            )
        else:
            largest = ", ".join(f"{kind} x{count}" for kind, count in kinds.most_common(3))
            problems.append(
                f"stack {stack.stack_name} would hold {total} resources ({largest}, ...), and CloudFormation allows"
                f" {MAX_RESOURCES}. Split eks.clusters and bedrock.pod_access over several configs, each with its own"
                " stack_name."
            )
    if problems:
        raise LimitError("\n".join(problems))


def check_template_sizes(assembly_dir: Path) -> None:
    """Every template in the cloud assembly within ``MAX_TEMPLATE_BYTES``."""
    too_large = [
        f"{path.name} is {path.stat().st_size:,} bytes, and CloudFormation allows {MAX_TEMPLATE_BYTES:,}. Split"
        " the config over several configs, each with its own stack_name."
        for path in sorted(assembly_dir.glob("*.template.json"))
        if path.stat().st_size > MAX_TEMPLATE_BYTES
    ]
    if too_large:
        raise LimitError("\n".join(too_large))
