"""No module of scorebench reaches for another module's private names (docs/architecture.md, The layers).

A name starting with one underscore is private to where it is defined: `_helper` in `pkg/mod.py` to
that module, a module `pkg/_mod.py` to its package `pkg`. This check walks every .py file under
ROOT/scorebench and reports, as `file:line: ...`, each

    from scorebench.pkg.mod import _helper       (or `from .mod import _helper`)
    import scorebench.pkg._mod                   (from outside `scorebench.pkg`)
    mod._helper / scorebench.pkg.mod._helper     (mod bound by an import to a scorebench module)

that crosses that boundary; exit 1 when there is any. Privates of other packages (`os._exit`) are
not its business. ruff has no such rule, so scripts/check.sh runs this one (usage: ROOT, default `.`).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "scorebench"


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


class Tree:
    """The modules of the package under root: which dotted names are modules or packages."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules = {self.module_of(path) for path in self.files()}

    def files(self) -> Iterator[Path]:
        yield from sorted((self.root / PACKAGE).rglob("*.py"))

    def module_of(self, path: Path) -> str:
        parts = list(path.relative_to(self.root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def is_module(self, dotted: str) -> bool:
        return dotted in self.modules


def violation(tree: Tree, importer: str, target: str) -> str | None:
    """Why `importer` may not reach `target` (a dotted name in the package), or None when it may."""
    parts = target.split(".")
    for index, part in enumerate(parts):
        if not is_private(part):
            continue
        owner, name = ".".join(parts[:index]), ".".join(parts[: index + 1])
        if tree.is_module(name):  # a private module: its package's own
            if importer != owner and not importer.startswith(owner + "."):
                return f"{name} is private to the package {owner}"
        elif importer != owner:  # a private name: its module's own
            return f"{name} is private to {owner}"
    return None


def check_file(tree: Tree, path: Path) -> Iterator[str]:
    importer = tree.module_of(path)
    is_package = path.name == "__init__.py"
    syntax = ast.parse(path.read_text(encoding="utf-8"), str(path))
    bound: dict[str, str] = {}  # local name -> the scorebench module it is bound to
    reached: list[tuple[int, str]] = []
    for node in ast.walk(syntax):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    reached.append((node.lineno, alias.name))
                    local = alias.asname or alias.name.split(".")[0]
                    bound[local] = alias.name if alias.asname else PACKAGE
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(importer, is_package, node)
            if source is None or source.split(".")[0] != PACKAGE:
                continue
            reached.append((node.lineno, source))
            for alias in node.names:
                reached.append((node.lineno, f"{source}.{alias.name}"))
                if tree.is_module(f"{source}.{alias.name}"):
                    bound[alias.asname or alias.name] = f"{source}.{alias.name}"
    for node in ast.walk(syntax):
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node, bound)
            if dotted is not None:
                reached.append((node.lineno, dotted))
    seen: set[tuple[int, str]] = set()
    for line, target in sorted(reached):
        why = violation(tree, importer, target)
        if why and (line, why) not in seen:
            seen.add((line, why))
            yield f"{path.relative_to(tree.root)}:{line}: {why}"


def _absolute(importer: str, is_package: bool, node: ast.ImportFrom) -> str | None:
    if not node.level:
        return node.module
    base = importer.split(".")
    if not is_package:
        base.pop()
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, node.module] if node.module else base) or None


def _dotted(node: ast.Attribute, bound: dict[str, str]) -> str | None:
    """`a.b._c` as `scorebench.x.b._c` when `a` is bound to a scorebench module; else None."""
    names = [node.attr]
    value = node.value
    while isinstance(value, ast.Attribute):
        names.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name) or value.id not in bound:
        return None
    return ".".join([bound[value.id], *reversed(names)])


def main(argv: list[str]) -> int:
    tree = Tree(Path(argv[0]) if argv else Path())
    found = [line for path in tree.files() for line in check_file(tree, path)]
    for line in found:
        print(line)
    if found:
        print(f"check_privates: {len(found)} use(s) of another module's private name", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
