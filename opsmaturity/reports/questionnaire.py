"""The questionnaire in three forms: printable Markdown, an answers template, and JSON."""

from __future__ import annotations

import json
from typing import Any

from opsmaturity.core.sources import safe_load
from opsmaturity.scoring.catalogue import DONT_KNOW, Catalogue, Question, localise

from .texts import texts


def _options(cat: Catalogue, q: Question, lang: str) -> list[tuple[str, str, float]]:
    return [(o.value, localise(o.label, lang), o.score) for o in cat.scale_of(q).options]


def _ordered_questions(cat: Catalogue) -> list[tuple[str, list[Question]]]:
    """Context questions first (they frame the rest), then practice questions by area."""
    groups: list[tuple[str, list[Question]]] = [("context", cat.framing_questions())]
    for area in cat.areas:
        groups.append((area.id, [q for q in cat.questions
                                 if q.kind == "practice" and q.area == area.id]))
    return [(k, qs) for k, qs in groups if qs]


def to_markdown(cat: Catalogue, lang: str = "en") -> str:
    """A printable questionnaire with facilitator notes."""
    t = texts(lang)
    out = [f"# {t('questionnaire.title', version=cat.version)}", ""]
    out.append(t("questionnaire.intro"))
    number = 0
    for group, questions in _ordered_questions(cat):
        title = t("questionnaire.context") if group == "context" else localise(
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
            out.append(f"- [ ] {t('questionnaire.dont_know')} (`{DONT_KNOW}`)")
            out.append("")
            out.append(f"> {t('questionnaire.facilitator')}: {localise(q.help, lang)}")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def to_answers_template(cat: Catalogue, lang: str = "en") -> str:
    """An answers file to fill in: every question present, set to don't know."""
    t = texts(lang)
    lines = [
        "# yaml-language-server: $schema=answers.schema.json",
        f"# {t('questionnaire.template.header', version=cat.version)}",
        f"# {t('questionnaire.template.replace')}",
        f"# {t('questionnaire.template.replace_2')}",
        f"# {t('questionnaire.template.comment')}",
        "organisation: null",
        "team: null",
        f"date: null          # {t('questionnaire.template.date')}",
        f"catalogue_version: {json.dumps(cat.version)}",
        "participants:",
        f"  - name: null      # {t('questionnaire.template.anonymous')}",
        "    role: other     # dev | ops | management | other",
        "    answers:",
    ]
    for group, questions in _ordered_questions(cat):
        title = t("questionnaire.context") if group == "context" else localise(
            cat.area(group).title, lang)
        lines.append(f"      # ---- {title} ----")
        for q in questions:
            lines.append(f"      # {localise(q.text, lang)}")
            opts = " | ".join(v for v, _, _ in _options(cat, q, lang))
            unit = cat.scale_of(q).unit
            if unit:
                opts += f"  ({t('questionnaire.template.or_number', unit=localise(unit, lang))})"
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
