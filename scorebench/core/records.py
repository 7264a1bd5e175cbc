"""The records that cross a stage boundary, and their one file format.

Every stage meets the others only through files in the run directory (docs/architecture.md). Each record is
one frozen dataclass whose field names are the CSV column names; headers are derived from
`dataclasses.fields()` so no column list can drift. Both load engines write `Sample`, every
probe backend returns `TelemetryRow` / `ExceptionRow`.

Outcomes of a client request, as a tree:

    ok                      2xx carrying a prediction (the decoded answer has the expected shape)
    model_error             2xx whose decoded answer is the scoring script's own caught error
                            (`{"error": ...}` with no prediction, or bare text), or 424 (managed)
                            that does not name the model's status (a 424 that does is classified
                            by that status: a model 500 is run_function_failed, as on v1)
    empty_answer            2xx with no prediction in it: null, "", [], {}, only nulls or NaN, in
                            the answer or its prediction member (`{"result": null}`)
    wrong_count             2xx whose prediction list holds another number of predictions than the
                            payload has records
    bad_response            2xx that is not a prediction: HTML, empty body, wrong shape; a redirect
    bad_encoding            2xx compressed in a way the client did not advertise or cannot decode
    http_4xx                the server answered 4xx (401, 403, 404, 413, ...)
    throttled               429, or 503 (the platform shed the request; AKS/Kubernetes send 503
                            without Retry-After when the autoscaler is behind)
    http_5xx                the server answered 5xx that is not a scoring failure (502, 503, ...)
    run_function_failed     500 with `x-ms-run-function-failed: True` (run() raised or timed out)
    timeout                 no complete answer within the client timeout; 408 / 504 from the platform
    connect_error           TCP/TLS connection could not be made (refused, unresolvable, TLS)
    read_error              the connection broke while sending or reading the answer

A 2xx answer is decoded as Azure ML clients decode it: JSON, and a JSON string that holds JSON
(what AutoML scoring scripts return) is unwrapped once (scorebench/loadtests/outcomes.py).

Times are UTC ISO-8601 strings with microseconds and a trailing `Z`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from scorebench.core.errors import HarnessError
from scorebench.core.safefile import replacing
from scorebench.core.sampleparts import SAMPLES_GLOB as SAMPLES_GLOB
from scorebench.core.sampleparts import duplicate_error, sample_parts, unknown_outcome_error

OUTCOMES = (
    "ok",
    "model_error",
    "empty_answer",
    "wrong_count",
    "bad_response",
    "bad_encoding",
    "http_4xx",
    "throttled",
    "http_5xx",
    "run_function_failed",
    "timeout",
    "connect_error",
    "read_error",
)

TELEMETRY_FILE = "telemetry.csv"
EXCEPTIONS_FILE = "exceptions.csv"
ANSWERS_FILE = "answers.csv"
"""`scorebench compare`: the distinct answers each target gave to each payload (records.Answer)."""
LOOKS_FILE = "looks.csv"
"""An until-decided run: each look at each check while the load ran (records.Look), streamed."""


@dataclasses.dataclass(frozen=True, slots=True)
class Sample:
    """One client request, as the load engine saw it."""

    client_request_id: str
    """uuid4 hex sent as `x-ms-client-request-id`; the join key to the server's telemetry."""
    started_at: str
    """UTC ISO time the request started (open model: when it was meant to start)."""
    latency_ms: float
    """From start (or intended start) to the last byte of the answer, or to the failure."""
    status: int
    """HTTP status code, or 0 when there was no answer."""
    outcome: str
    """One of OUTCOMES."""
    server_fn_ms: float | None
    """The `x-ms-run-fn-exec-ms` response header (time inside run()), when sent."""
    bytes_sent: int
    bytes_received: int
    payload_id: str
    worker: str
    answer_digest: str = ""
    """Short digest of the decoded 2xx answer ("" otherwise): two deployments' answers compare by it.
    Files written before this column existed are read with it empty."""
    server_request_id: str = ""
    """The server's own request id from the answer's headers (`x-request-id`, else `x-ms-request-id`;
    on a managed endpoint the platform's GUID, the traffic log's XRequestId): the join key to the
    server's telemetry when it logs no client request id. "" when not sent (and in older files)."""


@dataclasses.dataclass(frozen=True, slots=True)
class TelemetryRow:
    """One server request as Application Insights recorded it."""

    timestamp: str
    client_request_id: str
    operation_id: str
    name: str
    result_code: str
    success: bool
    duration_ms: float
    item_count: int
    """Sampling weight: count requests with sum(item_count), never by counting rows."""
    server_request_id: str = ""
    """The server's own request id ("Request Id" custom dimension; the traffic log's XRequestId)."""


@dataclasses.dataclass(frozen=True, slots=True)
class ExceptionRow:
    """One server-side exception in the run's window."""

    timestamp: str
    client_request_id: str
    type: str
    message: str
    item_count: int


@dataclasses.dataclass(frozen=True, slots=True)
class Answer:
    """One distinct decoded answer a target gave to a payload (`scorebench compare`'s answers.csv)."""

    target: str
    """Which side answered: current or candidate."""
    payload_id: str
    answer_digest: str
    """The digest of the decoded answer (equal answers, however formatted, share it)."""
    answer: str
    """The decoded answer as compact JSON, cut short and redacted: for people, not for comparing."""


@dataclasses.dataclass(frozen=True, slots=True)
class Look:
    """One check as one look of an until-decided run saw it (looks.csv; scorebench/decider.py)."""

    look: int
    """1 for the first look, 2 for the next, ..."""
    at_s: float
    """Seconds since the load started."""
    requests: int
    """Samples read at this look (both sides of a compare)."""
    check: str
    """The check's name, as in summary.json `checks[].name`."""
    status: str
    """PASS, FAIL or INCONCLUSIVE at this look."""
    value: float | None
    low: float | None
    """The check's interval at this look, in its unit (None: unbounded on that side, or not estimated)."""
    high: float | None
    unit: str


R = TypeVar("R")


def utc_iso(moment: datetime) -> str:
    """Format an aware datetime as the records' UTC string: 2026-11-22T20:56:30.123456Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_from_epoch(epoch_s: float) -> str:
    """Format seconds since the epoch as the records' UTC string."""
    return utc_iso(datetime.fromtimestamp(epoch_s, UTC))


def parse_utc(text: str) -> datetime:
    """Parse a records' UTC string (or any ISO-8601 string with an offset) to an aware datetime."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def header(record_type: type[Any]) -> list[str]:
    """The CSV header of a record type: its field names, in order."""
    return [f.name for f in dataclasses.fields(record_type)]


def to_row(record: Any) -> list[str]:
    """A record as CSV cells: None is the empty cell, floats keep 3 decimals, bools are 1/0."""
    return [_cell(getattr(record, name)) for name in record.__slots__]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


_PARSERS: dict[str, Any] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": lambda text: text in ("1", "True", "true"),
    "float | None": lambda text: float(text) if text != "" else None,
}


def from_row(record_type: type[R], cells: dict[str, str]) -> R:
    """Parse one CSV row (a dict from csv.DictReader) back into a record."""
    values = {f.name: _PARSERS[str(f.type)](cells[f.name]) for f in dataclasses.fields(record_type)}  # type: ignore[arg-type]
    return record_type(**values)


def write_csv(path: Path, records: Iterable[Any], record_type: type[Any]) -> int:
    """Write records as the CSV file at path (replaced atomically, never through a link: core/safefile.py)
    with the record type's header; returns the row count."""
    count = 0
    with replacing(path) as handle:
        writer = csv.writer(handle)
        writer.writerow(header(record_type))
        for record in records:
            writer.writerow(to_row(record))
            count += 1
    return count


def read_csv(path: Path, record_type: type[R]) -> Iterator[R]:
    """Read records back from a CSV file written by write_csv or a streaming writer.

    A last line cut short by a crash (fewer cells than the header) is skipped, not an error:
    streamed files may end mid-line when the writer was killed.
    """
    names = header(record_type)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = optional_missing(record_type, reader.fieldnames or [])
        if reader.fieldnames != names[: len(names) - len(missing)]:
            raise ValueError(f"{path}: columns {reader.fieldnames} are not {names}")
        for cells in reader:
            if None in cells.values():
                continue
            yield from_row(record_type, {**cells, **dict.fromkeys(missing, "")})


OPTIONAL_TRAILING: dict[str, tuple[str, ...]] = {
    "Sample": ("answer_digest", "server_request_id"),
    "TelemetryRow": ("server_request_id",),
}
"""Trailing columns added after files were first written, oldest first: an older file without
some of them (those at the end) still reads."""


def optional_missing(record_type: type[Any], columns: Sequence[str]) -> tuple[str, ...]:
    """The optional trailing columns a file's header lacks (older files), else ()."""
    names = header(record_type)
    optional = OPTIONAL_TRAILING.get(record_type.__name__, ())
    for lacking in range(len(optional), 0, -1):
        if list(columns) == names[: len(names) - lacking]:
            return optional[len(optional) - lacking :]
    return ()


def read_samples(run_dir: Path) -> list[Sample]:
    """All samples of a run directory, from every part file (core/sampleparts.py), in file order.

    Raises:
        HarnessError: naming the file, for a part that is not the engine's, does not read or parse, holds an
            outcome no engine writes, or a request id found twice.
    """
    samples: list[Sample] = []
    paths = sample_parts(run_dir)
    for path in paths:
        try:
            samples.extend(read_csv(path, Sample))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise HarnessError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
        except (ValueError, KeyError) as exc:
            text = str(exc)
            raise HarnessError(text if text.startswith(str(path)) else f"{path}: not a samples CSV ({text})") from None
    seen: set[str] = set()
    for sample in samples:
        if sample.client_request_id in seen:
            raise duplicate_error(paths, sample.client_request_id)
        seen.add(sample.client_request_id)
        if sample.outcome not in OUTCOMES:
            raise unknown_outcome_error(paths, sample.outcome)
    return samples


def csv_line(record: Any) -> str:
    """One record as a CSV text line (with its newline), for streaming writers."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(to_row(record))
    return buffer.getvalue()
