"""docs/reports.md's `scorebench trend --out runs --drift p95:+15%` transcript, replayed on three real runs.

Three short runs labelled `nightly` of one load profile: two against a fast stand-in, accepted (their
own verdict PASS: an `error_rate<50%` SLO that 80 error-free requests decide), then the newest
against a stand-in 40 ms slower, so its p95 drifted far beyond +15 % of the two's median (the doc's
four earlier runs print the same line; two are the fewest trend judges drift against). 80 requests a
run: enough for a p95's order-statistic interval to be bounded on both sides.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scorebench.local.standin import StandIn
from tests.conftest import TEST_KEY
from tests.docs.blocks import BIN, claim, replay, replay_env, transcript, transcript_problems

pytestmark = pytest.mark.slow

TREND = claim("docs/reports.md", "$ scorebench trend --out runs --drift p95:+15%", "transcript")


def _nightly(standin: StandIn, folder: Path) -> None:
    done = subprocess.run(
        [BIN / "scorebench", "run", "--endpoint", standin.score_url, "--telemetry", "none", "--requests", "80",
         "--concurrency", "2", "--slo", "error_rate<50%", "--label", "nightly", "--out", "runs"],
        cwd=folder, env=replay_env(SCOREBENCH_KEY=TEST_KEY), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_trend_transcript(tmp_path: Path) -> None:
    with StandIn(key=TEST_KEY, data_dir=tmp_path / "fast") as fast:
        for _ in range(2):
            _nightly(fast, tmp_path)
    with StandIn(key=TEST_KEY, data_dir=tmp_path / "slow", latency_ms=40) as slow:
        _nightly(slow, tmp_path)
    assert len(list((tmp_path / "runs").glob("*-nightly"))) == 3  # one folder a run: no two in one second

    command, shown = transcript(TREND)
    done = replay([command], tmp_path, replay_env())
    assert done.returncode == 1, done.stdout + done.stderr
    assert transcript_problems(shown, done.stdout) == [], done.stdout
    assert "the median of 2 accepted earlier runs" in done.stdout
    data = json.loads((tmp_path / "runs" / "trend-nightly.json").read_text())
    assert (len(data["runs"]), data["skipped"], data["verdict"]["status"]) == (3, [], "FAIL")
    assert (tmp_path / "runs" / "trend-nightly.html").is_file()
