"""The key stays secret (scorebench/secrets.py)."""

from __future__ import annotations

import pytest

from scorebench.core.errors import HarnessError
from scorebench.core.secrets import mask_header, read_key_file, redact, resolve_key, safe_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:5001/score", "http://127.0.0.1:5001/score"),
        ("https://x.azurewebsites.net/api/score?code=s3cr3t&v=2", "https://x.azurewebsites.net/api/score?code=***&v=2"),
        ("https://user:pw@host/score", "https://***@host/score"),
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_mask_header():
    assert mask_header("Authorization", "Bearer abc") == "Bearer ***"
    assert mask_header("Content-Type", "application/json") == "application/json"


def test_redact():
    assert redact("key abcdef in text abcdef", "abcdef") == "key *** in text ***"
    assert redact("short ab", "ab") == "short ab"  # too short to be a key: left alone


def test_resolve_key_order(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("from-file\n")
    key_file.chmod(0o600)
    assert resolve_key(str(key_file), environ={"SCOREBENCH_KEY": "from-env"}) == "from-file"
    assert resolve_key(None, environ={"SCOREBENCH_KEY": "from-env"}) == "from-env"
    assert resolve_key(None, environ={}) is None


def test_key_file_errors_and_warning(tmp_path, capsys):
    with pytest.raises(HarnessError, match="does not exist"):
        read_key_file(tmp_path / "missing")
    loose = tmp_path / "loose"
    loose.write_text("k" * 20)
    loose.chmod(0o644)
    assert read_key_file(loose) == "k" * 20
    assert "readable by others" in capsys.readouterr().err
