"""scorebench/parts.py: the one table through which `run` reaches the other stages."""

from __future__ import annotations

import dataclasses

import pytest

from scorebench import parts
from scorebench.core.errors import HarnessError


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, str]]:
    roles = {
        **parts.PARTS,
        "dumps": ("json", "dumps"),
        "which": ("shutil", "which"),
        "gone": ("no_such_module_here", "run"),
        "typo": ("json", "dumpz"),
    }
    monkeypatch.setattr(parts, "PARTS", roles)
    return roles


def test_missing_parts_are_one_line_errors(table: object) -> None:
    with pytest.raises(HarnessError, match="gone: no_such_module_here is not available in this build"):
        parts.part("gone")
    with pytest.raises(HarnessError, match=r"typo: json.dumpz is not available"):
        parts.part("typo")
    assert parts.available("dumps")
    assert not parts.available("gone")


def test_call_passes_known_options_drops_none_and_names_unknown(table: object) -> None:
    assert parts.call("dumps", {"b": 1, "a": 2}, sort_keys=True, indent=None) == '{"a": 2, "b": 1}'
    assert parts.call("which", "sh", path=None) is not None
    with pytest.raises(HarnessError, match=r"which: shutil.which does not take wait_s"):
        parts.call("which", "sh", wait_s=3.0)


def test_engines_table_is_the_one_place_engines_are_named() -> None:
    assert parts.PARTS["engine:ab"] == ("scorebench.loadtests.ab", "run_load")
    assert parts.PARTS["engine:locust"] == ("scorebench.loadtests.locust_engine", "run_load")


@dataclasses.dataclass
class Outcome:
    exit_code: int
    verdict_lines: list[str]
    report_path: str


def test_report_outcome_reads_objects_and_dicts() -> None:
    from_object = parts.report_outcome(Outcome(1, ["p95: +40% > +10%: FAIL"], "runs/x/report.html"))
    assert from_object == parts.ReportOutcome(1, ["p95: +40% > +10%: FAIL"], "runs/x/report.html")
    from_dict = parts.report_outcome({"exit_code": 0, "verdict": "verdict: PASS", "report": "r.html"})
    assert from_dict == parts.ReportOutcome(0, ["verdict: PASS"], "r.html")
