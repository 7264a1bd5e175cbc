"""The decider of an until-decided run: looks at the checks while the load runs, and stops it once decided.

A process of its own, forked when the load starts (the ab engine shares this process and its
interpreter: a look here would add to the latencies it measures), reads the samples written so far
(incrementally: only the rows appended since the last look, three columns kept per request), judges
the run's checks on them with the report's own functions (`Looker`: the run's timeout, SLOs and
baseline thresholds; compare's candidate checks, limits and agreement) and, as soon as one check
FAILs or every check is decided (PASS or FAIL), asks the engines to stop by writing the run
directory's stop file (core/rundir.py STOP_FILE: the stages meet only in the run directory). Each
look's checks are streamed to looks.csv (core/records.py `Look`); `ending` says why the load
ended, for load.json and the report.
Rules: a look every LOOK_INTERVAL_S at least, and never more than LOOK_SHARE of the time (a
costly look spaces the next); the intervals judged, at each look and in the report, are those of
`JUDGING` (anytime-valid confidence sequences); memory is capped at MAX_ROWS
requests per side, after which the looks end and the budget decides; a stop for a decision is not
an interruption (the run is whole, its exit code is its verdict's).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from scorebench.core.lifeline import die_with_parent
from scorebench.core.records import LOOKS_FILE, OUTCOMES, Answer, Look, csv_line, header
from scorebench.core.rundir import STOP_FILE, request_stop
from scorebench.loadtests.plan import Budget, LoadResult, duration_text
from scorebench.progress import NewLines
from scorebench.reports.common import sizing
from scorebench.reports.common.checks import FAIL, PASS, Check, resolve_thresholds
from scorebench.reports.common.slo import default_slos, parse_slo

LOOK_INTERVAL_S = 1.5
"""The pause between looks (confidence sequences allow any schedule)."""
LOOK_SHARE = 0.25
"""A look may take about this share of the time (of one core, in its own process): after a look of t seconds
the next waits t / LOOK_SHARE, at most MAX_LOOK_INTERVAL_S."""
MAX_LOOK_INTERVAL_S = 5.0
STOP_WAIT_S = 30.0
"""How long the end of the load waits for a look under way to finish and report."""
MAX_ROWS = 2_000_000
"""Requests kept per side for the looks (about 17 bytes each); beyond it the looks end and the budget decides."""
JUDGING: dict[str, bool] = {"anytime": True}
"""Keyword arguments of the report's judging functions for looks and for an until-decided run's report:
95 % confidence sequences (reports/common/sequential.py), valid at every look at once, so looking
every LOOK_INTERVAL_S does not inflate the error rates (the one seam between fixed intervals and these)."""
UNDECIDABLE_METRICS = frozenset({"comparable"})
"""Checks no amount of load decides (a baseline of another load profile): they do not hold the load."""
COLUMNS = ("started_at", "latency_ms", "outcome")
ANSWER_COLUMNS = ("payload_id", "answer_digest")
KNOWN_OUTCOMES = (*OUTCOMES, "unknown")

Frames = dict[str, pd.DataFrame]
Judge = Callable[[Frames, list[Answer]], list[Check]]
"""The checks of the samples so far: each side's frame (latency_ms, outcome, started_s) and, for
compare, the distinct answers of each side to each payload (answer text left empty)."""


class SideColumns:
    """The columns a look needs of one folder's samples*.csv, read incrementally (at most MAX_ROWS rows)."""

    def __init__(self, folder: Path, side: str, answers: bool = False) -> None:
        self.side = side
        self.lines = NewLines(folder)
        self.answers = answers
        self.count = 0
        self.full = False
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.digests: set[tuple[str, str]] = set()

    def poll(self) -> int:
        """Read the rows appended since the last poll; how many were new."""
        before = self.count
        wanted = COLUMNS + (ANSWER_COLUMNS if self.answers else ())
        for names, body in self.lines.read():
            if self.count >= MAX_ROWS:
                self.full = True
                break
            if all(name in names for name in wanted):
                self._take(_parse(body, names, wanted))
        return self.count - before

    def frame(self) -> pd.DataFrame:
        """latency_ms, outcome (a category, as reports/common/frames.py reads it) and started_s of every row read."""
        if self._chunks:
            started, latency, codes = (np.concatenate(parts) for parts in zip(*self._chunks, strict=True))
        else:
            started, latency, codes = np.zeros(0), np.zeros(0), np.zeros(0, dtype="int8")
        outcome = pd.Categorical.from_codes(codes, categories=list(KNOWN_OUTCOMES))
        return pd.DataFrame({"latency_ms": latency, "outcome": outcome, "started_s": started})

    def _take(self, table: pa.Table | None) -> None:
        if table is None or table.num_rows == 0:
            return
        micros = table["started_at"].cast(pa.int64())
        started = pc.fill_null(micros, 0).to_numpy().astype("float64") / 1e6
        started[micros.is_null().to_numpy(zero_copy_only=False)] = np.nan
        latency = pc.fill_null(table["latency_ms"], np.nan).to_numpy()
        index = pc.index_in(table["outcome"], value_set=pa.array(OUTCOMES))
        codes = pc.fill_null(index, len(OUTCOMES)).to_numpy().astype("int8")
        self._chunks.append((started, latency, codes))
        self.count += table.num_rows
        if self.answers:
            self._see_answers(table)

    def _see_answers(self, table: pa.Table) -> None:
        """The distinct (payload, answer digest) of the ok answers (what agreement compares)."""
        ok = table.filter(pc.equal(table["outcome"], "ok"))
        pairs = ok.group_by(list(ANSWER_COLUMNS)).aggregate([])
        for payload, digest in zip(pairs["payload_id"].to_pylist(), pairs["answer_digest"].to_pylist(), strict=True):
            if payload and digest:
                self.digests.add((str(payload), str(digest)))


def _parse(body: bytes, names: list[str], wanted: tuple[str, ...]) -> pa.Table | None:
    types = {"started_at": pa.timestamp("us", tz="UTC"), "latency_ms": pa.float64(), "outcome": pa.string(),
             "payload_id": pa.string(), "answer_digest": pa.string()}  # fmt: skip
    try:
        return pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(invalid_row_handler=lambda _row: "skip"),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(wanted), column_types={k: types[k] for k in wanted}
            ),
        )
    except (pa.ArrowInvalid, ValueError):
        return None  # a row no engine writes: the report names such files; the looks go on


@dataclasses.dataclass(frozen=True)
class Ending:
    """Why the load ended (core/runrecords.py ENDINGS), in a word and in a line, and how many looks there were."""

    because: str
    line: str
    looks: int


@dataclasses.dataclass(frozen=True)
class LookState:
    """What the looking process hands back when its looks end: its decision, how many looks, the checks
    its last look left open, and why it stopped looking early (a look that failed)."""

    decided: Ending | None
    looks: int
    open_checks: list[str]
    error: str | None


class Decider:
    """`with Decider(run_dir, sides, judge, budget):` around the load of an until-decided run.

    `sides` maps a side's name to its folder ("run" → the run directory; compare: current and
    candidate → their folders); the stop file and looks.csv are in `run_dir`. The looks run in a
    forked process of their own (dying with this one): judging holds the interpreter for a moment,
    and the ab engine shares this process, so a look here would add to the latencies it measures.
    """

    def __init__(self, run_dir: Path, sides: dict[str, Path], judge: Judge, budget: Budget) -> None:
        self.run_dir = run_dir
        self.stop_file = run_dir / STOP_FILE
        self.judge = judge
        self.budget = budget
        self.columns = {name: SideColumns(folder, name, answers=len(sides) > 1) for name, folder in sides.items()}
        self.looks = 0
        self.open_checks: list[str] = []
        """The checks the last look left undecided."""
        self.decided: Ending | None = None
        self.error: str | None = None
        self.looks_path = run_dir / LOOKS_FILE
        self.looks_path.write_text(",".join(header(Look)) + "\n", encoding="utf-8")
        self._started_s = time.monotonic()
        context = multiprocessing.get_context("fork")  # the judge is a closure: inherited, never pickled
        self._halt = context.Event()
        self._receive, self._send = context.Pipe(duplex=False)
        self._process = context.Process(target=self._child, args=(os.getpid(),), name="scorebench-decider")

    def __enter__(self) -> Decider:
        self._started_s = time.monotonic()
        self._process.start()
        self._send.close()  # the child's end
        return self

    def __exit__(self, *exc: object) -> None:
        self._halt.set()  # a look under way finishes; the child reports and ends
        if self._receive.poll(STOP_WAIT_S):
            with contextlib.suppress(EOFError, OSError):
                self._take(self._receive.recv())
        self._process.join(STOP_WAIT_S)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._receive.close()

    def wait(self, timeout_s: float) -> bool:
        """Wait for the looks to end by themselves (a decision, or the memory cap); whether they did."""
        self._process.join(timeout_s)
        return not self._process.is_alive()

    def _take(self, state: LookState) -> None:
        self.decided, self.looks, self.error = state.decided, state.looks, state.error
        self.open_checks = list(state.open_checks)

    def _child(self, parent_pid: int) -> None:
        """The looking process: looks until a decision, the halt, or the memory cap; then reports."""
        die_with_parent(parent_pid)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the load's to handle: it halts us
        self._receive.close()
        try:
            self._loop()
        finally:
            self._send.send(LookState(self.decided, self.looks, self.open_checks, self.error))
            self._send.close()

    @property
    def requests(self) -> int:
        """Requests read so far (per side: the fewer of a compare's two)."""
        return min(c.count for c in self.columns.values())

    def spent(self) -> str:
        """`after 1,234 requests (12.3 s)` (`requests a side` in a compare)."""
        side = " a side" if len(self.columns) > 1 else ""
        return f"after {self.requests:,} requests{side} ({time.monotonic() - self._started_s:,.1f} s)"

    def look(self) -> list[Check]:
        """Read the new rows, judge every check, record the look; the checks."""
        for columns in self.columns.values():
            columns.poll()
        if self.requests == 0:
            return []
        frames = {name: columns.frame() for name, columns in self.columns.items()}
        answers = [
            Answer(name, payload, digest, "")
            for name, c in self.columns.items()
            for payload, digest in sorted(c.digests)
        ]
        found = self.judge(frames, answers)
        self.looks += 1
        at_s = round(time.monotonic() - self._started_s, 3)
        rows = [Look(self.looks, at_s, self.requests, c.name, c.status, c.value, c.low, c.high, c.unit) for c in found]
        with self.looks_path.open("a", encoding="utf-8", newline="") as handle:  # one append per look: streamed
            handle.write("".join(csv_line(row) for row in rows))
        self.open_checks = [c.name for c in found if c.status not in (PASS, FAIL)]
        return found

    def _loop(self) -> None:
        wait_s = LOOK_INTERVAL_S
        while not self._halt.wait(wait_s):
            began = time.monotonic()
            try:
                found = self.look()
            except Exception as exc:  # a look that fails must not cost the run: the budget decides then
                self.error = f"{type(exc).__name__}: {exc}"
                return
            ending = decision(found, self.spent(), self.looks)
            if ending is not None:
                self.decided = ending
                request_stop(self.stop_file, ending.line)
                return
            if any(c.full for c in self.columns.values()):
                return
            wait_s = min(MAX_LOOK_INTERVAL_S, max(LOOK_INTERVAL_S, (time.monotonic() - began) / LOOK_SHARE))

    def ending(self, interrupted: bool, requests: int) -> Ending:
        """Why the load ended: the decision this decider took, else a signal, else the budget (with the
        checks the last look left undecided)."""
        if self.decided is not None:
            return self.decided
        if interrupted:
            return Ending("interrupted", "interrupted before every check was decided", self.looks)
        because = "requests" if self.budget.requests is not None and requests >= self.budget.requests else "duration"
        spent = f"{self.budget.requests:,} requests" if because == "requests" else duration_text(self.budget.duration_s)
        left = f" with {_names(self.open_checks)} undecided" if self.open_checks else ""
        note = f" (looks ended: {self.error})" if self.error else ""
        return Ending(because, f"budget of {spent} ended{left}{note}", self.looks)


def decision(found: list[Check], spent: str, looks: int) -> Ending | None:
    """Stop now? On any FAIL (the verdict is FAIL whatever the rest), or once every check is decided
    (checks no load can decide, UNDECIDABLE_METRICS, do not hold the load). `spent`: `after N requests (S s)`."""
    if not found:
        return None
    failed = [c.name for c in found if c.status == FAIL]
    if failed:
        return Ending("failed", f"{_names(failed)} FAIL decided {spent}: load stopped early", looks)
    holding = [c for c in found if c.status != PASS and c.metric not in UNDECIDABLE_METRICS]
    if holding:
        return None
    undecidable = [c.name for c in found if c.status != PASS]
    rest = f"; {_names(undecidable)} cannot be decided by more load" if undecidable else ""
    return Ending("decided", f"all {len(found) - len(undecidable)} checks decided {spent}{rest}", looks)


SIZING_MARGIN = 4.0
"""A run sized from a baseline may send this many times the requests the most demanding check likely needs."""


def estimate_needs(
    baseline: dict[str, Any] | None, thresholds: list[str], slos: list[str], budget: Budget
) -> tuple[dict[str, int | None], list[str], list[str]]:
    """From the baseline's own variability (reports/common/sizing.py), before the load: the requests
    each check is likely to need, the default thresholds the budget is unlikely to decide (as
    `METRIC:off`: an until-decided run leaves them out rather than run its budget to INCONCLUSIVE;
    a threshold the user named is always judged), and the lines that say so. The requests the budget
    reaches are its --max-requests, or the baseline's answers per second over its duration (the
    load profile is the baseline's: run --baseline refuses another)."""
    if baseline is None:
        return {}, [], []
    needs = sizing.requests_needed(
        baseline, resolve_thresholds(thresholds or None, anytime=True),
        default_slos([parse_slo(text) for text in slos]), anytime=True,
    )  # fmt: skip
    rate_rps = float(dict(baseline.get("summary") or {}).get("throughput_rps") or 0.0)
    reach = int(rate_rps * budget.duration_s) if rate_rps > 0 else None
    if budget.requests is not None:
        reach = min(reach, budget.requests) if reach is not None else budget.requests
    left_out = sizing.beyond_budget(needs, reach, given=thresholds) if reach is not None else []
    lines = [
        f"left out: {need.check} ({need.line().split(': ', 1)[1]}; this budget reaches about {reach:,}): "
        f"give --threshold {need.check} (and a longer --max-duration) to judge it"
        for need in left_out
    ]
    kept = {need.check: need.requests for need in needs if need not in left_out}
    return kept, [f"{need.metric}:off" for need in left_out], lines


def sized(budget: Budget, needed: dict[str, int | None]) -> tuple[Budget, list[str]]:
    """The budget a sizing allows (its requests lowered to SIZING_MARGIN times the most demanding check's
    need, unless --max-requests was given) and the lines to print before the load."""
    lines = [f"sizing: {name}: likely decided after about {n:,} requests" if n else
             f"sizing: {name}: likely not decided by this budget" for name, n in needed.items()]  # fmt: skip
    known = [n for n in needed.values() if n]
    if not known or budget.requests_given or None in needed.values():
        return budget, lines
    most = max(known) * SIZING_MARGIN
    if budget.requests is not None and most >= budget.requests:
        return budget, lines
    lines.append(f"budget sized from the baseline: at most {int(most):,} requests ({SIZING_MARGIN:g}x the most needed)")
    return dataclasses.replace(budget, requests=int(most)), lines


def announce(budget: Budget) -> str:
    """The line printed before an until-decided load: what it looks at and what it may spend."""
    every = f"looks at every check about every {LOOK_INTERVAL_S:g} s"
    return f"{every}; stops when all are decided, one fails, or after {budget.describe()}"


def until_decided(budget: Budget | None) -> dict[str, bool]:
    """run.json load_profile's mark of an until-decided run ({} for a fixed length)."""
    return {"until_decided": True} if budget is not None else {}


def with_ending(result: LoadResult, decider: Decider | None, interrupted: bool) -> LoadResult:
    """The engine's result with why the load ended (load.json: ended_because, end_line, looks)."""
    if decider is None:
        ending = fixed_ending(interrupted, result.reason)
    else:
        ending = decider.ending(interrupted, result.requests)
    return dataclasses.replace(result, ended_because=ending.because, end_line=ending.line, looks=ending.looks)


def fixed_ending(interrupted: bool, reason: str | None) -> Ending:
    """A fixed-length run's ending (no looks): its length, or the signal that cut it."""
    if interrupted:
        return Ending("interrupted", reason or "interrupted", 0)
    return Ending("fixed", "the fixed length (--requests / --duration) ran out", 0)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
