"""The findings as a table a person reads at a glance, or as JSON for machines."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

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


# --- an organization: one row per account and region, then the details ----------------------------------

ROW_STYLES = {**{status.value: style for status, style in STYLES.items()}, "skipped": "dim"}


def fleet_table(command: str, title: str, rows: list[Any], console: Console) -> None:
    """One line per account and region (``fleet.Row``): its status, counts and worst finding; then the
    warnings and failures of each, with their fixes; then the counts of rows by status."""
    grid = Table(title=f"{command}: {title}", title_justify="left", box=box.SIMPLE_HEAD, expand=False)
    grid.add_column("", no_wrap=True)
    grid.add_column("account", no_wrap=True)
    grid.add_column("region", no_wrap=True)
    for status in Status:
        grid.add_column(status.value, justify="right", no_wrap=True)
    grid.add_column("worst finding", overflow="fold")
    for row in rows:
        counts = Counter(result.status for result in row.results)
        worst = row.worst
        if row.skipped is not None:
            finding = escape(row.skipped)
        elif worst is not None:
            finding = escape(f"{worst.check} ({worst.target}): {worst.detail}")
        else:
            finding = "all passed"
        grid.add_row(
            f"[{ROW_STYLES[row.status]}]{row.status.upper()}[/]",
            escape(_account(row)),
            row.region or ("-" if row.skipped is not None else "every region"),
            *(("", "", "") if row.skipped is not None else (str(counts[status]) for status in Status)),
            finding,
        )
    console.print(grid)
    troubled = [row for row in rows if row.worst is not None]
    if troubled:
        console.print("The warnings and failures of each account and region, with the fix (--json has every finding):")
    for row in troubled:
        problems = [result for result in row.results if result.status is not Status.PASS]
        table(command, _account(row), row.region or "every region", problems, console)
    console.print(fleet_summary_line(rows))


def _account(row: Any) -> str:
    return f"{row.account} ({row.name})" if row.name else str(row.account)


def fleet_summary_line(rows: list[Any]) -> str:
    by_status = Counter(row.status for row in rows)
    checked = sum(1 for row in rows if row.skipped is None)
    return (
        f"{checked} account-region row(s): {by_status['pass']} passed, {by_status['warn']} with warnings,"
        f" {by_status['fail']} failed; {by_status['skipped']} account(s) skipped"
    )


def fleet_json(
    command: str,
    organization: dict[str, Any],
    administrator: list[Result],
    rows: list[Any],
    handoff: dict[str, Any] | None = None,
) -> str:
    """The organization's findings as one JSON document: the administrator account's, then a row per account
    and region with its counts, worst finding and every finding; ``summary`` counts every finding."""
    everything = administrator + [result for row in rows for result in row.results]
    counts = Counter(result.status.value for result in everything)
    document: dict[str, Any] = {
        "command": command,
        "organization": organization,
        "summary": {status.value: counts[status.value] for status in Status},
        "rows_by_status": {
            key: sum(1 for row in rows if row.status == key) for key in ("pass", "warn", "fail", "skipped")
        },
        "administrator": {"results": [result.to_dict() for result in administrator]},
        "rows": [_row(row) for row in rows],
    }
    if handoff is not None:
        document["handoff"] = handoff
    return json.dumps(document, indent=2)


def _row(row: Any) -> dict[str, Any]:
    counts = Counter(result.status.value for result in row.results)
    worst = row.worst
    return {
        "account": row.account,
        "name": row.name,
        "region": row.region,
        "status": row.status,
        "skipped": row.skipped,
        "summary": {status.value: counts[status.value] for status in Status},
        "worst": worst.to_dict() if worst is not None else None,
        "results": [result.to_dict() for result in row.results],
    }
