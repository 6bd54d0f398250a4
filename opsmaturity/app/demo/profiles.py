"""The demo organisation's teams, read from organisation.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from opsmaturity.core.sources import safe_load

DEFINITION = Path(__file__).with_name("organisation.yaml")


class DemoDatabase(BaseModel):
    """A team's PostgreSQL cluster as its Patroni and pgBackRest would report it (recorded
    answers, no live server): a primary and one standby in the second data centre."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    standby_down_hours: float | None = Field(
        default=None, description="hours since the standby stopped; None: it streams")
    last_backup_hours: float = Field(gt=0, description="age of the newest full backup")
    last_failover_days: float | None = Field(
        default=None, description="days since the last switchover; None: never")
    version: str = "15.8"


class TeamProfile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    maturity: float = Field(ge=0, le=1)
    optimism: float = Field(ge=0, le=1)
    authors: list[str] = Field(min_length=1)
    ci: Literal["none", "jenkins", "gitlab", "github"]
    context: dict[str, str] = Field(
        default_factory=dict, description="context answers that differ from the organisation's")
    database: DemoDatabase | None = None

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.name.lower()).strip("-")


class DemoOrganisation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    organisation: str
    seed: int
    context: dict[str, str] = Field(
        default_factory=dict, description="context question -> option, the whole company's")
    teams: list[TeamProfile]


def load_demo(path: Path = DEFINITION) -> DemoOrganisation:
    return DemoOrganisation.model_validate(safe_load(path.read_text(encoding="utf-8"), path))
