"""What doctor and verify both run on: the config's subnets and VPCs, its clusters; the rule they both
run, on the format of the flow logs already there; and what all-vpcs coverage leaves out."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from onboarding_constructs.validation import STANDARD_FIELDS_BY_VERSION, missing_standard_fields

from .probes import flow_logs_on, flow_logs_to, stack_bucket_arn, tags_of
from .results import Status
from .rules import Context, Finding, Targets, rule, warning

if TYPE_CHECKING:
    from typing import Any

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


def all_vpcs(context: Context) -> bool:
    """``flow_logs.coverage: all-vpcs``: every VPC of the account and region is logged, by the sweep."""
    return context.config.flow_logs.coverage == "all-vpcs"


def exclude_tag(context: Context) -> str | None:
    """``flow_logs.exclude_tag`` as ``key=value``; None when no VPC is left out."""
    tag = context.config.flow_logs.exclude_tag
    return f"{tag.key}={tag.value}" if tag is not None else None


def excluded(context: Context, vpc: dict[str, Any]) -> bool:
    """Whether the VPC carries ``flow_logs.exclude_tag`` (key and value exactly)."""
    tag = context.config.flow_logs.exclude_tag
    return tag is not None and tags_of(vpc).get(tag.key) == tag.value


def leave_out(context: Context) -> str:
    """How to keep a VPC out of all-vpcs coverage, as part of a fix."""
    tag = exclude_tag(context)
    return f"tag the VPC {tag} to leave it out" if tag else "set flow_logs.exclude_tag and tag the VPC with it"


#: Rows on many things (the VPCs of a region) read problems first.
SEVERITY = {Status.FAIL: 0, Status.WARN: 1, Status.PASS: 2}


def problems_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda finding: (SEVERITY[finding.status], finding.on))


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
