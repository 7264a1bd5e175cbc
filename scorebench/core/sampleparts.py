"""A run's sample files: which `samples*.csv` are the engine's own parts, and that no request is counted twice.

The engines write one part per process (docs/architecture.md, "The run directory"): `samples.csv`
(ab, the first process; a compare side; older runs) or `samples-<worker>.csv`, whose rows are all
that worker's (`samples-ab-1.csv`, Locust's `samples-<host>-<pid>.csv`); a capacity step prefixes
the segment number (`samples-3.csv`, `samples-3-ab-1.csv`). Every request carries a fresh uuid4
`client_request_id`, so an id seen twice means a part was copied or a file was added by hand.
Rules (docs/faults.md): a file matching `samples*.csv` that is not such a part (`samples-copy.csv`,
`samples_old.csv`) is refused, naming it, and so is a request id found twice (naming the files that
hold it): never counted twice in silence, never de-duplicated by guess. Standard library only.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

from scorebench.core.errors import HarnessError

SAMPLES_GLOB = "samples*.csv"
_PART = re.compile(r"samples-(?:(?P<segment>\d+)(?:-(?P<after>.+))?|(?P<tag>.+))\.csv")
_MOVE = "move it out of the run directory (its requests would be counted twice)"


def sample_parts(run_dir: Path) -> list[Path]:
    """The run's sample parts, sorted; HarnessError naming a file that is not one of the engine's parts."""
    paths = sorted(Path(run_dir).glob(SAMPLES_GLOB))
    for path in paths:
        check_part(path)
    return paths


def check_part(path: Path) -> None:
    """`samples.csv`, or `samples-[N-]<worker>.csv` holding that worker's rows (or `samples-N.csv`), else refused."""
    if path.is_dir():
        raise HarnessError(f"{path}: is a directory, not a samples file; move it out of the run directory")
    if path.name == "samples.csv":
        return
    match = _PART.fullmatch(path.name)
    if match is None:
        raise HarnessError(f"{path}: not one of the engine's sample parts (samples.csv, samples-<worker>.csv); {_MOVE}")
    worker = first_worker(path)
    tag = match["tag"] or match["after"]
    if worker is None or (tag is None and match["segment"]) or tag == worker:
        return
    raise HarnessError(
        f"{path}: not one of the engine's sample parts (its rows are worker {worker}'s, whose part is"
        f" samples-{worker}.csv or samples.csv); {_MOVE}"
    )


def first_worker(path: Path) -> str | None:
    """The `worker` cell of a part's first row (None: no rows, or not readable here: the reader says why)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            names = next(rows, [])
            first = next(rows, None)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if first is None or "worker" not in names or len(first) != len(names):
        return None
    return first[names.index("worker")]


def duplicate_error(paths: Sequence[Path], request_id: str) -> HarnessError:
    """The error for a request id found twice: which files hold it (and how often)."""
    holding = [f"{path.name} ({count}x)" if count > 1 else path.name for path, count in _holding(paths, request_id)]
    where = paths[0].parent if paths else Path()
    return HarnessError(
        f"{where}: client_request_id {request_id} appears twice ({', '.join(holding)}): samples were duplicated"
        " (a copied part, or rows pasted in); remove the copy: every request is one row"
    )


def unknown_outcome_error(paths: Sequence[Path], outcome: str) -> HarnessError:
    """The error for an outcome no engine writes (hand-edited or damaged samples)."""
    holding = [path for path, _ in _holding(paths, f",{outcome},")] or list(paths)
    return HarnessError(
        f"{holding[0]}: outcome {outcome[:40]!r} is not one scorebench writes (docs/architecture.md, Outcomes):"
        " hand-edited or damaged?"
    )


def _holding(paths: Sequence[Path], text: str) -> list[tuple[Path, int]]:
    found = []
    for path in paths:
        try:
            count = path.read_text(encoding="utf-8", errors="replace").count(text)
        except OSError:
            continue
        if count:
            found.append((path, count))
    return found
