"""Style is enforced, not just configured: ruff (lint and format) and sqlfluff on the SQL models."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return found


@pytest.mark.parametrize(
    "args",
    [
        ["ruff", "check", "."],  # lint
        ["ruff", "format", "--check", "."],  # formatting
        ["sqlfluff", "lint", "warehouse", "--disable-progress-bar"],  # SQL models, dialect duckdb
    ],
    ids=["ruff-check", "ruff-format", "sqlfluff"],
)
def test_style(args: list[str]) -> None:
    result = subprocess.run([_tool(args[0]), *args[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
