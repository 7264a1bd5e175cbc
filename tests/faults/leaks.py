"""Where a secret could hide in what a command produced: its value and the common encodings of it.

`leaks(secret, texts, folders)` lists every captured output and every file under the folders that
holds the secret raw, percent-encoded, JSON-escaped, repr'd, HTML-escaped, or base64 (alone or as
`user:secret`, as HTTP Basic sends it). Lines of a multi-line secret count too (each is a key).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote, quote_plus

MIN_CHARS = 8
"""Shorter fragments (a line of a multi-line key) could occur by chance; they are not searched."""


def encodings(secret: str, users: Iterable[str] = ()) -> set[str]:
    """The forms of a secret a leak would take."""
    raw = secret.encode("utf-8", "surrogateescape")
    found = {
        secret,
        quote(secret, safe="", errors="surrogateescape"),
        quote(secret, safe="/", errors="surrogateescape"),
        quote_plus(secret, safe="", errors="surrogateescape"),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        html.escape(secret),
        base64.b64encode(raw).decode(),
    }
    found |= {base64.b64encode(f"{user}:".encode() + raw).decode() for user in users}
    found |= {line.strip() for line in secret.splitlines()}
    return {form for form in found if len(form) >= MIN_CHARS}


def leaks(secret: str, texts: Iterable[str], folders: Iterable[Path], users: Iterable[str] = ()) -> list[str]:
    """Where any encoding of the secret appears: 'output #i' or a file path (empty list: no leak)."""
    needles = sorted(encodings(secret, users), key=len)
    found = [f"output #{i}: {n!r}" for i, text in enumerate(texts) for n in needles if n in text]
    byte_needles = [n.encode("utf-8", "surrogateescape") for n in needles]
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                found += [f"{path}: {n!r}" for n in byte_needles if n in data]
    return found
