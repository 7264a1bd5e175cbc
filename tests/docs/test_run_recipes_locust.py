"""docs/locust.md's recipes: `scorebench run --engine locust` (its synopsis, and one run of it with the
bracketed options given) and plain `locust -f loadtests/locustfile.py`, replayed as written on a
fresh folder. Filled in: the run length (`--duration 2m`, `-t 5m`: a few seconds), the key, the hosts
(the stand-in), and the third line's `...` (the options of the line above, as the doc means)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scorebench.core.records import read_samples
from tests.conftest import REPO_ROOT, TEST_KEY
from tests.docs.blocks import claim, command_lines, fill, flags, help_text, replay, replay_env

pytestmark = pytest.mark.slow

INSIDE = claim("docs/locust.md", "scorebench run --engine locust --users 20", "synopsis")
STANDALONE = claim(
    "docs/locust.md", "export SCOREBENCH_KEY=...                       # never on the command line", "replayed"
)
LENGTH = "4s"


def test_scorebench_run_with_the_locust_engine(tmp_path: Path) -> None:
    (line,) = command_lines(INSIDE.body)
    assert flags(line) <= flags(help_text("run"))
    places = {"--duration 2m": f"--duration {LENGTH}", "[--workers 2]": "--workers 2", "[--rate 50]": "--rate 50"}
    done = replay([fill(INSIDE, line, places)], tmp_path, replay_env())
    (code,) = re.findall(r"^verdict: \w+ \(exit (\d+)\)$", done.stdout, re.M)
    assert int(code) == done.returncode in (0, 3), done.stdout + done.stderr  # the stand-in is healthy
    (run_dir,) = (tmp_path / "runs").iterdir()
    info = json.loads((run_dir / "run.json").read_text())
    assert info["engine"] == "locust"
    profile = info["load_profile"]
    assert (profile["users"], profile["spawn_rate"], profile["workers"], profile["rate_rps"]) == (20, 5, 2, 50), profile
    parts = sorted(run_dir.glob("samples-*.csv"))
    assert len(parts) == 2, parts  # one part per worker, none from the master
    samples = read_samples(run_dir)
    assert samples
    assert {s.outcome for s in samples} == {"ok"}
    assert (run_dir / "locust").is_dir()  # Locust's own CSV, report and logs, kept as extras


def test_plain_locust_with_the_scenario(standin: Any, tmp_path: Path) -> None:
    (tmp_path / "loadtests").mkdir()
    (tmp_path / "loadtests" / "locustfile.py").write_text((REPO_ROOT / "loadtests" / "locustfile.py").read_text())
    export, direct, into_run_dir = command_lines(STANDALONE.body)
    options = direct.split("--headless", 1)[1]
    places = {"SCOREBENCH_KEY=...": f"SCOREBENCH_KEY={TEST_KEY}", "-t 5m": f"-t {LENGTH}",
              "https://my-service.region.inference.ml.azure.com": standin.base_url,
              "http://127.0.0.1:5001/score": standin.score_url}  # fmt: skip
    lines = [fill(STANDALONE, line, places) for line in (export, direct)]
    lines.append(fill(STANDALONE, into_run_dir, {**places, "...": fill(STANDALONE, "--headless" + options, places)}))
    assert lines[2].endswith(f"--headless -u 10 -r 2 -t {LENGTH}"), lines[2]
    done = replay(lines, tmp_path, replay_env())
    assert done.returncode == 0, done.stdout + done.stderr  # Locust exits 1 when any request failed
    assert len(re.findall(r"^\s*Aggregated\s+[1-9]\d*\s+0\(0\.00%\)", done.stderr, re.M)) >= 2, (
        done.stderr
    )  # both runs scored
    run_dir = tmp_path / "runs" / "manual"
    samples = read_samples(run_dir)  # only the second run writes samples (SCOREBENCH_RUN_DIR)
    assert samples
    assert {s.outcome for s in samples} == {"ok"}
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["manual"]
    assert TEST_KEY not in done.stdout + done.stderr + "".join(p.read_text() for p in run_dir.iterdir())
