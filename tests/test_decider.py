"""decider.py: the looks of an until-decided run, its stop request and why its load ended."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scorebench import decider
from scorebench.core.records import LOOKS_FILE, Answer, Look, Sample, csv_line, header, read_csv
from scorebench.core.rundir import STOP_FILE
from scorebench.decider import Decider, SideColumns, decision
from scorebench.loadtests.plan import Budget, LoadResult
from scorebench.reports.common.checks import Check


def sample(n: int, outcome: str = "ok", payload: str = "p1", digest: str = "d1") -> Sample:
    return Sample(f"{n:032x}", f"2026-12-07T13:00:{n % 60:02d}.000000Z", 10.0 + n, 200, outcome, None, 10, 10,
                  payload, "ab-0", digest if outcome == "ok" else "")  # fmt: skip


def write_samples(folder: Path, samples: list[Sample], *, name: str = "samples.csv", tail: str = "") -> None:
    path = folder / name
    text = "" if path.exists() else ",".join(header(Sample)) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text + "".join(csv_line(s) for s in samples) + tail)


def check(name: str, status: str, metric: str = "p95") -> Check:
    return Check(name, "slo", metric, 100.0, 50.0, None, 40.0, 60.0, "ms", status, f"{status} {name}: ...")


def test_columns_are_read_incrementally_and_a_half_written_line_waits(tmp_path: Path) -> None:
    write_samples(tmp_path, [sample(1), sample(2, "http_5xx")], tail="0123,2026-12-07T13:")
    columns = SideColumns(tmp_path, "run")
    assert columns.poll() == 2
    with (tmp_path / "samples.csv").open("a", encoding="utf-8") as handle:  # the rest of the cut line, and one more
        handle.write("00:03.000000Z,13.0,200,timeout,,10,10,p1,ab-0,,\n" + csv_line(sample(4)))  # every column
    write_samples(tmp_path, [sample(5)], name="samples-ab-1.csv")
    assert columns.poll() == 3
    frame = columns.frame()
    assert list(frame.columns) == ["latency_ms", "outcome", "started_s"]
    assert sorted(frame["latency_ms"]) == [11.0, 12.0, 13.0, 14.0, 15.0]
    assert sorted(str(o) for o in frame["outcome"]) == ["http_5xx", "ok", "ok", "ok", "timeout"]
    assert isinstance(frame["outcome"].dtype, pd.CategoricalDtype)
    assert frame["started_s"].min() == pytest.approx(pd.Timestamp("2026-12-07T13:00:01Z").timestamp())


def test_a_compare_side_keeps_the_distinct_answers_of_its_ok_requests(tmp_path: Path) -> None:
    write_samples(tmp_path, [sample(1), sample(2), sample(3, payload="p2", digest="d2"), sample(4, "http_5xx")])
    columns = SideColumns(tmp_path, "candidate", answers=True)
    columns.poll()
    assert columns.digests == {("p1", "d1"), ("p2", "d2")}


def test_memory_is_capped_and_the_looks_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decider, "MAX_ROWS", 3)
    write_samples(tmp_path, [sample(n) for n in range(3)])
    columns = SideColumns(tmp_path, "run")
    columns.poll()
    write_samples(tmp_path, [sample(9)])
    columns.poll()
    assert (columns.count, columns.full) == (3, True)


@pytest.mark.parametrize(
    ("statuses", "because", "line"),
    [
        (["PASS", "INCONCLUSIVE"], None, None),
        (["PASS", "PASS"], "decided", "all 2 checks decided after 9 requests (1.0 s)"),
        (["FAIL", "INCONCLUSIVE"], "failed", "a FAIL decided after 9 requests (1.0 s): load stopped early"),
        (["FAIL", "FAIL"], "failed", "a and b FAIL decided after 9 requests (1.0 s): load stopped early"),
    ],
)
def test_the_load_stops_on_any_fail_or_once_every_check_is_decided(
    statuses: list[str], because: str | None, line: str | None
) -> None:
    found = [check(name, status) for name, status in zip("ab", statuses, strict=True)]
    ending = decision(found, "after 9 requests (1.0 s)", 4)
    found_ending = None if ending is None else (ending.because, ending.line, ending.looks)
    assert found_ending == (None if because is None else (because, line, 4))


def test_a_check_no_load_can_decide_does_not_hold_the_load() -> None:
    found = [check("p95<1s", "PASS"), check("baseline b", "INCONCLUSIVE", metric="comparable")]
    ending = decision(found, "after 9 requests (1.0 s)", 1)
    assert ending is not None
    assert ending.line == "all 1 checks decided after 9 requests (1.0 s); baseline b cannot be decided by more load"


def test_each_look_is_recorded_and_a_decision_writes_the_stop_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decider, "LOOK_INTERVAL_S", 0.01)
    write_samples(tmp_path, [sample(n) for n in range(5)])
    seen: list[int] = []

    def judge(frames: dict[str, pd.DataFrame], answers: list[Answer]) -> list[Check]:
        seen.append(len(frames["run"]))
        return [check("p95<100ms", "PASS" if len(seen) > 1 else "INCONCLUSIVE")]

    with Decider(tmp_path, {"run": tmp_path}, judge, Budget(600.0)) as looking:
        assert looking.wait(30)  # it stopped looking by itself: decided at its second look
    looks = list(read_csv(tmp_path / LOOKS_FILE, Look))
    assert [(look.look, look.requests, look.status) for look in looks] == [(1, 5, "INCONCLUSIVE"), (2, 5, "PASS")]
    assert (tmp_path / STOP_FILE).read_text() == looking.decided.line + "\n"  # type: ignore[union-attr]
    ended = decider.with_ending(LoadResult(5, "a", "b"), looking, interrupted=False)
    assert (ended.ended_because, ended.looks, ended.partial) == ("decided", 2, False)
    assert ended.end_line is not None
    assert ended.end_line.startswith("all 1 checks decided after 5 requests (")


@pytest.mark.parametrize(
    ("budget", "requests", "because", "line"),
    [
        (Budget(600.0), 120, "duration", "budget of 10 min ended with p99<1s undecided"),
        (Budget(90.5, 120), 120, "requests", "budget of 120 requests ended with p99<1s undecided"),
        (Budget(90.5, 500), 120, "duration", "budget of 90.5 s ended with p99<1s undecided"),
    ],
)
def test_a_budget_that_ends_says_which_and_what_it_left_undecided(
    tmp_path: Path, budget: Budget, requests: int, because: str, line: str
) -> None:
    write_samples(tmp_path, [sample(1)])
    looking = Decider(tmp_path, {"run": tmp_path}, lambda f, a: [check("p99<1s", "INCONCLUSIVE")], budget)
    looking.look()
    ending = looking.ending(interrupted=False, requests=requests)
    assert (ending.because, ending.line, ending.looks) == (because, line, 1)
    assert looking.ending(interrupted=True, requests=requests).because == "interrupted"


def test_a_fixed_length_run_says_so() -> None:
    ended = decider.with_ending(LoadResult(5, "a", "b"), None, interrupted=False)
    assert (ended.ended_because, ended.looks) == ("fixed", 0)
    cut = decider.with_ending(LoadResult(5, "a", "b", True, "interrupted by SIGINT", True), None, interrupted=True)
    assert (cut.ended_because, cut.end_line) == ("interrupted", "interrupted by SIGINT")


def test_a_sizing_lowers_a_default_budget_and_says_what_each_check_needs() -> None:
    budget, lines = decider.sized(Budget(600.0, 1_000_000), {"p95:+10%": 2_300, "error_rate:+0.5pp": 900})
    assert budget == Budget(600.0, 9_200)
    assert lines == [
        "sizing: p95:+10%: likely decided after about 2,300 requests",
        "sizing: error_rate:+0.5pp: likely decided after about 900 requests",
        "budget sized from the baseline: at most 9,200 requests (4x the most needed)",
    ]
    given = Budget(600.0, 50_000, requests_given=True)
    assert decider.sized(given, {"p95:+10%": 2_300})[0] == given  # --max-requests wins
    assert decider.sized(Budget(600.0, 1_000_000), {"p99:+15%": None})[0] == Budget(600.0, 1_000_000)
    assert decider.sized(Budget(600.0), {}) == (Budget(600.0), [])
