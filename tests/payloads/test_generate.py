"""payloads/generate.py and `scorebench payloads generate`: .jsonl bodies from a CSV, types inferred."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from scorebench.core.errors import HarnessError
from scorebench.payloads.generate import generate_payloads
from scorebench.payloads.loader import load_payloads
from scorebench.payloads.schema import check_payloads
from tests.conftest import run_cli

TINY = "age,job,rate,note,y\n30,admin.,1.5,,no\n41,technician,2,x,yes\n52,retired,3.25,y,no\n"


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    return path


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_types_inferred_per_column_target_dropped(tiny_csv: Path, tmp_path: Path) -> None:
    out = generate_payloads(tiny_csv, tmp_path / "out", records_per_body=1, bodies=3)
    assert lines(out) == [
        {"data": [{"age": 30, "job": "admin.", "rate": 1.5, "note": None}]},
        {"data": [{"age": 41, "job": "technician", "rate": 2.0, "note": "x"}]},
        {"data": [{"age": 52, "job": "retired", "rate": 3.25, "note": "y"}]},
    ]


def test_records_per_body_and_loader_ids(tiny_csv: Path, tmp_path: Path) -> None:
    out = generate_payloads(tiny_csv, tmp_path / "out", records_per_body=2, bodies=1, target=None)
    assert [len(doc["data"]) for doc in lines(out)] == [2]  # type: ignore[arg-type]
    assert "y" in lines(out)[0]["data"][0]  # type: ignore[index]
    assert [p.payload_id for p in load_payloads(out.parent)] == ["payloads.jsonl:1"]


def test_seeded_sample_is_reproducible(tiny_csv: Path, tmp_path: Path) -> None:
    first = generate_payloads(tiny_csv, tmp_path / "a", bodies=2, seed=7).read_text()
    again = generate_payloads(tiny_csv, tmp_path / "b", bodies=2, seed=7).read_text()
    assert first == again


@pytest.mark.parametrize(
    ("knobs", "message"),
    [
        ({"bodies": 4}, "has 3 rows, 4 needed"),
        ({"target": "label"}, "no target column 'label'"),
        ({"records_per_body": 0}, "must be at least 1"),
    ],
)
def test_bad_requests_are_one_line_errors(
    tiny_csv: Path, tmp_path: Path, knobs: dict[str, object], message: str
) -> None:
    with pytest.raises(HarnessError, match=message):
        generate_payloads(tiny_csv, tmp_path / "out", **knobs)  # type: ignore[arg-type]


def test_ragged_csv_names_the_line(tmp_path: Path) -> None:
    ragged = tmp_path / "r.csv"
    ragged.write_text("a,b\n1,2\n3\n", encoding="utf-8")
    with pytest.raises(HarnessError, match=r"r.csv:3: 1 cells, header has 2"):
        generate_payloads(ragged, tmp_path / "out", bodies=1)


def test_bank_marketing_bodies_pass_the_standins_schema(bank_csv: Path, tmp_path: Path, standin: object) -> None:
    out = generate_payloads(bank_csv, tmp_path / "bank", records_per_body=5, bodies=20, seed=1)
    payloads = load_payloads(out)
    assert len(payloads) == 20
    with urllib.request.urlopen(standin.swagger_url, timeout=30) as response:  # type: ignore[attr-defined]
        swagger = json.loads(response.read())
    assert check_payloads(payloads, swagger) == 20


def test_cli_generate(tmp_path: Path, tiny_csv: Path) -> None:
    done = run_cli("payloads", "generate", "--csv", str(tiny_csv), "--out", str(tmp_path / "o"), "--bodies", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"payloads: wrote 2 bodies of 1 records to {tmp_path / 'o' / 'payloads.jsonl'}"
    missing = run_cli("payloads", "generate", "--csv", str(tmp_path / "none.csv"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"scorebench: error: payloads generate: {tmp_path / 'none.csv'} does not exist"
