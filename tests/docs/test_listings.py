"""docs/architecture.md's run directory listing: every file a real `scorebench run` writes is named in it.

One short until-decided run (SCOREBENCH_MAX_DURATION=3s) against the shared stand-in with its telemetry
read, so that the load's, the probe's and the report's files are all there. A listed pattern
(`samples*.csv`, `saturation-<worker>.json`) names every file it matches.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.docs.blocks import claim, replay, replay_env

pytestmark = pytest.mark.slow

RUN_DIR = claim("docs/architecture.md", "runs/<UTC yyyymmddThhmmssZ>-<label>/", "listing")


def listed_names(body: str) -> list[str]:
    """The file patterns a listing names at the start of its lines (`<x>` and `*` as wildcards)."""
    names = []
    for line in body.splitlines()[1:]:
        match = re.match(r"^  (\S+)", line)
        if match:
            names += [re.sub(r"<[^>]+>", "*", name) for name in match[1].split(",") if name]
    return names


def test_every_file_of_a_run_is_named_in_the_listing(standin: Any, tmp_path: Path) -> None:
    line = f"scorebench run --endpoint {standin.score_url} --telemetry {standin.telemetry_spec} --label listing"
    env = replay_env(SCOREBENCH_KEY=TEST_KEY, SCOREBENCH_MAX_DURATION="3s")
    done = replay([line], tmp_path, env, timeout=180)
    assert done.returncode in (0, 3), done.stdout + done.stderr
    (run_dir,) = (tmp_path / "runs").glob("*-listing")
    names = listed_names(RUN_DIR.body)
    written = sorted(p.name + ("/" if p.is_dir() else "") for p in run_dir.iterdir())
    assert {"run.json", "load.json", "probe.json", "telemetry.csv", "looks.csv", "report.html"} <= set(written)
    unnamed = [name for name in written if not any(fnmatch.fnmatch(name, pattern) for pattern in names)]
    assert unnamed == [], f"{RUN_DIR.where}: a run writes {unnamed}, not in the listing"
