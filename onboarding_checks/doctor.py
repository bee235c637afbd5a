"""``doctor``: what would make a deploy of this config fail half-way, checked before it starts."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator

from botocore.exceptions import ClientError

from onboarding_constructs import POD_IDENTITY_AGENT_ADDON
from onboarding_constructs.validation import MAX_PUBLIC_ACCESS_CIDRS as MAX_PUBLIC_CIDRS
from onboarding_constructs.validation import STANDARD_FIELDS_BY_VERSION, canonical_cidr, missing_standard_fields

from .aws import error_code
from .results import Result, failed, passed, warned
from .runner import Check, Context

MAX_FLOW_LOGS_PER_RESOURCE = 2
MAX_TRAILS_PER_REGION = 5
POD_IDENTITY_AGENT = POD_IDENTITY_AGENT_ADDON
OPEN_TO_EVERYONE = ("0.0.0.0/0", "::/0")
#: The first platform version of each Kubernetes version with access entries (EKS user guide);
#: every later Kubernetes version has them from its first platform version.
ACCESS_ENTRY_PLATFORMS = {"1.23": 17, "1.24": 15, "1.25": 12, "1.26": 11, "1.27": 10, "1.28": 6}


def doctor_checks(context: Context) -> list[Check]:
    config = context.config
    checks = [
        *(
            Check("flow log target", subnet, _flow_log_target(subnet, "subnet"))
            for subnet in config.flow_logs.subnet_ids
        ),
        *(Check("flow log target", vpc, _flow_log_target(vpc, "vpc")) for vpc in config.flow_logs.vpc_ids),
    ]
    bucket = config.flow_logs.bucket
    if bucket.existing_name:
        checks.append(Check("existing bucket", bucket.existing_name, _existing_bucket(bucket.existing_name)))
    elif bucket.name:
        checks.append(Check("bucket name", bucket.name, _bucket_name_free(bucket.name)))
    if config.cloudtrail is not None:
        if config.cloudtrail.existing_trail_arn:
            checks.append(
                Check(
                    "reused trail",
                    config.cloudtrail.existing_trail_arn,
                    _reused_trail(config.cloudtrail.existing_trail_arn),
                )
            )
        else:
            checks.append(Check("trails in the region", context.aws.region, _room_for_a_trail))
    if config.eks is not None:
        checks += [
            Check("EKS cluster", cluster.name, _cluster(cluster.name, cluster.enable_public_endpoint))
            for cluster in config.eks.clusters
        ]
    if config.bedrock is not None:
        agents: dict[str, bool] = {}
        for pod in config.bedrock.pod_access:
            if pod.mode == "pod-identity":
                agents[pod.cluster] = agents.get(pod.cluster, False) or pod.install_pod_identity_agent
        checks += [
            Check("Pod Identity agent", cluster, _pod_identity_agent(cluster, install))
            for cluster, install in agents.items()
        ]
        if config.bedrock.model_ids:
            checks.append(
                Check("Bedrock model", ", ".join(config.bedrock.model_ids), _models_offered(config.bedrock.model_ids))
            )
    return checks


# --- flow logs ----------------------------------------------------------------------------------------


def _destination(context: Context) -> str | None:
    """The flow logs' bucket ARN, when the config fixes it (existing bucket or a named new one)."""
    bucket = context.config.flow_logs.bucket
    name = bucket.existing_name or bucket.name
    return f"arn:{_partition(context.aws.region)}:s3:::{name}" if name else None


def _flow_log_target(resource_id: str, kind: str):
    def run(context: Context) -> Iterator[Result]:
        title = "flow log target"
        operation, key, missing = (
            ("describe_subnets", "SubnetIds", "InvalidSubnetID.NotFound")
            if kind == "subnet"
            else ("describe_vpcs", "VpcIds", "InvalidVpcID.NotFound")
        )
        try:
            context.aws.call("ec2", operation, **{key: [resource_id]})
        except ClientError as error:
            if error_code(error) == missing:
                yield failed(
                    title,
                    resource_id,
                    f"no such {kind} in account {context.account}, {context.aws.region}",
                    f"correct the id in flow_logs.{kind}_ids, or run with credentials of the account that has it",
                )
                return
            raise
        flow_logs = flow_logs_on(context, resource_id)
        destination = _destination(context)
        same = [f["FlowLogId"] for f in flow_logs_to(flow_logs, destination)]
        if same:
            yield failed(
                title,
                resource_id,
                f"already logs to {destination} ({', '.join(same)}); a second flow log would write every record twice",
                f"remove {resource_id} from the config, or delete {', '.join(same)} first",
            )
        elif len(flow_logs) >= MAX_FLOW_LOGS_PER_RESOURCE:
            yield failed(
                title,
                resource_id,
                f"has {len(flow_logs)} flow logs, the most AWS allows ({', '.join(f['FlowLogId'] for f in flow_logs)})",
                "delete one of them, or log the whole VPC instead",
            )
        else:
            yield passed(
                title, resource_id, f"exists, {len(flow_logs)} flow log(s) of at most {MAX_FLOW_LOGS_PER_RESOURCE}"
            )
        yield from incomplete_formats(resource_id, flow_logs, destination)

    return run


def _existing_bucket(name: str):
    def run(context: Context) -> Iterator[Result]:
        title = "existing bucket"
        try:
            location = context.aws.call("s3", "get_bucket_location", Bucket=name).get("LocationConstraint")
        except ClientError as error:
            if error_code(error) in ("NoSuchBucket", "404"):
                yield failed(
                    title,
                    name,
                    "no such bucket",
                    "create it first, or remove flow_logs.bucket.existing_name to create one",
                )
                return
            raise
        region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
        if region != context.aws.region:
            yield failed(
                title,
                name,
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
            yield passed(title, name, f"in {region}; its policy lets delivery.logs.amazonaws.com write")
        else:
            yield warned(
                title,
                name,
                f"in {region}; its policy has no statement for delivery.logs.amazonaws.com, so log delivery adds its own",
                "add the delivery statements the README shows (with aws:SourceAccount and aws:SourceArn) before deploying",
            )

    return run


def _allows_log_delivery(policy: dict) -> bool:
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


def _bucket_name_free(name: str):
    def run(context: Context) -> Iterator[Result]:
        title = "bucket name"
        try:
            context.aws.call("s3", "head_bucket", Bucket=name)
        except ClientError as error:
            code = error_code(error)
            if code in ("404", "NoSuchBucket", "NotFound"):
                yield passed(title, name, "free: the stack can create it")
                return
            if code in ("403", "Forbidden"):
                yield failed(
                    title,
                    name,
                    "taken by another AWS account (names are global)",
                    "choose another flow_logs.bucket.name, or remove it",
                )
                return
            raise
        yield failed(
            title,
            name,
            f"a bucket of this name already exists in account {context.account}",
            "set flow_logs.bucket.existing_name to use it as it is, or choose another name",
        )

    return run


# --- CloudTrail ----------------------------------------------------------------------------------------


def _room_for_a_trail(context: Context) -> Iterator[Result]:
    title, region = "trails in the region", context.aws.region
    trails = context.aws.call("cloudtrail", "describe_trails", includeShadowTrails=True)["trailList"]
    own = [t for t in trails if t.get("HomeRegion") == region]
    if len(own) >= MAX_TRAILS_PER_REGION:
        yield failed(
            title,
            region,
            f"{len(own)} trails already ({', '.join(t['Name'] for t in own)}), the most a region allows",
            "reuse one with cloudtrail.existing_trail_arn, or delete one",
        )
        return
    reusable = [t for t in trails if t.get("IsMultiRegionTrail") and _reusable(context, t)]
    if reusable:
        arn = reusable[0]["TrailARN"]
        yield warned(
            title,
            region,
            f"{arn} already records management events (Bedrock calls) in every region; a second trail is billed",
            f"set cloudtrail.existing_trail_arn: {arn} to reuse it",
        )
        return
    yield passed(title, region, f"{len(own)} of {MAX_TRAILS_PER_REGION} trails: room for one more")


def _reusable(context: Context, trail: dict) -> bool:
    """A trail that is logging management events; asked in its home region, which owns it."""
    home = trail.get("HomeRegion") or context.aws.region
    status = context.aws.call("cloudtrail", "get_trail_status", Name=trail["TrailARN"], region=home)
    return bool(status.get("IsLogging")) and _logs_management_events(context, trail["TrailARN"], region=home)


def _reused_trail(arn: str):
    def run(context: Context) -> Iterator[Result]:
        title = "reused trail"
        try:
            status = context.aws.call("cloudtrail", "get_trail_status", Name=arn)
        except ClientError as error:
            if error_code(error) in ("TrailNotFoundException", "CloudTrailARNInvalidException"):
                yield failed(
                    title,
                    arn,
                    "no such trail visible to this account",
                    "correct cloudtrail.existing_trail_arn, or remove it to create a trail",
                )
                return
            raise
        if not status.get("IsLogging"):
            yield failed(
                title, arn, "exists but is not logging", f"start it: aws cloudtrail start-logging --name {arn}"
            )
        elif not _logs_management_events(context, arn):
            yield failed(
                title,
                arn,
                "does not record management events, where Bedrock model calls are",
                "add a management-event selector, or use another trail",
            )
        else:
            yield passed(title, arn, "logging, with management events")

    return run


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


# --- EKS -----------------------------------------------------------------------------------------------


def _cluster(name: str, enable_public_endpoint: bool):
    def run(context: Context) -> Iterator[Result]:
        title = "EKS cluster"
        try:
            cluster = context.aws.call("eks", "describe_cluster", name=name)["cluster"]
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                yield failed(
                    title,
                    name,
                    f"no such cluster in account {context.account}, {context.aws.region}",
                    "correct eks.clusters[].name, or remove the cluster",
                )
                return
            raise
        if cluster.get("status") != "ACTIVE":
            yield failed(title, name, f"is {cluster.get('status')}, not ACTIVE", "wait until it is ACTIVE, then deploy")
            return
        yield _access_entries_supported(name, cluster)
        yield _auth_mode(name, cluster)
        yield _endpoint(context, name, cluster, enable_public_endpoint)
        principal = context.config.eks.discovery_role_arn if context.config.eks else None
        if principal:
            yield _no_access_entry_yet(context, name, principal)

    return run


def _access_entries_supported(name: str, cluster: dict) -> Result:
    title = "EKS access entries"
    version, platform = str(cluster.get("version", "")), str(cluster.get("platformVersion", ""))
    match = re.fullmatch(r"eks\.(\d+)", platform)
    minimum = ACCESS_ENTRY_PLATFORMS.get(version)
    major_minor = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    supported = (
        major_minor > (1, 28) if minimum is None else (match is not None and int(match.group(1)) >= minimum)
    ) and major_minor >= (1, 23)
    if supported:
        return passed(title, name, f"Kubernetes {version}, platform {platform}: access entries available")
    needed = f"platform version eks.{minimum} or later" if minimum else "Kubernetes 1.23 or later"
    return failed(
        title,
        name,
        f"Kubernetes {version}, platform {platform}: no access entries",
        f"update the cluster to {needed} first",
    )


def _auth_mode(name: str, cluster: dict) -> Result:
    title = "EKS authentication mode"
    mode = (cluster.get("accessConfig") or {}).get("authenticationMode", "CONFIG_MAP")
    if mode == "CONFIG_MAP":
        return warned(
            title,
            name,
            "CONFIG_MAP: the deploy moves it to API_AND_CONFIG_MAP, which EKS cannot undo (aws-auth keeps working)",
            "nothing to do if that is acceptable; otherwise remove the cluster from the config",
        )
    return passed(title, name, f"{mode}: no change needed")


def _endpoint(context: Context, name: str, cluster: dict, enable_public_endpoint: bool) -> Result:
    title = "EKS endpoint access"
    vpc = cluster.get("resourcesVpcConfig") or {}
    allowed = discovery_cidrs(context)
    if not vpc.get("endpointPublicAccess"):
        if enable_public_endpoint:
            return warned(
                title,
                name,
                f"private-only: the deploy turns public access on for {', '.join(allowed)} only (enable_public_endpoint)",
                "nothing to do if that is intended",
            )
        return failed(
            title,
            name,
            "private-only, and discovery reaches clusters over the public endpoint",
            "set enable_public_endpoint: true for this cluster to allow the discovery addresses only, or remove the cluster",
        )
    current = list(vpc.get("publicAccessCidrs") or [])
    if any(c in OPEN_TO_EVERYONE for c in current):
        return passed(title, name, "public endpoint open to all addresses: left as it is")
    new = [c for c in allowed if c not in current]
    if len(current) + len(new) > MAX_PUBLIC_CIDRS:
        return failed(
            title,
            name,
            f"{len(current)} CIDRs on the allow-list; {len(new)} more would pass the EKS limit of {MAX_PUBLIC_CIDRS}",
            f"remove at least {len(current) + len(new) - MAX_PUBLIC_CIDRS} CIDRs from the cluster's allow-list first",
        )
    return passed(title, name, f"{len(current)} CIDRs on the allow-list, {len(new)} to add (limit {MAX_PUBLIC_CIDRS})")


def _no_access_entry_yet(context: Context, name: str, principal: str) -> Result:
    title = "EKS access entry"
    try:
        context.aws.call("eks", "describe_access_entry", clusterName=name, principalArn=principal)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return passed(title, name, f"no access entry for {principal} yet: the stack creates it")
        raise
    return failed(
        title,
        name,
        f"an access entry for {principal} exists already, and a principal can have only one",
        f"delete it (aws eks delete-access-entry --cluster-name {name} --principal-arn {principal}) so the stack manages it, or remove the cluster",
    )


def _pod_identity_agent(name: str, install: bool):
    def run(context: Context) -> Iterator[Result]:
        title = "Pod Identity agent"
        try:
            context.aws.call("eks", "describe_cluster", name=name)
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                yield failed(
                    title,
                    name,
                    f"no such cluster in account {context.account}, {context.aws.region}",
                    "correct bedrock.pod_access[].cluster",
                )
                return
            raise
        try:
            context.aws.call("eks", "describe_addon", clusterName=name, addonName=POD_IDENTITY_AGENT)
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            if install:
                yield passed(title, name, f"not installed: the stack installs {POD_IDENTITY_AGENT}")
            else:
                yield failed(
                    title,
                    name,
                    f"the {POD_IDENTITY_AGENT} add-on is missing, and pod identity associations need it",
                    "set install_pod_identity_agent: true on one pod_access entry of this cluster, or install the add-on",
                )
            return
        if install:
            yield failed(
                title,
                name,
                f"{POD_IDENTITY_AGENT} is installed already, and install_pod_identity_agent would install it again",
                "set install_pod_identity_agent: false",
            )
        else:
            yield passed(title, name, f"{POD_IDENTITY_AGENT} installed")

    return run


# --- Bedrock -------------------------------------------------------------------------------------------


def _models_offered(model_ids: tuple[str, ...]):
    def run(context: Context) -> Iterator[Result]:
        title = "Bedrock model"
        models = {m["modelId"] for m in context.aws.call("bedrock", "list_foundation_models").get("modelSummaries", [])}
        profiles = {p["inferenceProfileId"] for p in _inference_profiles(context)}
        for model_id in model_ids:
            if model_id in models or model_id in profiles:
                kind = "foundation model" if model_id in models else "inference profile"
                yield passed(title, model_id, f"offered in {context.aws.region} ({kind})")
            else:
                yield failed(
                    title,
                    model_id,
                    f"not offered in {context.aws.region}",
                    "correct bedrock.model_ids (aws bedrock list-foundation-models lists the ids), or use a region that has it",
                )

    return run


def _inference_profiles(context: Context) -> list[dict]:
    return [
        p
        for page in context.aws.pages("bedrock", "list_inference_profiles")
        for p in page.get("inferenceProfileSummaries", [])
    ]


def flow_logs_on(context: Context, resource_id: str) -> list[dict]:
    """The flow logs of a subnet or VPC (every page)."""
    filters = [{"Name": "resource-id", "Values": [resource_id]}]
    return [
        f for page in context.aws.pages("ec2", "describe_flow_logs", Filters=filters) for f in page.get("FlowLogs", [])
    ]


DEFAULT_FORMAT = " ".join(f"${{{field}}}" for field in STANDARD_FIELDS_BY_VERSION[2])


def incomplete_formats(resource_id: str, flow_logs: list[dict], bucket_arn: str | None) -> Iterator[Result]:
    """A warning for each flow log of ``resource_id`` whose format lacks a standard field; those to
    ``bucket_arn`` are the stack's own."""
    ours = {f["FlowLogId"] for f in flow_logs_to(flow_logs, bucket_arn)}
    for flow_log in flow_logs:
        missing = missing_standard_fields(flow_log.get("LogFormat") or DEFAULT_FORMAT)
        if not missing:
            continue
        flow_log_id, destination = (
            flow_log["FlowLogId"],
            flow_log.get("LogDestination") or flow_log.get("LogGroupName") or "?",
        )
        detail = f"{flow_log_id} (to {destination}) lacks {len(missing)} standard field(s): {', '.join(missing)}"
        if flow_log_id in ours:
            fix = "deploy the stack again (make deploy): it replaces its flow logs with every standard field"
        else:
            fix = f"recreate {flow_log_id} with every standard field (a flow log's format cannot be edited), or keep it and accept that AIRS sees less"
        yield warned("flow log format", resource_id, detail, fix)


def flow_logs_to(flow_logs: list[dict], bucket_arn: str | None) -> list[dict]:
    """The flow logs that deliver to ``bucket_arn`` (a destination may add a folder: ``arn.../prefix``)."""
    return [f for f in flow_logs if bucket_arn and str(f.get("LogDestination", "")).split("/")[0] == bucket_arn]


def discovery_cidrs(context: Context) -> list[str]:
    """The config's allowed CIDRs as EKS spells them, to compare with a cluster's allow-list."""
    return [canonical_cidr(c) for c in context.config.eks.allowed_cidrs] if context.config.eks else []


def _partition(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def _as_list(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
