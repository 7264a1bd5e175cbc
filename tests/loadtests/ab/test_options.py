"""options.py: ab's getopt parsing, defaults, order-sensitive -n/-t and one-line refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorebench.loadtests.ab.options import MAX_REQUESTS, AbUsageError, parse


def test_defaults_like_ab() -> None:
    opts = parse(["http://127.0.0.1:1/score"])
    assert (opts.requests, opts.concurrency, opts.timeout_s, opts.body_type) == (1, 1, 30.0, "text/plain")
    assert opts.http_method == "GET"
    assert not opts.keepalive


def test_benchmark_sh_invocation(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text("{}")
    opts = parse(
        [
            "-n",
            "10",
            "-v",
            "4",
            "-p",
            str(data),
            "-T",
            "application/json",
            "-H",
            "Authorization: Bearer K",
            "http://h/score",
        ]
    )
    assert (opts.requests, opts.verbosity, opts.http_method, opts.content_type) == (10, 4, "POST", "application/json")
    assert opts.headers == ["Authorization: Bearer K"]


def test_clustered_flags_and_attached_values() -> None:
    opts = parse(["-kq", "-n200", "-c10", "-H", "A: 1", "-H", "B: 2", "-C", "x=1", "-C", "y=2", "http://h/"])
    assert opts.keepalive
    assert opts.quiet
    assert (opts.requests, opts.concurrency) == (200, 10)
    assert opts.headers == ["A: 1", "B: 2"]
    assert opts.cookies == ["x=1", "y=2"]


def test_t_implies_50000_and_later_n_caps() -> None:
    assert parse(["-t", "5", "http://h/"]).requests == MAX_REQUESTS
    assert parse(["-t", "5", "-n", "7", "http://h/"]).requests == 7
    assert parse(["-n", "7", "-t", "5", "http://h/"]).requests == MAX_REQUESTS


def test_long_options_and_rate_alias(tmp_path: Path) -> None:
    opts = parse(["--run-dir", str(tmp_path), "--payloads=p.json", "-R", "50", "http://h/score"])
    assert opts.run_dir == tmp_path
    assert opts.payloads == "p.json"
    assert opts.rate_rps == 50.0
    assert parse(["--rate", "2.5", "http://h/"]).rate_rps == 2.5


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["-Q", "http://h/"], "'Q'"),
        (["-n", "x", "http://h/"], "-n"),
        (["-c", "5", "-n", "2", "http://h/"], "concurrency"),
        (["-f", "SSL2", "https://h/"], "-f SSL2"),
        (["-p", "/no/such/file", "http://h/"], "/no/such/file"),
        (["--bogus", "http://h/"], "--bogus"),
        (["-n", "1"], "URL"),
        (["-H", "NoColon", "http://h/"], "-H"),
        (["--rate", "0", "http://h/"], "--rate"),
        (["http://h"], "path"),
    ],
)
def test_refusals_are_one_line_naming_the_option(argv: list[str], needle: str) -> None:
    with pytest.raises(AbUsageError) as caught:
        parse(argv)
    message = str(caught.value)
    assert needle in message
    assert "\n" not in message


def test_version_and_help_need_no_url() -> None:
    assert parse(["-V"]).version
    assert parse(["-h"]).help
