"""docs/run.md's local recipes (the stand-in runs, a payload set from the CSV) and docs/ab.md's synopsis,
replayed as written on a fresh folder.

docs/run.md's first block also holds the lines against a deployed service; they run in
test_run_recipes_azure.py (with the Azure ML and Log Analytics stand-ins). Here the lines with no
`--endpoint` start their own local stand-in, as the doc says. Only lengths change: `--duration 15s`
becomes a few seconds, a line with no length gets its budget from the environment
(SCOREBENCH_MAX_DURATION), and the line that sets SCOREBENCH_MAX_DURATION=90s itself keeps it and
gets a request budget from the environment (SCOREBENCH_MAX_REQUESTS: whichever comes first).
"""

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

RUN = claim("docs/run.md", "scorebench run                                   # the local stand-in", "replayed")
PAYLOADS = claim("docs/run.md", "scorebench payloads generate --csv ../shared/data/bankmarketing_train.csv", "replayed")
AB = claim("docs/ab.md", "scorebench ab -n 10 -v 4 -p data.json -T application/json", "replayed")
BUDGET = "2s"
"""SCOREBENCH_MAX_DURATION for a line with no length."""


def verdict_code(done: Any) -> int:
    """The printed `verdict: X (exit N)`'s N, which must be the exit code."""
    (code,) = re.findall(r"^verdict: \w+ \(exit (\d+)\)$", done.stdout, re.M)
    assert int(code) == done.returncode, done.stdout + done.stderr
    return int(code)


def run_dir_of(done: Any, cwd: Path) -> Path:
    (path,) = re.findall(r"^run directory: (\S+)$", done.stdout, re.M)
    return cwd / path


def test_the_local_stand_in_lines(tmp_path: Path) -> None:
    lines = [line for line in command_lines(RUN.body) if "--endpoint" not in line and "NAME" not in line]
    assert len(lines) == 3, lines  # bare, fixed length, and what scripts/demo.sh runs
    bare, fixed, demo = lines
    assert bare == "scorebench run"
    env = replay_env(SCOREBENCH_MAX_DURATION=BUDGET)
    for number, line in enumerate((bare, fill(RUN, fixed, {"--duration 15s": "--duration 2s"}))):
        cwd = tmp_path / str(number)
        cwd.mkdir()
        done = replay([line], cwd, env)
        assert verdict_code(done) in (0, 3), done.stdout + done.stderr  # a healthy stand-in: passed, or undecided
        assert "no --endpoint: starting the local stand-in endpoint for this run" in done.stderr
        run_dir = run_dir_of(done, cwd)
        load = json.loads((run_dir / "load.json").read_text())
        if line == bare:  # until decided, within the budget
            assert run_dir.name.endswith("-run")
            assert load["ended_because"] in ("decided", "duration"), load
            assert re.search(r"^load ended: (all \d+ checks decided|budget of 2 s ended)", done.stdout, re.M)
        else:
            assert run_dir.name.endswith("-demo")
            assert load["ended_because"] == "fixed"
        info = json.loads((run_dir / "run.json").read_text())
        assert info["service"]["service_id"] == "local-standin"
        probe = json.loads((run_dir / "probe.json").read_text())
        assert (probe["error"], probe["missing_client_requests"]) == (None, 0)  # its telemetry read locally
        assert (run_dir / "report.html").is_file()

    cwd = tmp_path / "demo"
    cwd.mkdir()
    done = replay([demo], cwd, replay_env(SCOREBENCH_MAX_REQUESTS="150"))
    assert verdict_code(done) in (0, 3), done.stdout + done.stderr
    assert "or after 90 s or 150 requests" in done.stdout  # the line's own 90 s, and this test's request budget
    run_dir = run_dir_of(done, cwd)
    assert run_dir.name.endswith("-demo")
    assert json.loads((run_dir / "load.json").read_text())["ended_because"] in ("decided", "requests")


def test_a_payload_set_from_the_csv(bank_csv: Path, tmp_path: Path) -> None:
    """The CSV path is relative to the checkout: the fresh folder sits beside a shared/data/ that holds
    (a link to) the real training set, never a copy of it."""
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "shared" / "data" / "bankmarketing_train.csv").symlink_to(bank_csv)
    cwd = tmp_path / "project"
    cwd.mkdir()
    generate, run = (fill(PAYLOADS, line, {"[--target y] [--seed 1]": "--target y --seed 1"})
                     for line in command_lines(PAYLOADS.body))  # fmt: skip
    assert flags(generate) <= flags(help_text("payloads", "generate"))
    made = replay([generate], cwd, replay_env())
    assert made.returncode == 0, made.stdout + made.stderr
    bodies = (cwd / "payloads" / "bank5" / "payloads.jsonl").read_text().splitlines()
    assert len(bodies) == 200
    with bank_csv.open() as csv:
        header = csv.readline().strip().split(",")
    for body in map(json.loads, bodies):  # {"data": [records]}, without the target column
        assert list(body) == ["data"]
        assert len(body["data"]) == 5
        assert all("y" not in record and set(record) == set(header) - {"y"} for record in body["data"])

    done = replay([run], cwd, replay_env(SCOREBENCH_MAX_DURATION=BUDGET))
    assert verdict_code(done) in (0, 3), done.stdout + done.stderr
    run_dir = run_dir_of(done, cwd)
    assert "payloads/bank5" in json.dumps(json.loads((run_dir / "run.json").read_text())["payloads"])
    assert "200 of 200 payloads match swagger.json" in done.stderr  # the stand-in's schema takes every body
    samples = read_samples(run_dir)
    assert samples
    assert {s.outcome for s in samples} == {"ok"}


def test_the_ab_synopsis(standin: Any, tmp_path: Path) -> None:
    (line,) = command_lines(AB.body)
    first_body = (REPO_ROOT / "payloads" / "bank_marketing" / "data.jsonl").read_text().splitlines()[0]
    (tmp_path / "data.json").write_text(first_body)
    done = replay([fill(AB, line, {"URL": standin.score_url})], tmp_path, replay_env(KEY=TEST_KEY))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^Complete requests:\s+10$", done.stdout, re.M), done.stdout
    assert re.search(r"^Failed requests:\s+0$", done.stdout, re.M), done.stdout
    assert "Authorization: Bearer ***" in done.stdout  # -v 4 prints the request headers, the key masked
    assert done.stdout.count("LOG: Response code = 200") == 10  # and every answer, with its status
    assert done.stdout.count('result\\": [') == 10  # the scoring script's predictions (a JSON string)
    assert TEST_KEY not in done.stdout + done.stderr
