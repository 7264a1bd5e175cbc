"""The `scorebench` command line: a registry of subcommands and the one place exit codes are decided.

Each subcommand lives in its own module exposing `add_arguments(parser)` and `run(args) -> int`
(0 passed, 1 a threshold or baseline failed). Only the chosen subcommand's module is imported, so
`scorebench ab` starts fast and no command drags in what another needs. `ab` takes ab's own argv
unparsed (module function `main(argv) -> int`).

Exit codes (scorebench/core/errors.py EXIT_CODES, the one table; the printed verdict names the
same one): 0 passed, 1 failed an SLO / the timeout / a baseline check (or ab's own exit 1 for its
bad options), 2 the harness could not do its job (HarnessError, bad flags: one line, no
traceback), 3 inconclusive or not comparable, 130 interrupted. Before anything else,
SCOREBENCH_KEY is registered and stdout/stderr are routed through `scorebench.core.secrets.scrub`,
so no message, error or dump can leak a known secret.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from scorebench.config import register_key_of_environment
from scorebench.core.errors import EXIT_CODES, EXIT_HARNESS, EXIT_INTERRUPTED, HarnessError
from scorebench.core.memory import return_freed_memory
from scorebench.core.secrets import install_scrubbing_streams, scrub
from scorebench.core.version import __version__

COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("scorebench.commands.serve", "run the local stand-in endpoint and its telemetry sink"),
    "run": ("scorebench.commands.run", "preflight, load, probe, report and compare, in one go"),
    "ab": ("scorebench.loadtests.ab.cli", "Apache Bench compatible load test (ab's options and report)"),
    "probe": ("scorebench.commands.probe", "fetch the server's telemetry for a run directory"),
    "report": ("scorebench.commands.report", "build summary.json and report.html for a run directory"),
    "baseline": ("scorebench.commands.baseline", "save a run as a named baseline"),
    "check": ("scorebench.commands.check", "compare a run with a baseline and its SLOs (exit 1 fail, 3 inconclusive)"),
    "alt-config": ("scorebench.commands.altconfig", "write Azure Load Testing failure criteria from the SLOs"),
    "payloads": ("scorebench.commands.payloads", "generate a payload set (.jsonl) from a CSV of model inputs"),
    "trend": ("scorebench.commands.trend", "a label's runs over time, one page; fails when the newest drifted"),
    "compare": ("scorebench.commands.compare", "the candidate against the current deployment, same load at once"),
    "endpoint": ("scorebench.commands.endpoint", "find an Azure ML service: show, keys, logs, enable-insights"),
    "capacity": ("scorebench.commands.capacity", "the highest offered rate that holds the SLOs (open-model steps)"),
}
RAW_ARGV_COMMANDS = ("ab",)


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


def _dispatch(args: list[str]) -> int:
    if not args or args[0] in ("-h", "--help"):
        print(_overview())
        return 0
    if args[0] in ("-V", "--version"):
        print(f"scorebench {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        raise HarnessError(f"unknown command {name!r} (commands: {', '.join(COMMANDS)})")
    module = _load(name)
    if name in RAW_ARGV_COMMANDS:
        return int(module.main(rest))
    parser = OneLineParser(prog=f"scorebench {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(rest)))


def _load(name: str) -> Any:
    module_name = COMMANDS[name][0]
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            raise HarnessError(f"'scorebench {name}' is not available in this build") from None
        raise


def _overview() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"scorebench {__version__}: load-test an ML scoring endpoint, read its telemetry, report.", ""]
    lines += [f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "exit codes (the printed verdict always names the same one):"]
    lines += [f"  {code:>3}  {word:<12}  {text}" for code, (word, text) in EXIT_CODES.items()]
    lines += ["", "scorebench COMMAND -h shows a command's options."]
    return "\n".join(lines)


def _fail(message: str, code: int) -> int:
    line = scrub(message).replace("\r", " ").replace("\n", " ")
    print(f"scorebench: error: {line}", file=sys.stderr)
    return code
