"""The `scorebench` command line: dispatch to a subcommand, and the one place exit codes are decided.

The subcommands are the typed table `scorebench.commands.COMMANDS`: each row loads its module only
when chosen (so `scorebench ab` starts fast and no command drags in what another needs) and hands
back either `add_arguments(parser)` + `run(args) -> int`, or, for `ab`, `main(argv) -> int` taking
ab's own argv unparsed.

Exit codes (scorebench/core/errors.py EXIT_CODES, the one table; the printed verdict names the
same one): 0 passed, 1 failed an SLO / the timeout / a baseline check (or ab's own exit 1 for its
bad options), 2 the harness could not do its job (HarnessError, bad flags: one line, no
traceback), 3 inconclusive or not comparable, 130 interrupted. Before anything else,
SCOREBENCH_KEY is registered and stdout/stderr are routed through `scorebench.core.secrets.scrub`,
so no message, error or dump can leak a known secret.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from scorebench.commands import BY_NAME, COMMANDS, Parsed, RawArgv
from scorebench.config import register_key_of_environment
from scorebench.core.errors import EXIT_CODES, EXIT_HARNESS, EXIT_INTERRUPTED, HarnessError
from scorebench.core.memory import return_freed_memory
from scorebench.core.secrets import install_scrubbing_streams, scrub
from scorebench.core.version import __version__


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag as one HarnessError line instead of usage + exit."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments: "):  # name the flags, never echo values (a key?)
            flags = [word.split("=")[0] for word in message.split(" ")[2:] if word.startswith("-")]
            message = f"unrecognized arguments: {' '.join(flags) or '(values not shown)'}"
        raise HarnessError(f"{self.prog}: {message}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `scorebench` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    return_freed_memory()
    register_key_of_environment()
    install_scrubbing_streams()
    try:
        return _dispatch(args)
    except HarnessError as exc:
        return _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        print("verdict: INTERRUPTED (exit 130)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_HARNESS
    except Exception as exc:  # the last line of defence: one line, never a traceback with secrets
        if os.environ.get("SCOREBENCH_DEBUG"):
            raise
        return _fail(f"internal error: {type(exc).__name__}: {exc} (SCOREBENCH_DEBUG=1 shows the traceback)", 2)


def ab_main() -> int:
    """Entry point of the `scorebench-ab` console script: ab's argv unchanged."""
    return main(["ab", *sys.argv[1:]])


def console() -> NoReturn:
    """The `scorebench` console script and `python -m scorebench`: main(), then leave with its code.

    A harness error (exit 2) leaves at once once the streams are flushed (os._exit): an error raised
    while Arrow's reader threads still ran could abort the interpreter's finalization under load
    ("terminate called without an active exception", exit -6 instead of the 2 its line promised).
    Everything the command opened was closed on the way out (context managers)."""
    code = main()
    if code == EXIT_HARNESS:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _dispatch(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help"):
        print(_overview())
        return 0
    if args[0] in ("-V", "--version"):
        print(f"scorebench {__version__}")
        return 0
    name, rest = args[0], args[1:]
    command = BY_NAME.get(name)
    if command is None:
        raise HarnessError(f"unknown command {name!r} (commands: {', '.join(BY_NAME)})")
    match command.load():
        case RawArgv(main=raw_main):
            return raw_main(rest)
        case Parsed(add_arguments=add_arguments, run=run):
            parser = OneLineParser(prog=f"scorebench {name}", description=command.summary)
            add_arguments(parser)
            return run(parser.parse_args(rest))


def _overview() -> str:
    width = max(len(command.name) for command in COMMANDS)
    lines = [f"scorebench {__version__}: load-test an ML scoring endpoint, read its telemetry, report.", ""]
    lines += [f"  {command.name:<{width}}  {command.summary}" for command in COMMANDS]
    lines += ["", "exit codes (the printed verdict always names the same one):"]
    lines += [f"  {code:>3}  {word:<12}  {text}" for code, (word, text) in EXIT_CODES.items()]
    lines += ["", "scorebench COMMAND -h shows a command's options."]
    return "\n".join(lines)


def _fail(message: str, code: int) -> int:
    line = scrub(message).replace("\r", " ").replace("\n", " ")
    print(f"scorebench: error: {line}", file=sys.stderr)
    return code
