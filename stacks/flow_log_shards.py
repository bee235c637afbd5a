"""Flow logs of an estate too large for one stack: spread over a fixed number of shard stacks by a
hash of each subnet or VPC id, so where a flow log lives never depends on the other ids.

CloudFormation allows 500 resources and 1 MB per template. An account stack keeps its flow logs
while it stays within ``RESOURCE_BUDGET``; beyond it, it leaves them to ``add_shard_stacks``, which
the app calls beside it: every flow log goes to ``<stack>-FlowLogs<n>`` (only the shards that hold
one exist). Adding or removing an id then never moves another one: a move would delete and
recreate that flow log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from aws_cdk import CfnResource, Environment, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct

from onboarding_constructs import FlowLogs
from onboarding_constructs.validation import MAX_STACK_RESOURCES

from .flow_log_options import FlowLogOptions

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


@dataclass(frozen=True)
class ShardedFlowLogs:
    """The flow logs an account stack leaves to shard stacks: where they go and what they log."""

    bucket: s3.IBucket
    subnet_ids: Sequence[str]
    vpc_ids: Sequence[str]
    options: FlowLogOptions


class FlowLogShardStack(Stack):
    """The flow logs of the subnets and VPCs of one shard, to the account stack's bucket."""

    def __init__(self, scope: Construct, construct_id: str, *, shard: ShardedFlowLogs, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self._flow_logs = shard.options.flow_logs(
            self, "FlowLogs", bucket=shard.bucket, subnet_ids=shard.subnet_ids, vpc_ids=shard.vpc_ids
        )

    @property
    def flow_logs(self) -> FlowLogs:
        """The ``FlowLogs`` of this shard's subnets and VPCs."""
        return self._flow_logs


def split_by_shard(ids: Sequence[str]) -> dict[int, list[str]]:
    shards: dict[int, list[str]] = {}
    for resource_id in ids:
        shards.setdefault(shard_of(resource_id), []).append(resource_id)
    return shards


def add_shard_stacks(
    scope: Construct, stack_id: str, sharded: ShardedFlowLogs, *, env: Environment | None, description: str
) -> list[FlowLogShardStack]:
    """The shard stacks ``<stack_id>-FlowLogs<n>`` in ``scope`` (beside the account stack), one per
    shard that holds a subnet or VPC of ``sharded``."""
    subnets, vpcs = split_by_shard(sharded.subnet_ids), split_by_shard(sharded.vpc_ids)
    return [
        FlowLogShardStack(
            scope,
            f"{stack_id}-FlowLogs{shard}",
            shard=replace(sharded, subnet_ids=subnets.get(shard, []), vpc_ids=vpcs.get(shard, [])),
            env=env,
            description=f"{description}: flow logs of shard {shard} of {SHARDS}"
            " (subnets and VPCs by a hash of their id)",
        )
        for shard in sorted({*subnets, *vpcs})
    ]
