"""Load shapes: the pure curves, hand-checked, and one real Locust run following a step curve."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from scorebench.loadtests.shapes import SHAPES, ShapeSpec, spec_from_env
from tests.conftest import TEST_KEY
from tests.loadtests.conftest import run_locust


def curve(spec: ShapeSpec, times_s: list[float]) -> list[int | None]:
    return [(tick[0] if (tick := spec.tick(t)) else None) for t in times_s]


def test_steady_holds_users_then_stops() -> None:
    spec = ShapeSpec("steady", users=5, spawn_rate=2, duration_s=10)
    assert curve(spec, [0, 5, 9.9, 10]) == [5, 5, 5, None]
    assert spec.tick(0) == (5, 2)


def test_ramp_is_linear_to_users_then_holds() -> None:
    spec = ShapeSpec("ramp", users=10, spawn_rate=1, duration_s=20, ramp_s=10)
    assert curve(spec, [0, 1, 5, 9.5, 10, 19, 20]) == [1, 1, 5, 10, 10, 10, None]


def test_ramp_defaults_to_the_whole_duration() -> None:
    assert curve(ShapeSpec("ramp", users=4, spawn_rate=1, duration_s=8), [0, 2, 4, 6, 7.9]) == [1, 1, 2, 3, 4]


def test_step_climbs_equal_stairs() -> None:
    spec = ShapeSpec("step", users=8, spawn_rate=1, duration_s=8, steps=4)
    assert curve(spec, [0, 1.9, 2, 4, 6, 7.9, 8]) == [2, 2, 4, 6, 8, 8, None]


def test_spike_jumps_in_the_middle_fifth() -> None:
    spec = ShapeSpec("spike", users=10, spawn_rate=1, duration_s=10)
    assert curve(spec, [0, 3.9, 4, 5.9, 6, 9.9]) == [2, 2, 10, 10, 2, 2]
    assert spec.tick(4) == (10, 10.0)  # the jump is at once, not a ramp


def test_soak_ramps_briefly_then_holds() -> None:
    spec = ShapeSpec("soak", users=6, spawn_rate=1, duration_s=3600)
    assert curve(spec, [0, 30, 60, 3599, 3600]) == [1, 3, 6, 6, None]


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_every_shape_ends_at_its_duration(name: str) -> None:
    spec = ShapeSpec(name, users=3, spawn_rate=1, duration_s=5)
    assert all(tick is not None and tick[0] >= 1 for tick in map(spec.tick, [0, 1, 2.5, 4.99]))
    assert spec.tick(5) is None


def test_spec_from_env_reads_variables_and_falls_back_to_locust_options() -> None:
    env = {"SCOREBENCH_SHAPE": "Step", "SCOREBENCH_STEPS": "2", "SCOREBENCH_DURATION_S": "30"}
    assert spec_from_env(env, users=6, spawn_rate=3) == ShapeSpec("step", 6, 3.0, 30.0, steps=2)
    assert spec_from_env({}) is None
    assert spec_from_env({"SCOREBENCH_SHAPE": "soak"}).duration_s == 3600  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="SCOREBENCH_SHAPE='zigzag' is not one of"):
        spec_from_env({"SCOREBENCH_SHAPE": "zigzag"})
    with pytest.raises(ValueError, match="SCOREBENCH_USERS='many' is not a number"):
        spec_from_env({"SCOREBENCH_SHAPE": "steady", "SCOREBENCH_USERS": "many"})


def test_step_shape_drives_locust_user_count(standin, tmp_path: Path) -> None:
    run = run_locust(standin.base_url, tmp_path, "--csv", str(tmp_path / "loc"),
                     SCOREBENCH_KEY=TEST_KEY, SCOREBENCH_SHAPE="step", SCOREBENCH_USERS="4",
                     SCOREBENCH_STEPS="2", SCOREBENCH_DURATION_S="5")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    with (tmp_path / "loc_stats_history.csv").open() as handle:
        users = [int(row["User Count"]) for row in csv.DictReader(handle) if row["Name"] == "Aggregated"]
    climbed = [count for count in users if count]
    assert climbed == sorted(climbed), users
    assert {2, 4} <= set(climbed) <= {1, 2, 3, 4}, users
