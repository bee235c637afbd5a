"""Custom::EstateCoverage and its sweeps: a flow log to the stack's S3 bucket on every VPC of the account and region,
and EKS clusters opened to AIRS discovery when their owners tag them (or all of them).

One function, four ways in:

- CloudFormation's custom-resource requests (Create, Update, Delete), answered here with a PUT to the
  request's ResponseURL (no Provider framework: stdlib + boto3 only).
- An EventBridge schedule, and EventBridge events of the CloudTrail calls that change the estate
  (CreateVpc, DeleteVpc, CreateTags, DeleteTags). Either means "run a sweep"; the event is only logged.
  EventBridge delivers CloudTrail events on a best-effort basis: the schedule is the guarantee. EKS's
  CreateCluster, DeleteCluster, TagResource and UntagResource do the same when clusters are covered.
- A continuation: a run short of time with cluster work left invokes the function again, asynchronously
  (at most MAX_HAND_OFFS times in a row; then the schedule continues).

A run reads every VPC (DescribeVpcs) and every flow log (DescribeFlowLogs) of the region once, paginated,
and plans: a VPC in scope that already has a flow log matching the settings (anyone's) is covered; one
without gets a new flow log, created in batches and tagged with our ownership tag; a VPC carrying the
exclude tag loses our flow log. Nothing without our tag and our OWNER value is ever changed or deleted.
A run with nothing to change makes no mutating call at all. A run with changes takes a lease (an SSM
parameter created only if absent), re-reads the flow logs under it, changes, and gives the lease back, so
two runs at once never create the same flow log twice. The coverage report (JSON, lambda/README.md
describes it) is kept in an SSM parameter and written only when the coverage it describes changed.

Clusters (CLUSTER_COVERAGE tagged or all): a cluster in scope is opened by the EKS handler's own code
(ClusterAccess, bundled into this function's inline code as the module eks_cluster_access): the auth mode
CONFIG_MAP -> API_AND_CONFIG_MAP, the allowed CIDRs merged into its public endpoint's list, public access
only with the cluster's public-endpoint tag; then the discovery role's access entry with the access policy.
Before changing a cluster the runner tags it with our ownership tag, so that its role may revert it after
the opt-in tag is gone. What was done is recorded in <REPORT_PARAMETER>/clusters/<name> before it is done;
a cluster that leaves scope gets exactly that undone (the auth mode stays: EKS cannot undo it). Up to
MAX_CLUSTERS_IN_FLIGHT clusters are worked on at once; one cluster's failure is reported and never stops
the others. The lease covers cluster changes too.

Delete removes every flow log with our tag and OWNER, reverts every cluster on record, and the report.
Sweeps do nothing while there is no report: the report exists from the resource's Create to its Delete,
so a sweep that starts after the Delete (a queued event) cannot bring back what the Delete removed.

Environment (set by the construct): BUCKET_ARN, LOG_FORMAT, FILE_FORMAT (plain-text | parquet),
PER_HOUR_PARTITION and HIVE_COMPATIBLE_PARTITIONS (true | false), MAX_AGGREGATION_INTERVAL (60 | 600),
EXCLUDE_TAG_KEY and EXCLUDE_TAG_VALUE (an empty key excludes nothing), OWNER (our ownership tag's value),
REPORT_PARAMETER (the report's SSM parameter name; the lease is <REPORT_PARAMETER>/lease), and optionally
TIME_BUDGET_SECONDS (at most this long; default and limit: the invocation's remaining time less 30 s).
COVER_VPCS (true | false: without VPCs, the flow-log variables are absent). Clusters: CLUSTER_COVERAGE
(none | tagged | all), OPT_IN_TAG_KEY/VALUE, PUBLIC_ENDPOINT_TAG_KEY/VALUE (an empty key: no cluster may opt
in to public access), DISCOVERY_ROLE_ARN, ALLOWED_CIDRS (comma-separated), ACCESS_POLICY_ARN, and optionally
POLL_INTERVAL_SECONDS (default 15). lambda/README.md is the whole contract.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import traceback
import urllib.request
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import boto3

# The EKS handler's file (lambda/eks_cluster_access/index.py), which the construct bundles into this
# function's inline code under this name (onboarding_constructs/_handler_code.py): each cluster is
# changed by exactly the code that changes a listed cluster.
import eks_cluster_access as cluster_access
from botocore.config import Config
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

COVERAGE_TAG_KEY = "airs-onboarding:coverage"
# The Name tag of every flow log we create. TagSpecifications (like CreateTags) give one set of tags to
# every flow log a CreateFlowLogs call creates, so a per-VPC name would cost one call per VPC; the flow
# log's ResourceId names its VPC already.
NAME_TAG_VALUE = "airs-discovery"
PHYSICAL_ID_PREFIX = "estate-coverage:"
# The id of a resource whose Create found no OWNER: its Delete has nothing to remove.
UNCONFIGURED_PHYSICAL_ID_PREFIX = "estate-coverage-unconfigured:"
# CreateFlowLogs ResourceIds: "Maximum of 25 for transit gateway resource types. Maximum of 300 for the
# other resource types." (EC2 API reference, CreateFlowLogs; in the AWS SDK models since 2026-08-04,
# botocore commit 63febb2c4 "Update to latest models"; before that the reference said 1000.)
MAX_VPCS_PER_CREATE = 300
# DeleteFlowLogs and DescribeFlowLogs FlowLogIds: "Constraint: Maximum of 1000 flow log IDs." (EC2 API reference)
MAX_FLOW_LOG_IDS_PER_CALL = 1000
# DescribeVpcs MaxResults: 5 to 1000 (EC2 API reference); DescribeFlowLogs is read with the same page size.
PAGE_SIZE = 1000
MAX_RESPONSE_BYTES = 4096  # CloudFormation's limit on a custom resource's response
# SSM Parameter Store value limits (PutParameter API reference): standard tier 4 KB, advanced tier 8 KB.
STANDARD_PARAMETER_BYTES = 4096
ADVANCED_PARAMETER_BYTES = 8192
# No invocation lives longer than Lambda's maximum timeout: a lease older than that has no living holder.
LAMBDA_MAX_TIMEOUT_SECONDS = 900.0
TIME_MARGIN_SECONDS = 30.0  # of the invocation's remaining time, kept for answering CloudFormation
LEASE_POLL_SECONDS = 5.0
SWEEP_LEASE_POLLS = 3  # a sweep that finds the lease held asks again this many times, then leaves the work
DELETE_LEASE_RESERVE_SECONDS = 60.0  # a Delete stops waiting for the lease this long before its deadline
# Throttling and 5xx are retried with backoff by botocore's standard retry mode: up to 8 retries after
# the first attempt (Config's max_attempts counts retries; total_max_attempts would count both).
RETRY_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8})
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
NOT_FOUND_FLOW_LOG = "InvalidFlowLogId.NotFound"
CLOUDFORMATION_REQUESTS = ("Create", "Update", "Delete")
FILE_FORMATS = ("plain-text", "parquet")
AGGREGATION_INTERVALS = ("60", "600")
BUCKET_ARN = re.compile(r"arn:aws(-[a-z]+)*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/\S*)?")
MAX_TAG_VALUE_CHARS = 256  # EC2 tag values
REPORT_CUT_NOTE = (
    "the report is limited to 8 KB: covered VPCs and opened or untagged clusters are left out (omitted_vpcs"
    " and omitted_clusters count every one left out); the counts are complete"
)
MAX_CUT_REASON_CHARS = 200  # a cluster's reason in a report cut to 8 KB
TIME_RAN_OUT = "not attempted: the run's time budget ran out; the next run continues"
CLUSTER_COVERAGES = ("none", "tagged", "all")
ROLE_ARN = re.compile(r"arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
ACCESS_POLICY_ARN = re.compile(r"arn:aws(-[a-z]+)*:eks::aws:cluster-access-policy/[A-Za-z0-9]+")
EKS_PAGE_SIZE = 100  # ListClusters maxResults: 1 to 100 (EKS API reference)
SSM_PAGE_SIZE = 10  # GetParametersByPath MaxResults: 1 to 10 (SSM API reference)
# Clusters worked on at once. Each waits on its own EKS update; a small bound keeps the account's EKS
# request rate (and the throttling it would bring) low.
MAX_CLUSTERS_IN_FLIGHT = 5
DEFAULT_POLL_INTERVAL_SECONDS = "15"
MIN_POLL_SECONDS, MAX_POLL_SECONDS = 1.0, 300.0
REVERT_TIME_RAN_OUT = "an EKS update was still being waited for when this request's time ran out; retry"
CLUSTER_TIME_RAN_OUT = "an EKS update or the cluster's state is still being waited for; the next run continues"
# A run that leaves cluster work hands it to a new invocation at once, at most this many times in a row;
# after that the schedule continues (an update that never ends must not keep the function running).
MAX_HAND_OFFS = 3
CONTINUATION_SOURCE = "airs-onboarding.estate-coverage"
CONTINUATION_DETAIL_TYPE = "Continuation"

T = TypeVar("T")
#: A generator of waits, as the EKS handler's ClusterAccess: each yield names what it waits for.
Steps = Generator[str, None, T]

# Indirections so tests can run the handler on a virtual clock.
_sleep = time.sleep
_now = time.time
# Clients live as long as the execution environment: warm invocations reuse them.
_clients: dict[str, Any] = {}


def _client(service: str) -> Any:
    if service not in _clients:
        _clients[service] = boto3.client(service, config=RETRY_CONFIG)
    return _clients[service]


class Failure(Exception):
    """The request fails with this reason (the user's terms, and what to do)."""


# --- settings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    bucket_arn: str
    log_format: str
    file_format: str
    per_hour_partition: bool
    hive_compatible_partitions: bool
    max_aggregation_interval: int
    exclude_tag_key: str
    exclude_tag_value: str
    owner: str
    report_parameter: str
    cover_vpcs: bool = True
    clusters: ClusterSettings | None = None

    @property
    def lease_parameter(self) -> str:
        return lease_parameter(self.report_parameter)

    def destination_options(self) -> dict[str, Any]:
        return {
            "FileFormat": self.file_format,
            "HiveCompatiblePartitions": self.hive_compatible_partitions,
            "PerHourPartition": self.per_hour_partition,
        }


def lease_parameter(report_parameter: str) -> str:
    return f"{report_parameter}/lease"


def read_settings(env: Mapping[str, str]) -> Settings:
    """The settings from the function's environment; Failure naming every variable that is wrong."""
    problems: list[str] = []

    def choice(name: str, allowed: tuple[str, ...]) -> str:
        value = env.get(name, "")
        if value not in allowed:
            problems.append(f"{name} is {value!r}, expected one of {', '.join(allowed)}")
        return value

    cover = choice("COVER_VPCS", ("true", "false")) if "COVER_VPCS" in env else "true"
    bucket_arn = env.get("BUCKET_ARN", "")
    log_format = env.get("LOG_FORMAT", "")
    file_format, per_hour, hive, interval = "plain-text", "false", "false", "600"
    if cover == "true":
        if not BUCKET_ARN.fullmatch(bucket_arn):
            problems.append(f"BUCKET_ARN is {bucket_arn!r}, expected an S3 bucket ARN (arn:aws:s3:::bucket-name)")
        if not log_format.strip():
            problems.append("LOG_FORMAT is empty, expected the flow log record format (${version} ${account-id} ...)")
        file_format = choice("FILE_FORMAT", FILE_FORMATS)
        per_hour = choice("PER_HOUR_PARTITION", ("true", "false"))
        hive = choice("HIVE_COMPATIBLE_PARTITIONS", ("true", "false"))
        interval = choice("MAX_AGGREGATION_INTERVAL", AGGREGATION_INTERVALS)
    owner = env.get("OWNER", "")
    if not owner or len(owner) > MAX_TAG_VALUE_CHARS:
        problems.append(f"OWNER is {owner!r}, expected 1 to {MAX_TAG_VALUE_CHARS} characters (a tag value)")
    report = env.get("REPORT_PARAMETER", "")
    if not report.startswith("/") or len(report) < 2:
        problems.append(f"REPORT_PARAMETER is {report!r}, expected an SSM parameter path (/airs-onboarding/...)")
    clusters = read_cluster_settings(env, problems)
    if cover == "false" and clusters is None and not problems:
        problems.append("COVER_VPCS is false and CLUSTER_COVERAGE is none: there is nothing to cover")
    if problems:
        raise Failure("The function's environment is not valid: " + "; ".join(problems) + ". Nothing was changed.")
    return Settings(
        bucket_arn=bucket_arn,
        log_format=log_format,
        file_format=file_format,
        per_hour_partition=per_hour == "true",
        hive_compatible_partitions=hive == "true",
        max_aggregation_interval=int(interval),
        exclude_tag_key=env.get("EXCLUDE_TAG_KEY", ""),
        exclude_tag_value=env.get("EXCLUDE_TAG_VALUE", ""),
        owner=owner,
        report_parameter=report,
        cover_vpcs=cover == "true",
        clusters=clusters,
    )


# --- planning: pure functions of the estate ---------------------------------------------------------


def is_excluded(vpc: dict[str, Any], settings: Settings) -> bool:
    if not settings.exclude_tag_key:
        return False
    return any(
        tag.get("Key") == settings.exclude_tag_key and tag.get("Value", "") == settings.exclude_tag_value
        for tag in vpc.get("Tags") or []
    )


def is_ours(flow_log: dict[str, Any], owner: str) -> bool:
    return any(tag.get("Key") == COVERAGE_TAG_KEY and tag.get("Value") == owner for tag in flow_log.get("Tags") or [])


def matches(flow_log: dict[str, Any], settings: Settings) -> bool:
    """Whether the flow log delivers what ours would: same bucket, record format, interval and options."""
    # A flow log created without DestinationOptions has CreateFlowLogs' defaults (plain-text, no hourly
    # or Hive-compatible partitions).
    options = flow_log.get("DestinationOptions") or {}
    return (
        flow_log.get("LogDestinationType") == "s3"
        and str(flow_log.get("LogDestination", "")).rstrip("/") == settings.bucket_arn.rstrip("/")
        and flow_log.get("LogFormat") == settings.log_format
        and flow_log.get("MaxAggregationInterval") == settings.max_aggregation_interval
        and flow_log.get("TrafficType") == "ALL"
        and flow_log.get("FlowLogStatus") == "ACTIVE"
        and options.get("FileFormat", "plain-text") == settings.file_format
        and bool(options.get("PerHourPartition", False)) == settings.per_hour_partition
        and bool(options.get("HiveCompatiblePartitions", False)) == settings.hive_compatible_partitions
    )


@dataclass
class VpcPlan:
    vpc_id: str
    excluded: bool = False
    covering: str | None = None  # the flow log that covers the VPC already (ours or anyone's)
    create: bool = False  # the VPC needs a new flow log
    remove: list[str] = field(default_factory=list)  # our flow logs to delete
    # Remove before creating: EC2 allows 2 flow logs per VPC, and the VPC has 2 already.
    remove_first: bool = False

    @property
    def changes(self) -> bool:
        return self.create or bool(self.remove)


def _age_order(flow_log: dict[str, Any]) -> tuple[str, str]:
    created = flow_log.get("CreationTime")
    return (created.isoformat() if isinstance(created, datetime) else str(created or ""), flow_log["FlowLogId"])


def plan(vpcs: list[dict[str, Any]], flow_logs: list[dict[str, Any]], settings: Settings) -> dict[str, VpcPlan]:
    """What each VPC needs. Our flow logs on VPCs that no longer exist are left alone (they go with the VPC)."""
    by_vpc: dict[str, list[dict[str, Any]]] = {}
    for flow_log in flow_logs:
        by_vpc.setdefault(str(flow_log.get("ResourceId")), []).append(flow_log)
    plans: dict[str, VpcPlan] = {}
    for vpc in vpcs:
        vpc_id = vpc["VpcId"]
        present = sorted(by_vpc.get(vpc_id, []), key=_age_order)
        ours = [f for f in present if is_ours(f, settings.owner)]
        vpc_plan = plans[vpc_id] = VpcPlan(vpc_id)
        if is_excluded(vpc, settings):
            vpc_plan.excluded = True
            vpc_plan.remove = [f["FlowLogId"] for f in ours]
            continue
        ours_matching = [f for f in ours if matches(f, settings)]
        matching = ours_matching or [f for f in present if matches(f, settings)]
        if matching:
            # Covered. Keep one flow log of ours (the oldest), remove our others (duplicates, outdated).
            vpc_plan.covering = matching[0]["FlowLogId"]
            vpc_plan.remove = [f["FlowLogId"] for f in ours if f["FlowLogId"] != vpc_plan.covering]
            continue
        # Not covered: a new flow log; ours (outdated settings) go once it exists, or before if there is
        # no room for it.
        vpc_plan.create = True
        vpc_plan.remove = [f["FlowLogId"] for f in ours]
        vpc_plan.remove_first = bool(ours) and len(present) >= 2
    return plans


# --- the report -------------------------------------------------------------------------------------


@dataclass
class VpcResult:
    state: str  # covered | created | excluded | failed
    flow_log_id: str | None = None
    reason: str | None = None
    replaced: list[str] = field(default_factory=list)  # our outdated flow logs this run replaced

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"state": self.state}
        if self.flow_log_id:
            entry["flow_log_id"] = self.flow_log_id
        if self.reason:
            entry["reason"] = self.reason
        if self.replaced:
            entry["replaced"] = self.replaced
        return entry


COUNT_KEYS = ("Vpcs", "Covered", "Created", "Removed", "Excluded", "Failed")


def count(results: Mapping[str, VpcResult], removed: int) -> dict[str, int]:
    states = [r.state for r in results.values()]
    return {
        "Vpcs": len(states),
        "Covered": states.count("covered"),
        "Created": states.count("created"),
        "Removed": removed,
        "Excluded": states.count("excluded"),
        "Failed": states.count("failed"),
    }


def build_report(
    owner: str, trigger: str, generated_at: float, results: Mapping[str, VpcResult], removed: int
) -> dict[str, Any]:
    return {
        "owner": owner,
        "generated_at": datetime.fromtimestamp(generated_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "trigger": trigger,
        "counts": count(results, removed),
        "vpcs": {vpc_id: results[vpc_id].to_json() for vpc_id in sorted(results)},
    }


def _encode(report: Mapping[str, Any]) -> str:
    return json.dumps(report, separators=(",", ":"))


def fit_report(report: dict[str, Any]) -> str:
    """The report as stored: whole if it fits in 8 KB. Else covered VPCs are left out first, then clusters
    that are fine (opened, not tagged), with the problems' reasons shortened; then as many of the rest as fit
    (failed first), with the number of each left out."""
    text = _encode(report)
    if len(text.encode()) <= ADVANCED_PARAMETER_BYTES:
        return text
    vpcs: dict[str, Any] = report["vpcs"]
    ranked_vpcs = [v for v in vpcs if vpcs[v]["state"] == "failed"] + [
        v for v in vpcs if vpcs[v]["state"] == "excluded"
    ]
    clusters: dict[str, Any] = report.get("clusters") or {}
    ranked_clusters = [
        name
        for state in ("failed", "refused", "pending", "reverted")
        for name in clusters
        if clusters[name]["state"] == state
    ]
    shortened = {name: _shortened(clusters[name]) for name in ranked_clusters}
    kept_vpcs, kept_clusters = len(ranked_vpcs), len(ranked_clusters)
    while True:
        cut = {**report, "vpcs": {v: vpcs[v] for v in sorted(ranked_vpcs[:kept_vpcs])}}
        cut["omitted_vpcs"] = len(vpcs) - kept_vpcs
        if clusters:
            cut["clusters"] = {name: shortened[name] for name in sorted(ranked_clusters[:kept_clusters])}
            cut["omitted_clusters"] = len(clusters) - kept_clusters
        cut["note"] = REPORT_CUT_NOTE
        text = _encode(cut)
        overflow = len(text.encode()) - ADVANCED_PARAMETER_BYTES
        if overflow <= 0 or kept_vpcs + kept_clusters == 0:
            return text
        # Drop the overflow's worth of entries at once (each is at least 30 bytes), then one at a time:
        # excluded and failed VPCs first, then clusters.
        drop = max(1, overflow // 200)
        if kept_vpcs:
            kept_vpcs = max(0, kept_vpcs - drop)
        else:
            kept_clusters = max(0, kept_clusters - drop)


def _shortened(entry: Mapping[str, Any]) -> dict[str, Any]:
    reason = entry.get("reason")
    if isinstance(reason, str) and len(reason) > MAX_CUT_REASON_CHARS:
        return {**entry, "reason": reason[: MAX_CUT_REASON_CHARS - 3] + "..."}
    return dict(entry)


#: A report whose coverage has not changed is still rewritten once this old, so its generated_at says the
#: sweep runs (make verify warns past this plus two sweeps); steady-state runs in between write nothing.
REPORT_REFRESH_SECONDS = 24 * 3600


def report_age(report: Mapping[str, Any] | None, now: float) -> float | None:
    """Seconds since the report was generated; None when it has no readable time."""
    generated = report.get("generated_at") if isinstance(report, Mapping) else None
    try:
        written = datetime.strptime(str(generated), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return now - written.timestamp()


def coverage_view(report: Mapping[str, Any] | None) -> Any:
    """What a report says about coverage, without what only describes the run that wrote it (its time and
    trigger, how many flow logs it created and removed, and which VPCs it covered itself): a run writes
    the report only when this changed."""
    if not isinstance(report, Mapping):
        return None
    try:
        counts = report["counts"]
        vpcs = {
            vpc_id: {
                **{k: v for k, v in entry.items() if k != "replaced"},
                "state": "covered" if entry["state"] == "created" else entry["state"],
            }
            for vpc_id, entry in report["vpcs"].items()
        }
        # A cluster reverted by one run is simply out of scope for the next.
        clusters = {
            name: {"state": "not-tagged"} if entry["state"] == "reverted" else dict(entry)
            for name, entry in (report.get("clusters") or {}).items()
        }
        return {
            "owner": report["owner"],
            "counts": {
                "Vpcs": counts["Vpcs"],
                "Covered": counts["Covered"] + counts["Created"],
                "Excluded": counts["Excluded"],
                "Failed": counts["Failed"],
            },
            "vpcs": vpcs,
            "omitted_vpcs": report.get("omitted_vpcs"),
            "cluster_coverage": report.get("cluster_coverage"),
            "clusters": clusters,
        }
    except (KeyError, TypeError, AttributeError):
        return None


# --- EKS clusters: opened when they opt in, reverted exactly when they leave -------------------------


@dataclass(frozen=True)
class ClusterSettings:
    coverage: str  # tagged | all
    opt_in_tag: tuple[str, str]
    public_endpoint_tag: tuple[str, str] | None
    discovery_role_arn: str
    allowed_cidrs: tuple[str, ...]
    access_policy_arn: str


def read_cluster_settings(env: Mapping[str, str], problems: list[str]) -> ClusterSettings | None:
    """The cluster settings (None: clusters are not covered); each problem is appended to ``problems``."""
    coverage = env.get("CLUSTER_COVERAGE", "none")
    if coverage not in CLUSTER_COVERAGES:
        problems.append(f"CLUSTER_COVERAGE is {coverage!r}, expected one of {', '.join(CLUSTER_COVERAGES)}")
        return None
    if coverage == "none":
        return None
    opt_in = (env.get("OPT_IN_TAG_KEY", ""), env.get("OPT_IN_TAG_VALUE", ""))
    if coverage == "tagged" and not opt_in[0]:
        problems.append("OPT_IN_TAG_KEY is empty, expected the tag key that opts a cluster in")
    public_key = env.get("PUBLIC_ENDPOINT_TAG_KEY", "")
    role = env.get("DISCOVERY_ROLE_ARN", "")
    if not ROLE_ARN.fullmatch(role):
        problems.append(
            f"DISCOVERY_ROLE_ARN is {role!r}, expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)"
        )
    cidrs = tuple(dict.fromkeys(c for c in env.get("ALLOWED_CIDRS", "").split(",") if c))
    cidr_problems = [p for p in map(cluster_access.cidr_problem, cidrs) if p]
    if not cidrs or cidr_problems:
        problems.append(
            f"ALLOWED_CIDRS is {env.get('ALLOWED_CIDRS', '')!r}, expected comma-separated public CIDR blocks"
            + (f" ({'; '.join(cidr_problems)})" if cidr_problems else "")
        )
    policy = env.get("ACCESS_POLICY_ARN", "")
    if not ACCESS_POLICY_ARN.fullmatch(policy):
        problems.append(
            f"ACCESS_POLICY_ARN is {policy!r}, expected an EKS access policy ARN"
            " (arn:aws:eks::aws:cluster-access-policy/<name>)"
        )
    return ClusterSettings(
        coverage=coverage,
        opt_in_tag=opt_in,
        public_endpoint_tag=(public_key, env.get("PUBLIC_ENDPOINT_TAG_VALUE", "")) if public_key else None,
        discovery_role_arn=role,
        allowed_cidrs=cidrs,
        access_policy_arn=policy,
    )


def has_tag(cluster: Mapping[str, Any], tag: tuple[str, str] | None) -> bool:
    return tag is not None and (cluster.get("tags") or {}).get(tag[0]) == tag[1]


def in_scope(cluster: Mapping[str, Any], settings: ClusterSettings) -> bool:
    return settings.coverage == "all" or has_tag(cluster, settings.opt_in_tag)


def cluster_properties(name: str, cluster: Mapping[str, Any], settings: ClusterSettings) -> Any:
    """The EKS handler's properties for this cluster: the public endpoint opt-in is the cluster's own tag."""
    tag = settings.public_endpoint_tag
    how = (
        f"tag the cluster {tag[0]}={tag[1]} to turn it on for exactly those addresses"
        if tag is not None
        else "this coverage turns public access on for no cluster (its public-endpoint tag is switched off)"
    )
    return cluster_access.Properties(name, settings.allowed_cidrs, has_tag(cluster, tag), how)


@dataclass
class ClusterResult:
    state: str  # opened | not-tagged | refused | failed | reverted | pending
    reason: str | None = None
    access_entry: str | None = None  # opened: created | existing

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"state": self.state}
        if self.reason:
            entry["reason"] = self.reason
        if self.access_entry:
            entry["access_entry"] = self.access_entry
        return entry


CLUSTER_COUNT_KEYS = ("Clusters", "Opened", "NotTagged", "Refused", "Failed", "Reverted", "Pending")
_CLUSTER_STATE_COUNTS = {
    "opened": "Opened",
    "not-tagged": "NotTagged",
    "refused": "Refused",
    "failed": "Failed",
    "reverted": "Reverted",
    "pending": "Pending",
}


def count_clusters(results: Mapping[str, ClusterResult]) -> dict[str, int]:
    counts = dict.fromkeys(CLUSTER_COUNT_KEYS, 0) | {"Clusters": len(results)}
    for result in results.values():
        counts[_CLUSTER_STATE_COUNTS[result.state]] += 1
    return counts


class ClusterRecords(cluster_access.SsmRecords):
    """One SSM parameter per cluster, <report>/clusters/<name>: the EKS handler's Record of the endpoint,
    plus what only coverage does: the access entry it created, its marker tag on the cluster, and an update
    a run left in flight."""

    def __init__(self, ssm: Any, report_parameter: str) -> None:
        self.path = f"{report_parameter}/clusters"
        super().__init__(ssm, lambda name: f"{self.path}/{name}")
        self.docs: dict[str, dict[str, Any]] = {}
        #: Records whose deletion waits for release(): the revert is not finished when the endpoint's is.
        self.held: set[str] = set()

    def read_all(self) -> None:
        docs: dict[str, dict[str, Any]] = {}
        token = None
        while True:
            request: dict[str, Any] = {"Path": self.path, "MaxResults": SSM_PAGE_SIZE}
            if token:
                request["NextToken"] = token
            try:
                page = self.ssm.get_parameters_by_path(**request)
            except ClientError as error:
                raise Failure(
                    _aws_problem(error, "ssm:GetParametersByPath", f"reading the cluster records under {self.path}")
                ) from None
            for parameter in page.get("Parameters") or []:
                name = str(parameter["Name"]).rsplit("/", 1)[-1]
                try:
                    doc = json.loads(parameter["Value"])
                except ValueError:
                    doc = None
                # An unreadable record still says something was changed: keep it, as one with nothing to undo.
                docs[name] = doc if isinstance(doc, dict) else {}
            token = page.get("NextToken")
            if not token:
                break
        self.docs = docs

    def load(self, cluster_name: str) -> Any:
        doc = self.docs.get(cluster_name)
        return None if doc is None else cluster_access.Record.from_json(json.dumps(doc))

    def save(self, cluster_name: str, record: Any) -> None:
        self.update(cluster_name, **json.loads(record.to_json()))

    def update(self, cluster_name: str, **fields: Any) -> None:
        doc = {**self.docs.get(cluster_name, {}), **fields}
        doc = {key: value for key, value in doc.items() if value is not None}
        self.save_text(cluster_name, json.dumps(doc, separators=(",", ":")))
        self.docs[cluster_name] = doc

    def delete(self, cluster_name: str) -> None:
        if cluster_name in self.held:
            return  # release() deletes it
        super().delete(cluster_name)
        self.docs.pop(cluster_name, None)

    def release(self, cluster_name: str) -> None:
        self.held.discard(cluster_name)
        self.delete(cluster_name)


@dataclass
class ClusterPlan:
    name: str
    cluster: dict[str, Any] | None  # None: gone
    in_scope: bool
    work: bool  # something to open, finish or revert
    result: ClusterResult | None = None  # the result when there is no work


class ClusterSweep:
    """Plans and applies cluster coverage for one run. ``open`` and ``revert`` are generators of waits,
    like the EKS handler's ClusterAccess that they drive, so the run interleaves clusters."""

    def __init__(self, settings: ClusterSettings | None, owner: str, report_parameter: str, ssm: Any) -> None:
        """``settings`` None: clusters are no longer covered, and only reverting is left to do."""
        self._settings = settings
        self.owner = owner
        self.eks = _client("eks")
        self.records = ClusterRecords(ssm, report_parameter)

    @property
    def settings(self) -> ClusterSettings:
        if self._settings is None:
            raise RuntimeError("opening a cluster needs the cluster settings")
        return self._settings

    # Reading and planning

    def read(self) -> list[ClusterPlan]:
        self.records.read_all()
        names = self._list_clusters()
        plans = [self._plan(name, self.describe(name)) for name in names]
        # Clusters deleted since we changed them: only the record is left to remove.
        plans += [ClusterPlan(name, None, False, True) for name in sorted(set(self.records.docs) - set(names))]
        return plans

    def _plan(self, name: str, cluster: dict[str, Any] | None) -> ClusterPlan:
        if cluster is None:
            return ClusterPlan(name, None, False, name in self.records.docs)
        scope = in_scope(cluster, self.settings)
        marked = (cluster.get("tags") or {}).get(COVERAGE_TAG_KEY) == self.owner
        doc = self.records.docs.get(name)
        status = cluster.get("status")
        if status == "DELETING":
            # Going away with whatever was done to it: only a record of ours is left to remove.
            return ClusterPlan(name, cluster, False, doc is not None)
        if not scope:
            if doc is not None or marked:
                return ClusterPlan(name, cluster, False, True)
            return ClusterPlan(name, cluster, False, False, ClusterResult("not-tagged"))
        if status == "FAILED":
            return ClusterPlan(
                name, cluster, True, False, ClusterResult("failed", "the cluster is FAILED: EKS changes nothing on it")
            )
        if status != "ACTIVE" or (doc or {}).get("pending_update"):
            return ClusterPlan(name, cluster, True, True)
        try:
            mode = cluster_access.authentication_mode(cluster, name)
            record = self.records.load(name) or cluster_access.Record()
            change, planned = cluster_access.plan_endpoint(
                cluster, cluster_properties(name, cluster, self.settings), record
            )
        except cluster_access.Refused as refusal:
            return ClusterPlan(name, cluster, True, False, ClusterResult("refused", str(refusal)))
        except cluster_access.Failure as failure:
            return ClusterPlan(name, cluster, True, False, ClusterResult("failed", str(failure)))
        if mode == "CONFIG_MAP" or change is not None or planned != record:
            return ClusterPlan(name, cluster, True, True)
        try:
            entry = self._access_entry(name)
        except cluster_access.Failure as failure:
            return ClusterPlan(name, cluster, True, False, ClusterResult("failed", str(failure)))
        if entry is None:
            return ClusterPlan(name, cluster, True, True)
        doc = doc or {}
        ours = _entry_is_ours(doc)
        if doc.get("access_entry") == "creating":
            return ClusterPlan(name, cluster, True, True)  # its access policy is not associated yet
        if ours and doc.get("principal") != self.settings.discovery_role_arn:
            return ClusterPlan(name, cluster, True, True)  # the discovery role changed: ours goes, one for it comes
        if not marked and _changed_something(doc):
            return ClusterPlan(name, cluster, True, True)  # our marker is gone: put it back, or we cannot revert
        return ClusterPlan(
            name, cluster, True, False, ClusterResult("opened", access_entry="created" if ours else "existing")
        )

    # Applying: one generator per cluster

    def open(self, plan: ClusterPlan) -> Steps[ClusterResult]:
        name = plan.name
        access = self._access(name)
        # The marker first: it lets the role revert the cluster after its opt-in tag is gone.
        if (plan.cluster or {}).get("tags", {}).get(COVERAGE_TAG_KEY) != self.owner:
            self.records.update(name, marked=True)
            self._eks_call(
                "eks:TagResource",
                name,
                self.eks.tag_resource,
                resourceArn=self._arn(plan),
                tags={COVERAGE_TAG_KEY: self.owner},
            )
        props = cluster_properties(name, plan.cluster or {}, self.settings)
        try:
            cluster, _ = yield from access.open(props)
        finally:
            self._keep_progress(name, access)
        result = yield from self._open_access_entry(name)
        if not cluster_access.endpoint_state(cluster, name)[0]:
            # Its public-endpoint tag was removed: public access is off again, as it was found.
            return ClusterResult(
                "refused",
                "public access, which this coverage had turned on, is off again as it was found, because the cluster"
                " no longer opts in to it; discovery cannot reach a private-only cluster:"
                f" {props.public_endpoint_opt_in}",
                result.access_entry,
            )
        return result

    def revert(self, plan: ClusterPlan) -> Steps[ClusterResult]:
        name = plan.name
        doc = dict(self.records.docs.get(name) or {})
        undone: list[str] = []
        if doc.get("added_cidrs"):
            undone.append(f"the CIDRs it added ({', '.join(doc['added_cidrs'])})")
        if doc.get("enabled_public_access"):
            undone.append("public access it turned on")
        going = plan.cluster is None or plan.cluster.get("status") == "DELETING"
        if not going and _entry_is_ours(doc):
            # A cluster being deleted takes its access entries with it (and refuses changes meanwhile).
            yield from self._delete_access_entry(name, str(doc.get("principal", "")))
            undone.append("the discovery role's access entry it created")
        if name not in self.records.docs:
            self.records.docs[name] = {}  # the marker without a record: nothing to revert but the marker
        access = self._access(name)
        # The record outlives the endpoint's revert until the marker is gone too: a revert that fails
        # after it is found, and finished, by the next run.
        self.records.held.add(name)
        try:
            yield from access.revert(name)
        finally:
            self._keep_progress(name, access)
        marked = (plan.cluster or {}).get("tags", {}).get(COVERAGE_TAG_KEY) == self.owner
        if not going and marked:
            self._eks_call(
                "eks:UntagResource",
                name,
                self.eks.untag_resource,
                resourceArn=self._arn(plan),
                tagKeys=[COVERAGE_TAG_KEY],
                missing_ok=True,
            )
        self.records.release(name)
        if going:
            return ClusterResult("reverted", "the cluster is deleted or being deleted; its record was removed")
        reason = ("removed " + ", ".join(undone) if undone else "nothing of ours was left on it") + (
            "; the authentication mode is left as it is (EKS cannot undo a change of it)"
        )
        return ClusterResult("reverted", reason)

    def _open_access_entry(self, name: str) -> Steps[ClusterResult]:
        """The discovery role's access entry: left alone when someone else's exists; else created with our
        marker and the access policy. The record says "creating" until the policy is associated."""
        doc = self.records.docs.get(name, {})
        role = self.settings.discovery_role_arn
        if _entry_is_ours(doc) and doc.get("principal") != role:
            # The discovery role changed: the entry made for the old one goes.
            yield from self._delete_access_entry(name, str(doc.get("principal", "")))
            self.records.update(name, access_entry=None, principal=None)
            doc = self.records.docs.get(name, {})
        entry = self._access_entry(name)
        if entry is not None and doc.get("access_entry") == "creating" and not self._is_ours(entry):
            # Our creation never happened, and someone else made one since: theirs, left alone.
            self.records.update(name, access_entry=None, principal=None)
            doc = self.records.docs.get(name, {})
        if entry is not None and doc.get("access_entry") != "creating":
            return ClusterResult("opened", access_entry="created" if _entry_is_ours(doc) else "existing")
        if entry is None:
            # Write-ahead, as the endpoint record: a crash between the calls leaves it to undo.
            self.records.update(name, access_entry="creating", principal=role)
            while True:
                try:
                    self.eks.create_access_entry(
                        clusterName=name, principalArn=role, type="STANDARD", tags={COVERAGE_TAG_KEY: self.owner}
                    )
                    break
                except ClientError as error:
                    if _code(error) != "ResourceInUseException":
                        self.records.update(name, access_entry=None, principal=None)
                        raise cluster_access.Failure(
                            _aws_problem(error, "eks:CreateAccessEntry", f"opening {name}")
                        ) from None
                # 409: the entry exists now, or the cluster is being updated (EKS answers both so).
                entry = self._access_entry(name)
                if entry is None:
                    yield f"an update of cluster {name} to finish before its access entry is created"
                    continue
                if not self._is_ours(entry):
                    # Someone else's, created since we looked: left alone.
                    self.records.update(name, access_entry=None, principal=None)
                    return ClusterResult("opened", access_entry="existing")
                break  # ours: an earlier attempt whose answer was lost created it
        while True:
            try:
                self.eks.associate_access_policy(
                    clusterName=name,
                    principalArn=role,
                    policyArn=self.settings.access_policy_arn,
                    accessScope={"type": "cluster"},
                )
                break
            except ClientError as error:
                if _code(error) != "ResourceInUseException":
                    raise cluster_access.Failure(
                        _aws_problem(error, "eks:AssociateAccessPolicy", f"opening {name}")
                    ) from None
            yield f"an update of cluster {name} to finish before the access policy is associated"
        self.records.update(name, access_entry="created")
        return ClusterResult("opened", access_entry="created")

    # EKS and record plumbing

    def _access(self, name: str) -> Any:
        pending = (self.records.docs.get(name) or {}).get("pending_update")
        return cluster_access.ClusterAccess(self.eks, self.records, {"pending_update": pending} if pending else {})

    def _keep_progress(self, name: str, access: Any) -> None:
        """Keeps an update still in flight on record, for the next run to finish (or clears a finished one)."""
        pending = access.progress.get("pending_update")
        if name in self.records.docs and self.records.docs[name].get("pending_update") != pending:
            self.records.update(name, pending_update=pending)

    def _arn(self, plan: ClusterPlan) -> str:
        return str((plan.cluster or {}).get("arn", ""))

    def _eks_call(
        self, action: str, name: str, call: Callable[..., Any], *, missing_ok: bool = False, **params: Any
    ) -> None:
        try:
            call(**params)
        except ClientError as error:
            if missing_ok and _code(error) == "ResourceNotFoundException":
                return
            raise cluster_access.Failure(_aws_problem(error, action, f"cluster {name}")) from None

    def _list_clusters(self) -> list[str]:
        names: list[str] = []
        token = None
        while True:
            request: dict[str, Any] = {"maxResults": EKS_PAGE_SIZE}
            if token:
                request["nextToken"] = token
            try:
                page = self.eks.list_clusters(**request)
            except ClientError as error:
                raise Failure(
                    "Could not assess cluster coverage: "
                    + _aws_problem(error, "eks:ListClusters", "listing the clusters").rstrip(".")
                    + ". Nothing was changed."
                ) from None
            names.extend(page.get("clusters") or [])
            token = page.get("nextToken")
            if not token:
                return names

    def _is_ours(self, entry: Mapping[str, Any]) -> bool:
        return (entry.get("tags") or {}).get(COVERAGE_TAG_KEY) == self.owner

    def _delete_access_entry(self, name: str, principal: str) -> Steps[None]:
        if not principal:
            return  # a record without the principal: nothing can be named to delete
        while True:
            try:
                self.eks.delete_access_entry(clusterName=name, principalArn=principal)
                return
            except ClientError as error:
                if _code(error) == "ResourceNotFoundException":
                    return
                if _code(error) != "ResourceInUseException":
                    raise cluster_access.Failure(
                        _aws_problem(error, "eks:DeleteAccessEntry", f"reverting {name}")
                    ) from None
            yield f"an update of cluster {name} to finish before its access entry is deleted"

    def describe(self, name: str) -> dict[str, Any] | None:
        """The cluster (None: it does not exist), read as the EKS handler reads it."""
        try:
            cluster: dict[str, Any] | None = cluster_access.ClusterAccess(self.eks, self.records, {}).describe(name)
            return cluster
        except cluster_access.Failure as failure:
            raise Failure(f"Could not assess cluster coverage: {failure} Nothing was changed.") from None

    def _access_entry(self, name: str) -> dict[str, Any] | None:
        try:
            entry: dict[str, Any] = self.eks.describe_access_entry(
                clusterName=name, principalArn=self.settings.discovery_role_arn
            )["accessEntry"]
            return entry
        except ClientError as error:
            if _code(error) == "ResourceNotFoundException":
                return None
            raise cluster_access.Failure(
                _aws_problem(error, "eks:DescribeAccessEntry", f"reading cluster {name}")
            ) from None


def _changed_something(doc: Mapping[str, Any]) -> bool:
    return bool(doc.get("added_cidrs") or doc.get("enabled_public_access") or _entry_is_ours(doc))


def _entry_is_ours(doc: Mapping[str, Any]) -> bool:
    """Whether the record says the runner created the access entry ("creating": its policy not yet associated)."""
    return doc.get("access_entry") in ("created", "creating")


def drive_clusters(
    work: list[tuple[str, Steps[ClusterResult]]], deadline: float, poll_seconds: float
) -> tuple[dict[str, ClusterResult], bool]:
    """Runs each cluster's generator, at most MAX_CLUSTERS_IN_FLIGHT at once, sleeping one poll interval
    per round while all of them wait. Stops before ``deadline``: a cluster still waiting is ``pending`` (its
    update stays on record for the next run). Returns the results and whether anything was left."""
    queue = list(work)
    active: dict[str, Steps[ClusterResult]] = {}
    results: dict[str, ClusterResult] = {}
    while queue or active:
        while queue and len(active) < MAX_CLUSTERS_IN_FLIGHT:
            name, steps = queue.pop(0)
            active[name] = steps
        for name in list(active):
            try:
                waiting_for = next(active[name])
            except StopIteration as done:
                results[name] = done.value
            except cluster_access.Refused as refusal:
                results[name] = ClusterResult("refused", str(refusal))
            except cluster_access.Failure as failure:
                results[name] = ClusterResult("failed", str(failure))
            except Failure as failure:
                results[name] = ClusterResult("failed", str(failure))
            except Exception as error:  # one cluster's surprise must not stop the others, nor fail the stack
                LOG.error("cluster %s: unexpected error: %s", name, traceback.format_exc())
                results[name] = ClusterResult("failed", f"unexpected error ({type(error).__name__}): {error}")
            else:
                LOG.info("cluster %s: waiting for %s", name, waiting_for)
                continue
            del active[name]
        if not active:
            continue
        if _now() + poll_seconds > deadline:
            for name, steps in active.items():
                steps.close()  # runs the generators' finally blocks: their update in flight goes on record
                results[name] = ClusterResult("pending", CLUSTER_TIME_RAN_OUT)
            for name, steps in queue:
                steps.close()
                results[name] = ClusterResult("pending", CLUSTER_TIME_RAN_OUT)
            return results, True
        _sleep(poll_seconds)
    return results, False


# --- one run ----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    trigger: str
    counts: dict[str, int] | None = None
    report: str = "unchanged"  # written | unchanged
    done: str = "done"  # done | left to the lease holder | no report | handed off
    cluster_counts: dict[str, int] | None = None  # when clusters are covered
    left: bool = False  # cluster work this run's time did not cover

    def data(self) -> dict[str, str]:
        data = {key: str((self.counts or {}).get(key, 0)) for key in COUNT_KEYS}
        if self.cluster_counts is not None:
            data.update(
                (f"Clusters{key}" if key != "Clusters" else key, str(value))
                for key, value in self.cluster_counts.items()
            )
        return data


@dataclass
class LeaseHolder:
    holder: str
    trigger: str
    taken_at: float

    def describe(self) -> str:
        since = datetime.fromtimestamp(self.taken_at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{self.holder} ({self.trigger}, since {since})"


class Run:
    def __init__(self, trigger: str, context: Any, hand_offs: int = 0) -> None:
        self.trigger = trigger
        self.context = context
        self.hand_offs = hand_offs  # how many runs in a row handed their work on to this one
        self.holder = str(getattr(context, "aws_request_id", "") or uuid.uuid4())
        # arn:aws:lambda:<region>:<account>:function:<name>
        arn = str(getattr(context, "invoked_function_arn", "") or "")
        self.account: str | None = arn.split(":")[4] if arn.count(":") >= 5 else None
        remaining = context.get_remaining_time_in_millis() / 1000.0 - TIME_MARGIN_SECONDS
        budget = os.environ.get("TIME_BUDGET_SECONDS", "")
        if budget:
            try:
                remaining = min(remaining, float(budget))
            except ValueError:
                raise Failure(
                    f"The function's environment is not valid: TIME_BUDGET_SECONDS is {budget!r}, expected a number"
                    " of seconds. Nothing was changed."
                ) from None
        poll = os.environ.get("POLL_INTERVAL_SECONDS", DEFAULT_POLL_INTERVAL_SECONDS)
        try:
            self.poll_seconds = float(poll)
        except ValueError:
            self.poll_seconds = float("nan")
        if not MIN_POLL_SECONDS <= self.poll_seconds <= MAX_POLL_SECONDS:  # also refuses nan
            raise Failure(
                f"The function's environment is not valid: POLL_INTERVAL_SECONDS is {poll!r}, expected"
                f" {MIN_POLL_SECONDS:g} to {MAX_POLL_SECONDS:g} seconds. Nothing was changed."
            )
        self.started = _now()
        self.deadline = self.started + remaining
        self.ec2 = _client("ec2")
        self.ssm = _client("ssm")

    @property
    def is_sweep(self) -> bool:
        return self.trigger not in CLOUDFORMATION_REQUESTS

    # Create, Update and sweeps

    def converge(self, settings: Settings) -> Outcome:
        found, previous = self._read_report(settings)
        if self.is_sweep and not found:
            LOG.warning(
                "coverage %s: no coverage report at %s: the custom resource has not been created, or has been"
                " deleted; nothing to do",
                self.trigger,
                settings.report_parameter,
            )
            return Outcome(self.trigger, done="no report")
        # A VPC another account shares with this one is its owner's to log: EC2 lets only the owner create
        # a VPC's flow logs.
        vpcs: list[dict[str, Any]] = []
        plans: dict[str, VpcPlan] = {}
        if settings.cover_vpcs:
            vpcs = [
                vpc
                for vpc in self._read_all(self.ec2.describe_vpcs, "Vpcs", "ec2:DescribeVpcs")
                if self.account is None or vpc.get("OwnerId", self.account) == self.account
            ]
            flow_logs = self._read_all(self.ec2.describe_flow_logs, "FlowLogs", "ec2:DescribeFlowLogs")
            plans = plan(vpcs, flow_logs, settings)
        sweep = (
            ClusterSweep(settings.clusters, settings.owner, settings.report_parameter, self.ssm)
            if settings.clusters is not None
            else None
        )
        cluster_plans = sweep.read() if sweep is not None else []
        if not self.is_sweep:
            self._undo_switched_off(settings, sweep is None)
        cluster_results: dict[str, ClusterResult] = {}
        left = False
        results: dict[str, VpcResult]
        removed = 0
        vpc_changes = any(p.changes for p in plans.values())
        if vpc_changes or any(p.work for p in cluster_plans):
            holder = self._take_lease(settings.lease_parameter)
            if holder is not None:
                LOG.info(
                    "coverage %s: the lease %s is held by %s: left the changes to it (%d to create, %d to remove)",
                    self.trigger,
                    settings.lease_parameter,
                    holder.describe(),
                    sum(p.create for p in plans.values()),
                    sum(len(p.remove) for p in plans.values()),
                )
                LOG.info("coverage %s: left %d cluster(s) to it", self.trigger, sum(p.work for p in cluster_plans))
                return Outcome(self.trigger, done="left to the lease holder")
            try:
                # Read again under the lease: another run may have written it, or a Delete removed it.
                found, previous = self._read_report(settings)
                if self.is_sweep and not found:
                    LOG.warning(
                        "coverage %s: the coverage report %s was deleted while this run waited (the custom resource"
                        " was deleted); nothing to do",
                        self.trigger,
                        settings.report_parameter,
                    )
                    return Outcome(self.trigger, done="no report")
                # Another run may have changed flow logs since they were read: plan again from what is there.
                if vpc_changes:
                    flow_logs = self._read_all(self.ec2.describe_flow_logs, "FlowLogs", "ec2:DescribeFlowLogs")
                    plans = plan(vpcs, flow_logs, settings)
                    results, removed = self._apply(plans, settings)
                else:
                    results = {vpc_id: _unchanged_result(p) for vpc_id, p in plans.items()}
                if sweep is not None:
                    cluster_results, left = self._apply_clusters(sweep, sweep.read())
            finally:
                self._release_lease(settings.lease_parameter)
        else:
            results = {vpc_id: _unchanged_result(p) for vpc_id, p in plans.items()}
            cluster_results = {p.name: p.result for p in cluster_plans if p.result is not None}
        now = _now()
        report = build_report(settings.owner, self.trigger, now, results, removed)
        if not settings.cover_vpcs:
            report["cover_vpcs"] = False
        if settings.clusters is not None:
            report["cluster_coverage"] = settings.clusters.coverage
            report["cluster_counts"] = count_clusters(cluster_results)
            report["clusters"] = {name: cluster_results[name].to_json() for name in sorted(cluster_results)}
        outcome = Outcome(self.trigger, counts=report["counts"], cluster_counts=report.get("cluster_counts"), left=left)
        stored = fit_report(report)
        age = report_age(previous, now)
        stale = age is None or age >= REPORT_REFRESH_SECONDS
        if stale or coverage_view(json.loads(stored)) != coverage_view(previous):
            self._write_report(settings.report_parameter, stored, outcome)
            outcome.report = "written"
        return outcome

    def _apply(self, plans: dict[str, VpcPlan], settings: Settings) -> tuple[dict[str, VpcResult], int]:
        results: dict[str, VpcResult] = {}
        removed = 0
        # 1. Make room where the VPC has 2 flow logs already: our outdated ones go first.
        first = [p for p in plans.values() if p.create and p.remove_first]
        gone = self._delete_flow_logs([f for p in first for f in p.remove])
        for p in first:
            problems = [f"{f}: {gone[f]}" for f in p.remove if gone[f]]
            if problems:
                p.create = False
                results[p.vpc_id] = VpcResult(
                    "failed",
                    reason="our outdated flow log could not be removed to make room for the new one (EC2 allows 2"
                    " flow logs per VPC): " + "; ".join(problems),
                )
            else:
                removed += len(p.remove)
        # 2. Create, in batches.
        created = self._create_flow_logs([p.vpc_id for p in plans.values() if p.create], settings)
        # 3. A replacement created before removing may have been refused (the limit, or a duplicate of the
        #    destination): remove ours first, then create again.
        retry = [p for p in plans.values() if p.create and not p.remove_first and p.remove and created[p.vpc_id][1]]
        gone_retry = self._delete_flow_logs([f for p in retry for f in p.remove])
        again: list[str] = []
        for p in retry:
            problems = [f"{f}: {gone_retry[f]}" for f in p.remove if gone_retry[f]]
            first_refusal = created[p.vpc_id][1]
            if problems:
                results[p.vpc_id] = VpcResult(
                    "failed",
                    reason=f"the new flow log was refused ({first_refusal}), and our outdated flow log could not be"
                    " removed to make room: " + "; ".join(problems),
                )
            else:
                removed += len(p.remove)
                p.remove_first = True
                again.append(p.vpc_id)
        created.update(self._create_flow_logs(again, settings))
        # 4. Remove what is left of ours: on excluded VPCs, duplicates, and outdated ones now replaced.
        later = [p for p in plans.values() if p.remove and not p.remove_first and p.vpc_id not in results]
        later = [p for p in later if not p.create or not created[p.vpc_id][1]]
        gone_later = self._delete_flow_logs([f for p in later for f in p.remove])
        for p in plans.values():
            if p.vpc_id in results:
                continue
            leftovers = [f"{f}: {gone_later[f]}" for f in p.remove if gone_later.get(f)]
            removed += sum(1 for f in p.remove if f in gone_later and not gone_later[f])
            if p.create:
                flow_log_id, refusal = created[p.vpc_id]
                if refusal:
                    note = " (our outdated flow log was removed first)" if p.remove_first and p.remove else ""
                    results[p.vpc_id] = VpcResult("failed", reason=refusal + note)
                elif leftovers:
                    results[p.vpc_id] = VpcResult(
                        "created",
                        flow_log_id,
                        reason="our outdated flow log could not be removed: " + "; ".join(leftovers),
                    )
                else:
                    results[p.vpc_id] = VpcResult("created", flow_log_id, replaced=list(p.remove))
            elif leftovers and p.excluded:
                results[p.vpc_id] = VpcResult(
                    "failed", reason="excluded by tag, but our flow log could not be removed: " + "; ".join(leftovers)
                )
            elif leftovers:
                results[p.vpc_id] = VpcResult(
                    "covered", p.covering, reason="our extra flow log could not be removed: " + "; ".join(leftovers)
                )
            else:
                results[p.vpc_id] = _unchanged_result(p)
        return results, removed

    def _apply_clusters(self, sweep: ClusterSweep, plans: list[ClusterPlan]) -> tuple[dict[str, ClusterResult], bool]:
        results = {p.name: p.result for p in plans if not p.work and p.result is not None}
        work = [(p.name, sweep.open(p) if p.in_scope else sweep.revert(p)) for p in plans if p.work]
        done, left = drive_clusters(work, self.deadline, self.poll_seconds)
        gone = {p.name for p in plans if p.cluster is None}
        # A cluster that no longer exists is not part of the estate: its record is gone, and so is it.
        results.update(
            (name, result) for name, result in done.items() if name not in gone or result.state != "reverted"
        )
        return results, left

    # Delete

    def _undo_switched_off(self, settings: Settings, clusters_off: bool) -> None:
        """On Create and Update: what coverage that this request switched off had done is undone, under the
        lease (a sweep still running the old settings must not redo it). Costs a read each when nothing is left."""
        leftover = ClusterSweep(None, settings.owner, settings.report_parameter, self.ssm) if clusters_off else None
        if leftover is not None:
            leftover.records.read_all()
        flow_logs_off = not settings.cover_vpcs and bool(self._own_flow_log_ids(settings.owner))
        if not flow_logs_off and not (leftover is not None and leftover.records.docs):
            return
        self._take_lease(settings.lease_parameter)  # Create and Update wait for it, or fail
        try:
            if flow_logs_off:
                removed, problems = self.remove_own_flow_logs(settings.owner)
                if problems:
                    raise Failure(
                        f"VPC coverage is off, and the flow logs it made could not all be removed ({removed}"
                        " removed): " + " ".join(p.rstrip(".") + "." for p in problems) + " Fix the cause and retry."
                    )
            if leftover is not None:
                problems = self.revert_clusters(leftover)
                if problems:
                    raise Failure(
                        "Cluster coverage is off, and what it changed could not all be undone: "
                        + " ".join(p.rstrip(".") + "." for p in problems)
                        + " Fix the cause and retry."
                    )
        finally:
            self._release_lease(settings.lease_parameter)

    def revert_clusters(self, sweep: ClusterSweep) -> list[str]:
        """Reverts every cluster the sweep's owner changed (its records); the problems left."""
        try:
            sweep.records.read_all()
            plans = [ClusterPlan(name, sweep.describe(name), False, True) for name in sorted(sweep.records.docs)]
        except (Failure, cluster_access.Failure) as failure:
            return [str(failure)]
        results, _ = drive_clusters([(p.name, sweep.revert(p)) for p in plans], self.deadline, self.poll_seconds)
        return [
            f"cluster {name}: " + (REVERT_TIME_RAN_OUT if result.state == "pending" else str(result.reason))
            for name, result in sorted(results.items())
            if result.state != "reverted"
        ]

    def _own_flow_log_ids(self, owner: str) -> list[str]:
        flow_logs, _ = self._read_pages(
            self.ec2.describe_flow_logs, "FlowLogs", Filters=[{"Name": f"tag:{COVERAGE_TAG_KEY}", "Values": [owner]}]
        )
        return [f["FlowLogId"] for f in flow_logs if is_ours(f, owner)]

    def remove_own_flow_logs(self, owner: str) -> tuple[int, list[str]]:
        """Deletes every flow log tagged with ``owner``: how many went, and the problems left."""
        problems: list[str] = []
        flow_logs, read_error = self._read_pages(
            self.ec2.describe_flow_logs,
            "FlowLogs",
            Filters=[{"Name": f"tag:{COVERAGE_TAG_KEY}", "Values": [owner]}],
        )
        ours = [f["FlowLogId"] for f in flow_logs if is_ours(f, owner)]
        if read_error is not None:
            problems.append(
                _aws_problem(read_error, "ec2:DescribeFlowLogs", f"listing the flow logs tagged {COVERAGE_TAG_KEY}")
            )
        gone = self._delete_flow_logs(ours)
        removed = sum(1 for f in ours if not gone[f])
        by_reason: dict[str, list[str]] = {}
        for flow_log_id in ours:
            if gone[flow_log_id]:
                by_reason.setdefault(str(gone[flow_log_id]), []).append(flow_log_id)
        if by_reason:
            problems.append(
                f"{sum(map(len, by_reason.values()))} flow log(s) could not be deleted: "
                + "; ".join(f"{', '.join(i)}: {reason.rstrip('.')}" for reason, i in by_reason.items())
            )
        return removed, problems

    def delete(self, owner: str, report_parameter: str) -> Outcome:
        lease = lease_parameter(report_parameter) if report_parameter else ""
        holding = False
        if lease:
            # Waiting for a sweep in progress keeps it from creating flow logs after they were removed. The
            # removal does not depend on the lease: without it, it goes ahead.
            try:
                holding = self._take_lease(lease, until=self.deadline - DELETE_LEASE_RESERVE_SECONDS) is None
            except Failure as failure:
                LOG.warning("coverage Delete: %s", failure)
            if not holding:
                LOG.warning("coverage Delete: could not take the lease %s; deleting without it", lease)
        try:
            cluster_problems = self.revert_clusters(ClusterSweep(None, owner, report_parameter, self.ssm))
            removed, problems = self.remove_own_flow_logs(owner)
            # The report stays while flow logs or clusters of ours may be left: it still says what they cover.
            if report_parameter and not problems and not cluster_problems:
                try:
                    self.ssm.delete_parameter(Name=report_parameter)
                except ClientError as error:
                    if _code(error) != "ParameterNotFound":
                        problems.append(_aws_problem(error, "ssm:DeleteParameter", f"deleting {report_parameter}"))
        finally:
            if holding:
                self._release_lease(lease)
        counts = {key: 0 for key in COUNT_KEYS} | {"Removed": removed}
        outcome = Outcome(self.trigger, counts=counts, report="deleted")
        failures = []
        if problems:
            failures.append(
                f"Could not remove all flow logs tagged {COVERAGE_TAG_KEY}={owner} ({removed} removed): "
                + " ".join(p.rstrip(".") + "." for p in problems)
            )
        if cluster_problems:
            failures.append(
                "Could not revert every EKS cluster this coverage changed: "
                + " ".join(p.rstrip(".") + "." for p in cluster_problems)
            )
        if failures:
            raise Failure(" ".join(failures) + " Fix the cause and retry the deletion.")
        return outcome

    # Reading

    def _read_pages(
        self, call: Callable[..., dict[str, Any]], key: str, **params: Any
    ) -> tuple[list[dict[str, Any]], ClientError | None]:
        """Every item of a paginated EC2 list, and the error that stopped the reading, if one did."""
        items: list[dict[str, Any]] = []
        token = None
        while True:
            request = dict(params, MaxResults=PAGE_SIZE)
            if token:
                request["NextToken"] = token
            try:
                page = call(**request)
            except ClientError as error:
                return items, error
            items.extend(page.get(key) or [])
            token = page.get("NextToken")
            if not token:
                return items, None

    def _read_all(self, call: Callable[..., dict[str, Any]], key: str, action: str) -> list[dict[str, Any]]:
        items, error = self._read_pages(call, key)
        if error is not None:
            raise Failure(
                "Could not assess flow-log coverage: "
                + _aws_problem(error, action, "reading the estate").rstrip(".")
                + ". Nothing was changed."
            )
        return items

    def _read_report(self, settings: Settings) -> tuple[bool, Any]:
        """Whether the report exists, and its content (None when unreadable)."""
        try:
            value = self.ssm.get_parameter(Name=settings.report_parameter)["Parameter"]["Value"]
        except ClientError as error:
            if _code(error) == "ParameterNotFound":
                return False, None
            if self.is_sweep:
                # Without it a sweep cannot tell whether the custom resource still exists.
                raise Failure(
                    _aws_problem(error, "ssm:GetParameter", f"reading the coverage report {settings.report_parameter}")
                ) from None
            LOG.warning("could not read the coverage report %s: %s", settings.report_parameter, error)
            return True, None
        try:
            return True, json.loads(value)
        except ValueError:
            return True, None

    # Writing

    def _write_report(self, name: str, text: str, outcome: Outcome) -> None:
        tier = "Standard" if len(text.encode()) <= STANDARD_PARAMETER_BYTES else "Advanced"
        try:
            try:
                self.ssm.put_parameter(Name=name, Value=text, Type="String", Overwrite=True, Tier=tier)
            except ClientError as error:
                if tier != "Standard" or _code(error) in ACCESS_DENIED_CODES:
                    raise
                # Parameter Store cannot turn an advanced parameter back into a standard one: stay advanced.
                LOG.info("report %s stays an advanced parameter (%s)", name, _code(error))
                self.ssm.put_parameter(Name=name, Value=text, Type="String", Overwrite=True, Tier="Advanced")
        except ClientError as error:
            counts = ", ".join(f"{k} {v}" for k, v in (outcome.counts or {}).items())
            raise Failure(
                f"Coverage was applied ({counts}), but "
                + _aws_problem(error, "ssm:PutParameter", f"writing the coverage report {name}").rstrip(".")
                + ". Sweeps act only while the report exists."
            ) from None

    def _create_flow_logs(self, vpc_ids: list[str], settings: Settings) -> dict[str, tuple[str | None, str | None]]:
        """vpc id -> (new flow log id, None) or (None, why not). One VPC's refusal never stops the others."""
        out: dict[str, tuple[str | None, str | None]] = {}
        pending = [vpc_ids[i : i + MAX_VPCS_PER_CREATE] for i in range(0, len(vpc_ids), MAX_VPCS_PER_CREATE)]
        accepted: list[str] = []
        new_ids: list[str] = []
        while pending:
            batch = pending.pop(0)
            if _now() >= self.deadline:
                out.update((v, (None, TIME_RAN_OUT)) for b in [batch, *pending] for v in b)
                break
            try:
                response = self.ec2.create_flow_logs(
                    # botocore retries with the same token: a retry after a lost answer is not a second request.
                    ClientToken=str(uuid.uuid4()),
                    ResourceType="VPC",
                    ResourceIds=batch,
                    TrafficType="ALL",
                    LogDestinationType="s3",
                    LogDestination=settings.bucket_arn,
                    LogFormat=settings.log_format,
                    MaxAggregationInterval=settings.max_aggregation_interval,
                    DestinationOptions=settings.destination_options(),
                    TagSpecifications=[
                        {
                            "ResourceType": "vpc-flow-log",
                            "Tags": [
                                {"Key": COVERAGE_TAG_KEY, "Value": settings.owner},
                                {"Key": "Name", "Value": NAME_TAG_VALUE},
                            ],
                        }
                    ],
                )
            except ClientError as error:
                if len(batch) > 1 and _per_item(error):
                    # Refused as a whole for what may be one VPC's problem: halve until it is found.
                    middle = len(batch) // 2
                    pending[:0] = [batch[:middle], batch[middle:]]
                else:
                    reason = _aws_problem(error, "ec2:CreateFlowLogs", "creating flow logs")
                    out.update((v, (None, reason)) for v in batch)
                continue
            refused = {item.get("ResourceId"): _item_reason(item) for item in response.get("Unsuccessful") or []}
            for vpc_id in batch:
                if vpc_id in refused:
                    out[vpc_id] = (None, refused[vpc_id])
                else:
                    accepted.append(vpc_id)
            new_ids.extend(response.get("FlowLogIds") or [])
        # CreateFlowLogs returns the new ids without their VPCs: read them back to know which is which.
        by_vpc: dict[str, str] = {}
        for i in range(0, len(new_ids), MAX_FLOW_LOG_IDS_PER_CALL):
            try:
                described = self.ec2.describe_flow_logs(FlowLogIds=new_ids[i : i + MAX_FLOW_LOG_IDS_PER_CALL])
            except ClientError as error:
                LOG.warning("could not read back the new flow logs: %s", error)
                continue
            by_vpc.update((f["ResourceId"], f["FlowLogId"]) for f in described.get("FlowLogs") or [])
        for vpc_id in accepted:
            out[vpc_id] = (by_vpc.get(vpc_id), None)
        return out

    def _delete_flow_logs(self, flow_log_ids: list[str]) -> dict[str, str | None]:
        """flow log id -> None (it is gone, deleted now or before) or why it could not be deleted."""
        out: dict[str, str | None] = {}
        step = MAX_FLOW_LOG_IDS_PER_CALL
        pending = [flow_log_ids[i : i + step] for i in range(0, len(flow_log_ids), step)]
        while pending:
            batch = pending.pop(0)
            if _now() >= self.deadline:
                out.update((f, TIME_RAN_OUT) for b in [batch, *pending] for f in b)
                break
            try:
                response = self.ec2.delete_flow_logs(FlowLogIds=batch)
            except ClientError as error:
                if len(batch) == 1 and _code(error) == NOT_FOUND_FLOW_LOG:
                    out[batch[0]] = None
                elif len(batch) > 1 and _per_item(error):
                    middle = len(batch) // 2
                    pending[:0] = [batch[:middle], batch[middle:]]
                else:
                    reason = _aws_problem(error, "ec2:DeleteFlowLogs", "deleting flow logs")
                    out.update((f, reason) for f in batch)
                continue
            refused = {
                item.get("ResourceId"): _item_reason(item)
                for item in response.get("Unsuccessful") or []
                if (item.get("Error") or {}).get("Code") != NOT_FOUND_FLOW_LOG
            }
            out.update((f, refused.get(f)) for f in batch)
        return out

    # The lease

    def _take_lease(self, name: str, until: float | None = None) -> LeaseHolder | None:
        """Take the lease: None once it is ours, or who holds it when this run stops asking.

        A sweep asks a few times; Create and Update until their deadline, and then fail.
        """
        until = self.deadline if until is None else until
        value = json.dumps({"holder": self.holder, "trigger": self.trigger, "taken_at": _now()})
        waits = races = 0
        while True:
            try:
                self.ssm.put_parameter(Name=name, Value=value, Type="String", Overwrite=False, Tier="Standard")
                return None
            except ClientError as error:
                if _code(error) != "ParameterAlreadyExists":
                    raise Failure(
                        _aws_problem(error, "ssm:PutParameter", f"taking the lease {name}").rstrip(".")
                        + ". Nothing was changed."
                    ) from None
            holder = self._read_lease(name)
            if holder is None and races < 3:
                races += 1
                continue  # given back in between: ask again at once
            holder = holder or LeaseHolder("a run that keeps taking and giving it back", "unknown", _now())
            if _now() - holder.taken_at > LAMBDA_MAX_TIMEOUT_SECONDS:
                LOG.warning("breaking the lease %s held by %s: older than any invocation", name, holder.describe())
                try:
                    self.ssm.delete_parameter(Name=name)
                except ClientError as error:
                    if _code(error) != "ParameterNotFound":
                        raise Failure(
                            _aws_problem(error, "ssm:DeleteParameter", f"breaking the stale lease {name}").rstrip(".")
                            + ". Nothing was changed."
                        ) from None
                continue
            if (self.is_sweep and waits >= SWEEP_LEASE_POLLS) or _now() + LEASE_POLL_SECONDS > until:
                if self.trigger in ("Create", "Update"):
                    raise Failure(
                        f"Another run of this function holds the lease {name}: {holder.describe()}. Waited"
                        f" {_now() - self.started:.0f} s, as long as this request's time budget allows. Nothing was"
                        " changed: retry the deployment (a lease older than"
                        f" {LAMBDA_MAX_TIMEOUT_SECONDS:.0f} s is broken by the next run)."
                    )
                return holder
            _sleep(LEASE_POLL_SECONDS)
            waits += 1

    def _read_lease(self, name: str) -> LeaseHolder | None:
        try:
            parameter = self.ssm.get_parameter(Name=name)["Parameter"]
        except ClientError as error:
            if _code(error) == "ParameterNotFound":
                return None
            raise Failure(
                _aws_problem(error, "ssm:GetParameter", f"reading the lease {name}").rstrip(".")
                + ". Nothing was changed."
            ) from None
        try:
            data = json.loads(parameter["Value"])
            return LeaseHolder(str(data["holder"]), str(data["trigger"]), float(data["taken_at"]))
        except (ValueError, KeyError, TypeError):
            modified = parameter.get("LastModifiedDate")
            taken_at = modified.timestamp() if isinstance(modified, datetime) else 0.0
            return LeaseHolder("an unknown holder", "unreadable lease", taken_at)

    def _release_lease(self, name: str) -> None:
        # No other run deletes a lease younger than Lambda's maximum timeout, so this one is still ours.
        try:
            self.ssm.delete_parameter(Name=name)
        except ClientError as error:
            if _code(error) != "ParameterNotFound":
                LOG.warning(
                    "could not give back the lease %s (%s); it is broken after %.0f s",
                    name,
                    error,
                    LAMBDA_MAX_TIMEOUT_SECONDS,
                )


def _unchanged_result(vpc_plan: VpcPlan) -> VpcResult:
    if vpc_plan.excluded:
        return VpcResult("excluded")
    return VpcResult("covered", vpc_plan.covering)


# --- AWS errors -------------------------------------------------------------------------------------


def _code(error: ClientError) -> str:
    code: str = error.response.get("Error", {}).get("Code", "")
    return code


def _per_item(error: ClientError) -> bool:
    """Whether a refusal of a whole batch may be about one of its items (a 4xx other than access denied
    or throttling): then the batch is split to find it. Throttling and 5xx were retried already."""
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400)
    code = _code(error)
    throttled = code in ("RequestLimitExceeded", "Throttling", "ThrottlingException")
    return 400 <= int(status) < 500 and code not in ACCESS_DENIED_CODES and not throttled


def _item_reason(item: Mapping[str, Any]) -> str:
    error = item.get("Error") or {}
    return f"{error.get('Code', 'Unknown')}: {error.get('Message', '')}".strip().rstrip(":")


def _aws_problem(error: ClientError, action: str, doing: str) -> str:
    code, message = _code(error), error.response.get("Error", {}).get("Message", "")
    if code in ACCESS_DENIED_CODES:
        return (
            f"access denied: the function's role may not call {action} ({message}). Check the role's policy and any"
            " SCP or permissions boundary."
        )
    return f"{action} failed while {doing}: {code}: {message}"


# --- entry point ------------------------------------------------------------------------------------


def trigger_of(event: Mapping[str, Any]) -> str:
    request = event.get("RequestType")
    if request in CLOUDFORMATION_REQUESTS and event.get("ResponseURL"):
        return str(request)
    if event.get("source") == CONTINUATION_SOURCE and event.get("detail-type") == CONTINUATION_DETAIL_TYPE:
        return "continuation"
    return "schedule" if event.get("detail-type") == "Scheduled Event" else "event"


def hand_offs_of(event: Mapping[str, Any]) -> int:
    detail = event.get("detail")
    count = detail.get("hand_offs", 0) if isinstance(detail, Mapping) else 0
    return count if isinstance(count, int) and count >= 0 else 0


def hand_off(run: Run, outcome: Outcome) -> None:
    """Cluster work was left: a new invocation continues it at once, unless MAX_HAND_OFFS runs in a row
    did so already (then the schedule continues it). Never fails the run: the schedule is the guarantee."""
    if not outcome.left:
        return
    if run.hand_offs >= MAX_HAND_OFFS:
        LOG.warning("cluster work left after %d hand-offs in a row: the next scheduled sweep continues", run.hand_offs)
        return
    event = {
        "source": CONTINUATION_SOURCE,
        "detail-type": CONTINUATION_DETAIL_TYPE,
        "detail": {"hand_offs": run.hand_offs + 1, "after": outcome.trigger},
    }
    try:
        _client("lambda").invoke(
            FunctionName=run.context.invoked_function_arn,
            InvocationType="Event",
            Payload=json.dumps(event),
        )
        outcome.done = "handed off"
    except Exception as error:  # the schedule continues, whatever stopped the hand-off
        LOG.warning("could not hand the cluster work on (%s): the next scheduled sweep continues", error)


def summary_line(outcome: Outcome) -> str:
    if outcome.counts is None:
        numbers = "nothing counted"
    else:
        numbers = " ".join(f"{key.lower()}={outcome.counts.get(key, 0)}" for key in COUNT_KEYS)
    if outcome.cluster_counts is not None:
        numbers += " clusters: " + " ".join(f"{k.lower()}={v}" for k, v in outcome.cluster_counts.items())
    return f"coverage {outcome.trigger}: {numbers} report={outcome.report} ({outcome.done})"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any] | None:
    trigger = trigger_of(event)
    if trigger in CLOUDFORMATION_REQUESTS:
        _custom_resource(event, context, trigger)
        return None
    detail = event.get("detail")
    LOG.info(
        "sweep for %s event %s (source %s, detail-type %s, eventName %s)",
        trigger,
        event.get("id", "-"),
        event.get("source", "-"),
        event.get("detail-type", "-"),
        detail.get("eventName", "-") if isinstance(detail, dict) else "-",
    )
    try:
        run = Run(trigger, context, hand_offs_of(event))
        outcome = run.converge(read_settings(os.environ))
    except Failure as failure:
        LOG.error("coverage %s failed: %s", trigger, failure)
        raise
    hand_off(run, outcome)
    LOG.info(summary_line(outcome))
    return {"trigger": trigger, "done": outcome.done, "report": outcome.report, "counts": outcome.counts}


def _custom_resource(event: dict[str, Any], context: Any, request: str) -> None:
    LOG.info("request %s %s %s", request, event.get("LogicalResourceId"), event.get("RequestId"))
    owner = os.environ.get("OWNER", "")
    physical_id = event.get("PhysicalResourceId") or (
        PHYSICAL_ID_PREFIX + owner if owner else UNCONFIGURED_PHYSICAL_ID_PREFIX + str(event.get("RequestId"))
    )
    try:
        run = Run(request, context)
        if request == "Delete":
            if not physical_id.startswith(PHYSICAL_ID_PREFIX):
                LOG.info("coverage Delete: %s created nothing; nothing to remove", physical_id)
                outcome = None
            else:
                # The physical id names the owner whose flow logs this resource created.
                owner = physical_id.removeprefix(PHYSICAL_ID_PREFIX)
                outcome = run.delete(owner, os.environ.get("REPORT_PARAMETER", ""))
        else:
            settings = read_settings(os.environ)
            physical_id = PHYSICAL_ID_PREFIX + settings.owner
            outcome = run.converge(settings)
            hand_off(run, outcome)
        if outcome is not None:
            LOG.info(summary_line(outcome))
        status, reason, data = "SUCCESS", "", outcome.data() if outcome is not None else {}
    except Failure as failure:
        LOG.warning("coverage %s failed: %s", request, failure)
        status, reason, data = "FAILED", str(failure), {}
    except Exception as error:
        LOG.error("unexpected error: %s", traceback.format_exc())
        status, reason, data = "FAILED", f"unexpected error ({type(error).__name__}): {error}", {}
    _respond(event, status, reason, physical_id, data)


def _respond(
    event: dict[str, Any], status: str, reason: str, physical_id: str, data: dict[str, str] | None = None
) -> None:
    body: dict[str, Any] = {
        "Status": status,
        "Reason": reason or status,
        "PhysicalResourceId": physical_id,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "NoEcho": False,
        "Data": data or {},
    }
    encoded = json.dumps(body).encode()
    if len(encoded) > MAX_RESPONSE_BYTES:
        overflow = len(encoded) - MAX_RESPONSE_BYTES + len(" [truncated]")
        body["Reason"] = body["Reason"][: max(0, len(body["Reason"]) - overflow)] + " [truncated]"
        encoded = json.dumps(body).encode()
    LOG.info("responding %s: %s", status, body["Reason"])
    request = urllib.request.Request(
        event["ResponseURL"],
        data=encoded,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(encoded))},
    )
    for attempt in range(3):
        try:
            with urllib.request.urlopen(request, timeout=30):
                return
        except OSError:
            LOG.warning("response PUT failed (attempt %d): %s", attempt + 1, traceback.format_exc())
            if attempt < 2:  # no wait after the last attempt
                _sleep(2**attempt)
    raise RuntimeError("could not deliver the response to CloudFormation")
