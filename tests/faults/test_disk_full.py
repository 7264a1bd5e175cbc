"""A full disk ends the run: `scorebench run` on a 2 MB tmpfs exits 2 within seconds, naming the directory.

The run directory lies on a small tmpfs that is nearly full before the run starts; a loopback
endpoint answers fast enough for the samples to fill it in a moment. The run (20 s asked for) must
end with one line naming the run directory and the file it could not write, exit 2, keep the
samples written so far, and leave no `.tmp` behind. Before: `internal error: OSError: [Errno 28]`
after the whole duration (or never), `load.json.tmp` and `saturation-*.json.tmp` left behind.
Mounting a tmpfs needs root (CAP_SYS_ADMIN): elsewhere the tests skip, saying so.
"""

from __future__ import annotations

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
"""From the run directory's line to the exit; the run asks for 20 s."""


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs with FREE_KB left (skipped, saying why, where it cannot be mounted)."""
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
            handle.write(b"\0" * (2048 - FREE_KB) * 1024)
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


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
    payloads = tmp_path / "payloads.jsonl"
    payloads.write_text(PAYLOADS, encoding="utf-8")
    with LoopbackServer(answering(fast_answer)) as server:
        run = subprocess.Popen(
            [sys.executable, "-m", "scorebench", "run", "--endpoint", server.score_url, *engine_flags,
             "--duration", "20s", "--payloads", str(payloads), "--telemetry", "none", "--no-progress",
             "--out", str(out)],
            env=cli_env(SCOREBENCH_KEY=TEST_KEY), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert run.stdout is not None
        first = run.stdout.readline()  # `run directory: DIR` once the load starts
        started = time.monotonic()
        try:
            stdout, stderr = run.communicate(timeout=60)
        finally:
            run.kill()
        took_s = time.monotonic() - started
    run_dir = Path(first.removeprefix("run directory: ").strip())
    print(f"exit {run.returncode} {took_s:.1f} s after the run directory's line; {stderr.strip().splitlines()[-1]}")
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
