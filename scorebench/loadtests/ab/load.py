"""`run_load(plan, run_dir)`: the ab engine behind `scorebench run --engine ab`.

One job: a `LoadPlan` -> samples in run_dir/samples*.csv -> `LoadResult`. The load is split over
`plan.processes` engine processes (processes.py; 0: as many as it needs, up to the cores), each
writing its own samples part and saturation part. Rules: HTTP/1.1
persistent connections (fastest correct choice for a scoring endpoint), payload rotation, the key
only in the Authorization header bytes, TLS verified unless `plan.insecure`; SIGINT/SIGTERM stop
the load within a moment, flush the samples and return partial=True; the stop file
(`plan.stop_file`, watched by every engine process) stops it as quickly, and the result is whole; a
samples or saturation part that cannot be written (a full disk) stops it too, and is a `WriteFailed`
naming the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
import ssl
import sys
from datetime import UTC, datetime
from pathlib import Path

from scorebench.core.errors import WriteFailed
from scorebench.core.ratestages import parse_rate_stages
from scorebench.core.records import utc_iso
from scorebench.loadtests.ab import processes
from scorebench.loadtests.ab.engine import Engine, EngineConfig, new_loop, write_failure
from scorebench.loadtests.ab.report import RunStats
from scorebench.loadtests.ab.request import Target, client_ssl_context, scoring_target
from scorebench.loadtests.outcomes import AnswerCheck
from scorebench.loadtests.plan import LoadPlan, LoadResult, watch_stop_file
from scorebench.loadtests.samples import SampleWriter
from scorebench.loadtests.watch import SelfWatch

ENGINE_NAME = "scorebench-ab"
ENGINE_VERSION = "2.3-compatible"


def run_load(plan: LoadPlan, run_dir: Path) -> LoadResult:
    target = scoring_target(plan.url, [(p.payload_id, p.body) for p in plan.payloads], plan.headers, plan.key)
    ctx = client_ssl_context(verify=not plan.insecure) if target.tls else None
    stages = parse_rate_stages(plan.rate_stages) if plan.rate_stages else None
    requests = stages.count if stages else plan.requests  # a ramping rate sends its schedule's arrivals
    if requests is None and not plan.duration_s:
        requests = 1
    concurrency = max(1, plan.concurrency)
    peak_rps = stages.peak_rps if stages else plan.rate_rps
    count = plan.processes or processes.default_processes(requests, concurrency, peak_rps, processes.usable_cores())
    shares = processes.split(requests, concurrency, plan.rate_rps, min(count, concurrency))
    started = datetime.now(UTC)
    work = functools.partial(_run_share, plan, target, ctx, run_dir)
    results = processes.run_shares(shares, work, None)
    reason = next((reason for _, reason in results if reason is not None), None)
    written = sum(count for count, _ in results)
    return LoadResult(
        requests=written, started_at=utc_iso(started), ended_at=utc_iso(datetime.now(UTC)),
        partial=reason is not None, reason=reason, interrupted=reason is not None,
        engine_info={
            "engine": ENGINE_NAME, "engine_version": ENGINE_VERSION, "python": sys.version.split()[0],
            "http": "HTTP/1.1 keep-alive", "concurrency": str(plan.concurrency), "processes": str(len(shares)),
            "rate_rps": "" if plan.rate_rps is None else f"{plan.rate_rps:g}",
            **({"rate_stages": plan.rate_stages} if plan.rate_stages else {}),
        },
    )  # fmt: skip


def _run_share(
    plan: LoadPlan, target: Target, ctx: ssl.SSLContext | None, run_dir: Path, share: processes.Share, _publish: object
) -> tuple[int, str | None]:
    """One engine over one share (here, or in a forked process): (samples written, why it stopped early)."""
    stats = RunStats(hostname=target.host, port=target.port, path=target.path, concurrency=plan.concurrency)
    watch = SelfWatch(run_dir, share.worker)
    stages = parse_rate_stages(plan.rate_stages) if plan.rate_stages else None
    try:
        writer = SampleWriter(run_dir / share.samples_file)
    except OSError as exc:
        raise WriteFailed.of(run_dir, share.samples_file, exc) from None
    with writer:
        cfg = EngineConfig(
            target=target, concurrency=share.concurrency, requests=share.requests, duration_s=plan.duration_s,
            timeout_s=plan.timeout_s, keepalive=True, http11=True, rate_rps=share.rate_rps, phase_s=share.phase_s,
            ssl_context=ctx, variable_length=True, check_json=True,
            writer=writer, worker=share.worker, keep_timings=False, watch=watch,
            answer_check=AnswerCheck.from_dict(plan.answer_check),
            stages=stages, stride=share.count, offset=share.index,
        )  # fmt: skip
        loop = new_loop()
        try:
            reason = loop.run_until_complete(_drive(cfg, stats, plan.stop_file))
        finally:
            loop.close()
            watch.close()
    failure = write_failure(writer, watch)  # also a failure of the last flush or of the last part
    if failure is not None:
        raise WriteFailed.of(run_dir, *failure)
    return writer.count, reason


async def _drive(cfg: EngineConfig, stats: RunStats, stop_file: Path | None = None) -> str | None:
    """Run one engine; the reason when a signal stopped it (the stop file stops it with no reason: not partial)."""
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
    watcher = loop.create_task(watch_stop_file(stop_file, engine.stop))
    try:
        await engine.run()
    except (KeyboardInterrupt, asyncio.CancelledError):
        engine.stop()
        reasons.append("interrupted")
    finally:
        watcher.cancel()
        for sig in installed:
            loop.remove_signal_handler(sig)
    return reasons[0] if reasons else None
