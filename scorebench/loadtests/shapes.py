"""Load shapes as pure functions of run time: steady, ramp, step, spike, soak.

Each shape maps the seconds since the test started to `(user_count, spawn_rate)`, or None when
the test is over. The locustfile wraps the chosen one in a Locust `LoadTestShape` (its `tick()`
calls `ShapeSpec.tick(run_time_s)`), so this module imports nothing from Locust and the curves
are unit-testable. Parameters come from SCOREBENCH_* environment variables (`spec_from_env`);
what each shape promises:

    steady  `users` for the whole duration (started at `spawn_rate` users/s)
    ramp    linear from 1 to `users` over `ramp_s` (default: the whole duration), then hold
    step    `steps` equal stairs up to `users`, each lasting duration/steps
    spike   `base_users` (default users/5), a jump to `users` over the middle fifth, back to base
    soak    a short ramp (`ramp_s`, default min(60 s, duration/10)) then `users` held long
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping

Tick = tuple[int, float] | None


@dataclasses.dataclass(frozen=True)
class ShapeSpec:
    """One shape and its parameters."""

    name: str
    users: int
    spawn_rate: float
    duration_s: float
    steps: int = 4
    ramp_s: float | None = None
    base_users: int | None = None

    def tick(self, run_time_s: float) -> Tick:
        """(user_count, spawn_rate) at run_time_s, or None once the duration has passed."""
        if run_time_s >= self.duration_s:
            return None
        return SHAPES[self.name](self, run_time_s)


def _steady(spec: ShapeSpec, _t: float) -> Tick:
    return spec.users, spec.spawn_rate


def _ramp_to(spec: ShapeSpec, t: float, ramp_s: float) -> Tick:
    if ramp_s <= 0 or t >= ramp_s:
        return spec.users, float(spec.users)
    users = max(1, math.ceil(spec.users * t / ramp_s))
    return users, max(1.0, spec.users / ramp_s) * 2


def _ramp(spec: ShapeSpec, t: float) -> Tick:
    return _ramp_to(spec, t, spec.ramp_s if spec.ramp_s is not None else spec.duration_s)


def _step(spec: ShapeSpec, t: float) -> Tick:
    steps = max(1, spec.steps)
    stair = min(steps - 1, int(t * steps / spec.duration_s))
    return max(1, spec.users * (stair + 1) // steps), float(spec.users)


def _spike(spec: ShapeSpec, t: float) -> Tick:
    base = spec.base_users if spec.base_users is not None else max(1, spec.users // 5)
    in_spike = 0.4 * spec.duration_s <= t < 0.6 * spec.duration_s
    return (spec.users if in_spike else base), float(spec.users)


def _soak(spec: ShapeSpec, t: float) -> Tick:
    ramp_s = spec.ramp_s if spec.ramp_s is not None else min(60.0, spec.duration_s / 10)
    return _ramp_to(spec, t, ramp_s)


SHAPES: dict[str, Callable[[ShapeSpec, float], Tick]] = {
    "steady": _steady,
    "ramp": _ramp,
    "step": _step,
    "spike": _spike,
    "soak": _soak,
}

DEFAULT_DURATION_S = {"soak": 3600.0}
"""Shape-specific default durations; every other shape defaults to 60 s."""


def env_number(environ: Mapping[str, str], name: str, default: float | None) -> float | None:
    """The number in environ[name], `default` when unset or blank; ValueError naming the variable."""
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number") from None


def spec_from_env(
    environ: Mapping[str, str],
    users: int | None = None,
    spawn_rate: float | None = None,
    duration_s: float | None = None,
) -> ShapeSpec | None:
    """The shape SCOREBENCH_SHAPE names (None when unset); Locust's -u/-r/-t fill the gaps.

    Variables: SCOREBENCH_USERS, SCOREBENCH_SPAWN_RATE, SCOREBENCH_DURATION_S, SCOREBENCH_STEPS,
    SCOREBENCH_RAMP_S, SCOREBENCH_BASE_USERS.
    """
    name = environ.get("SCOREBENCH_SHAPE", "").strip().lower()
    if not name:
        return None
    if name not in SHAPES:
        raise ValueError(f"SCOREBENCH_SHAPE={name!r} is not one of {', '.join(SHAPES)}")
    users_n = env_number(environ, "SCOREBENCH_USERS", users or 1)
    rate = env_number(environ, "SCOREBENCH_SPAWN_RATE", spawn_rate or users_n)
    duration = env_number(environ, "SCOREBENCH_DURATION_S", duration_s or DEFAULT_DURATION_S.get(name, 60.0))
    base = env_number(environ, "SCOREBENCH_BASE_USERS", None)
    return ShapeSpec(
        name=name,
        users=max(1, int(users_n or 1)),
        spawn_rate=float(rate or 1.0),
        duration_s=float(duration or 60.0),
        steps=int(env_number(environ, "SCOREBENCH_STEPS", 4) or 4),
        ramp_s=env_number(environ, "SCOREBENCH_RAMP_S", None),
        base_users=int(base) if base is not None else None,
    )
