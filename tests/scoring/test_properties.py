"""Properties the engine must keep for any input, checked with hypothesis.

- worse answers never lower a sign's risk;
- worse evidence never lowers a sign's risk;
- adding "don't know" never raises risk (nor changes confidence);
- the same input always gives byte-identical JSON.
Run on the fixture catalogue (fast, wide search) and the built-in one.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opsmaturity.scoring.catalogue import DONT_KNOW, RISK_ORDER, Catalogue, load_catalogue
from opsmaturity.scoring.engine import evaluate_probe, score
from tests.conftest import MINI, evidence, responses

MINI_CAT = load_catalogue(MINI)
BUILTIN = load_catalogue()
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def practice_ids(cat: Catalogue) -> list[str]:
    return [q.id for q in cat.questions if q.kind == "practice"]


@st.composite
def workshops(draw: st.DrawFn, cat: Catalogue) -> list[tuple[str, dict[str, Any]]]:
    people = draw(st.integers(min_value=1, max_value=4))
    result = []
    for _ in range(people):
        role = draw(st.sampled_from(["dev", "ops", "management", "other"]))
        answers = {}
        for q in cat.questions:
            opts = [o.value for o in cat.scale_of(q).options] + [DONT_KNOW]
            if draw(st.booleans()):
                answers[q.id] = draw(st.sampled_from(opts))
        result.append((role, answers))
    return result


def risks(cat: Catalogue, people, sets=()) -> dict[str, tuple[float | None, int]]:
    a = score(cat, list(sets), responses(cat, *people) if people else None)
    return {f.sign_id: (f.risk, RISK_ORDER[f.risk_level]) for f in a.findings}


def not_lower(before: dict, after: dict) -> None:
    for sign, (risk0, level0) in before.items():
        risk1, level1 = after[sign]
        if risk0 is not None:
            assert risk1 is not None and risk1 >= risk0, sign
            assert level1 >= level0, sign


def worse_option(cat: Catalogue, question_id: str, value: str, data: st.DataObject) -> str:
    scale = cat.scale_of(cat.question(question_id))
    current = scale.option(value)
    assert current is not None
    worse = [o.value for o in scale.options if o.score <= current.score]
    return data.draw(st.sampled_from(worse))


def _worsen_one_answer(cat: Catalogue, people, data: st.DataObject) -> None:
    known = [(i, q) for i, (_, ans) in enumerate(people) for q, v in ans.items()
             if v != DONT_KNOW and cat.question(q).kind == "practice"]
    if not known:
        return
    i, q = data.draw(st.sampled_from(known))
    before = risks(cat, people)
    role, ans = people[i]
    changed = list(people)
    changed[i] = (role, {**ans, q: worse_option(cat, q, ans[q], data)})
    not_lower(before, risks(cat, changed))


@SETTINGS
@given(data=st.data())
def test_worse_answers_never_lower_risk_mini(data):
    _worsen_one_answer(MINI_CAT, data.draw(workshops(MINI_CAT)), data)


@SETTINGS
@given(data=st.data())
def test_worse_answers_never_lower_risk_builtin(data):
    _worsen_one_answer(BUILTIN, data.draw(workshops(BUILTIN)), data)


def _add_dont_know(cat: Catalogue, people, data: st.DataObject) -> None:
    before = score(cat, [], responses(cat, *people))
    # fill every unanswered question with don't know, and add a participant who knows nothing
    filled = [(r, {**{q.id: DONT_KNOW for q in cat.questions}, **a}) for r, a in people]
    filled.append((data.draw(st.sampled_from(["dev", "ops", "management", "other"])),
                   {q: DONT_KNOW for q in practice_ids(cat)}))
    after = score(cat, [], responses(cat, *filled))
    for f0, f1 in zip(before.findings, after.findings, strict=True):
        assert (f1.risk, f1.risk_level, f1.status, f1.confidence) == (
            f0.risk, f0.risk_level, f0.status, f0.confidence), f0.sign_id
    assert after.overall.risk_index == before.overall.risk_index


@SETTINGS
@given(data=st.data())
def test_dont_know_never_raises_risk_mini(data):
    _add_dont_know(MINI_CAT, data.draw(workshops(MINI_CAT)), data)


@SETTINGS
@given(data=st.data())
def test_dont_know_never_raises_risk_builtin(data):
    _add_dont_know(BUILTIN, data.draw(workshops(BUILTIN)), data)


def measure_values(cat: Catalogue):
    """Per probe: a value on its measure (bools for ==/!= probes, numbers otherwise)."""
    fields = {}
    for p in cat.probes:
        measure = p.measure.replace("*.", "gitlab.")
        if isinstance(p.threshold, bool):
            fields[measure] = st.one_of(st.none(), st.booleans())
        else:
            fields[measure] = st.one_of(st.none(), st.floats(0, 1000, allow_nan=False))
    return st.fixed_dictionaries(fields)


def _worsen_evidence(cat: Catalogue, people, values: dict[str, Any], data: st.DataObject) -> None:
    """Turn one healthy probe outcome into an unhealthy one; no sign's risk may drop."""
    sets = [evidence({k: v for k, v in values.items() if v is not None}, collector="gitlab")]
    before_a = score(cat, sets, responses(cat, *people))
    healthy = sorted({r.measure.replace("*.", "gitlab.") for f in before_a.findings
                      for r in f.probes if r.healthy})
    if not healthy:
        return
    target = data.draw(st.sampled_from(healthy))
    probe = next(p for p in cat.probes if p.measure.replace("*.", "gitlab.") == target)
    worse = dict(values)
    if isinstance(probe.threshold, bool):
        worse[target] = not values[target]
    else:
        # every probe on this measure must agree on direction, otherwise skip the draw
        t = float(probe.threshold)
        good_high = (probe.op in (">=", ">")) == probe.healthy_when
        worse[target] = 0.0 if good_high else t + 1e3  # measures are never negative
    others = [p for p in cat.probes if p.measure.replace("*.", "gitlab.") == target]
    if len({(p.op in (">=", ">")) == p.healthy_when for p in others}) > 1:
        return
    if evaluate_probe(probe, [evidence({target: worse[target]}, collector="gitlab")]).healthy:
        return  # e.g. ">= 0": no non-negative value is unhealthy
    before = {f.sign_id: (f.risk, RISK_ORDER[f.risk_level]) for f in before_a.findings}
    after = risks(cat, people, [evidence({k: v for k, v in worse.items() if v is not None},
                                         collector="gitlab")])
    not_lower(before, after)


@SETTINGS
@given(data=st.data())
def test_worse_evidence_never_lowers_risk_mini(data):
    _worsen_evidence(MINI_CAT, data.draw(workshops(MINI_CAT)),
                     data.draw(measure_values(MINI_CAT)), data)


@SETTINGS
@given(data=st.data())
def test_worse_evidence_never_lowers_risk_builtin(data):
    _worsen_evidence(BUILTIN, data.draw(workshops(BUILTIN)),
                     data.draw(measure_values(BUILTIN)), data)


@SETTINGS
@given(data=st.data())
def test_scoring_is_deterministic(data):
    people = data.draw(workshops(BUILTIN))
    values = data.draw(measure_values(BUILTIN))
    sets = [evidence({k: v for k, v in values.items() if v is not None}, collector="gitlab")]
    first = score(BUILTIN, sets, responses(BUILTIN, *people)).to_json()
    again = score(BUILTIN, list(sets), responses(BUILTIN, *people)).to_json()
    assert first == again
