"""docs/capacity.md's scoring-URL line replayed verbatim on a fresh folder, and the output block that follows
it ("run directory: runs/...-capacity", the doc's prose names the command) held to real capacity output.

The URL line: `https://HOST/api/v1/service/NAME/score` is the shared local stand-in, `SCOREBENCH_KEY=...`
its key; SCOREBENCH_MAX_DURATION=25s bounds the search (test_capacity_recipes.py says why): its real
`error_rate<1%` SLO keeps the 20 req/s start step open for a few extensions (about 370 requests), then the
cap ends the search: "at least 20 req/s", or the start step still open; exit 0 or 3.

The output block has no `$` line: the prose above it gives the command (a 2-worker stand-in with
`--latency-ms 40`, `--slo 'p95<400ms' --max-rps 200 --instances 2 --target-rps 100`). Its lines are
compared (tests/docs/blocks.py `transcript_problems`: by shape and by how figures are written) with what
a real search prints: the URL line's (an extended step) and a short search against a 1-worker stand-in with
`--latency-ms 20` (knee at 20-40 req/s, as busy as the machine is), started at 10.5 req/s and growing x3.1,
so that steps PASS and FAIL on the p95 SLO, a capacity is bracketed after one bisection and the scaling
lines are printed; the rates are fractions, as the doc's are (a rate of 30 would be written alike as a
count and as a figure, and could not tell how the tool writes 16.8).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.docs.blocks import claim, command_lines, fill, replay, replay_env, transcript_problems

pytestmark = pytest.mark.slow

RECIPES = claim("docs/capacity.md", "scorebench capacity --slo 'p95<300ms'", "replayed")
OUTPUT = claim("docs/capacity.md", "run directory: runs/20261130T123017Z-capacity", "transcript")
SEARCH = ("--slo", "p95<400ms", "--start-rps", "10.5", "--growth", "3.1", "--resolution", "90%",
          "--settle", "0.5s", "--step", "1s", "--max-duration", "60s",
          "--max-rps", "200", "--instances", "2", "--target-rps", "100")  # fmt: skip


def test_the_scoring_url_line_and_the_output_it_prints(standin: Any, standin_factory: Any, tmp_path: Path) -> None:
    url_line = command_lines(RECIPES.body)[1]
    line = fill(RECIPES, url_line, {"SCOREBENCH_KEY=...": f"SCOREBENCH_KEY={TEST_KEY}",
                                    "https://HOST/api/v1/service/NAME/score": standin.score_url})  # fmt: skip
    replayed = replay([line], tmp_path, replay_env(SCOREBENCH_MAX_DURATION="25s"), timeout=180)
    printed = replayed.stdout + replayed.stderr
    assert replayed.returncode in (0, 3), printed  # at least 20 req/s, or the start step still open
    assert "  20 req/s: inconclusive after " in replayed.stdout, printed  # error_rate<1% needs ~370 requests
    assert TEST_KEY not in printed
    (run_dir,) = (tmp_path / "runs").glob("*-capacity")
    info = json.loads((run_dir / "run.json").read_text())
    assert info["slos"] == ["p95<300ms", "error_rate<1%"]
    assert info["capacity"]["search"]["start_rps"] == 20.0
    assert info["capacity"]["search"]["max_rps"] == 150.0
    assert (info["capacity"]["instances"], info["capacity"]["target_rps"]) == (3, 400.0)

    knee = standin_factory(key=TEST_KEY, latency_ms=20)
    search = replay([" ".join(["scorebench", "capacity", "--endpoint", knee.score_url, *(f"'{a}'" for a in SEARCH)])],
                    tmp_path / "runs", replay_env(SCOREBENCH_KEY=TEST_KEY), timeout=180)  # fmt: skip
    assert search.returncode == 0, search.stdout + search.stderr
    shown = [text for text in OUTPUT.body.splitlines() if text.strip()]
    # a step above the knee fails on its p95 SLO or on saturation, as busy as this machine is: the doc
    # shows both; the variant this search did not print is let be (the other one is checked)
    situational = frozenset({"step N req/s", "capacity"})
    assert transcript_problems(shown, replayed.stdout + search.stdout, situational) == [], search.stdout
