"""reports/common/frames.py: the columnar reader agrees with records.read_samples, tolerates a cut last line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scorebench.core.errors import HarnessError
from scorebench.core.records import parse_utc, read_samples
from scorebench.reports.common import frames
from tests.conftest import REPO_ROOT

SMALL = REPO_ROOT / "tests" / "data" / "fixture_runs" / "small"


def test_frame_matches_the_record_reader() -> None:
    records = read_samples(SMALL)
    frame = frames.read_samples_frame(SMALL)
    assert len(frame) == len(records) == 300
    assert frame["latency_ms"].tolist() == [s.latency_ms for s in records]
    assert frame["client_request_id"].tolist() == [s.client_request_id for s in records]
    assert frame["started_s"].iloc[5] == pytest.approx(parse_utc(records[5].started_at).timestamp(), abs=1e-6)
    assert frame["server_fn_ms"].isna().sum() == sum(s.server_fn_ms is None for s in records)


def test_parts_are_read_together_and_a_cut_last_line_is_dropped(tmp_path: Path) -> None:
    text = (SMALL / "samples.csv").read_text().splitlines()
    (tmp_path / "samples.csv").write_text("\n".join(text[:101]) + "\n")
    (tmp_path / "samples-w0.csv").write_text("\n".join([text[0], *text[101:], text[5][:40]]))  # killed mid-line
    assert len(frames.read_samples_frame(tmp_path)) == 300


def test_missing_telemetry_is_an_empty_frame(tmp_path: Path) -> None:
    shutil.copy(SMALL / "samples.csv", tmp_path)
    assert len(frames.read_telemetry_frame(tmp_path)) == 0
    assert list(frames.read_exceptions_frame(tmp_path).columns) == [
        "timestamp",
        "client_request_id",
        "type",
        "message",
        "item_count",
    ]


def test_wrong_columns_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "samples.csv").write_text("a,b\n1,2\n")
    with pytest.raises(HarnessError, match=r"samples.csv: columns \['a', 'b'\] are not \['client_request_id'"):
        frames.read_samples_frame(tmp_path)
