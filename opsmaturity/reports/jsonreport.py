"""The report as versioned JSON, for other tools (BI, archives, the next import).

The document is `{"report_schema_version": N, "report": {...}}` where the report is
a team or an organisation (`kind`). Its JSON schema is generated from the models and
committed as `report.schema.json`; a test fails when the two drift. Run
`python -m opsmaturity.reports.jsonreport` to rewrite the committed schema after a
model change, and raise REPORT_SCHEMA_VERSION when the change is not backward
compatible.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .model import OrganisationReport, TeamReport

REPORT_SCHEMA_VERSION = 1
SCHEMA_FILE = "report.schema.json"
SCHEMA_ID = f"urn:opsmaturity:schema:report:{REPORT_SCHEMA_VERSION}"


class ReportDocument(BaseModel):
    """What a JSON report file holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    report_schema_version: Literal[1] = REPORT_SCHEMA_VERSION
    report: Annotated[TeamReport | OrganisationReport, Field(discriminator="kind")]


def report_json(report: TeamReport | OrganisationReport) -> str:
    """Canonical JSON (sorted keys), so equal reports are equal bytes."""
    doc = ReportDocument(report=report)
    return json.dumps(doc.model_dump(mode="json"), indent=2, sort_keys=True,
                      ensure_ascii=False) + "\n"


def load_report_json(text: str) -> TeamReport | OrganisationReport:
    """Read a report written by report_json (raises pydantic.ValidationError when invalid)."""
    return ReportDocument.model_validate_json(text).report


def report_json_schema() -> dict[str, Any]:
    schema = ReportDocument.model_json_schema()
    schema["required"] = sorted({*schema.get("required", []), "report_schema_version"})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = f"opsmaturity report, schema version {REPORT_SCHEMA_VERSION}"
    return schema


def schema_text() -> str:
    return json.dumps(report_json_schema(), indent=2, sort_keys=True) + "\n"


def schema_path() -> Path:
    return Path(str(resources.files("opsmaturity.reports").joinpath(SCHEMA_FILE)))


if __name__ == "__main__":
    schema_path().write_text(schema_text(), encoding="utf-8")
    print(f"wrote {schema_path()}")
