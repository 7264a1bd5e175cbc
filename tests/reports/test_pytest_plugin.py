"""reports/pytest_plugin.py: `scoring_endpoint` times real scoring calls through pytest-benchmark.

Runs a user's test file in a pytest subprocess (plugin loaded with -p, as the installed entry point
would), against the stand-in; checks pytest-benchmark's own storage and --benchmark-compare-fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY, cli_env

USER_TEST = """
def test_score_latency(scoring_endpoint):
    answer = scoring_endpoint.benchmark(rounds=5)
    assert len(answer["result"]) == 8 and set(answer["result"]) <= {"yes", "no"}  # one per record
"""


def run_pytest(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_endpoint.py").write_text(USER_TEST, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "scorebench.pytest_plugin", "-p", "pytest_benchmark.plugin",
         "-p", "no:cacheprovider", "-q",
         "--rootdir", str(tmp_path), "-c", "/dev/null", str(tmp_path / "test_endpoint.py"), *args],
        capture_output=True, text=True, timeout=180, cwd=tmp_path, check=False,
        env=cli_env(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **env),  # the same whether or not scorebench is installed
    )  # fmt: skip


def test_skips_without_a_url(tmp_path: Path) -> None:
    done = run_pytest(tmp_path, "-rs")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no scoring endpoint: pass --scoring-url or set $SCOREBENCH_URL" in done.stdout


def test_plugin_import_is_cheap() -> None:
    code = "import sys, scorebench.pytest_plugin as p; print(sorted(m for m in ('pandas', 'numpy', 'jinja2', 'requests') if m in sys.modules))"  # noqa: E501
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_autosave_and_compare_fail_against_the_standin(standin, standin_factory, tmp_path: Path) -> None:
    storage = tmp_path / "benchmarks"
    common = ("--benchmark-enable", f"--benchmark-storage=file://{storage}", "--scoring-url", standin.score_url)
    first = run_pytest(tmp_path, *common, "--benchmark-autosave", SCOREBENCH_KEY=TEST_KEY)
    assert first.returncode == 0, first.stdout + first.stderr
    saved = list(storage.rglob("*.json"))
    assert len(saved) == 1
    text = saved[0].read_text()
    assert TEST_KEY not in text
    bench = json.loads(text)["benchmarks"][0]
    assert bench["stats"]["rounds"] == 5
    assert bench["extra_info"]["scoring_url"] == standin.score_url
    # a rerun within a huge allowance passes
    ok = run_pytest(
        tmp_path, *common, "--benchmark-compare", "--benchmark-compare-fail=median:1000%", SCOREBENCH_KEY=TEST_KEY
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # the same test against an endpoint 300 ms slower fails pytest-benchmark's own gate
    slow = standin_factory(key=TEST_KEY, latency_ms=300)
    gated = ("--benchmark-enable", f"--benchmark-storage=file://{storage}", "--scoring-url", slow.score_url)
    failed = run_pytest(
        tmp_path, *gated, "--benchmark-compare=0001", "--benchmark-compare-fail=median:50%", SCOREBENCH_KEY=TEST_KEY
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Performance has regressed" in failed.stdout + failed.stderr


def test_a_refused_key_fails_the_test(standin, tmp_path: Path) -> None:
    done = run_pytest(tmp_path, "--benchmark-enable", "--scoring-url", standin.score_url, SCOREBENCH_KEY="wrong")
    assert done.returncode == 1
    assert f"POST {standin.score_url} answered 401 for payload" in done.stdout
    assert "Bearer wrong" not in done.stdout
