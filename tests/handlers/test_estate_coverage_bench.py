"""bench.coverage: the table of calls and wall times for a first and a steady-state run, and its verdict."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.coverage import Measured, main, table


def test_the_table_shows_calls_per_operation_reads_writes_attempts_and_time() -> None:
    first = Measured("first run (Create)", Counter({"DescribeVpcs": 1, "CreateFlowLogs": 1}), 3, 1.234)
    steady = Measured("steady state (schedule)", Counter({"DescribeVpcs": 1}), 1, 0.5)
    assert table(10, (first, steady)) == "\n".join(
        [
            "Estate coverage, 10 VPCs (moto, in-process)",
            "",
            "| Calls | first run (Create) | steady state (schedule) |",
            "|---|---:|---:|",
            "| CreateFlowLogs | 1 | 0 |",
            "| DescribeVpcs | 1 | 1 |",
            "| **reads** | 1 | 1 |",
            "| **writes** | 1 | 0 |",
            "| attempts (with retries) | 3 | 1 |",
            "| wall time (s) | 1.23 | 0.50 |",
            "",
            "Targets: CreateFlowLogs calls at first = ceil(10/300) = 1;"
            " steady-state reads <= 2 x ceil(10/1000) + 2 = 4, writes 0.",
        ]
    )


def test_a_run_over_a_small_estate_meets_the_targets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--vpcs", "301"]) == 0
    out = capsys.readouterr().out
    assert "| CreateFlowLogs | 2 | 0 |" in out
    assert "| **writes** | 5 | 0 |" in out  # the lease, 2 batches, the lease back, the report
    # Create also lists the cluster records (GetParametersByPath), to undo cluster coverage switched off.
    assert "| **reads** | 7 | 3 |" in out


def test_no_vpc_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--vpcs", "0"])
    assert exited.value.code == 2
    assert "--vpcs must be 1 or more (the region's default VPC is one)" in capsys.readouterr().err
