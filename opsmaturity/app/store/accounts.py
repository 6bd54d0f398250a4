"""Accounts of the web app: admins and facilitators, their passwords and organisations.

Passwords are kept only as argon2id hashes (argon2-cffi, with its default, current
parameters; a hash made with older parameters is renewed at the next login). A name that
does not exist costs the same time to refuse as a wrong password, so a login form does not
tell which names exist. Accounts are managed by whoever runs the CLI on the store
(`opsmaturity user ...`): a scoped store (a page of the web app) cannot change them.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opsmaturity.core.messages import text as _msg

from . import tables as t
from .base import StoreBase, _name, _now
from .db import StoreError
from .records import UserRecord
from .scope import Scope

ROLES = ("admin", "facilitator")
MIN_PASSWORD = 10
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """What an unknown account's password is checked against, so that a wrong name takes as
    long as a wrong password. Made on the first sign-in, not on import: every command that
    opens the store (a report) paid for an argon2 hash it never used."""
    return _hasher.hash("an account that does not exist")


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise StoreError(_msg("store.password_short", n=MIN_PASSWORD))
    if len(password) > 1000:
        raise StoreError(_msg("store.password_long"))
    return password


def scope_of(user: UserRecord) -> Scope:
    """What the user may see: everything (admin) or their organisations (facilitator)."""
    if user.role == "admin":
        return Scope.everything()
    return Scope.of_organisations(user.organisation_ids)


class AccountStore(StoreBase):
    """Accounts: add, list, remove, change a password, grant organisations, log in."""

    def _managing(self) -> None:
        if not self.scope.unlimited:
            raise StoreError(_msg("store.accounts_on_server"))

    def add_user(self, name: str, role: str, password: str | None,
                 organisations: list[str | int] = ()) -> UserRecord:
        """An account; `password` None for one that logs in through OpenID Connect only."""
        self._managing()
        name = _name(name, "user")
        if role not in ROLES:
            raise StoreError(_msg("store.role", roles=", ".join(ROLES), role=repr(role)))
        if role == "admin" and organisations:
            raise StoreError(_msg("store.admin_without_org"))
        digest = None if password is None else _hasher.hash(check_password(password))
        try:
            with self._tx() as s:
                row = t.User(name=name, role=role, password_hash=digest, created_at=_now(),
                             password_changed_at=None if digest is None else _now())
                s.add(row)
                s.flush()
                for org in organisations:
                    s.add(t.UserOrganisation(user_id=row.id,
                                             organisation_id=self._org(s, org).id))
                return self._user_record(s, row)
        except IntegrityError:
            raise StoreError(_msg("store.user_exists", name=repr(name))) from None

    def users(self) -> list[UserRecord]:
        self._managing()
        with self._tx(read=True) as s:
            rows = s.scalars(select(t.User).order_by(t.User.name)).all()
            return [self._user_record(s, u) for u in rows]

    def user(self, ref: str | int) -> UserRecord:
        """One account by name or id (a StoreError when there is none)."""
        with self._tx(read=True) as s:
            return self._user_record(s, self._user(s, ref))

    def remove_user(self, name: str) -> None:
        self._managing()
        with self._tx() as s:
            row = self._user(s, name)
            s.execute(delete(t.UserOrganisation).where(t.UserOrganisation.user_id == row.id))
            s.delete(row)

    def set_password(self, name: str, password: str | None) -> None:
        """A new password (None: this account logs in through OpenID Connect only)."""
        self._managing()
        digest = None if password is None else _hasher.hash(check_password(password))
        with self._tx() as s:
            row = self._user(s, name)
            row.password_hash = digest
            row.password_changed_at = _now()

    def grant(self, name: str, organisations: list[str | int]) -> UserRecord:
        """Replace the organisations a facilitator may see."""
        self._managing()
        with self._tx() as s:
            row = self._user(s, name)
            if row.role == "admin" and organisations:
                raise StoreError(_msg("store.admin_sees_all"))
            s.execute(delete(t.UserOrganisation).where(t.UserOrganisation.user_id == row.id))
            for org in organisations:
                s.add(t.UserOrganisation(user_id=row.id, organisation_id=self._org(s, org).id))
            s.flush()
            return self._user_record(s, row)

    def has_users(self) -> bool:
        with self._tx(read=True) as s:
            return s.scalar(select(t.User.id).limit(1)) is not None

    def authenticate(self, name: str, password: str) -> UserRecord | None:
        """The account when name and password match, else None (in the same time)."""
        with self._tx(read=True) as s:
            row = s.scalar(select(t.User).where(t.User.name == (name or "").strip()))
            digest = row.password_hash if row is not None else None
        try:
            _hasher.verify(digest or _dummy_hash(), password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if digest is None or row is None:
            return None
        if _hasher.check_needs_rehash(digest):
            with self._tx() as s:
                fresh = s.get(t.User, row.id)
                if fresh is not None and fresh.password_hash == digest:
                    fresh.password_hash = _hasher.hash(password)
        return self.user(row.id)

    def _user(self, s: Session, ref: str | int) -> t.User:
        if isinstance(ref, int):
            row = s.get(t.User, ref)
        else:
            row = s.scalar(select(t.User).where(t.User.name == str(ref).strip()))
        if row is None:
            raise StoreError(_msg("store.no_user", ref=repr(ref)))
        return row

    def _user_record(self, s: Session, row: t.User) -> UserRecord:
        orgs = s.execute(select(t.Organisation.id, t.Organisation.name)
                         .join(t.UserOrganisation,
                               t.UserOrganisation.organisation_id == t.Organisation.id)
                         .where(t.UserOrganisation.user_id == row.id)
                         .order_by(t.Organisation.name)).all()
        return UserRecord(id=row.id, name=row.name, role=row.role,
                          organisations=[o.name for o in orgs],
                          organisation_ids=[o.id for o in orgs],
                          has_password=row.password_hash is not None,
                          created_at=row.created_at)
