"""doctor and verify across an organization: the account checks (``DOCTOR_CHECKS``, ``VERIFY_CHECKS``) in
every account the StackSet deploys to and every region of ``organization.regions``, each through a role
assumed in that account (``organization.access_role_name``, or the member template's audit role with its
external id). Accounts and regions are checked side by side, at most ``WORKERS`` at once, under one
progress bar; a role that cannot be assumed is one failed row for its account, with the fix."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from onboarding_config.partitions import partition_of

from . import handoff
from .aws import Aws, MissingPermission, Unreachable, error_code
from .organization import Estate, MemberRole, Skipped, member_role
from .probes import COVERAGE_REPORT_OUTPUT, COVERAGE_REPORT_PREFIX
from .results import Result, Status, failed, passed, warned
from .rules import Context, Finding, Rule
from .runner import run_checks

#: Accounts and regions checked at once: enough to hide AWS's latency, few enough to stay clear of the
#: organization's API rate limits (each check is a handful of describe and list calls).
WORKERS = 8
#: The title of the rows about reaching an account and finding its stack instance.
ROLE_CHECK = "member account role"
STACK_CHECK = "stack instance"
SESSION_NAME = "airs-onboarding-checks"
#: Stack instances in these states run the StackSet's template; the checks read their outputs.
DEPLOYED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
ROLLED_BACK = {"UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}
#: Stack instances in these states have nothing (left) to check: their creation failed, or they are going.
NOTHING_TO_CHECK = {
    "CREATE_FAILED",
    "ROLLBACK_IN_PROGRESS",
    "ROLLBACK_FAILED",
    "ROLLBACK_COMPLETE",
    "DELETE_IN_PROGRESS",
    "DELETE_FAILED",
    "REVIEW_IN_PROGRESS",
}
#: What makes a member account's session from the credentials assumed there.
MemberSession = Callable[[boto3.Session, dict[str, Any]], boto3.Session]


def member_session(base: boto3.Session, credentials: dict[str, Any]) -> boto3.Session:
    """A session of the assumed role's credentials, with the base session's profile settings and its service
    models (read once, not once per account)."""
    core = botocore.session.get_session()
    base_core = getattr(base, "_session", None)
    if base_core is not None:
        core.register_component("data_loader", base_core.get_component("data_loader"))
        profile = base_core.get_config_variable("profile")
        if profile:
            core.set_config_variable("profile", profile)
    core.set_credentials(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
    return boto3.Session(botocore_session=core)


@dataclass
class Row:
    """One account and region (``region`` None: every region, for an account not reached or not targeted)."""

    account: str
    name: str
    region: str | None
    results: list[Result] = field(default_factory=list)
    skipped: str | None = None
    #: The hand-off lines of the row (verify): one, or one per region for an account not reached.
    handoffs: list[handoff.HandoffRow] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``skipped``, or the worst status of its findings."""
        if self.skipped is not None:
            return "skipped"
        return str(self.worst.status.value) if self.worst is not None else Status.PASS.value

    @property
    def worst(self) -> Result | None:
        """The first failure, else the first warning; None when everything passed."""
        for status in (Status.FAIL, Status.WARN):
            found = next((r for r in self.results if r.status is status), None)
            if found is not None:
                return found
        return None


@dataclass
class Sweep:
    """What ``sweep`` needs besides the accounts: the config's rules, the assumed roles, and AWS."""

    command: str
    context: Context
    rules: Sequence[Rule[Any]]
    role: MemberRole
    session_for: MemberSession
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _account_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _credentials: dict[str, dict[str, Any] | Result] = field(default_factory=dict)

    def role_arn(self, account: str) -> str:
        return f"arn:{partition_of(self.context.aws.region)}:iam::{account}:role/{self.role.name}"

    def credentials(self, account: str) -> dict[str, Any] | Result:
        """The role's credentials in ``account``, assumed once for all its regions, or the failed finding."""
        with self._lock:
            lock = self._account_locks.setdefault(account, threading.Lock())
        with lock:
            if account not in self._credentials:
                self._credentials[account] = self._assume(account)
            return self._credentials[account]

    def _assume(self, account: str) -> dict[str, Any] | Result:
        arn = self.role_arn(account)
        params: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": SESSION_NAME}
        if self.role.external_id:
            params["ExternalId"] = self.role.external_id
        try:
            # The client itself, not Aws.call: AWS's message says which of trust, external id or policy refused.
            answer: dict[str, Any] = self.context.aws.client("sts").assume_role(**params)["Credentials"]
        except Unreachable as silence:
            return failed(ROLE_CHECK, arn, f"cannot assume the role: {silence.detail}", silence.fix)
        except (ClientError, BotoCoreError, ResponseParserError) as error:
            return failed(ROLE_CHECK, arn, f"cannot assume the role: {_message(error)}", self._fix())
        return answer

    def _fix(self) -> str:
        administrator = self.context.account
        organization = self.context.config.organization
        if self.role.audit:
            home = f" ({organization.home_region})" if organization is not None else ""
            return (
                f"the member template creates {self.role.name} in each account's home region{home}, trusting account"
                f" {administrator} with organization.audit_external_id: check that the account's stack instance there"
                " succeeded, that audit_external_id is the one deployed (make deploy after changing it), and that these"
                f" credentials are of {administrator}"
            )
        return (
            f"{self.role.name} must exist in the account and trust account {administrator} (sts:AssumeRole):"
            " OrganizationAccountAccessRole, made with accounts created by Organizations, trusts the management"
            " account only, and invited accounts lack it; create it there, set organization.access_role_name to a"
            " role that trusts this account, or set organization.audit_role: true so the member template creates a"
            " read-only role trusting the administrator account"
        )


def sweep(
    command: str,
    context: Context,
    estate: Estate,
    rules: Sequence[Rule[Any]],
    *,
    session_for: MemberSession = member_session,
    progress_console: Console | None = None,
    workers: int | None = None,
) -> list[Row]:
    """One row per member account and region (checked at most ``workers`` at once, default ``WORKERS``), one
    per account a role could not be assumed in, and one per account the StackSet does not deploy to; in the
    estate's order of accounts and the config's of regions."""
    config = context.config
    assert config.organization is not None
    regions = config.organization.regions
    plan = Sweep(command, context, rules, member_role(context), session_for)
    context.aws.client("sts")  # made here: clients are made one at a time, the calls then run side by side
    places = [(member, region) for member in estate.members for region in regions]
    done: dict[tuple[str, str], Row] = {}
    console = progress_console or Console(stderr=True)
    pool = ThreadPoolExecutor(max_workers=workers or WORKERS, thread_name_prefix="account")
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} account-regions"),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task(f"{command}: {len(estate.members)} accounts", total=len(places))
            futures = {
                pool.submit(_check, plan, member.account, member.name, region): (member.account, region)
                for member, region in places
            }
            for future in as_completed(futures):
                account, region = futures[future]
                done[(account, region)] = future.result()
                progress.update(task, advance=1, description=f"{command}: {account} {region} done")
    except BaseException:
        # Ctrl-C, or a check that crashed: the accounts not started yet are not started.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    rows: list[Row] = []
    for member in estate.members:
        credentials = plan.credentials(member.account)
        if isinstance(credentials, Result):
            # One row for the account; the hand-off keeps a line per region, saying why it is empty.
            rows.append(Row(member.account, member.name, None, [credentials]))
            rows[-1].handoffs = [
                handoff.HandoffRow(member.account, member.name, region, f"not checked: {credentials.detail}")
                for region in regions
            ]
        else:
            rows += [done[(member.account, region)] for region in regions]
    rows += [_skipped_row(each) for each in estate.skipped]
    return rows


def _skipped_row(skipped: Skipped) -> Row:
    return Row(
        skipped.account,
        skipped.name,
        None,
        skipped=skipped.reason,
        handoffs=[handoff.HandoffRow(skipped.account, skipped.name, None, skipped.reason)],
    )


def _check(plan: Sweep, account: str, name: str, region: str) -> Row:
    """The checks of one account and region (run in a worker thread)."""
    credentials = plan.credentials(account)
    if isinstance(credentials, Result):
        return Row(account, name, region, [credentials])
    aws = Aws(plan.session_for(plan.context.aws.session, credentials), region, timing=plan.context.aws.timing)
    context = Context(config=plan.context.config, aws=aws, account=account)
    if plan.command == "doctor":
        return Row(account, name, region, run_checks(context, plan.rules, quiet=True))
    return _verify(plan, context, name)


def _verify(plan: Sweep, context: Context, name: str) -> Row:
    account, region = context.account, context.aws.region
    found = stack_instance(context)
    if isinstance(found, Result):
        status = found.detail if found.status is Status.FAIL else f"not checked: {found.detail}"
        return Row(account, name, region, [found], handoffs=[handoff.HandoffRow(account, name, region, status)])
    stack, status, reason, outputs = found
    results = [_instance_result(context, stack, status, reason)]
    problem = None if status in DEPLOYED else f"stack instance {status}" + (f": {reason}" if reason else "")
    if status in NOTHING_TO_CHECK or not outputs:
        why = problem or f"stack instance {status} without outputs"
        return Row(account, name, region, results, handoffs=[handoff.HandoffRow(account, name, region, why)])
    deployed = Context(config=context.config, aws=context.aws, account=account, outputs=outputs)
    results += run_checks(deployed, plan.rules, quiet=True)
    return Row(account, name, region, results, handoffs=[_handoff_row(deployed, name, problem)])


def _handoff_row(context: Context, name: str, problem: str | None) -> handoff.HandoffRow:
    from .verify import read_report  # the verify module loads the CDK's constants: imported when used

    report_name = context.output(COVERAGE_REPORT_OUTPUT) or f"{COVERAGE_REPORT_PREFIX}{context.config.stack_name}"
    report: Any
    try:
        report = read_report(context, report_name)  # read once: verify's coverage rules asked already
    except MissingPermission as missing:
        report = f"coverage report not read: may not call {missing.action}"
    except (ClientError, BotoCoreError, ResponseParserError) as error:
        report = f"coverage report not read: {_message(error)}"
    if isinstance(report, Finding):  # none yet, or not a report
        report = f"no coverage report: {report.detail}"
    assert context.outputs is not None
    return handoff.from_stack(
        context.account, name, context.aws.region, context.outputs, report, problems=[problem] if problem else []
    )


# --- the stack instance -----------------------------------------------------------------------------------


def stack_instance_pattern(stack_set_name: str) -> re.Pattern[str]:
    """The names of a StackSet's stack instances: ``StackSet-<StackSet name>-<UUID>``."""
    uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    return re.compile(f"StackSet-{re.escape(stack_set_name)}-{uuid}", re.IGNORECASE)


def stack_instance(
    context: Context,
) -> tuple[str, str, str, dict[str, dict[str, str]]] | Result:
    """The StackSet's stack in the account and region (ListStacks for its name, every status but
    DELETE_COMPLETE, then DescribeStacks): its name, status, status reason and outputs by key; or the
    finding that says there is none, or why it could not be read."""
    stack_set = context.config.stack_name
    pattern = stack_instance_pattern(stack_set)
    try:
        statuses = context.aws.client("cloudformation").meta.service_model.shape_for("StackStatus").enum
        summaries = [
            summary
            for page in context.aws.pages(
                "cloudformation", "list_stacks", StackStatusFilter=[s for s in statuses if s != "DELETE_COMPLETE"]
            )
            for summary in page.get("StackSummaries", [])
            if pattern.fullmatch(str(summary.get("StackName", "")))
        ]
        if not summaries:
            return failed(
                STACK_CHECK,
                f"StackSet-{stack_set}-*",
                f"no stack instance of the StackSet {stack_set} in {context.account}, {context.aws.region}: not"
                " deployed there yet",
                f"list the StackSet's instances in the administrator account (aws cloudformation list-stack-instances"
                f" --stack-set-name {stack_set}{_call_as(context)}) and its last operation's results; with"
                " auto_deploy, an account that joined the OUs gets one within minutes",
            )
        # Newest first: a stack left behind by an earlier deletion that failed is older.
        newest = max(summaries, key=lambda s: str(s.get("CreationTime", "")))
        stack = context.aws.call(
            "cloudformation", "describe_stacks", StackName=newest.get("StackId") or newest["StackName"]
        )
        described = stack["Stacks"][0]
    except Unreachable as silence:
        return failed(STACK_CHECK, f"StackSet-{stack_set}-*", f"not read: {silence.detail}", silence.fix)
    except MissingPermission as missing:
        return failed(
            STACK_CHECK,
            f"StackSet-{stack_set}-*",
            f"not read: the role may not call {missing.action}",
            f"allow {missing.action} to the role the checks assume in each account",
        )
    except (ClientError, BotoCoreError, ResponseParserError) as error:
        return failed(
            STACK_CHECK,
            f"StackSet-{stack_set}-*",
            f"not read: {_message(error)}",
            "retry; if it persists, check the account by hand",
        )
    outputs = {str(o["OutputKey"]): o for o in described.get("Outputs", [])}
    return (
        str(described["StackName"]),
        str(described["StackStatus"]),
        str(described.get("StackStatusReason") or ""),
        outputs,
    )


def _instance_result(context: Context, stack: str, status: str, reason: str) -> Result:
    because = f" ({reason})" if reason else ""
    operations = (
        f"see the StackSet's last operation in the administrator account (aws cloudformation"
        f" list-stack-set-operations --stack-set-name {context.config.stack_name}{_call_as(context)})"
    )
    if status in DEPLOYED:
        return passed(STACK_CHECK, stack, status)
    if status in ROLLED_BACK:
        return warned(
            STACK_CHECK,
            stack,
            f"{status}{because}: the last update rolled back, so it runs the StackSet's previous template",
            f"{operations}, fix the cause and deploy again (make deploy)",
        )
    if status.endswith("_IN_PROGRESS"):
        return warned(
            STACK_CHECK, stack, f"{status}: a StackSet operation is under way", "verify again once it is done"
        )
    return failed(
        STACK_CHECK, stack, f"{status}{because}", f"{operations}; fix the cause and deploy again (make deploy)"
    )


def _call_as(context: Context) -> str:
    organization = context.config.organization
    return (
        " --call-as DELEGATED_ADMIN" if organization is not None and organization.call_as == "DELEGATED_ADMIN" else ""
    )


def _message(error: Exception) -> str:
    if isinstance(error, ClientError):
        return f"{error_code(error)}: {error.response.get('Error', {}).get('Message', '')}".rstrip(": ")
    return str(error)
