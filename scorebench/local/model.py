"""The stand-in's model: a real scikit-learn bank-marketing classifier, trained here in seconds.

The 20 input fields, their category levels and ranges are facts of the public Bank Marketing data
set (UCI, Moro et al. 2014); the rows it trains on are generated from them with a fixed seed, so
the project ships no copy of the data set and every machine trains the same model. The label
follows a hand-written logit (long calls, a past success and low euribor raise the odds), so the
classifier learns something real and answers "yes" for about one record in nine.

Rule: deterministic (seeded generator, seeded estimator); the trained pipeline is cached as
`model.joblib` keyed by MODEL_VERSION (and by the seed when it is not the default: another seed
draws other training rows, so the same model family answers a few records differently — the
stand-in's "retrained candidate", `scorebench serve --model-seed N`), so a second start loads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

MODEL_VERSION = "bankmarketing-1"
MODEL_FILE = f"{MODEL_VERSION}.joblib"
TRAIN_ROWS = 6000
SEED = 20141

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
"""The first record of the classic endpoint.py example (also payloads/bank_marketing/data.json)."""


def generate_records(count: int, seed: int = SEED) -> tuple[list[dict[str, Any]], list[str]]:
    """`count` synthetic records within the data set's levels and ranges, and their labels."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {name: rng.choice(levels, count) for name, levels in CATEGORIES.items()}
    columns["age"] = np.clip(rng.normal(40, 10, count).round(), 17, 98).astype(int)
    columns["duration"] = np.clip(rng.exponential(257, count).round(), 0, 4918).astype(int)
    columns["campaign"] = np.clip(rng.geometric(0.4, count), 1, 56)
    columns["previous"] = np.clip(rng.poisson(0.18, count), 0, 7)
    columns["pdays"] = np.where(columns["previous"] > 0, rng.integers(0, 27, count), 999)
    columns.update({name: rng.choice(values, count) for name, values in DECIMALS.items()})
    records = [{name: _plain(columns[name][i]) for name in FIELDS} for i in range(count)]
    labels = _labels(columns, rng)
    return records, labels


def _labels(columns: dict[str, Any], rng: np.random.Generator) -> list[str]:
    logit = (
        -3.2
        + 0.004 * columns["duration"]
        + 1.6 * (columns["poutcome"] == "success")
        - 0.45 * columns["euribor3m"]
        + 0.5 * np.isin(columns["job"], ("student", "retired"))
        - 0.08 * columns["campaign"]
    )
    chance = 1.0 / (1.0 + np.exp(-logit))
    return ["yes" if hit else "no" for hit in rng.random(len(chance)) < chance]


def _plain(value: Any) -> Any:
    """numpy scalars → JSON-ready Python scalars."""
    return value.item() if hasattr(value, "item") else value


def train(seed: int = SEED) -> Any:
    """Fit the pipeline (one-hot categories + scaled numbers → logistic regression) on rows drawn with seed."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    records, labels = generate_records(TRAIN_ROWS, seed)
    numeric = [name for name in FIELDS if name not in CATEGORIES]
    features = ColumnTransformer(
        [
            ("categories", OneHotEncoder(handle_unknown="ignore"), list(CATEGORIES)),
            ("numbers", StandardScaler(), numeric),
        ]
    )
    pipeline = Pipeline([("features", features), ("classifier", LogisticRegression(max_iter=500))])
    pipeline.fit(pd.DataFrame(records, columns=list(FIELDS)), labels)
    return pipeline


def model_path(model_dir: Path, seed: int = SEED) -> Path:
    """Where the model trained with seed is cached: model_dir/MODEL_FILE, or model_dir/seed-N/MODEL_FILE."""
    return model_dir / MODEL_FILE if seed == SEED else model_dir / f"seed-{seed}" / MODEL_FILE


def ensure_model(model_dir: Path, seed: int = SEED) -> Path:
    """The cached model file trained with seed, training and saving it first if it is missing."""
    import joblib

    path = model_path(model_dir, seed)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # two stand-ins may train at once
        joblib.dump(train(seed), tmp)
        tmp.replace(path)
    return path
