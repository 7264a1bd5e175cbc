"""reports/common/presentation.py: a report's title and note for its readers (`--title`, `--note`).

`run`, `compare`, `capacity` and `report` take `--title TEXT` and `--note TEXT`; the page shows the
title as its heading and the note under it, summary.md (and so the GitHub step summary) too. They
are recorded in the document the command writes (summary.json `title` / `note`; capacity.json for
a capacity search), so a later `scorebench report RUN` without them keeps them; an empty
`--title ""` removes the recorded one. Rules: pure apart from reading that one document.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any


@dataclasses.dataclass(frozen=True)
class Presentation:
    """What the reader sees first: a title in place of `scorebench report: LABEL`, and a note."""

    title: str | None = None
    """None: keep the recorded title (or the default); "": no title of one's own."""
    note: str | None = None

    def fields(self) -> dict[str, str | None]:
        """The document's `title` and `note` (None when there is none)."""
        return {"title": self.title or None, "note": self.note or None}


def recorded(document_path: Path, given: Presentation | None) -> Presentation:
    """`given` where it says something, else what `document_path` (a summary.json) recorded."""
    given = given or Presentation()
    if given.title is not None and given.note is not None:
        return given
    before = _read(document_path)
    return Presentation(
        given.title if given.title is not None else _text(before.get("title")),
        given.note if given.note is not None else _text(before.get("note")),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
