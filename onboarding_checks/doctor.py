"""``doctor``: what would make a deploy of this config fail half-way, checked before it starts.
One rule per check; ``DOCTOR_CHECKS`` lists them in the order they run."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from onboarding_constructs import DEFAULT_ACCESS_POLICY as VIEW_POLICY
from onboarding_constructs.validation import MAX_PUBLIC_ACCESS_CIDRS as MAX_PUBLIC_CIDRS

from .aws import MissingPermission, error_code
from .clusters import ACCESS_ENTRY_PLATFORMS as ACCESS_ENTRY_PLATFORMS  # its home before the clusters module
from .clusters import (
    IPV6_ON_AN_IPV4_CLUSTER,
    OPENED_MODE,
    OVER_THE_LIMIT,
    PRIVATE_ONLY,
    access_entries_needed,
    by_the_runner,
    carries,
    changed_by_the_runner,
    cluster_coverage,
    described,
    in_scope,
    leave_alone,
    opt_in_tag,
    plan_endpoint,
    public_endpoint_tag,
    refusal,
    region_clusters,
    remove_cidrs_fix,
    spelt,
    versions,
)
from .common import (
    CLUSTERS,
    NETWORKS,
    Network,
    all_vpcs,
    exclude_tag,
    excluded,
    flow_log_format,
    leave_out,
    problems_first,
)
from .probes import (
    COVERAGE_TAG_KEY,
    MAX_FLOW_LOGS_PER_RESOURCE,
    POD_IDENTITY_AGENT,
    auth_mode,
    cluster,
    flow_logs_by_resource,
    flow_logs_on,
    flow_logs_to,
    matches_the_sweep,
    region_vpcs,
    stack_bucket_arn,
    tags_of,
)
from .rules import Context, Finding, Rule, Targets, failure, ok, rule, warning

if TYPE_CHECKING:
    from onboarding_config.model import EksClusterConfig

MAX_TRAILS_PER_REGION = 5


# --- flow logs ----------------------------------------------------------------------------------------


@rule(
    "flow log target",
    on=NETWORKS,
    checks="it exists, has fewer than two flow logs (the most AWS allows), and none to the flow logs' bucket",
)
def flow_log_target(context: Context, network: Network) -> Iterator[Finding]:
    resource_id, kind = network.id, network.kind
    operation, key, missing = (
        ("describe_subnets", "SubnetIds", "InvalidSubnetID.NotFound")
        if kind == "subnet"
        else ("describe_vpcs", "VpcIds", "InvalidVpcID.NotFound")
    )
    params: dict[str, Any] = {key: [resource_id]}
    try:
        context.aws.call("ec2", operation, **params)
    except ClientError as error:
        if error_code(error) != missing:
            raise
        yield failure(
            f"no such {kind} in account {context.account}, {context.aws.region}",
            f"correct the id in flow_logs.{kind}_ids, or run with credentials of the account that has it",
            stop=True,
        )
        return
    flow_logs = flow_logs_on(context, resource_id)
    destination = stack_bucket_arn(context)
    same = [f["FlowLogId"] for f in flow_logs_to(flow_logs, destination)]
    if same:
        yield failure(
            f"already logs to {destination} ({', '.join(same)}); a second flow log would write every record twice",
            f"remove {resource_id} from the config, or delete {', '.join(same)} first",
        )
    elif len(flow_logs) >= MAX_FLOW_LOGS_PER_RESOURCE:
        yield failure(
            f"has {len(flow_logs)} flow logs, the most AWS allows ({', '.join(f['FlowLogId'] for f in flow_logs)})",
            "delete one of them, or log the whole VPC instead",
        )
    else:
        yield ok(f"exists, {len(flow_logs)} flow log(s) of at most {MAX_FLOW_LOGS_PER_RESOURCE}")


def _region_with_all_vpcs(context: Context) -> list[str]:
    return [context.aws.region] if all_vpcs(context) else []


REGION_VPCS = Targets(
    "the region's VPCs, when `flow_logs.coverage` is `all-vpcs` (a row for each)", _region_with_all_vpcs
)


@rule(
    "flow log coverage",
    on=REGION_VPCS,
    checks="each VPC of the account (DescribeVpcs) with its flow logs (DescribeFlowLogs, read once for all): covered"
    " already (a flow log anyone made that delivers what the sweep's would: the stack's bucket, the config's format,"
    " interval and file options), excluded by `flow_logs.exclude_tag`, or gets a flow log from the sweep; one at"
    " the 2 flow logs AWS allows, none of them covering it, fails",
)
def flow_log_coverage(context: Context, region: str) -> Iterator[Finding]:
    vpcs = region_vpcs(context)
    if not vpcs:
        yield ok(f"no VPCs in account {context.account}, {region} yet: the sweep covers each one created later")
        return
    flow_logs = flow_logs_by_resource(context)
    yield from problems_first([_coverage(context, vpc, flow_logs.get(vpc["VpcId"], [])) for vpc in vpcs])


def _coverage(context: Context, vpc: dict[str, Any], flow_logs: list[dict[str, Any]]) -> Finding:
    """What the sweep would find on one VPC with these flow logs."""
    vpc_id = vpc["VpcId"]
    swept = [f["FlowLogId"] for f in flow_logs if tags_of(f).get(COVERAGE_TAG_KEY) == context.config.stack_name]
    if excluded(context, vpc):
        removes = f"; the sweep removes its flow log(s) {', '.join(swept)}" if swept else ""
        return ok(f"excluded by tag {exclude_tag(context)}{removes}", on=vpc_id)
    covering = [f for f in flow_logs if matches_the_sweep(context, f)]
    if covering:
        return ok(f"covered already: {covering[0]['FlowLogId']} logs to {covering[0].get('LogDestination')}", on=vpc_id)
    if swept:
        # The sweep's own flow log with other settings (the config changed): the sweep replaces it.
        return ok(f"the sweep replaces {', '.join(swept)}: its settings are not the config's", on=vpc_id)
    if len(flow_logs) >= MAX_FLOW_LOGS_PER_RESOURCE:
        return failure(
            f"has {len(flow_logs)} flow logs ({', '.join(f['FlowLogId'] for f in flow_logs)}), the most AWS allows,"
            " none of them with the config's bucket and settings: the sweep cannot add one",
            f"delete one of them, or {leave_out(context)}",
            on=vpc_id,
        )
    return ok(
        f"gets a flow log from the sweep ({len(flow_logs)} of at most {MAX_FLOW_LOGS_PER_RESOURCE} now)", on=vpc_id
    )


# --- the bucket ---------------------------------------------------------------------------------------


def _existing_bucket_name(context: Context) -> list[str]:
    name = context.config.flow_logs.bucket.existing_name
    return [name] if name else []


def _new_bucket_name(context: Context) -> list[str]:
    bucket = context.config.flow_logs.bucket
    return [bucket.name] if bucket.name and not bucket.existing_name else []


EXISTING_BUCKET = Targets("`flow_logs.bucket.existing_name`", _existing_bucket_name)
NEW_BUCKET = Targets("`flow_logs.bucket.name`", _new_bucket_name)


@rule(
    "existing bucket",
    on=EXISTING_BUCKET,
    checks="it exists, is in `region`, and its policy lets `delivery.logs.amazonaws.com` write (no such statement"
    " warns)",
)
def existing_bucket(context: Context, name: str) -> Iterator[Finding]:
    try:
        location = context.aws.call("s3", "get_bucket_location", Bucket=name).get("LocationConstraint")
    except ClientError as error:
        if error_code(error) not in ("NoSuchBucket", "404"):
            raise
        yield failure("no such bucket", "create it first, or remove flow_logs.bucket.existing_name to create one")
        return
    region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
    if region != context.aws.region:
        yield failure(
            f"is in {region}, not in {context.aws.region} (the region of the models and the flow logs)",
            f"use a bucket in {context.aws.region}, or remove existing_name to create one",
        )
        return
    try:
        policy = json.loads(context.aws.call("s3", "get_bucket_policy", Bucket=name)["Policy"])
    except ClientError as error:
        if error_code(error) != "NoSuchBucketPolicy":
            raise
        policy = {"Statement": []}
    if _allows_log_delivery(policy):
        yield ok(f"in {region}; its policy lets delivery.logs.amazonaws.com write")
    else:
        yield warning(
            f"in {region}; its policy has no statement for delivery.logs.amazonaws.com, so log delivery adds its own",
            "add the delivery statements the README shows (with aws:SourceAccount and aws:SourceArn) before deploying",
        )


def _allows_log_delivery(policy: dict[str, Any]) -> bool:
    for statement in _as_list(policy.get("Statement")):
        principal = statement.get("Principal") or {}
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        actions = _as_list(statement.get("Action"))
        if (
            statement.get("Effect") == "Allow"
            and "delivery.logs.amazonaws.com" in services
            and any(_covers(a, "s3:PutObject") for a in actions)
        ):
            return True
    return False


def _covers(pattern: object, action: str) -> bool:
    """Whether an IAM ``Action`` entry grants ``action``: case-insensitive, with ``*`` and ``?``."""
    return isinstance(pattern, str) and fnmatch.fnmatchcase(action.lower(), pattern.lower())


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@rule("bucket name", on=NEW_BUCKET, checks="no bucket has the name yet (bucket names are global)")
def bucket_name(context: Context, name: str) -> Iterator[Finding]:
    try:
        context.aws.call("s3", "head_bucket", Bucket=name)
    except ClientError as error:
        code = error_code(error)
        if code in ("404", "NoSuchBucket", "NotFound"):
            yield ok("free: the stack can create it")
            return
        if code in ("403", "Forbidden"):
            yield failure(
                "taken by another AWS account (names are global)",
                "choose another flow_logs.bucket.name, or remove it",
            )
            return
        raise
    yield failure(
        f"a bucket of this name already exists in account {context.account}",
        "set flow_logs.bucket.existing_name to use it as it is, or choose another name",
    )


# --- CloudTrail ----------------------------------------------------------------------------------------


def _region_of_a_new_trail(context: Context) -> list[str]:
    trail = context.config.cloudtrail
    if trail is None or trail.existing_trail_arn or not in_the_trails_region(context):
        return []
    return [context.aws.region]


def in_the_trails_region(context: Context) -> bool:
    """Whether a trail the stack creates is made in this region: every region for one account; in an
    organization, each account's home region only (the first of ``organization.regions``: the trail is
    multi-region)."""
    organization = context.config.organization
    return organization is None or context.aws.region == organization.home_region


def _reused_trail_arn(context: Context) -> list[str]:
    trail = context.config.cloudtrail
    return [trail.existing_trail_arn] if trail is not None and trail.existing_trail_arn else []


NEW_TRAIL = Targets(
    "the region, when `cloudtrail` creates a trail (in an organization: the home region)", _region_of_a_new_trail
)
REUSED_TRAIL = Targets("`cloudtrail.existing_trail_arn`", _reused_trail_arn)


@rule(
    "trails in the region",
    on=NEW_TRAIL,
    checks=f"room for a trail (at most {MAX_TRAILS_PER_REGION} a region); a multi-region trail already logging"
    " management events warns, offered for reuse",
)
def trails_in_the_region(context: Context, region: str) -> Iterator[Finding]:
    trails = context.aws.call("cloudtrail", "describe_trails", includeShadowTrails=True)["trailList"]
    own = [t for t in trails if t.get("HomeRegion") == region]
    if len(own) >= MAX_TRAILS_PER_REGION:
        yield failure(
            f"{len(own)} trails already ({', '.join(t['Name'] for t in own)}), the most a region allows",
            "reuse one with cloudtrail.existing_trail_arn, or delete one",
        )
        return
    reusable = [t for t in trails if t.get("IsMultiRegionTrail") and _reusable(context, t)]
    if reusable:
        arn = reusable[0]["TrailARN"]
        yield warning(
            f"{arn} already records management events (Bedrock calls) in every region; a second trail is billed",
            f"set cloudtrail.existing_trail_arn: {arn} to reuse it",
        )
        return
    yield ok(f"{len(own)} of {MAX_TRAILS_PER_REGION} trails: room for one more")


def _reusable(context: Context, trail: dict[str, Any]) -> bool:
    """A trail that is logging management events; asked in its home region, which owns it."""
    home = trail.get("HomeRegion") or context.aws.region
    status = context.aws.call("cloudtrail", "get_trail_status", Name=trail["TrailARN"], region=home)
    return bool(status.get("IsLogging")) and _logs_management_events(context, trail["TrailARN"], region=home)


@rule(
    "reused trail",
    on=REUSED_TRAIL,
    checks="it exists, is logging, and records management events (where Bedrock model calls are)",
)
def reused_trail(context: Context, arn: str) -> Iterator[Finding]:
    try:
        status = context.aws.call("cloudtrail", "get_trail_status", Name=arn)
    except ClientError as error:
        if error_code(error) not in ("TrailNotFoundException", "CloudTrailARNInvalidException"):
            raise
        yield failure(
            "no such trail visible to this account",
            "correct cloudtrail.existing_trail_arn, or remove it to create a trail",
        )
        return
    if not status.get("IsLogging"):
        yield failure("exists but is not logging", f"start it: aws cloudtrail start-logging --name {arn}")
    elif not _logs_management_events(context, arn):
        yield failure(
            "does not record management events, where Bedrock model calls are",
            "add a management-event selector, or use another trail",
        )
    else:
        yield ok("logging, with management events")


def _logs_management_events(context: Context, arn: str, *, region: str | None = None) -> bool:
    selectors = context.aws.call("cloudtrail", "get_event_selectors", TrailName=arn, region=region)
    for selector in selectors.get("EventSelectors") or []:
        if selector.get("IncludeManagementEvents", True) and selector.get("ReadWriteType", "All") in (
            "All",
            "ReadOnly",
        ):
            return True
    for selector in selectors.get("AdvancedEventSelectors") or []:
        fields = {field.get("Field"): field for field in selector.get("FieldSelectors", [])}
        category, read_only, source = (
            fields.get("eventCategory", {}),
            fields.get("readOnly", {}),
            fields.get("eventSource", {}),
        )
        if (
            "Management" in category.get("Equals", [])
            and read_only.get("Equals") != ["false"]  # write events only: model calls are read events
            and "bedrock.amazonaws.com" in source.get("Equals", ["bedrock.amazonaws.com"])
            and "bedrock.amazonaws.com" not in source.get("NotEquals", [])
        ):
            return True
    return False


# --- EKS: the rules run on each cluster in this order, the later ones only on an ACTIVE cluster ------------


@rule("EKS cluster", on=CLUSTERS, checks="it exists and is ACTIVE (a row only when it is not)")
def eks_cluster(context: Context, config: EksClusterConfig) -> Iterator[Finding]:
    try:
        status = cluster(context, config.name).get("status")
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        yield failure(
            f"no such cluster in account {context.account}, {context.aws.region}",
            "correct eks.clusters[].name, or remove the cluster",
            stop=True,
        )
        return
    if status != "ACTIVE":
        yield failure(f"is {status}, not ACTIVE", "wait until it is ACTIVE, then deploy", stop=True)


@rule("EKS access entries", on=CLUSTERS, checks="its Kubernetes and platform versions have access entries")
def eks_access_entries(context: Context, config: EksClusterConfig) -> Iterator[Finding]:
    description = cluster(context, config.name)
    needed = access_entries_needed(description)
    if needed is None:
        yield ok(f"{versions(description)}: access entries available")
    else:
        yield failure(f"{versions(description)}: no access entries", f"update the cluster to {needed} first")


@rule(
    "EKS authentication mode",
    on=CLUSTERS,
    checks="`API` or `API_AND_CONFIG_MAP`; `CONFIG_MAP` warns, since the deploy's change of mode is one way",
)
def eks_authentication_mode(context: Context, config: EksClusterConfig) -> Iterator[Finding]:
    mode = auth_mode(cluster(context, config.name))
    if mode == "CONFIG_MAP":
        yield warning(
            "CONFIG_MAP: the deploy moves it to API_AND_CONFIG_MAP, which EKS cannot undo (aws-auth keeps working)",
            "nothing to do if that is acceptable; otherwise remove the cluster from the config",
        )
    else:
        yield ok(f"{mode}: no change needed")


@rule(
    "EKS endpoint access",
    on=CLUSTERS,
    checks=f"a public endpoint, with room for the discovery CIDRs within {MAX_PUBLIC_CIDRS} on its allow-list;"
    " private-only fails, or warns with `enable_public_endpoint`; IPv6 ranges in `eks.allowed_cidrs` fail on an IPv4"
    " cluster (the handler refuses them)",
)
def eks_endpoint_access(context: Context, config: EksClusterConfig) -> Iterator[Finding]:
    plan = plan_endpoint(context, cluster(context, config.name), public_opt_in=config.enable_public_endpoint)
    if plan.refused == IPV6_ON_AN_IPV4_CLUSTER:
        yield failure(plan.detail, "remove the IPv6 ranges from eks.allowed_cidrs, or remove the cluster")
    elif plan.refused == PRIVATE_ONLY:
        yield failure(
            plan.detail,
            "set enable_public_endpoint: true for this cluster to allow the discovery addresses only, or remove"
            " the cluster",
        )
    elif plan.refused == OVER_THE_LIMIT:
        yield failure(plan.detail, remove_cidrs_fix(plan))
    elif plan.turns_public_access_on:
        yield warning(
            f"private-only: the deploy turns public access on for {', '.join(plan.add)} only (enable_public_endpoint)",
            "nothing to do if that is intended",
        )
    elif plan.open_to_all:
        yield ok("public endpoint open to all addresses: left as it is")
    else:
        yield ok(f"{len(plan.current)} CIDRs on the allow-list, {len(plan.add)} to add (limit {MAX_PUBLIC_CIDRS})")


@rule(
    "EKS access entry",
    on=CLUSTERS,
    checks="no access entry for `eks.discovery_role_arn` yet (a principal has only one); no row when the stack"
    " creates the discovery role",
)
def eks_access_entry(context: Context, config: EksClusterConfig) -> Iterator[Finding]:
    principal = context.config.eks.discovery_role_arn if context.config.eks else None
    if not principal:
        return
    name = config.name
    try:
        context.aws.call("eks", "describe_access_entry", clusterName=name, principalArn=principal)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        yield ok(f"no access entry for {principal} yet: the stack creates it")
        return
    yield failure(
        f"an access entry for {principal} exists already, and a principal can have only one",
        f"delete it (aws eks delete-access-entry --cluster-name {name} --principal-arn {principal}) so the stack"
        " manages it, or remove the cluster",
    )


# --- EKS: the clusters the coverage runner opens (eks.coverage tagged or all) ----------------------------


def _region_with_cluster_coverage(context: Context) -> list[str]:
    return [context.aws.region] if by_the_runner(context) else []


REGION_CLUSTERS = Targets(
    "the region's clusters, when `eks.coverage` is `tagged` or `all` (a row for each in scope)",
    _region_with_cluster_coverage,
)


@rule(
    "EKS cluster coverage",
    on=REGION_CLUSTERS,
    checks="each cluster of the region (ListClusters, DescribeCluster) the runner would open (`all`: every one;"
    " `tagged`: those tagged `eks.opt_in_tag`), by the EKS handler's rules: the authentication mode CONFIG_MAP moves"
    " to API_AND_CONFIG_MAP (one way: warns), the discovery CIDRs to add to the public endpoint (none when it is open"
    " to all), public access turned on for a private-only cluster tagged `eks.public_endpoint_tag` (warns), and the"
    " discovery role's access entry created or, when one exists (DescribeAccessEntry), left alone (or kept, the"
    f" runner's own, tagged `{COVERAGE_TAG_KEY}`); a cluster the"
    f" runner refuses (private-only without the tag, over the {MAX_PUBLIC_CIDRS} CIDRs EKS allows, IPv6 ranges on"
    " an IPv4 cluster, a platform without access entries) or that is not ACTIVE warns, with the fix; a cluster the"
    " runner changed that is out of scope now is reverted; one row for the clusters left alone, saying how to opt"
    " one in",
)
def eks_cluster_coverage(context: Context, region: str) -> Iterator[Finding]:
    names = region_clusters(context)
    if not names:
        later = "created" if cluster_coverage(context) == "all" else f"tagged {spelt(opt_in_tag(context))}"
        yield ok(f"no EKS clusters in account {context.account}, {region} yet: the runner opens each one {later} later")
        return
    findings: list[Finding] = []
    left_alone: list[str] = []
    for name in names:
        description = described(context, name)
        if description is None:
            continue  # deleted since it was listed
        if in_scope(context, description):
            findings.append(_would_open(context, name, description))
        elif changed_by_the_runner(context, description):
            findings.append(
                ok(
                    f"not tagged {spelt(opt_in_tag(context))} any more: the runner undoes what it did (the CIDRs it"
                    " added, public access if it turned it on, its access entry if it created it); the"
                    f" authentication mode stays {auth_mode(description)} (EKS cannot undo it)",
                    on=name,
                )
            )
        else:
            left_alone.append(name)
    yield from problems_first(findings)
    if left_alone:
        tag = spelt(opt_in_tag(context))
        shown = ", ".join(left_alone[:SHOWN_BY_NAME]) + (
            f" and {len(left_alone) - SHOWN_BY_NAME} more" if len(left_alone) > SHOWN_BY_NAME else ""
        )
        yield ok(f"{len(left_alone)} cluster(s) not tagged {tag}, left alone ({shown}): tag one {tag} to open it")


#: The out-of-scope clusters the summary row names; it counts the rest.
SHOWN_BY_NAME = 5


def _would_open(context: Context, name: str, description: dict[str, Any]) -> Finding:
    """What the runner would do to one cluster in scope, as the EKS handler plans it."""
    status = description.get("status")
    if status != "ACTIVE":
        return warning(
            f"{status}, not ACTIVE: the runner opens it once it is (it tries again at each run)",
            "nothing to do; run make doctor again once the cluster is ACTIVE to see what a deploy changes on it",
            on=name,
        )
    refused = refusal(context, description)
    if refused is not None:
        detail, fix = refused
        return warning(f"refused, nothing is changed: {detail}", fix, on=name)
    public_tag = public_endpoint_tag(context)
    plan = plan_endpoint(context, description, public_opt_in=carries(description, public_tag))
    changes: list[str] = []
    warned = False
    mode = auth_mode(description)
    if mode == "CONFIG_MAP":
        changes.append(
            f"authentication mode CONFIG_MAP -> {OPENED_MODE} (one way: EKS cannot undo it; aws-auth keeps working)"
        )
        warned = True
    else:
        changes.append(f"authentication mode {mode}: unchanged")
    if plan.turns_public_access_on and public_tag is not None:  # only a cluster with the tag is turned on
        changes.append(f"turns public access on for {', '.join(plan.add)} only (tagged {spelt(public_tag)})")
        warned = True
    elif plan.open_to_all:
        changes.append("public endpoint open to all addresses: unchanged")
    elif plan.add:
        changes.append(
            f"adds {', '.join(plan.add)} to the {len(plan.current)} CIDR(s) of its public endpoint (at most"
            f" {MAX_PUBLIC_CIDRS})"
        )
    else:
        changes.append("its public endpoint admits the discovery addresses already: unchanged")
    entry, denied = _access_entry_plan(context, name)
    changes.append(entry)
    detail = "; ".join(changes)
    fixes = []
    if warned:
        fixes.append(f"nothing to do if that is acceptable; otherwise {leave_alone(context)} before deploying")
    if denied:
        fixes.append(f"allow {denied} to the identity running the check")
    if fixes:
        return warning(detail, "; ".join(fixes), on=name)
    return ok(detail, on=name)


def _access_entry_plan(context: Context, name: str) -> tuple[str, str | None]:
    """What the runner does about the discovery role's access entry, and the IAM action the credentials
    may not call to tell (None: told)."""
    principal = context.config.eks.discovery_role_arn if context.config.eks else None
    if not principal:
        return f"creates an access entry for the stack's discovery role ({VIEW_POLICY})", None
    try:
        entry = context.aws.call("eks", "describe_access_entry", clusterName=name, principalArn=principal)
    except MissingPermission as missing:
        detail = (
            f"whether {principal} has an access entry is not checked: your credentials may not call {missing.action}"
        )
        return detail, missing.action
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        return f"creates an access entry for {principal} ({VIEW_POLICY}, cluster scope)", None
    if (entry.get("accessEntry", {}).get("tags") or {}).get(COVERAGE_TAG_KEY) == context.config.stack_name:
        return f"the access entry of {principal} is the runner's, from an earlier deploy: kept", None
    return f"the access entry of {principal} exists already: left alone", None


# --- the Pod Identity agent ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentOn:
    """A cluster of pod-identity pod access; ``install``: an entry asks the stack to install the agent."""

    cluster: str
    install: bool


def _agent_clusters(context: Context) -> list[AgentOn]:
    install: dict[str, bool] = {}
    for pod in context.config.bedrock.pod_access if context.config.bedrock else ():
        if pod.mode == "pod-identity":
            install[pod.cluster] = install.get(pod.cluster, False) or pod.install_pod_identity_agent
    return [AgentOn(name, wanted) for name, wanted in install.items()]


def _agent_cluster_name(on: AgentOn) -> str:
    return on.cluster


AGENT_CLUSTERS = Targets(
    "each cluster of a pod-identity entry of `bedrock.pod_access`", _agent_clusters, _agent_cluster_name
)


@rule(
    "Pod Identity agent",
    on=AGENT_CLUSTERS,
    checks=f"the `{POD_IDENTITY_AGENT}` add-on is there, or `install_pod_identity_agent` installs it, not both",
)
def pod_identity_agent(context: Context, on: AgentOn) -> Iterator[Finding]:
    name = on.cluster
    try:
        cluster(context, name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        yield failure(
            f"no such cluster in account {context.account}, {context.aws.region}",
            "correct bedrock.pod_access[].cluster",
        )
        return
    try:
        context.aws.call("eks", "describe_addon", clusterName=name, addonName=POD_IDENTITY_AGENT)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        if on.install:
            yield ok(f"not installed: the stack installs {POD_IDENTITY_AGENT}")
        else:
            yield failure(
                f"the {POD_IDENTITY_AGENT} add-on is missing, and pod identity associations need it",
                "set install_pod_identity_agent: true on one pod_access entry of this cluster, or install the add-on",
            )
        return
    if on.install:
        yield failure(
            f"{POD_IDENTITY_AGENT} is installed already, and install_pod_identity_agent would install it again",
            "set install_pod_identity_agent: false",
        )
    else:
        yield ok(f"{POD_IDENTITY_AGENT} installed")


# --- Bedrock -------------------------------------------------------------------------------------------


def _model_ids(context: Context) -> tuple[str, ...]:
    return context.config.bedrock.model_ids if context.config.bedrock else ()


MODELS = Targets("each of `bedrock.model_ids`", _model_ids)


@rule("Bedrock model", on=MODELS, checks="the region offers it, as a foundation model or an inference profile")
def bedrock_model(context: Context, model_id: str) -> Iterator[Finding]:
    models, profiles = context.once("bedrock catalogue", lambda: _catalogue(context))
    if model_id in models or model_id in profiles:
        kind = "foundation model" if model_id in models else "inference profile"
        yield ok(f"offered in {context.aws.region} ({kind})")
    else:
        yield failure(
            f"not offered in {context.aws.region}",
            "correct bedrock.model_ids (aws bedrock list-foundation-models lists the ids), or use a region that has it",
        )


def _catalogue(context: Context) -> tuple[set[str], set[str]]:
    """The region's foundation model ids and inference profile ids."""
    models = {m["modelId"] for m in context.aws.call("bedrock", "list_foundation_models").get("modelSummaries", [])}
    profiles = {
        p["inferenceProfileId"]
        for page in context.aws.pages("bedrock", "list_inference_profiles")
        for p in page.get("inferenceProfileSummaries", [])
    }
    return models, profiles


DOCTOR_CHECKS: tuple[Rule[Any], ...] = (
    flow_log_target,
    flow_log_format,
    flow_log_coverage,
    existing_bucket,
    bucket_name,
    reused_trail,
    trails_in_the_region,
    eks_cluster,
    eks_access_entries,
    eks_authentication_mode,
    eks_endpoint_access,
    eks_access_entry,
    eks_cluster_coverage,
    pod_identity_agent,
    bedrock_model,
)
