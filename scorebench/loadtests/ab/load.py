"""`run_load(plan, run_dir)`: the ab engine behind `scorebench run --engine ab`.

One job: a `LoadPlan` -> samples in run_dir/samples.csv -> `LoadResult`. Rules: HTTP/1.1
persistent connections (fastest correct choice for a scoring endpoint), payload rotation, the key
only in the Authorization header bytes, TLS verified unless `plan.insecure`; SIGINT/SIGTERM stop
the load within a moment, flush the samples and return partial=True.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from scorebench.core.records import utc_iso
from scorebench.loadtests.ab.engine import Engine, EngineConfig, new_loop
from scorebench.loadtests.ab.report import RunStats
from scorebench.loadtests.ab.request import build_target, client_ssl_context
from scorebench.loadtests.plan import LoadPlan, LoadResult
from scorebench.loadtests.samples import SampleWriter
from scorebench.loadtests.watch import SelfWatch

ENGINE_NAME = "scorebench-ab"
ENGINE_VERSION = "2.3-compatible"


def run_load(plan: LoadPlan, run_dir: Path) -> LoadResult:
    headers = [(name, value) for name, value in plan.headers.items() if name.lower() != "authorization"]
    if plan.key:
        headers.append(("Authorization", f"Bearer {plan.key}"))
    target = build_target(
        plan.url, method="POST", bodies=[(p.payload_id, p.body) for p in plan.payloads],
        content_type="application/json", headers=headers, keepalive=True, http11=True,
    )  # fmt: skip
    ctx = client_ssl_context(verify=not plan.insecure) if target.tls else None
    requests = plan.requests
    if requests is None and not plan.duration_s:
        requests = 1
    stats = RunStats(hostname=target.host, port=target.port, path=target.path, concurrency=plan.concurrency)
    started = datetime.now(UTC)
    watch = SelfWatch(run_dir, "ab-0")
    with SampleWriter(run_dir / "samples.csv") as writer:
        cfg = EngineConfig(
            target=target, concurrency=max(1, plan.concurrency), requests=requests, duration_s=plan.duration_s,
            timeout_s=plan.timeout_s, keepalive=True, http11=True, rate_rps=plan.rate_rps, ssl_context=ctx,
            variable_length=True, check_json=urlsplit(plan.url).path.endswith("/score"), writer=writer, worker="ab-0",
            keep_timings=False, watch=watch,
        )  # fmt: skip
        loop = new_loop()
        try:
            reason = loop.run_until_complete(_drive(cfg, stats))
        finally:
            loop.close()
            watch.close()
        count = writer.count
    return LoadResult(
        requests=count, started_at=utc_iso(started), ended_at=utc_iso(datetime.now(UTC)),
        partial=reason is not None, reason=reason,
        engine_info={
            "engine": ENGINE_NAME, "engine_version": ENGINE_VERSION, "python": sys.version.split()[0],
            "http": "HTTP/1.1 keep-alive", "concurrency": str(plan.concurrency),
            "rate_rps": "" if plan.rate_rps is None else f"{plan.rate_rps:g}",
        },
    )  # fmt: skip


async def _drive(cfg: EngineConfig, stats: RunStats) -> str | None:
    engine = Engine(cfg, stats)
    loop = asyncio.get_running_loop()
    reasons: list[str] = []
    names = {signal.SIGINT: "interrupted by SIGINT", signal.SIGTERM: "terminated by SIGTERM"}

    def on_signal(sig: signal.Signals) -> None:
        reasons.append(names[sig])
        engine.stop()

    installed = []
    for sig in names:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, on_signal, sig)
            installed.append(sig)
    try:
        await engine.run()
    except (KeyboardInterrupt, asyncio.CancelledError):
        engine.stop()
        reasons.append("interrupted")
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
    return reasons[0] if reasons else None
