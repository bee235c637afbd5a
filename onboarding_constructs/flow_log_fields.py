"""The VPC flow log record fields, the one place that lists them.

Source: Amazon VPC User Guide, "Logging IP traffic using VPC Flow Logs" > "Flow log records" >
"Available fields" (https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html).

The published onboarding step asks for "Custom Format" with "all the Standard attributes": in the
console those are every field except the ECS ones (version 7), which only apply to ECS tasks and are
opt-in here. A new field version from AWS goes in here, with its version number.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

#: Standard (non-ECS) fields by the flow log version that introduced them, in AWS's order.
STANDARD_FIELDS_BY_VERSION: Mapping[int, tuple[str, ...]] = MappingProxyType(
    {
        2: (
            "version",
            "account-id",
            "interface-id",
            "srcaddr",
            "dstaddr",
            "srcport",
            "dstport",
            "protocol",
            "packets",
            "bytes",
            "start",
            "end",
            "action",
            "log-status",
        ),
        3: ("vpc-id", "subnet-id", "instance-id", "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr"),
        4: ("region", "az-id", "sublocation-type", "sublocation-id"),
        5: ("pkt-src-aws-service", "pkt-dst-aws-service", "flow-direction", "traffic-path"),
        8: ("reject-reason",),
    }
)

#: Version 7: Amazon ECS fields, empty ("-") for traffic that is not from an ECS task.
ECS_FIELDS: tuple[str, ...] = (
    "ecs-cluster-arn",
    "ecs-cluster-name",
    "ecs-container-instance-arn",
    "ecs-container-instance-id",
    "ecs-container-id",
    "ecs-second-container-id",
    "ecs-service-name",
    "ecs-task-definition-arn",
    "ecs-task-arn",
    "ecs-task-id",
)

STANDARD_FIELDS: tuple[str, ...] = tuple(
    field for version in sorted(STANDARD_FIELDS_BY_VERSION) for field in STANDARD_FIELDS_BY_VERSION[version]
)


def record_fields(*, include_ecs_fields: bool) -> tuple[str, ...]:
    """The fields of a record, in order: every standard field, then the ECS fields if asked for."""
    return STANDARD_FIELDS + (ECS_FIELDS if include_ecs_fields else ())


def log_format(*, include_ecs_fields: bool) -> str:
    """The custom log format string, ``${field} ${field} ...``, as CreateFlowLogs expects it."""
    return " ".join(f"${{{field}}}" for field in record_fields(include_ecs_fields=include_ecs_fields))
