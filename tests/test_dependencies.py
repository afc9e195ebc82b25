"""The dependency contracts of pyproject.toml (import-linter): green on the code as it is, and red
when a wrong arrow is planted in a copy of the package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "hongyixing"


def _lint(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """Run the contracts over the package found under ``src`` (a fresh process: no cached graph)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run(
        [sys.executable, "-c", code, "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        env=env,
        cwd=src,
        timeout=300,
    )


def _copy(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(
        PACKAGE,
        src / "hongyixing",
        ignore=lambda folder, names: [
            n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()
        ],
    )
    return src


def test_the_dependency_contracts_hold() -> None:
    result = _lint(ROOT / "src", ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # areas reading persons: an arrow back up the layers.
        ("areas/planted.py", "from hongyixing.people.models import Person\n", "Apps depend one way"),
        # notices reaching into the work it announces.
        ("notices/planted.py", "from hongyixing.verification import models\n", "notices uses core"),
        # the library knowing the product.
        ("exchange/planted.py", "from hongyixing.core import audit\n", "exchange is a library"),
    ],
)
def test_a_planted_wrong_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    src = _copy(tmp_path)
    (src / "hongyixing" / module).write_text(line)
    result = _lint(src, ROOT / "pyproject.toml")
    assert result.returncode != 0, result.stdout
    assert f"{broken}" in result.stdout and "BROKEN" in result.stdout
    assert f"hongyixing.{module[:-3].replace('/', '.')}" in result.stdout


def test_an_app_left_out_of_the_layers_breaks_the_contract(tmp_path: Path) -> None:
    src = _copy(tmp_path)
    (src / "hongyixing" / "newapp").mkdir()
    (src / "hongyixing" / "newapp" / "__init__.py").write_text("")
    result = _lint(src, ROOT / "pyproject.toml")
    assert result.returncode != 0 and "newapp" in result.stdout, result.stdout
