"""Column demand for inputs whose columns are inferred (sources that declare no typed columns,
no schema and have no lock entry). Pure.

Every column a query touches is inferred on the input it reads it from (`streamt.sql`). A model
whose output passes such an input's columns through `SELECT *` / `alias.*` is itself open while
inferring: a reader (a downstream model, a data test) that names one of its columns it does not
have yet demands that column of the model, and the model passes the demand on to the input its
`*` came from — down to the source. Compiling again with the source's columns seeded from the
demand expands every `*` to them; this repeats until no new column appears.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from streamt.diagnostics import Diagnostic
from streamt.load.model import Model, Project, Source
from streamt.sql import Column, TableSchema
from streamt.sql.types import STRING

InputKey = tuple[str, str]  # ("source" | "ref", name)


def documented(source: Source) -> tuple[Column, ...]:
    """Column entries without a type only document: they annotate the inferred schema."""
    return tuple(Column(c.name, STRING) for c in source.columns if not c.type and not c.proctime)


def is_documentation_only(source: Source) -> bool:
    return bool(source.columns) and all(not c.type and not c.proctime for c in source.columns)


def push_back(
    models: Sequence[str],
    demand: Mapping[InputKey, Sequence[Column]],
    star_from: Mapping[str, InputKey],
    outputs: Mapping[str, Iterable[str]],
) -> dict[str, list[Column]]:
    """Per source, the columns readers demand of models that pass its `*` through (`models`
    in graph order, each model's demand moving to the input of its `*`)."""
    pending = {k: list(v) for k, v in demand.items()}
    found: dict[str, list[Column]] = {}
    for model in reversed(models):
        origin = star_from.get(model)
        wanted = pending.get(("ref", model), [])
        if origin is None or not wanted:
            continue
        have = set(outputs.get(model, ()))
        missing = [c for c in wanted if c.name not in have]
        if origin[0] == "source":
            found.setdefault(origin[1], []).extend(missing)
        else:
            pending.setdefault(origin, []).extend(missing)
    for (kind, name), cols in pending.items():
        if kind == "source":
            found.setdefault(name, []).extend(cols)
    return found


_FIXES = (
    "declare the source's columns (`columns:` with a type each), add a `schema:`, or run "
    "`streamt schemas pull` to lock them from the registry"
)


def unknown_columns(
    model: Model,
    nid: str,
    output: Sequence[Column],
    inputs: Mapping[str, Sequence[Column]],
) -> list[Diagnostic]:
    """S020: a job never gets a table without columns (Flink would accept it and read or
    write `{}` for every record). `inputs` maps each input's description to its columns."""
    out = [
        Diagnostic(
            "S020",
            f"model '{model.name}' reads {name}, whose columns cannot be known: it declares "
            "none and no model or data test names one",
            location=model.where("sql"),
            hint=_FIXES,
            node=nid,
        )
        for name, columns in inputs.items()
        if not columns
    ]
    if not out and not output:
        out.append(
            Diagnostic(
                "S020",
                f"model '{model.name}' has no output column that can be known",
                location=model.where("sql"),
                hint=_FIXES,
                node=nid,
            )
        )
    return out


def stars_without_columns(
    project: Project,
    star_from: Mapping[str, InputKey],
    schemas: Mapping[str, TableSchema],
    model_id: Callable[[str], str],
) -> list[Diagnostic]:
    """S021: `SELECT *` over an inferred source whose only known column is the one streamt adds
    for its event time (the job would write that column alone). A source with no column at all
    gets S020 at each reader instead. `schemas`: the closed source schemas."""
    models = {m.name: m for m in project.models}
    sources = {s.name: s for s in project.sources}
    out = []
    for model_name, (kind, name) in sorted(star_from.items()):
        model, source = models.get(model_name), sources.get(name)
        if kind != "source" or model is None or source is None or name not in schemas:
            continue
        event_time = source.event_time.column if source.event_time else None
        columns = schemas[name].columns
        if columns and all(c.name == event_time for c in columns):
            out.append(
                Diagnostic(
                    "S021",
                    f"model '{model.name}' selects * from source '{source.name}', whose columns "
                    "cannot be known: it declares none and no model or data test names one",
                    location=model.where("sql"),
                    hint=_FIXES + "; or list the columns you select",
                    node=model_id(model_name),
                )
            )
    return out


def demand_of_tests(
    project: Project, tests: Mapping[str, Sequence[str]]
) -> dict[InputKey, list[Column]]:
    """Columns data tests read, as demand on their target (a model wins over a source)."""
    models = {m.name for m in project.models}
    return {
        ("ref" if name in models else "source", name): [Column(c, STRING) for c in cols]
        for name, cols in tests.items()
    }
