"""payloads/bank.py: the Bank Marketing data set's field facts, a seeded record generator, the default set.

The 20 input fields, their category levels and ranges are facts of the public Bank Marketing data
set (UCI, Moro et al. 2014); records are drawn from them with a seeded generator, so the project
ships no copy of the data set. Two users: the stand-in's model trains on rows drawn here
(scorebench/local/model.py), and the packaged default payload set is drawn here
(`default_bodies`, written to DEFAULT_SET_FILE; tests/payloads/test_bank.py holds the file to it).

The default set is DEFAULT_BODIES distinct request bodies of RECORDS_PER_BODY records each, in the
AutoML `{"data": [records]}` convention: enough distinct payloads for `compare` to decide answer
agreement (docs/compare.md, "Agreement"). Rule: deterministic (one seed, one draw); regenerate the
file with `python -m scorebench.payloads.bank` after changing anything here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

CATEGORIES: dict[str, tuple[str, ...]] = {
    "job": ("admin.", "blue-collar", "entrepreneur", "housemaid", "management", "retired",
            "self-employed", "services", "student", "technician", "unemployed", "unknown"),
    "marital": ("divorced", "married", "single", "unknown"),
    "education": ("basic.4y", "basic.6y", "basic.9y", "high.school", "illiterate",
                  "professional.course", "university.degree", "unknown"),
    "default": ("no", "unknown", "yes"),
    "housing": ("no", "unknown", "yes"),
    "loan": ("no", "unknown", "yes"),
    "contact": ("cellular", "telephone"),
    "month": ("apr", "aug", "dec", "jul", "jun", "mar", "may", "nov", "oct", "sep"),
    "day_of_week": ("fri", "mon", "thu", "tue", "wed"),
    "poutcome": ("failure", "nonexistent", "success"),
}  # fmt: skip
INTEGERS: dict[str, tuple[int, int]] = {
    "age": (17, 98), "duration": (0, 4918), "campaign": (1, 56), "pdays": (0, 999), "previous": (0, 7),
}  # fmt: skip
DECIMALS: dict[str, tuple[float, ...]] = {
    "emp.var.rate": (-3.4, -3.0, -2.9, -1.8, -1.7, -1.1, -0.2, -0.1, 1.1, 1.4),
    "cons.price.idx": (92.201, 92.893, 93.075, 93.2, 93.444, 93.918, 93.994, 94.465, 94.767),
    "cons.conf.idx": (-50.8, -47.1, -46.2, -42.7, -41.8, -40.8, -36.4, -36.1, -26.9),
    "euribor3m": (0.634, 0.884, 1.299, 1.405, 4.076, 4.857, 4.961, 5.045),
    "nr.employed": (4963.6, 5008.7, 5099.1, 5176.3, 5191.0, 5195.8, 5228.1),
}
FIELDS: tuple[str, ...] = (
    "age", "job", "marital", "education", "default", "housing", "loan", "contact", "month",
    "day_of_week", "duration", "campaign", "pdays", "previous", "poutcome", "emp.var.rate",
    "cons.price.idx", "cons.conf.idx", "euribor3m", "nr.employed",
)  # fmt: skip
"""The 20 input fields, in the data set's column order."""

EXAMPLE_RECORD: dict[str, Any] = {
    "age": 17, "job": "blue-collar", "marital": "married", "education": "university.degree",
    "default": "no", "housing": "yes", "loan": "yes", "contact": "cellular", "month": "may",
    "day_of_week": "mon", "duration": 971, "campaign": 1, "pdays": 999, "previous": 1,
    "poutcome": "failure", "emp.var.rate": -1.8, "cons.price.idx": 92.893, "cons.conf.idx": -46.2,
    "euribor3m": 1.299, "nr.employed": 5099.1,
}  # fmt: skip
"""The first record of the classic endpoint.py example (the stand-in's swagger example)."""

DEFAULT_BODIES = 300
"""Distinct bodies in the default set: all agreeing, the 95 % interval starts at 99.08 % (>= 72 decide 95 %)."""
RECORDS_PER_BODY = 8
"""A body agrees only when every record does: 8 records turn a 1.25 % per-record difference into ~10 % per body."""
DEFAULT_SET_SEED = 20240523
"""Not the stand-in's training seed: the default bodies are new rows of the same distribution."""
DEFAULT_SET_FILE = Path(__file__).resolve().parent / "bank_marketing" / "data.jsonl"


def draw_columns(rng: np.random.Generator, count: int) -> dict[str, Any]:
    """`count` values per field within the data set's levels and ranges (numpy arrays, one per field)."""
    columns: dict[str, Any] = {name: rng.choice(levels, count) for name, levels in CATEGORIES.items()}
    columns["age"] = np.clip(rng.normal(40, 10, count).round(), 17, 98).astype(int)
    columns["duration"] = np.clip(rng.exponential(257, count).round(), 0, 4918).astype(int)
    columns["campaign"] = np.clip(rng.geometric(0.4, count), 1, 56)
    columns["previous"] = np.clip(rng.poisson(0.18, count), 0, 7)
    columns["pdays"] = np.where(columns["previous"] > 0, rng.integers(0, 27, count), 999)
    columns.update({name: rng.choice(values, count) for name, values in DECIMALS.items()})
    return columns


def records_of(columns: dict[str, Any]) -> list[dict[str, Any]]:
    """Column arrays → one JSON-ready record per row, fields in FIELDS order."""
    count = len(columns[FIELDS[0]])
    return [{name: _plain(columns[name][i]) for name in FIELDS} for i in range(count)]


def default_bodies(
    bodies: int = DEFAULT_BODIES, records_per_body: int = RECORDS_PER_BODY, seed: int = DEFAULT_SET_SEED
) -> list[dict[str, Any]]:
    """The default payload set: `bodies` request bodies `{"data": [records_per_body records]}`, one draw."""
    records = records_of(draw_columns(np.random.default_rng(seed), bodies * records_per_body))
    return [{"data": records[i : i + records_per_body]} for i in range(0, len(records), records_per_body)]


def render_jsonl(bodies: list[dict[str, Any]]) -> str:
    """One compact body per line (what the loader re-serialises to the same bytes)."""
    return "".join(json.dumps(body, separators=(",", ":"), ensure_ascii=False) + "\n" for body in bodies)


def _plain(value: Any) -> Any:
    """numpy scalars → JSON-ready Python scalars."""
    return value.item() if hasattr(value, "item") else value


if __name__ == "__main__":  # regenerate the packaged default set
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SET_FILE
    target.write_text(render_jsonl(default_bodies()), encoding="utf-8")
