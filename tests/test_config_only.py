"""Configuration is read only by the app (scorebench/config.py): no stage module reads the environment.

The stages (core, payloads, loadtests, probes, azureml, reports, the capacity search) take every setting as an argument
(docs/architecture.md, "The layers"). This test reads their source: a module that touches
`os.environ` / `os.getenv` must be listed in READS_ENVIRONMENT with why, and may then name only the
SCOREBENCH_* variables listed with it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scorebench"
STAGES = ("core", "payloads", "loadtests", "probes", "azureml", "reports", "capacitysearch.py")
READS_ENVIRONMENT: dict[str, tuple[str, frozenset[str]]] = {
    "loadtests/scenario.py": (
        "by design: Locust's processes get their settings through SCOREBENCH_* (docs/architecture.md)",
        frozenset({"*"}),
    ),
    "loadtests/locust_engine.py": (
        "builds the Locust processes' environment: drops the caller's SCOREBENCH_*, sets the scenario's",
        frozenset({"*"}),
    ),
    "azureml/v1.py": ("the Azure SDK's own sign-in variables (AZURE_TENANT_ID, AZURE_CLIENT_ID, ...)", frozenset()),
    "azureml/v2.py": ("the Azure SDK's own sign-in variables (AZURE_TENANT_ID, AZURE_CLIENT_ID, ...)", frozenset()),
    "azureml/common.py": (
        "the service-principal variables AZURE_*; SCOREBENCH_AZURE_AUTH and SCOREBENCH_DEBUG are still read here"
        " (to move into config.py with the Azure ML target resolver)",
        frozenset({"SCOREBENCH_AZURE_AUTH", "SCOREBENCH_DEBUG"}),
    ),
}


def stage_modules() -> list[Path]:
    return sorted(
        path
        for stage in STAGES
        for path in ((PACKAGE / stage).rglob("*.py") if (PACKAGE / stage).is_dir() else [PACKAGE / stage])
    )


def environment_reads(tree: ast.AST) -> list[int]:
    """Lines touching os.environ / os.getenv (or `from os import environ, getenv`)."""
    lines = []
    for node in ast.walk(tree):
        names = ("environ", "getenv", "environb")
        if isinstance(node, ast.Attribute) and node.attr in names and getattr(node.value, "id", None) == "os":
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os" and any(a.name in names for a in node.names):
            lines.append(node.lineno)
    return lines


def scorebench_names(tree: ast.AST) -> set[str]:
    """SCOREBENCH_* string constants outside docstrings."""
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("SCOREBENCH_")
        and id(node) not in docstrings
    }


@pytest.mark.parametrize("path", stage_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_stage_module_reads_the_environment(path: Path) -> None:
    name = path.relative_to(PACKAGE).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reads = environment_reads(tree)
    if name not in READS_ENVIRONMENT:
        assert reads == [], f"scorebench/{name}:{reads[0] if reads else ''} reads the environment: read it in config.py"
        return
    allowed = READS_ENVIRONMENT[name][1]
    if "*" not in allowed:
        assert scorebench_names(tree) <= allowed, f"scorebench/{name}: SCOREBENCH_* read outside config.py"


def test_the_exceptions_are_real() -> None:
    """Every listed exception still reads the environment (a stale entry would hide a new read)."""
    for name in READS_ENVIRONMENT:
        assert environment_reads(ast.parse((PACKAGE / name).read_text(encoding="utf-8"))), name


def test_the_probes_read_no_environment_at_all() -> None:
    """The telemetry stage: its spec and settings arrive as arguments (probes/spec.py, config.py)."""
    for path in (PACKAGE / "probes").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert (environment_reads(tree), scorebench_names(tree)) == ([], set()), path.name
