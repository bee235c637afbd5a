"""python -m bench.coverage [--vpcs 1000]: the estate-coverage handler's AWS calls per operation and its wall time,
for a first run (CloudFormation Create over VPCs without flow logs) and a steady-state run (a scheduled sweep
that finds nothing to change), on moto through the handler tests' harness. Prints a Markdown table.

Wall times are moto's in-process answers plus the handler's own work: they compare runs and versions of the
handler on one machine, not what AWS takes."""

from __future__ import annotations

import argparse
import math
import time
from collections import Counter
from dataclasses import dataclass

from tests.handlers.coverage_harness import READ_PREFIXES, coverage_harness

MAX_VPCS_PER_CREATE = 300  # the handler's batch size (CreateFlowLogs ResourceIds, EC2 API reference)


@dataclass(frozen=True)
class Measured:
    name: str
    calls: Counter[str]
    attempts: int
    seconds: float

    @property
    def reads(self) -> int:
        return sum(n for op, n in self.calls.items() if op.startswith(READ_PREFIXES))

    @property
    def writes(self) -> int:
        return sum(n for op, n in self.calls.items() if not op.startswith(READ_PREFIXES))


def measure(vpcs: int) -> tuple[Measured, Measured]:
    """A first run and a steady-state run over `vpcs` VPCs (moto's default VPC among them)."""
    with coverage_harness() as aws:
        aws.add_vpcs(vpcs - 1)
        started = time.perf_counter()
        answer = aws.cfn("Create")
        first = Measured("first run (Create)", aws.counts(), sum(aws.attempts.values()), time.perf_counter() - started)
        if answer["Status"] != "SUCCESS" or answer["Data"]["Created"] != str(vpcs):
            raise RuntimeError(f"the first run did not cover the {vpcs} VPCs: {answer}")
        aws.reset_calls()
        started = time.perf_counter()
        aws.sweep()
        steady = Measured(
            "steady state (schedule)", aws.counts(), sum(aws.attempts.values()), time.perf_counter() - started
        )
    return first, steady


def table(vpcs: int, runs: tuple[Measured, ...]) -> str:
    operations = sorted({op for run in runs for op in run.calls})
    lines = [
        f"Estate coverage, {vpcs} VPCs (moto, in-process)",
        "",
        "| Calls | " + " | ".join(run.name for run in runs) + " |",
        "|---|" + "---:|" * len(runs),
        *(f"| {op} | " + " | ".join(str(run.calls.get(op, 0)) for run in runs) + " |" for op in operations),
        "| **reads** | " + " | ".join(str(run.reads) for run in runs) + " |",
        "| **writes** | " + " | ".join(str(run.writes) for run in runs) + " |",
        "| attempts (with retries) | " + " | ".join(str(run.attempts) for run in runs) + " |",
        "| wall time (s) | " + " | ".join(f"{run.seconds:.2f}" for run in runs) + " |",
        "",
        f"Targets: CreateFlowLogs calls at first = ceil({vpcs}/{MAX_VPCS_PER_CREATE}) ="
        f" {math.ceil(vpcs / MAX_VPCS_PER_CREATE)}; steady-state reads <= 2 x ceil({vpcs}/1000) + 2 ="
        f" {2 * math.ceil(vpcs / 1000) + 2}, writes 0.",
    ]
    return "\n".join(lines)


def targets_met(vpcs: int, first: Measured, steady: Measured) -> bool:
    return (
        first.calls["CreateFlowLogs"] == math.ceil(vpcs / MAX_VPCS_PER_CREATE)
        and steady.reads <= 2 * math.ceil(vpcs / 1000) + 2
        and steady.writes == 0
    )


def verdict(vpcs: int, first: Measured, steady: Measured) -> str:
    return (
        f"- coverage sweep over {vpcs} VPCs: {first.calls['CreateFlowLogs']} CreateFlowLogs calls at first,"
        f" {steady.reads} reads and {steady.writes} writes in steady state,"
        f" {'met' if targets_met(vpcs, first, steady) else 'NOT met'}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.coverage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--vpcs", type=int, default=1000, help="VPCs in the region, 1 or more (default 1000)")
    args = parser.parse_args(argv)
    if args.vpcs < 1:
        parser.error("--vpcs must be 1 or more (the region's default VPC is one)")
    first, steady = measure(args.vpcs)
    print(table(args.vpcs, (first, steady)))
    return 0 if targets_met(args.vpcs, first, steady) else 1


if __name__ == "__main__":
    raise SystemExit(main())
