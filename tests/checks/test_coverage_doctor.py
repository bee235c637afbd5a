"""``doctor`` with ``flow_logs.coverage: all-vpcs``: what the sweep would find on each VPC of the region,
from one read of the VPCs and one of all flow logs, on moto's EC2 paged one item at a time."""

from __future__ import annotations

import json
from typing import Any

import pytest

from onboarding_checks.aws import Aws
from onboarding_checks.doctor import REGION_VPCS, flow_log_coverage
from onboarding_checks.rules import Context
from onboarding_config.loader import config_from_mapping
from tests.checks.conftest import Account
from tests.checks.coverage_account import (
    BUCKET,
    FULL,
    STACK,
    SWEEPS,
    all_vpcs,
    default_vpc,
    findings,
    flow_log,
    no_default_vpc,
    vpc,
)

TITLE = "flow log coverage"
GETS_ONE = "gets a flow log from the sweep ({} of at most 2 now)"
TAG_IT = "delete one of them, or tag the VPC airs-discovery=off to leave it out"


def full_detail(count: int, ids: list[str]) -> str:
    return (
        f"has {count} flow logs ({', '.join(ids)}), the most AWS allows, none of them with the config's bucket and"
        " settings: the sweep cannot add one"
    )


def test_each_vpc_gets_a_row_problems_first(account: Account) -> None:
    default = default_vpc(account)
    new = vpc(account, 1)
    one = vpc(account, 2)
    flow_log(account, one, "other-logs-a")
    full = vpc(account, 3)
    full_logs = [flow_log(account, full, "other-logs-a"), flow_log(account, full, "other-logs-b")]
    excluded = vpc(account, 4, {"airs-discovery": "off"})
    flow_log(account, excluded, "other-logs-a")
    flow_log(account, excluded, "other-logs-b")
    covered = vpc(account, 5)
    covered_log = flow_log(account, covered, BUCKET, like_the_sweep=True)
    partial = vpc(account, 6)
    flow_log(account, partial, BUCKET, log_format=FULL)  # the bucket and format, but daily partitions
    passes = sorted(
        [
            ("pass", default, GETS_ONE.format(0), ""),
            ("pass", new, GETS_ONE.format(0), ""),
            ("pass", one, GETS_ONE.format(1), ""),
            ("pass", excluded, "excluded by tag airs-discovery=off", ""),
            ("pass", covered, f"covered already: {covered_log} logs to arn:aws:s3:::{BUCKET}", ""),
            ("pass", partial, GETS_ONE.format(1), ""),
        ],
        key=lambda row: row[1],
    )
    assert findings(account, all_vpcs(bucket={"existing_name": BUCKET}), flow_log_coverage) == [
        ("fail", full, full_detail(2, full_logs), TAG_IT),
        *passes,
    ]


def test_the_sweeps_own_flow_log_covers_before_the_bucket_is_known(account: Account) -> None:
    no_default_vpc(account)
    swept = vpc(account, 1)
    swept_log = flow_log(account, swept, "airsonboarding-flowlogbucket-1a2b", like_the_sweep=True, tags=SWEEPS)
    others = vpc(account, 2)
    other_logs = [
        flow_log(account, others, "other-logs-a", log_format=FULL, tags={"airs-onboarding:coverage": "OtherStack"}),
        flow_log(account, others, "other-logs-b", log_format=FULL),
    ]
    # No bucket name in the config: CloudFormation names the bucket, so only the sweep's tag says what is ours.
    assert findings(account, all_vpcs(), flow_log_coverage) == [
        ("fail", others, full_detail(2, other_logs), TAG_IT),
        ("pass", swept, f"covered already: {swept_log} logs to arn:aws:s3:::airsonboarding-flowlogbucket-1a2b", ""),
    ]


def test_the_sweeps_own_flow_log_with_other_settings_is_replaced_even_at_the_limit(account: Account) -> None:
    """The config changed since the sweep made it: the sweep replaces it (removing it first at the limit)."""
    no_default_vpc(account)
    both = vpc(account, 1)
    flow_log(account, both, "other-logs-a")
    ours = flow_log(account, both, "other-logs-b", tags=SWEEPS)  # the default format: not the config's
    assert findings(account, all_vpcs(), flow_log_coverage) == [
        ("pass", both, f"the sweep replaces {ours}: its settings are not the config's", "")
    ]


def test_a_flow_log_matches_only_with_every_setting_of_the_config(account: Account) -> None:
    no_default_vpc(account)
    parquet = vpc(account, 1)
    flow_log(account, parquet, BUCKET, like_the_sweep=True)
    config = all_vpcs(bucket={"existing_name": BUCKET}, file_format="parquet")
    assert findings(account, config, flow_log_coverage) == [("pass", parquet, GETS_ONE.format(1), "")]
    same = all_vpcs(bucket={"existing_name": BUCKET})
    assert findings(account, same, flow_log_coverage)[0][2].startswith("covered already: ")


def test_an_exclude_tag_of_the_config_leaves_out_only_its_key_and_value(account: Account) -> None:
    no_default_vpc(account)
    sandbox = vpc(account, 1, {"team": "sandbox"})
    default_tag = vpc(account, 2, {"airs-discovery": "off"})
    other_case = vpc(account, 3, {"team": "Sandbox"})
    flow_log(account, other_case, "other-logs-a")
    config = all_vpcs(exclude_tag={"key": "team", "value": "sandbox"})
    assert findings(account, config, flow_log_coverage) == sorted(
        [
            ("pass", sandbox, "excluded by tag team=sandbox", ""),
            ("pass", default_tag, GETS_ONE.format(0), ""),
            ("pass", other_case, GETS_ONE.format(1), ""),
        ],
        key=lambda row: row[1],
    )


def test_with_no_exclude_tag_nothing_is_left_out_and_the_fix_says_how(account: Account) -> None:
    no_default_vpc(account)
    tagged = vpc(account, 1, {"airs-discovery": "off"})
    ids = [flow_log(account, tagged, "other-logs-a"), flow_log(account, tagged, "other-logs-b")]
    assert findings(account, all_vpcs(exclude_tag=None), flow_log_coverage) == [
        (
            "fail",
            tagged,
            full_detail(2, ids),
            "delete one of them, or set flow_logs.exclude_tag and tag the VPC with it",
        )
    ]


def test_a_region_without_vpcs_says_so(account: Account) -> None:
    no_default_vpc(account)
    assert findings(account, all_vpcs(), flow_log_coverage) == [
        (
            "pass",
            "us-east-1",
            "no VPCs in account 123456789012, us-east-1 yet: the sweep covers each one created later",
            "",
        )
    ]


def test_a_vpc_shared_by_another_account_is_left_to_its_owner(account: Account) -> None:
    no_default_vpc(account)
    own, shared = vpc(account, 1), vpc(account, 2)

    def shared_with_us(parsed: dict[str, Any], **_kwargs: Any) -> None:
        for each in parsed.get("Vpcs", []):
            if each["VpcId"] == shared:
                each["OwnerId"] = "210987654321"

    account.session.events.register("after-call.ec2.DescribeVpcs", shared_with_us)
    assert findings(account, all_vpcs(), flow_log_coverage) == [("pass", own, GETS_ONE.format(0), "")]


def test_vpcs_and_flow_logs_are_each_read_once_across_pages(account: Account) -> None:
    vpcs = [default_vpc(account), *(vpc(account, n) for n in (1, 2, 3))]
    flow_log(account, vpcs[1], "other-logs-a")
    flow_log(account, vpcs[1], "other-logs-b")
    flow_log(account, vpcs[2], "other-logs-a")
    account.fake.ec2_pages.clear()
    asked: list[dict[str, Any]] = []
    account.session.events.register("before-call.ec2.DescribeFlowLogs", lambda params, **_: asked.append(params))
    rows = findings(account, all_vpcs(), flow_log_coverage)
    assert sorted(on for _, on, _, _ in rows) == sorted(vpcs)
    # one item a page: four pages of VPCs, three of flow logs, and no flow-log call per VPC
    assert account.fake.ec2_pages.count("DescribeVpcs") == 4
    assert account.fake.ec2_pages.count("DescribeFlowLogs") == 3
    assert not any(key.startswith("Filter") for params in asked for key in params["body"]), asked


@pytest.mark.parametrize("operation", ["DescribeVpcs", "DescribeFlowLogs"])
def test_a_read_the_credentials_may_not_make_is_a_warning_naming_it(account: Account, operation: str) -> None:
    account.fake.denied.add(operation)
    assert findings(account, all_vpcs(), flow_log_coverage) == [
        (
            "warn",
            "us-east-1",
            f"not checked: your credentials may not call ec2:{operation}",
            f"allow ec2:{operation} to the identity running the check, or check this by hand",
        )
    ]


def test_listed_coverage_has_no_region_to_sweep(account: Account) -> None:
    listed = config_from_mapping({"region": "us-east-1", "flow_logs": {"subnet_ids": ["subnet-0a1b2c3d4e5f60718"]}})
    context = Context(config=listed, aws=Aws(account.session, account.region), account=account.account_id)
    assert list(REGION_VPCS.each(context)) == []
    assert list(REGION_VPCS.each(Context(config=all_vpcs(), aws=context.aws, account=account.account_id))) == [
        "us-east-1"
    ]


# --- the command ------------------------------------------------------------------------------------------


def test_doctor_shows_a_row_per_vpc_and_no_listed_rows(account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    default = default_vpc(account)
    full = vpc(account, 1)
    flow_log(account, full, "other-logs-a")
    flow_log(account, full, "other-logs-b")
    capsys.readouterr()
    code = account.run("doctor", {"stack_name": STACK, "flow_logs": {"coverage": "all-vpcs"}}, "--json")
    results = json.loads(capsys.readouterr().out)["results"]
    assert [(r["check"], r["target"], r["status"]) for r in results] == [
        (TITLE, full, "fail"),
        (TITLE, default, "pass"),
    ]
    assert code == 1


def test_doctor_table_names_each_vpc_in_the_on_column(account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    no_default_vpc(account)
    first, second = vpc(account, 1), vpc(account, 2, {"airs-discovery": "off"})
    capsys.readouterr()
    code = account.run("doctor", {"flow_logs": {"coverage": "all-vpcs"}})
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split()[:5] for line in lines if TITLE in line]
    assert rows == sorted([["PASS", "flow", "log", "coverage", first], ["PASS", "flow", "log", "coverage", second]])
    assert lines[-1] == "2 passed, 0 warnings, 0 failed"
    assert code == 0


def test_listed_coverage_runs_no_coverage_rule(account: Account, capsys: pytest.CaptureFixture[str]) -> None:
    subnet = account.client("ec2").create_subnet(VpcId=default_vpc(account), CidrBlock="172.31.200.0/24")
    capsys.readouterr()
    account.run("doctor", {"flow_logs": {"subnet_ids": [subnet["Subnet"]["SubnetId"]]}}, "--json")
    checks = [r["check"] for r in json.loads(capsys.readouterr().out)["results"]]
    assert "flow log target" in checks and TITLE not in checks


def test_an_excluded_vpc_loses_the_sweeps_flow_log(account: Account) -> None:
    no_default_vpc(account)
    left = vpc(account, 1, {"airs-discovery": "off"})
    swept = flow_log(account, left, "airsonboarding-flowlogbucket-1a2b", log_format=FULL, tags=SWEEPS)
    flow_log(account, left, "other-logs-a", tags={"airs-onboarding:coverage": "OtherStack"})
    assert findings(account, all_vpcs(), flow_log_coverage) == [
        ("pass", left, f"excluded by tag airs-discovery=off; the sweep removes its flow log(s) {swept}", "")
    ]
