"""The sink's store: every telemetry envelope the exporter sent, durably, in SQLite.

One table, one row per envelope, the envelope kept verbatim as JSON (what Application Insights
would have ingested), with a few columns pulled out for filtering:

    envelopes(id INTEGER PRIMARY KEY, received_at TEXT, time TEXT, name TEXT, base_type TEXT, envelope TEXT)

Rules: writes are one transaction per ingestion batch (all or nothing); readers open their own
connection (WAL mode lets them read while the sink writes); times are the envelope's own UTC `time`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STORE_FILE = "telemetry.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS envelopes (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    time TEXT NOT NULL,
    name TEXT NOT NULL,
    base_type TEXT NOT NULL,
    envelope TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS envelopes_type_time ON envelopes (base_type, time);
"""


def store_path(data_dir: Path) -> Path:
    """Where the store of a sink's data directory lives."""
    return Path(data_dir) / STORE_FILE


def connect(data_dir: Path) -> sqlite3.Connection:
    """Open (creating if needed) the store of data_dir, in WAL mode."""
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(store_path(data_dir), timeout=30, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(_SCHEMA)
    return connection


def write_envelopes(connection: sqlite3.Connection, envelopes: Iterable[dict[str, Any]]) -> int:
    """Store one ingestion batch atomically; returns how many envelopes were stored."""
    received_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows = [
        (received_at, str(e.get("time", "")), str(e.get("name", "")), _base_type(e), json.dumps(e)) for e in envelopes
    ]
    with connection:
        connection.executemany(
            "INSERT INTO envelopes (received_at, time, name, base_type, envelope) VALUES (?, ?, ?, ?, ?)", rows
        )
    return len(rows)


def read_envelopes(data_dir: Path, base_type: str | None = None) -> Iterator[dict[str, Any]]:
    """Every stored envelope (optionally of one baseType, e.g. "RequestData"), oldest first."""
    if not store_path(data_dir).exists():
        return
    connection = sqlite3.connect(f"file:{store_path(data_dir)}?mode=ro", uri=True, timeout=30)
    try:
        query = "SELECT envelope FROM envelopes"
        params: tuple[str, ...] = ()
        if base_type is not None:
            query, params = query + " WHERE base_type = ?", (base_type,)
        for (text,) in connection.execute(query + " ORDER BY id", params):
            yield json.loads(text)
    finally:
        connection.close()


def _base_type(envelope: dict[str, Any]) -> str:
    data = envelope.get("data")
    return str(data.get("baseType", "")) if isinstance(data, dict) else ""
