"""`scorebench run` end to end: the real command in a subprocess, against the stand-in, with the real engine.

Bad input needs nothing else; preflight cases need the stand-in; full runs use the ab engine, the
probe and the report stage too.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from scorebench.core.errors import HarnessError
from scorebench.core.records import read_samples
from scorebench.loadtests.outcomes import record_count
from tests.conftest import REPO_ROOT, TEST_KEY, cli_env, free_port, run_cli, self_signed_cert
from tests.records_view import merged_records
from tests.test_preflight import Endpoint, Handler, serve, serve_tls

ENGINE = "ab"
QUICK = ("--no-progress", "--label", "t", "--engine", ENGINE, "--slo", "error_rate<=100%")
"""A few requests cannot show error_rate<1% (the default SLO): these tests judge what they can."""


def one_line_error(done: subprocess.CompletedProcess[str], *, contains: str) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("scorebench: error:")]
    assert len(lines) == 1, done.stderr
    assert contains in lines[0]
    assert TEST_KEY not in done.stdout + done.stderr
    return lines[0]


def run_dirs(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir()) if out.exists() else []


@pytest.mark.parametrize(
    ("argv", "contains"),
    [
        (["--engine", "jmeter"], "--engine: unknown engine 'jmeter'"),
        (["--duration", "15 parsecs"], "--duration: '15 parsecs' is not a duration"),
        (["--endpoint", "127.0.0.1:5001/score"], "is not an http(s) URL"),
        (["--concurrency", "0"], "--concurrency: must be at least 1"),
        (["--telemetry", "carrier-pigeon"], "--telemetry: 'carrier-pigeon' is not none, local:DIR or appinsights"),
        (["--key", TEST_KEY], "the key is never a flag"),
        (["--key-file", "/nonexistent/key"], "key file /nonexistent/key does not exist"),
        (["--rate-stages", "10:fast"], "--rate-stages '10:fast': 'fast' is not a duration"),
        (["--rate-stages", "0:5s"], "the schedule sends no request"),
        (["--rate-stages", "10:5s", "--duration", "5s"], "--rate-stages: the stages set the run's rate and length"),
        (["--rate-stages", "10:5s", "--rate", "3"], "leave out --rate"),
        (["--rate-stages", "10:5s", "--engine", "locust"], "--rate-stages: applies to --engine ab only"),
        (["--until-decided", "--requests", "5"],
         "--until-decided is for a run until decided, --requests gives a fixed length: give one"),
        (["--duration", "5s", "--max-requests", "9"],
         "--max-requests is for a run until decided, --duration gives a fixed length: give one"),
        (["--max-duration", "0s"], "--max-duration: must be more than 0, got '0s'"),
        (["--max-duration", "soon"], "--max-duration: 'soon' is not a duration"),
        (["--max-requests", "0"], "--max-requests: must be at least 1, got 0"),
    ],
)  # fmt: skip
def test_bad_flags_exit_2_in_one_line(tmp_path: Path, argv: list[str], contains: str) -> None:
    one_line_error(run_cli("run", "--out", str(tmp_path), *QUICK, *argv, timeout=60), contains=contains)
    assert run_dirs(tmp_path) == []


def test_bad_payloads_exit_2_naming_file_and_position(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    one_line_error(run_cli("run", "--payloads", str(folder), *QUICK), contains="holds no .json or .jsonl")
    (folder / "a.json").write_text('{"data": [1,}', encoding="utf-8")
    one_line_error(
        run_cli("run", "--payloads", str(folder), *QUICK), contains=f"{folder / 'a.json'}:1:13: malformed JSON"
    )


@pytest.mark.parametrize(
    ("endpoint", "contains"),
    [
        ("http://127.0.0.1:{free_port}/score", "connection refused"),  # the port is picked when the test runs
        ("http://nonexistent.invalid/score", "does not resolve"),
    ],
)
def test_unreachable_endpoints_exit_2_and_leave_no_run(tmp_path: Path, endpoint: str, contains: str) -> None:
    endpoint = endpoint.format(free_port=free_port())
    done = run_cli("run", "--endpoint", endpoint, "--out", str(tmp_path), *QUICK, timeout=60)
    one_line_error(done, contains=contains)
    assert run_dirs(tmp_path) == []


def test_wrong_key_exits_2_naming_authentication(tmp_path: Path, standin: Any) -> None:
    env = cli_env(SCOREBENCH_KEY="not-the-right-key-at-all")
    done = run_cli("run", "--endpoint", standin.score_url, "--out", str(tmp_path), *QUICK, env=env)
    one_line_error(done, contains="authentication failed: the endpoint refused the key (HTTP 401)")
    assert "not-the-right-key-at-all" not in done.stderr
    assert run_dirs(tmp_path) == []


def test_payload_rejected_by_the_swagger_schema(tmp_path: Path, standin: Any) -> None:
    first = (REPO_ROOT / "payloads" / "bank_marketing" / "data.jsonl").read_text().splitlines()[0]
    record = json.loads(first)["data"][0]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"data": [{**record, "age": "old"}]}), encoding="utf-8")
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    out = tmp_path / "runs"
    done = run_cli("run", "--endpoint", standin.score_url, "--payloads", str(bad), "--out", str(out), *QUICK, env=env)
    one_line_error(done, contains='payloads: bad.json: record 0: field "age": expected integer, got "old"')
    assert run_dirs(out) == []


def finished_run(done: subprocess.CompletedProcess[str]) -> tuple[Path, dict[str, Any]]:
    lines = done.stdout.splitlines()
    run_dir = Path(next(line for line in lines if line.startswith("run directory: ")).split(": ", 1)[1])
    report = Path(next(line for line in lines if line.startswith("report: ")).split(": ", 1)[1])
    assert report.is_file()
    assert report.parent == run_dir
    return run_dir, merged_records(run_dir)


def assert_no_key_anywhere(run_dir: Path, done: subprocess.CompletedProcess[str], key: str) -> None:
    assert key not in done.stdout + done.stderr
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


def test_bare_run_starts_its_own_standin_and_reports(tmp_path: Path) -> None:
    done = run_cli(
        "run",
        "--duration",
        "3s",
        "--out",
        str(tmp_path),
        "--label",
        "demo",
        "--engine",
        ENGINE,
        "--slo",
        "error_rate<=100%",
        "--title",
        "Demo for the team",
        "--note",
        "The stand-in, three seconds.",
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "scorebench: note" not in done.stderr
    assert "warning" not in done.stderr
    run_dir, info = finished_run(done)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["title"], summary["note"]) == ("Demo for the team", "The stand-in, three seconds.")
    assert "<h1>Demo for the team</h1>" in (run_dir / "report.html").read_text()
    assert info["local_standin"] is True
    assert info["telemetry"].startswith("local:")
    assert [line for line in done.stdout.splitlines() if line.startswith("telemetry")] == [
        f"telemetry: {info['telemetry']} (the stand-in's own store)"
    ]
    assert info["partial"] is False
    assert info["load_ended_at"] > info["started_at"]
    assert len(info["payload_set_hash"]) == 64
    assert info["requests"] > 0
    assert (run_dir / "swagger.json").is_file()
    assert (run_dir / "telemetry.csv").is_file()
    assert "load " in done.stderr  # the progress line's final state


def test_run_against_an_endpoint_keeps_the_key_out_of_everything(tmp_path: Path, standin: Any) -> None:
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    argv = ("--endpoint", standin.score_url, "--requests", "30", "--concurrency", "2")  # no --telemetry: none
    done = run_cli("run", *argv, "--out", str(tmp_path), *QUICK, env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    run_dir, info = finished_run(done)
    (reading,) = [line for line in done.stdout.splitlines() if line.startswith("telemetry")]
    assert reading.startswith("telemetry: none: "), reading
    assert "--telemetry appinsights" in reading, reading
    assert info["load_profile"]["requests"] == 30
    assert info["load_profile"]["duration_s"] is None
    assert info["requests"] == 30
    assert_no_key_anywhere(run_dir, done, TEST_KEY)


def test_the_locust_engine_runs_in_its_own_processes(tmp_path: Path, standin: Any) -> None:
    """ENGINES["locust"], the one lazily imported stage: Locust runs beside `scorebench run`, never in it."""
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    argv = ("--endpoint", standin.score_url, "--engine", "locust", "--requests", "6", "--users", "2",
            "--spawn-rate", "2", "--telemetry", "none", "--no-progress", "--label", "t",
            "--slo", "error_rate<=100%")  # fmt: skip
    done = run_cli("run", *argv, "--out", str(tmp_path), env=env, timeout=240)
    assert done.returncode in (0, 3), done.stderr  # 6 requests may be too few to decide error_rate<1% (exit 3)
    run_dir, info = finished_run(done)
    assert (info["engine"], info["requests"], info["engine_info"]["engine"]) == ("locust", 6, "locust")
    assert list(run_dir.glob("samples-*.csv"))
    assert {sample.outcome for sample in read_samples(run_dir)} == {"ok"}
    assert_no_key_anywhere(run_dir, done, TEST_KEY)


def test_telemetry_failure_keeps_the_report_and_fails_only_when_required(tmp_path: Path, standin: Any) -> None:
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    no_sink = f"local:{tmp_path / 'no-sink'}"
    argv = ("--endpoint", standin.score_url, "--requests", "5", "--telemetry", no_sink, "--telemetry-wait", "1s")
    done = run_cli("run", *argv, "--out", str(tmp_path / "a"), *QUICK, env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "telemetry unavailable" in done.stderr
    _, info = finished_run(done)
    assert info["probe"]["error"]
    required = run_cli("run", *argv, "--telemetry-required", "--out", str(tmp_path / "b"), *QUICK, env=env, timeout=180)
    one_line_error(required, contains="telemetry required but unavailable")
    finished_run(required)  # the report was still written


def start_run(*argv: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scorebench", "run", *argv, *QUICK],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def wait_for_samples(out: Path, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None and not _has_samples(out):
        time.sleep(0.1)  # polling a condition, not synchronising on time
    assert _has_samples(out), "no samples appeared"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_load_keeps_samples_and_reports_partial(
    tmp_path: Path, standin: Any, signum: signal.Signals
) -> None:
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    process = start_run(
        "--endpoint", standin.score_url, "--duration", "120s", "--telemetry", "none", "--out", str(tmp_path), env=env
    )
    wait_for_samples(tmp_path, process)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=90)
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert done.returncode == 130, stderr
    run_dir, info = finished_run(done)
    assert info["partial"] is True
    assert signum.name in (info["partial_reason"] or "") or "interrupt" in (info["partial_reason"] or "")
    assert info["requests"] > 0
    assert_no_key_anywhere(run_dir, done, TEST_KEY)


def test_a_second_sigint_exits_at_once_leaving_the_samples(tmp_path: Path, standin: Any, standin_factory: Any) -> None:
    other = standin_factory(key=TEST_KEY)  # its telemetry never holds our ids: the probe waits
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    argv = ("--endpoint", standin.score_url, "--duration", "120s", "--telemetry", other.telemetry_spec)
    process = start_run(*argv, "--telemetry-wait", "120s", "--out", str(tmp_path), env=env)
    wait_for_samples(tmp_path, process)
    process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _probing(tmp_path):
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "SIGINT again: stopping now" in stderr
    assert "report: " not in stdout
    assert _has_samples(tmp_path)
    assert TEST_KEY not in stdout + stderr


def _probing(out: Path) -> bool:
    """load.json exists: the load is over and the probe is waiting."""
    return any((d / "load.json").exists() for d in run_dirs(out))


def _has_samples(out: Path) -> bool:
    return any(
        path.read_text(encoding="utf-8").count("\n") > 1  # a header and a row (read_text closes the file)
        for run_dir in run_dirs(out)
        for path in run_dir.glob("samples*.csv")
    )


def test_unknown_baseline_is_exit_2_before_any_load(tmp_path: Path) -> None:
    env = cli_env(SCOREBENCH_BASELINES_DIR=str(tmp_path / "baselines"))
    done = run_cli("run", "--baseline", "never-saved", "--out", str(tmp_path / "runs"), *QUICK, env=env, timeout=60)
    one_line_error(done, contains="baseline 'never-saved' not found")
    assert run_dirs(tmp_path / "runs") == []
    assert "starting the local stand-in" not in done.stderr


def test_a_bad_threshold_is_exit_2_before_any_load(tmp_path: Path) -> None:
    done = run_cli("run", "--threshold", "p95:+ten%", "--out", str(tmp_path), *QUICK, timeout=60)
    one_line_error(done, contains="p95:+ten%")
    assert run_dirs(tmp_path) == []


def test_self_signed_tls_is_exit_2_pointing_at_insecure(tmp_path: Path) -> None:
    running = serve(serve_tls(Endpoint(), self_signed_cert(tmp_path)))
    server = next(running)
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    try:
        done = run_cli(
            "run", "--endpoint", server.score_url, "--out", str(tmp_path / "runs"), *QUICK, env=env, timeout=60
        )
    finally:
        next(running, None)
    one_line_error(done, contains="TLS verification failed")
    assert "--insecure" in done.stderr
    assert run_dirs(tmp_path / "runs") == []


SLOW_ANSWER_S = 0.2


class HalfFailingHandler(Handler):
    """After the warm-up (answered at once), every other POST is an instant HTTP 500 and the rest a
    prediction after SLOW_ANSWER_S: a service whose fast failures would make it look faster."""

    server: HalfFailing

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.counting:
            self.server.posts += 1
            number = self.server.posts
        if number > 1 and number % 2 == 0:
            self.reply(500, b'{"error": "boom"}')
            return
        if number > 1:
            time.sleep(SLOW_ANSWER_S)  # the service's own latency, not synchronisation
        self.reply(200, json.dumps({"result": ["no"] * (record_count(body) or 1)}).encode())  # one per record


class HalfFailing(Endpoint):
    def __init__(self) -> None:
        super().__init__()
        self.RequestHandlerClass = HalfFailingHandler
        self.counting = threading.Lock()


@pytest.mark.parametrize(
    "engine_flags",
    [("--engine", "ab", "--concurrency", "4"), ("--engine", "locust", "--users", "4", "--spawn-rate", "4")],
    ids=["ab", "locust"],
)
def test_latency_is_judged_on_successful_answers_only(tmp_path: Path, engine_flags: tuple[str, ...]) -> None:
    """Half the answers an instant 500: the p50 printed, stored and checked is the 200 ms answers'."""
    running = serve(HalfFailing())
    server = next(running)
    try:
        entry_point = str(Path(sys.executable).with_name("scorebench"))
        argv = ("run", "--endpoint", server.score_url, *engine_flags, "--requests", "60", "--telemetry", "none",
                "--no-progress", "--label", "half-failing", "--slo", "p50<1000ms", "--slo", "error_rate<=100%",
                "--out", str(tmp_path))  # fmt: skip
        done = subprocess.run([entry_point, *argv], capture_output=True, text=True, timeout=240,
                              env=cli_env(SCOREBENCH_KEY=TEST_KEY), cwd=REPO_ROOT, check=False)  # fmt: skip
    finally:
        next(running, None)
    assert done.returncode == 0, done.stdout + done.stderr
    run_dir, _ = finished_run(done)
    summary = json.loads((run_dir / "summary.json").read_text())
    assert (summary["count"], summary["ok"], summary["outcomes"]["http_5xx"]) == (60, 30, 30)
    assert summary["latency_ms"]["p50"] >= SLOW_ANSWER_S * 1000
    assert summary["failed_latency_ms"]["p50"] < SLOW_ANSWER_S * 1000
    check = next(c for c in summary["checks"] if c["name"] == "p50<1000ms")
    assert (check["status"], check["value"] >= SLOW_ANSWER_S * 1000) == ("PASS", True)
    printed = next(line for line in done.stdout.splitlines() if line.startswith("PASS slo p50<1000ms: "))
    assert float(printed.split(": ")[1].split(" ms")[0]) >= SLOW_ANSWER_S * 1000
    print(printed, "| failed requests' p50:", summary["failed_latency_ms"]["p50"], "ms")


def test_a_baseline_of_another_load_profile_is_exit_3_before_the_first_request(tmp_path: Path) -> None:
    from tests.faults.recording_server import RecordingServer

    store = tmp_path / "baselines"
    saved = run_cli("baseline", "save", str(REPO_ROOT / "tests/data/fixture_runs/small"), "--name", "small",
                    env=cli_env(SCOREBENCH_BASELINES_DIR=str(store)))  # fmt: skip
    assert saved.returncode == 0, saved.stderr  # concurrency 4 for 30 s
    env = cli_env(SCOREBENCH_BASELINES_DIR=str(store))
    with RecordingServer() as server:
        done = run_cli("run", "--endpoint", server.score_url, "--baseline", "small", "--concurrency", "8",
                       "--duration", "30s", "--out", str(tmp_path / "runs"), *QUICK, env=env, timeout=60)  # fmt: skip
        posts = [seen for seen in server.seen if seen.method == "POST"]
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "INCONCLUSIVE baseline small: not comparable: load profile differs (concurrency 8 vs 4); nothing was sent",
        "verdict: INCONCLUSIVE (exit 3)",
    ]
    assert posts == []
    assert run_dirs(tmp_path / "runs") == []


def test_rate_stages_send_the_ramping_schedule_and_record_it(tmp_path: Path, standin: Any) -> None:
    from scorebench.core.ratestages import parse_rate_stages

    stages = "=5:1s,10:1s"  # 5 arrivals at 5/s, then 7.5 more while the rate climbs to 10/s
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    argv = ("--endpoint", standin.score_url, "--rate-stages", stages, "--concurrency", "4", "--processes", "2")
    done = run_cli("run", *argv, "--out", str(tmp_path), *QUICK, env=env, timeout=180)
    assert done.returncode in (0, 3), done.stdout + done.stderr
    run_dir, info = finished_run(done)
    assert info["load_profile"]["rate_stages"] == stages
    assert info["load_profile"]["duration_s"] == 2.0
    assert info["load_profile"]["requests"] is None
    assert "offered rate (rps)" in (run_dir / "report.html").read_text()  # the ramp beside latency and rps
    schedule = parse_rate_stages(stages)
    due = [schedule.arrival_s(k) for k in range(schedule.count)]
    samples = read_samples(run_dir)
    assert 0 < len(samples) <= schedule.count
    workers = sorted({s.worker for s in samples})
    assert workers == ["ab-0", "ab-1"]
    for index, worker in enumerate(workers):  # process i sends arrivals i, i + 2, ... from its own start
        starts = sorted(utc_seconds(s.started_at) for s in samples if s.worker == worker)
        offsets = [start - starts[0] for start in starts]  # the open model records each intended start
        mine = due[index::2]
        assert offsets == pytest.approx([t - mine[0] for t in mine[: len(offsets)]], abs=0.002)


def utc_seconds(text: str) -> float:
    from scorebench.core.records import parse_utc

    return parse_utc(text).timestamp()


@pytest.mark.parametrize("engine", ["ab", "locust"])
def test_a_weighted_payload_mix_is_what_both_engines_send(tmp_path: Path, standin: Any, engine: str) -> None:
    from collections import Counter

    from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads

    bodies = [p.body.decode() for p in load_payloads(DEFAULT_PAYLOADS)[:3]]
    (tmp_path / "a.jsonl").write_text("\n".join(bodies[:2]) + "\n")
    (tmp_path / "b.jsonl").write_text(bodies[2] + "\n")
    env = cli_env(SCOREBENCH_KEY=TEST_KEY)
    mix = ("--payloads", f"{tmp_path}/a.jsonl:3", "--payloads", f"{tmp_path}/b.jsonl:1")
    argv = ("--endpoint", standin.score_url, "--requests", "40", *mix, "--out", str(tmp_path / "runs"), *QUICK)
    argv = (*argv, "--engine", engine)
    done = run_cli("run", *argv, *(("--processes", "1") if engine == "ab" else ()), env=env, timeout=240)
    assert done.returncode in (0, 3), done.stdout + done.stderr
    run_dir, info = finished_run(done)
    sent = Counter(s.payload_id.split(":")[0] for s in read_samples(run_dir))
    assert sent == {"a.jsonl": 30, "b.jsonl": 10}  # 3 : 1, in every stretch of 4
    assert info["payloads"]["mix"] == [
        {"path": f"{tmp_path}/a.jsonl", "weight": 3, "count": 2},
        {"path": f"{tmp_path}/b.jsonl", "weight": 1, "count": 1},
    ]
    assert info["payloads"]["count"] == 8


@pytest.mark.parametrize(
    ("argv", "environ", "toml", "length"),
    [
        ((), {}, {}, (600.0, 1_000_000, True)),  # nothing given: until decided, the default budget
        (("--requests", "50"), {}, {}, (None, 50, False)),
        (("--duration", "15s"), {"SCOREBENCH_MAX_DURATION": "90s"}, {}, (15.0, None, False)),  # the flag wins
        (("--until-decided",), {}, {"duration": "60s"}, (600.0, 1_000_000, True)),  # the flag wins
        ((), {"SCOREBENCH_MAX_DURATION": "90s"}, {"requests": 5}, (90.0, 1_000_000, True)),  # the variable wins
        ((), {}, {"duration": "60s"}, (60.0, None, False)),
    ],
)
def test_a_fixed_length_or_until_decided_the_stronger_setting_wins(
    argv: tuple[str, ...], environ: dict[str, str], toml: dict[str, object], length: tuple[object, ...]
) -> None:
    import argparse

    from scorebench import config
    from scorebench.commands import run as run_command

    parser = argparse.ArgumentParser()
    run_command.add_arguments(parser)
    args = config.resolve(parser.parse_args(list(argv)), environ=environ, toml=toml)
    duration_s, requests, budget = run_command.load_length(args)
    assert (duration_s, requests, budget is not None) == length


def test_a_fixed_length_and_a_budget_from_one_place_are_refused() -> None:
    import argparse

    from scorebench import config
    from scorebench.commands import run as run_command

    parser = argparse.ArgumentParser()
    run_command.add_arguments(parser)
    args = config.resolve(parser.parse_args([]), environ={}, toml={"duration": "60s", "max-requests": 9})
    with pytest.raises(HarnessError, match=r"^scorebench.toml max-requests is for a run until decided, "
                                           r"scorebench.toml duration gives a fixed length: give one$"):  # fmt: skip
        run_command.load_length(args)
