"""No "internal error" for anything a user can cause, and `ab --payloads` does what it says (issue 12).

Corrupt run.json, a hand-edited baseline, `serve` on a busy or impossible port: one line naming the
file or flag, exit 2, nothing printed as if it had worked, nothing left behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import cli_env, run_cli
from tests.faults.recording_server import RecordingServer
from tests.faults.test_key_leaks import one_error_line


@pytest.mark.parametrize(
    "content", [b'{"label": "x", ', b"[1, 2]", b"\xff\xfe\x00garbage", b'"just a string"'], ids=str
)
@pytest.mark.parametrize("command", [("report",), ("probe", "--telemetry-wait", "0s")])
def test_corrupt_run_json_is_named(run_dir, content, command):
    (run_dir / "run.json").write_bytes(content)
    done = run_cli(command[0], str(run_dir), *command[1:])
    assert done.returncode == 2
    assert str(run_dir / "run.json") in one_error_line(done.stderr)
    assert (run_dir / "run.json").read_bytes() == content  # nothing rewritten


def saved_baseline(run_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "baselines"
    done = run_cli("baseline", "save", str(run_dir), "--name", "b1", env=cli_env(SCOREBENCH_BASELINES_DIR=str(folder)))
    assert done.returncode == 0, done.stderr
    return folder / "b1.json"


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda d: d["summary"].update(latency_ms="fast"), "summary.latency_ms"),
        (lambda d: d["summary"]["latency_ms"].update(p95="slow"), "summary.latency_ms.p95"),
        (lambda d: d["summary"].update(count="many"), "summary.count"),
        (lambda d: d.update(latency_sample_ms=["1", "2"]), "latency_sample_ms"),
        (lambda d: d.update(version="two"), "version"),
    ],
    ids=["latency-not-object", "p95-not-number", "count-not-number", "samples-not-numbers", "version"],
)
def test_hand_edited_baseline_is_named(run_dir, tmp_path, edit, named):
    path = saved_baseline(run_dir, tmp_path)
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    done = run_cli("check", str(run_dir), "--baseline", "b1", env=cli_env(SCOREBENCH_BASELINES_DIR=str(path.parent)))
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert str(path) in line
    assert named in line


def test_serve_on_a_busy_port_says_so_before_claiming_an_endpoint(tmp_path):
    with RecordingServer() as busy:  # a server that answers GET / like a stand-in would
        port = busy.server.server_address[1]
        done = run_cli("serve", "--port", str(port), "--no-auth", env=cli_env(TMPDIR=str(tmp_path)), timeout=60)
    assert done.returncode == 2
    assert "endpoint:" not in done.stdout
    line = one_error_line(done.stderr)
    assert f"--port {port}" in line
    assert "in use" in line
    assert list(tmp_path.iterdir()) == []  # no temp folder left


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_serve_on_an_impossible_port_is_one_line_and_leaves_no_temp_dir(tmp_path, port):
    done = run_cli("serve", f"--port={port}", "--no-auth", env=cli_env(TMPDIR=str(tmp_path)), timeout=60)
    assert done.returncode == 2
    assert "0 to 65535" in one_error_line(done.stderr)
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_ab_payloads_posts_json(tmp_path):
    payloads = tmp_path / "set.jsonl"
    payloads.write_text('{"data": [{"age": 30}]}\n{"data": [{"age": 41}]}\n')
    with RecordingServer() as server:
        done = run_cli("ab", "-n", "2", "--payloads", str(payloads), server.score_url)
        typed = run_cli("ab", "-n", "1", "-T", "text/csv", "--payloads", str(payloads), server.score_url)
    assert done.returncode == 0, done.stderr
    assert typed.returncode == 0, typed.stderr
    posts = [seen for seen in server.seen if seen.method == "POST"]
    assert len(posts) == 3 == len(server.seen)
    assert {json.loads(seen.body)["data"][0]["age"] for seen in posts} == {30, 41}
    assert [seen.headers.get("Content-type") for seen in posts] == ["application/json"] * 2 + ["text/csv"]
