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
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError
from scorebench.core.runinfo import RunInfo
from scorebench.core.secrets import register, register_environment, resolve_key
from scorebench.probes.spec import PUBLIC_ENDPOINT, InsightsSettings, TelemetrySpec, parse_telemetry

ENV_PREFIX = "SCOREBENCH_"
CONFIG_FILE = "scorebench.toml"
CONFIG_ENV = "SCOREBENCH_CONFIG"


class NotANumber(argparse.ArgumentTypeError, ValueError):
    """A numeric setting that is not a finite number (argparse prints its message; config names the source)."""


def finite_float(text: str) -> float:
    """A finite float from text (argparse `type=` and the settings table): `inf` and `nan` are refused."""
    try:
        value = float(text)
    except ValueError:
        raise NotANumber(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise NotANumber(f"{text!r} is not a finite number")
    return value


def timeout_seconds(text: str) -> float:
    """A scoring timeout in seconds (`report`/`check`/`alt-config --timeout-s`): finite, more than 0, at most
    an hour (the inference server's own longest)."""
    from scorebench.loadtests.plan import MAX_TIMEOUT_S

    value = finite_float(text)
    if not 0 < value <= MAX_TIMEOUT_S:
        raise NotANumber(f"{text!r}: a timeout is more than 0 and at most {MAX_TIMEOUT_S} s")
    return value


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
    Setting("duration", None),
    Setting("requests", None, int),
    Setting("until_decided", False, _bool),
    Setting("max_duration", "10m"),
    Setting("max_requests", 1_000_000, int),
    Setting("concurrency", 1, int),
    Setting("rate", None, finite_float),
    Setting("rate_stages", None),
    Setting("users", 1, int),
    Setting("spawn_rate", 1.0, finite_float),
    Setting("workers", 0, int),
    Setting("processes", 0, int),
    Setting("shape", None),
    Setting("payloads", None),
    Setting("telemetry", None),
    Setting("workspace_id", None),
    Setting("app_insights_id", None),
    Setting("timeout_s", 60.0, finite_float),
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
    Setting("telemetry_wait", "10m"),
    Setting("telemetry_poll", None),
    Setting("service_name", None),
    Setting("no_progress", False, _bool),
    Setting("junit", None),
    Setting("expect_schema", None),
    Setting("no_answer_check", False, _bool),
)
SETTINGS_BY_DEST = {setting.dest: setting for setting in SETTINGS}


def toml_path(environ: Mapping[str, str] | None = None) -> Path | None:
    """The scorebench.toml a run reads ($SCOREBENCH_CONFIG, else ./scorebench.toml), None when there is none.

    Raises:
        HarnessError: $SCOREBENCH_CONFIG names a file that does not exist.
    """
    env = os.environ if environ is None else environ
    named = env.get(CONFIG_ENV)
    candidate = Path(named) if named else Path.cwd() / CONFIG_FILE
    if candidate.is_dir():
        raise HarnessError(f"config: {candidate}: is a directory, not a file")
    if not candidate.is_file():
        if named:
            raise HarnessError(f"config: {candidate} does not exist")
        return None
    return candidate


def read_toml(path: Path) -> dict[str, Any]:
    """The whole document of a scorebench.toml (the one place the file is parsed)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise HarnessError(f"config: {path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise HarnessError(f"config: {path}: cannot be read ({exc.strerror})") from None


def load_toml(path: Path | None = None, *, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The [run] table (or top level) of scorebench.toml, with [check]'s keys beneath; {} if there is none."""
    if path is not None and not path.is_file():
        raise HarnessError(f"config: {path} does not exist")
    candidate = path or toml_path(environ)
    if candidate is None:
        return {}
    data = read_toml(candidate)
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
            where = f"{CONFIG_FILE} {key}"
            return _toml_value(setting, table[key], where), where
    return (list(setting.default) if isinstance(setting.default, list) else setting.default), "default"


def _toml_value(setting: Setting, value: Any, where: str) -> Any:
    """A scorebench.toml value as the setting's type: text is parsed, a number read as its text; a list, a
    table or a boolean the setting does not take is one line naming file and key (TOML's `inf` and `nan` too)."""
    if isinstance(value, str):
        return _parse(setting, value, where)
    if isinstance(value, bool) and setting.parse is _bool:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and setting.parse is not _bool:
        if setting.parse is int and not isinstance(value, int):
            raise HarnessError(f"{where}: {value!r} is not a whole number")
        return _parse(setting, str(value), where)
    kinds = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "a table"}
    kind = kinds.get(type(value), f"a {type(value).__name__}")
    raise HarnessError(f"{where}: {value!r} is {kind}, not a valid value for {setting.toml_key}")


def _parse(setting: Setting, text: str, where: str) -> Any:
    try:
        return setting.parse(text)
    except NotANumber as exc:
        raise HarnessError(f"{where}: {exc}") from None
    except ValueError:
        raise HarnessError(f"{where}: {text!r} is not a valid value for {setting.toml_key}") from None


def endpoint_key(args: argparse.Namespace, *, environ: Mapping[str, str] | None = None) -> str | None:
    """The key from --key-file (or SCOREBENCH_KEY_FILE / toml key-file), else SCOREBENCH_KEY; never a flag value."""
    env = dict(os.environ if environ is None else environ)
    return resolve_key(getattr(args, "key_file", None), environ=env)


def register_key_of_environment(*, environ: Mapping[str, str] | None = None) -> None:
    """Register SCOREBENCH_KEY with the scrubber before anything could echo it (cli.py, first thing)."""
    register_environment(os.environ if environ is None else environ)


@dataclasses.dataclass(frozen=True)
class ListSetting:
    """A repeatable setting: --flag (repeatable), else one env var (comma/semicolon list), else a toml list."""

    flag: str
    env: str
    toml_keys: tuple[str, ...]


THRESHOLDS = ListSetting("--threshold", "SCOREBENCH_THRESHOLDS", ("thresholds", "threshold"))
SLOS = ListSetting("--slo", "SCOREBENCH_SLO", ("slo", "slos"))


LIST_SEPARATOR = re.compile(r"[;,](?!\s*\d)")
"""Items of a list variable are separated by `,` or `;`, except a comma before a number: the floor
of a threshold, `p99:+15%,5ms` (reports/common/checks.py THRESHOLD)."""


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
        items = LIST_SEPARATOR.split(env[setting.env])
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
    from scorebench.reports.common.checks import parse_threshold

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
    from scorebench.reports.common.slo import parse_slo

    found = configured_list(SLOS, flags, **sources)
    for text, where in found:
        parse_slo(text, where)
    return [text for text, _ in found]


BASELINES_ENV = "SCOREBENCH_BASELINES_DIR"


def baselines_dir(flag: str | Path | None = None, *, environ: Mapping[str, str] | None = None) -> Path:
    """Where baselines are kept: --baselines-dir, else $SCOREBENCH_BASELINES_DIR, else ./reports/baselines."""
    from scorebench.reports.run.baseline import BASELINES_DIR

    env = os.environ if environ is None else environ
    return Path(flag or env.get(BASELINES_ENV) or BASELINES_DIR)


def step_summary(*, environ: Mapping[str, str] | None = None) -> str | None:
    """$GITHUB_STEP_SUMMARY (GitHub Actions' job summary file), when set: summary.md is appended to it."""
    env = os.environ if environ is None else environ
    return env.get("GITHUB_STEP_SUMMARY") or None


# ---- telemetry: the one spec (scorebench/probes/spec.py), from flags, SCOREBENCH_*, toml or run.json ----

LOGS_ENDPOINT_ENV = "SCOREBENCH_LOGS_ENDPOINT"
"""The Log Analytics query endpoint (sovereign clouds: https://api.loganalytics.us; tests: loopback http)."""
LOGS_AUDIENCE_ENV = "SCOREBENCH_LOGS_AUDIENCE"
LOGS_TOKEN_ENV = "SCOREBENCH_LOGS_TOKEN"
"""A ready bearer token for Log Analytics (CI jobs holding a token but no identity); never shown."""
PROBE_DEFAULT_ENV = {
    "telemetry": "SCOREBENCH_TELEMETRY",
    "workspace_id": "SCOREBENCH_WORKSPACE_ID",
    "app_insights_id": "SCOREBENCH_APP_INSIGHTS_ID",
}
"""`scorebench probe`: what run.json does not say comes from these variables."""


def insights_settings(
    workspace_id: str | None,
    app_insights_id: str | None,
    *,
    interactive: bool = False,
    traffic_log: bool = False,
    where: tuple[str, str] = ("--workspace-id", "--app-insights-id"),
    environ: Mapping[str, str] | None = None,
) -> InsightsSettings:
    """The App Insights settings: the ids (and where each came from), the sign-in, SCOREBENCH_LOGS_*."""
    env = os.environ if environ is None else environ
    token = env.get(LOGS_TOKEN_ENV, "").strip()
    register(token)  # a secret: scrubbed from every message from now on
    return InsightsSettings(
        workspace_id=workspace_id or None,
        app_insights_id=app_insights_id or None,
        credential="interactive" if interactive else ("token" if token else "default"),
        token=token,
        endpoint=env.get(LOGS_ENDPOINT_ENV, "").strip() or PUBLIC_ENDPOINT,
        audience=env.get(LOGS_AUDIENCE_ENV, "").strip() or None,
        traffic_log=traffic_log,
        workspace_where=where[0],
        app_insights_where=where[1],
        endpoint_where=LOGS_ENDPOINT_ENV,
    )


def run_telemetry(args: argparse.Namespace, *, environ: Mapping[str, str] | None = None) -> TelemetrySpec | None:
    """`run` / `capacity`: the telemetry spec of resolved args (None: not given — the stand-in's own, else none).

    An id alone (--workspace-id / --app-insights-id, or their SCOREBENCH_* / toml forms) means appinsights.
    """
    where = (source_of(args, "workspace_id"), source_of(args, "app_insights_id"))
    insights = insights_settings(args.workspace_id, args.app_insights_id, where=where, environ=environ)
    if insights.workspace_id and insights.app_insights_id:
        raise HarnessError(f"{where[0]} and {where[1]} name two telemetry sources: give one")
    if args.telemetry is None:
        return parse_telemetry("appinsights", where[0], insights) if insights.named else None
    return parse_telemetry(str(args.telemetry), source_of(args, "telemetry"), insights)


def compare_telemetry(
    args: argparse.Namespace, *, environ: Mapping[str, str] | None = None
) -> tuple[TelemetrySpec | None, TelemetrySpec | None]:
    """`compare`: the current's and the candidate's telemetry (--candidate-telemetry, else the current's)."""
    insights = insights_settings(args.workspace_id, args.app_insights_id, environ=environ)
    if insights.workspace_id and insights.app_insights_id:
        raise HarnessError("--workspace-id and --app-insights-id name two telemetry sources: give one")
    current: TelemetrySpec | None = None
    if args.telemetry is not None:
        current = parse_telemetry(str(args.telemetry), source_of(args, "telemetry"), insights)
    elif insights.named:
        current = parse_telemetry("appinsights", "--workspace-id", insights)
    candidate = current
    if args.candidate_telemetry is not None:
        candidate = parse_telemetry(str(args.candidate_telemetry), "--candidate-telemetry", insights)
    return current, candidate


def probe_telemetry(
    args: argparse.Namespace, run_info: RunInfo, run_json: Path, *, environ: Mapping[str, str] | None = None
) -> TelemetrySpec:
    """`scorebench probe RUN`: --telemetry, else run.json's `telemetry`, else $SCOREBENCH_TELEMETRY, else none.

    The ids likewise: the flags, else run.json's `workspace_id` / `app_insights_id`, else SCOREBENCH_*.
    """
    env = os.environ if environ is None else environ

    recorded = {"telemetry": run_info.telemetry, "workspace_id": run_info.workspace_id,
                "app_insights_id": run_info.app_insights_id}  # fmt: skip

    def setting(key: str) -> tuple[str | None, str]:
        if recorded[key]:
            return str(recorded[key]), f"{run_json}:{key}"
        name = PROBE_DEFAULT_ENV[key]
        return (env[name], name) if env.get(name, "").strip() else (None, name)

    ids = {key: (getattr(args, key), "--" + key.replace("_", "-")) for key in ("workspace_id", "app_insights_id")}
    if not any(value for value, _ in ids.values()):
        ids = {key: setting(key) for key in ids}
    insights = insights_settings(
        ids["workspace_id"][0], ids["app_insights_id"][0], interactive=bool(args.interactive),
        traffic_log=bool(args.traffic_log), where=(ids["workspace_id"][1], ids["app_insights_id"][1]), environ=env,
    )  # fmt: skip
    text, where = (args.telemetry, "--telemetry") if args.telemetry is not None else setting("telemetry")
    return parse_telemetry(text or "none", where, insights)
