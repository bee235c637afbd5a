"""bench.clusters: the runner's EKS calls and virtual time per cluster, as docs/performance.md reports them."""

from __future__ import annotations

import pytest

from bench.clusters import main, measure


def test_per_cluster_figures_hold() -> None:
    already_open, fresh, untagged, many = measure(6)
    # A cluster that is open already: ListClusters, DescribeCluster, DescribeAccessEntry, and no write.
    assert already_open.calls == {
        "ListClusters": 1,
        "DescribeCluster": 1,
        "DescribeAccessEntry": 1,
        "GetParameter": 1,
        "GetParametersByPath": 1,
    }
    assert already_open.virtual_seconds < 1
    # A fresh CONFIG_MAP cluster: two updates (auth mode 60 s, then endpoint 240 s), the marker, the entry.
    assert {op: fresh.calls[op] for op in ("UpdateClusterConfig", "TagResource", "CreateAccessEntry")} == {
        "UpdateClusterConfig": 2,
        "TagResource": 1,
        "CreateAccessEntry": 1,
    }
    assert 300 <= fresh.virtual_seconds < 330
    # The opt-in tag removed: one endpoint update, the entry and the marker go.
    assert {op: untagged.calls[op] for op in ("UpdateClusterConfig", "DeleteAccessEntry", "UntagResource")} == {
        "UpdateClusterConfig": 1,
        "DeleteAccessEntry": 1,
        "UntagResource": 1,
    }
    # 6 fresh clusters: 5 at a time, in one run; each change made once.
    assert many.runs == 1 and many.calls["UpdateClusterConfig"] == 12


def test_the_table_names_every_measurement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--clusters", "2"]) == 0
    out = capsys.readouterr().out
    for column in ("already open (sweep)", "fresh CONFIG_MAP (Create)", "opt-in tag removed (sweep)", "2 fresh"):
        assert column in out
    assert "| **EKS calls per cluster** | 3.0 |" in out


def test_no_cluster_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--clusters", "0"])
    assert exited.value.code == 2
    assert "--clusters must be 1 or more" in capsys.readouterr().err
