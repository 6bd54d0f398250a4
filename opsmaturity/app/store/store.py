"""Organisations -> teams -> assessments -> participants -> answers, evidence, snapshots.

Every public method is one transaction, committed before it returns: an answer given in
a workshop is on disk when `save_answer` returns, whatever happens to the process next.
A finalised assessment is frozen: its computed Assessment is kept as a snapshot, so
trends compare like with like even after the catalogue changes, and it takes no more
answers or evidence.
"""


from __future__ import annotations

from .accounts import AccountStore
from .assessments import AssessmentStore
from .inputs import InputStore
from .organisations import OrganisationStore
from .plans import PlanStore
from .portfolio import PortfolioStore
from .workshops import WorkshopStore


class Store(OrganisationStore, AssessmentStore, InputStore, WorkshopStore, PortfolioStore,
            PlanStore, AccountStore):
    """The assessment store. Open with `Store.open()`; it migrates the schema on open.

    One facade over the concerns (organisations, assessments, inputs, workshops, the
    portfolio's bulk reads, accounts), each in its own module, so callers keep one object."""
