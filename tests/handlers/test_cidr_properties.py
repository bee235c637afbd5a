"""Properties of the allow-list merge and its undo, over generated lists (hypothesis)."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from tests.handlers.conftest import load_handler

handler = load_handler()

#: Public IPv4 blocks (first octet 11-99 avoids private, loopback and reserved ranges).
public_cidrs = st.builds(
    lambda address, prefix: str(ipaddress.ip_network(f"{address}/{prefix}", strict=False)),
    st.builds("{}.{}.{}.{}".format, st.integers(11, 99), st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)),
    st.sampled_from([32, 28, 24, 16]),
)
cidr_lists = st.lists(public_cidrs, unique=True, max_size=15)
allowed_lists = st.lists(public_cidrs, unique=True, min_size=1, max_size=5)


def cluster(cidrs: list[str], *, private: bool = False) -> dict:
    return {
        "name": "prod",
        "status": "ACTIVE",
        "accessConfig": {"authenticationMode": "API"},
        "resourcesVpcConfig": {
            "endpointPublicAccess": True,
            "endpointPrivateAccess": private,
            "publicAccessCidrs": cidrs,
        },
        "kubernetesNetworkConfig": {"ipFamily": "ipv4"},
    }


def props(allowed: list[str]):
    return handler.Properties("prod", tuple(allowed), False)


@given(cidr_lists, allowed_lists)
def test_merge_keeps_existing_entries_verbatim_and_in_order(current: list[str], allowed: list[str]) -> None:
    merged = handler.merge_cidrs(current, allowed)
    assert merged[: len(current)] == current
    assert set(merged) == set(current) | set(allowed)
    assert len(merged) == len(set(merged))


@given(cidr_lists, allowed_lists)
def test_merge_is_idempotent(current: list[str], allowed: list[str]) -> None:
    once = handler.merge_cidrs(current, allowed)
    assert handler.merge_cidrs(once, allowed) == once


@given(cidr_lists, allowed_lists)
def test_add_then_undo_restores_the_original(current: list[str], allowed: list[str]) -> None:
    merged = handler.merge_cidrs(current, allowed)
    added = [c for c in merged if c not in current]
    assert handler.remove_cidrs(merged, added) == current


@given(cidr_lists.filter(bool), allowed_lists)
def test_planned_change_never_narrows_and_its_revert_restores(current: list[str], allowed: list[str]) -> None:
    change, record = handler.plan_endpoint(cluster(current), props(allowed), handler.Record())
    after = change["publicAccessCidrs"] if change else current
    assert after[: len(current)] == current  # nothing existing removed or reordered
    assert record.added_cidrs == [c for c in after if c not in current]
    revert, _ = handler.plan_revert(cluster(after), record, "prod")
    restored = revert["publicAccessCidrs"] if revert else after
    assert restored == current


@given(cidr_lists.filter(bool), allowed_lists)
def test_planning_again_after_applying_changes_nothing(current: list[str], allowed: list[str]) -> None:
    change, record = handler.plan_endpoint(cluster(current), props(allowed), handler.Record())
    after = change["publicAccessCidrs"] if change else current
    again, record_again = handler.plan_endpoint(cluster(after), props(allowed), record)
    assert again is None
    assert record_again == record


@given(cidr_lists, allowed_lists)
def test_an_endpoint_open_to_everyone_is_never_changed(current: list[str], allowed: list[str]) -> None:
    change, record = handler.plan_endpoint(cluster(["0.0.0.0/0", *current]), props(allowed), handler.Record())
    assert change is None and record.added_cidrs == []
