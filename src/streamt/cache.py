"""Result caches for `validate` and `compile`, keyed by content (like ruff's and mypy's caches).

Two layers. The whole-project entry answers an unchanged project at once. Its key hashes every file `load_project` would read (`streamt.load.fingerprint`), the selected
environment, the command's options and the streamt code itself (file names, sizes and mtimes of
the installed package, so an upgrade or a local edit invalidates everything). Entries live in
`<project>/target/.streamt-cache/<kind>.json`; any problem reading or writing them just means a
cache miss. When anything changed, the per-model memo (`streamt.compile.memo`, stored as
`<kind>-models.pickle`) re-compiles only the models whose inputs changed: editing one model in a
1000-model project re-analyses that model and the children whose inputs it changed. The memo is
read by an unpickler that accepts only the compiler's own value classes, so a planted file can
build nothing else. `STREAMT_NO_CACHE=1` (or `--no-cache`) disables both layers.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streamt import __version__
from streamt.diagnostics import Diagnostic, Location, Severity
from streamt.load.files import read_bounded

if TYPE_CHECKING:
    from streamt.compile.facts import CompiledModel
    from streamt.compile.memo import ModelMemo

CACHE_DIR = Path("target") / ".streamt-cache"
MAX_CACHE_BYTES = 256 * 1024 * 1024  # a cache file past this is a miss, never read whole
_PACKAGE = Path(__file__).resolve().parent


def code_fingerprint() -> str:
    digest = hashlib.sha256(__version__.encode())
    for root, dirs, files in os.walk(_PACKAGE):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".py", ".json", ".yml", ".yaml")):
                stat = os.stat(os.path.join(root, name))
                digest.update(f"{root}/{name}:{stat.st_size}:{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def cache_key(project_dir: Path, env: str | None, kind: str, options: Iterable[str]) -> str | None:
    from streamt.load.fingerprint import project_fingerprint

    return project_fingerprint(project_dir, env, [kind, code_fingerprint(), *options])


def project_root(project_dir: Path) -> Path | None:
    from streamt.load.discover import find_project_file

    found = find_project_file(Path(project_dir))
    return found.resolve().parent if found else None


def read(project_dir: Path, kind: str, key: str) -> dict[str, Any] | None:
    root = project_root(project_dir)
    if root is None:
        return None
    try:
        entry = json.loads(read_bounded(root / CACHE_DIR / f"{kind}.json", MAX_CACHE_BYTES))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    payload = entry.get("payload")
    return payload if isinstance(payload, dict) else None


def write(project_dir: Path, kind: str, key: str, payload: Mapping[str, Any]) -> None:
    _write_file(
        project_dir, f"{kind}.json", lambda: json.dumps({"key": key, "payload": payload}).encode()
    )


def canonical_reads(reads: Iterable[tuple[str, object]]) -> dict[str, str | None]:
    """var() / env_var() reads (`Refs.reads`: `var:k` / `env:NAME` -> value, or ABSENT when
    the template's default was used) as JSON text per name, None for absent."""
    from streamt.load.jinja import ABSENT

    return {
        name: None if value is ABSENT else json.dumps(value, sort_keys=True, default=str)
        for name, value in reads
    }


def variable_values(
    names: Iterable[str], values: Mapping[str, object], environ: Mapping[str, str]
) -> dict[str, str | None]:
    """What each of `names` (`var:k` / `env:NAME`) reads now, as `canonical_reads` writes it."""
    from streamt.load.jinja import ABSENT

    sources: dict[str, Mapping[str, object]] = {"var": values, "env": environ}
    now = []
    for name in names:
        kind, _, key = name.partition(":")
        found = sources.get(kind, {})
        now.append((name, found.get(key, ABSENT)))
    return canonical_reads(now)


def diagnostic_from_dict(data: Mapping[str, Any]) -> Diagnostic:
    return Diagnostic(
        code=str(data["code"]),
        message=str(data["message"]),
        severity=Severity(data["severity"]),
        location=Location(str(data["file"]), int(data["line"]), int(data["column"])),
        hint=str(data["hint"]),
        node=str(data["node"]),
    )


def text_digest(text: str) -> str:
    """The `file_digest` of a file holding `text` (written as UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


# ---------------------------------------------------------------------- per-model memo


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: Any, allowed: dict[tuple[str, str], type]) -> None:
        super().__init__(file)
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        found = self._allowed.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not a memo class")
        return found


def read_memo(project_dir: Path, kind: str) -> ModelMemo:
    """The per-model memo of the last `kind` run (empty when missing, stale or unreadable)."""
    from streamt.compile.memo import ModelMemo

    salt = code_fingerprint()
    root = project_root(project_dir)
    try:
        data = (
            read_bounded(root / CACHE_DIR / f"{kind}-models.pickle", MAX_CACHE_BYTES)
            if root
            else b""
        )
    except OSError:
        data = b""
    return ModelMemo(entries=memo_entries(data, salt), salt=salt)


def memo_entries(data: bytes, salt: str) -> dict[str, CompiledModel]:
    """The entries of a memo file written by `memo_bytes` with the same salt, else none."""
    import io

    from streamt.compile.facts import CompiledModel
    from streamt.compile.memo import memo_classes

    allowed = {(c.__module__, c.__qualname__): c for c in memo_classes()}
    try:
        entry = _Unpickler(io.BytesIO(data), allowed).load()
    except Exception:  # any unreadable memo is a miss, never an error
        return {}
    if not isinstance(entry, dict) or entry.get("salt") != salt:
        return {}
    entries = entry.get("entries")
    if not isinstance(entries, dict) or not all(
        isinstance(v, CompiledModel) for v in entries.values()
    ):
        return {}
    return entries


def memo_bytes(memo: ModelMemo) -> bytes:
    """The entries this run used or made (so the file never grows past the project)."""
    payload = {"salt": memo.salt, "entries": memo.used}
    return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)


def write_memo(project_dir: Path, kind: str, memo: ModelMemo) -> None:
    if memo.misses == 0 and len(memo.used) == len(memo.entries):
        return  # nothing new
    _write_file(project_dir, f"{kind}-models.pickle", lambda: memo_bytes(memo))


def _write_file(project_dir: Path, name: str, data: Callable[[], bytes]) -> None:
    """Replace `name` in the project's cache folder atomically; a cache that cannot be written
    is skipped (the next run just misses)."""
    root = project_root(project_dir)
    if root is None:
        return
    folder = root / CACHE_DIR
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        tmp.write_bytes(data())
        tmp.replace(folder / name)
    except (OSError, pickle.PicklingError):
        return
