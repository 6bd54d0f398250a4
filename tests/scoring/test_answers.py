

def test_checked_answers_equal_validated_ones(catalogue):
    """Answers are built without a second validation (memory): they must be what
    validation would make of them, field for field."""
    from opsmaturity.scoring.answers import Answer, load_answers
    from opsmaturity.scoring.catalogue import default_catalogue_dir

    responses = load_answers(default_catalogue_dir() / "examples" / "workshop.yaml", catalogue)
    assert responses.answers
    for answer in responses.answers:
        again = Answer.model_validate(answer.model_dump())
        assert again == answer and again.model_dump() == answer.model_dump()
        assert answer.model_fields_set == set(Answer.model_fields)
