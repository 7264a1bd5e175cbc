"""core/diskwrites.py: a write into a run directory that fails (a full disk) ends the run with one line.

`writing(run_dir, what)` turns an OSError raised while writing `what` into WriteFailed naming the run
directory and the file (without `what`: the file the OSError names, when it lies inside the run
directory); `make_run_dir` creates a run directory marked running, or fails naming where;
`room_for_report` says whether a partial report is still worth trying.
Rules: nothing here deletes what it did not create (an empty new run directory is removed only when
its running mark could not be written).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from scorebench.core.errors import WriteFailed
from scorebench.core.rundir import create_run_dir
from scorebench.core.running import RUNNING_JSON, RunningMark

DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})
"""What a write that failed for the disk's sake raises (with no file named when write() fails)."""
REPORT_ROOM_BYTES = 4 << 20
"""Free space below which a run whose write failed tries no report (summary.json, report.html, summary.md)."""


@contextlib.contextmanager
def writing(run_dir: Path, what: str | None = None, *, samples: bool = True) -> Iterator[None]:
    """An OSError while writing `what` into the run directory is the run's end: WriteFailed naming both.

    Without `what`: an OSError about a file inside the run directory, named by its path there
    (one outside, e.g. a telemetry source, passes on as it is).
    """
    try:
        yield
    except OSError as exc:
        if what is None:
            what = inside(exc.filename, run_dir)
            if what is None and exc.filename is None and exc.errno in DISK_ERRNOS:
                what = "a file of the run"  # a failed write() names no file
            if what is None:
                raise
        raise WriteFailed.of(run_dir, what, exc, samples=samples) from None


def inside(filename: object, run_dir: Path) -> str | None:
    """An OSError's file as a path inside the run directory; None when it lies elsewhere (or is not said)."""
    if not isinstance(filename, str | Path):
        return None
    try:
        inside = Path(filename).resolve().relative_to(Path(run_dir).resolve())
    except ValueError:
        return None
    if inside.name.endswith(".tmp"):  # an atomic write's tmp: name the file it was to become
        inside = inside.with_name(inside.name.removesuffix(".tmp").lstrip("."))
    return str(inside)


def room_for_report(run_dir: Path) -> bool:
    """Whether the run directory's disk still has REPORT_ROOM_BYTES free (unknown: yes, try)."""
    try:
        stat = os.statvfs(run_dir)
    except (OSError, AttributeError):  # not said (or not POSIX): try
        return True
    return stat.f_bavail * stat.f_frsize >= REPORT_ROOM_BYTES


def make_run_dir(out_dir: Path, started: datetime, label: str) -> tuple[Path, RunningMark]:
    """A new run directory, marked running (a full disk: WriteFailed naming where)."""
    try:
        run_dir = create_run_dir(out_dir, started, label)
    except OSError as exc:
        raise WriteFailed.of(out_dir, "a new run directory", exc, samples=False) from None
    try:
        return run_dir, RunningMark(run_dir)
    except OSError as exc:
        with contextlib.suppress(OSError):
            run_dir.rmdir()  # still empty: no run directory is left that holds nothing
        what = f"a new run directory ({run_dir.name}/{RUNNING_JSON})"
        raise WriteFailed.of(out_dir, what, exc, samples=False) from None
