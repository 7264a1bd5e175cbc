"""core/safefile.py (and rundir.write_json_atomic, which writes through it): an atomic write that fails leaves
the old file and no `.tmp`."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from scorebench.core.errors import WriteFailed
from scorebench.core.rundir import write_json_atomic
from scorebench.core.safefile import replace_text


def test_a_failed_atomic_write_leaves_the_old_file_and_no_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "load.json"
    write_json_atomic(path, {"requests": 1})
    before = path.read_text()

    def disk_full(self: Path, target: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", disk_full)
    with pytest.raises(WriteFailed, match=r": cannot write load.json \(No space left on device\)$"):
        replace_text(path, "new")
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["load.json"]


def test_a_write_that_cannot_complete_removes_its_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

    def full(fd: int, *args: object, **kwargs: object) -> Full:
        os.close(fd)
        return Full()

    monkeypatch.setattr(os, "fdopen", full)  # the tmp's write fails as on a full disk
    with pytest.raises(WriteFailed, match=r"cannot write summary\.json"):
        replace_text(tmp_path / "summary.json", "x" * 100_000)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
