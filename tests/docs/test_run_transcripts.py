"""docs/run.md's two `scorebench run` transcripts: each command runs against the stand-in (its URL for
the doc's loopback one, its key in SCOREBENCH_KEY), and every line the doc shows is a line of that
kind the run printed, written as the tool writes it (tests/docs/blocks.py `transcript_problems`).
The figures differ from run to run; the words, units and separators may not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.docs.blocks import claim, fill, replay, replay_env, transcript, transcript_problems

pytestmark = pytest.mark.slow

UNTIL_DECIDED = claim("docs/run.md", "$ scorebench run --endpoint http://127.0.0.1:5601/score", "transcript")
FIXED = claim("docs/run.md", "$ scorebench run --endpoint http://127.0.0.1:5001/score --requests 300", "transcript")


@pytest.mark.parametrize(
    ("block", "url", "verdict"),
    [(UNTIL_DECIDED, "http://127.0.0.1:5601/score", "verdict: PASS (exit 0)"),
     (FIXED, "http://127.0.0.1:5001/score", "verdict: INCONCLUSIVE (exit 3)")],
    ids=["until-decided", "fixed-300"],
)  # fmt: skip
def test_the_transcript_is_what_the_run_prints(
    block: Any, url: str, verdict: str, standin: Any, tmp_path: Path
) -> None:
    command, shown = transcript(block)
    assert verdict in shown  # the situation the doc shows: a healthy endpoint (until decided: it decides)
    done = replay([fill(block, command, {url: standin.score_url})], tmp_path, replay_env(SCOREBENCH_KEY=TEST_KEY))
    assert verdict in done.stdout.splitlines(), done.stdout + done.stderr
    assert transcript_problems(shown, done.stdout) == [], done.stdout
    assert (tmp_path / "runs").is_dir()
