"""reports/common/frames.py: the run directory's CSV files as columnar pandas frames, fast.

`records.read_samples` builds one `Sample` object per row, fine for a few thousand rows but too
slow for a million. The report reads the same files (same header, same cells) with pyarrow's
multi-threaded CSV reader and fixed column types, into pandas frames whose text columns stay
Arrow-backed (`string[pyarrow]`: no Python object per cell, a fraction of the memory) and whose
few-valued columns (outcome, payload_id, worker) are categories, dictionary-encoded while parsing;
CSV stays the run-directory format. Rules: read only, never write; a missing file is an empty frame with
the right columns; a last line cut short by a crash is dropped, as in records; a quoted cell
holding a line break is read correctly (a second, single-threaded pass when the fast one meets it).
A caller that needs only some columns names them (`columns=`): the others are skipped while
parsing, which is most of the time and memory a million rows cost.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from scorebench.core.errors import HarnessError
from scorebench.core.records import (
    EXCEPTIONS_FILE,
    OUTCOMES,
    TELEMETRY_FILE,
    ExceptionRow,
    Sample,
    TelemetryRow,
    header,
    optional_missing,
)
from scorebench.core.sampleparts import duplicate_error, sample_parts, unknown_outcome_error

SAMPLE_DTYPES = {
    "client_request_id": "string",
    "started_at": "string",
    "latency_ms": "float64",
    "status": "float64",
    "outcome": "category",
    "server_fn_ms": "float64",
    "bytes_sent": "float64",
    "bytes_received": "float64",
    "payload_id": "category",
    "worker": "category",
    "answer_digest": "string",
    "server_request_id": "string",
}
TELEMETRY_DTYPES = {
    "timestamp": "string",
    "client_request_id": "string",
    "operation_id": "string",
    "name": "string",
    "result_code": "category",
    "success": "category",
    "duration_ms": "float64",
    "item_count": "float64",
    "server_request_id": "string",
}
EXCEPTION_DTYPES = {
    "timestamp": "string",
    "client_request_id": "string",
    "type": "string",
    "message": "string",
    "item_count": "float64",
}


def read_samples_frame(run_dir: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Every samples*.csv of a run as one frame (all columns, or `columns`), plus `started_s`
    (float seconds since the epoch); `outcome` is a category with no missing value ("ok")."""
    wanted = _wanted(Sample, columns, ("started_at", "outcome"))
    paths = sample_parts(run_dir)
    stamps_only = columns is not None and "started_at" not in columns
    table = _read_parts(paths, wanted, {**SAMPLE_DTYPES, "started_at": "timestamp"}) if stamps_only else None
    if table is not None:  # the start times parsed while reading: seconds straight from Arrow
        started_s = _timestamp_seconds(table.column("started_at"))
        frame = _to_pandas(table.drop_columns(["started_at"]))
        frame["started_s"] = started_s
    else:
        texts = _read_parts(paths, wanted, SAMPLE_DTYPES)
        frame = _to_pandas(texts) if texts is not None else _empty(Sample, SAMPLE_DTYPES)[wanted]
        frame["started_s"] = epoch_seconds(frame["started_at"])
        if stamps_only:
            frame = frame.drop(columns="started_at")
    frame["outcome"] = filled_category(frame["outcome"], "ok")
    _check_samples(frame, paths)
    return frame


def _check_samples(frame: pd.DataFrame, paths: list[Path]) -> None:
    """No outcome an engine never writes; no request id twice (when the ids were read): core/sampleparts.py."""
    unknown = sorted(set(frame["outcome"].cat.categories) - set(OUTCOMES))
    if unknown and (frame["outcome"].isin(unknown)).any():
        raise unknown_outcome_error(paths, str(unknown[0]))
    if "client_request_id" in frame.columns:
        ids = frame["client_request_id"].dropna()
        repeated = ids[ids.duplicated()]
        if len(repeated):
            raise duplicate_error(paths, str(repeated.iloc[0]))


def filled_category(values: pd.Series, fill: str) -> pd.Series:
    """A column as a category whose missing cells are `fill`."""
    values = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    if not values.hasnans:
        return values
    if fill not in values.cat.categories:
        values = values.cat.add_categories([fill])
    return values.fillna(fill)


def _read_parts(paths: list[Path], wanted: list[str], dtypes: dict[str, str]) -> pa.Table | None:
    """The sample parts as one Arrow table; None when there are none or a start time is not plain
    ISO 8601 (read as text then, with the general parser)."""
    try:
        tables = [_read(path, Sample, dtypes, wanted) for path in paths]
    except _NotTimestamp:
        return None
    return pa.concat_tables(tables) if tables else None


def _timestamp_seconds(stamps: pa.ChunkedArray) -> np.ndarray:
    """A UTC timestamp column (microseconds) → float seconds since the epoch (NaN where missing)."""
    micros = pc.fill_null(stamps.cast(pa.int64()), 0).to_numpy().astype("float64")
    micros[stamps.is_null().to_numpy()] = np.nan
    seconds: np.ndarray = micros / 1e6
    return seconds


class _NotTimestamp(Exception):
    """A start time the CSV reader could not take as a timestamp."""


def read_telemetry_frame(run_dir: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """telemetry.csv (empty frame when absent; all columns, or `columns`); item_count defaults to 1."""
    path = run_dir / TELEMETRY_FILE
    wanted = _wanted(TelemetryRow, columns, ("item_count",))
    frame = _read_optional(path, TelemetryRow, TELEMETRY_DTYPES, wanted)
    frame["item_count"] = frame["item_count"].fillna(1.0)
    return frame


def read_exceptions_frame(run_dir: Path) -> pd.DataFrame:
    """exceptions.csv (empty frame when absent)."""
    frame = _read_optional(run_dir / EXCEPTIONS_FILE, ExceptionRow, EXCEPTION_DTYPES, header(ExceptionRow))
    frame["item_count"] = frame["item_count"].fillna(1.0)
    return frame


def _wanted(record_type: type, columns: Sequence[str] | None, always: tuple[str, ...]) -> list[str]:
    """The columns to read, in file order: all, or those asked for plus the ones the reader needs."""
    names = header(record_type)
    if columns is None:
        return names
    unknown = set(columns) - set(names)
    if unknown:
        raise ValueError(f"no such {record_type.__name__} columns: {sorted(unknown)}")
    return [n for n in names if n in columns or n in always]


def epoch_seconds(texts: pd.Series) -> np.ndarray:
    """UTC ISO strings → float seconds since the epoch (NaN where unparseable)."""
    if len(texts) == 0:
        return np.zeros(0)
    fast = _epoch_seconds_arrow(texts)
    if fast is not None:
        return fast
    moments = pd.to_datetime(texts, format="ISO8601", utc=True, errors="coerce")
    nanos = moments.dt.as_unit("ns").astype("int64").to_numpy(dtype="float64")
    nanos[moments.isna().to_numpy()] = np.nan
    seconds: np.ndarray = nanos / 1e9
    return seconds


def _epoch_seconds_arrow(texts: pd.Series) -> np.ndarray | None:
    """The common case in C++: every stamp ISO 8601 as the writers write it (`...T12:00:00.123456Z`)."""
    try:
        stamps = pa.array(texts, type=pa.string(), from_pandas=True).cast(pa.timestamp("us", tz="UTC"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None  # another spelling somewhere: the general parser
    micros = pc.fill_null(stamps.cast(pa.int64()), 0).to_numpy(zero_copy_only=False).astype("float64")
    micros[stamps.is_null().to_numpy(zero_copy_only=False)] = np.nan
    seconds: np.ndarray = micros / 1e6
    return seconds


def _read_optional(path: Path, record_type: type, dtypes: dict[str, str], columns: list[str]) -> pd.DataFrame:
    """A server-side file: absent → empty; corrupt → one warning naming it, and the report goes on without it."""
    if not path.exists():
        return _empty(record_type, dtypes)[columns]
    try:
        return _to_pandas(_read(path, record_type, dtypes, columns))
    except HarnessError as exc:
        print(f"scorebench: warning: {exc}; the report is built without it", file=sys.stderr)
        return _empty(record_type, dtypes)[columns]


POOL = pa.system_memory_pool()
"""Arrow allocates through malloc here, not its own pool (mimalloc), and hands the parser's spare
memory back after each file: a million rows' peak memory is the frames, not the pool's high water."""
ARROW_TYPES = {
    "string": pa.large_string(),
    "category": pa.dictionary(pa.int32(), pa.large_string()),
    "float64": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def _read(path: Path, record_type: type, dtypes: dict[str, str], columns: list[str]) -> pa.Table:
    """One file's `columns` as an Arrow table; a trailing column the file predates is all null."""
    names = header(record_type)
    missing = _check_header(path, record_type)
    present = [c for c in columns if c not in missing]
    kind = record_type.__name__
    table, bad_rows = _read_table(path, kind, dtypes, present, multiline=False)
    if bad_rows > 1:  # a quoted line break splits a row in the fast pass: read it the careful way
        table, bad_rows = _read_table(path, kind, dtypes, present, multiline=True)
    if bad_rows > 1:
        raise HarnessError(f"{path}: {bad_rows} rows do not have the {len(names) - len(missing)} cells of the header")
    for name in missing:  # an older file without a trailing column added since
        if name in columns:
            table = table.append_column(name, pa.nulls(len(table), ARROW_TYPES[dtypes[name]]))
    return table


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow → pandas without a Python object per cell; the table's buffers are released as it goes."""
    frame: pd.DataFrame = table.to_pandas(
        types_mapper=_pandas_type, split_blocks=True, self_destruct=True, memory_pool=POOL
    )
    POOL.release_unused()
    return frame


def _check_header(path: Path, record_type: type) -> tuple[str, ...]:
    """The file's header is the record's (or lacks only optional trailing columns: returned)."""
    names = header(record_type)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            first = next(csv.reader([handle.readline()]), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise HarnessError(f"{path}: cannot be read ({exc})") from None
    if first == names:
        return ()
    missing = optional_missing(record_type, first)
    if not missing:
        raise HarnessError(f"{path}: columns {first} are not {names}")
    return missing


def _read_table(
    path: Path, kind: str, dtypes: dict[str, str], columns: list[str], *, multiline: bool
) -> tuple[pa.Table, int]:
    """The file's `columns` as an Arrow table, skipping rows with the wrong number of cells (counted)."""
    bad: list[int] = []

    def skip(row: pacsv.InvalidRow) -> str:
        bad.append(row.actual_columns)
        return "skip"

    convert = pacsv.ConvertOptions(
        column_types={n: ARROW_TYPES[dtypes[n]] for n in columns},
        null_values=[""],
        strings_can_be_null=True,
        include_columns=columns,
    )
    parse = pacsv.ParseOptions(newlines_in_values=multiline, invalid_row_handler=skip)
    try:
        table = pacsv.read_csv(path, parse_options=parse, convert_options=convert, memory_pool=POOL)
    except (pa.ArrowInvalid, OSError) as exc:
        if "timestamp" in dtypes.values() and "timestamp" in str(exc).lower():
            raise _NotTimestamp(str(exc)) from None
        raise HarnessError(f"{path}: not a scorebench {kind} CSV ({exc})") from None
    return table, len(bad)


def _pandas_type(arrow_type: pa.DataType) -> object:
    """Text stays Arrow (large_string is what pandas' Arrow strings hold: no copy)."""
    return pd.StringDtype("pyarrow") if arrow_type in (pa.string(), pa.large_string()) else None


def _empty(record_type: type, dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtypes[name]) for name in header(record_type)})
