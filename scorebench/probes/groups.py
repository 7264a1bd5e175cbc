"""Server exceptions grouped: one row per distinct failure, with count, first and last seen.

A failure repeats with different volatile parts — memory addresses, request ids, numbers in paths
and messages — so messages are normalised before grouping (pure functions):
    0x7f3a9c2b10  → <addr>     (addresses)
    UUIDs, hex ids of 8+ chars with a digit → <id>
    runs of digits, in words and paths alike → <n>   ("call 17", "/tmp/tmpab12/x" → "/tmp/tmpab<n>/x")
Counts honour sampling (sum of item_count); times are the rows' own UTC strings (ISO, so they sort).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from scorebench.core.records import ExceptionRow

_RULES = (
    (re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"), "<id>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<addr>"),
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"), "<id>"),
    (re.compile(r"\d+"), "<n>"),
)
MAX_MESSAGE_CHARS = 300


@dataclass(frozen=True)
class ExceptionGroup:
    """One distinct failure: its type, normalised message, how often, and when first and last."""

    type: str
    message: str
    count: int
    first_seen: str
    last_seen: str
    example: str
    """One original message of the group (the first seen), for the volatile details."""


def normalise(message: str) -> str:
    """The message with addresses, ids and numbers replaced (see the module rules), trimmed."""
    text = " ".join(str(message or "").split())
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text[:MAX_MESSAGE_CHARS]


def group_exceptions(rows: Iterable[ExceptionRow]) -> list[ExceptionGroup]:
    """One group per (type, normalised message), most frequent first (ties: first seen first)."""
    groups: dict[tuple[str, str], list[ExceptionRow]] = {}
    for row in rows:
        groups.setdefault((row.type or "?", normalise(row.message)), []).append(row)
    result = []
    for (kind, message), members in groups.items():
        members.sort(key=lambda r: r.timestamp)
        result.append(
            ExceptionGroup(
                type=kind,
                message=message,
                count=sum(max(1, r.item_count) for r in members),
                first_seen=members[0].timestamp,
                last_seen=members[-1].timestamp,
                example=members[0].message[:MAX_MESSAGE_CHARS],
            )
        )
    return sorted(result, key=lambda g: (-g.count, g.first_seen))
