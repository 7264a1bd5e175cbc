"""The local backend: envelopes in the sink's SQLite store → TelemetryRow / ExceptionRow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scorebench.core.errors import HarnessError
from scorebench.probes.local import LocalProbe
from scorebench.probes.spec import LocalTelemetry
from tests.probes.envelopes import (
    exception_envelope,
    plain_request_envelope,
    request_envelope,
    write_store,
)

T0 = datetime(2026, 11, 22, 20, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=1)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_aml_request_uses_custom_dimensions(tmp_path):
    write_store(
        tmp_path, [request_envelope(at(1), "a", 200, "00:00:00.045"), request_envelope(at(2), "b", 500, "00:00:01.250")]
    )
    rows = {r.client_request_id: r for r in LocalProbe(LocalTelemetry(tmp_path)).requests(T0, T1)}
    assert (rows["a"].duration_ms, rows["a"].result_code, rows["a"].success, rows["a"].item_count) == (
        45.0,
        "200",
        True,
        1,
    )
    assert (rows["b"].duration_ms, rows["b"].result_code, rows["b"].success) == (1250.0, "500", False)
    assert rows["a"].timestamp == "2026-11-22T20:00:01.000000Z"
    assert rows["a"].name == "/score"
    assert rows["a"].operation_id == "f" * 31 + "a"


def test_other_servers_fall_back_to_standard_fields(tmp_path):
    write_store(tmp_path, [plain_request_envelope(at(1), "503", "0.00:00:00.012500", False)])
    (row,) = LocalProbe(LocalTelemetry(tmp_path)).requests(T0, T1)
    assert (row.client_request_id, row.duration_ms, row.result_code, row.success) == ("", 12.5, "503", False)


def test_day_prefixed_durations(tmp_path):
    write_store(tmp_path, [request_envelope(at(1), "a", duration="1.00:00:02.500")])
    (row,) = LocalProbe(LocalTelemetry(tmp_path)).requests(T0, T1)
    assert row.duration_ms == 86_402_500.0


def test_sample_rate_becomes_item_count(tmp_path):
    write_store(
        tmp_path, [request_envelope(at(1), "a", sample_rate=25.0), request_envelope(at(2), "b", sample_rate=33.3)]
    )
    assert [r.item_count for r in LocalProbe(LocalTelemetry(tmp_path)).requests(T0, T1)] == [4, 3]


def test_window_is_half_open_and_only_score_requests_are_kept(tmp_path):
    write_store(
        tmp_path,
        [
            request_envelope(at(-0.001), "early"),
            request_envelope(at(0), "first"),
            request_envelope(at(30), "sw", name="/swagger.json"),
            request_envelope(at(60), "late"),
        ],
    )
    assert [r.client_request_id for r in LocalProbe(LocalTelemetry(tmp_path)).requests(T0, T1)] == ["first"]
    everything = LocalProbe(LocalTelemetry(tmp_path, request_name=None)).requests(T0, T1)
    assert [r.client_request_id for r in everything] == ["first", "sw"]


def test_client_id_filter(tmp_path):
    write_store(tmp_path, [request_envelope(at(i), f"id{i}") for i in range(4)])
    rows = LocalProbe(LocalTelemetry(tmp_path)).requests(T0, T1, {"id1", "id3", "nope"})
    assert [r.client_request_id for r in rows] == ["id1", "id3"]


def test_exception_client_id_comes_from_the_repr(tmp_path):
    write_store(
        tmp_path,
        [
            exception_envelope(at(5), "cid9", "(<class 'ValueError'>, ValueError('x'), tb)"),
            request_envelope(at(5), "cid9", 500),
        ],
    )
    (row,) = LocalProbe(LocalTelemetry(tmp_path)).exceptions(T0, T1)
    assert (row.client_request_id, row.type, row.item_count) == ("cid9", "UserScriptException", 1)
    assert row.message.startswith("(<class 'ValueError'>")


def test_missing_store_is_a_one_line_error_naming_the_path(tmp_path):
    with pytest.raises(HarnessError, match=r"no telemetry store at .*telemetry\.sqlite3"):
        LocalProbe(LocalTelemetry(tmp_path / "nowhere")).requests(T0, T1)
