"""File contents at a revision, for the few facts a path cannot tell (what a manifest
declares, whether a YAML file is a Kubernetes object): one `git cat-file --batch` process
for all of them, large files skipped."""

from __future__ import annotations

import subprocess

MAX_BYTES = 512 * 1024
"""Files larger than this are not read: dependency manifests and deploy files are small."""


def read_blobs(repo: str, rev: str, files: list[str]) -> dict[str, str]:
    """The text of `files` at `rev`, read in one `git cat-file --batch` (large files skipped)."""
    if not files:
        return {}
    request = "".join(f"{rev}:{f}\n" for f in files).encode("utf-8", "surrogateescape")
    proc = subprocess.run(["git", "--no-optional-locks", "cat-file", "--batch"], cwd=repo,
                          input=request, capture_output=True, check=False)
    out, pos, texts = proc.stdout, 0, {}
    for f in files:
        end = out.find(b"\n", pos)
        if end < 0:
            break
        header = out[pos:end].split()
        pos = end + 1
        if len(header) != 3 or header[1] != b"blob":
            continue  # "missing" or not a file
        size = int(header[2])
        if size <= MAX_BYTES:
            texts[f] = out[pos:pos + size].decode("utf-8", "replace")
        pos += size + 1
    return texts
