"""The verbs' side of the house (issue 13): what they return is a record of `linkvault.model`, the shell and
the evidence stage are read in modules and functions a newcomer can hold in mind."""

from __future__ import annotations

import ast

from conftest import ROOT

import linkvault.model


def test_the_results_the_verbs_return_are_records_of_the_model_so_render_can_name_them():
    """The lowest stage holds them: a renderer (or a script) names what it renders without importing the stage
    that made it, and a moved record's methods reach nothing later than the model."""
    for name in ("SearchHit", "FootnoteArchive", "Review", "ClaimResult", "Verification", "ClaimVerdict", "FactCheck",
                 "PackResult", "AuditResult", "Problem"):
        record = getattr(linkvault.model, name)
        assert record.__module__ == "linkvault.model.results", name


def _sizes(path) -> tuple[int, dict[str, int]]:
    """A module's lines, and the lines of each function or method in it (decorators and docstring included)."""
    text = path.read_text(encoding="utf-8")
    functions = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            functions[f"{path.name}:{node.name}"] = node.end_lineno - start + 1
    return len(text.splitlines()), functions


def test_the_shell_and_the_evidence_stage_have_no_module_over_400_lines_and_no_function_over_50():
    paths = [ROOT / "linkvault" / "cli.py", *sorted((ROOT / "linkvault" / "evidence").glob("*.py"))]
    long_modules, long_functions = {}, {}
    for path in paths:
        lines, functions = _sizes(path)
        if lines > 400:
            long_modules[path.name] = lines
        long_functions.update({name: n for name, n in functions.items() if n > 50})
    assert long_modules == {} and long_functions == {}
