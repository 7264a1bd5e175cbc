"""The old run directory layout, read into today's records (docs/architecture.md, "The records").

Before load.json and probe.json, every stage merged its findings into run.json: the load added
`ended_at`, `load_started_at`, `load_ended_at`, `requests`, `engine_info`, `partial`,
`partial_reason`, `interrupted` (and `error`), the probe added `probe`; a compare run kept
`targets`, `pairing`, `min_agreement` and a capacity run `search`, `step`, `max_duration_s`,
`instances`, `target_rps` at the top level, a capacity step its `rate_rps`. This module maps those
keys into the fields of RunInfo, LoadRecord and ProbeRecord; it is the only place that knows them.
Rule: an old run.json whose `ended_at` is null was never finished (killed): it has no load record.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

AFTER_THE_START = ("ended_at", "probe", "requests", "load_ended_at")
"""Keys only an old layout's run.json holds: added to it after the run started."""
COMPARE_KEYS = ("targets", "pairing", "min_agreement")
CAPACITY_KEYS = ("search", "step", "max_duration_s", "instances", "target_rps")
LOAD_KEYS = ("load_started_at", "load_ended_at", "partial", "partial_reason", "interrupted", "error", "engine_info")


def is_legacy(data: Mapping[str, Any], run_dir: Path) -> bool:
    """run.json of the old layout: it holds what only later stages knew, and there is no load.json."""
    return any(key in data for key in AFTER_THE_START) and not (run_dir / "load.json").exists()


def info_fields(data: Mapping[str, Any], default_label: str) -> dict[str, Any]:
    """run.json's object with the old layout's top-level compare / capacity keys nested as today."""
    fields = dict(data)
    fields.setdefault("label", default_label)
    if fields.get("label") is None:
        fields["label"] = default_label
    if "targets" in data and "compare" not in data:
        fields["compare"] = {key: data[key] for key in COMPARE_KEYS if key in data}
    if "search" in data and isinstance(data.get("step"), dict) and "capacity" not in data:
        fields["capacity"] = {key: data[key] for key in CAPACITY_KEYS if key in data}
    if data.get("kind") == "capacity-step" and "rate_rps" in data and not data.get("load_profile"):
        fields["load_profile"] = {"rate_rps": data["rate_rps"]}
    return fields


def load_fields(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The LoadRecord an old run.json holds; None when its load never finished (`ended_at` null)."""
    if data.get("ended_at") is None:
        return None
    fields = {key: data[key] for key in LOAD_KEYS if key in data and data[key] is not None}
    fields.setdefault("load_started_at", data.get("started_at"))
    fields.setdefault("load_ended_at", data["ended_at"])
    requests = data.get("requests")
    fields["requests"] = sum(requests.values()) if isinstance(requests, dict) else int(requests or 0)
    return fields


def probe_fields(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ProbeRecord an old run.json holds (`probe`, or an older `telemetry_error`), else None."""
    probe = data.get("probe")
    if isinstance(probe, dict):
        fields = {key: value for key, value in probe.items() if value is not None or key == "error"}
        fields.setdefault("source", str(data.get("telemetry") or "none"))
        return fields
    if data.get("telemetry_error"):
        return {"source": str(data.get("telemetry") or "none"), "error": str(data["telemetry_error"])}
    return None
