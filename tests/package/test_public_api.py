"""The library's public surface: the names ``onboarding_constructs`` and ``onboarding_constructs.validation``
export, the signature and help text of each public construct, and the read-only properties each one
exposes. A change to any of them changes a list below, so it shows in review."""

from __future__ import annotations

import inspect
import pydoc
import re
import types
import typing
from collections.abc import Callable

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

import onboarding_constructs
import onboarding_constructs.validation
from tests.conftest import REPO_ROOT, new_stack

#: Reviewed: what ``onboarding_constructs`` exports.
EXPORTED = [
    "ALWAYS_DENIED",
    "AUDIT_ACTIONS",
    "AUDIT_ROLE_NAME",
    "BEDROCK_DATA_RESOURCE_TYPES",
    "BedrockAuditTrail",
    "BedrockInvokerInstanceRole",
    "COVERAGE_TAG_KEY",
    "ClusterCoverage",
    "ConcurrencyMode",
    "DEFAULT_ACCESS_POLICY",
    "DEFAULT_OPT_IN_TAG",
    "DEFAULT_PUBLIC_ENDPOINT_TAG",
    "DEFAULT_RETENTION",
    "DEFAULT_TRAIL_NAME",
    "DEFAULT_TRAIL_RETENTION",
    "DENY_SID",
    "DISCOVERY_CIDRS",
    "DISCOVERY_ROLE_NAME",
    "DiscoveryRole",
    "ECS_FIELDS",
    "EksClusterAccessHandler",
    "EksDiscoveryAccess",
    "EstateCoverage",
    "FlowLogAggregationInterval",
    "FlowLogBucket",
    "FlowLogFileFormat",
    "FlowLogs",
    "OnboardingAuditRole",
    "POD_IDENTITY_AGENT_ADDON",
    "PodAccessMode",
    "PodBedrockAccess",
    "PropsError",
    "REPORT_PARAMETER_PREFIX",
    "SENSITIVE_READS",
    "STANDARD_FIELDS",
    "STATE_PARAMETER_PREFIX",
    "ServiceManagedStackSet",
    "apply_role_policy",
    "flow_log_format",
    "manifest_path",
    "pod_access_id",
    "render_manifest",
    "render_pending_manifest",
]

#: Reviewed: what ``onboarding_constructs.validation`` exports.
VALIDATION_EXPORTED = [
    "CLUSTER_NAME_PATTERN",
    "MAX_CUSTOM_RESOURCE_RESPONSE_BYTES",
    "MAX_FN_OR_CONDITIONS",
    "MAX_PUBLIC_ACCESS_CIDRS",
    "MAX_STACK_RESOURCES",
    "MAX_TEMPLATE_BODY_BYTES",
    "MAX_TEMPLATE_BYTES",
    "MAX_TEMPLATE_PARAMETERS",
    "PropsError",
    "ROLE_ARN_PATTERN",
    "STANDARD_FIELDS_BY_VERSION",
    "SUBNET_ID_PATTERN",
    "VPC_ID_PATTERN",
    "account_id_problem",
    "aggregation_interval_problem",
    "allowed_cidrs_problems",
    "boundary_arn_problem",
    "bucket_name_problem",
    "call_as_problem",
    "canonical_cidr",
    "cluster_coverage_problem",
    "cluster_name_problem",
    "concurrency_mode_problem",
    "estate_coverage_problems",
    "exclude_tag_problems",
    "existing_resource_problem",
    "external_id_problem",
    "file_format_problem",
    "flow_log_targets_problems",
    "include_exclude_problem",
    "is_token",
    "kms_key_arn_problem",
    "known_regions",
    "missing_standard_fields",
    "mode_problem",
    "model_id_problem",
    "namespace_problem",
    "oidc_issuer_problem",
    "opt_in_tag_problems",
    "organizational_unit_id_problem",
    "owner_problem",
    "percentage_problem",
    "pod_access_mode_problems",
    "principal_arn_problem",
    "public_cidr_problem",
    "public_endpoint_tag_problems",
    "region_problem",
    "repeated",
    "repeated_problem",
    "report_parameter_name_problem",
    "role_arn_problem",
    "role_name_prefix_problem",
    "role_name_problem",
    "sensitive_read_problem",
    "service_account_problem",
    "subnet_id_problem",
    "sweep_interval_problem",
    "sweep_minutes_problem",
    "target_list_problems",
    "trail_arn_problem",
    "trail_name_problem",
    "vpc_id_problem",
]

#: Reviewed: the read-only properties of each public construct (besides ``node``).
PROPERTIES: dict[str, set[str]] = {
    "BedrockAuditTrail": {"access_logs_bucket", "bucket", "created", "encryption_key", "trail", "trail_arn"},
    "BedrockInvokerInstanceRole": {"instance_profile", "model_ids", "policy", "role", "role_arn"},
    "DiscoveryRole": {"denied_actions", "policy", "role", "role_arn"},
    "EksClusterAccessHandler": {"function", "log_group", "log_group_encryption_key", "policy", "role", "service_token"},
    "EksDiscoveryAccess": {"access_entry", "cluster_access", "handler"},
    "FlowLogBucket": {"access_logs_bucket", "bucket", "created", "encryption_key"},
    "EstateCoverage": {
        "cluster_events",
        "custom_resource",
        "estate_events",
        "function",
        "log_group",
        "owner",
        "report_parameter_name",
        "role",
        "schedule",
    },
    "FlowLogs": {"flow_logs", "log_format"},
    "OnboardingAuditRole": {"policy", "role", "role_arn"},
    "PodBedrockAccess": {
        "addon",
        "association",
        "cluster_name",
        "mode",
        "model_ids",
        "namespace",
        "policy",
        "role",
        "role_arn",
        "service_account",
    },
    "ServiceManagedStackSet": {"stack_set", "stack_set_id"},
}

ROLE_ARN = "arn:aws:iam::111111111111:role/airs-discovery"


def _imported_bucket(stack: Stack) -> s3.IBucket:
    return s3.Bucket.from_bucket_name(stack, "Imported", "flow-logs")


#: Each public construct built with its required props only (and an imported bucket where it needs one).
BUILDERS: dict[str, Callable[[Stack], Construct]] = {
    "BedrockAuditTrail": lambda stack: onboarding_constructs.BedrockAuditTrail(stack, "Subject"),
    "BedrockInvokerInstanceRole": lambda stack: onboarding_constructs.BedrockInvokerInstanceRole(stack, "Subject"),
    "DiscoveryRole": lambda stack: onboarding_constructs.DiscoveryRole(
        stack, "Subject", trusted_principal_arn=ROLE_ARN, external_id="example-external-id"
    ),
    "EksClusterAccessHandler": lambda stack: onboarding_constructs.EksClusterAccessHandler.of(stack),
    "EksDiscoveryAccess": lambda stack: onboarding_constructs.EksDiscoveryAccess(
        stack, "Subject", cluster_name="prod", principal_arn=ROLE_ARN
    ),
    "FlowLogBucket": lambda stack: onboarding_constructs.FlowLogBucket(stack, "Subject"),
    "EstateCoverage": lambda stack: onboarding_constructs.EstateCoverage(
        stack, "Subject", bucket=_imported_bucket(stack)
    ),
    "FlowLogs": lambda stack: onboarding_constructs.FlowLogs(
        stack, "Subject", bucket=_imported_bucket(stack), subnet_ids=["subnet-0a1b2c3d"]
    ),
    "OnboardingAuditRole": lambda stack: onboarding_constructs.OnboardingAuditRole(
        stack,
        "Subject",
        trusted_account_id="123456789012",
        external_id="example-external-id",
        stack_names=["StackSet-AirsOnboarding-*"],
    ),
    "PodBedrockAccess": lambda stack: onboarding_constructs.PodBedrockAccess(
        stack, "Subject", cluster_name="prod", namespace="apps", service_account="bedrock-caller"
    ),
    "ServiceManagedStackSet": lambda stack: onboarding_constructs.ServiceManagedStackSet(
        stack,
        "Subject",
        template_url="https://bucket.s3.us-east-1.amazonaws.com/member.json",
        stack_set_name="AirsMembers",
        organizational_units=["ou-abcd-12345678"],
        regions=["us-east-1"],
    ),
}


def _constructs() -> list[str]:
    return sorted(
        name
        for name in onboarding_constructs.__all__
        if inspect.isclass(cls := getattr(onboarding_constructs, name)) and issubclass(cls, Construct)
    )


CONSTRUCTS = _constructs()


# (a) the exported names


def test_onboarding_constructs_exports_the_reviewed_names() -> None:
    assert sorted(onboarding_constructs.__all__) == EXPORTED
    assert len(set(onboarding_constructs.__all__)) == len(onboarding_constructs.__all__)


def test_validation_exports_the_reviewed_names() -> None:
    assert sorted(onboarding_constructs.validation.__all__) == VALIDATION_EXPORTED
    assert len(set(onboarding_constructs.validation.__all__)) == len(onboarding_constructs.validation.__all__)


@pytest.mark.parametrize(
    ("module", "name"),
    [(onboarding_constructs, name) for name in EXPORTED]
    + [(onboarding_constructs.validation, name) for name in VALIDATION_EXPORTED],
)
def test_every_exported_name_exists(module: types.ModuleType, name: str) -> None:
    assert hasattr(module, name), f"{module.__name__}.__all__ names {name}, which the module does not define"


def test_the_reviewed_lists_cover_every_public_construct() -> None:
    assert CONSTRUCTS == sorted(PROPERTIES) == sorted(BUILDERS)


# (b) signature and help text


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_signature_is_scope_construct_id_then_keyword_only_props(name: str) -> None:
    cls = getattr(onboarding_constructs, name)
    parameters = list(inspect.signature(cls).parameters.values())
    assert [p.name for p in parameters[:2]] == ["scope", "construct_id"]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters[:2])
    assert len(parameters) > 2
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[2:]), [str(p) for p in parameters[2:]]
    # The same parameters as __init__ (without self): the signature is read from it, not written by hand.
    init = list(inspect.signature(cls.__init__).parameters)
    assert init[0] == "self" and [p.name for p in parameters] == init[1:]


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_help_shows_the_constructs_own_signature_and_docstrings(name: str) -> None:
    cls = getattr(onboarding_constructs, name)
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    assert "Creates a new construct node" not in text
    first_line = inspect.getdoc(cls).splitlines()[0]
    assert first_line in text
    assert f"{name}(scope: constructs.Construct, construct_id: str, *, " in text
    assert inspect.getdoc(cls.__init__) == inspect.cleandoc(vars(cls)["__init__"].__doc__)


def _param_docs(docstring: str) -> dict[str, str]:
    return {
        match["name"]: " ".join(match["text"].split())
        for match in re.finditer(r"^:param (?P<name>\w+): (?P<text>.*?)(?=^:param |\Z)", docstring, re.M | re.S)
    }


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_init_docstring_documents_every_prop_and_its_default(name: str) -> None:
    cls = getattr(onboarding_constructs, name)
    docs = _param_docs(inspect.getdoc(vars(cls)["__init__"]) or "")
    parameters = inspect.signature(cls).parameters
    assert list(docs) == list(parameters), "one ':param' per parameter, in the signature's order"
    for parameter in list(parameters.values())[2:]:
        expected = "Required" if parameter.default is inspect.Parameter.empty else "Default: "
        assert expected in docs[parameter.name], f"{name}: ':param {parameter.name}:' does not say {expected!r}"


def test_param_docs_reads_each_param_to_the_next() -> None:
    docstring = "Define it.\n\n:param a: One line.\n:param b: Two\n    lines. Default: x."
    assert _param_docs(docstring) == {"a": "One line.", "b": "Two lines. Default: x."}


# (c) read-only properties, typed by interface


def _concrete_cdk_classes(annotation: object) -> list[type]:
    """The CDK classes in ``annotation`` (through ``X | None``, ``Mapping[str, X]``, ...) for which the
    CDK has an interface: ``iam.Role`` (``iam.IRole``), not ``iam.CfnRole`` (no ``ICfnRole``)."""
    if typing.get_origin(annotation) is not None or isinstance(annotation, types.UnionType):
        return [found for arg in typing.get_args(annotation) for found in _concrete_cdk_classes(arg)]
    if not inspect.isclass(annotation) or not annotation.__module__.startswith("aws_cdk"):
        return []
    module = inspect.getmodule(annotation)
    return [annotation] if hasattr(module, f"I{annotation.__name__}") else []


def test_the_interface_check_finds_a_concrete_class_and_passes_an_interface_or_l1() -> None:
    def concrete() -> iam.Role | None: ...

    def interface() -> iam.IRole: ...

    def l1s() -> dict[str, iam.CfnRole]: ...

    def returns(function: Callable[[], object]) -> object:
        return typing.get_type_hints(function)["return"]

    assert _concrete_cdk_classes(returns(concrete)) == [iam.Role]
    assert _concrete_cdk_classes(returns(interface)) == []
    assert _concrete_cdk_classes(returns(l1s)) == []


def _own_properties(cls: type) -> dict[str, property]:
    """The public properties ``cls`` defines, not those of ``Construct``."""
    return {
        name: value
        for klass in cls.__mro__
        if klass is not Construct and issubclass(klass, Construct)
        for name, value in vars(klass).items()
        if not name.startswith("_") and isinstance(value, property)
    }


@pytest.mark.parametrize("name", CONSTRUCTS)
def test_public_attributes_are_documented_read_only_properties_typed_by_interface(name: str) -> None:
    cls = getattr(onboarding_constructs, name)
    instance = BUILDERS[name](new_stack())
    assert type(instance) is cls

    writable = sorted(key for key in vars(instance) if not key.startswith("_"))
    assert writable == [], f"{name} has public instance attributes; make them read-only properties"
    properties = _own_properties(cls)
    assert set(properties) == PROPERTIES[name]
    public = {n for n in dir(instance) if not n.startswith("_") and not callable(getattr(cls, n, None))}
    assert public - {"node"} == PROPERTIES[name], "every public attribute is one of the reviewed properties"

    for prop_name, prop in properties.items():
        assert prop.fset is None and prop.fdel is None
        assert inspect.getdoc(prop), f"{name}.{prop_name} has no docstring"
        getattr(instance, prop_name)
        with pytest.raises(AttributeError):
            setattr(instance, prop_name, None)
        returned = typing.get_type_hints(prop.fget)["return"]
        concrete = [f"{c.__module__}.{c.__name__}" for c in _concrete_cdk_classes(returned)]
        assert concrete == [], f"{name}.{prop_name} returns {concrete}: type it by the CDK's interface (I...)"


# docs/constructs.md lists the same properties


def _documented_properties() -> dict[str, set[str]]:
    text = (REPO_ROOT / "docs" / "constructs.md").read_text(encoding="utf-8")
    section = text.split("## Read-only properties", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (.*) \|$", section, re.M)
    return {construct: set(re.findall(r"`(\w+)` \(", cells)) for construct, cells in rows}


def test_docs_list_each_constructs_properties() -> None:
    assert _documented_properties() == PROPERTIES


def test_docs_name_every_other_exported_name() -> None:
    text = (REPO_ROOT / "docs" / "constructs.md").read_text(encoding="utf-8")
    section = text.split("## The public API", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\w+)`", section))
    assert sorted(set(EXPORTED) - set(CONSTRUCTS) - named) == []
