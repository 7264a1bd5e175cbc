"""Exceptions grouped by type and normalised message (probes/groups.py)."""

from __future__ import annotations

from scorebench.core.records import ExceptionRow
from scorebench.probes.groups import ExceptionGroup, group_exceptions, normalise


def exc(second: int, kind: str, message: str, item_count: int = 1) -> ExceptionRow:
    return ExceptionRow(f"2026-11-22T20:00:{second:02d}.000000Z", "", kind, message, item_count)


def test_volatile_parts_are_normalised():
    assert normalise("injected failure on call 17") == "injected failure on call <n>"
    assert normalise("<Model object at 0x7f3a9c2b10> is not callable") == "<Model object at <addr>> is not callable"
    assert normalise("request 3f2a9c1e-0b7d-4c1a-9e2f-1234567890ab failed") == "request <id> failed"
    assert normalise("client 9f8e7d6c5b4a39281706f5e4d3c2b1a0 gone") == "client <id> gone"
    assert normalise("no file /tmp/tmpab12/model_3.pkl") == "no file /tmp/tmpab<n>/model_<n>.pkl"
    assert normalise("  two\n lines ") == "two lines"
    assert normalise("deadbeef is a word, cafe too") == "deadbeef is a word, cafe too"  # no digit: not an id


def test_one_row_per_distinct_failure_with_count_and_first_and_last_seen():
    rows = [
        exc(5, "InjectedFailure", "injected failure on call 2"),
        exc(1, "InjectedFailure", "injected failure on call 1"),
        exc(9, "InjectedFailure", "injected failure on call 3", item_count=2),
        exc(3, "KeyError", "'age'"),
        exc(4, "ValueError", "injected failure on call 4"),  # same text, another type: another failure
    ]
    assert group_exceptions(rows) == [
        ExceptionGroup("InjectedFailure", "injected failure on call <n>", 4, "2026-11-22T20:00:01.000000Z",
                       "2026-11-22T20:00:09.000000Z", "injected failure on call 1"),
        ExceptionGroup("KeyError", "'age'", 1, "2026-11-22T20:00:03.000000Z", "2026-11-22T20:00:03.000000Z", "'age'"),
        ExceptionGroup("ValueError", "injected failure on call <n>", 1, "2026-11-22T20:00:04.000000Z",
                       "2026-11-22T20:00:04.000000Z", "injected failure on call 4"),
    ]  # fmt: skip


def test_nothing_in_nothing_out():
    assert group_exceptions([]) == []
