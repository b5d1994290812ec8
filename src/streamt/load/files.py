"""Reading a file with its size checked first: no file a project (or a planted cache, plan or
state file) holds is read whole before its size is known; the one rule for a file name made from
a resource name (`safe_file_name`, used by the artifacts and the docs site). Imports nothing heavy (the cache key
reads every project file through it before anything else is loaded)."""

from __future__ import annotations

import os
import re
from pathlib import Path

MAX_FILE_BYTES = 32 * 1024 * 1024  # project files: YAML, SQL, schemas.lock, .env, plan.json


class FileTooLarge(OSError):
    """A file over the reader's limit (an OSError: callers that handle unreadable files
    handle it too)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"file is too large ({size} bytes, limit {limit})")
        self.size = size
        self.limit = limit


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path`, its size checked before reading and the read capped at `limit`
    (a file that grows in between is refused too)."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit:
            raise FileTooLarge(size, limit)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(len(data), limit)
    return data


__all__ = ["MAX_FILE_BYTES", "FileTooLarge", "read_bounded"]


_SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}")


def safe_file_name(name: str) -> str:
    """A file name from a resource name: only [A-Za-z0-9._-], never '.' / '..' / hidden."""
    if _SAFE.fullmatch(name):
        return name  # already one (most names): no per-character pass
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name)
    cleaned = cleaned.lstrip(".") or "_"
    return cleaned[:200]
