"""The one telemetry spec: where the server's telemetry is read, as a typed record.

`--telemetry` (or SCOREBENCH_TELEMETRY, scorebench.toml `telemetry`, run.json `telemetry`) is text —
`none`, `local:DIR` or `appinsights` — turned into one record by `parse_telemetry(text, where,
insights)` once, at the app edge (scorebench/config.py reads the flags, variables and file); every
stage below takes the record. Rules:
- The union `TelemetrySpec` is the backends' options: `NoTelemetry`, `LocalTelemetry(dir, ...)`,
  `AppInsightsTelemetry(workspace_id | app_insights_id, sign-in, Log Analytics endpoint, ...)`;
  frozen, no keyword bags. The probe chooses its backend by the record's type (probes/base.py
  `BACKENDS`), never by comparing strings.
- A bad spec is one HarnessError line naming where it came from (flag, variable or file:key).
- `spec.text` is what run.json keeps (`none`, `local:DIR`, `appinsights`); the App Insights ids go
  beside it (`workspace_id`, `app_insights_id`); the sign-in token is never written or shown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import urlparse

from scorebench.core.errors import HarnessError
from scorebench.probes.rows import SCORE_NAME

__all__ = [
    "KINDS",
    "PUBLIC_ENDPOINT",
    "AppInsightsTelemetry",
    "CredentialKind",
    "InsightsSettings",
    "LocalTelemetry",
    "NoTelemetry",
    "TelemetrySpec",
    "insights_ids",
    "parse_telemetry",
    "reading_line",
]

PUBLIC_ENDPOINT = "https://api.loganalytics.io"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
CredentialKind = Literal["default", "interactive", "token"]
"""How the App Insights backend signs in: DefaultAzureCredential, a browser login, or a ready token."""


@dataclasses.dataclass(frozen=True)
class NoTelemetry:
    """`none`: no server view."""

    text: ClassVar[str] = "none"


@dataclasses.dataclass(frozen=True)
class LocalTelemetry:
    """`local:DIR`: the stand-in sink's SQLite store under DIR."""

    dir: Path
    traffic_log: bool | None = None
    """Read the managed front's traffic log (None: when the store has one)."""
    app_insights: bool = True
    """Read the App Insights envelopes (False: a deployment with App Insights off; the traffic log only)."""
    request_name: str | None = SCORE_NAME
    """Keep only requests of this name (None: every request)."""

    @property
    def text(self) -> str:
        return f"local:{self.dir}"


@dataclasses.dataclass(frozen=True)
class AppInsightsTelemetry:
    """`appinsights`: Log Analytics queries on a workspace (AppRequests) or an App Insights resource (requests)."""

    workspace_id: str | None = None
    app_insights_id: str | None = None
    """Exactly one of the two names where the rows are."""
    credential: CredentialKind = "default"
    token: str = dataclasses.field(default="", repr=False)
    """The bearer token when credential is "token" (SCOREBENCH_LOGS_TOKEN); never shown."""
    endpoint: str = PUBLIC_ENDPOINT
    """The Log Analytics query endpoint (sovereign clouds; plain http only on 127.0.0.1, for tests)."""
    audience: str | None = None
    """The token audience (None: the endpoint itself when https, else the public cloud's)."""
    traffic_log: bool = False
    """Read AmlOnlineEndpointTrafficLog too (managed online endpoints; a workspace's table only)."""
    app_insights: bool = True
    """Read AppRequests/AppExceptions (False: App Insights off; the traffic log only)."""
    request_name: str | None = SCORE_NAME
    traffic_endpoint: str | None = None
    """The run's endpoint: only its rows of the traffic log are read (None: every endpoint's)."""
    throttle_retries: int = 3
    """Retries of a 429 beyond azure-core's own."""
    min_slice_s: float = 1.0
    """The shortest time slice a partial answer is split down to."""
    server_timeout_s: int | None = None

    text: ClassVar[str] = "appinsights"

    def __post_init__(self) -> None:
        if bool(self.workspace_id) == bool(self.app_insights_id):
            raise HarnessError(
                "--telemetry appinsights needs exactly one of --workspace-id ID (a workspace-based"
                " resource: the Log Analytics 'Workspace ID') or --app-insights-id RESOURCE_ID"
            )


TelemetrySpec = NoTelemetry | LocalTelemetry | AppInsightsTelemetry


def reading_line(spec: TelemetrySpec, whose: str = "") -> str:
    """The one `telemetry:` line `run`, `capacity` and each side of `compare` print before the load: where the
    server's view is read from, or that there is none and how to turn it on (`whose` names a compare side)."""
    head = f"telemetry ({whose}):" if whose else "telemetry:"
    if isinstance(spec, LocalTelemetry):
        return f"{head} {spec.text} (the stand-in's own store)"
    if isinstance(spec, AppInsightsTelemetry):
        where = f"workspace {spec.workspace_id}" if spec.workspace_id else f"resource {spec.app_insights_id}"
        log = " and the traffic log" if spec.traffic_log else ""
        return f"{head} appinsights ({where}){log}"
    return (
        f"{head} none: the server's own view is not read, the report uses client samples only"
        " (turn it on: --telemetry appinsights --workspace-id ID, or SCOREBENCH_TELEMETRY)"
    )


def insights_ids(spec: TelemetrySpec | None) -> tuple[str | None, str | None]:
    """(workspace_id, app_insights_id) of an App Insights spec, for run.json; (None, None) for any other."""
    if isinstance(spec, AppInsightsTelemetry):
        return spec.workspace_id, spec.app_insights_id
    return None, None


@dataclasses.dataclass(frozen=True)
class InsightsSettings:
    """The App Insights settings beside the spec text, each with where it came from (config.py fills it)."""

    workspace_id: str | None = None
    app_insights_id: str | None = None
    credential: CredentialKind = "default"
    token: str = dataclasses.field(default="", repr=False)
    endpoint: str = PUBLIC_ENDPOINT
    audience: str | None = None
    traffic_log: bool = False
    workspace_where: str = "--workspace-id"
    app_insights_where: str = "--app-insights-id"
    endpoint_where: str = "the Log Analytics endpoint"

    @property
    def named(self) -> bool:
        """A workspace or resource id is given (an unset spec then means appinsights)."""
        return bool(self.workspace_id or self.app_insights_id)


def parse_telemetry(text: str, where: str, insights: InsightsSettings | None = None) -> TelemetrySpec:
    """The record of a spec text; `where` names its source (`--telemetry`, `SCOREBENCH_TELEMETRY`, `FILE:key`).

    Raises:
        HarnessError: one line naming `where` (or the id flag) for a spec that names no backend, a
            `local:` without a directory, an `appinsights` without exactly one id, a plain-http endpoint.
    """
    kind, colon, rest = text.strip().partition(":")
    parse = _PARSERS.get(kind.strip().lower())
    if parse is None:
        raise HarnessError(f"{where}: {text!r} is not none, local:DIR or appinsights")
    return parse(rest.strip() if colon else None, text, where, insights or InsightsSettings())


def _none(rest: str | None, text: str, where: str, insights: InsightsSettings) -> TelemetrySpec:
    if rest is not None:
        raise HarnessError(f"{where}: {text!r}: none takes nothing after it (none, local:DIR or appinsights)")
    return NoTelemetry()


def _local(rest: str | None, text: str, where: str, insights: InsightsSettings) -> TelemetrySpec:
    if not rest:
        raise HarnessError(f"{where}: {text!r}: local:DIR needs the stand-in's data directory after 'local:'")
    return LocalTelemetry(Path(rest).expanduser())


def _appinsights(rest: str | None, text: str, where: str, insights: InsightsSettings) -> TelemetrySpec:
    if rest is not None:
        raise HarnessError(
            f"{where}: {text!r}: appinsights takes its target from --workspace-id or --app-insights-id, not after ':'"
        )
    if insights.workspace_id and insights.app_insights_id:
        raise HarnessError(
            f"{insights.workspace_where} and {insights.app_insights_where} name two telemetry sources: give one"
        )
    if not insights.named:
        raise HarnessError(f"{where} appinsights needs --workspace-id ID or --app-insights-id RESOURCE_ID")
    endpoint = insights.endpoint.strip().rstrip("/") or PUBLIC_ENDPOINT
    parsed = urlparse(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise HarnessError(f"{insights.endpoint_where}: {endpoint!r} is not an http(s) URL")
    if parsed.scheme == "http" and parsed.hostname not in LOOPBACK_HOSTS:
        raise HarnessError(f"{insights.endpoint_where}={endpoint}: plain http is allowed only on 127.0.0.1 (tests)")
    return AppInsightsTelemetry(
        workspace_id=insights.workspace_id or None,
        app_insights_id=insights.app_insights_id or None,
        credential=insights.credential,
        token=insights.token,
        endpoint=endpoint,
        audience=insights.audience or None,
        traffic_log=insights.traffic_log,
    )


_PARSERS: dict[str, Callable[[str | None, str, str, InsightsSettings], TelemetrySpec]] = {
    NoTelemetry.text: _none,
    "local": _local,
    AppInsightsTelemetry.text: _appinsights,
}
KINDS = tuple(_PARSERS)
"""The spec kinds, for help texts."""
