"""Every broken file is named, and the run directory is a boundary (issue 26, items 4 and 6; docs/faults.md).

A finished run directory (the small fixture, in today's layout: run.json, load.json, probe.json) is
damaged one way at a time — a field of the wrong type, a file cut short, a directory where a file
should be, a file that cannot be read, binary garbage or missing columns in the samples, duplicated
samples, links out of the directory — and `report`, `check`, `baseline save` and `probe` run on it
through the real CLI: one line naming the file (and the field), exit 2, never `internal error`;
nothing outside the run directory is written.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from scorebench.core.runrecords import read_run, write_load_record, write_probe_record, write_run_info
from tests.conftest import cli_env, run_cli
from tests.faults.conftest import SMALL_RUN
from tests.faults.test_key_leaks import one_error_line

COMMANDS = {
    "report": ("report", "{run}"),
    "check": ("check", "{run}", "--baseline", "b0"),
    "baseline-save": ("baseline", "save", "{run}", "--name", "new"),
    "probe": ("probe", "{run}", "--telemetry", "none", "--telemetry-wait", "0s"),
}


def modern_run(folder: Path) -> Path:
    """The small fixture run as today's layout writes it: run.json, load.json and probe.json."""
    run = folder / "run"
    shutil.copytree(SMALL_RUN, run)
    records = read_run(run)
    (run / "run.json").unlink()
    write_run_info(run, records.info)
    assert records.load is not None
    assert records.probe is not None
    write_load_record(run, records.load)
    write_probe_record(run, records.probe)
    return run


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A modern run directory and a baselines folder holding b0, saved from it."""
    folder = tmp_path_factory.mktemp("pristine")
    run = modern_run(folder)
    done = run_cli("baseline", "save", str(run), "--name", "b0", "--baselines-dir", str(folder / "baselines"))
    assert done.returncode == 0, done.stderr
    return run, folder / "baselines"


@pytest.fixture
def damaged(pristine: tuple[Path, Path], tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(pristine[0], run, symlinks=True)
    return run


def cli(command: str, run: Path, baselines: Path) -> tuple[int, str, str]:
    args = [part.format(run=run) for part in COMMANDS[command]]
    env = cli_env(SCOREBENCH_BASELINES_DIR=str(baselines))
    done = run_cli(*args, env=env, cwd=run.parent)
    return done.returncode, done.stdout, done.stderr


def edit_json(name: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    def damage(run: Path) -> None:
        document = json.loads((run / name).read_text())
        change(document)
        (run / name).write_text(json.dumps(document))

    return damage


def replace_with_directory(name: str) -> Callable[[Path], None]:
    def damage(run: Path) -> None:
        (run / name).unlink()
        (run / name).mkdir()

    return damage


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "load-requests-text": (edit_json("load.json", lambda d: d.update(requests="many")), "load.json: requests is the text 'many', not a whole number"),  # noqa: E501
    "load-partial-number": (edit_json("load.json", lambda d: d.update(partial=1)), "load.json: partial is the number 1, not true or false"),  # noqa: E501
    "run-profile-text": (edit_json("run.json", lambda d: d.update(load_profile="x")), "run.json: load_profile is the text 'x', not an object"),  # noqa: E501
    "run-timeout-text": (edit_json("run.json", lambda d: d.update(timeout_s="slow")), "run.json: timeout_s is the text 'slow', not a number"),  # noqa: E501
    "run-payloads-list": (edit_json("run.json", lambda d: d.update(payloads=[1])), "run.json: payloads is a list"),
    "run-payload-count": (edit_json("run.json", lambda d: d["payloads"].update(count="x")), "run.json: payloads.count is the text 'x'"),  # noqa: E501
    "run-label-number": (edit_json("run.json", lambda d: d.update(label=5)), "run.json: label is the number 5, not a text"),  # noqa: E501
    "probe-rows-text": (edit_json("probe.json", lambda d: d.update(rows="lots")), "probe.json: rows is the text 'lots'"),  # noqa: E501
    "load-cut-short": (lambda run: (run / "load.json").write_text('{"load_started_at": "2026'), "load.json: not valid JSON"),  # noqa: E501
    "probe-cut-short": (lambda run: (run / "probe.json").write_text('{"source": '), "probe.json: not valid JSON"),
    "run-json-directory": (replace_with_directory("run.json"), "run.json: is a directory"),
    "load-json-directory": (replace_with_directory("load.json"), "load.json: is a directory"),
    "probe-json-directory": (replace_with_directory("probe.json"), "probe.json: is a directory"),
    "samples-directory": (replace_with_directory("samples.csv"), "samples.csv: is a directory"),
    "samples-binary": (lambda run: (run / "samples.csv").write_bytes(b"\xff\xfe\x00\x81garbage\n" * 20), "samples.csv: cannot be read"),  # noqa: E501
    "samples-missing-columns": (lambda run: (run / "samples.csv").write_text("client_request_id,latency_ms\nab,1.0\n"), "samples.csv: columns"),  # noqa: E501
    "samples-bad-outcome": (lambda run: (run / "samples.csv").write_text((run / "samples.csv").read_text().replace(",ok,", ",weird,", 1)), "samples.csv: outcome 'weird' is not one scorebench writes"),  # noqa: E501
}  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", DAMAGE)
def test_a_broken_file_is_one_line_naming_file_and_field(pristine, damaged, case, command):
    damage, named = DAMAGE[case]
    damage(damaged)
    code, _, stderr = cli(command, damaged, pristine[1])
    assert code == 2, stderr
    line = one_error_line(stderr)
    assert str(damaged) in line
    assert named in line


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc/self/mem (a file no one can read)")
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", ["load.json", "probe.json", "samples.csv"])
def test_a_file_that_cannot_be_read_is_named(pristine, damaged, command, name):
    """Unreadable even as root (chmod 000 does not stop root): a link to /proc/self/mem reads as EIO."""
    (damaged / name).unlink()
    (damaged / name).symlink_to("/proc/self/mem")
    code, _, stderr = cli(command, damaged, pristine[1])
    assert code == 2, stderr
    assert f"{damaged / name}: cannot be read" in one_error_line(stderr)


def test_a_directory_where_the_report_goes_is_named(pristine, damaged):
    (damaged / "summary.json").unlink(missing_ok=True)
    (damaged / "summary.json").mkdir()
    code, _, stderr = cli("report", damaged, pristine[1])
    assert code == 2
    assert f"{damaged / 'summary.json'}: is a directory" in one_error_line(stderr)


def test_a_directory_where_the_telemetry_goes_is_named(pristine, damaged):
    (damaged / "telemetry.csv").unlink()
    (damaged / "telemetry.csv").mkdir()
    code, _, stderr = cli("probe", damaged, pristine[1])
    assert code == 2
    assert f"{damaged / 'telemetry.csv'}: is a directory" in one_error_line(stderr)
    assert (damaged / "telemetry.csv").is_dir()  # never removed


# ---- duplicated samples ---------------------------------------------------------------------------


def copy_part(name: str) -> Callable[[Path], None]:
    return lambda run: shutil.copy(run / "samples.csv", run / name)


def repeat_a_row(run: Path) -> None:
    lines = (run / "samples.csv").read_text().splitlines(keepends=True)
    (run / "samples.csv").write_text("".join([*lines, lines[7]]))


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("duplicate", "named"),
    [
        (copy_part("samples-copy.csv"), "samples-copy.csv: not one of the engine's sample parts"),
        (copy_part("samples_old.csv"), "samples_old.csv: not one of the engine's sample parts"),
        (copy_part("samples-w0.csv"), "appears twice (samples-w0.csv, samples.csv)"),
        (repeat_a_row, "appears twice (samples.csv (2x))"),
    ],
    ids=["copy", "other-name", "worker-named-copy", "repeated-row"],
)
def test_duplicated_samples_are_refused_never_counted_twice(pristine, damaged, command, duplicate, named):
    duplicate(damaged)
    code, _, stderr = cli(command, damaged, pristine[1])
    assert code == 2, stderr
    line = one_error_line(stderr)
    assert named in line
    assert str(damaged) in line


def test_parts_of_the_engine_are_read_together(pristine, damaged):
    """The rule refuses copies, not the engine's own parts: samples-<worker>.csv holding that worker's rows."""
    lines = (damaged / "samples.csv").read_text().splitlines(keepends=True)
    (damaged / "samples.csv").write_text("".join(lines[:150]))
    (damaged / "samples-w0.csv").write_text("".join([lines[0], *lines[150:]]))
    code, _, stderr = cli("report", damaged, pristine[1])
    assert code in (0, 1, 3), stderr
    assert json.loads((damaged / "summary.json").read_text())["count"] == 300


# ---- links out of the run directory -------------------------------------------------------------


def test_report_never_writes_through_a_link_out_of_the_run_directory(pristine, damaged, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    names = ("summary.json", "report.html", "summary.md", ".summary.json.tmp")
    for name in names:
        (outside / name).write_text("not yours\n")
        (damaged / name).unlink(missing_ok=True)
        (damaged / name).symlink_to(outside / name)
    code, _, stderr = cli("report", damaged, pristine[1])
    assert code in (0, 1, 3), stderr
    assert all((outside / name).read_text() == "not yours\n" for name in names)
    for name in names[:3]:
        assert not (damaged / name).is_symlink()
        assert f"warning: {damaged / name} was a symbolic link" in stderr
    assert json.loads((damaged / "summary.json").read_text())["count"] == 300
    assert [p.name for p in damaged.glob(".*.tmp") if not p.is_symlink()] == []  # nothing half-written left


@pytest.mark.parametrize("name", ["probe.json", "telemetry.csv", "exceptions.csv"])
def test_probe_never_writes_through_a_link(pristine, damaged, tmp_path, name):
    target = tmp_path / "elsewhere"
    shutil.move(damaged / name, target)  # what the link points at is a file of the right kind
    kept = target.read_bytes()
    (damaged / name).symlink_to(target)
    code, _, stderr = cli("probe", damaged, pristine[1])
    assert code == 0, stderr
    assert target.read_bytes() == kept
    assert not (damaged / name).is_symlink()
    assert f"warning: {damaged / name} was a symbolic link" in stderr


def test_check_record_is_a_new_file_even_beside_links(pristine, damaged, tmp_path):
    target = tmp_path / "elsewhere.json"
    target.write_text("not yours\n")
    (damaged / "summary.json").symlink_to(target)
    code, _, stderr = cli("check", damaged, pristine[1])
    assert code in (0, 1, 3), stderr
    assert target.read_text() == "not yours\n"
    assert list(damaged.glob("check-*-b0.json"))


# ---- a baseline from elsewhere -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d.update(endpoint="https://other.example.net/score"), "endpoint differs ('https://other.example.net/score' now, 'http://127.0.0.1/score' in the baseline)"),  # noqa: E501
        (lambda d: d.update(engine="locust"), "engine differs ('locust' now, 'ab' in the baseline)"),
        (lambda d: d.update(payload_set_hash="sha256:0000"), "payload set differs"),
    ],
    ids=["endpoint", "engine", "payload-set"],
)  # fmt: skip
def test_a_baseline_from_another_endpoint_engine_or_payload_set_is_not_comparable(pristine, damaged, change, why):
    edit_json("run.json", change)(damaged)
    code, stdout, stderr = cli("check", damaged, pristine[1])
    assert code == 3, stdout + stderr
    assert f"INCONCLUSIVE baseline b0: not comparable: {why}" in stdout


def test_a_baseline_on_another_loopback_port_is_the_same_endpoint(pristine, damaged):
    edit_json("run.json", lambda d: d.update(endpoint="http://127.0.0.1:49152/score"))(damaged)
    code, stdout, stderr = cli("check", damaged, pristine[1])
    assert code in (0, 1, 3), stderr
    assert "not comparable" not in stdout, stdout
