"""doctor and verify with an organization config, against a fake organization (moto's Organizations and
STS, each member account's EC2, S3, SSM and IAM in moto, its stacks in ``MemberStacks``): the checks of
the administrator account, a row per account and region, the management account skipped, a role that
cannot be assumed, the stack instance's states, the hand-off files, and the bound on concurrency."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from moto.organizations.models import FakeDelegatedAdministrator
from rich.console import Console

import onboarding_checks.fleet as fleet
from onboarding_checks.aws import Aws
from onboarding_checks.organization import STACKSETS_PRINCIPAL, stacksets_administrator
from onboarding_checks.rules import Context
from onboarding_checks.runner import run_checks
from onboarding_config.loader import config_from_mapping
from tests.checks.conftest import SHARED_LOADER
from tests.checks.fake_organization import MANAGEMENT, REGIONS, STACK_SET, STACKSETS, Organization, build
from tests.checks.fake_services import PASSTHROUGH

MANAGEMENT_SKIPPED = "skipped: StackSets never deploy to the management account"


@pytest.fixture
def org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Organization]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGIONS[0],
        "AWS_EC2_METADATA_DISABLED": "true",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # the hand-off goes to ./cdk.out
    with mock_aws(config=PASSTHROUGH):
        core = botocore.session.get_session()
        core.register_component("data_loader", SHARED_LOADER)
        yield build(boto3.Session(botocore_session=core, region_name=REGIONS[0]), tmp_path)


def deployed(org: Organization) -> Organization:
    """Every member account and region with a working stack instance."""
    for account in org.members:
        for region in REGIONS:
            org.deploy(account, region)
    return org


def run_json(
    org: Organization, command: str, config: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, Any], str]:
    code = org.run(command, config, "--json")
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def rows_of(document: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(row["account"], row["region"], row["status"]) for row in document["rows"]]


# --- a row per account and region ------------------------------------------------------------------------


def test_verify_has_a_row_per_account_and_region_and_one_for_the_management_account(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed(org)
    code, document, _ = run_json(org, "verify", org.config(), capsys)
    assert code == 0
    a, b, c = org.members
    assert rows_of(document) == [
        (a, "us-east-1", "pass"),
        (a, "us-west-2", "pass"),
        (b, "us-east-1", "pass"),
        (b, "us-west-2", "pass"),
        (c, "us-east-1", "pass"),  # in the child OU team: a StackSet on an OU deploys to its child OUs too
        (c, "us-west-2", "pass"),
        (MANAGEMENT, None, "skipped"),
    ]
    assert org.outsider not in {row["account"] for row in document["rows"]}  # in an OU the config does not name
    management = document["rows"][-1]
    assert management["skipped"] == MANAGEMENT_SKIPPED and management["results"] == []
    first = document["rows"][0]
    assert first["worst"] is None
    checks = [r["check"] for r in first["results"]]
    assert checks[0] == "stack instance" and "flow log coverage" in checks and "EKS cluster coverage" in checks
    assert first["summary"] == {"pass": len(first["results"]), "warn": 0, "fail": 0}
    assert document["rows_by_status"] == {"pass": 6, "warn": 0, "fail": 0, "skipped": 1}


def test_the_worst_finding_of_a_row_is_its_first_failure_else_its_first_warning(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed(org)
    a, b, _ = org.members
    org.deploy(a, "us-west-2", refused_clusters=1)
    org.deploy(b, "us-east-1", failed_vpcs=1, refused_clusters=1)
    code, document, _ = run_json(org, "verify", org.config(), capsys)
    assert code == 1
    rows = {(row["account"], row["region"]): row for row in document["rows"]}
    warned = rows[(a, "us-west-2")]
    assert warned["status"] == "warn" and warned["summary"]["warn"] == 1 and warned["summary"]["fail"] == 0
    assert (warned["worst"]["check"], warned["worst"]["target"]) == ("EKS cluster coverage", "batch-0")
    assert warned["worst"]["detail"] == "refused: private-only, and no public endpoint tag"
    failed = rows[(b, "us-east-1")]
    assert failed["status"] == "fail" and failed["summary"]["warn"] == 1 and failed["summary"]["fail"] == 1
    assert (failed["worst"]["check"], failed["worst"]["target"]) == ("flow log coverage", "vpc-0bad0000000000000")
    assert failed["worst"]["detail"] == "not covered: has 2 flow logs, the most AWS allows"
    assert document["rows_by_status"] == {"pass": 4, "warn": 1, "fail": 1, "skipped": 1}


def test_the_table_has_a_line_per_account_and_region_then_the_problems_with_their_fixes(
    org: Organization, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: a line per row
    deployed(org)
    _, b, _ = org.members
    org.deploy(b, "us-east-1", failed_vpcs=1)
    code = org.run("verify", org.config())
    out = capsys.readouterr().out
    assert code == 1
    summary, details = out.split("The warnings and failures of each account and region", 1)
    lines = [line.split() for line in summary.splitlines() if line.strip().startswith(("PASS", "FAIL", "WARN", "SKIP"))]
    # The administrator account's checks first (trusted access, the administrator, the OU and its accounts).
    administrator = [line for line in lines if len(line) > 1 and not line[1].isdigit()]
    assert [line[0] for line in administrator][:2] == ["PASS", "PASS"]
    accounts = [(line[0], line[1], line[3]) for line in lines if len(line) > 3 and line[1].isdigit()]
    assert accounts[:-1] == [
        ("PASS", org.members[0], "us-east-1"),
        ("PASS", org.members[0], "us-west-2"),
        ("FAIL", b, "us-east-1"),
        ("PASS", b, "us-west-2"),
        ("PASS", org.members[2], "us-east-1"),
        ("PASS", org.members[2], "us-west-2"),
    ]
    assert accounts[-1] == ("SKIPPED", MANAGEMENT, "-")
    assert "flow log coverage (vpc-0bad0000000000000): not covered" in " ".join(summary.split())
    assert f"verify: account {b} ({org.names[b]}), us-east-1" in details
    assert "fix: fix the cause (at the 2 flow logs AWS allows" in " ".join(details.split())
    assert "6 account-region row(s): 5 passed, 0 with warnings, 1 failed; 1 account(s) skipped" in details


def test_doctor_checks_every_account_and_region_before_a_deploy(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b, c = org.members
    # Two flow logs on a VPC of b's us-west-2, none of them the sweep's: it cannot add one.
    ec2 = org.as_member(b).client("ec2", region_name="us-west-2")
    vpc = org.vpcs(b, "us-west-2")[0]
    for n in range(2):
        bucket = f"someone-elses-logs-{n}-{b}"
        org.as_member(b).client("s3", region_name="us-west-2").create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"}
        )
        ec2.create_flow_logs(
            ResourceIds=[vpc],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=f"arn:aws:s3:::{bucket}",
        )
    code, document, _ = run_json(org, "doctor", org.config(), capsys)
    assert code == 1
    assert rows_of(document) == [
        (a, "us-east-1", "pass"),
        (a, "us-west-2", "pass"),
        (b, "us-east-1", "pass"),
        (b, "us-west-2", "fail"),
        (c, "us-east-1", "pass"),
        (c, "us-west-2", "pass"),
        (MANAGEMENT, None, "skipped"),
    ]
    worst = document["rows"][3]["worst"]
    assert (worst["check"], worst["target"]) == ("flow log coverage", vpc)
    assert "the sweep cannot add one" in worst["detail"]
    assert not (Path("cdk.out") / "airs-handoff.csv").exists()  # doctor writes no hand-off


# --- the administrator account ---------------------------------------------------------------------------


def administrator_results(document: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(r["check"], r["target"], r["status"], r["detail"]) for r in document["administrator"]["results"]]


def test_doctor_checks_the_administrator_account_first(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    code, document, _ = run_json(org, "doctor", org.config(), capsys)
    a, b, c = org.members
    assert administrator_results(document) == [
        ("StackSets trusted access", "organization", "pass", f"on ({STACKSETS})"),
        ("StackSets administrator", MANAGEMENT, "pass", "the management account (call_as: SELF)"),
        (
            "organizational unit",
            org.workloads,
            "pass",
            f"workloads: 4 account(s), 1 child OU(s); the StackSet deploys to 3 ({a}, {b}, {c})",
        ),
        (
            "organizational unit",
            f"{MANAGEMENT} ({org.names[MANAGEMENT]})",
            "pass",
            f"{MANAGEMENT_SKIPPED}: onboard it with a config without an organization section",
        ),
        (
            "target accounts",
            "organization",
            "pass",
            "3 account(s) x 2 region(s) (us-east-1, us-west-2), checked through the role OrganizationAccountAccessRole",
        ),
    ]
    assert document["organization"]["management_account"] == MANAGEMENT
    assert code == 0


def test_trusted_access_off_fails_with_how_to_turn_it_on(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    org.client("organizations").disable_aws_service_access(ServicePrincipal=STACKSETS)
    code, document, _ = run_json(org, "doctor", org.config(), capsys)
    assert code == 1
    [trusted] = [r for r in document["administrator"]["results"] if r["check"] == "StackSets trusted access"]
    assert trusted["status"] == "fail"
    assert trusted["detail"] == "off: service-managed StackSets cannot deploy to the organization's accounts"
    assert "aws cloudformation activate-organizations-access" in trusted["fix"]


def test_a_missing_ou_fails_and_the_other_ous_accounts_are_still_checked(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = "ou-zzzz-99999999"
    code, document, _ = run_json(org, "doctor", org.config(organizational_units=[missing, org.team]), capsys)
    assert code == 1
    units = [r for r in document["administrator"]["results"] if r["check"] == "organizational unit"]
    assert (units[0]["target"], units[0]["status"]) == (missing, "fail")
    assert units[0]["detail"] == "no such OU in this organization (OrganizationalUnitNotFoundException)"
    assert "correct organization.organizational_units" in units[0]["fix"]
    assert (units[1]["target"], units[1]["status"]) == (org.team, "pass")
    assert rows_of(document) == [(team_member(org), region, "pass") for region in REGIONS]


def team_member(org: Organization) -> str:
    accounts = org.client("organizations").list_accounts_for_parent(ParentId=org.team)["Accounts"]
    return str(accounts[0]["Id"])


def test_the_root_as_a_target_holds_every_account(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    _, document, _ = run_json(org, "doctor", org.config(organizational_units=[org.root]), capsys)
    [unit] = [
        r
        for r in document["administrator"]["results"]
        if r["check"] == "organizational unit" and r["target"] == org.root
    ]
    assert unit["status"] == "pass" and unit["detail"].startswith(
        "Root: 5 account(s), 3 child OU(s); the StackSet deploys to 4"
    )
    assert {row["account"] for row in document["rows"] if row["status"] != "skipped"} == {*org.members, org.outsider}


@pytest.mark.parametrize(
    ("filters", "reason"),
    [
        ("exclude_accounts", "not targeted: in organization.exclude_accounts"),
        ("include_accounts", "not targeted: not in organization.include_accounts"),
    ],
)
def test_include_and_exclude_accounts_are_applied(
    org: Organization, capsys: pytest.CaptureFixture[str], filters: str, reason: str
) -> None:
    chosen = org.members[1]
    _, document, _ = run_json(org, "doctor", org.config(**{filters: [chosen]}), capsys)
    checked = {row["account"] for row in document["rows"] if row["status"] != "skipped"}
    skipped = {row["account"]: row["skipped"] for row in document["rows"] if row["status"] == "skipped"}
    if filters == "exclude_accounts":
        assert checked == set(org.members) - {chosen} and skipped[chosen] == reason
    else:
        assert checked == {chosen} and all(skipped[a] == reason for a in set(org.members) - {chosen})
    assert skipped[MANAGEMENT] == MANAGEMENT_SKIPPED


def test_an_included_account_in_none_of_the_ous_warns(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    _, document, _ = run_json(org, "doctor", org.config(include_accounts=[org.members[0], org.outsider]), capsys)
    [stray] = [r for r in document["administrator"]["results"] if r["target"] == org.outsider]
    assert (stray["check"], stray["status"]) == ("target accounts", "warn")
    assert "which is in none of the OUs: nothing is deployed to it" in stray["detail"]


@pytest.mark.parametrize("registered", [True, False])
def test_a_delegated_administrator_is_registered_for_stacksets(
    org: Organization, monkeypatch: pytest.MonkeyPatch, registered: bool
) -> None:
    # moto knows StackSets' principal for trusted access, not for delegated administrators; AWS knows both.
    monkeypatch.setattr(
        FakeDelegatedAdministrator, "SUPPORTED_SERVICES", [*FakeDelegatedAdministrator.SUPPORTED_SERVICES, STACKSETS]
    )
    delegate = org.members[0]
    if registered:
        org.client("organizations").register_delegated_administrator(AccountId=delegate, ServicePrincipal=STACKSETS)
    config = config_from_mapping(org.config(call_as="DELEGATED_ADMIN"))
    # moto answers the organization's reads in the management account only: the rule reads them there, for
    # the delegated administrator's account.
    context = Context(config=config, aws=Aws(org.session, REGIONS[0]), account=delegate)
    [result] = run_checks(context, [stacksets_administrator], progress_console=Console(file=io.StringIO()))
    if registered:
        assert (result.status.value, result.detail) == (
            "pass",
            "a registered delegated administrator for StackSets (call_as: DELEGATED_ADMIN)",
        )
    else:
        assert (result.status.value, result.detail) == (
            "fail",
            "not a delegated administrator for StackSets (registered: none)",
        )
        assert result.fix == (
            "in the management account: aws organizations register-delegated-administrator --service-principal"
            f" {STACKSETS_PRINCIPAL} --account-id {delegate}"
        )


def test_call_as_self_from_another_account_fails(org: Organization) -> None:
    config = config_from_mapping(org.config())
    context = Context(config=config, aws=Aws(org.session, REGIONS[0]), account=org.members[0])
    [result] = run_checks(context, [stacksets_administrator], progress_console=Console(file=io.StringIO()))
    assert result.status.value == "fail"
    assert result.detail == (
        f"call_as: SELF deploys from the management account ({MANAGEMENT}), and these credentials are of"
        f" {org.members[0]}"
    )


def test_delegated_admin_from_the_management_account_warns(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    _, document, _ = run_json(org, "doctor", org.config(call_as="DELEGATED_ADMIN"), capsys)
    [result] = [r for r in document["administrator"]["results"] if r["check"] == "StackSets administrator"]
    assert result["status"] == "warn" and "set organization.call_as: SELF" in result["fix"]


# --- a role that cannot be assumed -----------------------------------------------------------------------


def deny_assume_role(org: Organization, account: str) -> None:
    """AssumeRole into ``account`` is refused, as AWS refuses a role that does not trust the caller."""

    def refuse(request: Any, **_kwargs: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        if "AssumeRole" not in body or f"iam%3A%3A{account}%3A" not in body:
            return None
        message = (
            f"User: arn:aws:iam::{MANAGEMENT}:user/admin is not authorized to perform: sts:AssumeRole on resource:"
            f" arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        )
        xml = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
        )
        return AWSResponse(request.url, 403, {"Content-Type": "text/xml"}, _Raw(xml.encode()))

    org.session.events.register_first("before-send.sts.AssumeRole", refuse)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Any:
        yield self._body


def test_a_role_that_cannot_be_assumed_is_one_failed_row_for_its_account(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed(org)
    a, b, c = org.members
    deny_assume_role(org, b)
    code, document, err = run_json(org, "verify", org.config(), capsys)
    assert code == 1
    assert "Traceback" not in err
    assert rows_of(document) == [
        (a, "us-east-1", "pass"),
        (a, "us-west-2", "pass"),
        (b, None, "fail"),
        (c, "us-east-1", "pass"),
        (c, "us-west-2", "pass"),
        (MANAGEMENT, None, "skipped"),
    ]
    [result] = document["rows"][2]["results"]
    assert (result["check"], result["target"]) == (
        "member account role",
        f"arn:aws:iam::{b}:role/OrganizationAccountAccessRole",
    )
    assert result["detail"].startswith("cannot assume the role: AccessDenied: User: arn:aws:iam::")
    assert "OrganizationAccountAccessRole must exist in the account and trust account 123456789012" in result["fix"]
    assert "organization.access_role_name" in result["fix"] and "organization.audit_role: true" in result["fix"]


def assumed(org: Organization) -> list[tuple[str, str | None]]:
    """(RoleArn, ExternalId) of each AssumeRole the checks make, from now on."""
    asked: list[tuple[str, str | None]] = []

    def record(params: dict[str, Any], **_kwargs: Any) -> None:
        asked.append((params["RoleArn"], params.get("ExternalId")))

    org.session.events.register("provide-client-params.sts.AssumeRole", record)
    return asked


def test_the_role_is_assumed_once_per_account_with_the_configured_name(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed(org)
    asked = assumed(org)
    code, _, _ = run_json(org, "verify", org.config(access_role_name="AirsChecks"), capsys)
    assert code == 0
    assert sorted(asked) == sorted((f"arn:aws:iam::{a}:role/AirsChecks", None) for a in org.members)


def test_the_default_role_is_organization_account_access_role(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = assumed(org)
    run_json(org, "doctor", org.config(), capsys)
    assert sorted(asked) == sorted((f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole", None) for a in org.members)


def test_the_audit_role_is_assumed_with_its_external_id(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    asked = assumed(org)
    config = org.config(audit_role=True, audit_external_id="airs-audit-7f3c9e21")
    config["iam"] = {"role_name_prefix": "acme-"}
    code, document, _ = run_json(org, "doctor", config, capsys)
    assert code == 0
    role = "acme-airs-onboarding-audit"
    assert sorted(asked) == sorted((f"arn:aws:iam::{a}:role/{role}", "airs-audit-7f3c9e21") for a in org.members)
    assert document["organization"]["member_role"] == role
    [targets] = [r for r in document["administrator"]["results"] if r["check"] == "target accounts"]
    assert targets["detail"].endswith(f"checked through the role {role} (the member template's audit role)")


def test_a_refused_audit_role_says_what_to_check(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    deny_assume_role(org, org.members[0])
    code, document, _ = run_json(
        org, "doctor", org.config(audit_role=True, audit_external_id="airs-audit-7f3c9e21"), capsys
    )
    assert code == 1
    [result] = document["rows"][0]["results"]
    assert result["target"] == f"arn:aws:iam::{org.members[0]}:role/airs-onboarding-audit"
    assert result["fix"].startswith(
        "the member template creates airs-onboarding-audit in each account's home region (us-east-1), trusting"
        f" account {MANAGEMENT} with organization.audit_external_id"
    )


# --- the trail: made in each account's home region only --------------------------------------------------


def test_doctor_and_verify_look_for_a_created_trail_in_the_home_region_only(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed(org)
    config = {**org.config(), "cloudtrail": {}}
    for command, title in (("doctor", "trails in the region"), ("verify", "audit trail")):
        _, document, _ = run_json(org, command, config, capsys)
        regions = {row["region"] for row in document["rows"] for r in row["results"] if r["check"] == title}
        assert regions == {"us-east-1"}, command


# --- the stack instance ------------------------------------------------------------------------------------


def test_a_region_without_a_stack_instance_fails_and_its_hand_off_line_says_why(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed(org)
    a = org.members[0]
    org.stacks.stacks[(a, "us-west-2")] = []
    code, document, _ = run_json(org, "verify", org.config(), capsys)
    assert code == 1
    row = next(r for r in document["rows"] if (r["account"], r["region"]) == (a, "us-west-2"))
    [result] = row["results"]
    assert (result["check"], result["target"], result["status"]) == (
        "stack instance",
        f"StackSet-{STACK_SET}-*",
        "fail",
    )
    assert result["detail"] == (
        f"no stack instance of the StackSet {STACK_SET} in {a}, us-west-2: not deployed there yet"
    )
    assert f"aws cloudformation list-stack-instances --stack-set-name {STACK_SET}" in result["fix"]


@pytest.mark.parametrize(
    ("status", "row_status", "checked"),
    [
        ("ROLLBACK_COMPLETE", "fail", False),
        ("UPDATE_ROLLBACK_COMPLETE", "warn", True),
        ("UPDATE_IN_PROGRESS", "warn", True),
        ("UPDATE_COMPLETE", "pass", True),
    ],
)
def test_the_stack_instance_status(
    org: Organization, capsys: pytest.CaptureFixture[str], status: str, row_status: str, checked: bool
) -> None:
    deployed(org)
    a = org.members[0]
    stack = org.deploy(a, "us-east-1", status=status, reason="Resource creation cancelled")
    _, document, _ = run_json(org, "verify", org.config(), capsys)
    row = next(r for r in document["rows"] if (r["account"], r["region"]) == (a, "us-east-1"))
    assert row["status"] == row_status
    assert (row["results"][0]["check"], row["results"][0]["target"]) == ("stack instance", stack.name)
    assert (len(row["results"]) > 1) is checked


# --- the hand-off ------------------------------------------------------------------------------------------

HEADER = [
    "account_id",
    "account_name",
    "region",
    "status",
    "flow_log_bucket_name",
    "flow_log_bucket_arn",
    "discovery_role_arn",
    "vpcs_covered",
    "vpcs_failed",
    "clusters_opened",
    "clusters_refused",
    "clusters_failed",
]


def test_verify_writes_the_hand_off_csv_and_json(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    deployed(org)
    a, b, c = org.members
    org.deploy(b, "us-east-1", failed_vpcs=1, refused_clusters=2)
    org.stacks.stacks[(c, "us-west-2")] = []  # not deployed there yet
    deny_assume_role(org, a)
    code = org.run("verify", org.config())
    out = capsys.readouterr().out
    assert code == 1

    def ready(account: str, name: str, region: str, covered: int = 1, failed: int = 0, refused: int = 0) -> list[str]:
        bucket = org.bucket(account, region)
        return [
            account, name, region, "ok", bucket, f"arn:aws:s3:::{bucket}", org.role_arn(account),
            str(covered), str(failed), "1", str(refused), "0",
        ]  # fmt: skip

    denied = (
        "not checked: cannot assume the role: AccessDenied: User: arn:aws:iam::123456789012:user/admin is not"
        f" authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{a}:role/OrganizationAccountAccessRole"
    )
    absent = f"no stack instance of the StackSet {STACK_SET} in {c}, us-west-2: not deployed there yet"
    names = org.names
    expected = [
        HEADER,
        [a, names[a], "us-east-1", denied, *[""] * 8],
        [a, names[a], "us-west-2", denied, *[""] * 8],
        ready(b, names[b], "us-east-1", covered=1, failed=1, refused=2),
        ready(b, names[b], "us-west-2"),
        ready(c, names[c], "us-east-1"),
        [c, names[c], "us-west-2", absent, *[""] * 8],
        [MANAGEMENT, names[MANAGEMENT], "", MANAGEMENT_SKIPPED, *[""] * 8],
    ]
    with (Path("cdk.out") / "airs-handoff.csv").open(newline="", encoding="utf-8") as written:
        assert list(csv.reader(written)) == expected
    document = json.loads((Path("cdk.out") / "airs-handoff.json").read_text(encoding="utf-8"))
    assert list(document) == ["stack_set_name", "administrator_account", "generated_at", "columns", "rows"]
    assert (document["stack_set_name"], document["administrator_account"]) == (STACK_SET, MANAGEMENT)
    assert document["columns"] == HEADER
    counts = {"vpcs_covered", "vpcs_failed", "clusters_opened", "clusters_refused", "clusters_failed"}
    assert [list(row.values()) for row in document["rows"]] == [
        [None if cell == "" else int(cell) if key in counts else cell for key, cell in zip(HEADER, line, strict=True)]
        for line in expected[1:]
    ]
    text = " ".join(out.split())
    assert "Hand-off for the AIRS onboarding wizard: cdk.out/airs-handoff.csv and cdk.out/airs-handoff.json" in text
    assert "3 line(s) ready (status ok); 4 not: their status says why (verify again once they are deployed)." in text


def test_with_json_the_document_names_the_hand_off_files(org: Organization, capsys: pytest.CaptureFixture[str]) -> None:
    deployed(org)
    _, document, err = run_json(org, "verify", org.config(), capsys)
    assert document["handoff"] == {"csv": "cdk.out/airs-handoff.csv", "json": "cdk.out/airs-handoff.json"}
    assert "Hand-off for the AIRS onboarding wizard" in err


# --- side by side, with a progress bar -------------------------------------------------------------------


def test_accounts_and_regions_are_checked_side_by_side_within_the_bound(
    org: Organization, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed(org)
    monkeypatch.setattr(fleet, "WORKERS", 2)
    running, most = 0, 0
    lock = threading.Lock()
    check = fleet._check

    def counted(*args: Any) -> Any:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)  # long enough for the others to start, if the bound let them
            return check(*args)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(fleet, "_check", counted)
    code, document, _ = run_json(org, "verify", org.config(), capsys)
    assert code == 0 and len(document["rows"]) == 7
    assert most == 2


def test_the_default_bound_is_eight() -> None:
    assert fleet.WORKERS == 8


def test_progress_goes_to_stderr(
    org: Organization, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    deployed(org)
    _, document, err = run_json(org, "verify", org.config(), capsys)
    assert document["rows_by_status"]["pass"] == 6
    assert "account-regions" in err and "6/6" in err
    assert '"rows"' not in err


def test_an_account_that_is_not_active_is_skipped_and_its_ou_warns(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = org.members[0]
    org.client("organizations").close_account(AccountId=closed)
    status = next(a["Status"] for a in org.client("organizations").list_accounts()["Accounts"] if a["Id"] == closed)
    _, document, _ = run_json(org, "doctor", org.config(), capsys)
    skipped = {row["account"]: row["skipped"] for row in document["rows"] if row["status"] == "skipped"}
    assert skipped[closed] == f"skipped: the account is {status}, not ACTIVE"
    [warned] = [r for r in document["administrator"]["results"] if r["target"].startswith(closed)]
    assert (warned["check"], warned["status"]) == ("organizational unit", "warn")
    assert warned["fix"] == "add it to organization.exclude_accounts, or move it out of the OU"


def test_a_hand_off_that_cannot_be_written_is_a_failure_not_a_traceback(
    org: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    deployed(org)
    Path("cdk.out").write_text("a file where the directory goes\n", encoding="utf-8")
    code, document, err = run_json(org, "verify", org.config(), capsys)
    assert code == 1 and "Traceback" not in err and "handoff" not in document
    [result] = [r for r in document["administrator"]["results"] if r["check"] == "hand-off"]
    assert (result["target"], result["status"]) == ("cdk.out", "fail")
    assert result["detail"].startswith("not written: ")
    assert result["fix"] == "make cdk.out writable (or remove the file in the way), then verify again"
