"""Application class-data sharing (AppCDS) for the stack's JVMs: faster, cheaper starts.

The first start of a JVM records its loaded classes into `<home>/cds/<name>-<key>.jsa` when
it exits (`-XX:ArchiveClassesAtExit`); later starts map that archive
(`-XX:SharedArchiveFile`). The key hashes the command line, so a changed classpath or
config gets a new archive. A stale or broken archive is ignored by the JVM, never fatal.
Disable with STREAMT_LOCAL_CDS=0.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def enabled() -> bool:
    return os.environ.get("STREAMT_LOCAL_CDS", "1") not in ("0", "false", "no")


def is_java(argv: list[str]) -> bool:
    return bool(argv) and Path(argv[0]).name == "java"


def archive_path(cds_dir: Path, name: str, argv: list[str]) -> Path:
    key = hashlib.sha256("\0".join(argv).encode()).hexdigest()[:12]
    return cds_dir / f"{name}-{key}.jsa"


def with_cds(argv: list[str], cds_dir: Path, name: str) -> list[str]:
    """argv with the CDS flags after the java executable (unchanged when not a JVM / off)."""
    if not enabled() or not is_java(argv):
        return argv
    cds_dir.mkdir(parents=True, exist_ok=True)
    archive = archive_path(cds_dir, name, argv)
    for old in cds_dir.glob(f"{name}-*.jsa"):
        if old != archive:
            old.unlink(missing_ok=True)
    if archive.exists() and archive.stat().st_size > 0:
        flags = [
            f"-XX:SharedArchiveFile={archive}",
            "-Xshare:auto",
            "-Xlog:cds=off",
            "-Xlog:cds+dynamic=off",
        ]
    else:
        flags = [f"-XX:ArchiveClassesAtExit={archive}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"]
    return [argv[0], *flags, *argv[1:]]
