"""``python -m onboarding_checks doctor|verify|credentials [--config FILE] [--profile NAME] [--json]``.

Exit code: 0 when nothing failed (warnings allowed), 1 when a check failed, 2 when the checks could
not run (a config mistake, no credentials, the wrong account, no answer from AWS).

With ``--json``, stdout is one JSON document on every path: the findings, or a failed finding for
what stopped the run. Messages for people go to stderr.
"""

from __future__ import annotations

import argparse
import sys
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.parsers import ResponseParserError
from rich.console import Console

from . import render
from .aws import DEFAULT_TIMING, Aws, MissingPermission, Timing, Unreachable, error_code
from .results import Result, exit_code, failed, passed

if TYPE_CHECKING:
    from . import handoff
    from .fleet import MemberSession

if TYPE_CHECKING:
    from onboarding_config.loader import ConfigError
    from onboarding_config.model import OnboardingConfig

CANNOT_RUN = 2
PROG = "python -m onboarding_checks"
COMMANDS = {
    "doctor": "before a deploy: is the account ready for the config (subnets, VPCs, bucket,\n"
    "trail, EKS clusters, Bedrock models)? With an organization config: every account\n"
    "and region the StackSet deploys to, through a role assumed in each",
    "verify": "after a deploy: does the onboarding work (flow logs arriving, trail logging,\nEKS access, roles)?"
    " With an organization config: every account and region, and the\nhand-off for the AIRS wizard in cdk.out/",
    "credentials": "before make deploy, diff or bootstrap: do the AWS credentials work, and are\n"
    "they for the config's account?",
}
#: Written out so that --help loads no config model (which starts the CDK and Node.js); a test keeps it
#: equal to onboarding_config.loader.DEFAULT_CONFIG, which the commands use.
DEFAULT_CONFIG = "config/example.yaml"
CREDENTIAL_CHAIN = "the AWS credential chain: AWS_PROFILE, SSO, environment"


@dataclass(frozen=True)
class Identity:
    account: str
    arn: str


@dataclass
class Output:
    """Where the findings go: a table or JSON on ``out``, messages for people and progress on ``err``."""

    command: str | None
    json: bool
    out: Console
    err: Console = field(default_factory=lambda: Console(stderr=True))

    def findings(self, account: str | None, region: str | None, results: list[Result]) -> None:
        if self.json:
            print(render.as_json(self.command, account, region, results), file=self.out.file)
        else:
            render.table(self.command or PROG, account, region, results, self.out)

    def stop(self, message: str, result: Result | list[Result], *, region: str | None = None) -> int:
        """The run cannot start: ``message`` on stderr, and with --json the finding on stdout."""
        print(message, file=sys.stderr)
        if self.json:
            self.findings(None, region, result if isinstance(result, list) else [result])
        return CANNOT_RUN


def main(
    argv: list[str] | None = None,
    *,
    session: boto3.Session | None = None,
    console: Console | None = None,
    timing: Timing = DEFAULT_TIMING,
    member_session: MemberSession | None = None,
) -> int:
    """``member_session`` makes the session of each member account of an organization from the credentials
    assumed there (default: ``fleet.member_session``)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    output = Output(
        command=next((a for a in argv if a in COMMANDS), None), json="--json" in argv, out=console or Console()
    )
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as error:
        return output.stop(
            f"{parser.format_usage()}{PROG}: error: {error}",
            failed("command line", " ".join(argv), str(error), f"see {PROG} --help"),
        )
    except SystemExit as done:  # --help
        return int(done.code or 0)

    # Only now: the config model imports the CDK, which starts Node.js (seconds, and not for --help).
    from onboarding_config.loader import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as error:
        return output.stop(error.report("nothing was checked"), _config_problems(error))
    try:
        session = session or boto3.Session(profile_name=args.profile)
    except ProfileNotFound as error:
        fix = "pass an existing profile with --profile, or none for the default credentials"
        return output.stop(
            f"{error}: {fix}", failed("credentials", f"profile {args.profile}", str(error), fix), region=config.region
        )
    except BotoCoreError as error:  # an AWS config file that cannot be parsed, say
        fix = "correct your AWS config (AWS_CONFIG_FILE, ~/.aws/config), or pass another profile with --profile"
        return output.stop(
            f"{error}: {fix}", failed("credentials", "AWS config", str(error), fix), region=config.region
        )

    aws = Aws(session, config.region, timing=timing)
    identity = _identity_step(aws, config.account, output.err)
    if isinstance(identity, Result):
        output.findings(None, config.region, [identity])
        return CANNOT_RUN
    if args.command == "credentials":
        return _credentials(output, config, identity)
    if config.organization is not None:
        return _run_organization(output, args.command, config, aws, identity, member_session)
    return _run(output, args.command, config, aws, identity)


def _credentials(output: Output, config: OnboardingConfig, identity: Identity) -> int:
    line = f"credentials: account {identity.account} (arn {identity.arn}), region {config.region}"
    if config.organization is not None and config.account is None:
        role = "the management account" if config.organization.call_as == "SELF" else "a delegated administrator"
        line += (
            f"; the organization StackSet deploys from here, so this must be {role}"
            f" (call_as: {config.organization.call_as})"
        )
    print(line, file=sys.stderr)
    if output.json:
        output.findings(
            identity.account, config.region, [passed("credentials", identity.arn, f"account {identity.account}")]
        )
    return 0


def _run(output: Output, command: str, config: OnboardingConfig, aws: Aws, identity: Identity) -> int:
    # Imported here: the checks use the constructs' own constants, which load the CDK.
    from .doctor import DOCTOR_CHECKS
    from .rules import Context
    from .runner import run_checks
    from .verify import VERIFY_CHECKS, stack_outputs

    context = Context(config=config, aws=aws, account=identity.account)
    account, region = identity.account, config.region
    if command == "doctor":
        rules = DOCTOR_CHECKS
    else:
        try:
            outputs = stack_outputs(context)
        except Unreachable as silence:
            output.findings(
                account,
                region,
                [failed("stack", config.stack_name, f"cannot read the stack: {silence.detail}", silence.fix)],
            )
            return CANNOT_RUN
        except (ClientError, BotoCoreError, ResponseParserError, MissingPermission) as error:
            if isinstance(error, MissingPermission):
                reason, fix = f"may not call {error.action}", f"allow {error.action}"
            else:
                reason, fix = str(error), "retry; if it persists, check your network and AWS configuration"
            output.findings(
                account, region, [failed("stack", config.stack_name, f"cannot read the stack: {reason}", fix)]
            )
            return 1
        if outputs is None:
            result = failed(
                "stack",
                config.stack_name,
                f"not deployed in {account}, {region}",
                "deploy it first: make deploy CONFIG=...",
            )
            output.findings(account, region, [result])
            return 1
        context = Context(config=config, aws=aws, account=identity.account, outputs=outputs)
        rules = VERIFY_CHECKS
    results = run_checks(context, rules, progress_console=output.err)
    output.findings(account, region, results)
    return CANNOT_RUN if aws.gave_up else exit_code(results)


def _run_organization(
    output: Output,
    command: str,
    config: OnboardingConfig,
    aws: Aws,
    identity: Identity,
    session_for: MemberSession | None,
) -> int:
    """The organization checks in the administrator account (the credentials'), then the account checks in
    every account and region the StackSet deploys to; verify also writes the hand-off."""
    from . import handoff
    from .doctor import DOCTOR_CHECKS
    from .fleet import member_session, sweep
    from .organization import ORGANIZATION_CHECKS, estate, member_role
    from .rules import Context
    from .runner import run_checks
    from .verify import VERIFY_CHECKS

    organization = config.organization
    assert organization is not None
    context = Context(config=config, aws=aws, account=identity.account)
    administrator = run_checks(context, ORGANIZATION_CHECKS, progress_console=output.err)
    role = member_role(context)
    header: dict[str, object] = {
        "administrator_account": identity.account,
        "region": config.region,
        "call_as": organization.call_as,
        "stack_set_name": config.stack_name,
        "organizational_units": list(organization.organizational_units),
        "regions": list(organization.regions),
        "member_role": role.name,
    }
    try:
        found = estate(context)  # read already by the rules above, unless AWS refused it
    except (Unreachable, MissingPermission, ClientError, BotoCoreError, ResponseParserError) as error:
        if isinstance(error, Unreachable):
            reason, fix = error.detail, error.fix
        elif isinstance(error, MissingPermission):
            reason, fix = (
                f"may not call {error.action}",
                f"allow {error.action} to the administrator account's identity",
            )
        else:
            reason = str(error)
            fix = "run it from the management account or a delegated administrator of the organization"
        administrator.append(
            failed("target accounts", "organization", f"the organization's accounts cannot be listed: {reason}", fix)
        )
        _organization_findings(output, command, header, administrator, [], None)
        return CANNOT_RUN
    header |= {"organization_id": found.organization_id, "management_account": found.management_account}
    rules = DOCTOR_CHECKS if command == "doctor" else VERIFY_CHECKS
    rows = sweep(command, context, found, rules, session_for=session_for or member_session, progress_console=output.err)
    written = None
    if command == "verify":
        try:
            written = handoff.write(
                [line for row in rows for line in row.handoffs],
                stack_set_name=config.stack_name,
                administrator_account=identity.account,
            )
        except OSError as error:
            administrator.append(
                failed(
                    "hand-off",
                    str(handoff.DIRECTORY),
                    f"not written: {error}",
                    f"make {handoff.DIRECTORY} writable (or remove the file in the way), then verify again",
                )
            )
    _organization_findings(output, command, header, administrator, rows, written)
    if aws.gave_up:
        return CANNOT_RUN
    return exit_code(administrator + [result for row in rows for result in row.results])


def _organization_findings(
    output: Output,
    command: str,
    header: dict[str, object],
    administrator: list[Result],
    rows: list[Any],
    written: handoff.Written | None,
) -> None:
    from . import handoff

    if output.json:
        files = {"csv": str(written.csv), "json": str(written.json)} if written is not None else None
        print(render.fleet_json(command, header, administrator, rows, files), file=output.out.file)
        if written is not None:
            print(handoff.what_to_do(written), file=sys.stderr)
        return
    render.table(
        command, f"{header['administrator_account']} (administrator)", str(header["region"]), administrator, output.out
    )
    if rows:
        accounts = len({row.account for row in rows if row.skipped is None})
        regions = header["regions"]
        title = f"{accounts} account(s) x {len(regions) if isinstance(regions, list) else '?'} region(s)"
        render.fleet_table(command, f"{title} of {header.get('organization_id', 'the organization')}", rows, output.out)
    if written is not None:
        output.out.print(handoff.what_to_do(written), highlight=False, markup=False)


def _identity_step(aws: Aws, expected_account: str | None, err: Console) -> Identity | Result:
    """``_identity`` with a spinner on stderr while it waits, and an answer within the time budget even
    when the credentials themselves wait on the network (an SSO sign-in, say), where botocore's
    timeouts of the checks' clients do not apply."""
    outcome: list[Identity | Result | BaseException] = []

    def work() -> None:
        try:
            outcome.append(_identity(aws, expected_account))
        except BaseException as error:
            outcome.append(error)

    # A daemon thread: one that never returns must not keep the process alive after the finding.
    worker = threading.Thread(target=work, name="checking credentials", daemon=True)
    with err.status("checking credentials ..."):
        worker.start()
        worker.join(aws.timing.no_answer_budget)
    if not outcome:
        where = aws.endpoint("sts") or "the sign-in of your AWS credentials"
        aws.gave_up = silence = Unreachable(where, aws.timing.no_answer_budget)
        return failed("credentials", "sts", silence.detail, silence.fix)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _identity(aws: Aws, expected_account: str | None) -> Identity | Result:
    """The account of the credentials, or the finding that stops the run."""
    title = "credentials"
    try:
        caller = aws.call("sts", "get_caller_identity")
    except NoCredentialsError:
        return failed(
            title, "sts", "no AWS credentials found", "set AWS_PROFILE (or --profile), or log in with aws sso login"
        )
    except ClientError as error:
        return failed(
            title,
            "sts",
            f"AWS refused the credentials: {error_code(error)}",
            "refresh them (aws sso login, or new keys)",
        )
    except Unreachable as silence:
        return failed(title, "sts", silence.detail, silence.fix)
    except (SSOError, TokenRetrievalError) as error:
        return failed(
            title,
            "sts",
            f"the SSO sign-in is missing or has expired: {error}",
            "sign in again: aws sso login (with --profile NAME for a profile)",
        )
    except (BotoCoreError, MissingPermission) as error:
        return failed(
            title, "sts", f"could not check the credentials: {error}", "check your network and AWS configuration"
        )
    account = caller["Account"]
    if expected_account and account != expected_account:
        return failed(
            title,
            account,
            f"these credentials are for account {account}, and the config is for {expected_account}",
            f"use credentials of {expected_account}, or correct account in the config",
        )
    return Identity(account=account, arn=caller["Arn"])


def _config_problems(error: ConfigError) -> list[Result]:
    """One failed finding per problem of the config file."""
    return [
        failed(
            "config",
            error.source,
            str(problem),
            f"correct {problem.path} in {error.source}"
            if problem.path
            else f"pass a readable config file with --config (got {error.source})",
        )
        for problem in error.problems
    ]


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # main() reports it: as argparse does, or as JSON with --json.
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:<13} " + text.replace("\n", "\n" + " " * 16) for name, text in COMMANDS.items())
    parser = _Parser(
        prog=PROG,
        usage=f"%(prog)s {{{','.join(COMMANDS)}}} [--config FILE] [--profile NAME] [--json]",
        description=(
            "Read-only checks of an AWS account against an onboarding config; they never change anything.\n\n"
            f"commands:\n{commands}"
        ),
        epilog=(
            "exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 the checks could not run\n"
            "(a config mistake, no credentials, the wrong account, no answer from AWS within"
            f" {DEFAULT_TIMING.no_answer_budget:g} s)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # --json is recognised before parsing, so it must be spelt out
    )
    parser.add_argument(
        "command", choices=list(COMMANDS), metavar="command", help="doctor, verify or credentials (see above)"
    )
    parser.add_argument(
        "--config", default=DEFAULT_CONFIG, metavar="FILE", help=f"the onboarding config (default: {DEFAULT_CONFIG})"
    )
    parser.add_argument("--profile", metavar="NAME", help=f"the AWS profile to use (default: {CREDENTIAL_CHAIN})")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON on stdout (default: a table)")
    return parser
