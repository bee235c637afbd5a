"""python -m bench (make bench): synth times against an empty CDK app, a scale series of generated
estates, and the test suite, as Markdown tables on stdout (progress on stderr)."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

from onboarding_app.node_runtime import use_own_node

use_own_node()

import yaml  # noqa: E402 - the imports below load the CDK, after PATH is set

from onboarding_config.loader import DEFAULT_CONFIG  # noqa: E402

from . import clusters as cluster_bench  # noqa: E402
from . import coverage  # noqa: E402
from .estates import estate_config  # noqa: E402
from .measure import REPO_ROOT, cdk_synth, empty_app, timed  # noqa: E402

EXAMPLE_TARGET = 1.5  # example config synth, at most this many times the empty app
LARGE_TARGET = 3.0  # 1000 subnets with 50 clusters
LINEAR_SLACK = 1.5  # the last step's cost per subnet or cluster, at most this many times the average
NOISE_SECONDS = 0.3  # run-to-run spread of one synth on a 2-core machine


#: VPCs of the coverage sweep measurement.
COVERAGE_VPCS = 1000
#: Fresh clusters opened at once in the cluster coverage measurement.
COVERAGE_CLUSTERS = 30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        help="measured runs of the example and the empty app, after a warm-up (default 5)",
    )
    parser.add_argument("--scale-runs", type=int, default=3, help="runs per generated estate (default 3)")
    parser.add_argument(
        "--subnets",
        default="10,100,500,1000",
        help="subnet counts of the scale series, comma-separated (default %(default)s)",
    )
    parser.add_argument(
        "--clusters",
        default="1,10,50",
        help="cluster counts of the scale series, comma-separated (default %(default)s)",
    )
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite (default: time it)")
    args = parser.parse_args(argv)
    subnet_counts = [int(n) for n in args.subnets.split(",")]
    cluster_counts = [int(n) for n in args.clusters.split(",")]

    with tempfile.TemporaryDirectory(prefix="airs-bench-") as scratch:
        work = Path(scratch)
        empty_dir = empty_app(work / "empty")
        print(f"# make bench: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}\n")

        _progress("warm-up: empty app and example config")
        cdk_synth(empty_dir, work / "out")
        cdk_synth(REPO_ROOT, work / "out", f"config={DEFAULT_CONFIG}")
        empty, example = [], []
        for run in range(1, args.runs + 1):
            _progress(f"run {run}/{args.runs}: empty app and example config")
            empty.append(cdk_synth(empty_dir, work / "out"))
            example.append(cdk_synth(REPO_ROOT, work / "out", f"config={DEFAULT_CONFIG}"))
        floor = statistics.median(s.seconds for s in empty)
        example_ratio = statistics.median(s.seconds for s in example) / floor
        print(f"## cdk synth, median of {args.runs} runs after a warm-up\n")
        print("| app | wall time | ratio to the empty app | peak memory |")
        print("| --- | ---: | ---: | ---: |")
        for name, runs in (("empty CDK Python app (one empty stack)", empty), (DEFAULT_CONFIG, example)):
            median = statistics.median(s.seconds for s in runs)
            print(f"| {name} | {median:.2f} s | {median / floor:.2f}x | {max(s.peak_mib for s in runs):.0f} MiB |")

        print(f"\n## Scale series: generated estates, median of {args.scale_runs} runs\n")
        print(
            "| subnets | clusters | wall time | ratio to the empty app | peak memory | stacks | largest template"
            " | most resources in a stack |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        series: dict[tuple[int, int], float] = {}
        for clusters in cluster_counts:
            for subnets in subnet_counts:
                config = work / f"estate-{subnets}x{clusters}.yaml"
                config.write_text(yaml.safe_dump(estate_config(subnets, clusters)))
                runs = []
                for run in range(1, args.scale_runs + 1):
                    _progress(f"{subnets} subnets, {clusters} clusters: run {run}/{args.scale_runs}")
                    runs.append(cdk_synth(REPO_ROOT, work / "out", f"config={config}"))
                median = statistics.median(s.seconds for s in runs)
                series[(subnets, clusters)] = median
                last = runs[-1]
                print(
                    f"| {subnets} | {clusters} | {median:.2f} s | {median / floor:.2f}x"
                    f" | {max(s.peak_mib for s in runs):.0f} MiB"
                    f" | {last.stacks} | {last.largest_template_bytes / 1024:.0f} KiB | {last.most_resources} |"
                )

        suite = None
        if not args.skip_tests:
            _progress("the test suite (make test's pytest run)")
            suite = timed([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])
            print(
                f"\n## Test suite\n\n{suite:.0f} s wall time for the whole suite on {os.cpu_count()} cores"
                " (pytest -n auto)\n"
            )

        _progress("the estate-coverage sweep over 1000 VPCs (moto)")
        first, steady = coverage.measure(COVERAGE_VPCS)
        print(f"\n## Coverage sweep\n\n{coverage.table(COVERAGE_VPCS, (first, steady))}")
        _progress(f"cluster coverage over {COVERAGE_CLUSTERS} fresh clusters (EKS fake, virtual time)")
        print(f"\n## Cluster coverage\n\n{cluster_bench.table(cluster_bench.measure(COVERAGE_CLUSTERS))}")

        print("\n## Targets\n")
        print(_verdict(f"example config at most {EXAMPLE_TARGET}x the empty app", example_ratio, EXAMPLE_TARGET))
        if (1000, 50) in series:
            print(
                _verdict(
                    f"1000 subnets with 50 clusters at most {LARGE_TARGET}x the empty app",
                    series[(1000, 50)] / floor,
                    LARGE_TARGET,
                )
            )
        for line in _linearity(series, subnet_counts, cluster_counts):
            print(line)
        if suite is not None:
            print(f"- test suite under 3 minutes: {suite:.0f} s, {'met' if suite < 180 else 'NOT met'}")
        print(coverage.verdict(COVERAGE_VPCS, first, steady))
    return 0


def _verdict(what: str, ratio: float, target: float) -> str:
    return f"- {what}: {ratio:.2f}x, {'met' if ratio <= target else 'NOT met'}"


def _linearity(series: dict[tuple[int, int], float], subnets: list[int], clusters: list[int]) -> list[str]:
    """Growth is no worse than linear when the last step of a series costs at most ``LINEAR_SLACK``
    times the rate per subnet (or cluster) of the steps before it, plus ``NOISE_SECONDS`` of
    run-to-run spread."""
    lines = []
    for axis, counts, others in (("subnet", subnets, clusters), ("cluster", clusters, subnets)):
        if len(counts) < 3:
            continue
        for other in others:
            key = (lambda n, other=other: (n, other)) if axis == "subnet" else (lambda n, other=other: (other, n))
            points = [(n, series[key(n)]) for n in counts if key(n) in series]
            (n_first, t_first), (n_prev, t_prev), (n_last, t_last) = points[0], points[-2], points[-1]
            rate = max((t_prev - t_first) / (n_prev - n_first), 0.0)
            step, allowed = t_last - t_prev, LINEAR_SLACK * rate * (n_last - n_prev) + NOISE_SECONDS
            fixed = f"{other} {'clusters' if axis == 'subnet' else 'subnets'}"
            lines.append(
                f"- linear in {axis}s ({fixed}): {rate * 1000:.1f} ms per {axis} from {n_first} to {n_prev};"
                f" the last step ({n_prev} to {n_last}) took {step:.2f} s, allowed {allowed:.2f} s:"
                f" {'met' if step <= allowed else 'NOT met'}"
            )
    return lines


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
