"""Binary outputs (PDF, XLSX) written the way evidence.write_atomic writes text."""

from __future__ import annotations

from pathlib import Path


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write via a temporary file beside the target, so a failed run never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
