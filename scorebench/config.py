"""Settings of a run: flags, then SCOREBENCH_* environment variables, then scorebench.toml, then defaults.

One table (SETTINGS) says, for every setting, its argparse dest, its environment variable, its key
in scorebench.toml (table [run], or top level) and its default; `resolve` fills every flag the
user left unset (None) from the next source in that order. Rules: argparse defaults for these
settings are None so "not given" is visible; a value that does not parse is a HarnessError naming
where it came from (`source_of` names flag / environment variable / file:key); thresholds and
SLOs are list settings read here for `run`, `report` and `check` alike (`configured_thresholds`,
`configured_slos`: flags, else $SCOREBENCH_THRESHOLDS / $SCOREBENCH_SLO, comma- or
semicolon-separated, else scorebench.toml `thresholds` / `slo` in [check], [run] or top level) —
no other module reads the environment or scorebench.toml for them; the key is never a setting
here: it comes only from SCOREBENCH_KEY, --key-file or the Azure ML service.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
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
    Setting("telemetry_wait", "5m"),
    Setting("telemetry_poll", None),
    Setting("service_name", None),
    Setting("no_progress", False, _bool),
    Setting("junit", None),
    Setting("expect_schema", None),
    Setting("no_answer_check", False, _bool),
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
    merged = {**data.get("check", {}), **table} if isinstance(data.get("check"), dict) else table
    return dict(merged) if isinstance(merged, dict) else {}


def resolve(
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    toml: Mapping[str, Any] | None = None,
) -> argparse.Namespace:
    """Fill each setting left None (or empty list) on args: env var, then toml, then default. Returns args."""
    env = os.environ if environ is None else environ
    table = load_toml(environ=env) if toml is None else toml
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        current = getattr(args, setting.dest, None)
        if current not in (None, []):
            sources[setting.dest] = "--" + setting.dest.replace("_", "-")
            continue
        value, sources[setting.dest] = _from_sources(setting, env, table)
        setattr(args, setting.dest, value)
    args.sources = sources
    return args


def source_of(args: argparse.Namespace, dest: str) -> str:
    """Where a resolved setting came from: `--flag`, `SCOREBENCH_X`, `scorebench.toml key` or `default`."""
    return str(getattr(args, "sources", {}).get(dest, "--" + dest.replace("_", "-")))


def _from_sources(setting: Setting, env: Mapping[str, str], table: Mapping[str, Any]) -> tuple[Any, str]:
    if env.get(setting.env, "") != "":
        return _parse(setting, env[setting.env], setting.env), setting.env
    for key in (setting.toml_key, setting.dest):
        if key in table:
            value = table[key]
            where = f"{CONFIG_FILE} {key}"
            return (_parse(setting, value, where) if isinstance(value, str) else value), where
    return (list(setting.default) if isinstance(setting.default, list) else setting.default), "default"


def _parse(setting: Setting, text: str, where: str) -> Any:
    try:
        return setting.parse(text)
    except ValueError:
        raise HarnessError(f"{where}: {text!r} is not a valid value for {setting.toml_key}") from None


def endpoint_key(args: argparse.Namespace, *, environ: Mapping[str, str] | None = None) -> str | None:
    """The key from --key-file (or SCOREBENCH_KEY_FILE / toml key-file), else SCOREBENCH_KEY; never a flag value."""
    env = dict(os.environ if environ is None else environ)
    return resolve_key(getattr(args, "key_file", None), environ=env)


@dataclasses.dataclass(frozen=True)
class ListSetting:
    """A repeatable setting: --flag (repeatable), else one env var (comma/semicolon list), else a toml list."""

    flag: str
    env: str
    toml_keys: tuple[str, ...]


THRESHOLDS = ListSetting("--threshold", "SCOREBENCH_THRESHOLDS", ("thresholds", "threshold"))
SLOS = ListSetting("--slo", "SCOREBENCH_SLO", ("slo", "slos"))


def configured_list(
    setting: ListSetting,
    flags: Sequence[str] | None,
    *,
    environ: Mapping[str, str] | None = None,
    toml: Mapping[str, Any] | None = None,
) -> list[tuple[str, str]]:
    """(text, where it came from) of each item: flags, else the env var, else scorebench.toml."""
    if flags:
        return [(text, setting.flag) for text in flags]
    env = os.environ if environ is None else environ
    if env.get(setting.env, "").strip():
        items = env[setting.env].replace(";", ",").split(",")
        return [(item.strip(), setting.env) for item in items if item.strip()]
    table = load_toml(environ=env) if toml is None else toml
    for key in setting.toml_keys:
        if key in table:
            values = table[key]
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise HarnessError(f"{CONFIG_FILE} {key}: must be a list of strings")
            return [(value, f"{CONFIG_FILE} {key}") for value in values]
    return []


def configured_thresholds(flags: Sequence[str] | None, **sources: Any) -> list[str]:
    """Baseline thresholds, each checked (a bad one is a HarnessError naming its source)."""
    from scorebench.reports.checks import parse_threshold

    found = configured_list(THRESHOLDS, flags, **sources)
    for text, where in found:
        if text.partition(":")[2].strip().lower() != "off":
            try:
                parse_threshold(text)
            except HarnessError as exc:
                raise HarnessError(f"{where}: {exc}") from None
    return [text for text, _ in found]


def configured_slos(flags: Sequence[str] | None, **sources: Any) -> list[str]:
    """Absolute SLOs, each checked (a bad one is a HarnessError naming its source)."""
    from scorebench.reports.slo import parse_slo

    found = configured_list(SLOS, flags, **sources)
    for text, where in found:
        parse_slo(text, where)
    return [text for text, _ in found]


def step_summary(*, environ: Mapping[str, str] | None = None) -> str | None:
    """$GITHUB_STEP_SUMMARY (GitHub Actions' job summary file), when set: summary.md is appended to it."""
    env = os.environ if environ is None else environ
    return env.get("GITHUB_STEP_SUMMARY") or None
