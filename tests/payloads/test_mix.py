"""payloads/mix.py: a weighted mix of payload files becomes the sequence the engines rotate through."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from scorebench.core.errors import HarnessError
from scorebench.payloads.loader import load_payloads, payload_set_hash
from scorebench.payloads.mix import MixPart, load_mix, parse_item

BODY = '{"data": [{"age": %d}]}\n'


def write(path: Path, ages: range) -> Path:
    path.write_text("".join(BODY % age for age in ages))
    return path


def test_one_file_is_the_plain_payload_set(tmp_path: Path) -> None:
    file = write(tmp_path / "a.jsonl", range(3))
    for item in (str(file), f"{file}:5"):
        payloads, parts = load_mix([item])
        assert payload_set_hash(payloads) == payload_set_hash(load_payloads(file))
        assert parts[0].count == 3


def test_weights_set_the_share_of_every_stretch_and_each_file_rotates(tmp_path: Path) -> None:
    a, b = write(tmp_path / "a.jsonl", range(2)), write(tmp_path / "b.jsonl", range(10, 11))
    payloads, parts = load_mix([f"{a}:3", f"{b}:1"])
    assert parts == [MixPart(f"{tmp_path}/a.jsonl", 3, 2), MixPart(f"{tmp_path}/b.jsonl", 1, 1)]
    ids = [p.payload_id for p in payloads]
    assert len(ids) == 8  # sum of weights x the largest part
    assert ids[:4] == ["a.jsonl:1", "a.jsonl:2", "b.jsonl:1", "a.jsonl:1"]  # smooth: b is not left to the end
    for start in range(0, 8, 4):  # every stretch of 4 holds 3 of a and 1 of b
        assert Counter(i.split(":")[0] for i in ids[start : start + 4]) == {"a.jsonl": 3, "b.jsonl": 1}
    assert Counter(ids) == {"a.jsonl:1": 3, "a.jsonl:2": 3, "b.jsonl:1": 2}
    other, _ = load_mix([f"{a}:1", f"{b}:1"])
    assert payload_set_hash(other) != payload_set_hash(payloads)  # another mix is another payload set


@pytest.mark.parametrize(("text", "expected"), [("a.jsonl:3", ("a.jsonl", 3)), ("a.jsonl", ("a.jsonl", None)),
                                                ("c:/x/a.jsonl", ("c:/x/a.jsonl", None))])  # fmt: skip
def test_parse_item(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_item(text) == expected


@pytest.mark.parametrize("weight", ["0", "1001", "-2"])
def test_a_bad_weight_names_the_flag(tmp_path: Path, weight: str) -> None:
    with pytest.raises(HarnessError, match=r"--payloads .*the weight must be a whole number from 1 to 1000"):
        load_mix([f"{tmp_path}/a.jsonl:{weight}", f"{tmp_path}/b.jsonl"])


def test_the_same_ids_in_two_parts_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    x, y = write(tmp_path / "x" / "a.jsonl", range(1)), write(tmp_path / "y" / "a.jsonl", range(1))
    with pytest.raises(HarnessError, match=r"both hold payload id 'a\.jsonl:1'"):
        load_mix([f"{x}:1", f"{y}:1"])
