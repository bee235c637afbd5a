"""AWS CDK constructs that prepare an AWS account for Prisma AIRS (AI Runtime Security) discovery.

One construct per onboarding prerequisite; the app in this repository composes them from a
config file, and other CDK apps can use them directly.
"""

from .flow_log_bucket import DEFAULT_RETENTION, FlowLogBucket
from .flow_log_fields import ECS_FIELDS, STANDARD_FIELDS
from .flow_logs import FlowLogAggregationInterval, FlowLogFileFormat, FlowLogs

__all__ = [
    "DEFAULT_RETENTION",
    "ECS_FIELDS",
    "STANDARD_FIELDS",
    "FlowLogAggregationInterval",
    "FlowLogBucket",
    "FlowLogFileFormat",
    "FlowLogs",
]
