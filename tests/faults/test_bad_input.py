"""Bad input: exit 2, one line saying what and where, within seconds, no load sent (issue 8 §1)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.conftest import TEST_KEY, free_port
from tests.faults.conftest import run_scorebench
from tests.faults.tls_server import TlsScoringServer

BOUND_S = 60  # "within seconds": a generous ceiling that only a hang would reach


def bad(outputs, tmp_path, *args, **kw):
    result = run_scorebench(outputs, tmp_path / "runs", "--requests", "5", *args, timeout=BOUND_S, **kw)
    assert result.code == 2, result.stderr
    return result.error_line()


def test_malformed_payload_names_file_and_position(outputs, tmp_path, standin):
    folder = tmp_path / "payloads"
    folder.mkdir()
    (folder / "broken.json").write_text('{"data": [\n  {"age": 17,}\n]}')
    line = bad(outputs, tmp_path, "--endpoint", standin.score_url, "--payloads", str(folder))
    assert "broken.json:2:" in line
    assert "malformed JSON" in line


def test_payload_the_schema_rejects_names_the_field(outputs, tmp_path, standin):
    from scorebench.local.model import EXAMPLE_RECORD

    record = dict(EXAMPLE_RECORD, age="seventeen")
    (tmp_path / "wrong.json").write_text(json.dumps({"data": [record]}))
    line = bad(outputs, tmp_path, "--endpoint", standin.score_url, "--payloads", str(tmp_path / "wrong.json"))
    assert "age" in line
    assert "wrong.json" in line


def test_empty_payload_folder(outputs, tmp_path, standin):
    (tmp_path / "empty").mkdir()
    line = bad(outputs, tmp_path, "--endpoint", standin.score_url, "--payloads", str(tmp_path / "empty"))
    assert "no .json or .jsonl" in line


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--engine", "jmeter"), "jmeter"),
        (("--duration", "15 parsecs"), "15 parsecs"),
        (("--endpoint", "127.0.0.1:5001/score"), "not an http(s) URL"),
    ],
)
def test_bad_flags(outputs, tmp_path, args, expected):
    assert expected in bad(outputs, tmp_path, *args)


def test_missing_key_names_authentication(outputs, tmp_path, standin):
    line = bad(outputs, tmp_path, "--endpoint", standin.score_url, key=None)
    assert "401" in line or "key" in line.lower()


def test_key_file_that_does_not_exist(outputs, tmp_path, standin):
    line = bad(outputs, tmp_path, "--endpoint", standin.score_url, "--key-file", str(tmp_path / "nope"), key=None)
    assert "nope" in line
    assert "does not exist" in line


def test_world_readable_key_file_warns_and_runs(outputs, tmp_path, tmp_path_factory, standin):
    key_file = tmp_path_factory.mktemp("secrets") / "key"  # outside the folders searched for leaks
    key_file.write_text(TEST_KEY)
    key_file.chmod(0o644)
    result = run_scorebench(
        outputs, tmp_path / "runs", "--endpoint", standin.score_url, "--key-file", str(key_file),
        "--requests", "3", "--telemetry", "none", "--slo", "error_rate<=100%", key=None, timeout=BOUND_S,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "readable by others" in result.stderr


def test_unreachable_port(outputs, tmp_path):
    line = bad(outputs, tmp_path, "--endpoint", f"http://127.0.0.1:{free_port()}/score")
    assert "127.0.0.1" in line


def test_host_that_does_not_resolve(outputs, tmp_path):
    line = bad(outputs, tmp_path, "--endpoint", "http://nonexistent.invalid/score")
    assert "nonexistent.invalid" in line


def test_self_signed_tls_is_refused_then_allowed_with_insecure(outputs, tmp_path, standin):
    swagger = requests.get(standin.swagger_url, timeout=10).json()
    with TlsScoringServer(tmp_path, swagger, TEST_KEY) as server:
        line = bad(outputs, tmp_path, "--endpoint", server.score_url, "--telemetry", "none")
        assert "--insecure" in line
        allowed = run_scorebench(
            outputs, tmp_path / "runs", "--endpoint", server.score_url, "--insecure", "--requests", "5",
            "--telemetry", "none", "--slo", "error_rate<=100%", timeout=BOUND_S,
        )  # fmt: skip
    assert allowed.code == 0, allowed.stderr
    samples = (allowed.run_dir / "samples.csv").read_text().splitlines()
    assert len(samples) == 1 + 5
