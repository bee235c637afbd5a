"""The handler's copies of the library's rules and limits (it cannot import the library) equal the library's.

A constant is compared with the library's; a rule (a pattern, a check) is compared by what it answers
over a table of inputs, so two spellings of the same rule pass and two different rules fail.
"""

from __future__ import annotations

import pytest
from aws_cdk import aws_lambda as lambda_

from onboarding_checks import doctor, probes
from onboarding_constructs import DISCOVERY_CIDRS, STATE_PARAMETER_PREFIX, EksDiscoveryAccess
from onboarding_constructs.validation import (
    CLUSTER_NAME_PATTERN,
    MAX_CUSTOM_RESOURCE_RESPONSE_BYTES,
    MAX_PUBLIC_ACCESS_CIDRS,
    canonical_cidr,
    cluster_name_problem,
    public_cidr_problem,
)
from tests.conftest import new_stack, template_of
from tests.handlers.conftest import load_handler

handler = load_handler()

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


def test_access_entry_platform_versions_are_doctors() -> None:
    handler_table = dict(handler.ACCESS_ENTRY_PLATFORM_VERSIONS)
    assert handler_table == {version: f"eks.{minimum}" for version, minimum in doctor.ACCESS_ENTRY_PLATFORMS.items()}


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
