"""Settings of a run: flags, then SCOREBENCH_* environment variables, then scorebench.toml, then defaults.

One table (SETTINGS) says, for every setting, its argparse dest, its environment variable, its key
in scorebench.toml (table [run], or top level) and its default; `resolve` fills every flag the
user left unset (None) from the next source in that order. Rules: argparse defaults for these
settings are None so "not given" is visible; a value that does not parse is a HarnessError naming
where it came from; thresholds are left to scorebench.reports.checks.configured_thresholds (--threshold,
$SCOREBENCH_THRESHOLDS, [check] thresholds) so `run` and `check` read them alike; the key is
never a setting here: it comes only from SCOREBENCH_KEY, --key-file or the Azure ML service.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.secrets import resolve_key

ENV_PREFIX = "SCOREBENCH_"
CONFIG_FILE = "scorebench.toml"
CONFIG_ENV = "SCOREBENCH_CONFIG"


def _bool(text: str) -> bool:
    value = str(text).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{text!r} is not a boolean")


@dataclasses.dataclass(frozen=True)
class Setting:
    """One run setting and where it may come from."""

    dest: str
    default: Any
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.dest.upper()

    @property
    def toml_key(self) -> str:
        return self.dest.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting("endpoint", None),
    Setting("engine", "ab"),
    Setting("duration", "60s"),
    Setting("requests", None, int),
    Setting("concurrency", 1, int),
    Setting("rate", None, float),
    Setting("users", 1, int),
    Setting("spawn_rate", 1.0, float),
    Setting("workers", 0, int),
    Setting("processes", 0, int),
    Setting("shape", None),
    Setting("payloads", None),
    Setting("telemetry", None),
    Setting("workspace_id", None),
    Setting("app_insights_id", None),
    Setting("timeout_s", 60.0, float),
    Setting("baseline", None),
    Setting("out", "runs"),
    Setting("label", "run"),
    Setting("key_file", None),
    Setting("service", None),
    Setting("workspace_config", None),
    Setting("endpoint_name", None),
    Setting("deployment", None),
    Setting("insecure", False, _bool),
    Setting("telemetry_required", False, _bool),
    Setting("telemetry_wait", "30s"),
    Setting("no_progress", False, _bool),
)
SETTINGS_BY_DEST = {setting.dest: setting for setting in SETTINGS}


def load_toml(path: Path | None = None, *, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The [run] table (or top level) of scorebench.toml: $SCOREBENCH_CONFIG, else ./scorebench.toml; {} if none."""
    env = os.environ if environ is None else environ
    candidate = path or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else Path.cwd() / CONFIG_FILE)
    if not candidate.is_file():
        if path is not None or env.get(CONFIG_ENV):
            raise HarnessError(f"config: {candidate} does not exist")
        return {}
    try:
        data = tomllib.loads(candidate.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise HarnessError(f"config: {candidate}: {exc}") from None
    table = data.get("run", data)
    return dict(table) if isinstance(table, dict) else {}


def resolve(
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    toml: Mapping[str, Any] | None = None,
) -> argparse.Namespace:
    """Fill each setting left None (or empty list) on args: env var, then toml, then default. Returns args."""
    env = os.environ if environ is None else environ
    table = load_toml(environ=env) if toml is None else toml
    for setting in SETTINGS:
        current = getattr(args, setting.dest, None)
        if current not in (None, []):
            continue
        setattr(args, setting.dest, _from_sources(setting, env, table))
    return args


def _from_sources(setting: Setting, env: Mapping[str, str], table: Mapping[str, Any]) -> Any:
    if env.get(setting.env, "") != "":
        return _parse(setting, env[setting.env], setting.env)
    for key in (setting.toml_key, setting.dest):
        if key in table:
            value = table[key]
            return _parse(setting, value, f"{CONFIG_FILE} {key}") if isinstance(value, str) else value
    return list(setting.default) if isinstance(setting.default, list) else setting.default


def _parse(setting: Setting, text: str, where: str) -> Any:
    try:
        return setting.parse(text)
    except ValueError:
        raise HarnessError(f"{where}: {text!r} is not a valid value for {setting.toml_key}") from None


def endpoint_key(args: argparse.Namespace, *, environ: Mapping[str, str] | None = None) -> str | None:
    """The key from --key-file (or SCOREBENCH_KEY_FILE / toml key-file), else SCOREBENCH_KEY; never a flag value."""
    env = dict(os.environ if environ is None else environ)
    return resolve_key(getattr(args, "key_file", None), environ=env)
