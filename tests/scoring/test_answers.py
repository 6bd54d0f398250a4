

def test_checked_answers_equal_validated_ones(catalogue):
    """Answers are built without a second validation (memory and time): they must be what
    validation would make of them, field for field."""
    import dataclasses

    from pydantic import TypeAdapter

    from opsmaturity.scoring.answers import Answer, load_answers
    from opsmaturity.scoring.catalogue import default_catalogue_dir

    responses = load_answers(default_catalogue_dir() / "examples" / "workshop.yaml", catalogue)
    assert responses.answers
    assert any(a.comment for a in responses.answers)
    adapter = TypeAdapter(Answer)
    for answer in responses.answers:
        again = adapter.validate_python(dataclasses.asdict(answer))
        assert again == answer and dataclasses.asdict(again) == dataclasses.asdict(answer)
        assert adapter.dump_python(again) == adapter.dump_python(answer)


def test_answers_are_ordered_by_question_then_participant(catalogue, tmp_path):
    """The sort key is the question id alone (stable sort, answers made in participant
    order): the order must be the one a (question, participant number) key gives."""
    from opsmaturity.scoring.answers import load_answers

    qids = [q.id for q in catalogue.questions][:5]
    lines = ["participants:"]
    for i in range(12):  # P10..P12 sort after P9 by number, before it by text
        lines.append(f"  - role: {['dev', 'ops'][i % 2]}\n    answers:")
        lines.extend(f"      {q}: dont_know" for q in reversed(qids))
    path = tmp_path / "a.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    answers = load_answers(path, catalogue).answers
    keys = [(a.question_id, int(a.participant[1:])) for a in answers]
    assert keys == sorted(keys) and len(keys) == 60
