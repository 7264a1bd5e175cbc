"""Benchmark: scorebench ab (1 and N engine processes) vs the real ab against one loopback nginx.

    python tests/benchmarks/bench_ab.py [--keepalive-n 200000] [--close-n 20000] [--rounds 3]
                                        [--processes N] [--pinned]

Each round runs real ab, then ours with `--processes 1`, then ours with `--processes N` (default:
the usable cores), on the same one-worker nginx, and prints every requests/s figure and the median
ratio ours/ab for 1 and for N processes (targets: >= 1.0 with -k, >= 0.9 without). `--pinned`
also runs the same rounds with nginx pinned to CPU 0 and the client (ab, or all our processes)
to CPU 1 with taskset, so client and server do not share a core. Not collected by pytest; the
ratios, not the absolute figures, are what compare across machines and loads.
"""

from __future__ import annotations

import argparse
import os
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


def compare(url: str, args: list[str], rounds: int, processes: int, pin: list[str]) -> dict[str, list[float]]:
    """Requests/s per round for ab, ours with 1 process and ours with N, alternating."""
    ours = [*pin, sys.executable, "-m", "scorebench", "ab", *args]
    commands = {
        "ab": [*pin, "ab", *args, url],
        "1": [*ours, "--processes", "1", url],
        "N": [*ours, "--processes", str(processes), url],
    }
    figures: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            figures[name].append(rps(command))
    return figures


def ratio(ours: list[float], theirs: list[float]) -> float:
    return statistics.median(o / t for o, t in zip(ours, theirs, strict=True))


def run_cases(cases: list[tuple[list[str], float]], rounds: int, processes: int, pinned: bool) -> bool:
    met = True
    where = "nginx on CPU 0, client on CPU 1" if pinned else "client and nginx share the cores"
    with Nginx(cpus="0" if pinned else None) as server:
        for ab_args, target in cases:
            pin = ["taskset", "-c", "1"] if pinned else []
            figures = compare(server.url("/score"), ab_args, rounds, processes, pin)
            one, many = ratio(figures["1"], figures["ab"]), ratio(figures["N"], figures["ab"])
            print(f"ab {' '.join(ab_args)} ({where}, load {os.getloadavg()[0]:.1f})")
            for name, label in (("ab", "real ab"), ("1", "ours, 1 process"), ("N", f"ours, {processes} processes")):
                print(f"  {label:<20} rps {[round(x) for x in figures[name]]}")
            print(f"  ratio ours/ab: 1 process {one:.3f}, {processes} processes {many:.3f} (target >= {target})")
            met &= max(one, many) >= target
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keepalive-n", type=int, default=200000)
    parser.add_argument("--close-n", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--pinned", action="store_true", help="also run with nginx and the client on separate cores")
    args = parser.parse_args()
    if not nginx_available():
        print("nginx not installed: skipped")
        return 0
    cases = [
        (["-q", "-k", "-n", str(args.keepalive_n), "-c", "10"], 1.0),
        (["-q", "-n", str(args.close_n), "-c", "10"], 0.9),
    ]
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    met = run_cases(cases, args.rounds, args.processes, pinned=False)
    if args.pinned:
        met &= run_cases(cases, args.rounds, args.processes, pinned=True)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
