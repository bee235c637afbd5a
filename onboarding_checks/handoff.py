"""The hand-off an organization-wide ``verify`` writes: per account and region, the values the AIRS
onboarding wizard asks for (the flow-log bucket's name and ARN, the discovery role's ARN) and the coverage
counts of the runner's report, as ``cdk.out/airs-handoff.csv`` and ``cdk.out/airs-handoff.json``. A value
that could not be read is an empty cell (null in the JSON), and the status column says why."""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .verify import CoverageReport

DIRECTORY = Path("cdk.out")
CSV_NAME = "airs-handoff.csv"
JSON_NAME = "airs-handoff.json"
#: The status of a row whose values are all there.
READY = "ok"


@dataclass(frozen=True)
class HandoffRow:
    """One account and region (``region`` None for an account the StackSet does not deploy to)."""

    account_id: str
    account_name: str
    region: str | None
    status: str
    flow_log_bucket_name: str | None = None
    flow_log_bucket_arn: str | None = None
    discovery_role_arn: str | None = None
    vpcs_covered: int | None = None
    vpcs_failed: int | None = None
    clusters_opened: int | None = None
    clusters_refused: int | None = None
    clusters_failed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {each.name: getattr(self, each.name) for each in fields(self)}


COLUMNS = tuple(each.name for each in fields(HandoffRow))


def from_stack(
    account_id: str,
    account_name: str,
    region: str,
    outputs: Mapping[str, Mapping[str, str]],
    report: CoverageReport | str,
    *,
    problems: Sequence[str] = (),
) -> HandoffRow:
    """The row of a deployed stack instance: its outputs, and its coverage report (or why there is none);
    ``problems``: what else the status says (a stack instance whose update rolled back, say)."""

    def output(key: str) -> str | None:
        return outputs.get(key, {}).get("OutputValue") or None

    values: dict[str, Any] = {
        "flow_log_bucket_name": output("FlowLogBucketName"),
        "flow_log_bucket_arn": output("FlowLogBucketArn"),
        "discovery_role_arn": output("DiscoveryRoleArn"),
    }
    lacking = [key for key in ("FlowLogBucketName", "FlowLogBucketArn", "DiscoveryRoleArn") if not output(key)]
    problems = [*problems, *([f"the stack instance has no {' or '.join(lacking)} output"] if lacking else [])]
    if isinstance(report, str):
        problems.append(report)
    else:
        counts, clusters = report.counts, report.cluster_counts
        values["vpcs_covered"] = counts.get("Covered", 0) + counts.get("Created", 0)
        values["vpcs_failed"] = counts.get("Failed", 0)
        if report.clusters is not None:
            values["clusters_opened"] = clusters.get("Opened", 0)
            values["clusters_refused"] = clusters.get("Refused", 0)
            values["clusters_failed"] = clusters.get("Failed", 0)
    return HandoffRow(account_id, account_name, region, "; ".join(problems) or READY, **values)


@dataclass(frozen=True)
class Written:
    csv: Path
    json: Path
    ready: int
    not_ready: int


def write(
    rows: Sequence[HandoffRow],
    *,
    stack_set_name: str,
    administrator_account: str,
    directory: Path = DIRECTORY,
    now: datetime.datetime | None = None,
) -> Written:
    """Both files, in ``directory`` (made if missing), rows in the order given."""
    directory.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = directory / CSV_NAME, directory / JSON_NAME
    with csv_path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row.to_dict().values()])
    generated = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "stack_set_name": stack_set_name,
        "administrator_account": administrator_account,
        "generated_at": generated,
        "columns": list(COLUMNS),
        "rows": [row.to_dict() for row in rows],
    }
    json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    ready = sum(1 for row in rows if row.status == READY)
    return Written(csv_path, json_path, ready, len(rows) - ready)


def what_to_do(written: Written) -> str:
    """Where the files are and what to do with them, for people."""
    lines = [
        f"Hand-off for the AIRS onboarding wizard: {written.csv} and {written.json}",
        "  a line per account and region: the flow-log bucket name and ARN and the discovery role ARN the",
        "  wizard asks for, and the coverage counts (VPCs covered and failed, clusters opened, refused, failed).",
        "  Onboard each account in the wizard with its line's values.",
        f"  {written.ready} line(s) ready (status ok)"
        + (
            f"; {written.not_ready} not: their status says why (verify again once they are deployed)."
            if written.not_ready
            else "."
        ),
    ]
    return "\n".join(lines)
