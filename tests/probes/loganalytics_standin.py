"""A local HTTP stand-in of the Log Analytics query API, for the real LogsQueryClient.

It answers POST /v1/workspaces/{id}/query and POST /v1/{resource id}/query with the documented
JSON (azure-facts §1.7): {"tables": [{"name", "columns": [{"name", "type"}], "rows"}]}, plus
"error": {"code": "PartialError", ...} when a result is cut at `row_limit` rows.

It is not a KQL engine: it evaluates exactly the subset scorebench's queries use — a table name,
`| where T >= datetime(A) and T < datetime(B)`, `| where Col == "text"`, `| project a=Col,
b=tostring(Col["key"]), c=tostring(Col), Col`, `| where col in ("x", ...)` — and answers 400
BadArgumentError for anything else, so a query drifting outside that subset fails loudly.

At resource scope (POST /v1/{resource id}/query) `resource_scope` says which names resolve: "any"
(every table, the default), "app" (only the App* names, as documented for resource-centric queries:
classic `requests`/`exceptions` and the workspace's AmlOnlineEndpointTrafficLog fail to resolve) or
"classic" (only the classic names, as the portal's resource Logs show them).

Scripting (per test): `tables[name]` holds raw rows in the documented table schema (dicts;
`Properties`/`customDimensions` are dicts); `scripted` is a queue of (status, headers, body) answers
sent before the normal ones (429 with Retry-After, 403, ...); `requests` records every call
(path, body, headers without the Authorization value).
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from azure.core.credentials import AccessToken

_WINDOW = re.compile(r"^where (\w+) >= datetime\(([^)]+)\) and \1 < datetime\(([^)]+)\)$")
_EQUALS = re.compile(r'^where (\w+) == "([^"]*)"$')
_IN = re.compile(r"^where (\w+) in \((.*)\)$")
_TERM = re.compile(r'(\w+)(?:=(?:tostring\((\w+)(?:\["([^"]+)"\])?\)|(\w+)))?$')
_TIME_COLUMNS = ("TimeGenerated", "timestamp")
TRAFFIC = "AmlOnlineEndpointTrafficLog"


class QueryError(Exception):
    """A query outside the stand-in's subset: answered as 400 BadArgumentError."""


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tostring(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _project(clause: str, rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    terms = [t.strip() for t in clause.split(",")]
    parsed = []
    for term in terms:
        match = _TERM.match(term)
        if not match:
            raise QueryError(f"project term not supported: {term}")
        name, str_col, key, plain_col = match.groups()
        parsed.append((name, str_col, key, plain_col or (None if str_col else name)))
    out = []
    for row in rows:
        item = {}
        for name, str_col, key, plain_col in parsed:
            if plain_col:
                item[name] = row.get(plain_col)
            elif key:
                item[name] = _tostring((row.get(str_col) or {}).get(key))
            else:
                item[name] = _tostring(row.get(str_col))
        out.append(item)
    return [p[0] for p in parsed], out


def _source_columns(clause: str) -> dict[str, str]:
    """Output column → raw column it came from (to type the datetime columns)."""
    return {
        m.group(1): m.group(4) or ("" if m.group(2) else m.group(1))
        for t in clause.split(",")
        if (m := _TERM.match(t.strip()))
    }


def evaluate(
    tables: dict[str, list[dict[str, Any]]], query: str, timespan: str | None
) -> tuple[list[dict], list[list]]:
    """Run one query of the supported subset; returns (columns, rows) in the wire format."""
    stages = [s.strip() for s in query.split("|")]
    table, steps = stages[0], stages[1:]
    if table not in tables:
        raise QueryError(f"Failed to resolve table expression named '{table}'")
    rows = list(tables[table])
    columns: list[str] | None = None
    sources: dict[str, str] = {}
    if timespan:
        lo, hi = (parse_time(t) for t in timespan.split("/"))
        rows = [r for r in rows if lo <= parse_time(_time_of(r)) <= hi]
    for step in steps:
        rows, columns, sources = _step(step, rows, columns, sources)
    columns = columns or (list(rows[0]) if rows else [])
    wire_columns = [{"name": c, "type": _type_of(c, sources, rows)} for c in columns]
    return wire_columns, [[_wire(row.get(c)) for c in columns] for row in rows]


def _step(step: str, rows: list, columns: list | None, sources: dict) -> tuple[list, list | None, dict]:
    if m := _WINDOW.match(step):
        lo, hi = parse_time(m.group(2)), parse_time(m.group(3))
        return [r for r in rows if lo <= parse_time(str(r[m.group(1)])) < hi], columns, sources
    if m := _EQUALS.match(step):
        return [r for r in rows if r.get(m.group(1)) == m.group(2)], columns, sources
    if m := _IN.match(step):
        wanted = set(re.findall(r'"([^"]*)"', m.group(2)))
        return [r for r in rows if r.get(m.group(1)) in wanted], columns, sources
    if step.startswith("project "):
        names, projected = _project(step[len("project ") :], rows)
        return projected, names, _source_columns(step[len("project ") :])
    raise QueryError(f"operator not supported: {step}")


def _time_of(row: dict[str, Any]) -> str:
    return next(str(row[c]) for c in (*_TIME_COLUMNS, "timestamp") if c in row)


def _type_of(column: str, sources: dict[str, str], rows: list[dict]) -> str:
    if column in _TIME_COLUMNS or sources.get(column) in _TIME_COLUMNS:
        return "datetime"
    sample = next((r.get(column) for r in rows if r.get(column) is not None), "")
    return {bool: "bool", int: "long", float: "real", dict: "dynamic"}.get(type(sample), "string")


def _wire(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, dict) else value


class LogAnalyticsStandIn:
    """Start with `with LogAnalyticsStandIn() as la:`; `la.endpoint` is the client's endpoint."""

    def __init__(self, row_limit: int = 500_000, resource_scope: str = "any") -> None:
        self.tables: dict[str, list[dict[str, Any]]] = {}
        self.resource_scope = resource_scope
        self.scripted: list[tuple[int, dict[str, str], dict[str, Any]]] = []
        self.requests: list[dict[str, Any]] = []
        self.row_limit = row_limit
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> LogAnalyticsStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict, dict]:
        with self.lock:
            self.requests.append({"path": path, "body": body, "headers": headers})
            if self.scripted:
                return self.scripted.pop(0)
        if not (path.startswith("/v1/") and path.endswith("/query")):
            return 404, {}, {"error": {"code": "PathNotFoundError", "message": f"no route {path}"}}
        try:
            columns, rows = evaluate(self._scope(path), body["query"], body.get("timespan"))
        except QueryError as exc:
            error = {
                "code": "BadArgumentError",
                "message": "The request had some invalid properties",
                "innererror": {"code": "SemanticError", "message": str(exc)},
            }
            return 400, {}, {"error": error}
        answer: dict[str, Any] = {"tables": [{"name": "PrimaryResult", "columns": columns, "rows": rows}]}
        if len(rows) > self.row_limit:
            answer["tables"][0]["rows"] = rows[: self.row_limit]
            answer["error"] = {
                "code": "PartialError",
                "message": "There were some errors when processing your query.",
                "details": [
                    {
                        "code": "EngineError",
                        "message": "Something went wrong processing your query on the server.",
                        "innererror": {
                            "code": "E_QUERY_RESULT_SET_TOO_LARGE",
                            "message": "Query result set has exceeded the internal record count limit",
                        },
                    }
                ],
            }
        return 200, {}, answer

    def _scope(self, path: str) -> dict[str, list[dict[str, Any]]]:
        """The tables a query on this path can name (resource scope: `resource_scope`)."""
        if path.startswith("/v1/workspaces/") or self.resource_scope == "any":
            return self.tables
        app = self.resource_scope == "app"
        return {name: rows for name, rows in self.tables.items() if name.startswith("App") == app and name != TRAFFIC}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {k: ("***" if k.lower() == "authorization" else v) for k, v in self.headers.items()}
                headers["has_bearer"] = str(str(self.headers.get("Authorization", "")).startswith("Bearer "))
                status, extra, answer = standin.answer(self.path, body, headers)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        return Handler


T0 = datetime(2026, 11, 22, 20, 0, 0, tzinfo=UTC)
"""The instant test rows are placed relative to (`at(seconds)`)."""


class StaticTokenCredential:
    """A TokenCredential that always hands out the same token (azure-facts §1.8)."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("fake-token", int(time.time()) + 3600)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def aml_request(
    seconds: float, client_id: str, code: int = 200, duration: str = "00:00:00.045", items: int = 1
) -> dict:
    """An AppRequests row as the Azure ML inference server produces it (azure-facts §4.2)."""
    return {
        "TimeGenerated": at(seconds),
        "Name": "/score",
        "OperationId": f"op{client_id}",
        "ResultCode": "0",
        "Success": True,
        "DurationMs": 0.0,
        "ItemCount": items,
        "Properties": {
            "Client Request Id": client_id,
            "duration": duration,
            "resultCode": str(code),
            "success": str(code < 400),
            "Request Id": "r" + client_id,
            "Response Value": "x" * 50,
        },
    }
