"""Configs that together use every option, so the gates see every resource shape the app makes."""

from __future__ import annotations

from typing import Any

import yaml

from tests.conftest import EXAMPLE_CONFIG, REPO_ROOT

KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"

BOUNDARY = "arn:aws:iam::111111111111:policy/platform/permissions-boundary"

SCENARIOS: dict[str, dict[str, Any]] = {
    "example": yaml.safe_load(EXAMPLE_CONFIG.read_text()),
    "sse-kms-example": yaml.safe_load((REPO_ROOT / "config" / "sse-kms.example.yaml").read_text()),
    "coverage-example": yaml.safe_load((REPO_ROOT / "config" / "coverage.example.yaml").read_text()),
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
    "every-identity": {
        "account": "111111111111",
        "region": "eu-central-1",
        "stack_name": "AirsEveryIdentity",
        "flow_logs": {
            "subnet_ids": ["subnet-0a1b2c3d"],
            "bucket": {"kms_key_arn": "arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
        },
        "eks": {
            "clusters": [{"name": "prod-eks"}],
            "log_group_kms_key_arn": "arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        },
        "discovery_role": {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "airs-ext-1234",
        },
        "cloudtrail": {
            "bedrock_data_events": True,
            "kms_key_arn": "arn:aws:kms:eu-central-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        },
        "bedrock": {
            "model_ids": ["anthropic.claude-3-5-sonnet-20240620-v1:0", "eu.anthropic.claude-3-5-sonnet-20240620-v1:0"],
            "pod_access": [
                {
                    "cluster": "prod-eks",
                    "namespace": "app1",
                    "service_account": "app1-sa",
                    "install_pod_identity_agent": True,
                },
                {
                    "cluster": "legacy",
                    "namespace": "ml",
                    "service_account": "inference",
                    "mode": "irsa",
                    "oidc_issuer": "https://oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
                },
            ],
        },
        "iam": {"permissions_boundary_arn": BOUNDARY, "role_name_prefix": "airs-"},
    },
    "organization-example": yaml.safe_load((REPO_ROOT / "config" / "organization.example.yaml").read_text()),
    # Delegated administrator, two OUs (one the root) in three regions, the accounts included, every cluster
    # opened to one fixed role, generated role names, a reused trail, no auto-deployment, strict pacing.
    "organization-delegated": {
        "region": "eu-west-1",
        "stack_name": "AirsOrgDelegated",
        "organization": {
            "call_as": "DELEGATED_ADMIN",
            "organizational_units": ["ou-ab12-cd345678", "r-ab12"],
            "regions": ["eu-west-1", "eu-central-1", "us-east-1"],
            "include_accounts": ["222222222222", "333333333333", "444444444444"],
            "auto_deploy": False,
            "concurrency_mode": "STRICT_FAILURE_TOLERANCE",
            "max_concurrent_percentage": 100,
            "failure_tolerance_percentage": 0,
        },
        "flow_logs": {},
        "eks": {"coverage": "all", "discovery_role_arn": "arn:aws:iam::222222222222:role/airs-discovery"},
        "cloudtrail": {"existing_trail_arn": "arn:aws:cloudtrail:us-east-1:111111111111:trail/org-trail"},
        "bedrock": {"ec2_role": True, "model_ids": ["anthropic.claude-3-5-sonnet-20240620-v1:0"]},
    },
    # All-vpcs coverage with every option it takes: an SSE-KMS bucket, a KMS key on the handlers' log
    # groups, named roles under a permissions boundary, parquet with the ECS fields, no exclude tag.
    "all-vpcs": {
        "account": "111111111111",
        "region": "eu-west-1",
        "stack_name": "AirsAllVpcs",
        "flow_logs": {
            "coverage": "all-vpcs",
            "exclude_tag": None,
            "sweep_minutes": 15,
            "file_format": "parquet",
            "max_aggregation_seconds": 60,
            "include_ecs_fields": True,
            "bucket": {"kms_key_arn": KEY_ARN},
        },
        "eks": {
            "discovery_role_arn": "arn:aws:iam::111111111111:role/airs-discovery",
            "clusters": [{"name": "prod-eks"}],
            "log_group_kms_key_arn": KEY_ARN,
        },
        "iam": {"permissions_boundary_arn": BOUNDARY, "role_name_prefix": "airs-"},
    },
    # All-vpcs coverage with its defaults and an imported bucket (whose policy is never touched).
    "all-vpcs-existing-bucket": {
        "region": "us-west-2",
        "stack_name": "AirsAllVpcsExisting",
        "flow_logs": {"coverage": "all-vpcs", "bucket": {"existing_name": "customer-owned-flow-logs"}},
    },
    # Every member account covers its own VPCs and opens its tagged clusters to its own discovery role (one per
    # account, home region), with the audit role trusted by a known administrator account.
    "organization-all-vpcs": {
        "account": "111111111111",
        "region": "us-east-1",
        "stack_name": "AirsOrgAllVpcs",
        "organization": {
            "organizational_units": ["ou-abcd-12345678"],
            "regions": ["us-east-1", "eu-west-1"],
            "audit_role": True,
            "audit_external_id": "airs-audit-5d1e",
        },
        "flow_logs": {"exclude_tag": {"key": "flow-logs", "value": "skip"}},
        "discovery_role": {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "airs-ext-1234",
        },
        "eks": {},
        "iam": {"role_name_prefix": "airs-"},
    },
    "eks-tagged-example": yaml.safe_load((REPO_ROOT / "config" / "eks-tagged.example.yaml").read_text()),
    # EKS clusters opened by their tag, with every option: a fixed discovery role, its own tags, a KMS key on
    # the coverage function's log group, named roles under a permissions boundary; flow logs listed beside.
    "eks-tagged": {
        "account": "111111111111",
        "region": "eu-west-1",
        "stack_name": "AirsEksTagged",
        "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d"]},
        "eks": {
            "coverage": "tagged",
            "discovery_role_arn": "arn:aws:iam::111111111111:role/airs-discovery",
            "opt_in_tag": {"key": "team/airs-discovery", "value": "open"},
            "public_endpoint_tag": {"key": "team/airs-discovery-public", "value": "allow"},
            "allowed_cidrs": ["34.71.64.3/32", "34.28.60.186/32", "2600:1f18:4000::/40"],
            "log_group_kms_key_arn": KEY_ARN,
        },
        "iam": {"permissions_boundary_arn": BOUNDARY, "role_name_prefix": "airs-"},
    },
    # Every cluster of the account and region, private-only ones always refused, to a role created here.
    "eks-all": {
        "region": "us-west-2",
        "stack_name": "AirsEksAll",
        "flow_logs": {"vpc_ids": ["vpc-0a1b2c3d"], "bucket": {"existing_name": "customer-owned-flow-logs"}},
        "eks": {"coverage": "all", "public_endpoint_tag": None},
        "discovery_role": {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "airs-ext-1234",
        },
    },
    # One runner for every VPC and the tagged clusters: an SSE-KMS bucket, the default tags.
    "all-vpcs-eks-tagged": {
        "account": "111111111111",
        "region": "eu-west-1",
        # checkov's entropy test (CKV_AWS_45) took the report parameter named after this stack for a secret,
        # until the coverage function acknowledged it.
        "stack_name": "AirsAllVpcsEksTagged",
        "flow_logs": {"coverage": "all-vpcs", "sweep_minutes": 30, "bucket": {"kms_key_arn": KEY_ARN}},
        "eks": {"coverage": "tagged", "discovery_role_arn": "arn:aws:iam::111111111111:role/airs-discovery"},
        "cloudtrail": {"kms_key_arn": KEY_ARN},
    },
    # Every identity an organization can have: the discovery role, the audit role
    # trusted by an administrator account known at deploy time only, a created trail with data events, named
    # roles under a permissions boundary; the accounts of one OU but one.
    "organization-eks-tagged": {
        "region": "us-east-1",
        "stack_name": "AirsOrgEksTagged",
        "organization": {
            "organizational_units": ["ou-abcd-12345678"],
            "regions": ["us-east-1", "eu-west-1"],
            "exclude_accounts": ["999999999999"],
            "audit_role": True,
            "audit_external_id": "airs-audit-5d1e",
        },
        "flow_logs": {"sweep_minutes": 15},
        "eks": {"opt_in_tag": {"key": "team/airs", "value": "open"}},
        "discovery_role": {
            "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
            "external_id": "airs-ext-1234",
        },
        "cloudtrail": {"bedrock_data_events": True},
        "bedrock": {"ec2_role": True},
        "iam": {"permissions_boundary_arn": BOUNDARY, "role_name_prefix": "airs-"},
    },
    "reused-trail": {
        "region": "us-east-2",
        "stack_name": "AirsReusedTrail",
        "flow_logs": {"vpc_ids": ["vpc-0a1b2c3d"]},
        "cloudtrail": {"existing_trail_arn": "arn:aws:cloudtrail:us-east-1:222222222222:trail/org-trail"},
        "bedrock": {"ec2_role": True},
    },
}


#: The example as `make template` writes it (no CDK bootstrap): the gates check that template too.
SCENARIOS["example-template"] = SCENARIOS["example"]
#: Scenarios synthesized with --context template=true.
STANDALONE_TEMPLATE_SCENARIOS = frozenset({"example-template"})


def template_labels() -> list[str]:
    """One label per template the scenarios produce: ``<scenario>``, and ``<scenario>/member`` for the
    StackSet member template of an organization scenario."""
    labels = []
    for name, config in sorted(SCENARIOS.items()):
        labels.append(name)
        if config.get("organization"):
            labels.append(f"{name}/member")
    return labels
