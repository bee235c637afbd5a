"""``verify`` with ``eks.coverage: tagged`` or ``all``: the clusters of the coverage runner's report (SSM, in
moto), a row each, and the clusters in scope now that it does not list (the fake EKS, one item a page)."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from onboarding_checks.aws import Aws
from onboarding_checks.rules import Context
from onboarding_checks.verify import CLUSTER_REPORT, eks_cluster_coverage
from onboarding_config.loader import config_from_mapping
from onboarding_config.model import OnboardingConfig
from onboarding_config.output_groups import WIZARD
from tests.checks.conftest import Account
from tests.checks.coverage_account import STACK, findings
from tests.checks.test_coverage_verify import REPORT, outputs, put_text, written

TITLE = "EKS cluster coverage"
ROLE = "arn:aws:iam::123456789012:role/airs-discovery"
OPT_IN = {"airs-discovery": "on"}
EVERY = "every 60 minutes"
UNTAG = "remove the tag airs-discovery=on from the cluster"
COUNTS = {"Clusters": 0, "Opened": 0, "NotTagged": 0, "Refused": 0, "Failed": 0, "Reverted": 0, "Pending": 0}
NO_CLUSTERS_FIX = "run make deploy: the runner covers the clusters and writes them into its report"


def covering(coverage: str = "tagged", *, all_vpcs: bool = False, **eks: Any) -> OnboardingConfig:
    """A config whose runner opens clusters (``eks.coverage``); its flow logs listed, or ``all_vpcs``."""
    flow_logs = {"coverage": "all-vpcs"} if all_vpcs else {"subnet_ids": ["subnet-0a1b2c3d4e5f60718"]}
    return config_from_mapping(
        {
            "region": "us-east-1",
            "stack_name": STACK,
            "flow_logs": flow_logs,
            "eks": {"coverage": coverage, "discovery_role_arn": ROLE, **eks},
        }
    )


def put_report(
    account: Account,
    clusters: dict[str, dict[str, str]] | None,
    *,
    coverage: str = "tagged",
    at: datetime.datetime | None = None,
    counts: dict[str, int] | None = None,
    omitted_clusters: int | None = None,
) -> datetime.datetime:
    """The runner's report with ``clusters`` (None: a report without them) and no VPCs, as it writes it when
    it covers no VPC; the time it says it was written."""
    at = at or written()
    report: dict[str, Any] = {
        "owner": STACK,
        "generated_at": at.isoformat(),
        "trigger": "schedule",
        "cover_vpcs": False,
        "vpcs": {},
        "counts": {"Vpcs": 0, "Covered": 0, "Created": 0, "Removed": 0, "Excluded": 0, "Failed": 0},
    }
    if clusters is not None:
        report |= {"cluster_coverage": coverage, "clusters": clusters, "cluster_counts": counts or COUNTS}
    if omitted_clusters is not None:
        report["omitted_clusters"] = omitted_clusters
    put_text(account, json.dumps(report))
    return at


def age_row(at: datetime.datetime, counts: str = "") -> tuple[str, str, str, str]:
    detail = f"written 5 minutes ago ({at:%Y-%m-%d %H:%M} UTC, after schedule)" + (f": {counts}" if counts else "")
    return ("pass", REPORT, detail, "")


ZERO_COUNTS = "0 clusters, 0 opened, 0 not tagged, 0 refused, 0 failed, 0 reverted, 0 pending"


def rows(account: Account, config: OnboardingConfig | None = None) -> list[tuple[str, str, str, str]]:
    return findings(account, config or covering(), eks_cluster_coverage, outputs())


def test_a_row_for_the_report_then_each_cluster_problems_first(account: Account) -> None:
    fake = account.fake
    for name in ("created-eks", "existing-eks", "failed-eks", "pending-eks"):
        fake.add_cluster(name, tags=OPT_IN)
    fake.add_cluster("private-eks", public=False, tags=OPT_IN)
    fake.add_cluster("lab-eks")
    fake.add_cluster("left-eks")
    counts = {"Clusters": 7, "Opened": 2, "NotTagged": 1, "Refused": 1, "Failed": 1, "Reverted": 1, "Pending": 1}
    at = put_report(
        account,
        {
            "created-eks": {"state": "opened", "access_entry": "created"},
            "existing-eks": {"state": "opened", "access_entry": "existing"},
            "lab-eks": {"state": "not-tagged"},
            "private-eks": {"state": "refused", "reason": "EKS cluster 'private-eks' has no public endpoint"},
            "failed-eks": {"state": "failed", "reason": "UpdateClusterConfig failed: InvalidParameterException"},
            "pending-eks": {"state": "pending", "reason": "waiting for someone else's update of the cluster"},
            "left-eks": {"state": "reverted", "reason": "removed 34.71.64.3/32, 34.28.60.186/32"},
        },
        counts=counts,
    )
    assert rows(account) == [
        age_row(at, "7 clusters, 2 opened, 1 not tagged, 1 refused, 1 failed, 1 reverted, 1 pending"),
        (
            "fail",
            "failed-eks",
            "failed: UpdateClusterConfig failed: InvalidParameterException",
            f"fix the cause (the coverage function's log group has the details); the runner tries again {EVERY}",
        ),
        (
            "warn",
            "pending-eks",
            "pending: waiting for someone else's update of the cluster",
            f"nothing to do: the runner carries on at its next run ({EVERY}); verify again then",
        ),
        (
            "warn",
            "private-eks",
            "refused: EKS cluster 'private-eks' has no public endpoint",
            "tag the cluster airs-discovery-public-endpoint=allow to turn public access on for the discovery addresses"
            f" only, or {UNTAG}",
        ),
        ("pass", "created-eks", "opened; its access entry created by the runner", ""),
        ("pass", "existing-eks", "opened; its access entry existed already: left alone", ""),
        ("pass", "lab-eks", "not tagged airs-discovery=on: left alone", ""),
        (
            "pass",
            "left-eks",
            "reverted; removed 34.71.64.3/32, 34.28.60.186/32; its authentication mode stays as it is (EKS cannot"
            " undo the move to API_AND_CONFIG_MAP)",
            "",
        ),
    ]


def test_an_opened_cluster_with_a_reason_shows_it(account: Account) -> None:
    account.fake.add_cluster("prod-eks", tags=OPT_IN)
    put_report(account, {"prod-eks": {"state": "opened", "reason": "the endpoint is open to all addresses"}})
    assert rows(account)[1:] == [("pass", "prod-eks", "opened; the endpoint is open to all addresses", "")]


def test_the_fix_of_a_refused_cluster_is_for_the_cluster_as_it_is_now(account: Account) -> None:
    fake = account.fake
    fake.add_cluster("full-eks", cidrs=[f"198.51.{n}.0/24" for n in range(40)], tags=OPT_IN)
    fake.add_cluster("fixed-eks", tags=OPT_IN)  # public now: opened at the next run
    fake.add_cluster("untagged-eks", public=False)
    fake.add_cluster("busy-eks", status="UPDATING", public=False, tags=OPT_IN)
    refused = {"state": "refused", "reason": "see the log"}
    put_report(account, {name: refused for name in ("full-eks", "fixed-eks", "untagged-eks", "busy-eks", "gone-eks")})
    generic = f"do what the reason says, or {UNTAG}; the runner tries again {EVERY}"
    assert [(on, fix) for _, on, _, fix in rows(account)[1:]] == [
        ("busy-eks", generic),
        (
            "fixed-eks",
            f"nothing to do: the cluster changed since the report; the runner opens it at its next run ({EVERY})",
        ),
        ("full-eks", f"remove at least 2 CIDRs from the cluster's allow-list first, or {UNTAG}"),
        ("gone-eks", generic),
        (
            "untagged-eks",
            "nothing to do: the cluster is not tagged airs-discovery=on any more, so the runner leaves it",
        ),
    ]


def test_a_refused_cluster_the_credentials_may_not_describe_gets_the_general_fix(account: Account) -> None:
    account.fake.add_cluster("private-eks", public=False, tags=OPT_IN)
    account.fake.add_cluster("new-eks", tags=OPT_IN)  # not in the report: whether it is in scope needs its tags
    put_report(account, {"private-eks": {"state": "refused"}})
    account.fake.denied.add("DescribeCluster")
    assert rows(account)[1:] == [
        (
            "warn",
            REPORT,
            "not checked whether every cluster in scope is in the report: your credentials may not call"
            " eks:DescribeCluster",
            "allow eks:DescribeCluster to the identity running the check, or compare the clusters by hand",
        ),
        (
            "warn",
            "private-eks",
            "refused: no reason given",
            f"do what the reason says, or {UNTAG}; the runner tries again {EVERY}",
        ),
    ]


def test_a_cluster_tagged_since_the_report_warns_and_an_untagged_one_is_not_missed(account: Account) -> None:
    account.fake.add_cluster("old-eks", tags=OPT_IN)
    account.fake.add_cluster("new-eks", tags=OPT_IN)
    account.fake.add_cluster("lab-eks")
    at = put_report(account, {"old-eks": {"state": "opened", "access_entry": "created"}})
    assert rows(account)[1:] == [
        (
            "warn",
            "new-eks",
            f"in scope but not in the report of {at:%Y-%m-%d %H:%M} UTC (tagged since?): opened at the next run",
            f"verify again after the next run ({EVERY}; a change of its tags starts one sooner)",
        ),
        ("pass", "old-eks", "opened; its access entry created by the runner", ""),
    ]


def test_a_report_cut_to_8_kb_says_how_many_clusters_it_left_out_and_warns_for_none(account: Account) -> None:
    account.fake.add_cluster("left-out-eks", tags=OPT_IN)
    account.fake.add_cluster("private-eks", tags=OPT_IN)
    report = {"private-eks": {"state": "refused", "reason": "EKS cluster 'private-eks' has no public endpoint..."}}
    put_report(account, report, omitted_clusters=1)
    found = rows(account)[1:]
    assert found[-1] == (
        "pass",
        REPORT,
        "1 opened or untagged cluster(s) left out of the report to keep it within 8 KB (its counts include them)",
        "",
    )
    assert not [row for row in found if row[1] == "left-out-eks"]


def test_with_all_every_cluster_not_in_the_report_warns_without_describing_it(account: Account) -> None:
    account.fake.add_cluster("new-eks")
    at = put_report(account, {}, coverage="all")
    assert rows(account, covering("all"))[1:] == [
        (
            "warn",
            "new-eks",
            f"in scope but not in the report of {at:%Y-%m-%d %H:%M} UTC (created since?): opened at the next run",
            f"verify again after the next run ({EVERY}; a change of its tags starts one sooner)",
        )
    ]
    assert account.fake.calls.count("DescribeCluster") == 0


def test_clusters_are_listed_across_pages(account: Account) -> None:
    for n in range(3):
        account.fake.add_cluster(f"c{n}-eks", tags=OPT_IN)
    put_report(account, {})
    assert [on for _, on, _, _ in rows(account)[1:]] == ["c0-eks", "c1-eks", "c2-eks"]
    assert account.fake.calls.count("ListClusters") == 3


def test_without_list_clusters_the_report_rows_stay_and_a_warning_names_it(account: Account) -> None:
    put_report(account, {"prod-eks": {"state": "opened", "access_entry": "existing"}})
    account.fake.denied.add("ListClusters")
    assert rows(account)[1:] == [
        (
            "warn",
            REPORT,
            "not checked whether every cluster in scope is in the report: your credentials may not call"
            " eks:ListClusters",
            "allow eks:ListClusters to the identity running the check, or compare the clusters by hand",
        ),
        ("pass", "prod-eks", "opened; its access entry existed already: left alone", ""),
    ]


def test_a_report_without_clusters_fails(account: Account) -> None:
    at = put_report(account, None)
    assert rows(account) == [
        age_row(at),
        (
            "fail",
            REPORT,
            "the report lists no clusters: the runner has not covered any yet (eks.coverage: tagged deployed?)",
            NO_CLUSTERS_FIX,
        ),
    ]


def test_a_report_of_another_coverage_warns(account: Account) -> None:
    at = put_report(account, {}, coverage="all")
    assert rows(account) == [
        age_row(at, ZERO_COUNTS),
        (
            "warn",
            REPORT,
            "the report is of eks.coverage: all, the config's is tagged",
            "run make deploy, so the runner follows the config",
        ),
    ]


def test_a_state_the_runner_does_not_write_fails(account: Account) -> None:
    put_report(account, {"odd-eks": {"state": "covered"}})
    assert rows(account)[1:] == [
        (
            "fail",
            "odd-eks",
            "state 'covered' in the report, not one the runner writes",
            "run make deploy: the runner writes its report after each run",
        )
    ]


# The limit with hourly runs: a day (the runner rewrites an unchanged report daily), two runs, and 15 minutes.
@pytest.mark.parametrize(("minutes", "stale"), [(24 * 60 + 134, False), (24 * 60 + 135, True)])
def test_an_old_report_warns_as_the_vpc_coverage_does(account: Account, minutes: int, stale: bool) -> None:
    at = put_report(account, {}, at=written(datetime.timedelta(minutes=minutes, seconds=30)))
    detail = f"written {minutes} minutes ago ({at:%Y-%m-%d %H:%M} UTC, after schedule): {ZERO_COUNTS}"
    expected = (
        (
            "warn",
            REPORT,
            f"{detail}; the sweep runs every 60 minutes and rewrites its report at least daily, so it may not be"
            " running",
            "check the coverage sweep function's log group and its schedule (make deploy restores the schedule)",
        )
        if stale
        else ("pass", REPORT, detail, "")
    )
    assert rows(account) == [expected]


def test_no_report_fails_when_the_vpc_coverage_does_not_say_so(account: Account) -> None:
    assert rows(account) == [
        (
            "fail",
            REPORT,
            "no report: the sweep has not run yet",
            "check the log group of the stack's coverage sweep function for its errors, or run make deploy",
        )
    ]


def test_with_all_vpcs_the_report_itself_is_the_vpc_rules_row(account: Account) -> None:
    with_vpcs = covering(all_vpcs=True)
    assert rows(account, with_vpcs) == []  # no report: the VPCs' rule says so
    account.fake.add_cluster("prod-eks", tags=OPT_IN)
    put_report(account, {"prod-eks": {"state": "opened", "access_entry": "created"}})
    assert rows(account, with_vpcs) == [("pass", "prod-eks", "opened; its access entry created by the runner", "")]


@pytest.mark.parametrize("clusters", ["[]", '{"prod-eks": "opened"}'], ids=["a-list", "a-state-not-an-object"])
def test_a_report_with_clusters_that_are_not_the_runners_fails(account: Account, clusters: str) -> None:
    put_text(account, f'{{"generated_at": "2026-01-01T00:00:00Z", "vpcs": {{}}, "clusters": {clusters}}}')
    assert rows(account) == [
        (
            "fail",
            REPORT,
            "not a coverage report: clusters is not an object of cluster names and their states",
            "run make deploy: the sweep writes its report after each run",
        )
    ]


def test_listed_clusters_have_no_report_row(account: Account) -> None:
    aws = Aws(account.session, account.region)
    listed = config_from_mapping(
        {
            "region": "us-east-1",
            "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d4e5f60718"]},
            "eks": {"discovery_role_arn": ROLE, "clusters": [{"name": "prod-eks"}]},
        }
    )
    assert list(CLUSTER_REPORT.each(Context(config=listed, aws=aws, account="123456789012", outputs={}))) == []
    for coverage in ("tagged", "all"):
        context = Context(config=covering(coverage), aws=aws, account="123456789012", outputs=outputs())
        assert list(CLUSTER_REPORT.each(context)) == [REPORT]


# --- the command ------------------------------------------------------------------------------------------


def test_verify_shows_a_row_per_cluster_in_json(account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    account.fake.add_cluster("prod-eks", tags=OPT_IN)
    account.fake.add_cluster("batch-eks", tags=OPT_IN)
    put_report(
        account,
        {"prod-eks": {"state": "opened", "access_entry": "created"}, "batch-eks": {"state": "failed", "reason": "x"}},
    )
    account.fake.stacks[STACK] = [
        {"OutputKey": "CoverageReport", "OutputValue": REPORT, "Description": WIZARD},
    ]
    capsys.readouterr()
    config = {
        "stack_name": STACK,
        "flow_logs": {"coverage": "all-vpcs"},
        "eks": {"coverage": "tagged", "discovery_role_arn": ROLE},
    }
    code = account.run("verify", config, "--json")
    results = [r for r in json.loads(capsys.readouterr().out)["results"] if r["check"] == TITLE]
    assert [(r["target"], r["status"], r["detail"]) for r in results] == [
        ("batch-eks", "fail", "failed: x"),
        ("prod-eks", "pass", "opened; its access entry created by the runner"),
    ]
    assert code == 1
