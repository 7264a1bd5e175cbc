"""core/running.py: running.json tells a run in progress (its lock held) from one whose writer died."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from scorebench.core.running import RUNNING_JSON, RunningMark, run_writer
from tests.conftest import REPO_ROOT


def test_a_held_mark_is_alive_and_gone_when_released(tmp_path: Path) -> None:
    assert run_writer(tmp_path) is None
    with RunningMark(tmp_path):
        writer = run_writer(tmp_path)
        assert writer is not None
        assert (writer.pid, writer.alive) == (os.getpid(), True)
        assert writer.who.startswith(f"scorebench pid {os.getpid()} on ")
    assert run_writer(tmp_path) is None
    assert not (tmp_path / RUNNING_JSON).exists()


def test_the_mark_of_a_killed_process_stays_unlocked(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from scorebench.core.running import "
         "RunningMark; m = RunningMark(Path(sys.argv[1])); print('held', flush=True); time.sleep(600)", str(tmp_path)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    assert run_writer(tmp_path) is not None
    assert run_writer(tmp_path).alive  # type: ignore[union-attr]
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    holder.stdout.close()
    writer = run_writer(tmp_path)
    assert writer is not None
    assert (writer.pid, writer.alive) == (holder.pid, False)


def test_a_mark_that_cannot_be_read_is_a_dead_writer_of_unknown_pid(tmp_path: Path) -> None:
    (tmp_path / RUNNING_JSON).write_text("{torn")
    writer = run_writer(tmp_path)
    assert writer is not None
    assert (writer.pid, writer.alive, writer.who) == (None, False, "scorebench pid ? on ?, started ?")
    (tmp_path / RUNNING_JSON).write_text(json.dumps([1, 2]))
    assert run_writer(tmp_path) == writer


def test_a_second_mark_in_the_same_directory_is_refused(tmp_path: Path) -> None:
    with RunningMark(tmp_path):
        try:
            RunningMark(tmp_path)
        except FileExistsError:
            pass
        else:
            raise AssertionError("two writers marked the same run directory")
