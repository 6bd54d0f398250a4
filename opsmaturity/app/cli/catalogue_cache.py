"""A checked catalogue kept in the cache, so a command does not parse and cross-check the
same YAML on every run (a tenth of a second or more of `opsmaturity assess`).

The key is what could change the result: each catalogue file's name, size and mtime, the
catalogue model's own source file and the package version. The entry is the catalogue's
JSON (never pickle: a cache must not be able to run code); reading it validates it again,
and anything unreadable is ignored and rewritten. Only catalogues that passed every check
are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opsmaturity.scoring.catalogue import Catalogue


def _key(directory: Path | None) -> Path | None:
    from opsmaturity.core.files import default_cache_dir
    from opsmaturity.scoring import catalogue as model

    root = Path(directory) if directory else model.default_catalogue_dir()
    try:
        files = sorted(p for p in root.glob("*.yaml") if p.is_file())
        stamp = [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
        source = Path(model.__file__).stat()
    except OSError:
        return None
    if not files:
        return None
    from opsmaturity import __version__

    text = json.dumps([__version__, source.st_size, source.st_mtime_ns, stamp])
    return default_cache_dir() / "catalogue" / f"{hashlib.sha256(text.encode()).hexdigest()}.json"


def cached_catalogue(directory: Path | None) -> Catalogue | None:
    """The cached catalogue of `directory` (None: the built-in one), if its files are unchanged."""
    path = _key(directory)
    if path is None or not path.is_file():
        return None
    from pydantic import ValidationError

    from opsmaturity.scoring.catalogue import Catalogue

    try:
        return Catalogue.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None


def remember_catalogue(directory: Path | None, cat: Catalogue) -> None:
    """Keep a checked catalogue; a cache that cannot be written is no error."""
    path = _key(directory)
    if path is None:
        return
    from opsmaturity.core.files import write_atomic

    with contextlib.suppress(OSError):
        write_atomic(path, cat.model_dump_json(by_alias=True))
