"""python -m bench.clusters [--clusters 30]: EKS calls and virtual time of the estate-coverage runner per cluster,
for a cluster that is already open, a fresh CONFIG_MAP cluster, a cluster whose opt-in tag was removed, and many
fresh clusters at once (through the runs and hand-offs they take). Prints a Markdown table.

The runner runs against the handler tests' stateful EKS fake on a virtual clock: an authentication-mode update
takes 60 s and an endpoint update 240 s there (the fake's defaults; real updates take from seconds to several
minutes), and the runner polls every 15 s. Virtual time is what the runs would wait in AWS at those durations."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from tests.handlers.coverage_harness import CLUSTER_ENVIRONMENT, REPORT_PARAMETER, Harness, coverage_harness

OFFICE = "203.0.113.0/24"
TAGGED = {"airs-discovery": "on"}
EKS_OPERATIONS = (
    "ListClusters",
    "DescribeCluster",
    "DescribeAccessEntry",
    "DescribeUpdate",
    "UpdateClusterConfig",
    "TagResource",
    "UntagResource",
    "CreateAccessEntry",
    "AssociateAccessPolicy",
    "DeleteAccessEntry",
)


@dataclass(frozen=True)
class Measured:
    name: str
    clusters: int
    calls: Counter[str]
    virtual_seconds: float
    runs: int

    @property
    def eks_calls(self) -> int:
        return sum(n for op, n in self.calls.items() if op in EKS_OPERATIONS)


def _measure(name: str, clusters: int, arrange: Callable[[Harness], None], act: Callable[[Harness], int]) -> Measured:
    with coverage_harness(CLUSTER_ENVIRONMENT) as aws:
        arrange(aws)
        aws.reset_calls()
        started = aws.clock.now()
        runs = act(aws)
        return Measured(name, clusters, aws.counts(), aws.clock.now() - started, runs)


def _create(aws: Harness) -> int:
    answer = aws.cfn("Create")
    if answer["Status"] != "SUCCESS":
        raise RuntimeError(f"the Create failed: {answer['Reason']}")
    return 1


def _until_done(aws: Harness) -> int:
    """The Create, then each continuation it hands on, until no cluster is pending."""
    runs = _create(aws)
    while json.loads(aws.parameter(REPORT_PARAMETER) or "{}")["cluster_counts"]["Pending"]:
        runs += 1
        aws.invoke(
            {
                "source": "airs-onboarding.estate-coverage",
                "detail-type": "Continuation",
                "detail": {"hand_offs": runs - 1},
            }
        )
        if runs > 10:
            raise RuntimeError("the clusters were not all opened within 10 runs")
    return runs


def _sweep(aws: Harness) -> int:
    aws.sweep()
    return 1


def measure(clusters: int) -> list[Measured]:
    def one_fresh(aws: Harness) -> None:
        aws.eks.add_cluster("prod", cidrs=[OFFICE], tags=TAGGED)

    def one_open(aws: Harness) -> None:
        one_fresh(aws)
        _create(aws)

    def one_untagged(aws: Harness) -> None:
        one_open(aws)
        aws.eks.untag("prod", "airs-discovery")

    def many(aws: Harness) -> None:
        for n in range(clusters):
            aws.eks.add_cluster(f"c{n:03}", cidrs=[OFFICE], tags=TAGGED)

    return [
        _measure("already open (sweep)", 1, one_open, _sweep),
        _measure("fresh CONFIG_MAP (Create)", 1, one_fresh, _create),
        _measure("opt-in tag removed (sweep)", 1, one_untagged, _sweep),
        _measure(f"{clusters} fresh CONFIG_MAP (Create + hand-offs)", clusters, many, _until_done),
    ]


def table(runs: list[Measured]) -> str:
    operations = [op for op in EKS_OPERATIONS if any(run.calls.get(op) for run in runs)]
    return "\n".join(
        [
            "Cluster coverage (EKS fake, virtual time; auth-mode update 60 s, endpoint update 240 s, poll 15 s)",
            "",
            "| EKS calls | " + " | ".join(run.name for run in runs) + " |",
            "|---|" + "---:|" * len(runs),
            *(f"| {op} | " + " | ".join(str(run.calls.get(op, 0)) for run in runs) + " |" for op in operations),
            "| **EKS calls** | " + " | ".join(str(run.eks_calls) for run in runs) + " |",
            "| **EKS calls per cluster** | " + " | ".join(f"{run.eks_calls / run.clusters:.1f}" for run in runs) + " |",
            "| runs | " + " | ".join(str(run.runs) for run in runs) + " |",
            "| virtual time (s) | " + " | ".join(f"{run.virtual_seconds:.0f}" for run in runs) + " |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.clusters", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=30, help="fresh clusters at once, 1 or more (default 30)")
    args = parser.parse_args(argv)
    if args.clusters < 1:
        parser.error("--clusters must be 1 or more")
    print(table(measure(args.clusters)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
