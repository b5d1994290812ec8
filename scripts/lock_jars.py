#!/usr/bin/env python3
"""Regenerates `src/streamt/local/jars.lock.json`: every file of every Maven bundle of the
local stack (transitive ones included), with its repository path, size and sha256.

Maven resolves each bundle once (a generated POM, `dependency:copy-dependencies` in the
repository layout, runtime scope, into a fresh local repository); each file is then checked
against the `.sha1` the repository publishes next to it (when it publishes one) and against
the previous lock (a released file never changes: a different hash for the same path is an
error). Only the maintainer needs Maven; `streamt local up` downloads the locked files.

    scripts/lock-jars [--output FILE] [--maven-repo DIR]

Versions come from `streamt/local/versions.py`, overridden by `STREAMT_LOCAL_VERSION_<NAME>`
(then write the lock elsewhere with --output and point STREAMT_LOCAL_JARS_LOCK at it).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import httpx

from streamt.local.bundles import Bundle, Layout, MavenDep, bundles_for
from streamt.local.config import load_config
from streamt.local.lock import LOCK_FILE, JarsLock, LockedBundle, LockedFile, lock_json, read_lock
from streamt.local.versions import DEFAULT_VERSIONS

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


def pom(bundle: Bundle) -> str:
    deps = "\n".join(_dep_xml(d, bundle.transitive) for d in bundle.maven)
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
        "  <modelVersion>4.0.0</modelVersion>\n"
        f"  <groupId>streamt.local</groupId><artifactId>{escape(bundle.key)}</artifactId>\n"
        "  <version>1</version><packaging>pom</packaging>\n"
        f"  <dependencies>\n{deps}\n  </dependencies>\n</project>\n"
    )


def _dep_xml(d: MavenDep, transitive: bool) -> str:
    extra = f"<type>{escape(d.type)}</type>" if d.type != "jar" else ""
    extra += f"<classifier>{escape(d.classifier)}</classifier>" if d.classifier else ""
    if not transitive:  # do not even resolve the dependency graph
        extra += "<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions>"
    return (
        f"    <dependency><groupId>{escape(d.group)}</groupId>"
        f"<artifactId>{escape(d.artifact)}</artifactId>"
        f"<version>{escape(d.version)}</version>{extra}</dependency>"
    )


def resolve(bundle: Bundle, work: Path, maven_repo: Path) -> Path:
    """The bundle's files as Maven resolves them, laid out as in a repository."""
    out = work / bundle.key
    (work / f"{bundle.key}.pom.xml").write_text(pom(bundle))
    argv = [
        "mvn", "-B", "-q", "-f", str(work / f"{bundle.key}.pom.xml"),
        f"-Dmaven.repo.local={maven_repo}",
        f"{DEPENDENCY_PLUGIN}:copy-dependencies",
        "-DincludeScope=runtime", "-Dmdep.useRepositoryLayout=true",
        f"-DoutputDirectory={out}",
        f"-DexcludeTransitive={'false' if bundle.transitive else 'true'}",
    ]  # fmt: skip
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
    return out


def _digest(path: Path, name: str) -> str:
    digest = hashlib.new(name)
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_artifact(path: Path) -> bool:
    """`<artifact>/<version>/<artifact>-<version>[-classifier].<type>`, not Maven's bookkeeping
    (`_remote.repositories`, `maven-metadata-local.xml`)."""
    artifact, version = path.parent.parent.name, path.parent.name
    return path.is_file() and path.name.startswith(f"{artifact}-{version}")


def locked_files(root: Path, client: httpx.Client, repository: str) -> tuple[LockedFile, ...]:
    files = []
    for path in sorted(p for p in root.rglob("*") if _is_artifact(p)):
        rel = path.relative_to(root).as_posix()
        published = client.get(f"{repository}/{rel}.sha1")
        if published.status_code == 200:
            expected = published.text.split()[0].strip().lower()
            if expected != _digest(path, "sha1"):
                raise SystemExit(f"{rel}: sha1 differs from the repository's {rel}.sha1")
        else:
            print(f"  note: {rel}: the repository publishes no .sha1", file=sys.stderr)
        files.append(LockedFile(path=rel, size=path.stat().st_size, sha256=_digest(path, "sha256")))
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise SystemExit(f"two files of one bundle share a name under {root}")
    return tuple(files)


def check_against(previous: JarsLock | None, lock: JarsLock) -> None:
    """A released file never changes: the same path with another hash or size is an error."""
    if previous is None:
        return
    before = {f.path: f for b in previous.bundles.values() for f in b.files}
    for bundle in lock.bundles.values():
        for f in bundle.files:
            old = before.get(f.path)
            if old is not None and old != f:
                raise SystemExit(f"{f.path} changed since the previous lock: {old} -> {f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=LOCK_FILE)
    parser.add_argument("--maven-repo", type=Path, help="reuse this local Maven repository")
    args = parser.parse_args()
    if shutil.which("mvn") is None:
        raise SystemExit("scripts/lock-jars needs Maven (`mvn`) on PATH")
    cfg = load_config()
    if cfg.versions != DEFAULT_VERSIONS and args.output.resolve() == LOCK_FILE.resolve():
        raise SystemExit(
            "STREAMT_LOCAL_VERSION_* overrides versions.py: write that lock elsewhere with "
            "--output FILE (and point STREAMT_LOCAL_JARS_LOCK at it)"
        )
    repository = cfg.maven_repository.rstrip("/")
    bundles = [b for b in bundles_for(cfg.versions).all() if b.layout is not Layout.WHEEL]
    previous = read_lock(args.output) if args.output.exists() else None
    entries: dict[str, LockedBundle] = {}
    with (
        tempfile.TemporaryDirectory(prefix="streamt-lock-") as tmp,
        httpx.Client(timeout=30, follow_redirects=True) as client,
    ):
        work = Path(tmp)
        maven_repo = args.maven_repo or work / "repository"
        for bundle in bundles:
            print(f"resolving {bundle.key} ...", file=sys.stderr)
            files = locked_files(resolve(bundle, work, maven_repo), client, repository)
            missing = {d.repository_path for d in bundle.maven} - {f.path for f in files}
            if missing:
                raise SystemExit(f"{bundle.key}: Maven did not resolve {sorted(missing)}")
            entries[bundle.key] = LockedBundle(
                coordinates=tuple(d.coordinate for d in bundle.maven),
                transitive=bundle.transitive,
                files=files,
            )
    lock = JarsLock(bundles=entries)
    check_against(previous, lock)
    args.output.write_text(lock_json(lock))
    total = sum(f.size for b in entries.values() for f in b.files)
    count = sum(len(b.files) for b in entries.values())
    print(f"wrote {args.output}: {count} files, {total / 1e6:.0f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
