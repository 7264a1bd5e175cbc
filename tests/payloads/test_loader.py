"""payloads/loader.py: bodies, stable ids, malformed files named with line and column, empty folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from scorebench.core.errors import HarnessError
from scorebench.payloads.loader import DEFAULT_PAYLOADS, load_payloads, payload_set_hash


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_default_payloads_load() -> None:
    payloads = load_payloads(DEFAULT_PAYLOADS)  # 300 bodies of one .jsonl (tests/payloads/test_bank.py)
    assert [p.payload_id for p in payloads[:2]] == ["data.jsonl:1", "data.jsonl:2"]
    assert len(payloads) == 300
    assert len(payloads[0].document["data"]) == 8


def test_json_and_jsonl_ids_and_compact_bodies(tmp_path: Path) -> None:
    write(tmp_path, "b/one.json", '{ "data": [ {"a": 1} ] }')
    write(tmp_path, "a.jsonl", '{"data": [1]}\n\n{"input_data": {"x": 2}}\n')
    payloads = load_payloads(tmp_path)
    assert [p.payload_id for p in payloads] == ["a.jsonl:1", "a.jsonl:3", "b/one.json"]
    assert payloads[2].body == b'{"data":[{"a":1}]}'
    assert payloads[1].source.endswith("a.jsonl:3")


def test_malformed_json_names_file_line_and_column(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.json", '{\n  "data": [1,\n  oops]\n}')
    with pytest.raises(HarnessError) as caught:
        load_payloads(tmp_path)
    assert str(caught.value).startswith(f"payloads: {bad}:3:3: malformed JSON")


def test_malformed_jsonl_names_the_line(tmp_path: Path) -> None:
    bad = write(tmp_path, "set.jsonl", '{"data": [1]}\n{"data": [2}\n')
    with pytest.raises(HarnessError, match=rf"payloads: {bad}:2:12: malformed JSON"):
        load_payloads(bad)


@pytest.mark.parametrize("text", ["[1, 2]", '{"rows": []}', '"data"'])
def test_body_must_be_object_with_data(tmp_path: Path, text: str) -> None:
    write(tmp_path, "x.json", text)
    with pytest.raises(HarnessError, match='a body must be a JSON object with "data" or "input_data"'):
        load_payloads(tmp_path)


def test_empty_folder_and_missing_path(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "not a payload")
    with pytest.raises(HarnessError, match=r"holds no \.json or \.jsonl payload files"):
        load_payloads(tmp_path)
    with pytest.raises(HarnessError, match="does not exist"):
        load_payloads(tmp_path / "nowhere")


def test_hash_is_stable_and_sensitive(tmp_path: Path) -> None:
    write(tmp_path, "a.json", '{"data": [1]}')
    first = payload_set_hash(load_payloads(tmp_path))
    write(tmp_path, "a.json", '{"data":[1]}')
    assert payload_set_hash(load_payloads(tmp_path)) == first
    write(tmp_path, "a.json", '{"data": [2]}')
    assert payload_set_hash(load_payloads(tmp_path)) != first
