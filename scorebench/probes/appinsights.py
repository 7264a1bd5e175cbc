"""The Application Insights backend: Log Analytics queries through azure-monitor-query's LogsQueryClient.

Rules:
- Workspace-based resources (`workspace_id`) are read with query_workspace from AppRequests /
  AppExceptions; an Application Insights resource id (`app_insights_id`) with query_resource, also
  by the AppRequests / AppExceptions names (documented for resource-centric queries), falling back
  to the classic requests / exceptions once the service answers "Failed to resolve" for them.
  With `traffic_log` the managed online endpoint's AmlOnlineEndpointTrafficLog is read too (no
  sampling, the platform's own timing; `requests()` then answers from it), only the run's endpoint
  (`traffic_endpoint`) and path; it lives in a workspace only, so at resource scope it is an error
  of that table at once, never a query; with `app_insights` False (App Insights off) only it.
- `observe` reads every table once per poll; a table that fails (e.g. not enabled: "Failed to
  resolve table") costs only its own rows and says why.
- A result may be cut at 500,000 rows / ~64 MB and arrive as LogsQueryPartialResult (HTTP 200, no
  exception): never used as data — the time slice is halved and both halves queried, down to
  `min_slice_s`. Long id lists are queried in chunks (probes/kql.py ID_CHUNK).
- 429 is retried honouring Retry-After (azure-core does it when the header is sent; this module
  adds `throttle_retries` more). Every failure becomes one HarnessError line naming what to fix.
- Everything comes from the spec record (`AppInsightsTelemetry`, probes/spec.py; config.py fills
  it from flags and SCOREBENCH_LOGS_*): the sign-in (DefaultAzureCredential, a browser login, a
  ready token), the endpoint (sovereign clouds, tests; plain http only on loopback: the token then
  flows unencrypted), the tables. Nothing here reads the environment.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, ClientAuthenticationError, HttpResponseError
from azure.monitor.query import LogsQueryClient, LogsQueryPartialResult

from scorebench.core.errors import HarnessError
from scorebench.core.records import ExceptionRow, TelemetryRow, utc_iso
from scorebench.probes import kql
from scorebench.probes.rows import SCORE_NAME, exception_row, request_row
from scorebench.probes.spec import LOOPBACK_HOSTS, PUBLIC_ENDPOINT, AppInsightsTelemetry, CredentialKind
from scorebench.probes.target import EXCEPTIONS, REQUESTS, TRAFFIC_LOG, Observation, Seen, SeenException
from scorebench.probes.traffic import as_telemetry, service_of, traffic_row

Row = dict[str, Any]
_MISSING_TABLE = re.compile(r"named '([^']+)'")


class MissingTable(HarnessError):
    """The service answered that a table does not exist ("Failed to resolve table ... named 'X'")."""

    def __init__(self, message: str, table: str) -> None:
        super().__init__(message)
        self.table = table


class AppInsightsProbe:
    """Requests and exceptions of a run window from Application Insights (Log Analytics)."""

    poll_s = 20.0
    """Ingestion takes seconds to minutes; 3 unchanged polls = a minute without growth."""

    def __init__(
        self,
        spec: AppInsightsTelemetry,
        *,
        credential: TokenCredential | None = None,
        client_options: Mapping[str, object] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """The spec says where and how (probes/spec.py); `credential` replaces the spec's sign-in
        (tests, or a caller holding one), `client_options` go to LogsQueryClient (azure-core's)."""
        self.workspace_id, self.resource_id = spec.workspace_id, spec.app_insights_id
        self.schema = kql.WORKSPACE  # at resource scope too, until the service says it has no AppRequests
        self.traffic_endpoint = spec.traffic_endpoint
        self.traffic_log, self.request_name = spec.traffic_log or not spec.app_insights, spec.request_name
        self.app_insights = spec.app_insights
        self.throttle_retries, self.min_slice_s = spec.throttle_retries, spec.min_slice_s
        self.server_timeout_s, self._sleep = spec.server_timeout_s, sleep
        self.endpoint = spec.endpoint.rstrip("/")
        self._call_options: dict[str, Any] = {"enforce_https": False} if _loopback_http(self.endpoint) else {}
        if self.endpoint.startswith("http://") and not self._call_options:
            raise HarnessError(f"{self.endpoint}: plain http is allowed only on 127.0.0.1 (tests)")
        audience = spec.audience or _default_audience(self.endpoint)
        credential = credential if credential is not None else spec_credential(spec)
        self.client = LogsQueryClient(
            credential, endpoint=self.endpoint, audience=audience, **dict(client_options or {})
        )
        target = f"workspace:{spec.workspace_id}" if spec.workspace_id else f"resource:{spec.app_insights_id}"
        self.source = f"appinsights:{target}" + (":traffic_log" if spec.traffic_log else "")

    def requests(
        self, start: datetime, end: datetime, client_request_ids: Collection[str] | None = None
    ) -> list[TelemetryRow]:
        """Scoring requests in [start, end), optionally only those with the given client ids."""
        ids = None if client_request_ids is None else sorted(set(client_request_ids))
        chunks: list[list[str] | None] = [None] if ids is None else _chunks(ids, kql.ID_CHUNK)
        rows: list[TelemetryRow] = []
        read = self._traffic_rows if self.traffic_log else self._insights_rows
        for chunk in chunks:
            rows += [self._to_request(r) for r in read(chunk, start, end)]
        return rows

    def exceptions(self, start: datetime, end: datetime) -> list[ExceptionRow]:
        """Server exceptions in [start, end)."""
        rows = self._classic_on_missing(lambda: self._sliced(self._exceptions_query, start, end))
        return [_to_exception(row) for row in rows]

    def _exceptions_query(self, start: datetime, end: datetime) -> str:
        return kql.exceptions_query(self.schema, start, end)

    def _classic_on_missing(self, read: Callable[[], list[Row]]) -> list[Row]:
        """`read()`; at resource scope, once more with the classic names when AppRequests/AppExceptions
        do not resolve (a classic resource queried by the names documented for resource-centric queries)."""
        try:
            return read()
        except MissingTable as exc:
            if self.workspace_id or self.schema is kql.CLASSIC or exc.table not in (
                kql.WORKSPACE.requests, kql.WORKSPACE.exceptions,
            ):  # fmt: skip
                raise
            self.schema = kql.CLASSIC
            return read()

    def tables(self) -> tuple[str, ...]:
        """The tables this probe reads."""
        insights = (REQUESTS, EXCEPTIONS) if self.app_insights else ()
        return insights + ((TRAFFIC_LOG,) if self.traffic_log else ())

    def observe(self, start: datetime, end: datetime, client_request_ids: Collection[str] | None) -> Observation:
        """One poll of every table, each row tagged with its service; a failing table costs only its rows."""
        ids = None if client_request_ids is None else sorted(set(client_request_ids))
        chunks: list[list[str] | None] = [None] if ids is None else _chunks(ids, kql.ID_CHUNK)
        seen: list[Seen] = []
        exceptions: list[SeenException] = []
        errors: dict[str, str] = {}
        readers = {
            REQUESTS: lambda: [self._seen_request(r) for c in chunks for r in self._insights_rows(c, start, end)],
            TRAFFIC_LOG: lambda: [_seen_traffic(r) for c in chunks for r in self._traffic_rows(c, start, end)],
        }
        for table in self.tables():
            try:
                if table == EXCEPTIONS:
                    rows = self._classic_on_missing(lambda: self._sliced(self._exceptions_query, start, end))
                    exceptions += [SeenException(str(r.get("role") or ""), _to_exception(r)) for r in rows]
                else:
                    seen += readers[table]()
            except HarnessError as exc:
                errors[table] = str(exc)
        return Observation(seen, exceptions, errors, self.tables())

    def _insights(self, chunk: Sequence[str] | None) -> Callable[[datetime, datetime], str]:
        return lambda a, b: kql.requests_query(self.schema, a, b, chunk, self.request_name)

    def _traffic(self, chunk: Sequence[str] | None) -> Callable[[datetime, datetime], str]:
        return lambda a, b: kql.traffic_log_query(a, b, chunk, self.traffic_endpoint, self.request_name)

    def _insights_rows(self, chunk: Sequence[str] | None, start: datetime, end: datetime) -> list[Row]:
        return self._classic_on_missing(lambda: self._sliced(self._insights(chunk), start, end))

    def _traffic_rows(self, chunk: Sequence[str] | None, start: datetime, end: datetime) -> list[Row]:
        if not self.workspace_id:
            raise HarnessError(kql.traffic_log_needs_workspace(str(self.resource_id)))
        return self._sliced(self._traffic(chunk), start, end)

    def _seen_request(self, row: Row) -> Seen:
        return Seen(str(row.get("service") or "") or str(row.get("role") or ""), _request_row(row))

    def _to_request(self, row: Row) -> TelemetryRow:
        return _traffic_row(row) if self.traffic_log else _request_row(row)

    def _sliced(self, build: Callable[[datetime, datetime], str], start: datetime, end: datetime) -> list[Row]:
        """All rows of [start, end); a partial (truncated) answer is replaced by its two halves."""
        result = self._query(build(start, end), start, end)
        if not isinstance(result, LogsQueryPartialResult):
            return _table_rows(result.tables)
        if (end - start).total_seconds() <= self.min_slice_s:
            error = result.partial_error
            why = f"{error.code}: {error.message}" if error else "PartialError"
            raise HarnessError(
                f"{self._target()}: Log Analytics returned a partial result even for {utc_iso(start)}"
                f"..{utc_iso(end)} ({why}); too many rows in one slice"
            )
        middle = start + (end - start) / 2
        return self._sliced(build, start, middle) + self._sliced(build, middle, end)

    def _query(self, query: str, start: datetime, end: datetime) -> Any:
        """One query with throttling retries; failures become a HarnessError naming the fix."""
        options = dict(self._call_options, timespan=(start, end), server_timeout=self.server_timeout_s)
        for attempt in range(self.throttle_retries + 1):
            try:
                if self.workspace_id:
                    return self.client.query_workspace(self.workspace_id, query, **options)
                return self.client.query_resource(str(self.resource_id), query, **options)
            except HttpResponseError as exc:
                missing = _missing_table(exc)
                if missing:
                    raise MissingTable(self._missing_hint(missing), missing) from None
                if exc.status_code != 429 or attempt == self.throttle_retries:
                    raise HarnessError(self._explain(exc)) from None
                self._sleep(_retry_after_s(exc, default_s=2.0 * 2**attempt))
            except AzureError as exc:  # no answer at all: refused, reset, timed out
                raise HarnessError(f"cannot reach Log Analytics at {self.endpoint}: {_first_line(exc)}") from None
        raise AssertionError("unreachable")

    def _target(self) -> str:
        return f"workspace {self.workspace_id}" if self.workspace_id else f"resource {self.resource_id}"

    def _explain(self, exc: HttpResponseError) -> str:
        """One line: what failed and what to fix."""
        if exc.status_code is None and _is_auth_failure(exc):
            return (
                f"no Azure credential for Log Analytics ({_first_line(exc)}): run `az login`, set"
                " AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, use a managed identity, or pass --interactive"
            )
        status, target, message = exc.status_code, self._target(), _service_message(exc)
        flag = "--workspace-id" if self.workspace_id else "--app-insights-id"
        hints = {
            401: f"Log Analytics refused the token for {target} (401): sign in again (az login) in the right tenant",
            403: f"access denied to {target} (403): give the identity the 'Log Analytics Reader' role on the"
            " workspace (or 'Monitoring Reader' on the Application Insights resource)",
            404: f"{target} not found (404): check {flag} (the workspace GUID from the Log Analytics"
            " overview, or the full /subscriptions/.../components/NAME id)",
            429: f"Log Analytics throttled the queries for {target} (429) after {self.throttle_retries} retries:"
            " wait a minute, then run `scorebench probe RUN_DIR` again",
        }
        return hints.get(status or 0, f"Log Analytics answered {status} for {target}: {message}")

    def _missing_hint(self, table: str) -> str:
        """One line for a table the service says does not exist, naming that table and what makes it."""
        target = self._target()
        if table == kql.TRAFFIC_LOG:
            return (
                f"{target} has no {table} table: enable the endpoint's diagnostic setting"
                " 'AmlOnlineEndpointTrafficLog' to this workspace, or drop the traffic log option"
            )
        if self.workspace_id:
            return (
                f"{target} has no {table} table: no Application Insights resource sends to this workspace;"
                " check --workspace-id (the Log Analytics workspace of the workspace-based App Insights"
                " resource), or pass --app-insights-id"
            )
        return f"{target} has no {table} table: check --app-insights-id (the Application Insights resource's id)"


def spec_credential(spec: AppInsightsTelemetry) -> TokenCredential:
    """The sign-in the spec names: a browser login (--interactive); a ready token (SCOREBENCH_LOGS_TOKEN,
    e.g. `az account get-access-token --resource https://api.loganalytics.io --query accessToken -o tsv`,
    for CI jobs that hold a token but no identity); else DefaultAzureCredential (environment, managed
    identity, Azure CLI, ...)."""
    from azure.identity import DefaultAzureCredential, InteractiveBrowserCredential

    credentials: dict[CredentialKind, Callable[[], TokenCredential]] = {
        "interactive": InteractiveBrowserCredential,
        "token": lambda: StaticTokenCredential(spec.token),
        "default": DefaultAzureCredential,
    }
    return credentials[spec.credential]()


class StaticTokenCredential:
    """A TokenCredential that hands out one bearer token (valid for the next hour, as far as it knows)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, int(time.time()) + 3600)


def _loopback_http(endpoint: str) -> bool:
    parsed = urlparse(endpoint)
    return parsed.scheme == "http" and (parsed.hostname or "") in LOOPBACK_HOSTS


def _default_audience(endpoint: str) -> str:
    """The endpoint itself for a real (https) cloud; the public audience for a loopback stand-in."""
    return endpoint if endpoint.startswith("https://") else PUBLIC_ENDPOINT


def _is_auth_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ClientAuthenticationError):
            return True
        seen = seen.__context__
    return False


def _missing_table(exc: HttpResponseError) -> str:
    """The table a 400 "Failed to resolve table ... named 'X'" names ("" for any other failure)."""
    if exc.status_code != 400:
        return ""
    texts = [_service_message(exc), str(getattr(exc, "message", "") or exc)]
    for text in texts:
        if "resolve" in text.lower() and (match := _MISSING_TABLE.search(text)):
            return match.group(1)
    return ""


def _retry_after_s(exc: HttpResponseError, default_s: float) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    header = headers.get("Retry-After")
    try:
        return min(120.0, max(0.0, float(header))) if header else default_s
    except ValueError:
        return default_s


def _service_message(exc: HttpResponseError) -> str:
    """The innermost error message the service sent (LogsQueryError.message), else the first line."""
    inner = getattr(getattr(exc, "model", None), "message", None)
    return str(inner).splitlines()[0][:300] if inner else _first_line(exc)


def _first_line(exc: BaseException) -> str:
    return (str(getattr(exc, "message", None) or exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _chunks(ids: list[str], size: int) -> list[list[str] | None]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _table_rows(tables: Sequence[Any]) -> list[Row]:
    """The first table's rows as dicts by column name."""
    if not tables:
        return []
    table = tables[0]
    return [{name: row[name] for name in table.columns} for row in table.rows]


def _request_row(row: Row) -> TelemetryRow:
    custom = {
        "Client Request Id": row.get("client_request_id"),
        "Request Id": row.get("request_id"),
        "duration": row.get("custom_duration"),
        "resultCode": row.get("custom_result_code"),
        "success": row.get("custom_success"),
    }
    return request_row(
        timestamp=row["timestamp"],
        name=str(row.get("name") or ""),
        operation_id=str(row.get("operation_id") or ""),
        custom=custom,
        duration_ms=_float(row.get("duration_ms")),
        result_code=str(row.get("result_code") or ""),
        success=row.get("success"),
        item_count=int(row.get("item_count") or 1),
    )


def _traffic_row(row: Row) -> TelemetryRow:
    return as_telemetry(traffic_row(row), str(row.get("Path") or SCORE_NAME))


def _seen_traffic(row: Row) -> Seen:
    traffic = traffic_row(row)
    return Seen(service_of(traffic), as_telemetry(traffic, str(row.get("Path") or SCORE_NAME)), TRAFFIC_LOG, traffic)


def _to_exception(row: Row) -> ExceptionRow:
    custom = {"Client Request Id": row.get("client_request_id"), "custom_dimensions": row.get("custom_dimensions")}
    return exception_row(
        timestamp=row["timestamp"],
        type_name=str(row.get("type") or ""),
        message=str(row.get("outer_message") or row.get("innermost_message") or ""),
        custom=custom,
        item_count=int(row.get("item_count") or 1),
    )


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, timedelta):
        return value.total_seconds() * 1000.0
    return float(value)
