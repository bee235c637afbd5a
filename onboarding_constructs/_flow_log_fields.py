"""The VPC flow log record fields, the one place that lists them.

Source: Amazon VPC User Guide, "Logging IP traffic using VPC Flow Logs" > "Flow log records" >
"Available fields" (``SOURCE_URL``), read on ``READ_ON``. Each field is listed under the flow log
version that introduced it, the "Version" column of that table.

The published onboarding step asks for "Custom Format" with "all the Standard attributes": every
field a flow log can fill on its own. Not among them: the Amazon ECS fields (version 7), which only
apply to ECS tasks and are opt-in here, and the EC2 tag fields (version 11), which record the values of
tag keys chosen in the flow log's ``TagFieldSpecifications`` through a service-linked role, so they
need a choice this project cannot make. A field AWS adds goes in here, with its version, and
``READ_ON`` moves to the day the table was read again.

A flow log's format cannot be edited: a change to ``STANDARD_FIELDS`` replaces every flow log a stack
made on its next deploy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

SOURCE_URL = "https://docs.aws.amazon.com/vpc/latest/userguide/flow-log-records.html"
#: The day the "Available fields" table at ``SOURCE_URL`` was read (ISO 8601).
READ_ON = "2026-11-30"

#: Standard fields by the flow log version that introduced them, in AWS's order.
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
        9: ("resource-id",),  # regional NAT gateways
        10: ("encryption-status",),  # VPC Encryption Controls
        11: (
            "interface-type",
            "next-hop-interface-id",
            "next-hop-subnet-id",
            "next-hop-az-id",
            "next-hop-vpc-id",
            "next-hop-interface-type",
        ),
    }
)

ECS_FIELDS_VERSION = 7
#: Amazon ECS fields, empty ("-") for traffic that is not from an ECS task.
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

TAG_FIELDS_VERSION = 11
#: EC2 tag fields: the values of the tag keys a flow log's ``TagFieldSpecifications`` names (at most
#: two per resource type). Never in this project's format.
TAG_FIELDS: tuple[str, ...] = (
    "instance-tag",
    "instance-tag-2",
    "interface-tag",
    "interface-tag-2",
    "asg-tag",
    "asg-tag-2",
)

STANDARD_FIELDS: tuple[str, ...] = tuple(
    field for version in sorted(STANDARD_FIELDS_BY_VERSION) for field in STANDARD_FIELDS_BY_VERSION[version]
)

#: Every field of the table, with the version that introduced it.
FIELD_VERSIONS: Mapping[str, int] = MappingProxyType(
    {
        **{field: version for version, fields in STANDARD_FIELDS_BY_VERSION.items() for field in fields},
        **dict.fromkeys(ECS_FIELDS, ECS_FIELDS_VERSION),
        **dict.fromkeys(TAG_FIELDS, TAG_FIELDS_VERSION),
    }
)

_FIELD = re.compile(r"\$\{([^}]+)\}")


def record_fields(*, include_ecs_fields: bool) -> tuple[str, ...]:
    """The fields of a record, in order: every standard field, then the ECS fields if asked for."""
    return STANDARD_FIELDS + (ECS_FIELDS if include_ecs_fields else ())


def log_format(*, include_ecs_fields: bool) -> str:
    """The custom log format string, ``${field} ${field} ...``, as CreateFlowLogs expects it."""
    return " ".join(f"${{{field}}}" for field in record_fields(include_ecs_fields=include_ecs_fields))


def format_fields(format_string: str) -> tuple[str, ...]:
    """The fields of a flow log's ``LogFormat`` (as DescribeFlowLogs returns it), in order."""
    return tuple(_FIELD.findall(format_string))


def missing_standard_fields(format_string: str) -> tuple[str, ...]:
    """The standard fields a flow log's ``LogFormat`` lacks, in AWS's order."""
    present = set(format_fields(format_string))
    return tuple(field for field in STANDARD_FIELDS if field not in present)
