"""Running the rules of a list on their targets with a progress line, turning what AWS refuses into
findings. On each target the rules that share its kind run one after another (a cluster's rules, in
the list's order) until one says the rest have nothing to check. When AWS stops answering, the run
stops: the checks left would only wait in turn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from .aws import MissingPermission, Unreachable, error_code
from .results import Result, failed
from .rules import Context, Finding, Rule, warning


@dataclass(frozen=True)
class Step:
    """One target and the rules that run on it, in order; the progress line shows the first's title."""

    target: Any
    name: str
    rules: tuple[Rule[Any], ...]


def plan(context: Context, rules: Sequence[Rule[Any]]) -> list[Step]:
    """Consecutive rules on the same targets run together, target by target."""
    groups: list[list[Rule[Any]]] = []
    for each in rules:
        if groups and groups[-1][0].on is each.on:
            groups[-1].append(each)
        else:
            groups.append([each])
    return [
        Step(target, group[0].on.name(target), tuple(group)) for group in groups for target in group[0].on.each(context)
    ]


def run_checks(
    context: Context, rules: Sequence[Rule[Any]], *, progress_console: Console | None = None, quiet: bool = False
) -> list[Result]:
    """The findings of ``rules`` on their targets, with a progress line on ``progress_console`` (default:
    stderr); ``quiet``: none (an organization's accounts are checked side by side under one progress bar)."""
    steps = plan(context, rules)
    results: list[Result] = []
    if quiet:
        _run_steps(context, steps, results)
        return results
    console = progress_console or Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("checking", total=len(steps))
        _run_steps(
            context,
            steps,
            results,
            starting=lambda step: progress.update(task, description=f"{step.rules[0].title}: {step.name}"),
            done=lambda: progress.advance(task),
        )
    return results


def _run_steps(
    context: Context,
    steps: list[Step],
    results: list[Result],
    *,
    starting: Callable[[Step], object] = lambda _step: None,
    done: Callable[[], object] = lambda: None,
) -> None:
    for number, step in enumerate(steps, start=1):
        starting(step)
        try:
            _run_step(context, step, results)
        except Unreachable as silence:
            if left := len(steps) - number:
                results.append(
                    failed("checks", f"{left} more", "not run: AWS stopped answering", f"{silence.fix}, then run again")
                )
            return
        done()


def _run_step(context: Context, step: Step, results: list[Result]) -> None:
    """Adds the findings of the step's rules on its target to ``results``, until one stops; when AWS does
    not answer, adds that and raises ``Unreachable``."""
    for each in step.rules:
        try:
            findings = findings_of(each, context, step.target)
        except Unreachable as silence:
            results.append(failed(each.title, step.name, f"not checked: {silence.detail}", silence.fix))
            raise
        results += [finding.result(each.title, step.name) for finding in findings]
        if any(finding.stop for finding in findings):
            return


def findings_of(rule: Rule[Any], context: Context, target: Any) -> list[Finding]:
    """What ``rule`` finds on ``target``; a call AWS refuses is a warning that stops the target's later
    rules (they would meet it again). ``Unreachable`` propagates: the run stops."""
    try:
        return list(rule.run(context, target))
    except Unreachable:
        raise
    except MissingPermission as missing:
        return [
            warning(
                f"not checked: your credentials may not call {missing.action}",
                f"allow {missing.action} to the identity running the check, or check this by hand",
                stop=True,
            )
        ]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", "")
        return [
            warning(
                f"not checked: AWS answered {error_code(error)}: {message}",
                "retry; if it persists, check this by hand",
                stop=True,
            )
        ]
    except (BotoCoreError, ResponseParserError) as error:
        # ResponseParserError: an answer that is not AWS's (a proxy's error page, say).
        return [warning(f"not checked: {error}", "retry; if it persists, check this by hand", stop=True)]
