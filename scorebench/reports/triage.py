"""reports/triage.py: the tables someone reads when a run went wrong (pure: frames in, rows out).

- `failures`: requests that were not `ok`, by outcome and HTTP status, with first and last seen
  (UTC) and the payloads involved;
- `exception_groups`: server exceptions grouped by type and *normalised* message (addresses,
  ids, numbers and quoted values replaced), so one failure with a different memory address in
  each message is one row, not eleven. (The telemetry issue writes the project's grouping
  function; until it is merged this small one stands in.) Counted with sum(item_count);
- `payload_rows`: per payload: requests, errors, p50/p95 and bytes (payloads differ in batch
  size and cost);
- `traffic`: bytes sent and received, total and per request.
Rules: every table capped (MAX_ROWS); texts cut to MAX_TEXT characters and passed through
`scorebench.core.secrets.scrub` (every secret the process registered) and a bearer-token
pattern; no clock, no files.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from scorebench.core.records import utc_from_epoch
from scorebench.core.secrets import scrub

MAX_ROWS = 50
MAX_TEXT = 300
_NORMALISE: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"0x[0-9a-fA-F]+"), "<addr>"),
    (re.compile(r"\b[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\b"), "<id>"),
    (re.compile(r"\b[0-9a-fA-F]{16,}\b"), "<id>"),
    (re.compile(r"'[^']*'|\"[^\"]*\""), "'…'"),
    (re.compile(r"\d+(\.\d+)?"), "<n>"),
)
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def normalise_message(message: str) -> str:
    """An exception message with its varying parts replaced: the grouping key beside the type."""
    for pattern, replacement in _NORMALISE:
        message = pattern.sub(replacement, message)
    return message.strip()


def clean_text(text: str) -> str:
    """Text safe and short enough to show: every registered secret (scorebench.core.secrets.scrub)
    and any bearer token masked, cut to MAX_TEXT."""
    text = _BEARER.sub(r"\1***", scrub(text))
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def failures(samples: pd.DataFrame) -> list[dict[str, Any]]:
    """Non-ok requests by (outcome, status): count, first/last seen (UTC), payloads involved."""
    bad = samples.loc[samples["outcome"].astype("string") != "ok"]
    if len(bad) == 0:
        return []
    frame = pd.DataFrame(
        {
            "outcome": bad["outcome"].astype("string").to_numpy(),
            "status": bad["status"].fillna(0).astype("int64").to_numpy() if "status" in bad else 0,
            "started_s": bad["started_s"].to_numpy(),
            "payload_id": bad["payload_id"].astype("string").fillna("").to_numpy() if "payload_id" in bad else "",
        }
    )
    grouped = frame.groupby(["outcome", "status"]).agg(
        count=("started_s", "size"), first=("started_s", "min"), last=("started_s", "max"),
        payloads=("payload_id", lambda ids: ", ".join(sorted(set(ids))[:5])),
    )  # fmt: skip
    grouped = grouped.sort_values("count", ascending=False).head(MAX_ROWS)
    return [
        {"outcome": outcome, "status": "no answer" if status == 0 else str(status), "count": int(row["count"]),
         "first_seen": _utc(row["first"]), "last_seen": _utc(row["last"]), "payloads": row["payloads"]}
        for (outcome, status), row in grouped.iterrows()
    ]  # fmt: skip


def exception_groups(exceptions: pd.DataFrame) -> list[dict[str, Any]]:
    """Server exceptions by type and normalised message: count (sum of item_count), distinct
    messages, first/last seen, one example message (redacted, cut)."""
    if len(exceptions) == 0:
        return []
    frame = exceptions.fillna({"type": "?", "message": "", "timestamp": ""}).copy()
    frame["group"] = frame["message"].astype(str).map(normalise_message)
    grouped = frame.groupby(["type", "group"], observed=True).agg(
        count=("item_count", "sum"), messages=("message", "nunique"), first=("timestamp", "min"),
        last=("timestamp", "max"), example=("message", "first"),
    )  # fmt: skip
    grouped = grouped.sort_values("count", ascending=False).head(MAX_ROWS)
    return [
        {"type": kind, "message": clean_text(str(group)), "count": int(row["count"]),
         "variants": int(row["messages"]), "first_seen": row["first"], "last_seen": row["last"],
         "example": clean_text(str(row["example"]))}
        for (kind, group), row in grouped.iterrows()
    ]  # fmt: skip


def payload_rows(samples: pd.DataFrame) -> list[dict[str, Any]]:
    """Per payload id: requests, errors, p50 and p95 latency (ms), mean bytes sent and received."""
    if "payload_id" not in samples or len(samples) == 0:
        return []
    ids = samples["payload_id"].astype("string").fillna("(none)")
    rows: list[dict[str, Any]] = []
    for payload, part in samples.groupby(ids.to_numpy(), sort=True):
        latency = part["latency_ms"].to_numpy(dtype="float64")
        errors = int((part["outcome"].astype("string") != "ok").sum())
        rows.append(
            {"payload": str(payload), "count": len(part), "errors": errors,
             "p50_ms": _ms(np.percentile(latency, 50)), "p95_ms": _ms(np.percentile(latency, 95)),
             "sent_bytes": _mean_bytes(part, "bytes_sent"), "received_bytes": _mean_bytes(part, "bytes_received")}
        )  # fmt: skip
    return sorted(rows, key=lambda r: -r["count"])[:MAX_ROWS]


def traffic(samples: pd.DataFrame, window_s: float) -> dict[str, str]:
    """Bytes sent and received: totals, per request and per second, each with its unit."""
    count = max(len(samples), 1)
    out = {}
    for column, name in (("bytes_sent", "sent"), ("bytes_received", "received")):
        total = float(samples[column].fillna(0).sum()) if column in samples else 0.0
        rate = total / window_s if window_s > 0 else 0.0
        out[name] = f"{_size(total)} ({total / count:.0f} B per request, {_size(rate)}/s)"
    return out


def _size(n_bytes: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.2f} {unit}"
    return f"{n_bytes:.0f} B"


def _mean_bytes(part: pd.DataFrame, column: str) -> str:
    if column not in part:
        return "–"
    return f"{float(part[column].fillna(0).mean()):.0f} B"


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def _utc(epoch_s: float) -> str:
    return utc_from_epoch(float(epoch_s)) if not np.isnan(epoch_s) else "–"
