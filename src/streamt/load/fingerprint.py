"""A content fingerprint of everything `load_project` would read, without loading it.

Used by result caches (`streamt validate` / `compile` skip work when nothing changed, like
ruff's and mypy's caches). Imports nothing heavy: discovery is the loader's own
(`streamt.load.discover`), so the fingerprint covers exactly the files a load reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from streamt.load.discover import discover, display_name, find_project_file
from streamt.load.files import read_bounded


def project_fingerprint(path: Path, env: str | None, extra: Iterable[str] = ()) -> str | None:
    """sha256 over the project's files (names + bytes), the env overlay and `extra`; None when
    there is no project file or a file cannot be read (callers then do the real work)."""
    project_file = find_project_file(Path(path))
    if project_file is None:
        return None
    files = discover(project_file.resolve())
    digest = hashlib.sha256()
    for part in extra:
        digest.update(part.encode() + b"\0")
    digest.update(f"env={env}\0".encode())
    paths = [files.project_file, *files.yaml_files, *files.sql_files]
    if env:
        paths += [files.root / "environments" / f"{env}{s}" for s in (".yml", ".yaml")]
    else:  # which environments exist decides L100
        names = sorted(p.name for p in (files.root / "environments").glob("*.y*ml"))
        digest.update(f"environments={','.join(names)}\0".encode())
    paths.append(files.root / "schemas.lock")
    # user-function jars (`functions:`) in the project folder or one level down: a rebuilt jar
    # changes the jobs' fingerprints, so cached results must not answer for it
    paths += sorted([*files.root.glob("*.jar"), *files.root.glob("*/*.jar")])
    try:
        for file in paths:
            if file == files.project_file or file.is_file():
                digest.update(display_name(files.root, file).encode() + b"\0")
                digest.update(read_bounded(file))  # a file over the limit: no cache, L004
                digest.update(b"\0")
    except OSError:
        return None
    return digest.hexdigest()
