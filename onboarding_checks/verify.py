"""``verify``: after a deploy, whether the onboarding works: logs arrive, the trail logs, clusters
admit discovery, and the identities exist."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from botocore.exceptions import ClientError

from onboarding_config.output_groups import ROLE
from onboarding_constructs import DEFAULT_ACCESS_POLICY

from .aws import error_code
from .doctor import (
    OPEN_TO_EVERYONE,
    POD_IDENTITY_AGENT,
    discovery_cidrs,
    flow_logs_on,
    flow_logs_to,
    incomplete_formats,
)
from .results import Result, failed, passed, warned
from .runner import Check, Context

VIEW_POLICY = DEFAULT_ACCESS_POLICY  # what the stack grants the discovery role
RECENT = datetime.timedelta(hours=1)


def verify_checks(context: Context, outputs: dict[str, dict[str, str]]) -> list[Check]:
    """``outputs``: the deployed stack's outputs by key (``OutputValue``, ``Description``)."""
    config = context.config
    bucket_arn = outputs.get("FlowLogBucketArn", {}).get("OutputValue")
    checks = [
        *(
            Check("flow log", target, _flow_log(target, bucket_arn))
            for target in (*config.flow_logs.subnet_ids, *config.flow_logs.vpc_ids)
        ),
        Check(
            "flow log objects", outputs.get("FlowLogBucketName", {}).get("OutputValue", "?"), _recent_objects(outputs)
        ),
    ]
    if config.cloudtrail is not None:
        trail = config.cloudtrail.existing_trail_arn or outputs.get("BedrockAuditTrailArn", {}).get("OutputValue", "")
        checks.append(Check("audit trail", trail or "?", _trail_logging(trail)))
    if config.eks is not None:
        principal = outputs.get("DiscoveryRoleArn", {}).get("OutputValue") or config.eks.discovery_role_arn or ""
        checks += [
            Check("EKS cluster", cluster.name, _cluster_open(cluster.name, principal))
            for cluster in config.eks.clusters
        ]
    if config.bedrock is not None:
        checks += [
            Check(
                "pod identity association",
                f"{p.cluster}/{p.namespace}/{p.service_account}",
                _association(p.cluster, p.namespace, p.service_account),
            )
            for p in config.bedrock.pod_access
            if p.mode == "pod-identity"
        ]
    roles = {key: output for key, output in outputs.items() if output.get("Description", "").startswith(ROLE)}
    checks += [
        Check("role", output["OutputValue"], _role(output["OutputValue"], output["Description"].removeprefix(ROLE)))
        for output in roles.values()
    ]
    return checks


def stack_outputs(context: Context) -> dict[str, dict[str, str]] | None:
    """The deployed stack's outputs, or None when the stack does not exist."""
    try:
        stacks = context.aws.call("cloudformation", "describe_stacks", StackName=context.config.stack_name)["Stacks"]
    except ClientError as error:
        if error_code(error) == "ValidationError":
            return None
        raise
    return {o["OutputKey"]: o for o in stacks[0].get("Outputs", [])}


def _flow_log(resource_id: str, bucket_arn: str | None):
    def run(context: Context) -> Iterator[Result]:
        title = "flow log"
        flow_logs = flow_logs_on(context, resource_id)
        ours = flow_logs_to(flow_logs, bucket_arn)
        if not ours:
            yield failed(
                title,
                resource_id,
                f"no flow log to {bucket_arn or 'the stack bucket'}",
                "deploy the stack (make deploy), then verify again",
            )
        else:
            flow_log = ours[0]
            if flow_log.get("DeliverLogsStatus") == "SUCCESS":
                yield passed(title, resource_id, f"{flow_log['FlowLogId']} delivers to {bucket_arn}")
            else:
                error = flow_log.get("DeliverLogsErrorMessage") or flow_log.get("DeliverLogsStatus")
                yield failed(
                    title,
                    resource_id,
                    f"{flow_log['FlowLogId']} cannot deliver: {error}",
                    "check the bucket policy allows delivery.logs.amazonaws.com",
                )
        yield from incomplete_formats(resource_id, flow_logs, bucket_arn)

    return run


def _recent_objects(outputs: dict[str, dict[str, str]]):
    def run(context: Context) -> Iterator[Result]:
        title = "flow log objects"
        bucket = outputs.get("FlowLogBucketName", {}).get("OutputValue")
        if not bucket:
            yield failed(
                title,
                "?",
                "the stack has no FlowLogBucketName output",
                "deploy the stack with this version (make deploy)",
            )
            return
        prefix = f"AWSLogs/{context.account}/vpcflowlogs/{context.aws.region}/"
        newest = None
        for page in context.aws.pages("s3", "list_objects_v2", Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                newest = item["LastModified"] if newest is None else max(newest, item["LastModified"])
        now = datetime.datetime.now(datetime.UTC)
        if newest is not None and now - newest <= RECENT:
            yield passed(title, bucket, f"newest object {int((now - newest).total_seconds() // 60)} minutes old")
        else:
            when = "none yet" if newest is None else f"the newest is from {newest:%Y-%m-%d %H:%M} UTC"
            yield warned(
                title,
                bucket,
                f"no flow log objects in the last hour under {prefix} ({when})",
                "delivery starts about 10 minutes after a flow log is created; verify again later",
            )

    return run


def _trail_logging(arn: str):
    def run(context: Context) -> Iterator[Result]:
        title = "audit trail"
        if not arn:
            yield failed(
                title,
                "?",
                "the stack has no BedrockAuditTrailArn output",
                "deploy the stack with this version (make deploy)",
            )
            return
        try:
            status = context.aws.call("cloudtrail", "get_trail_status", Name=arn)
        except ClientError as error:
            if error_code(error) == "TrailNotFoundException":
                yield failed(title, arn, "no such trail", "deploy the stack, or correct cloudtrail.existing_trail_arn")
                return
            raise
        if status.get("IsLogging"):
            yield passed(title, arn, "logging")
        else:
            yield failed(title, arn, "not logging", f"start it: aws cloudtrail start-logging --name {arn}")

    return run


def _cluster_open(name: str, principal: str):
    def run(context: Context) -> Iterator[Result]:
        try:
            cluster = context.aws.call("eks", "describe_cluster", name=name)["cluster"]
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                yield failed("EKS cluster", name, "no such cluster", "correct eks.clusters[].name")
                return
            raise
        mode = (cluster.get("accessConfig") or {}).get("authenticationMode", "CONFIG_MAP")
        if mode in ("API", "API_AND_CONFIG_MAP"):
            yield passed("EKS authentication mode", name, mode)
        else:
            yield failed(
                "EKS authentication mode",
                name,
                f"{mode}: access entries do not work",
                "deploy the stack (its custom resource changes the mode)",
            )
        yield _endpoint_admits(context, name, cluster)
        yield _view_access(context, name, principal)

    return run


def _endpoint_admits(context: Context, name: str, cluster: dict) -> Result:
    title = "EKS endpoint access"
    vpc = cluster.get("resourcesVpcConfig") or {}
    allowed = discovery_cidrs(context)
    current = list(vpc.get("publicAccessCidrs") or [])
    if not vpc.get("endpointPublicAccess"):
        return failed(
            title,
            name,
            "no public endpoint: discovery cannot reach the cluster",
            "set enable_public_endpoint: true for it and deploy again",
        )
    missing = [c for c in allowed if c not in current]
    if any(c in OPEN_TO_EVERYONE for c in current) or not missing:
        return passed(title, name, "the public endpoint admits the discovery addresses")
    return failed(
        title,
        name,
        f"the allow-list lacks {', '.join(missing)}",
        "deploy the stack again; if someone removed them, find out why first",
    )


def _view_access(context: Context, name: str, principal: str) -> Result:
    title = "EKS access entry"
    if not principal:
        return failed(
            title,
            name,
            "no discovery role known (no DiscoveryRoleArn output, no eks.discovery_role_arn)",
            "deploy the stack",
        )
    try:
        arns = [
            p.get("policyArn", "")
            for page in context.aws.pages(
                "eks", "list_associated_access_policies", clusterName=name, principalArn=principal
            )
            for p in page.get("associatedAccessPolicies", [])
        ]
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return failed(title, name, f"no access entry for {principal}", "deploy the stack")
        raise
    if any(arn.endswith(f"/{VIEW_POLICY}") for arn in arns):
        return passed(title, name, f"{principal} has {VIEW_POLICY}")
    return failed(title, name, f"the access entry for {principal} lacks {VIEW_POLICY}", "deploy the stack again")


def _association(cluster: str, namespace: str, service_account: str):
    def run(context: Context) -> Iterator[Result]:
        title, target = "pod identity association", f"{cluster}/{namespace}/{service_account}"
        try:
            found = [
                a
                for page in context.aws.pages(
                    "eks",
                    "list_pod_identity_associations",
                    clusterName=cluster,
                    namespace=namespace,
                    serviceAccount=service_account,
                )
                for a in page.get("associations", [])
            ]
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                yield failed(title, target, f"no cluster {cluster}", "correct bedrock.pod_access[].cluster")
                return
            raise
        if found:
            yield passed(title, target, f"{found[0].get('associationId', 'association')} exists")
        else:
            yield failed(
                title, target, "no association", f"deploy the stack; the cluster needs the {POD_IDENTITY_AGENT} add-on"
            )

    return run


def _role(arn: str, purpose: str):
    def run(context: Context) -> Iterator[Result]:
        title = "role"
        name = arn.rsplit("/", 1)[-1]
        try:
            context.aws.call("iam", "get_role", RoleName=name)
        except ClientError as error:
            if error_code(error) == "NoSuchEntity":
                yield failed(
                    title, arn, f"missing ({purpose})", "deploy the stack again; someone may have deleted the role"
                )
                return
            raise
        yield passed(title, arn, f"exists ({purpose})")

    return run
