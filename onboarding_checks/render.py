"""The findings as a table a person reads at a glance, or as JSON for machines."""

from __future__ import annotations

import json
from collections import Counter

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .results import Result, Status

STYLES = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red"}


def table(command: str, account: str | None, region: str | None, results: list[Result], console: Console) -> None:
    grid = Table(
        title=f"{command}: account {account or '?'}, {region or '?'}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        expand=False,
    )
    grid.add_column("", no_wrap=True)
    grid.add_column("check", no_wrap=True)
    grid.add_column("on", overflow="fold", max_width=44)
    grid.add_column("finding, and the fix", overflow="fold")
    for result in results:
        # The fix goes under the finding, so a passing row spends no width on an empty column.
        finding = escape(result.detail) + (f"\n[bold]fix:[/] {escape(result.fix)}" if result.fix else "")
        grid.add_row(
            f"[{STYLES[result.status]}]{result.status.value.upper()}[/]", result.check, escape(result.target), finding
        )
    console.print(grid)
    console.print(summary_line(results))


def summary_line(results: list[Result]) -> str:
    counts = Counter(result.status for result in results)
    return f"{counts[Status.PASS]} passed, {counts[Status.WARN]} warnings, {counts[Status.FAIL]} failed"


def as_json(command: str | None, account: str | None, region: str | None, results: list[Result]) -> str:
    """The findings as one JSON document; ``None`` where the run stopped before knowing it."""
    counts = Counter(result.status.value for result in results)
    return json.dumps(
        {
            "command": command,
            "account": account,
            "region": region,
            "summary": {status.value: counts[status.value] for status in Status},
            "results": [result.to_dict() for result in results],
        },
        indent=2,
    )
