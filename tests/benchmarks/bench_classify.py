"""Benchmark: the one outcome classifier's cost per answer, beside a bare JSON decode of the same bytes.

    python tests/benchmarks/bench_classify.py [--answers 200000]

Classifies an AutoML answer (a JSON string holding `{"result": [...]}`, one prediction per record
of an 8-record payload) with the warm-up shape check and with a JSON Schema, an `empty_answer`
and a gzip-compressed answer, and prints µs per answer and the ratio to orjson.loads of the same
bytes measured in the same run. Not collected by pytest; ratios, not absolute figures, compare
across machines.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import orjson

from scorebench.loadtests import outcomes

PREDICTION = {"result": ["no", "yes", "no", "no", "no", "no", "yes", "no"]}
AUTOML = json.dumps(json.dumps(PREDICTION)).encode()
SCHEMA = {"type": "object", "properties": {"result": {"type": "array", "items": {"type": "string"}}},
          "required": ["result"]}  # fmt: skip


def per_answer_us(call: Callable[[], object], answers: int) -> float:
    return min(timeit.repeat(call, number=answers, repeat=3)) / answers * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200_000)
    args = parser.parse_args()
    shape = outcomes.AnswerCheck(shape=outcomes.shape_of(PREDICTION))
    schema = outcomes.AnswerCheck(schema=SCHEMA)
    zipped = gzip.compress(AUTOML)
    bare = per_answer_us(lambda: orjson.loads(AUTOML), args.answers)
    cases = {
        "AutoML answer, shape check": lambda: outcomes.classify(200, AUTOML, None, None, shape, 8),
        "AutoML answer, JSON Schema": lambda: outcomes.classify(200, AUTOML, None, None, schema, 8),
        "null (empty_answer)": lambda: outcomes.classify(200, b"null", None, None, shape, 8),
        "gzip AutoML answer, shape check": lambda: outcomes.classify(200, zipped, None, None, shape, 8, "gzip"),
    }
    print(f"{'bare orjson.loads of the AutoML answer':40s} {bare:7.2f} µs")
    for name, call in cases.items():
        answers = args.answers // 10 if "Schema" in name else args.answers
        cost = per_answer_us(call, answers)
        print(f"{name:40s} {cost:7.2f} µs  ({cost / bare:5.1f}x the bare decode)")


if __name__ == "__main__":
    main()
