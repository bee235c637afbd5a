"""``python -m onboarding_checks doctor|verify --config FILE [--json] [--profile NAME]``.

Exit code: 0 when nothing failed (warnings allowed), 1 when a check failed, 2 when the checks could
not run (a config mistake, no credentials, the wrong account).
"""

from __future__ import annotations

import argparse
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound
from botocore.parsers import ResponseParserError
from rich.console import Console

from onboarding_app.config_loader import DEFAULT_CONFIG, ConfigError, load_config

from . import render
from .aws import Aws, MissingPermission, error_code
from .doctor import doctor_checks
from .results import Result, exit_code, failed
from .runner import Context, run_checks
from .verify import stack_outputs, verify_checks

CANNOT_RUN = 2


def main(argv: list[str] | None = None, *, session: boto3.Session | None = None, console: Console | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onboarding_checks", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["doctor", "verify"], help="doctor: before a deploy; verify: after it")
    parser.add_argument("--config", default=DEFAULT_CONFIG, help="the onboarding config (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON instead of a table")
    parser.add_argument("--profile", help="AWS profile to use (default: the usual AWS credential chain)")
    args = parser.parse_args(argv)
    out = console or Console()
    err = Console(stderr=True)

    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(error.report("nothing was checked"), file=sys.stderr)
        return CANNOT_RUN
    if config.organization is not None:
        print(
            f"{args.config}: {args.command} checks one account, and this config rolls out to an organization. Run it with a config"
            " without an organization section for the account to check (its subnets, VPCs and clusters), with that account's"
            " credentials.",
            file=sys.stderr,
        )
        return CANNOT_RUN
    try:
        session = session or boto3.Session(profile_name=args.profile)
    except ProfileNotFound as error:
        print(f"{error}: pass an existing profile with --profile, or none for the default credentials", file=sys.stderr)
        return CANNOT_RUN

    aws = Aws(session, config.region)
    identity = _identity(aws, config.account)
    if isinstance(identity, Result):
        _report(args, out, None, config.region, [identity])
        return CANNOT_RUN
    context = Context(config=config, aws=aws, account=identity)

    if args.command == "doctor":
        checks = doctor_checks(context)
    else:
        try:
            outputs = stack_outputs(context)
        except (ClientError, BotoCoreError, ResponseParserError, MissingPermission) as error:
            if isinstance(error, MissingPermission):
                reason, fix = f"may not call {error.action}", f"allow {error.action}"
            else:
                reason, fix = str(error), "retry; if it persists, check your network and AWS configuration"
            _report(args, out, identity, config.region, [failed("stack", config.stack_name, f"cannot read the stack: {reason}", fix)])
            return 1
        if outputs is None:
            result = failed("stack", config.stack_name, f"not deployed in {identity}, {config.region}", "deploy it first: make deploy CONFIG=...")
            _report(args, out, identity, config.region, [result])
            return 1
        checks = verify_checks(context, outputs)
    results = run_checks(context, checks, progress_console=err)
    _report(args, out, identity, config.region, results)
    return exit_code(results)


def _identity(aws: Aws, expected_account: str | None) -> str | Result:
    """The account of the credentials, or the finding that stops the run."""
    title = "credentials"
    try:
        account = aws.call("sts", "get_caller_identity")["Account"]
    except NoCredentialsError:
        return failed(title, "sts", "no AWS credentials found", "set AWS_PROFILE (or --profile), or log in with aws sso login")
    except ClientError as error:
        return failed(title, "sts", f"AWS refused the credentials: {error_code(error)}", "refresh them (aws sso login, or new keys)")
    except (BotoCoreError, MissingPermission) as error:
        return failed(title, "sts", f"could not check the credentials: {error}", "check your network and AWS configuration")
    if expected_account and account != expected_account:
        return failed(
            title, account, f"these credentials are for account {account}, and the config is for {expected_account}",
            f"use credentials of {expected_account}, or correct account in the config",
        )
    return account


def _report(args: argparse.Namespace, console: Console, account: str | None, region: str, results: list[Result]) -> None:
    if args.json:
        print(render.as_json(args.command, account, region, results), file=console.file)
    else:
        render.table(args.command, account, region, results, console)
