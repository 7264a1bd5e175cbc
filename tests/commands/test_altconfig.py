"""`scorebench alt-config`: Azure Load Testing's failure criteria come from the same SLOs as a run's checks."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

from tests.conftest import REPO_ROOT, run_cli

CONFIG = REPO_ROOT / "loadtests" / "azure-load-testing.yaml"


def test_the_committed_config_matches_the_default_slos() -> None:
    done = run_cli("alt-config", "--check", "--file", str(CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr


def test_slos_become_criteria_and_the_rest_of_the_file_stays(tmp_path: Path) -> None:
    copy = tmp_path / "alt.yaml"
    shutil.copy(CONFIG, copy)
    slos = ("--slo", "p95<300ms", "--slo", "p99.9<=2s", "--slo", "rps>=50", "--slo", "error_rate<0.5%")
    assert run_cli("alt-config", "--file", str(copy), "--check", *slos).returncode == 1
    done = run_cli("alt-config", "--file", str(copy), *slos, "--timeout-s", "5")
    assert done.returncode == 0, done.stderr
    text = copy.read_text()
    assert text.split("failureCriteria:\n")[1].split("autoStop:")[0].splitlines()[1:] == [
        "    - p95(response_time_ms) > 300",
        "    - p999(response_time_ms) > 2000",
        "    - avg(requests_per_sec) < 50",
        "    - percentage(error) > 0.5",
        "    - max(response_time_ms) > 5000",
    ]
    assert '- name: SCOREBENCH_TIMEOUT_S\n    value: "10"' in text  # the client waits 5 s + the margin
    original = CONFIG.read_text().split("failureCriteria:")[0].replace('value: "75"', 'value: "10"')
    assert text.replace("\n", "").startswith(original.replace("\n", ""))
    assert "autoStop:\n  errorPercentage: 90" in text
    assert run_cli("alt-config", "--file", str(copy), "--check", *slos, "--timeout-s", "5").returncode == 0


def test_response_time_limits_are_whole_milliseconds(tmp_path: Path) -> None:
    copy = tmp_path / "alt.yaml"
    shutil.copy(CONFIG, copy)
    done = run_cli("alt-config", "--file", str(copy), "--slo", "p95<300.5ms", "--slo", "p99<1.2345s",
                   "--timeout-s", "5.5")  # fmt: skip
    assert done.returncode == 0, done.stderr
    criteria = copy.read_text().split("failureCriteria:\n")[1].split("autoStop:")[0]
    assert "    - p95(response_time_ms) > 300\n" in criteria
    assert "    - p99(response_time_ms) > 1234\n" in criteria
    assert "    - max(response_time_ms) > 5500\n" in criteria


def test_the_timeout_comes_from_a_run_against_a_managed_deployment(tmp_path: Path) -> None:
    """A managed deployment's 5 s (run.json timeout_s, what the run was judged by), not AKS v1's 60 s."""
    copy = tmp_path / "alt.yaml"
    shutil.copy(CONFIG, copy)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps({"label": "m", "timeout_s": 5.0, "client_timeout_s": 10.0}))
    assert run_cli("alt-config", "--file", str(copy), "--run", str(run_dir), "--check").returncode == 1
    done = run_cli("alt-config", "--file", str(copy), "--run", str(run_dir))
    assert done.returncode == 0, done.stderr
    text = copy.read_text()
    assert "    - max(response_time_ms) > 5000\n" in text
    assert '- name: SCOREBENCH_TIMEOUT_S\n    value: "10"' in text
    assert "5 s timeout (the client waits 10 s" in done.stdout
    missing = run_cli("alt-config", "--file", str(copy), "--run", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1


def test_the_check_hint_keeps_the_slos_it_compared_with(tmp_path: Path) -> None:
    copy = tmp_path / "alt.yaml"
    shutil.copy(CONFIG, copy)
    given = ("--slo", "p95<300ms", "--slo", "rps>=50", "--timeout-s", "5", "--file", str(copy))
    done = run_cli("alt-config", "--check", *given)
    assert done.returncode == 1, done.stdout + done.stderr
    hint = done.stdout.split("run `")[1].split("`")[0]
    assert hint.startswith("scorebench alt-config ")
    words = shlex.split(hint)[2:]
    assert run_cli("alt-config", *words).returncode == 0  # the hint, as printed, writes those criteria
    assert run_cli("alt-config", "--check", *given).returncode == 0, "the hint dropped the --slo / --timeout-s given"
