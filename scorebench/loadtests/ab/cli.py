"""`scorebench ab` / `scorebench-ab`: ab 2.3's argv in, ab 2.3's report out, plus samples and --rate.

One job: wire options -> request bytes -> engine -> report. Rules: ab's exit codes (0 done,
1 bad options or a run that could not run, with one line on stderr); the key never printed
(Authorization shows as `Bearer ***`); Ctrl-C prints the results so far and exits 1, like ab.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import signal
import ssl
import sys
from pathlib import Path
from urllib.parse import urlsplit

from scorebench.core.errors import HarnessError
from scorebench.core.saturation import Period, describe, union
from scorebench.core.secrets import mask_header_lines, register_basic, register_header, register_url
from scorebench.loadtests.ab import processes, report
from scorebench.loadtests.ab.engine import Engine, EngineConfig, new_loop
from scorebench.loadtests.ab.merge import Merged, Part, merge
from scorebench.loadtests.ab.options import AbOptions, AbUsageError, parse
from scorebench.loadtests.ab.request import Target, build_target, client_ssl_context
from scorebench.loadtests.samples import SampleWriter
from scorebench.loadtests.watch import SelfWatch
from scorebench.payloads.loader import load_payloads

OUR_NOTES = """
scorebench ab: ab 2.3's options and report, with these deliberate differences:
    At -v >= 2 the Authorization header prints as 'Bearer ***', never the key.
    A request that outlasts -s is a failed request (counted under Exceptions) and the
    run goes on; ab aborts the whole run. Connect/receive failures are counted the same
    way (as if -r were given) and each failed attempt uses up one of the -n requests.
    Every request also carries a fresh 'x-ms-client-request-id' header (uuid4 hex), so
    'Total body sent' is larger than ab's by that header.
Extra options:
    --run-dir DIR   Stream one sample per request to DIR/samples.csv (scorebench format)
    --payloads PATH POST the bodies of a payload file or folder in turn (instead of -p);
                    -T defaults to application/json
    --rate RPS      (alias -R) Open model: constant arrival rate; latency counts from
                    each request's intended start (coordinated omission corrected);
                    prints exact p50/p90/p99/p99.9/max after the report
    --processes N   Engine processes sharing the -c connections (default: as many as
                    the load needs, up to the cores)
"""


def usage(program: str = "ab") -> str:
    from scorebench.loadtests.ab.usage import AB_USAGE

    return AB_USAGE.replace("ab [options]", f"{program} [options]") + OUR_NOTES


def main(argv: list[str]) -> int:
    try:
        opts = parse(list(argv))
    except AbUsageError as exc:
        print(f"scorebench ab: {exc}", file=sys.stderr)
        return 1
    _register_secrets(opts)
    if opts.help:
        print(usage())
        return 0
    if opts.version:
        print("\n".join(report.BANNER))
        print("(scorebench ab: an ApacheBench-compatible engine on uvloop + httptools)")
        return 0
    try:
        return _run(opts)
    except AbUsageError as exc:
        print(f"scorebench ab: {exc}", file=sys.stderr)
        return 1
    except HarnessError as exc:
        print(f"scorebench ab: {exc}", file=sys.stderr)
        return 1


def _register_secrets(opts: AbOptions) -> None:
    """Every secret ab was given (secret -H values, -C, -A, -P, URL credentials) is scrubbed from its output."""
    for name, value in _headers(opts):
        register_header(name, value)
    for cookie in opts.cookies:
        register_header("Cookie", cookie)
    register_basic(opts.basic_auth)
    register_basic(opts.proxy_auth)
    register_url(opts.url)


def _bodies(opts: AbOptions) -> list[tuple[str, bytes]]:
    if opts.payloads:
        return [(p.payload_id, p.body) for p in load_payloads(opts.payloads)]
    body_file = opts.post_file or opts.put_file
    if body_file:
        return [(Path(body_file).name, Path(body_file).read_bytes())]
    return [("", b"")]


def _headers(opts: AbOptions) -> list[tuple[str, str]]:
    pairs = []
    for line in opts.headers:
        name, _, value = line.partition(":")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _run(opts: AbOptions) -> int:
    target = build_target(
        opts.url, method=opts.http_method, bodies=_bodies(opts), content_type=opts.body_type,
        headers=_headers(opts), keepalive=opts.keepalive, cookies=opts.cookies, basic_auth=opts.basic_auth,
        proxy=opts.proxy, proxy_auth=opts.proxy_auth, sni=not opts.no_sni,
    )  # fmt: skip
    try:
        ctx = (
            client_ssl_context(
                verify=False, ciphers=opts.ciphers, protocol=opts.tls_protocol, cert_file=opts.client_cert
            )
            if target.tls
            else None
        )
    except Exception as exc:
        raise AbUsageError(f"-Z/-f/-E: TLS setup failed: {exc}") from None
    stats = report.RunStats(
        hostname=target.host, port=target.port, path=target.path, concurrency=opts.concurrency,
        variable_length=opts.variable_length, keepalive=opts.keepalive,
        total_posted=0 if opts.sends_body else None,
    )  # fmt: skip
    heartbeat = max(opts.requests // 10, 100) if (not opts.quiet and opts.requests > 150) else 0
    out = sys.stdout
    if opts.html:
        out.write("\n".join(report.banner_lines(html=True)) + "\n")
    else:
        out.write("\n".join(report.BANNER) + "\n\n")
        through = f"[through {opts.proxy}] " if opts.proxy else ""
        out.write(f"Benchmarking {target.host} {through}(be patient){chr(10) if heartbeat else '...'}")
    if opts.verbosity >= 2:
        out.write(f"INFO: {opts.http_method} header == \n---\n{target.shown_request}\n---\n")
    out.flush()
    if opts.run_dir is not None:
        _writable(opts.run_dir)  # here, before any process starts: one line, no request sent
    shares = processes.split(opts.requests, opts.concurrency, opts.rate_rps, process_count(opts))
    work = functools.partial(_run_share, opts, target, ctx, stats, heartbeat)
    progress = _parent_progress(heartbeat) if heartbeat and len(shares) > 1 else None
    results = processes.run_shares(shares, work, progress)
    merged = merge([r.part for r in results], stats)
    if heartbeat:
        print(f"Finished {merged.finished} requests", file=sys.stderr)
    else:
        out.write("..done\n")
    _print_results(opts, merged)
    periods = union([p for r in results for p in r.periods])
    if periods:  # stderr: ab's report on stdout stays line for line
        origin = min(r.part.t0 + r.part.shift_s for r in results)
        print(f"scorebench ab: {describe(periods, origin)}", file=sys.stderr)
    return 1 if any(r.interrupted for r in results) else 0


def process_count(opts: AbOptions) -> int:
    """--processes, else as many as the load needs (one when every answer is printed)."""
    if opts.processes is not None:
        return opts.processes
    if opts.verbosity >= 2:
        return 1
    requests = None if opts.time_limit_s else opts.requests
    return processes.default_processes(requests, opts.concurrency, opts.rate_rps, processes.usable_cores())


@dataclasses.dataclass(frozen=True)
class ShareResult:
    """What one engine process hands back: its part of the counts, Ctrl-C seen, saturated periods."""

    part: Part
    interrupted: bool
    periods: list[Period]


def _run_share(
    opts: AbOptions,
    target: Target,
    ctx: ssl.SSLContext | None,
    template: report.RunStats,
    heartbeat: int,
    share: processes.Share,
    publish: processes.Publish | None,
) -> ShareResult:
    """One engine over one share of the run (in this process, or in a forked one)."""
    writer = _writer(opts.run_dir, share.samples_file)
    watch = SelfWatch(opts.run_dir, share.worker)
    cfg = EngineConfig(
        target=target, concurrency=share.concurrency, requests=share.requests, duration_s=opts.time_limit_s,
        timeout_s=opts.timeout_s, keepalive=opts.keepalive, rate_rps=share.rate_rps, phase_s=share.phase_s,
        ssl_context=ctx, head=opts.http_method == "HEAD", bind_address=opts.bind_address,
        window_bytes=opts.window_bytes, variable_length=opts.variable_length,
        check_json=writer is not None and urlsplit(opts.url).path.endswith("/score"), writer=writer,
        worker=share.worker, on_response=_verbose_hook(opts.verbosity) if opts.verbosity >= 2 else None,
        on_progress=_progress_hook(heartbeat) if heartbeat and publish is None else None, publish=publish,
        watch=watch,
    )  # fmt: skip
    loop = new_loop()
    try:
        engine, interrupted = loop.run_until_complete(_drive(cfg, dataclasses.replace(template)))
    finally:
        loop.close()
        watch.close()
        if writer is not None:
            writer.close()
    return ShareResult(engine.part(), interrupted, watch.periods)


def _writable(run_dir: Path) -> None:
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarnessError(f"--run-dir {run_dir}: cannot write there ({exc.strerror})") from None


def _writer(run_dir: Path | None, name: str) -> SampleWriter | None:
    if run_dir is None:
        return None
    try:
        _writable(run_dir)
        return SampleWriter(run_dir / name)
    except OSError as exc:
        raise HarnessError(f"--run-dir {run_dir}: cannot write there ({exc.strerror})") from None


async def _drive(cfg: EngineConfig, stats: report.RunStats) -> tuple[Engine, bool]:
    engine = Engine(cfg, stats)
    loop = asyncio.get_running_loop()
    interrupted = []

    def on_signal() -> None:
        interrupted.append(True)
        engine.stop()

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, on_signal)
    await engine.run()
    return engine, bool(interrupted)


def _print_results(opts: AbOptions, merged: Merged) -> None:
    stats = merged.stats
    if opts.html:
        lines = report.html_lines(stats, opts.table_attrs, opts.tr_attrs, opts.td_attrs)
    else:
        lines = report.summary_lines(stats)
        lines += report.table_lines(stats, confidence=not opts.no_confidence, percentiles=not opts.no_percentiles)
    sys.stdout.write("\n".join(lines) + "\n")
    if stats.done:
        times_us = report.sorted_times_us(stats)
        if opts.csv_file:
            Path(opts.csv_file).write_text("\n".join(report.csv_lines(times_us)) + "\n")
        if opts.gnuplot_file:
            Path(opts.gnuplot_file).write_text("\n".join(report.gnuplot_lines(stats.timings)) + "\n")
    if opts.rate_rps:
        sys.stdout.write("\n".join(rate_lines(opts.rate_rps, merged.latencies_ms)) + "\n")
    sys.stdout.flush()


def rate_lines(rate_rps: float, latencies_ms: list[float]) -> list[str]:
    """Exact percentiles (nearest rank) of latency from the intended start."""
    if not latencies_ms:
        return []
    ordered = sorted(latencies_ms)
    n = len(ordered)
    lines = ["", f"Latency from intended start (--rate {rate_rps:g}/s, coordinated omission corrected), ms"]
    for label, p in (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99.9", 99.9)):
        rank = max(1, -(-int(p * n * 10) // 1000))
        lines.append(f"  {label:<6}{ordered[min(rank, n) - 1]:12.3f}")
    lines.append(f"  {'max':<6}{ordered[-1]:12.3f}")
    return lines


def _verbose_hook(verbosity: int):  # type: ignore[no-untyped-def]
    def hook(raw: bytes, status: int) -> None:
        text = mask_header_lines(raw.decode("latin-1"))  # a Set-Cookie or token the server sends back
        sys.stdout.write(f"LOG: header received:\n{text}\n")
        if not 200 <= status < 300:
            sys.stdout.write(f"WARNING: Response code not 2xx ({status})\n")
        elif verbosity >= 3:
            sys.stdout.write(f"LOG: Response code = {status}\n")

    return hook


def _parent_progress(heartbeat: int) -> processes.Publish:
    """ab's 'Completed N requests' lines from the processes' finished counts (each multiple once)."""
    shown = [0]

    def show(finished: int) -> None:
        while shown[0] + heartbeat <= finished:
            shown[0] += heartbeat
            print(f"Completed {shown[0]} requests", file=sys.stderr, flush=True)

    return show


def _progress_hook(heartbeat: int):  # type: ignore[no-untyped-def]
    def hook(finished: int) -> None:
        if finished % heartbeat == 0:
            print(f"Completed {finished} requests", file=sys.stderr, flush=True)

    return hook
