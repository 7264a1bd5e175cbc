"""cli.py against real loopback servers: ab's report shape, -e/-g files, samples, rotation, -s, -h/-V."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from scorebench.loadtests.ab.cli import main
from tests.loadtests.ab.recording_server import RecordingServer

KEY = "sbk-secret-" + "9" * 20


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_post_with_key_masks_it_and_sends_fresh_ids(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text('{"data":[{"a":1}]}')
    with RecordingServer() as server:
        code, out, err = _run(
            capsys, "-n", "5", "-v", "4", "-p", str(data), "-T", "application/json",
            "-H", f"Authorization: Bearer {KEY}", server.url(),
        )  # fmt: skip
        received = list(server.received)
    assert code == 0
    assert KEY not in out + err
    assert "Authorization: Bearer ***" in out
    assert "Complete requests:      5" in out
    assert "Total body sent:" in out
    ids = [headers["x-ms-client-request-id"] for _, _, headers, _ in received]
    assert len(set(ids)) == 5
    assert all(len(i) == 32 for i in ids)
    assert {headers["Authorization"] for _, _, headers, _ in received} == {f"Bearer {KEY}"}
    assert {(method, body) for method, _, _, body in received} == {("POST", data.read_bytes())}


def test_run_dir_samples_match_requests_one_for_one(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with RecordingServer() as server:
        code, _out, _ = _run(capsys, "-n", "30", "-c", "3", "--run-dir", str(tmp_path / "run"), server.url())
        sent_ids = [headers["x-ms-client-request-id"] for _, _, headers, _ in server.received]
    assert code == 0
    with (tmp_path / "run" / "samples.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 30
    assert sorted(r["client_request_id"] for r in rows) == sorted(sent_ids)
    assert len(set(sent_ids)) == 30
    assert {r["outcome"] for r in rows} == {"ok"}
    assert {r["server_fn_ms"] for r in rows} == {"1.500"}
    assert {r["worker"] for r in rows} == {"ab-0"}
    assert all(int(r["bytes_received"]) > 0 and int(r["bytes_sent"]) > 0 for r in rows)


def test_payload_rotation(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bodies = [{"data": [{"n": i}]} for i in range(3)]
    payloads = tmp_path / "p.jsonl"
    payloads.write_text("\n".join(json.dumps(b) for b in bodies))
    run = tmp_path / "run"
    with RecordingServer() as server:
        code, _, _ = _run(capsys, "-n", "6", "--payloads", str(payloads), "--run-dir", str(run), server.url())
        sent = [json.loads(body) for _, _, _, body in server.received]
    assert code == 0
    assert sent == bodies + bodies
    with (run / "samples.csv").open() as handle:
        ids = [r["payload_id"] for r in csv.DictReader(handle)]
    assert ids == ["p.jsonl:1", "p.jsonl:2", "p.jsonl:3"] * 2


def test_stall_past_s_is_a_failed_request_and_the_run_goes_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = tmp_path / "run"
    with RecordingServer(stall_first=True) as server:
        code, out, _ = _run(capsys, "-n", "3", "-s", "1", "--run-dir", str(run), server.url())
    assert code == 0
    assert "Complete requests:      2" in out
    assert "Failed requests:        1" in out
    assert "   (Connect: 0, Receive: 0, Length: 0, Exceptions: 1)" in out
    with (run / "samples.csv").open() as handle:
        outcomes = sorted(r["outcome"] for r in csv.DictReader(handle))
    assert outcomes == ["ok", "ok", "timeout"]


def test_non_2xx_counted_but_not_failed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run = tmp_path / "run"
    with RecordingServer(status=502) as server:
        code, out, _ = _run(capsys, "-n", "4", "--run-dir", str(run), server.url())
    assert code == 0
    assert "Failed requests:        0" in out
    assert "Non-2xx responses:      4" in out
    with (run / "samples.csv").open() as handle:
        assert {r["outcome"] for r in csv.DictReader(handle)} == {"http_5xx"}


def test_connection_refused_is_counted_under_connect(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import free_port

    code, out, _ = _run(capsys, "-n", "2", f"http://127.0.0.1:{free_port()}/score")
    assert code == 0
    assert "   (Connect: 2, Receive: 0, Length: 0, Exceptions: 0)" in out


def test_rate_prints_corrected_percentiles(capsys: pytest.CaptureFixture[str]) -> None:
    with RecordingServer() as server:
        code, out, _ = _run(capsys, "-n", "20", "-c", "2", "--rate", "200", server.url())
    assert code == 0
    tail = out.split("Latency from intended start", 1)[1].splitlines()
    assert [line.split()[0] for line in tail[1:]] == ["p50", "p90", "p99", "p99.9", "max"]


def test_bad_option_exits_1_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "-Q", "http://127.0.0.1:1/")
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "'Q'" in err


def test_help_lists_ab_usage_and_our_differences(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "-h")
    assert code == 0
    assert "-n requests     Number of requests to perform" in out
    assert "Bearer ***" in out
    assert "--run-dir" in out
    assert "--payloads" in out
    assert "--rate" in out
    code, out, _ = _run(capsys, "-V")
    assert out.startswith("This is ApacheBench, Version 2.3")
