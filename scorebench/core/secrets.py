"""The endpoint key: where it comes from, and how it is kept out of every output.

Rules: the key comes from SCOREBENCH_KEY, a key file (--key-file), or the Azure ML service; never
from a `run` flag. It is never printed, logged or written: headers are shown as `Bearer ***`,
URLs lose their query-string secrets, and `redact` scrubs any text that might hold the key.
A key file readable by group or others is used, with a warning.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scorebench.core.errors import HarnessError

KEY_ENV = "SCOREBENCH_KEY"
MASK = "***"
SECRET_QUERY_NAMES = (
    "key",
    "code",
    "sig",
    "token",
    "access_token",
    "api-key",
    "apikey",
    "subscription-key",
    "password",
)


def resolve_key(key_file: str | None = None, *, environ: dict[str, str] | None = None) -> str | None:
    """The key from --key-file if given, else SCOREBENCH_KEY, else None (no auth)."""
    env = os.environ if environ is None else environ
    if key_file:
        return read_key_file(Path(key_file))
    value = env.get(KEY_ENV, "").strip()
    return value or None


def read_key_file(path: Path) -> str:
    """Read a key file; warn (stderr) when others can read it; HarnessError when unusable."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise HarnessError(f"key file {path} does not exist") from None
    except OSError as exc:
        raise HarnessError(f"key file {path} cannot be read: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"scorebench: warning: key file {path} is readable by others; chmod 600 it", file=sys.stderr)
    if not text:
        raise HarnessError(f"key file {path} is empty")
    return text


def bearer(key: str | None) -> dict[str, str]:
    """The Authorization header for a key (none when there is no key)."""
    return {"Authorization": f"Bearer {key}"} if key else {}


def mask_header(name: str, value: str) -> str:
    """A header value safe to show: Authorization becomes `Bearer ***` (or `<scheme> ***`)."""
    if name.lower() in ("authorization", "proxy-authorization", "api-key", "ocp-apim-subscription-key"):
        scheme = value.split(" ", 1)[0] if " " in value else ""
        return f"{scheme} {MASK}".strip()
    return value


def safe_url(url: str) -> str:
    """A URL without credentials: user:password@ and secret query parameters become ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = [
        (name, MASK if name.lower() in SECRET_QUERY_NAMES else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), parts.fragment))


def redact(text: str, *secrets: str | None) -> str:
    """Replace every occurrence of each (non-trivial) secret in text with ***."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text
