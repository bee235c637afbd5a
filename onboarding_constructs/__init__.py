"""AWS CDK constructs that prepare an AWS account for Prisma AIRS (AI Runtime Security) discovery.

One construct per onboarding prerequisite; the app in this repository composes them from a
config file, and other CDK apps can use them directly.
"""

from .eks_cluster_access_handler import EksClusterAccessHandler
from .eks_discovery_access import DEFAULT_ACCESS_POLICY, DISCOVERY_CIDRS, EksDiscoveryAccess
from .flow_log_bucket import DEFAULT_RETENTION, FlowLogBucket
from .flow_log_fields import ECS_FIELDS, STANDARD_FIELDS
from .flow_logs import FlowLogAggregationInterval, FlowLogFileFormat, FlowLogs

__all__ = [
    "DEFAULT_ACCESS_POLICY",
    "DEFAULT_RETENTION",
    "DISCOVERY_CIDRS",
    "ECS_FIELDS",
    "EksClusterAccessHandler",
    "EksDiscoveryAccess",
    "STANDARD_FIELDS",
    "FlowLogAggregationInterval",
    "FlowLogBucket",
    "FlowLogFileFormat",
    "FlowLogs",
]
