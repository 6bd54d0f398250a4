"""Live workshops: join codes, closing, and the consensus a group agrees on."""

from __future__ import annotations

import json
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from opsmaturity.core.messages import text as _msg
from opsmaturity.scoring.answers import (
    AnswerError,
    RawValue,
    check_answer,
)
from opsmaturity.scoring.catalogue import Catalogue

from . import tables as t
from .base import StoreBase, _now, _workshop_record, upsert
from .db import StoreError
from .records import (
    ConsensusRecord,
    WorkshopRecord,
)

JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a workshop
JOIN_CODE_LENGTH = 10
"""32**10 = 2**50 codes: with logins and join codes slowed down per address (at most a few
hundred guesses an hour), guessing one in a workshop's lifetime is hopeless."""


def normalise_code(code: str) -> str:
    """A join code as typed or read aloud (`abcde-fghjk`, spaces) as it is stored."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:2 * JOIN_CODE_LENGTH]


def shown_code(code: str) -> str:
    """A join code in two groups of five, easier to read out to a room."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) >= 8 else code


class WorkshopStore(StoreBase):
    """Live workshops: join codes, closing, and the consensus a group agrees on."""

    # workshops ---------------------------------------------------------------------------

    def open_workshop(self, assessment_id: int, *, new_session: bool = False) -> WorkshopRecord:
        """The assessment's workshop, open for answers: an open one is reused; a closed one
        is reopened with the same code, participants and links; `new_session` draws a new
        code instead (the old links then stop working)."""
        for _ in range(20):
            try:
                with self._tx() as s:
                    a = self._open_assessment(s, assessment_id)
                    current = self._latest_session(s, a.id)
                    if current is not None and current.closed_at is None and new_session:
                        current.closed_at = _now()
                    if current is not None and not new_session:
                        current.closed_at = None
                    else:
                        code = "".join(secrets.choice(JOIN_ALPHABET)
                                       for _ in range(JOIN_CODE_LENGTH))
                        current = t.WorkshopSession(assessment_id=a.id, join_code=code,
                                                    opened_at=_now())
                        s.add(current)
                        s.flush()
                    return _workshop_record(current)
            except IntegrityError:  # join code taken: draw again
                continue
        raise StoreError(_msg("store.no_free_join_code"))  # pragma: no cover

    def latest_workshop(self, assessment_id: int) -> WorkshopRecord | None:
        """The assessment's newest workshop session, open or closed (None: never run)."""
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            row = self._latest_session(s, assessment_id)
            return None if row is None else _workshop_record(row)

    def workshop_by_code(self, code: str) -> WorkshopRecord:
        """The workshop a join code opens, open or closed (`closed_at` tells). The code
        itself is the permission (it is what a participant holds), so this lookup ignores
        the store's scope; the message never repeats what was typed."""
        with self._tx(read=True) as s:
            row = s.scalar(select(t.WorkshopSession).where(
                t.WorkshopSession.join_code == normalise_code(code)))
            if row is None:
                raise StoreError(_msg("store.unknown_join_code"))
            return _workshop_record(row)

    def close_workshop(self, assessment_id: int) -> None:
        with self._tx() as s:
            self._assessment(s, assessment_id)
            for ws in s.scalars(select(t.WorkshopSession).where(
                    t.WorkshopSession.assessment_id == assessment_id,
                    t.WorkshopSession.closed_at.is_(None))):
                ws.closed_at = _now()

    # facilitation: blind voting, agenda, timer ---------------------------------------------

    def set_blind(self, assessment_id: int, blind: bool) -> WorkshopRecord:
        """Blind voting: the room's answers to a question stay hidden until revealed."""
        return self._change_session(assessment_id, blind=blind)

    def reveal(self, assessment_id: int, question_id: str) -> WorkshopRecord:
        """Show the answers to one question (blind voting keeps the others hidden)."""
        with self._tx() as s:
            row = self._session_to_change(s, assessment_id)
            shown = json.loads(row.revealed_json or "[]")
            if question_id not in shown:
                row.revealed_json = json.dumps([*shown, question_id])
            return _workshop_record(row)

    def set_agenda(self, assessment_id: int, minutes: dict[str, int]) -> WorkshopRecord:
        """Minutes planned per area (areas with no time are left out)."""
        if any(not isinstance(m, int) or m < 0 or m > 24 * 60 for m in minutes.values()):
            raise StoreError(_msg("store.agenda_minutes"))
        planned = {area: m for area, m in minutes.items() if m}
        return self._change_session(assessment_id, agenda_json=json.dumps(planned))

    def start_timer(self, assessment_id: int, area: str | None) -> WorkshopRecord:
        """Start the timer of one area now (None stops it)."""
        return self._change_session(assessment_id, timer_area=area,
                                    timer_started_at=_now() if area else None)

    def _change_session(self, assessment_id: int, **values: object) -> WorkshopRecord:
        with self._tx() as s:
            row = self._session_to_change(s, assessment_id)
            for key, value in values.items():
                setattr(row, key, value)
            return _workshop_record(row)

    def _session_to_change(self, s, assessment_id: int) -> t.WorkshopSession:
        self._open_assessment(s, assessment_id)
        row = self._latest_session(s, assessment_id)
        if row is None:
            raise StoreError(_msg("store.no_workshop", id=assessment_id))
        return row

    @staticmethod
    def _latest_session(s, assessment_id: int) -> t.WorkshopSession | None:
        return s.scalar(select(t.WorkshopSession).where(
            t.WorkshopSession.assessment_id == assessment_id)
            .order_by(t.WorkshopSession.id.desc()).limit(1))

    def save_consensus(self, assessment_id: int, question_id: str, value: RawValue,
                       notes: str | None = None, catalogue: Catalogue | None = None) -> None:
        if catalogue is not None and value is not None:
            try:
                check_answer(catalogue, question_id, value)
            except AnswerError as exc:
                raise StoreError(str(exc)) from None
        with self._tx() as s:
            self._open_assessment(s, assessment_id)
            values = {"assessment_id": assessment_id, "question_id": question_id,
                      "value_json": json.dumps(value), "notes": (notes or "").strip() or None,
                      "decided_at": _now()}
            upsert(s, t.Consensus, values, ["assessment_id", "question_id"])

    def consensus(self, assessment_id: int) -> list[ConsensusRecord]:
        with self._tx(read=True) as s:
            self._assessment(s, assessment_id)
            rows = s.scalars(select(t.Consensus).where(
                t.Consensus.assessment_id == assessment_id).order_by(t.Consensus.question_id))
            return [ConsensusRecord(question_id=r.question_id,
                                    value=None if r.value_json is None else json.loads(
                                        r.value_json),
                                    notes=r.notes, decided_at=r.decided_at) for r in rows]
