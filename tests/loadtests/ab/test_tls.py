"""TLS through the ssl module: ab does not verify certificates; the report shows the protocol."""

from __future__ import annotations

import shutil
import ssl
from pathlib import Path

import pytest

from scorebench.loadtests.ab.cli import main
from tests.conftest import self_signed_cert
from tests.loadtests.ab.recording_server import RecordingServer

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI is not installed")


def test_https_with_a_self_signed_certificate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    with RecordingServer() as server:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server._server.socket = ctx.wrap_socket(server._server.socket, server_side=True)
        code = main(["-n", "3", "-c", "1", server.url().replace("http://", "https://")])
        out, _ = capsys.readouterr()
    assert code == 0
    assert "Complete requests:      3" in out
    assert "Failed requests:        0" in out
    assert "SSL/TLS Protocol:       TLSv1." in out
    assert "TLS Server Name:        127.0.0.1" in out
