"""The package's shape: its public names and the walls between stages."""

from __future__ import annotations

import subprocess
import sys

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
