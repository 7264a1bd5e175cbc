"""`scorebench endpoint show|keys|logs|enable-insights`: an Azure ML service looked up by name.

SDK v1 web services (ACI/AKS) by `--name SERVICE`; SDK v2 managed online endpoints by
`--endpoint-name ENDPOINT [--deployment DEP]`. The workspace comes from config.json
(`--workspace-config`, else searched from the current directory). Rules: `show` never prints a
key; `keys` writes the key to a 0600 file (`--out`) or prints an export line only with `--reveal`;
every failure is one line (HarnessError, exit 2).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import stat
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from scorebench.azureml.common import AUTH_CHOICES, ServiceInfo
from scorebench.azureml.service import DirectoryOpener, ServiceDirectory, ServiceTarget, open_directory
from scorebench.core.errors import HarnessError
from scorebench.core.secrets import KEY_ENV, reveal

VERBS = ("show", "keys", "logs", "enable-insights")
DEFAULT_LOG_LINES = 5000


def add_service_arguments(parser: argparse.ArgumentParser, name_flag: str = "--name", required: bool = True) -> None:
    """The flags naming an Azure ML service; `scorebench run` uses them with name_flag="--service"."""
    which = parser.add_mutually_exclusive_group(required=required)
    which.add_argument(name_flag, dest="name", metavar="SERVICE", help="SDK v1 web service (ACI/AKS) name")
    which.add_argument(
        "--endpoint-name", metavar="ENDPOINT", help="SDK v2 managed online endpoint name (needs scorebench[v2])"
    )
    parser.add_argument("--deployment", metavar="DEP", help="v2 deployment (default: the one taking most traffic)")
    parser.add_argument(
        "--workspace-config", metavar="PATH", help="config.json from Azure ML studio, or a folder to search from"
    )
    parser.add_argument("--auth", choices=AUTH_CHOICES, default="auto",
                        help="sign-in: auto = service principal when AZURE_CLIENT_ID/AZURE_TENANT_ID/"
                             "AZURE_CLIENT_SECRET are set, else interactive (env SCOREBENCH_AZURE_AUTH)")  # fmt: skip


def service_target(args: argparse.Namespace) -> ServiceTarget:
    """The ServiceTarget named by add_service_arguments' flags (HarnessError when they do not fit)."""
    if args.deployment and not args.endpoint_name:
        raise HarnessError("--deployment goes with --endpoint-name (SDK v2 endpoints)")
    return ServiceTarget(args.name, args.endpoint_name, args.deployment, args.workspace_config, args.auth)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("verb", choices=VERBS, help="what to do with the service")
    add_service_arguments(parser)
    parser.add_argument("--json", action="store_true", help="show: print the service as JSON")
    parser.add_argument(
        "--out", metavar="FILE", help="keys: write the primary key to this file (created with mode 0600)"
    )
    parser.add_argument("--reveal", action="store_true", help=f"keys: print 'export {KEY_ENV}=...' on stdout")
    parser.add_argument(
        "--lines", type=int, metavar="N", default=DEFAULT_LOG_LINES, help="logs: how many lines (default 5000)"
    )
    parser.add_argument("--disable", action="store_true", help="enable-insights: switch Application Insights off")


def run(args: argparse.Namespace, opener: DirectoryOpener = open_directory) -> int:
    target = service_target(args)
    if args.verb == "keys" and not (args.out or args.reveal):
        raise HarnessError(
            "keys: say where the key goes: --out FILE (written with mode 0600) "
            f"or --reveal (prints export {KEY_ENV}=...)"
        )
    if args.lines < 1:
        raise HarnessError(f"--lines must be at least 1, got {args.lines}")
    name = target.service_name
    ACTIONS[args.verb](opener(target), name, args)
    return 0


def show(directory: ServiceDirectory, name: str, args: argparse.Namespace) -> None:
    info = directory.describe(name)
    print(json.dumps(asdict(info), indent=2) if args.json else format_info(info))


def format_info(info: ServiceInfo) -> str:
    """The `show` text: one `label: value` line per fact, never a key."""
    timeout = f"{info.scoring_timeout_ms} ms" if info.scoring_timeout_ms else "not reported by the service"
    insights = {True: "enabled", False: "disabled", None: "unknown"}[info.app_insights_enabled]
    rows = [
        ("service", info.name),
        ("deployment", info.deployment),
        ("workspace", info.workspace),
        ("state", info.state),
        ("scoring URI", info.scoring_uri),
        ("swagger URI", info.swagger_uri or "none"),
        ("auth mode", info.auth_mode),
        ("compute type", info.compute_type),
        ("App Insights", insights),
        ("model ids", ", ".join(info.model_ids) or "none"),
        ("scoring timeout", timeout),
    ]
    return "\n".join(f"{label + ':':<17}{value}" for label, value in rows if value is not None)


def keys(directory: ServiceDirectory, name: str, args: argparse.Namespace) -> None:
    key = directory.primary_key(name)
    if args.out:
        path = write_secret_file(Path(args.out), key)
        print(f"primary key of {name} written to {path} (mode 600); use it with --key-file {path}")
    if args.reveal:
        reveal(f"export {KEY_ENV}={shlex.quote(key)}")  # the one output whose purpose is the key


def write_secret_file(path: Path, secret: str) -> Path:
    """Write `secret` to `path` readable by its owner only (0600), also when the file existed."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
        os.fchmod(fd, stat.S_IRUSR | stat.S_IWUSR)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
    except OSError as exc:
        raise HarnessError(f"cannot write key file {path}: {exc.strerror}") from None
    return path


def logs(directory: ServiceDirectory, name: str, args: argparse.Namespace) -> None:
    text = directory.logs(name, args.lines)
    print(text.rstrip("\n") if text.strip() else f"(no log lines from {name})")


def enable_insights(directory: ServiceDirectory, name: str, args: argparse.Namespace) -> None:
    enabled = not args.disable
    directory.set_app_insights(name, enabled)
    state = directory.describe(name).app_insights_enabled
    print(f"App Insights for {name}: {'enabled' if state else 'disabled' if state is False else 'unknown'}")
    if state is not None and state != enabled:
        raise HarnessError(f"Azure ML accepted the update but {name} still reports App Insights {state}")


ACTIONS: dict[str, Callable[[ServiceDirectory, str, argparse.Namespace], None]] = {
    "show": show,
    "keys": keys,
    "logs": logs,
    "enable-insights": enable_insights,
}
