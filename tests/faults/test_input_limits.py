"""Every bad value is refused before the first request (issue 26, item 5; docs/faults.md).

Numbers that are not finite or absurd (flag, SCOREBENCH_*, scorebench.toml), labels that cannot name a
run directory, URLs with spaces or control characters, SLO and threshold limits that mean nothing, keys
too short to scrub, a key in a host name, a secret response header under `ab -v 4`. Each case runs the
real CLI in a subprocess against a RecordingServer: exit 2, one line naming the flag / variable /
file:key, no run directory, and not one request sent.
"""

from __future__ import annotations

import pytest

from tests.conftest import cli_env, run_cli
from tests.faults.conftest import SMALL_RUN
from tests.faults.recording_server import LoopbackServer, RecordingServer, answering, one_per_record
from tests.faults.test_checked_first import refused
from tests.faults.test_key_leaks import one_error_line


@pytest.fixture(scope="module")
def server():
    with RecordingServer() as running:
        yield running


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--rate", "inf"), "--rate: 'inf' is not a finite number"),
        (("--rate", "nan"), "--rate: 'nan' is not a finite number"),
        (("--timeout-s", "inf"), "--timeout-s: 'inf' is not a finite number"),
        (("--timeout-s", "1e300"), "--timeout-s: at most 3,600 (the inference server's own longest"),
        (("--rate", "1e9"), "--rate: at most 100,000"),
        (("--requests", "99999999999"), "--requests: at most 1,000,000,000"),
        (("--duration", "99999h"), "--duration: '99999h' is longer than a week"),
        (("--telemetry-wait", "1" + "0" * 400 + "s"), "--telemetry-wait: "),
        (("--engine", "locust", "--spawn-rate", "inf"), "--spawn-rate: 'inf' is not a finite number"),
    ],
    ids=["rate-inf", "rate-nan", "timeout-inf", "timeout-huge", "rate-huge", "requests-huge", "duration-huge",
         "wait-overflow", "spawn-rate-inf"],
)  # fmt: skip
def test_non_finite_or_absurd_numbers(server, tmp_path, args, expected):
    assert expected in refused(server, tmp_path, *args)


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"SCOREBENCH_RATE": "inf"}, "SCOREBENCH_RATE: 'inf' is not a finite number"),
     ({"SCOREBENCH_TIMEOUT_S": "-inf"}, "SCOREBENCH_TIMEOUT_S: '-inf' is not a finite number"),
     ({"SCOREBENCH_LABEL": "x" * 65}, "SCOREBENCH_LABEL: 65 characters; a label is at most 64")],
)  # fmt: skip
def test_bad_numbers_and_labels_from_the_environment(server, tmp_path, env, expected):
    assert expected in refused(server, tmp_path, env=cli_env(**env))


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[run]\nrate = inf\n", "scorebench.toml rate: 'inf' is not a finite number"),
        ("[run]\ntimeout-s = nan\n", "scorebench.toml timeout-s: 'nan' is not a finite number"),
        ("[run]\nconcurrency = [1]\n", "scorebench.toml concurrency: [1] is a list"),
        ("[run]\nconcurrency = 1.5\n", "scorebench.toml concurrency: 1.5 is not a whole number"),
        ('[run]\nconcurrency = "x"\n', "scorebench.toml concurrency: 'x' is not a valid value"),
        ('[run]\nlabel = ["a"]\n', "scorebench.toml label: ['a'] is a list"),
        ("[run]\ninsecure = 3\n", "scorebench.toml insecure: 3 is a number"),
        ('[run]\nlabel = "a/b"\n', "scorebench.toml:label: holds a path separator"),
    ],
    ids=["inf", "nan", "list", "fraction", "text", "label-list", "bool-number", "label-slash"],
)
def test_bad_values_in_scorebench_toml_name_file_and_key(server, tmp_path, toml, expected):
    (tmp_path / "scorebench.toml").write_text(toml)
    assert expected in refused(server, tmp_path)


def test_scorebench_toml_that_is_a_directory_is_named(server, tmp_path):
    (tmp_path / "scorebench.toml").mkdir()
    line = refused(server, tmp_path)
    assert f"{tmp_path / 'scorebench.toml'}: is a directory" in line


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("x" * 300, "--label: 300 characters; a label is at most 64"),
        ("nightly/eu", "--label: holds a path separator ('/')"),
        ("a\\b", "--label: holds a path separator ('\\\\')"),
        ("bell\x07", "--label: holds a control character ('\\x07')"),
        ("", "--label: empty"),
    ],
    ids=["300-chars", "slash", "backslash", "control", "empty"],
)
def test_label_that_cannot_name_a_run_directory(server, tmp_path, label, expected):
    assert expected in refused(server, tmp_path, "--label", label)


@pytest.mark.parametrize("label", ["CON", "nul.txt", "2026 nightly: eu*"])
def test_label_a_directory_name_holds_safely_is_used(server, tmp_path, label):
    """Windows' reserved names and odd characters are harmless: the directory is `<UTC>-<label>`, odd characters `-`."""
    done = run_cli(
        "run", "--endpoint", server.score_url, "--requests", "2", "--telemetry", "none", "--no-progress",
        "--out", str(tmp_path / "runs"), "--label", label, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode in (0, 3), done.stderr
    (made,) = (tmp_path / "runs").iterdir()
    assert made.name.split("-", 1)[1] == {"CON": "CON", "nul.txt": "nul.txt"}.get(label, "2026-nightly-eu")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:{port}/sc ore", "holds a space"),
        ("http://127.0.0.1:{port}/score ", "holds a space"),
        ("http://127.0.0.1:{port}/score\x01", "holds a control character"),
        ("http://127.0.0.1:{port}/score\t", "holds a control character"),
        ("http://[::1/score", "does not parse"),
        ("ftp://127.0.0.1:{port}/score", "is not an http(s) URL"),
        ("http:///score", "is not an http(s) URL"),
    ],
    ids=["space", "trailing-space", "control", "tab", "bad-ipv6", "ftp", "no-host"],
)
def test_endpoint_url_that_is_not_valid(server, tmp_path, url, expected):
    port = server.score_url.split(":")[2].split("/")[0]
    done = run_cli(
        "run", "--endpoint", url.format(port=port), "--requests", "2", "--telemetry", "none", "--no-progress",
        "--out", str(tmp_path / "runs"), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert line.startswith("scorebench: error: --endpoint:")
    assert expected in line
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--slo", "error_rate<150%"), "--slo: 'error_rate<150%': a rate is between 0% and 100%"),
        (("--slo", "model_error_rate<=101%"), "a rate is between 0% and 100%"),
        (("--slo", "error_rate<0%"), "no rate is below 0% (use <=0% for none at all)"),
        (("--slo", "p95<0ms"), "--slo: 'p95<0ms': p95 is more than 0"),
        (("--slo", "max<=0s"), "max is more than 0"),
        (("--baseline", "b1", "--threshold", "error_rate:+150pp"), "a rate moves at most 100 percentage points"),
        (("--baseline", "b1", "--threshold", "p95:-100%"), "nothing falls by 100% or more"),
    ],
    ids=["rate-150", "rate-101", "rate-below-0", "p95-0", "max-0", "threshold-150pp", "threshold-minus-100"],
)
def test_limits_that_mean_nothing(server, tmp_path, args, expected):
    assert expected in refused(server, tmp_path, *args)


def test_endpoint_from_the_environment_is_named_as_such(server, tmp_path):
    before = len(server.seen)
    done = run_cli(
        "run", "--requests", "2", "--telemetry", "none", "--no-progress", "--out", str(tmp_path / "runs"),
        env=cli_env(SCOREBENCH_ENDPOINT=server.score_url + " "), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert line.startswith("scorebench: error: SCOREBENCH_ENDPOINT:")
    assert len(server.seen) == before
    assert "holds a space" in line


def test_slo_that_means_nothing_from_the_environment(server, tmp_path):
    line = refused(server, tmp_path, env=cli_env(SCOREBENCH_SLO="p95<300ms,error_rate<150%"))
    assert "SCOREBENCH_SLO: 'error_rate<150%'" in line


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (("compare", "--current", "{url}", "--candidate", "{url}?v=2", "--rate", "inf"), "--rate: 'inf' is not"),
        (("compare", "--current", "{url}", "--candidate", "{url}?v=2", "--label", "a/b"), "--label: holds a path"),
        (("capacity", "--endpoint", "{url}", "--slo", "p95<300ms", "--max-rps", "inf"), "--max-rps: 'inf' is not"),
        (("capacity", "--endpoint", "{url}", "--slo", "p95<0ms"), "p95 is more than 0"),
        (("capacity", "--endpoint", "{url}", "--slo", "p95<300ms", "--label", "x" * 70), "--label: 70 characters"),
    ],
    ids=["compare-rate", "compare-label", "capacity-max-rps", "capacity-slo", "capacity-label"],
)  # fmt: skip
def test_compare_and_capacity_refuse_the_same(server, tmp_path, command, expected):
    before = len(server.seen)
    args = [part.format(url=server.score_url) for part in command]
    done = run_cli(*args, "--out", str(tmp_path / "runs"), "--no-progress" if args[0] == "compare" else "--insecure",
                   env=cli_env(SCOREBENCH_KEY="sbk-4e9d1f0c2b7a"), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert expected in one_error_line(done.stderr)
    assert len(server.seen) == before
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("command", ["report", "check"])
@pytest.mark.parametrize("value", ["inf", "nan", "0", "86400"])
def test_report_and_check_timeout_must_mean_something(tmp_path, command, value):
    extra = ("--baseline", "b1") if command == "check" else ()
    done = run_cli(command, str(SMALL_RUN), "--timeout-s", value, *extra, cwd=tmp_path)
    assert done.returncode == 2
    assert "argument --timeout-s:" in one_error_line(done.stderr)


# ---- keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["2026", "abc", "s3cr3t7"])
def test_key_shorter_than_8_characters_is_refused_unseen(server, tmp_path, key):
    line = refused(server, tmp_path, env=cli_env(SCOREBENCH_KEY=key))
    assert "SCOREBENCH_KEY: the key is shorter than 8 characters" in line
    assert key not in line.replace("SCOREBENCH_KEY", "")


def test_short_key_in_a_key_file_is_refused(server, tmp_path):
    (tmp_path / "key").write_text("2026\n")
    (tmp_path / "key").chmod(0o600)
    line = refused(server, tmp_path, "--key-file", str(tmp_path / "key"))
    assert f"key file {tmp_path / 'key'}: the key is shorter than 8 characters" in line


def test_a_key_in_a_host_name_never_shows_whatever_its_case(tmp_path):
    key = "Sbk-MiXeD-4e9d1f0c"
    done = run_cli(
        "run", "--endpoint", f"https://{key}.invalid/score", "--requests", "1", "--telemetry", "none",
        "--no-progress", "--out", str(tmp_path / "runs"), env=cli_env(SCOREBENCH_KEY=key), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert "does not resolve" in line or "cannot" in line, line
    assert key.lower() not in (done.stdout + done.stderr).lower()
    assert "***.invalid" in line


def test_ab_verbose_masks_a_secret_response_header(tmp_path):
    cookie, token = "session=sbk-cookie-4e9d1f0c2b7a", "tok-4e9d1f0c2b7a9e1d"
    handler = answering(lambda seen, _: (one_per_record(seen.body), {"Set-Cookie": cookie, "X-My-Token-Thing": token}))
    with LoopbackServer(handler) as server:
        (tmp_path / "body.json").write_text('{"data": [{"age": 30}]}')
        done = run_cli("ab", "-n", "1", "-v", "4", "-p", "body.json", "-T", "application/json", server.score_url,
                       cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "LOG: header received:" in done.stdout
    assert "Set-Cookie: ***" in done.stdout
    assert "X-My-Token-Thing: ***" in done.stdout
    assert "4e9d1f0c2b7a" not in done.stdout + done.stderr
