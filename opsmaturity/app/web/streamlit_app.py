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

from opsmaturity.app.web import access, state
from opsmaturity.app.web.state import T
from opsmaturity.app.web.texts import web_texts
from opsmaturity.reports import fmt

PAGES = {  # section -> page modules; the first page is the start page (at /)
    "overview": ["portfolio", "team", "trends"],
    "workshop": ["workshop", "projector", "join"],
    "results": ["evidence", "recommendations", "export"],
}
NAV_TITLES = {"workshop": "facilitate"}


def page(module: str, *, default: bool = False) -> st.Page:
    # No icons: Streamlit loads a page's icon as the favicon from the internet, which a
    # workshop network may not reach (and participants' browsers should not need to).
    title = T()(f"nav.{NAV_TITLES.get(module, module)}")
    return st.Page(f"views/{module}.py", title=title, url_path=module, default=default)


def language_picker(participant: bool) -> None:
    """Each session picks its own language (the catalogue's languages): a participant's
    choice lives in that participant's session and link, never in the facilitator's."""
    languages = state.catalogue().languages
    if st.session_state.get(state.LANG_KEY) not in languages:
        wanted = st.query_params.get("lang")
        st.session_state[state.LANG_KEY] = wanted if wanted in languages else languages[0]
    # A participant's picker sits top right in one short row, on a phone too (columns
    # would stack and push the question down).
    where = st.container(horizontal=True, horizontal_alignment="right") if participant \
        else st.sidebar
    picked = where.selectbox(T()("language.label"), languages, key=state.LANG_KEY,
                             format_func=lambda code: web_texts(code)("language.own_name"),
                             label_visibility="collapsed" if participant else "visible",
                             width=160 if participant else "stretch")
    if participant and st.query_params.get("lang") != picked:
        st.query_params["lang"] = picked  # a reload of the link keeps the language


def main() -> None:
    st.set_page_config(page_title=T()("app.title"), layout="wide")
    participant = "join" in st.query_params
    language_picker(participant)
    fmt.set_language(state.lang())  # numbers and dates of this run, in the session's language
    first = PAGES["overview"][0]
    pages = {T()(f"nav.{section}"): [page(m, default=m == first) for m in modules]
             for section, modules in PAGES.items()}
    user = access.current_user()
    # A participant's link carries ?join=: no menu for them, just the page they came to.
    position = "hidden" if participant or user is None else "sidebar"
    selected = st.navigation(pages, position=position)
    if user is None and selected.url_path != "join":
        access.login_form()
        return
    if user is not None and position == "sidebar":
        access.sidebar(user)
    selected.run()


if get_script_run_ctx() is not None:  # imported without a session (a test reading PAGES):
    main()                             # draw nothing, and leave no login form half-open
