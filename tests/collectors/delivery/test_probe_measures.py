"""Every `*.name` probe in the catalogue reads a measure some delivery collector publishes.

A probe over a measure nobody publishes is "not available" forever and passes every other
test; a typo in `probes.yaml` or a renamed measure must fail here instead.
"""

from __future__ import annotations

from opsmaturity.collectors import BUILTINS, get_collector
from opsmaturity.scoring.catalogue import load_catalogue

DELIVERY = sorted(name for name, target in BUILTINS.items()
                  if target.startswith("opsmaturity.collectors.delivery."))


def test_there_are_delivery_collectors():
    assert DELIVERY == ["github", "gitlab"]


def test_every_wildcard_probe_measure_is_published_by_a_delivery_collector():
    published = {m.split(".", 1)[1] for name in DELIVERY for m in get_collector(name).measures}
    wildcard = {p.id: p.measure.removeprefix("*.") for p in load_catalogue().probes
                if p.measure.startswith("*.")}
    assert wildcard, "the catalogue has no *.name probes: is the prefix still `*.`?"
    unknown = {probe: name for probe, name in wildcard.items() if name not in published}
    assert not unknown, f"probes over measures no delivery collector publishes: {unknown}"
