"""A run directory's records as one flat dict, for assertions: run.json, load.json's keys, `probe`.

The layout keeps one file per stage (docs/architecture.md, "The records"); tests that check what a
run recorded read all three through here rather than knowing which stage wrote which key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def merged_records(run_dir: Path) -> dict[str, Any]:
    """run.json, plus load.json's keys, plus probe.json as `probe` (each when present)."""
    merged: dict[str, Any] = json.loads((run_dir / "run.json").read_text())
    if (run_dir / "load.json").exists():
        merged |= json.loads((run_dir / "load.json").read_text())
    if (run_dir / "probe.json").exists():
        merged["probe"] = json.loads((run_dir / "probe.json").read_text())
    return merged
