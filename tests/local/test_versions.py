"""Each inference server version's request-id handling, on the installed server (scorebench/local/versions.py).

The wrapper is driven as gunicorn drives it (WSGI); the inner app records what the server would read
and answers the id headers the current server (1.5.1, server/routes.py) answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from scorebench.core.serverids import server_ids
from scorebench.local.versions import CURRENT, NONE, X_CLIENT, IdHandling, parse_version


def current_server(seen: dict[str, Any]) -> Any:
    """What 1.5.1 reads and answers (routes.py _init_headers / populate_response_headers)."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        own = environ.get("HTTP_X_REQUEST_ID") or "generated-guid"
        client = environ.get("HTTP_X_MS_CLIENT_REQUEST_ID", "")
        seen.update(request_id=own, client_request_id=client)  # logged: Request Id, Client Request Id
        headers = [
            ("x-request-id", own),
            ("x-ms-request-id", client or own),
            ("x-ms-server-version", "azmlinfsrv/1.5.1"),
        ]
        start_response("200 OK", headers + ([("x-ms-client-request-id", client)] if client else []))
        return [b"{}"]

    return app


def call(version: str, **request_headers: str) -> tuple[dict[str, str], dict[str, Any]]:
    seen: dict[str, Any] = {}
    answered: dict[str, str] = {}
    environ = {"HTTP_" + name.upper(): value for name, value in request_headers.items()}
    IdHandling.of(version).wrap(current_server(seen))(environ, lambda status, headers, *_: answered.update(headers))
    return answered, seen


@pytest.mark.parametrize(("version", "kind"), [("1.5.1", CURRENT), ("0.7.5", CURRENT), ("0.7.4", X_CLIENT),
                                                ("0.7.1", X_CLIENT), ("0.7.0", NONE), ("0.4.13", NONE)])  # fmt: skip
def test_versions_map_to_their_generation(version, kind):
    assert IdHandling.of(version).kind == kind


def test_the_current_server_logs_the_run_id():
    answered, seen = call("1.5.1", x_ms_client_request_id="run-1")
    assert seen["client_request_id"] == "run-1"
    assert answered["x-ms-client-request-id"] == "run-1"
    assert answered["x-ms-server-version"] == "azmlinfsrv/1.5.1"
    assert server_ids(lambda n: answered.get(n), "run-1").client_id_header == "x-ms-client-request-id"


def test_0_7_4_reads_x_client_request_id_only():
    answered, seen = call("0.7.4", x_ms_client_request_id="run-1")
    assert seen["client_request_id"] == ""  # the run's header is not read
    assert answered["x-request-id"] == answered["x-ms-request-id"] == seen["request_id"]
    assert answered["x-ms-server-version"] == "azmlinfsrv/0.7.4"
    assert "x-ms-client-request-id" not in answered
    told = server_ids(lambda n: answered.get(n), "run-1")
    assert (told.client_id_header, told.request_id, told.logs_run_ids()) == (
        "x-client-request-id",
        seen["request_id"],
        False,
    )
    _, seen = call("0.7.4", x_client_request_id="old-1")
    assert seen["client_request_id"] == "old-1"


def test_before_0_7_1_no_client_id_and_only_x_ms_request_id():
    answered, seen = call("0.6.1", x_ms_client_request_id="run-1", x_client_request_id="old-1")
    assert seen["client_request_id"] == ""
    assert set(answered) == {"x-ms-request-id"}  # no version header, no x-request-id
    assert answered["x-ms-request-id"] == seen["request_id"]
    told = server_ids(lambda n: answered.get(n), "run-1")
    assert (told.client_id_header, told.request_id, told.version) == ("none", seen["request_id"], "")
    _, seen = call("0.6.1", x_ms_request_id="given-1")
    assert seen["request_id"] == "given-1"  # the client's x-ms-request-id becomes the server's id


def test_a_bad_version_is_named():
    with pytest.raises(ValueError, match="--server-version 'latest'"):
        parse_version("latest")
