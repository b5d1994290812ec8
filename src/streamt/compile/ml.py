"""ML inference models (ML_PREDICT / ML_EVALUATE): where they can run and what they return.

- C060 (error): the model's Flink cluster (`advanced.flink_cluster`, else `runtime.flink`'s
  default) is not a Confluent Cloud cluster (`type: confluent`): open-source Flink has no
  ML_PREDICT / ML_EVALUATE, the job could never start.
- C061 (error): a called ML model has no `ml_outputs` entry: the columns it returns are
  unknown (never typed STRING silently).
- C030 (info): the job runs on the named Confluent Cloud cluster.
- C064 (error): an `ml_outputs` column whose type is not a Flink SQL type (it would be typed
  STRING silently).
- C063 (warning): `advanced.flink_cluster` names another cluster than the default: apply
  deploys every job of a project to `runtime.flink`'s default cluster (no per-model routing).
Pure: reads the loaded model and runtime only.
"""

from __future__ import annotations

from streamt.diagnostics import Diagnostic, Severity
from streamt.load.model import Model, Project
from streamt.sql import QueryAnalysis, parse_type


def flink_cluster_of(project: Project) -> tuple[str, str]:
    """(name, type) of the Flink cluster apply deploys jobs to ("" name: the local stack)."""
    flink = project.runtime.flink
    if flink is None:
        return "", "rest"
    name = flink.default or next(iter(flink.clusters), "")
    cluster = flink.clusters.get(name)
    return name, cluster.type if cluster is not None else "rest"


def _unrouted(project: Project, model: Model, nid: str, default: str) -> list[Diagnostic]:
    wanted = model.advanced.flink_cluster
    if not wanted or wanted == default:
        return []
    return [
        Diagnostic(
            "C063",
            f"model '{model.name}' asks for Flink cluster '{wanted}', but apply deploys every "
            f"job to the default cluster '{default or 'local'}'",
            Severity.WARNING,
            model.where("advanced.flink_cluster"),
            hint=f"set runtime.flink.default: {wanted} (per-model clusters are not routed)",
            node=nid,
        )
    ]


def _bad_types(model: Model, nid: str) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for ml_model, spec in model.ml_outputs.items():
        for col in spec.columns:
            try:
                parse_type(col.type or "STRING")
            except ValueError:
                out.append(
                    Diagnostic(
                        "C064",
                        f"ml_outputs of '{ml_model}' gives column '{col.name}' the type "
                        f"{col.type!r}, which is not a Flink SQL type",
                        Severity.ERROR,
                        model.where(f"ml_outputs.{ml_model}"),
                        hint="use a Flink SQL type such as DOUBLE, STRING, ARRAY<FLOAT>",
                        node=nid,
                    )
                )
    return out


def ml_problems(
    project: Project, model: Model, nid: str, analysis: QueryAnalysis
) -> list[Diagnostic]:
    name, kind = flink_cluster_of(project)
    out = _unrouted(project, model, nid, name) + _bad_types(model, nid)
    if not analysis.ml_functions:
        return out
    calls = ", ".join(analysis.ml_functions)
    if kind != "confluent":
        where = f"cluster '{name}' (type: {kind})" if name else "the local stack's Flink"
        out.append(
            Diagnostic(
                "C060",
                f"model '{model.name}' uses {calls}, which only Confluent Cloud Flink runs; "
                f"it would go to {where}",
                Severity.ERROR,
                model.where("sql"),
                hint="add a cluster with `type: confluent` under runtime.flink.clusters and make "
                "it runtime.flink.default (apply deploys every job to the default cluster)",
                node=nid,
            )
        )
    else:
        out.append(
            Diagnostic(
                "C030",
                f"model '{model.name}' uses {calls}: its job runs on Confluent Cloud Flink "
                f"cluster '{name}'",
                Severity.INFO,
                model.where("sql"),
                node=nid,
            )
        )
    declared = set(model.ml_outputs)
    for missing in (m for m in analysis.ml_models if m not in declared):
        shown = f"'{missing}'" if missing else "(no model name)"
        out.append(
            Diagnostic(
                "C061",
                f"model '{model.name}' calls ML model {shown} without declaring what it returns",
                Severity.ERROR,
                model.where("ml_outputs") if model.ml_outputs else model.where("sql"),
                hint=f"declare its output columns: ml_outputs: {{{missing or 'ModelName'}: "
                "{column: TYPE, ...}} (the model's OUTPUT schema, in order)",
                node=nid,
            )
        )
    return out
