"""reports/run/baseline.py: immutable, versioned baseline files; normalisation on load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scorebench.core.errors import HarnessError
from scorebench.reports.run import baseline as baselines
from scorebench.reports.run.build import make_baseline
from tests.conftest import REPO_ROOT

SMALL = REPO_ROOT / "tests" / "data" / "fixture_runs" / "small"
CLOCK = "2026-11-22T21:00:00.000000Z"


def test_document_carries_what_a_comparison_needs() -> None:
    document = make_baseline(SMALL, "v1", created_at=CLOCK)
    assert document["version"] == baselines.BASELINE_VERSION
    assert document["created_at"] == CLOCK
    assert document["load_profile"]["concurrency"] == 4
    assert document["payload_set_hash"] == "sha256:4f1c0e0b9d2a7d3e"
    assert document["summary"]["count"] == 300
    ok = document["summary"]["ok"]
    assert 0 < ok < 300  # the fixture has failures: the sample and the per-second counts are the ok answers'
    assert len(document["latency_sample_ms"]) == ok
    assert document["latency_sample_ms"] == sorted(document["latency_sample_ms"])
    assert sum(document["requests_per_second"]) == ok
    assert set(document["environment"]) == {"scorebench", "python", "platform", "machine", "cpus"}
    assert document["run"]["endpoint"] == "http://127.0.0.1:5001/score"


def test_save_refuses_to_overwrite(tmp_path: Path) -> None:
    path = baselines.baseline_path("v1", tmp_path)
    baselines.save_baseline({"summary": {}}, path)
    before = path.read_text()
    with pytest.raises(HarnessError, match=r"exists; baselines are never overwritten \(choose a new --name\)"):
        baselines.save_baseline({"summary": {"count": 1}}, path)
    assert path.read_text() == before


def test_load_round_trip(tmp_path: Path) -> None:
    document = make_baseline(SMALL, "v1", created_at=CLOCK)
    baselines.save_baseline(document, baselines.baseline_path("v1", tmp_path))
    assert baselines.load_baseline("v1", tmp_path) == document


def test_normalize_upgrades_a_version_0_file() -> None:
    old = {"summary": {"count": 50, "errors": 5, "latency_ms": {"p95": 10.0}}}
    new = baselines.normalize_baseline(old)
    assert new["version"] == baselines.BASELINE_VERSION
    assert new["summary"]["latency_ms"] == {"p95": 10.0}  # no ok_latency_ms: what there was stays
    assert new["latency_sample_ms"] == []
    assert new["requests_per_second"] == []
    assert new["summary"]["error_rate"] == 0.1
    assert new["load_profile"] is None


def test_normalize_reads_a_version_1_baseline_whose_latency_was_over_every_request() -> None:
    old = {"version": 1, "summary": {"version": 1, "count": 4, "ok": 2, "errors": 2, "throughput_rps": 2.0,
                                     "latency_ms": {"p50": 50.5}, "ok_latency_ms": {"p50": 100.0}}}  # fmt: skip
    summary = baselines.normalize_baseline(old)["summary"]
    assert summary["latency_ms"] == {"p50": 100.0}  # the ok answers' figure, as checks now use
    assert "ok_latency_ms" not in summary
    assert (summary["throughput_rps"], summary["requests_rps"]) == (1.0, 2.0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "b.json: not a scorebench baseline (no summary)"),
        ({"version": 99, "summary": {}}, "b.json: version 99 is newer than this scorebench reads (2)"),
    ],
)
def test_normalize_rejects(data: object, message: str) -> None:
    with pytest.raises(HarnessError) as caught:
        baselines.normalize_baseline(data, "b.json")
    assert str(caught.value) == message


def test_missing_baseline_names_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text(json.dumps({"summary": {}}))
    with pytest.raises(HarnessError, match=r"baseline 'nope' not found at .*nope.json \(known: old\)"):
        baselines.load_baseline("nope", tmp_path)


@pytest.mark.parametrize("name", ["../escape", "a b", "", "x" * 101])
def test_bad_names(name: str, tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="baseline name"):
        baselines.baseline_path(name, tmp_path)


def test_a_baseline_stores_what_the_overlay_charts_need_and_old_ones_still_load() -> None:
    document = make_baseline(REPO_ROOT / "tests" / "data" / "fixture_runs" / "small", "v", created_at="x")
    assert set(document["series"]) == {"t_s", "requests", "errors", "p50", "p95"}
    assert len(document["series"]["t_s"]) == 30  # 300 requests at 10 rps start in seconds 0 … 29
    assert document["latency_curve"]["pct"][-1] == 100.0
    old = {k: v for k, v in document.items() if k not in ("series", "latency_curve", "series_bucket_s")}
    upgraded = baselines.normalize_baseline(old)
    assert (upgraded["series"], upgraded["latency_curve"]) == (None, None)
