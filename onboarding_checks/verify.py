"""``verify``: after a deploy, whether the onboarding works: logs arrive, the trail logs, clusters
admit discovery, and the identities exist. One rule per check; ``VERIFY_CHECKS`` lists them in the
order they run, on the targets the config and the stack's outputs name."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from onboarding_config.output_groups import ROLE
from onboarding_constructs import DEFAULT_ACCESS_POLICY

from .aws import MissingPermission, error_code
from .clusters import (
    OPENED_MODE,
    by_the_runner,
    cluster_coverage,
    described,
    in_scope,
    leave_alone,
    opt_in_tag,
    refusal,
    region_clusters,
    spelt,
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
    COVERAGE_REPORT_OUTPUT,
    COVERAGE_REPORT_PREFIX,
    MAX_FLOW_LOGS_PER_RESOURCE,
    POD_IDENTITY_AGENT,
    admits_whole_family,
    auth_mode,
    cluster,
    discovery_cidrs,
    flow_logs_by_resource,
    flow_logs_on,
    flow_logs_to,
    region_vpcs,
    stack_bucket_arn,
)
from .rules import Context, Finding, Rule, Targets, failure, ok, rule, warning

if TYPE_CHECKING:
    from onboarding_config.model import EksClusterConfig, PodAccessConfig

VIEW_POLICY = DEFAULT_ACCESS_POLICY  # what the stack grants the discovery role
RECENT = datetime.timedelta(hours=1)
#: How late a coverage report may be beyond two sweeps before the sweep looks stopped.
SWEEP_GRACE = datetime.timedelta(minutes=15)
#: The sweep rewrites an unchanged report once it is this old (the handler's REPORT_REFRESH_SECONDS).
REPORT_REFRESH = datetime.timedelta(hours=24)


def stack_outputs(context: Context) -> dict[str, dict[str, str]] | None:
    """The deployed stack's outputs by key, or None when the stack does not exist."""
    try:
        stacks = context.aws.call("cloudformation", "describe_stacks", StackName=context.config.stack_name)["Stacks"]
    except ClientError as error:
        if error_code(error) == "ValidationError":
            return None
        raise
    return {o["OutputKey"]: o for o in stacks[0].get("Outputs", [])}


def _or_unknown(value: str | None) -> str:
    return value or "?"


# --- flow logs ----------------------------------------------------------------------------------------


@rule(
    "flow log",
    on=NETWORKS,
    checks="a flow log to the stack's bucket exists and delivers (`DeliverLogsStatus` SUCCESS)",
)
def flow_log(context: Context, network: Network) -> Iterator[Finding]:
    bucket_arn = stack_bucket_arn(context)
    ours = flow_logs_to(flow_logs_on(context, network.id), bucket_arn)
    if not ours:
        yield failure(
            f"no flow log to {bucket_arn or 'the stack bucket'}", "deploy the stack (make deploy), then verify again"
        )
        return
    first = ours[0]
    if first.get("DeliverLogsStatus") == "SUCCESS":
        yield ok(f"{first['FlowLogId']} delivers to {bucket_arn}")
    else:
        error = first.get("DeliverLogsErrorMessage") or first.get("DeliverLogsStatus")
        yield failure(
            f"{first['FlowLogId']} cannot deliver: {error}",
            "check the bucket policy allows delivery.logs.amazonaws.com",
        )


def _stack_bucket(context: Context) -> list[str | None]:
    return [context.output("FlowLogBucketName")]


STACK_BUCKET = Targets("the stack's bucket (output `FlowLogBucketName`)", _stack_bucket, _or_unknown)


@rule(
    "flow log objects",
    on=STACK_BUCKET,
    checks="flow log objects arrived in the last hour; none warns (delivery starts about ten minutes after a flow"
    " log is created)",
)
def flow_log_objects(context: Context, bucket: str | None) -> Iterator[Finding]:
    if not bucket:
        yield failure("the stack has no FlowLogBucketName output", "deploy the stack with this version (make deploy)")
        return
    prefix = f"AWSLogs/{context.account}/vpcflowlogs/{context.aws.region}/"
    newest = None
    for page in context.aws.pages("s3", "list_objects_v2", Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            newest = item["LastModified"] if newest is None else max(newest, item["LastModified"])
    now = datetime.datetime.now(datetime.UTC)
    if newest is not None and now - newest <= RECENT:
        yield ok(f"newest object {int((now - newest).total_seconds() // 60)} minutes old")
    else:
        when = "none yet" if newest is None else f"the newest is from {newest:%Y-%m-%d %H:%M} UTC"
        yield warning(
            f"no flow log objects in the last hour under {prefix} ({when})",
            "delivery starts about 10 minutes after a flow log is created; verify again later",
        )


def _coverage_report(context: Context) -> list[str]:
    if not all_vpcs(context):
        return []
    return [context.output(COVERAGE_REPORT_OUTPUT) or f"{COVERAGE_REPORT_PREFIX}{context.config.stack_name}"]


COVERAGE_REPORT = Targets(
    f"the sweep's report (the SSM parameter output `{COVERAGE_REPORT_OUTPUT}` names), when `flow_logs.coverage` is"
    " `all-vpcs`",
    _coverage_report,
)


@dataclass(frozen=True)
class CoverageReport:
    """What the coverage sweep writes after each run: when, why, and each VPC's state."""

    generated_at: datetime.datetime
    trigger: str
    counts: dict[str, int]
    vpcs: dict[str, dict[str, str]]
    #: Covered VPCs the sweep left out to keep the report within SSM's 8 KB (the counts still count them).
    omitted: int = 0
    #: Each cluster's state; None: the report has no clusters (eks.coverage was listed when it was written).
    clusters: dict[str, dict[str, str]] | None = None
    #: The eks.coverage the runner followed (tagged or all), and its counts of clusters by state.
    cluster_coverage: str = ""
    cluster_counts: dict[str, int] = field(default_factory=dict)
    #: Opened or untagged clusters the runner left out to keep the report within 8 KB.
    omitted_clusters: int = 0

    @classmethod
    def parse(cls, text: str) -> CoverageReport:
        """The report in ``text``; ValueError says what is wrong with it."""
        report = json.loads(text)
        if not isinstance(report, dict):
            raise ValueError(f"expected a JSON object, got {type(report).__name__}")
        vpcs = report.get("vpcs")
        if not isinstance(vpcs, dict) or not all(isinstance(v, dict) for v in vpcs.values()):
            raise ValueError("no vpcs object of VPC ids and their states")
        try:
            generated_at = datetime.datetime.fromisoformat(str(report.get("generated_at")))
        except ValueError:
            raise ValueError(f"generated_at is not an ISO 8601 time: {report.get('generated_at')!r}") from None
        clusters = report.get("clusters")
        if clusters is not None and (
            not isinstance(clusters, dict) or not all(isinstance(c, dict) for c in clusters.values())
        ):
            raise ValueError("clusters is not an object of cluster names and their states")
        return cls(
            generated_at if generated_at.tzinfo else generated_at.replace(tzinfo=datetime.UTC),
            str(report.get("trigger") or ""),
            _counts(report.get("counts")),
            _states(vpcs),
            omitted if isinstance(omitted := report.get("omitted_vpcs"), int) else 0,
            _states(clusters) if clusters is not None else None,
            str(report.get("cluster_coverage") or ""),
            _counts(report.get("cluster_counts")),
            omitted if isinstance(omitted := report.get("omitted_clusters"), int) else 0,
        )


def _counts(counts: object) -> dict[str, int]:
    return {str(k): v for k, v in counts.items() if isinstance(v, int)} if isinstance(counts, dict) else {}


def _states(states: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {str(k): {str(f): str(v) for f, v in state.items()} for k, state in states.items()}


def read_report(context: Context, name: str) -> CoverageReport | Finding:
    """The runner's report in the SSM parameter ``name`` (read once for the VPCs' rule and the clusters'), or
    the failure that says why there is none to read."""
    try:
        text = context.once(
            ("report", name), lambda: context.aws.call("ssm", "get_parameter", Name=name)["Parameter"]["Value"]
        )
    except ClientError as error:
        if error_code(error) != "ParameterNotFound":
            raise
        return failure(
            "no report: the sweep has not run yet",
            "check the log group of the stack's coverage sweep function for its errors, or run make deploy",
        )
    try:
        return CoverageReport.parse(text)
    except ValueError as bad:
        return failure(f"not a coverage report: {bad}", "run make deploy: the sweep writes its report after each run")


@rule(
    "flow log coverage",
    on=COVERAGE_REPORT,
    checks="the sweep's report (ssm:GetParameter) exists (none: the sweep has not run) and is at most a day (the"
    " sweep rewrites an unchanged report daily), two sweeps (`flow_logs.sweep_minutes`) and"
    f" {SWEEP_GRACE.seconds // 60} minutes old (older warns); a row for each VPC it"
    " lists: covered, created and excluded pass, failed fails with its reason; each VPC of the account not excluded"
    " and not in it (DescribeVpcs) warns, covered at the next sweep, unless the report was cut to 8 KB and the VPC"
    " has a flow log to the stack's bucket (DescribeFlowLogs)",
)
def flow_log_coverage(context: Context, name: str) -> Iterator[Finding]:
    sweep_minutes = context.config.flow_logs.sweep_minutes
    report = read_report(context, name)
    if isinstance(report, Finding):
        yield report
        return
    counts = ", ".join(f"{n} {'VPCs' if k == 'Vpcs' else k.lower()}" for k, n in report.counts.items())
    yield _report_age(report, sweep_minutes, counts)
    findings = [_vpc_state(context, vpc_id, state) for vpc_id, state in report.vpcs.items()]
    try:
        vpcs = region_vpcs(context)
        unlisted = [v["VpcId"] for v in vpcs if not excluded(context, v) and v["VpcId"] not in report.vpcs]
        # A report cut to 8 KB leaves covered VPCs out: their flow logs say whether they are.
        flow_logs = flow_logs_by_resource(context) if unlisted and report.omitted else {}
    except MissingPermission as missing:
        yield warning(
            f"not checked whether every VPC is in the report: your credentials may not call {missing.action}",
            f"allow {missing.action} to the identity running the check, or compare the VPCs by hand",
        )
        unlisted, flow_logs = [], {}
    bucket_arn = stack_bucket_arn(context)
    for vpc_id in unlisted:
        ours = flow_logs_to(flow_logs.get(vpc_id, []), bucket_arn)
        if ours:
            findings.append(
                ok(f"covered: {ours[0]['FlowLogId']} (left out of the report, which keeps to 8 KB)", on=vpc_id)
            )
        else:
            findings.append(
                warning(
                    f"not in the report of {report.generated_at:%Y-%m-%d %H:%M} UTC (created since?): covered at the"
                    " next sweep",
                    f"verify again after the next sweep (every {sweep_minutes} minutes)",
                    on=vpc_id,
                )
            )
    yield from problems_first(findings)


def _report_age(report: CoverageReport, sweep_minutes: int, counts: str) -> Finding:
    """The report's own row: when it was written, after what, its ``counts``; a late one warns."""
    age = max(datetime.datetime.now(datetime.UTC) - report.generated_at, datetime.timedelta(0))
    detail = (
        f"written {int(age.total_seconds() // 60)} minutes ago ({report.generated_at:%Y-%m-%d %H:%M} UTC"
        + (f", after {report.trigger})" if report.trigger else ")")
        + (f": {counts}" if counts else "")
        + (f"; {report.omitted} covered VPC(s) left out to keep it within 8 KB" if report.omitted else "")
    )
    if age <= REPORT_REFRESH + 2 * datetime.timedelta(minutes=sweep_minutes) + SWEEP_GRACE:
        return ok(detail)
    return warning(
        f"{detail}; the sweep runs every {sweep_minutes} minutes and rewrites its report at least daily, so it may"
        " not be running",
        "check the coverage sweep function's log group and its schedule (make deploy restores the schedule)",
    )


def _vpc_state(context: Context, vpc_id: str, state: dict[str, str]) -> Finding:
    """One VPC's row, as the report has it."""
    status, flow_log_id, reason = state.get("state"), state.get("flow_log_id"), state.get("reason")
    if status in ("covered", "created"):
        by_the_sweep = ", created by the sweep" if status == "created" else ""
        return ok(f"covered: {flow_log_id}{by_the_sweep}" if flow_log_id else f"covered{by_the_sweep}", on=vpc_id)
    if status == "excluded":
        tag = exclude_tag(context)
        return ok(f"excluded by tag {tag}" if tag else "excluded" + (f": {reason}" if reason else ""), on=vpc_id)
    if status == "failed":
        return failure(
            f"not covered: {reason or 'no reason given'}",
            f"fix the cause (at the {MAX_FLOW_LOGS_PER_RESOURCE} flow logs AWS allows: delete one, or"
            f" {leave_out(context)}); the sweep tries again every {context.config.flow_logs.sweep_minutes} minutes",
            on=vpc_id,
        )
    return failure(
        f"state {status!r} in the report, not one the sweep writes",
        "run make deploy: the sweep writes its report after each run",
        on=vpc_id,
    )


# --- the trail ----------------------------------------------------------------------------------------


def _trail(context: Context) -> list[str | None]:
    trail = context.config.cloudtrail
    if trail is None:
        return []
    if trail.existing_trail_arn:
        return [trail.existing_trail_arn]
    organization = context.config.organization
    if organization is not None and context.aws.region != organization.home_region:
        return []  # the member template creates the (multi-region) trail in the home region only
    return [context.output("BedrockAuditTrailArn")]


AUDIT_TRAIL = Targets(
    "`cloudtrail.existing_trail_arn`, or the stack's trail (output `BedrockAuditTrailArn`; in an organization, in"
    " the home region)",
    _trail,
    _or_unknown,
)


@rule("audit trail", on=AUDIT_TRAIL, checks="the trail (created or reused) is logging")
def audit_trail(context: Context, arn: str | None) -> Iterator[Finding]:
    if not arn:
        yield failure(
            "the stack has no BedrockAuditTrailArn output", "deploy the stack with this version (make deploy)"
        )
        return
    try:
        status = context.aws.call("cloudtrail", "get_trail_status", Name=arn)
    except ClientError as error:
        if error_code(error) != "TrailNotFoundException":
            raise
        yield failure("no such trail", "deploy the stack, or correct cloudtrail.existing_trail_arn")
        return
    if status.get("IsLogging"):
        yield ok("logging")
    else:
        yield failure("not logging", f"start it: aws cloudtrail start-logging --name {arn}")


# --- EKS: the rules run on each cluster in this order, the later ones only on a cluster that exists --------


@rule("EKS cluster", on=CLUSTERS, checks="it exists (a row only when it does not)")
def eks_cluster(context: Context, config: EksClusterConfig) -> Iterator[Finding]:
    try:
        cluster(context, config.name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        yield failure("no such cluster", "correct eks.clusters[].name", stop=True)


@rule(
    "EKS authentication mode",
    on=CLUSTERS,
    checks="`API_AND_CONFIG_MAP` or `API`, the modes in which access entries work",
)
def eks_authentication_mode(context: Context, config: EksClusterConfig) -> Iterator[Finding]:
    mode = auth_mode(cluster(context, config.name))
    if mode in ("API", "API_AND_CONFIG_MAP"):
        yield ok(mode)
    else:
        yield failure(f"{mode}: access entries do not work", "deploy the stack (its custom resource changes the mode)")


@rule("EKS endpoint access", on=CLUSTERS, checks="its public endpoint admits the discovery addresses")
def eks_endpoint_access(context: Context, config: EksClusterConfig) -> Iterator[Finding]:
    vpc = cluster(context, config.name).get("resourcesVpcConfig") or {}
    current = list(vpc.get("publicAccessCidrs") or [])
    if not vpc.get("endpointPublicAccess"):
        yield failure(
            "no public endpoint: discovery cannot reach the cluster",
            "set enable_public_endpoint: true for it and deploy again",
        )
        return
    missing = [c for c in discovery_cidrs(context) if c not in current and not admits_whole_family(current, c)]
    if not missing:
        yield ok("the public endpoint admits the discovery addresses")
    else:
        yield failure(
            f"the allow-list lacks {', '.join(missing)}",
            "deploy the stack again; if someone removed them, find out why first",
        )


@rule(
    "EKS access entry",
    on=CLUSTERS,
    checks="the discovery role (output `DiscoveryRoleArn`, or `eks.discovery_role_arn`) has an access entry with"
    f" `{VIEW_POLICY}`",
)
def eks_access_entry(context: Context, config: EksClusterConfig) -> Iterator[Finding]:
    name = config.name
    configured = context.config.eks.discovery_role_arn if context.config.eks else None
    principal = context.output("DiscoveryRoleArn") or configured
    if not principal:
        yield failure(
            "no discovery role known (no DiscoveryRoleArn output, no eks.discovery_role_arn)", "deploy the stack"
        )
        return
    try:
        arns = [
            p.get("policyArn", "")
            for page in context.aws.pages(
                "eks", "list_associated_access_policies", clusterName=name, principalArn=principal
            )
            for p in page.get("associatedAccessPolicies", [])
        ]
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        yield failure(f"no access entry for {principal}", "deploy the stack")
        return
    if any(arn.endswith(f"/{VIEW_POLICY}") for arn in arns):
        yield ok(f"{principal} has {VIEW_POLICY}")
    else:
        yield failure(f"the access entry for {principal} lacks {VIEW_POLICY}", "deploy the stack again")


# --- EKS: the clusters the coverage runner opens (eks.coverage tagged or all) ----------------------------


def _cluster_report(context: Context) -> list[str]:
    if not by_the_runner(context):
        return []
    return [context.output(COVERAGE_REPORT_OUTPUT) or f"{COVERAGE_REPORT_PREFIX}{context.config.stack_name}"]


CLUSTER_REPORT = Targets(
    f"the runner's report (the SSM parameter output `{COVERAGE_REPORT_OUTPUT}` names), when `eks.coverage` is"
    " `tagged` or `all`",
    _cluster_report,
)
CLUSTER_COUNTS = {"NotTagged": "not tagged"}


@rule(
    "EKS cluster coverage",
    on=CLUSTER_REPORT,
    checks="the runner's report (the one `flow log coverage` reads; without `all-vpcs` this rule says whether it"
    " exists and how old it is) lists clusters, of the config's `eks.coverage`; a row for each cluster in it:"
    " opened (its access entry created by the runner, or one that existed, left alone) and not tagged pass, reverted"
    " passes saying the authentication mode stays, refused and pending warn with the reason (refused: with the fix"
    " for the cluster as it is now, DescribeCluster), failed fails with the reason; each cluster in scope now"
    " (ListClusters, DescribeCluster for its tags) that the report does not list warns, opened at the next run",
)
def eks_cluster_coverage(context: Context, name: str) -> Iterator[Finding]:
    sweep_minutes = context.config.flow_logs.sweep_minutes
    shown_by_the_vpcs_rule = all_vpcs(context)  # its rows say whether the report exists and how old it is
    report = read_report(context, name)
    if isinstance(report, Finding):
        if not shown_by_the_vpcs_rule:
            yield report
        return
    if not shown_by_the_vpcs_rule:
        counts = ", ".join(f"{n} {CLUSTER_COUNTS.get(k, k.lower())}" for k, n in report.cluster_counts.items())
        yield _report_age(report, sweep_minutes, counts)
    coverage = cluster_coverage(context)
    if report.clusters is None:
        yield failure(
            f"the report lists no clusters: the runner has not covered any yet (eks.coverage: {coverage} deployed?)",
            "run make deploy: the runner covers the clusters and writes them into its report",
        )
        return
    if report.cluster_coverage and report.cluster_coverage != coverage:
        yield warning(
            f"the report is of eks.coverage: {report.cluster_coverage}, the config's is {coverage}",
            "run make deploy, so the runner follows the config",
        )
    findings = [_cluster_state(context, cluster_name, state) for cluster_name, state in report.clusters.items()]
    if report.omitted_clusters:
        # The report left the fine ones out: a cluster in scope that it does not list is one of them.
        findings.append(
            ok(
                f"{report.omitted_clusters} opened or untagged cluster(s) left out of the report to keep it within"
                " 8 KB (its counts include them)"
            )
        )
        yield from problems_first(findings)
        return
    try:
        unlisted = [
            cluster_name
            for cluster_name in region_clusters(context)
            if cluster_name not in report.clusters and _in_scope_now(context, cluster_name)
        ]
    except MissingPermission as missing:
        yield warning(
            f"not checked whether every cluster in scope is in the report: your credentials may not call"
            f" {missing.action}",
            f"allow {missing.action} to the identity running the check, or compare the clusters by hand",
        )
        unlisted = []
    since = "tagged since?" if coverage == "tagged" else "created since?"
    for cluster_name in unlisted:
        findings.append(
            warning(
                f"in scope but not in the report of {report.generated_at:%Y-%m-%d %H:%M} UTC ({since}): opened at"
                " the next run",
                f"verify again after the next run (every {sweep_minutes} minutes; a change of its tags starts one"
                " sooner)",
                on=cluster_name,
            )
        )
    yield from problems_first(findings)


def _in_scope_now(context: Context, cluster_name: str) -> bool:
    if cluster_coverage(context) == "all":
        return True  # no need to describe it
    description = described(context, cluster_name)
    return description is not None and in_scope(context, description)


def _cluster_state(context: Context, cluster_name: str, state: dict[str, str]) -> Finding:
    """One cluster's row, as the report has it."""
    status, reason = state.get("state"), state.get("reason")
    every = f"every {context.config.flow_logs.sweep_minutes} minutes"
    if status == "opened":
        entry = {
            "created": "its access entry created by the runner",
            "existing": "its access entry existed already: left alone",
        }.get(state.get("access_entry", ""), "")
        return ok("; ".join(["opened", *filter(None, (entry, reason))]), on=cluster_name)
    if status == "not-tagged":
        return ok(f"not tagged {spelt(opt_in_tag(context))}: left alone", on=cluster_name)
    if status == "reverted":
        return ok(
            "; ".join(
                [
                    "reverted",
                    *filter(None, (reason,)),
                    f"its authentication mode stays as it is (EKS cannot undo the move to {OPENED_MODE})",
                ]
            ),
            on=cluster_name,
        )
    if status == "refused":
        return warning(f"refused: {reason or 'no reason given'}", _refused_fix(context, cluster_name), on=cluster_name)
    if status == "pending":
        return warning(
            f"pending: {reason or 'no reason given'}",
            f"nothing to do: the runner carries on at its next run ({every}); verify again then",
            on=cluster_name,
        )
    if status == "failed":
        return failure(
            f"failed: {reason or 'no reason given'}",
            f"fix the cause (the coverage function's log group has the details); the runner tries again {every}",
            on=cluster_name,
        )
    return failure(
        f"state {status!r} in the report, not one the runner writes",
        "run make deploy: the runner writes its report after each run",
        on=cluster_name,
    )


def _refused_fix(context: Context, cluster_name: str) -> str:
    """The fix for the cluster as it is now: what doctor would say about it."""
    every = f"every {context.config.flow_logs.sweep_minutes} minutes"
    try:
        description = described(context, cluster_name)
    except (MissingPermission, ClientError):
        description = None
    if description is not None and not in_scope(context, description):
        return (
            f"nothing to do: the cluster is not tagged {spelt(opt_in_tag(context))} any more, so the runner leaves it"
        )
    if description is not None and description.get("status") == "ACTIVE":
        refused = refusal(context, description)
        if refused is None:
            return f"nothing to do: the cluster changed since the report; the runner opens it at its next run ({every})"
        return refused[1]
    return f"do what the reason says, or {leave_alone(context)}; the runner tries again {every}"


# --- identities ---------------------------------------------------------------------------------------


def _pod_identity_access(context: Context) -> list[PodAccessConfig]:
    pods = context.config.bedrock.pod_access if context.config.bedrock else ()
    return [pod for pod in pods if pod.mode == "pod-identity"]


def _service_account(pod: PodAccessConfig) -> str:
    return f"{pod.cluster}/{pod.namespace}/{pod.service_account}"


POD_IDENTITY_ACCESS = Targets("each pod-identity entry of `bedrock.pod_access`", _pod_identity_access, _service_account)


@rule("pod identity association", on=POD_IDENTITY_ACCESS, checks="the association exists")
def pod_identity_association(context: Context, pod: PodAccessConfig) -> Iterator[Finding]:
    try:
        found = [
            a
            for page in context.aws.pages(
                "eks",
                "list_pod_identity_associations",
                clusterName=pod.cluster,
                namespace=pod.namespace,
                serviceAccount=pod.service_account,
            )
            for a in page.get("associations", [])
        ]
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
        yield failure(f"no cluster {pod.cluster}", "correct bedrock.pod_access[].cluster")
        return
    if found:
        yield ok(f"{found[0].get('associationId', 'association')} exists")
    else:
        yield failure("no association", f"deploy the stack; the cluster needs the {POD_IDENTITY_AGENT} add-on")


@dataclass(frozen=True)
class RoleOutput:
    """A role the stack outputs, and what it is for (the output's description)."""

    arn: str
    purpose: str


def _role_outputs(context: Context) -> list[RoleOutput]:
    return [
        RoleOutput(output["OutputValue"], output["Description"].removeprefix(ROLE))
        for output in (context.outputs or {}).values()
        if output.get("Description", "").startswith(ROLE)
    ]


def _role_arn(role: RoleOutput) -> str:
    return role.arn


ROLES = Targets("each role the stack outputs", _role_outputs, _role_arn)


@rule("role", on=ROLES, checks="it exists")
def stack_role(context: Context, role: RoleOutput) -> Iterator[Finding]:
    try:
        context.aws.call("iam", "get_role", RoleName=role.arn.rsplit("/", 1)[-1])
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise
        yield failure(f"missing ({role.purpose})", "deploy the stack again; someone may have deleted the role")
        return
    yield ok(f"exists ({role.purpose})")


VERIFY_CHECKS: tuple[Rule[Any], ...] = (
    flow_log,
    flow_log_format,
    flow_log_objects,
    flow_log_coverage,
    audit_trail,
    eks_cluster,
    eks_authentication_mode,
    eks_endpoint_access,
    eks_access_entry,
    eks_cluster_coverage,
    pod_identity_association,
    stack_role,
)
