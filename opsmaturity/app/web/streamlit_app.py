"""The router: `streamlit run` starts here (`opsmaturity web` does that for you).

One page per module under views/ (not pages/: Streamlit would take a pages/ directory
beside the entrypoint for its older, file-based navigation). A participant who arrives by a
join link (`/join?join=CODE`) gets no menu, only the page the link names.

Every page but the join page needs a login (access.py): a visitor who has not logged in
gets the login form on whatever address they opened, no menu, and nothing of any page;
after logging in, the page of that address opens. Each page checks again at its top.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from opsmaturity.app.web import access
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
    user = access.current_user()
    # A participant's link carries ?join=: no menu for them, just the page they came to.
    position = "hidden" if "join" in st.query_params or user is None else "sidebar"
    selected = st.navigation(pages, position=position)
    if user is None and selected.url_path != "join":
        access.login_form()
        return
    if user is not None and position == "sidebar":
        access.sidebar(user)
    selected.run()


if get_script_run_ctx() is not None:  # imported without a session (a test reading PAGES):
    main()                             # draw nothing, and leave no login form half-open
