"""Write the JSON schemas editors use for catalogue and answers files.

Run `make schemas` after changing the pydantic models; a test fails while the
committed schemas and the models disagree.
"""

from __future__ import annotations

from pathlib import Path

from .answers import answers_schema_text
from .catalogue import default_catalogue_dir, schema_text

ANSWERS_SCHEMA_FILE = "answers.schema.json"
CATALOGUE_SCHEMA_FILE = "catalogue.schema.json"


def expected_schemas() -> dict[str, str]:
    return {CATALOGUE_SCHEMA_FILE: schema_text(), ANSWERS_SCHEMA_FILE: answers_schema_text()}


def write_schemas(directory: Path | None = None) -> list[Path]:
    directory = directory or default_catalogue_dir()
    written = []
    for name, text in expected_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_schemas():
        print(f"wrote {p}")
