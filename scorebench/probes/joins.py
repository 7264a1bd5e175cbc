"""Joining the server's rows to the run when they carry no client request id: the next-best key, said early.

A deployed service runs its environment's inference server: only 0.7.5 and later log the
`x-ms-client-request-id` scorebench sends (core/serverids.py). Every row of an older server carries
no run id, so without this module every row would be "other traffic", the wait would run to its
deadline and the report would call every request lost. Rules (pure, per poll):
- The next-best key is the server's own request id: every sample records it from the answer's
  headers (records.Sample.server_request_id), the server logs it as "Request Id", and on a managed
  endpoint it is the platform's GUID, the traffic log's XRequestId. A row with no run id whose
  server id is one of the run's is given that sample's client id (`rekey`): every later stage joins
  as usual, and probe.json says `join_key: server_request_id`.
- The mode is decided from the first poll whose rows can tell (never at the deadline): rows re-keyed
  and none with a run id → `server_request_id`; rows without any client id and none with a run id,
  the samples carrying no server id → `none` after UNJOINED_POLLS such polls (one when the warm-up
  already said the server logs no run ids): the rows without ids are then the target's, reported as
  unjoined aggregates (counts, codes, durations), never as lost requests.
- `say` gets one line, once, naming why (the server version when known) and which key is used.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping

from scorebench.core.serverids import ServerIds
from scorebench.probes.target import REQUESTS, Observation, Seen, Target

CLIENT_ID = "client_request_id"
SERVER_ID = "server_request_id"
UNJOINED = "none"
UNJOINED_POLLS = 2
"""Polls of id-less rows (and none of the run's) before the server side is called unjoined."""


@dataclasses.dataclass(frozen=True)
class JoinKeys:
    """What the run knows to join by: its samples' server ids, and what the warm-up told of the server."""

    by_server_id: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """The server's request id → the client request id of the same request (samples and warm-up)."""
    server: ServerIds = dataclasses.field(default_factory=ServerIds)


@dataclasses.dataclass
class JoinState:
    """The join decided so far (`key`: "" until a poll tells), and how many polls of id-less rows."""

    key: str = ""
    idless_polls: int = 0
    said: bool = False


def rekey(seen: list[Seen], by_server_id: Mapping[str, str], wanted: Collection[str]) -> tuple[list[Seen], int]:
    """The rows, those without a run id but with a run's server id given its client id; and how many were."""
    if not by_server_id:
        return seen, 0
    out: list[Seen] = []
    changed = 0
    for item in seen:
        client = item.row.client_request_id
        server_id = item.traffic.x_request_id if item.traffic is not None else item.row.server_request_id
        found = by_server_id.get(server_id) if server_id and client not in wanted else None
        if found is None:
            out.append(item)
            continue
        changed += 1
        row = dataclasses.replace(item.row, client_request_id=found)
        traffic = dataclasses.replace(item.traffic, client_request_id=found) if item.traffic is not None else None
        out.append(dataclasses.replace(item, row=row, traffic=traffic))
    return out, changed


def join_poll(
    observed: Observation, keys: JoinKeys, wanted: Collection[str], state: JoinState
) -> tuple[Observation, str]:
    """One poll's rows re-keyed where they can be, the join mode updated; and a line to say (or "")."""
    ids = set(wanted)
    carried = sum(1 for s in observed.seen if s.table == REQUESTS and s.row.client_request_id in ids)
    idless = [s for s in observed.seen if s.table == REQUESTS and not s.row.client_request_id]
    seen, rekeyed = rekey(observed.seen, keys.by_server_id, ids)
    if not state.key:
        if carried:
            state.key = CLIENT_ID
        elif rekeyed:
            state.key = SERVER_ID
        elif idless:
            state.idless_polls += 1
            needed = 1 if keys.server.logs_run_ids() is False and not keys.by_server_id else UNJOINED_POLLS
            if state.idless_polls >= needed:
                state.key = UNJOINED
    line = ""
    if state.key in (SERVER_ID, UNJOINED) and not state.said:
        state.said = True
        line = _say_line(state.key, keys.server)
    return dataclasses.replace(observed, seen=seen), line


def unjoined_target(target: Target, observed: Observation) -> Target:
    """With no key at all and nothing naming the target: the services of the rows without client ids."""
    if target.services or target.endpoint:
        return target
    services = frozenset(s.service for s in observed.seen if s.table == REQUESTS and not s.row.client_request_id)
    return dataclasses.replace(target, services=services) if services else target


def _say_line(key: str, server: ServerIds) -> str:
    why = (
        server.why_no_run_ids()
        if server.client_id_header and server.logs_run_ids() is False
        else ("the server logs no x-ms-client-request-id (an inference server before 0.7.5)")
    )
    head = f"telemetry: the server's rows carry none of the run's client request ids: {why}"
    if key == SERVER_ID:
        return f"{head}; joining them by the server's own request id (x-request-id, logged as Request Id)"
    return f"{head}, and the samples hold no server request id to join by: the server side is reported as unjoined"
