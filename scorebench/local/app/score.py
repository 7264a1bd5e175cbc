"""Sample Azure ML entry script for the stand-in: a bank-marketing classifier behind run().

The real Azure ML inference server loads this file (AZUREML_ENTRY_SCRIPT) exactly as a deployed
service's score.py: init() once per worker, run() per request. inference-schema decorators make
/swagger.json describe the 20 input fields with an example.

Fault knobs (environment, set by `scorebench serve`), applied inside run() so they show in the
server's own duration and failure telemetry; each rate is an exact fraction of this worker's calls:
    SCOREBENCH_STANDIN_LATENCY_MS       added to every call
    SCOREBENCH_STANDIN_ERROR_RATE       fraction of calls that raise (500, x-ms-run-function-failed)
    SCOREBENCH_STANDIN_SLOW_RATE / _MS  fraction of calls that sleep _MS more (beyond a timeout)
    SCOREBENCH_STANDIN_BAD_RESPONSE_RATE fraction of calls answered 200 with a body that is not JSON
    SCOREBENCH_STANDIN_RESPONSE_BYTES   pad every answer to at least this many bytes
    SCOREBENCH_STANDIN_MODEL_ERROR_RATE fraction of calls whose prediction fails inside the script's own
                                        try/except: answered 200 with the error (the server logs 200)
    SCOREBENCH_STANDIN_SCORE_STYLE      automl (default) or plain

Score styles. `automl` reproduces the scoring file AutoML generates (scoring_file_v_2_0_0.py):
run() catches every exception of the prediction, returns json.dumps({"result": [...]}) (so the
server sends a JSON string holding JSON) or json.dumps({"error": str(e)}). Unlike AutoML's
generated swagger, which declares a numpy int64 array the service never answers
(tests/data/swagger/automl-bankmarketing.json keeps that case), the stand-in's swagger declares
what it answers, {"result": [...]}. `plain` returns the object
{"result": [...]} (or {"error": ...}) itself.
"""

import json
import math
import os
import time
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
from azureml_inference_server_http.api.aml_response import AMLResponse
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

from scorebench.local.model import EXAMPLE_RECORD, FIELDS, MODEL_FILE

model: Any = None
_calls = 0


def _knob(name: str, default: float = 0.0) -> float:
    return float(os.environ.get(f"SCOREBENCH_STANDIN_{name}", default))


LATENCY_MS = _knob("LATENCY_MS")
ERROR_RATE = _knob("ERROR_RATE")
SLOW_RATE = _knob("SLOW_RATE")
SLOW_MS = _knob("SLOW_MS")
BAD_RESPONSE_RATE = _knob("BAD_RESPONSE_RATE")
RESPONSE_BYTES = int(_knob("RESPONSE_BYTES"))
MODEL_ERROR_RATE = _knob("MODEL_ERROR_RATE")
AUTOML = os.environ.get("SCOREBENCH_STANDIN_SCORE_STYLE", "automl") != "plain"
OUTPUT_SCHEMA = StandardPythonParameterType({"result": ["no"]})
"""What run() answers in both styles (automl's JSON string holds this object): the swagger matches it."""


class InjectedFailure(RuntimeError):
    """Raised by run() when the error-rate knob says this call fails."""


class ModelFailure(ValueError):
    """Raised inside the prediction's try when the model-error-rate knob says so (caught by run())."""


def _due(rate: float, call: int) -> bool:
    """True for an exact `rate` fraction of calls: when floor(call*rate) steps up."""
    return rate > 0 and math.floor(call * rate) > math.floor((call - 1) * rate)


def init() -> None:
    global model
    model = joblib.load(Path(os.environ["AZUREML_MODEL_DIR"]) / MODEL_FILE)


@input_schema("data", StandardPythonParameterType([EXAMPLE_RECORD]))  # type: ignore[untyped-decorator]
@output_schema(OUTPUT_SCHEMA)  # type: ignore[untyped-decorator]
def run(data: list[dict[str, Any]]) -> Any:
    global _calls
    _calls += 1
    if LATENCY_MS:
        time.sleep(LATENCY_MS / 1000.0)
    if _due(SLOW_RATE, _calls):
        time.sleep(SLOW_MS / 1000.0)
    if _due(ERROR_RATE, _calls):
        raise InjectedFailure(f"injected failure on call {_calls}")
    if _due(BAD_RESPONSE_RATE, _calls):
        return AMLResponse("<html><body>upstream proxy error</body></html>", 200)
    try:  # the generated scoring file's own try/except around the prediction
        answer = _predict(data, _calls)
    except Exception as e:
        if not AUTOML and not isinstance(e, ModelFailure):
            raise  # plain: an uncaught exception is a 500, as before
        answer = {"error": str(e)}
    return json.dumps(answer) if AUTOML else answer


def _predict(data: list[dict[str, Any]], call: int) -> dict[str, Any]:
    if _due(MODEL_ERROR_RATE, call):
        raise ModelFailure("Expected 2D array, got 1D array instead: reshape your data (injected model error)")
    labels = model.predict(pd.DataFrame(data, columns=list(FIELDS))).tolist()
    answer: dict[str, Any] = {"result": labels}
    if RESPONSE_BYTES:
        answer["padding"] = "x" * max(0, RESPONSE_BYTES - len(json.dumps(answer)) - 14)
    return answer
