"""The stand-in's model: a real scikit-learn bank-marketing classifier, trained here in seconds.

The 20 input fields, their category levels and ranges are facts of the public Bank Marketing data
set (UCI, Moro et al. 2014; scorebench/payloads/bank.py, which the default payload set is drawn from
too); the rows it trains on are generated from them with a fixed seed, so
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

from scorebench.payloads.bank import CATEGORIES, DECIMALS, EXAMPLE_RECORD, FIELDS, INTEGERS, draw_columns, records_of

MODEL_VERSION = "bankmarketing-1"
MODEL_FILE = f"{MODEL_VERSION}.joblib"
TRAIN_ROWS = 6000
SEED = 20141


def generate_records(count: int, seed: int = SEED) -> tuple[list[dict[str, Any]], list[str]]:
    """`count` synthetic records within the data set's levels and ranges, and their labels."""
    rng = np.random.default_rng(seed)
    columns = draw_columns(rng, count)
    return records_of(columns), _labels(columns, rng)


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


__all__ = [
    "CATEGORIES", "DECIMALS", "EXAMPLE_RECORD", "FIELDS", "INTEGERS", "MODEL_FILE", "MODEL_VERSION", "SEED",
    "ensure_model", "generate_records", "model_path", "train",
]  # fmt: skip
