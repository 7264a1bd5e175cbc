"""Generate a payload set (.jsonl, one request body per line) from a CSV of model inputs.

`scorebench payloads generate --csv FILE --out DIR --records-per-body N --bodies M` takes rows of
the CSV (in file order, or a seeded random sample), drops the target column, and writes
`DIR/payloads.jsonl` where each line is `{"data": [N records]}` — the shape the Azure ML inference
server's pandas input schema expects. Rules: a column's JSON type is inferred from the whole file
(integer when every value is an integer, number when every value is numeric, else string), so a
column like `nr.employed` (5191, 5099.1) is a number in every record; empty cells become null;
bad input (missing file, unknown target, too few rows) is a HarnessError of one line.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError

DEFAULT_TARGET = "y"
OUTPUT_NAME = "payloads.jsonl"


def generate_payloads(
    csv_path: Path,
    out_dir: Path,
    *,
    records_per_body: int = 1,
    bodies: int = 100,
    target: str | None = DEFAULT_TARGET,
    seed: int | None = None,
    overwrite: bool = False,
) -> Path:
    """Write out_dir/payloads.jsonl with `bodies` lines of `records_per_body` records each; return its path.

    An existing payloads.jsonl is a HarnessError unless overwrite (nothing is lost silently).
    """
    if records_per_body < 1 or bodies < 1:
        raise HarnessError("payloads generate: --records-per-body and --bodies must be at least 1")
    columns, rows = _read_csv(csv_path)
    if target and target not in columns:
        raise HarnessError(f"payloads generate: {csv_path} has no target column {target!r} (use --target '' for none)")
    needed = records_per_body * bodies
    if len(rows) < needed:
        raise HarnessError(f"payloads generate: {csv_path} has {len(rows)} rows, {needed} needed")
    keep = [name for name in columns if name != target]
    converters = {name: _infer(rows, columns.index(name)) for name in keep}
    chosen = random.Random(seed).sample(rows, needed) if seed is not None else rows[:needed]
    records = [{name: converters[name](row[columns.index(name)]) for name in keep} for row in chosen]
    out = out_dir / OUTPUT_NAME
    if out.exists() and not overwrite:
        raise HarnessError(f"payloads generate: {out} exists; give --force to overwrite it, or another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarnessError(f"payloads generate: --out {out_dir}: cannot create it ({exc.strerror})") from None
    with out.open("w", encoding="utf-8") as handle:
        for start in range(0, needed, records_per_body):
            body = {"data": records[start : start + records_per_body]}
            handle.write(json.dumps(body, separators=(",", ":"), ensure_ascii=False) + "\n")
    return out


def _read_csv(csv_path: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with csv_path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            columns = next(reader, None)
            rows = [row for row in reader if row]
    except FileNotFoundError:
        raise HarnessError(f"payloads generate: {csv_path} does not exist") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise HarnessError(f"payloads generate: {csv_path} cannot be read: {exc}") from None
    if not columns:
        raise HarnessError(f"payloads generate: {csv_path} is empty")
    for number, row in enumerate(rows, start=2):
        if len(row) != len(columns):
            raise HarnessError(f"payloads generate: {csv_path}:{number}: {len(row)} cells, header has {len(columns)}")
    return columns, rows


def _infer(rows: list[list[str]], index: int) -> Any:
    values = [row[index] for row in rows if row[index] != ""]
    for kind in (int, float):
        if all(_parses(kind, value) for value in values):
            return lambda text, kind=kind: None if text == "" else kind(text)
    return lambda text: None if text == "" else text


def _parses(kind: type, text: str) -> bool:
    try:
        kind(text)
    except ValueError:
        return False
    return True
