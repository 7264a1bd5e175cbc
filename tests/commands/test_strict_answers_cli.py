"""Nothing but a prediction is a success, through the real `scorebench run` on both engines.

A loopback server answers the warm-up with one prediction per record (as a healthy AutoML service
does), then answers every load request with something that is not a prediction: each such request
is a failure with its own outcome, and the verdict is FAIL (exit 1), never PASS.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from scorebench.core.records import read_samples
from scorebench.loadtests.outcomes import record_count
from tests.conftest import TEST_KEY, cli_env, run_cli
from tests.faults.recording_server import Answer, LoopbackServer, Seen, answering, one_per_record

REQUESTS = 30


def after_warmup(answer: bytes | None) -> Answer:
    """The first POST gets one prediction per record, every later one `answer` (None: one prediction
    fewer than the payload's records)."""

    def respond(seen: Seen, number: int) -> tuple[bytes, dict[str, str]]:
        if number == 1:
            return one_per_record(seen.body), {}
        if answer is None:
            return json.dumps({"result": ["no"] * ((record_count(seen.body) or 1) - 1)}).encode(), {}
        return answer, {}

    return respond


def gzipped(seen: Seen, _: int) -> tuple[bytes, dict[str, str]]:
    """One prediction per record, gzipped when the client accepts it (as a gateway compressing JSON)."""
    if "gzip" not in seen.headers.get("Accept-Encoding", ""):
        return one_per_record(seen.body), {}
    return gzip.compress(one_per_record(seen.body)), {"Content-Encoding": "gzip"}


@pytest.mark.parametrize("engine", ["ab", "locust"])
@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (b"null", "empty_answer"),
        (b'{"result": null}', "empty_answer"),
        (b"[]", "empty_answer"),
        (b"[null, null]", "empty_answer"),
        (b'{"result": []}', "empty_answer"),
        (None, "wrong_count"),  # one prediction fewer than the payload's records
    ],
    ids=["null", "result-null", "empty-list", "nulls", "result-empty", "fewer"],
)
def test_an_answer_without_a_prediction_fails_the_run(
    tmp_path: Path, engine: str, answer: bytes | None, outcome: str
) -> None:
    with LoopbackServer(answering(after_warmup(answer))) as server:
        done = run_cli("run", "--endpoint", server.score_url, "--engine", engine, "--requests", str(REQUESTS),
                       "--telemetry", "none", "--no-progress", "--out", str(tmp_path),
                       env=cli_env(SCOREBENCH_KEY=TEST_KEY), timeout=240)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    run_dir = Path(next(line for line in done.stdout.splitlines() if line.startswith("run directory: ")).split(": ")[1])
    assert [s.outcome for s in read_samples(run_dir)] == [outcome] * REQUESTS
    assert "FAIL slo error_rate<1%: 100.00%" in done.stdout
    assert f"FAIL slo requests: none of {REQUESTS} requests was answered with a prediction" in done.stdout
    assert done.stdout.splitlines()[-1] == "verdict: FAIL (exit 1)"


@pytest.mark.parametrize("engine", ["ab", "locust"])
def test_a_gzipped_prediction_is_ok_on_both_engines(tmp_path: Path, engine: str) -> None:
    with LoopbackServer(answering(gzipped)) as server:
        done = run_cli("run", "--endpoint", server.score_url, "--engine", engine, "--requests", str(REQUESTS),
                       "--telemetry", "none", "--no-progress", "--out", str(tmp_path), "--slo", "error_rate<=100%",
                       env=cli_env(SCOREBENCH_KEY=TEST_KEY), timeout=240)  # fmt: skip
    run_dir = Path(next(line for line in done.stdout.splitlines() if line.startswith("run directory: ")).split(": ")[1])
    assert [s.outcome for s in read_samples(run_dir)] == ["ok"] * REQUESTS, done.stdout + done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "verdict: PASS (exit 0)"
