"""scorebench's Locust scenario: replay payloads against a scoring endpoint, one sample per request.

Run it as `locust -f loadtests/locustfile.py --host URL` (see docs/locust.md); everything else comes
from SCOREBENCH_* environment variables, read in Locust's `init` event (never at import):

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

Structure (Locust's own `csv_request_logger` idiom): the `init` listener reads the configuration
into a frozen `ScenarioConfig` and registers one `Scenario` listener object on the environment;
the Scenario holds the per-process state (payload rotation, request budget, sample writer) and
writes one sample per `request` event; `ScoringUser` asks it for the next payload. A bad setting
is one line on stderr and exit 2, from the init listener. Importing this module does no work.

Rules: Locust is imported first (gevent patches ssl); the scorebench package is used when it is
importable (checkout or install), else the file runs on its own with outcomes.py and shapes.py
beside it (Azure Load Testing upload) and an inline payload loader, and writes no samples. A
Locust master runs no users and writes no samples; each process with users writes its own part.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import random
import re
import socket
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, LoadTestShape, events, task
from locust.contrib.fasthttp import LocustBadStatusCode
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import MasterRunner, Runner

try:
    from scorebench.loadtests import outcomes, shapes
except ImportError:  # uploaded flat, next to outcomes.py and shapes.py
    import outcomes  # type: ignore[no-redef]
    import shapes  # type: ignore[no-redef]

try:
    from scorebench.core.records import Sample
    from scorebench.core.saturation import HEARTBEAT_S, INTERVAL_S
    from scorebench.loadtests.samples import SampleWriter, utc_from_epoch_fast
    from scorebench.loadtests.watch import SelfWatch
    from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads

    HAVE_SCOREBENCH = True
except ImportError:
    HAVE_SCOREBENCH = False

__all__ = ["ScorebenchShape", "ScoringUser"]

SCENARIO_NAME = "score"
FLUSH_EVERY_S = 0.5
EXIT_CONFIG = 2
"""Exit code of a Locust process whose SCOREBENCH_* configuration is unusable (docs/architecture.md)."""
HERE = Path(__file__).resolve().parent
Body = tuple[str, bytes]
"""(payload_id, request body)."""


class ConfigError(ValueError):
    """A SCOREBENCH_* setting the scenario cannot use; the message is the one line shown."""


# ---- configuration --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScenarioConfig:
    """The scenario's settings, read once per process from SCOREBENCH_* variables."""

    payloads: tuple[Body, ...]
    headers: dict[str, str] = dataclasses.field(repr=False)
    """Content-Type, SCOREBENCH_HEADERS and the Authorization header (hence never in repr)."""
    timeout_s: float = 60.0
    rate_rps: float | None = None
    users: float | None = None
    request_cap: int = 0
    insecure: bool = False
    score_path: str | None = None
    run_dir: Path | None = None
    shape: bool = False
    """SCOREBENCH_SHAPE names a load shape (checked here; its curve is built on the first tick)."""
    answer_check: outcomes.AnswerCheck = outcomes.DEFAULT_CHECK
    """What a prediction looks like (SCOREBENCH_ANSWER_CHECK, set by scorebench run from the warm-up answer)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> ScenarioConfig:
        """Read and check every setting; ConfigError (one line) on the first bad one."""
        try:
            shape = shapes.spec_from_env(environ) is not None
            numbers = {name: shapes.env_number(environ, name, None) for name in _NUMBERS}
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        payloads = tuple(_load_payloads(environ))
        if not payloads:
            raise ConfigError("payloads: no request bodies found")
        run_dir = environ.get("SCOREBENCH_RUN_DIR") or None
        if run_dir and not HAVE_SCOREBENCH:
            raise ConfigError(
                "SCOREBENCH_RUN_DIR needs the scorebench package (samples are written with its SampleWriter)"
            )
        return cls(
            payloads=payloads,
            headers=_headers(environ),
            timeout_s=numbers["SCOREBENCH_TIMEOUT_S"] or 60.0,
            rate_rps=numbers["SCOREBENCH_RATE"],
            users=numbers["SCOREBENCH_USERS"],
            request_cap=int(numbers["SCOREBENCH_REQUESTS"] or 0),
            insecure=environ.get("SCOREBENCH_INSECURE", "") in ("1", "true", "yes"),
            score_path=environ.get("SCOREBENCH_SCORE_PATH") or None,
            run_dir=Path(run_dir) if run_dir else None,
            shape=shape,
            answer_check=_answer_check(environ),
        )

    def score_url(self, host: str) -> str:
        """The absolute scoring URL: host root + SCOREBENCH_SCORE_PATH, else the host's own path, else /score."""
        parts = urlsplit(host)
        path = self.score_path or (parts.path if parts.path not in ("", "/") else "/score")
        query = f"?{parts.query}" if parts.query and not self.score_path else ""
        return f"{parts.scheme}://{parts.netloc}/{path.lstrip('/')}{query}"


def _answer_check(environ: Mapping[str, str]) -> outcomes.AnswerCheck:
    try:
        data = json.loads(environ.get("SCOREBENCH_ANSWER_CHECK") or "{}")
    except ValueError:
        raise ConfigError("SCOREBENCH_ANSWER_CHECK: not JSON") from None
    if not isinstance(data, dict):
        raise ConfigError("SCOREBENCH_ANSWER_CHECK: not a JSON object")
    return outcomes.AnswerCheck.from_dict(data)


_NUMBERS = ("SCOREBENCH_TIMEOUT_S", "SCOREBENCH_RATE", "SCOREBENCH_USERS", "SCOREBENCH_REQUESTS")


def _headers(environ: Mapping[str, str]) -> dict[str, str]:
    try:
        extra = json.loads(environ.get("SCOREBENCH_HEADERS") or "{}")
    except ValueError:
        extra = None
    if not isinstance(extra, dict):
        raise ConfigError("SCOREBENCH_HEADERS is not a JSON object")
    headers = {"Content-Type": "application/json", **{str(k): str(v) for k, v in extra.items()}}
    if not any(name.lower() == "accept-encoding" for name in headers):
        headers["Accept-Encoding"] = outcomes.ACCEPT_ENCODING  # as the ab engine (Locust would add br)
    key = environ.get("SCOREBENCH_KEY", "").strip()
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


# ---- payloads -------------------------------------------------------------------------------


def _inline_payloads(root: Path) -> list[Body]:
    """Minimal loader for a flat upload: .json files (one body) and .jsonl files (one per line)."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in (".json", ".jsonl"))
    found: list[Body] = []
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


def _load_payloads(environ: Mapping[str, str]) -> list[Body]:
    """(payload_id, body) pairs: an engine manifest, SCOREBENCH_PAYLOADS, or the bundled default."""
    manifest = environ.get("SCOREBENCH_PAYLOAD_MANIFEST")
    if manifest:
        return [(item["payload_id"], item["body"].encode("utf-8")) for item in json.loads(Path(manifest).read_text())]
    configured = environ.get("SCOREBENCH_PAYLOADS")
    if HAVE_SCOREBENCH:
        try:
            return [(p.payload_id, p.body) for p in load_payloads(configured or DEFAULT_PAYLOADS)]
        except Exception as exc:  # HarnessError: one line, no traceback
            raise ConfigError(str(exc)) from None
    path = Path(configured) if configured else HERE / "payloads"
    if not path.is_absolute() and not path.exists():
        path = HERE / path
    if not path.exists():
        raise ConfigError(f"payloads: {path} does not exist (set SCOREBENCH_PAYLOADS)")
    return _inline_payloads(path)


def worker_name() -> str:
    """This process's name in samples (`worker` column, samples-<worker>.csv): host and pid."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{socket.gethostname()}-{os.getpid()}")


# ---- the per-process listener ---------------------------------------------------------------


class Scenario:
    """One process's scenario state and its listeners: payload rotation, request budget, samples.

    `register(environment, runner)` attaches it to Locust's `request` and `quitting` events (as
    `locust.contrib.csv_request_logger.CsvRequestLogger` does); a process with users (not a master)
    streams its samples to `run_dir/samples-<worker>.csv`, flushed every FLUSH_EVERY_S, and
    watches itself (a greenlet: a saturation reading a second, `saturation-<worker>.json`).
    """

    def __init__(self, config: ScenarioConfig, worker: str) -> None:
        self.config = config
        self.worker = worker
        self.sent = 0
        self.finished = 0
        self._rotation: Iterator[Body] = itertools.cycle(config.payloads)
        check = config.answer_check
        self.records: dict[str, int | None] = {pid: check.expected_count(pid, body) for pid, body in config.payloads}
        self.verdicts = outcomes.Verdicts(check)
        """The classifier's verdicts on the answers seen (a payload is answered alike again and again)."""
        """Predictions each payload's answer must hold (outcomes.AnswerCheck.expected_count), learned once."""
        self._writer: SampleWriter | None = None
        self._watch: SelfWatch | None = None
        self._runner: Runner | None = None

    def register(self, environment: Environment, runner: Runner | None) -> None:
        """Listen to the environment's events; open the samples part when this process runs users."""
        self._runner = runner
        environment.events.request.add_listener(self.on_request)  # type: ignore[no-untyped-call]
        environment.events.quitting.add_listener(self.on_quitting)  # type: ignore[no-untyped-call]
        if self.config.run_dir is None or isinstance(runner, MasterRunner):
            return
        self._writer = SampleWriter(self.config.run_dir / f"samples-{self.worker}.csv")
        self._writer.flush()  # the header reaches the file at once: readers never see an empty part
        gevent.spawn(self._flush_forever)
        self._watch = SelfWatch(self.config.run_dir, self.worker)
        # Started with the test, not here: a 1 s timer made during init let Locust's --run-time
        # timer (set later, from gevent's cached clock) fire at once.
        environment.events.test_start.add_listener(self._start_watch)  # type: ignore[no-untyped-call]

    def next_body(self) -> Body | None:
        """The next payload in rotation, or None once this process has sent SCOREBENCH_REQUESTS."""
        if self.config.request_cap and self.sent >= self.config.request_cap:
            return None
        self.sent += 1
        return next(self._rotation)

    def on_request(
        self,
        context: dict[str, Any] | None,
        response_time: float,
        response_length: int,
        start_time: float | None = None,
        **_kw: Any,
    ) -> None:
        """One sample per scorebench request; the runner quits once the request budget is done."""
        info = context.get("scorebench") if context else None
        if info is None:
            return
        self.finished += 1
        writer = self._writer
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
                    worker=self.worker,
                    answer_digest=info["digest"],
                    server_request_id=info["server_request_id"],
                )
            )
            writer.flush_if_due()
        cap = self.config.request_cap
        if cap and self.finished == cap and self._runner is not None:  # once
            gevent.spawn(self._runner.quit)

    def on_quitting(self, **_kw: Any) -> None:
        watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def _start_watch(self, **_kw: Any) -> None:
        gevent.spawn(self._watch_forever)
        gevent.spawn(self._heartbeat_forever)

    def _watch_forever(self) -> None:
        """The saturation guard of this worker: a reading a second; a late wake-up is its own lag."""
        while self._watch is not None:
            due = time.monotonic() + INTERVAL_S
            gevent.sleep(INTERVAL_S)
            if self._watch is not None:
                self._watch.tick(max(0.0, time.monotonic() - due) * 1000.0)

    def _heartbeat_forever(self) -> None:
        """A timer every HEARTBEAT_S: how late it wakes is how long the gevent hub was blocked."""
        while self._watch is not None:
            due = time.monotonic() + HEARTBEAT_S
            gevent.sleep(HEARTBEAT_S)
            if self._watch is not None:
                self._watch.note_stall(max(0.0, time.monotonic() - due) * 1000.0)

    def _flush_forever(self) -> None:
        while self._writer is not None:
            gevent.sleep(FLUSH_EVERY_S)
            if self._writer is not None:
                self._writer.flush()


def on_locust_init(environment: Environment, runner: Runner | None = None, **_kw: Any) -> None:
    """Locust's `init` event: read the configuration, register the Scenario, keep the shape or drop it.

    A bad SCOREBENCH_* setting ends the process here: one line on stderr, exit code 2.
    """
    try:
        config = ScenarioConfig.from_env(os.environ)
    except ConfigError as exc:
        sys.stderr.write(f"scorebench locustfile: {exc}\n")
        sys.stderr.flush()
        raise SystemExit(EXIT_CONFIG) from None
    scenario = Scenario(config, worker_name())
    scenario.register(environment, runner)
    ScoringUser.scenario = scenario
    if not config.shape:
        environment.shape_class = None  # Locust collected ScorebenchShape; without SCOREBENCH_SHAPE, -u/-r/-t rule
    # Locust arms its -t timer right after this event on gevent's cached loop clock, which stands
    # still while startup blocks (imports, payloads): on a loaded machine a startup longer than -t
    # ended the test before its first request. Refresh the clock so -t counts from here.
    gevent.get_hub().loop.update_now()


events.init.add_listener(on_locust_init)  # type: ignore[no-untyped-call]


# ---- the user and the shape -----------------------------------------------------------------


def _classify(
    response: Any, verdicts: outcomes.Verdicts, records: int | None
) -> tuple[int, str, float | None, str, int, str]:
    """(status, outcome, server_fn_ms, answer_digest, bytes received, server request id) of a
    FastHttpSession response sent with stream=True: the body is read here, raw, and decoded by the
    one classifier (the ab engine reads and decodes it the same way); `verdicts` remembers its
    verdicts per distinct answer."""
    status = int(response.status_code or 0)
    error = response.request_meta.get("exception")
    if status == 0 or (error is not None and not isinstance(error, LocustBadStatusCode)):
        return status, outcomes.classify_exception(getattr(response, "error", None) or error), None, "", 0, ""
    headers = response.headers if response.headers is not None else {}
    server_id = outcomes.server_request_id(headers)
    try:
        body = response.read()  # every body is read (the connection is reused), only a 2xx one decoded
    except Exception as exc:
        response.request_meta["exception"] = exc
        return status, outcomes.classify_exception(exc), None, "", 0, server_id
    finally:
        response.release()
    if 200 <= status < 300:
        outcome, digest = verdicts.judge(body, records, headers.get(outcomes.CONTENT_ENCODING_HEADER))
    else:
        run_failed, retry = headers.get(outcomes.RUN_FAILED_HEADER), headers.get(outcomes.RETRY_AFTER_HEADER)
        outcome = outcomes.classify_status(status, run_failed, retry, headers.get(outcomes.MODEL_STATUS_HEADER))
        digest = ""
    fn_ms = outcomes.server_fn_ms(headers.get(outcomes.SERVER_FN_MS_HEADER))
    return status, outcome, fn_ms, digest, len(body), server_id


class ScoringUser(FastHttpUser):
    """POSTs the payloads in rotation, tags each request, classifies the answer like the ab runner."""

    scenario: ClassVar[Scenario | None] = None
    """This process's Scenario, set by the init listener before any user starts."""

    def __init__(self, environment: Environment) -> None:
        if self.scenario is None:
            raise RuntimeError("ScoringUser runs under Locust's init event (locust -f loadtests/locustfile.py)")
        self._scenario: Scenario = self.scenario
        self.network_timeout = self.connection_timeout = self._scenario.config.timeout_s
        self.insecure = self._scenario.config.insecure
        super().__init__(environment)
        self.url = self._scenario.config.score_url(self.host or "")
        self.interval_s = 0.0
        self.next_due_s = time.monotonic()

    def on_start(self) -> None:
        config = self._scenario.config
        if config.rate_rps:
            users = config.users or getattr(self.environment.parsed_options, "num_users", 1) or 1
            self.interval_s = users / config.rate_rps
            gevent.sleep(random.uniform(0, self.interval_s))  # spread the users' phases
        self.next_due_s = time.monotonic()

    def wait_time(self) -> float:
        """Open-model pacing: each next start is one interval after the previous *intended* start."""
        if not self.interval_s:
            return 0.0
        self.next_due_s += self.interval_s
        return max(0.0, self.next_due_s - time.monotonic())

    @task
    def score(self) -> None:
        picked = self._scenario.next_body()
        if picked is None:
            raise StopUser()
        payload_id, body = picked
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
            "digest": "",
            "server_request_id": "",
        }
        headers = {**self._scenario.config.headers, "x-ms-client-request-id": request_id}
        started_s = time.perf_counter()
        with self.client.post(
            self.url,
            data=body,  # type: ignore[arg-type]  # bytes are sent as-is
            headers=headers,
            name=SCENARIO_NAME,
            context={"scorebench": info},
            catch_response=True,
            stream=True,  # the body is read raw in _classify and decoded by the one classifier
            allow_redirects=False,  # never follow: the key would go with it (a 3xx is bad_response)
        ) as response:
            (
                info["status"],
                info["outcome"],
                info["server_fn_ms"],
                info["digest"],
                received,
                info["server_request_id"],
            ) = _classify(response, self._scenario.verdicts, self._scenario.records.get(payload_id))
            response.request_meta["response_time"] = (time.perf_counter() - started_s) * 1000.0  # body included
            response.request_meta["response_length"] = received
            if info["outcome"] == "ok":
                response.success()
            else:
                response.failure(f"{info['outcome']} (HTTP {info['status']})")


class ScorebenchShape(LoadTestShape):
    """The SCOREBENCH_SHAPE curve; Locust's -u/-r/-t fill the parameters not set in the environment.

    Always defined, because Locust collects shape classes when it imports the locustfile; the init
    listener removes it from the environment when SCOREBENCH_SHAPE is unset.
    """

    use_common_options = True
    spec: shapes.ShapeSpec | None = None

    def tick(self) -> tuple[int, float] | None:
        if self.spec is None:
            options = self.runner.environment.parsed_options if self.runner else None
            self.spec = shapes.spec_from_env(
                os.environ,
                users=getattr(options, "num_users", None),
                spawn_rate=getattr(options, "spawn_rate", None),
                duration_s=getattr(options, "run_time", None),
            )
        run_time_s: float = self.get_run_time()  # type: ignore[no-untyped-call]
        return self.spec.tick(run_time_s) if self.spec else None
