"""reports/run/triage.py on tiny hand-checked frames."""

from __future__ import annotations

import pandas as pd

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
    assert rows[0]["first_seen"] == "1970-01-01T00:00:01.000Z"
    assert rows[0]["last_seen"] == "1970-01-01T00:00:03.000Z"
    assert rows[0]["payloads"] == "a, b"


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
