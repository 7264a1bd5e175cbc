"""The `scorebench` subcommands: one module each, listed in `COMMANDS`, a table of typed `Command` records.

A command module exposes `add_arguments(parser)` and `run(args) -> int`; `ab` takes ab's own argv
unparsed (`scorebench.loadtests.ab.cli.main(argv) -> int`). Each row's `load` imports its module
when the command is chosen — and only then, so `scorebench ab` starts without pandas, numpy, jinja2
or the Azure SDKs — through a function per command: the imports are ordinary statements that mypy
types and import-linter sees (cli → commands → the command's module). Exit codes are decided in
scorebench/cli.py, never here.

Rule: a command module validates its flags and calls the stage's functions; no work lives here.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable


@dataclasses.dataclass(frozen=True)
class Parsed:
    """A command that takes flags: argparse set-up and the function that runs it."""

    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


@dataclasses.dataclass(frozen=True)
class RawArgv:
    """A command that takes its argv unparsed (ab: ab's own options and messages)."""

    main: Callable[[list[str]], int]


Entry = Parsed | RawArgv


@dataclasses.dataclass(frozen=True)
class Command:
    """One row of `scorebench --help`: the name, one line on what it does, and how to load it."""

    name: str
    summary: str
    load: Callable[[], Entry]
    """Imports the command's module (only when it is chosen) and returns its entry points."""


def _serve() -> Entry:
    from scorebench.commands import serve

    return Parsed(serve.add_arguments, serve.run)


def _run() -> Entry:
    from scorebench.commands import run

    return Parsed(run.add_arguments, run.run)


def _ab() -> Entry:
    from scorebench.loadtests.ab import cli

    return RawArgv(cli.main)


def _probe() -> Entry:
    from scorebench.commands import probe

    return Parsed(probe.add_arguments, probe.run)


def _report() -> Entry:
    from scorebench.commands import report

    return Parsed(report.add_arguments, report.run)


def _baseline() -> Entry:
    from scorebench.commands import baseline

    return Parsed(baseline.add_arguments, baseline.run)


def _check() -> Entry:
    from scorebench.commands import check

    return Parsed(check.add_arguments, check.run)


def _alt_config() -> Entry:
    from scorebench.commands import altconfig

    return Parsed(altconfig.add_arguments, altconfig.run)


def _payloads() -> Entry:
    from scorebench.commands import payloads

    return Parsed(payloads.add_arguments, payloads.run)


def _trend() -> Entry:
    from scorebench.commands import trend

    return Parsed(trend.add_arguments, trend.run)


def _compare() -> Entry:
    from scorebench.commands import compare

    return Parsed(compare.add_arguments, compare.run)


def _endpoint() -> Entry:
    from scorebench.commands import endpoint

    return Parsed(endpoint.add_arguments, endpoint.run)


def _capacity() -> Entry:
    from scorebench.commands import capacity

    return Parsed(capacity.add_arguments, capacity.run)


COMMANDS: tuple[Command, ...] = (
    Command("serve", "run the local stand-in endpoint and its telemetry sink", _serve),
    Command("run", "preflight, load, probe, report and compare, in one go", _run),
    Command("ab", "Apache Bench compatible load test (ab's options and report)", _ab),
    Command("probe", "fetch the server's telemetry for a run directory", _probe),
    Command("report", "build summary.json and report.html for a run directory", _report),
    Command("baseline", "save a run as a named baseline", _baseline),
    Command("check", "compare a run with a baseline and its SLOs (exit 1 fail, 3 inconclusive)", _check),
    Command("alt-config", "write Azure Load Testing failure criteria from the SLOs", _alt_config),
    Command("payloads", "generate a payload set (.jsonl) from a CSV of model inputs", _payloads),
    Command("trend", "a label's runs over time, one page; fails when the newest drifted", _trend),
    Command("compare", "the candidate against the current deployment, same load at once", _compare),
    Command("endpoint", "find an Azure ML service: show, keys, logs, enable-insights", _endpoint),
    Command("capacity", "the highest offered rate that holds the SLOs (open-model steps)", _capacity),
)
"""Every subcommand, in the order `scorebench --help` lists them."""

BY_NAME: dict[str, Command] = {command.name: command for command in COMMANDS}
