"""scripts/check_privates.py: no scorebench module uses another module's private name (run by scripts/check.sh)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "check_privates.py"
PACKAGE = {
    "scorebench/__init__.py": "",
    "scorebench/core/__init__.py": "",
    "scorebench/core/helpers.py": "def _hidden():\n    return 1\n\n\ndef shown():\n    return _hidden()\n",
    "scorebench/core/_inner.py": "VALUE = 1\n",
    "scorebench/core/user.py": "from scorebench.core._inner import VALUE\nfrom . import _inner\n",
    "scorebench/app.py": "import os\n\nfrom scorebench.core.helpers import shown\n\nos._exit\n__all__ = ['shown']\n",
}


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, timeout=60)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_the_package_itself_is_clean() -> None:
    done = check(REPO)
    assert (done.returncode, done.stdout) == (0, "")


def test_public_names_own_privates_and_other_packages_privates_pass(tmp_path: Path) -> None:
    done = check(write(tmp_path, PACKAGE))
    assert (done.returncode, done.stdout) == (0, ""), done.stdout


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        (
            "from scorebench.core.helpers import _hidden\n",
            "3: scorebench.core.helpers._hidden is private to scorebench.core.helpers",
        ),
        (
            "from .core.helpers import shown, _hidden\n",
            "3: scorebench.core.helpers._hidden is private to scorebench.core.helpers",
        ),
        ("from scorebench.core import helpers\n\nhelpers._hidden()\n", "5: scorebench.core.helpers._hidden is private"),
        ("import scorebench.core.helpers as h\n\nh._hidden()\n", "5: scorebench.core.helpers._hidden is private"),
        (
            "import scorebench.core.helpers\n\nscorebench.core.helpers._hidden()\n",
            "5: scorebench.core.helpers._hidden is",
        ),
        (
            "from scorebench.core._inner import VALUE\n",
            "3: scorebench.core._inner is private to the package scorebench.core",
        ),
        ("from scorebench.core import _inner\n", "3: scorebench.core._inner is private to the package scorebench.core"),
    ],
)
def test_a_private_reached_from_another_module_is_named_with_file_and_line(
    tmp_path: Path, bad: str, where: str
) -> None:
    root = write(tmp_path, {**PACKAGE, "scorebench/intruder.py": "import os\n\n" + bad})
    done = check(root)
    assert done.returncode == 1
    assert done.stdout.startswith(f"scorebench/intruder.py:{where}")
    assert len(done.stdout.splitlines()) == 1
    assert "1 use(s) of another module's private name" in done.stderr
