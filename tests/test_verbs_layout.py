"""The verbs' side of the house (issue 13): what they return is a record of `linkvault.model`, each option the
shell's commands share is declared once, and audit's text is render's. (The walls on size and types are in
test_package.py.)"""

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


def test_an_option_several_commands_take_is_declared_once_in_the_shell():
    """One declaration each (a decorator), so --collector or --tsa cannot drift apart between fetch and pack.
    (--vault is the group's and, once more, every command's; `pack -o` names a pack, `report -o` a page.)"""
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "linkvault" / "cli").glob("*.py"))]
    spelled = [node.value for tree in trees for node in ast.walk(tree) if isinstance(node, ast.Constant)
               and isinstance(node.value, str) and node.value.startswith("--") and node.value not in ("--vault", "--output")]
    assert sorted({option for option in spelled if spelled.count(option) > 1}) == []
    from linkvault.cli import cli

    for option in ("--collector", "--input-format", "--tsa", "--no-timestamp", "--format", "--proxy"):
        assert sum(1 for command in cli.commands.values() for p in command.params if option in p.opts) >= 2, option


def test_audits_text_is_rendered_a_problem_a_line_then_what_was_checked():
    from linkvault.model import AuditResult, Problem
    from linkvault.render.audit import render_audit

    result = AuditResult(vault="v", files=2, records=9, events=4, timestamps=1, untimed=1,
                         problems=[Problem("a.warc.gz record <urn:uuid:1>", "its block no longer matches its digest"),
                                   Problem("custody", "is empty\x1b[2J", "missing")])
    assert render_audit(result).splitlines() == [
        "ALTERED   a.warc.gz record <urn:uuid:1>: its block no longer matches its digest",
        "MISSING   custody: is empty\\e[2J",
        "2 WARC files, 9 records, 4 custody events, 1 timestamp checked: 2 problems found; 1 capture has no trusted "
        "timestamp (the run was not timestamped, or every authority failed: only this machine's clock says when)"]
