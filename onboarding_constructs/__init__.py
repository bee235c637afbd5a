"""AWS CDK constructs that prepare an AWS account for Prisma AIRS (AI Runtime Security) discovery.

One construct per onboarding prerequisite; the app in this repository composes them from a
config file, and other CDK apps can use them directly.

The public API is this package's ``__all__`` and ``onboarding_constructs.validation`` (the rules
the constructs check their props against). No other module is part of it: the underscore modules
are private, and a name imported from a construct's own module may move.
"""

from ._errors import PropsError
from ._flow_log_fields import ECS_FIELDS, STANDARD_FIELDS
from ._flow_log_fields import log_format as flow_log_format
from ._kubernetes_manifest import manifest_path, pod_access_id, render_manifest, render_pending_manifest
from .bedrock_audit_trail import (
    BEDROCK_DATA_RESOURCE_TYPES,
    DEFAULT_TRAIL_NAME,
    DEFAULT_TRAIL_RETENTION,
    BedrockAuditTrail,
)
from .bedrock_invoker_instance_role import BedrockInvokerInstanceRole
from .discovery_role import ALWAYS_DENIED, DENY_SID, DISCOVERY_ROLE_NAME, SENSITIVE_READS, DiscoveryRole
from .eks_cluster_access_handler import STATE_PARAMETER_PREFIX, EksClusterAccessHandler
from .eks_discovery_access import (
    DEFAULT_ACCESS_POLICY,
    DISCOVERY_CIDRS,
    EksDiscoveryAccess,
)
from .estate_coverage import (
    COVERAGE_TAG_KEY,
    DEFAULT_OPT_IN_TAG,
    DEFAULT_PUBLIC_ENDPOINT_TAG,
    REPORT_PARAMETER_PREFIX,
    ClusterCoverage,
    EstateCoverage,
)
from .flow_log_bucket import DEFAULT_RETENTION, FlowLogBucket
from .flow_logs import FlowLogAggregationInterval, FlowLogFileFormat, FlowLogs
from .onboarding_audit_role import AUDIT_ACTIONS, AUDIT_ROLE_NAME, OnboardingAuditRole
from .pod_bedrock_access import POD_IDENTITY_AGENT_ADDON, PodAccessMode, PodBedrockAccess
from .role_policy import apply_role_policy
from .service_managed_stack_set import ConcurrencyMode, ServiceManagedStackSet

__all__ = [
    "ALWAYS_DENIED",
    "AUDIT_ACTIONS",
    "AUDIT_ROLE_NAME",
    "BEDROCK_DATA_RESOURCE_TYPES",
    "COVERAGE_TAG_KEY",
    "DEFAULT_ACCESS_POLICY",
    "DEFAULT_OPT_IN_TAG",
    "DEFAULT_PUBLIC_ENDPOINT_TAG",
    "DEFAULT_RETENTION",
    "DEFAULT_TRAIL_NAME",
    "DEFAULT_TRAIL_RETENTION",
    "DENY_SID",
    "DISCOVERY_CIDRS",
    "DISCOVERY_ROLE_NAME",
    "ECS_FIELDS",
    "POD_IDENTITY_AGENT_ADDON",
    "REPORT_PARAMETER_PREFIX",
    "SENSITIVE_READS",
    "STANDARD_FIELDS",
    "STATE_PARAMETER_PREFIX",
    "BedrockAuditTrail",
    "BedrockInvokerInstanceRole",
    "ClusterCoverage",
    "ConcurrencyMode",
    "DiscoveryRole",
    "EksClusterAccessHandler",
    "EksDiscoveryAccess",
    "EstateCoverage",
    "FlowLogAggregationInterval",
    "FlowLogBucket",
    "FlowLogFileFormat",
    "FlowLogs",
    "OnboardingAuditRole",
    "PodAccessMode",
    "PodBedrockAccess",
    "PropsError",
    "ServiceManagedStackSet",
    "apply_role_policy",
    "flow_log_format",
    "manifest_path",
    "pod_access_id",
    "render_manifest",
    "render_pending_manifest",
]
