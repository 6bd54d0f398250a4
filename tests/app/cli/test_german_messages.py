"""The command line in German: errors, collector warnings and summaries with --lang de (or
$OPSMATURITY_LANG), none of our English words left (texts from core/messages.yaml and
cli/texts.yaml)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from opsmaturity.app.cli import app
from opsmaturity.app.cli.summary import _table as summary_table
from opsmaturity.app.cli.texts import _table as cli_table
from opsmaturity.core.messages import table as message_table
from opsmaturity.scoring.catalogue import default_catalogue_dir

runner = CliRunner()
EXAMPLES = default_catalogue_dir() / "examples"


def _english_words() -> set[str]:
    """Words of our English messages that their German versions do not use."""
    texts = [*message_table().values(), *cli_table().values()]
    words = lambda s: set(re.findall(r"(?<![-{\w])[a-z]{4,}(?![\w}])", re.sub(  # noqa: E731
        r"\{[^}]*\}|`[^`]*`|--[\w-]+|'[^']*'|\([^)]*\.\w+\)", " ", s)))
    english = set().union(*(words(t["en"]) for t in texts))
    german = set().union(*(words(t.get("de", "").lower()) for t in texts),
                         *(words(t.get("de", "").lower()) for t in summary_table().values()),
                         *(words(t.lower()) for t in _catalogue_german()))
    return english - german  # "Name", "Lead Time", "Index": German uses them too


def _catalogue_german() -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("de"), str):
                found.append(node["de"])
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for path in sorted(default_catalogue_dir().glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


ENGLISH = _english_words()


def english_left(output: str, *allowed: str) -> set[str]:
    """Our English words in `output`, apart from file names, quoted commands, compounds
    (pgBackRest-info-JSON) and the `allowed` values."""
    for value in allowed:
        output = output.replace(value, " ")
    output = re.sub(r"`[^`]*`|'[^']*'|\S*[/.]\S*", " ", output)
    return {w for w in re.findall(r"(?<![\w-])[a-z]+(?![\w-])", output.lower()) if w in ENGLISH}


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def said(output: str) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(output.split())


def warnings(output: str) -> list[str]:
    return [line for line in said(output).replace(" Warnung: ", "\nWarnung: ").splitlines()
            if line.startswith("Warnung: ")]


def test_the_english_words_are_many_enough_to_mean_something():
    assert {"found", "cannot", "invalid", "measures", "wrote", "warning", "error",
            "nested", "directory", "partial"} <= ENGLISH


@pytest.fixture
def broken_backups(tmp_path: Path) -> dict[str, Path]:
    files = {"pgbackrest": ('[{"name": "main"}]', "pgbackrest.json"),
             "walg": ("{}", "walg.json"),
             "barman": ("Server main:\n\tnothing to see\n", "barman.txt"),
             "patroni": ("{}", "patroni.json")}
    out = {}
    for key, (content, name) in files.items():
        out[key] = tmp_path / name
        out[key].write_text(content, encoding="utf-8")
    return out


def test_collector_warnings_and_summary_in_german(tmp_path: Path, broken_backups):
    out = tmp_path / "evidence-postgres.json"
    args = ["collect", "postgres", "--pgbackrest-info", str(broken_backups["pgbackrest"]),
            "--walg", str(broken_backups["walg"]), "--barman", str(broken_backups["barman"]),
            "--patroni-file", str(broken_backups["patroni"]), "--out", str(out)]
    german = run(*args, "--lang", "de")
    assert german.exit_code == 0, german.output
    lines = german.output.strip().splitlines()
    assert sum(line.startswith("Warnung: ") for line in lines) == 4, german.output
    assert "eine Stanza ohne `backup`: kein pgBackRest-info-JSON" in german.output
    assert "keine aufgezeichneten Patroni-Antworten" in german.output
    assert re.search(r"geschrieben \(\d+ Messwerte, unvollständig, Abdeckung \d+%\)",
                     german.output)
    assert not english_left(german.output, str(tmp_path)), german.output
    # The evidence keeps the English, whoever reads it later and in whichever language.
    missing = json.loads(out.read_text())["coverage"]["missing"]
    assert any("a stanza without `backup`" in m for m in missing)

    english = run(*args, "--lang", "en")
    assert english.exit_code == 0
    assert "warning: " in english.output and "measures, partial" in english.output
    assert {"warning", "wrote", "measures", "partial"} <= english_left(english.output)


@pytest.mark.parametrize("args", [
    ("assess", "--answers", "{tmp}/missing.yaml"),
    ("score", "--answers", "{tmp}/broken.yaml"),
    ("score", "--evidence", "{tmp}/broken.json"),
    ("collect", "prometheus", "--rules", "{tmp}/nothing/"),
    ("collect", "postgres"),
    ("report", "--in", "{tmp}/missing.json", "--json", "-"),
    ("report", "--in", "{tmp}/broken.json"),
    ("report", "--in", "{tmp}/broken.json", "--pdf", "-"),
    ("report", "--in", "{tmp}/a.json", "--in", "{tmp}/b.json", "--team", "x", "--json", "-"),
    ("collect", "gitlab", "--url", "http://127.0.0.1:8652"),
    ("collect", "gitlab", "--url", "ftp://example.com", "--group", "g"),
    ("collect", "prometheus", "--url", "localhost:9090"),
    ("score", "--evidence", "{tmp}/no-source.json"),
    ("score", "--evidence", "{tmp}/reversed.json"),
    ("score", "--evidence", "{tmp}/newer.json"),
], ids=["missing file", "bad YAML", "bad JSON", "no rules", "no source", "report input",
        "report output", "report binary", "report teams", "gitlab names", "gitlab url",
        "prometheus url", "evidence field", "evidence window", "evidence version"])
def test_errors_in_german(tmp_path: Path, args: tuple[str, ...]):
    (tmp_path / "broken.yaml").write_text("participants:\n  - role: dev\n    role: ops\n")
    (tmp_path / "broken.json").write_text('{"collector": "git",}')
    evidence = {"collector": "git", "source": "x", "collected_at": "2026-01-01T00:00:00Z",
                "coverage": {"ratio": 1}}
    for name, change in (("no-source", {"collected_at": None}), ("newer", {"schema_version": 99}),
                         ("reversed", {"window": {"start": "2026-02-01T00:00:00Z",
                                                  "end": "2026-01-01T00:00:00Z"}})):
        data = {k: v for k, v in {**evidence, **change}.items() if v is not None}
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    result = run(*[a.format(tmp=tmp_path) for a in args], "--lang", "de")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Fehler: ") and len(result.output.splitlines()) == 1
    field = ": window: "  # where in the data: a field's name
    assert not english_left(result.output, str(tmp_path), field), result.output


def test_the_language_from_the_environment(tmp_path: Path):
    result = run("collect", "postgres", env={"OPSMATURITY_LANG": "de"})
    assert result.exit_code == 2
    assert result.output.startswith("Fehler: keine PostgreSQL-Quelle angegeben")


def test_summary_and_questionnaire_in_german(tmp_path: Path):
    score = run("score", "--answers", str(EXAMPLES / "workshop.yaml"), "--lang", "de")
    assert score.exit_code == 0
    questionnaire = run("questionnaire", "--lang", "de")
    assert questionnaire.exit_code == 0
    for output in (score.output, questionnaire.output):
        assert not english_left(output), output[:500]


# ----------------------------------------------------------------------- monitoring


@pytest.fixture
def broken_monitoring(tmp_path: Path) -> list[str]:
    files = {
        "nameless.yml": "groups:\n  - rules: []\n",
        "neither.yml": "groups:\n  - name: g\n    rules:\n      - expr: up\n",
        "duration.yml": "groups:\n  - name: g\n    rules:\n      - alert: A\n"
                        "        expr: up\n        for: soon\n",
        "good.yml": "groups:\n  - name: ok\n    rules:\n      - alert: Down\n"
                    "        expr: up == 0\n        for: 5m\n",
        "alertmanager.yml": "route:\n  receiver: team\nreceivers:\n  - name: other\n",
        "history.csv": "foo,bar\n1,2\n",
        "grafana.json": '{"title": "not a dashboard"}',
        "tasks.tick": "stream\n  |from()\n  |alert(\n",
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    t = str(tmp_path)
    return ["--rules", f"{t}/nameless.yml", f"{t}/neither.yml", f"{t}/duration.yml",
            f"{t}/good.yml", "--alertmanager-config", f"{t}/alertmanager.yml",
            "--alert-history", f"{t}/history.csv", "--grafana", f"{t}/grafana.json",
            "--kapacitor", f"{t}/tasks.tick",
            "--url", "http://127.0.0.1:8651",  # nothing listens there: refused
            "--timeout", "2"]


def test_monitoring_warnings_in_german(tmp_path: Path, broken_monitoring: list[str]):
    out = tmp_path / "evidence.json"
    result = run("collect", "prometheus", *broken_monitoring, "--out", str(out), "--lang", "de")
    assert result.exit_code == 0, result.output
    found = warnings(result.output)
    assert len(found) == 8, result.output
    for german in ("nameless.yml:2: eine Regelgruppe braucht einen Namen",
                   "neither.yml:4: Gruppe 'g': Regel 1 hat weder alert: noch record:",
                   "duration.yml:6: Alarm 'A': for: 'soon' ist keine Dauer",
                   "keine Verbindung (Verbindung abgelehnt); keine Live-Regeln, Alarme oder "
                   "Alarmhistorie von Prometheus",
                   "history.csv:1: die CSV-Kopfzeile hat keine Spalte alertname",
                   "alertmanager.yml: Route zum Receiver 'team', der nicht definiert ist",
                   "grafana.json: keine Grafana-Datei mit Dashboard",
                   "TICKscript: '(' wird nie geschlossen"):
        assert german in said(result.output), german
    assert not english_left(result.output, str(tmp_path)), result.output
    missing = json.loads(out.read_text())["coverage"]["missing"]  # the evidence: English
    assert any(m.endswith("a rule group needs a name") for m in missing)
    assert any("route to receiver 'team', which is not defined" in m for m in missing)


def test_monitoring_errors_in_german(tmp_path: Path):
    result = run("collect", "prometheus", "--lang", "de")
    assert result.exit_code == 2
    assert said(result.output).startswith("Fehler: keine Monitoring-Quelle angegeben: Nennen "
                                          "Sie Regeldateien (--rules)")
    result = run("collect", "prometheus", "--alertmanager-config", str(tmp_path / "am.yml"),
                 "--lang", "de")
    assert result.exit_code == 2
    assert said(result.output) == f"Fehler: {tmp_path / 'am.yml'}: Datei nicht gefunden"


# ----------------------------------------------------------------------- CI files


def test_ci_warnings_in_german(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".gitlab-ci.yml").write_text(
        "include:\n  - local: missing.yml\n  - remote: https://example.com/t.yml\n"
        "  - local: ../outside.yml\ntest:\n  extends: .base\n  script: [pytest]\n"
        "lint:\n  extends: .lint\n  script: [ruff]\n")
    (repo / ".github" / "workflows" / "broken.yml").write_text("name: x\njobs: [1\n")
    (repo / ".github" / "workflows" / "no-triggers.yml").write_text(
        "name: y\njobs:\n  a:\n    runs-on: x\n    steps: [{run: make}]\n")
    (repo / "Jenkinsfile").write_text("pipeline {\n  stages {\n    stage('Build') {\n")
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.email=a@example.com", "-c", "user.name=A", "commit", "-qm", "ci"]):
        subprocess.run(["git", *args], cwd=repo, check=True)
    out = tmp_path / "evidence-ci.json"
    result = run("collect", "ci", str(repo), "--out", str(out), "--lang", "de")
    assert result.exit_code == 0, result.output
    text = said(result.output)
    for german in (".gitlab-ci.yml:2: die eingebundene lokale Datei 'missing.yml' wurde nicht "
                   "gefunden",
                   ".gitlab-ci.yml:4: das Include '../outside.yml' liegt außerhalb des "
                   "Repositorys",
                   "broken.yml:3: ungültiges YAML: ',' or ']' erwartet, aber '<stream end>' "
                   "gefunden (beim Lesen einer Flow-Sequenz in Zeile 2)",
                   "no-triggers.yml:1: der Workflow hat keine 'on:'-Auslöser",
                   "Include nicht aufgelöst: remote 'https://example.com/t.yml' (nicht "
                   "abgerufen)",
                   "Job 'test' erweitert '.base', nicht gefunden",
                   "Jenkinsfile:3: die Stage 'Build' hat keine schließende Klammer"):
        assert german in text, german
    assert not english_left(result.output, str(tmp_path)), result.output
    missing = json.loads(out.read_text())["coverage"]["missing"]
    assert any("workflow has no 'on:' triggers" in m for m in missing)


@pytest.mark.parametrize(("command", "make", "german"), [
    ("ci", "file", ": kein Verzeichnis"),
    ("ci", "", ": Datei oder Verzeichnis nicht gefunden"),
    ("git", "dir", ": kein Git-Repository"),
])
def test_source_errors_in_german(tmp_path: Path, command: str, make: str, german: str):
    source = tmp_path / "source"
    if make == "file":
        source.write_text("x")
    elif make == "dir":
        source.mkdir()
    result = run("collect", command, str(source), "--out", str(tmp_path / "ev.json"),
                 "--lang", "de")
    assert result.exit_code == 2
    assert said(result.output) == f"Fehler: {source}{german}"


def test_ci_collector_errors_in_german(tmp_path: Path):
    """The command line finds the source first (git collector, still English); the CI
    collector's own errors, met by `assess` and the library, come back in German."""
    from opsmaturity.collectors.base import CollectorError
    from opsmaturity.collectors.ci.collector import CiConfigCollector, CiConfigOptions
    from opsmaturity.core.messages import localise

    (tmp_path / "file.txt").write_text("x")
    for path, german in ((tmp_path / "file.txt", ": kein Verzeichnis (erwartet wird ein "
                                                 "ausgechecktes Repository"),
                         (tmp_path / "gone", ": Verzeichnis nicht gefunden")):
        with pytest.raises(CollectorError) as caught:
            CiConfigCollector().collect(CiConfigOptions(repo=path))
        assert localise(str(caught.value), "de").startswith(f"{path}{german}")


# ----------------------------------------------------------------------- GitLab, GitHub


@pytest.fixture
def acme(httpserver, tmp_path, monkeypatch, quiet_server_log):
    from tests.collectors.delivery.gitlab.test_collector import TOKEN
    from tests.fixtures.gitlab.fake_gitlab import FakeGitLab

    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GITLAB_TOKEN", TOKEN)
    fake = FakeGitLab.from_dir(token=TOKEN)
    return fake, fake.serve(httpserver)


GITLAB_WINDOW = ["--since", "2024-03-04", "--until", "2024-03-18"]


def test_gitlab_401_in_german(acme, tmp_path: Path):
    fake, url = acme
    fake.token = "glpat-another-token"
    result = run("collect", "gitlab", "--url", url, "--group", "acme", *GITLAB_WINDOW,
                 "--out", str(tmp_path / "ev.json"), "--lang", "de")
    assert result.exit_code == 2
    assert said(result.output) == (
        f"Fehler: GitLab ({url}) hat die Zugangsdaten beim Lesen von Gruppe acme abgelehnt "
        "(401 Unauthorized): Setzen Sie GITLAB_TOKEN auf ein gültiges, nicht abgelaufenes "
        "Token mit dem Scope read_api")


def test_gitlab_partial_run_in_german(acme, tmp_path: Path):
    from tests.fixtures.gitlab.fake_gitlab import Fault

    fake, url = acme
    fake.faults.append(Fault(r"/projects/102/deployments$", 403, times=-1))
    fake.faults.append(Fault(r"/projects/101/pipelines$", 404, times=-1))
    out = tmp_path / "ev.json"
    result = run("collect", "gitlab", "--url", url, "--group", "acme", *GITLAB_WINDOW,
                 "--out", str(out), "--lang", "de")
    assert result.exit_code == 0, result.output
    text = said(result.output)
    assert (f"nicht gelesen: GitLab ({url}) hat den Zugriff auf Deployments von Projekt "
            "acme/platform/api verweigert (403 Forbidden)") in text
    assert (f"nicht gelesen: Pipelines von Projekt acme/shop: auf GitLab ({url}) nicht gefunden "
            "(404): Prüfen Sie den Namen") in text
    assert ("nicht gelesen: Jobs von Projekt acme/shop: nicht gelesen, weil die Pipelines "
            "nicht gelesen wurden") in text
    assert re.search(r"geschrieben \(\d+ Messwerte, unvollständig, Abdeckung \d+%\)", text)
    assert not english_left(result.output, url, "acme/platform/api"), text
    missing = json.loads(out.read_text())["coverage"]["missing"]
    assert any("refused access (403 Forbidden) to deployments of project" in m
               for m in missing)


def test_github_errors_in_german(httpserver, tmp_path: Path, monkeypatch, quiet_server_log):
    from tests.collectors.delivery.github.fake import REPO, FakeGitHub

    monkeypatch.setenv("OPSMATURITY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_S3cr3tT0kenForTests0123456789abcdef")
    fake = FakeGitHub(httpserver)
    args = ["collect", "github", "--repo", REPO, "--url", fake.url, "--since", "2026-03-01",
            "--until", "2026-03-29", "--lang", "de"]
    fake.fail("/pulls/14/commits", (404, {}, {"message": "Not Found"}))
    partial = run(*args, "--out", str(tmp_path / "ev.json"))
    assert partial.exit_code == 0, partial.output
    assert (f"nicht gelesen: erster Commit von 1 der 4 gemergten Pull-Requests nicht gelesen "
            f"(ihre Lead Time beginnt mit dem Erstellen des Pull-Requests): {REPO} auf "
            f"{fake.url} (Commits von Pull-Request #14) wurde nicht gefunden (404)"
            ) in said(partial.output)
    fake.fail("", (401, {}, {"message": "Bad credentials"}))
    failed = run(*args, "--out", str(tmp_path / "ev2.json"))
    assert failed.exit_code == 2
    assert said(failed.output) == (f"Fehler: GitHub hat das Token für {REPO} auf {fake.url} "
                                   "abgelehnt (401: Bad credentials); prüfen Sie GITHUB_TOKEN")
    bad = run("collect", "github", "--repo", "just-a-name", "--lang", "de")
    assert bad.exit_code == 2
    assert said(bad.output) == "Fehler: --repo: 'just-a-name' ist nicht OWNER/NAME " \
        "(z. B. octo-org/service)"


# ----------------------------------------------------------------------- store commands


def test_store_commands_in_german(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPSMATURITY_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.delenv("OPSMATURITY_NEW_PASSWORD", raising=False)
    env = {"OPSMATURITY_LANG": "de"}
    lines = [
        run("org", "create", "Acme", env=env),
        run("team", "create", "Shop", "--org", "Acme", env=env),
        run("assessment", "create", "--team", "Shop", "--date", "2026-12-04", env=env),
        run("history", "--team", "Shop", env=env),
        run("user", "add", "fiona", "--role", "facilitator", "--org", "Acme", "--no-password",
            env=env),
        run("user", "grant", "fiona", env=env),
        run("user", "remove", "fiona", env=env),
    ]
    assert [r.exit_code for r in lines] == [0] * len(lines), [r.output for r in lines]
    text = said(" ".join(r.output for r in lines))
    for german in ("Organisation 1 angelegt: Acme", "Team 1 angelegt: Shop (Acme)",
                   "Entwurf der Bewertung 1 für Shop (Acme) vom 2026-12-04 angelegt",
                   "noch keine abgeschlossenen Bewertungen für Shop",
                   "Moderator/in fiona angelegt: sieht Acme", "fiona sieht keine Organisation",
                   "Konto fiona entfernt"):
        assert german in text, german
    assert not english_left(text), text
    no_password = run("user", "add", "max", "--role", "admin", env=env)
    assert no_password.exit_code == 2
    assert said(no_password.output) == ("Fehler: kein Passwort: Setzen Sie "
                                        "OPSMATURITY_NEW_PASSWORD oder führen Sie den Befehl in "
                                        "einem Terminal aus")


# ----------------------------------------------------------------------- progress


@pytest.mark.parametrize(("lang", "message", "expected"), [
    ("de", "computing measures", "Berechnen der Messwerte"),
    ("de", "reading workflow runs", "Lesen von Workflow-Runs"),
    ("de", "read acme/shop", "acme/shop gelesen"),
    ("en", "reading workflow runs", "reading workflow runs"),
])
def test_the_progress_bar_speaks_the_command_language(lang: str, message: str, expected: str):
    import io

    from rich.console import Console

    from opsmaturity.app.cli import common
    from opsmaturity.app.cli.progress import progress_bar

    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=200)
    before, common.state.lang = common.state.lang, lang
    try:
        with progress_bar("gitlab", console) as update:
            update(message, 0.5)
    finally:
        common.state.lang = before
    drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())
    assert expected in drawn, drawn


# ----------------------------------------------------------------------- incidents


def test_incident_warnings_in_german(tmp_path: Path):
    team = Path(__file__).parents[2] / "fixtures" / "incidents" / "team.csv"
    out = tmp_path / "ev.json"
    result = run("collect", "incidents", str(team), "--timezone", "Europe/Zurich", "--since",
                 "2024-03-01", "--until", "2024-04-01", "--out", str(out), "--lang", "de")
    assert result.exit_code == 0, result.output
    text = said(result.output)
    assert len(warnings(result.output)) == 2
    assert f"Warnung: {team}:11: Incident T10: opened: die Zeit 'soon' ist nicht lesbar" in text
    assert (f"Warnung: {team}:12: Incident T11: resolved (2024-03-28T09:00:00Z) liegt vor "
            "opened (2024-03-28T10:00:00Z)") in text
    assert "(8 Incidents im Zeitfenster, 2 fehlerhafte Datensätze übersprungen)" in \
        said(result.output)
    assert not english_left(result.output, str(team), str(tmp_path)), result.output
    missing = json.loads(out.read_text())["coverage"]["missing"]
    assert any("cannot read the time 'soon'" in m for m in missing)


# ----------------------------------------------------------------------- store, report, git


def test_store_errors_in_german(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPSMATURITY_DATABASE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    env = {"OPSMATURITY_LANG": "de"}
    assert run("org", "create", "Acme", env=env).exit_code == 0
    bundle = tmp_path / "other.bundle.json"
    bundle.write_text('{"format": "something else"}')
    cases = {
        ("org", "create", "Acme"): "Fehler: die Organisation 'Acme' gibt es bereits",
        ("assessment", "create", "--team", "Kasse"):
            "Fehler: kein Team 'Kasse' (siehe `opsmaturity team list`)",
        ("assessment", "finalise", "7"):
            "Fehler: keine Bewertung 7 (siehe `opsmaturity assessment list`)",
        ("import", str(bundle)): f"Fehler: {bundle}: kein opsmaturity-Bundle",
        ("--db", "mongodb://db/x", "org", "list"):
            "Fehler: nicht unterstützte Datenbank 'mongodb': Verwenden Sie SQLite",
    }
    for args, german in cases.items():
        result = run(*args, env=env)
        assert result.exit_code == 2, result.output
        assert said(result.output).startswith(german), result.output
        assert not english_left(result.output, str(tmp_path)), result.output
    english = run("assessment", "finalise", "7")
    assert "no assessment 7 (see `opsmaturity assessment list`)" in english.output


def test_report_error_in_german(tmp_path: Path):
    scored = tmp_path / "a.json"
    assert run("score", "--answers", str(EXAMPLES / "weak-team.yaml"), "--out", str(scored),
               "-q").exit_code == 0
    data = json.loads(scored.read_text())
    data["team"] = None
    scored.write_text(json.dumps(data))
    result = run("report", "--in", str(scored), "--json", "-", "--lang", "de")
    assert result.exit_code == 2, result.output
    assert "die Bewertung nennt kein Team; geben Sie eines an" in said(result.output)
    assert not english_left(result.output, str(tmp_path)), result.output


@pytest.mark.parametrize(("make", "german"), [
    (lambda p: p / "nothing", "Datei oder Verzeichnis nicht gefunden"),
    (lambda p: (p / "file.txt").write_text("x") and p / "file.txt", "kein Verzeichnis"),
    (lambda p: (p / "plain").mkdir() or p / "plain", "kein Git-Repository"),
], ids=["missing", "file", "not a repository"])
def test_git_errors_in_german(tmp_path: Path, make, german: str):
    source = make(tmp_path)
    result = run("collect", "git", str(source), "--out", str(tmp_path / "e.json"),
                 "--lang", "de")
    assert result.exit_code == 2, result.output
    assert said(result.output) == f"Fehler: {source}: {german}"
    assert not english_left(result.output, str(tmp_path)), result.output


def test_web_start_error_in_german():
    result = run("web", "--public-url", "ftp://ws.example.org", env={"OPSMATURITY_LANG": "de"})
    assert result.exit_code == 2, result.output
    assert said(result.output).startswith(
        "Fehler: --public-url 'ftp://ws.example.org': Geben Sie die Adresse der App an")
    assert not english_left(result.output), result.output


def test_lang_before_the_command_holds_for_the_line_and_the_commands_own_wins(tmp_path):
    missing = str(tmp_path / "missing.json")
    german = run("--lang", "de", "report", "--in", missing, "--pdf", str(tmp_path / "r.pdf"))
    assert german.exit_code == 2 and "Datei nicht gefunden" in said(german.output)
    # a store command has no --lang of its own: the one before it speaks for it
    store = run("--db", f"sqlite:///{tmp_path / 's.db'}", "--lang", "de", "team", "list",
                "--org", "Nobody")
    assert store.exit_code == 2 and "not found" not in store.output, store.output
    # the command's own --lang beats the one before it, which beats the environment
    english = run("--lang", "de", "report", "--in", missing, "--pdf", str(tmp_path / "r.pdf"),
                  "--lang", "en")
    assert "file not found" in said(english.output).lower()
    also = run("--lang", "en", "report", "--in", missing, "--pdf", str(tmp_path / "r.pdf"),
               env={"OPSMATURITY_LANG": "de"})
    assert "file not found" in said(also.output).lower()
