"""The house rules that keep lbrec readable, checked: rooms of at most 450 lines, functions of at most 80, every
module with a docstring that says what it is for, no test, benchmark or harness module that imports a test file, and
no benchmark that imports another benchmark's script (pyproject.toml's contracts keep lbrec, the benchmarks, the
harness and the tests apart)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from harness.files import REPO

MAX_MODULE_LINES = 450  # a module over this is doing two jobs: split it
MAX_FUNCTION_LINES = 80  # decorators and docstring included


def modules() -> list:
    return sorted((REPO / "lbrec").rglob("*.py"))


def test_every_module_is_at_most_450_lines_with_a_docstring() -> None:
    long = {str(p.relative_to(REPO)): n for p in modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f"over {MAX_MODULE_LINES} lines: {long}"
    bare = [
        str(p.relative_to(REPO))
        for p in modules()
        if p.name != "__main__.py" and not ast.get_docstring(ast.parse(p.read_text()))
    ]
    assert not bare, f"modules without a docstring: {bare}"


def test_every_function_is_at_most_80_lines() -> None:
    long = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                if node.end_lineno - start + 1 > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(REPO)}:{start} {node.name} ({node.end_lineno - start + 1})")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def outside_the_package() -> list:
    return sorted(path for folder in ("tests", "benchmarks", "harness") for path in (REPO / folder).rglob("*.py"))


def test_no_test_benchmark_or_harness_module_imports_a_test_file_or_edits_sys_path() -> None:
    test_import = re.compile(r"^\s*(from|import) (tests\.\w+\.)?(test_\w+|conftest)\b", re.M)
    path_edit = re.compile(r"^\s*sys\.path\.(insert|append)\(", re.M)
    offenders = [
        str(path.relative_to(REPO))
        for path in outside_the_package()
        if test_import.search(path.read_text()) or path_edit.search(path.read_text())
    ]
    assert not offenders, f"import shared code from tests.helpers or harness instead: {offenders}"


def imported(path: Path) -> set[str]:
    """Every module `path` imports, with `from a import b` counted as `a.b` too (b may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return names


def test_no_module_imports_a_benchmark_s_script() -> None:
    """A script is run (`python -m benchmarks.NAME`), never imported: what two scripts share is benchmarks/common.py
    or the members' library (benchmarks/members)."""
    scripts = {
        ".".join(path.relative_to(REPO).with_suffix("").parts)
        for folder in ("benchmarks", "benchmarks/experiments")
        for path in (REPO / folder).glob("*.py")
        if path.stem not in ("__init__", "common")
    }
    assert "benchmarks.bench_members" in scripts
    offenders = {
        str(path.relative_to(REPO)): sorted(imported(path) & scripts)
        for path in outside_the_package()
        if imported(path) & scripts
    }
    assert not offenders, f"share a benchmark's helpers through benchmarks/common.py instead: {offenders}"
