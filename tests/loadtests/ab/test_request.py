"""request.py: ab's header order, the masked shown form, ids, proxy targets."""

from __future__ import annotations

import uuid

from scorebench.loadtests.ab.request import ID_HEADER, build_target, new_request_id


def test_header_order_like_ab_and_id_last() -> None:
    target = build_target(
        "http://127.0.0.1:8080/score?x=1", method="POST", bodies=[("p", b"{}")], content_type="application/json",
        headers=[("Authorization", "Bearer sekret"), ("X-A", "1")], keepalive=True, cookies=["a=1"],
    )  # fmt: skip
    prefix = target.bodies[0].prefix.decode()
    assert prefix.split("\r\n") == [
        "POST /score?x=1 HTTP/1.0",
        "Connection: Keep-Alive",
        "Cookie: a=1",
        "Content-length: 2",
        "Content-type: application/json",
        "Authorization: Bearer sekret",
        "X-A: 1",
        "Host: 127.0.0.1:8080",
        "User-Agent: ApacheBench/2.3",
        "Accept: */*",
        ID_HEADER.decode(),
    ]
    assert "sekret" not in target.shown_request
    assert "Authorization: Bearer ***\r\n" in target.shown_request
    assert target.shown_request.endswith("Accept: */*\r\n\r\n")


def test_h_overrides_host_and_user_agent() -> None:
    target = build_target("http://h/", method="GET", bodies=[("", b"")], headers=[("Host", "x"), ("user-agent", "me")])
    lines = target.bodies[0].prefix.decode().split("\r\n")
    assert lines[1:4] == ["Host: x", "user-agent: me", "Accept: */*"]
    assert target.port == 80


def test_proxy_sends_the_absolute_url_to_the_proxy() -> None:
    target = build_target("http://example.test:81/score", method="GET", bodies=[("", b"")], proxy="127.0.0.1:3128")
    assert (target.connect_host, target.connect_port) == ("127.0.0.1", 3128)
    assert target.bodies[0].prefix.startswith(b"GET http://example.test:81/score HTTP/1.0\r\n")


def test_request_ids_are_uuid4_hex_and_unique() -> None:
    ids = [new_request_id() for _ in range(5000)]
    assert len(set(ids)) == 5000
    assert all(uuid.UUID(i.decode()).version == 4 and len(i) == 32 for i in ids[:50])
