"""reports/common/idjoin.py: the fast road (ids read as words) and the general road agree with plain equality."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from scorebench.reports.common import idjoin

HEX_IDS = [f"{i:032x}" for i in (1, 2, 3, 2**64, 2**64 + 1, 2**127 - 1)]  # some differ in one word only
OTHER_IDS = ["short", "abcdefgh", "x" * 40]


def matches(client: list[str | None], server: list[str | None]) -> list[set[int]]:
    """Per server row, the client rows whose code equals its code (none for a missing id)."""
    codes_c, codes_s, _ = idjoin.id_codes(
        idjoin.client_ids(pd.Series(client, dtype="string[pyarrow]")), pd.Series(server, dtype="string[pyarrow]")
    )
    return [{i for i, c in enumerate(codes_c) if code >= 0 and c == code} for code in codes_s]


def expected(client: list[str | None], server: list[str | None]) -> list[set[int]]:
    return [{i for i, c in enumerate(client) if s is not None and c == s} for s in server]


def test_the_fast_road_is_taken_for_distinct_32_digit_ids() -> None:
    prepared = idjoin.client_ids(pd.Series(HEX_IDS, dtype="string[pyarrow]"))
    assert prepared.words is not None
    assert prepared.words.shape == (len(HEX_IDS), 4)
    assert idjoin.client_ids(pd.Series([*HEX_IDS, HEX_IDS[0]], dtype="string[pyarrow]")).words is None  # repeated


def test_hand_checked_join() -> None:
    client = HEX_IDS[:3]
    server = [HEX_IDS[2], None, "short", HEX_IDS[4], HEX_IDS[0], HEX_IDS[2]]
    assert matches(client, server) == [{2}, set(), set(), set(), {0}, {2}]


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    client=st.lists(st.sampled_from(HEX_IDS), max_size=6, unique=True)
    | st.lists(st.sampled_from([*HEX_IDS, *OTHER_IDS, None]), max_size=6),
    server=st.lists(st.sampled_from([*HEX_IDS, *OTHER_IDS, None]), max_size=8),
)
def test_codes_join_exactly_what_equality_joins(client: list[str | None], server: list[str | None]) -> None:
    assert matches(client, server) == expected(client, server)
