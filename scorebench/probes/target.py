"""Only the target's rows: split what a probe saw into the run's service and "other traffic".

Every service of a workspace usually writes to one Application Insights resource, and every
deployment of an endpoint to one traffic log, so a window holds other services' requests too.
Rules (pure functions):
- A request row's service is its "Service Name" custom dimension (the Azure ML inference server
  logs it), else its cloud role (`ai.cloud.role` / AppRoleName); a traffic-log row's service is
  "ENDPOINT/DEPLOYMENT".
- The target is named (`--service-name`, the run's endpoint and deployment) or, when nothing names
  it, inferred: the services whose rows carry the run's own client request ids. Until a row carries
  one, no row is the target's (a neighbour's older rows must not pass for the run's while the run's
  own are still being ingested); only a probe without client ids at all keeps every row.
- A managed deployment (`by_ids`: the run's endpoint is known, no --service-name) is never told by
  service name: its server may log one default name for every deployment of the endpoint. Its App
  Insights rows and exceptions are the target's when they carry one of the run's ids (the load's,
  or the harness's own `ids`); its traffic-log rows by endpoint + deployment.
- Rows of other services are counted per service (sum of item_count) and never enter the server's
  statistics.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from scorebench.core.records import ExceptionRow, TelemetryRow
from scorebench.probes.traffic import TrafficRow

REQUESTS = "requests"
TRAFFIC_LOG = "traffic_log"
EXCEPTIONS = "exceptions"


@dataclass(frozen=True)
class Seen:
    """One server row, the service that logged it, and the table it came from."""

    service: str
    row: TelemetryRow
    table: str = REQUESTS
    traffic: TrafficRow | None = None


@dataclass(frozen=True)
class SeenException:
    """One server exception and the service (cloud role) that logged it."""

    service: str
    row: ExceptionRow


@dataclass(frozen=True)
class Observation:
    """One poll's answer from every table a probe reads; a table that failed is in `errors`."""

    seen: list[Seen]
    exceptions: list[SeenException]
    errors: dict[str, str]
    tables: tuple[str, ...]
    """The tables this probe reads (e.g. ("requests", "exceptions"), or with "traffic_log")."""


@dataclass(frozen=True)
class Target:
    """What the run measured: service names (App Insights) and/or endpoint + deployment (traffic log)."""

    services: frozenset[str] = frozenset()
    endpoint: str | None = None
    deployment: str | None = None
    by_ids: bool = False
    """App Insights rows chosen by the run's ids, never by service name (a managed deployment)."""
    ids: frozenset[str] = frozenset()
    """Ids the harness sent besides the load's (preflight's warm-up): the target's too when by_ids."""

    def describe(self) -> str:
        names = sorted(self.services) + (["App Insights rows by the run's ids"] if self.by_ids else [])
        if self.endpoint:
            names.append(self.endpoint + (f"/{self.deployment}" if self.deployment else ""))
        return ", ".join(names) or "inferred from the run's request ids"


def target_services(seen: Iterable[Seen], target: Target, client_request_ids: Collection[str]) -> frozenset[str]:
    """The services that are the target's: named, else those whose rows carry the run's ids."""
    if target.services:
        return target.services
    ids = set(client_request_ids)
    return frozenset(s.service for s in seen if s.row.client_request_id in ids)


def is_target(item: Seen, target: Target, services: frozenset[str]) -> bool:
    """True when the row belongs to the run's target (see the module rules)."""
    if item.table == TRAFFIC_LOG and item.traffic is not None and (target.endpoint or target.deployment):
        endpoint_ok = not target.endpoint or item.traffic.endpoint_name == target.endpoint
        return endpoint_ok and (not target.deployment or item.traffic.deployment_name == target.deployment)
    return item.service in services


def split(
    seen: list[Seen], target: Target, client_request_ids: Collection[str]
) -> tuple[list[Seen], dict[str, int], frozenset[str]]:
    """(the target's rows, {"table:service": sum of item_count} of the others, the target's services;
    none when `by_ids`: exceptions then go by ids too)."""
    ids = set(client_request_ids) | target.ids
    services = frozenset() if target.by_ids else target_services(seen, target, client_request_ids)
    if not target.by_ids and not services and not client_request_ids:
        services = frozenset(s.service for s in seen)  # nothing to tell by: every row
    ours: list[Seen] = []
    other: dict[str, int] = {}
    for item in seen:
        if target.by_ids and item.table != TRAFFIC_LOG:
            mine = item.row.client_request_id in ids
        else:
            mine = is_target(item, target, services)
        if mine:
            ours.append(item)
        else:
            key = f"{item.table}:{item.service or '(unnamed)'}"
            other[key] = other.get(key, 0) + item.row.item_count
    return ours, other, services


def split_exceptions(
    exceptions: list[SeenException], services: frozenset[str], client_request_ids: Collection[str]
) -> tuple[list[ExceptionRow], int]:
    """(the target's exceptions, how many other services logged): by cloud role, or by the run's ids."""
    ids = set(client_request_ids)
    if not ids and not services:
        return [e.row for e in exceptions], 0
    ours = [e.row for e in exceptions if e.service in services or e.row.client_request_id in ids]
    return ours, len(exceptions) - len(ours)
