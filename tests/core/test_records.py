"""Records round-trip through their one CSV format (scorebench/records.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from scorebench.core.records import (
    Sample,
    TelemetryRow,
    header,
    parse_utc,
    read_csv,
    read_samples,
    utc_from_epoch,
    utc_iso,
    write_csv,
)
from scorebench.loadtests.samples import SampleWriter

SAMPLE = Sample("a" * 32, "2026-11-22T20:00:00.000001Z", 12.3456, 200, "ok", None, 100, 25, "data.json", "ab-0")


def test_header_is_field_names():
    assert header(Sample) == [
        "client_request_id", "started_at", "latency_ms", "status", "outcome", "server_fn_ms",
        "bytes_sent", "bytes_received", "payload_id", "worker", "answer_digest", "server_request_id",
    ]  # fmt: skip


def test_files_written_before_the_trailing_columns_still_read(tmp_path):
    """Samples without server_request_id (or also without answer_digest), telemetry without it: read empty."""
    with_id = Sample("a" * 32, SAMPLE.started_at, 1.0, 200, "ok", None, 1, 2, "p", "w", "d1", "srv-1")
    write_csv(tmp_path / "new.csv", [with_id], Sample)
    lines = (tmp_path / "new.csv").read_text().splitlines()
    for cut, expected in ((1, ("d1", "")), (2, ("", ""))):
        older = "\n".join(",".join(line.split(",")[:-cut]) for line in lines) + "\n"
        (tmp_path / "old.csv").write_text(older)
        (back,) = read_csv(tmp_path / "old.csv", Sample)
        assert (back.answer_digest, back.server_request_id) == expected
    row = TelemetryRow("2026-11-22T20:00:00.000000Z", "id", "op", "/score", "200", True, 4.0, 1)
    write_csv(tmp_path / "t.csv", [row], TelemetryRow)
    text = (tmp_path / "t.csv").read_text().splitlines()
    (tmp_path / "t.csv").write_text("\n".join(line.rsplit(",", 1)[0] for line in text) + "\n")
    assert list(read_csv(tmp_path / "t.csv", TelemetryRow)) == [row]


def test_round_trip_rounds_floats_to_microseconds(tmp_path):
    row = TelemetryRow("2026-11-22T20:00:00.000000Z", "id", "op", "/score", "500", False, 40.5, 3)
    write_csv(tmp_path / "t.csv", [row], TelemetryRow)
    assert list(read_csv(tmp_path / "t.csv", TelemetryRow)) == [row]
    write_csv(tmp_path / "s.csv", [SAMPLE], Sample)
    (back,) = read_csv(tmp_path / "s.csv", Sample)
    assert back.latency_ms == 12.346
    assert back.server_fn_ms is None


def test_streamed_parts_are_read_together_and_a_torn_last_line_is_skipped(tmp_path):
    with SampleWriter(tmp_path / "samples.csv") as writer:
        writer.write(SAMPLE)
    with SampleWriter(tmp_path / "samples-ab-1.csv") as writer:
        writer.write(dataclasses.replace(SAMPLE, client_request_id="c" * 32, worker="ab-1"))
    with (tmp_path / "samples-ab-1.csv").open("a") as handle:
        handle.write("b" * 32 + ",2026-11-22T20:00:01Z,5.0")  # the writer died mid-line
    assert len(read_samples(tmp_path)) == 2


def test_writer_appends_without_second_header(tmp_path):
    path = tmp_path / "samples.csv"
    for n in range(2):
        with SampleWriter(path) as writer:
            writer.write(dataclasses.replace(SAMPLE, client_request_id=f"{n}" * 32))
    assert path.read_text().count("client_request_id") == 1
    assert len(read_samples(tmp_path)) == 2


def test_utc_strings():
    moment = datetime(2026, 11, 22, 20, 0, 0, 5, tzinfo=UTC)
    assert utc_iso(moment) == "2026-11-22T20:00:00.000005Z"
    assert parse_utc(utc_iso(moment)) == moment
    assert utc_from_epoch(0) == "1970-01-01T00:00:00.000000Z"
