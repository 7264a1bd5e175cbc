"""The sink's store: every telemetry envelope the exporter sent, durably, in SQLite, plus the
managed-endpoint front's traffic log.

    envelopes(id INTEGER PRIMARY KEY, received_at TEXT, visible_at TEXT, time TEXT, name TEXT,
              base_type TEXT, envelope TEXT)
    traffic_log(id INTEGER PRIMARY KEY, visible_at TEXT, record TEXT)

An envelope is kept verbatim as JSON (what Application Insights would have ingested); a traffic-log
record is one AmlOnlineEndpointTrafficLog row as JSON, keyed by that table's column names.
Rules: writes are one transaction per ingestion batch (all or nothing); readers open their own
connection (WAL mode lets them read while the sink writes); times are UTC ISO strings.
`visible_at` is when a row becomes queryable (ingestion lag; = received_at without a delay):
readers pass `visible_by` to see only what a query at that moment would see.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

STORE_FILE = "telemetry.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS envelopes (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    visible_at TEXT NOT NULL DEFAULT '',
    time TEXT NOT NULL,
    name TEXT NOT NULL,
    base_type TEXT NOT NULL,
    envelope TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS envelopes_type_time ON envelopes (base_type, time);
"""
_TRAFFIC_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS traffic_log (id INTEGER PRIMARY KEY, visible_at TEXT NOT NULL, record TEXT NOT NULL)"
)


def iso(moment: datetime) -> str:
    """The store's time format (UTC, microseconds, Z): sorts as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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


def write_envelopes(connection: sqlite3.Connection, envelopes: Iterable[dict[str, Any]], delay_s: float = 0.0) -> int:
    """Store one ingestion batch atomically, queryable after delay_s; returns how many were stored."""
    now = datetime.now(UTC)
    received_at, visible_at = iso(now), iso(now + timedelta(seconds=max(0.0, delay_s)))
    rows = [
        (received_at, visible_at, str(e.get("time", "")), str(e.get("name", "")), _base_type(e), json.dumps(e))
        for e in envelopes
    ]
    with connection:
        connection.executemany(
            "INSERT INTO envelopes (received_at, visible_at, time, name, base_type, envelope)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


def create_traffic_log(connection: sqlite3.Connection) -> None:
    """Create the traffic-log table (the managed front does, as the endpoint's diagnostic setting would)."""
    with connection:
        connection.execute(_TRAFFIC_SCHEMA)


def write_traffic(connection: sqlite3.Connection, records: Iterable[dict[str, Any]], delay_s: float = 0.0) -> int:
    """Store AmlOnlineEndpointTrafficLog rows (one batch), queryable after delay_s."""
    create_traffic_log(connection)
    visible_at = iso(datetime.now(UTC) + timedelta(seconds=max(0.0, delay_s)))
    rows = [(visible_at, json.dumps(r)) for r in records]
    with connection:
        connection.executemany("INSERT INTO traffic_log (visible_at, record) VALUES (?, ?)", rows)
    return len(rows)


def read_envelopes(
    data_dir: Path, base_type: str | None = None, visible_by: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Stored envelopes (optionally of one baseType, and only those visible by a moment), oldest first."""
    clauses, params = [], []
    if base_type is not None:
        clauses.append("base_type = ?")
        params.append(base_type)
    if visible_by is not None:
        clauses.append("visible_at <= ?")
        params.append(iso(visible_by))
    yield from _read(data_dir, "SELECT envelope FROM envelopes", clauses, params)


def read_traffic(data_dir: Path, visible_by: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Stored traffic-log rows (only those visible by a moment, when given), oldest first."""
    clauses, params = ([], []) if visible_by is None else (["visible_at <= ?"], [iso(visible_by)])
    yield from _read(data_dir, "SELECT record FROM traffic_log", clauses, params)


def has_traffic_log(data_dir: Path) -> bool:
    """True when the store holds the traffic-log table (the managed front ran here)."""
    if not store_path(data_dir).exists():
        return False
    connection = sqlite3.connect(f"file:{store_path(data_dir)}?mode=ro", uri=True, timeout=30)
    try:
        found = connection.execute("SELECT name FROM sqlite_master WHERE name = 'traffic_log'").fetchone()
        return found is not None
    finally:
        connection.close()


def _read(data_dir: Path, select: str, clauses: list[str], params: list[str]) -> Iterator[dict[str, Any]]:
    if not store_path(data_dir).exists():
        return
    connection = sqlite3.connect(f"file:{store_path(data_dir)}?mode=ro", uri=True, timeout=30)
    try:
        query = select + (" WHERE " + " AND ".join(clauses) if clauses else "")
        for (text,) in connection.execute(query + " ORDER BY id", tuple(params)):
            yield json.loads(text)
    finally:
        connection.close()


def _base_type(envelope: dict[str, Any]) -> str:
    data = envelope.get("data")
    return str(data.get("baseType", "")) if isinstance(data, dict) else ""
