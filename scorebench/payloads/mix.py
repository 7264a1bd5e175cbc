"""A weighted mix of payload files in one run: `--payloads a.jsonl:3 --payloads b.jsonl:1`.

`load_mix(items)` reads each `PATH[:WEIGHT]` (a file or folder, as `load_payloads`; weight a whole
number, default 1) and returns the *sequence* both engines send in turn (they rotate through the
list they are given), plus one `MixPart` per item for run.json. The sequence interleaves the parts
by smooth weighted round robin (nginx's: the part furthest behind its share goes next), so any
stretch of it holds the parts in their weights' proportion, and each part's bodies rotate in their
own order. One part is the plain payload set, unchanged (same ids, same hash).
Rules: pure but for reading the files; a bad weight, a mix too long, or the same payload id in two
parts is one HarnessError naming the flag.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from scorebench.core.errors import HarnessError
from scorebench.payloads.loader import Payload, load_payloads

MAX_WEIGHT = 1000
MAX_SEQUENCE = 200_000
"""At most this many entries in the mixed sequence (sum of weights x the largest part's bodies)."""


@dataclasses.dataclass(frozen=True)
class MixPart:
    """One `--payloads PATH:WEIGHT` of a mix: run.json `payloads.mix`."""

    path: str
    weight: int
    count: int
    """Bodies in the part."""


def parse_item(text: str, where: str = "--payloads") -> tuple[str, int | None]:
    """`a.jsonl:3` → ("a.jsonl", 3); `a.jsonl` → ("a.jsonl", None); the weight is what follows the last ':'."""
    path, colon, weight_text = str(text).rpartition(":")
    if not colon or not weight_text.strip().lstrip("-").isdigit():
        return str(text), None
    weight = int(weight_text)
    if not 1 <= weight <= MAX_WEIGHT:
        raise HarnessError(f"{where} {text!r}: the weight must be a whole number from 1 to {MAX_WEIGHT}")
    return path, weight


def load_mix(items: Sequence[str], where: str = "--payloads") -> tuple[list[Payload], list[MixPart]]:
    """The sequence to send and the parts it mixes (see the module's docstring)."""
    parsed = [parse_item(item, where) for item in items]
    if len(parsed) == 1:  # one part: the plain payload set, whatever its weight
        payloads = load_payloads(Path(parsed[0][0]))
        return payloads, [MixPart(parsed[0][0], parsed[0][1] or 1, len(payloads))]
    parts = [(path, weight or 1, load_payloads(Path(path))) for path, weight in parsed]
    _check_ids(parts, where)
    total = sum(weight for _, weight, _ in parts)
    length = total * max(len(bodies) for _, _, bodies in parts)
    if length > MAX_SEQUENCE:
        raise HarnessError(
            f"{where}: the mix would be {length:,} entries (sum of weights x the largest part's bodies);"
            f" at most {MAX_SEQUENCE:,}: use smaller weights"
        )
    sequence = [parts[i][2][k % len(parts[i][2])] for i, k in _interleave([w for _, w, _ in parts], length)]
    return sequence, [MixPart(path, weight, len(bodies)) for path, weight, bodies in parts]


def _interleave(weights: list[int], length: int) -> list[tuple[int, int]]:
    """(part, how many of that part came before) for `length` picks by smooth weighted round robin."""
    total = sum(weights)
    current = [0] * len(weights)
    taken = [0] * len(weights)
    picks = []
    for _ in range(length):
        current = [c + w for c, w in zip(current, weights, strict=True)]
        best = max(range(len(weights)), key=lambda i: (current[i], -i))
        current[best] -= total
        picks.append((best, taken[best]))
        taken[best] += 1
    return picks


def _check_ids(parts: list[tuple[str, int, list[Payload]]], where: str) -> None:
    """The same payload id in two parts would make their samples indistinguishable."""
    owner: dict[str, str] = {}
    for path, _, bodies in parts:
        for payload in bodies:
            other = owner.setdefault(payload.payload_id, path)
            if other != path:
                raise HarnessError(
                    f"{where}: {other} and {path} both hold payload id {payload.payload_id!r}"
                    " (ids are file names relative to the path given): rename one, or give their folder once"
                )
