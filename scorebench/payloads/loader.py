"""Payload loader: a file or folder of request bodies → `Payload`s with stable ids.

Accepted files:
    *.json   one body: an object with "data" (the classic AML shape) or "input_data" (v2/MLflow)
    *.jsonl  one body per non-blank line, each such an object

Ids are stable across runs: `<path relative to the folder>` for a .json file and
`<path>:<line>` for a line of a .jsonl file, so a baseline can name the payload set and a sample
can name its body. Rules: bodies are re-serialised compactly as UTF-8 (what is sent is what is
counted); a malformed file is a HarnessError naming the file and line/column; an empty folder
is an error, not a run with nothing to send.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError

DEFAULT_PAYLOADS = Path(__file__).resolve().parent / "bank_marketing"
BODY_KEYS = ("data", "input_data")
SUFFIXES = (".json", ".jsonl")


@dataclasses.dataclass(frozen=True, slots=True)
class Payload:
    """One request body, ready to send."""

    payload_id: str
    body: bytes
    """Compact UTF-8 JSON, exactly the bytes sent."""
    source: str
    """The file (and line) it came from, for messages."""

    @property
    def document(self) -> Any:
        """The body as parsed JSON (for schema checks)."""
        return json.loads(self.body)


def load_payloads(path: Path | str) -> list[Payload]:
    """Read a payload file or every .json/.jsonl file below a folder (sorted by path)."""
    root = Path(path)
    if not root.exists():
        raise HarnessError(f"payloads: {root} does not exist")
    if root.is_file():
        return _load_file(root, root.name)
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    payloads = [payload for file in files for payload in _load_file(file, file.relative_to(root).as_posix())]
    if not payloads:
        raise HarnessError(f"payloads: {root} holds no .json or .jsonl payload files")
    return payloads


def payload_set_hash(payloads: list[Payload]) -> str:
    """sha256 over ids and bodies: two runs with the same hash sent the same payload set."""
    digest = hashlib.sha256()
    for payload in payloads:
        digest.update(payload.payload_id.encode() + b"\0" + payload.body + b"\0")
    return digest.hexdigest()


def _load_file(file: Path, payload_id: str) -> list[Payload]:
    if file.suffix not in SUFFIXES:
        raise HarnessError(f"payloads: {file} is not a .json or .jsonl file")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise HarnessError(f"payloads: {file} is not UTF-8 text (byte {exc.start})") from None
    if file.suffix == ".jsonl":
        return [
            _payload(_parse(line, file, number), f"{payload_id}:{number}", f"{file}:{number}")
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]
    return [_payload(_parse(text, file, 0), payload_id, str(file))]


def _parse(text: str, file: Path, line_offset: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        line = exc.lineno if line_offset == 0 else line_offset
        raise HarnessError(f"payloads: {file}:{line}:{exc.colno}: malformed JSON: {exc.msg}") from None


def _payload(document: Any, payload_id: str, source: str) -> Payload:
    if not isinstance(document, dict) or not any(key in document for key in BODY_KEYS):
        raise HarnessError(f'payloads: {source}: a body must be a JSON object with "data" or "input_data"')
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Payload(payload_id=payload_id, body=body, source=source)
