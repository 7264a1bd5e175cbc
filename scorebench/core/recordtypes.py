"""Whether a record read back from JSON holds what its dataclass says: the type check of run.json & co.

One job: `check_types(cls, values, where, prefix)` compares each value of a record about to be built
from a file (run.json, load.json, probe.json) with its field's annotation — str, int, float, bool,
None, unions, list[...], dict[str, ...], nested records — and raises a HarnessError naming the file
and the field (`RUN/run.json: timeout_s is the text 'slow', not a number`) instead of letting a
hand-edited or damaged value crash a later stage.
Rules: pure, standard library only; an annotation it does not know is accepted (never a false alarm).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scorebench.core.errors import HarnessError

_KINDS = {str: "a text", int: "a whole number", float: "a number", bool: "true or false", type(None): "null"}


def check_types(cls: type, values: Mapping[str, Any], where: Path, prefix: str = "") -> None:
    """HarnessError naming `where` and the field for the first value that is not of its field's type."""
    hints = typing.get_type_hints(cls)
    for name, value in values.items():
        hint = hints.get(name, Any)
        if not conforms(value, hint):
            raise HarnessError(
                f"{where}: {prefix}{name} is {_shown(value)}, not {_expected(hint)} (hand-edited or damaged?);"
                " restore it or re-run"
            )


def conforms(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a type annotation (unknown annotations fit)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint in (str, type(None)):
        return isinstance(value, hint)
    if origin is list:
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(isinstance(k, str) and conforms(v, args[1]) for k, v in value.items())
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return isinstance(value, hint)
    return True


def _expected(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_expected(arg) for arg in args)
    if origin is list:
        return "a list"
    if origin is dict:
        return "an object"
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return "an object"
    return _KINDS.get(hint, str(hint))


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, bool) or value is None:
        return _KINDS[type(value)]
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__
