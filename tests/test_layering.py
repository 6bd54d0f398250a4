"""Package dependencies point one way: app -> reports -> scoring -> collectors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).parent.parent / "opsmaturity"
ALLOWED = {
    "collectors": set(),
    "scoring": {"collectors"},
    "reports": {"scoring", "collectors"},
    "app": {"reports", "scoring", "collectors"},
}


def _our_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "opsmaturity" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str):
    files = sorted((PKG / package).rglob("*.py"))
    assert files
    for path in files:
        bad = _our_imports(path) - ALLOWED[package] - {package}
        assert not bad, f"{path.relative_to(PKG)} imports {sorted(bad)}"
