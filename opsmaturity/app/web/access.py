"""Who is using this browser session, and what they may see.

- Every page except a participant's join page needs a login: a local account (name and
  password, checked against the store's argon2 hash) or, when the app's secrets configure
  it, the company's identity provider through OpenID Connect (`st.login`), mapped to the
  account of the same e-mail address.
- A login lives in the browser tab's session: it ends with logout, after
  $OPSMATURITY_SESSION_IDLE_MINUTES without a click (default 120), after
  $OPSMATURITY_SESSION_HOURS in all (default 12), and at the next click after the account
  is removed. Role and organisations are read again on every run.
- The store every page reads (`state.store()`) is limited to the user's scope; so is the
  join page's, to the one workshop its code opens.
- Wrong passwords and wrong join codes are slowed down per client address: the first few
  are free, then each one doubles the wait before the next attempt is even looked at.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from opsmaturity.app.store import Scope, Store, StoreError
from opsmaturity.app.store.accounts import scope_of
from opsmaturity.app.store.records import UserRecord

from . import state
from .state import T

USER_KEY = "access-user"
FLASH_KEY = "access-flash"
ENV_IDLE = "OPSMATURITY_SESSION_IDLE_MINUTES"
ENV_HOURS = "OPSMATURITY_SESSION_HOURS"


# ------------------------------------------------------------------------------ sessions

@dataclass(frozen=True)
class Login:
    user_id: int
    since: float
    seen: float
    via: str  # "password" | "oidc"


def _minutes(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def idle_limit_s() -> float:
    return 60 * _minutes(ENV_IDLE, 120)


def lifetime_s() -> float:
    return 3600 * _minutes(ENV_HOURS, 12)


def expired(login: Login, now: float) -> bool:
    return now - login.seen > idle_limit_s() or now - login.since > lifetime_s()


def begin(user: UserRecord, via: str = "password") -> None:
    now = time.time()
    st.session_state[USER_KEY] = Login(user.id, now, now, via)
    state.set_scope(scope_of(user))


def end(flash: str | None = None) -> None:
    """Log out of this session (and of the identity provider's, if that was used)."""
    login = st.session_state.pop(USER_KEY, None)
    state.set_scope(Scope.nothing())
    for key in list(st.session_state):  # what the pages remembered goes with the user
        if key != FLASH_KEY:
            del st.session_state[key]
    if flash:
        st.session_state[FLASH_KEY] = flash
    if isinstance(login, Login) and login.via == "oidc" and _oidc_logged_in():
        st.logout()


def current_user() -> UserRecord | None:
    """The logged-in account, checked afresh (expiry, still there, role and organisations);
    sets the scope of this session's store. None for a visitor who has not logged in."""
    login = st.session_state.get(USER_KEY)
    if not isinstance(login, Login):
        login = _oidc_login()
        if login is None:
            state.set_scope(Scope.nothing())
            return None
    now = time.time()
    if expired(login, now):
        end("expired")
        return None
    try:
        user = state.raw_store().user(login.user_id)
    except StoreError:
        end("removed")
        return None
    st.session_state[USER_KEY] = Login(login.user_id, login.since, now, login.via)
    state.set_scope(scope_of(user))
    return user


# ------------------------------------------------------------------------ OpenID Connect

def oidc_provider() -> str | bool | None:
    """False when the secrets configure no identity provider; else the provider to pass to
    `st.login` (None for a single unnamed `[auth]` section)."""
    try:
        section = st.secrets.get("auth")
    except Exception:  # no secrets file at all
        return False
    if not section:
        return False
    if "client_id" in section:
        return None
    named = [k for k, v in section.items() if isinstance(v, Mapping)]
    return named[0] if named else False


def _oidc_logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:
        return False


def account_for_identity(store: Store, claims: Mapping[str, Any]) -> UserRecord | None:
    """The account an identity provider's user maps to: the account named by their e-mail
    address (compared without case), if the provider says that address is verified."""
    email = str(claims.get("email") or "").strip()
    if not email or claims.get("email_verified") is False:
        return None
    for name in (email, email.lower()):
        try:
            return store.user(name)
        except StoreError:
            continue
    return None


def _oidc_login() -> Login | None:
    if oidc_provider() is False or not _oidc_logged_in():
        return None
    user = account_for_identity(state.raw_store(), dict(st.user))
    if user is None:
        st.session_state[FLASH_KEY] = "no_account"
        st.logout()
        return None
    begin(user, "oidc")
    return st.session_state[USER_KEY]


# ------------------------------------------------------------------------- rate limiting

class Throttle:
    """Failed attempts per (kind, client address), with a wait that doubles after `free`
    failures (up to `longest` seconds). Attempts during the wait are refused unchecked.
    Failures are forgotten `forget` seconds after the last one; memory is bounded."""

    def __init__(self, free: int = 3, first: float = 2.0, longest: float = 300.0,
                 forget: float = 3600.0, size: int = 10_000) -> None:
        self.free, self.first, self.longest, self.forget = free, first, longest, forget
        self.size = size
        self._seen: OrderedDict[tuple[str, str], tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.longest, self.first * 2 ** (failures - self.free))

    def wait(self, kind: str, address: str, now: float | None = None) -> float:
        """Seconds before this address may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures, last = self._seen.get((kind, address), (0, 0.0))
        if failures and now - last > self.forget:
            return 0.0
        return max(0.0, last + self.delay(failures) - now)

    def failed(self, kind: str, address: str, now: float | None = None) -> float:
        """Count a failure; returns the wait it sets."""
        now = time.monotonic() if now is None else now
        key = (kind, address)
        with self._lock:
            failures, last = self._seen.pop(key, (0, 0.0))
            if failures and now - last > self.forget:
                failures = 0
            self._seen[key] = (failures + 1, now)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
        return self.delay(failures + 1)

    def succeeded(self, kind: str, address: str) -> None:
        with self._lock:
            self._seen.pop((kind, address), None)


@st.cache_resource(show_spinner=False)
def throttle() -> Throttle:
    """One throttle per server process, shared by all sessions."""
    return Throttle()


def client_address() -> str:
    """The address of the browser (behind a reverse proxy: the proxy's)."""
    try:
        return st.context.ip_address or "local"
    except Exception:
        return "local"


def refused_for(kind: str) -> bool:
    """Show "wait" and say True when this address must wait before trying again."""
    wait = throttle().wait(kind, client_address())
    if wait > 0:
        st.error(T()("access.wait", seconds=int(wait) + 1))
        return True
    return False


# ----------------------------------------------------------------------------- the pages

def login_form() -> None:
    """The login page: what an anonymous visitor sees on every page but the join page."""
    if get_script_run_ctx() is None:  # a page imported outside a session (by a test): in
        return                        # bare mode a form would stay open behind it
    _, middle, _ = st.columns([1, 2, 1])  # narrow on a desktop; a phone stacks them
    with middle:
        _login_form()


def _login_form() -> None:
    t = T()
    st.title(t("access.title"))
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.info(t(f"access.flash_{flash}"))
    if not state.raw_store().has_users():
        st.warning(t("access.no_accounts"))
    provider = oidc_provider()
    if provider is not False:
        if st.button(t("access.oidc"), type="primary", key="access-oidc"):
            if provider:
                st.login(provider)
            else:
                st.login()
        st.caption(t("access.or_password"))
    form = st.form("access-login")
    name = form.text_input(t("access.name"), max_chars=200, key="access-name",
                           autocomplete="username")
    password = form.text_input(t("access.password"), type="password", max_chars=1000,
                               key="access-password", autocomplete="current-password")
    submitted = form.form_submit_button(t("access.login"), type="primary")
    if submitted and not refused_for("login"):
        user = state.raw_store().authenticate(name, password)
        if user is None:
            throttle().failed("login", client_address())
            st.error(t("access.wrong"))
        else:
            throttle().succeeded("login", client_address())
            st.session_state.pop("access-password", None)
            begin(user)
            st.rerun()
    st.caption(t("access.participant_hint"))


def require(role: str = "facilitator") -> UserRecord:
    """The guard at the top of every page but the join page: the logged-in user, or the
    login form and nothing else. `role="admin"` refuses facilitators too."""
    user = current_user()
    if user is None:
        login_form()
        st.stop()
    if role == "admin" and user.role != "admin":
        st.error(T()("access.admins_only"))
        st.stop()
    return user


def sidebar(user: UserRecord) -> None:
    """Who is logged in, and the logout button."""
    st.sidebar.text(T()("access.logged_in", name=user.name, role=user.role))
    if st.sidebar.button(T()("access.logout"), key="access-logout"):
        end("logged_out")
        st.rerun()
