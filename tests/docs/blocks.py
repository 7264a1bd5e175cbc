"""The fenced blocks of README.md and docs/*.md, each claimed by the test that replays or checks it.

A block is named by its document and its first line (line numbers drift, first lines rarely do).
`claim(doc, first_line, kind)` finds exactly one block and records who checks it;
tests/docs/test_every_block.py imports every test module of this folder and fails on a block that
no test claimed, so a recipe cannot land in the docs untested. Kinds say what "checked" means:
`replayed` (its commands run, placeholders filled), `transcript` (its command runs; its lines are
real lines of that output), `synopsis` (every flag it names is in that command's --help),
`listing` (the files it names are the files a real run writes), `code` (its imports resolve and its
calls name real parameters), `picture` (a diagram: no command in it).

Helpers for replaying: `command_lines` joins continuations, `fill` swaps a placeholder for this
machine's value and fails when the placeholder is no longer in the block (the docs moved on),
`replay` runs lines with bash from a fresh folder with this checkout's `scorebench` and `locust` on PATH.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.conftest import REPO_ROOT, cli_env

Kind = Literal["replayed", "transcript", "synopsis", "listing", "code", "picture"]
DOCUMENTS = ("README.md", *sorted(f"docs/{p.name}" for p in (REPO_ROOT / "docs").glob("*.md")))
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Block:
    doc: str
    line: int
    lang: str
    body: str

    @property
    def first_line(self) -> str:
        return self.body.strip().splitlines()[0].strip() if self.body.strip() else ""

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def all_blocks() -> list[Block]:
    """Every ``` block of README.md and docs/*.md, in document order."""
    found = []
    for doc in DOCUMENTS:
        text = (REPO_ROOT / doc).read_text(encoding="utf-8")
        for m in re.finditer(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```$", text, re.S | re.M):
            found.append(Block(doc, text[: m.start()].count("\n") + 1, m["lang"], m["body"]))
    return found


CLAIMED: dict[Block, tuple[Kind, str]] = {}
"""Block → (kind, the claiming module), filled as test modules are imported."""


def claim(doc: str, first_line: str, kind: Kind) -> Block:
    """The one block of `doc` whose first line starts with `first_line`, recorded as checked by the caller."""
    matches = [b for b in all_blocks() if b.doc == doc and b.first_line.startswith(first_line)]
    assert len(matches) == 1, f"{doc}: {len(matches)} blocks start with {first_line!r}"
    caller = sys._getframe(1).f_globals.get("__name__", "?")
    CLAIMED.setdefault(matches[0], (kind, caller))
    return matches[0]


def command_lines(body: str) -> list[str]:
    """Shell lines of a block: continuations joined, trailing comments dropped, comment lines kept as `#...`."""
    lines = []
    for raw in body.replace("\\\n", " ").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            lines.append(line)
        elif line:
            lines.append(re.sub(r"\s+#.*$", "", line))
    return lines


def fill(block: Block, line: str, places: dict[str, str]) -> str:
    """`line` with each placeholder of `places` it contains replaced; every placeholder must occur in the block."""
    for placeholder, value in places.items():
        assert placeholder in block.body, f"{block.where}: placeholder {placeholder!r} is gone"
        line = line.replace(placeholder, value)
    return line


def replay_env(**extra: str) -> dict[str, str]:
    """cli_env with this checkout's console scripts first on PATH."""
    env = cli_env(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
    env.update(extra)
    return env


def replay(lines: list[str], cwd: Path, env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Run the lines as one bash script (stopping at the first failing line) in `cwd`."""
    script = "set -e\n" + "\n".join(line for line in lines if not line.startswith("#"))
    return subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def flags(text: str) -> set[str]:
    """Every `--long-flag` a text names."""
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))


def help_text(*command: str) -> str:
    """`scorebench COMMAND --help`, as the user sees it."""
    done = subprocess.run([BIN / "scorebench", *command, "--help"], env=replay_env(), capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    return done.stdout


_PATH = re.compile(r"(?:\S*/)?runs/[^\s:,)]*")
_NUMBER = re.compile(r"(?<!\w)(?<!\d\.)[-+]?\d[\d,]*(?:\.\d+)?")
"""A figure, not the digits after a figure's point (`1.2.3`), but the upper end of a range (`2637.0..3187.0`)."""
_OUTCOME = re.compile(r"^(PASS|FAIL|INCONCLUSIVE|ERROR)\b")


def shape(line: str) -> str:
    """A printed line with what varies between runs taken out: run paths, numbers, the outcome word,
    and the hint after the first `; `."""
    line = line.split("; ", 1)[0].strip()
    return _NUMBER.sub("N", _OUTCOME.sub("OUTCOME", _PATH.sub("RUNS", line)))


def line_kind(line: str) -> str:
    """What a line reports: its shape up to the first colon (`OUTCOME slo pN<Nms`, `verdict`, `report`)."""
    return shape(line).split(":", 1)[0]


def transcript(block: Block) -> tuple[str, list[str]]:
    """The `$ command` of a transcript block and the lines shown as its output."""
    lines = block.body.strip().splitlines()
    assert lines[0].startswith("$ "), f"{block.where}: a transcript starts with `$ command`"
    return lines[0].removeprefix("$ "), [line for line in lines[1:] if line.strip()]


def transcript_problems(shown: list[str], printed: str, may_be_missing: frozenset[str] = frozenset()) -> list[str]:
    """How the shown lines differ from what the command really printed: a kind of line it no longer
    prints, another shape (words, units, separators), or a figure written otherwise than the real line
    writes its own. A kind named in `may_be_missing` is a situation the replay may not stage (a step
    that failed on its SLO, where this machine's step failed on saturation): its lines are checked when
    a line of their shape was printed, and otherwise let be."""
    real = [line for line in printed.splitlines() if line.strip()]
    problems = []
    for line in shown:
        kind = line_kind(line)
        same_kind = [r for r in real if line_kind(r) == kind]
        if not same_kind:
            if kind not in may_be_missing:
                problems.append(f"not printed any more: {line!r}")
            continue
        alike = [r for r in same_kind if shape(r) == shape(line)]
        if not alike and kind in may_be_missing:  # printed, but this line's variant was not staged
            continue
        if not alike:
            problems.append(f"printed otherwise: {line!r}, really {same_kind[0]!r}")
            continue
        closest = min(alike, key=lambda r: len(_figure_problems(line, r)))  # a rate of 10 is written as a count
        problems += [f"{line!r}: {bad}" for bad in _figure_problems(line, closest)]
    return problems


def _figure_problems(shown: str, real: str) -> list[str]:
    """Figures of `shown` written unlike the same slot of `real` (`59760.078` where `59,760` is printed): no
    way of writing figures that writes the real one writes the shown one too. The ways: the reports' own
    (`figure`, `count`) and a fixed number of decimals as the real one has, grouped in thousands or not
    (a line formatted with `:.1f` writes `5.0` beside `10.5`)."""
    problems = []
    cut = shown.split("; ", 1)[0], real.split("; ", 1)[0]
    for mine, theirs in zip(_NUMBER.findall(cut[0]), _NUMBER.findall(cut[1]), strict=True):
        mine, theirs = mine.lstrip("+-"), theirs.lstrip("+-")
        ways = [way for way in _ways_of_writing(theirs) if way(_value(theirs)) == theirs]
        if ways and not any(way(_value(mine)) == mine for way in ways):
            problems.append(f"{mine} is not written as the tool writes it ({theirs} in a real run)")
    return problems


def _ways_of_writing(real: str) -> list[Callable[[float], str]]:
    from scorebench.reports.common.figures import count, figure

    decimals = len(real.partition(".")[2])
    return [figure, count, lambda v: f"{v:.{decimals}f}", lambda v: f"{v:,.{decimals}f}"]


def _value(text: str) -> float:
    return float(text.replace(",", ""))
