"""The package's shape: its public names and the walls between stages."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

import linkvault


def test_all_lists_every_public_name_sorted():
    public = {name for name in dir(linkvault) if not name.startswith("_") and name not in {"annotations", "os"}}
    modules = {name for name in public if type(getattr(linkvault, name)).__name__ == "module"}
    assert sorted(linkvault.__all__) == linkvault.__all__
    assert set(linkvault.__all__) - {"__version__"} == public - modules


def test_check_loads_no_network_archive_or_cli_code():
    code = (
        "import sys, linkvault\n"
        "linkvault.check('examples/kz-chronicle-2024-04.txt')\n"
        "bad = [m for m in ('httpx', 'warcio', 'click', 'trafilatura', 'sqlite_utils', 'linkvault.archive') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=str(__import__("conftest").ROOT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    from linkvault.cli import cli

    readme = (__import__("conftest").ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert command.help and "Example:" in command.help, name
        assert f"linkvault [--vault DIR] {name}" in readme or f"linkvault {name}" in readme, name


def test_every_package_linkvault_imports_is_a_declared_dependency():
    """A package imported directly must be asked for directly: one that arrives only through another
    (cryptography through rfc3161-client) goes the day that one stops needing it."""
    import ast
    import configparser
    import importlib.metadata
    import re

    from conftest import ROOT

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    declared = {re.split(r"[<>=!~\[; ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
                for line in config["options"]["install_requires"].splitlines() if line.strip()}
    imported = set()
    for path in (ROOT / "linkvault").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    # What httpx[socks] brings as part of what it is (its transport, its default roots, its SOCKS extra), and
    # brotli, which is optional: without it a br-encoded body is indexed as it came.
    through = {"httpcore", "certifi", "socksio", "brotli"}
    third_party = imported - set(sys.stdlib_module_names) - {"linkvault", "__future__"} - through
    distributions = importlib.metadata.packages_distributions()
    undeclared = {module: distributions.get(module) for module in third_party
                  if not {d.lower().replace("_", "-") for d in distributions.get(module, [])} & declared}
    assert undeclared == {}


def _import_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports, lazy (function-level) imports included. Importing
    `a.b.c` also runs `a` and `a.b`, so those count as arrows too (a module's own parents excepted)."""
    import ast

    from conftest import ROOT

    files = {}
    for path in (ROOT / "linkvault").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path

    def known(name: str) -> str:
        while name not in files:
            name = name.rpartition(".")[0]
        return name

    graph = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        named = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                named |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(up + [base] if base else up)
                named |= {base} | {f"{base}.{alias.name}" for alias in node.names}
        targets = {known(n) for n in named if n == "linkvault" or n.startswith("linkvault.")}
        parents = {".".join(t.split(".")[:i]) for t in targets for i in range(1, t.count(".") + 1)}
        graph[module] = {t for t in targets | parents if t in files and t != module
                         and not module.startswith(t + ".")}
    return graph


def test_the_package_import_graph_has_no_cycle_lazy_imports_included():
    """Arrows point one way: a cycle (once 11 modules through the package root, `__version__` and review ⇄
    verification) is a stage that cannot be read, tested or moved without the others. Issue 13."""
    graph = _import_graph()
    assert "linkvault.vault" in graph["linkvault.archive.run"]  # a top-level import is seen
    assert "linkvault.reviewing" in graph["linkvault"]  # and so is a lazy one, inside a verb
    assert "linkvault.archive" in graph["linkvault.evidence.summary"]  # and the package a module's import runs first
    reaches = {module: set() for module in graph}
    for module in graph:
        todo = list(graph[module])
        while todo:
            target = todo.pop()
            if target not in reaches[module]:
                reaches[module].add(target)
                todo.extend(graph[target])
    cycles = sorted({tuple(sorted(m for m in graph if m in reaches[module] and module in reaches[m]))
                     for module in graph if module in reaches[module]})
    assert cycles == []


# The pipeline, lowest stage first: a module may import its own stage and the ones before it, never a later one.
STAGES = [
    ("core", ["linkvault._version", "linkvault.errors", "linkvault.model"]),
    ("parse", ["linkvault.parsing"]),
    ("judge", ["linkvault.claims", "linkvault.sites", "linkvault.states", "linkvault.findings",
               "linkvault.history"]),
    ("store", ["linkvault.vault"]),
    ("capture", ["linkvault.archive"]),
    ("review", ["linkvault.reviewing", "linkvault.lookup", "linkvault.what_changed"]),
    ("seal and pack", ["linkvault.evidence"]),
    ("render", ["linkvault.render"]),
    ("verbs", ["linkvault"]),
    ("shell", ["linkvault.cli", "linkvault.__main__"]),
]


def _stage(module: str) -> int:
    """The stage a module belongs to: the longest prefix named in STAGES."""
    best = max((prefix for _, prefixes in STAGES for prefix in prefixes
                if module == prefix or module.startswith(prefix + ".")), key=len)
    return next(i for i, (_, prefixes) in enumerate(STAGES) if best in prefixes)


def test_every_import_arrow_points_to_the_same_or_an_earlier_stage_of_the_pipeline():
    """parse ← judge ← store ← capture ← review ← seal and pack ← render ← verbs ← shell: a later stage may
    use an earlier one, never the reverse, so each room can be read (and tested) knowing only those below it."""
    graph = _import_graph()
    assert {_stage(m) for m in graph} == set(range(len(STAGES)))  # every stage has a module, every module a stage
    against = sorted(f"{m} ({STAGES[_stage(m)][0]}) → {t} ({STAGES[_stage(t)][0]})"
                     for m, targets in graph.items() for t in targets if _stage(t) > _stage(m))
    assert against == []


def test_the_shell_reaches_the_package_only_through_its_verbs_renderers_errors_and_records():
    """linkvault/cli/ is options → one verb → one renderer: it never opens a vault or drives capture itself."""
    allowed = ("linkvault.cli", "linkvault.errors", "linkvault.model", "linkvault.render", "linkvault._version")
    graph = _import_graph()
    shell = sorted(m for m in graph if m == "linkvault.cli" or m.startswith("linkvault.cli."))
    assert "linkvault.cli.options" in shell
    around = sorted(f"{m} → {t}" for m in shell for t in graph[m]
                    if not any(t == a or t.startswith(a + ".") for a in allowed) and t != "linkvault")
    assert around == []


def test_only_the_shell_imports_click():
    """The library is usable without a command line: click is the shell's (linkvault/cli/), and only its."""
    import ast

    from conftest import ROOT

    importers = set()
    for path in (ROOT / "linkvault").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "click" or n.startswith("click.") for n in names):
                importers.add(path.relative_to(ROOT).as_posix())
    assert importers and all(p.startswith("linkvault/cli/") for p in importers), sorted(importers)


def test_the_readme_layout_names_every_room_of_the_package_and_nothing_else():
    """The README's layout map is what a newcomer reads first: it must match the tree, both ways."""
    import re

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("    linkvault/\n", 1)[1].split("\n    tests/", 1)[0]
    named = set(re.findall(r"\b([a-z_]+(?:/|\.py))", section))
    rooms = {p.name + ("/" if p.is_dir() else "") for p in (ROOT / "linkvault").iterdir()
             if p.name not in {"__pycache__", "__main__.py", "_version.py"} and (p.is_dir() or p.suffix == ".py")}
    assert named == rooms


MODULE_LINES, FUNCTION_LINES = 400, 50


def test_no_module_is_over_400_lines_and_no_function_over_50():
    """A module a newcomer reads in one sitting, a function on one screen: past that, a module holds two jobs
    (fetcher.py was fetching and naming failures) and a function two steps. Issue 13."""
    import ast

    from conftest import ROOT

    too_long = []
    for path in sorted((ROOT / "linkvault").rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > MODULE_LINES:
            too_long.append(f"{module}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > FUNCTION_LINES:
                    too_long.append(f"{module}:{node.name}: {lines} lines")
    assert too_long == []


SQL_STATEMENT = re.compile(r"\b(select\s[\s\S]*?\bfrom\b|insert\s+(or\s+\w+\s+)?into\b|update\s+\[?\w+\]?\s+set\b"
                           r"|delete\s+from\b|create\s+(temp\w*\s+|virtual\s+|unique\s+)*(table|view|index|trigger)\b"
                           r"|pragma\s+\w+|alter\s+table\b|drop\s+(table|view|index)\b)", re.IGNORECASE)
SQL_CALLS = {"execute", "executemany", "executescript", "query"}
SQL_OUTSIDE_THE_VAULT_FOR_NOW = {
    "linkvault/archive/run.py",  # its query moves with the fetch-run branch
}


def _sql_outside_the_vault() -> list[str]:
    import ast

    from conftest import ROOT

    found = []
    for path in sorted((ROOT / "linkvault").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith("linkvault/vault/") or name in SQL_OUTSIDE_THE_VAULT_FOR_NOW:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if called in SQL_CALLS:
                    found.append(f"{name}:{node.lineno}: {called}(")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_STATEMENT.search(node.value):
                found.append(f"{name}:{node.lineno}: {SQL_STATEMENT.search(node.value).group(0)[:40]!r}")
    return found


def test_sql_lives_in_the_vault_package():
    """Every question asked of the database is a named Vault method, so the schema can change in one room and a
    read can be told from a write by its name. Issue 13: `execute(`, `.query(` and SQL text appear nowhere else."""
    assert _sql_outside_the_vault() == []


def test_the_sql_wall_sees_a_query_a_call_and_an_f_string():
    import ast

    assert SQL_STATEMENT.search("select r.path as report, f.label\n from footnotes f")
    assert SQL_STATEMENT.search("INSERT OR IGNORE INTO urls (url) values (?)")
    assert SQL_STATEMENT.search("create virtual table if not exists temp.t using fts5vocab(main, x, row)")
    assert not SQL_STATEMENT.search("select the report's footnotes, then update the table")
    call = ast.parse("vault.db.execute('x')").body[0].value
    assert call.func.attr in SQL_CALLS


def _untyped_public_functions(paths: list) -> list[str]:
    """Public functions and methods (of public classes) in `paths` missing a return type or a parameter's type
    (`self`/`cls` and `__init__`'s return excepted)."""
    import ast

    from conftest import ROOT

    untyped = []

    def visit(body: list, where: str, in_class: bool) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, f"{where}{node.name}.", True)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
                    not node.name.startswith("_") or node.name == "__init__" and in_class):
                args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                if in_class and args and args[0].arg in ("self", "cls") and not any(
                        isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list):
                    args = args[1:]
                args += [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
                missing = [a.arg for a in args if a.annotation is None]
                if node.returns is None and node.name != "__init__":
                    missing.append("return")
                if missing:
                    untyped.append(f"{where}{node.name}: {', '.join(missing)}")

    for path in paths:
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        visit(ast.parse(path.read_text(encoding="utf-8")).body, f"{module}.", False)
    return untyped


def test_every_public_verb_and_renderer_has_a_return_type_and_typed_parameters():
    """A researcher calling `linkvault.review(...)` and a renderer taking a `Review` can both see what they get
    and what they give: 7 of 8 verbs and 13 renderers once had no return type. Issue 13."""
    from conftest import ROOT

    verbs_and_renderers = [ROOT / "linkvault" / "__init__.py", *sorted((ROOT / "linkvault" / "render").glob("*.py"))]
    assert _untyped_public_functions(verbs_and_renderers) == []


def test_mypy_finds_no_error_in_the_package(tmp_path):
    """The types are checked, not only written: `make lint` runs the same (setup.cfg's [mypy] settings).
    A cold run takes seconds; skipped where the test extras (which bring mypy) are not installed."""
    pytest.importorskip("mypy", reason="mypy comes with the test extras: pip install -e '.[test]'")
    from conftest import ROOT

    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy-cache"), "linkvault"],
                          capture_output=True, text=True, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stdout + proc.stderr
