"""The key stays secret (scorebench/core/secrets.py): registry, scrub, key checks."""

from __future__ import annotations

import base64
import html
import json
import sys
from datetime import datetime
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scorebench.core import secrets
from scorebench.core.errors import HarnessError
from scorebench.core.rundir import run_dir_name
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


@pytest.fixture
def registry():
    secrets.forget_all()
    yield
    secrets.forget_all()


def test_scrub_removes_a_registered_secret_in_each_encoding(registry):
    key = 'sbk-a+b/c=d"e\u00e9f%41'
    secrets.register(key)
    for form in (key, quote(key, safe=""), json.dumps(key)[1:-1], repr(key)[1:-1], html.escape(key)):
        assert secrets.scrub(f"before {form} after") == "before *** after"


def test_scrub_data_keeps_json_valid(registry):
    secrets.register("null-ish-secret")
    assert secrets.scrub_data({"a": ["x null-ish-secret", 1, None], "null-ish-secret": True}) == {
        "a": ["x ***", 1, None],
        "***": True,
    }


def test_register_splits_lines_and_skips_short_values(registry):
    secrets.register("first-line-key\nsecond-line-key", "abc")
    assert secrets.scrub("first-line-key second-line-key abc") == "*** *** abc"


@pytest.mark.parametrize(
    ("name", "value", "hidden"),
    [
        ("X-Api-Key", "k-123456789", "k-123456789"),
        ("Authorization", "Bearer tok-123456789", "tok-123456789"),
        ("Cookie", "a=1; session=cookie-123456", "cookie-123456"),
        ("Authorization", "Basic " + base64.b64encode(b"user:pw-123456789").decode(), "pw-123456789"),
    ],
)
def test_register_header(registry, name, value, hidden):
    secrets.register_header(name, value)
    assert hidden not in secrets.scrub(f"{value} {hidden}")


def test_register_header_ignores_ordinary_headers(registry):
    secrets.register_header("Content-Type", "application/json")
    assert secrets.registered() == ()


def test_register_url_userinfo_and_secret_parameters(registry):
    secrets.register_url("https://scorer:pw%2B123456@host/score?code=code-123456&v=2#token=frag-123456")
    text = "pw+123456 code-123456 frag-123456 " + base64.b64encode(b"scorer:pw+123456").decode()
    assert secrets.scrub(text) == "*** *** *** ***"


def test_safe_url_masks_values_equal_to_a_known_secret(registry):
    secrets.register("known-secret+1")
    assert secrets.safe_url("http://h/score?k=known-secret%2B1&v=2#known-secret+1") == "http://h/score?k=***&v=2#***"


@pytest.mark.parametrize(
    ("key", "what"),
    [("a\nb-123456", "more than one line"), ("ab\u00e9-123456", "not ASCII"), ("ab\x07-123456", "control")],
)
def test_check_key_says_what_is_wrong_without_the_key(registry, key, what):
    with pytest.raises(HarnessError, match=what) as caught:
        secrets.check_key(key, "SCOREBENCH_KEY")
    assert "123456" not in str(caught.value)


def test_key_file_with_two_lines_or_binary(tmp_path, registry):
    two = tmp_path / "two"
    two.write_text("key-one-123456\nkey-two-123456\n")
    two.chmod(0o600)
    with pytest.raises(HarnessError, match="2 lines"):
        read_key_file(two)
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00key-123456")
    binary.chmod(0o600)
    with pytest.raises(HarnessError, match="not ASCII"):
        read_key_file(binary)
    assert secrets.scrub("key-one-123456 key-two-123456") == "*** ***"


def test_scrubbing_stream(registry, capsys):
    secrets.register("stream-secret-1")
    stream = secrets.ScrubbingStream(sys.stdout)
    stream.write("a stream-secret-1 b\n")
    stream.reveal("export K=stream-secret-1\n")
    assert capsys.readouterr().out == "a *** b\nexport K=stream-secret-1\n"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("Authorization", True),
        ("X-My-Token-Thing", True),
        ("X-MyToken", True),
        ("x_client_secret", True),
        ("Primary-Key", True),
        ("X-Sig", True),
        ("x-ms-client-request-id", False),
        ("azureml-model-deployment", False),
        ("Keep-Alive", False),
        ("Accept-Encoding", False),
        ("Content-Type", False),
    ],
)
def test_a_header_name_that_looks_secret_is_masked(name: str, secret: bool) -> None:
    from scorebench.core.secrets import is_secret_header, mask_header

    assert is_secret_header(name) is secret
    assert (mask_header(name, "v4lue-9f2c") == "***") is secret


# ---- properties of the scrub (issue 26: short keys, case, host names) ------------------------------

KEY_CHARS = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+/=")
TEXT = st.text(alphabet=st.sampled_from("abcXYZ019 -./:'\"=@"), max_size=30)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(key=st.text(KEY_CHARS, min_size=8, max_size=40), before=TEXT, after=TEXT, flips=st.lists(st.booleans()))
def test_a_key_never_survives_the_scrub_in_any_case(registry, key, before, after, flips):
    """A host name is lowercased by DNS and IDNA, a header may be upper-cased: no case of the key shows."""
    secrets.register(key)
    shown = "".join(c.upper() if flips and flips[i % len(flips)] else c.lower() for i, c in enumerate(key))
    for text in (f"{before}{shown}{after}", f"host '{key.lower()}.invalid' does not resolve", before + key.upper()):
        assert key.lower() not in secrets.scrub(text).lower()


@PROPERTY
@given(
    key=st.text(KEY_CHARS, min_size=8, max_size=40),
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    label=st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), min_size=1, max_size=20),
)
def test_a_key_of_8_or_more_characters_leaves_a_run_path_whole_unless_it_is_in_it(registry, key, moment, label):
    secrets.register(key)
    path = f"run directory: /work/runs/{run_dir_name(moment, label)}"
    if key.lower() not in path.lower():
        assert secrets.scrub(path) == path


@PROPERTY
@given(
    short=st.text(st.sampled_from("0123456789abcdefZ"), min_size=4, max_size=7),
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    label=st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1, max_size=20),
)
def test_a_short_secret_never_eats_a_run_directory_name(registry, short, moment, label):
    """A 4-7 character secret (a header or URL value; a key that short is refused) is masked only where it stands
    alone: the UTC stamp of a run directory (`2026` in `20261207T...`) always survives, so the path can be found."""
    secrets.register(short)
    name = run_dir_name(moment, label)
    shown = secrets.scrub(f"run directory: /work/runs/{name}")
    stamp = name.split("-", 1)[0]
    assert stamp in shown
    assert shown.endswith(f"-{label}") or label.lower() == short.lower()
    assert secrets.scrub(f"the value {short} alone") == "the value *** alone"


@PROPERTY
@given(key=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40))
def test_keys_shorter_than_8_characters_are_refused_unseen(registry, key):
    if len(key) < secrets.MIN_KEY_CHARS:
        with pytest.raises(HarnessError, match="shorter than 8 characters") as caught:
            secrets.check_key(key, "SCOREBENCH_KEY")
        with pytest.raises(HarnessError) as other:
            secrets.check_key("\x7e", "SCOREBENCH_KEY")
        assert str(caught.value) == str(other.value)  # the line does not depend on the key: it never shows it
    else:
        assert secrets.check_key(key, "SCOREBENCH_KEY") == key
