"""The lists of checks: every rule is listed once, with its title and its words; every listed rule
runs (a row in doctor's or verify's output for the example config), and nothing runs unlisted; the
runner's order and its stops; docs/checks.md shows the lists as they are."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from onboarding_checks import common, doctor, organization, verify
from onboarding_checks.aws import MissingPermission
from onboarding_checks.doctor import DOCTOR_CHECKS
from onboarding_checks.organization import ORGANIZATION_CHECKS
from onboarding_checks.results import Status
from onboarding_checks.rules import Context, Finding, Rule, Targets, catalogue, failure, ok
from onboarding_checks.runner import plan, run_checks
from onboarding_checks.verify import VERIFY_CHECKS
from onboarding_config.output_groups import AUDIT, ROLE, WIZARD
from tests.checks.conftest import Account

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "config" / "example.yaml"
CHECKS_DOC = REPO_ROOT / "docs" / "checks.md"
REGISTRIES = {"doctor": DOCTOR_CHECKS, "verify": VERIFY_CHECKS, "organization": ORGANIZATION_CHECKS}
ROLE_ARN = "arn:aws:iam::123456789012:role/airs-discovery"
MODEL = "anthropic.claude-3-haiku-20240307-v1:0"


# --- the lists ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", list(REGISTRIES))
def test_every_rule_has_a_unique_title_and_says_what_it_checks_on_what(command: str) -> None:
    rules = REGISTRIES[command]
    titles = [r.title for r in rules]
    assert all(title.strip() for title in titles)
    assert len(set(titles)) == len(titles), titles
    for each in rules:
        assert each.checks.strip() and each.on.what.strip(), each.title


def test_every_rule_defined_is_listed() -> None:
    listed = {id(r) for r in (*DOCTOR_CHECKS, *VERIFY_CHECKS, *ORGANIZATION_CHECKS)}
    defined = [
        (module.__name__, name)
        for module in (doctor, verify, common, organization)
        for name, value in vars(module).items()
        if isinstance(value, Rule) and id(value) not in listed
    ]
    assert defined == []


@pytest.mark.parametrize("command", list(REGISTRIES))
def test_rules_on_the_same_targets_are_listed_together(command: str) -> None:
    # The runner runs consecutive rules on one kind of target together, target by target: a rule listed
    # apart from the others of its kind would run in a pass of its own, after the stop of the first.
    kinds = [id(r.on) for r in REGISTRIES[command]]
    runs = [kind for position, kind in enumerate(kinds) if position == 0 or kinds[position - 1] != kind]
    assert len(runs) == len(set(runs)), [r.title for r in REGISTRIES[command]]


def test_a_warning_or_a_failure_without_a_fix_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        Finding(Status.FAIL, "is broken")
    assert str(refused.value) == "a finding that does not pass says how to fix it: 'is broken' has no fix"
    assert Finding(Status.PASS, "works").fix == ""


# --- every listed rule runs, and nothing else ---------------------------------------------------------------


def example(**changes: Any) -> dict[str, Any]:
    """config/example.yaml with ``changes`` to its sections (a section given as None is dropped)."""
    config = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    return copy.deepcopy(config)


def arrange(account: Account) -> dict[str, str]:
    """A subnet and a VPC, each with a flow log in the default format (which lacks fields), a bucket
    with a delivery policy, a multi-region trail, a cluster with the Pod Identity agent, a model."""
    ec2, s3 = account.client("ec2"), account.client("s3")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    for bucket in ("flow-logs-existing", "trail-logs"):
        s3.create_bucket(Bucket=bucket)
    for resource, kind in ((subnet, "Subnet"), (vpc, "VPC")):
        ec2.create_flow_logs(
            ResourceIds=[resource],
            ResourceType=kind,
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination="arn:aws:s3:::flow-logs-existing",
        )
    cloudtrail = account.client("cloudtrail")
    trail = cloudtrail.create_trail(Name="org-trail", S3BucketName="trail-logs", IsMultiRegionTrail=True)
    cloudtrail.put_event_selectors(
        TrailName="org-trail", EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True}]
    )
    cloudtrail.start_logging(Name="org-trail")
    account.fake.add_cluster("prod-eks")
    account.fake.addons["prod-eks"].add("eks-pod-identity-agent")
    account.fake.models.add(MODEL)
    return {"subnet": subnet, "vpc": vpc, "trail": trail["TrailARN"]}


def titles(account: Account, capsys: pytest.CaptureFixture[str], command: str, config: dict[str, Any]) -> set[str]:
    capsys.readouterr()
    account.run(command, config, "--json")
    results = json.loads(capsys.readouterr().out)["results"]
    assert all(r["fix"] for r in results if r["status"] != "pass"), results
    return {r["check"] for r in results}


def test_every_doctor_rule_reports_on_the_example_config(account: Account, capsys) -> None:
    made = arrange(account)
    flow_logs = {"subnet_ids": [made["subnet"]], "vpc_ids": [made["vpc"]]}
    eks = {"discovery_role_arn": ROLE_ARN, "clusters": [{"name": "prod-eks"}, {"name": "gone-eks"}]}
    before_a_new_bucket_and_trail = example(
        flow_logs={**flow_logs, "bucket": {"name": "flow-logs-new"}},
        eks=eks,
        bedrock={"model_ids": [MODEL]},
        discovery_role=None,
    )
    with_an_existing_bucket_and_trail = example(
        flow_logs={**flow_logs, "bucket": {"existing_name": "flow-logs-existing"}},
        cloudtrail={"existing_trail_arn": made["trail"]},
    )
    every_vpc = example(flow_logs={"coverage": "all-vpcs", "subnet_ids": [], "vpc_ids": []})
    tagged_clusters = example(eks={"coverage": "tagged", "clusters": []})
    seen = (
        titles(account, capsys, "doctor", before_a_new_bucket_and_trail)
        | titles(account, capsys, "doctor", with_an_existing_bucket_and_trail)
        | titles(account, capsys, "doctor", every_vpc)
        | titles(account, capsys, "doctor", tagged_clusters)
    )
    assert seen == {r.title for r in DOCTOR_CHECKS}


def test_every_verify_rule_reports_on_the_example_config(account: Account, capsys) -> None:
    made = arrange(account)
    role = account.client("iam").create_role(RoleName="airs-discovery", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    account.fake.stacks["AirsOnboarding"] = [
        {"OutputKey": "FlowLogBucketName", "OutputValue": "flow-logs-existing", "Description": f"{WIZARD}bucket"},
        {"OutputKey": "FlowLogBucketArn", "OutputValue": "arn:aws:s3:::flow-logs-existing", "Description": WIZARD},
        {"OutputKey": "BedrockAuditTrailArn", "OutputValue": made["trail"], "Description": f"{AUDIT}created"},
        {"OutputKey": "DiscoveryRoleArn", "OutputValue": role, "Description": f"{ROLE}AIRS discovery"},
    ]
    config = example(
        flow_logs={"subnet_ids": [made["subnet"]], "vpc_ids": [made["vpc"]]},
        eks={"clusters": [{"name": "prod-eks"}, {"name": "gone-eks"}]},
    )
    every_vpc = example(flow_logs={"coverage": "all-vpcs", "subnet_ids": [], "vpc_ids": []})
    tagged_clusters = example(eks={"coverage": "tagged", "clusters": []})
    seen = (
        titles(account, capsys, "verify", config)
        | titles(account, capsys, "verify", every_vpc)
        | titles(account, capsys, "verify", tagged_clusters)
    )
    assert seen == {r.title for r in VERIFY_CHECKS}


# --- the runner -------------------------------------------------------------------------------------------


def _rule(title: str, on: Targets[str], *findings: Finding | Exception, ran: list[str] | None = None) -> Rule[str]:
    def run(_context: Context, target: str):
        if ran is not None:
            ran.append(f"{title} on {target}")
        for finding in findings:
            if isinstance(finding, Exception):
                raise finding
            yield finding

    return Rule(title, on, "what the test needs", run)


TWO = Targets("two clusters", lambda _context: ["a", "b"])
ONE = Targets("one bucket", lambda _context: ["bucket"])


def test_rules_on_the_same_targets_run_target_by_target() -> None:
    ran: list[str] = []
    rules = [_rule("first", TWO, ran=ran), _rule("second", TWO, ran=ran), _rule("third", ONE, ran=ran)]
    assert [(s.name, [r.title for r in s.rules]) for s in plan(None, rules)] == [  # type: ignore[arg-type]
        ("a", ["first", "second"]),
        ("b", ["first", "second"]),
        ("bucket", ["third"]),
    ]
    run_checks(None, rules)  # type: ignore[arg-type]
    assert ran == ["first on a", "second on a", "first on b", "second on b", "third on bucket"]


def test_a_stop_skips_the_later_rules_on_that_target_only() -> None:
    ran: list[str] = []
    stopping = _rule("exists", ONE, failure("no such bucket", "create it", stop=True), ran=ran)
    rules = [stopping, _rule("policy", ONE, ran=ran), _rule("cluster", TWO, ok("fine"), ran=ran)]
    results = run_checks(None, rules)  # type: ignore[arg-type]
    assert ran == ["exists on bucket", "cluster on a", "cluster on b"]
    assert [(r.check, r.target, r.status) for r in results] == [
        ("exists", "bucket", Status.FAIL),
        ("cluster", "a", Status.PASS),
        ("cluster", "b", Status.PASS),
    ]


def test_a_refused_call_stops_the_later_rules_on_that_target_and_keeps_what_was_found() -> None:
    ran: list[str] = []
    rules = [
        _rule("mode", TWO, ok("API"), ran=ran),
        _rule("entry", TWO, MissingPermission("eks:DescribeAccessEntry"), ran=ran),
        _rule("policy", TWO, ran=ran),
    ]
    results = run_checks(None, rules)  # type: ignore[arg-type]
    assert ran == ["mode on a", "entry on a", "mode on b", "entry on b"]
    assert [(r.check, r.target, r.status) for r in results] == [
        ("mode", "a", Status.PASS),
        ("entry", "a", Status.WARN),
        ("mode", "b", Status.PASS),
        ("entry", "b", Status.WARN),
    ]


def test_a_read_two_rules_share_is_asked_once() -> None:
    context = Context(config=None, aws=None, account="123456789012")  # type: ignore[arg-type]
    asked: list[str] = []
    assert context.once("cluster a", lambda: asked.append("a") or "described") == "described"
    assert context.once("cluster a", lambda: asked.append("again") or "other") == "described"
    assert asked == ["a"]


# --- docs/checks.md -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", list(REGISTRIES))
def test_docs_list_the_checks_as_the_code_does(command: str) -> None:
    text = CHECKS_DOC.read_text(encoding="utf-8")
    begin, end = f"<!-- {command} checks: begin -->", f"<!-- {command} checks: end -->"
    found = re.search(re.escape(begin) + r"\n(.*?)\n" + re.escape(end), text, re.DOTALL)
    assert found, f"docs/checks.md has no {begin} ... {end} section"
    assert found.group(1) == catalogue(REGISTRIES[command]), (
        f"docs/checks.md lists other {command} checks than the code; write this between the markers:\n"
        + catalogue(REGISTRIES[command])
    )
