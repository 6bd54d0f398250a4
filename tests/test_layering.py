"""Package dependencies point one way: app -> reports -> scoring -> collectors -> core.

Absolute and relative imports both count (`from ..scoring import x` inside reports is
resolved against the importing module), and so do imports inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).parent.parent / "opsmaturity"
ORDER = ("core", "collectors", "scoring", "reports", "app")
ALLOWED = {layer: set(ORDER[:i]) for i, layer in enumerate(ORDER)}
SHARED = {"questionnaires"}  # data, not code: any layer may read it


def _module_of(path: Path) -> list[str]:
    parts = ["opsmaturity", *path.relative_to(PKG).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _our_imports(path: Path, text: str | None = None) -> set[str]:
    """The top-level packages of ours (`core`, `scoring`, ...) that a file imports."""
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text() if text is None else text, str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                names = [".".join([*base, *([node.module] if node.module else [])])]
            else:
                names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "opsmaturity" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", ORDER)
def test_imports_point_one_way(package: str):
    files = sorted((PKG / package).rglob("*.py"))
    assert files
    for path in files:
        bad = _our_imports(path) - ALLOWED[package] - {package} - SHARED
        assert not bad, f"{path.relative_to(PKG)} imports {sorted(bad)}"


def test_relative_imports_are_seen():
    """The check itself: a relative import that climbs out of its layer is caught."""
    probe = PKG / "collectors" / "delivery" / "gitlab" / "collector.py"
    assert _our_imports(probe, "from ...base import Collector") == {"collectors"}
    assert _our_imports(probe, "from ....scoring import engine") == {"scoring"}
    assert _our_imports(probe, "def f():\n    from ....app import cli") == {"app"}


def test_every_package_is_layered():
    packages = {p.name for p in PKG.iterdir() if (p / "__init__.py").exists()}
    assert packages <= set(ORDER) | SHARED
