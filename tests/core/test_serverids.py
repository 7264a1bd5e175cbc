"""Which ids a server logs, told from one answer's headers (scorebench/core/serverids.py)."""

from __future__ import annotations

import pytest

from scorebench.core.serverids import NO_CLIENT_ID, server_ids


@pytest.mark.parametrize(
    ("headers", "told"),
    [
        ({"x-request-id": "g", "x-ms-request-id": "c", "x-ms-client-request-id": "c"}, "x-ms-client-request-id"),
        ({"x-request-id": "g", "x-ms-request-id": "g"}, "x-client-request-id"),
        ({"x-ms-request-id": "g"}, NO_CLIENT_ID),
        ({"x-ms-server-version": "azmlinfsrv/0.7.3"}, "x-client-request-id"),  # only the version tells
        ({"x-ms-server-version": "azmlinfsrv/1.5.1"}, "x-ms-client-request-id"),
        ({}, ""),  # not the inference server: unknown, no claim
    ],
)
def test_the_client_id_header_is_told_from_the_answer(headers, told):
    found = server_ids(headers.get, "c")
    assert found.client_id_header == told
    assert found.logs_run_ids() is (None if not told else told == "x-ms-client-request-id")


def test_the_server_request_id_prefers_x_request_id():
    assert server_ids({"x-request-id": "g", "x-ms-request-id": "c"}.get, "c").request_id == "g"
    assert server_ids({"x-ms-request-id": "old"}.get, "c").request_id == "old"
