"""docs/run.md's recipes against a deployed service (URL with App Insights, v1 service, v2 endpoint) and
README.md's periodic regression check, replayed as written on a fresh folder.

The placeholders are filled: the key (`SCOREBENCH_KEY=...`: the session stand-in's), the URL
(`https://HOST/api/v1/service/NAME/score`: the stand-in), the names (`NAME`: a v1 service or v2
endpoint the Azure ML control-plane stand-in knows, scoring at the stand-in), `WORKSPACE_GUID`, and
`config.json` is the workspace's, written into the folder. Nothing else of a line changes: its
budget comes from the environment (`SCOREBENCH_MAX_DURATION` for a line with no length), as does the
Log Analytics endpoint (SCOREBENCH_LOGS_ENDPOINT: the query API stand-in, answering from the rows
the stand-in's own exporter sent), and the baselines the lines name are saved first from runs of the
same load profile with `scorebench baseline save`, as the docs say.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scorebench.probes.store import read_envelopes
from tests.azureml.azureml_standin import CLOUD_ENV, AzureMLStandIn, aks_service, arm, config_json
from tests.conftest import TEST_KEY
from tests.docs.blocks import claim, command_lines, fill, replay, replay_env
from tests.probes.loganalytics_standin import LogAnalyticsStandIn, evaluate

__all__ = ["arm"]
pytestmark = pytest.mark.slow

RUN = claim("docs/run.md", "scorebench run                                   # the local stand-in", "replayed")
NIGHTLY = claim("README.md", "export SCOREBENCH_KEY=...            # from your secret store", "replayed")
BUDGET = "3s"
"""SCOREBENCH_MAX_DURATION for a line with no length (until decided: a few seconds, then INCONCLUSIVE)."""
WORKSPACE_GUID = "6f1c2a9e-0b3d-4e5f-8a7b-9c0d1e2f3a4b"


def line_with(lines: list[str], needle: str) -> str:
    (line,) = [line for line in lines if needle in line]
    return line


def verdict(done: Any) -> int:
    """The N of the printed `verdict: X (exit N)`, which must be the process's exit code."""
    found = re.findall(r"^verdict: \w+ \(exit (\d+)\)$", done.stdout, re.M)
    assert len(found) == 1, done.stdout + done.stderr
    assert int(found[0]) == done.returncode, done.stdout + done.stderr
    return int(found[0])


def run_dir_of(done: Any, cwd: Path) -> Path:
    (path,) = re.findall(r"^run directory: (\S+)$", done.stdout, re.M)
    return cwd / path


def no_key_in(done: Any, run_dir: Path) -> None:
    assert TEST_KEY not in done.stdout + done.stderr
    assert TEST_KEY not in "".join(p.read_text(errors="replace") for p in run_dir.rglob("*") if p.is_file())


def save_baseline(cwd: Path, env: dict[str, str], name: str, *target: str) -> None:
    """An accepted run of `target` (and load profile), a short one, saved as baseline `name` under
    ./reports/baselines, as the docs say: `scorebench baseline save runs/... --name NAME`."""
    done = replay([f"scorebench run {' '.join(target)} --requests 120 --telemetry none --no-progress --label base"],
                  cwd, env)  # fmt: skip
    assert done.returncode in (0, 3), done.stdout + done.stderr
    saved = replay([f"scorebench baseline save {run_dir_of(done, cwd)} --name {name}"], cwd, env)
    assert saved.returncode == 0, saved.stdout + saved.stderr
    assert (cwd / "reports" / "baselines" / f"{name}.json").is_file()


def baseline_judged(done: Any, run_dir: Path, name: str) -> None:
    """The run was held against baseline `name` (its profile matched: not refused as not comparable). A
    threshold is judged, or, when this test's short budget cannot reach the requests it needs, left out
    with the reason and the flag that would judge it."""
    assert "not comparable" not in done.stdout + done.stderr, done.stdout + done.stderr
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["baseline"]["name"] == name
    judged = [c["name"] for c in summary["checks"] if c["kind"] == "baseline"]
    left_out = re.findall(r"^left out: (\S+) \(.*this budget reaches about", done.stdout, re.M)
    assert {m.split(":")[0] for m in judged + left_out} >= {"p95", "error_rate", "rps"}, done.stdout + done.stderr


class SinkAsLogAnalytics:
    """Log Analytics' AppRequests / AppExceptions made, at each query, from the envelopes the stand-in's
    exporter sent to its sink (what Application Insights ingests), as visible by then."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def evaluate(self, query: str, timespan: str | None) -> tuple[list[dict], list[list]]:
        now = datetime.now(UTC)
        requests = [self._request(e) for e in read_envelopes(self.data_dir, "RequestData", visible_by=now)]
        exceptions = [self._exception(e) for e in read_envelopes(self.data_dir, "ExceptionData", visible_by=now)]
        return evaluate({"AppRequests": requests, "AppExceptions": exceptions}, query, timespan)

    @staticmethod
    def _request(envelope: dict[str, Any]) -> dict[str, Any]:
        data = envelope["data"]["baseData"]
        return {
            "TimeGenerated": envelope["time"], "Name": data["name"], "ResultCode": data["responseCode"],
            "OperationId": envelope["tags"].get("ai.operation.id", ""), "Success": data["success"],
            "DurationMs": 0.0, "ItemCount": round(100 / envelope.get("sampleRate", 100.0)),
            "Properties": data.get("properties", {}), "AppRoleName": envelope["tags"].get("ai.cloud.role", ""),
        }  # fmt: skip

    @staticmethod
    def _exception(envelope: dict[str, Any]) -> dict[str, Any]:
        data = envelope["data"]["baseData"]
        first = (data.get("exceptions") or [{}])[0]
        return {
            "TimeGenerated": envelope["time"], "ExceptionType": first.get("typeName", ""),
            "OuterMessage": first.get("message", ""), "InnermostMessage": first.get("message", ""),
            "Properties": data.get("properties", {}), "ItemCount": round(100 / envelope.get("sampleRate", 100.0)),
            "AppRoleName": envelope["tags"].get("ai.cloud.role", ""),
        }  # fmt: skip


def test_a_url_with_app_insights_judged_against_baseline_main(standin: Any, tmp_path: Path) -> None:
    line = line_with(command_lines(RUN.body), "--telemetry appinsights")
    places = {"SCOREBENCH_KEY=...": f"SCOREBENCH_KEY={TEST_KEY}", "https://HOST/api/v1/service/NAME/score":
              standin.score_url, "WORKSPACE_GUID": WORKSPACE_GUID}  # fmt: skip
    cwd = tmp_path / "fresh"
    cwd.mkdir()
    env = replay_env(SCOREBENCH_MAX_DURATION=BUDGET)
    save_baseline(
        cwd, replay_env(SCOREBENCH_KEY=TEST_KEY), "main", "--endpoint", standin.score_url, "--concurrency", "8"
    )
    with LogAnalyticsStandIn(engine=SinkAsLogAnalytics(standin.data_dir)) as logs:
        # the query API on loopback, and a poll every second instead of Azure's 20 s (settings, not the line)
        env.update(SCOREBENCH_LOGS_ENDPOINT=logs.endpoint, SCOREBENCH_LOGS_TOKEN="logs-token",
                   SCOREBENCH_TELEMETRY_POLL="1s")  # fmt: skip
        done = replay([fill(RUN, line, places)], cwd, env)
    code = verdict(done)
    assert code in (0, 1, 3), done.stdout + done.stderr  # judged; 1 only for a regression against main
    run_dir = run_dir_of(done, cwd)
    baseline_judged(done, run_dir, "main")
    info = json.loads((run_dir / "run.json").read_text())
    assert info["endpoint"] == standin.score_url
    assert info["load_profile"]["concurrency"] == 8
    probe = json.loads((run_dir / "probe.json").read_text())
    assert probe["source"] == f"appinsights:workspace:{WORKSPACE_GUID}"
    assert probe["error"] is None
    sent = json.loads((run_dir / "load.json").read_text())["requests"]
    assert (probe["client_requests"], probe["missing_client_requests"]) == (sent, 0)  # every request's server row
    assert {r["path"] for r in logs.requests} == {f"/v1/workspaces/{WORKSPACE_GUID}/query"}
    no_key_in(done, run_dir)


@pytest.fixture
def fresh(arm: AzureMLStandIn, standin: Any, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A fresh folder holding the workspace's config.json, and the environment of a user signed in to it:
    the control-plane stand-in knows v1 services NAME and my-aks-service and v2 endpoint NAME (blue)."""
    base = arm.base_url
    for name in ("svc-bank", "my-aks-service"):
        arm.services[name] = aks_service(name, base, scoringUri=standin.score_url)
        arm.keys[name] = TEST_KEY
    arm.endpoints["ep-bank"]["properties"]["scoringUri"] = standin.score_url
    arm.keys["ep-bank"] = TEST_KEY
    cwd = tmp_path / "fresh"
    cwd.mkdir()
    (cwd / "config.json").write_text(json.dumps(config_json()), encoding="utf-8")
    env = replay_env(HOME=str(tmp_path), SCOREBENCH_MAX_DURATION=BUDGET, SCOREBENCH_AZUREML_STANDIN=arm.base_url)
    env.pop(CLOUD_ENV, None)
    return cwd, env


def test_a_v1_service_and_a_v2_deployment_by_name(fresh: tuple[Path, dict[str, str]], standin: Any) -> None:
    cwd, env = fresh
    lines = command_lines(RUN.body)
    v1 = replay([fill(RUN, line_with(lines, "--service NAME"), {"NAME": "svc-bank"})], cwd, env)
    v2 = replay([fill(RUN, line_with(lines, "--endpoint-name NAME"), {"NAME": "ep-bank"})], cwd, env)
    for done, service in ((v1, "svc-bank"), (v2, "ep-bank")):
        code = verdict(done)
        assert code in (0, 3), done.stdout + done.stderr  # until decided within the budget, or undecided at its end
        assert f"budget of {BUDGET.removesuffix('s')} s ended" in done.stdout or code == 0, done.stdout
        run_dir = run_dir_of(done, cwd)
        info = json.loads((run_dir / "run.json").read_text())
        assert info["endpoint"] == standin.score_url  # the scoring URI came from the workspace
        assert service in json.dumps(info["service"])
        no_key_in(done, run_dir)  # the key came from the workspace too, and shows nowhere
    assert json.loads((run_dir_of(v2, cwd) / "run.json").read_text())["service"]["deployment"] == "blue"


def test_the_readme_nightly_regression_check(fresh: tuple[Path, dict[str, str]], standin: Any) -> None:
    cwd, env = fresh
    lines = command_lines(NIGHTLY.body)
    assert lines[0] == "export SCOREBENCH_KEY=..."
    save_baseline(
        cwd, env, "accepted-2026-11", "--service my-aks-service --workspace-config config.json --concurrency 4"
    )
    done = replay(
        [fill(NIGHTLY, line, {"SCOREBENCH_KEY=...": f"SCOREBENCH_KEY={TEST_KEY}"}) for line in lines], cwd, env
    )
    code = verdict(done)
    assert code in (0, 1, 3), done.stdout + done.stderr  # exit 1 on a regression, as its comment says
    run_dir = run_dir_of(done, cwd)
    baseline_judged(done, run_dir, "accepted-2026-11")
    assert run_dir.name.endswith("-nightly")
    info = json.loads((run_dir / "run.json").read_text())
    assert "my-aks-service" in json.dumps(info["service"])
    assert info["load_profile"]["concurrency"] == 4
    no_key_in(done, run_dir)
