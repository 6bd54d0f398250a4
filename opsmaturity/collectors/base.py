"""What a collector is: a name, the measures it can publish, and collect(config).

Collectors measure; they never judge (the catalogue's probes do). They import
nothing of ours above them (only `opsmaturity.core`), so a third-party collector
needs only this module and `evidence.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:  # not at run time: a git run starts `git log` before pydantic is imported
    from pydantic import BaseModel

    from opsmaturity.core.evidence import EvidenceSet

Progress = Callable[[str, float | None], None]
"""progress(message, fraction done or None when unknown); collectors call it on long work."""


def no_progress(message: str, fraction: float | None) -> None:
    """The default progress sink: say nothing."""


class CollectorError(Exception):
    """A problem the user can fix (bad path, missing git, unreachable URL), worded for them."""


@runtime_checkable
class Collector(Protocol):
    name: ClassVar[str]
    measures: ClassVar[tuple[str, ...]]
    config_model: ClassVar[type[BaseModel]]

    def collect(self, config: BaseModel, progress: Progress = no_progress) -> EvidenceSet: ...
