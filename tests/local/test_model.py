"""The stand-in's model is real and deterministic (scorebench/local/model.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scorebench.local.model import CATEGORIES, FIELDS, generate_records, train


def test_generated_records_are_deterministic_and_within_the_schema():
    records, labels = generate_records(500)
    assert (records, labels) == generate_records(500)
    assert all(list(record) == list(FIELDS) for record in records)
    for name, levels in CATEGORIES.items():
        assert {record[name] for record in records} <= set(levels)
    assert 0.03 < labels.count("yes") / len(labels) < 0.3


def test_model_scores_the_real_data_set(bank_csv: Path) -> None:
    real = pd.read_csv(bank_csv).head(3000)
    predicted = train().predict(real[list(FIELDS)])
    assert set(predicted) <= {"yes", "no"}
    assert (predicted == real["y"]).mean() > 0.8  # trained on generated rows only, still useful on real ones


def test_another_seed_is_cached_apart(tmp_path: Path) -> None:
    from scorebench.local.model import MODEL_FILE, SEED, model_path

    assert model_path(tmp_path) == model_path(tmp_path, SEED) == tmp_path / MODEL_FILE
    assert model_path(tmp_path, 7) == tmp_path / "seed-7" / MODEL_FILE
