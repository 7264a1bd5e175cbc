"""Property: a key given in any position never appears in any byte a command produced (issue 12).

Hypothesis draws keys with the characters that break naive redaction (newlines, non-ASCII,
quotes, percent-escapes, `+ / = & # ? @ :`, spaces) and places each in one input position —
SCOREBENCH_KEY, a key file, a URL's query / fragment / userinfo, an -H header, -C, -A — of
`run`, `ab`, `probe`, `report` and `check`, and on the fault paths (key refused with 401 by the
stand-in, endpoint unreachable, run interrupted). After each command, tests/faults/leaks.py
searches stdout, stderr and every file under the run's folders for the key and its encodings.
A key that is not one line of printable ASCII must be refused with exit 2 and one line.

Bounded for CI: few examples per position, derandomized, no deadline (real subprocesses).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO_ROOT, cli_env, free_port, run_cli
from tests.faults.conftest import SMALL_RUN
from tests.faults.leaks import leaks
from tests.faults.test_interrupt import wait_for_samples

ODD = ["\n", "\r\n", "\t", "\u00e9", "\u20ac", "\U0001f511", " "]
ASCII = ['"', "'", "%2B", "%41", "%", "+", "/", "=", "&", "#", "?", "\\", "@", ":", ";", "<", ">", "~", "`"]
USER = "scorer"


@st.composite
def keys(draw: st.DrawFn, first: str = '"') -> str:
    """`sbk` + 12-16 hex + `first` + 0-3 random odd pieces + 4-8 letters: distinctive, hard to redact naively.

    `first` is the position's chosen hard case: Hypothesis always tries the simplest key first
    (`sbk000000000000{first}gggg`), then random ones.
    """
    head = draw(st.text(alphabet="0123456789abcdef", min_size=12, max_size=16))
    middle = first + "".join(draw(st.lists(st.sampled_from(ASCII + ODD), max_size=3)))
    tail = draw(st.text(alphabet="ghijklmnopqrstuvwxyz", min_size=4, max_size=8))
    return f"sbk{head}{middle}{tail}"


def is_valid_key(key: str) -> bool:
    return all(0x20 <= ord(char) < 0x7F for char in key)


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )  # fmt: skip


@pytest.fixture(scope="module")
def open_standin(tmp_path_factory: pytest.TempPathFactory):
    """A real stand-in without key auth: any well-formed key gets through, so the whole run happens."""
    from scorebench.local.standin import StandIn

    with StandIn(key=None, data_dir=tmp_path_factory.mktemp("open-standin")) as running:
        yield running


def new_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp_path_factory.getbasetemp()))


def assert_no_leak(key: str, done: subprocess.CompletedProcess[str], folders: list[Path]) -> None:
    found = leaks(key, [done.stdout, done.stderr], folders, users=[USER])
    assert found == [], f"key {key!r} leaked: {found}"
    assert "Traceback" not in done.stderr, done.stderr
    assert "internal error" not in done.stderr, done.stderr


def assert_refused_if_malformed(key: str, done: subprocess.CompletedProcess[str], code: int = 2) -> None:
    if not is_valid_key(key):
        assert done.returncode == code, done.stdout + done.stderr
        assert len([line for line in done.stderr.splitlines() if line.strip()]) >= 1


# --- scorebench run: the key in every position -------------------------------------------------


def run_position(position: str, key: str, url: str, secret_dir: Path) -> tuple[str, dict[str, str], list[str]]:
    """(url, env, extra flags) that put the key in one input position of `scorebench run`."""
    encoded = quote(key, safe="")
    if position == "env":
        return url, {"SCOREBENCH_KEY": key}, []
    if position == "key-file":
        path = secret_dir / "key"
        path.write_bytes(key.encode("utf-8"))
        path.chmod(0o600)
        return url, {}, ["--key-file", str(path)]
    if position == "query":  # percent-encoded, as a careful user would
        return f"{url}?v=1&k={encoded}", {"SCOREBENCH_KEY": key}, []
    if position == "raw-query":  # pasted as is
        return f"{url}?k={key}", {"SCOREBENCH_KEY": key}, []
    if position == "fragment":
        return f"{url}#{key}", {"SCOREBENCH_KEY": key}, []
    if position == "userinfo":
        return url.replace("http://", f"http://{USER}:{encoded}@"), {}, []
    raise AssertionError(position)


@pytest.mark.parametrize(
    ("position", "first"),
    [
        ("env", "%2B"), ("env", "\n"), ("key-file", "+/="), ("key-file", "\u00e9"),
        ("query", "&"), ("raw-query", "%41"), ("fragment", "#"), ("userinfo", "@:"),
    ],
)  # fmt: skip
@bounded(2)
@given(data=st.data())
def test_run(open_standin, tmp_path_factory, position, first, data):
    check_run(open_standin, tmp_path_factory, position, data.draw(keys(first), label="key"))


def check_run(open_standin, tmp_path_factory, position: str, key: str) -> None:
    work, secret_dir = new_folder(tmp_path_factory, "run"), new_folder(tmp_path_factory, "secret")
    url, env, extra = run_position(position, key, open_standin.score_url, secret_dir)
    done = run_cli(
        "run", "--endpoint", url, "--requests", "2", "--telemetry", "none", "--no-progress",
        "--out", str(work / "runs"), *extra, env=cli_env(**env), cwd=work,
    )  # fmt: skip
    assert_no_leak(key, done, [work])
    assert_refused_if_malformed(key, done)
    assert done.returncode in (0, 1, 2, 3), done.stderr  # a verdict (3: 2 requests rarely decide) or refused
    if position == "userinfo":
        assert done.returncode == 2
        assert "credentials" in done.stderr


# --- scorebench ab --------------------------------------------------------------------------------


def ab_position(position: str, key: str, url: str) -> tuple[list[str], dict[str, str]]:
    """(argv, env) of `scorebench ab` with the key in one position."""
    if position == "x-api-key":
        return ["-H", f"X-Api-Key: {key}", url], {}
    if position == "bearer":
        return ["-H", f"Authorization: Bearer {key}", url], {}
    if position == "cookie":
        return ["-C", f"session={key}", url], {}
    if position == "basic":
        return ["-A", f"{USER}:{key}", url], {}
    if position == "code-query":
        return [f"{url}?code={quote(key, safe='')}"], {}
    if position == "known-query":
        return [f"{url}?k={key}"], {"SCOREBENCH_KEY": key}
    if position == "userinfo":
        return [url.replace("http://", f"http://{USER}:{quote(key, safe='')}@")], {}
    raise AssertionError(position)


@pytest.mark.parametrize(
    ("position", "first"),
    [
        ("x-api-key", "'"), ("bearer", "\r\n"), ("cookie", ";"), ("basic", ":"),
        ("code-query", "+"), ("known-query", "%"), ("userinfo", "/"),
    ],
)  # fmt: skip
@bounded(2)
@given(data=st.data())
def test_ab(open_standin, tmp_path_factory, position, first, data):
    key = data.draw(keys(first), label="key")
    work = new_folder(tmp_path_factory, "ab")
    argv, env = ab_position(position, key, open_standin.score_url)
    done = run_cli("ab", "-n", "2", "-v", "4", "--run-dir", str(work / "run"), *argv, env=cli_env(**env), cwd=work)
    assert_no_leak(key, done, [work])
    assert done.returncode in (0, 1), done.stderr  # ab's codes: 1 is a bad command line


# --- probe, report, check on a run directory ----------------------------------------------------


@bounded(1)
@given(key=keys("<'&\">"))
def test_probe_report_check(tmp_path_factory, key):
    """A run.json whose endpoint still holds the (known) key: every command's output is clean of it.

    run.json itself is this test's input and stays as written (no stage rewrites another's record):
    every other file and every output line must be clean."""
    work = new_folder(tmp_path_factory, "rpc")
    run_dir = work / "run"
    shutil.copytree(SMALL_RUN, run_dir)
    info = json.loads((run_dir / "run.json").read_text())
    info["endpoint"] = f"http://127.0.0.1:5001/score?k={quote(key, safe='')}#{key}"
    (run_dir / "run.json").write_text(json.dumps(info))
    env = cli_env(SCOREBENCH_KEY=key, SCOREBENCH_BASELINES_DIR=str(work / "baselines"))
    for argv in (
        ["probe", str(run_dir), "--telemetry", "none"],
        ["report", str(run_dir)],
        ["baseline", "save", str(run_dir), "--name", "b1"],
        ["check", str(run_dir), "--baseline", "b1"],
    ):
        done = run_cli(*argv, env=env, cwd=work)
        planted = f"{run_dir / 'run.json'}: "
        found = [f for f in leaks(key, [done.stdout, done.stderr], [work], users=[USER]) if not f.startswith(planted)]
        assert found == [], f"key {key!r} leaked: {found}"
        assert "Traceback" not in done.stderr, done.stderr
        if is_valid_key(key):
            assert done.returncode in (0, 1, 2, 3), done.stderr


# --- fault paths -----------------------------------------------------------------------------------


@bounded(2)
@given(key=keys("="))
def test_refused_key(standin, tmp_path_factory, key):
    """The shared stand-in's gateway answers 401 to any key but its own."""
    work = new_folder(tmp_path_factory, "refused")
    done = run_cli(
        "run", "--endpoint", standin.score_url, "--requests", "2", "--telemetry", "none", "--no-progress",
        "--out", str(work / "runs"), env=cli_env(SCOREBENCH_KEY=key), cwd=work,
    )  # fmt: skip
    assert_no_leak(key, done, [work, standin.data_dir])
    assert done.returncode == 2
    if is_valid_key(key):
        assert "refused the key" in done.stderr


@bounded(2)
@given(key=keys("?"), where=st.sampled_from(["env", "query"]))
def test_unreachable_endpoint(tmp_path_factory, key, where):
    work = new_folder(tmp_path_factory, "unreachable")
    url = f"http://127.0.0.1:{free_port()}/score" + (f"?k={key}" if where == "query" else "")
    done = run_cli(
        "run", "--endpoint", url, "--requests", "1", "--telemetry", "none", "--no-progress",
        "--out", str(work / "runs"), env=cli_env(SCOREBENCH_KEY=key), cwd=work,
    )  # fmt: skip
    assert_no_leak(key, done, [work])
    assert done.returncode == 2


@bounded(1)
@given(key=keys("\\"))
def test_interrupted_run(open_standin, tmp_path_factory, key):
    """SIGINT once the load started: exit 130, partial report, and still no key anywhere."""
    work = new_folder(tmp_path_factory, "interrupted")
    process = subprocess.Popen(
        [sys.executable, "-m", "scorebench", "run", "--endpoint", f"{open_standin.score_url}?k={key}",
         "--duration", "60s", "--telemetry", "none", "--no-progress", "--out", str(work / "runs")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
        env=cli_env(SCOREBENCH_KEY=key),
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()  # "run directory: ..." once the run starts (EOF when refused)
    if first.startswith("run directory:"):
        wait_for_samples(work / "runs", 1)  # the load is under way
        process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    done = subprocess.CompletedProcess(process.args, process.returncode, first + out, err)
    assert_no_leak(key, done, [work])
    assert done.returncode == (130 if is_valid_key(key) else 2), done.stderr
