"""linkvault installs with the pip a stock Python or Debian 12 brings, not only with a new one.

pip before 23.3 does not match the extra `lxml[html_clean]` (as justext asks for it) to lxml's
`html-clean`, so trafilatura could not be imported after a plain `pip install .`.
"""

from __future__ import annotations

import subprocess
import venv

import pytest
from conftest import ROOT

OLD_PIP = "23.2.1"  # Python 3.11's bundled pip, and what Debian 12's python3-pip is close to
OFFLINE = ("Could not find a version", "No matching distribution", "Failed to establish a new connection",
           "Temporary failure in name resolution", "Network is unreachable")


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


def test_pip_23_installs_a_linkvault_whose_extraction_imports(tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = str(env_dir / "bin" / "python")
    if _run([python, "-m", "pip", "--version"]).stdout.split()[1] != OLD_PIP:
        pinned = _run([python, "-m", "pip", "install", "--quiet", f"pip=={OLD_PIP}"])
        if pinned.returncode and any(s in pinned.stderr for s in OFFLINE):
            pytest.skip(f"the package registry is not reachable: {pinned.stderr.strip().splitlines()[-1]}")
        assert pinned.returncode == 0, pinned.stderr
    installed = _run([python, "-m", "pip", "install", "--quiet", "--prefer-binary", str(ROOT)])
    if installed.returncode and any(s in installed.stderr for s in OFFLINE):
        pytest.skip(f"the package registry is not reachable: {installed.stderr.strip().splitlines()[-1]}")
    assert installed.returncode == 0, installed.stderr

    # The installed command, outside the source tree, extracts a page's text (trafilatura, justext, lxml).
    page = "<html><body><article><p>" + "Полиция задержала журналиста в Алматы. " * 20 + "</p></article></body></html>"
    probe = ("from linkvault.archive.extract import extract\n"
             "import sys\n"
             "print(extract(sys.stdin.read().encode(), 'https://example.org/a', 'text/html', None).text[:40])")
    extracted = _run([python, "-c", probe], input=page, cwd=tmp_path)
    assert extracted.returncode == 0, extracted.stderr
    assert "Полиция задержала" in extracted.stdout
    version = _run([str(env_dir / "bin" / "linkvault"), "--version"], cwd=tmp_path)
    assert version.returncode == 0 and "linkvault" in version.stdout, version.stderr
