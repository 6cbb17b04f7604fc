"""Import rules between the top-level folders (docs/architecture.md): a layer imports only what it may."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("transforms", "warehouse", "expectations", "flows", "benchmarks")
# What each package may import of the others (its own modules always).
ALLOWED = {
    "transforms": set(),
    "warehouse": set(),
    # Validation reads and writes the warehouse through warehouse.quality_io, which knows nothing of the suites.
    "expectations": {"warehouse"},
    "flows": {"transforms", "warehouse", "expectations"},
    "benchmarks": {"transforms", "warehouse", "expectations", "flows"},
}
# Known breaks of the rules: the module and what it imports (none left; a new one is listed here with its reason).
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_its_layer_may(package: str) -> None:
    broken = set()
    for path in sorted((ROOT / package).rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        for imported in _imports(path) - {package} - ALLOWED[package]:
            if (module, imported) not in KNOWN_EXCEPTIONS:
                broken.add((module, imported))
    assert not broken, f"imports across layers (module, package): {sorted(broken)}"


def test_known_exceptions_still_exist() -> None:
    # A fixed exception must leave the list, so that it cannot come back unnoticed.
    for module, imported in KNOWN_EXCEPTIONS:
        assert imported in _imports(ROOT / module), (module, imported)


def test_every_sql_model_fits_in_a_reading() -> None:
    # House style: a model reads top to bottom in one pass; a longer one is split into intermediate models.
    long = {
        p.relative_to(ROOT).as_posix(): n
        for p in (ROOT / "warehouse").rglob("*.sql")
        if (n := len(p.read_text().splitlines())) > 200
    }
    assert not long, long


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_sits_beside_a_folder_of_its_name(package: str) -> None:
    # `warehouse/quality.py` beside `warehouse/quality/` made "quality" mean two things.
    # Folders of code or SQL only: benchmarks/corpus/ is generated data beside the module that generates it.
    def is_code(folder: Path) -> bool:
        return folder.is_dir() and (any(folder.rglob("*.py")) or any(folder.rglob("*.sql")))

    clashes = [p.name for p in (ROOT / package).glob("*.py") if is_code(ROOT / package / p.stem)]
    assert not clashes, clashes


def test_flows_only_sequence() -> None:
    # A flow body holds task calls, parameters and log lines; SQL and connections live in warehouse/.
    sql = [
        f"{p.name}:{n}"
        for p in sorted((ROOT / "flows").glob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if "con.execute(" in line or "con.sql(" in line
    ]
    assert not sql, sql
    long = {}
    for path in sorted((ROOT / "flows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_flow = isinstance(node, ast.FunctionDef) and any("flow" in ast.unparse(d) for d in node.decorator_list)
            if is_flow and node.end_lineno - node.lineno + 1 > 60:
                long[f"{path.name}:{node.name}"] = node.end_lineno - node.lineno + 1
    assert not long, long
