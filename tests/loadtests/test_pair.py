"""loadtests/pair.py against two real loopback servers: the same payloads reach both, in step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scorebench.core.records import parse_utc, read_samples
from scorebench.core.rundir import STOP_FILE, request_stop
from scorebench.loadtests.pair import AnswerLog, Side, answer_text, run_pair
from scorebench.loadtests.plan import LoadPlan
from scorebench.payloads.loader import Payload
from tests.loadtests.ab.recording_server import RecordingServer

KEYS = {"current": "current-key-0123456789", "candidate": "candidate-key-0123456789"}
PAYLOADS = [Payload(f"p{i}", json.dumps({"data": [{"x": i}]}).encode(), f"p{i}") for i in range(3)]


def _sides(servers: dict[str, RecordingServer], root: Path) -> list[Side]:
    return [
        Side(name, servers[name].url(), root / name, KEYS[name], {"azureml-model-deployment": name})
        for name in ("current", "candidate")
    ]


def _bodies(server: RecordingServer) -> list[bytes]:
    return [body for method, _, _, body in server.received if method == "POST"]


def test_closed_model_sends_each_side_the_same_payload_sequence(tmp_path: Path) -> None:
    with RecordingServer() as current, RecordingServer() as candidate:
        servers = {"current": current, "candidate": candidate}
        plan = LoadPlan(url="", payloads=PAYLOADS, requests=12, duration_s=None, concurrency=1)
        result = run_pair(plan, _sides(servers, tmp_path))
    assert {name: r.requests for name, r in result.sides.items()} == {"current": 12, "candidate": 12}
    assert _bodies(current) == _bodies(candidate) == [p.body for p in PAYLOADS] * 4
    for name, server in servers.items():
        headers = [h for method, _, h, _ in server.received if method == "POST"]
        assert {h["Authorization"] for h in headers} == {f"Bearer {KEYS[name]}"}
        assert {h["azureml-model-deployment"] for h in headers} == {name}
        samples = read_samples(tmp_path / name)
        assert [s.payload_id for s in samples] == ["p0", "p1", "p2"] * 4
        assert {s.outcome for s in samples} == {"ok"}
        assert all(len(s.answer_digest) == 16 for s in samples)
    assert [(a.target, a.payload_id) for a in result.answers] == [
        (side, p) for p in ("p0", "p1", "p2") for side in ("candidate", "current")
    ]
    assert {a.answer for a in result.answers} == {'{"result":["no"]}'}


def test_open_model_gives_both_sides_one_arrival_schedule(tmp_path: Path) -> None:
    with RecordingServer() as current, RecordingServer() as candidate:
        servers = {"current": current, "candidate": candidate}
        plan = LoadPlan(url="", payloads=PAYLOADS, requests=10, duration_s=None, rate_rps=100.0, concurrency=2)
        result = run_pair(plan, _sides(servers, tmp_path))
    assert not any(r.partial for r in result.sides.values())
    starts = {}
    for name in servers:
        samples = sorted(read_samples(tmp_path / name), key=lambda s: s.started_at)
        assert [s.payload_id for s in samples] == [f"p{i % 3}" for i in range(10)]
        starts[name] = [parse_utc(s.started_at).timestamp() for s in samples]
    gaps = [abs(a - b) for a, b in zip(starts["current"], starts["candidate"], strict=True)]
    assert max(gaps) < 0.005  # the same intended instants (each engine maps its clock to UTC once)
    assert abs((starts["current"][-1] - starts["current"][0]) - 0.09) < 0.005  # 10 arrivals at 100/s


def test_keys_never_reach_the_files(tmp_path: Path) -> None:
    with RecordingServer() as current, RecordingServer() as candidate:
        plan = LoadPlan(url="", payloads=PAYLOADS, requests=3, duration_s=None)
        run_pair(plan, _sides({"current": current, "candidate": candidate}, tmp_path))
    text = "".join(path.read_text() for path in tmp_path.rglob("*") if path.is_file())
    assert KEYS["current"] not in text
    assert KEYS["candidate"] not in text


def test_answer_log_keeps_the_first_text_of_each_distinct_answer_redacted() -> None:
    log = AnswerLog(["s3cret-key"])
    log.see("current", "p0", "d1", b'"{\\"result\\": [\\"no\\"]}"')  # AutoML: a JSON string holding JSON
    log.see("current", "p0", "d1", b'{"result": ["no"]}')
    log.see("candidate", "p0", "d2", b'{"echo": "s3cret-key"}')
    assert [(a.target, a.answer_digest, a.answer) for a in log.answers] == [
        ("current", "d1", '{"result":["no"]}'),
        ("candidate", "d2", '{"echo":"***"}'),
    ]
    assert answer_text(b"<html>oops</html>") == "<html>oops</html>"


@pytest.mark.timeout(60)  # bounded: the plan's 300 s would fail it
def test_the_stop_file_stops_both_sides_at_once_and_the_result_is_whole(tmp_path: Path) -> None:
    stop_file = tmp_path / STOP_FILE
    stopper = RecordingServer(on_request=lambda n: n == 30 and request_stop(stop_file, "decided"))
    with RecordingServer() as current, stopper as candidate:
        plan = LoadPlan(url="", payloads=PAYLOADS, duration_s=300, concurrency=2, stop_file=stop_file)
        result = run_pair(plan, _sides({"current": current, "candidate": candidate}, tmp_path))
    for name, ended in result.sides.items():
        assert (ended.partial, ended.interrupted, ended.reason) == (False, False, None), name
        assert ended.requests == len(read_samples(tmp_path / name)) >= 28
