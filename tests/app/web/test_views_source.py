"""Page modules run as Streamlit scripts, where a bare string is drawn on the page
("magic"): apart from the module docstring, none may hold one at the top level."""

from __future__ import annotations

import ast

import pytest

from opsmaturity.app.web import VIEWS_DIR


@pytest.mark.parametrize("page", sorted(p.name for p in VIEWS_DIR.glob("*.py")))
def test_no_bare_string_would_be_drawn_on_the_page(page: str):
    tree = ast.parse((VIEWS_DIR / page).read_text(encoding="utf-8"))
    body = tree.body[1:] if ast.get_docstring(tree) is not None else tree.body
    strays = [node.lineno for node in body if isinstance(node, ast.Expr)
              and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)]
    assert not strays, f"{page}: a bare string at line(s) {strays} would be shown"
