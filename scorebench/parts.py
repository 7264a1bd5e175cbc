"""The other stages `scorebench run` drives, imported lazily from one table so names can move.

PARTS maps a role to (module, attribute). Only what a run needs is imported (never locust in this
process unless the Locust engine's own module chooses to spawn it). Rule: a part that is missing
from this build is a HarnessError naming the role, not an ImportError traceback. `report_outcome`
reads the report stage's result whatever its exact shape (attributes or dict keys).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from typing import Any

from scorebench.core.errors import HarnessError

ENGINES: dict[str, str] = {"ab": "scorebench.loadtests.ab", "locust": "scorebench.loadtests.locust_engine"}
PARTS: dict[str, tuple[str, str]] = {
    **{f"engine:{name}": (module, "run_load") for name, module in ENGINES.items()},
    "probe": ("scorebench.probes.collect", "probe_run"),
    "report": ("scorebench.reports.build", "write_report"),
    "load_baseline": ("scorebench.reports.baseline", "load_baseline"),
    "configured_thresholds": ("scorebench.config", "configured_thresholds"),
    "parse_threshold": ("scorebench.reports.checks", "parse_threshold"),
    "baselines_dir": ("scorebench.reports.baseline", "baselines_dir"),
    "resolve_service": ("scorebench.azureml.service", "resolve_service"),
    "standin": ("scorebench.local.standin", "StandIn"),
}


def part(role: str) -> Any:
    """The callable/class for a role in PARTS; HarnessError when this build lacks it."""
    module_name, attribute = PARTS[role]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise HarnessError(f"{role}: {module_name} is not available in this build") from None
        raise
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise HarnessError(f"{role}: {module_name}.{attribute} is not available in this build") from None


def call(role: str, *args: Any, **options: Any) -> Any:
    """Call a part with keyword options; None values are left out (the part's default applies).

    An option with a value the part does not declare is a HarnessError naming it, so a name that
    moved at merge time shows up in the first end-to-end test rather than being ignored.
    """
    function = part(role)
    unknown = [name for name in dropped_options(role, options) if options[name] is not None]
    if unknown:
        module_name, attribute = PARTS[role]
        raise HarnessError(f"{role}: {module_name}.{attribute} does not take {', '.join(unknown)}")
    return function(*args, **{name: value for name, value in options.items() if value is not None})


def dropped_options(role: str, options: dict[str, Any]) -> list[str]:
    """The option names the part would not accept (or whose value is None)."""
    try:
        parameters = inspect.signature(part(role)).parameters
    except (TypeError, ValueError):
        return [name for name, value in options.items() if value is None]
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    return [name for name, value in options.items() if value is None or not (takes_any or name in parameters)]


def available(role: str) -> bool:
    """True when the part's module imports and has its attribute (for tests and --help)."""
    try:
        part(role)
    except HarnessError:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class ReportOutcome:
    """What `scorebench run` prints and returns after the report stage."""

    exit_code: int
    verdict_lines: list[str]
    report_path: str | None


def report_outcome(outcome: Any) -> ReportOutcome:
    """Normalise the report stage's return value (object or dict) to ReportOutcome."""
    get = outcome.get if isinstance(outcome, dict) else (lambda name, default=None: getattr(outcome, name, default))
    code = get("exit_code", 0)
    lines = _first(get, ("verdict_lines", "lines", "verdicts", "verdict"), [])
    path = _first(get, ("report_path", "report", "html_path", "path"), None)
    if isinstance(lines, str):
        lines = [lines]
    return ReportOutcome(int(code or 0), [str(line) for line in lines or []], str(path) if path else None)


def _first(get: Any, names: tuple[str, ...], default: Any) -> Any:
    for name in names:
        value = get(name, None)
        if value is not None:
            return value
    return default
