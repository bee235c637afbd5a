"""Generated configs of a given size: ``subnets`` subnet-level flow logs and ``clusters`` EKS clusters,
with the trail and the EC2 role on, like a real account."""

from __future__ import annotations

from typing import Any

DISCOVERY_ROLE = "arn:aws:iam::111111111111:role/airs-discovery"


def estate_config(subnets: int, clusters: int) -> dict[str, Any]:
    return {
        "region": "us-east-1",
        "stack_name": f"Bench{subnets}x{clusters}",
        "flow_logs": {"subnet_ids": [f"subnet-{n:017x}" for n in range(1, subnets + 1)]},
        "eks": {
            "discovery_role_arn": DISCOVERY_ROLE,
            "clusters": [{"name": f"cluster-{n}"} for n in range(1, clusters + 1)],
        },
        "cloudtrail": {},
        "bedrock": {"ec2_role": True},
    }
