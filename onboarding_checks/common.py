"""What doctor and verify both run on: the config's subnets and VPCs, its clusters; and the rule they
both run, on the format of the flow logs already there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from onboarding_constructs.validation import STANDARD_FIELDS_BY_VERSION, missing_standard_fields

from .probes import flow_logs_on, flow_logs_to, stack_bucket_arn
from .rules import Context, Finding, Targets, rule, warning

if TYPE_CHECKING:
    from onboarding_config.model import EksClusterConfig

#: What a flow log records when it was created without a format.
DEFAULT_FORMAT = " ".join(f"${{{field}}}" for field in STANDARD_FIELDS_BY_VERSION[2])


@dataclass(frozen=True)
class Network:
    """A subnet or a VPC of the config, to log: ``kind`` is ``subnet`` or ``vpc``."""

    id: str
    kind: str


def _networks(context: Context) -> Iterator[Network]:
    yield from (Network(subnet, "subnet") for subnet in context.config.flow_logs.subnet_ids)
    yield from (Network(vpc, "vpc") for vpc in context.config.flow_logs.vpc_ids)


def _clusters(context: Context) -> tuple[EksClusterConfig, ...]:
    return context.config.eks.clusters if context.config.eks else ()


def _network_id(network: Network) -> str:
    return network.id


def _cluster_name(cluster: EksClusterConfig) -> str:
    return cluster.name


NETWORKS = Targets("each of `flow_logs.subnet_ids` and `flow_logs.vpc_ids`", _networks, _network_id)
CLUSTERS = Targets("each of `eks.clusters`", _clusters, _cluster_name)


@rule(
    "flow log format",
    on=NETWORKS,
    checks="each flow log already there records every standard field; one that lacks some warns, naming them (the"
    " stack's own, from an earlier release: deploy again; another: recreate it, or accept that AIRS sees less)",
)
def flow_log_format(context: Context, network: Network) -> Iterator[Finding]:
    flow_logs = flow_logs_on(context, network.id)
    ours = {f["FlowLogId"] for f in flow_logs_to(flow_logs, stack_bucket_arn(context))}
    for flow_log in flow_logs:
        missing = missing_standard_fields(flow_log.get("LogFormat") or DEFAULT_FORMAT)
        if not missing:
            continue
        flow_log_id = flow_log["FlowLogId"]
        destination = flow_log.get("LogDestination") or flow_log.get("LogGroupName") or "?"
        detail = f"{flow_log_id} (to {destination}) lacks {len(missing)} standard field(s): {', '.join(missing)}"
        if flow_log_id in ours:
            fix = "deploy the stack again (make deploy): it replaces its flow logs with every standard field"
        else:
            fix = (
                f"recreate {flow_log_id} with every standard field (a flow log's format cannot be edited), or keep it"
                " and accept that AIRS sees less"
            )
        yield warning(detail, fix)
