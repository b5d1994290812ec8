"""Find the files of a project: `stream_project.yml` and the `sources/ models/ tests/
exposures/` folders (nested to any depth), plus `models/**/<name>.sql`. Sorted, deterministic.

A file that is (or sits in a folder that is) a symlink to somewhere outside the project root is
not read: it is listed in `outside` and the loader reports it (V132), never its content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_FILES = ("stream_project.yml", "stream_project.yaml")
NODE_DIRS = ("sources", "models", "tests", "exposures")
YAML_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class ProjectFiles:
    root: Path
    project_file: Path
    yaml_files: tuple[Path, ...]  # in the node folders
    sql_files: tuple[Path, ...]  # models/**/*.sql
    outside: tuple[Path, ...] = ()  # symlinks leading outside the root: not read


def find_project_file(path: Path) -> Path | None:
    if path.is_file():
        return path
    for name in PROJECT_FILES:
        candidate = path / name
        if candidate.is_file():
            return candidate
    return None


def discover(project_file: Path) -> ProjectFiles:
    root = project_file.parent
    real_root = root.resolve()
    yaml_files: list[Path] = []
    sql_files: list[Path] = []
    outside: list[Path] = []
    for folder in NODE_DIRS:
        base = root / folder
        if not base.is_dir():
            continue
        for file in sorted(base.rglob("*")):
            if not file.is_file() or any(p.startswith(".") for p in file.relative_to(root).parts):
                continue
            wanted = file.suffix in YAML_SUFFIXES or (file.suffix == ".sql" and folder == "models")
            if wanted and not is_inside(real_root, file):
                outside.append(file)
            elif file.suffix in YAML_SUFFIXES:
                yaml_files.append(file)
            elif file.suffix == ".sql" and folder == "models":
                sql_files.append(file)
    return ProjectFiles(root, project_file, tuple(yaml_files), tuple(sql_files), tuple(outside))


def is_inside(real_root: Path, file: Path) -> bool:
    """Whether `file`, symlinks followed, is inside the (resolved) project root."""
    return file.resolve().is_relative_to(real_root)


def display_name(root: Path, file: Path) -> str:
    """The name used in diagnostics: relative to the project root, with forward slashes."""
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return file.as_posix()
