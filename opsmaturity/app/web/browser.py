"""What a participant's browser keeps: a random join key in a cookie.

Joining is idempotent per browser, not only per tab: the key is drawn when a browser first
joins and kept in a cookie, so a tab opened later from the bare join link finds the
participant this browser joined as (the store keeps only a hash of the key), while another
browser is another person. The key is not the participant's link secret and grants
nothing on its own beyond "continue as the one this browser joined as".
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

COOKIE = "opsmaturity_join"
COOKIE_DAYS = 30  # longer than any workshop; a later workshop has other participants
KEY_STATE = "join-browser-key"
_SENT_STATE = "join-browser-key-sent"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")  # what secrets.token_urlsafe(24) gives


def cookie_key() -> str | None:
    """The key the browser sent with this session (None: no cookie, or not one of ours)."""
    try:
        found = st.context.cookies.get(COOKIE)
    except (AttributeError, RuntimeError):  # no browser behind this session (a test run)
        return None
    return found if isinstance(found, str) and _SHAPE.fullmatch(found) else None


def known_key() -> str | None:
    """The key this browser joined with, if it has one yet."""
    return cookie_key() or st.session_state.get(KEY_STATE)


def key() -> str:
    """This browser's join key: the cookie's, else one drawn for this session (a
    double-click on Join gets the same one), which `remember` then puts in the cookie."""
    return st.session_state.setdefault(KEY_STATE, cookie_key() or secrets.token_urlsafe(24))


def remember() -> None:
    """Put this session's key in the cookie, once. Streamlit cannot set a cookie from the
    server, so one line of script does it in the page; the key is URL-safe and drawn
    here, never anything a user typed."""
    drawn = st.session_state.get(KEY_STATE)
    if not drawn or drawn == cookie_key() or st.session_state.get(_SENT_STATE) == drawn:
        return
    st.session_state[_SENT_STATE] = drawn
    age = COOKIE_DAYS * 86400
    with st.container(key="browser-cookie"):  # hidden by the page's CSS: takes no room
        st.html(f'<script>document.cookie = "{COOKIE}={drawn}; path=/; max-age={age}; '
                'SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");'
                '</script>', unsafe_allow_javascript=True)
