"""A SQLite engine for the Log Analytics stand-in: the same KQL subset, a million rows without a GB of dicts.

`LogAnalyticsStandIn(engine=SqliteTables(path))` answers from SQLite instead of its in-memory
`tables`. Each KQL stage becomes one SELECT around the previous one (SQLite flattens them):
`| where T >= datetime(A) and T < datetime(B)`, `| where Col == "x"`, `| where col in (...)`,
`| project a=Col, b=tostring(Col["key"]), c=tostring(Col), Col`, and the census
`| summarize n=count() by b=bin(T, Ns)`. Anything else is a QueryError (400), as in the dict engine.
Times are stored as fixed-width ISO text ("2026-11-22T20:00:00.000000Z"), so text order is time order;
dynamic columns (Properties) as JSON text.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scorebench.core.records import Sample, header
from scorebench.core.rundir import write_json_atomic
from tests.probes.loganalytics_standin import EQUALS, IN, SUMMARIZE, TERM, WINDOW, QueryError, parse_time, stamp

REQUEST_COLUMNS = (
    "TimeGenerated", "Name", "OperationId", "ResultCode", "Success", "DurationMs", "ItemCount", "Properties",
    "AppRoleName",
)  # fmt: skip
EXCEPTION_COLUMNS = (
    "TimeGenerated", "ExceptionType", "OuterMessage", "InnermostMessage", "Properties", "ItemCount", "AppRoleName",
)  # fmt: skip
TYPES = {"TimeGenerated": "datetime", "Success": "bool", "DurationMs": "real", "ItemCount": "long"}


class SqliteTables:
    """Tables in one SQLite file; `evaluate(query, timespan)` as the stand-in's engine."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._columns: dict[str, tuple[str, ...]] = {}
        for (table,) in self._db().execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            info = self._db().execute(f"PRAGMA table_info({table})").fetchall()
            self._columns[table] = tuple(column[1] for column in info)  # a file filled earlier

    def _db(self) -> sqlite3.Connection:
        if not hasattr(self._local, "db"):
            self._local.db = sqlite3.connect(self.path, check_same_thread=False)
        db: sqlite3.Connection = self._local.db
        return db

    def create(self, table: str, columns: tuple[str, ...] = REQUEST_COLUMNS) -> None:
        self._columns[table] = columns
        self._db().execute(f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(columns)})")
        self._db().execute(f"CREATE INDEX IF NOT EXISTS {table}_time ON {table} (TimeGenerated)")

    def insert(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        """Rows as dicts in the documented table schema (dynamic columns as dicts)."""
        columns = self._columns[table]
        marks = ", ".join("?" for _ in columns)
        values = ([json.dumps(v) if isinstance(v, dict) else v for v in (r.get(c) for c in columns)] for r in rows)
        with self._db() as db:
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", values)

    def evaluate(self, query: str, timespan: str | None) -> tuple[list[dict], list[list]]:
        stages = [s.strip() for s in query.split("|")]
        table = stages[0]
        if table not in self._columns:
            raise QueryError(f"Failed to resolve table expression named '{table}'")
        sql, args = f"SELECT * FROM {table}", []
        names: list[str] = list(self._columns[table])
        types = {c: TYPES.get(c, "dynamic" if c == "Properties" else "string") for c in names}
        if timespan:
            lo, hi = (stamp(parse_time(t)) for t in timespan.split("/"))
            sql, args = f"{sql} WHERE TimeGenerated >= ? AND TimeGenerated <= ?", [lo, hi]
        for step in stages[1:]:
            sql, args, names, types = _step(step, sql, args, names, types)
        try:
            rows = self._db().execute(sql, args).fetchall()
        except sqlite3.Error as exc:  # a column the table does not have: KQL's semantic error
            raise QueryError(str(exc)) from None
        columns = [{"name": n, "type": types[n]} for n in names]
        return columns, [[_cell(v, types[n]) for v, n in zip(row, names, strict=True)] for row in rows]


def _step(step: str, sql: str, args: list, names: list[str], types: dict[str, str]) -> tuple:
    inner = f"({sql})"
    if m := WINDOW.match(step):
        lo, hi = stamp(parse_time(m.group(2))), stamp(parse_time(m.group(3)))
        return f"SELECT * FROM {inner} WHERE {m.group(1)} >= ? AND {m.group(1)} < ?", [*args, lo, hi], names, types
    if m := EQUALS.match(step):
        return f"SELECT * FROM {inner} WHERE {m.group(1)} = ?", [*args, m.group(2)], names, types
    if m := IN.match(step):
        wanted = re.findall(r'"([^"]*)"', m.group(2))
        marks = ", ".join("?" for _ in wanted)
        return f"SELECT * FROM {inner} WHERE {m.group(1)} IN ({marks})", [*args, *wanted], names, types
    if m := SUMMARIZE.match(step):
        count, key, column, width = m.group(1), m.group(2), m.group(3), int(m.group(4))
        seconds = f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) / {width} * {width}"
        start = f"strftime('%Y-%m-%dT%H:%M:%S.000000Z', {seconds}, 'unixepoch')"
        sql = f"SELECT {start} AS {key}, count(*) AS {count} FROM {inner} GROUP BY 1 ORDER BY 1"
        return sql, args, [key, count], {key: "datetime", count: "long"}
    if step.startswith("project "):
        terms, out, out_types = [], [], {}
        for term in (t.strip() for t in step[len("project ") :].split(",")):
            match = TERM.match(term)
            if not match:
                raise QueryError(f"project term not supported: {term}")
            name, str_col, key, plain_col = match.groups()
            if key:
                terms.append(f"coalesce(json_extract({str_col}, '$.\"{key}\"'), '') AS {name}")
                out_types[name] = "string"
            elif str_col and types.get(str_col) == "bool":  # KQL: tostring(true) == "true"
                terms.append(f"CASE WHEN {str_col} THEN 'true' ELSE 'false' END AS {name}")
                out_types[name] = "string"
            elif str_col:
                terms.append(f"coalesce(CAST({str_col} AS TEXT), '') AS {name}")
                out_types[name] = "string"
            else:
                source = plain_col or name
                terms.append(f"{source} AS {name}")
                out_types[name] = types.get(source, "string")
            out.append(name)
        return f"SELECT {', '.join(terms)} FROM {inner}", args, out, out_types
    raise QueryError(f"operator not supported: {step}")


def _cell(value: Any, kind: str) -> Any:
    if kind == "bool" and value is not None:
        return bool(value)
    if kind == "string" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def soak_rows(count: int, rps: float, start: str = "2026-11-22T20:00:00") -> Iterable[tuple[str, dict[str, Any]]]:
    """(client request id, AppRequests row) of a soak at `rps`: the inference server's custom dimensions,
    the id `f"{i:032x}"` (uuid4-hex shaped), one service; generated lazily (a million rows fit in no list)."""
    base = datetime.fromisoformat(start).replace(tzinfo=UTC)
    for i in range(count):
        cid = f"{i:032x}"
        moment = base + timedelta(seconds=i / rps)
        yield cid, {
            "TimeGenerated": stamp(moment), "Name": "/score", "OperationId": f"op{i}", "ResultCode": "0",
            "Success": True, "DurationMs": 0.0, "ItemCount": 1, "AppRoleName": "bank-svc",
            "Properties": {"Client Request Id": cid, "duration": "00:00:00.045", "resultCode": "200",
                           "success": "True", "Request Id": f"r{i}", "Service Name": "bank-svc"},
        }  # fmt: skip


def write_soak_run(run_dir: Path, workspace_id: str, ids_and_times: Iterable[tuple[str, str]], ended_at: str) -> int:
    """A run directory whose samples are the soak's requests (all ok), telemetry appinsights on the workspace."""
    run_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(run_dir / "samples.csv", "w", encoding="utf-8") as out:
        out.write(",".join(header(Sample)) + "\n")
        first = ""
        for cid, started in ids_and_times:
            first = first or started
            out.write(f"{cid},{started},50.0,200,ok,45.0,812,18,p0,w0,\n")
            count += 1
    write_json_atomic(run_dir / "run.json", {"telemetry": "appinsights", "workspace_id": workspace_id,
                                             "started_at": first, "ended_at": ended_at})  # fmt: skip
    return count
