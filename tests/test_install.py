"""scorebench installed for real (a wheel, not editable) claims one top-level name: `scorebench`.

A project with its own `reports/`, `probes/`, `payloads/` and `loadtests/` packages, whose venv has
scorebench installed, still runs its pytest; the scorebench plugin loads from the install, and the
project's packages are the ones its tests import (docs/architecture.md, "One namespace").

How: the wheel is built from a copy of this checkout (`pip wheel --no-deps --no-build-isolation`,
so nothing is fetched); a fresh venv gets it with `pip install --no-deps`, and a `.pth` line puts the
shared venv's site-packages after its own for the third-party dependencies (a `.pth` file found
there is not run, so the shared editable scorebench stays out of the way).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow
USER_PACKAGES = ("reports", "probes", "payloads", "loadtests")
PROJECT_TEST = """
import sys
from pathlib import Path

import loadtests, payloads, probes, reports
import scorebench

ROOT = Path(__file__).resolve().parents[1]


def test_own_packages_and_the_installed_plugin(pytestconfig):
    for package in (loadtests, payloads, probes, reports):
        assert Path(package.__file__).resolve() == ROOT / package.__name__ / "__init__.py"
        assert package.OWNER == "the project"
    plugin = pytestconfig.pluginmanager.get_plugin("scorebench")
    assert plugin is not None and plugin.__name__ == "scorebench.pytest_plugin"
    for module in (plugin, scorebench):
        assert Path(module.__file__).resolve().is_relative_to(Path(sys.prefix).resolve()), module.__file__
"""


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("SCOREBENCH_", "PYTEST_"))}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel of this checkout, built from a copy (the build leaves build/ and *.egg-info behind)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "scorebench", source / "scorebench", ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path_factory.mktemp("dist")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    _run([*pip_wheel, "-w", str(dist), str(source)], cwd=source)
    (built,) = dist.glob("scorebench-*.whl")
    return built


def test_the_wheel_holds_no_top_level_package_but_scorebench(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"scorebench"}
    assert "scorebench/pytest_plugin.py" in names
    assert "scorebench/payloads/bank_marketing/data.jsonl" in names
    entry_points = next(name for name in names if name.endswith(".dist-info/entry_points.txt"))
    assert "scorebench = scorebench.pytest_plugin" in zipfile.ZipFile(wheel).read(entry_points).decode()
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    requires = [line for line in zipfile.ZipFile(wheel).read(metadata).decode().splitlines() if "extra ==" in line]
    plugin = [line.split(";")[0].split(":", 1)[1].strip() for line in requires if 'extra == "pytest"' in line]
    assert sorted(plugin) == ["pytest-benchmark>=4", "pytest>=8"]  # `pip install "scorebench[pytest]"` (README)


def test_a_project_with_its_own_reports_package_runs_its_pytest(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
          str(wheel)], cwd=tmp_path)  # fmt: skip
    own_site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path)
    shared = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (Path(own_site.stdout.strip()) / "shared-dependencies.pth").write_text("\n".join(shared) + "\n")
    project = tmp_path / "project"
    for package in USER_PACKAGES:
        (project / package).mkdir(parents=True)
        (project / package / "__init__.py").write_text('OWNER = "the project"\n')
    (project / "tests").mkdir()
    (project / "tests" / "test_own.py").write_text(PROJECT_TEST)
    (project / "pytest.ini").write_text("[pytest]\npythonpath = .\naddopts = -p no:cacheprovider\n")
    done = _run([str(python), "-m", "pytest", "-q"], cwd=project)
    assert "1 passed" in done.stdout, done.stdout
