"""Nothing lost or mixed (issue 12): no command deletes or overwrites data it did not replace.

Cases: a probe with a mistyped --telemetry; `ab --run-dir` on a used directory; `payloads generate`
over an existing set; a corrupt telemetry/exceptions file (named in a warning, report still built).
Each runs the real CLI on a copy of the fixture run tests/data/fixture_runs/small.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.faults.recording_server import RecordingServer


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.name in ("telemetry.csv", "exceptions.csv")}


@pytest.mark.parametrize("spec", ["bogus", "local", "local:", "appinsight", "none:x"])
def test_probe_with_a_mistyped_telemetry_exits_2_and_keeps_telemetry(run_dir, spec):
    before = files_of(run_dir)
    assert set(before) == {"telemetry.csv", "exceptions.csv"}
    done = run_cli("probe", str(run_dir), "--telemetry", spec, "--telemetry-wait", "0s")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.count("scorebench: error:") == 1
    assert "--telemetry" in done.stderr
    assert files_of(run_dir) == before


def test_probe_that_fails_keeps_the_telemetry_it_did_not_replace(run_dir, tmp_path):
    before = files_of(run_dir)
    done = run_cli("probe", str(run_dir), "--telemetry", f"local:{tmp_path / 'nowhere'}", "--telemetry-wait", "0s")
    assert done.returncode == 2, done.stderr  # a store that is not there: said, and nothing is changed
    assert "no telemetry store" in done.stderr
    assert files_of(run_dir) == before


def test_ab_refuses_a_run_dir_that_holds_another_run(tmp_path):
    used = tmp_path / "used"
    used.mkdir()
    (used / "samples.csv").write_text("old samples\n")
    with RecordingServer() as server:
        done = run_cli("ab", "-n", "2", "--run-dir", str(used), server.score_url)
        fresh = run_cli("ab", "-n", "2", "--run-dir", str(tmp_path / "fresh"), server.score_url)
    assert done.returncode == 1  # ab's exit code for a bad command line
    assert "--run-dir" in done.stderr
    assert "not empty" in done.stderr
    assert (used / "samples.csv").read_text() == "old samples\n"
    assert fresh.returncode == 0, fresh.stderr
    assert len((tmp_path / "fresh" / "samples.csv").read_text().splitlines()) == 3  # header + 2
    assert len(server.seen) == 2  # only the fresh run sent anything


def test_payloads_generate_refuses_to_overwrite_without_force(tmp_path):
    csv = tmp_path / "inputs.csv"
    csv.write_text("age,job,y\n30,admin,no\n41,technician,yes\n")
    out = tmp_path / "set"
    first = run_cli("payloads", "generate", "--csv", str(csv), "--out", str(out), "--bodies", "2", "--target", "y")
    assert first.returncode == 0, first.stderr
    (out / "payloads.jsonl").write_text('{"data": [{"age": 99}]}\n')  # the user's own edit
    again = run_cli("payloads", "generate", "--csv", str(csv), "--out", str(out), "--bodies", "1", "--target", "y")
    assert again.returncode == 2
    assert "--force" in again.stderr
    assert "payloads.jsonl" in again.stderr
    assert (out / "payloads.jsonl").read_text() == '{"data": [{"age": 99}]}\n'
    forced = run_cli(
        "payloads", "generate", "--csv", str(csv), "--out", str(out), "--bodies", "1", "--target", "y", "--force"
    )
    assert forced.returncode == 0, forced.stderr
    assert (out / "payloads.jsonl").read_text() == '{"data":[{"age":30,"job":"admin"}]}\n'


@pytest.mark.parametrize("name", ["telemetry.csv", "exceptions.csv"])
def test_corrupt_server_file_is_named_and_the_report_is_built_from_the_rest(run_dir, name):
    (run_dir / name).write_bytes(b'garbage\x00\xff,"\n1,2')
    done = run_cli("report", str(run_dir))
    assert done.returncode in (0, 1, 3), done.stderr  # a verdict, whatever it is: not exit 2
    warnings = [line for line in done.stderr.splitlines() if "warning" in line and name in line]
    assert len(warnings) >= 1, done.stderr
    assert (run_dir / "report.html").is_file()
    assert (run_dir / "summary.json").is_file()
