"""Benchmark: what the scorebench Locust scenario (with its sample listener) costs against a bare FastHttpUser.

Run: `python tests/benchmarks/bench_locust_overhead.py [--seconds 15] [--rounds 2] [--users 10]`.
Against a loopback nginx (one worker answering a prediction for each of the 8 records of a default body),
alternates three variants with identical Locust settings (one process, N users, no wait):

    bare       a FastHttpUser POSTing the same body (no tagging, no classification, no samples)
    scenario   loadtests/locustfile.py without SCOREBENCH_RUN_DIR (tagging + classification only)
    samples    loadtests/locustfile.py writing one sample per request (the full scenario)

and prints each variant's requests/s (Locust's own request count over its request span) and the
overhead of `samples` against `bare`. Target: <= 10 %. Not collected by pytest (bench_ prefix).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BODY = (REPO_ROOT / "payloads" / "bank_marketing" / "data.jsonl").read_text().splitlines()[0]  # the first body
NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp};
    server {{
        listen 127.0.0.1:{port};
        location /score {{ default_type application/json; return 200 '{answer}'; }}
    }}
}}
"""
BARE = """
import json
from locust import FastHttpUser, constant, task
BODY = json.dumps(json.loads(open({body!r}).readline()), separators=(",", ":")).encode()
class Bare(FastHttpUser):
    wait_time = constant(0)
    @task
    def score(self):
        self.client.post("/score", data=BODY, headers={{"Content-Type": "application/json"}}, name="score")
"""
CPU_PROBE = """
import json, os, time
from locust import events
MARKS = {{}}
events.test_start.add_listener(lambda **_kw: MARKS.update(start=time.process_time()))
@events.test_stop.add_listener
def _stop(**_kw):
    with open({path!r}, "w") as handle:
        json.dump({{"cpu_s": time.process_time() - MARKS.get("start", 0.0)}}, handle)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_nginx(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    conf = tmp / "nginx.conf"
    answer = json.dumps({"result": ["no"] * 8}, separators=(",", ":"))  # one prediction per record of a body
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, answer=answer))
    nginx = subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-p", str(tmp)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return nginx, port
        time.sleep(0.05)
    nginx.kill()
    raise SystemExit("nginx did not start")


def run_variant(
    locustfile: Path, port: int, users: int, seconds: int, tmp: Path, run_dir: Path | None
) -> tuple[float, float]:
    """(requests per second, CPU microseconds per request) of one Locust run (CPU from test start to stop)."""
    stats = tmp / "stats.json"
    env = {"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"}
    if run_dir is not None:
        shutil.rmtree(run_dir, ignore_errors=True)
        env["SCOREBENCH_RUN_DIR"] = str(run_dir)
    probe = tmp / "cpu_probe.py"
    probe.write_text(CPU_PROBE.format(path=str(tmp / "cpu.json")))
    host = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "locust", "-f", f"{locustfile},{probe}", "--headless", "--host", host,
               "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--only-summary",
               "--json-file", str(stats.with_suffix(""))]  # fmt: skip
    subprocess.run(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds + 60, check=False
    )
    (entry,) = json.loads(stats.read_text())
    span_s = entry["last_request_timestamp"] - entry["start_time"]
    if run_dir is not None:
        rows = sum(sum(1 for _ in p.open()) - 1 for p in run_dir.glob("samples-*.csv"))
        assert rows == entry["num_requests"], (rows, entry["num_requests"])
    cpu_us = json.loads((tmp / "cpu.json").read_text())["cpu_s"] * 1e6 / entry["num_requests"]
    return float(entry["num_requests"] / span_s), cpu_us


def listener_cost_us(folder: Path, count: int = 100_000) -> float:
    """CPU µs per request of the sample listener's own work (build a Sample, format, buffer), in isolation."""
    sys.path.insert(0, str(REPO_ROOT))
    from scorebench.core.records import Sample
    from scorebench.loadtests.samples import SampleWriter, utc_from_epoch_fast

    info = {"id": "ab" * 16, "payload_id": "data.json", "bytes_sent": 732, "lag_s": 0.0, "status": 200,
            "outcome": "ok", "server_fn_ms": 1.5}  # fmt: skip
    with SampleWriter(folder / "listener.csv") as writer:
        started_s = time.process_time()
        for _ in range(count):
            lag_s = info["lag_s"]
            writer.write(
                Sample(info["id"], utc_from_epoch_fast(time.time() - lag_s), 3.2 + lag_s * 1000.0, info["status"],
                       info["outcome"], info["server_fn_ms"], info["bytes_sent"], 17, info["payload_id"], "host-1")
            )  # fmt: skip
            writer.flush_if_due()
        return (time.process_time() - started_s) * 1e6 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--users", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-locust-") as name:
        tmp = Path(name)
        bare = tmp / "bare_locustfile.py"
        bare.write_text(BARE.format(body=str(REPO_ROOT / "payloads" / "bank_marketing" / "data.jsonl")))
        scenario = REPO_ROOT / "loadtests" / "locustfile.py"
        nginx, port = start_nginx(tmp)
        rates: dict[str, list[float]] = {"bare": [], "scenario": [], "samples": []}
        cpu: dict[str, list[float]] = {"bare": [], "scenario": [], "samples": []}
        try:
            for round_index in range(args.rounds):
                for variant, locustfile, run_dir in (
                    ("bare", bare, None),
                    ("scenario", scenario, None),
                    ("samples", scenario, tmp / "run"),
                ):
                    rate, cpu_us = run_variant(locustfile, port, args.users, args.seconds, tmp, run_dir)
                    rates[variant].append(rate)
                    cpu[variant].append(cpu_us)
                    print(
                        f"round {round_index + 1} {variant:9s} {rate:9.1f} req/s {cpu_us:7.1f} CPU µs/req", flush=True
                    )
        finally:
            nginx.terminate()
            nginx.wait()
    medians = {variant: statistics.median(values) for variant, values in rates.items()}
    for variant, value in medians.items():
        print(f"median {variant:9s} {value:9.1f} req/s  ({(1 - value / medians['bare']) * 100:+.1f}% overhead vs bare)")
    listener = (1 - medians["samples"] / medians["scenario"]) * 100
    print(f"sample listener alone: {listener:+.1f}% (samples vs scenario)")
    total = (1 - medians["samples"] / medians["bare"]) * 100
    print(f"full scenario with samples vs bare FastHttpUser: {total:.1f}% overhead in req/s (target <= 10%)")
    cpu_medians = {variant: statistics.median(values) for variant, values in cpu.items()}
    for variant, value in cpu_medians.items():
        print(f"median {variant:9s} {value:7.1f} CPU µs/req ({(value / cpu_medians['bare'] - 1) * 100:+.1f}% vs bare)")
    listener_us = listener_cost_us(Path(tempfile.mkdtemp(prefix="bench-listener-")))
    share = listener_us / cpu_medians["bare"] * 100
    print(f"sample listener in isolation: {listener_us:.1f} CPU µs/req = {share:.1f}% of a bare request's CPU")
    cost = cpu_medians["samples"] / cpu_medians["bare"] - 1
    print(
        f"full scenario with samples vs bare: {cost * 100:.1f}% more CPU per request"
        f" (= {1 - 1 / (1 + cost):.1%} fewer req/s on a saturated core)"
    )


if __name__ == "__main__":
    main()
