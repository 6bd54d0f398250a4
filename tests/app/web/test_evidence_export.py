"""The Evidence and Export pages: real collectors run from the app, real files out.

A token typed into the app reaches the collector's requests and nowhere else: not the
session, not the store, not the page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from opsmaturity.app.store import read_bundle
from opsmaturity.app.web.collect import ENV_ROOTS
from opsmaturity.app.web.texts import web_texts
from opsmaturity.reports.jsonreport import load_report_json
from tests.collectors.delivery.github.fake import REPO, FakeGitHub
from tests.conftest import FIXTURES

from .conftest import FACILITATOR, World, app, gap_evidence, ok, unescaped

T = web_texts()
SECRET = "ghp_web_test_secret_4711"


@pytest.fixture(autouse=True)
def evidence_roots(monkeypatch, tmp_path):
    """The server lets collectors read the test fixtures, and caches in a temp directory."""
    monkeypatch.setenv(ENV_ROOTS, str(FIXTURES))
    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))


def evidence_page(world: World, key: str = "search", user: str | None = None):
    team = {"search": "search_team", "blank": "blank_team", "billing": "billing_team",
            "payments": "payments_team"}[key]
    extra = {} if user is None else {"user": user}
    return ok(app("evidence", team=str(world.ids[team]), a=str(world.ids[key]), **extra))


def collect(at, name: str, **values: str):
    at.selectbox(key="evidence-collector").set_value(name).run()
    for field, value in values.items():
        at.text_input(key=f"ev-{name}-{field}").set_value(value)
    return at


def submit(at):
    next(b for b in at.button if b.label == T("evidence.start")).click().run()
    return at


def test_ci_collector_runs_from_the_app(world: World):
    at = submit(collect(evidence_page(world), "ci", repo=str(FIXTURES / "ci" / "gitlab")))
    ok(at)
    s = world.store()
    sets = s.evidence(world.ids["search"])
    assert [e.collector for e in sets] == ["ci"]
    ci = sets[0]
    assert at.success[0].value == T("evidence.done", name="ci", n=len(ci.measures),
                                    coverage=f"{ci.coverage.ratio * 100:.0f}%")
    table = at.dataframe[0].value
    assert list(table["Collector"]) == ["ci"]
    assert list(table["Coverage"]) == [f"{ci.coverage.ratio * 100:.0f}%"]
    s.close()


def test_collector_problems_are_messages(world: World):
    at = submit(collect(evidence_page(world, "blank"), "git",
                        source=str(FIXTURES / "no-such-repository")))
    assert not at.exception
    assert unescaped(at.error[0]).startswith("git: ")
    at = submit(collect(evidence_page(world, "blank"), "git", source=str(FIXTURES),
                        since="last week"))
    assert "since: write the date as YYYY-MM-DD" in unescaped(at.error[0])
    s = world.store()
    assert s.evidence(world.ids["blank"]) == []
    s.close()


@pytest.mark.parametrize("path", ["/etc", "{root}/../..", "file:///etc/passwd",
                                  "{root}/link-to-etc/ssl"])
def test_collectors_read_only_below_the_allowed_roots(world: World, tmp_path, monkeypatch,
                                                      path: str):
    root = tmp_path / "allowed"
    root.mkdir()
    (root / "link-to-etc").symlink_to("/etc")
    monkeypatch.setenv(ENV_ROOTS, str(root))
    at = submit(collect(evidence_page(world, "blank"), "git", source=path.format(root=root)))
    assert not at.exception
    assert unescaped(at.error[0]) == (
        f"git: source: collectors read only below the directories the server allows "
        f"(${ENV_ROOTS}: {root.resolve()})")
    s = world.store()
    assert s.evidence(world.ids["blank"]) == []
    s.close()


def test_facilitators_do_not_run_collectors_on_the_server(world: World):
    at = evidence_page(world, "payments", user=FACILITATOR)
    assert at.info[-1].value == T("evidence.admins_run")
    assert not [b for b in at.button if b.label == T("evidence.start")]
    assert not [s for s in at.selectbox if s.key == "evidence-collector"]
    assert at.file_uploader(key="evidence-files") is not None  # files collected elsewhere


@pytest.fixture
def fake_github(httpserver) -> Iterator[FakeGitHub]:
    yield FakeGitHub(httpserver)


def test_a_token_is_used_for_the_call_and_then_forgotten(world: World, fake_github, tmp_path):
    at = collect(evidence_page(world, "blank"), "github", repo=REPO,
                 api_url=fake_github.url, since="2026-03-01", until="2026-03-29")
    token = next(w for w in at.text_input if w.key and w.key.startswith("ev-github-token-"))
    assert token.proto.type == token.proto.PASSWORD
    token.set_value(SECRET)
    submit(at)
    ok(at)
    assert fake_github.log  # the collector's requests carried the token
    assert all((s.authorization or "").endswith(f" {SECRET}") for s in fake_github.log)
    s = world.store()
    github = [e for e in s.evidence(world.ids["blank"]) if e.collector == "github"]
    assert len(github) == 1 and github[0].measures
    assert SECRET not in github[0].model_dump_json()
    # Gone from the session and the page: a fresh, empty password field replaced the old one.
    for key in at.session_state:
        assert SECRET not in repr(at.session_state[key]), key
    new = next(w for w in at.text_input if w.key and w.key.startswith("ev-github-token-"))
    assert new.key != token.key and not new.value
    assert all(SECRET not in (w.value or "") for w in at.text_input)
    s.close()


def test_incident_files_are_uploaded_to_the_collector(world: World):
    at = evidence_page(world, "blank")
    at.selectbox(key="evidence-collector").set_value("incidents").run()
    data = (FIXTURES / "incidents" / "pagerduty_incidents.json").read_bytes()
    at.file_uploader(key="ev-incidents-files-upload").upload(
        "pagerduty_incidents.json", data, "application/json")
    submit(at)
    ok(at)
    s = world.store()
    incidents = [e for e in s.evidence(world.ids["blank"]) if e.collector == "incidents"]
    assert len(incidents) == 1
    assert "pagerduty_incidents.json" in incidents[0].source
    assert any(m.value is not None for m in incidents[0].measures)
    s.close()


def test_evidence_files_are_added(world: World):
    at = evidence_page(world, "blank")
    files = at.file_uploader(key="evidence-files")
    sets = [json.loads(e.model_dump_json()) for e in gap_evidence()]
    files.set_value([("both.json", json.dumps(sets).encode(), "application/json")])
    next(b for b in at.button if b.label == T("evidence.upload")).click().run()
    ok(at)
    assert at.success[0].value == T("evidence.added", n=2)
    s = world.store()
    assert [e.collector for e in s.evidence(world.ids["blank"])][-2:] == [
        "incidents", "monitoring"]
    broken = evidence_page(world, "blank")
    broken.file_uploader(key="evidence-files").set_value(
        [("broken.json", b'{"collector": "x",\n "oops"}', "application/json")])
    next(b for b in broken.button if b.label == T("evidence.upload")).click().run()
    assert not broken.exception
    assert unescaped(broken.error[0]).startswith("broken.json:2: invalid JSON")
    s.close()


# ------------------------------------------------------------------------------ export

@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What the page hands the browser for download, by file name."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        if filename:
            data = path_or_data if isinstance(path_or_data, bytes) else str(
                path_or_data).encode()
            seen[filename] = data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return seen


def test_export_offers_json_a_bundle_and_a_spreadsheet(world: World, downloads, tmp_path):
    aid = world.ids["billing"]
    at = ok(app("export", team=str(world.ids["billing_team"]), a=str(aid)))
    s = world.store()
    stem = f"assessment-Billing-2026-03-01-{aid}"
    assert downloads[f"{stem}.json"].decode() == s.snapshot(aid).to_json()
    report = load_report_json(downloads[f"{stem}.report.json"].decode())
    assert (report.team, report.state, report.assessment) == ("Billing", "final",
                                                              s.snapshot(aid))
    assert report.responses == s.responses(aid, world.catalogue)  # answers travel with it
    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(downloads[f"{stem}.bundle.json"])
    content, _ = read_bundle(bundle)  # verifies its hash
    assert (content.team, content.state, content.snapshot) == ("Billing", "final",
                                                               s.snapshot(aid))
    at.button(key="export-make-xlsx").click().run()
    ok(at)
    workbook = load_workbook(BytesIO(downloads[f"{stem}.xlsx"]))
    assert {"Findings", "Answers", "Recommendations"} <= set(workbook.sheetnames)
    s.close()


def test_export_makes_the_pdf(world: World, downloads):
    aid = world.ids["payments"]  # a draft with a finalised predecessor: trend and evidence
    at = ok(app("export", team=str(world.ids["payments_team"]), a=str(aid)))
    at.button(key="export-make-pdf").click().run()
    ok(at)
    pdf = downloads[f"assessment-Payments-2026-06-15-{aid}.pdf"]
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert len(PdfReader(BytesIO(pdf)).pages) > 3


def test_postgres_backup_outputs_are_uploaded_and_the_password_forgotten(world: World):
    """Barman's output uploaded from the browser; a password typed for an unreachable server
    is one warning and is gone afterwards."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    at = evidence_page(world, "blank")
    at.selectbox(key="evidence-collector").set_value("postgres").run()
    at.file_uploader(key="ev-postgres-barman-upload").upload(
        "barman-list-backups.txt",
        (FIXTURES / "postgres" / "barman-list-backups.txt").read_bytes(), "text/plain")
    at.text_area(key="ev-postgres-dsns").set_value(f"postgresql://ops@127.0.0.1:{port}/orders")
    password = next(w for w in at.text_input
                    if w.key and w.key.startswith("ev-postgres-password-"))
    assert password.proto.type == password.proto.PASSWORD
    password.set_value(SECRET)
    submit(at)
    ok(at)
    s = world.store()
    pg = [e for e in s.evidence(world.ids["blank"]) if e.collector == "postgres"]
    assert len(pg) == 1
    values = {m.id: m.value for m in pg[0].measures}
    assert values["postgres.backups_total"] == 3 and values["postgres.servers_unreachable"] == 1
    assert pg[0].partial and SECRET not in pg[0].model_dump_json()
    for key in at.session_state:
        assert SECRET not in repr(at.session_state[key]), key
    s.close()
