"""Benchmark: scorebench ab (1 and N engine processes) vs the real ab against one loopback nginx.

    python tests/benchmarks/bench_ab.py [--keepalive-n 200000] [--close-n 20000] [--rounds 3]
                                        [--processes N] [--pinned]

Each round runs real ab, then ours with `--processes 1`, then ours with `--processes N` (default:
the usable cores), on the same one-worker nginx, and prints every requests/s figure and the median
ratio ours/ab for 1 and for N processes (targets: >= 1.0 with -k, >= 0.9 without). `--pinned`
also runs the same rounds with nginx pinned to CPU 0 and the client (ab, or all our processes)
to CPU 1 with taskset, so client and server do not share a core. Each line also gives the
client's CPU time per request (user + system of the client and its engine processes, our start-up
taken off): its ratio ours/ab says how many of ab's cores ours needs for ab's rate, which is what
`--processes N` buys when the cores are free (a 2-core machine running nginx has no third core to
show it). Not collected by pytest; the ratios, not the absolute figures, compare across machines.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.loadtests.ab.nginx_server import Nginx, nginx_available  # noqa: E402

RPS = re.compile(r"Requests per second:\s+([0-9.]+)")


def rps(command: list[str]) -> tuple[float, float]:
    """(requests/s, CPU seconds the client used: user + system of it and its processes)."""
    before = _children_cpu_s()
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    cpu_s = _children_cpu_s() - before
    match = RPS.search(out)
    if not match:
        raise RuntimeError(f"no 'Requests per second' in output of {command[:3]}")
    return float(match.group(1)), cpu_s


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _requests(args: list[str]) -> int:
    return int(args[args.index("-n") + 1])


def compare(
    url: str, args: list[str], rounds: int, processes: int, pin: list[str]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Requests/s and client CPU microseconds per request, per round, for ab, ours with 1 process
    and ours with N, alternating. Our start-up (imports: a run of -c requests) is taken off our CPU."""
    ours = [*pin, sys.executable, "-m", "scorebench", "ab", *args]
    commands = {
        "ab": [*pin, "ab", *args, url],
        "1": [*ours, "--processes", "1", url],
        "N": [*ours, "--processes", str(processes), url],
    }
    few = args[args.index("-c") + 1]  # as many requests as connections: the start-up's cost
    one = [*ours[: ours.index("-n") + 1], few, *ours[ours.index("-n") + 2 :]]
    startup_s = {"ab": 0.0, "1": rps([*one, "--processes", "1", url])[1]}
    startup_s["N"] = rps([*one, "--processes", str(processes), url])[1]
    figures: dict[str, list[float]] = {name: [] for name in commands}
    cpu_us: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, command in commands.items():
            rate, cpu_s = rps(command)
            figures[name].append(rate)
            cpu_us[name].append(max(cpu_s - startup_s[name], 0.0) / _requests(args) * 1e6)
    return figures, cpu_us


def ratio(ours: list[float], theirs: list[float]) -> float:
    return statistics.median(o / t for o, t in zip(ours, theirs, strict=True))


def run_cases(cases: list[tuple[list[str], float]], rounds: int, processes: int, pinned: bool) -> bool:
    met = True
    where = "nginx on CPU 0, client on CPU 1" if pinned else "client and nginx share the cores"
    with Nginx(cpus="0" if pinned else None) as server:
        for ab_args, target in cases:
            pin = ["taskset", "-c", "1"] if pinned else []
            figures, cpu_us = compare(server.url("/score"), ab_args, rounds, processes, pin)
            one, many = ratio(figures["1"], figures["ab"]), ratio(figures["N"], figures["ab"])
            print(f"ab {' '.join(ab_args)} ({where}, load {os.getloadavg()[0]:.1f})")
            for name, label in (("ab", "real ab"), ("1", "ours, 1 process"), ("N", f"ours, {processes} processes")):
                cpu = statistics.median(cpu_us[name])
                print(f"  {label:<20} rps {[round(x) for x in figures[name]]}  client CPU {cpu:.1f} us/request")
            print(f"  ratio ours/ab: 1 process {one:.3f}, {processes} processes {many:.3f} (target >= {target})")
            cores = ratio(cpu_us["N"], cpu_us["ab"])
            print(
                f"  client CPU per request ours/ab: {ratio(cpu_us['1'], cpu_us['ab']):.2f} (1 process), "
                f"{cores:.2f} ({processes}): ours matches ab's rate given {cores:.1f}x ab's cores, server not the limit"
            )
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
