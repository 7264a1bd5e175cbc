"""scorebench installed for real (a wheel, not editable) claims one top-level name: `scorebench`.

A project with its own `reports/`, `probes/`, `payloads/` and `loadtests/` packages, whose venv has
scorebench installed, still runs its pytest; the scorebench plugin loads from the install, and the
project's packages are the ones its tests import (docs/architecture.md, "One namespace").

How: the wheel is built from a copy of this checkout (`pip wheel --no-deps --no-build-isolation`,
so nothing is fetched); a fresh venv gets it with `pip install --no-deps`, and a `.pth` line puts the
shared venv's site-packages after its own for the third-party dependencies (a `.pth` file found
there is not run, so the shared editable scorebench stays out of the way).

The bare install (`pip install scorebench`, no extra) is the same venv seeing the shared packages
through a folder of links that leaves out every extra's packages (azureml-core, azure-ai-ml, the
inference server and what only the stand-in needs): offline, and it fails if a bare command imports
an extra. It loads a real local server with `run --endpoint`, and each command needing an extra
says which to install.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT, TEST_KEY

pytestmark = pytest.mark.slow
USER_PACKAGES = ("reports", "probes", "payloads", "loadtests")
PROJECT_TEST = """
import sys
from pathlib import Path
from typing import Any

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


def _venv_with_wheel(wheel: Path, root: Path, dependencies: list[str]) -> Path:
    """A fresh venv in root holding the wheel (no dependencies), seeing `dependencies` (folders) through
    a `.pth` line after its own site-packages; returns its python."""
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=root)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
          str(wheel)], cwd=root)  # fmt: skip
    own_site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=root)
    (Path(own_site.stdout.strip()) / "dependencies.pth").write_text("\n".join(dependencies) + "\n")
    return python


def test_a_project_with_its_own_reports_package_runs_its_pytest(wheel: Path, tmp_path: Path) -> None:
    shared = [path for path in site.getsitepackages() if Path(path).is_dir()]
    python = _venv_with_wheel(wheel, tmp_path, shared)
    project = tmp_path / "project"
    for package in USER_PACKAGES:
        (project / package).mkdir(parents=True)
        (project / package / "__init__.py").write_text('OWNER = "the project"\n')
    (project / "tests").mkdir()
    (project / "tests" / "test_own.py").write_text(PROJECT_TEST)
    (project / "pytest.ini").write_text("[pytest]\npythonpath = .\naddopts = -p no:cacheprovider\n")
    done = _run([str(python), "-m", "pytest", "-q"], cwd=project)
    assert "1 passed" in done.stdout, done.stdout


EXTRA_PACKAGES = ("azureml", "azureml_", "azure_ai_ml", "inference_schema", "sklearn", "scikit_learn", "joblib")
"""Top-level names (and dist-info prefixes) of the extras v1, v2 and standin (pyproject.toml)."""
EXTRA_NAMESPACED = ("ai",)
"""azure/ai: azure-ai-ml (azure/ is a namespace shared with azure-identity and azure-monitor-query)."""


def _bare_view(shared: Path, view: Path) -> Path:
    """A folder of links to the shared site-packages without the extras' packages or this checkout."""
    view.mkdir()
    for entry in shared.iterdir():
        name = entry.name.lower()
        if name.startswith(EXTRA_PACKAGES) or name.startswith(("scorebench", "__editable__", "_scorebench")):
            continue
        if name == "azure":
            (view / "azure").mkdir()
            for sub in entry.iterdir():
                if sub.name not in EXTRA_NAMESPACED:
                    (view / "azure" / sub.name).symlink_to(sub)
            continue
        (view / entry.name).symlink_to(entry)
    return view


@pytest.fixture(scope="module")
def bare(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a venv holding the wheel and the base dependencies only (see the module doc)."""
    root = tmp_path_factory.mktemp("bare")
    shared = next(Path(p) for p in site.getsitepackages() if (Path(p) / "locust").is_dir())
    return _venv_with_wheel(wheel, root, [str(_bare_view(shared, root / "base-dependencies"))])


def _bare_cli(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith(("SCOREBENCH_", "PYTEST_"))}
    env["SCOREBENCH_KEY"] = TEST_KEY
    return subprocess.run([str(python), "-m", "scorebench", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=180, check=False)  # fmt: skip


def test_the_bare_install_holds_no_extra(bare: Path, tmp_path: Path) -> None:
    for module in ("azureml.core", "azure.ai.ml", "azureml_inference_server_http", "sklearn", "inference_schema"):
        probe = subprocess.run([str(bare), "-c", f"import {module}"], capture_output=True, text=True, check=False)
        assert probe.returncode != 0, f"{module} is importable: the bare view is not bare"
    for module in ("locust", "azure.monitor.query", "azure.identity", "pandas", "scorebench.cli"):
        _run([str(bare), "-c", f"import {module}"], cwd=tmp_path)


def test_the_bare_install_runs_a_load_test_against_a_local_server(bare: Path, standin: Any, tmp_path: Path) -> None:
    argv = ("--requests", "20", "--telemetry", "none", "--no-progress", "--slo", "error_rate<=100%")
    done = _bare_cli(bare, "run", "--endpoint", standin.score_url, *argv, "--out", str(tmp_path / "runs"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert (run_dir / "report.html").is_file()
    assert len((run_dir / "samples.csv").read_text().splitlines()) == 21
    report = _bare_cli(bare, "report", str(run_dir), cwd=tmp_path)
    assert report.returncode in (0, 3), report.stderr[-2000:]  # 20 requests may not decide the default SLO
    assert "verdict:" in report.stdout


@pytest.mark.parametrize(
    ("argv", "extra"),
    [
        (("serve",), "standin"),
        (("run", "--requests", "1", "--no-progress"), "standin"),  # no --endpoint: the local stand-in
        (("endpoint", "show", "--name", "svc", "--auth", "cli"), "v1"),
        (("endpoint", "show", "--endpoint-name", "ep", "--auth", "cli"), "v2"),
    ],
)
def test_a_command_needing_an_extra_says_which_to_install(
    bare: Path, tmp_path: Path, argv: tuple[str, ...], extra: str
) -> None:
    (tmp_path / "config.json").write_text('{"subscription_id": "s", "resource_group": "g", "workspace_name": "w"}')
    done = _bare_cli(bare, *argv, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert f"pip install 'scorebench[{extra}]'" in last
    assert "Traceback" not in done.stderr
