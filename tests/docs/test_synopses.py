"""Usage synopses of README.md, docs/probes.md, docs/azureml.md and docs/performance.md, and
performance.md's starved-client output.

Each synopsis names only flags its command's `--help` lists; one cheap instance of `serve` and of
`endpoint show --json` (against the loopback Azure ML control-plane stand-in) is replayed. The
benchmark scripts' synopsis is checked against each script's own `--help` (the benchmarks are not
run here). The starved-client output comes from tests/benchmarks/demo_starved_client.py, which
needs nginx, a CPU cgroup and ~40 s of both cores: its scorebench lines are checked against a real
run whose client saturation is staged (a `saturation-*.json` part, as an engine writes it, over
the run's whole window) and re-reported with the demo's SLO; the script's own two lines against its
source, and the progress line against the progress formatter.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from scorebench.core.records import parse_utc, read_samples
from scorebench.progress import format_line
from tests.azureml.azureml_standin import CLOUD_ENV, SERVICE_KEY, AzureMLStandIn, arm, config_json
from tests.conftest import REPO_ROOT, TEST_KEY, free_port
from tests.docs.blocks import (
    BIN,
    claim,
    fill,
    flags,
    help_text,
    line_kind,
    replay,
    replay_env,
    transcript_problems,
)

__all__ = ["arm"]  # the ARM stand-in fixture

PROBE = claim("docs/probes.md", "scorebench probe RUN_DIR [--telemetry none|local:DIR|appinsights]", "synopsis")
ENDPOINT = claim("docs/azureml.md", "scorebench endpoint show            --name SERVICE", "synopsis")
SERVE = claim("README.md", "scorebench serve [--port 5001]", "synopsis")
BENCHMARKS = claim("docs/performance.md", "python tests/benchmarks/bench_peers.py [--seconds 4]", "synopsis")
STARVED = claim("docs/performance.md", "client starved by a CPU quota of 5 % (cgroup)", "transcript")


def test_the_probe_synopsis() -> None:
    named = flags(PROBE.body)
    assert named == {"--telemetry", "--workspace-id", "--app-insights-id", "--telemetry-wait", "--interactive",
                     "--traffic-log", "--only-run-requests", "--telemetry-required"}  # fmt: skip
    assert named <= flags(help_text("probe"))


def test_the_endpoint_synopsis_flags_are_each_verbs() -> None:
    lines = ENDPOINT.body.splitlines()
    common = flags("\n".join(line for line in lines if not line.startswith("scorebench endpoint ")))
    assert common == {"--name", "--endpoint-name", "--deployment", "--auth"}
    verbs = [line.split()[2] for line in lines if line.startswith("scorebench endpoint ")]
    assert verbs == ["show", "keys", "logs", "enable-insights"]
    for line in lines:
        if line.startswith("scorebench endpoint "):
            verb = line.split()[2]
            available = flags(help_text("endpoint", verb))
            assert flags(line) | common <= available, (verb, (flags(line) | common) - available)
    auth = re.search(r"--auth \{?([\w,|-]+)", help_text("endpoint", "show"))
    assert auth
    assert "auto|default|interactive|service-principal|managed-identity|cli" in ENDPOINT.body
    assert set(auth[1].replace("|", ",").split(",")) >= {"auto", "default", "interactive", "service-principal",
                                                        "managed-identity", "cli"}  # fmt: skip


def test_endpoint_show_json_against_the_control_plane_stand_in(arm: AzureMLStandIn, tmp_path: Path) -> None:
    (show,) = [line for line in ENDPOINT.body.splitlines() if line.startswith("scorebench endpoint show")]
    command = fill(ENDPOINT, " ".join(show.replace("[", "").replace("]", "").split()), {"SERVICE": "svc-aks"})
    assert command == "scorebench endpoint show --name svc-aks --workspace-config config.json --json"
    (tmp_path / "config.json").write_text(json.dumps(config_json()))
    env = replay_env(SCOREBENCH_AZUREML_STANDIN=arm.base_url, HOME=str(tmp_path))
    env.pop(CLOUD_ENV, None)
    done = replay([command], tmp_path, env, timeout=180)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["scoring_uri"] == f"{arm.base_url}/api/v1/service/svc-aks/score"
    assert (shown["auth_mode"], shown["compute_type"], shown["scoring_timeout_ms"]) == ("key", "AKS", 60000)
    assert SERVICE_KEY not in done.stdout + done.stderr


def test_the_serve_synopsis_and_one_instance_of_it(tmp_path: Path) -> None:
    named = flags(SERVE.body)
    assert {"--port", "--key", "--no-auth", "--managed", "--deployment", "--model-error-rate"} <= named
    assert named <= flags(help_text("serve")), named - flags(help_text("serve"))
    port = str(free_port())
    line = f"scorebench serve --port {port} --key {TEST_KEY} --latency-ms 5 --data-dir {tmp_path / 'store'}"
    server = subprocess.Popen(line.split(), cwd=tmp_path, env=replay_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)  # fmt: skip
    try:
        assert server.stdout is not None
        first = server.stdout.readline()  # printed once the endpoint answers
        assert first.strip() == f"endpoint: http://127.0.0.1:{port}/score", first
        import requests

        from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads

        body = load_payloads(DEFAULT_PAYLOADS)[0].body
        url = first.split()[1]
        refused = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=60)
        signed = {"Content-Type": "application/json", "Authorization": f"Bearer {TEST_KEY}"}
        answered = requests.post(url, data=body, headers=signed, timeout=60)
        assert (refused.status_code, answered.status_code) == (401, 200)
        assert server.stdout.readline().strip() == f"telemetry: local:{tmp_path / 'store'}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.communicate(timeout=60)  # reads what is left and closes the pipe


def test_the_benchmark_synopsis_names_only_each_scripts_flags() -> None:
    for line in BENCHMARKS.body.strip().splitlines():
        script = line.split()[1]
        assert script.startswith("tests/benchmarks/"), line
        done = subprocess.run([sys.executable, REPO_ROOT / script, "--help"], env=replay_env(), capture_output=True,
                              text=True, timeout=120, check=True)  # fmt: skip
        usage = done.stdout[: done.stdout.index("\n\n")]  # the usage lines, not the docstring's prose
        assert flags(line) <= flags(usage), (script, flags(line) - flags(usage))


def test_the_checker_reads_interval_ends_and_the_checks_fixed_decimals() -> None:
    """blocks.py: a number after `..` is a figure of its own, and a check line's one-decimal
    milliseconds (`3344.6 ms`, metrics.Unit.format) are as the tool writes them; a figure with more
    digits than any writer gives is still caught."""
    real = "INCONCLUSIVE slo p95<5000ms: 41.8 ms (95% CI 35.0 ms..217.1 ms, limit < 5000.0 ms)"
    assert (
        transcript_problems(["PASS slo p95<5000ms: 3344.6 ms (95% CI 3330.3 ms..3355.2 ms, limit < 5000.0 ms)"], real)
        == []
    )
    (stale,) = transcript_problems(
        ["PASS slo p95<5000ms: 3344.6 ms (95% CI 3330.3 ms..3355.21 ms, limit < 5000.0 ms)"], real
    )
    assert "3355.21 is not written as the tool writes it" in stale
    assert (
        transcript_problems(
            ["PASS timeout: all 9 requests (slowest 156.6 ms)"], "PASS timeout: all 84 requests (slowest 243 ms)"
        )
        == []
    )


def _demo_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "demo_starved_client", REPO_ROOT / "tests/benchmarks/demo_starved_client.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_starved_client_output_lines(standin: Any, tmp_path: Path) -> None:
    shown = [line for line in STARVED.body.strip().splitlines() if line.strip()]
    out = tmp_path / "starved-runs"
    demo = _demo_module()
    # the script's own lines, as its source prints them
    assert shown[0] == f"client starved by a CPU quota of {demo.QUOTA_PERCENT} % (cgroup)"
    source = (REPO_ROOT / "tests/benchmarks/demo_starved_client.py").read_text()
    assert 'print(f"client starved by {how}")' in source
    assert 'f"a CPU quota of {QUOTA_PERCENT} % (cgroup)"' in source
    assert 'print(f"exit code {run.returncode} (expected 3: INCONCLUSIVE)")' in source
    assert "exit code 3 (expected 3: INCONCLUSIVE)" in shown
    # the progress line, by the progress formatter at the shown figures
    (load,) = [line for line in shown if line.startswith("load ")]
    tail = SimpleNamespace(requests=12769, errors=0, p95_ms=lambda: 3346.4)
    assert transcript_problems([load], format_line(12.0, tail, saturated_s=12.0)) == []  # type: ignore[arg-type]
    # scorebench's lines: a real run of the demo's SLO, its client's saturation staged, reported again
    run = subprocess.run(
        [BIN / "scorebench", "run", "--endpoint", standin.score_url, "--telemetry", "none", "--requests", "100",
         "--slo", "p95<5000ms", "--out", str(out), "--label", "starved"],
        cwd=tmp_path, env=replay_env(SCOREBENCH_KEY=TEST_KEY), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode in (0, 3), run.stdout + run.stderr
    (run_dir,) = out.glob("*-starved")
    samples = read_samples(run_dir)
    first = min(parse_utc(s.started_at).timestamp() for s in samples)
    last = max(parse_utc(s.started_at).timestamp() + s.latency_ms / 1000 for s in samples)
    period = {"start_s": first, "end_s": last, "peak_demand_percent": 101.1, "peak_lag_ms": 277.8, "worker": "ab-9"}
    (run_dir / "saturation-ab-9.json").write_text(json.dumps({"worker": "ab-9", "readings": [], "periods": [period]}))
    report = replay([f"scorebench report {run_dir} --slo 'p95<5000ms'"], tmp_path, replay_env())
    assert report.returncode == 3, report.stdout + report.stderr  # latency checks INCONCLUSIVE
    printed = (run.stdout + report.stdout).replace(f"{tmp_path}/", "/tmp/")  # the demo's --out is /tmp/starved-runs
    # not scorebench's output of this run: the script's two lines and the progress line, checked above
    others = frozenset(line_kind(line) for line in (shown[0], load, "exit code 3 (expected 3: INCONCLUSIVE)"))
    assert transcript_problems(shown, printed, may_be_missing=others) == [], printed
    assert report.stdout.splitlines()[0].startswith("summary: ")
    assert any(
        line.startswith("note: the load generator was saturated from 0 s to ") for line in report.stdout.splitlines()
    )
