"""What a probe's wait found, read for people: sampling against loss, other traffic, why the wait ended.

Pure functions of a WaitResult and the client's request count; collect.py stores their output in
run.json (`probe.sampling`, `probe.notes`) for the report and summary. Rules:
- The sampling rate is read from the rows (item_count = 100 / sampling percentage); the kept share
  is rows / sum(item_count). Sampling keeps each request independently with that share, so the ids
  it hides are Binomial(n, 1 - share): a missing-id figure within mean + 3 sd is sampling, and only
  what exceeds mean + 3 sd is reported as lost (the excess over the mean).
- Without sampling every missing id is a loss (or ingestion still under way when the wait gave up).
- A server side joined by no key (probes/joins.py, `join_key` none) is never read as loss: its
  rows are totals (requests, failures) beside the client's, and no id counts as missing.
"""

from __future__ import annotations

import math
from typing import Any

from scorebench.core.records import TelemetryRow
from scorebench.probes.joins import SERVER_ID, UNJOINED
from scorebench.probes.wait import WaitResult

WHY = {
    "all_seen": "every client request id was seen",
    "stable": "the server's count stopped growing",
    "deadline": "the wait's deadline passed",
}


def sampling_reading(rows: list[TelemetryRow], client_requests: int, missing: int) -> dict[str, Any]:
    """{"percentages", "kept_share", "expected_missing", "allowance", "lost_beyond_sampling"}."""
    weight = sum(r.item_count for r in rows)
    share = len(rows) / weight if weight else 1.0
    expected = client_requests * (1.0 - share)
    sd = math.sqrt(client_requests * share * (1.0 - share))
    allowance = expected + 3.0 * sd
    return {
        "percentages": sorted({round(100.0 / w, 2) for w in {r.item_count for r in rows}}),
        "kept_share": round(share, 4),
        "expected_missing": round(expected, 1),
        "allowance": round(allowance, 1),
        "lost_beyond_sampling": max(0, round(missing - expected)) if missing > allowance else 0,
    }


def notes(result: WaitResult, client_requests: int, sampling: dict[str, Any]) -> dict[str, str]:
    """Label → one line, for the report's run table and summary.md."""
    lines = {"wait": wait_line(result)}
    if result.join_key == UNJOINED:
        lines["server vs client"] = unjoined_line(result, client_requests)
    elif result.rows or client_requests:
        lines["server vs client"] = sampling_line(result, client_requests, sampling)
    if result.join_key == SERVER_ID:
        lines["join"] = (
            "the server logs none of the run's client request ids: its rows were joined by the server's own"
            " request id (x-request-id, logged as Request Id)"
        )
    if result.other_traffic or result.other_exceptions:
        lines["other traffic"] = other_line(result)
    for table, why in sorted(result.errors.items()):
        lines[f"{table} not read"] = why
    return lines


def wait_line(result: WaitResult) -> str:
    lag = f"; slowest batch arrived {result.lag_s:.0f} s after it was logged" if result.lag_s else ""
    polls = f"{result.polls} poll{'s' if result.polls != 1 else ''}"
    why = WHY.get(result.stopped_because, result.stopped_because)
    return f"stopped because {why} ({polls}, {result.waited_s:.0f} s{lag})"


def sampling_line(result: WaitResult, client_requests: int, sampling: dict[str, Any]) -> str:
    weight = sum(r.item_count for r in result.rows)
    head = f"server counted {weight:,} requests (sum of item_count, {len(result.rows):,} rows)"
    head += f" for {client_requests:,} client requests"
    missing = result.missing_client_requests
    if sampling["kept_share"] < 1.0:
        rates = " / ".join(f"{p:g} %" for p in sampling["percentages"])
        verdict = (
            f"{sampling['lost_beyond_sampling']:,} lost beyond what sampling predicts"
            if sampling["lost_beyond_sampling"]
            else "no loss beyond sampling"
        )
        return (
            f"{head}; sampled at {rates}: {missing:,} ids not seen, sampling predicts"
            f" {sampling['expected_missing']:,.0f} (up to {sampling['allowance']:,.0f}); {verdict}"
        )
    return f"{head}; {missing:,} client requests not seen" + (" (lost, or not yet ingested)" if missing else "")


def unjoined_line(result: WaitResult, client_requests: int) -> str:
    """The server's side as totals: it logs no client request id and the samples hold none of its ids."""
    weight = sum(r.item_count for r in result.rows)
    failed = sum(r.item_count for r in result.rows if not r.success)
    return (
        f"unjoined (the server logs no client request ids): it counted {weight:,} requests (sum of item_count,"
        f" {len(result.rows):,} rows, {failed:,} failed) for {client_requests:,} client requests; totals"
        " compare, single requests cannot"
    )


def other_line(result: WaitResult) -> str:
    parts = [f"{name.split(':', 1)[1]} {count:,}" for name, count in sorted(result.other_traffic.items())]
    if result.other_exceptions:
        parts.append(f"{result.other_exceptions:,} exceptions")
    return "other services in the window (not in the server statistics): " + ", ".join(parts)
