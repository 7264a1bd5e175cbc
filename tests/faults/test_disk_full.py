"""A full disk ends the run: `scorebench run` on a 2 MB tmpfs exits 2 within seconds, naming the directory.

The run directory lies on a small tmpfs that is nearly full before the run starts; a loopback
endpoint answers fast enough for the samples to fill it in a moment. The run (20 s asked for) must
end with one line naming the run directory and the file it could not write, exit 2, keep the
samples written so far, and leave no `.tmp` behind. Before: `internal error: OSError: [Errno 28]`
after the whole duration (or never), `load.json.tmp` and `saturation-*.json.tmp` left behind.
Mounting a tmpfs needs root (CAP_SYS_ADMIN): elsewhere the tests skip, saying so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from scorebench.core.records import Sample, read_csv
from tests.conftest import TEST_KEY, cli_env
from tests.faults.recording_server import LoopbackServer, Seen, answering, one_per_record

TMPFS_SIZE = "2m"
FREE_KB = 64
"""Room left on the tmpfs when the run starts: run.json fits, the samples fill the rest in a moment."""
PAYLOADS = '{"data": [{"age": 41, "job": "admin."}]}\n{"data": [{"age": 29, "job": "student"}]}\n'
"""Two small bodies (outside the tmpfs): Locust's copy of the payloads fits, the samples do not."""
ENDS_WITHIN_S = 10.0
"""From the moment the disk is full to the exit (the run asks for 20 s)."""
FULL_BELOW_BYTES = 8192


@pytest.fixture
def full_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """A 2 MB tmpfs with FREE_KB left, or `request.param` KB (skipped, saying why, where it cannot be mounted)."""
    free_kb = getattr(request, "param", FREE_KB)
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    if not sys.platform.startswith("linux"):
        pytest.skip("a tmpfs needs Linux")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a {TMPFS_SIZE} tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        filler = mount_point / "filler"
        with filler.open("wb") as handle:
            handle.write(b"\0" * (2048 - free_kb) * 1024)
        (mount_point / "runs").mkdir()
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def run_on(out: Path, url: str, payloads: Path, *engine_flags: str) -> subprocess.Popen[str]:
    payloads.write_text(PAYLOADS, encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "scorebench", "run", "--endpoint", url, *engine_flags, "--duration", "20s",
         "--payloads", str(payloads), "--telemetry", "none", "--no-progress", "--out", str(out)],
        env=cli_env(SCOREBENCH_KEY=TEST_KEY), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _when_full(mount_point: Path, run: subprocess.Popen[str]) -> float:
    """The moment (monotonic) the tmpfs had no room left, polled while the run runs (its exit if sooner)."""
    while run.poll() is None:
        stat = os.statvfs(mount_point)
        if stat.f_bavail * stat.f_frsize < FULL_BELOW_BYTES:
            return time.monotonic()
        time.sleep(0.02)  # polling a file system's state: there is nothing to wait on
    return time.monotonic()


def fast_answer(seen: Seen, _: int) -> tuple[bytes, dict[str, str]]:
    return one_per_record(seen.body), {}


@pytest.mark.alone  # its bound is the run's own time: no other test's servers beside it
@pytest.mark.parametrize(
    "engine_flags",
    [("--engine", "ab", "--concurrency", "8"), ("--engine", "locust", "--users", "8", "--spawn-rate", "8")],
    ids=["ab", "locust"],
)
def test_full_disk_ends_the_run_naming_the_directory(
    full_disk: Path, tmp_path: Path, engine_flags: tuple[str, ...]
) -> None:
    out = full_disk / "runs"
    with LoopbackServer(answering(fast_answer)) as server:
        run = run_on(out, server.score_url, tmp_path / "payloads.jsonl", *engine_flags)
        assert run.stdout is not None
        first = run.stdout.readline()  # `run directory: DIR` once the load starts
        try:
            full_at = _when_full(full_disk, run)
            stdout, stderr = run.communicate(timeout=60)
        finally:
            run.kill()
        took_s = time.monotonic() - full_at
    run_dir = Path(first.removeprefix("run directory: ").strip())
    print(f"exit {run.returncode} {took_s:.1f} s after the disk filled; {stderr.strip().splitlines()[-1]}")
    assert first.startswith("run directory: "), first + stdout + stderr
    assert run.returncode == 2, stdout + stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"scorebench: error: {run_dir}: cannot write "), last
    assert "No space left on device" in last
    assert "internal error" not in stderr
    assert TEST_KEY not in stdout + stderr
    assert took_s < ENDS_WITHIN_S, f"the run went on {took_s:.1f} s after the disk filled"
    assert sorted(p.name for p in run_dir.rglob("*.tmp")) == []
    parts = sorted(run_dir.glob("samples*.csv"))
    assert sum(1 for part in parts for _ in read_csv(part, Sample)) > 0  # the samples taken are kept


@pytest.mark.parametrize("full_disk", [0], indirect=True, ids=["no-room"])
def test_a_disk_with_no_room_refuses_the_run_before_its_load_and_leaves_no_directory(
    full_disk: Path, tmp_path: Path
) -> None:
    out = full_disk / "runs"
    with LoopbackServer(answering(fast_answer)) as server:
        run = run_on(out, server.score_url, tmp_path / "payloads.jsonl", "--engine", "ab")
        stdout, stderr = run.communicate(timeout=60)
    assert run.returncode == 2, stdout + stderr
    (line,) = [text for text in stderr.splitlines() if text.startswith("scorebench: error:")]
    assert line.startswith(f"scorebench: error: {out}: cannot write a new run directory ("), line
    assert line.endswith("/running.json) (No space left on device)"), line
    assert list(out.iterdir()) == []  # no directory that holds nothing, no .tmp
