"""The bytes each request sends, built once: per payload a prefix up to the request id, then the body.

One job: turn a target (URL, method, headers, bodies) into `Target` with precomputed bytes so the
hot path only joins prefix + fresh id + body. Rules: ab's header order (request line, Connection,
Cookie, Authorization Basic, Proxy-Authorization, Content-length, Content-type, -H lines, then Host,
User-Agent, Accept unless -H overrides them) and a fresh `x-ms-client-request-id` last. The shown
form masks Authorization (`Bearer ***`).
"""

from __future__ import annotations

import base64
import dataclasses
import os
import ssl
from urllib.parse import urlsplit

from scorebench.core.secrets import mask_header
from scorebench.loadtests.outcomes import ACCEPT_ENCODING

USER_AGENT = "ApacheBench/2.3"
ID_HEADER = b"x-ms-client-request-id: "


@dataclasses.dataclass(frozen=True)
class Body:
    payload_id: str
    prefix: bytes
    """Request line and headers up to (and including) `x-ms-client-request-id: `."""
    body: bytes


@dataclasses.dataclass(frozen=True)
class Target:
    host: str
    port: int
    connect_host: str
    connect_port: int
    tls: bool
    server_hostname: str | None
    path: str
    bodies: list[Body]
    shown_request: str
    """The first request as ab's -v 2 shows it, Authorization masked, without our id header."""


_ID_BATCH = 4096
_ids: list[bytes] = []
os.register_at_fork(after_in_child=_ids.clear)  # a forked engine process draws its own ids, never its parent's


def new_request_id() -> bytes:
    """A uuid4 as 32 hex digits (version and variant bits set), as ASCII bytes.

    Ids are made 4096 at a time from one os.urandom call: the hot path only pops one.
    """
    if not _ids:
        raw = bytearray(os.urandom(16 * _ID_BATCH))
        raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])
        raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])
        text = raw.hex().encode()
        _ids.extend(text[i : i + 32] for i in range(0, len(text), 32))
    return _ids.pop()


def scoring_target(url: str, bodies: list[tuple[str, bytes]], headers: dict[str, str], key: str | None) -> Target:
    """A scoring endpoint as scorebench's own runs call it: POST JSON bodies over kept-alive HTTP/1.1,
    the user's headers, gzip and deflate accepted (outcomes.ACCEPT_ENCODING, as the Locust engine),
    and the key as a bearer token (it replaces any Authorization header given)."""
    sent = [(name, value) for name, value in headers.items() if name.lower() != "authorization"]
    if not any(name.lower() == "accept-encoding" for name, _ in sent):
        sent.append(("Accept-Encoding", ACCEPT_ENCODING))  # what Locust and Python's requests advertise
    if key:
        sent.append(("Authorization", f"Bearer {key}"))
    return build_target(
        url, method="POST", bodies=bodies, content_type="application/json", headers=sent, keepalive=True, http11=True
    )


def build_target(
    url: str,
    *,
    method: str,
    bodies: list[tuple[str, bytes]],
    content_type: str = "text/plain",
    headers: list[tuple[str, str]] = (),  # type: ignore[assignment]
    keepalive: bool = False,
    http11: bool = False,
    cookies: list[str] = (),  # type: ignore[assignment]
    basic_auth: str | None = None,
    proxy: str | None = None,
    proxy_auth: str | None = None,
    sni: bool = True,
) -> Target:
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if tls else 80)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connect_host, connect_port = host, port
    target = path
    if proxy:
        connect_host, _, proxy_port = proxy.rpartition(":") if ":" in proxy else (proxy, "", "80")
        connect_port = int(proxy_port or 80)
        target = url
    host_value = host if port == (443 if tls else 80) and not proxy else f"{host}:{port}"
    own = {name.lower() for name, _ in headers}
    lines: list[tuple[str, str]] = []
    if keepalive and not http11:
        lines.append(("Connection", "Keep-Alive"))
    lines += [("Cookie", cookie) for cookie in cookies]
    if basic_auth:
        lines.append(("Authorization", "Basic " + base64.b64encode(basic_auth.encode()).decode()))
    if proxy_auth:
        lines.append(("Proxy-Authorization", "Basic " + base64.b64encode(proxy_auth.encode()).decode()))
    built = [
        _one(method, target, http11, lines, headers, own, host_value, pid, body, content_type) for pid, body in bodies
    ]
    shown = built[0][1]
    return Target(
        host=host, port=port, connect_host=connect_host, connect_port=connect_port, tls=tls,
        server_hostname=(host if sni else "") if tls else None, path=path,
        bodies=[b for b, _ in built], shown_request=shown,
    )  # fmt: skip


def _one(
    method: str, target: str, http11: bool, lines: list[tuple[str, str]], headers: list[tuple[str, str]],
    own: set[str], host_value: str, payload_id: str, body: bytes, content_type: str,
) -> tuple[Body, str]:  # fmt: skip
    all_lines = list(lines)
    if body or method in ("POST", "PUT"):
        all_lines += [("Content-length", str(len(body))), ("Content-type", content_type)]
    all_lines += list(headers)
    defaults = (("Host", host_value), ("User-Agent", USER_AGENT), ("Accept", "*/*"))
    all_lines += [(name, value) for name, value in defaults if name.lower() not in own]
    version = "HTTP/1.1" if http11 else "HTTP/1.0"
    head = f"{method} {target} {version}\r\n" + "".join(f"{n}: {v}\r\n" for n, v in all_lines)
    shown = f"{method} {target} {version}\r\n" + "".join(f"{n}: {mask_header(n, v)}\r\n" for n, v in all_lines)
    return Body(payload_id, head.encode("latin-1") + ID_HEADER, body), shown + "\r\n"


def client_ssl_context(
    *, verify: bool, ciphers: str | None = None, protocol: str = "ALL", cert_file: str | None = None
) -> ssl.SSLContext:
    """ab does not verify certificates; run_load verifies unless told `insecure`."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx.load_default_certs()
    versions = {
        "TLS1": ssl.TLSVersion.TLSv1,
        "TLS1.1": ssl.TLSVersion.TLSv1_1,
        "TLS1.2": ssl.TLSVersion.TLSv1_2,
        "TLS1.3": ssl.TLSVersion.TLSv1_3,
    }
    if protocol in versions:
        ctx.minimum_version = ctx.maximum_version = versions[protocol]
    if ciphers:
        ctx.set_ciphers(ciphers)
    if cert_file:
        ctx.load_cert_chain(cert_file)
    return ctx
