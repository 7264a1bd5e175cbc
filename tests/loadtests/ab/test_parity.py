"""Report parity with the real /usr/bin/ab on one loopback nginx: same labels and sections, line for line.

Numbers differ between two runs, so lines are compared with every number replaced by N and
whitespace collapsed; ab's median/mean WARNING/ERROR lines depend on timing and are dropped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, cli_env
from tests.loadtests.ab.nginx_server import Nginx, nginx_available

KEY = "sbk-parity-" + "5" * 24
AB = shutil.which("ab")

pytestmark = [
    pytest.mark.skipif(AB is None, reason="real ab (apache2-utils) is not installed"),
    pytest.mark.skipif(not nginx_available(), reason="nginx is not installed"),
]


@pytest.fixture(scope="module")
def nginx() -> Iterator[Nginx]:
    with Nginx() as server:
        yield server


def _shape(stdout: str) -> list[str]:
    start = stdout.index("Server Software:")
    lines = []
    for line in stdout[start:].splitlines():
        if line.startswith(("WARNING: The median", "ERROR: The median", "        These results", "       deviation")):
            continue
        lines.append(" ".join(re.sub(r"\d+(\.\d+)?", "N", line).split()))
    return lines


def _both(args: list[str], url: str) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    theirs = subprocess.run([AB or "ab", *args, url], capture_output=True, text=True, timeout=60)
    ours = subprocess.run(
        [sys.executable, "-m", "scorebench", "ab", *args, url],
        capture_output=True, text=True, timeout=60, cwd=REPO_ROOT, env=cli_env(),
    )  # fmt: skip
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    return theirs, ours


def test_benchmark_sh_invocation(nginx: Nginx, tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text('{"data":[{"age":30}]}')
    args = ["-n", "10", "-v", "4", "-p", str(data), "-T", "application/json", "-H", f"Authorization: Bearer {KEY}"]
    theirs, ours = _both(args, nginx.url())
    assert _shape(ours.stdout) == _shape(theirs.stdout)
    assert KEY not in ours.stdout + ours.stderr
    assert "Authorization: Bearer ***" in ours.stdout
    info = ours.stdout.split("INFO: POST header == \n---\n", 1)[1].split("---", 1)[0]
    theirs_info = theirs.stdout.split("INFO: POST header == \n---\n", 1)[1].split("---", 1)[0]
    assert info == theirs_info.replace(KEY, "***")
    assert ours.stdout.count("LOG: Response code = 200") == theirs.stdout.count("LOG: Response code = 200") == 10


def test_concurrency_with_csv_and_gnuplot(nginx: Nginx, tmp_path: Path) -> None:
    files = {who: (tmp_path / f"{who}.csv", tmp_path / f"{who}.tsv") for who in ("theirs", "ours")}
    csv_file, tsv_file = files["theirs"]
    theirs = subprocess.run(
        [AB or "ab", "-n", "200", "-c", "20", "-e", str(csv_file), "-g", str(tsv_file), nginx.url()],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    ours = subprocess.run(
        [sys.executable, "-m", "scorebench", "ab", "-n", "200", "-c", "20",
         "-e", str(files["ours"][0]), "-g", str(files["ours"][1]), nginx.url()],
        capture_output=True, text=True, timeout=60, cwd=REPO_ROOT, env=cli_env(),
    )  # fmt: skip
    assert _shape(ours.stdout) == _shape(theirs.stdout)
    assert ours.stderr.splitlines() == theirs.stderr.splitlines()  # Completed 100 / 200, Finished 200
    csv_theirs, csv_ours = (files[w][0].read_text().splitlines() for w in ("theirs", "ours"))
    assert len(csv_ours) == len(csv_theirs) == 102
    assert csv_ours[0] == csv_theirs[0] == "Percentage served,Time in ms"
    assert [row.split(",")[0] for row in csv_ours] == [row.split(",")[0] for row in csv_theirs]
    tsv_theirs, tsv_ours = (files[w][1].read_text().splitlines() for w in ("theirs", "ours"))
    assert len(tsv_ours) == len(tsv_theirs) == 201
    assert tsv_ours[0] == tsv_theirs[0]
    pattern = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\t\d+\t\d+\t\d+\t\d+\t\d+$")
    assert all(pattern.match(row) for row in tsv_ours[1:])
    assert all(pattern.match(row) for row in tsv_theirs[1:])


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["-k", "-n", "200", "-c", "10"], id="keepalive"),
        pytest.param(["-n", "20"], id="plain-get"),
        pytest.param(["-n", "20", "-S", "-d"], id="short-table"),
        pytest.param(["-i", "-k", "-n", "20", "-c", "2"], id="head-keepalive"),
        pytest.param(["-i", "-n", "5"], id="head"),
    ],
)
def test_report_shape_matches(nginx: Nginx, args: list[str]) -> None:
    theirs, ours = _both(args, nginx.url())
    assert _shape(ours.stdout) == _shape(theirs.stdout)
    head_theirs = theirs.stdout.split("Server Software:")[0]
    head_ours = ours.stdout.split("Server Software:")[0]
    assert head_ours == head_theirs


def test_html_output_shape(nginx: Nginx) -> None:
    theirs, ours = _both(["-n", "5", "-w"], nginx.url())
    assert _shape(ours.stdout.replace("<table", "Server Software:<table", 1)) == _shape(
        theirs.stdout.replace("<table", "Server Software:<table", 1)
    )


@pytest.mark.parametrize("verbosity", ["2", "3"])
def test_verbose_lines_match(nginx: Nginx, verbosity: str) -> None:
    theirs, ours = _both(["-n", "2", "-v", verbosity], nginx.url("/other"))

    def verbose(stdout: str) -> list[str]:
        return [line for line in stdout.split("..done")[0].splitlines() if not line.startswith("Date:")]

    assert verbose(ours.stdout) == verbose(theirs.stdout)
