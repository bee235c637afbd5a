"""AWS CDK constructs that prepare an AWS account for Prisma AIRS (AI Runtime Security) discovery.

One construct per onboarding prerequisite; the app in this repository composes them from a
config file, and other CDK apps can use them directly.
"""

from ._errors import PropsError
from ._flow_log_fields import ECS_FIELDS, STANDARD_FIELDS
from ._kubernetes_manifest import manifest_path, pod_access_id, render_manifest, render_pending_manifest
from .bedrock_audit_trail import (
    BEDROCK_DATA_RESOURCE_TYPES,
    DEFAULT_TRAIL_NAME,
    DEFAULT_TRAIL_RETENTION,
    BedrockAuditTrail,
)
from .bedrock_invoker_instance_role import BedrockInvokerInstanceRole
from .discovery_role import DiscoveryRole
from .eks_cluster_access_handler import EksClusterAccessHandler
from .eks_discovery_access import (
    DEFAULT_ACCESS_POLICY,
    DISCOVERY_CIDRS,
    EksDiscoveryAccess,
)
from .flow_log_bucket import DEFAULT_RETENTION, FlowLogBucket
from .flow_logs import FlowLogAggregationInterval, FlowLogFileFormat, FlowLogs
from .pod_bedrock_access import POD_IDENTITY_AGENT_ADDON, PodAccessMode, PodBedrockAccess
from .role_policy import apply_role_policy
from .service_managed_stack_set import ServiceManagedStackSet

__all__ = [
    "BEDROCK_DATA_RESOURCE_TYPES",
    "DEFAULT_ACCESS_POLICY",
    "DEFAULT_RETENTION",
    "DEFAULT_TRAIL_NAME",
    "DEFAULT_TRAIL_RETENTION",
    "DISCOVERY_CIDRS",
    "ECS_FIELDS",
    "POD_IDENTITY_AGENT_ADDON",
    "STANDARD_FIELDS",
    "BedrockAuditTrail",
    "BedrockInvokerInstanceRole",
    "DiscoveryRole",
    "EksClusterAccessHandler",
    "EksDiscoveryAccess",
    "FlowLogAggregationInterval",
    "FlowLogBucket",
    "FlowLogFileFormat",
    "FlowLogs",
    "PodAccessMode",
    "PodBedrockAccess",
    "PropsError",
    "ServiceManagedStackSet",
    "apply_role_policy",
    "manifest_path",
    "pod_access_id",
    "render_manifest",
    "render_pending_manifest",
]
