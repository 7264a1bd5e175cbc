"""runsettings.py: what a run or a comparison is asked to do, validated: the flags' product.

commands/run.py, capacity.py and compare.py build these from flags, scorebench.toml and the
environment; orchestrate.py and orchestrate_compare.py carry them out (an until-decided run within
its loadtests/plan.py Budget). This module imports nothing heavy, so a command line is checked and
refused before the statistics stack is loaded.
Rules: frozen dataclasses, no behaviour beyond describing themselves.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scorebench.loadtests.plan import Budget
from scorebench.reports.common.presentation import Presentation
from scorebench.target import TargetSpec

if TYPE_CHECKING:
    from scorebench.payloads.loader import Payload
    from scorebench.probes.collect import ProbeOptions
    from scorebench.probes.spec import TelemetrySpec

ENGINE_NAMES = ("ab", "locust")
"""The load engines `--engine` chooses from (orchestrate.ENGINES runs them)."""


@dataclasses.dataclass(frozen=True)
class LoadSettings:
    """The load the flags ask for (LoadPlan's fields but the target's url, key and headers)."""

    duration_s: float | None
    requests: int | None
    concurrency: int
    rate_rps: float | None
    users: int
    spawn_rate: float
    workers: int
    shape: str | None
    timeout_s: float
    timeout_explicit: bool = False
    """--timeout-s was given: it wins over the timeout the Azure ML service reports."""
    processes: int = 0
    """ab engine processes (0: as many as the load needs, up to the cores)."""
    rate_stages: str | None = None
    """ab engine, open model: a ramping arrival rate (validated; duration_s is its length)."""
    budget: Budget | None = None
    """Until decided (scorebench/decider.py) within this budget; None: a fixed length (duration_s / requests)."""


@dataclasses.dataclass(frozen=True)
class TelemetrySettings:
    """Where the server's telemetry is read (`telemetry` None: local for the stand-in, else none) and how long
    to wait for it; the spec is parsed once, by scorebench/config.py (docs/probes.md, Backends)."""

    telemetry: TelemetrySpec | None
    wait_s: float
    poll_s: float | None = None
    """Pause between polls (None: the backend's own)."""
    service_name: str | None = None
    """The target's service name / cloud role in shared telemetry (None: inferred from the run's ids)."""
    required: bool = False

    def probe_options(self) -> ProbeOptions:
        """The probe's options (a failure is recorded, the run goes on: `required` is judged after the report)."""
        from scorebench.probes.collect import ProbeOptions

        return ProbeOptions(wait_s=self.wait_s, poll_s=self.poll_s, service_name=self.service_name)


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """Everything a run needs, validated (commands/run.py builds it)."""

    engine: str
    payloads: list[Payload]
    payloads_path: str
    load: LoadSettings
    out_dir: Path
    label: str
    telemetry: TelemetrySettings
    baseline: str | None
    thresholds: list[str]
    insecure: bool
    progress: bool
    target: TargetSpec = dataclasses.field(default_factory=TargetSpec)
    """Where the load goes (scorebench/target.py); the default is the local stand-in."""
    slos: list[str] = dataclasses.field(default_factory=list)
    """Absolute SLOs (scorebench/config.py configured_slos, parsed once); defaults added in reports/common/slo.py."""
    junit: str | None = None
    answer_check: dict[str, object] = dataclasses.field(default_factory=dict)
    """--expect-schema / --no-answer-check (scorebench/loadtests/outcomes.py AnswerCheck fields)."""
    presentation: Presentation = dataclasses.field(default_factory=Presentation)
    """--title / --note for the report (reports/common/presentation.py)."""
    payload_mix: list[dict[str, str | int]] = dataclasses.field(default_factory=list)
    """A weighted mix's parts (path, weight, count) for run.json; empty for one payload set."""


@dataclasses.dataclass(frozen=True)
class SideSpec:
    """One side as the flags name it: its target (scorebench/target.py) and its telemetry source."""

    side: str
    """current | candidate: its folder in the run directory."""
    target: TargetSpec
    telemetry: TelemetrySpec | None = None

    def describe(self) -> str:
        return self.target.describe()


@dataclasses.dataclass
class CompareSettings:
    """Everything a comparison needs, validated."""

    current: SideSpec
    candidate: SideSpec
    payloads: list[Payload]
    payloads_path: str
    plan_fields: dict[str, Any]
    out_dir: Path
    label: str
    thresholds: list[str]
    slos: list[str]
    min_agreement: float | None
    probe_options: ProbeOptions
    insecure: bool
    progress: bool
    junit: Path | None = None
    timeout_explicit: bool = False
    presentation: Presentation = dataclasses.field(default_factory=Presentation)
    """--title / --note for the report (reports/common/presentation.py)."""
    answer_check: dict[str, Any] = dataclasses.field(default_factory=dict)
    """--expect-schema / --no-answer-check (loadtests/outcomes.py AnswerCheck fields), as `run`."""
    payload_mix: list[dict[str, str | int]] = dataclasses.field(default_factory=list)
    """A weighted mix's parts (path, weight, count) for run.json; empty for one payload set."""
    budget: Budget | None = None
    """Until decided (scorebench/decider.py) within this budget (requests: per side); None: a fixed length."""
