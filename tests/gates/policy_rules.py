"""Our own policy rules: what cdk-nag, cfn-lint and checkov do not check.

Each rule takes a CloudFormation template (a dict) and returns one line per violation, naming the
resource; an empty list means the template complies.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tests.gates import iam_actions

Template = dict[str, Any]

SOURCE_KEYS = ("aws:SourceAccount", "aws:SourceArn")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _resources(template: Template, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == kind:
            yield logical_id, resource.get("Properties", {})


def _policy_documents(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every policy document in the template: bucket, key, IAM (managed and inline) policies."""
    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        for key in ("PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument"):
            if isinstance(props.get(key), dict):
                yield logical_id, props[key]
        for inline in props.get("Policies", []) or []:
            if isinstance(inline, dict) and isinstance(inline.get("PolicyDocument"), dict):
                yield logical_id, inline["PolicyDocument"]


def _condition_keys(statement: dict[str, Any]) -> set[str]:
    return {key for operator in statement.get("Condition", {}).values() for key in operator}


def service_principal_grants_are_source_scoped(template: Template) -> list[str]:
    """Every bucket-policy Allow to a service principal has aws:SourceAccount or aws:SourceArn."""
    violations = []
    for logical_id, props in _resources(template, "AWS::S3::BucketPolicy"):
        for statement in _as_list(props.get("PolicyDocument", {}).get("Statement", [])):
            principal = statement.get("Principal")
            if statement.get("Effect") != "Allow" or not isinstance(principal, dict) or "Service" not in principal:
                continue
            if not _condition_keys(statement) & set(SOURCE_KEYS):
                violations.append(
                    f"{logical_id}: Allow to {principal['Service']} has no aws:SourceAccount/aws:SourceArn"
                )
    return violations


def buckets_deny_insecure_transport(template: Template) -> list[str]:
    """Every bucket has a policy with a Deny on aws:SecureTransport=false over the bucket and its objects."""
    covered: set[str] = set()
    for _, props in _resources(template, "AWS::S3::BucketPolicy"):
        bucket = props.get("Bucket", {}).get("Ref") if isinstance(props.get("Bucket"), dict) else None
        arn = {"Fn::GetAtt": [bucket, "Arn"]}
        objects = {"Fn::Join": ["", [arn, "/*"]]}
        for statement in _as_list(props.get("PolicyDocument", {}).get("Statement", [])):
            denies_plain_http = statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") in (
                "false",
                False,
            )
            resources = _as_list(statement.get("Resource"))
            if (
                statement.get("Effect") == "Deny"
                and denies_plain_http
                and statement.get("Principal") in ({"AWS": "*"}, "*")
                and "s3:*" in _as_list(statement.get("Action"))
                and arn in resources
                and objects in resources
            ):
                covered.add(bucket)
    return [
        f"{logical_id}: no TLS-only Deny covering the bucket and its objects"
        for logical_id, _ in _resources(template, "AWS::S3::Bucket")
        if logical_id not in covered
    ]


def no_wildcard_actions(template: Template) -> list[str]:
    """No Allow statement grants '*' or a whole service ('s3:*')."""
    violations = []
    for logical_id, document in _policy_documents(template):
        for statement in _as_list(document.get("Statement", [])):
            if statement.get("Effect") != "Allow":
                continue
            for action in _as_list(statement.get("Action", [])) + _as_list(statement.get("NotAction", [])):
                if isinstance(action, str) and (action == "*" or action.endswith(":*")):
                    violations.append(f"{logical_id}: Allow of {action!r}")
            if "NotAction" in statement:
                violations.append(f"{logical_id}: Allow with NotAction grants everything else")
    return violations


def buckets_are_private_and_retained(template: Template) -> list[str]:
    """Every bucket blocks public access four ways, disables ACLs, encrypts, versions, and is retained."""
    violations = []
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") != "AWS::S3::Bucket":
            continue
        props = resource.get("Properties", {})
        block = props.get("PublicAccessBlockConfiguration", {})
        if not all(
            block.get(k) is True
            for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        ):
            violations.append(f"{logical_id}: not all four Block Public Access settings are on")
        if props.get("OwnershipControls") != {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}:
            violations.append(f"{logical_id}: ACLs are not disabled (BucketOwnerEnforced)")
        if not props.get("BucketEncryption"):
            violations.append(f"{logical_id}: no default encryption")
        if props.get("VersioningConfiguration", {}).get("Status") != "Enabled":
            violations.append(f"{logical_id}: versioning is off")
        if resource.get("DeletionPolicy") != "Retain" or resource.get("UpdateReplacePolicy") != "Retain":
            violations.append(
                f"{logical_id}: would be deleted with the stack (DeletionPolicy/UpdateReplacePolicy not Retain)"
            )
    return violations


def _role_trust_statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, props in _resources(template, "AWS::IAM::Role"):
        for statement in _as_list(props.get("AssumeRolePolicyDocument", {}).get("Statement", [])):
            yield logical_id, statement


def _is_this_account(principal: Any) -> bool:
    """An AWS principal of the stack's own account (a Ref/Join on AWS::AccountId, or account root)."""
    return "AWS::AccountId" in str(principal)


def cross_account_trust_requires_external_id(template: Template) -> list[str]:
    """Every role another account may assume demands sts:ExternalId (confused-deputy protection)."""
    violations = []
    for logical_id, statement in _role_trust_statements(template):
        principal = statement.get("Principal", {})
        aws = principal.get("AWS") if isinstance(principal, dict) else principal
        if statement.get("Effect") != "Allow" or aws is None or _is_this_account(aws):
            continue
        if "sts:ExternalId" not in _condition_keys(statement):
            violations.append(f"{logical_id}: {aws} may assume the role without sts:ExternalId")
    return violations


def no_bedrock_wildcards(template: Template) -> list[str]:
    """Bedrock permissions name their actions and resources: no bedrock:*, no Resource '*' with them."""
    violations = []
    for logical_id, document in _policy_documents(template):
        for statement in _as_list(document.get("Statement", [])):
            actions = [a for a in _as_list(statement.get("Action", [])) if isinstance(a, str)]
            bedrock = [a for a in actions if a.lower().startswith("bedrock:")]
            if statement.get("Effect") != "Allow" or not bedrock:
                continue
            if any("*" in a for a in bedrock):
                violations.append(f"{logical_id}: wildcard Bedrock action in {bedrock}")
            invoke = [a for a in bedrock if a.lower().startswith("bedrock:invoke")]
            if invoke and "*" in _as_list(statement.get("Resource")):
                violations.append(f"{logical_id}: {invoke} on Resource '*'")
    return violations


#: Reads that return secrets or code rather than inventory, reviewed by expanding every wildcard
#: the project grants against tests/data/iam_actions.json. A role may hold them only with a Deny
#: beside the Allow (or a vendor's documented need: allow_sensitive_reads). Written out here, not
#: imported, so that dropping one from the library's list fails a test.
SENSITIVE_READS = (
    "ec2:DescribeBundleTasks",
    "ec2:DescribeConversionTasks",
    "ec2:DescribeInstanceAttribute",
    "ec2:DescribeLaunchTemplateVersions",
    "ec2:DescribeSpotFleetRequests",
    "ec2:DescribeSpotInstanceRequests",
    "ec2:DescribeVpnConnections",
    "ec2:GetConsoleOutput",
    "ec2:GetConsoleScreenshot",
    "ec2:GetInstanceUefiData",
    "ec2:GetLaunchTemplateData",
    "ec2:GetPasswordData",
    "ec2:GetVpnConnectionDeviceSampleConfiguration",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:GetLayerVersion",
)
_IDENTITY_POLICIES = ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::Role")


def _identity_documents(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") not in _IDENTITY_POLICIES:
            continue
        props = resource.get("Properties", {})
        if isinstance(props.get("PolicyDocument"), dict):
            yield logical_id, props["PolicyDocument"]
        for inline in props.get("Policies", []) or []:
            if isinstance(inline, dict) and isinstance(inline.get("PolicyDocument"), dict):
                yield logical_id, inline["PolicyDocument"]


def sensitive_reads_are_denied(template: Template) -> list[str]:
    """No IAM policy allows a reviewed sensitive read (wildcards expanded against the pinned action
    list) without a Deny of it, on every resource and unconditioned, in the same policy."""
    violations = []
    for logical_id, document in _identity_documents(template):
        statements = _as_list(document.get("Statement", []))
        denied = [
            pattern
            for st in statements
            if st.get("Effect") == "Deny" and "*" in _as_list(st.get("Resource")) and not st.get("Condition")
            for pattern in _as_list(st.get("Action", []))
            if isinstance(pattern, str)
        ]
        allowed = {
            action
            for st in statements
            if st.get("Effect") == "Allow"
            for pattern in _as_list(st.get("Action", []))
            if isinstance(pattern, str)
            for action in (iam_actions.expand(pattern) if "*" in pattern or "?" in pattern else [pattern])
        }
        for action in SENSITIVE_READS:
            granted = any(iam_actions.covers(action, a) for a in allowed)
            if granted and not any(iam_actions.covers(pattern, action) for pattern in denied):
                violations.append(f"{logical_id}: allows {action} without a Deny of it")
    return violations


POD_IDENTITY_SERVICE = "pods.eks.amazonaws.com"


def pod_identity_trust_is_exact(template: Template) -> list[str]:
    """A role trusted by EKS Pod Identity: only sts:AssumeRole + sts:TagSession, only for this
    account, and only for the namespace and service account it was made for."""
    violations = []
    for logical_id, statement in _role_trust_statements(template):
        principal = statement.get("Principal", {})
        if not isinstance(principal, dict) or POD_IDENTITY_SERVICE not in _as_list(principal.get("Service")):
            continue
        if sorted(_as_list(statement.get("Action"))) != ["sts:AssumeRole", "sts:TagSession"]:
            violations.append(f"{logical_id}: pod trust actions are {statement.get('Action')}")
        keys = _condition_keys(statement)
        for required in (
            "aws:SourceAccount",
            "aws:RequestTag/kubernetes-namespace",
            "aws:RequestTag/kubernetes-service-account",
        ):
            if required not in keys:
                violations.append(f"{logical_id}: pod trust is not conditioned on {required}")
    return violations


def permissions_boundary_on_every_role(boundary: Any) -> Any:
    """A rule for a given boundary: every role carries it."""

    def rule(template: Template) -> list[str]:
        return [
            f"{logical_id}: PermissionsBoundary is {props.get('PermissionsBoundary')!r}, expected {boundary!r}"
            for logical_id, props in _resources(template, "AWS::IAM::Role")
            if props.get("PermissionsBoundary") != boundary
        ]

    rule.__name__ = "permissions_boundary_on_every_role"
    return rule


RULES = (
    service_principal_grants_are_source_scoped,
    buckets_deny_insecure_transport,
    no_wildcard_actions,
    buckets_are_private_and_retained,
    cross_account_trust_requires_external_id,
    no_bedrock_wildcards,
    pod_identity_trust_is_exact,
    sensitive_reads_are_denied,
)
