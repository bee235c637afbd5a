"""Flow logs of an estate too large for one stack: spread over a fixed number of shard stacks by a
hash of each subnet or VPC id, so where a flow log lives never depends on the other ids.

CloudFormation allows 500 resources and 1 MB per template. An account stack keeps its flow logs
while it stays within ``RESOURCE_BUDGET``; beyond it, every flow log goes to
``<stack>-FlowLogs<n>`` (only the shards that hold one exist). Adding or removing an id then never
moves another one: a move would delete and recreate that flow log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from onboarding_constructs import FlowLogs
from onboarding_constructs.validation import MAX_STACK_RESOURCES

#: CloudFormation's limit of resources per stack.
MAX_RESOURCES = MAX_STACK_RESOURCES
#: Resources an account stack may hold with its flow logs; the rest of 500 is room for changes
#: that add resources later (a cluster, a pod role) without a move of every flow log.
RESOURCE_BUDGET = 450
#: Fixed for good: changing it would move most flow logs to another stack.
SHARDS = 8


def shard_of(resource_id: str) -> int:
    """The shard of a subnet or VPC id: the same for that id in every estate."""
    return int.from_bytes(hashlib.sha256(resource_id.encode()).digest()[:4], "big") % SHARDS


def cfn_resources(stack: Stack) -> list[CfnResource]:
    """CloudFormation resources defined in ``stack`` itself (not in stacks nested in its scope)."""
    return [node for node in stack.node.find_all() if isinstance(node, CfnResource) and Stack.of(node) is stack]


def resource_count(stack: Stack) -> int:
    return len(cfn_resources(stack))


class FlowLogShardStack(Stack):
    """The flow logs of the subnets and VPCs of one shard, to the account stack's bucket."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket: s3.IBucket,
        subnet_ids: Sequence[str],
        vpc_ids: Sequence[str],
        flow_log_props: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.flow_logs = FlowLogs(
            self, "FlowLogs", bucket=bucket, subnet_ids=subnet_ids, vpc_ids=vpc_ids, **flow_log_props
        )


def split_by_shard(ids: Sequence[str]) -> dict[int, list[str]]:
    shards: dict[int, list[str]] = {}
    for resource_id in ids:
        shards.setdefault(shard_of(resource_id), []).append(resource_id)
    return shards
