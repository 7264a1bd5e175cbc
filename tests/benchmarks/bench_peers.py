"""Benchmark: the load generators ranked by client CPU per request, on one loopback nginx, in one run.

    python tests/benchmarks/bench_peers.py [--seconds 4] [--rounds 2] [--connections 10] [--processes N]

Peers, each with keep-alive and with a new connection per request, all POSTing the default payload
set's first body (8 records) to one one-worker nginx that answers 8 predictions:

    ab                 C ab (apache2-utils)
    wrk                Debian's wrk, one thread, a Lua script for the POST
    locust             a bare Locust FastHttpUser (no tagging, no classification, no samples)
    scorebench ab      ours, --processes 1 and --processes N, and --processes 1 with --run-dir
                       (one sample per request streamed to disk, every answer checked: what
                       `scorebench run --engine ab` does)

Requests/s on a 2-core machine cannot say who is faster (nginx needs one of the cores); CPU per request
can. A tool's CPU is the user + system time of all its processes (RUSAGE_CHILDREN), and its CPU per
request is the difference between a long and a short run of the same tool divided by the difference
in requests answered: start-up (Python's imports, Locust's runner) and teardown cancel out. Each
figure is the median over the rounds, the tools alternating within a round; ratios are against C ab
in the same connection mode. Not collected by pytest; the ratios, not the absolute figures, compare
across machines. A peer that is not installed is listed as such.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.loadtests.ab.nginx_server import Nginx, nginx_available  # noqa: E402

BODY_FILE = ROOT / "payloads" / "bank_marketing" / "data.jsonl"
ANSWER = json.dumps({"result": ["no"] * 8}, separators=(",", ":"))
"""What nginx answers: a prediction for each of the 8 records."""
LOCUSTFILE = """
from locust import FastHttpUser, constant, task
BODY = open({body!r}, "rb").read()
HEADERS = {headers!r}
class Bare(FastHttpUser):
    wait_time = constant(0)
    @task
    def score(self):
        self.client.post("/score", data=BODY, headers=HEADERS, name="score")
"""
WRK_LUA = """
wrk.method = "POST"
wrk.body = io.open({body!r}, "rb"):read("*a")
wrk.headers["Content-Type"] = "application/json"
{close}
"""


@dataclasses.dataclass(frozen=True)
class Measure:
    """One run of a tool: requests answered, its wall-clock rate, the CPU seconds it used."""

    requests: int
    rps: float
    cpu_s: float


@dataclasses.dataclass(frozen=True)
class Peer:
    """A load generator; `run(keepalive, size)` runs it once (size: requests, or seconds for timed tools)."""

    name: str
    available: bool
    timed: bool
    """Bounded by seconds (wrk, Locust) rather than by a request count (ab, ours)."""
    run: Callable[[bool, float], Measure]


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measured(
    command: list[str], parse: Callable[[str], tuple[int, float]], env: dict[str, str] | None = None
) -> Measure:
    before = _children_cpu_s()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False)
    cpu_s = _children_cpu_s() - before
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} exited {done.returncode}: {done.stderr[-400:]}")
    requests, rate = parse(done.stdout)
    return Measure(requests, rate, cpu_s)


def _ab_output(text: str) -> tuple[int, float]:
    complete = re.search(r"Complete requests:\s+(\d+)", text)
    failed = re.search(r"Failed requests:\s+(\d+)", text)
    rate = re.search(r"Requests per second:\s+([0-9.]+)", text)
    if not (complete and failed and rate):
        raise RuntimeError(f"not an ab report: {text[-300:]}")
    if int(failed.group(1)):
        raise RuntimeError(f"{failed.group(1)} failed requests: the comparison would be unfair")
    return int(complete.group(1)), float(rate.group(1))


def _wrk_output(text: str) -> tuple[int, float]:
    count, rate = re.search(r"(\d+) requests in", text), re.search(r"Requests/sec:\s+([0-9.]+)", text)
    if not (count and rate) or "Non-2xx" in text or "Socket errors" in text:
        raise RuntimeError(f"wrk: errors or no report: {text[-300:]}")
    return int(count.group(1)), float(rate.group(1))


def peers(url: str, body: Path, work: Path, connections: int, processes: int) -> list[Peer]:
    """The peers against `url`, each with its run function."""
    post = ["-p", str(body), "-T", "application/json", "-c", str(connections)]

    def ab_like(program: list[str], run_dir: bool = False) -> Callable[[bool, float], Measure]:
        def run(keepalive: bool, size: float) -> Measure:
            samples = ["--run-dir", tempfile.mkdtemp(dir=work)] if run_dir else []
            command = [*program, "-q", *(["-k"] if keepalive else []), "-n", str(int(size)), *samples, *post, url]
            return _measured(command, _ab_output)

        return run

    def wrk(keepalive: bool, size: float) -> Measure:
        script = work / f"post-{keepalive}.lua"
        close = "" if keepalive else 'wrk.headers["Connection"] = "close"'
        script.write_text(WRK_LUA.format(body=str(body), close=close))
        command = ["wrk", "-t1", f"-c{connections}", f"-d{size:g}s", "-s", str(script), url]
        return _measured(command, _wrk_output)

    def locust(keepalive: bool, size: float) -> Measure:
        headers = {"Content-Type": "application/json", **({} if keepalive else {"Connection": "close"})}
        locustfile = work / f"bare_{keepalive}.py"
        locustfile.write_text(LOCUSTFILE.format(body=str(body), headers=headers))
        stats = work / "stats"
        command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "--host", url.rsplit("/", 1)[0],
                   "-u", str(connections), "-r", str(connections * 10), "-t", f"{size:g}s", "--only-summary",
                   "--json-file", str(stats), "--loglevel", "ERROR"]  # fmt: skip

        def parse(_: str) -> tuple[int, float]:
            entries = json.loads(stats.with_suffix(".json").read_text())
            if not entries:
                raise RuntimeError("locust sent no request (its start-up outlasted the run: a busy machine?)")
            (entry,) = entries
            if entry["num_failures"]:
                raise RuntimeError(f"locust: {entry['num_failures']} failures")
            span_s = entry["last_request_timestamp"] - entry["start_time"]
            return int(entry["num_requests"]), entry["num_requests"] / span_s

        return _measured(command, parse, env={**os.environ, "PYTHONPATH": str(ROOT)})

    ours = [sys.executable, "-m", "scorebench", "ab"]
    return [
        Peer("ab (C)", shutil.which("ab") is not None, False, ab_like(["ab"])),
        Peer("wrk", shutil.which("wrk") is not None, True, wrk),
        Peer("locust FastHttpUser", True, True, locust),
        Peer("scorebench ab, 1 process", True, False, ab_like([*ours, "--processes", "1"])),
        Peer(f"scorebench ab, {processes} processes", True, False, ab_like([*ours, "--processes", str(processes)])),
        Peer("scorebench ab, 1, samples", True, False, ab_like([*ours, "--processes", "1"], run_dir=True)),
    ]


def per_request_us(peer: Peer, keepalive: bool, seconds: float) -> tuple[float, float]:
    """(CPU µs per request, requests/s) of the long run: a short and a long run's differences."""
    if peer.timed:
        short, long = peer.run(keepalive, 2.0), peer.run(keepalive, 2.0 + seconds)
    else:
        short = peer.run(keepalive, 2000 if keepalive else 500)
        long = peer.run(keepalive, short.requests + max(short.rps * seconds, 1000))
    extra = long.requests - short.requests
    return max(long.cpu_s - short.cpu_s, 0.0) / max(extra, 1) * 1e6, long.rps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=4.0, help="how much longer the long run is than the short")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--processes", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    if not nginx_available():
        print("nginx not installed: skipped")
        return 0
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; {args.connections} connections")
    with tempfile.TemporaryDirectory(prefix="bench-peers-") as name, Nginx(body=ANSWER) as server:
        work = Path(name)
        body = work / "body.json"
        body.write_text(BODY_FILE.read_text().splitlines()[0])
        found = peers(server.url("/score"), body, work, args.connections, args.processes)
        cpu: dict[tuple[str, bool], list[float]] = {}
        rate: dict[tuple[str, bool], list[float]] = {}
        for _ in range(args.rounds):
            for keepalive in (True, False):
                for peer in (p for p in found if p.available):
                    us, rps = per_request_us(peer, keepalive, args.seconds)
                    cpu.setdefault((peer.name, keepalive), []).append(us)
                    rate.setdefault((peer.name, keepalive), []).append(rps)
    print(f"\n{'peer':<28} {'connections':<12} {'req/s':>8} {'CPU µs/req':>11} {'x ab':>6}")
    for keepalive in (True, False):
        mode = "keep-alive" if keepalive else "new each"
        reference = statistics.median(cpu.get(("ab (C)", keepalive), [float("nan")]))
        for peer in found:
            if not peer.available:
                print(f"{peer.name:<28} {mode:<12} {'not installed':>27}")
                continue
            us = statistics.median(cpu[(peer.name, keepalive)])
            rps = statistics.median(rate[(peer.name, keepalive)])
            print(f"{peer.name:<28} {mode:<12} {rps:>8.0f} {us:>11.1f} {us / reference:>6.2f}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
