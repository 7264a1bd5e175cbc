"""reports/run/reportdata.py: what the report shows of exceptions, paths and times (hand-built records)."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

import pandas as pd

from scorebench.core.runinfo import PayloadSetInfo, RunInfo
from scorebench.core.runrecords import ProbeRecord, RunRecords
from scorebench.reports.run.reportdata import appendix_rows, exception_rows, readable_message, run_rows

EXC_INFO = (
    "(<class 'azureml_inference_server_http.server.user_script.UserScriptException'>, "
    "UserScriptException('Caught an unhandled exception from the user script'), <traceback object at 0x7f0b43aa{:04x}>)"
)


def test_twenty_exceptions_that_differ_only_in_volatile_parts_are_one_row_with_the_real_message() -> None:
    ids = [uuid.UUID(int=random.Random(i).getrandbits(128), version=4).hex for i in range(20)]
    messages = [
        f"request {ids[i]} from 10.0.{i}.7 failed at 2026-12-07T13:05:{i:02d}.{i:06d}Z: object at 0x7f3a{i:04x}"
        for i in range(20)
    ]
    exceptions = pd.DataFrame(
        {
            "timestamp": [f"2026-12-07T13:05:{i:02d}.{i:06d}Z" for i in range(20)],
            "client_request_id": ids,
            "type": ["ConnectionError"] * 20,
            "message": messages,
            "item_count": [1] * 20,
        }
    )
    (row,) = exception_rows(exceptions)
    assert (row["type"], row["count"]) == ("ConnectionError", 20)
    assert row["example"] == messages[0]  # the real message, shown once
    assert (row["first_seen"], row["last_seen"]) == ("2026-12-07T13:05:00.000Z", "2026-12-07T13:05:19.000Z")


def test_the_inference_servers_exc_info_tuple_shows_as_its_message() -> None:
    exceptions = pd.DataFrame(
        {
            "timestamp": ["2026-12-07T13:05:13.511324Z", "2026-12-07T13:05:14.511324Z"],
            "client_request_id": ["a", "b"],
            "type": ["UserScriptException"] * 2,
            "message": [EXC_INFO.format(1), EXC_INFO.format(2)],
            "item_count": [1, 1],
        }
    )
    (row,) = exception_rows(exceptions)
    assert row["example"] == "UserScriptException: Caught an unhandled exception from the user script"
    assert row["count"] == 2
    assert readable_message("plain text") == "plain text"


def test_the_first_page_has_no_absolute_local_path_and_times_to_the_millisecond(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "20261207T130513Z-demo"
    info = RunInfo(
        "demo", payloads=PayloadSetInfo(str(tmp_path / "payloads" / "mine.jsonl"), 3), payload_set_hash="abc",
        started_at="2026-12-07T13:05:13.366163Z", tool_versions={"scorebench": "0.1.0"},
    )  # fmt: skip
    probe = ProbeRecord(source=f"local:{tmp_path / 'sink'}", rows=1084)
    rows = dict(run_rows(RunRecords(info, None, probe), {"timeout": {"timeout_s": 60}}, run_dir))
    assert rows["payloads"] == "../../payloads/mine.jsonl (3 bodies)"
    assert rows["started (UTC)"] == "2026-12-07T13:05:13.366Z"
    assert rows["telemetry"] == "local:../../sink (1,084 rows fetched)"
    assert not any(str(tmp_path) in value for value in rows.values())
    assert "payload set hash" not in rows
    assert "tool versions" not in rows
    assert dict(appendix_rows(RunRecords(info, None, None))) == {
        "payload set hash": "abc", "tool versions": "scorebench=0.1.0",
    }  # fmt: skip
