"""Every fenced block of README.md and docs/*.md is checked by a test of this folder.

The test modules here claim their blocks when imported (tests/docs/blocks.py `claim`); this test
imports them all and fails naming each block nobody claimed, so a recipe added to the docs without a
test fails CI. The diagrams, which hold no command, are claimed here and checked to hold none.
"""

from __future__ import annotations

import importlib
import re

from tests.conftest import REPO_ROOT
from tests.docs.blocks import CLAIMED, all_blocks, claim, shape, transcript_problems

PICTURES = [
    claim("README.md", "payloads/ ──► scorebench.loadtests", "picture"),
    claim("docs/architecture.md", "payloads/ ──► scorebench.loadtests", "picture"),
]


def _import_every_test_module() -> None:
    for path in sorted((REPO_ROOT / "tests" / "docs").glob("test_*.py")):
        importlib.import_module(f"tests.docs.{path.stem}")


def test_every_block_is_claimed_by_a_test() -> None:
    _import_every_test_module()
    unclaimed = [f"{b.where} ({b.first_line[:60]!r})" for b in all_blocks() if b not in CLAIMED]
    assert unclaimed == [], "blocks no test replays or checks:\n" + "\n".join(unclaimed)


def test_a_picture_holds_no_command() -> None:
    for block in PICTURES:
        assert not re.search(r"^\s*(\$ |scorebench |locust |pip |export )", block.body, re.M), block.where


PRINTED = "PASS timeout: all 300 requests within the 60 s timeout (slowest 94.98 ms, margin 59,905 ms)"
SHOWN = "PASS timeout: all 711 requests within the 60 s timeout (slowest {} ms, margin 59,760 ms)"


def test_a_transcript_line_is_compared_by_shape_and_by_how_its_figures_are_written() -> None:
    printed = PRINTED + "\nverdict: PASS (exit 0)"
    assert shape("FAIL p95: 12.0 ms; a hint") == "OUTCOME p95: N ms"
    assert shape("p95: 11.8 ms (95% CI 11.5 ms..13.0 ms)") == "p95: N ms (N% CI N ms..N ms)"
    assert transcript_problems([SHOWN.format("239.9")], printed) == []
    (stale,) = transcript_problems([SHOWN.format("239.922")], printed)
    assert "239.922 is not written as the tool writes it (94.98" in stale
    assert (
        transcript_problems(
            ["PASS timeout: all 9 requests within the 60 s timeout (slowest 19.27 ms, margin 59,981 ms)"],
            printed.replace("94.98", "132"),
        )
        == []
    )  # 132 is written alike by count and figure
    slo = "PASS slo p95<300ms: 30.7 ms (95% CI 28.4 ms..35.6 ms, limit < 300.0 ms)"
    assert transcript_problems(["PASS slo p95<300ms: 11.8 ms (95% CI 11.5 ms..13.0 ms, limit < 300.0 ms)"], slo) == []
    (other,) = transcript_problems(["PASS timeout: all 711 requests (slowest 239.9 ms)"], printed)
    assert other.startswith("printed otherwise")
    (gone,) = transcript_problems(["load ended: all 2 checks decided"], printed)
    assert gone.startswith("not printed any more")
    assert transcript_problems(["load ended: all 2 checks decided"], printed, frozenset({"load ended"})) == []
    variant = "PASS timeout: all 711 requests (slowest 239.9 ms)"  # a kind printed, in a variant not staged
    assert transcript_problems([variant], printed, frozenset({"OUTCOME timeout"})) == []
    assert transcript_problems([SHOWN.format("239.922")], printed, frozenset({"OUTCOME timeout"})) != []
