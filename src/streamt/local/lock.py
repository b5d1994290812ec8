"""The locked file list of the local stack's Maven bundles (`jars.lock.json`).

For every Maven bundle of the versions pinned in `versions.py` the lock records the
coordinates it was resolved from and every file the bundle needs, transitive ones included:
its path in a Maven repository (`maven2` layout, no host), size and sha256. `fetch`
downloads exactly these files from a repository base URL (Maven Central unless
`STREAMT_MAVEN_REPOSITORY` names a mirror) and checks both. `scripts/lock-jars` regenerates
the lock (with Maven, once, for the maintainer); a bundle the lock does not cover, or covers
for other coordinates, is K003 with that hint. `jars.lock.schema.json` is generated from
these models; a test fails when the committed copy differs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from streamt.diagnostics import Diagnostic, StreamtError
from streamt.local.bundles import Bundle
from streamt.resources.frozen import FrozenModel

LOCK_SCHEMA_VERSION: Literal[1] = 1
LOCK_FILE = Path(__file__).with_name("jars.lock.json")
LOCK_ENV = "STREAMT_LOCAL_JARS_LOCK"
MAVEN_CENTRAL = "https://repo1.maven.org/maven2"
REPOSITORY_ENV = "STREAMT_MAVEN_REPOSITORY"
RELOCK_HINT = (
    "the lock covers the versions pinned in streamt/local/versions.py; for other versions run "
    f"`scripts/lock-jars --output FILE` (in a streamt checkout, with the same "
    f"STREAMT_LOCAL_VERSION_* set) and point {LOCK_ENV} at FILE"
)


class LockedFile(FrozenModel):
    path: str = Field(
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9._+-]*(/[A-Za-z0-9_][A-Za-z0-9._+-]*)+$",
        description="path in a Maven repository (maven2 layout), e.g. "
        "org/apache/kafka/connect-file/4.3.1/connect-file-4.3.1.jar",
    )
    size: int = Field(ge=0, description="bytes")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[1]


class LockedBundle(FrozenModel):
    coordinates: tuple[str, ...] = Field(
        description="the bundle's declared artifacts, group:artifact[:type[:classifier]]:version"
    )
    transitive: bool = Field(description="the files include the runtime dependency closure")
    files: tuple[LockedFile, ...]


class JarsLock(FrozenModel):
    schema_version: Literal[1] = LOCK_SCHEMA_VERSION
    bundles: dict[str, LockedBundle] = Field(description="by bundle key (its cache directory)")

    def files_of(self, bundle: Bundle) -> tuple[LockedFile, ...]:
        """The bundle's locked files; K003 when the lock does not cover exactly this bundle."""
        entry = self.bundles.get(bundle.key)
        wanted = tuple(d.coordinate for d in bundle.maven)
        if entry is None:
            problem = f"the lock has no file list for {bundle.key}"
        elif (entry.coordinates, entry.transitive) != (wanted, bundle.transitive):
            problem = f"the lock's file list for {bundle.key} was made for other artifacts"
        else:
            return entry.files
        raise StreamtError(
            Diagnostic("K003", f"could not fetch {bundle.label}: {problem}", hint=RELOCK_HINT)
        )


def lock_path(env: dict[str, str] | None = None) -> Path:
    source = os.environ if env is None else env
    override = source.get(LOCK_ENV)
    return Path(override) if override else LOCK_FILE


def read_lock(path: Path) -> JarsLock:
    try:
        return JarsLock.model_validate(json.loads(path.read_text()))
    except (OSError, ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise StreamtError(
            Diagnostic("K003", f"cannot read the jar lock {path}: {first}", hint=RELOCK_HINT)
        ) from exc


def lock_json(lock: JarsLock) -> str:
    """The lock as written: sorted keys, two-space indent, a final newline (reviewable diffs)."""
    return json.dumps(lock.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def lock_json_schema() -> str:
    return json.dumps(JarsLock.model_json_schema(), indent=2, sort_keys=True) + "\n"
