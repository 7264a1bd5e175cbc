"""Which request ids a scoring server logs, told from the id headers of one of its answers.

The Azure ML inference server logs the client's request id ("Client Request Id") only from
0.7.5, read from `x-ms-client-request-id`; 0.7.1-0.7.4 read `x-client-request-id` instead, and the
v1 images' older server logs none (docs/probes.md, "Server versions", with sources). Its own id
("Request Id") it answers in `x-request-id` (0.7.1 on; on a managed endpoint the platform's GUID,
the traffic log's XRequestId) or `x-ms-request-id` (older). Pure functions of the headers; the
warm-up's answer is read once by preflight and the verdict kept in run.json (`preflight`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

CURRENT_HEADER = "x-ms-client-request-id"
OLD_HEADER = "x-client-request-id"
NO_CLIENT_ID = "none"
"""`client_id_header` of a server that logs no client request id at all."""
_VERSION = re.compile(r"(\d+(?:\.\d+){1,3})")


@dataclasses.dataclass(frozen=True)
class ServerIds:
    """What one answer says about the server's ids ("" where it says nothing)."""

    version: str = ""
    """`x-ms-server-version` (the inference server: "azmlinfsrv/1.5.1")."""
    request_id: str = ""
    """The server's own id of that request (x-request-id, else x-ms-request-id)."""
    client_id_header: str = ""
    """The header whose value the server logs as "Client Request Id": CURRENT_HEADER, OLD_HEADER,
    NO_CLIENT_ID, or "" when the answer does not tell (not the inference server, or a front that
    drops the id headers)."""

    def logs_run_ids(self) -> bool | None:
        """Whether the server logs the ids scorebench sends (x-ms-client-request-id); None: unknown."""
        return None if not self.client_id_header else self.client_id_header == CURRENT_HEADER

    def why_no_run_ids(self) -> str:
        """One clause: why the server's rows carry none of the run's ids (for a progress line or a note)."""
        server = f"the server ({self.version})" if self.version else "the server"
        if self.client_id_header == OLD_HEADER:
            return f"{server} logs x-client-request-id as its client request id (inference server 0.7.1-0.7.4)"
        return f"{server} logs no client request id (inference server before 0.7.1, v1 images)"


def server_ids(get: Callable[[str], str | None], sent_client_id: str) -> ServerIds:
    """The ids an answer tells of (`get`: a case-insensitive header lookup) to a request sent with
    `x-ms-client-request-id: sent_client_id`."""
    version = (get("x-ms-server-version") or "").strip()
    own, legacy = (get("x-request-id") or "").strip(), (get("x-ms-request-id") or "").strip()
    echoed = (get(CURRENT_HEADER) or "").strip()
    if echoed == sent_client_id or legacy == sent_client_id:
        header = CURRENT_HEADER  # >= 0.7.5 echoes it (and copies it to x-ms-request-id)
    elif own and legacy == own:
        header = OLD_HEADER  # 0.7.1-0.7.4: both set to its own id, the client id read elsewhere
    elif legacy and not own:
        header = NO_CLIENT_ID  # the v1 images' server: x-ms-request-id only
    else:
        header = ""
    number = _VERSION.search(version)
    if number and header == "":
        header = _by_version(tuple(int(p) for p in number.group(1).split(".")))
    return ServerIds(version, (own or legacy)[:100], header)


def _by_version(version: tuple[int, ...]) -> str:
    if version >= (0, 7, 5):
        return CURRENT_HEADER
    return OLD_HEADER if version >= (0, 7, 1) else NO_CLIENT_ID
