"""The Python API blocks of docs/reports.md, docs/probes.md and docs/azureml.md, the probe record's
JSON in docs/probes.md and its sovereign-cloud settings.

A `code` block is checked statically (`call_problems`): every name it imports is imported, each call
of an imported name passes only keywords its signature has, and each attribute or method read off a
value such a call returned exists on the annotated return type (`outcome.exit_code` on `Outcome`).
What can run cheaply runs: `resolve_service` / `fetch_logs` over the fake directory of
tests/azureml/azureml_standin.py; the probe snippet and `write_report` run on real runs in
test_reports_recipes.py. The sovereign-cloud block's variables are each read by the layer the docs
name (scorebench/config.py, azure-identity, azure-ai-ml and azureml-core, in a subprocess so their
caches start empty), and its `SCOREBENCH_LOGS_ENDPOINT` line, pointed at the loopback Log Analytics
stand-in, routes a real `scorebench probe`'s queries there.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import json
import re
import subprocess
import sys
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scorebench.core.runrecords import ProbeRecord
from tests.docs.blocks import Block, claim, command_lines, fill, replay, replay_env

WRITE_REPORT = claim("docs/reports.md", "from scorebench.reports.build import write_report", "code")
PROBE_API = claim("docs/probes.md", "from scorebench.probes.base import make_probe", "code")
PROBE_RECORD = claim("docs/probes.md", '{"source": "local:/tmp/standin"', "code")
SOVEREIGN = claim("docs/probes.md", "export AZURE_AUTHORITY_HOST=https://login.microsoftonline.us", "replayed")
RESOLVE = claim("docs/azureml.md", "from scorebench.azureml.service import resolve_service", "code")
DIRECTORY = claim("docs/azureml.md", "class ServiceDirectory(Protocol):", "code")


# ---- the static check of a code block ----


def imported(tree: ast.Module) -> dict[str, Any]:
    """Every name a block imports (`from M import a, b`), imported for real."""
    names: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                names[alias.asname or alias.name] = getattr(module, alias.name)
    return names


def returned(thing: Any) -> Any:
    """What calling `thing` gives: the class itself, else the function's return annotation."""
    if inspect.isclass(thing):
        return thing
    hint = typing.get_type_hints(thing).get("return")
    return hint if inspect.isclass(hint) else None


def has_attribute(kind: type, name: str) -> bool:
    fields = {f.name for f in dataclasses.fields(kind)} if dataclasses.is_dataclass(kind) else set()
    return name in fields or hasattr(kind, name) or name in typing.get_type_hints(kind)


def keyword_problems(call: ast.Call, target: Any, what: str) -> list[str]:
    parameters = inspect.signature(target).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return []
    return [f"{what}: no parameter {kw.arg!r}" for kw in call.keywords if kw.arg and kw.arg not in parameters]


def call_problems(block: Block) -> list[str]:
    """Imports that fail, keywords a signature lacks, attributes a returned type lacks (as strings)."""
    tree = ast.parse(block.body)
    names = imported(tree)
    values: dict[str, type] = {}  # variable → the type an imported call returned
    for node in ast.walk(tree):
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        target = (node.targets[0] if isinstance(node, ast.Assign) else node.target) if value is not None else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and isinstance(target, ast.Name):
            kind = returned(names[value.func.id]) if value.func.id in names else None
            if kind is not None:
                values[target.id] = kind
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            problems += keyword_problems(node, names[node.func.id], node.func.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in values:
            kind = values[node.value.id]
            if not has_attribute(kind, node.attr):
                problems.append(f"{node.value.id}.{node.attr}: {kind.__name__} has no such attribute")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
        ):
            kind = values.get(node.func.value.id)
            if kind is not None and has_attribute(kind, node.func.attr):
                method = getattr(kind, node.func.attr)
                problems += keyword_problems(node, method, f"{node.func.value.id}.{node.func.attr}")
    return problems


def commented_attributes(block: Block, variable: str) -> set[str]:
    """`.rows`, `.traffic`, ... named in the comment lines that follow `variable = ...`."""
    text = block.body[block.body.index(f"{variable} = ") :]
    return set(
        re.findall(r"(?<![\w.])\.(\w+)", "\n".join(line.split("#", 1)[1] for line in text.splitlines() if "#" in line))
    )


# ---- docs/reports.md ----


def test_the_write_report_snippet_names_real_parameters_and_attributes() -> None:
    assert call_problems(WRITE_REPORT) == []
    from scorebench.reports.build import build_report, write_report

    assert {"baseline_name", "thresholds", "baselines_dir", "timeout_s", "slos", "anytime"} <= set(
        inspect.signature(write_report).parameters
    )
    assert inspect.signature(write_report).parameters["baselines_dir"].default is None  # the docs pass None
    assert {"baseline", "thresholds", "timeout_s", "generated_at", "slos", "anytime"} <= set(
        inspect.signature(build_report).parameters
    )


# ---- docs/probes.md ----


def test_the_probes_snippet_names_real_parameters_and_attributes() -> None:
    assert call_problems(PROBE_API) == []
    from scorebench.probes.base import TelemetryProbe
    from scorebench.probes.spec import AppInsightsTelemetry
    from scorebench.probes.wait import WaitResult

    # probe = make_probe(...) is a TelemetryProbe: its methods as called
    assert {"client_request_ids"} <= set(inspect.signature(TelemetryProbe.requests).parameters)
    assert list(inspect.signature(TelemetryProbe.observe).parameters) == ["self", "start", "end", "client_request_ids"]
    # the comment's other spec: AppInsightsTelemetry(workspace_id=..., traffic_log=True)
    assert "AppInsightsTelemetry(workspace_id=..., traffic_log=True)" in PROBE_API.body
    assert {"workspace_id", "traffic_log"} <= {f.name for f in dataclasses.fields(AppInsightsTelemetry)}
    # waited = wait_for(...): the attributes its comment names
    shown = commented_attributes(PROBE_API, "waited")
    assert shown == {"rows", "traffic", "other_traffic", "stopped_because", "lag_s", "join_key"}
    assert shown <= {f.name for f in dataclasses.fields(WaitResult)}


def block_record(block: Block) -> dict[str, Any]:
    """The probe record a ```json block shows (its `"...Z"` elisions are strings: valid JSON)."""
    record = json.loads(block.body)
    assert isinstance(record, dict)
    return record


def test_the_probe_record_block_holds_exactly_the_records_fields() -> None:
    shown = block_record(PROBE_RECORD)
    assert set(shown) == {f.name for f in dataclasses.fields(ProbeRecord)}
    ProbeRecord(**shown)  # every value of the shape the record takes


# ---- sovereign clouds ----


def exports(block: Block) -> dict[str, str]:
    found = dict(re.findall(r"^export (\w+)=(\S+)$", block.body, re.M))
    assert len(found) == len(command_lines(block.body)), block.body
    return found


def in_subprocess(code: str, **env: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=replay_env(**env), capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_each_sovereign_cloud_variable_is_read_by_the_layer_the_docs_name() -> None:
    settings = exports(SOVEREIGN)
    assert set(settings) == {"AZURE_AUTHORITY_HOST", "SCOREBENCH_LOGS_ENDPOINT", "AZUREML_CURRENT_CLOUD"}
    from azure.identity._constants import EnvironmentVariables

    assert EnvironmentVariables.AZURE_AUTHORITY_HOST == "AZURE_AUTHORITY_HOST"
    # one subprocess with the block's three settings, so each SDK's cache starts empty
    code = """
import json
from azure.identity._internal.utils import get_default_authority
from scorebench import config
from azure.ai.ml._azure_environments import _get_default_cloud_name, _get_cloud_details
from azureml._vendor.azure_cli_core.azureml_cloud import _Clouds
v2, v1 = _get_cloud_details(), _Clouds.get_cloud_or_default(None)
print(json.dumps({
    "identity authority": get_default_authority(),
    "scorebench endpoint": config.insights_settings("ws", None).endpoint,
    "azure-ai-ml": [_get_default_cloud_name(), v2["resource_manager"], v2["active_directory"]],
    "azureml-core": [v1.name, v1.endpoints.resource_manager, v1.endpoints.active_directory],
}))
"""
    read = json.loads(in_subprocess(code, **settings).splitlines()[-1])
    authority, cloud = settings["AZURE_AUTHORITY_HOST"], settings["AZUREML_CURRENT_CLOUD"]
    assert read["identity authority"] == authority  # azure-identity: every credential DefaultAzureCredential chains
    assert read["scorebench endpoint"] == settings["SCOREBENCH_LOGS_ENDPOINT"]  # scorebench/config.py
    # azure-ai-ml (v2) and azureml-core (v1): the US Government cloud's ARM and its sign-in authority
    assert read["azure-ai-ml"] == [cloud, "https://management.usgovcloudapi.net/", authority + "/"]
    assert read["azureml-core"][0] == cloud
    assert "usgovcloudapi" in read["azureml-core"][1]
    assert read["azureml-core"][2].rstrip("/") == authority


def test_the_logs_endpoint_setting_routes_the_probes_queries(tmp_path: Path) -> None:
    """The block's exports run as written but the unreachable endpoint, which points at the loopback
    Log Analytics stand-in; a `scorebench probe` after them sends its queries there (a ready token:
    no sign-in against the US Government authority)."""
    from scorebench.core.records import Sample
    from scorebench.core.rundir import write_json_atomic
    from scorebench.loadtests.samples import SampleWriter
    from tests.probes.loganalytics_standin import LogAnalyticsStandIn, aml_request

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    writer = SampleWriter(run_dir / "samples.csv")
    for cid in "ab":
        writer.write(Sample(cid, "2026-11-22T20:00:00.000000Z", 70.0, 200, "ok", None, 10, 10, "p", "w"))
    writer.close()
    window = {"started_at": "2026-11-22T20:00:00Z", "ended_at": "2026-11-22T20:00:10Z"}
    write_json_atomic(run_dir / "run.json", {"telemetry": "appinsights", "workspace_id": "ws-usgov", **window})
    with LogAnalyticsStandIn() as la:
        la.tables["AppRequests"] = [aml_request(1, "a"), aml_request(2, "b")]
        la.tables["AppExceptions"] = []
        lines = [
            fill(SOVEREIGN, line, {"https://api.loganalytics.us": la.endpoint})
            for line in command_lines(SOVEREIGN.body)
        ]
        done = replay([*lines, "scorebench probe run --telemetry-wait 0s"], tmp_path,
                      replay_env(SCOREBENCH_LOGS_TOKEN="usgov-t0ken"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {r["path"] for r in la.requests} == {"/v1/workspaces/ws-usgov/query"}
    record = json.loads((run_dir / "probe.json").read_text())
    assert (record["rows"], record["missing_client_requests"], record["error"]) == (2, 0, None)
    assert record["queries"] == len(la.requests)
    assert record["bytes_read"] > 0
    # an appinsights probe's record: the same fields as the docs' block (which shows a local one)
    assert set(record) == set(block_record(PROBE_RECORD))
    assert "usgov-t0ken" not in done.stdout + done.stderr + (run_dir / "probe.json").read_text()


# ---- docs/azureml.md ----


def test_the_resolve_service_snippet_names_real_parameters_and_attributes() -> None:
    assert call_problems(RESOLVE) == []
    attributes = set(re.findall(r"^resolved\.(\w+)", RESOLVE.body, re.M))
    from scorebench.azureml.service import ResolvedService

    assert attributes == {"scoring_uri", "swagger_uri", "key", "timeout_s", "service_id", "model_ids", "headers",
                          "info", "run_record"}  # fmt: skip
    assert all(has_attribute(ResolvedService, name) for name in attributes)


def test_resolve_service_and_fetch_logs_over_the_fake_directory() -> None:
    """What the snippet's comments promise, of a v1 AKS service (the ARM stand-in's fake directory)."""
    from scorebench.azureml.service import fetch_logs, resolve_service
    from tests.azureml.azureml_standin import SERVICE_KEY, FakeDirectory, service_info

    directory = FakeDirectory(service_info())
    resolved = resolve_service(name="svc-aks", endpoint_name=None, deployment=None, workspace_config=None, auth="auto",
                               opener=lambda target: directory)  # fmt: skip
    assert resolved.scoring_uri.endswith("/score")
    assert resolved.key == SERVICE_KEY
    assert (resolved.timeout_s, resolved.headers, resolved.model_ids) == (60.0, {}, ("bankmarketing-model:3",))
    assert "/" in resolved.service_id
    assert (resolved.info.auth_mode, resolved.info.compute_type) == ("key", "AKS")
    keys = set(resolved.run_record())
    named = set(re.findall(r"\w+", RESOLVE.body[RESOLVE.body.index("resolved.run_record()") :].split("text: str")[0]))
    assert keys == {
        "service_id", "scoring_uri", "deployment", "model_ids", "auth_mode", "compute_type", "scoring_timeout_ms",
        "max_concurrent_requests_per_instance", "instance_count", "admission_limit",
    }  # fmt: skip
    assert keys <= named  # every key the comment lists
    assert SERVICE_KEY not in json.dumps(resolved.run_record())
    text = fetch_logs(
        name="svc-aks", endpoint_name=None, deployment=None, workspace_config=None, auth="auto", lines=5000,
        started_at=None, ended_at=datetime.now(UTC), opener=lambda target: directory,
    )  # fmt: skip
    assert isinstance(text, str)


def test_the_service_directory_protocol_and_its_seams() -> None:
    from scorebench.azureml import service

    body = DIRECTORY.body
    protocol = ast.parse(body[: body.index("\nopen_directory")])
    (cls,) = protocol.body
    assert isinstance(cls, ast.ClassDef)
    documented = {f.name: f for f in cls.body if isinstance(f, ast.FunctionDef)}
    real = {
        name for name, _ in inspect.getmembers(service.ServiceDirectory, inspect.isfunction) if not name.startswith("_")
    }
    assert set(documented) == real
    for name, node in documented.items():
        signature = inspect.signature(getattr(service.ServiceDirectory, name))
        params = [(a.arg, ast.unparse(a.annotation) if a.annotation else None) for a in node.args.args]
        assert params == [(p.name, None if p.annotation is inspect.Parameter.empty else str(p.annotation))
                          for p in signature.parameters.values()], name  # fmt: skip
        assert ast.unparse(node.returns) == str(signature.return_annotation), name  # type: ignore[arg-type]
    opener = re.search(r"^open_directory\((.*)\) -> (\w+)", body, re.M)
    assert opener, body
    signature = inspect.signature(service.open_directory)
    assert opener[1] == ", ".join(f"{p.name}: {p.annotation}" for p in signature.parameters.values())
    assert opener[2] == signature.return_annotation
    assert "resolve_service(..., opener=open_directory)" in body
    assert inspect.signature(service.resolve_service).parameters["opener"].default is service.open_directory
