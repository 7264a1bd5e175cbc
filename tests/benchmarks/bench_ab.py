"""Benchmark: scorebench ab vs the real ab against one loopback nginx (one worker).

Run as `python tests/benchmarks/bench_ab.py [--keepalive-n 200000] [--close-n 20000] [--rounds 3]`.
Alternates real ab and ours per round and prints the median ratio of requests per second for
`-k -n N -c 10` (target >= 0.9) and `-n N -c 10` (target >= 0.8). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.loadtests.ab.nginx_server import Nginx, nginx_available  # noqa: E402

RPS = re.compile(r"Requests per second:\s+([0-9.]+)")


def rps(command: list[str]) -> float:
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    match = RPS.search(out)
    if not match:
        raise RuntimeError(f"no 'Requests per second' in output of {command[:3]}")
    return float(match.group(1))


def compare(url: str, args: list[str], rounds: int) -> tuple[float, list[float], list[float]]:
    ours_cmd = [sys.executable, "-m", "scorebench", "ab", *args, url]
    theirs, ours = [], []
    for _ in range(rounds):
        theirs.append(rps(["ab", *args, url]))
        ours.append(rps(ours_cmd))
    ratios = [o / t for o, t in zip(ours, theirs, strict=True)]
    return statistics.median(ratios), theirs, ours


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keepalive-n", type=int, default=200000)
    parser.add_argument("--close-n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not nginx_available():
        print("nginx not installed: skipped")
        return 0
    cases = (
        (["-q", "-k", "-n", str(args.keepalive_n), "-c", "10"], 0.9),
        (["-q", "-n", str(args.close_n), "-c", "10"], 0.8),
    )
    failed = False
    with Nginx() as server:
        for ab_args, target in cases:
            ratio, theirs, ours = compare(server.url("/score"), ab_args, args.rounds)
            verdict = "ok" if ratio >= target else "BELOW TARGET"
            print(f"ab {' '.join(ab_args)}: real ab rps {[round(x) for x in theirs]}, ours {[round(x) for x in ours]}")
            print(f"  median ratio ours/ab = {ratio:.3f} (target >= {target}) {verdict}")
            failed |= ratio < target
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
