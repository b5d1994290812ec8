"""Every test can fail: a scan of tests/ for test functions that assert nothing.

A test counts as asserting when its body holds an `assert`, a `pytest.raises` / `pytest.warns`
/ `pytest.fail`, or a call of a helper that does (a function of the same module or of a test
module it imports from, followed through helpers calling helpers).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
_CHECKS = ("raises", "warns", "fail")


def _module_path(module: str | None, level: int, here: Path) -> Path | None:
    if level:
        base = here.parent
        for _ in range(level - 1):
            base = base.parent
    elif module and module.split(".")[0] == "tests":
        base, module = TESTS.parent, module
    else:
        return None
    path = base.joinpath(*(module or "").split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def _functions(path: Path) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef | Path]:
    """The module's functions, and the test modules its imported names come from."""
    tree = ast.parse(path.read_text())
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef | Path] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = _module_path(node.module, node.level, path)
            if source is not None:
                for alias in node.names:
                    found[alias.asname or alias.name] = source
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found.setdefault(node.name, node)
    return found


def _asserts(path: Path, name: str, seen: frozenset[tuple[Path, str]] = frozenset()) -> bool:
    target = _functions(path).get(name)
    if isinstance(target, Path):
        return (target, name) not in seen and _asserts(target, name, seen | {(path, name)})
    if target is None:
        return False
    for node in ast.walk(target):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _CHECKS:
                return True
            called = func.id if isinstance(func, ast.Name) else None
            if (
                called
                and called != name
                and (path, called) not in seen
                and _asserts(path, called, seen | {(path, name)})
            ):
                return True
    return False


def assertion_free_tests(root: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("test_*.py")):
        for name, node in _functions(path).items():
            if name.startswith("test_") and not isinstance(node, Path) and not _asserts(path, name):
                found.append(f"{path.relative_to(root.parent)}:{node.lineno} {name}")
    return found


def test_every_test_asserts_something() -> None:
    assert assertion_free_tests(TESTS) == []


def test_the_scan_finds_a_test_without_an_assertion(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text(
        "import pytest\n"
        "from .helpers import shared\n"
        "def helper(x):\n    assert x\n"
        "def indirect(x):\n    helper(x)\n"
        "def quiet(x):\n    return x\n"
        "def test_runs_only():\n    quiet(1)\n"
        "def test_helper():\n    indirect(1)\n"
        "def test_imported():\n    shared()\n"
        "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n"
        "def test_plain():\n    assert 1\n"
    )
    (tmp_path / "helpers.py").write_text("def shared():\n    assert True\n")
    assert assertion_free_tests(tmp_path) == [f"{tmp_path.name}/test_x.py:9 test_runs_only"]
