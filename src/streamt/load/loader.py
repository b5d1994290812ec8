"""`load_project`: files on disk -> a frozen `Project` plus diagnostics (never an exception).

Reads `stream_project.yml`, every YAML file under `sources/ models/ tests/ exposures/` (any
depth), `models/**/<name>.sql`, and with `env` the overlay `environments/<env>.yml`.
When any error diagnostic is produced, nodes that failed validation are left out, so callers
must check `LoadResult.ok` before trusting the project to be complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from streamt.config.environments import EnvironmentConfig
from streamt.config.runtime import RuntimeConfig, local_runtime
from streamt.diagnostics import Diagnostic, Location, has_errors, sorted_diagnostics
from streamt.load.chunks import ChunkReader
from streamt.load.discover import (
    PROJECT_FILES,
    discover,
    display_name,
    find_project_file,
    is_inside,
)
from streamt.load.model import Defaults, Model, Project, ProjectInfo, Rules
from streamt.load.names import NameKind, check_names, hint_for, name_problem
from streamt.load.overlay import merge
from streamt.load.sections import (
    HEADER_SECTIONS,
    LIST_SECTIONS,
    MAX_SQL_CHARS,
    Collector,
    header_value,
)
from streamt.load.strict import check_config
from streamt.load.yaml_tree import parse, read_text

PROJECT_KEYS = HEADER_SECTIONS + tuple(LIST_SECTIONS)
ENVIRONMENT_KEYS = ("environment", "safety")  # an environment file's own keys; the rest overlay
NODE_FILE_KEYS = tuple(LIST_SECTIONS)


@dataclass(frozen=True)
class LoadResult:
    project: Project | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    failed: frozenset[str] = frozenset()  # "model:x" / "source:y" entries dropped by errors

    @property
    def ok(self) -> bool:
        return self.project is not None and not has_errors(self.diagnostics)


def load_project(
    path: Path, env: str | None = None, reader: ChunkReader | None = None
) -> LoadResult:
    """Load the project at `path` (a directory or its `stream_project.yml`). A `reader` kept
    between loads (a resident process's) re-reads only the entries of YAML files that changed
    (`streamt.load.chunks`); the result is the one a load without it gives."""
    project_file = find_project_file(Path(path))
    if project_file is None:
        return LoadResult(
            None,
            [
                Diagnostic(
                    "L001",
                    f"no {PROJECT_FILES[0]} found in {path}",
                    location=Location(str(path)),
                    hint="run streamt in the project folder or pass -p DIR; `streamt init` creates a project",
                )
            ],
        )
    files = discover(project_file.resolve())
    root = files.root
    collector = Collector()
    if reader is not None:
        reader.moved.clear()
    if env is None and environment_names(root):
        env = default_environment(root)  # `project.default_environment`, as Context picks it
    environment = _environment(collector, root, env) if env else None
    if env is None:
        _no_environment(collector, root)
    for link in files.outside:
        collector.add(outside_diagnostic(root, link))
    _read(collector, root, files.project_file, PROJECT_KEYS, (), reader)
    for file in files.yaml_files:
        _read(collector, root, file, NODE_FILE_KEYS, ("version",), reader)
    models = _attach_sql(collector, root, files.sql_files)
    collector.diagnostics.extend(collector.overlay.unused())
    project = _assemble(collector, root, models, env, environment)
    if project is not None:
        collector.name_nodes(project.name)
        collector.diagnostics.extend(check_names(project))
        collector.diagnostics.extend(check_config(project))
    return LoadResult(
        project, sorted_diagnostics(collector.diagnostics), frozenset(collector.failed)
    )


def _read(
    c: Collector,
    root: Path,
    file: Path,
    allowed: tuple[str, ...],
    ignored: tuple[str, ...],
    reader: ChunkReader | None,
) -> None:
    display = display_name(root, file)
    text, diags = read_text(file, display)
    c.diagnostics.extend(diags)
    if text is None:
        return
    if reader is None or not reader.read(c, text, display, allowed, ignored):
        c.read_file(parse(text, display), allowed, ignored)


def _attach_sql(c: Collector, root: Path, sql_files: tuple[Path, ...]) -> list[Model]:
    """`models/**/<name>.sql` gives its SQL to the YAML model of that name (or is one)."""
    models: list[Model] = [m for m in c.nodes["models"] if isinstance(m, Model)]
    by_name = {m.name: i for i, m in enumerate(models)}
    seen: dict[str, str] = {}
    for file in sql_files:
        display = display_name(root, file)
        name = file.stem
        if name in seen:
            c.add(
                Diagnostic(
                    "L009",
                    f"two SQL files define model '{name}'",
                    location=Location(display, 1, 1),
                    hint=f"the other one is {seen[name]}; model names are unique",
                )
            )
            continue
        seen[name] = display
        text, diags = read_text(file, display)
        c.diagnostics.extend(diags)
        if text is None:
            continue
        if len(text) > MAX_SQL_CHARS:
            c.add(
                Diagnostic(
                    "L014",
                    f"SQL file is {len(text)} characters long (limit {MAX_SQL_CHARS})",
                    location=Location(display, 1, 1),
                    hint="split the model; generated SQL this large is a mistake",
                )
            )
            continue
        origin = {"sql_location": Location(display, 1, 1), "sql_indent": 0}
        index = by_name.get(name)
        if index is None:
            data, spans = c.overlay.patch_node("models", {"name": name}, {})
            where = Location(display, 1, 1)
            data.update({"sql": text, "location": where, "spans": spans, **origin})
            built = c.validate(Model, data, partial(_span, spans, where), f"model '{name}'")
            if built is not None:
                models.append(built)
            continue
        model = models[index]
        if model.sql is not None:
            c.add(
                Diagnostic(
                    "L009",
                    f"model '{name}' has SQL both in YAML and in {display}",
                    location=model.where("sql"),
                    hint="keep the SQL in one place: remove 'sql:' or the .sql file",
                )
            )
            continue
        models[index] = model.model_copy(update={"sql": text, **origin})
    return models


def _assemble(
    c: Collector,
    root: Path,
    models: list[Model],
    env: str | None,
    environment: EnvironmentConfig | None,
) -> Project | None:
    for key, (value, over_spans, over_doc) in c.overlay.headers.items():
        base, spans, doc = c.headers.get(key, ({}, {}, over_doc))
        merged_spans = dict(spans)
        merged = merge(base or {}, value or {}, key, merged_spans, over_spans)
        c.headers[key] = (merged, merged_spans, doc)
    info, spans = header_value(c, "project", ProjectInfo, "project")
    main_failed = any(
        d.location.file == PROJECT_FILES[0] and d.code in ("L002", "L003", "L004")
        for d in c.diagnostics
    )
    if "project" not in c.headers and not main_failed:
        c.add(
            Diagnostic(
                "L007",
                "missing required section 'project'",
                location=Location(PROJECT_FILES[0], 1, 1),
                hint="add:\nproject:\n  name: my-pipeline",
            )
        )
    runtime, runtime_spans = header_value(c, "runtime", RuntimeConfig, "runtime")
    defaults, defaults_spans = header_value(c, "defaults", Defaults, "defaults")
    rules, rules_spans = header_value(c, "rules", Rules, "rules")
    declared = "runtime" in c.headers
    if info is None or (declared and runtime is None):
        return None
    all_spans: dict[str, Location] = {"": Location(PROJECT_FILES[0], 1, 1)}
    for part in (spans, runtime_spans, defaults_spans, rules_spans):
        all_spans.update(part)
    fields: dict[str, Any] = {
        "root": str(root),
        "project": info,
        "runtime": runtime if declared else local_runtime(),
        "runtime_declared": declared,
        "defaults": defaults or Defaults(),
        "rules": rules or Rules(),
        "sources": tuple(c.nodes["sources"]),
        "models": tuple(models),
        "tests": tuple(c.nodes["tests"]),
        "exposures": tuple(c.nodes["exposures"]),
        "functions": tuple(c.nodes["functions"]),
        "environment": env,
        "environment_config": environment,
        "spans": all_spans,
    }
    return Project.model_construct(**fields)


def _span(spans: dict[str, Location], default: Location, path: str) -> Location:
    return spans.get(path, default)


def outside_diagnostic(root: Path, link: Path) -> Diagnostic:
    return Diagnostic(
        "V132",
        "not read: this project file is a symlink to a file outside the project",
        location=Location(display_name(root, link)),
        hint="copy the file into the project (streamt reads only files inside the project root)",
    )


def environment_names(root: Path) -> list[str]:
    """The environments a project declares: `environments/<name>.yml` (or `.yaml`)."""
    folder = root / "environments"
    return sorted({p.stem for p in folder.glob("*.y*ml")}) if folder.is_dir() else []


def default_environment(path: Path) -> str | None:
    """`project.default_environment` of the project at `path`, read from its project file alone
    (the environment must be known before the files are read: its overlay patches them). A file
    that does not parse answers None; loading it reports why."""
    project_file = find_project_file(Path(path))
    if project_file is None:
        return None
    text, _ = read_text(project_file, project_file.name)
    if text is None:
        return None
    doc = parse(text, project_file.name)
    sub = Collector(patching=True)
    sub.read_file(doc, PROJECT_KEYS, ())
    header = sub.headers.get("project")
    value = header[0].get("default_environment") if header and isinstance(header[0], dict) else None
    return value if isinstance(value, str) and value else None


def _no_environment(c: Collector, root: Path) -> None:
    """L100: a project with `environments/` is always run in one of them, never silently in
    none (which would compile against the project's own runtime, by default localhost)."""
    known = environment_names(root)
    if known:
        c.add(
            Diagnostic(
                "L100",
                f"this project has environments ({', '.join(known)}) and none was selected",
                location=Location("environments"),
                hint=f"pass --env NAME, set STREAMT_ENV, or set project.default_environment, "
                f"e.g. --env {known[0]}",
            )
        )


def _environment(c: Collector, root: Path, env: str) -> EnvironmentConfig | None:
    folder = root / "environments"
    problem = name_problem(NameKind.ENVIRONMENT, env)
    if problem:
        c.add(
            Diagnostic(
                "L012",
                f"invalid environment name {env!r}: it {problem}",
                hint=hint_for(NameKind.ENVIRONMENT),
            )
        )
        return None
    file = _environment_file(folder, env)
    template = None if file is not None else _template_of(root, env)
    if template is not None:
        file = _environment_file(folder, template)
    if file is None:
        known = environment_names(root)
        c.add(
            Diagnostic(
                "L012",
                f"environment '{env}' not found",
                location=Location("environments"),
                hint=f"available: {', '.join(known)}"
                if known
                else f"create environments/{env}.yml",
            )
        )
        return None
    if not is_inside(root.resolve(), file):
        c.add(outside_diagnostic(root, file))
        return None
    display = display_name(root, file)
    text, diags = read_text(file, display)
    c.diagnostics.extend(diags)
    if text is None:
        return None
    doc = parse(text, display)
    sub = Collector(patching=True)
    sub.read_file(doc, ENVIRONMENT_KEYS + PROJECT_KEYS, ())
    c.diagnostics.extend(sub.diagnostics)
    c.overlay = sub.overlay
    data: dict[str, Any] = {}
    spans: dict[str, Location] = {}
    for key, (value, s, _) in sub.headers.items():
        if key in ENVIRONMENT_KEYS:
            data[key] = value
            spans.update(s)
            continue
        if key == "project" and isinstance(value, dict) and "name" in value:
            del value["name"]
            c.add(
                Diagnostic(
                    "L102",
                    "an environment cannot change the project's name",
                    location=s.get("project.name", Location(display, 1, 1)),
                    hint="every name and the ledger derive from it; use environment: {prefix: ...}",
                )
            )
        c.overlay.headers[key] = (value, s, doc)
    config: EnvironmentConfig | None = c.validate(
        EnvironmentConfig,
        data,
        lambda p: spans.get(p, Location(display, 1, 1)),
        f"environment '{env}'",
    )
    stem = template or env
    if config is not None and config.environment.name not in (None, stem):
        c.add(
            Diagnostic(
                "L012",
                f"environment file declares name '{config.environment.name}'",
                location=spans.get("environment", Location(display, 1, 1)),
                hint=f"the name must match the file name '{stem}'",
            )
        )
    if config is not None and config.environment.template and template is None:
        c.add(
            Diagnostic(
                "L115",
                f"environment '{env}' is a template (environment.template: true): it is never "
                "selected itself",
                location=spans.get("environment.template", Location(display, 1, 1)),
                hint=f"select an environment derived from it, e.g. --env {env}-123 (its names "
                f"are prefixed with '{env}-123-')",
            )
        )
    if config is not None and template is not None:
        info = config.environment
        derived = info.model_copy(
            update={"name": env, "template": False, "prefix": f"{info.prefix or ''}{env}-"}
        )
        config = config.model_copy(update={"environment": derived})
    return config


def _environment_file(folder: Path, env: str) -> Path | None:
    return next(
        (folder / f"{env}{s}" for s in (".yml", ".yaml") if (folder / f"{env}{s}").is_file()), None
    )


def _template_of(root: Path, env: str) -> str | None:
    """The template environment `env` derives from: the longest `<name>` of an environment file
    that declares `environment.template: true` with `env` = `<name>-<suffix>`."""
    for name in sorted(environment_names(root), key=len, reverse=True):
        if env.startswith(f"{name}-") and _declares_template(root / "environments", name):
            return name
    return None


def _declares_template(folder: Path, name: str) -> bool:
    """Whether `environments/<name>.yml` says `environment: {template: true}` (a file that does
    not read or parse says no; selecting it reports why)."""
    file = _environment_file(folder, name)
    if file is None:
        return False
    text, _ = read_text(file, file.name)
    if text is None:
        return False
    sub = Collector(patching=True)
    sub.read_file(parse(text, file.name), ENVIRONMENT_KEYS, ())
    header = sub.headers.get("environment")
    value = header[0] if header else None
    return isinstance(value, dict) and value.get("template") is True
