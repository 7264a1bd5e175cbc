"""The sample writer's fast paths give exactly what the records codec gives."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from scorebench.core.records import Sample, csv_line, parse_utc, read_csv, utc_from_epoch
from scorebench.loadtests.samples import SampleWriter, sample_line, utc_from_epoch_fast


def sample(payload_id: str = "data.json", server_fn_ms: float | None = 1.5, latency_ms: float = 9.3996) -> Sample:
    return Sample(
        "ab" * 16, "2026-11-22T21:08:30.603457Z", latency_ms, 200, "ok", server_fn_ms, 732, 17, payload_id, "vm-1"
    )


@pytest.mark.parametrize(
    "record",
    [
        sample(),
        sample(server_fn_ms=None),
        dataclasses.replace(sample(), answer_digest="0f1e", server_request_id="9e2a7045-ad7d-4f4b"),
        sample(payload_id='odd,name "quoted".json'),
        sample(payload_id="line\nbreak.jsonl:3"),
        sample(latency_ms=60000.0005),
    ],
)
def test_sample_line_is_csv_line(record: Sample) -> None:
    assert sample_line(record) == csv_line(record)


def test_written_samples_read_back(tmp_path: Path) -> None:
    records = [sample(), sample(payload_id="a,b"), sample(server_fn_ms=None)]
    with SampleWriter(tmp_path / "samples.csv") as writer:
        for record in records:
            writer.write(record)
    assert [r.payload_id for r in read_csv(tmp_path / "samples.csv", Sample)] == ["data.json", "a,b", "data.json"]


def test_utc_from_epoch_fast_is_within_a_microsecond() -> None:
    rng = random.Random(4)
    for epoch_s in [0.0, 1795381824.5411248, *(rng.uniform(1e9, 2e9) for _ in range(2000))]:
        fast, exact = utc_from_epoch_fast(epoch_s), utc_from_epoch(epoch_s)
        assert len(fast) == len(exact)
        assert abs((parse_utc(fast) - parse_utc(exact)).total_seconds()) <= 1.5e-6
