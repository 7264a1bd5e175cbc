"""Child processes die with the scorebench process that started them (docs/faults.md, "Runaway load").

One job: tie a child's life to its parent's, so a `kill -9` of scorebench (or a cancelled CI job)
never leaves load running against an endpoint with the key. On Linux the kernel sends the child
`signum` the moment its parent dies (prctl PR_SET_PDEATHSIG, kept across exec); the child then
checks that the parent did not die before the call (the race between fork and prctl). Rules:
call it in the child (`preexec_fn=` of Popen, or first thing in a forked child); the parent is
the *thread* that forked, so fork from a thread that outlives the child (scorebench forks from
the thread that then waits for it).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Any

PR_SET_PDEATHSIG = 1
_LIBC: list[Any] = []


def die_with_parent(parent_pid: int, signum: int = signal.SIGTERM) -> None:
    """In the child: get `signum` when the parent dies; get it at once if it already has."""
    if sys.platform.startswith("linux"):
        try:
            if not _LIBC:
                _LIBC.append(ctypes.CDLL(None, use_errno=True))
            _LIBC[0].prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signum)


class Lifeline:
    """A `preexec_fn` for Popen: `Lifeline()` made in the parent, called in the child."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        self.parent_pid = os.getpid()
        self.signum = signum
        if sys.platform.startswith("linux") and not _LIBC:
            _LIBC.append(ctypes.CDLL(None, use_errno=True))  # loaded here: the child only calls it

    def __call__(self) -> None:
        die_with_parent(self.parent_pid, self.signum)
