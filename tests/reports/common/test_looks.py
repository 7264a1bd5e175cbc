"""reports/common/looks.py: an until-decided run's looks as the report shows them, and decisions that stand."""

from __future__ import annotations

from pathlib import Path

from scorebench.core.records import LOOKS_FILE, Look, write_csv
from scorebench.core.runrecords import LoadRecord
from scorebench.reports.common import looks
from scorebench.reports.common.checks import Check


def look(n: int, name: str, status: str, low: float | None, high: float | None) -> Look:
    return Look(n, n * 1.5, n * 100, name, status, 5.0, low, high, "%")


def check(name: str, status: str, line: str) -> Check:
    return Check(name, "candidate", "p99", 15.0, 2.5, 100.0, -9.7, 19.3, "%", status, line)


def test_a_check_the_last_look_decided_stays_decided_with_that_look_s_interval() -> None:
    final = check("candidate p99:+15%", "INCONCLUSIVE",
                  "INCONCLUSIVE candidate p99: 139 ms vs current 136 ms (+2.5%, limit +15%, 95% CI -9.7%..+19.3%); "
                  "a run about 1.3x as long (~7875 requests) would likely decide it")  # fmt: skip
    seen = [look(1, final.name, "INCONCLUSIVE", -80.0, 300.0), look(2, final.name, "PASS", -21.9, 10.6)]
    (settled,) = looks.settle([final], seen)
    assert (settled.status, settled.low, settled.high) == ("PASS", -21.9, 10.6)
    assert settled.line == (
        "PASS candidate p99:+15%: decided at look 2 after 200 requests, 95% CS -21.9%..10.6% (at the end: "
        "candidate p99: 139 ms vs current 136 ms (+2.5%, limit +15%, 95% CI -9.7%..+19.3%))"
    )


def test_a_decided_check_and_a_check_the_last_look_left_open_are_left_as_they_are() -> None:
    failed = check("a", "FAIL", "FAIL a")
    open_check = check("b", "INCONCLUSIVE", "INCONCLUSIVE b")
    seen = [look(1, "a", "PASS", 1.0, 2.0), look(1, "b", "PASS", 1.0, 3.0), look(2, "b", "INCONCLUSIVE", 1.0, 30.0)]
    assert looks.settle([failed, open_check], seen) == [failed, open_check]  # an earlier look never decides


def test_the_table_shows_at_most_eight_looks_with_the_first_deciding_one(tmp_path: Path) -> None:
    rows = [look(n, "p95<1s", "PASS" if n == 17 else "INCONCLUSIVE", 0.0, 100.0 / n) for n in range(1, 41)]
    write_csv(tmp_path / LOOKS_FILE, rows, Look)
    view = looks.looks_view(looks.read_looks(tmp_path))
    assert view is not None
    shown = [column["look"] for column in view["columns"]]
    assert len(shown) == looks.MAX_COLUMNS
    assert shown == sorted(shown)
    assert {1, 17, 40} <= set(shown)
    assert view["count"] == 40
    (row,) = view["rows"]
    assert row["cells"][0] == {"status": "INCONCLUSIVE", "interval": "0..100"}
    assert row["cells"][-1] == {"status": "INCONCLUSIVE", "interval": "0..2.5"}


def test_a_run_without_looks_has_none_of_it(tmp_path: Path) -> None:
    assert looks.read_looks(tmp_path) == []
    assert looks.looks_view([]) is None
    assert looks.stopping(None) is None
    assert looks.stopping(LoadRecord("a", "b", 3)) is None  # a load.json written before endings were recorded
    ended = LoadRecord("a", "b", 3, ended_because="decided", end_line="all 2 checks decided", looks=4)
    assert looks.stopping(ended) == {"because": "decided", "line": "all 2 checks decided", "looks": 4}
