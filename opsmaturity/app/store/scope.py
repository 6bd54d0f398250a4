"""Who may read what: the scope a store's queries are limited to.

A `Store` opened with `Store.open()` sees everything (the CLI, run by whoever owns the
database). The web app hands every page `store.scoped(scope)`: a facilitator's scope is
the organisations an admin granted them, a participant's is the one assessment their
join link names. The lookups by id and every list read through the scope, so an id from
another organisation is "not found", exactly like an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    """Organisations (None: all) and, narrower still, assessments (None: all of those)."""

    organisations: frozenset[int] | None = None
    assessments: frozenset[int] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls()

    @classmethod
    def nothing(cls) -> Scope:
        return cls(organisations=frozenset(), assessments=frozenset())

    @classmethod
    def of_organisations(cls, ids: frozenset[int] | set[int] | list[int]) -> Scope:
        return cls(organisations=frozenset(ids))

    @classmethod
    def of_assessment(cls, assessment_id: int) -> Scope:
        """A participant: one assessment, and no organisation or team listed."""
        return cls(organisations=frozenset(), assessments=frozenset({assessment_id}))

    @property
    def unlimited(self) -> bool:
        return self.organisations is None and self.assessments is None

    def sees_organisation(self, organisation_id: int) -> bool:
        return self.organisations is None or organisation_id in self.organisations

    def sees_assessment(self, assessment_id: int, organisation_id: int) -> bool:
        if self.assessments is not None:
            return assessment_id in self.assessments
        return self.sees_organisation(organisation_id)
