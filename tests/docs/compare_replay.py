"""Shared by the replays of docs/compare.md: the Azure ML stand-in's names for the recipes, one compare line
replayed and checked, and the compare run directory held to the listings of docs/compare.md and
docs/architecture.md."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.azureml.azureml_standin import CLOUD_ENV, AzureMLStandIn, config_json
from tests.conftest import TEST_KEY
from tests.docs.blocks import Block, replay, replay_env

CANDIDATE_KEY = "sbk-candidate-" + "2c8e41" * 6
CAP = "4s"
"""SCOREBENCH_MAX_DURATION for a line with no length (until decided): a few seconds of load."""


@dataclass(frozen=True)
class Replayed:
    line: str
    done: subprocess.CompletedProcess[str]
    run_dir: Path

    @property
    def printed(self) -> str:
        return self.done.stdout + self.done.stderr

    def targets(self) -> dict[str, str]:
        """run.json's `compare.targets`: how each side was named."""
        targets: dict[str, str] = json.loads((self.run_dir / "run.json").read_text())["compare"]["targets"]
        return targets

    def side(self, name: str) -> dict[str, Any]:
        """The side's own run.json."""
        info: dict[str, Any] = json.loads((self.run_dir / name / "run.json").read_text())
        return info


def recipe_folder(tmp_path: Path) -> Path:
    """A fresh folder holding the Azure ML stand-in workspace's config.json, as studio downloads it."""
    folder = tmp_path / "recipe"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config_json()), encoding="utf-8")
    return folder


def compare_env(arm: AzureMLStandIn, home: Path, **extra: str) -> dict[str, str]:
    """The replay's environment: the Azure ML stand-in's sign-in, each until-decided compare capped."""
    env = replay_env(SCOREBENCH_AZUREML_STANDIN=arm.base_url, HOME=str(home), SCOREBENCH_MAX_DURATION=CAP, **extra)
    env.pop(CLOUD_ENV, None)
    return env


def replay_compare(line: str, folder: Path, env: dict[str, str], allowed: tuple[int, ...] = (0, 1, 3)) -> Replayed:
    """Run one compare line from `folder`; its exit code is one of `allowed` (not decided in a few seconds: 3;
    a FAIL only on latency, which two stand-ins sharing a busy machine can really show: 1),
    it names why the load ended and the verdict, and no key shows in its output or in any file it wrote."""
    runs = folder / "runs"
    before = set(runs.glob("*")) if runs.exists() else set()
    done = replay([line], folder, env)
    printed = done.stdout + done.stderr
    assert done.returncode in allowed, f"{line}\n{printed}"
    failed = [text for text in done.stdout.splitlines() if text.startswith("FAIL ")]
    # twins answer alike and without errors; on a busy machine one server process can really be slower
    assert all(re.match(r"FAIL candidate (p\d+|mean\w*):", text) for text in failed), printed
    assert "load ended: " in printed, printed
    assert "verdict: " in done.stdout, printed
    (run_dir,) = set(runs.glob("*-compare")) - before
    assert TEST_KEY not in printed
    assert CANDIDATE_KEY not in printed
    written = "".join(p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file())
    assert TEST_KEY not in written
    assert CANDIDATE_KEY not in written
    assert json.loads((run_dir / "run.json").read_text())["kind"] == "compare"
    for side in ("current", "candidate"):
        assert json.loads((run_dir / side / "load.json").read_text())["requests"] > 0
    return Replayed(line, done, run_dir)


def listing_problems(run_dir: Path, *listings: Block) -> list[str]:
    """Files of a compare run directory (and of its side folders) that a listing does not name."""
    top = {p.name + ("/" if p.is_dir() else "") for p in run_dir.iterdir()}
    sides = {p.name for side in ("current", "candidate") for p in (run_dir / side).iterdir()}
    problems = []
    for block in listings:
        problems += [f"{block.where}: a compare writes {name}" for name in sorted(top) if not _names(block, name)]
    problems += [f"{listings[0].where}: a side writes {n}" for n in sorted(sides) if not _names(listings[0], n)]
    return problems


def _names(block: Block, name: str) -> bool:
    return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])", block.body) is not None
