"""Shared row semantics: timespans, booleans, sampling weights, the repr'd custom dimensions."""

from __future__ import annotations

import pytest

from scorebench.probes.rows import client_id_from_repr, item_count_from_rate, parse_bool, request_row, timespan_ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("00:00:00.201", 201.0),
        ("00:01:02.5", 62500.0),
        ("0.00:00:00.000", 0.0),
        ("2.01:00:00.000", 176_400_000.0),
        ("", None),
        ("201ms", None),
    ],
)
def test_timespan_ms(text, ms):
    assert timespan_ms(text) == ms


def test_parse_bool():
    assert [parse_bool(v) for v in (True, "True", "false", "1", "", None, "maybe")] == [
        True,
        True,
        False,
        True,
        None,
        None,
        None,
    ]


def test_item_count_from_rate():
    assert [item_count_from_rate(r) for r in (100.0, 50, 10.0, None, 0, "x")] == [1, 2, 10, 1, 1, 1]


def test_client_id_from_repr():
    assert client_id_from_repr("{'Request Id': 'r', 'Client Request Id': 'abc-1'}") == "abc-1"
    assert client_id_from_repr("{'Client Request Id': ''}") == ""
    assert client_id_from_repr("{'Client Request Id': 'x', 'obj': <object at 0x1>}") == "x"
    assert client_id_from_repr("") == ""


def test_success_follows_the_code_when_nothing_says_it():
    row = request_row(
        timestamp="2026-01-01T00:00:00Z",
        name="/score",
        operation_id="",
        custom={},
        duration_ms=1.0,
        result_code="404",
        success=None,
        item_count=1,
    )
    assert row.success is False
