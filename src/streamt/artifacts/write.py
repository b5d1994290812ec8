"""Write a compile's artifacts: `manifest.json` plus one file per artifact.

Files: topics/<topic>.json, subjects/<subject>.json, flink/<model>.sql, connectors/<name>.json,
gateway/<name>.json, tests/<continuous test>.sql. File names are sanitised (no path traversal). Files listed by a previous
manifest in the same directory that this compile no longer produces are removed; nothing else
is touched. Writes only inside `out_dir`: a file that a symlink would lead outside it (a linked
`flink/` folder or file) makes the whole write fail with V131 before anything is written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from streamt.artifacts.manifest import Manifest, build_manifest, manifest_text, to_json
from streamt.compile.result import CompileResult
from streamt.diagnostics import Diagnostic, Location, StreamtError
from streamt.load.files import read_bounded

MANIFEST = "manifest.json"


def _generator() -> str:
    from streamt import __version__

    return f"streamt {__version__}"


def render_artifacts(result: CompileResult) -> dict[str, str]:
    """Relative path -> file text (deterministic)."""
    manifest = build_manifest(result, _generator())
    d = result.desired
    files: dict[str, str] = {}
    for entry, topic in zip(manifest.topics, d.topics, strict=True):
        files[entry.file] = to_json(
            {
                "name": topic.name,
                "partitions": topic.partitions,
                "replication_factor": topic.replication_factor,
                "config": dict(topic.config),
            }
        )
    for s_entry, subject in zip(manifest.subjects, d.subjects, strict=True):
        files[s_entry.file] = to_json(
            {
                "subject": subject.subject,
                "schemaType": subject.schema_type,
                "schema": subject.schema_text,
                "compatibility": subject.compatibility,
            }
        )
    for j_entry, job in zip(manifest.flink_jobs, d.jobs, strict=True):
        files[j_entry.file] = f"-- streamt job {job.pipeline_name}\n" + job.script
    for c_entry, conn in zip(manifest.connectors, d.connectors, strict=True):
        files[c_entry.file] = to_json({"name": conn.name, "config": dict(conn.config)})
    for g_entry, rule in zip(manifest.gateway_rules, d.gateway_rules, strict=True):
        files[g_entry.file] = to_json(
            {
                "name": rule.name,
                "physical_topic": rule.physical_topic,
                "where": rule.where,
                "columns": list(rule.columns),
                "statement": rule.statement,
            }
        )
    for t_entry, test_job in zip(manifest.test_jobs, d.test_jobs, strict=True):
        files[t_entry.file] = f"-- streamt test job {test_job.pipeline_name}\n" + test_job.script
    doc = manifest.model_dump(mode="json")
    if not doc["test_jobs"]:
        del doc["test_jobs"]
    files[MANIFEST] = manifest_text(doc)
    return files


def write_artifacts(result: CompileResult, out_dir: Path) -> list[Path]:
    return write_rendered(render_artifacts(result), out_dir)


def write_rendered(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Write `render_artifacts` output: only files whose text changed; remove stale ones.
    A directory that cannot be written (`-o` names a file, no permission, disk full) is an
    L061 diagnostic."""
    out_dir = Path(out_dir)
    try:
        _refuse_escapes(out_dir, files)
        return _write(files, out_dir)
    except OSError as exc:
        where = str(exc.filename or out_dir)
        raise StreamtError(
            Diagnostic(
                "L061",
                f"cannot write the artifacts to {out_dir}: {exc.strerror or exc} ({where})",
                location=Location(str(out_dir)),
                hint="-o takes a directory (created when missing); move the file in the way",
            )
        ) from None


def _write(files: dict[str, str], out_dir: Path) -> list[Path]:
    stale = {f for f in set(_previous_files(out_dir)) - set(files) if _inside(out_dir, f)}
    written: list[Path] = []
    made: set[Path] = set()
    for rel, text in sorted(files.items()):
        path = out_dir / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        data = text.encode("utf-8")
        if not path.is_file() or path.stat().st_size != len(data) or path.read_bytes() != data:
            path.write_bytes(data)
        written.append(path)
    for rel in sorted(stale):
        (out_dir / rel).unlink(missing_ok=True)
    return written


def _previous_files(out_dir: Path) -> list[str]:
    path = out_dir / MANIFEST
    try:
        doc = json.loads(read_bounded(path))
        return list(Manifest.model_validate(doc).files())
    except (OSError, ValueError, RecursionError):
        return []


def _refuse_escapes(out_dir: Path, files: dict[str, str]) -> None:
    """Nothing is written when any file would land outside `out_dir` through a symlink (a
    linked `flink/` folder, a linked file)."""
    root = out_dir.resolve()
    by_folder: dict[str, list[str]] = {}
    for rel in files:
        folder, _, name = rel.rpartition("/")
        by_folder.setdefault(folder, []).append(name)
    escapes: list[str] = []
    for folder, names in sorted(by_folder.items()):
        path = out_dir / folder if folder else out_dir
        leaves, links = _folder(path, root)
        escapes += [
            f"{folder}/{n}" if folder else n
            for n in sorted(names)
            if leaves or (n in links and not (path / n).resolve().is_relative_to(root))
        ]
    if escapes:
        where = out_dir / escapes[0]
        raise StreamtError(
            Diagnostic(
                "V131",
                f"refusing to write {where}: a symlink leads it outside {out_dir} "
                f"(to {where.resolve()})"
                + (f", and {len(escapes) - 1} more" if escapes[1:] else ""),
                location=Location(str(where)),
                hint="remove the symlink (streamt writes only inside the output directory), "
                "or pass another --output",
            )
        )


def _folder(folder: Path, root: Path) -> tuple[bool, frozenset[str]]:
    """Whether `folder` (symlinks followed) leaves `root`, and the names of its symlinks."""
    if not folder.resolve().is_relative_to(root):
        return True, frozenset()
    try:
        with os.scandir(folder) as entries:
            return False, frozenset(e.name for e in entries if e.is_symlink())
    except OSError:  # not there yet: nothing in it can be a symlink
        return False, frozenset()


def _inside(root: Path, rel: str) -> bool:
    target = (root / rel).resolve()
    return root.resolve() in target.parents
