"""How each version of the Azure ML inference server handles request ids, reproduced on the current one.

Deployed services run *their* environment's server, not the one installed here. What differs is
which header the server reads as the client's request id, what it logs to Application Insights as
"Client Request Id" / "Request Id", and which id headers it answers with (docs/probes.md, "Server
versions"):

    >= 0.7.5   reads x-ms-client-request-id (logged "Client Request Id"); its own id is x-request-id
               (a GUID when none is sent; logged "Request Id"); answers x-request-id,
               x-ms-request-id (the client id, else its own) and x-ms-client-request-id
               (azureml-inference-server-http CHANGELOG 0.7.5; server/routes.py of 1.5.1).
    0.7.1-0.7.4 reads x-client-request-id instead (logged "Client Request Id"); its own id is
               x-request-id, else x-ms-request-id, else a GUID; answers x-request-id and
               x-ms-request-id both set to it, and x-client-request-id when sent (CHANGELOG 0.7.1).
    < 0.7.1    (the v1 images' server) no client request id at all; its own id is x-ms-request-id, else
               a GUID, logged "Request Id" and answered as x-ms-request-id only
               (Azure/AML-AirField local_debugging/wsgi_request.py).

Every version from 0.7.1 answers `x-ms-server-version: azmlinfsrv/VERSION` (amlserver.py sets
HTTP_X_MS_SERVER_VERSION unless SERVER_VERSION_LOG_RESPONSE_ENABLED is false); the v1 images'
server answers none.

`IdHandling.of(version).wrap(app)` is a WSGI wrapper around the installed (current) server that
rewrites the request's id headers before it reads them and its answer's id headers after, so the
real server logs and answers what the older one did. Pure header rewriting; nothing else changes.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

CURRENT = "current"
X_CLIENT = "x-client-request-id"
NONE = "none"
VERSION_HEADER = "x-ms-server-version"
_ID_HEADERS = frozenset(
    {"x-request-id", "x-ms-request-id", "x-ms-client-request-id", "x-client-request-id", VERSION_HEADER}
)
_VERSION = re.compile(r"^\d+(\.\d+){0,3}$")


def parse_version(text: str, where: str = "--server-version") -> tuple[int, ...]:
    """(0, 7, 4) from "0.7.4"; ValueError naming `where` for anything else."""
    if not _VERSION.match(text.strip()):
        raise ValueError(f"{where} {text!r}: a version number such as 1.5.1, 0.7.4 or 0.6.1")
    return tuple(int(part) for part in text.strip().split("."))


@dataclasses.dataclass(frozen=True)
class IdHandling:
    """One generation of request-id handling: CURRENT, X_CLIENT (0.7.1-0.7.4) or NONE (< 0.7.1)."""

    kind: str = CURRENT
    version: str = ""
    """The version to answer in x-ms-server-version ("": the installed server's own header)."""

    @classmethod
    def of(cls, version: str) -> IdHandling:
        """The handling of a server version ("" or unparsable: the installed, current one)."""
        try:
            number = parse_version(version) if version else None
        except ValueError:
            number = None
        if number is None:
            return cls(CURRENT)
        if number >= (0, 7, 5):
            return cls(CURRENT, version.strip())
        return cls(X_CLIENT if number >= (0, 7, 1) else NONE, version.strip())

    def wrap(self, app: WsgiApp) -> WsgiApp:
        """The app answering (and logging) ids as this generation did."""
        if not self.version:
            return app
        kind, version = self.kind, self.version

        def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            answer_ids = _rewrite_request(environ, kind)

            def rewritten(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                given = [(n, v) for n, v in headers if n.lower() in _ID_HEADERS - {VERSION_HEADER}]
                kept = [(n, v) for n, v in headers if n.lower() not in _ID_HEADERS]
                ids = given if kind == CURRENT else answer_ids
                named = [] if kind == NONE else [(VERSION_HEADER, f"azmlinfsrv/{version}")]
                return start_response(status, kept + ids + named, exc_info)

            return app(environ, rewritten)

        return wrapped


def _rewrite_request(environ: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """Set the headers the current server reads so it logs what `kind` logged; return the id headers
    `kind` answers with."""
    if kind == CURRENT:
        return []
    sent_client = environ.pop("HTTP_X_CLIENT_REQUEST_ID", "")
    environ.pop("HTTP_X_MS_CLIENT_REQUEST_ID", None)  # no older server read it
    legacy = environ.pop("HTTP_X_MS_REQUEST_ID", "")
    if kind == NONE:
        own = legacy or str(uuid.uuid4())
        environ["HTTP_X_REQUEST_ID"] = own  # logged as "Request Id"; "Client Request Id" stays empty
        return [("x-ms-request-id", own)]
    own = environ.get("HTTP_X_REQUEST_ID") or legacy or str(uuid.uuid4())
    environ["HTTP_X_REQUEST_ID"] = own
    if sent_client:
        environ["HTTP_X_MS_CLIENT_REQUEST_ID"] = sent_client  # logged as "Client Request Id"
    answered = [("x-request-id", own), ("x-ms-request-id", own)]
    return answered + ([("x-client-request-id", sent_client)] if sent_client else [])
