"""What `scorebench run` was told, checked as a whole before the first request (docs/faults.md).

One job: after scorebench/config.py has resolved every setting (flag, then SCOREBENCH_* variable,
then scorebench.toml, then default), refuse what cannot work — an empty or credential-carrying
--endpoint, a flag meant for the other engine, an unknown load shape, an --out that cannot hold a
run directory, a scorebench.toml key nobody reads — with one HarnessError line that names where
the value came from (`--flag`, `SCOREBENCH_X`, or `FILE:key`). Rules: no network, nothing created;
the file itself is found and parsed by scorebench/config.py (`toml_path`, `read_toml`), never here.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scorebench import config
from scorebench.core.errors import HarnessError
from scorebench.core.rundir import check_label
from scorebench.core.secrets import register_url
from scorebench.loadtests.shapes import SHAPES
from scorebench.preflight import check_url

ENGINE_ONLY: dict[str, tuple[str, ...]] = {
    "ab": ("concurrency", "rate_stages"),
    "locust": ("users", "spawn_rate", "workers", "shape"),
}
"""Settings only one engine honours: given to the other engine they would be silently ignored."""
EXTRA_TOML_KEYS = ("threshold", "thresholds", "slo", "slos")
"""Keys read elsewhere (checks), allowed beside the run settings in [run], [check] and the top level."""
CHECKED_TABLES = ("run", "check")


def check_run_args(args: argparse.Namespace, explicit: set[str], environ: Mapping[str, str] | None = None) -> None:
    """HarnessError (one line, naming the source) for the first setting of resolved args that cannot work."""
    env = os.environ if environ is None else environ
    where = _Sources(explicit, env, config.toml_path(env))
    check_toml_keys(where.toml_file)
    _check_endpoint(args, where)
    _check_engine_flags(args, where)
    _check_shape(args, where)
    check_out_dir(Path(args.out), where("out"))
    check_label(str(args.label), where("label"))


class _Sources:
    """Names where a resolved setting came from, in config.resolve's order."""

    def __init__(self, explicit: set[str], env: Mapping[str, str], toml_file: Path | None) -> None:
        self.explicit, self.env, self.toml_file = explicit, env, toml_file
        self.table = _run_table(config.read_toml(toml_file)) if toml_file else {}

    def __call__(self, dest: str) -> str:
        setting = config.SETTINGS_BY_DEST[dest]
        if dest in self.explicit:
            return "--" + setting.toml_key
        if self.env.get(setting.env, "") != "":
            return setting.env
        for key in (setting.toml_key, setting.dest):
            if key in self.table:
                return f"{self.toml_file}:{key}"
        return "default"


def check_toml_keys(path: Path | None) -> None:
    """Every key of [run], [check] (or the top level) must be one somebody reads: else name key and file."""
    if path is None:
        return
    data = config.read_toml(path)
    known = {name for s in config.SETTINGS for name in (s.toml_key, s.dest)} | set(EXTRA_TOML_KEYS)
    tables = {"(top level)": {k: v for k, v in data.items() if not isinstance(v, dict)}}
    tables.update({name: data[name] for name in CHECKED_TABLES if isinstance(data.get(name), dict)})
    for table_name, table in tables.items():
        unknown = sorted(key for key in table if key not in known)
        if unknown:
            place = "" if table_name == "(top level)" else f" in [{table_name}]"
            raise HarnessError(f"{path}:{unknown[0]}: unknown key{place} (misspelt? known: see docs/run.md)")


def check_out_dir(out: Path, where: str) -> None:
    """--out must be (or become) a writable directory: checked before any traffic is sent."""
    if out.exists() and not out.is_dir():
        raise HarnessError(f"{where} {out}: exists and is not a directory")
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise HarnessError(f"{where} {out}: {existing} is not a directory")
    try:  # a real attempt: os.access says yes to root on a read-only or virtual file system
        Path(tempfile.mkdtemp(prefix=".scorebench-check-", dir=existing)).rmdir()
    except OSError as exc:
        raise HarnessError(f"{where} {out}: cannot create run directories in {existing} ({exc.strerror})") from None


def _check_endpoint(args: argparse.Namespace, where: _Sources) -> None:
    if args.endpoint is None:
        return
    register_url(str(args.endpoint))  # its credentials and secret parameters never show in any message
    if not str(args.endpoint).strip():
        raise HarnessError(
            f"{where('endpoint')}: empty; give the scoring URL (leave --endpoint out to test the local stand-in)"
        )
    try:
        netloc = urlsplit(str(args.endpoint)).netloc
    except ValueError:
        netloc = ""  # check_url says what does not parse
    if "@" in netloc:
        raise HarnessError(
            f"{where('endpoint')}: the URL carries credentials (user:password@); Azure ML takes the key as a"
            " Bearer header: put it in SCOREBENCH_KEY or --key-file"
        )
    check_url(str(args.endpoint), where("endpoint"))


def _check_engine_flags(args: argparse.Namespace, where: _Sources) -> None:
    for engine, dests in ENGINE_ONLY.items():
        if args.engine == engine:
            continue
        for dest in dests:
            source = where(dest)
            if source != "default" and getattr(args, dest, None) is not None:
                other = " / ".join(f"--{d.replace('_', '-')}" for d in ENGINE_ONLY[args.engine])
                raise HarnessError(
                    f"{source}: applies to --engine {engine} only; this run uses --engine {args.engine} ({other})"
                )


def _check_shape(args: argparse.Namespace, where: _Sources) -> None:
    if args.shape is not None and str(args.shape).strip().lower() not in SHAPES:
        raise HarnessError(f"{where('shape')}: unknown load shape {args.shape!r} (choose {', '.join(SHAPES)})")


def _run_table(data: dict[str, Any]) -> dict[str, Any]:
    table = data.get("run", data)
    return dict(table) if isinstance(table, dict) else {}
