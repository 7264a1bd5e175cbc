"""scorebench's Locust scenario: replay payloads against a scoring endpoint, one sample per request.

Run it as `locust -f loadtests/locustfile.py --host URL` (see docs/locust.md); everything else comes
from SCOREBENCH_* environment variables, read once at import:

    SCOREBENCH_KEY          endpoint key, sent as `Authorization: Bearer` (never printed or written)
    SCOREBENCH_PAYLOADS     payload file or folder (default: the bundled payloads/bank_marketing)
    SCOREBENCH_SCORE_PATH   scoring path (default: the --host URL's path, else /score)
    SCOREBENCH_TIMEOUT_S    client timeout per request (default 60, the scoring timeout)
    SCOREBENCH_RUN_DIR      where samples-<worker>.csv goes (unset: no samples)
    SCOREBENCH_RATE         open-model arrival rate in requests/s over all users (paced per user)
    SCOREBENCH_USERS        total users (for --rate and shapes; default Locust's -u)
    SCOREBENCH_SHAPE        steady | ramp | step | spike | soak (loadtests/shapes.py for parameters)
    SCOREBENCH_REQUESTS     stop this process after this many requests
    SCOREBENCH_HEADERS      extra request headers as a JSON object
    SCOREBENCH_INSECURE     1 to skip TLS verification

Rules: Locust is imported first (gevent patches ssl); the scorebench package is used when it is
importable (checkout or install), else the file runs on its own with outcomes.py and shapes.py
beside it (Azure Load Testing upload) and an inline payload loader, and writes no samples. A
Locust master runs no users and writes no samples; each process with users writes its own part.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent

import itertools  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, LoadTestShape, constant, events, task  # noqa: E402
from locust.contrib.fasthttp import LocustBadStatusCode  # noqa: E402
from locust.exception import StopUser  # noqa: E402
from locust.runners import MasterRunner  # noqa: E402

try:
    from scorebench.loadtests import outcomes, shapes
except ImportError:  # uploaded flat, next to outcomes.py and shapes.py
    import outcomes  # type: ignore[no-redef]
    import shapes  # type: ignore[no-redef]

try:
    from scorebench.core.records import Sample
    from scorebench.core.saturation import INTERVAL_S
    from scorebench.loadtests.samples import SampleWriter, utc_from_epoch_fast
    from scorebench.loadtests.watch import SelfWatch
    from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads

    HAVE_SCOREBENCH = True
except ImportError:
    HAVE_SCOREBENCH = False

SCENARIO_NAME = "score"
FLUSH_EVERY_S = 0.5
ENV = os.environ


def _fail(message: str) -> None:
    sys.stderr.write(f"scorebench locustfile: {message}\n")
    raise SystemExit(2)


def _float_env(name: str, default: float | None) -> float | None:
    try:
        return shapes.env_number(ENV, name, default)
    except ValueError as exc:
        _fail(str(exc))
    return None


# ---- payloads -------------------------------------------------------------------------------


def _inline_payloads(root: Path) -> list[tuple[str, bytes]]:
    """Minimal loader for a flat upload: .json files (one body) and .jsonl files (one per line)."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in (".json", ".jsonl"))
    found: list[tuple[str, bytes]] = []
    for file in files:
        name = file.name if file == root else file.relative_to(root).as_posix()
        text = file.read_text(encoding="utf-8")
        docs = (
            [(f"{name}:{n}", line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
            if file.suffix == ".jsonl"
            else [(name, text)]
        )
        found += [
            (pid, json.dumps(json.loads(doc), separators=(",", ":"), ensure_ascii=False).encode()) for pid, doc in docs
        ]
    return found


def _load_payloads() -> list[tuple[str, bytes]]:
    """(payload_id, body) pairs: an engine manifest, SCOREBENCH_PAYLOADS, or the bundled default."""
    manifest = ENV.get("SCOREBENCH_PAYLOAD_MANIFEST")
    if manifest:
        return [(item["payload_id"], item["body"].encode("utf-8")) for item in json.loads(Path(manifest).read_text())]
    configured = ENV.get("SCOREBENCH_PAYLOADS")
    if HAVE_SCOREBENCH:
        try:
            return [(p.payload_id, p.body) for p in load_payloads(configured or DEFAULT_PAYLOADS)]
        except Exception as exc:  # HarnessError: one line, no traceback
            _fail(str(exc))
    path = Path(configured) if configured else _HERE / "payloads"
    if not path.is_absolute() and not path.exists():
        path = _HERE / path
    if not path.exists():
        _fail(f"payloads: {path} does not exist (set SCOREBENCH_PAYLOADS)")
    return _inline_payloads(path)


PAYLOADS = _load_payloads()
if not PAYLOADS:
    _fail("payloads: no request bodies found")
_ROTATION = itertools.cycle(PAYLOADS)

# ---- configuration --------------------------------------------------------------------------

KEY = ENV.get("SCOREBENCH_KEY", "").strip() or None
TIMEOUT_S = _float_env("SCOREBENCH_TIMEOUT_S", 60.0) or 60.0
RATE_RPS = _float_env("SCOREBENCH_RATE", None)
REQUEST_CAP = int(_float_env("SCOREBENCH_REQUESTS", 0) or 0)
try:
    EXTRA_HEADERS: dict[str, str] = json.loads(ENV.get("SCOREBENCH_HEADERS") or "{}")
except ValueError:
    _fail("SCOREBENCH_HEADERS is not a JSON object")
BASE_HEADERS = {"Content-Type": "application/json", **EXTRA_HEADERS}
if KEY:
    BASE_HEADERS["Authorization"] = f"Bearer {KEY}"
WORKER = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{socket.gethostname()}-{os.getpid()}")
try:
    _SHAPE_CHECK = shapes.spec_from_env(ENV)
except ValueError as exc:
    _fail(str(exc))


def score_url(host: str) -> str:
    """The absolute scoring URL: host root + SCOREBENCH_SCORE_PATH, else the host's own path, else /score."""
    parts = urlsplit(host)
    path = ENV.get("SCOREBENCH_SCORE_PATH") or (parts.path if parts.path not in ("", "/") else "/score")
    query = f"?{parts.query}" if parts.query and not ENV.get("SCOREBENCH_SCORE_PATH") else ""
    return f"{parts.scheme}://{parts.netloc}/{path.lstrip('/')}{query}"


# ---- per-process state: the sample writer and the request budget ----------------------------


class _State:
    writer: Any = None
    watch: Any = None
    sent = 0
    finished = 0
    runner: Any = None


STATE = _State()


def _on_init(environment: Any, runner: Any = None, **_kw: Any) -> None:
    STATE.runner = runner
    run_dir = ENV.get("SCOREBENCH_RUN_DIR")
    if not run_dir or isinstance(runner, MasterRunner):
        return
    if not HAVE_SCOREBENCH:
        _fail("SCOREBENCH_RUN_DIR needs the scorebench package (samples are written with its SampleWriter)")
    STATE.writer = SampleWriter(Path(run_dir) / f"samples-{WORKER}.csv")
    STATE.writer.flush()  # the header reaches the file at once: readers never see an empty part
    gevent.spawn(_flush_forever)
    STATE.watch = SelfWatch(Path(run_dir), WORKER)
    gevent.spawn(_watch_forever)


def _watch_forever() -> None:
    """The saturation guard of this worker: a reading a second; a late wake-up is this worker's lag."""
    while STATE.watch is not None:
        due = time.monotonic() + INTERVAL_S
        gevent.sleep(INTERVAL_S)
        if STATE.watch is not None:
            STATE.watch.tick(max(0.0, time.monotonic() - due) * 1000.0)


def _flush_forever() -> None:
    while STATE.writer is not None:
        gevent.sleep(FLUSH_EVERY_S)
        if STATE.writer is not None:
            STATE.writer.flush()


def _on_quitting(**_kw: Any) -> None:
    watch, STATE.watch = STATE.watch, None
    if watch is not None:
        watch.close()
    writer, STATE.writer = STATE.writer, None
    if writer is not None:
        writer.close()


def _on_request(
    context: dict[str, Any] | None,
    response_time: float,
    response_length: int,
    start_time: float | None = None,
    **_kw: Any,
) -> None:
    info = context.get("scorebench") if context else None
    if info is None:
        return
    STATE.finished += 1
    writer = STATE.writer
    if writer is not None:
        lag_s = info["lag_s"]
        writer.write(
            Sample(
                client_request_id=info["id"],
                started_at=utc_from_epoch_fast((start_time or time.time()) - lag_s),
                latency_ms=response_time + lag_s * 1000.0,
                status=info["status"],
                outcome=info["outcome"],
                server_fn_ms=info["server_fn_ms"],
                bytes_sent=info["bytes_sent"],
                bytes_received=response_length or 0,
                payload_id=info["payload_id"],
                worker=WORKER,
            )
        )
        writer.flush_if_due()
    if REQUEST_CAP and STATE.finished == REQUEST_CAP and STATE.runner is not None:  # once
        gevent.spawn(STATE.runner.quit)


for _hook, _listener in ((events.init, _on_init), (events.quitting, _on_quitting), (events.request, _on_request)):
    _hook.add_listener(_listener)  # type: ignore[no-untyped-call]


# ---- the user -------------------------------------------------------------------------------


def _classify(response: Any) -> tuple[int, str, float | None]:
    """(status, outcome, server_fn_ms) of a finished FastHttpSession response."""
    status = int(response.status_code or 0)
    error = response.request_meta.get("exception")
    if status == 0 or (error is not None and not isinstance(error, LocustBadStatusCode)):
        return status, outcomes.classify_exception(getattr(response, "error", None) or error), None
    headers = response.headers if response.headers is not None else {}
    body = response.content if 200 <= status < 300 else None
    outcome = outcomes.classify_response(status, headers.get(outcomes.RUN_FAILED_HEADER), body)
    return status, outcome, outcomes.server_fn_ms(headers.get(outcomes.SERVER_FN_MS_HEADER))


def _paced_wait(user: ScoringUser) -> float:
    """Open-model pacing: each user's next start is one interval after its previous *intended* start."""
    user.next_due_s += user.interval_s
    return max(0.0, user.next_due_s - time.monotonic())


class ScoringUser(FastHttpUser):
    """POSTs the payloads in rotation, tags each request, classifies the answer like the ab runner."""

    network_timeout = TIMEOUT_S
    connection_timeout = TIMEOUT_S
    insecure = ENV.get("SCOREBENCH_INSECURE", "") in ("1", "true", "yes")
    wait_time = _paced_wait if RATE_RPS else constant(0)

    def on_start(self) -> None:
        self.url = score_url(self.host or "")
        users = _float_env("SCOREBENCH_USERS", None) or getattr(self.environment.parsed_options, "num_users", 1) or 1
        self.interval_s = users / RATE_RPS if RATE_RPS else 0.0
        if self.interval_s:
            gevent.sleep(random.uniform(0, self.interval_s))  # spread the users' phases
        self.next_due_s = time.monotonic()

    @task
    def score(self) -> None:
        if REQUEST_CAP and STATE.sent >= REQUEST_CAP:
            raise StopUser()
        STATE.sent += 1
        payload_id, body = next(_ROTATION)
        request_id = outcomes.new_request_id()
        lag_s = max(0.0, time.monotonic() - self.next_due_s) if self.interval_s else 0.0
        info: dict[str, Any] = {
            "id": request_id,
            "payload_id": payload_id,
            "bytes_sent": len(body),
            "lag_s": lag_s,
            "status": 0,
            "outcome": "read_error",  # replaced by _classify once the answer is in
            "server_fn_ms": None,
        }
        headers = {**BASE_HEADERS, "x-ms-client-request-id": request_id}
        with self.client.post(
            self.url,
            data=body,  # type: ignore[arg-type]  # bytes are sent as-is
            headers=headers,
            name=SCENARIO_NAME,
            context={"scorebench": info},
            catch_response=True,
        ) as response:
            info["status"], info["outcome"], info["server_fn_ms"] = _classify(response)
            if info["outcome"] == "ok":
                response.success()
            else:
                response.failure(f"{info['outcome']} (HTTP {info['status']})")


if _SHAPE_CHECK is not None:

    class ScorebenchShape(LoadTestShape):
        """The SCOREBENCH_SHAPE curve; Locust's -u/-r/-t fill the parameters not set in the environment."""

        use_common_options = True
        spec: shapes.ShapeSpec | None = None

        def tick(self) -> tuple[int, float] | None:
            if self.spec is None:
                options = self.runner.environment.parsed_options if self.runner else None
                self.spec = shapes.spec_from_env(
                    ENV,
                    users=getattr(options, "num_users", None),
                    spawn_rate=getattr(options, "spawn_rate", None),
                    duration_s=getattr(options, "run_time", None),
                )
            run_time_s: float = self.get_run_time()  # type: ignore[no-untyped-call]
            return self.spec.tick(run_time_s) if self.spec else None
