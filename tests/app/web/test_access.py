"""Who may see what, through the real router with AppTest: the login, its expiry and end,
a facilitator's organisations, "not found" for the others, confined participants, slowed
down guessing, and the identity provider's users mapped to accounts."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from opsmaturity.app.web import VIEWS_DIR, access
from opsmaturity.app.web.streamlit_app import PAGES
from opsmaturity.app.web.texts import web_texts

from .conftest import ADMIN, FACILITATOR, PASSWORD, TIMEOUT, World, app, ok

T = web_texts()
GUARDED = [m for modules in PAGES.values() for m in modules if m != "join"]
NAMES = ("Acme Logistics", "Globex", "Payments", "Billing", "Search", "Nothing known")


def everything_shown(at: AppTest) -> str:
    """All text the page shows, widgets' labels and options included."""
    parts = []
    for node in at.main:
        parts.append(repr(node))
    return "\n".join(parts) + repr(at.sidebar)


def is_login_page(at: AppTest) -> bool:
    return (at.title and at.title[0].value == T("access.title")
            and [w.label for w in at.text_input] == [T("access.name"), T("access.password")])


@pytest.mark.parametrize("page", GUARDED)
def test_a_visitor_without_a_login_sees_only_the_login_form(world: World, page: str):
    at = ok(app(page, user=None, team=str(world.ids["search_team"]),
                a=str(world.ids["search"])))
    assert is_login_page(at)
    shown = everything_shown(at)
    assert not [name for name in NAMES if name in shown]
    # the page file on its own (without the router) stops at its guard too
    alone = AppTest.from_file(str(VIEWS_DIR / f"{page}.py"), default_timeout=TIMEOUT).run()
    assert not alone.exception
    assert is_login_page(alone)
    assert not [name for name in NAMES if name in everything_shown(alone)]


def log_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="access-name").set_value(name)
    at.text_input(key="access-password").set_value(password)
    next(b for b in at.button if b.label == T("access.login")).click().run()
    return at


def test_logging_in_opens_the_page_of_the_address_and_logout_ends_it(world: World,
                                                                       monkeypatch):
    monkeypatch.setattr(access, "client_address", lambda: "10.0.0.1")
    at = app("team", user=None, team=str(world.ids["payments_team"]),
             a=str(world.ids["payments"]))
    log_in(at, FACILITATOR, "not the password")
    assert at.error[0].value == T("access.wrong")
    assert is_login_page(at)
    log_in(at, FACILITATOR, PASSWORD)
    ok(at)
    assert at.title[0].value == T("team.title")
    assert at.selectbox(key="team-team").value == world.ids["payments_team"]
    assert T("access.logged_in", name=FACILITATOR, role="facilitator") in [
        t.value for t in at.sidebar.text]
    assert not [k for k in at.session_state if PASSWORD in repr(at.session_state[k])]
    at.sidebar.button(key="access-logout").click().run()
    assert is_login_page(at)
    assert at.info[0].value == T("access.flash_logged_out")
    assert access.USER_KEY not in at.session_state


def test_sessions_expire_and_end_with_the_account(world: World, monkeypatch):
    at = app("portfolio")  # logged in as the admin
    assert at.title[0].value != T("access.title")
    login = at.session_state[access.USER_KEY]
    idle = access.idle_limit_s()
    at.session_state[access.USER_KEY] = access.Login(login.user_id, login.since,
                                                     time.time() - idle - 1, "password")
    at.run()
    assert is_login_page(at) and at.info[0].value == T("access.flash_expired")
    # the whole lifetime counts too, however busy the session
    monkeypatch.setenv(access.ENV_HOURS, "1")
    at = app("portfolio")
    login = at.session_state[access.USER_KEY]
    at.session_state[access.USER_KEY] = access.Login(login.user_id, time.time() - 3601,
                                                     time.time(), "password")
    at.run()
    assert is_login_page(at)
    # an account removed while its session is open: out at the next click
    s = world.store()
    s.add_user("temp", "admin", PASSWORD)
    at = app("portfolio", user="temp")
    assert at.title[0].value == T("portfolio.title")
    s.remove_user("temp")
    s.close()
    at.run()
    assert is_login_page(at) and at.info[0].value == T("access.flash_removed")


def test_a_facilitator_sees_exactly_their_organisations(world: World):
    at = ok(app("portfolio", user=FACILITATOR))
    shown = everything_shown(at)
    assert "Payments" in shown and "Billing" in shown
    assert not [name for name in ("Globex", "Search", "Nothing known") if name in shown]
    team = ok(app("team", user=FACILITATOR))
    assert [o for o in team.selectbox(key="team-team").options] == [
        "Billing (Acme Logistics)", "Payments (Acme Logistics)"]


@pytest.mark.parametrize("page", ["team", "trends", "workshop", "evidence",
                                  "recommendations", "export"])
def test_another_organisations_ids_in_the_address_are_not_found(world: World, page: str):
    queries = [{"team": str(world.ids["search_team"]), "a": str(world.ids["search"])},
               {"team": "999999"}]
    if page != "trends":  # trends shows a team, not one assessment
        queries.append({"team": str(world.ids["payments_team"]), "a": str(world.ids["search"])})
    for query in queries:
        at = app(page, user=FACILITATOR, **query)
        assert not at.exception
        assert at.error[0].value == T("pick.not_found"), query
        shown = everything_shown(at)
        assert not [n for n in ("Globex", "Search", "Nothing known") if n in shown], query
    # the admin opens the same address
    admin = ok(app(page, user=ADMIN, team=str(world.ids["search_team"]),
                   a=str(world.ids["search"])))
    assert "Search" in everything_shown(admin)


def test_a_participant_is_refused_every_other_page(world: World):
    at = ok(app("join", user=None, join=world.join_code))
    at.radio(key="join-role").set_value("dev")
    at.button[0].click().run()
    pid, token = ok(at).query_params["p"], at.query_params["k"]
    for page in GUARDED:  # the same session, with the participant's link in the address
        at.switch_page(f"views/{page}.py")
        at.query_params.update(team=str(world.ids["payments_team"]),
                               a=str(world.ids["payments"]), p=pid, k=token)
        at.run()
        assert is_login_page(at), page
        assert not [n for n in NAMES if n in everything_shown(at)], page


def test_wrong_join_codes_and_logins_are_slowed_down(world: World, monkeypatch):
    monkeypatch.setattr(access, "client_address", lambda: "10.9.9.9")
    access.throttle().first = 60.0  # a minute: longer than any page run, however loaded
    for _ in range(access.throttle().free):
        assert ok_or_error(app("join", user=None, join="WRONGCODE1")) == T("join.unknown_code")
    refused = app("join", user=None, join="WRONGCODE1")
    assert refused.error[0].value.startswith("Too many wrong attempts")
    # while waiting, even the right code is not looked at
    right = app("join", user=None, join=world.join_code)
    assert right.error[0].value.startswith("Too many wrong attempts")
    assert not right.radio
    monkeypatch.setattr(access, "client_address", lambda: "10.9.9.10")  # another laptop
    assert ok(app("join", user=None, join=world.join_code)).radio(key="join-role")
    # logins the same way, per address
    at = app("portfolio", user=None)
    for _ in range(access.throttle().free):
        log_in(at, ADMIN, "wrong password")
        assert at.error[0].value == T("access.wrong")
    log_in(at, ADMIN, PASSWORD)  # the right password, but too soon
    assert at.error[0].value.startswith("Too many wrong attempts")
    assert is_login_page(at)


def ok_or_error(at: AppTest) -> str:
    assert not at.exception
    return at.error[0].value


def test_the_throttle_doubles_the_wait_and_forgets():
    th = access.Throttle(free=3, first=2.0, longest=60.0, forget=600.0)
    waits = [th.failed("join", "a", now=float(i)) for i in range(8)]
    assert waits == [0, 0, 2, 4, 8, 16, 32, 60]
    assert th.wait("join", "a", now=7.0) == pytest.approx(60.0)
    assert th.wait("join", "b", now=7.0) == 0  # per address
    assert th.wait("login", "a", now=7.0) == 0  # and per kind
    assert th.wait("join", "a", now=7.0 + 601) == 0  # forgotten after a quiet while
    assert th.failed("join", "a", now=7.0 + 602) == 0
    th.succeeded("join", "a")
    assert th.wait("join", "a", now=7.0 + 602) == 0


def test_join_codes_with_markdown_stay_plain_text(world: World):
    at = app("join", user=None, join="x [click here](https://evil.example/login) "
             "![t](https://evil.example/t.png)")
    assert not at.exception
    shown = [m.value for m in [*at.markdown, *at.caption, *at.error, *at.info, *at.warning]]
    assert not [m for m in shown if "evil" in m or "](" in m]


def test_the_first_start_says_how_to_create_an_account(tmp_path, monkeypatch):
    from opsmaturity.app.store import ENV_URL

    monkeypatch.setenv(ENV_URL, f"sqlite:///{tmp_path / 'empty.db'}")
    at = AppTest.from_file(str(VIEWS_DIR.parent / "streamlit_app.py"),
                           default_timeout=TIMEOUT).run()
    assert is_login_page(at)
    assert at.warning[0].value == T("access.no_accounts")
    assert "opsmaturity user add NAME --role admin" in at.warning[0].value


def test_identity_provider_users_map_to_accounts_of_their_verified_email(world: World):
    s = world.store()
    s.add_user("kim@acme.example", "facilitator", None, ["Acme Logistics"])
    found = access.account_for_identity(s, {"email": "Kim@Acme.example",
                                            "email_verified": True})
    assert found is not None and found.name == "kim@acme.example"
    assert found.organisations == ["Acme Logistics"] and not found.has_password
    assert access.account_for_identity(s, {"email": "kim@acme.example",
                                           "email_verified": False}) is None
    assert access.account_for_identity(s, {"email": "eve@acme.example"}) is None
    assert access.account_for_identity(s, {"sub": "123"}) is None
    assert s.authenticate("kim@acme.example", "") is None  # no password: no local login
    s.remove_user("kim@acme.example")
    s.close()


def test_the_login_page_offers_the_identity_provider_when_configured(world: World):
    at = AppTest.from_file(str(VIEWS_DIR.parent / "streamlit_app.py"),
                           default_timeout=TIMEOUT)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "opsmaturity",
                          "client_secret": "s",
                          "server_metadata_url": "https://idp.example/.well-known/"
                                                 "openid-configuration"}
    at.run()
    assert is_login_page(at)
    assert at.button(key="access-oidc").label == T("access.oidc")
    plain = ok(app(None, user=None))
    assert not [b for b in plain.button if b.key == "access-oidc"]
