"""Pages at opened are kept as a flag (memory); `pages` must read back what was given."""

from datetime import UTC, datetime, timedelta, timezone

from opsmaturity.collectors.incidents.record import IncidentRecord, record_fields
from opsmaturity.collectors.incidents.sources.common import build

OPENED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _record(pages, responders=("Ann", "Bob"), opened=OPENED):
    fields = {"source": "csv", "id": "INC-1", "opened": opened, "responders": responders,
              "pages": pages}
    record = build(fields, "x.csv:2")
    assert isinstance(record, IncidentRecord)
    return record


def test_pages_at_opened_read_back_as_given():
    pages = (("Ann", OPENED), ("Bob", OPENED))
    record = _record(pages)
    assert record.paged_at_opened and record.paged == ()
    assert record.pages == pages
    assert record.to_dict()["pages"] == pages and "paged" not in record.to_dict()
    # a zone other than UTC is the same instant: still at opened, read back in UTC
    zurich = timezone(timedelta(hours=1))
    local = _record((("Ann", OPENED.astimezone(zurich)),), ("Ann",), OPENED.astimezone(zurich))
    assert local.pages == (("Ann", OPENED),) and local.pages[0][1].tzinfo is UTC


def test_other_pages_are_kept_as_they_are():
    later = OPENED + timedelta(minutes=5)
    for pages in [(("Ann", later), ("Bob", OPENED)), (("Bob", OPENED), ("Ann", OPENED)),
                  (("Ann", OPENED),), ()]:
        record = _record(pages)
        assert not record.paged_at_opened and record.pages == pages == record.paged


def test_replace_and_rebuild_keep_the_pages():
    record = _record((("Ann", OPENED), ("Bob", OPENED)))
    moved = record.replace(opened=OPENED - timedelta(minutes=1))
    assert moved.pages == (("Ann", OPENED), ("Bob", OPENED))  # pages did not move with it
    fewer = record.replace(responders=("Ann",))
    assert fewer.pages == (("Ann", OPENED), ("Bob", OPENED))
    rebuilt = build(record.to_dict(), record.origin)
    assert rebuilt == record
    assert record_fields({"id": "x"}) == {"id": "x"}
