"""The house rules that keep lbrec readable, checked: rooms of at most 450 lines, functions of at most 80, every
module with a docstring that says what it is for, and no test, benchmark or harness module that imports a test file
(pyproject.toml's contracts keep lbrec, the benchmarks, the harness and the tests apart)."""

from __future__ import annotations

import ast
import re

from harness.files import REPO

MAX_MODULE_LINES = 450  # a module over this is doing two jobs: split it
MAX_FUNCTION_LINES = 80  # decorators and docstring included


def modules() -> list:
    return sorted((REPO / "lbrec").rglob("*.py"))


def test_every_module_is_at_most_450_lines_with_a_docstring() -> None:
    long = {str(p.relative_to(REPO)): n for p in modules() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f"over {MAX_MODULE_LINES} lines: {long}"
    bare = [str(p.relative_to(REPO)) for p in modules() if p.name != "__main__.py"
            and not ast.get_docstring(ast.parse(p.read_text()))]
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
    offenders = [str(path.relative_to(REPO)) for path in outside_the_package()
                 if test_import.search(path.read_text()) or path_edit.search(path.read_text())]
    assert not offenders, f"import shared code from tests.helpers or harness instead: {offenders}"
