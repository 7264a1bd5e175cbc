"""Demo: a deliberately starved load generator is detected, said, and its latency checks INCONCLUSIVE.

    python tests/benchmarks/demo_starved_client.py [--out /tmp/starved-runs]

A one-worker loopback nginx runs on CPU 0; `scorebench run --engine ab --rate 1500` runs in a CPU
cgroup whose quota is QUOTA_PERCENT of one CPU (cgroup v1 `cpu.cfs_quota_us`, as a container's CPU
limit), so the client gets a sliver of a core: it needs about 9 % of one for 1,500 req/s. Where
that cgroup cannot be made (not root, cgroup v2 only) it runs on CPU 1 at nice 19 beside
BUSY_LOOPS busy loops instead, which starves it only where the scheduler honours nice values (in
some VMs a CPU shared by thirteen tasks still gives the client what it needs: then the run is
honestly not saturated, PASS). Expected: the progress line says CLIENT SATURATED, the verdict
lines start with "note: the load generator was saturated from 0 s to 12 s ...", the p95 SLO is
INCONCLUSIVE and the exit code is 3. Needs 2 CPUs, nginx and taskset; not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.loadtests.ab.nginx_server import Nginx, nginx_available  # noqa: E402

BUSY_LOOP = "import time\nend = time.time() + 35\nwhile time.time() < end: pass"
BUSY_LOOPS = 12
QUOTA_PERCENT = 5
CGROUP = Path("/sys/fs/cgroup/cpu/scorebench-starved")


def starved_prefix() -> list[str]:
    """The command prefix that starves the client: into a CPU-quota cgroup, or beside busy loops."""
    try:
        CGROUP.mkdir(exist_ok=True)
        (CGROUP / "cpu.cfs_period_us").write_text("100000")
        (CGROUP / "cpu.cfs_quota_us").write_text(str(QUOTA_PERCENT * 1000))
    except OSError:
        return ["taskset", "-c", "1", "nice", "-n", "19"]
    return ["sh", "-c", f'echo $$ > {CGROUP}/cgroup.procs && exec "$@"', "starved"]


def one_record_payloads(out: Path) -> Path:
    """A payload set of one one-record body: nginx answers `{"result":["no"]}`, one prediction, to
    every request, and the warm-up must get one prediction per record (loadtests/outcomes.py)."""
    first = json.loads((ROOT / "payloads" / "bank_marketing" / "data.jsonl").read_text().splitlines()[0])
    path = out / "one-record.jsonl"
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"data": first["data"][:1]}) + "\n")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="/tmp/starved-runs")
    args = parser.parse_args()
    if not nginx_available() or len(os.sched_getaffinity(0)) < 2:
        print("needs nginx and 2 CPUs: skipped")
        return 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    prefix = starved_prefix()
    with Nginx(cpus="0") as server:
        loop = ["taskset", "-c", "1", "timeout", "40", sys.executable, "-c", BUSY_LOOP]
        busy = [subprocess.Popen(loop) for _ in range(BUSY_LOOPS if prefix[0] == "taskset" else 0)]
        try:
            run = subprocess.run(
                [*prefix, sys.executable, "-m", "scorebench", "run",
                 "--endpoint", server.url("/score"), "--engine", "ab", "--rate", "1500", "--concurrency", "16",
                 "--duration", "12s", "--telemetry", "none", "--slo", "p95<5000ms", "--out", args.out,
                 "--payloads", str(one_record_payloads(Path(args.out))),
                 "--label", "starved"],
                env=env, capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
        finally:
            for process in busy:
                process.kill()
                process.wait()
            if prefix[0] == "sh":
                CGROUP.rmdir()  # empty again: the client has exited
    how = f"a CPU quota of {QUOTA_PERCENT} % (cgroup)" if prefix[0] == "sh" else f"{BUSY_LOOPS} busy loops"
    print(f"client starved by {how}")
    print(run.stdout, end="")
    print(run.stderr, end="", file=sys.stderr)
    print(f"exit code {run.returncode} (expected 3: INCONCLUSIVE)")
    return 0 if run.returncode == 3 else 1


if __name__ == "__main__":
    sys.exit(main())
