"""`scorebench ab --processes N` against a real loopback server: one run, N engine processes."""

from __future__ import annotations

import csv
import functools
import multiprocessing
import re
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

from scorebench.core.errors import WriteFailed
from scorebench.loadtests.ab.processes import Share, run_shares, split
from tests.conftest import run_cli
from tests.loadtests.ab.recording_server import RecordingServer

FIELDS = ("Document Length", "Complete requests", "Failed requests", "Total transferred", "HTML transferred")


def fields(stdout: str) -> dict[str, str]:
    return {name: re.search(rf"^{name}:\s+(.*)$", stdout, re.M).group(1) for name in FIELDS}  # type: ignore[union-attr]


def test_two_processes_count_like_one(tmp_path: Path) -> None:
    with RecordingServer() as server:
        one = run_cli("ab", "-n", "300", "-c", "4", "--processes", "1", server.url())
        two = run_cli(
            "ab", "-n", "300", "-c", "4", "--processes", "2", "-e", str(tmp_path / "e.csv"),
            "-g", str(tmp_path / "g.tsv"), "--run-dir", str(tmp_path / "run"), server.url(),
        )  # fmt: skip
        sent_ids = sorted(headers["x-ms-client-request-id"] for _, _, headers, _ in server.received[300:])
    assert (one.returncode, two.returncode) == (0, 0), two.stderr
    assert fields(two.stdout) == fields(one.stdout)
    assert fields(two.stdout)["Complete requests"] == "300"
    assert "Completed 100 requests" in two.stderr
    assert "Finished 300 requests" in two.stderr
    rows = []
    for name in ("samples.csv", "samples-ab-1.csv"):
        with (tmp_path / "run" / name).open() as handle:
            rows += list(csv.DictReader(handle))
    assert sorted(r["client_request_id"] for r in rows) == sent_ids
    assert {r["worker"] for r in rows} == {"ab-0", "ab-1"}
    assert len((tmp_path / "e.csv").read_text().splitlines()) == 102
    assert len((tmp_path / "g.tsv").read_text().splitlines()) == 301


def test_more_processes_than_connections_is_refused_before_any_request() -> None:
    with RecordingServer() as server:
        done = run_cli("ab", "-n", "10", "-c", "2", "--processes", "3", server.url())
        assert server.received == []
    assert done.returncode == 1
    assert done.stderr.strip() == "scorebench ab: --processes 3: more processes than connections (-c 2)"


def _fails_or_waits(folder: Path, ready: Any, share: Share, _publish: object) -> str:
    """Share 1 cannot write (once share 0 listens for its stop); share 0 waits until stopped, and notes it."""
    if share.index == 1:
        ready.wait(60)
        raise WriteFailed(f"{folder}: cannot write samples-ab-1.csv (No space left on device)")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    ready.set()
    stopped.wait(120)
    (folder / "share-0").write_text("stopped" if stopped.is_set() else "ran out its time")
    return "done"


def test_one_process_that_cannot_write_stops_the_others_and_its_error_is_raised_as_it_is(tmp_path: Path) -> None:
    shares = split(None, 2, None, 2)
    ready = multiprocessing.get_context("fork").Event()
    with pytest.raises(WriteFailed) as raised:
        run_shares(shares, functools.partial(_fails_or_waits, tmp_path, ready), None)
    assert str(raised.value) == f"{tmp_path}: cannot write samples-ab-1.csv (No space left on device)"
    assert (tmp_path / "share-0").read_text() == "stopped"
