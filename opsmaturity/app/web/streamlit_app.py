"""The router: `streamlit run` starts here (`opsmaturity web` does that for you).

One page per module under views/ (not pages/: Streamlit would take a pages/ directory
beside the entrypoint for its older, file-based navigation). A participant who arrives by a
join link (`/join?join=CODE`) gets no menu, only the page the link names.
"""

from __future__ import annotations

import streamlit as st

from opsmaturity.app.web.state import T

PAGES = {  # section -> page modules; the first page is the start page (at /)
    "overview": ["portfolio", "team", "trends"],
    "workshop": ["workshop", "join"],
    "results": ["evidence", "recommendations", "export"],
}
NAV_TITLES = {"workshop": "facilitate"}


def page(module: str, *, default: bool = False) -> st.Page:
    # No icons: Streamlit loads a page's icon as the favicon from the internet, which a
    # workshop network may not reach (and participants' browsers should not need to).
    title = T()(f"nav.{NAV_TITLES.get(module, module)}")
    return st.Page(f"views/{module}.py", title=title, url_path=module, default=default)


def main() -> None:
    st.set_page_config(page_title=T()("app.title"), layout="wide")
    first = PAGES["overview"][0]
    pages = {T()(f"nav.{section}"): [page(m, default=m == first) for m in modules]
             for section, modules in PAGES.items()}
    # A participant's link carries ?join=: no menu for them, just the page they came to.
    position = "hidden" if "join" in st.query_params else "sidebar"
    st.navigation(pages, position=position).run()


main()
