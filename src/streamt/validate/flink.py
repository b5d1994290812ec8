"""`validate --flink`: ask the real Flink planner about every compiled job.

Pure: the caller passes `explain(statements) -> [error, ...]` (the adapters' `FlinkCluster
.explain`, which runs the job's setup statements and `EXPLAIN`s its INSERT in a throwaway SQL
Gateway session). Errors become `V092` diagnostics placed at the model's SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from streamt.compile.specs import DesiredState
from streamt.diagnostics import Diagnostic, Location
from streamt.load.ids import NodeKind, node_id
from streamt.load.model import Project

Explain = Callable[[Sequence[str]], list[str]]


def explain_jobs(project: Project, desired: DesiredState, explain: Explain) -> list[Diagnostic]:
    models = {node_id(NodeKind.MODEL, project.name, m.name): m for m in project.models}
    out: list[Diagnostic] = []
    for job in desired.jobs:
        model = models.get(job.node)
        where = model.where("sql") if model is not None else Location()
        for error in explain(job.statements):
            out.append(
                Diagnostic(
                    "V092",
                    f"Flink rejects the job of '{job.name}': {_first_line(error)}",
                    location=where,
                    node=job.node,
                    hint="the Flink planner checked the compiled job (streamt compile writes it "
                    "under flink/); fix the model SQL",
                )
            )
    return out


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:3])[:500] if lines else "unknown error"
