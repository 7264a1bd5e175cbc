"""`scorebench alt-config`: Azure Load Testing's failure criteria come from the same SLOs as a run's checks."""

from __future__ import annotations

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
    assert text.replace("\n", "").startswith(CONFIG.read_text().split("failureCriteria:")[0].replace("\n", ""))
    assert "autoStop:\n  errorPercentage: 90" in text
    assert run_cli("alt-config", "--file", str(copy), "--check", *slos, "--timeout-s", "5").returncode == 0


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
