"""The one exception type that turns into exit code 2 with a one-line message.

Rule: raise HarnessError for anything the user can fix (bad input, unreachable endpoint, refused
key, telemetry unavailable when required). The message is the whole line the user sees: say what
and where, never include a secret, never a traceback. The CLI (scorebench/cli.py) is the only place
that turns exceptions into exit codes.
"""

from typing import Self

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_HARNESS = 2
EXIT_INCONCLUSIVE = 3
EXIT_INTERRUPTED = 130

EXIT_CODES: dict[int, tuple[str, str]] = {
    EXIT_PASSED: ("PASS", "every check passed (its whole 95 % interval within its limit)"),
    EXIT_FAILED: ("FAIL", "a check failed: an SLO, the timeout, or a baseline/candidate check"),
    EXIT_HARNESS: ("ERROR", "the harness could not do its job: bad input, endpoint unreachable or unable to score"),
    EXIT_INCONCLUSIVE: (
        "INCONCLUSIVE",
        "the evidence cannot decide: an interval straddles its limit, or not comparable",
    ),
    EXIT_INTERRUPTED: ("INTERRUPTED", "interrupted: samples kept, report marked partial"),
}
"""The one exit-code table: code → (the verdict printed for it, what it means). `--help` prints it."""


class HarnessError(Exception):
    """The harness could not do its job; the message is shown as one line, exit code 2."""

    exit_code = EXIT_HARNESS


class WriteFailed(HarnessError):
    """A file of the run could not be written (a full disk, a read-only or vanished directory).

    The message names the directory and what was being written; the run ends (exit 2) with the
    samples written so far kept. Built with `WriteFailed.of(where, what, exc)`; the message is the
    one argument, so the error crosses a process boundary (pickle) unchanged.
    """

    @classmethod
    def of(cls, where: object, what: str, exc: OSError | str, *, samples: bool = True) -> Self:
        """`DIR: cannot write WHAT (No space left on device); ...`; `exc` the error or its reason;
        `samples` False before the load (there are none to keep)."""
        reason = exc if isinstance(exc, str) else exc.strerror or type(exc).__name__
        kept = "; the samples written so far are kept" if samples else ""
        return cls(f"{where}: cannot write {what} ({reason}){kept}")
