"""Configs that together use every option, so the gates see every resource shape the app makes."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import EXAMPLE_CONFIG, REPO_ROOT

KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"

SCENARIOS: dict[str, dict[str, Any]] = {
    "example": yaml.safe_load(EXAMPLE_CONFIG.read_text()),
    "sse-kms-example": yaml.safe_load((REPO_ROOT / "config" / "sse-kms.example.yaml").read_text()),
    "existing-bucket": {
        "account": "111111111111",
        "region": "us-west-2",
        "stack_name": "AirsExistingBucket",
        "flow_logs": {"vpc_ids": ["vpc-0123456789abcdef0"], "bucket": {"existing_name": "customer-owned-flow-logs"}},
    },
    "keep-forever-no-account": {
        "region": "ap-southeast-2",
        "stack_name": "AirsKeepForever",
        "flow_logs": {
            "subnet_ids": ["subnet-1234abcd"],
            "vpc_ids": ["vpc-abcd1234"],
            "bucket": {"retention_days": None},
            "max_aggregation_seconds": 60,
        },
        "eks": {
            "discovery_role_arn": "arn:aws:iam::222222222222:role/path/airs-discovery",
            "allowed_cidrs": ["34.71.64.3/32", "34.28.60.186/32", "2600:1f18:4000::/40"],
            "clusters": [{"name": "prod-eks"}, {"name": "private_cluster-2", "enable_public_endpoint": True}],
        },
    },
}
