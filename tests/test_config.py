"""scorebench/config.py: flags, then SCOREBENCH_* variables, then scorebench.toml, then defaults."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from scorebench import config
from scorebench.commands import run as run_command
from scorebench.core.errors import HarnessError
from tests.conftest import TEST_KEY


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run_command.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_defaults_when_nothing_is_given() -> None:
    args = config.resolve(parse(), environ={}, toml={})
    assert (args.engine, args.duration, args.concurrency, args.timeout_s, args.out) == ("ab", "60s", 1, 60.0, "runs")
    assert args.threshold is None  # thresholds are read by scorebench.reports.common.checks.configured_thresholds
    assert args.insecure is False


def test_precedence_flag_over_env_over_toml_over_default() -> None:
    toml = {"engine": "locust", "concurrency": 4, "label": "from-toml", "timeout-s": 5.0}
    env = {"SCOREBENCH_CONCURRENCY": "8", "SCOREBENCH_LABEL": "from-env"}
    args = config.resolve(parse("--label", "from-flag"), environ=env, toml=toml)
    assert args.label == "from-flag"
    assert args.concurrency == 8
    assert args.engine == "locust"
    assert args.timeout_s == 5.0
    assert args.duration == "60s"


def test_env_values_are_parsed_and_bad_ones_named() -> None:
    env = {"SCOREBENCH_INSECURE": "yes", "SCOREBENCH_WORKERS": "3", "SCOREBENCH_RATE": "2.5"}
    args = config.resolve(parse(), environ=env, toml={})
    assert (args.insecure, args.workers, args.rate) == (True, 3, 2.5)
    with pytest.raises(HarnessError, match=r"SCOREBENCH_CONCURRENCY: 'many' is not a valid value for concurrency"):
        config.resolve(parse(), environ={"SCOREBENCH_CONCURRENCY": "many"}, toml={})


def test_toml_file_run_table(tmp_path: Path) -> None:
    path = tmp_path / "scorebench.toml"
    path.write_text('[run]\nengine = "locust"\nlabel = "nightly"\nspawn-rate = 3\n', encoding="utf-8")
    table = config.load_toml(environ={"SCOREBENCH_CONFIG": str(path)})
    args = config.resolve(parse(), environ={}, toml=table)
    assert (args.engine, args.label, args.spawn_rate) == ("locust", "nightly", 3)


def test_toml_problems_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="does not exist"):
        config.load_toml(environ={"SCOREBENCH_CONFIG": str(tmp_path / "missing.toml")})
    broken = tmp_path / "scorebench.toml"
    broken.write_text("[run\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"config: .*scorebench.toml"):
        config.load_toml(broken)


def test_the_key_is_never_a_setting_nor_a_run_flag(tmp_path: Path) -> None:
    assert "key" not in config.SETTINGS_BY_DEST
    parser = _one_line_parser()
    run_command.add_arguments(parser)
    for argv in (["--key", TEST_KEY], [f"--key={TEST_KEY}"], ["--ke", TEST_KEY]):
        with pytest.raises(HarnessError) as caught:
            parser.parse_args(argv)
        assert TEST_KEY not in str(caught.value)
    key_file = tmp_path / "key"
    key_file.write_text(TEST_KEY + "\n", encoding="utf-8")
    key_file.chmod(0o600)
    assert config.endpoint_key(parse(), environ={"SCOREBENCH_KEY": TEST_KEY}) == TEST_KEY
    args = config.resolve(parse(), environ={"SCOREBENCH_KEY_FILE": str(key_file)}, toml={})
    assert config.endpoint_key(args, environ={}) == TEST_KEY
    assert config.endpoint_key(parse(), environ={}) is None


def _one_line_parser() -> argparse.ArgumentParser:
    from scorebench.cli import OneLineParser

    return OneLineParser(prog="scorebench run")


def test_thresholds_and_slos_come_from_flags_else_env_else_toml() -> None:
    table = {"thresholds": ["p95:+20%"], "slo": ["p95<300ms"]}
    assert config.configured_thresholds(None, environ={}, toml=table) == ["p95:+20%"]
    assert config.configured_thresholds(["p99:+1%"], environ={}, toml=table) == ["p99:+1%"]
    env = {"SCOREBENCH_THRESHOLDS": "p50:+3%, rps:off", "SCOREBENCH_SLO": "p99<1s; error_rate<2%"}
    assert config.configured_thresholds(None, environ=env, toml=table) == ["p50:+3%", "rps:off"]
    assert config.configured_slos(None, environ={}, toml=table) == ["p95<300ms"]
    assert config.configured_slos(None, environ=env, toml=table) == ["p99<1s", "error_rate<2%"]
    assert config.configured_slos(["rps>=5"], environ=env, toml=table) == ["rps>=5"]
    floored = {"SCOREBENCH_THRESHOLDS": "p99:+15%,10ms, rps:off;p95:+10%, 5ms"}  # a floor's comma is not a separator
    assert config.configured_thresholds(None, environ=floored, toml={}) == ["p99:+15%,10ms", "rps:off", "p95:+10%, 5ms"]


def test_check_table_of_the_toml_is_read(tmp_path: Path) -> None:
    path = tmp_path / "scorebench.toml"
    path.write_text('[check]\nthresholds = ["p95:+20%"]\nslo = ["p95<2s"]\n', encoding="utf-8")
    table = config.load_toml(path)
    assert config.configured_thresholds(None, environ={}, toml=table) == ["p95:+20%"]
    assert config.configured_slos(None, environ={}, toml=table) == ["p95<2s"]


@pytest.mark.parametrize(
    ("environ", "table", "message"),
    [
        ({"SCOREBENCH_SLO": "p95<fast"}, {}, "SCOREBENCH_SLO: 'p95<fast' is not an SLO"),
        ({}, {"slo": ["p95<300"]}, "scorebench.toml slo: 'p95<300': expected p95 <|<= N ms|s"),
        ({}, {"slo": "p95<1s"}, None),
        ({}, {"slo": [3]}, "scorebench.toml slo: must be a list of strings"),
        ({"SCOREBENCH_THRESHOLDS": "p95"}, {}, "SCOREBENCH_THRESHOLDS: threshold 'p95': expected METRIC"),
    ],
)
def test_a_bad_slo_or_threshold_names_its_source(environ: dict, table: dict, message: str | None) -> None:
    if message is None:
        assert config.configured_slos(None, environ=environ, toml=table) == ["p95<1s"]
        return
    read = config.configured_thresholds if "THRESHOLDS" in str(environ) else config.configured_slos
    with pytest.raises(HarnessError) as caught:
        read(None, environ=environ, toml=table)
    assert str(caught.value).startswith(message)
