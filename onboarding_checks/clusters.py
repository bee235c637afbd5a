"""What a deploy would do to one EKS cluster, planned by the EKS handler's rules
(lambda/eks_cluster_access/index.py: ``authentication_mode``, ``plan_endpoint``, ``merge_cidrs``), which
the checks cannot import. Doctor's rules on the listed clusters and its row for each cluster that
``eks.coverage: tagged``/``all`` covers ask the questions here, and phrase the fixes for where the
cluster came from (the config's ``enable_public_endpoint``, or a tag on the cluster).

Which clusters ``tagged`` and ``all`` cover, and which the runner has changed, is here too: doctor and
verify both need it."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from onboarding_constructs.validation import MAX_PUBLIC_ACCESS_CIDRS as MAX_PUBLIC_CIDRS

from .aws import error_code
from .probes import COVERAGE_TAG_KEY, admits_whole_family, cluster, discovery_cidrs

if TYPE_CHECKING:
    from onboarding_config.model import EksConfig

    from .rules import Context

#: The first platform version of each Kubernetes version with access entries (EKS user guide);
#: every later Kubernetes version has them from its first platform version.
ACCESS_ENTRY_PLATFORMS = {"1.23": 17, "1.24": 15, "1.25": 12, "1.26": 11, "1.27": 10, "1.28": 6}
#: The mode the runner and the custom resource move a CONFIG_MAP cluster to; EKS cannot move it back.
OPENED_MODE = "API_AND_CONFIG_MAP"


# --- what the handler would do ------------------------------------------------------------------------------


def access_entries_needed(description: dict[str, Any]) -> str | None:
    """What the cluster must be updated to before it has access entries (``platform version eks.6 or
    later``); None when its Kubernetes and platform versions have them."""
    version, platform = str(description.get("version", "")), str(description.get("platformVersion", ""))
    match = re.fullmatch(r"eks\.(\d+)", platform)
    minimum = ACCESS_ENTRY_PLATFORMS.get(version)
    major_minor = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    supported = (
        major_minor > (1, 28) if minimum is None else (match is not None and int(match.group(1)) >= minimum)
    ) and major_minor >= (1, 23)
    if supported:
        return None
    return f"platform version eks.{minimum} or later" if minimum else "Kubernetes 1.23 or later"


def versions(description: dict[str, Any]) -> str:
    """``Kubernetes 1.31, platform eks.12``."""
    return f"Kubernetes {description.get('version', '')}, platform {description.get('platformVersion', '')}"


#: Why the handler refuses to change an endpoint (``EndpointPlan.refused``).
PRIVATE_ONLY = "private-only"
OVER_THE_LIMIT = "over the limit"
IPV6_ON_AN_IPV4_CLUSTER = "IPv6 on an IPv4 cluster"


@dataclass(frozen=True)
class EndpointPlan:
    """What the handler does to a cluster's public endpoint. ``refused``: one of the reasons above, for a
    change it refuses before changing anything (auth mode included); then ``detail`` says why."""

    current: tuple[str, ...]
    add: tuple[str, ...] = ()
    turns_public_access_on: bool = False
    open_to_all: bool = False
    refused: str | None = None
    detail: str = ""
    #: OVER_THE_LIMIT: how many CIDRs must go from the allow-list first.
    too_many: int = 0


def plan_endpoint(context: Context, description: dict[str, Any], *, public_opt_in: bool) -> EndpointPlan:
    """The handler's ``plan_endpoint`` for a cluster it has not changed yet, with the config's allowed
    CIDRs; ``public_opt_in``: the cluster may have public access turned on (enable_public_endpoint, or
    the public-endpoint tag)."""
    vpc = description.get("resourcesVpcConfig") or {}
    allowed = discovery_cidrs(context)
    current = tuple(vpc.get("publicAccessCidrs") or [])
    family = ((description.get("kubernetesNetworkConfig") or {}).get("ipFamily") or "ipv4").lower()
    ipv6 = [c for c in allowed if ipaddress.ip_network(c, strict=False).version == 6]
    if family == "ipv4" and ipv6:
        return EndpointPlan(
            current,
            refused=IPV6_ON_AN_IPV4_CLUSTER,
            detail=f"an IPv4 cluster: the IPv6 ranges {', '.join(ipv6)} of eks.allowed_cidrs cannot be allowed on"
            " its endpoint",
        )
    if not vpc.get("endpointPublicAccess"):
        if not public_opt_in:
            return EndpointPlan(
                current,
                refused=PRIVATE_ONLY,
                detail="private-only, and discovery reaches clusters over the public endpoint",
            )
        return EndpointPlan(current, add=tuple(allowed), turns_public_access_on=True)
    add = tuple(c for c in allowed if c not in current and not admits_whole_family(current, c))
    if not add and any(admits_whole_family(current, c) for c in allowed):
        return EndpointPlan(current, open_to_all=True)
    if len(current) + len(add) > MAX_PUBLIC_CIDRS:
        return EndpointPlan(
            current,
            add,
            refused=OVER_THE_LIMIT,
            detail=f"{len(current)} CIDRs on the allow-list; {len(add)} more would pass the EKS limit of"
            f" {MAX_PUBLIC_CIDRS}",
            too_many=len(current) + len(add) - MAX_PUBLIC_CIDRS,
        )
    return EndpointPlan(current, add)


def remove_cidrs_fix(plan: EndpointPlan) -> str:
    """The fix for OVER_THE_LIMIT."""
    return f"remove at least {plan.too_many} CIDRs from the cluster's allow-list first"


def refusal(context: Context, description: dict[str, Any]) -> tuple[str, str] | None:
    """Why the runner would not open an ACTIVE cluster in scope, before changing anything, and the fix (the tag to
    add, the CIDRs to remove, ...); None when it would open it."""
    needed = access_entries_needed(description)
    if needed is not None:
        return (
            f"{versions(description)} has no access entries",
            f"update the cluster to {needed} (the runner opens it at its next run), or {leave_alone(context)}",
        )
    tag = public_endpoint_tag(context)
    plan = plan_endpoint(context, description, public_opt_in=carries(description, tag))
    if plan.refused == PRIVATE_ONLY:
        how = f"tag the cluster {spelt(tag)}" if tag else "set eks.public_endpoint_tag and tag the cluster with it"
        return (
            plan.detail,
            f"{how} to turn public access on for the discovery addresses only, or {leave_alone(context)}",
        )
    if plan.refused == OVER_THE_LIMIT:
        return plan.detail, f"{remove_cidrs_fix(plan)}, or {leave_alone(context)}"
    if plan.refused == IPV6_ON_AN_IPV4_CLUSTER:
        return plan.detail, f"remove the IPv6 ranges from eks.allowed_cidrs, or {leave_alone(context)}"
    return None


# --- which clusters tagged and all cover -----------------------------------------------------------------


def cluster_coverage(context: Context) -> str:
    """``eks.coverage``: ``listed`` (the config's clusters, a custom resource each), ``tagged`` or ``all``
    (the coverage runner's)."""
    return context.config.eks.coverage if context.config.eks else "listed"


def by_the_runner(context: Context) -> bool:
    """Whether the coverage runner opens the clusters (``eks.coverage`` tagged or all)."""
    return context.config.eks is not None and context.config.eks.dynamic


def _eks(context: Context) -> EksConfig:
    eks = context.config.eks
    if eks is None:
        raise ValueError("a config without eks has no clusters for the coverage runner")
    return eks


def opt_in_tag(context: Context) -> tuple[str, str]:
    """``eks.opt_in_tag`` as (key, value): the tag that puts a cluster in scope of ``tagged``."""
    tag = _eks(context).opt_in_tag
    return tag.key, tag.value


def public_endpoint_tag(context: Context) -> tuple[str, str] | None:
    """``eks.public_endpoint_tag`` as (key, value): the tag that lets the runner turn public access on for a
    private-only cluster; None: private-only clusters are refused."""
    tag = _eks(context).public_endpoint_tag
    return (tag.key, tag.value) if tag is not None else None


def spelt(tag: tuple[str, str]) -> str:
    return f"{tag[0]}={tag[1]}"


def carries(description: dict[str, Any], tag: tuple[str, str] | None) -> bool:
    """Whether DescribeCluster's ``tags`` hold ``tag``, key and value exactly."""
    return tag is not None and (description.get("tags") or {}).get(tag[0]) == tag[1]


def in_scope(context: Context, description: dict[str, Any]) -> bool:
    """Whether the runner opens the cluster: every cluster with ``all``, those with the opt-in tag with ``tagged``."""
    return cluster_coverage(context) == "all" or carries(description, opt_in_tag(context))


def changed_by_the_runner(context: Context, description: dict[str, Any]) -> bool:
    """Whether the cluster carries the runner's mark (``airs-onboarding:coverage=<stack name>``): it tags a
    cluster before changing it, and untags it once it has undone the change."""
    return carries(description, (COVERAGE_TAG_KEY, context.config.stack_name))


def region_clusters(context: Context) -> list[str]:
    """The names of the region's clusters (ListClusters, every page), read once."""
    return context.once(
        "cluster names",
        lambda: [name for page in context.aws.pages("eks", "list_clusters") for name in page.get("clusters", [])],
    )


def described(context: Context, name: str) -> dict[str, Any] | None:
    """DescribeCluster's ``cluster``, read once; None for a cluster deleted since it was listed."""
    try:
        return cluster(context, name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        return None


def leave_alone(context: Context) -> str:
    """How to keep a cluster out of the runner's scope, as part of a fix."""
    if cluster_coverage(context) == "all":
        return "set eks.coverage: tagged and leave the cluster untagged"
    return f"remove the tag {spelt(opt_in_tag(context))} from the cluster"
