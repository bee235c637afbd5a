"""The short report printed after ``make synth`` / ``make deploy``, read from the cloud assembly.

``python -m onboarding_app.summary cdk.out`` lists each stack with its template path and resource
counts, then the values the AIRS onboarding wizard asks for: taken from the stack outputs, resolved
when the template already knows them, otherwise read from ``outputs.json`` after a deploy, or
shown with the command that fetches them. Under each role that may invoke Bedrock, the models its
policy allows; under the discovery role, the sensitive reads it denies; for estate coverage (all-vpcs
flow logs, tagged or all EKS clusters), what it covers and changes, how often it is re-checked and
where its report is; then each published prerequisite (onboarding-prerequisites) no template sets up.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onboarding_config.output_groups import AUDIT, MANAGEMENT_ACCOUNT_NOTE, ROLE, WIZARD
from onboarding_config.partitions import partition_of

MANIFEST_DIR = "k8s"
OUTPUTS_FILE = "outputs.json"
#: The Sids of the invoke policy's statements that name what a role may call directly
#: (``onboarding_constructs._bedrock_models``; read as text so the summary needs no CDK).
INVOKE_SIDS = {"InvokeFoundationModels": "foundation-model/", "InvokeInferenceProfiles": "inference-profile/"}
EC2_SERVICE = "ec2.amazonaws.com"
#: The Sid of the discovery role's Deny of sensitive reads, and what each denied action would
#: return, in a word (``onboarding_constructs.discovery_role.SENSITIVE_READS`` says it in full).
DENY_SID = "DenySensitiveReads"
DENIED_READS = {
    "ec2:DescribeBundleTasks": "S3 upload signature",
    "ec2:DescribeConversionTasks": "presigned import URLs",
    "ec2:DescribeInstanceAttribute": "user data",
    "ec2:DescribeLaunchTemplateVersions": "user data",
    "ec2:DescribeSpotFleetRequests": "user data",
    "ec2:DescribeSpotInstanceRequests": "user data",
    "ec2:DescribeVpnConnections": "VPN pre-shared keys",
    "ec2:GetConsoleOutput": "console output",
    "ec2:GetConsoleScreenshot": "console screenshot",
    "ec2:GetInstanceUefiData": "UEFI variables",
    "ec2:GetLaunchTemplateData": "user data",
    "ec2:GetPasswordData": "Windows password",
    "ec2:GetVpnConnectionDeviceSampleConfiguration": "VPN pre-shared keys",
    "lambda:GetFunction": "function code",
    "lambda:GetFunctionConfiguration": "environment variables",
    "lambda:GetLayerVersion": "layer code",
}
#: The custom resource of estate coverage (``onboarding_constructs.estate_coverage``), and the names of
#: its settings the summary reads (as text, so the summary needs no CDK).
COVERAGE_TYPE = "Custom::EstateCoverage"
EXCLUDE_TAG_KEY, EXCLUDE_TAG_VALUE, REPORT_PARAMETER = "EXCLUDE_TAG_KEY", "EXCLUDE_TAG_VALUE", "REPORT_PARAMETER"
COVER_VPCS, CLUSTER_COVERAGE, DISCOVERY_ROLE_ARN = "COVER_VPCS", "CLUSTER_COVERAGE", "DISCOVERY_ROLE_ARN"
OPT_IN_TAG_KEY, OPT_IN_TAG_VALUE = "OPT_IN_TAG_KEY", "OPT_IN_TAG_VALUE"
PUBLIC_ENDPOINT_TAG_KEY, PUBLIC_ENDPOINT_TAG_VALUE = "PUBLIC_ENDPOINT_TAG_KEY", "PUBLIC_ENDPOINT_TAG_VALUE"
ALLOWED_CIDRS = "ALLOWED_CIDRS"
#: The values of ``CLUSTER_COVERAGE`` under which the runner opens clusters (``none``: it touches none).
CLUSTER_COVERAGES = ("tagged", "all")
#: Minutes in each unit of an EventBridge ``rate(...)`` expression.
RATE_MINUTES = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}
#: Each published prerequisite (onboarding-prerequisites), and what to change when a config leaves it out.
PREREQUISITES = {
    "flow_logs": (
        "VPC flow logs (the published prerequisite; list subnet_ids or vpc_ids under flow_logs, or set"
        " flow_logs.coverage: all-vpcs)"
    ),
    "cloudtrail": (
        "CloudTrail for Bedrock (the published prerequisite; add a cloudtrail section, or reuse a trail that logs"
        " management events with cloudtrail.existing_trail_arn)"
    ),
    "eks": (
        "EKS access for AIRS discovery (the published prerequisite; add an eks section with the clusters to open, or"
        " with coverage: tagged to open the clusters their owners tag)"
    ),
    "ec2_role": (
        "a role for EC2 instances invoking Bedrock (the published prerequisite; add a bedrock section, where ec2_role:"
        " true is the default)"
    ),
    "pod_access": (
        "a role for pods invoking Bedrock (the published prerequisite; add bedrock.pod_access entries for the service"
        " accounts)"
    ),
}
#: StackSet operation preferences' ConcurrencyMode values (StackSetOperationPreferences, CloudFormation API
#: Reference): STRICT, the default, runs at most FailureTolerance + 1 accounts at once and fewer as they fail;
#: SOFT runs MaxConcurrent whatever fails. Neither applies to auto-deployment.
STRICT, SOFT = "STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE"
#: The first steps of an organization rollout, in order; the second only when the StackSet is called as a
#: delegated administrator.
STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
HANDOFF_FILE = "cdk.out/airs-handoff.csv"
#: Pod roles name one account's clusters, so an organization config cannot have them.
POD_ACCESS_IN_AN_ORGANIZATION = (
    "a role for pods invoking Bedrock (the published prerequisite; pod roles name one account's clusters: onboard that"
    " account with a config without an organization section, with bedrock.pod_access)"
)


@dataclass(frozen=True)
class ClusterCoverageSummary:
    """The EKS clusters estate coverage opens (``eks.coverage: tagged`` or ``all``), as its template sets it up."""

    coverage: str  # "tagged" or "all"
    opt_in_tag: tuple[str, str] | None  # (key, value) that opens a cluster with tagged; None with all
    public_endpoint_tag: tuple[str, str] | None  # (key, value) that lets a private-only cluster go public; None: never
    discovery_role: str  # the ARN the access entries are for, or what it is when known only after deploy
    allowed_cidrs: list[str]  # merged into each opened cluster's public endpoint allow-list


@dataclass(frozen=True)
class CoverageSummary:
    """Estate coverage (every VPC's flow log, and/or tagged or all EKS clusters), as its template sets it up."""

    exclude_tag: tuple[str, str] | None  # (key, value) of the tag that leaves a VPC out; None: none is
    sweep_minutes: int | None  # None when the schedule is not found in the template
    report_parameter: str | None  # the SSM parameter of the report; None when known only after deploy
    covers_vpcs: bool = True  # False: the runner only opens clusters (flow logs are listed)
    clusters: ClusterCoverageSummary | None = None  # None: it touches no cluster


@dataclass(frozen=True)
class StackSummary:
    name: str
    region: str | None
    template_path: Path
    resource_counts: Counter[str]
    wizard_values: list[tuple[str, str | None]]  # (label, value or None when known only after deploy)
    eks_access: list[tuple[str, str]]  # (cluster name, principal ARN) of each access entry
    roles: list[tuple[str, str | None]]  # (what the role is for, ARN or None when known only after deploy)
    audit_trail: list[tuple[str, str | None]]  # (created or reused, trail ARN)
    stack_sets: list[StackSetSummary] = field(default_factory=list)
    # role label -> the model and inference profile ids it may invoke; empty: every one of the region
    may_invoke: dict[str, list[str]] = field(default_factory=dict)
    # role label -> the sensitive reads its policy denies (the discovery role)
    denies: dict[str, list[str]] = field(default_factory=dict)
    missing_prerequisites: list[str] = field(default_factory=list)  # published prerequisites left out
    coverage: CoverageSummary | None = None  # estate coverage, when the stack has it


@dataclass(frozen=True)
class AccountResource:
    """Something the member template makes once per account (a role, a trail), and where."""

    label: str  # the stack output's description, without its group prefix
    value: str  # the role's ARN with <account id> for the account, or what it is when not known before deploy
    region: str | None  # the one region it is made in (the template's condition); None: every region


@dataclass(frozen=True)
class StackSetSummary:
    name: str
    call_as: str
    member_template_path: Path | None
    member_resource_counts: Counter[str]
    member_parameters: list[str]
    regions: list[str]
    targets: list[str]  # one line per stack-instance group
    max_concurrent_percentage: int | None
    failure_tolerance_percentage: int | None
    auto_deployment: str
    coverage: CoverageSummary | None = None  # estate coverage of the member template
    #: The operation preferences' ConcurrencyMode; CloudFormation's default when the template sets none.
    concurrency_mode: str = STRICT
    parallel_regions: bool = True
    roles: list[AccountResource] = field(default_factory=list)  # the member template's Role outputs
    audit_trail: list[AccountResource] = field(default_factory=list)  # its Audit trail outputs
    #: True when the member template creates flow logs itself (listed ids), not through coverage.
    listed_flow_logs: bool = False
    #: Access entries the member template creates itself, one per listed cluster.
    listed_clusters: int = 0


def summarize(assembly_dir: Path) -> list[StackSummary]:
    manifest = json.loads((assembly_dir / "manifest.json").read_text())
    deployed = deployed_outputs(assembly_dir)
    summaries = []
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        stack_name = properties.get("stackName", artifact_id)
        template_path = assembly_dir / properties["templateFile"]
        template = json.loads(template_path.read_text())
        account, region = stack_environment(artifact.get("environment", ""))
        values: list[tuple[str, str | None]] = []
        roles: list[tuple[str, str | None]] = []
        audit: list[tuple[str, str | None]] = []
        may_invoke: dict[str, list[str]] = {}
        denies: dict[str, list[str]] = {}
        groups = {WIZARD: values, ROLE: roles, AUDIT: audit}
        for output_id, output in template.get("Outputs", {}).items():
            description = output.get("Description", "")
            prefix = next((p for p in groups if description.startswith(p)), None)
            if prefix is None:
                continue
            value = deployed.get(stack_name, {}).get(output_id)
            if value is None:
                value = _resolve(output.get("Value"), template=template, account=account, region=region)
            groups[prefix].append((description.removeprefix(prefix), value))
            if prefix == ROLE and (invokable := _invokable(template, output.get("Value"))) is not None:
                may_invoke[description.removeprefix(prefix)] = invokable
            if prefix == ROLE and (denied := _denied(template, output.get("Value"))):
                denies[description.removeprefix(prefix)] = denied
        stack_sets = [
            _stack_set(r["Properties"], assembly_dir, manifest)
            for r in template.get("Resources", {}).values()
            if r.get("Type") == "AWS::CloudFormation::StackSet"
        ]
        summaries.append(
            StackSummary(
                name=stack_name,
                region=region,
                template_path=template_path,
                resource_counts=Counter(r["Type"] for r in template.get("Resources", {}).values()),
                wizard_values=values,
                roles=roles,
                audit_trail=audit,
                eks_access=[
                    (
                        str(r["Properties"]["ClusterName"]),
                        _resolve(r["Properties"]["PrincipalArn"], template=template, account=account, region=region)
                        or "the discovery role of this stack (ARN known after deploy)",
                    )
                    for r in template.get("Resources", {}).values()
                    if r.get("Type") == "AWS::EKS::AccessEntry"
                ],
                stack_sets=stack_sets,
                may_invoke=may_invoke,
                denies=denies,
                missing_prerequisites=_missing_prerequisites(
                    stack_name, template, stack_sets, assembly_dir, manifest, onboards=bool(values or stack_sets)
                ),
                coverage=_coverage(template, account=account, region=region),
            )
        )
    return summaries


def _coverage(
    template: dict[str, Any], *, account: str | None = None, region: str | None = None
) -> CoverageSummary | None:
    """The template's estate coverage: its settings, and the schedule that runs its function."""
    resources = template.get("Resources", {})
    found = [r.get("Properties", {}) for r in resources.values() if r.get("Type") == COVERAGE_TYPE]
    if not found:
        return None
    properties = found[0]
    settings = properties.get("Settings", {})
    covers_vpcs = _covers_vpcs(settings)
    key, value = (settings.get(EXCLUDE_TAG_KEY), settings.get(EXCLUDE_TAG_VALUE)) if covers_vpcs else (None, None)
    schedules = [
        r["Properties"]["ScheduleExpression"]
        for r in resources.values()
        if r.get("Type") == "AWS::Events::Rule"
        and "ScheduleExpression" in r.get("Properties", {})
        and any(t.get("Arn") == properties.get("ServiceToken") for t in r["Properties"].get("Targets", []))
    ]
    report = settings.get(REPORT_PARAMETER)
    return CoverageSummary(
        exclude_tag=(str(key), str(value)) if key else None,
        sweep_minutes=_rate_minutes(schedules[0]) if schedules else None,
        report_parameter=report if isinstance(report, str) else None,
        covers_vpcs=covers_vpcs,
        clusters=_cluster_coverage(settings, template=template, account=account, region=region),
    )


def _covers_vpcs(settings: dict[str, Any]) -> bool:
    """Whether the runner gives VPCs flow logs (``COVER_VPCS``; a template without it covers them)."""
    return str(settings.get(COVER_VPCS, "true")) != "false"


def _cluster_coverage(
    settings: dict[str, Any], *, template: dict[str, Any], account: str | None, region: str | None
) -> ClusterCoverageSummary | None:
    coverage = settings.get(CLUSTER_COVERAGE)
    if coverage not in CLUSTER_COVERAGES:
        return None
    opt_in = (str(settings.get(OPT_IN_TAG_KEY, "")), str(settings.get(OPT_IN_TAG_VALUE, "")))
    public_key = settings.get(PUBLIC_ENDPOINT_TAG_KEY)
    role = settings.get(DISCOVERY_ROLE_ARN)
    cidrs = settings.get(ALLOWED_CIDRS)
    return ClusterCoverageSummary(
        coverage=str(coverage),
        opt_in_tag=opt_in if coverage == "tagged" else None,
        public_endpoint_tag=(str(public_key), str(settings.get(PUBLIC_ENDPOINT_TAG_VALUE, ""))) if public_key else None,
        discovery_role=_resolve(role, template=template, account=account, region=region)
        or _role_text(role, template, region),
        allowed_cidrs=cidrs.split(",") if isinstance(cidrs, str) and cidrs else [],
    )


def _role_text(role: Any, template: dict[str, Any], region: str | None) -> str:
    """What a role ARN known only at deploy time is: a parameter of the template, the fixed-name role of a
    member template (created in the home region, named by ARN elsewhere: Fn::If), or a role it creates."""
    if isinstance(role, dict) and isinstance(role.get("Ref"), str) and role["Ref"] in template.get("Parameters", {}):
        default = template["Parameters"][role["Ref"]].get("Default")
        return f"the role in parameter {role['Ref']}" + (f" (default {default})" if default else "")
    if isinstance(role, dict) and isinstance(branches := role.get("Fn::If"), list) and len(branches) == 3:
        partition = partition_of(region) if region else "aws"
        for branch in branches[1:]:
            if (arn := _pattern(branch, template, partition)) is not None:
                return arn
    return "the discovery role of this stack (ARN known after deploy)"


def _rate_minutes(expression: Any) -> int | None:
    """The minutes of ``rate(<n> <unit>)``; None for any other schedule."""
    match = re.fullmatch(r"rate\((\d+) (\w+)\)", str(expression))
    if match is None or match.group(2) not in RATE_MINUTES:
        return None
    return int(match.group(1)) * RATE_MINUTES[match.group(2)]


def _coverage_lines(coverage: CoverageSummary, *, indent: str, where: str, verify: str) -> list[str]:
    """What dynamic coverage logs and opens, how often it is re-checked, and where its report is
    (``verify``: how ``make verify`` shows it)."""
    every = f"every {coverage.sweep_minutes} minutes" if coverage.sweep_minutes else "on a schedule"
    lines = []
    if coverage.covers_vpcs:
        scope = f"every VPC of {where}"
        if coverage.exclude_tag is not None:
            scope += f" except those {_tagged(coverage.exclude_tag)}"
        lines.append(f"{indent}flow-log coverage: dynamic, {scope}; re-checked {every} and on VPC events")
    if coverage.clusters is not None:
        lines += _cluster_lines(coverage.clusters, indent=indent, where=where, every=every)
    report = coverage.report_parameter or "(name known after deploy)"
    return [*lines, f"{indent}  report: SSM parameter {report} ({verify})"]


def _tagged(tag: tuple[str, str]) -> str:
    key, value = tag
    return f"tagged {key}={value}" if value else f"tagged {key} (empty value)"


def _cluster_lines(clusters: ClusterCoverageSummary, *, indent: str, where: str, every: str) -> list[str]:
    """What tagged or all EKS coverage changes on each cluster, what undoes it, and who decides."""
    if clusters.opt_in_tag is not None:
        scope = f"every EKS cluster of {where} {_tagged(clusters.opt_in_tag)}"
        leaves = "removing the tag (or deleting the stack)"
    else:
        scope = f"every EKS cluster of {where}, including clusters created later"
        leaves = "deleting the stack (or changing eks.coverage)"
    cidrs = ", ".join(clusters.allowed_cidrs) or "the discovery addresses"
    if clusters.public_endpoint_tag is not None:
        private = (
            f"a private-only cluster is opened only if it is also {_tagged(clusters.public_endpoint_tag)}, which lets"
            " public endpoint access be turned on for those addresses only; otherwise it is refused"
        )
    else:
        private = "a private-only cluster is refused (no public_endpoint_tag: public access is never turned on)"
    lines = [f"{indent}EKS cluster coverage: dynamic, {scope}; re-checked {every} and on EKS events"]
    for sentence in (
        "on each cluster in scope: authentication mode CONFIG_MAP -> API_AND_CONFIG_MAP (one way: EKS cannot undo"
        f" it), {cidrs} merged into the public endpoint allow-list (nothing removed), an access entry with"
        f" AmazonEKSViewPolicy at cluster scope for {clusters.discovery_role}",
        private,
        f"{leaves} reverts exactly what was added: those CIDRs, public access if it was turned on, the access"
        " entry if it was created; the authentication mode stays",
    ):
        lines += _wrapped(sentence, indent=f"{indent}  ")
    # Whoever may tag a cluster makes these decisions: say which tags to restrict.
    powers = []
    if clusters.opt_in_tag is not None:
        powers.append(f"opt it in ({clusters.opt_in_tag[0]})")
    if clusters.public_endpoint_tag is not None:
        powers.append(f"let a private-only one get public access ({clusters.public_endpoint_tag[0]})")
    if powers:
        these = "these tags" if len(powers) > 1 else "this tag"
        lines += _wrapped(
            f"note: anyone who may tag a cluster can {' or '.join(powers)}: restrict who may set {these} with an"
            " SCP or a tag policy (docs/configuration.md)",
            indent=f"{indent}  ",
        )
    return lines


def _wrapped(text: str, *, indent: str, width: int = 110) -> list[str]:
    """``text`` wrapped at ``width``, its continuation lines indented two more."""
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def _attached_statements(template: dict[str, Any], role_arn: Any) -> list[dict[str, Any]] | None:
    """The statements of the managed policies attached to the role whose ARN is ``role_arn``
    (``Fn::GetAtt`` of a role in this template); None when it is not such a role."""
    if not (isinstance(role_arn, dict) and isinstance(role_arn.get("Fn::GetAtt"), list)):
        return None
    role_ref = {"Ref": role_arn["Fn::GetAtt"][0]}
    return [
        statement
        for resource in template.get("Resources", {}).values()
        if resource.get("Type") == "AWS::IAM::ManagedPolicy"
        and role_ref in resource.get("Properties", {}).get("Roles", [])
        for statement in resource["Properties"].get("PolicyDocument", {}).get("Statement", [])
    ]


def _invokable(template: dict[str, Any], role_arn: Any) -> list[str] | None:
    """The model and inference profile ids the invoke policy attached to the role allows (empty for
    every one of the region); None for a role without one. Read from the statements themselves."""
    statements = [st for st in _attached_statements(template, role_arn) or [] if st.get("Sid") in INVOKE_SIDS]
    if not statements:
        return None
    ids: list[str] = []
    for statement in statements:
        resources = statement.get("Resource", [])
        for arn in resources if isinstance(resources, list) else [resources]:
            _, _, model_id = _arn_text(arn).partition(INVOKE_SIDS[statement["Sid"]])
            if model_id == "*":
                return []
            ids.append(model_id)
    return ids


def _denied(template: dict[str, Any], role_arn: Any) -> list[str]:
    """The actions of the ``DENY_SID`` statement of the policies attached to the role, sorted."""
    denied: set[str] = set()
    for statement in _attached_statements(template, role_arn) or []:
        if statement.get("Sid") == DENY_SID:
            actions = statement.get("Action", [])
            denied.update(actions if isinstance(actions, list) else [actions])
    return sorted(denied)


def _denied_lines(actions: list[str], width: int = 100) -> list[str]:
    """``denies: action (what it returns), ...`` wrapped at ``width``, never inside one entry."""
    entries = [f"{a} ({DENIED_READS[a]})" if a in DENIED_READS else a for a in actions]
    lines = ["      denies: " + entries[0]]
    for entry in entries[1:]:
        if len(lines[-1]) + len(", ") + len(entry) <= width:
            lines[-1] += ", " + entry
        else:
            lines[-1] += ","
            lines.append("        " + entry)
    return lines


def _arn_text(value: Any) -> str:
    """An ARN as text, with whatever is only known at deploy time left as ``?``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("Fn::Join"), list) and len(value["Fn::Join"]) == 2:
        separator, parts = value["Fn::Join"]
        return separator.join(_arn_text(part) for part in parts)
    return "?"


def _missing_prerequisites(
    stack_name: str,
    template: dict[str, Any],
    stack_sets: list[StackSetSummary],
    assembly_dir: Path,
    manifest: dict[str, Any],
    *,
    onboards: bool,
) -> list[str]:
    """The published prerequisites no template of this onboarding sets up: the stack's own (or its
    StackSet's member template) and, for flow logs, the shard stacks beside it."""
    if not onboards:
        return []  # a flow log shard: the stack it belongs to says what is left out
    templates = [json.loads(s.member_template_path.read_text()) for s in stack_sets if s.member_template_path] or [
        template
    ]
    flow_log_templates = templates + _shard_templates(stack_name, assembly_dir, manifest)
    resources = [r for t in templates for r in t.get("Resources", {}).values()]
    invoking_roles = [_trust(r) for t in templates for r in _invoking_roles(t)]
    coverages = [r.get("Properties", {}).get("Settings", {}) for r in resources if r.get("Type") == COVERAGE_TYPE]
    present = {
        "flow_logs": any(
            r.get("Type") == "AWS::EC2::FlowLog" for t in flow_log_templates for r in t.get("Resources", {}).values()
        )
        or any(_covers_vpcs(settings) for settings in coverages),
        "cloudtrail": any(
            o.get("Description", "").startswith(AUDIT) for t in templates for o in t.get("Outputs", {}).values()
        ),
        "eks": any(r.get("Type") == "AWS::EKS::AccessEntry" for r in resources)
        or any(settings.get(CLUSTER_COVERAGE) in CLUSTER_COVERAGES for settings in coverages),
        "ec2_role": "ec2" in invoking_roles,
        "pod_access": "pods" in invoking_roles,
    }
    missing = [PREREQUISITES[key] for key, there in present.items() if not there]
    if stack_sets:
        missing = [POD_ACCESS_IN_AN_ORGANIZATION if m == PREREQUISITES["pod_access"] else m for m in missing]
    return missing


def _shard_templates(stack_name: str, assembly_dir: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    prefix = f"{stack_name}-FlowLogs"
    return [
        json.loads((assembly_dir / a["properties"]["templateFile"]).read_text())
        for artifact_id, a in manifest.get("artifacts", {}).items()
        if a.get("type") == "aws:cloudformation:stack"
        and a.get("properties", {}).get("stackName", artifact_id).startswith(prefix)
    ]


def _invoking_roles(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The roles an invoke policy (a statement with an invoke Sid) is attached to."""
    resources = template.get("Resources", {})
    names = {
        role["Ref"]
        for r in resources.values()
        if r.get("Type") == "AWS::IAM::ManagedPolicy"
        and any(
            st.get("Sid") in INVOKE_SIDS
            for st in r.get("Properties", {}).get("PolicyDocument", {}).get("Statement", [])
        )
        for role in r.get("Properties", {}).get("Roles", [])
        if isinstance(role, dict) and "Ref" in role
    }
    return [resources[name] for name in sorted(names) if name in resources]


def _trust(role: dict[str, Any]) -> str:
    """``ec2`` for a role EC2 instances assume, ``pods`` for one pods assume (Pod Identity or IRSA)."""
    statements = role.get("Properties", {}).get("AssumeRolePolicyDocument", {}).get("Statement", [])
    principals = json.dumps([st.get("Principal", {}) for st in statements])
    return "ec2" if EC2_SERVICE in principals else "pods"


def _stack_set(properties: dict[str, Any], assembly_dir: Path, manifest: dict[str, Any]) -> StackSetSummary:
    member_path = _member_template(properties.get("TemplateURL"), assembly_dir, manifest)
    member = json.loads(member_path.read_text()) if member_path else {}
    preferences = properties.get("OperationPreferences", {})
    auto = properties.get("AutoDeployment", {})
    if auto.get("Enabled"):
        kept = "kept" if auto.get("RetainStacksOnAccountRemoval") else "deleted"
        auto_deployment = (
            f"on: accounts that join these OUs are onboarded; an account that leaves has its stacks {kept}"
        )
    else:
        auto_deployment = "off: accounts that join these OUs later are not onboarded until the next deploy"
    groups = properties.get("StackInstancesGroup", [])
    regions = list(groups[0].get("Regions", [])) if groups else []
    partition = partition_of(regions[0]) if regions else "aws"
    member_outputs = [o for o in member.get("Outputs", {}).values() if isinstance(o, dict)]
    resources = member.get("Resources", {}).values()
    return StackSetSummary(
        name=str(properties.get("StackSetName", "")),
        call_as=str(properties.get("CallAs", "SELF")),
        member_template_path=member_path,
        member_resource_counts=Counter(r["Type"] for r in resources),
        member_parameters=list(member.get("Parameters", {})),
        regions=regions,
        targets=[_target_line(group) for group in groups],
        max_concurrent_percentage=preferences.get("MaxConcurrentPercentage"),
        failure_tolerance_percentage=preferences.get("FailureTolerancePercentage"),
        auto_deployment=auto_deployment,
        coverage=_coverage(member, region=regions[0] if regions else None),
        concurrency_mode=str(preferences.get("ConcurrencyMode", STRICT)),
        parallel_regions=preferences.get("RegionConcurrencyType", "SEQUENTIAL") == "PARALLEL",
        roles=_account_roles(member, member_outputs, partition),
        audit_trail=[
            _account_resource(member, o, AUDIT, _pattern(o.get("Value"), member, partition))
            for o in member_outputs
            if str(o.get("Description", "")).startswith(AUDIT)
        ],
        listed_flow_logs=any(r.get("Type") == "AWS::EC2::FlowLog" for r in resources),
        listed_clusters=sum(r.get("Type") == "AWS::EKS::AccessEntry" for r in resources),
    )


#: How a member template value that differs per account and region is shown.
ACCOUNT_ID, REGION = "<account>", "<region>"
GENERATED_ROLE_NAME = "a CloudFormation-generated name in each account (each stack instance's outputs give its ARN)"


def _account_roles(template: dict[str, Any], outputs: list[dict[str, Any]], partition: str) -> list[AccountResource]:
    """The member template's roles that an output names: its Role outputs, and any output whose value is
    the ARN of a role with a fixed name (such as the audit role's); each with its ARN in every account."""
    named = {
        arn: resource.get("Condition")
        for resource in template.get("Resources", {}).values()
        if resource.get("Type") == "AWS::IAM::Role"
        and (arn := _role_arn(resource.get("Properties", {}), template, partition)) is not None
    }
    roles = []
    for output in outputs:
        arn = _pattern(output.get("Value"), template, partition)
        if str(output.get("Description", "")).startswith(ROLE) or (arn is not None and arn in named):
            role = _account_resource(template, output, ROLE, arn or GENERATED_ROLE_NAME)
            if role.region is None and arn in named:
                # The output may be in every region (an ARN others use) while the role is made in one.
                region = _only_region(template, named[arn])
                role = AccountResource(role.label, role.value.replace(REGION, region or REGION), region)
            roles.append(role)
    return roles


def _account_resource(
    template: dict[str, Any], output: dict[str, Any], prefix: str, value: str | None
) -> AccountResource:
    region = _only_region(template, output.get("Condition"))
    shown = value.replace(REGION, region) if value is not None and region else value
    return AccountResource(
        # An output of a role outside the Role group may say "Role ..." itself.
        label=str(output.get("Description", "")).removeprefix(prefix).removeprefix("Role "),
        value=shown or "(known after deploy)",
        region=region,
    )


def _only_region(template: dict[str, Any], condition: Any) -> str | None:
    """The region a condition limits a resource (or output) to, when it is ``Fn::Equals`` of
    ``AWS::Region`` and a region; None for no condition (every region) or any other."""
    if not isinstance(condition, str):
        return None
    equals = template.get("Conditions", {}).get(condition, {}).get("Fn::Equals")
    if not isinstance(equals, list) or len(equals) != 2 or {"Ref": "AWS::Region"} not in equals:
        return None
    other = equals[1] if equals[0] == {"Ref": "AWS::Region"} else equals[0]
    return other if isinstance(other, str) else None


def _role_arn(properties: dict[str, Any], template: dict[str, Any], partition: str) -> str | None:
    """A role's ARN in every account when the template fixes its name (and path); None otherwise."""
    name, path = _pattern(properties.get("RoleName"), template, partition), properties.get("Path", "/")
    if name is None or not isinstance(path, str):
        return None
    return f"arn:{partition}:iam::{ACCOUNT_ID}:role{path}{name}"


def _pattern(value: Any, template: dict[str, Any], partition: str) -> str | None:
    """A member template value as it is in every account and region: the account id and region as
    ``ACCOUNT_ID`` and ``REGION``, the partition of the StackSet's regions, a role's ``Arn`` when the
    template fixes its name; None for anything CloudFormation assigns."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((function, argument),) = value.items()
    if function == "Ref":
        return {"AWS::AccountId": ACCOUNT_ID, "AWS::Region": REGION, "AWS::Partition": partition}.get(argument)
    if function == "Fn::GetAtt" and isinstance(argument, list) and argument[1:] == ["Arn"]:
        resource = template.get("Resources", {}).get(argument[0], {})
        if resource.get("Type") == "AWS::IAM::Role":
            return _role_arn(resource.get("Properties", {}), template, partition)
        return None
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], list):
        parts = [_pattern(part, template, partition) for part in argument[1]]
        return None if None in parts else str(argument[0]).join(p for p in parts if p is not None)
    return None


def _target_line(group: dict[str, Any]) -> str:
    targets = group.get("DeploymentTargets", {})
    units = ", ".join(targets.get("OrganizationalUnitIds", []))
    accounts = ", ".join(targets.get("Accounts", []))
    overrides = len(group.get("ParameterOverrides", []))
    where = {
        "INTERSECTION": f"{accounts} (in {units})",
        "DIFFERENCE": f"every account of {units} except {accounts}",
    }.get(targets.get("AccountFilterType"), f"every account of {units}")
    return f"{where}: {overrides} parameter override{'s' if overrides != 1 else ''}" if overrides else where


def _member_template(url: Any, assembly_dir: Path, manifest: dict[str, Any]) -> Path | None:
    """The template file a StackSet's TemplateURL uploads, found in the asset manifests."""
    match = re.search(r"([0-9a-f]{64})\.json", json.dumps(url))
    if match is None:
        return None
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "cdk:asset-manifest":
            continue
        assets = json.loads((assembly_dir / artifact["properties"]["file"]).read_text())
        source = assets.get("files", {}).get(match.group(1), {}).get("source", {})
        if "path" in source:
            return assembly_dir / source["path"]
    return None


def render(summaries: list[StackSummary]) -> str:
    lines = []
    for summary in summaries:
        total = sum(summary.resource_counts.values())
        counts = ", ".join(f"{kind} x{count}" for kind, count in sorted(summary.resource_counts.items()))
        lines += [
            f"Stack {summary.name} ({summary.region or 'region from the CLI environment'})",
            f"  template:  {summary.template_path}",
            f"  resources: {total} ({counts})",
        ]
        if summary.eks_access:
            lines.append("  EKS clusters opened to discovery (authentication mode, endpoint allow-list, access entry):")
            lines += [f"    {cluster}: access entry for {principal}" for cluster, principal in summary.eks_access]
            lines.append(
                "    note: a cluster moved from CONFIG_MAP to API_AND_CONFIG_MAP stays there; EKS cannot undo it"
            )
        if summary.coverage is not None:
            lines += _coverage_lines(
                summary.coverage,
                indent="  ",
                where=summary.region or "the stack region",
                verify="`make verify` shows it",
            )
        for stack_set in summary.stack_sets:
            lines += _render_stack_set(stack_set)
        for how, arn in summary.audit_trail:
            lines.append(f"  audit trail ({how}): {arn or '(ARN known after deploy)'}")
        if summary.roles:
            lines.append("  roles:")
            for label, arn in summary.roles:
                lines.append(f"    {label}: {arn or '(ARN known after deploy)'}")
                if (models := summary.may_invoke.get(label)) is not None:
                    lines.append(f"      may invoke: {_invokable_text(models, summary.region)}")
                if denied := summary.denies.get(label):
                    lines += _denied_lines(denied)
        lines += [f"  not set up by this stack: {what}" for what in summary.missing_prerequisites]
        if summary.wizard_values:
            lines.append("  values for the AIRS onboarding wizard:")
            width = max(len(label) for label, _ in summary.wizard_values)
            pending = False
            for label, value in summary.wizard_values:
                pending |= value is None
                lines.append(f"    {label.ljust(width)}  {value if value is not None else '(known after deploy)'}")
            if pending:
                region = f" --region {summary.region}" if summary.region else ""
                lines += [
                    "  after `make deploy`, read them with:",
                    f"    aws cloudformation describe-stacks --stack-name {summary.name}{region}"
                    " --query 'Stacks[0].Outputs'",
                ]
    return "\n".join(lines)


def _invokable_text(models: list[str], region: str | None) -> str:
    if models:
        return ", ".join(models)
    return f"every foundation model and inference profile of {region or 'the stack region'} (no model_ids given)"


def _render_stack_set(stack_set: StackSetSummary) -> list[str]:
    total = sum(stack_set.member_resource_counts.values())
    counts = ", ".join(f"{kind} x{count}" for kind, count in sorted(stack_set.member_resource_counts.items()))
    home = stack_set.regions[0] if stack_set.regions else None
    regions = ", ".join(f"{r} (home)" if r == home else r for r in stack_set.regions)
    order = "in parallel" if stack_set.parallel_regions else "one at a time"
    lines = [
        f"  StackSet {stack_set.name} (service-managed, call as {stack_set.call_as})",
        f"    member template: {stack_set.member_template_path or '(not found in the cloud assembly)'}",
        f"    resources per account and region, at most: {total} ({counts})",
        f"    parameters: {', '.join(stack_set.member_parameters) or 'none'}",
        f"    regions: {regions or 'none'}, {order}",
        *_wrapped(f"pacing: {_pace(stack_set)}", indent="    "),
        "    target groups (every account of each gets the same template and parameters):",
        *(f"      {line}" for line in stack_set.targets),
        "    what each account gets:",
    ]
    for line in _what_each_account_gets(stack_set):
        lines += _wrapped(line, indent="      ")
    lines.append(f"    auto-deployment: {stack_set.auto_deployment}")
    if stack_set.coverage is not None:
        lines += _coverage_lines(
            stack_set.coverage,
            indent="    ",
            where="each account and region",
            verify="in each account and region; `make verify` shows it",
        )
    lines.append("    first steps, in order:")
    for number, step in enumerate(_first_steps(stack_set), start=1):
        lines += _wrapped(f"{number}. {step}", indent="      ")
    lines += textwrap.wrap(
        MANAGEMENT_ACCOUNT_NOTE, width=100, initial_indent="    note: ", subsequent_indent="          "
    )
    return lines


def _pace(stack_set: StackSetSummary) -> str:
    """How many accounts are deployed at once, as CloudFormation runs the operation preferences."""
    ceiling, tolerance = stack_set.max_concurrent_percentage, stack_set.failure_tolerance_percentage
    stops = f"; a region stops when more than {tolerance}% of its accounts fail" if tolerance is not None else ""
    if stack_set.concurrency_mode == SOFT:
        pace = f"{SOFT}: up to {ceiling}% of the target accounts at once per region (failures do not lower it){stops}"
    elif ceiling is not None and tolerance is not None and tolerance < ceiling:
        pace = (
            f"{STRICT}: at most {tolerance}% of the target accounts + 1 at once per region (the failure tolerance"
            f" + 1, fewer as accounts fail), not the {ceiling}% of max_concurrent_percentage{stops}"
        )
    else:
        pace = f"{stack_set.concurrency_mode}: up to {ceiling}% of the target accounts at once per region{stops}"
    return (
        f"{pace}. Auto-deployment ignores these preferences: an account that joins an OU later is deployed on its own"
    )


def _where(resource: AccountResource) -> str:
    return f"in the home region {resource.region} only" if resource.region else "in each region"


def _what_each_account_gets(stack_set: StackSetSummary) -> list[str]:
    """What the member template makes in each account, and where; then that the choices are tags."""
    coverage = stack_set.coverage
    lines = []
    if coverage is not None and coverage.covers_vpcs:
        left_out = f", except VPCs {_tagged(coverage.exclude_tag)}" if coverage.exclude_tag else ""
        lines.append(f"a flow log on every VPC of each region, to a bucket of its own in that region{left_out}")
    elif stack_set.listed_flow_logs:
        lines.append("flow logs on the subnets and VPCs the template's parameters name")
    clusters = coverage.clusters if coverage is not None else None
    if clusters is not None and clusters.opt_in_tag is not None:
        lines.append(f"discovery access to the EKS clusters of each region {_tagged(clusters.opt_in_tag)}")
    elif clusters is not None:
        lines.append("discovery access to every EKS cluster of each region")
    elif stack_set.listed_clusters:
        lines.append("discovery access to the EKS clusters the template's parameters name")
    for role in stack_set.roles:
        lines.append(f"role {role.label}: {role.value}, {_where(role)}")
    for trail in stack_set.audit_trail:
        lines.append(f"audit trail ({trail.label}): {trail.value}, {_where(trail)}")
    choices = []
    if coverage is not None and coverage.covers_vpcs and coverage.exclude_tag:
        choices.append(f"a VPC's owners leave it out with the tag {'='.join(coverage.exclude_tag)}")
    if clusters is not None and clusters.opt_in_tag is not None:
        choices.append(f"a cluster's owners open it with the tag {'='.join(clusters.opt_in_tag)}")
    if choices:
        lines.append(f"per-resource choices are tags, set in each account: {'; '.join(choices)}")
    return lines


def _first_steps(stack_set: StackSetSummary) -> list[str]:
    """The first steps of the rollout, in order."""
    steps = [
        "trusted access for StackSets, once, in the management account: aws cloudformation"
        " activate-organizations-access"
    ]
    if stack_set.call_as == "DELEGATED_ADMIN":
        steps.append(
            "register this account as a delegated administrator, from the management account: aws organizations"
            f" register-delegated-administrator --service-principal {STACKSETS_PRINCIPAL} --account-id <this account>"
        )
    steps += [
        "make deploy CONFIG=<this config>, with this account's credentials (make doctor checks the steps above first)",
        "make verify CONFIG=<this config>: every target account and region, through a role assumed in each",
        f"hand-off: make verify writes {HANDOFF_FILE} (and .json), each account and region's bucket and discovery"
        " role ARN for the AIRS onboarding wizard",
    ]
    return steps


def deployed_outputs(assembly_dir: Path) -> dict[str, dict[str, str]]:
    """``<assembly>/outputs.json`` as ``make deploy`` writes it (stack name -> output key -> value); {} without one."""
    path = assembly_dir / OUTPUTS_FILE
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        return {}


def stack_environment(environment: str) -> tuple[str | None, str | None]:
    """``aws://<account>/<region>``, where either may be ``unknown-...``."""
    _, _, rest = environment.partition("aws://")
    account, _, region = rest.partition("/")
    return _known(account), _known(region)


def _known(part: str) -> str | None:
    return part if part and not part.startswith("unknown-") else None


def _resolve(value: Any, *, template: dict[str, Any], account: str | None, region: str | None) -> str | None:
    """A template value as text if it is known before deploy; None for anything AWS assigns.

    Handles literals, the pseudo parameters, Fn::Join, and the name and ARN of a bucket whose
    name the template fixes.
    """
    if isinstance(value, str):
        return value
    if not isinstance(value, dict) or len(value) != 1:
        return None
    ((function, argument),) = value.items()
    if function == "Ref":
        pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": partition_of(region) if region else None,
        }
        return pseudo[argument] if argument in pseudo else _fixed_bucket_name(template, argument)
    if function == "Fn::GetAtt" and isinstance(argument, list) and argument[1:] == ["Arn"]:
        name, partition = _fixed_bucket_name(template, argument[0]), partition_of(region) if region else None
        return f"arn:{partition}:s3:::{name}" if name and partition else None
    if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
        separator, parts = argument
        resolved = [_resolve(part, template=template, account=account, region=region) for part in parts]
        return (
            None
            if any(part is None for part in resolved)
            else separator.join(part for part in resolved if part is not None)
        )
    return None


def _fixed_bucket_name(template: dict[str, Any], logical_id: str) -> str | None:
    resource = template.get("Resources", {}).get(logical_id, {})
    name = resource.get("Properties", {}).get("BucketName") if resource.get("Type") == "AWS::S3::Bucket" else None
    return name if isinstance(name, str) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m onboarding_app.summary",
        description="The report printed after make synth and make deploy: stacks, what they create, and the values"
        " for the AIRS onboarding wizard.",
    )
    parser.add_argument("assembly", type=Path, help="the cloud assembly directory, e.g. cdk.out")
    args = parser.parse_args(argv)
    if not (args.assembly / "manifest.json").is_file():
        print(f"{args.assembly} holds no cloud assembly: run `make synth` first", file=sys.stderr)
        return 1
    summaries = summarize(args.assembly)
    print(f"Synthesized {len(summaries)} stack{'s' if len(summaries) != 1 else ''} into {args.assembly}/")
    print(render(summaries))
    manifests = sorted((args.assembly / MANIFEST_DIR).rglob("*.yaml"))
    if manifests:
        print("Kubernetes manifests (kubectl apply -f <file>):")
        print("\n".join(f"  {path}" for path in manifests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
