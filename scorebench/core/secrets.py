"""The endpoint key and every other secret: where they come from, and how they stay out of every output.

Rules (docs/architecture.md, "The key is a secret"):
- The key comes from SCOREBENCH_KEY, a key file (--key-file), or the Azure ML service; never from a
  `run` flag. It is checked before the first request: one line of printable ASCII, else a one-line
  HarnessError that says what is wrong without echoing it.
- Every secret the process learns is registered once (`register`): the key from any source, each
  line of a key file, secret-looking header values (`register_header`), URL userinfo and secret
  query/fragment values (`register_url`). `scrub` replaces each registered secret, in each of its
  common encodings (raw, repr, JSON, percent, HTML, base64), with `***`. Every output path goes
  through it: the CLI's stdout/stderr (`ScrubbingStream`), error lines, run.json, summary.json,
  report.html, the Locust logs.
- A key file readable by group or others is used, with a warning.
"""

from __future__ import annotations

import base64
import html
import json
import re
import stat
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

from scorebench.core.errors import HarnessError

KEY_ENV = "SCOREBENCH_KEY"
MASK = "***"
MIN_SECRET_CHARS = 4
"""Shorter values are not registered: scrubbing them would mangle ordinary text (a header or URL parameter
with a secret-looking name is still masked by its name: `mask_header`, `safe_url`)."""
MIN_KEY_CHARS = 8
"""The shortest endpoint key accepted (Azure ML's are 32 or more). A registered secret shorter than this
(a 4-7 character header or parameter value) is scrubbed only where it stands alone, never from inside a
longer word or number: `2026` never eats the `20261207T...` of a run directory's name."""
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
SECRET_HEADERS = (
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
    "x-functions-key",
    "ocp-apim-subscription-key",
    "cookie",
    "set-cookie",
    "x-ms-token",
    "x-auth-token",
)
"""Header names whose values are secrets (masked when shown, registered when given with -H)."""
SECRET_NAME_WORDS = frozenset({"auth", "key", "apikey", "token", "secret", "password", "passwd", "pwd", "credential",
                               "credentials", "signature", "sig", "sas", "session", "cookie", "jwt"})  # fmt: skip
"""A header whose name holds one of these words (split at `-` and `_`) looks secret: X-My-Token-Thing."""
SECRET_NAME_PARTS = ("token", "secret", "passw", "apikey", "credential", "signature")
"""...or holds one of these anywhere (X-MyToken, XSecretValue)."""


def is_secret_header(name: str) -> bool:
    """Whether a header's value is a secret: a known name, or a name that looks secret."""
    low = name.strip().lower()
    if low in SECRET_HEADERS or any(part in low for part in SECRET_NAME_PARTS):
        return True
    return not SECRET_NAME_WORDS.isdisjoint(low.replace("_", "-").split("-"))


_REGISTRY: set[str] = set()
_FORMS: dict[str, tuple[str, ...]] = {}
_PATTERN: list[re.Pattern[str]] = []
"""The one compiled pattern of every form of every registered secret (empty: rebuild)."""


# --- the registry -----------------------------------------------------------------------------


def register(*values: str | None) -> None:
    """Remember secrets (and, for a multi-line value, each of its lines) so `scrub` removes them."""
    for value in values:
        if not value:
            continue
        candidates = {value, value.strip(), *(line.strip() for line in value.splitlines())}
        fresh = {c for c in candidates if len(c) >= MIN_SECRET_CHARS} - _REGISTRY
        if fresh:
            _REGISTRY.update(fresh)
            _FORMS.clear()
            _PATTERN.clear()


def registered() -> tuple[str, ...]:
    """The registered secrets, longest first."""
    return tuple(sorted(_REGISTRY, key=len, reverse=True))


def forget_all() -> None:
    """Empty the registry (tests)."""
    _REGISTRY.clear()
    _FORMS.clear()
    _PATTERN.clear()


def register_environment(environ: Mapping[str, str]) -> None:
    """Register the key of SCOREBENCH_KEY as given (before any check, so no error can echo it);
    the environment is handed in by scorebench/config.py (nothing in core reads it)."""
    register(environ.get(KEY_ENV))


def register_header(name: str, value: str) -> None:
    """Register a header value when the name looks secret (the token after `Bearer `, Basic's parts too)."""
    if not is_secret_header(name):
        return
    value = value.strip()
    register(value)
    scheme, _, token = value.partition(" ")
    if token:
        register(token.strip())
        if scheme.lower() == "basic":
            register_basic(_b64decode(token.strip()))
    for cookie in value.split(";"):
        register(cookie.partition("=")[2].strip())


def register_basic(user_password: str | None) -> None:
    """Register `user:password` credentials: the password, the pair and its base64 form."""
    if not user_password:
        return
    register(user_password, user_password.partition(":")[2])
    register(base64.b64encode(user_password.encode("utf-8", "surrogateescape")).decode())


def register_url(url: str) -> None:
    """Register a URL's userinfo and the values of its secret-looking query/fragment parameters."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if "@" in parts.netloc:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        register_basic(unquote(userinfo) if ":" in userinfo else None)
        register(userinfo, unquote(userinfo))
    for name, raw in _pairs(parts.query) + _pairs(parts.fragment):
        if name.lower() in SECRET_QUERY_NAMES:
            register(raw, unquote(raw), unquote_plus(raw))


# --- scrubbing --------------------------------------------------------------------------------


def forms(secret: str) -> tuple[str, ...]:
    """The ways a secret may appear in text: raw, repr, JSON, percent-encoded, HTML-escaped, base64."""
    cached = _FORMS.get(secret)
    if cached is not None:
        return cached
    raw = secret.encode("utf-8", "surrogateescape")
    found = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        *(quote(secret, safe=safe, errors="surrogateescape") for safe in ("", "/", "/:=&?")),
        quote_plus(secret, safe="", errors="surrogateescape"),
        html.escape(secret),
        html.escape(secret, quote=False),
        base64.b64encode(raw).decode(),
        raw.decode("latin-1"),
    }
    found |= {html.escape(json.dumps(secret)[1:-1]), *_idna(secret)}
    result = tuple(sorted((f for f in found if len(f) >= MIN_SECRET_CHARS), key=len, reverse=True))
    _FORMS[secret] = result
    return result


def scrub(text: str) -> str:
    """Replace every form of every registered secret in text, in any case (a host name is lowercased by DNS
    and IDNA), with ***; a secret shorter than MIN_KEY_CHARS only where no letter or digit touches it."""
    if not _REGISTRY or not text:
        return text
    return _pattern().sub(MASK, text)


def _pattern() -> re.Pattern[str]:
    if not _PATTERN:
        alternatives = []
        for secret in registered():
            short = len(secret) < MIN_KEY_CHARS
            for form in forms(secret):
                escaped = re.escape(form)
                alternatives.append((len(form), rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])" if short else escaped))
        ordered = [pattern for _, pattern in sorted(alternatives, key=lambda pair: pair[0], reverse=True)]
        _PATTERN.append(re.compile("|".join(ordered), re.IGNORECASE))
    return _PATTERN[0]


def _idna(secret: str) -> set[str]:
    """The forms a secret takes inside a host name: IDNA (punycode) of it, when it has any."""
    try:
        encoded = secret.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return set()
    return {encoded} if encoded.lower() != secret.lower() else set()


def scrub_data(value: Any) -> Any:
    """Scrub every string (keys and values) of a JSON-like structure; JSON stays valid."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub(str(k)): scrub_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_data(v) for v in value]
    return value


def scrub_file(path: Path) -> None:
    """Rewrite a text file another process wrote (a Locust log) with every secret scrubbed."""
    if not _REGISTRY or not path.is_file():
        return
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    clean = scrub(text)
    if clean != text:
        path.write_bytes(clean.encode("utf-8", "surrogateescape"))


def write_text(path: Path, text: str) -> None:
    """Write an output file (UTF-8) with every registered secret scrubbed."""
    path.write_text(scrub(text), encoding="utf-8")


class ScrubbingStream:
    """A text stream (stdout/stderr) that scrubs every write; everything else goes to the real stream."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(scrub(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def reveal(self, text: str) -> None:
        """Write text unscrubbed: only for output whose purpose is the secret (`endpoint keys --reveal`)."""
        self._inner.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def install_scrubbing_streams() -> None:
    """Route sys.stdout and sys.stderr through `scrub` (the CLI does this first thing)."""
    if not isinstance(sys.stdout, ScrubbingStream):
        sys.stdout = ScrubbingStream(sys.stdout)
    if not isinstance(sys.stderr, ScrubbingStream):
        sys.stderr = ScrubbingStream(sys.stderr)


def reveal(text: str) -> None:
    """Print a line that must hold a secret, past the scrubbing stream."""
    stream = sys.stdout
    if isinstance(stream, ScrubbingStream):
        stream.reveal(text + "\n")
    else:
        stream.write(text + "\n")
    stream.flush()


# --- the key ----------------------------------------------------------------------------------


def resolve_key(key_file: str | None, *, environ: Mapping[str, str]) -> str | None:
    """The key from --key-file if given, else SCOREBENCH_KEY of `environ` (config.py hands it in), else None
    (no auth); checked by `check_key`."""
    env = environ
    if key_file:
        return read_key_file(Path(key_file))
    register(env.get(KEY_ENV))
    value = env.get(KEY_ENV, "").strip()
    return check_key(value, KEY_ENV) if value else None


def read_key_file(path: Path) -> str:
    """Read a key file; warn (stderr) when others can read it; HarnessError when unusable."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise HarnessError(f"key file {path} does not exist") from None
    except IsADirectoryError:
        raise HarnessError(f"key file {path} is a directory, not a file") from None
    except OSError as exc:
        raise HarnessError(f"key file {path} cannot be read: {exc.strerror}") from None
    text = data.decode("utf-8", "surrogateescape")
    register(text, data.decode("latin-1"))
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"scorebench: warning: key file {path} is readable by others; chmod 600 it", file=sys.stderr)
    text = text.strip()
    if not text:
        raise HarnessError(f"key file {path} is empty")
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        raise HarnessError(f"key file {path}: holds {len(lines)} lines; a key file holds one key on one line")
    return check_key(text, f"key file {path}")


_WHAT_IS_WRONG: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda c: c in "\r\n", "spans more than one line"),
    (lambda c: ord(c) > 0x7E, "holds a character that is not ASCII (a copy-paste artefact?)"),
    (lambda c: ord(c) < 0x20 or ord(c) == 0x7F, "holds a control character"),
)


def check_key(key: str, where: str) -> str:
    """The key, if it is one line of printable ASCII; else HarnessError naming `where` (never the key)."""
    register(key)
    for wrong, what in _WHAT_IS_WRONG:
        if any(wrong(char) for char in key):
            raise HarnessError(f"{where}: the key {what}; a key is one line of printable ASCII (value not shown)")
    if len(key) < MIN_KEY_CHARS:
        raise HarnessError(
            f"{where}: the key is shorter than {MIN_KEY_CHARS} characters (Azure ML's are 32 or more); so short a key"
            " could not be kept out of the output without mangling it (value not shown)"
        )
    return key


def bearer(key: str | None) -> dict[str, str]:
    """The Authorization header for a key (none when there is no key)."""
    return {"Authorization": f"Bearer {key}"} if key else {}


def mask_header(name: str, value: str) -> str:
    """A header value safe to show: secret headers become `<scheme> ***` (Authorization) or `***`."""
    if is_secret_header(name):
        scheme = value.split(" ", 1)[0] if " " in value.strip() else ""
        return f"{scheme} {MASK}".strip()
    return scrub(value)


def mask_header_lines(text: str) -> str:
    """A block of `Name: value` lines (a response's header, as `ab -v` shows it) with every secret header masked."""
    lines = []
    for line in text.split("\n"):
        body, end = (line[:-1], "\r") if line.endswith("\r") else (line, "")
        name, colon, value = body.partition(":")
        is_header = bool(colon and name.strip()) and " " not in name.strip()
        lines.append((f"{name}: {mask_header(name, value.strip())}" if is_header else scrub(body)) + end)
    return "\n".join(lines)


def safe_url(url: str) -> str:
    """A URL without credentials: userinfo, secret-named and known-secret query/fragment values become ***."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return scrub(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query, fragment = _mask_pairs(parts.query), _mask_pairs(parts.fragment)
    return scrub(urlunsplit((parts.scheme, netloc, parts.path, query, fragment)))


def redact(text: str, *secrets: str | None) -> str:
    """Replace every occurrence of each (non-trivial) secret, and of each registered one, with ***."""
    register(*secrets)
    return scrub(text)


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(part.partition("=")[0], part.partition("=")[2]) for part in text.split("&") if part]


def _mask_pairs(text: str) -> str:
    """Mask `name=value` pairs whose name looks secret or whose value (decoded or not) is a known secret."""
    known = set(_REGISTRY)
    masked = []
    for part in text.split("&") if text else []:
        name, eq, raw = part.partition("=")
        values = {raw, unquote(raw), unquote_plus(raw)}
        secret = unquote_plus(name).lower() in SECRET_QUERY_NAMES or bool(values & known)
        if eq and secret:
            masked.append(f"{name}={MASK}")
        elif not eq and (values & known):
            masked.append(MASK)
        else:
            masked.append(part)
    return "&".join(masked)


def _b64decode(token: str) -> str | None:
    try:
        return base64.b64decode(token, validate=True).decode("utf-8", "surrogateescape")
    except ValueError:
        return None
