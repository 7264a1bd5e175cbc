"""The one exception type that turns into exit code 2 with a one-line message.

Rule: raise HarnessError for anything the user can fix (bad input, unreachable endpoint, refused
key, telemetry unavailable when required). The message is the whole line the user sees: say what
and where, never include a secret, never a traceback. The CLI (scorebench/cli.py) is the only place
that turns exceptions into exit codes.
"""

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_HARNESS = 2
EXIT_INCONCLUSIVE = 3
EXIT_INTERRUPTED = 130


class HarnessError(Exception):
    """The harness could not do its job; the message is shown as one line, exit code 2."""

    exit_code = EXIT_HARNESS
