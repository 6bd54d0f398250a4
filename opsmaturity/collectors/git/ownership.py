"""Knowledge concentration from file authorship: degree of authorship and truck factor.

Follows Avelino, Passos, Hora and Valente, "A novel approach for estimating
truck factors" (ICPC 2016): the degree of authorship of developer d on file f is

    DOA(d, f) = 3.293 + 1.098 * FA + 0.164 * DL - 0.321 * ln(1 + AC)

with FA = 1 if d created f, DL = changes d made to f, AC = changes others made.
d is an *author* of f when DOA is at least 3.293 and at least 0.75 of the
highest DOA on f. The truck factor is the smallest number of authors whose
departure leaves more than half of the files without an author (greedy: remove
the author of most files first). Memory grows with files and authors, never
with commits.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

DOA_ABSOLUTE = 3.293
DOA_NORMALISED = 0.75
ORPHAN_SHARE = 0.5
_BOT_NAMES = re.compile(
    r"^(?:dependabot|renovate|greenkeeper|mergify|imgbot|allcontributors|pyup-bot|snyk-bot"
    r"|semantic-release-bot|github-actions|actions-user|gitlab-bot|weblate-bot)\b", re.I)
_AUTOMATION_MAILBOXES = frozenset({
    "actions@github.com", "action@github.com",  # the identity many workflows commit as
    "198982749+copilot@users.noreply.github.com",  # GitHub's Copilot coding agent
})


@lru_cache(maxsize=4096)
def is_bot(name: str, email: str) -> bool:
    """An automated author: a GitHub app (`dependabot[bot]`, `renovate[bot]`,
    `github-actions[bot]`), a GitLab project or group bot (`project_42_bot_...@`), or a
    name or mailbox that says bot (`Renovate Bot`, `semantic-release-bot@`), a workflow's
    `actions-user <actions@github.com>` or the Copilot coding agent. Its changes
    are changes, but not anyone's knowledge: people measures leave them out."""
    if "[bot]" in name.lower() or "[bot]" in email.lower() or _BOT_NAMES.match(name):
        return True
    if email.lower() in _AUTOMATION_MAILBOXES:
        return True
    local = email.split("@", 1)[0].lower()
    words = {*re.split(r"[^a-z0-9]+", name.lower()), *re.split(r"[^a-z0-9]+", local)}
    return "bot" in words


@dataclass
class Authorship:
    """Per-file change counts by author, and each file's creator.

    The git miner fills both while reading history newest first (it writes the dicts
    directly: this runs for every file of every commit), so the last author it
    records as `creator` is the oldest one: the file's creator.
    """

    creator: dict[str, str] = field(default_factory=dict)
    changes: dict[str, Counter[str]] = field(default_factory=dict)

    def authors_of(self, path: str) -> list[str]:
        counts = self.changes.get(path)
        if not counts:
            return []
        total = sum(counts.values())
        doa = {
            dev: DOA_ABSOLUTE
            + 1.098 * (self.creator.get(path) == dev)
            + 0.164 * n
            - 0.321 * math.log(1 + total - n)
            for dev, n in counts.items()
        }
        best = max(doa.values())
        return sorted(d for d, v in doa.items() if v >= DOA_ABSOLUTE and v / best >= DOA_NORMALISED)


def truck_factor(files_authors: dict[str, list[str]]) -> tuple[int, list[str]]:
    """Greedy truck factor and the authors removed to reach it (most files first)."""
    files = [set(a) for a in files_authors.values()]
    if not files:
        return 0, []
    removed: list[str] = []
    while True:
        orphans = sum(1 for authors in files if not authors)
        if orphans > ORPHAN_SHARE * len(files):
            return len(removed), removed
        load = Counter(a for authors in files for a in authors)
        if not load:
            return len(removed), removed
        top = min(load, key=lambda a: (-load[a], a))
        removed.append(top)
        for authors in files:
            authors.discard(top)
