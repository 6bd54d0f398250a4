"""Nothing saved is lost: 30 writers at once, and a process killed between answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import get_context

from sqlalchemy import func, select

from opsmaturity.app.store import Store, tables

WRITERS = 30
QUESTIONS = 12


def _questions(catalogue) -> list[tuple[str, str]]:
    """(question, a valid value) pairs, the value differing between questions."""
    pairs = []
    for q in catalogue.questions:
        if q.kind != "practice":
            continue
        options = catalogue.scale_of(q).options
        pairs.append((q.id, options[len(pairs) % len(options)].value))
    return pairs[:QUESTIONS]


def _setup(store: Store, catalogue) -> int:
    store.create_organisation("Org")
    team = store.create_team("Org", "Team")
    return store.create_assessment(team.id, catalogue.version).id


def test_thirty_concurrent_writers_lose_nothing(store: Store, catalogue):
    assessment = _setup(store, catalogue)
    pairs = _questions(catalogue)
    start = threading.Barrier(WRITERS)

    def participant(i: int) -> int:
        start.wait()  # everybody joins at once, as in a workshop
        p = store.add_participant(assessment, ("dev", "ops", "management", "other")[i % 4])
        for question, value in pairs:
            store.save_answer(p.id, question, value, comment=f"from writer {i}")
        return p.id

    with ThreadPoolExecutor(WRITERS) as pool:
        ids = list(pool.map(participant, range(WRITERS)))

    assert len(set(ids)) == WRITERS
    saved = store.answers(assessment)
    assert len(saved) == WRITERS * len(pairs)
    assert {(a.question_id, a.value) for a in saved} == set(pairs)
    assert sorted(p.label for p in store.participants(assessment)) == sorted(
        f"P{i}" for i in range(1, WRITERS + 1))


def _process_writer(url: str, assessment: int, pairs: list[tuple[str, str]], i: int) -> None:
    store = Store.open(url)
    p = store.add_participant(assessment, "dev", f"proc {i}")
    for question, value in pairs:
        store.save_answer(p.id, question, value)
    store.close()


def test_concurrent_processes_lose_nothing(store_url, catalogue):
    """Separate processes contend for the database file (SQLite) or server (PostgreSQL)."""
    store = Store.open(store_url)
    assessment = _setup(store, catalogue)
    pairs = _questions(catalogue)
    ctx = get_context("spawn")
    procs = [ctx.Process(target=_process_writer, args=(store_url, assessment, pairs, i))
             for i in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 6
    assert len(store.answers(assessment)) == 6 * len(pairs)
    store.close()


KILLED_WRITER = """
import sys
from sqlalchemy import func, select

from opsmaturity.app.store import Store, tables
store = Store.open(sys.argv[1])
p = store.add_participant(int(sys.argv[2]), "ops")
for n in range(10_000):
    question = sys.argv[3 + n % (len(sys.argv) - 3)]
    store.save_answer(p.id, question, "dont_know", comment=str(n))
    print(n, question, flush=True)
"""


def test_killed_process_keeps_every_saved_answer(store_url, catalogue):
    store = Store.open(store_url)
    assessment = _setup(store, catalogue)
    questions = [q for q, _ in _questions(catalogue)]
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, store_url, str(assessment),
                             *questions], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    confirmed: dict[str, int] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        n, question = line.split()
        confirmed[question] = int(n)
        if int(n) >= 25:
            break
    os.kill(proc.pid, signal.SIGKILL)  # no clean-up, no atexit, mid-write for all we know
    proc.wait()
    store.close()

    reopened = Store.open(store_url)
    saved = {a.question_id: int(a.comment) for a in reopened.answers(assessment)}
    for question, n in confirmed.items():
        assert saved[question] >= n, f"{question}: answer {n} was confirmed, then lost"
    reopened.close()


def test_a_long_read_does_not_hold_up_writers(store: Store, catalogue):
    """The facilitator's live view reads while participants write: readers take no write lock."""
    assessment = _setup(store, catalogue)
    p = store.add_participant(assessment, "dev")
    question, value = _questions(catalogue)[0]
    done = threading.Event()
    with store._tx(read=True) as s:  # a read transaction left open, as a slow page render
        s.execute(select(func.count()).select_from(tables.Answer)).scalar()
        writer = threading.Thread(target=lambda: (store.save_answer(p.id, question, value),
                                                  done.set()))
        writer.start()
        assert done.wait(10), "a writer waited for a reader"
    writer.join()
    assert [a.value for a in store.answers(assessment)] == [value]
