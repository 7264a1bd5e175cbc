"""tests/parallel.py: the worker count for `-n auto`, and the turn lock that lets `alone` tests run alone."""

from __future__ import annotations

import fcntl
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.parallel import WORKERS, auto_workers, turn


def try_lock(path: Path, kind: int) -> bool:
    """Whether another holder could take the lock on path now (never waits)."""
    with open(path, "a") as other:
        try:
            fcntl.flock(other, kind | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True


def test_tests_run_beside_each_other_but_never_beside_an_alone_test(tmp_path: Path) -> None:
    running, gate = tmp_path / "alone-running.lock", tmp_path / "alone-turnstile.lock"
    with turn(tmp_path, alone=False):
        assert try_lock(running, fcntl.LOCK_SH)  # another test may start beside this one
        assert not try_lock(running, fcntl.LOCK_EX)  # an alone test may not
        assert try_lock(gate, fcntl.LOCK_EX)  # the turnstile is only passed through
    with turn(tmp_path, alone=True):
        assert not try_lock(running, fcntl.LOCK_SH)
        assert not try_lock(gate, fcntl.LOCK_EX)  # no new test even reaches the running lock
    assert try_lock(running, fcntl.LOCK_EX)  # both released
    assert try_lock(gate, fcntl.LOCK_EX)


@pytest.mark.parametrize(
    ("args", "workers"),
    [
        (["tests"], WORKERS),
        (["tests/reports/common/test_stats.py"], 0),
        (["tests/reports/common/test_stats.py::test_one", "tests/reports/common/test_stats.py::test_two"], 0),
        (["tests/reports/common/test_stats.py", "tests/reports/common/test_slo.py"], WORKERS),
        (["tests/reports"], WORKERS),
    ],
)
def test_one_named_file_runs_in_process(monkeypatch: pytest.MonkeyPatch, args: list[str], workers: int) -> None:
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    assert auto_workers(SimpleNamespace(args=args)) == workers  # type: ignore[arg-type]


def test_the_xdist_variable_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "5")
    assert auto_workers(SimpleNamespace(args=["tests"])) is None  # type: ignore[arg-type]
