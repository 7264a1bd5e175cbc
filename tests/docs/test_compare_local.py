"""docs/compare.md's local promotion recipe, replayed verbatim on a fresh folder: three `scorebench serve`
stand-ins in the background, then two compares that load until decided.

Only the ports change (5001-5003 → free ports). The doc's comments promise `# FAIL: agreement` (the
retrained model, `--model-seed 7`) and `# FAIL, stopped early` (the slower one, `--latency-ms 50`): each
compare exits 1 and says which check failed and that the load stopped early. The script ends by stopping
its background stand-ins and waiting for them; the test kills whatever is left of its process group.
SCOREBENCH_MAX_DURATION=90s in the environment only bounds a broken candidate (both decide in seconds).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.docs.blocks import claim, command_lines, fill, replay_env
from tests.docs.compare_replay import listing_problems

pytestmark = pytest.mark.slow

LOCAL = claim("docs/compare.md", "scorebench serve --port 5001 --key current-key &", "replayed")
COMPARE_DIR = claim("docs/compare.md", "runs/<UTC>-compare/", "listing")
ARCHITECTURE_COMPARE_DIR = claim("docs/architecture.md", "runs/<UTC>-compare/", "listing")


def test_the_local_recipe_fails_the_retrained_and_the_slower_candidate(tmp_path: Path) -> None:
    ports = {str(p): str(free_port()) for p in (5001, 5002, 5003)}
    lines = [fill(LOCAL, line, {p: v for p, v in ports.items() if p in line}) for line in command_lines(LOCAL.body)]
    compares = [i for i, line in enumerate(lines) if line.startswith("scorebench compare")]
    assert len(compares) == 2
    assert sum(line.endswith("&") for line in lines) == 3
    script = "\n".join(f'{line}\necho "exit $?"' if i in compares else line for i, line in enumerate(lines))
    script += "\nkill $(jobs -p)\nwait\n"  # afterwards: the background stand-ins are stopped
    env = replay_env(SCOREBENCH_MAX_DURATION="90s")
    process = subprocess.Popen(["bash", "-c", script], cwd=tmp_path, env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        printed, _ = process.communicate(timeout=300)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, printed
    verdicts = re.findall(r"^verdict: .*$", printed, re.M)
    exits = re.findall(r"^exit (\d+)$", printed, re.M)
    ended = re.findall(r"^load ended: (.*)$", printed, re.M)
    assert exits == ["1", "1"], printed
    assert verdicts == ["verdict: FAIL (exit 1)"] * 2, printed
    # FAIL: agreement (the retrained model); FAIL, stopped early (the slower one, on its latency)
    assert ended[0].startswith("agreement FAIL decided after"), printed
    assert ended[0].endswith("load stopped early"), printed
    assert re.match(r"candidate p50:\+10% FAIL decided after \d+ requests a side", ended[1]), printed
    assert ended[1].endswith("load stopped early"), printed
    assert re.search(r"^FAIL agreement: ", printed, re.M)
    assert re.search(r"^FAIL candidate p50: ", printed, re.M)
    run_dirs = sorted((tmp_path / "runs").glob("*-compare"))
    assert len(run_dirs) == 2
    for run_dir in run_dirs:
        assert (run_dir / "stop").is_file()
        assert (run_dir / "report.html").is_file()
        assert listing_problems(run_dir, COMPARE_DIR, ARCHITECTURE_COMPARE_DIR) == []
    for key in ("current-key", "cand-key"):
        assert key not in printed
