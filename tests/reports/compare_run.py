"""A small compare run directory written from hand-made samples (reports tests of `compare`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scorebench.core.records import ANSWERS_FILE, Answer, Sample, utc_from_epoch, write_csv
from scorebench.core.rundir import write_json_atomic

START_S = 1_795_000_000.0


def _samples(scale: float, count: int = 300) -> list[Sample]:
    rng = np.random.default_rng(int(scale * 10))
    return [
        Sample(
            f"{i:032x}",
            utc_from_epoch(START_S + i * 0.05),
            float(rng.gamma(4.0, 10.0 * scale)),
            200,
            "ok",
            None,
            300,
            40,
            f"p{i % 3}",
            "pair",
            "d",
        )
        for i in range(count)
    ]


def write_compare_run(run_dir: Path, candidate_scale: float = 1.3) -> Path:
    """current latencies ~ gamma(4, 10 ms), the candidate's scaled; payload p2 answered differently."""
    info = {"kind": "compare", "targets": {"current": "http://127.0.0.1:1/score", "candidate": "http://127.0.0.1:2/score"},
            "pairing": "same payload sequence, same start", "load_profile": {"requests": 300}, "timeout_s": 60.0,
            "payloads": {"path": "p.jsonl", "count": 3}, "payload_set_hash": "0" * 64,
            "started_at": utc_from_epoch(START_S), "ended_at": utc_from_epoch(START_S + 16)}  # fmt: skip
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(run_dir / "run.json", info)
    for side, scale in (("current", 1.0), ("candidate", candidate_scale)):
        (run_dir / side).mkdir()
        write_json_atomic(run_dir / side / "run.json", {"timeout_s": 60.0})
        write_csv(run_dir / side / "samples.csv", _samples(scale), Sample)
    answers = [Answer(side, f"p{i}", "same", '{"result":["no"]}') for side in ("current", "candidate") for i in (0, 1)]
    answers += [Answer("current", "p2", "a", '{"result":["no"]}'), Answer("candidate", "p2", "b", '{"result":["yes"]}')]
    write_csv(run_dir / ANSWERS_FILE, answers, Answer)
    return run_dir
