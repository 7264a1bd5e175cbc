"""Writing a file of a run directory without ever writing through a link: the run directory is a boundary.

One job: `replacing(path)` gives a text handle on a new file beside `path` (created exclusively, so a
planted link cannot redirect it) and renames it over `path` when the block ends: readers see the
old file or the new one, never half; a failure (a full disk) leaves no `.tmp` and is one
WriteFailed line naming the directory and the file (a HarnessError: exit 2; a run ends on it).
Rules (docs/faults.md): a symbolic link (or hard link) at `path` is replaced by the
file itself, never written through: its target, maybe outside the run directory, is untouched, and
a warning names the link; a directory at `path` is refused. `replace_text` writes a whole text.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from scorebench.core.errors import HarnessError, WriteFailed

_UMASK: list[int] = []


def replace_text(path: Path, text: str) -> None:
    """Write text (UTF-8) as the new content of path, atomically, never through a link."""
    with replacing(path) as handle:
        handle.write(text)


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[TextIO]:
    """A UTF-8 text handle (newline="": what is written is what lands) whose file replaces `path` at the end."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        raise HarnessError(f"{path}: is a directory; move it away so scorebench can write this file")
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise WriteFailed.of(path.parent, path.name, exc, samples=False) from None
    tmp = Path(name)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        _warn_if_link(path)
        tmp.replace(path)
    except OSError as exc:
        raise WriteFailed.of(path.parent, path.name, exc, samples=False) from None
    finally:
        tmp.unlink(missing_ok=True)


def _warn_if_link(path: Path) -> None:
    if path.is_symlink():
        target = path.readlink()
        print(
            f"scorebench: warning: {path} was a symbolic link (to {target}); replaced by the file itself"
            " (scorebench never writes through a link; the target is untouched)",
            file=sys.stderr,
        )


def _umask() -> int:
    """The process's umask (read once): a new file gets the mode an ordinary write would give it."""
    if not _UMASK:
        current = os.umask(0o022)
        os.umask(current)
        _UMASK.append(current)
    return _UMASK[0]
