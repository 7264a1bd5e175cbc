"""`running.json`: the mark of a run directory that a live scorebench process is still writing.

A run directory is a set of immutable records (docs/architecture.md, "The run directory"); what
they cannot tell is whether a run without load.json is still running or died. The process that
writes a run holds `running.json` (its pid, host and start) with an exclusive `flock` from the
moment the directory exists until the run command ends, then removes it. The kernel drops the lock
when the process dies however it dies (SIGKILL, OOM), so a reader tells the three cases apart:

- no running.json: the run ended (or is of a layout before the mark);
- running.json locked: still in progress (`baseline save`, `check`, `trend` refuse or skip it);
- running.json not locked: the process died; without load.json the run is partial everywhere.

Rules: the mark is not a record (removed at the end, never read for results); reading it never
blocks and never fails (a mark that cannot be read is a dead writer); Linux and macOS (`flock`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

RUNNING_JSON = "running.json"


@dataclasses.dataclass(frozen=True)
class RunWriter:
    """Who writes (or wrote) a run directory, as its running.json says; `alive` while it holds the lock."""

    pid: int | None
    host: str
    started_at: str
    alive: bool

    @property
    def who(self) -> str:
        """`scorebench pid 1234 on host, started 2026-12-07T13:00:00Z`."""
        pid = self.pid if self.pid is not None else "?"
        return f"scorebench pid {pid} on {self.host or '?'}, started {self.started_at or '?'}"


class RunningMark:
    """running.json, made and locked now; `with` the mark, it is removed when the body ends.

    Made with the run directory's writer's pid; a process that dies leaves it unlocked. Raises
    OSError when it cannot be written (the caller names it: a full disk).
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = Path(run_dir) / RUNNING_JSON
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            document = {"pid": os.getpid(), "host": socket.gethostname(), "started_at": started}
            os.write(self._fd, (json.dumps(document) + "\n").encode("utf-8"))
        except OSError:
            self.release()
            raise

    def release(self) -> None:
        """Remove the mark and drop its lock (safe to call twice)."""
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = -1

    def __enter__(self) -> RunningMark:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def run_writer(run_dir: Path) -> RunWriter | None:
    """The writer running.json names (None without one); `alive` when its process still holds the lock."""
    path = Path(run_dir) / RUNNING_JSON
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        alive = _locked(fd)
        try:
            data = json.loads(os.read(fd, 4096).decode("utf-8"))
        except (OSError, ValueError):
            data = {}
    finally:
        os.close(fd)
    data = data if isinstance(data, dict) else {}
    pid = data.get("pid")
    return RunWriter(
        pid=pid if isinstance(pid, int) else None,
        host=str(data.get("host") or ""),
        started_at=str(data.get("started_at") or ""),
        alive=alive,
    )


def _locked(fd: int) -> bool:
    """Whether another process holds the file's lock (taking and dropping a shared lock tells)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False
