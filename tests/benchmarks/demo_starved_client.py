"""Demo: a deliberately starved load generator is detected, said, and its latency checks INCONCLUSIVE.

    python tests/benchmarks/demo_starved_client.py [--out /tmp/starved-runs]

A one-worker loopback nginx runs on CPU 0; `scorebench run --engine ab --rate 1500` runs on CPU 1
at nice 19 beside a bounded busy loop (35 s) on the same CPU, so the client gets a sliver of a
core. Expected: the progress line says CLIENT SATURATED, the verdict lines start with
"note: the load generator was saturated from 0 s to 12 s ...", the p95 SLO is INCONCLUSIVE and the
exit code is 3. Needs 2 CPUs, nginx and taskset; not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.loadtests.ab.nginx_server import Nginx, nginx_available  # noqa: E402

BUSY_LOOP = "import time\nend = time.time() + 35\nwhile time.time() < end: pass"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="/tmp/starved-runs")
    args = parser.parse_args()
    if not nginx_available() or len(os.sched_getaffinity(0)) < 2:
        print("needs nginx and 2 CPUs: skipped")
        return 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with Nginx(cpus="0") as server:
        busy = subprocess.Popen(["taskset", "-c", "1", "timeout", "40", sys.executable, "-c", BUSY_LOOP])
        try:
            run = subprocess.run(
                ["taskset", "-c", "1", "nice", "-n", "19", sys.executable, "-m", "scorebench", "run",
                 "--endpoint", server.url("/score"), "--engine", "ab", "--rate", "1500", "--concurrency", "16",
                 "--duration", "12s", "--telemetry", "none", "--slo", "p95<5000ms", "--out", args.out,
                 "--label", "starved"],
                env=env, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
        finally:
            busy.kill()
            busy.wait()
    print(run.stdout, end="")
    print(run.stderr, end="", file=sys.stderr)
    print(f"exit code {run.returncode} (expected 3: INCONCLUSIVE)")
    return 0 if run.returncode == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
