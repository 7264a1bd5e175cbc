"""reports/frames.py: the run directory's CSV files as columnar pandas frames, fast.

`records.read_samples` builds one `Sample` object per row, fine for a few thousand rows but too
slow for a million. The report reads the same files (same header, same cells) with
`pandas.read_csv` and fixed dtypes instead. Rules: read only, never write; a missing file is an
empty frame with the right columns; a last line cut short by a crash is dropped, as in records.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from scorebench.core.errors import HarnessError
from scorebench.core.records import (
    EXCEPTIONS_FILE,
    OPTIONAL_TRAILING,
    SAMPLES_GLOB,
    TELEMETRY_FILE,
    ExceptionRow,
    Sample,
    TelemetryRow,
    header,
    optional_missing,
)

SAMPLE_DTYPES = {
    "client_request_id": "string",
    "started_at": "string",
    "latency_ms": "float64",
    "status": "float64",
    "outcome": "string",
    "server_fn_ms": "float64",
    "bytes_sent": "float64",
    "bytes_received": "float64",
    "payload_id": "string",
    "worker": "string",
    "answer_digest": "string",
}
TELEMETRY_DTYPES = {
    "timestamp": "string",
    "client_request_id": "string",
    "operation_id": "string",
    "name": "string",
    "result_code": "string",
    "success": "string",
    "duration_ms": "float64",
    "item_count": "float64",
}
EXCEPTION_DTYPES = {
    "timestamp": "string",
    "client_request_id": "string",
    "type": "string",
    "message": "string",
    "item_count": "float64",
}


def read_samples_frame(run_dir: Path) -> pd.DataFrame:
    """Every samples*.csv of a run as one frame, plus `started_s` (float seconds since the epoch)."""
    parts = [_read(path, Sample, SAMPLE_DTYPES) for path in sorted(run_dir.glob(SAMPLES_GLOB))]
    frame = pd.concat(parts, ignore_index=True) if parts else _empty(Sample, SAMPLE_DTYPES)
    frame["started_s"] = epoch_seconds(frame["started_at"])
    frame["outcome"] = frame["outcome"].fillna("ok").astype("category")
    return frame


def read_telemetry_frame(run_dir: Path) -> pd.DataFrame:
    """telemetry.csv (empty frame when absent); item_count defaults to 1."""
    frame = _read_optional(run_dir / TELEMETRY_FILE, TelemetryRow, TELEMETRY_DTYPES)
    frame["item_count"] = frame["item_count"].fillna(1.0)
    return frame


def read_exceptions_frame(run_dir: Path) -> pd.DataFrame:
    """exceptions.csv (empty frame when absent)."""
    frame = _read_optional(run_dir / EXCEPTIONS_FILE, ExceptionRow, EXCEPTION_DTYPES)
    frame["item_count"] = frame["item_count"].fillna(1.0)
    return frame


def epoch_seconds(texts: pd.Series) -> np.ndarray:
    """UTC ISO strings → float seconds since the epoch (NaN where unparseable)."""
    if len(texts) == 0:
        return np.zeros(0)
    moments = pd.to_datetime(texts, format="ISO8601", utc=True, errors="coerce")
    nanos = moments.dt.as_unit("ns").astype("int64").to_numpy(dtype="float64")
    nanos[moments.isna().to_numpy()] = np.nan
    seconds: np.ndarray = nanos / 1e9
    return seconds


def _read_optional(path: Path, record_type: type, dtypes: dict[str, str]) -> pd.DataFrame:
    """A server-side file: absent → empty; corrupt → one warning naming it, and the report goes on without it."""
    if not path.exists():
        return _empty(record_type, dtypes)
    try:
        return _read(path, record_type, dtypes)
    except HarnessError as exc:
        print(f"scorebench: warning: {exc}; the report is built without it", file=sys.stderr)
        return _empty(record_type, dtypes)


def _read(path: Path, record_type: type, dtypes: dict[str, str]) -> pd.DataFrame:
    names = header(record_type)
    try:
        frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values={c: [""] for c in names})
    except (ValueError, pd.errors.ParserError) as exc:
        raise HarnessError(f"{path}: not a scorebench {record_type.__name__} CSV ({exc})") from None
    missing = optional_missing(record_type, list(frame.columns))
    for name in missing:  # an older file without a trailing column added since
        frame[name] = pd.Series(pd.NA, index=frame.index, dtype=dtypes[name])
    if list(frame.columns) != names:
        raise HarnessError(f"{path}: columns {list(frame.columns)} are not {names}")
    required = [name for name in names if name not in OPTIONAL_TRAILING.get(record_type.__name__, ())]
    return _drop_cut_last_line(frame, required[-1])


def _drop_cut_last_line(frame: pd.DataFrame, last_name: str) -> pd.DataFrame:
    """A crash may leave a short last line: its last cell is then missing (NaN)."""
    if len(frame) and pd.isna(frame[last_name].iloc[-1]) and frame.iloc[-1].isna().sum() > 1:
        return frame.iloc[:-1]
    return frame


def _empty(record_type: type, dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtypes[name]) for name in header(record_type)})
