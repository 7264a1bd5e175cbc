"""scripts/: the Quick start's helpers take no positional surprises.

`demo.sh` passes its arguments to the demo's `scorebench run`; `_venv.sh`, which it sources, reads
its extras from VENV_EXTRAS only (sourced, it once took the demo's `--duration` for a pip extra).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT, cli_env


def test_demo_passes_its_arguments_to_the_run(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(REPO_ROOT / "scripts" / "demo.sh"), "--duration", "3s", "--label", "from-args", "--no-progress",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, env=cli_env(), cwd=REPO_ROOT, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 3), done.stdout + done.stderr  # a 3 s run may not decide every check
    (run_dir,) = tmp_path.glob("*-from-args")
    info = json.loads((run_dir / "run.json").read_text())
    assert info["label"] == "from-args"
    assert info["load_profile"]["duration_s"] == 3.0
