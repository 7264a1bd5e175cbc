"""docs/capacity.md's recipes block: the local stand-in line and the Azure ML v2 line, replayed verbatim on a
fresh folder (the scoring-URL line: test_capacity_transcript.py), and the capacity run directory's listing.

No line has a length of its own: a search runs until it brackets the capacity or `--max-duration`
(default 5 min; the local line takes ~85 s on an idle machine). SCOREBENCH_MAX_DURATION bounds each replay,
so the search stops before a step that would not fit: "at least ...; not bracketed", exit 3, the honest
answer of so short a search. The v2 line's `NAME` is endpoint ep-bank of the Azure ML stand-in
(tests/azureml/azureml_standin.py), scoring at the local stand-in; `config.json` (its workspace) is in the
folder, where the line finds it as azureml-core does. Its `p99<2s` needs ~88 s at the start rate, more than
the cap: the search stops before its first step, after the target was resolved and preflight passed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.azureml.azureml_standin import CLOUD_ENV, AzureMLStandIn, arm, config_json
from tests.conftest import TEST_KEY
from tests.docs.blocks import claim, command_lines, fill, replay, replay_env

__all__ = ["arm"]
pytestmark = pytest.mark.slow

RECIPES = claim("docs/capacity.md", "scorebench capacity --slo 'p95<300ms'", "replayed")
LISTING = claim("docs/capacity.md", "runs/<UTC>-capacity/", "listing")
CAP = "20s"
"""SCOREBENCH_MAX_DURATION: the start step (p95 at 5 req/s: 18 s) fits, the second does not."""


def test_the_local_stand_in_line_and_what_the_search_writes(tmp_path: Path) -> None:
    local = command_lines(RECIPES.body)[0]
    assert local == "scorebench capacity --slo 'p95<300ms'"
    done = replay([local], tmp_path, replay_env(SCOREBENCH_MAX_DURATION=CAP), timeout=180)
    assert done.returncode == 3, done.stdout + done.stderr  # cut by the cap: not bracketed
    assert "no --endpoint: starting the local stand-in endpoint" in done.stderr
    assert "telemetry: local:" in done.stdout  # the stand-in's own store, read after the search
    assert "capacity: " in done.stdout, done.stdout
    assert "report: " in done.stdout, done.stdout
    (run_dir,) = (tmp_path / "runs").glob("*-capacity")
    info = json.loads((run_dir / "run.json").read_text())
    assert (info["kind"], info["slos"][0], info["local_standin"]) == ("capacity", "p95<300ms", True)
    assert info["capacity"]["max_duration_s"] == 20.0  # the variable, as for run
    load = json.loads((run_dir / "load.json").read_text())
    if load["partial"]:  # the start step held (or failed): the cap stopped the search before the next
        assert "--max-duration 20s reached before the 7.5 req/s step" in load["partial_reason"]
    else:  # a busy machine: the start step was still open when the cap left no room to measure it longer
        assert "capacity: none: the start rate 5 req/s does not hold" in done.stdout, done.stdout
    steps = sorted((run_dir / "steps").iterdir())
    assert [s.name for s in steps] == ["01-5rps"]
    assert {"samples-1.csv", "step.json", "run.json", "load.json", "probe.json", "telemetry.csv"} <= {
        p.name for p in steps[0].iterdir()}  # fmt: skip
    assert _unlisted(run_dir) == []


def _unlisted(run_dir: Path) -> list[str]:
    """Files of a capacity run directory the listing does not name (step folders by their pattern)."""
    listed = LISTING.body
    missing = [p.name for p in run_dir.iterdir() if p.name not in listed]
    for step in (run_dir / "steps").iterdir():
        missing += [f"steps/{step.name}/{p.name}" for p in step.iterdir() if p.name not in listed]
    return missing


def test_the_azureml_v2_line(arm: AzureMLStandIn, standin: Any, tmp_path: Path) -> None:
    arm.endpoints["ep-bank"]["properties"]["scoringUri"] = standin.score_url
    arm.keys["ep-bank"] = TEST_KEY
    (tmp_path / "config.json").write_text(json.dumps(config_json()), encoding="utf-8")
    v2 = command_lines(RECIPES.body)[-1]
    line = fill(RECIPES, v2, {"NAME": "ep-bank"})
    assert line == "scorebench capacity --endpoint-name ep-bank --deployment blue --slo 'p99<2s'"
    env = replay_env(SCOREBENCH_AZUREML_STANDIN=arm.base_url, HOME=str(tmp_path), SCOREBENCH_MAX_DURATION=CAP)
    env.pop(CLOUD_ENV, None)
    done = replay([line], tmp_path, env, timeout=180)
    printed = done.stdout + done.stderr
    assert done.returncode == 3, printed  # no step fits: not bracketed
    assert "--max-duration 20s reached before the 5 req/s step" in done.stdout, printed
    assert TEST_KEY not in printed
    (run_dir,) = (tmp_path / "runs").glob("*-capacity")
    info = json.loads((run_dir / "run.json").read_text())
    assert info["endpoint"] == standin.score_url
    assert info["service"]["deployment"] == "blue"
    assert info["service"]["service_id"].endswith("ep-bank/blue")
    assert info["headers"] == ["azureml-model-deployment"]
    assert info["slos"][0] == "p99<2s"
    assert TEST_KEY not in "".join(p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file())
