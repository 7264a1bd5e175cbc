"""reports/run/triage.py: the tables someone reads when a run went wrong (pure: frames in, rows out).

- `failures`: requests that were not `ok`, by outcome and HTTP status, with first and last seen
  (UTC) and the payloads involved;
- `payload_rows`: per payload: requests, errors, p50/p95 and bytes (payloads differ in batch
  size and cost);
- `traffic`: bytes sent and received, total and per request.
Rules: every table capped (MAX_ROWS); texts cut to MAX_TEXT characters and passed through
`scorebench.core.secrets.scrub` (every secret the process registered) and a bearer-token
pattern; times to the millisecond; no clock, no files. (Server exceptions are grouped by
scorebench/probes/groups.py, shown by reportdata.exception_rows.)
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from scorebench.core.records import utc_from_epoch
from scorebench.core.secrets import scrub
from scorebench.reports.common import stats
from scorebench.reports.common.figures import utc_ms

MAX_ROWS = 50
MAX_TEXT = 300
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")


def clean_text(text: str) -> str:
    """Text safe and short enough to show: every registered secret (scorebench.core.secrets.scrub)
    and any bearer token masked, cut to MAX_TEXT."""
    text = _BEARER.sub(r"\1***", scrub(text))
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def failures(samples: pd.DataFrame) -> list[dict[str, Any]]:
    """Non-ok requests by (outcome, status): count, first/last seen (UTC), payloads involved."""
    bad = ~stats.is_outcome(samples["outcome"], "ok")
    if not bad.any():
        return []
    part = samples.loc[bad, [c for c in ("outcome", "status", "started_s", "payload_id") if c in samples]]
    frame = pd.DataFrame(
        {
            "outcome": part["outcome"].astype(str).to_numpy(),
            "status": part["status"].fillna(0).to_numpy().astype("int64") if "status" in part else 0,
            "started_s": part["started_s"].to_numpy(),
            "payload_id": part["payload_id"].astype(object).fillna("").to_numpy().astype(str)
            if "payload_id" in part
            else "",
        }
    )
    grouped = frame.groupby(["outcome", "status"]).agg(
        count=("started_s", "size"), first=("started_s", "min"), last=("started_s", "max"),
        payloads=("payload_id", lambda ids: ", ".join(sorted(set(ids))[:5])),
    )  # fmt: skip
    grouped = grouped.sort_values("count", ascending=False, kind="stable").head(MAX_ROWS)
    return [
        {"outcome": outcome, "status": "no answer" if status == 0 else str(status), "count": int(row["count"]),
         "first_seen": _utc(row["first"]), "last_seen": _utc(row["last"]), "payloads": row["payloads"]}
        for (outcome, status), row in grouped.iterrows()
    ]  # fmt: skip


def payload_rows(samples: pd.DataFrame) -> list[dict[str, Any]]:
    """Per payload id: requests, errors, p50 and p95 latency (ms), mean bytes sent and received;
    the most used payloads first (ties by id)."""
    if "payload_id" not in samples or len(samples) == 0:
        return []
    codes, ids = _codes(samples["payload_id"])
    groups = stats.group_percentiles(codes, samples["latency_ms"].to_numpy(dtype="float64"), (50.0, 95.0))
    present, counts = groups["keys"], groups["count"]
    errors = np.bincount(codes, weights=~stats.is_outcome(samples["outcome"], "ok"), minlength=len(ids))[present]
    sent, received = (
        _mean_per_code(samples, column, codes, len(ids))[present] for column in ("bytes_sent", "bytes_received")
    )
    rows = [
        {"payload": ids[code], "count": int(count), "errors": int(errors[i]), "p50_ms": _ms(groups["p50"][i]),
         "p95_ms": _ms(groups["p95"][i]), "sent_bytes": sent[i], "received_bytes": received[i]}
        for i, (code, count) in enumerate(zip(present.tolist(), counts.tolist(), strict=True))
    ]  # fmt: skip
    return sorted(rows, key=lambda r: -r["count"])[:MAX_ROWS]


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes of a text column and the text of each code, "(none)" for missing cells (last)."""
    codes, names = pd.factorize(values, sort=True)  # a category's own codes: no hashing
    return np.where(codes < 0, len(names), codes), [str(name) for name in names] + ["(none)"]


def _mean_per_code(samples: pd.DataFrame, column: str, codes: np.ndarray, size: int) -> np.ndarray:
    """The mean of a bytes column per code, as text (a dash when the column is absent)."""
    if column not in samples:
        return np.full(size, "–", dtype=object)
    totals = np.bincount(codes, weights=samples[column].fillna(0).to_numpy(dtype="float64"), minlength=size)
    counts = np.maximum(np.bincount(codes, minlength=size), 1)
    return np.array([f"{mean:.0f} B" for mean in totals / counts], dtype=object)


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


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def _utc(epoch_s: float) -> str:
    return utc_ms(utc_from_epoch(float(epoch_s))) if not np.isnan(epoch_s) else "–"
