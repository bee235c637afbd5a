"""``doctor`` with ``eks.coverage: tagged`` or ``all``: before a deploy, what the coverage runner would do to
each cluster of the region, by the EKS handler's rules, on the fake EKS (one item a page)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from onboarding_checks.aws import Aws
from onboarding_checks.doctor import REGION_CLUSTERS, eks_cluster_coverage
from onboarding_checks.rules import Context
from onboarding_config.loader import config_from_mapping
from onboarding_config.model import OnboardingConfig
from tests.checks.conftest import Account
from tests.checks.coverage_account import STACK, findings

TITLE = "EKS cluster coverage"
REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/airs-discovery"
DISCOVERY = "34.71.64.3/32, 34.28.60.186/32"
OPT_IN = {"airs-discovery": "on"}
PUBLIC = {"airs-discovery-public-endpoint": "allow"}
MARK = {"airs-onboarding:coverage": STACK}
CONFIG_MAP_MOVES = (
    "authentication mode CONFIG_MAP -> API_AND_CONFIG_MAP (one way: EKS cannot undo it; aws-auth keeps working)"
)
CREATES_ENTRY = f"creates an access entry for {ROLE} (AmazonEKSViewPolicy, cluster scope)"
ENTRY_LEFT_ALONE = f"the access entry of {ROLE} exists already: left alone"
#: A discovery_role section: the stack creates the role.
DISCOVERY_ROLE = {
    "trusted_principal_arn": "arn:aws:iam::999999999999:role/discovery",
    "external_id": "airs-external-id",
}
UNTAG = "remove the tag airs-discovery=on from the cluster"
ACCEPT = f"nothing to do if that is acceptable; otherwise {UNTAG} before deploying"


def covering(coverage: str = "tagged", **eks: Any) -> OnboardingConfig:
    """A config whose coverage runner opens clusters (``eks.coverage``), with ``eks`` keys added."""
    return config_from_mapping(
        {
            "region": REGION,
            "stack_name": STACK,
            "flow_logs": {"coverage": "all-vpcs"},
            "eks": {"coverage": coverage, "discovery_role_arn": ROLE, **eks},
        }
    )


def rows(account: Account, config: OnboardingConfig | None = None) -> list[tuple[str, str, str, str]]:
    return findings(account, config or covering(), eks_cluster_coverage)


def test_a_row_for_each_tagged_cluster_problems_first_then_the_untagged_ones(account: Account) -> None:
    fake = account.fake
    fake.add_cluster("fresh-eks", auth_mode="CONFIG_MAP", cidrs=["203.0.113.0/24"], tags=OPT_IN)
    fake.add_cluster("open-eks", tags={**OPT_IN, "team": "a"})
    fake.access_entries[("open-eks", ROLE)] = []
    fake.add_cluster("private-eks", public=False, tags=OPT_IN)
    fake.add_cluster("other-value-eks", tags={"airs-discovery": "off"})
    fake.add_cluster("plain-eks")
    assert rows(account) == [
        (
            "warn",
            "fresh-eks",
            f"{CONFIG_MAP_MOVES}; adds {DISCOVERY} to the 1 CIDR(s) of its public endpoint (at most 40);"
            f" {CREATES_ENTRY}",
            ACCEPT,
        ),
        (
            "warn",
            "private-eks",
            "refused, nothing is changed: private-only, and discovery reaches clusters over the public endpoint",
            f"tag the cluster airs-discovery-public-endpoint=allow to turn public access on for the discovery addresses"
            f" only, or {UNTAG}",
        ),
        (
            "pass",
            "open-eks",
            "authentication mode API_AND_CONFIG_MAP: unchanged; public endpoint open to all addresses: unchanged;"
            f" {ENTRY_LEFT_ALONE}",
            "",
        ),
        (
            "pass",
            REGION,
            "2 cluster(s) not tagged airs-discovery=on, left alone (other-value-eks, plain-eks): tag one"
            " airs-discovery=on to open it",
            "",
        ),
    ]


def test_the_runners_own_access_entry_from_an_earlier_deploy_is_kept(account: Account) -> None:
    account.fake.add_cluster("prod-eks", tags={**OPT_IN, **MARK})
    account.fake.access_entries[("prod-eks", ROLE)] = []
    account.fake.access_entry_tags[("prod-eks", ROLE)] = MARK
    account.fake.add_cluster("team-eks", tags=OPT_IN)
    account.fake.access_entries[("team-eks", ROLE)] = []
    account.fake.access_entry_tags[("team-eks", ROLE)] = {"airs-onboarding:coverage": "OtherStack"}
    assert [(on, detail.rsplit("; ", 1)[-1]) for _, on, detail, _ in rows(account)] == [
        ("prod-eks", f"the access entry of {ROLE} is the runner's, from an earlier deploy: kept"),
        ("team-eks", ENTRY_LEFT_ALONE),
    ]


def test_a_private_only_cluster_with_the_public_endpoint_tag_gets_public_access_for_the_discovery_addresses(
    account: Account,
) -> None:
    account.fake.add_cluster("private-eks", auth_mode="API", public=False, tags={**OPT_IN, **PUBLIC})
    assert rows(account) == [
        (
            "warn",
            "private-eks",
            f"authentication mode API: unchanged; turns public access on for {DISCOVERY} only (tagged"
            f" airs-discovery-public-endpoint=allow); {CREATES_ENTRY}",
            ACCEPT,
        )
    ]


def test_the_public_endpoint_tag_counts_only_with_its_value(account: Account) -> None:
    account.fake.add_cluster("private-eks", public=False, tags={**OPT_IN, "airs-discovery-public-endpoint": "yes"})
    [(status, _, detail, _)] = rows(account)
    assert (status, detail) == (
        "warn",
        "refused, nothing is changed: private-only, and discovery reaches clusters over the public endpoint",
    )


def test_without_a_public_endpoint_tag_a_private_only_cluster_is_always_refused(account: Account) -> None:
    account.fake.add_cluster("private-eks", public=False, tags={**OPT_IN, **PUBLIC})
    assert rows(account, covering(public_endpoint_tag=None)) == [
        (
            "warn",
            "private-eks",
            "refused, nothing is changed: private-only, and discovery reaches clusters over the public endpoint",
            "set eks.public_endpoint_tag and tag the cluster with it to turn public access on for the discovery"
            f" addresses only, or {UNTAG}",
        )
    ]


def test_the_discovery_cidrs_that_would_pass_the_eks_limit_are_refused(account: Account) -> None:
    current = [f"198.51.{n}.0/24" for n in range(39)]
    account.fake.add_cluster("full-eks", cidrs=current, tags=OPT_IN)
    assert rows(account) == [
        (
            "warn",
            "full-eks",
            "refused, nothing is changed: 39 CIDRs on the allow-list; 2 more would pass the EKS limit of 40",
            f"remove at least 1 CIDRs from the cluster's allow-list first, or {UNTAG}",
        )
    ]


def test_only_the_discovery_cidrs_not_on_the_allow_list_yet_are_added(account: Account) -> None:
    current = [*(f"198.51.{n}.0/24" for n in range(38)), "34.71.64.3/32"]
    account.fake.add_cluster("nearly-full-eks", auth_mode="API", cidrs=current, tags=OPT_IN)
    [(status, _, detail, _)] = rows(account)
    assert status == "pass"
    assert "adds 34.28.60.186/32 to the 39 CIDR(s) of its public endpoint (at most 40)" in detail


def test_a_cluster_that_admits_the_discovery_addresses_already_is_left_as_it_is(account: Account) -> None:
    account.fake.add_cluster("done-eks", cidrs=["34.71.64.3/32", "34.28.60.186/32"], tags=OPT_IN)
    assert rows(account) == [
        (
            "pass",
            "done-eks",
            "authentication mode API_AND_CONFIG_MAP: unchanged; its public endpoint admits the discovery addresses"
            f" already: unchanged; {CREATES_ENTRY}",
            "",
        )
    ]


def test_ipv6_discovery_ranges_are_refused_on_an_ipv4_cluster_only(account: Account) -> None:
    account.fake.add_cluster("v4-eks", tags=OPT_IN)
    account.fake.add_cluster("v6-eks", ip_family="ipv6", tags=OPT_IN)
    config = covering(allowed_cidrs=["34.71.64.3/32", "2600:1f18::/36"])
    assert rows(account, config) == [
        (
            "warn",
            "v4-eks",
            "refused, nothing is changed: an IPv4 cluster: the IPv6 ranges 2600:1f18::/36 of eks.allowed_cidrs cannot"
            " be allowed on its endpoint",
            f"remove the IPv6 ranges from eks.allowed_cidrs, or {UNTAG}",
        ),
        (
            "pass",
            "v6-eks",
            f"authentication mode API_AND_CONFIG_MAP: unchanged; public endpoint open to all addresses: unchanged;"
            f" {CREATES_ENTRY}",
            "",
        ),
    ]


def test_a_cluster_that_is_not_active_is_opened_once_it_is(account: Account) -> None:
    account.fake.add_cluster("new-eks", status="CREATING", tags=OPT_IN)
    assert rows(account) == [
        (
            "warn",
            "new-eks",
            "CREATING, not ACTIVE: the runner opens it once it is (it tries again at each run)",
            "nothing to do; run make doctor again once the cluster is ACTIVE to see what a deploy changes on it",
        )
    ]


def test_a_platform_without_access_entries_is_refused(account: Account) -> None:
    account.fake.add_cluster("old-eks", version="1.28", platform_version="eks.5", auth_mode="CONFIG_MAP", tags=OPT_IN)
    assert rows(account) == [
        (
            "warn",
            "old-eks",
            "refused, nothing is changed: Kubernetes 1.28, platform eks.5 has no access entries",
            f"update the cluster to platform version eks.6 or later (the runner opens it at its next run), or {UNTAG}",
        )
    ]


def test_a_cluster_the_runner_changed_that_is_untagged_now_is_reverted(account: Account) -> None:
    account.fake.add_cluster("left-eks", tags=MARK)
    account.fake.add_cluster("other-stack-eks", tags={"airs-onboarding:coverage": "OtherStack"})
    assert rows(account) == [
        (
            "pass",
            "left-eks",
            "not tagged airs-discovery=on any more: the runner undoes what it did (the CIDRs it added, public access if"
            " it turned it on, its access entry if it created it); the authentication mode stays API_AND_CONFIG_MAP"
            " (EKS cannot undo it)",
            "",
        ),
        (
            "pass",
            REGION,
            "1 cluster(s) not tagged airs-discovery=on, left alone (other-stack-eks): tag one airs-discovery=on to"
            " open it",
            "",
        ),
    ]


def test_the_opt_in_tag_of_the_config_is_the_one_that_counts(account: Account) -> None:
    account.fake.add_cluster("team-eks", tags={"discovery": "yes"})
    account.fake.add_cluster("default-tag-eks", tags=OPT_IN)
    config = covering(opt_in_tag={"key": "discovery", "value": "yes"})
    assert [(status, on) for status, on, _, _ in rows(account, config)] == [("pass", "team-eks"), ("pass", REGION)]
    assert rows(account, config)[1][2] == (
        "1 cluster(s) not tagged discovery=yes, left alone (default-tag-eks): tag one discovery=yes to open it"
    )


def test_the_summary_names_five_clusters_and_counts_the_rest(account: Account) -> None:
    for n in range(7):
        account.fake.add_cluster(f"c{n}-eks")
    assert rows(account) == [
        (
            "pass",
            REGION,
            "7 cluster(s) not tagged airs-discovery=on, left alone (c0-eks, c1-eks, c2-eks, c3-eks, c4-eks and 2 more):"
            " tag one airs-discovery=on to open it",
            "",
        )
    ]


def test_all_covers_every_cluster_and_says_how_to_leave_one_out(account: Account) -> None:
    account.fake.add_cluster("plain-eks", auth_mode="CONFIG_MAP")
    account.fake.add_cluster("private-eks", public=False)
    assert rows(account, covering("all")) == [
        (
            "warn",
            "plain-eks",
            f"{CONFIG_MAP_MOVES}; public endpoint open to all addresses: unchanged; {CREATES_ENTRY}",
            "nothing to do if that is acceptable; otherwise set eks.coverage: tagged and leave the cluster untagged"
            " before deploying",
        ),
        (
            "warn",
            "private-eks",
            "refused, nothing is changed: private-only, and discovery reaches clusters over the public endpoint",
            "tag the cluster airs-discovery-public-endpoint=allow to turn public access on for the discovery addresses"
            " only, or set eks.coverage: tagged and leave the cluster untagged",
        ),
    ]


@pytest.mark.parametrize(
    ("coverage", "later"), [("tagged", "tagged airs-discovery=on"), ("all", "created")], ids=["tagged", "all"]
)
def test_a_region_without_clusters_says_so(account: Account, coverage: str, later: str) -> None:
    assert rows(account, covering(coverage)) == [
        (
            "pass",
            REGION,
            f"no EKS clusters in account 123456789012, {REGION} yet: the runner opens each one {later} later",
            "",
        )
    ]


def test_with_a_discovery_role_the_stack_creates_the_entry_is_for_that_role(account: Account) -> None:
    account.fake.add_cluster("prod-eks", tags=OPT_IN)
    config = config_from_mapping(
        {
            "region": REGION,
            "flow_logs": {"coverage": "all-vpcs"},
            "eks": {"coverage": "tagged"},
            "discovery_role": DISCOVERY_ROLE,
        }
    )
    [(status, _, detail, _)] = rows(account, config)
    assert status == "pass"
    assert detail.endswith("; creates an access entry for the stack's discovery role (AmazonEKSViewPolicy)")


def test_clusters_are_listed_across_pages_and_each_described_once(account: Account) -> None:
    for n in range(3):
        account.fake.add_cluster(f"c{n}-eks", tags=OPT_IN)
    assert [on for _, on, _, _ in rows(account)] == ["c0-eks", "c1-eks", "c2-eks"]
    calls = account.fake.calls
    assert (calls.count("ListClusters"), calls.count("DescribeCluster"), calls.count("DescribeAccessEntry")) == (
        3,
        3,
        3,
    )


def test_a_cluster_deleted_between_the_list_and_its_description_is_skipped(account: Account) -> None:
    account.fake.add_cluster("gone-eks", tags=OPT_IN)
    account.fake.add_cluster("here-eks", tags=OPT_IN)

    def delete_once_listed(params: dict[str, Any], **_kwargs: Any) -> None:
        if params["url_path"].endswith("/gone-eks"):
            account.fake.clusters.pop("gone-eks")

    account.session.events.register("before-call.eks.DescribeCluster", delete_once_listed)
    assert [on for _, on, _, _ in rows(account)] == ["here-eks"]


# --- what the credentials may not read --------------------------------------------------------------------


@pytest.mark.parametrize("operation", ["ListClusters", "DescribeCluster"])
def test_a_cluster_read_the_credentials_may_not_make_is_a_warning_naming_it(account: Account, operation: str) -> None:
    account.fake.add_cluster("prod-eks", tags=OPT_IN)
    account.fake.denied.add(operation)
    assert rows(account) == [
        (
            "warn",
            REGION,
            f"not checked: your credentials may not call eks:{operation}",
            f"allow eks:{operation} to the identity running the check, or check this by hand",
        )
    ]


def test_an_access_entry_the_credentials_may_not_read_warns_on_its_cluster_and_the_rest_is_shown(
    account: Account,
) -> None:
    account.fake.add_cluster("prod-eks", auth_mode="CONFIG_MAP", tags=OPT_IN)
    account.fake.denied.add("DescribeAccessEntry")
    assert rows(account) == [
        (
            "warn",
            "prod-eks",
            f"{CONFIG_MAP_MOVES}; public endpoint open to all addresses: unchanged; whether {ROLE} has an access entry"
            " is not checked: your credentials may not call eks:DescribeAccessEntry",
            f"{ACCEPT}; allow eks:DescribeAccessEntry to the identity running the check",
        )
    ]


# --- which configs run it ------------------------------------------------------------------------------------


def test_listed_coverage_has_no_clusters_for_the_runner(account: Account) -> None:
    aws = Aws(account.session, account.region)
    listed = config_from_mapping(
        {
            "region": REGION,
            "flow_logs": {"coverage": "all-vpcs"},
            "eks": {"discovery_role_arn": ROLE, "clusters": [{"name": "prod-eks"}]},
        }
    )
    no_eks = config_from_mapping({"region": REGION, "flow_logs": {"coverage": "all-vpcs"}})
    for config in (listed, no_eks):
        assert list(REGION_CLUSTERS.each(Context(config=config, aws=aws, account=account.account_id))) == []
    for coverage in ("tagged", "all"):
        context = Context(config=covering(coverage), aws=aws, account=account.account_id)
        assert list(REGION_CLUSTERS.each(context)) == [REGION]


def test_doctor_shows_a_row_per_cluster_in_json_and_no_listed_cluster_rows(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    account.fake.add_cluster("prod-eks", auth_mode="CONFIG_MAP", tags=OPT_IN)
    account.fake.add_cluster("batch-eks", tags=OPT_IN)
    account.fake.add_cluster("lab-eks")
    capsys.readouterr()
    config = {
        "stack_name": STACK,
        "flow_logs": {"coverage": "all-vpcs"},
        "eks": {"coverage": "tagged", "discovery_role_arn": ROLE},
    }
    code = account.run("doctor", config, "--json")
    results = [r for r in json.loads(capsys.readouterr().out)["results"] if r["check"].startswith("EKS")]
    assert [(r["check"], r["target"], r["status"]) for r in results] == [
        (TITLE, "prod-eks", "warn"),
        (TITLE, "batch-eks", "pass"),
        (TITLE, REGION, "pass"),
    ]
    assert results[0]["fix"] == ACCEPT
    assert code == 0  # warnings alone do not fail the run: a refused cluster does not fail the deploy either
