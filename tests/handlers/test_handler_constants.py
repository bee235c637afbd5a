"""The handler's copies of the library's rules and limits (it cannot import the library) equal the library's.

A constant is compared with the library's; a rule (a pattern, a check) is compared by what it answers
over a table of inputs, so two spellings of the same rule pass and two different rules fail.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3

from onboarding_checks import clusters, probes
from onboarding_constructs import (
    COVERAGE_TAG_KEY,
    DEFAULT_ACCESS_POLICY,
    DISCOVERY_CIDRS,
    STATE_PARAMETER_PREFIX,
    ClusterCoverage,
    EksDiscoveryAccess,
    EstateCoverage,
)
from onboarding_constructs.estate_coverage import CLUSTER_RECORDS_SUFFIX
from onboarding_constructs.validation import (
    CLUSTER_NAME_PATTERN,
    MAX_CUSTOM_RESOURCE_RESPONSE_BYTES,
    MAX_PUBLIC_ACCESS_CIDRS,
    canonical_cidr,
    cluster_name_problem,
    public_cidr_problem,
    role_arn_problem,
)
from tests.conftest import new_stack, template_of
from tests.handlers.conftest import load_handler
from tests.handlers.coverage_harness import load_handler as load_coverage_handler

handler = load_handler()
#: The estate-coverage function, as its inline code runs (the EKS handler bundled in).
coverage = load_coverage_handler()

CLUSTER_NAMES = [
    "prod",
    "a",
    "0",
    "a-b",
    "a_b",
    "Prod-EKS_1",
    "a" * 100,
    "a" * 101,
    "",
    "-a",
    "_a",
    "a.b",
    "a b",
    "a/b",
    "prod\n",
    "ä",
    "a-",
    "a_",
]

CIDRS = [
    *DISCOVERY_CIDRS,
    "34.71.64.3",  # a host without a prefix length: a /32
    "34.71.64.0/24",
    "8.8.8.0/24",
    "2600:1f18::/32",
    "34.71.64.3/24",  # host bits set
    "34.71.64.3/33",
    "034.71.64.3/32",
    " 34.71.64.3/32",
    "34.71.64.3/32 ",
    "not-a-cidr",
    "",
    "0.0.0.0/0",
    "::/0",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.1.0/24",
    "100.64.0.0/10",  # shared address space (carrier-grade NAT)
    "127.0.0.1/32",
    "169.254.0.0/16",
    "fd00::/8",
    "fe80::/10",
]


def test_public_endpoint_cidr_limit_is_the_librarys() -> None:
    assert handler.MAX_PUBLIC_CIDRS == MAX_PUBLIC_ACCESS_CIDRS


def test_response_size_limit_is_the_librarys() -> None:
    assert handler.MAX_RESPONSE_BYTES == MAX_CUSTOM_RESOURCE_RESPONSE_BYTES


def test_cluster_name_pattern_is_the_librarys() -> None:
    assert handler.CLUSTER_NAME.pattern == CLUSTER_NAME_PATTERN


@pytest.mark.parametrize("name", CLUSTER_NAMES)
def test_handler_accepts_exactly_the_cluster_names_the_library_accepts(name: str) -> None:
    library_accepts = cluster_name_problem(name) is None
    try:
        handler.parse_properties({"ClusterName": name, "AllowedCidrs": list(DISCOVERY_CIDRS)})
    except handler.Failure as failure:
        assert not library_accepts, f"the handler refuses {name!r}: {failure}"
    else:
        assert library_accepts, f"the handler accepts {name!r}, which the library refuses"
    # Delete finds its cluster by the same rule, through the physical id.
    assert handler._physical_id_for({"ResourceProperties": {"ClusterName": name}, "RequestId": "r"}) == (
        handler.PHYSICAL_ID_PREFIX + name if library_accepts else handler.PHYSICAL_ID_PREFIX + "invalid:r"
    )


@pytest.mark.parametrize("cidr", CIDRS)
def test_handler_accepts_exactly_the_cidrs_the_library_accepts(cidr: str) -> None:
    assert (handler.cidr_problem(cidr) is None) == (public_cidr_problem(cidr) is None), (
        handler.cidr_problem(cidr),
        public_cidr_problem(cidr),
    )


@pytest.mark.parametrize("cidr", [c for c in CIDRS if public_cidr_problem(c) is None])
def test_handler_takes_the_librarys_canonical_cidr_verbatim(cidr: str) -> None:
    # The handler merges and removes allow-list entries by text: it must send what the library made
    # canonical exactly as received, and that spelling must be the one EKS writes back.
    canonical = canonical_cidr(cidr)
    props = handler.parse_properties({"ClusterName": "prod", "AllowedCidrs": [canonical]})
    assert props.allowed_cidrs == (canonical,)
    assert canonical_cidr(canonical) == canonical


def test_discovery_cidrs_are_canonical_and_accepted_by_the_handler() -> None:
    props = handler.parse_properties({"ClusterName": "prod", "AllowedCidrs": list(DISCOVERY_CIDRS)})
    assert props.allowed_cidrs == tuple(canonical_cidr(c) for c in DISCOVERY_CIDRS) == DISCOVERY_CIDRS


def test_open_to_everyone_is_what_doctor_treats_as_open() -> None:
    assert handler.OPEN_TO_EVERYONE == probes.OPEN_TO_EVERYONE


@pytest.mark.parametrize(
    ("cidrs", "cidr", "admitted"),
    [
        (["0.0.0.0/0"], "34.71.64.3/32", True),
        (["::/0"], "34.71.64.3/32", False),
        (["0.0.0.0/0"], "2600:1f18::/36", False),
        (["::/0"], "2600:1f18::/36", True),
        (["198.51.100.0/24", "::/0", "0.0.0.0/0"], "34.71.64.3/32", True),
        (["34.71.64.3/32"], "34.71.64.3/32", False),  # listed, but not a whole family
        ([], "34.71.64.3/32", False),
    ],
)
def test_a_list_admits_a_whole_family_by_its_own_everyone_range_in_the_handler_and_the_checks(
    cidrs: list[str], cidr: str, admitted: bool
) -> None:
    assert handler.admits_whole_family(cidrs, cidr) is admitted
    assert probes.admits_whole_family(cidrs, cidr) is admitted


def test_access_entry_platform_versions_are_the_checks() -> None:
    # doctor plans each cluster with onboarding_checks.clusters (and re-exports its table).
    handler_table = dict(handler.ACCESS_ENTRY_PLATFORM_VERSIONS)
    assert handler_table == {version: f"eks.{minimum}" for version, minimum in clusters.ACCESS_ENTRY_PLATFORMS.items()}


def test_environment_defaults_are_what_the_construct_sets() -> None:
    stack = new_stack()
    EksDiscoveryAccess(
        stack,
        "Eks",
        cluster_name="prod",
        principal_arn="arn:aws:iam::111111111111:role/discovery",
    )
    functions = template_of(stack).find_resources(lambda_.CfnFunction.CFN_RESOURCE_TYPE_NAME)
    [function] = functions.values()
    environment = function["Properties"]["Environment"]["Variables"]
    assert environment["STATE_PARAMETER_PREFIX"] == handler.DEFAULT_STATE_PARAMETER_PREFIX == STATE_PARAMETER_PREFIX
    assert float(environment["POLL_INTERVAL_SECONDS"]) == float(handler.DEFAULT_POLL_INTERVAL_SECONDS)
    assert float(environment["TIME_BUDGET_SECONDS"]) == float(handler.DEFAULT_TIME_BUDGET_SECONDS)
    assert set(environment) == {"STATE_PARAMETER_PREFIX", "POLL_INTERVAL_SECONDS", "TIME_BUDGET_SECONDS"}


def test_verify_expects_the_coverage_report_as_often_as_the_sweep_rewrites_it() -> None:
    from onboarding_checks import verify
    from tests.handlers.coverage_harness import load_handler

    assert verify.REPORT_REFRESH.total_seconds() == load_handler().REPORT_REFRESH_SECONDS


# --- the estate-coverage function's copies ----------------------------------------------------------------

ROLE = "arn:aws:iam::111111111111:role/airs-discovery"
#: Every partition the library's ARN rules accept (onboarding_constructs._identifiers.PARTITION_PATTERN).
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-f", "aws-eusc")


class Reads(Mapping[str, str]):
    """An environment that remembers which variables were asked for, however they were asked for."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = dict(values)
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return self.values[key]

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return key in self.values

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("the handler reads its variables by name")

    def __len__(self) -> int:
        return len(self.values)


def deployed(value: Any, partition: str) -> str:
    """A synthesized environment value as the function sees it once deployed in ``partition``."""
    if isinstance(value, str):
        return value
    if value == {"Ref": "AWS::Partition"}:
        return partition
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(deployed(part, partition) for part in parts)
    raise AssertionError(f"no deployed value for {value!r}")


def construct_environment(**props: Any) -> dict[str, Any]:
    """The function's environment as synthesized (``bucket`` False: no bucket; default: an imported one)."""
    stack = new_stack()
    if props.pop("bucket", True):
        props["bucket"] = s3.Bucket.from_bucket_name(stack, "Logs", "airs-flow-logs")
    construct = EstateCoverage(stack, "Coverage", **props)
    function = template_of(stack).to_json()["Resources"][stack.get_logical_id(construct.function.node.default_child)]
    variables: dict[str, Any] = function["Properties"]["Environment"]["Variables"]
    return variables


@functools.cache
def deployed_environment(name: str) -> dict[str, str]:
    """The environment of ``COVERAGE_PROPS[name]``, deployed in the aws partition (synthesized once)."""
    return {k: deployed(v, "aws") for k, v in construct_environment(**COVERAGE_PROPS[name]).items()}


COVERAGE_PROPS = {
    "vpcs": {},
    "clusters-tagged": {"bucket": False, "cluster_coverage": ClusterCoverage.TAGGED, "discovery_role_arn": ROLE},
    "clusters-all-no-public-tag": {
        "bucket": False,
        "cluster_coverage": ClusterCoverage.ALL,
        "discovery_role_arn": ROLE,
        "public_endpoint_tag": None,
    },
    "vpcs-and-clusters": {"cluster_coverage": ClusterCoverage.TAGGED, "discovery_role_arn": ROLE},
}


def test_cluster_records_are_where_the_construct_grants_them() -> None:
    records = coverage.ClusterRecords(object(), "/airs-onboarding/coverage/prod")
    assert records.path == "/airs-onboarding/coverage/prod" + CLUSTER_RECORDS_SUFFIX
    assert records.name_of("c1") == f"/airs-onboarding/coverage/prod{CLUSTER_RECORDS_SUFFIX}/c1"


def test_cluster_coverages_are_none_and_the_librarys() -> None:
    assert coverage.CLUSTER_COVERAGES == ("none", *[c.value for c in ClusterCoverage])


def test_the_marker_tag_is_the_librarys() -> None:
    assert coverage.COVERAGE_TAG_KEY == COVERAGE_TAG_KEY


@pytest.mark.parametrize("name", COVERAGE_PROPS)
def test_the_handler_reads_every_variable_the_construct_writes(name: str) -> None:
    props = COVERAGE_PROPS[name]
    written = deployed_environment(name)
    environment = Reads(written)
    settings = coverage.read_settings(environment)
    # An empty PUBLIC_ENDPOINT_TAG_KEY switches the public-endpoint opt-in off: its value means nothing then.
    ignored = {"PUBLIC_ENDPOINT_TAG_VALUE"} if written.get("PUBLIC_ENDPOINT_TAG_KEY") == "" else set()
    assert set(written) - environment.asked == ignored
    assert settings.cover_vpcs == ("bucket" not in props)
    assert (settings.clusters is None) == ("cluster_coverage" not in props)


def test_the_handler_reads_no_variable_the_construct_never_writes() -> None:
    # Run reads two more, both optional and left out by the construct: TIME_BUDGET_SECONDS and
    # POLL_INTERVAL_SECONDS (below).
    written: set[str] = set()
    asked: set[str] = set()
    for name in COVERAGE_PROPS:
        environment = Reads(deployed_environment(name))
        coverage.read_settings(environment)
        written |= set(environment.values)
        asked |= environment.asked
    assert asked == written


def test_the_poll_interval_is_the_eks_handlers_default_and_the_construct_leaves_it_so() -> None:
    # Each cluster's EKS update is polled as often as a listed cluster's (EksDiscoveryAccess sets the same).
    assert float(coverage.DEFAULT_POLL_INTERVAL_SECONDS) == float(handler.DEFAULT_POLL_INTERVAL_SECONDS)
    for name in COVERAGE_PROPS:
        assert "POLL_INTERVAL_SECONDS" not in deployed_environment(name)


# The handler's ROLE_ARN is looser than the library's rule (which is the gate, at synth): it must accept
# whatever the library accepts, and still refuse what is no role ARN at all.
ROLE_ARNS = [
    ROLE,
    "arn:aws:iam::111111111111:role/path/to/airs-discovery",
    "arn:aws:iam::111111111111:role/a",
    "arn:aws:iam::111111111111:role/" + "r" * 64,
    "arn:aws:iam::111111111111:role/name+=,.@_-",
    "arn:aws-cn:iam::222222222222:role/airs-discovery",
    "arn:aws-us-gov:iam::333333333333:role/ops/airs-discovery",
    "arn:aws-iso-b:iam::444444444444:role/airs-discovery",
    "arn:aws-eusc:iam::555555555555:role/airs-discovery",
]
REFUSED_ROLE_ARNS = [
    "",
    "airs-discovery",
    "arn:aws:iam::11111111111:role/airs-discovery",  # 11 digits
    "arn:aws:iam::111111111111:user/airs-discovery",
    "arn:aws:iam::111111111111:role/",
    "arn:aws:sts::111111111111:assumed-role/airs-discovery/session",
    "arn:azure:iam::111111111111:role/airs-discovery",
    "arn:aws:iam::111111111111:role/airs discovery",
]


@pytest.mark.parametrize("arn", ROLE_ARNS)
def test_the_handler_accepts_every_role_arn_the_library_accepts(arn: str) -> None:
    assert role_arn_problem(arn) is None
    assert coverage.ROLE_ARN.fullmatch(arn)


@pytest.mark.parametrize("arn", REFUSED_ROLE_ARNS)
def test_the_handler_refuses_what_is_no_role_arn(arn: str) -> None:
    assert role_arn_problem(arn) is not None
    assert not coverage.ROLE_ARN.fullmatch(arn)


@pytest.mark.parametrize(
    "policy", [DEFAULT_ACCESS_POLICY, "AmazonEKSAdminViewPolicy", "AmazonEKSClusterAdminPolicy", "AmazonEKSEditPolicy"]
)
def test_the_handler_accepts_the_access_policy_arn_the_construct_writes_in_every_partition(policy: str) -> None:
    synthesized = construct_environment(
        bucket=False, cluster_coverage=ClusterCoverage.ALL, discovery_role_arn=ROLE, access_policy=policy
    )
    for partition in PARTITIONS:
        written = {k: deployed(v, partition) for k, v in synthesized.items()}
        assert written["ACCESS_POLICY_ARN"] == f"arn:{partition}:eks::aws:cluster-access-policy/{policy}"
        assert coverage.ACCESS_POLICY_ARN.fullmatch(written["ACCESS_POLICY_ARN"])
        role = f"arn:{partition}:iam::111111111111:role/airs-discovery"
        settings = coverage.read_settings({**written, "DISCOVERY_ROLE_ARN": role})
        assert settings.clusters is not None
        assert settings.clusters.access_policy_arn == written["ACCESS_POLICY_ARN"]


@pytest.mark.parametrize(
    "arn",
    [
        "AmazonEKSViewPolicy",
        "arn:aws:eks::aws:cluster-access-policy/",
        "arn:aws:eks::111111111111:cluster-access-policy/AmazonEKSViewPolicy",
        "arn:aws:iam::aws:policy/AmazonEKSViewPolicy",
    ],
)
def test_the_handler_refuses_what_is_no_access_policy_arn(arn: str) -> None:
    assert not coverage.ACCESS_POLICY_ARN.fullmatch(arn)
