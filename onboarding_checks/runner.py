"""Running checks one after another with a progress line, turning what AWS refuses into findings.
When AWS stops answering, the run stops: the checks left would only wait in turn."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from .aws import Aws, MissingPermission, Unreachable, error_code
from .results import Result, failed, warned

if TYPE_CHECKING:  # the config model loads the CDK (and Node.js): only what runs the checks needs it
    from onboarding_config.model import OnboardingConfig


@dataclass(frozen=True)
class Context:
    config: OnboardingConfig
    aws: Aws
    account: str


@dataclass(frozen=True)
class Check:
    """A named step that yields findings; ``target`` is shown while it runs."""

    title: str
    target: str
    run: Callable[[Context], Iterable[Result]]


def run_checks(context: Context, checks: Sequence[Check], *, progress_console: Console | None = None) -> list[Result]:
    results: list[Result] = []
    console = progress_console or Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("checking", total=len(checks))
        for done, check in enumerate(checks, start=1):
            progress.update(task, description=f"{check.title}: {check.target}")
            try:
                results.extend(_findings(check, context))
            except Unreachable as silence:
                results.append(failed(check.title, check.target, f"not checked: {silence.detail}", silence.fix))
                if left := len(checks) - done:
                    results.append(
                        failed(
                            "checks", f"{left} more", "not run: AWS stopped answering", f"{silence.fix}, then run again"
                        )
                    )
                break
            progress.advance(task)
    return results


def _findings(check: Check, context: Context) -> list[Result]:
    try:
        return list(check.run(context))
    except Unreachable:
        raise
    except MissingPermission as missing:
        return [
            warned(
                check.title,
                check.target,
                f"not checked: your credentials may not call {missing.action}",
                f"allow {missing.action} to the identity running the check, or check this by hand",
            )
        ]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", "")
        return [
            warned(
                check.title,
                check.target,
                f"not checked: AWS answered {error_code(error)}: {message}",
                "retry; if it persists, check this by hand",
            )
        ]
    except (BotoCoreError, ResponseParserError) as error:
        # ResponseParserError: an answer that is not AWS's (a proxy's error page, say).
        return [warned(check.title, check.target, f"not checked: {error}", "retry; if it persists, check this by hand")]
