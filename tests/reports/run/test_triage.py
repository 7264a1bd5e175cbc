"""reports/run/triage.py on tiny hand-checked frames."""

from __future__ import annotations

import pandas as pd
import pytest

from scorebench.core import secrets
from scorebench.reports.run import triage


def samples() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "latency_ms": [10.0, 20.0, 30.0, 40.0],
            "outcome": pd.Series(["ok", "http_5xx", "http_5xx", "timeout"], dtype="string"),
            "status": [200.0, 502.0, 502.0, 0.0],
            "started_s": [0.0, 1.0, 3.0, 2.0],
            "payload_id": pd.Series(["a", "a", "b", "b"], dtype="string"),
            "bytes_sent": [100.0, 100.0, 300.0, 300.0],
            "bytes_received": [10.0, 0.0, 0.0, 0.0],
        }
    )


def test_failures_by_outcome_and_status_with_first_and_last_seen() -> None:
    rows = triage.failures(samples())
    found = [(r["outcome"], r["status"], r["count"]) for r in rows]
    assert found == [("http_5xx", "502", 2), ("timeout", "no answer", 1)]
    assert rows[0]["first_seen"] == "1970-01-01T00:00:01.000000Z"
    assert rows[0]["last_seen"] == "1970-01-01T00:00:03.000000Z"
    assert rows[0]["payloads"] == "a, b"


@pytest.mark.parametrize(
    ("message", "key"),
    [
        ("<Model object at 0x7f3a1c2d>", "<Model object at <addr>>"),
        ("request 0f4c9a1b2c3d4e5f6a7b8c9d0e1f2a3b failed", "request <id> failed"),
        ("could not convert 'age' to int at row 17", "could not convert '…' to int at row <n>"),
    ],
)
def test_normalise_message(message: str, key: str) -> None:
    assert triage.normalise_message(message) == key


def test_one_failure_with_different_addresses_is_one_group() -> None:
    exceptions = pd.DataFrame(
        {
            "timestamp": pd.Series([f"2026-01-01T00:00:0{i}Z" for i in range(3)], dtype="string"),
            "type": pd.Series(["MemoryError"] * 3, dtype="string"),
            "message": pd.Series([f"no memory at 0x{i}ff" for i in range(3)], dtype="string"),
            "item_count": [1.0, 2.0, 1.0],
        }
    )
    (group,) = triage.exception_groups(exceptions)
    assert (group["count"], group["variants"], group["message"]) == (4, 3, "no memory at <addr>")
    assert (group["first_seen"], group["last_seen"]) == ("2026-01-01T00:00:00Z", "2026-01-01T00:00:02Z")


def test_texts_are_redacted_and_cut() -> None:
    key = "sbk-" + "ab12" * 10
    secrets.register(key)
    try:
        assert triage.clean_text(f"refused key {key}") == "refused key ***"
    finally:
        secrets.forget_all()
    assert triage.clean_text("Authorization: Bearer abcdefgh12345678") == "Authorization: Bearer ***"
    assert len(triage.clean_text("x" * 1000)) == triage.MAX_TEXT + 1


def test_payload_rows_and_traffic_carry_units() -> None:
    rows = triage.payload_rows(samples())
    assert rows[0] == {"payload": "a", "count": 2, "errors": 1, "p50_ms": "15.0 ms", "p95_ms": "19.5 ms",
                       "sent_bytes": "100 B", "received_bytes": "5 B"}  # fmt: skip
    assert triage.traffic(samples(), 4.0) == {
        "sent": "800 B (200 B per request, 200 B/s)",
        "received": "10 B (2 B per request, 2 B/s)",
    }
