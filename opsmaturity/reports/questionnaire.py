"""The questionnaire in three forms: printable Markdown, an answers template, and JSON."""

from __future__ import annotations

import json
from typing import Any

from opsmaturity.core.sources import safe_load
from opsmaturity.scoring.catalogue import DONT_KNOW, Catalogue, Question, localise


def _options(cat: Catalogue, q: Question, lang: str) -> list[tuple[str, str, float]]:
    return [(o.value, localise(o.label, lang), o.score) for o in cat.scale_of(q).options]


def _ordered_questions(cat: Catalogue) -> list[tuple[str, list[Question]]]:
    """Context questions first (they frame the rest), then practice questions by area."""
    groups: list[tuple[str, list[Question]]] = [("context", cat.context_questions())]
    for area in cat.areas:
        groups.append((area.id, [q for q in cat.questions
                                 if q.kind == "practice" and q.area == area.id]))
    return [(k, qs) for k, qs in groups if qs]


def to_markdown(cat: Catalogue, lang: str = "en") -> str:
    """A printable questionnaire with facilitator notes."""
    out = [f"# DevOps maturity questionnaire (catalogue {cat.version})", ""]
    out.append("Answer each question for the team or service being assessed. "
               "\"Don't know\" is always a valid answer.")
    number = 0
    for group, questions in _ordered_questions(cat):
        title = "About your context" if group == "context" else localise(
            cat.area(group).title, lang)
        out += ["", f"## {title}", ""]
        for q in questions:
            number += 1
            out.append(f"### {number}. {localise(q.text, lang)}")
            out.append("")
            out.append(f"`{q.id}`")
            out.append("")
            for value, label, _score in _options(cat, q, lang):
                out.append(f"- [ ] {label} (`{value}`)")
            out.append(f"- [ ] Don't know (`{DONT_KNOW}`)")
            out.append("")
            out.append(f"> Facilitator: {localise(q.help, lang)}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def to_answers_template(cat: Catalogue, lang: str = "en") -> str:
    """An answers file to fill in: every question present, set to don't know."""
    lines = [
        "# yaml-language-server: $schema=answers.schema.json",
        f"# opsmaturity answers file for catalogue {cat.version}.",
        "# Replace dont_know with one of the listed option values (numeric questions also",
        "# take a number). Copy the participant block once per workshop participant.",
        "# An answer may carry a comment: question_id: {value: agree, comment: \"why\"}",
        "organisation: null",
        "team: null",
        "date: null          # YYYY-MM-DD",
        f"catalogue_version: {json.dumps(cat.version)}",
        "participants:",
        "  - name: null      # optional: leave null to stay anonymous",
        "    role: other     # dev | ops | management | other",
        "    answers:",
    ]
    for group, questions in _ordered_questions(cat):
        title = "About your context" if group == "context" else localise(
            cat.area(group).title, lang)
        lines.append(f"      # ---- {title} ----")
        for q in questions:
            lines.append(f"      # {localise(q.text, lang)}")
            opts = " | ".join(v for v, _, _ in _options(cat, q, lang))
            unit = cat.scale_of(q).unit
            if unit:
                opts += f"  (or a number, {localise(unit, lang)})"
            lines.append(f"      #   {opts}")
            lines.append(f"      {q.id}: {DONT_KNOW}")
    text = "\n".join(lines) + "\n"
    safe_load(text, "answers template")  # the template must always parse
    return text


def to_json(cat: Catalogue) -> str:
    """The machine-readable catalogue, with each question's signs resolved."""
    data: dict[str, Any] = cat.model_dump(mode="json")
    for q in data["questions"]:
        q["informs"] = cat.signs_for_question(q["id"])
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
